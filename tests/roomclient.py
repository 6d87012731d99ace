#!/usr/bin/env python3
r"""Scripted room members for the chat-listen --room tests (stdlib only).

usage: roomclient.py hub DIR
       roomclient.py [-6] [-t SECS] PORT MODE [ARGS...]

hub: any number of members (and the host's stdin) driven by one process,
so that a test pays for one python start. If the FIFO DIR/host.fifo exists
it opens it read-write first (a room reading it as its stdin can start).
It reads commands, one a line, from the FIFO DIR/hub.cmd (opened
read-write: it never sees an end):

  join NAME ADDR PORT     connect a member; what it receives is appended to
                          DIR/NAME.out as it comes; when the room closes the
                          connection, DIR/NAME.closed appears
  say NAME TEXT           send TEXT and a newline (NAME host: to the host's
                          stdin)
  fmt NAME ESCAPED        send bytes written with backslash escapes (\n,
                          \r, \t, \033, \000, \xHH ...), nothing added
  file NAME PATH          send the content of PATH
  leave NAME              end of the member's input (shutdown of the sending
                          side); for host, close the room's stdin

Otherwise it connects to 127.0.0.1 (::1 with -6) on PORT. Modes:

  many N LINE       N members at once; prints "ready N" when each has its
                    welcome, then "got N" and exits 0 when each has received
                    the exact line LINE (exit 1 after SECS if not)
  hold N LINE       as many, but stays connected (reading) after "got N"
  noread            one member that never reads, with a small SO_RCVBUF;
                    prints "connected" and waits to be killed
  flood COUNT SIZE [UNTIL [FILE]]
                    one member that sends COUNT lines of SIZE bytes (with the
                    newline) as fast as it can, "NNNNNN xxx...x" numbered
                    from 0, in batches of 64; with UNTIL (may be empty),
                    stops 128 lines after it receives the exact line UNTIL;
                    with FILE, another member joins first and writes every
                    line it receives to FILE, and each batch waits until
                    that member has the one before; prints "sent N" (the
                    lines it sent), then reads until killed or disconnected
  bytewise LINES    two members that send LINES lines each, one byte at a
                    time, alternating, so their partial lines overlap;
                    prints "done" and stays connected until killed

-t SECS bounds every wait (default 10). Diagnostics go to stderr.
"""

import codecs
import os
import selectors
import signal
import socket
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 10.0


def die(msg, code=1):
    sys.stderr.write("roomclient: %s\n" % msg)
    sys.stderr.flush()
    sys.exit(code)


def say(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def connect(rcvbuf=None):
    fam = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(TIMEOUT)
    s.connect((HOST, PORT))
    return s


class Lines:
    """Bytes from one socket, cut into lines."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.held = []
        self.eof = False

    def feed(self):
        """Reads once; returns the complete lines held so far."""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError, socket.timeout):
            data = None
        except ConnectionResetError:
            data = b""
        if data == b"":
            self.eof = True
        elif data:
            self.buf += data
            *lines, self.buf = self.buf.split(b"\n")
            self.held.extend(lines)
        lines, self.held = self.held, []
        return lines

    def line(self, deadline):
        """The next line, waiting for it (blocking socket)."""
        while not self.held:
            left = deadline - time.monotonic()
            if left <= 0:
                die("timed out waiting for a line (have %r)" % self.buf[:200])
            self.sock.settimeout(left)
            self.held = self.feed()
            if self.eof and not self.held:
                die("connection closed while waiting for a line")
        return self.held.pop(0)


def welcome(lines, deadline):
    line = lines.line(deadline)
    if not line.startswith(b"* welcome "):
        die("expected a welcome, got %r" % line[:200])
    return line


class Hub:
    """Members and the host's stdin, driven by commands."""

    def __init__(self, d):
        self.dir = d
        self.sel = selectors.DefaultSelector()
        self.members = {}
        self.host = None

    def out(self, name, data):
        with open(os.path.join(self.dir, name + ".out"), "ab") as f:
            f.write(data)

    def send(self, name, data):
        if name == b"host":
            while data:
                data = data[os.write(self.host, data):]
            return
        self.members[name].sendall(data)

    def command(self, line):
        word, _, rest = line.partition(b" ")
        name, _, arg = rest.partition(b" ")
        if word == b"join":
            addr, _, port = arg.partition(b" ")
            addr = addr.decode()
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(TIMEOUT)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.connect((addr, int(port)))
            self.members[name] = s
            self.sel.register(s, selectors.EVENT_READ, name.decode())
        elif word == b"say":
            self.send(name, arg + b"\n")
        elif word == b"fmt":
            self.send(name, codecs.escape_decode(arg)[0])
        elif word == b"file":
            with open(arg, "rb") as f:
                self.send(name, f.read())
        elif word == b"leave" and name == b"host":
            os.close(self.host)
            self.host = None
        elif word == b"leave":
            self.members[name].shutdown(socket.SHUT_WR)
        else:
            raise ValueError("unknown command")

    def receive(self, sock, name):
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if data:
            self.out(name, data)
            return
        self.sel.unregister(sock)
        sock.close()
        with open(os.path.join(self.dir, name + ".closed"), "w"):
            pass

    def run(self):
        host = os.path.join(self.dir, "host.fifo")
        if os.path.exists(host):
            self.host = os.open(host, os.O_RDWR)
        cmd = os.open(os.path.join(self.dir, "hub.cmd"), os.O_RDWR)
        self.sel.register(cmd, selectors.EVENT_READ, None)
        buf = b""
        while True:
            for key, _ in self.sel.select():
                if key.data is not None:
                    self.receive(key.fileobj, key.data)
                    continue
                buf += os.read(cmd, 65536)
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    try:
                        self.command(line)
                    except (OSError, ValueError, KeyError) as e:
                        sys.stderr.write("roomclient hub: %r: %s\n"
                                         % (line[:80], e))
                        sys.stderr.flush()


def mode_many(n, want, hold):
    want = want.encode()
    deadline = time.monotonic() + TIMEOUT
    members = [Lines(connect()) for _ in range(n)]
    names = set()
    for lb in members:
        names.add(welcome(lb, deadline).split(b";")[0])
    if len(names) != n:
        die("%d distinct welcomes for %d members" % (len(names), n))
    say("ready %d" % n)
    sel = selectors.DefaultSelector()
    got = set()
    for lb in members:
        lb.sock.setblocking(False)
        sel.register(lb.sock, selectors.EVENT_READ, lb)
        # lines that came with the welcome
        if want in lb.held:
            got.add(lb.sock)
        lb.held = []
    reported = False
    while True:
        if len(got) == n and not reported:
            say("got %d" % n)
            reported = True
            if not hold:
                return 0
        left = deadline - time.monotonic()
        if not reported and left <= 0:
            die("timed out: %d of %d members got %r" % (len(got), n, want))
        for key, _ in sel.select(max(left, 0.05) if not reported else None):
            lb = key.data
            if want in lb.feed():
                got.add(key.fileobj)
            if lb.eof:
                sel.unregister(key.fileobj)
                if not reported:
                    die("a member was disconnected")


def mode_noread():
    # a small receive buffer: the room's queue for it fills soon
    s = connect(rcvbuf=1024)  # held (never read) until the process ends
    say("connected")
    while s:
        signal.pause()


def drain_forever(members):
    sel = selectors.DefaultSelector()
    for lb in members:
        lb.sock.setblocking(False)
        sel.register(lb.sock, selectors.EVENT_READ, lb)
    while sel.get_map():
        for key, _ in sel.select():
            key.data.feed()
            if key.data.eof:
                sel.unregister(key.fileobj)
    return 0


def mode_flood(count, size, until=None, observe=None):
    deadline = time.monotonic() + TIMEOUT
    pad = size - 8
    if pad < 0:
        die("SIZE must be at least 8")
    members = []
    if observe:
        obs = Lines(connect())
        welcome(obs, deadline)
        members.append(obs)
        out = open(observe, "wb")
    fl = Lines(connect())
    welcome(fl, deadline)
    members.append(fl)
    until = until.encode() if until else None
    i = 0
    while i < count:
        n = min(64, count - i)
        fl.sock.settimeout(max(deadline - time.monotonic(), 0.01))
        fl.sock.sendall(b"".join(b"%06d " % (i + k) + b"x" * pad + b"\n"
                                 for k in range(n)))
        i += n
        if observe:
            # lock step: the observer has the batch before the next one
            # goes, so only the room decides who falls behind
            last = b" %06d " % (i - 1)
            while True:
                line = obs.line(deadline)
                out.write(line + b"\n")
                if line.startswith(b"<") and last in line:
                    break
        if until is None:
            continue
        # what came back to the flooder so far, without waiting
        fl.sock.setblocking(False)
        if until in fl.feed():
            # seen: 128 lines more, to show the flow goes on
            count = min(count, i + 128)
            until = None
    if observe:
        out.close()
    say("sent %d" % i)
    return drain_forever(members)


def mode_bytewise(nlines):
    deadline = time.monotonic() + TIMEOUT
    a = Lines(connect())
    welcome(a, deadline)
    b = Lines(connect())
    welcome(b, deadline)
    for lb in (a, b):
        lb.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    da = b"".join(b"a%d-%s\n" % (i, b"a" * 24) for i in range(nlines))
    db = b"".join(b"b%d-%s\n" % (i, b"b" * 24) for i in range(nlines))
    for i in range(max(len(da), len(db))):
        if i < len(da):
            a.sock.sendall(da[i:i + 1])
        if i < len(db):
            b.sock.sendall(db[i:i + 1])
        time.sleep(0.001)
    say("done")
    return drain_forever([a, b])


def main():
    global HOST, PORT, TIMEOUT
    args = sys.argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if len(args) == 2 and args[0] == "hub":
        return Hub(args[1]).run()
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt == "-6":
            HOST = "::1"
        elif opt == "-t" and args:
            TIMEOUT = float(args.pop(0))
        else:
            die("unknown option %s" % opt, 2)
    if len(args) < 2:
        die("usage: roomclient.py [-6] [-t SECS] PORT MODE [ARGS...]", 2)
    PORT = int(args[0])
    mode, rest = args[1], args[2:]
    try:
        if mode in ("many", "hold") and len(rest) == 2:
            return mode_many(int(rest[0]), rest[1], mode == "hold")
        if mode == "noread" and not rest:
            return mode_noread()
        if mode == "flood" and 2 <= len(rest) <= 4:
            return mode_flood(int(rest[0]), int(rest[1]), *rest[2:])
        if mode == "bytewise" and len(rest) == 1:
            return mode_bytewise(int(rest[0]))
    except OSError as e:
        die(str(e))
    die("bad mode or arguments: %s" % " ".join(args[1:]), 2)
    return 2


if __name__ == "__main__":
    sys.exit(main())
