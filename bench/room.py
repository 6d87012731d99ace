#!/usr/bin/env python3
"""room.py - fan-out load for a chat room host, used by bench/run.

Connects MEMBERS TCP clients to 127.0.0.1:PORT from one process (selectors),
waits until the room has admitted them all, then for each count in --senders
lets that many members send LINES lines each at once and waits until every
other member has every line.  Prints one `bench room ...` line per phase and
one with the host's peak RSS.

Every payload is unique, `f<phase>-s<sender>-<seq>-<check>`, so lines are
counted whatever the host puts in front of them:
  ours    `<userN> PAYLOAD`, notices start with `* ` (welcome, joined, ...)
  chat    ncat --chat: `<userN> PAYLOAD`, notices start with `<announce>`
  broker  ncat --broker: `PAYLOAD` as sent
A line that is neither a notice, a sync line nor a known payload (with the
right prefix) is garbled; a payload a member already had is a duplicate.

The host's CPU time comes from /proc/PID/task/*/schedstat (ns on CPU) and
its peak RSS from VmHWM in /proc/PID/status.
"""
import argparse
import os
import re
import selectors
import socket
import sys
import time
import zlib

CONNECT_WINDOW = 8      # ncat: members not yet admitted at once (backlog 10)
# ours listens with SOMAXCONN and accepts until EAGAIN: a burst of joins at
# once is what it is built for, so every member connects at once
SYNC_EVERY = 0.01       # seconds between broker sync lines in admission
IDLE_LIMIT = 3.0        # a fan-out with no delivery for this long is over
RECV_SIZE = 1 << 18


def host_cpu_ns(pid):
    total, seen = 0, False
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return None
    for tid in tids:
        try:
            with open('/proc/%d/task/%s/schedstat' % (pid, tid)) as f:
                total += int(f.read().split()[0])
                seen = True
        except (OSError, ValueError, IndexError):
            pass
    return total if seen else None


def host_hwm_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class Member:
    __slots__ = ('idx', 'sock', 'rbuf', 'wbuf', 'connected', 'closed',
                 'name', 'joins', 'synced', 'got', 'last', 'want')

    def __init__(self, idx):
        self.idx = idx
        self.sock = None
        self.rbuf = b''
        self.wbuf = bytearray()
        self.connected = False
        self.closed = False
        self.name = None        # ours: userN from the welcome line
        self.joins = 0
        self.synced = False
        self.got = None         # per phase: bytearray, one flag per payload
        self.last = None        # per phase: last seq seen from each sender
        self.want = 0           # per phase: payloads still missing


class Room:
    def __init__(self, args):
        self.a = args
        self.sel = selectors.DefaultSelector()
        self.members = [Member(i) for i in range(args.members)]
        self.table = {}         # payload -> (slot, seq)
        self.senders = []       # Member per slot
        self.prefixes = []      # per slot: the exact prefix expected, or None
        self.remaining = 0
        self.progress = False
        self.stats = {}
        self.prefix_re = re.compile(rb'^<([^<> ]+)> $')
        self.welcome_re = re.compile(rb'^\* welcome (\S+?)[;,: ]')

    # ---- socket plumbing -------------------------------------------------
    def events(self, m):
        return selectors.EVENT_READ | (selectors.EVENT_WRITE if m.wbuf or
                                       not m.connected else 0)

    def update(self, m):
        if not m.closed:
            self.sel.modify(m.sock, self.events(m), m)

    def start_connect(self, m):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(('127.0.0.1', self.a.port))
        m.sock = s
        self.sel.register(s, self.events(m), m)

    def close(self, m):
        if m.closed:
            return
        m.closed = True
        self.stats['closed'] = self.stats.get('closed', 0) + 1
        self.remaining -= m.want
        self.stats['lost_closed'] = self.stats.get('lost_closed', 0) + m.want
        m.want = 0
        try:
            self.sel.unregister(m.sock)
        except (KeyError, ValueError):
            pass
        m.sock.close()

    def pump(self, timeout):
        for key, ev in self.sel.select(timeout):
            m = key.data
            if m.closed:
                continue
            if not m.connected and ev & selectors.EVENT_WRITE:
                err = m.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    self.stats['connect_errors'] = \
                        self.stats.get('connect_errors', 0) + 1
                    self.close(m)
                    continue
                m.connected = True
                self.update(m)
            if ev & selectors.EVENT_READ:
                self.read(m)
            if m.wbuf and not m.closed and ev & selectors.EVENT_WRITE:
                try:
                    n = m.sock.send(m.wbuf)
                    del m.wbuf[:n]
                except BlockingIOError:
                    pass
                except OSError:
                    self.close(m)
                    continue
                if not m.wbuf:
                    self.update(m)

    def read(self, m):
        try:
            data = m.sock.recv(RECV_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b''
        if not data:
            self.close(m)
            return
        lines = (m.rbuf + data).split(b'\n')
        m.rbuf = lines.pop()
        # fast path for a well-formed payload line new to this member;
        # anything else goes through line(), which does the full checks
        tget, got, last, nl = self.table.get, m.got, m.last, self.a.lines
        prefixes, senders, slow = self.prefixes, self.senders, self.line
        kind, st = self.a.kind, self.stats
        for line in lines:
            if kind == 'broker':
                cut = 0
            else:
                cut = line.find(b'> ') + 2
                if cut == 1 and kind == 'ours':
                    slow(m, line)
                    continue
            hit = tget(line[cut:] if cut > 1 else line)
            if hit is None:
                slow(m, line)
                continue
            slot, seq = hit
            i = slot * nl + seq
            if (got[i] or senders[slot] is m or seq < last[slot] or
                    (cut > 1 and line[:cut] != prefixes[slot])):
                slow(m, line)
                continue
            if cut == 1:
                st['unprefixed'] += 1
            got[i] = 1
            last[slot] = seq
            m.want -= 1
            self.remaining -= 1
            self.progress = True

    # ---- line accounting ----------------------------------------------------
    def line(self, m, line):
        kind = self.a.kind
        if kind == 'ours' and line.startswith(b'* '):
            if line.startswith(b'* welcome '):
                w = self.welcome_re.match(line + b' ')
                m.name = w.group(1) if w else b'?'
            elif line.endswith(b' joined'):
                m.joins += 1
            return
        if kind == 'chat' and line.startswith(b'<announce>'):
            if b'already connected' in line:
                m.name = b'?'
            return
        if b'sync-' in line and len(line) < 64:
            m.synced = True
            return
        payload, prefix = line, None
        if kind == 'ours' or (kind == 'chat' and line.startswith(b'<')):
            cut = line.find(b'> ') + 2
            prefix, payload = line[:cut], line[cut:]
        hit = self.table.get(payload)
        if hit is None:
            self.stats['garbled'] += 1
            return
        slot, seq = hit
        sender = self.senders[slot]
        if prefix is not None:
            want = self.prefixes[slot]
            if (prefix != want if want is not None
                    else self.prefix_re.match(prefix) is None):
                self.stats['garbled'] += 1
                return
        elif kind == 'chat':
            # ncat --chat puts its prefix once per read(), not per line
            self.stats['unprefixed'] += 1
        if sender is m:
            self.stats['echo'] += 1
            return
        i = slot * self.a.lines + seq
        if m.got[i]:
            self.stats['dup'] += 1
            return
        m.got[i] = 1
        if seq < m.last[slot]:
            self.stats['reordered'] += 1
        m.last[slot] = seq
        m.want -= 1
        self.remaining -= 1
        self.progress = True

    def admitted(self, m):
        return m.name is not None if self.a.kind != 'broker' else m.synced

    def admit(self):
        """Connects members, at most CONNECT_WINDOW not yet admitted at once.

        Admitted means: ours got `* welcome`, ncat --chat got `<announce>
        already connected`, ncat --broker got a sync line that member 0
        sends every SYNC_EVERY seconds while someone is waiting.
        """
        a, ms = self.a, self.members
        cpu0, t0 = host_cpu_ns(a.host_pid), time.monotonic()
        deadline = t0 + a.timeout
        started, next_sync, sync_no = 0, 0.0, 0
        status = 'ok'
        while True:
            now = time.monotonic()
            if now > deadline:
                status = 'TIMEOUT'
                break
            waiting = [m for m in ms[:started]
                       if not m.closed and not self.admitted(m)]
            window = len(ms) if a.kind == 'ours' else CONNECT_WINDOW
            while started < len(ms) and len(waiting) < window:
                self.start_connect(ms[started])
                waiting.append(ms[started])
                started += 1
            if started == len(ms) and not waiting:
                break
            # member 0 can only learn it is in when another member hears it
            if (a.kind == 'broker' and ms[0].connected and not ms[0].closed
                    and now >= next_sync):
                sync_no += 1
                ms[0].wbuf += b'sync-%d\n' % sync_no
                self.update(ms[0])
                next_sync = now + SYNC_EVERY
                if any(m.synced for m in ms[1:started]):
                    ms[0].synced = True
            self.pump(0.005)
        secs = time.monotonic() - t0
        cpu1 = host_cpu_ns(a.host_pid)
        # let late notices land before counting them
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            self.pump(0.02)
        n = len(ms)
        live = [m for m in ms if not m.closed]
        extra = ''
        if a.kind == 'ours':
            extra = ' joins=%d/%d' % (sum(m.joins for m in live),
                                      n * (n - 1) // 2)
        hwm = host_hwm_kb(a.host_pid)
        print('bench room tool=%s members=%d phase=admit seconds=%.3f '
              'host_cpu_s=%s admitted=%d/%d%s rss_admit_kb=%s status=%s' % (
                  a.tool, n, secs, cpu_s(cpu0, cpu1),
                  sum(1 for m in live if self.admitted(m)), n, extra,
                  hwm if hwm is not None else 'na', status), flush=True)
        return status == 'ok'

    def fanout(self, phase, nsend):
        a, ms = self.a, self.members
        n = len(ms)
        self.senders = [ms[(k * n) // nsend] for k in range(nsend)]
        # ours names each line's sender exactly; ncat's names we cannot know
        self.prefixes = [b'<%s> ' % s.name if a.kind == 'ours' and s.name
                         and s.name != b'?' else None for s in self.senders]
        self.table = {}
        lines = {}
        for slot, s in enumerate(self.senders):
            buf = bytearray()
            for seq in range(a.lines):
                chk = zlib.crc32(b'%d-%d-%d' % (phase, s.idx, seq))
                p = b'f%d-s%d-%d-%08x%08x' % (phase, s.idx, seq, chk,
                                               chk ^ 0x5a5a5a5a)
                self.table[p] = (slot, seq)
                buf += p + b'\n'
            lines[slot] = buf
        self.stats.update(garbled=0, dup=0, echo=0, reordered=0,
                          unprefixed=0, closed=0, lost_closed=0)
        self.remaining = 0
        for m in ms:
            m.got = bytearray(nsend * a.lines)
            m.last = [-1] * nsend
            m.want = 0 if m.closed else a.lines * sum(
                1 for s in self.senders if s is not m)
            self.remaining += m.want
        expected = self.remaining
        cpu0, t0 = host_cpu_ns(a.host_pid), time.monotonic()
        own0 = time.process_time()
        for slot, s in enumerate(self.senders):
            s.wbuf += lines[slot]
            self.update(s)
        deadline = t0 + a.timeout
        status, last_progress = 'ok', t0
        while self.remaining > 0:
            now = time.monotonic()
            if now > deadline:
                status = 'TIMEOUT'
                break
            if self.progress or any(s.wbuf for s in self.senders):
                last_progress, self.progress = now, False
            elif now - last_progress > IDLE_LIMIT:
                status = 'STALLED'
                break   # nothing moves: what is missing is lost
            self.pump(0.05)
        # a stalled phase counts until its last delivery
        end = last_progress if status == 'STALLED' else time.monotonic()
        secs = end - t0
        cpu1, own1 = host_cpu_ns(a.host_pid), time.process_time()
        # a short grace to catch duplicates and stray lines
        end = time.monotonic() + 0.1
        while time.monotonic() < end:
            self.pump(0.02)
        st = self.stats
        lost = self.remaining + st['lost_closed']
        if status != 'TIMEOUT' and (lost or st['garbled'] or st['dup']):
            status = 'FAIL'
        print('bench room tool=%s members=%d senders=%d lines=%d '
              'seconds=%.3f host_cpu_s=%s client_cpu_s=%.3f '
              'delivered=%d/%d lost=%d '
              'garbled=%d dup=%d reordered=%d echo=%d unprefixed=%d '
              'closed=%d status=%s' % (
                  a.tool, n, nsend, a.lines, secs, cpu_s(cpu0, cpu1),
                  own1 - own0,
                  expected - self.remaining - st['lost_closed'], expected,
                  lost, st['garbled'], st['dup'], st['reordered'],
                  st['echo'], st['unprefixed'], st['closed'], status),
              flush=True)
        return status != 'TIMEOUT'


def cpu_s(c0, c1):
    if c0 is None or c1 is None:
        return 'na'
    return '%.3f' % ((c1 - c0) / 1e9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--host-pid', type=int, required=True)
    ap.add_argument('--members', type=int, required=True)
    ap.add_argument('--lines', type=int, default=1000)
    ap.add_argument('--senders', default='1,4')
    ap.add_argument('--kind', choices=('ours', 'chat', 'broker'),
                    required=True)
    ap.add_argument('--tool', required=True)
    ap.add_argument('--timeout', type=float, default=60.0)
    a = ap.parse_args()
    room = Room(a)
    ok = room.admit()
    if ok:
        for phase, nsend in enumerate(int(x) for x in a.senders.split(',')):
            if not room.fanout(phase + 1, min(nsend, a.members)):
                break
    hwm = host_hwm_kb(a.host_pid)
    print('bench room tool=%s members=%d rss_kb=%s' % (
        a.tool, a.members, hwm if hwm is not None else 'na'), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
