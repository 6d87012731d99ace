#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); `load` hides
# test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153
# Issue 11: a peer that leaves never takes data with it silently. What the
# peer never acknowledged goes to the next peer (-k) or is counted in the
# error; the peer's end reaches whoever reads our stdout.

load test_helper

# peer_sockets PORT: sets NSOCK to the connected (not listening) TCP
# sockets on local port PORT, from /proc/net/tcp. Read in one go (mapfile):
# bash's read seeks back after each line, and each seek or read of that
# file walks the kernel's whole socket table (~1 ms each).
peer_sockets() {
	local hex line lines re='^ *[0-9]+: [0-9A-F]+:([0-9A-F]+) [0-9A-F]+:[0-9A-F]+ ([0-9A-F]+) '
	printf -v hex '%04X' "$1"
	NSOCK=0
	mapfile -t lines </proc/net/tcp
	for line in "${lines[@]}"; do
		# local port, state (0A: listening)
		[[ $line =~ $re && ${BASH_REMATCH[1]} == "$hex" && ${BASH_REMATCH[2]} != 0A ]] &&
			NSOCK=$((NSOCK + 1))
	done
	return 0
}

# reset_seen PORT: the connection on PORT is gone from the kernel's table
# (the peer's reset arrived).
reset_seen() {
	peer_sockets "$1"
	[ "$NSOCK" -eq 0 ]
}

# first_reader: a reader that takes "line 1" and closes, then the line
# written after its close, which its kernel answers with a reset.
first_reader() {
	connect_peer r1 127.0.0.1 "$PORT" "recv=7:$T/r1.got" close
	put in $'line 1\n'
	expect_exit "$PEER_PID" 0
	assert_eq "$(cat "$T/r1.got")" "line 1" "first reader"
	# accepted by the kernel, then reset by the peer's: lost until now
	put in $'line 2\n'
	wait_for reset_seen "$PORT"
}

@test "-k: a line written after a reader left goes to the next reader (tail -f | chat-listen -k)" {
	hold_pipe in
	L_IN=$REPLY start_listener -k
	first_reader
	connect_peer r2 127.0.0.1 "$PORT" "drain=$T/r2.got"
	R2=$PEER_PID
	# the next write finds the reset; what the last reader never acked
	# goes first to the next one
	put in $'line 3\n'
	wait_file_contains "$T/listen.err" "bytes from stdin kept for the next peer"
	close_pipe in
	expect_exit "$R2" 0
	assert_eq "$(cat "$T/r2.got")" $'line 2\nline 3' "second reader"
	# "line 2\n" (never acknowledged) and "line 3\n" (refused)
	grep -qE '^chat-listen: cannot send to 127\.0\.0\.1:[0-9]+: (Broken pipe|Connection reset by peer) \(14 bytes from stdin kept for the next peer\)$' "$T/listen.err"
}

@test "-k: readers leaving one after another lose no line of a steady stream" {
	hold_pipe in
	L_IN=$REPLY start_listener -k
	local line n=7
	: >"$T/all.got"
	for r in 1 2 3; do
		# each reader takes what it is given, its own line last, and
		# leaves: bytes a reader's kernel took and it never read are
		# beyond anyone's knowledge (README)
		connect_peer "r$r" 127.0.0.1 "$PORT" "recv=$n:$T/all.got" close
		n=14
		printf -v line 'line %d\n' "$r"
		put in "$line"
		expect_exit "$PEER_PID" 0
		# the line after the reader's close, lost to a reset before
		printf -v line 'lost %d\n' "$r"
		put in "$line"
		wait_for reset_seen "$PORT"
	done
	connect_peer last 127.0.0.1 "$PORT" "drain=$T/last.got"
	LAST=$PEER_PID
	put in $'the end\n'
	close_pipe in
	expect_exit "$LAST" 0
	cat "$T/last.got" >>"$T/all.got"
	# each reader took its line; every "lost" line reached the next reader
	assert_eq "$(grep -c '^lost' "$T/all.got")" 3 "lines written after a reader left"
	assert_eq "$(tr '\n' ' ' <"$T/all.got")" \
		"line 1 lost 1 line 2 lost 2 line 3 lost 3 the end " "everything, in order"
}

@test "without -k: the error says exactly how many bytes from stdin were not delivered; exit 1" {
	hold_pipe in
	L_IN=$REPLY start_listener
	first_reader
	put in $'line 3 is longer\n'
	expect_exit "$LPID" 1
	# "line 2\n" (never acknowledged) and "line 3 is longer\n" (refused)
	grep -qE '^chat-listen: cannot send to 127\.0\.0\.1:[0-9]+: (Broken pipe|Connection reset by peer) \(24 bytes from stdin were not delivered\)$' "$T/listen.err"
}

@test "CHAT_NO_OUTQ=1 (the POSIX fallback: no SIOCOUTQ): only bytes never written are counted; exit 1" {
	export CHAT_NO_OUTQ=1
	hold_pipe in
	L_IN=$REPLY start_listener
	first_reader
	put in $'line 3 is longer\n'
	expect_exit "$LPID" 1
	# "line 2\n" went to the kernel, and nobody can tell it was lost
	grep -qE '^chat-listen: cannot send to 127\.0\.0\.1:[0-9]+: (Broken pipe|Connection reset by peer) \(17 bytes from stdin were not delivered\)$' "$T/listen.err"
}

@test "chat-connect: the count of bytes not delivered when the listener resets" {
	start_peer "recv=3:$T/p.got" close
	hold_pipe in
	C_IN=$REPLY start_connect 127.0.0.1 "$PEER_PORT"
	put in 'abc'
	expect_exit "$PEER_PID" 0
	put in '12345'
	wait_for reset_seen "$PEER_PORT"
	put in '6789'
	expect_exit "$CPID" 1
	grep -qE '^chat-connect: cannot send to 127\.0\.0\.1:[0-9]+: (Broken pipe|Connection reset by peer) \(9 bytes from stdin were not delivered\)$' "$T/conn.err"
}

@test "the peer's end reaches the reader of our stdout while our stdin stays open; stdin is still sent" {
	printf 'from the listener\n' >"$T/listen.in"
	L_OUT=$T/listen.got start_listener
	drain_pipe out "$T/conn.got"
	OUTR=$DRAINER
	hold_pipe in
	C_IN=$REPLY C_OUT=$T/out.fifo start_connect 127.0.0.1 "$PORT"
	# the listener sent its file and shut down its side: our consumer
	# sees the end at once, though our stdin is an open pipe
	expect_exit "$OUTR" 0
	assert_eq "$(cat "$T/conn.got")" "from the listener"
	expect_alive "$CPID"
	put in $'still talking\n'
	wait_file_contains "$T/listen.got" "still talking"
	close_pipe in
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
}

@test "chat-listen (no -k): the peer's end closes our stdout too; with -k stdout stays open for the next peer" {
	drain_pipe out "$T/l.got"
	OUTR=$DRAINER
	hold_pipe in
	L_IN=$REPLY L_OUT=$T/out.fifo start_listener
	connect_peer p1 127.0.0.1 "$PORT" send=one\\n shutwr hold
	expect_exit "$OUTR" 0
	assert_eq "$(cat "$T/l.got")" "one"
	expect_alive "$LPID"
	close_pipe in
	expect_exit "$LPID" 0

	# stdin empty: each session ends when its peer does
	drain_pipe out2 "$T/k.got"
	OUTR=$DRAINER
	L_NAME=k L_OUT=$T/out2.fifo start_listener -k
	connect_peer p2 127.0.0.1 "$PORT" send=first\\n close
	expect_exit "$PEER_PID" 0
	wait_file_contains "$T/k.err" "disconnected"
	connect_peer p3 127.0.0.1 "$PORT" send=second\\n close
	wait_file_contains "$T/k.got" "second"
	expect_alive "$OUTR"
	assert_eq "$(cat "$T/k.got")" $'first\nsecond'
}
