# shellcheck shell=bash
# Variables the helpers set (PORT, LPID, RPID, ...) and bats' own:
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Issue 6: faults and hostile peers in the room, -i, access control,
# --max-rate.

load test_helper
load room_helper

# py SCRIPT ARGS...: a python3 snippet as a tracked background process
# named "py"; its stdout is $T/py.out.
py() {
	local code=$1
	shift
	spawn py "$PYTHON" -c "$code" "$@"
	PYPID=$SPAWNED
}

fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat")
	s=${s##*) }
	read -r -a f <<<"$s"
	echo $((f[11] + f[12]))
}

fd_count_is() {
	[ "$(fd_count "$1")" -eq "$2" ]
}

@test "room: a half line that is never finished, a member that never reads and a flooder stall no one" {
	start_room --max-rate 0
	# chat-connect members: readers that keep up even on a loaded machine
	join a -k cc
	join b -k cc
	# half a line, then it never reads again
	py 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"half a line without end")
print("sent", flush=True)
time.sleep(60)' "$PORT"
	wait_file_contains "$T/py.out" sent
	got a '* user3 joined'
	spawn flood "$PYTHON" "$ROOMCLIENT" "$PORT" flood 3000 200
	wait_file_contains "$T/flood.out" 'sent 3000' 10
	# everyone who reads gets every line, in order
	wait_for -t 10 grep -qE '^<user4> 002999 ' "$T/a.out"
	wait_for -t 10 grep -qE '^<user4> 002999 ' "$T/b.out"
	[ "$(grep -cE '^<user4> ' "$T/a.out")" -eq 3000 ]
	grep -E '^<user4> ' "$T/b.out" | cut -c9-14 | sort -c
	# the one that never reads was dropped, the half line never relayed
	got a '* user3 left (too slow)'
	run ! grep -q 'half a line' "$T/a.out"
	say a 'still here'
	got b '<user1> still here'
}

@test "room: a member that pauses reading through a burst (> 256 KiB queued) catches up and is not dropped" {
	start_room --max-rate 0
	join a -k cc
	# reads its welcome, stops reading for 0.4 s while the flood comes,
	# then reads on: lagging is not the same as having stopped
	py 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
print("in", flush=True)
time.sleep(0.4)
n = 0
for line in f:
    if line.startswith(b"<user3> "):
        n += 1
    if n == 3000 or b"(too slow)" in line:
        break
print("got", n, flush=True)' "$PORT"
	wait_file_contains "$T/py.out" in
	got a '* user2 joined'
	spawn flood "$PYTHON" "$ROOMCLIENT" "$PORT" flood 3000 200
	wait_file_contains "$T/flood.out" 'sent 3000' 10
	wait_file_contains "$T/py.out" 'got ' 10
	assert_eq "$(sed -n 's/^got //p' "$T/py.out")" 3000 "lines the pausing member got"
	run ! grep -q 'left (too slow)' "$T/a.out"
}

@test "room: 1,000 connect/disconnect cycles leave no descriptor behind" {
	# --no-irc: each welcome at once, not after the wait for a first line
	start_room_d --no-irc
	join a
	base=$(fd_count "$RPID")
	py 'import socket, sys
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    f = s.makefile("rb")
    assert f.readline().startswith(b"* welcome user")
    f.close()
    s.close()
print("done", flush=True)' "$PORT"
	wait_file_contains "$T/py.out" 'done' 30
	expect_exit "$PYPID" 0
	wait_for -t 5 fd_count_is "$RPID" "$base"
	wait_for grep -q '^chat-listen: user1001 disconnected' "$T/room.err"
	# the member that stayed saw every join and leave, and still chats
	[ "$(grep -c ' joined$' "$T/a.out")" -eq 1000 ]
	say a after
	got host '<user1> after'
	if [ "${CHAT_SANITIZE:-}" != 1 ]; then
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$RPID/status")
		[ "$rss" -lt 8192 ]
	fi
}

@test "room: out of descriptors (ulimit -n 32): newcomers refused and logged, members chat on, it recovers" {
	hold_pipe host
	spawn -i "$REPLY" room bash -c 'ulimit -n 32 && exec chat-listen --room --max-rate 0 -b 127.0.0.1 0'
	RPID=$SPAWNED
	wait_listening "$RPID" "$T/room.err"
	join a
	join b
	# 40 more clients: only the descriptors left get in
	py 'import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(40)]
print("connected", flush=True)
time.sleep(60)' "$PORT"
	wait_file_contains "$T/py.out" connected
	# glibc and musl word EMFILE differently
	wait_file_matches "$T/room.err" 'refused a client: (Too many open files|No file descriptors available)'
	t0=$(cpu_ticks "$RPID")
	say a 'busy room'
	got b '<user1> busy room'
	sleep 1
	# no spinning on accept while clients wait
	[ $(($(cpu_ticks "$RPID") - t0)) -lt 20 ]
	kill -TERM "$PYPID"
	wait_exit "$PYPID" || true
	join c
	say c back
	got a "<$(sed -n 's/^\* welcome \([^;]*\);.*/\1/p' "$T/c.out")> back"
}

# close_by_signal SIG CODE: the room gets SIG: its member is told, exit CODE
close_by_signal() {
	start_room
	join m
	say m "before $1"
	got host "<user1> before $1"
	kill -"$1" "$RPID"
	expect_exit "$RPID" "$2"
	got m '* room closed'
}

@test "room: SIGTERM closes the room: members told, exit 143" {
	close_by_signal TERM 143
}

@test "room: SIGINT closes the room: members told, exit 130" {
	close_by_signal INT 130
}

@test "-i: a silent session is closed after SECS, logged, exit 0; traffic keeps it open" {
	hold_pipe lin
	L_IN=$REPLY start_listener -i 1
	hold_pipe cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	for _ in 1 2 3 4; do
		put cin $'tick\n'
		sleep 0.5
	done
	expect_alive "$CPID"
	expect_alive "$LPID"
	expect_exit "$LPID" 0 5
	grep -q 'idle for 1 s' "$T/listen.err"
	[ "$(grep -c tick "$T/listen.out")" -eq 4 ]
	# the peer is gone; its stdin still open, chat-connect ends with it
	close_pipe cin
	expect_exit "$CPID" 0 5
}

@test "chat-connect -i: exits 0 when nothing moves for SECS" {
	hold_pipe lin
	L_IN=$REPLY start_listener
	hold_pipe cin
	C_IN=$REPLY start_connect -i 0.5 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0 5
	grep -q 'idle' "$T/conn.err"
}

@test "room -i: a member silent for SECS is dropped as idle; what it receives does not count" {
	start_room -i 1 --max-rate 0
	join quiet
	join talker
	for _ in 1 2 3 4; do
		say talker chatter
		sleep 0.4
	done
	got talker '* user1 left (idle)'
	got host '* user1 left (idle)'
	log_has 'chat-listen: user1 disconnected \(idle\)'
	gone quiet
}

@test "--allow: only matching peers get in; the refused get no welcome and no number" {
	start_room --allow 127.0.0.1/32 --max-rate 0
	py 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.close()
s = socket.socket(socket.AF_INET6)
s.settimeout(5)
try:
    s.connect(("::1", int(sys.argv[1])))
    print("got", repr(s.recv(100)), flush=True)
except OSError as e:
    print("refused", e, flush=True)' "$PORT"
	# the room listens on 127.0.0.1 only here; test ::1 against a second room below
	expect_exit "$PYPID" 0
	join a
	# 127.0.0.1 is allowed, but it left before its welcome (it sent no
	# first line within 250 ms), so it took no number either
	grep -qx '\* welcome user1; here: host, user1' "$T/a.out"
}

@test "--allow 127.0.0.1: a ::1 peer is refused at once (plain bridge, dual stack)" {
	L_BIND='' L_LINES=2 start_listener --allow 127.0.0.1 -k
	py 'import socket, sys
s = socket.socket(socket.AF_INET6)
s.settimeout(5)
s.connect(("::1", int(sys.argv[1])))
print("data", repr(s.recv(100)), flush=True)' "$PORT"
	expect_exit "$PYPID" 0
	grep -qx "data b''" "$T/py.out"
	wait_file_matches "$T/listen.err" '^chat-listen: refused \[::1\]:[0-9]+: not allowed$'
	printf 'hello\n' >"$T/cin"
	C_IN=$T/cin start_connect -q 0.5 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.out" hello
	wait_file_contains "$T/listen.err" 'connection from 127.0.0.1'
}

@test "--deny wins over --allow: 127.0.0.1 refused though 127.0.0.0/8 is allowed, ::1 let in; no member number used" {
	L_BIND='' start_room --allow 127.0.0.0/8 --allow ::1 --deny 127.0.0.1
	py 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print("data", repr(s.recv(100)), flush=True)' "$PORT"
	expect_exit "$PYPID" 0
	grep -qx "data b''" "$T/py.out"
	log_has 'chat-listen: refused 127\.0\.0\.1:[0-9]+: not allowed'
	join a -6
	grep -qx '\* welcome user1; here: host, user1' "$T/a.out"
}

@test "--allow-file: addresses and CIDRs, comments and blank lines; bad rules are usage errors" {
	printf '# who may come in\n\n  ::1   # the v6 loopback\n10.0.0.0/8\n' >"$T/allow"
	start_room --allow-file "$T/allow"
	py 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print("data", repr(s.recv(100)), flush=True)' "$PORT"
	expect_exit "$PYPID" 0
	grep -qx "data b''" "$T/py.out"
	log_has 'chat-listen: refused 127\.0\.0\.1:[0-9]+: not allowed'
	for bad in '--allow 300.1.1.1' '--allow 10.0.0.0/33' '--deny ::1/129' '--allow host.name'; do
		# shellcheck disable=SC2086 # split on purpose
		run chat-listen $bad 0
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 2 ]
		[ "${lines[1]}" = "Try 'chat-listen --help'." ]
	done
	# a file that cannot be read is a runtime error, not a usage error
	run chat-listen --allow-file "$T/nope" 0
	[ "$status" -eq 1 ]
	[ "$output" = "chat-listen: $T/nope: No such file or directory" ]
	printf '127.0.0.1\nnot-an-address\n' >"$T/bad"
	run chat-listen --allow-file "$T/bad" 0
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == *"bad:2:"*"not-an-address"* ]]
}

@test "--max-rate: a burst of N passes, the rest is dropped with one notice; heard again later" {
	start_room --max-rate 5
	join a
	join b
	seq 1 20 | sed 's/^/line /' >"$T/burst"
	send_file a "$T/burst"
	got b '<user1> line 5'
	got a '* error: slow down'
	sleep 1.5
	say a later
	got b '<user1> later'
	[ "$(grep -c '^<user1> line' "$T/b.out")" -eq 5 ]
	[ "$(grep -c 'slow down' "$T/a.out")" -eq 1 ]
	run ! grep -q 'slow down' "$T/b.out"
}
