#!/usr/bin/env python3
"""ptyrun.py OUT CMD...: run CMD with its stdout on a pseudo-terminal in raw
mode (no CR added before LF), copy what it prints to the file OUT, exit with
its status. stdin and stderr are inherited. SIGTERM/SIGINT are passed on."""
import os
import pty
import signal
import subprocess
import sys
import tty


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    master, slave = pty.openpty()
    tty.setraw(slave)
    child = subprocess.Popen(cmd, stdout=slave, close_fds=True)
    os.close(slave)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: child.send_signal(s))
    with open(out, "wb", buffering=0) as f:
        while True:
            try:
                data = os.read(master, 65536)
            except InterruptedError:
                continue
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            f.write(data)
    sys.exit(child.wait())


main()
