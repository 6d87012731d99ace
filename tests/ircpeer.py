#!/usr/bin/env python3
r"""Checks on what an IRC member of chat-listen --room received (stdlib only).

The members themselves are sockets of the room tests' hub
(tests/roomclient.py): what one receives is appended, as it comes, to
$T/NAME.out. This script judges such a file afterwards, or makes what a
member sends.

usage: ircpeer.py split FILE HEAD TEXTFILE [ctcp]
       ircpeer.py junk SEED COUNT

split    the messages of FILE that start with HEAD (one long line as the
         room split it; with ctcp, each text wrapped as a CTCP ACTION, and
         without, those that are one are left out)
         carry exactly the bytes of TEXTFILE (its last newline and any NUL,
         CR or LF taken out), in order; each is at most 512 bytes with its
         CRLF; none cuts a UTF-8 character (each text decodes on its own);
         and each but the last took as much as fitted (the next character
         would not have). Prints "messages N cut M": M is how many ended
         early, where cutting at the byte limit would have split a
         character.
junk     COUNT lines (CRLF) on stdout, the same for the same SEED: each
         an IRC command the room knows (NICK and QUIT aside) or a prefix
         or tags, then up to 8 words of room names, nicks, colons, commas,
         controls (NUL, ^A, ^B, ^C), UTF-8 and bad bytes.
"""

import random
import sys

LINE_MAX = 512


def die(msg):
    sys.stderr.write("ircpeer: %s\n" % msg)
    sys.exit(1)


def messages(path):
    """The CRLF-terminated messages of path, each checked: at most 512
    bytes with its CRLF, no NUL, CR or LF inside."""
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\r\n"):
        die("%s: the last message has no CRLF: %r" % (path, data[-80:]))
    msgs = data.split(b"\r\n")[:-1] if data else []
    for i, m in enumerate(msgs, 1):
        for bad, what in ((b"\0", "NUL"), (b"\r", "CR"), (b"\n", "LF")):
            if bad in m:
                die("%s: message %d holds a %s: %r" % (path, i, what, m[:200]))
        if len(m) + 2 > LINE_MAX:
            die("%s: message %d is %d bytes with its CRLF: %r..."
                % (path, i, len(m) + 2, m[:80]))
    return msgs


def char_len(b):
    """Bytes of the UTF-8 character starting with byte b (1 if not a lead)."""
    if 0xC0 <= b < 0xE0:
        return 2
    if 0xE0 <= b < 0xF0:
        return 3
    if 0xF0 <= b < 0xF8:
        return 4
    return 1


def split(path, head, textfile, ctcp):
    head = head.encode("utf-8", "surrogateescape")
    with open(textfile, "rb") as f:
        want = f.read()
    if want.endswith(b"\n"):
        want = want[:-1]
    want = bytes(b for b in want if b not in b"\0\r\n")
    pre, post = (b"\x01ACTION ", b"\x01") if ctcp else (b"", b"")
    texts = []
    for m in messages(path):
        if not m.startswith(head + pre):
            continue
        if not ctcp and m.startswith(head + b"\x01ACTION "):
            continue
        t = m[len(head):]
        if not t.endswith(post):
            die("message %d: no CTCP end: %r" % (len(texts) + 1, m[-40:]))
        texts.append(t[len(pre):len(t) - len(post)])
    if not texts:
        die("no message of %s starts with %r" % (path, head + pre))
    got = b"".join(texts)
    if got != want:
        i = next((k for k in range(min(len(got), len(want)))
                  if got[k] != want[k]), min(len(got), len(want)))
        die("the %d messages carry %d bytes, not the %d sent; first "
            "difference at byte %d: %r vs %r" % (len(texts), len(got),
                                                  len(want), i,
                                                  got[i:i + 20],
                                                  want[i:i + 20]))
    room = LINE_MAX - 2 - len(head) - len(pre) - len(post)
    cut = 0
    for k, t in enumerate(texts):
        try:
            t.decode("utf-8")
        except UnicodeDecodeError as e:
            die("message %d cuts a UTF-8 character: %s" % (k + 1, e))
        if k + 1 == len(texts):
            break
        nxt = char_len(texts[k + 1][0])
        if len(t) + nxt <= room:
            die("message %d took %d bytes of text, but %d more would have "
                "fitted in its %d" % (k + 1, len(t), nxt, room))
        cut += len(t) < room
    print("messages %d cut %d" % (len(texts), cut))
    return 0


def junk(seed, count):
    rnd = random.Random(seed)
    cmds = [b"PRIVMSG", b"NOTICE", b"JOIN", b"PART", b"MODE", b"WHO",
            b"WHOIS", b"NAMES", b"TOPIC", b"LIST", b"USERHOST", b"ISON",
            b"AWAY", b"LUSERS", b"MOTD", b"KICK", b"PING", b"PONG", b"CAP",
            b"PASS", b"USER", b"privmsg", b"@a=b;c", b":pre", b"FROB", b""]
    words = [b"#room", b"#ROOM", b"#other", b"bob", b"host", b"alice", b"0",
             b"*", b":", b",", b"#room,bob", b"LS", b"REQ", b"END", b"b",
             b"+b", b"\x01ACTION", b"\x01"]
    alpha = b"#,: \x00\x01\x02\x03\x7fabcAB\xc3\xa9\xe2\x82\xff *!@"
    out = []
    for _ in range(count):
        line = [rnd.choice(cmds)]
        for _ in range(rnd.randint(0, 8)):
            if rnd.random() < 0.5:
                line.append(rnd.choice(words))
            else:
                line.append(bytes(rnd.choice(alpha)
                                  for _ in range(rnd.randint(0, 12))))
        out.append(b" ".join(line) + b"\r\n")
    sys.stdout.buffer.write(b"".join(out))
    return 0


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "junk":
        return junk(int(args[1]), int(args[2]))
    if len(args) in (4, 5) and args[0] == "split":
        if len(args) == 5 and args[4] != "ctcp":
            die("split: the 5th argument can only be ctcp")
        return split(args[1], args[2], args[3], len(args) == 5)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
