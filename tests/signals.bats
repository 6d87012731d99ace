#!/usr/bin/env bats
# shellcheck shell=bash
# Variables the helpers set (PORT, LPID, RPID, ...) and bats' own:
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Issue 11, nothing lost, nothing crashes: closed standard descriptors,
# death by the signal that ended a program, and signals heard while stdout
# is a terminal that nobody drains.

load test_helper
load room_helper

WAITSTATUS="$TESTS_DIR/waitstatus.pl"
PTYSTALL="$TESTS_DIR/ptystall.py"

# closed [-i IN] NAME REDIRS CMD...: spawn CMD (stdin IN, default
# /dev/null) through bash with REDIRS (such as '<&-' or '>&- 2>&-') applied
# at exec, so the descriptors are really closed when CMD starts. Sets
# SPAWNED.
closed() {
	local in=/dev/null name redirs
	if [ "$1" = -i ]; then
		in=$2
		shift 2
	fi
	name=$1 redirs=$2
	shift 2
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn -i "$in" "$name" bash -c 'r=$1; shift; eval "exec \"\$@\" $r"' _ "$redirs" "$@"
}

# proc_listen_port PID: PORT = the TCP port PID listens on, from /proc
# (a listener whose stderr is closed logs no "listening on" line). awk
# reads /proc/net/tcp in one go: bash's read seeks back after each line,
# and a seq_file that changes meanwhile (other tests' sockets) can skip one.
proc_listen_port() {
	local l inodes=' ' hex
	for l in /proc/"$1"/fd/*; do
		l=$(readlink "$l" 2>/dev/null) || continue
		[[ $l == socket:\[*\] ]] && inodes+="${l//[^0-9]/} "
	done
	hex=$(awk -v inodes="$inodes" '$4 == "0A" && index(inodes, " " $10 " ") {
		sub(/.*:/, "", $2); print $2; exit }' /proc/net/tcp)
	[ -n "$hex" ] || return 1
	PORT=$((16#$hex))
}

# status_pid FILE: WPID = the pid waitstatus.pl wrote to FILE.
status_pid() {
	local l
	wait_for grep -q '^pid ' "$1" || return 1
	read -r l <"$1"
	WPID=${l#pid }
}

# ended FILE: waitstatus.pl has written how its command ended.
ended() {
	grep -qE '^(signal|exit) ' "$1" 2>/dev/null
}

# expect_status FILE HOW SECS: the command ended as HOW ("signal 15",
# "exit 0") within SECS.
expect_status() {
	local how
	if ! wait_for -t "$3" ended "$1"; then
		echo "still running ${3} s later; expected: $2" >&2
		return 1
	fi
	how=$(grep -E '^(signal|exit) ' "$1")
	assert_eq "$how" "$2" "how it ended"
}

# io_field PID NAME: sets IO to the NAME line (rchar, wchar) of /proc/PID/io.
io_field() {
	local k v
	IO=''
	while read -r k v; do
		if [ "$k" = "$2:" ]; then
			IO=$v
			return 0
		fi
	done <"/proc/$1/io"
	return 1
}

# stuck PID: PID has read at least 4 KiB and neither read nor written a
# byte for the last 0.5 s (call it through wait_for: it keeps its samples
# in STUCK_LAST and STUCK_SINCE).
stuck() {
	local r w
	io_field "$1" rchar || return 1
	r=$IO
	io_field "$1" wchar || return 1
	w=$IO
	set_now
	if [ "$r $w" != "${STUCK_LAST:-}" ]; then
		STUCK_LAST="$r $w"
		STUCK_SINCE=$NOW
		return 1
	fi
	[ "$r" -ge 4096 ] && [ $((NOW - STUCK_SINCE)) -ge 500 ]
}

# nonblocking PID FD: the open file description PID has as FD is O_NONBLOCK.
nonblocking() {
	local k v
	while read -r k v; do
		if [ "$k" = flags: ]; then
			(((8#$v & 8#4000) != 0))
			return
		fi
	done <"/proc/$1/fdinfo/$2"
	return 1
}

# pty_slave_fd NAME: SLAVE_FD = the descriptor ptystall.py (spawned as
# NAME) keeps on the terminal, as a shell would.
pty_slave_fd() {
	local l
	wait_file_matches "$T/$1.out" '^slave fd [0-9]+$' || return 1
	read -r l <"$T/$1.out"
	SLAVE_FD=${l#slave fd }
}

### closed standard descriptors

@test "chat-connect <&-: the peer's data does not come back to the peer" {
	start_peer send='hello from the peer\n' shutwr drain="$T/back"
	closed conn '<&-' chat-connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$SPAWNED" 0
	expect_exit "$PEER_PID" 0
	assert_empty "$T/back"
	assert_eq "$(cat "$T/conn.out")" 'hello from the peer' stdout
}

@test "chat-connect >&-: the peer's data is not sent back, stdin reaches the peer" {
	printf 'from stdin\n' >"$T/in"
	start_peer send='hello from the peer\n' shutwr drain="$T/back"
	closed -i "$T/in" conn '>&-' chat-connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$SPAWNED" 0
	expect_exit "$PEER_PID" 0
	assert_eq "$(cat "$T/back")" 'from stdin' 'what the peer got'
}

@test "chat-connect 2>&-: the peer never receives our log line" {
	printf 'from stdin\n' >"$T/in"
	start_peer drain="$T/back"
	closed -i "$T/in" conn '2>&-' chat-connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$SPAWNED" 0
	expect_exit "$PEER_PID" 0
	assert_eq "$(cat "$T/back")" 'from stdin' 'what the peer got'
}

@test "chat-listen <&-: the session runs as with stdin at its end" {
	closed listen '<&-' chat-listen -b 127.0.0.1 0
	LPID=$SPAWNED
	wait_listening "$LPID" "$T/listen.err"
	connect_peer peer 127.0.0.1 "$PORT" send='hello\n' shutwr drain="$T/back"
	expect_exit "$LPID" 0
	expect_exit "$PEER_PID" 0
	assert_eq "$(cat "$T/listen.out")" hello stdout
	assert_empty "$T/back"
	assert_eq "$(error_lines "$T/listen.err" chat-listen)" '' 'errors logged'
}

@test "chat-listen >&-: the peer's data is not sent back, stdin reaches the peer" {
	printf 'from stdin\n' >"$T/in"
	closed -i "$T/in" listen '>&-' chat-listen -b 127.0.0.1 0
	LPID=$SPAWNED
	wait_listening "$LPID" "$T/listen.err"
	connect_peer peer 127.0.0.1 "$PORT" send='hello\n' shutwr drain="$T/back"
	expect_exit "$LPID" 0
	expect_exit "$PEER_PID" 0
	assert_eq "$(cat "$T/back")" 'from stdin' 'what the peer got'
	assert_eq "$(error_lines "$T/listen.err" chat-listen)" '' 'errors logged'
}

@test "chat-listen 2>&- (and with >&-): the client never receives 'connection from'" {
	local r
	printf 'from stdin\n' >"$T/in"
	# with 2>&- alone the listening socket takes descriptor 2; with >&-
	# too it takes 1, and the accepted client would become stderr
	for r in '2>&-' '>&- 2>&-'; do
		rm -f "$T/back"
		closed -i "$T/in" listen "$r" chat-listen -b 127.0.0.1 0
		LPID=$SPAWNED
		wait_for proc_listen_port "$LPID"
		connect_peer peer 127.0.0.1 "$PORT" drain="$T/back"
		expect_exit "$LPID" 0
		expect_exit "$PEER_PID" 0
		assert_eq "$(cat "$T/back")" 'from stdin' "what the client got ($r)"
	done
}

### death by the signal

@test "chat-connect: SIGINT and SIGTERM end it by that signal (WIFSIGNALED; \$? 130 / 143)" {
	local sig num
	for sig in INT TERM; do
		num=$(kill -l "$sig")
		P_NAME=peer$sig start_peer hold
		: >"$T/status$sig"
		spawn conn$sig perl "$WAITSTATUS" "$T/status$sig" chat-connect 127.0.0.1 "$PEER_PORT"
		status_pid "$T/status$sig"
		wait_file_contains "$T/conn$sig.err" 'connected to'
		kill -"$sig" "$WPID"
		expect_status "$T/status$sig" "signal $num" 3
		expect_exit "$SPAWNED" $((128 + num))
	done
}

@test "chat-listen: SIGINT and SIGTERM end it by that signal, waiting or in a session" {
	local sig num
	for sig in INT TERM; do
		num=$(kill -l "$sig")
		# waiting for a peer
		: >"$T/wait$sig"
		spawn wait$sig perl "$WAITSTATUS" "$T/wait$sig" chat-listen -b 127.0.0.1 0
		status_pid "$T/wait$sig"
		wait_listening "$WPID" "$T/wait$sig.err"
		kill -"$sig" "$WPID"
		expect_status "$T/wait$sig" "signal $num" 3
		expect_exit "$SPAWNED" $((128 + num))
		# with a peer
		: >"$T/sess$sig"
		spawn sess$sig perl "$WAITSTATUS" "$T/sess$sig" chat-listen -b 127.0.0.1 0
		status_pid "$T/sess$sig"
		wait_listening "$WPID" "$T/sess$sig.err"
		connect_peer peer$sig 127.0.0.1 "$PORT" hold
		wait_file_contains "$T/sess$sig.err" 'connection from'
		kill -"$sig" "$WPID"
		expect_status "$T/sess$sig" "signal $num" 3
	done
}

@test "chat-listen --room: SIGINT and SIGTERM end it by that signal, members told" {
	local sig num
	for sig in INT TERM; do
		num=$(kill -l "$sig")
		rm -f "$T/room.err" "$T/a$sig.out"
		: >"$T/status$sig"
		spawn room perl "$WAITSTATUS" "$T/status$sig" chat-listen -b 127.0.0.1 --room -d 0
		status_pid "$T/status$sig"
		room_poll 5 room_listening 1
		join "a$sig"
		kill -"$sig" "$WPID"
		expect_status "$T/status$sig" "signal $num" 3
		got "a$sig" '* room closed'
	done
}

@test "a shell loop of chat-listen stops at the first SIGINT to its process group" {
	local s pgid
	# a bash without job control, as a script runs, in a process group of
	# its own; it goes on after a child that exited 130, and stops after
	# one that died by SIGINT (as it did itself)
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn loop setsid bash -c 'for i in 1 2 3; do chat-listen -b 127.0.0.1 0; done; echo "loop went on" >&2'
	wait_listening "$SPAWNED" "$T/loop.err"
	read -r s <"/proc/$SPAWNED/stat"
	s=${s##*) }
	read -r _ _ pgid _ <<<"$s"
	assert_eq "$pgid" "$SPAWNED" 'the loop leads its process group'
	kill -INT -- -"$pgid"
	wait_exit "$SPAWNED" 3 || true
	assert_eq "$EXIT_STATUS" 130 "the loop's exit status"
	assert_eq "$(count_lines "$T/loop.err" '^chat-listen: listening on ')" 1 'chat-listen runs'
	run ! grep -q 'loop went on' "$T/loop.err"
}

### a terminal that nobody drains

# stalled_tty_term NAME PID: the program under ptystall.py (PID, spawned as
# NAME) and waitstatus.pl (status in $T/NAME.status) is stuck on its
# terminal while the peer keeps sending: its stdout is its own nonblocking
# description, the terminal's shared one is untouched, and SIGTERM ends it
# by that signal within 3 s.
stalled_tty_term() {
	local name=$1 pty=$2 own=blocking shared=blocking
	status_pid "$T/$name.status"
	pty_slave_fd "$name"
	STUCK_LAST=''
	wait_for -t 10 stuck "$WPID"
	if nonblocking "$WPID" 1; then own=nonblocking; fi
	if nonblocking "$pty" "$SLAVE_FD"; then shared=nonblocking; fi
	kill -TERM "$WPID"
	expect_status "$T/$name.status" 'signal 15' 3
	expect_exit "$pty" 143
	assert_eq "$own" nonblocking "the program's stdout"
	assert_eq "$shared" blocking "the terminal's shared description"
}

@test "chat-connect: SIGTERM ends it within 3 s with stdout on a terminal nobody drains" {
	rand_file "$T/big" 1048576
	start_peer sendfile="$T/big" hold
	: >"$T/conn.status"
	spawn conn "$PYTHON" "$PTYSTALL" perl "$WAITSTATUS" "$T/conn.status" chat-connect 127.0.0.1 "$PEER_PORT"
	stalled_tty_term conn "$SPAWNED"
}

@test "chat-listen: SIGTERM ends it within 3 s with stdout on a terminal nobody drains" {
	local pty
	rand_file "$T/big" 1048576
	: >"$T/listen.status"
	spawn listen "$PYTHON" "$PTYSTALL" perl "$WAITSTATUS" "$T/listen.status" chat-listen -b 127.0.0.1 0
	pty=$SPAWNED
	wait_listening "$pty" "$T/listen.err"
	connect_peer peer 127.0.0.1 "$PORT" sendfile="$T/big" hold
	stalled_tty_term listen "$pty"
}

@test "chat-listen --room: the host's terminal stuck, members still join and chat; SIGTERM ends it within 3 s" {
	local pty zeros
	# 100 KiB of lines for the host's terminal, which takes about 20:
	# "0000 000...0" to "0999 000...0", 100 bytes each (seq, not a loop of
	# the test's own: bats traces each command of a test)
	printf -v zeros '%095d' 0
	seq -f "%04g $zeros" 0 999 >"$T/lines"
	: >"$T/room.status"
	spawn room "$PYTHON" "$PTYSTALL" perl "$WAITSTATUS" "$T/room.status" chat-listen -b 127.0.0.1 --room -d --max-rate 0 0
	pty=$SPAWNED
	status_pid "$T/room.status"
	pty_slave_fd room
	room_poll 5 room_listening 1
	join a
	join b
	send_file a "$T/lines"
	got b "<user1> $(tail -n 1 "$T/lines")" 10
	# the terminal is full and stays so; the room goes on
	join c
	got_all '* user3 joined' a b
	say c 'the terminal is stuck'
	got_all '<user3> the terminal is stuck' a b
	say b 'still talking'
	got_all '<user2> still talking' a c
	nonblocking "$WPID" 1
	run ! nonblocking "$pty" "$SLAVE_FD"
	kill -TERM "$WPID"
	expect_status "$T/room.status" 'signal 15' 3
	got_all '* room closed' a b c
	expect_exit "$pty" 143
}
