#!/usr/bin/env python3
"""ptystall.py CMD...: run CMD with its stdout on a pseudo-terminal that
nobody ever reads, like a paused terminal: once the terminal's buffer is
full (about 20 KiB on Linux), a blocking write to it waits forever and a
nonblocking one fails with EAGAIN. stdin and stderr are inherited.

It keeps its own descriptor of the terminal, opened like a shell's, and
prints "slave fd N" on stdout: /proc/PID/fdinfo/N then shows whether CMD
changed the flags of that shared open file description (O_NONBLOCK).
Exits with CMD's status (128+N if signal N ended it)."""
import os
import pty
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: ptystall.py CMD...")
    master, slave = pty.openpty()
    child = subprocess.Popen(sys.argv[1:], stdout=slave, close_fds=True)
    print("slave fd %d" % slave, flush=True)
    rc = child.wait()
    os.close(master)
    sys.exit(128 - rc if rc < 0 else rc)


main()
