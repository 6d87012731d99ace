#!/usr/bin/env bats
# shellcheck shell=bash
# chat-listen --room (and the plain bridge) against faults: members that
# stop reading together, a burst of long escaped lines from many senders, a
# member that ends with a reset, -i while the host's stdout is stuck, and
# running out of descriptors.

load test_helper
load room_helper

# py NAME SCRIPT ARGS...: a python3 snippet as a tracked background process
# named NAME; its stdout is $T/NAME.out. Sets PYPID.
py() {
	local name=$1 code=$2
	shift 2
	spawn "$name" "$PYTHON" -c "$code" "$@"
	PYPID=$SPAWNED
}

# room_to OUT ARGS...: start_room with the room's stdout on OUT (a FIFO the
# test controls) instead of $T/room.out.
room_to() {
	local out=$1
	shift
	mkfifo "$T/host.fifo"
	start_hub
	spawn -i "$T/host.fifo" -o "$out" room chat-listen -b 127.0.0.1 --room "$@" 0
	RPID=$SPAWNED
	if ! room_poll 5 room_listening 1; then
		echo "the room is not listening after 5 s; its log:" >&2
		cat "$T/room.err" >&2
		return 1
	fi
}

# ff_lines FILE: complete relayed lines of 8191 bytes 0xff in FILE (each
# byte shown as the 4 characters \xff).
ff_lines() {
	awk '/^<user[0-9]+> \\xff/ && length($0) - index($0, " ") == 8191 * 4 { n++ }
		END { print n + 0 }' "$1"
}

# ff_all N FILE...: each FILE holds N such lines.
ff_all() {
	local n=$1 f
	shift
	for f in "$@"; do
		[ "$(ff_lines "$f")" -ge "$n" ] || return 1
	done
}

# unread PORT PEER: bytes that the socket on local port PORT, connected
# from port PEER, has received and its owner has not read (/proc/net/tcp).
unread() {
	local l r q
	l=$(printf ':%04X' "$1")
	r=$(printf ':%04X' "$2")
	q=$(awk -v l="$l" -v r="$r" 'substr($2, 9) == l && substr($3, 9) == r { split($5, q, ":"); print q[2] }' /proc/net/tcp)
	echo $((16#${q:-0}))
}

# talk_after FILE LINE ERE N: FILE holds N lines matching ERE after LINE.
talk_after() {
	[ "$(awk -v at="$2" -v re="$3" 'seen && $0 ~ re { n++ } $0 == at { seen = 1 }
		END { print n + 0 }' "$1")" -ge "$4" ]
}

# quiet_listener PID FILE: PID took under 100 ms of CPU over the second of
# waiting, and FILE (its log) has the listening line and one accept error.
quiet_listener() {
	local t0 used
	t0=$(cpu_ms "$1")
	# the time under test: a client waits for a descriptor
	sleep 1
	used=$(($(cpu_ms "$1") - t0))
	[ "$used" -lt 100 ] || { echo "${used} ms of CPU in 1 s: spinning" >&2; return 1; }
	assert_eq "$(count_lines "$2" 'accept: (Too many open files|No file descriptors available)')" 1 "accept errors logged"
	[ "$(room_line_count "$2")" -le 3 ] || { echo "$(room_line_count "$2") log lines" >&2; return 1; }
}

@test "room faults: two members stop reading at once while a third talks: each dropped once, the room goes on" {
	start_room
	join r -k cc
	# users 2 and 3 never read (a small receive buffer); user 4 sends
	# 8000-byte lines every 21 ms (under the default --max-rate 50) until
	# it hears both dropped, then 10 more
	py talk 'import socket, sys, time
port = int(sys.argv[1])
def conn(rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s
quiet = [conn(4096), conn(4096)]
t = conn()
heard = b""
while b"\n" not in heard:
    heard += t.recv(4096)
want = [b"* user2 left (too slow)\n", b"* user3 left (too slow)\n"]
line = b"y" * 7999 + b"\n"
deadline = time.monotonic() + 8
more = None
try:
    while time.monotonic() < deadline and more != 0:
        t.sendall(line)
        t.setblocking(False)
        try:
            heard += t.recv(65536)
        except BlockingIOError:
            pass
        t.settimeout(5)
        if more is None and all(w in heard for w in want):
            more = 10
        elif more:
            more -= 1
        time.sleep(0.021)
except OSError as e:
    print("room gone:", e, flush=True)
    sys.exit(1)
print("dropped" if more == 0 else "not dropped", flush=True)
time.sleep(60)' "$PORT"
	wait_file_matches "$T/talk.out" '.' 10
	assert_eq "$(cat "$T/talk.out")" dropped "what the talker heard"
	expect_alive "$RPID"
	got r '* user2 left (too slow)'
	got r '* user3 left (too slow)'
	assert_eq "$(count_lines "$T/r.out" '^\* user2 left')" 1 "user2's leaving at a reader"
	assert_eq "$(count_lines "$T/r.out" '^\* user3 left')" 1 "user3's leaving at a reader"
	assert_eq "$(count_lines "$T/room.err" 'user2 disconnected \(too slow\)$')" 1 "user2's drop in the log"
	assert_eq "$(count_lines "$T/room.err" 'user3 disconnected \(too slow\)$')" 1 "user3's drop in the log"
	# the talker's 10 lines after the drops reach the reader; the room works
	wait_for talk_after "$T/r.out" '* user3 left (too slow)' '^<user4> y+$' 10
	say host 'after the drops'
	got r '<host> after the drops'
	say r 'still reading'
	got host '<user1> still reading'
}

@test "room faults: 40 senders send an 8 KiB line of 0xff at once: three readers get all 40, none dropped" {
	start_room
	join r1 -k cc
	join r2 -k cc
	join r3 -k cc
	# one process, 40 members that never read past their welcome
	py senders 'import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(40):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    socks.append(s)
for s in socks:
    got = b""
    while b"\n" not in got:
        got += s.recv(4096)
    assert got.startswith(b"* welcome ")
print("ready", flush=True)
for s in socks:
    s.sendall(b"\xff" * 8191 + b"\n")
print("sent", flush=True)
time.sleep(60)' "$PORT"
	wait_file_contains "$T/senders.out" sent 10
	# bounded, not timed: a loaded machine drains the host's stdout slowly
	if ! wait_for -t 30 ff_all 40 "$T/r1.out" "$T/r2.out" "$T/r3.out"; then
		echo "lines of 0xff: r1 $(ff_lines "$T/r1.out"), r2 $(ff_lines "$T/r2.out"), r3 $(ff_lines "$T/r3.out")" >&2
		return 1
	fi
	local h
	for h in r1 r2 r3; do
		assert_eq "$(ff_lines "$T/$h.out")" 40 "lines of 0xff at $h"
		assert_eq "$(count_lines "$T/$h.out" '^\* user[123] left')" 0 "readers dropped, seen by $h"
	done
	assert_eq "$(count_lines "$T/room.err" ' user[123] disconnected')" 0 "readers dropped, in the log"
	expect_alive "$RPID"
	say r1 'readers still here'
	got_all '<user1> readers still here' r2 r3 host
}

@test "room faults: a member's last partial line is relayed when it ends with a reset" {
	start_room
	join a
	py rst 'import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
got = b""
while b"\n" not in got:
    got += s.recv(4096)
s.sendall(b"partial words")
# SO_LINGER {1, 0}: close() sends a reset, not a FIN
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print("reset", flush=True)' "$PORT"
	expect_exit "$PYPID" 0
	got a '* user2 left'
	got host '* user2 left'
	# the partial line came before the leaving
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		<user2> partial words
		* user2 left
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		<user2> partial words
		* user2 left
	EOF
}

@test "room faults: -i 1 while the host's stdout is stuck: a member that keeps talking is not dropped as idle" {
	# the host's stdout: a FIFO whose reader (sleep) never reads, until a
	# cat is started on it as well
	stall_pipe hout
	room_to "$REPLY" -i 1 --max-rate 0
	join t
	# 2000 lines of 200 bytes: past the 64 KiB of the pipe and the 256 KiB
	# the room queues for its stdout: it stops reading members
	spawn flood "$PYTHON" "$ROOMCLIENT" "$PORT" flood 2000 200
	# t talks while the flood starts (a slow start must not make it idle)
	local i=0 peer
	until grep -qs 'sent 2000' "$T/flood.out"; do
		[ $((i += 1)) -le 30 ] || { echo "the flood did not finish sending" >&2; return 1; }
		say t "waiting $i"
		wait_for -t 0.3 grep -qs 'sent 2000' "$T/flood.out" 2>/dev/null || true
	done
	for i in 1 2 3 4 5 6 7 8; do
		say t "tick $i"
		# the time under test: 0.3 s between lines, 2.4 s in all
		sleep 0.3
	done
	# t is still in, and the room was stuck: it has not read t's last ticks
	run ! grep -E 'user1 disconnected \(idle\)' "$T/room.err"
	[ ! -e "$T/t.closed" ]
	peer=$(sed -nE 's/^chat-listen: user1 connected from 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/room.err")
	[ "$(unread "$PORT" "$peer")" -gt 0 ] || { echo "the room read t's lines: it was not stuck" >&2; return 1; }
	spawn -i "$T/hout.fifo" -o "$T/host.got" drain cat
	wait_file_contains "$T/host.got" '<user1> tick 8' 10
	assert_eq "$(grep -c '^<user1> tick [1-8]$' "$T/host.got")" 8 "ticks at the host"
	run ! grep -E 'user1 (disconnected|left) \(idle\)' "$T/room.err" "$T/host.got" "$T/t.out"
	[ ! -e "$T/t.closed" ]
	expect_alive "$RPID"
}

# out_of_fds HANDLE ARGS...: chat-listen ARGS with 4 descriptors (0-2 and
# the listener: no spare for refusing clients, and accept() fails), and a
# client that connects and waits: one log line, no CPU spent on it, and
# SIGTERM still ends it.
out_of_fds() {
	local handle=$1 pid
	shift
	spawn "$handle" bash -c 'ulimit -n 4 && exec chat-listen "$@"' _ "$@"
	pid=$SPAWNED
	wait_listening "$pid" "$T/$handle.err"
	py client 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print("connected", flush=True)
time.sleep(60)' "$PORT"
	wait_file_contains "$T/client.out" connected
	wait_file_matches "$T/$handle.err" 'accept: (Too many open files|No file descriptors available)'
	quiet_listener "$pid" "$T/$handle.err"
	kill -TERM "$pid"
	expect_exit "$pid" 143
}

@test "room faults: out of descriptors (ulimit -n 4, no spare): a waiting client costs no CPU and one log line; SIGTERM ends it" {
	out_of_fds room --room -d -b 127.0.0.1 0
}

@test "plain -k out of descriptors (ulimit -n 4): a waiting client costs no CPU and one log line; SIGTERM ends it" {
	out_of_fds listen -k -b 127.0.0.1 0
}
