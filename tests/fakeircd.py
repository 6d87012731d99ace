#!/usr/bin/env python3
r"""A scripted fake IRC server for the chat-connect --irc tests (stdlib only).

It does what a real server cannot be made to do on demand: refuse every
nick, go silent, close with lines queued, and keep the exact bytes a
client sent.

usage: fakeircd.py serve DIR SCRIPT [-6]
       fakeircd.py check RAW NICK [TARGET TEXTFILE [action]]

serve   listens on 127.0.0.1 (::1 with -6), port 0, and says
        "fakeircd: listening on PORT" on stderr; takes one client and plays
        SCRIPT to it, then reads until the client closes. Every byte
        received is appended to DIR/fake.raw as it comes; DIR/fake.log is
        the transcript: "MS < line" received, "MS > line" sent (MS: since
        the connection came; bytes below 0x20, 0x7f and backslash written
        as \xNN, so a CR inside a line shows). A line is what ends in LF,
        its CR before the LF cut. Gives up 20 s after its start
        (FAKEIRCD_LIMIT=SECS): exit 3; an expect that times out: exit 4.
check   the messages in RAW (as fake.raw holds them): each ends in CRLF,
        holds no other CR, LF or NUL, is at most 512 bytes with its CRLF;
        each PRIVMSG and NOTICE is at most 512 - (1+len(NICK)+1+10+1+63+1)
        bytes (room for the ":nick!user@host " a server puts in front).
        With TARGET and TEXTFILE: the texts of the PRIVMSGs to TARGET, in
        order (CTCP ACTION wrappers taken off with "action"), put together
        are exactly TEXTFILE's bytes (its last newline cut), and each
        decodes as UTF-8 on its own (no character cut). Prints
        "messages N pieces M"; exit 1 with the reasons on a failure.

SCRIPT: one step a line; blank lines and lines starting with # ignored.
  expect RE          wait for a received line matching RE (Python re,
                     whole line); lines before it that do not match are
                     passed over; its groups become {1}..{9}
  send TEXT          TEXT and CRLF; \r \n \xNN \\ are escapes; {nick} is
                     the nick of the client's last NICK, {1}.. the groups
  sendraw TEXT       the same, nothing added
  reply RE TEXT      from now on, answer each received line matching RE
                     with TEXT (its groups as {1}..), at once
  noreply            drop every reply rule
  welcome            001 (to {nick}), 005 and a short MOTD (375 372 376)
  joined [NAMES]     expect JOIN #chan; echo the JOIN from {nick}, then 353
                     (NAMES, default {nick}) and 366
  sleep SECS
  mark NAME          create DIR/NAME (a test waits for it)
  waitfile NAME      wait until DIR/NAME exists (the test made it)
  close              close the connection now, exit 0
  drain              read until the client closes, or its QUIT, answered as
                     a server does: ERROR, close (also the script's end)
"""

import os
import re
import select
import socket
import sys
import time

SERVER = "irc.fake"


def esc(b):
    out = bytearray()
    for c in b:
        if c < 0x20 or c in (0x7F, 0x5C):
            out += b"\\x%02x" % c
        else:
            out.append(c)
    return out.decode("utf-8", "backslashreplace")


def unescape(s):
    b = s.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = b[i + 1]
            if n == ord("r"):
                out += b"\r"
                i += 2
                continue
            if n == ord("n"):
                out += b"\n"
                i += 2
                continue
            if n == 0x5C:
                out += b"\\"
                i += 2
                continue
            if n == ord("x") and i + 4 <= len(b):
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
        out.append(c)
        i += 1
    return bytes(out)


class Fake:
    def __init__(self, d, six):
        self.dir = d
        self.start = time.monotonic()
        limit = float(os.environ.get("FAKEIRCD_LIMIT", "20"))
        self.deadline = self.start + limit
        fam = socket.AF_INET6 if six else socket.AF_INET
        self.lsock = socket.socket(fam, socket.SOCK_STREAM)
        self.lsock.bind(("::1" if six else "127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.sock = None
        self.t0 = None
        self.buf = b""
        self.lines = []  # received, not yet passed by an expect
        self.rules = []
        self.groups = []
        self.nick = "*"
        self.eof = False
        self.raw = open(os.path.join(d, "fake.raw"), "ab", buffering=0)
        self.log = open(os.path.join(d, "fake.log"), "a", buffering=1,
                        encoding="utf-8")

    def ms(self):
        return int((time.monotonic() - (self.t0 or self.start)) * 1000)

    def left(self):
        return self.deadline - time.monotonic()

    def give_up(self, why, rc):
        sys.stderr.write("fakeircd: %s\n" % why)
        self.log.write("%7d ! %s\n" % (self.ms(), why))
        sys.exit(rc)

    def accept(self):
        r, _, _ = select.select([self.lsock], [], [], max(self.left(), 0))
        if not r:
            self.give_up("no client came", 3)
        self.sock, _ = self.lsock.accept()
        self.lsock.close()
        self.t0 = time.monotonic()

    def sub(self, text):
        text = text.replace("{nick}", self.nick)
        for i in range(9, 0, -1):
            g = self.groups[i - 1] if i <= len(self.groups) else ""
            text = text.replace("{%d}" % i, g or "")
        return text

    def sendb(self, data):
        for line in data.split(b"\r\n"):
            if line:
                self.log.write("%7d > %s\n" % (self.ms(), esc(line)))
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.log.write("%7d ! send: %s\n" % (self.ms(), e))

    def send(self, text, crlf=True):
        self.sendb(unescape(self.sub(text)) + (b"\r\n" if crlf else b""))

    def got_line(self, b):
        if b.endswith(b"\r"):
            b = b[:-1]
        self.log.write("%7d < %s\n" % (self.ms(), esc(b)))
        s = b.decode("utf-8", "surrogateescape")
        m = re.fullmatch(r"NICK :?(\S+)", s)
        if m:
            self.nick = m.group(1)
        for rx, text in self.rules:
            m = re.fullmatch(rx, s)
            if m:
                saved = self.groups
                self.groups = list(m.groups())
                self.send(text)
                self.groups = saved
        self.lines.append(s)

    def pump(self, timeout):
        """Reads what has come within timeout; False at end of file."""
        if self.eof:
            return False
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return True
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            self.log.write("%7d < (end of file)\n" % self.ms())
            return False
        self.raw.write(data)
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.got_line(line)
        return True

    def expect(self, rx):
        while True:
            while self.lines:
                s = self.lines.pop(0)
                m = re.fullmatch(rx, s)
                if m:
                    self.groups = list(m.groups())
                    return
            if self.left() <= 0:
                self.give_up("expect %s: not received" % rx, 4)
            if not self.pump(min(self.left(), 0.5)) and not self.lines:
                self.give_up("expect %s: the client closed first" % rx, 4)

    def sleep(self, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if not self.pump(end - time.monotonic()):
                return  # the client is gone: nothing to wait for

    def drain(self):
        while True:
            while self.lines:
                if re.match(r"QUIT( |$)", self.lines.pop(0)):
                    self.send("ERROR :Closing link (Quit)")
                    self.step("close")
            if not self.pump(min(self.left(), 0.5)):
                return
            if self.left() <= 0:
                self.give_up("the client did not close", 3)

    def step(self, line):
        word, _, arg = line.partition(" ")
        if word == "expect":
            self.expect(arg)
        elif word == "send":
            self.send(arg)
        elif word == "sendraw":
            self.send(arg, crlf=False)
        elif word == "reply":
            rx, _, text = arg.partition(" ")
            self.rules.append((rx, text))
        elif word == "noreply":
            self.rules = []
        elif word == "welcome":
            self.send(":%s 001 {nick} :Welcome to the fake network {nick}" % SERVER)
            self.send(":%s 005 {nick} NICKLEN=31 CHANTYPES=# :are supported" % SERVER)
            self.send(":%s 375 {nick} :- %s message of the day" % (SERVER, SERVER))
            self.send(":%s 372 {nick} :- the fake motd" % SERVER)
            self.send(":%s 376 {nick} :End of MOTD command" % SERVER)
        elif word == "joined":
            self.expect(r"JOIN (#\S+)")
            names = arg or "{nick}"
            self.send(":{nick}!user@127.0.0.1 JOIN {1}")
            self.send(":%s 353 {nick} = {1} :%s" % (SERVER, names))
            self.send(":%s 366 {nick} {1} :End of NAMES list" % SERVER)
        elif word == "sleep":
            self.sleep(float(arg))
        elif word == "mark":
            open(os.path.join(self.dir, arg), "w").close()
        elif word == "waitfile":
            path = os.path.join(self.dir, arg)
            while not os.path.exists(path):
                if self.left() <= 0:
                    self.give_up("waitfile %s: never came" % arg, 4)
                self.pump(0.02)
        elif word == "close":
            self.log.write("%7d > (close)\n" % self.ms())
            self.sock.close()
            sys.exit(0)
        elif word == "drain":
            self.drain()
            sys.exit(0)
        else:
            self.give_up("unknown step: %s" % line, 2)

    def run(self, script):
        sys.stderr.write("fakeircd: listening on %d\n" % self.port)
        sys.stderr.flush()
        self.accept()
        for line in script:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            self.step(line.strip())
        self.drain()


def check(raw_path, nick, target=None, textfile=None, action=False):
    raw = open(raw_path, "rb").read()
    problems = []
    limit_text = 512 - (1 + len(nick.encode()) + 1 + 10 + 1 + 63 + 1)
    msgs = raw.split(b"\r\n")
    if msgs and msgs[-1] != b"":
        problems.append("the last message does not end in CRLF: %r" % msgs[-1][:60])
    msgs = msgs[:-1] if msgs and msgs[-1] == b"" else msgs
    pieces = []
    for i, m in enumerate(msgs):
        if any(c in m for c in (b"\r", b"\n", b"\0")):
            problems.append("message %d holds CR, LF or NUL: %r" % (i, m[:80]))
        if len(m) + 2 > 512:
            problems.append("message %d is %d bytes with CRLF" % (i, len(m) + 2))
        if m.startswith((b"PRIVMSG ", b"NOTICE ")) and len(m) + 2 > limit_text:
            problems.append("message %d: %d bytes with CRLF, over %d (room for"
                            " the source prefix of %s)" % (i, len(m) + 2,
                                                           limit_text, nick))
        if target is not None:
            head = b"PRIVMSG " + target.encode() + b" :"
            if m.startswith(head):
                t = m[len(head):]
                if action:
                    if not (t.startswith(b"\x01ACTION ") and t.endswith(b"\x01")):
                        continue
                    t = t[8:-1]
                elif t.startswith(b"\x01"):
                    continue
                pieces.append(t)
    if textfile is not None:
        want = open(textfile, "rb").read()
        if want.endswith(b"\n"):
            want = want[:-1]
        got = b"".join(pieces)
        if got != want:
            problems.append("the pieces (%d, %d bytes) are not the text (%d bytes)"
                            % (len(pieces), len(got), len(want)))
        for i, p in enumerate(pieces):
            try:
                p.decode("utf-8")
            except UnicodeDecodeError as e:
                problems.append("piece %d is not UTF-8 on its own: %s" % (i, e))
    print("messages %d pieces %d" % (len(msgs), len(pieces)))
    for p in problems:
        print("fakeircd check: " + p, file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "serve":
        fake = Fake(argv[2], "-6" in argv[4:])
        with open(argv[3], encoding="utf-8") as f:
            script = f.readlines()
        fake.run(script)
        return 0
    if len(argv) >= 4 and argv[1] == "check":
        return check(argv[2], argv[3], *(argv[4:6] if len(argv) >= 6 else ()),
                     action=len(argv) > 6 and argv[6] == "action")
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
