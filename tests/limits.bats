#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Resources: backpressure with bounded memory (peak RSS under 4 MiB), a
# sender that stalls when the far consumer stops, no busy loop when idle,
# and the splice / read-write paths.
# With CHAT_SANITIZE=1 (sanitizer build) only the RSS and CPU numbers are
# not checked; everything else is.

load test_helper

RSS_LIMIT_KB=4096
IDLE_CPU_LIMIT_MS=50

# check_rss PID...: peak RSS (VmHWM) of each is under RSS_LIMIT_KB.
check_rss() {
	local p hwm bad=
	if sanitized; then
		echo "# CHAT_SANITIZE=1: RSS not checked" >&3
		return 0
	fi
	for p in "$@"; do
		hwm=$(kb "$p" VmHWM)
		echo "${PNAME[$p]}: VmHWM ${hwm} kB"
		[ "$hwm" -lt "$RSS_LIMIT_KB" ] || bad+=" ${PNAME[$p]} VmHWM=${hwm}kB"
	done
	if [ -n "$bad" ]; then
		echo "peak RSS over ${RSS_LIMIT_KB} kB:$bad" >&2
		return 1
	fi
}

# slow_consumer: 64 MiB from chat-listen's stdin (a pipe) to chat-connect,
# whose stdout is a pipe read slowly. Both stay alive at the end (the
# connect side's stdin is still open) so their peak RSS can be read.
slow_consumer() {
	local size=$((64 << 20)) reader cout
	truncate -s "$size" "$T/big"
	feed_pipe lin "$T/big"
	L_IN=$REPLY start_listener
	slow_pipe cout "$size"
	reader=$DRAINER cout=$REPLY
	hold_pipe cin
	C_IN=$REPLY C_OUT=$cout start_connect 127.0.0.1 "$PORT"
	wait_for -t 20 test -e "$T/cout.reached"
	expect_alive "$LPID"
	expect_alive "$CPID"
	check_rss "$LPID" "$CPID"
	close_pipe cin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	expect_exit "$reader" 0
	assert_eq "$(cat "$T/cout.slow.out")" "$size" "bytes the slow reader got"
}

@test "backpressure: 64 MiB to a slow reader, peak RSS under 4 MiB (splice path)" {
	unset CHAT_NO_SPLICE
	slow_consumer
}

@test "backpressure: 64 MiB to a slow reader, peak RSS under 4 MiB (CHAT_NO_SPLICE=1)" {
	export CHAT_NO_SPLICE=1
	slow_consumer
}

@test "64 MiB from a regular file to a regular file: peak RSS under 4 MiB" {
	local size=$((64 << 20))
	truncate -s "$size" "$T/listen.in"
	start_listener
	hold_pipe cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_file_size "$T/conn.out" "$size" 20
	check_rss "$LPID" "$CPID"
	close_pipe cin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(file_size "$T/conn.out")" "$size" "bytes received"
	cmp -s "$T/listen.in" "$T/conn.out"
}

# stalled SOURCE: chat-listen's stdin is 256 MiB (SOURCE "file": a regular
# file; "pipe": a pipe from cat), chat-connect's stdout a pipe nobody reads.
# The sender must stop reading its stdin (it makes no more progress), well
# before the end, and neither side may buffer it in memory.
stalled() {
	local size=$((256 << 20)) reader pos prev=-1 same=0 deadline
	truncate -s "$size" "$T/big"
	if [ "$1" = pipe ]; then
		feed_pipe lin "$T/big"
		reader=$FEEDER
		L_IN=$REPLY start_listener
	else
		L_IN=$T/big start_listener
		reader=$LPID
	fi
	stall_pipe cout
	hold_pipe cin
	C_IN=$REPLY C_OUT=${T}/cout.fifo start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" "connection from"
	# how far stdin has been read, every 100 ms, until it stops moving
	set_now
	deadline=$((NOW + 10000))
	while [ "$same" -lt 3 ]; do
		sleep 0.1
		pos=$(fd_pos "$reader" 0)
		if [ "$pos" = "$prev" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		prev=$pos
		set_now
		if [ "$NOW" -ge "$deadline" ]; then
			echo "stdin still moving after 10 s: at $pos of $size" >&2
			return 1
		fi
	done
	echo "sender stalled at $pos of $size bytes"
	if [ "$pos" -le 0 ] || [ "$pos" -ge $((size / 2)) ]; then
		echo "stalled at $pos of $size bytes" >&2
		return 1
	fi
	expect_alive "$LPID"
	expect_alive "$CPID"
	check_rss "$LPID" "$CPID"
}

@test "a reader that stops: the sender stalls, nothing piles up (pipes, splice path)" {
	unset CHAT_NO_SPLICE
	stalled pipe
}

@test "a reader that stops: the sender stalls, nothing piles up (pipes, CHAT_NO_SPLICE=1)" {
	export CHAT_NO_SPLICE=1
	stalled pipe
}

@test "a reader that stops: the sender stalls, nothing piles up (stdin a regular file)" {
	stalled file
}

@test "no busy loop: 2 s idle costs each side under 50 ms CPU; --wait 1 does not cut the idle session" {
	hold_pipe lin
	L_IN=$REPLY start_listener
	hold_pipe cin
	# --wait bounds the connect only: it is no idle timeout
	C_IN=$REPLY start_connect --wait 1 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" "connection from"
	wait_file_contains "$T/conn.err" "connected to"
	local l0 c0 l1 c1
	l0=$(cpu_ms "$LPID")
	c0=$(cpu_ms "$CPID")
	sleep 2 # the time under test
	l1=$(cpu_ms "$LPID")
	c1=$(cpu_ms "$CPID")
	echo "idle CPU: chat-listen $((l1 - l0)) ms, chat-connect $((c1 - c0)) ms"
	# the session is still there and works after the idle time
	expect_alive "$LPID"
	expect_alive "$CPID"
	put lin $'ping\n'
	wait_file_contains "$T/conn.out" ping
	put cin $'pong\n'
	wait_file_contains "$T/listen.out" pong
	if sanitized; then
		echo "# CHAT_SANITIZE=1: CPU not checked" >&3
		return 0
	fi
	[ $((l1 - l0)) -lt "$IDLE_CPU_LIMIT_MS" ] || { echo "chat-listen used $((l1 - l0)) ms idle" >&2; return 1; }
	[ $((c1 - c0)) -lt "$IDLE_CPU_LIMIT_MS" ] || { echo "chat-connect used $((c1 - c0)) ms idle" >&2; return 1; }
}

# splice_calls TAG: a session over pipes, 1 MiB each way, with chat-connect
# under strace; sets SPLICE_CALLS to the number of splice(2) calls it made
# and SPLICED to the bytes they moved.
splice_calls() {
	local tag=$1 drainer
	rand_file "$T/data" 1M
	rand_file "$T/back" 1M
	L_IN=$T/back L_NAME=listen$tag start_listener
	feed_pipe "cin$tag" "$T/data"
	drain_pipe "cout$tag" "$T/got$tag"
	drainer=$DRAINER
	# LeakSanitizer cannot run under ptrace: off for this traced run only
	spawn -i "$T/cin$tag.fifo" -o "$T/cout$tag.fifo" "conn$tag" \
		env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=splice -o "$T/trace$tag" chat-connect 127.0.0.1 "$PORT"
	expect_exit "$SPAWNED" 0 10
	expect_exit "$LPID" 0
	expect_exit "$drainer" 0
	assert_same "$T/data" "$T/listen$tag.out"
	assert_same "$T/back" "$T/got$tag"
	SPLICE_CALLS=$(grep -c 'splice(' "$T/trace$tag" || true)
	SPLICED=$(sed -n 's/^.*splice(.*) = \([0-9][0-9]*\)$/\1/p' "$T/trace$tag" | awk '{ n += $1 } END { print n + 0 }')
}

@test "splice(2) moves what the peer sends into a stdout pipe; CHAT_NO_SPLICE=1 turns it off" {
	need strace
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	unset CHAT_NO_SPLICE
	splice_calls 1
	# every received byte, and only those: stdin -> socket is read/write
	assert_eq "$SPLICED" $((1024 * 1024)) "bytes moved by splice(2)"
	CHAT_NO_SPLICE=1 splice_calls 2
	assert_eq "$SPLICE_CALLS" 0 "splice(2) calls with CHAT_NO_SPLICE=1"
}
