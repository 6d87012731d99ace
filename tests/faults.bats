#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Faults: data that cannot reach the peer (exit 1, never silent), -k after
# such a loss, a stdout reader that goes away, SIGINT/SIGTERM, SIGPIPE.

load test_helper

# big_stream NAME: a pipe carrying 256 MiB (a sparse file: no disk used),
# more than any socket buffer holds. Sets REPLY.
big_stream() {
	truncate -s 256M "$T/big"
	feed_pipe "$1" "$T/big"
}

# has_error_line FILE PROG: FILE has an error line from PROG (one that is
# none of the normal log lines).
has_error_line() {
	[ -n "$(error_lines "$1" "$2")" ]
}

expect_error_line() {
	if ! has_error_line "$1" "$2"; then
		echo "no error message from $2 in ${1##*/}:" >&2
		cat "$1" >&2
		return 1
	fi
}

### 5. data loss is never silent

@test "chat-connect: peer killed (SIGKILL) mid-stream: message on stderr, exit 1 within 2 s" {
	start_peer recv=65536:"$T/peer.got" touch="$T/ready" hold
	big_stream cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PEER_PORT"
	wait_for test -e "$T/ready"
	kill -KILL "$PEER_PID"
	expect_exit "$CPID" 1 2
	expect_error_line "$T/conn.err" chat-connect
}

@test "chat-connect: peer closes with our data unread: message on stderr, exit 1" {
	start_peer recv=65536:"$T/peer.got" close
	big_stream cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$CPID" 1 3
	expect_error_line "$T/conn.err" chat-connect
}

@test "chat-connect < regular file: peer closes with data unread: exit 1, with a message" {
	truncate -s 256M "$T/big"
	start_peer recv=65536:"$T/peer.got" close
	C_IN=$T/big start_connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$CPID" 1 3
	expect_error_line "$T/conn.err" chat-connect
}

@test "chat-listen: peer killed (SIGKILL) mid-stream: message on stderr, exit 1 within 2 s" {
	big_stream lin
	L_IN=$REPLY start_listener
	connect_peer peer 127.0.0.1 "$PORT" recv=65536:"$T/peer.got" touch="$T/ready" hold
	wait_for test -e "$T/ready"
	kill -KILL "$PEER_PID"
	expect_exit "$LPID" 1 2
	expect_error_line "$T/listen.err" chat-listen
}

@test "chat-listen -k: a lost peer is logged, the next peer gets the rest of stdin" {
	rand_file "$T/data" 16M
	L_IN=$T/data start_listener -k
	connect_peer p1 127.0.0.1 "$PORT" recv=65536:"$T/p1.got" close
	expect_exit "$PEER_PID" 0
	wait_for has_error_line "$T/listen.err" chat-listen
	expect_alive "$LPID"
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0 10
	expect_alive "$LPID"
	expect_error_line "$T/listen.err" chat-listen
	# peer 1 got the start; peer 2 a part of the rest, in order, up to the end
	local n1 n2
	n1=$(file_size "$T/p1.got")
	n2=$(file_size "$T/conn.out")
	assert_eq "$n1" 65536 "bytes peer 1 read"
	cmp -s -n 65536 "$T/data" "$T/p1.got"
	[ "$n2" -gt 0 ] && [ $((n1 + n2)) -le $((16 << 20)) ] ||
		{ echo "peer 2 got $n2 bytes" >&2; return 1; }
	tail -c "$n2" "$T/data" | cmp -s - "$T/conn.out" ||
		{ echo "peer 2 did not get the tail of stdin ($n2 bytes)" >&2; return 1; }
}

# check_reader_gone PROG NAME: PROG ran as "PROG | head -c 10" (spawned as
# NAME, its exit status in $T/rc) while the peer streamed: it was not
# killed by SIGPIPE nor any signal, and left at most one line on stderr
# besides the normal log lines.
check_reader_gone() {
	local rc errs
	[ -s "$T/rc" ] || { echo "pipeline did not finish" >&2; return 1; }
	rc=$(cat "$T/rc")
	[ "$rc" -ne 141 ] || { echo "killed by SIGPIPE" >&2; return 1; }
	[ "$rc" -lt 128 ] || { echo "killed by signal $((rc - 128))" >&2; return 1; }
	assert_eq "$(file_size "$T/head.out")" 10 "bytes through head"
	errs=$(grep -cvE "^$1: (listening on |connection from |connected to |.* disconnected\$)" "$T/$2.err" || true)
	[ "$errs" -le 1 ] || { echo "$errs lines on stderr:" >&2; cat "$T/$2.err" >&2; return 1; }
}

@test "chat-connect | head -c 10: ends promptly, not killed by SIGPIPE, at most one line on stderr" {
	truncate -s 256M "$T/listen.in"
	start_listener
	# spawn gives bash, and so chat-connect, the default SIGPIPE action
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn pipeline bash -c 'chat-connect 127.0.0.1 "$1" </dev/null | head -c 10 >"$2"; echo "${PIPESTATUS[0]}" >"$2.rc"' \
		_ "$PORT" "$T/head.out"
	expect_exit "$SPAWNED" 0 3
	mv "$T/head.out.rc" "$T/rc"
	check_reader_gone chat-connect pipeline
}

@test "chat-listen | head -c 10: ends promptly, not killed by SIGPIPE, at most one line on stderr" {
	truncate -s 256M "$T/conn.in"
	# shellcheck disable=SC2016 # expanded by the inner bash
	spawn pipeline bash -c 'chat-listen -b 127.0.0.1 0 </dev/null | head -c 10 >"$1"; echo "${PIPESTATUS[0]}" >"$1.rc"' \
		_ "$T/head.out"
	local pid=$SPAWNED
	wait_listening "$pid" "$T/pipeline.err"
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$pid" 0 3
	mv "$T/head.out.rc" "$T/rc"
	check_reader_gone chat-listen pipeline
}

### 12. SIGINT / SIGTERM

# signal_test PROG SIGNAL CODE: PROG in a session that received "hello";
# on SIGNAL it exits CODE, "hello" is on its stdout and the peer sees the
# connection closed.
signal_test() {
	local prog=$1 sig=$2 code=$3 pid out
	hold_pipe in
	if [ "$prog" = chat-connect ]; then
		start_peer send='hello\n' drain="$T/peer.got" touch="$T/peer.eof" hold
		C_IN=$REPLY start_connect 127.0.0.1 "$PEER_PORT"
		pid=$CPID out=$T/conn.out
	else
		L_IN=$REPLY start_listener
		connect_peer peer 127.0.0.1 "$PORT" send='hello\n' drain="$T/peer.got" touch="$T/peer.eof" hold
		pid=$LPID out=$T/listen.out
	fi
	wait_file_contains "$out" hello
	kill -"$sig" "$pid"
	expect_exit "$pid" "$code" 3
	assert_eq "$(cat "$out")" hello "$prog stdout"
	wait_for test -e "$T/peer.eof"
}

@test "chat-connect: SIGTERM writes out what it got, closes, exits 143" {
	signal_test chat-connect TERM 143
}

@test "chat-connect: SIGINT writes out what it got, closes, exits 130" {
	signal_test chat-connect INT 130
}

@test "chat-listen: SIGTERM writes out what it got, closes, exits 143" {
	signal_test chat-listen TERM 143
}

@test "chat-listen: SIGINT writes out what it got, closes, exits 130" {
	signal_test chat-listen INT 130
}

@test "chat-listen waiting for a peer: SIGTERM exits 143" {
	start_listener
	kill -TERM "$LPID"
	expect_exit "$LPID" 143 3
}

@test "SIGPIPE does not kill chat-connect when the peer resets (exit 1, not 141)" {
	start_peer recv=10:"$T/peer.got" reset
	big_stream cin
	# spawn gives chat-connect the default SIGPIPE action
	C_IN=$REPLY start_connect 127.0.0.1 "$PEER_PORT"
	expect_exit "$CPID" 1 3
	expect_error_line "$T/conn.err" chat-connect
}
