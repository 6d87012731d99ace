#!/usr/bin/env python3
r"""A scripted fake proxy for the chat-connect -x tests (stdlib only).

It plays what a real proxy cannot be made to do on demand: every SOCKS5
reply code and address type, a reply cut into single bytes, data from the
"destination" in the same write as the reply, a header that never ends, a
proxy that never answers or hangs up halfway. It connects nowhere: after
its reply it can play the destination itself (echo).

usage: fakeproxy.py [-6] [-p PORT] DIR STEP...

Listens on 127.0.0.1 (::1 with -6), port PORT (default 0: the kernel
picks), and says "fakeproxy: listening on PORT" on stderr (exit 2 if it
cannot bind). Takes one client and plays the STEPs to it in order.
DIR/fake.raw gets every byte the handshake steps read, exactly;
DIR/fake.data what echo and drain read; DIR/fake.log is the transcript.
Gives up 20 s after its start (FAKEPROXY_LIMIT=SECS): exit 3; a read
step that meets the end of the stream: exit 4.

STEP (one argument each; ESC is text where \r \n \t \\ and \xNN are
escapes):
  greeting      a SOCKS5 greeting: VER NMETHODS METHODS
  auth          an RFC 1929 request: VER ULEN USER PLEN PASS
  request       a SOCKS5 request: VER CMD RSV ATYP ADDR PORT (the
                address as long as ATYP and, for a name, its length say)
  header        an HTTP request header, up to and with its blank line
  read N        N bytes
  send ESC      ESC's bytes in one write
  drip MS ESC   ESC's bytes one write per byte, MS ms apart (TCP_NODELAY:
                each its own segment)
  pad N         N bytes (at least 10) of "X-Pad: xxx...\r\n" lines
  sleep SECS
  echo          the destination: send back what comes until the end of
                the stream, then close
  drain         read until the end of the stream (never answer)
  close         close the connection now
The steps done, the connection is closed. Exit 0.
"""

import os
import select
import socket
import sys
import time


def unescape(s):
    b = s.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    simple = {ord("r"): b"\r", ord("n"): b"\n", ord("t"): b"\t",
              0x5C: b"\\"}
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = b[i + 1]
            if n in simple:
                out += simple[n]
                i += 2
                continue
            if n == ord("x") and i + 4 <= len(b):
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
        out.append(c)
        i += 1
    return bytes(out)


def pad(n):
    """n bytes (n >= 10) of header lines, 100 bytes each but the last."""
    def line(size):
        return b"X-Pad: " + b"x" * (size - 9) + b"\r\n"
    if n < 200:
        return line(n)
    return line(100) * (n // 100 - 1) + line(100 + n % 100)


def esc(b):
    return "".join(chr(c) if 0x20 <= c < 0x7F and c != 0x5C
                   else "\\x%02x" % c for c in b)


class Fake:
    def __init__(self, d, six, port):
        self.dir = d
        self.start = time.monotonic()
        limit = float(os.environ.get("FAKEPROXY_LIMIT", "20"))
        self.deadline = self.start + limit
        self.log = open(os.path.join(d, "fake.log"), "a", buffering=1,
                        encoding="utf-8")
        self.raw = open(os.path.join(d, "fake.raw"), "ab", buffering=0)
        self.data = open(os.path.join(d, "fake.data"), "ab", buffering=0)
        fam = socket.AF_INET6 if six else socket.AF_INET
        self.lsock = socket.socket(fam, socket.SOCK_STREAM)
        try:
            self.lsock.bind(("::1" if six else "127.0.0.1", port))
        except OSError as e:
            sys.stderr.write("fakeproxy: cannot bind port %d: %s\n"
                             % (port, e))
            sys.exit(2)
        self.lsock.listen(1)
        self.sock = None

    def note(self, text):
        ms = int((time.monotonic() - self.start) * 1000)
        self.log.write("%6d %s\n" % (ms, text))

    def give_up(self, why, rc):
        sys.stderr.write("fakeproxy: %s\n" % why)
        self.note("! " + why)
        sys.exit(rc)

    def left(self):
        return max(self.deadline - time.monotonic(), 0)

    def accept(self):
        r, _, _ = select.select([self.lsock], [], [], self.left())
        if not r:
            self.give_up("no client came", 3)
        self.sock, _ = self.lsock.accept()
        self.lsock.close()
        self.note("client came")

    def recv(self, n):
        """Up to n bytes once some have come; b"" at the end of stream."""
        r, _, _ = select.select([self.sock], [], [], self.left())
        if not r:
            self.give_up("time limit", 3)
        try:
            return self.sock.recv(n)
        except OSError as e:
            self.note("! recv: %s" % e)
            return b""

    def read(self, n):
        """Exactly n bytes, logged to fake.raw."""
        got = b""
        while len(got) < n:
            b = self.recv(n - len(got))
            if not b:
                self.give_up("end of stream after %d of %d bytes"
                             % (len(got), n), 4)
            self.raw.write(b)
            got += b
        self.note("< " + esc(got))
        return got

    def send(self, b):
        try:
            self.sock.sendall(b)
            self.note("> " + esc(b))
        except OSError as e:
            self.note("! send: %s" % e)

    def header(self):
        got = b""
        while not got.endswith(b"\r\n\r\n"):
            if len(got) > 65536:
                self.give_up("header over 64 KiB", 4)
            got += self.read(1)

    def request(self):
        head = self.read(4)
        atyp = head[3]
        if atyp == 1:
            self.read(4)
        elif atyp == 4:
            self.read(16)
        elif atyp == 3:
            self.read(self.read(1)[0])
        else:
            self.give_up("request with address type %d" % atyp, 4)
        self.read(2)

    def pump(self, echo):
        while True:
            b = self.recv(65536)
            if not b:
                self.note("< (end of stream)")
                return
            self.data.write(b)
            if echo:
                self.send(b)

    def step(self, s):
        word, _, arg = s.partition(" ")
        self.note("step " + s[:80])
        if word == "greeting":
            self.read(self.read(2)[1])
        elif word == "auth":
            self.read(1)
            self.read(self.read(1)[0])
            self.read(self.read(1)[0])
        elif word == "request":
            self.request()
        elif word == "header":
            self.header()
        elif word == "read":
            self.read(int(arg))
        elif word == "send":
            self.send(unescape(arg))
        elif word == "drip":
            ms, _, text = arg.partition(" ")
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for c in unescape(text):
                self.send(bytes([c]))
                time.sleep(int(ms) / 1000)
        elif word == "pad":
            self.send(pad(int(arg)))
        elif word == "sleep":
            time.sleep(float(arg))
        elif word == "echo":
            self.pump(True)
            return False
        elif word == "drain":
            self.pump(False)
        elif word == "close":
            return False
        else:
            self.give_up("unknown step: " + s, 5)
        return True

    def run(self, steps):
        self.accept()
        for s in steps:
            if not self.step(s):
                break
        self.sock.close()
        self.note("closed")


def main():
    args = sys.argv[1:]
    six, port = False, 0
    while args and args[0] in ("-6", "-p"):
        if args[0] == "-6":
            six = True
            args = args[1:]
        else:
            port = int(args[1])
            args = args[2:]
    if not args:
        sys.stderr.write(__doc__)
        sys.exit(5)
    f = Fake(args[0], six, port)
    sys.stderr.write("fakeproxy: listening on %d\n"
                     % f.lsock.getsockname()[1])
    sys.stderr.flush()
    f.run(args[1:])


if __name__ == "__main__":
    main()
