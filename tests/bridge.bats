#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# The bridge: byte transparency, half-close, who ends the session, -q,
# -k, stdin before the peer, name resolution, --retry, -w, SO_REUSEADDR.

load test_helper

### 1. byte transparency

# both_ways IN OUT: 8 MiB of random bytes each way at the same time between
# chat-listen and chat-connect. IN and OUT say what stdin and stdout are on
# both sides: "file" (regular files) or "pipe".
both_ways() {
	local in=$1 out=$2 drains=() l_in l_out c_in c_out p
	rand_file "$T/a" 8M
	rand_file "$T/b" 8M
	l_in=$T/a c_in=$T/b l_out=$T/l.got c_out=$T/c.got
	if [ "$in" = pipe ]; then
		feed_pipe lin "$T/a"
		l_in=$REPLY
		feed_pipe cin "$T/b"
		c_in=$REPLY
	fi
	if [ "$out" = pipe ]; then
		drain_pipe lout "$T/l.got"
		l_out=$REPLY
		drains+=("$DRAINER")
		drain_pipe cout "$T/c.got"
		c_out=$REPLY
		drains+=("$DRAINER")
	fi
	L_IN=$l_in L_OUT=$l_out start_listener
	C_IN=$c_in C_OUT=$c_out start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0 20
	expect_exit "$LPID" 0 5
	for p in "${drains[@]}"; do
		expect_exit "$p" 0
	done
	assert_same "$T/b" "$T/l.got"
	assert_same "$T/a" "$T/c.got"
}

@test "8 MiB of random bytes each way at once, stdin and stdout regular files" {
	both_ways file file
}

@test "8 MiB of random bytes each way at once, pipes (splice path)" {
	unset CHAT_NO_SPLICE
	both_ways pipe pipe
}

@test "8 MiB of random bytes each way at once, pipes, CHAT_NO_SPLICE=1 (read/write path)" {
	export CHAT_NO_SPLICE=1
	both_ways pipe pipe
}

@test "the POSIX-only build (-DSYS_POSIX_ONLY: no splice, no SIOCOUTQ) builds warning-free and moves 8 MiB each way" {
	local b=$T/posix
	mkdir -p "$b"
	cp -R "$BIN/../src" "$BIN/../Makefile" "$b/"
	run make -s -C "$b" CFLAGS="-O0 -Werror" CPPFLAGS=-DSYS_POSIX_ONLY \
		bin/chat-listen bin/chat-connect
	assert_eq "$status" 0 "make: $output"
	assert_eq "$output" "" "compiler output"
	run nm "$b/src/sys.o"
	[[ $output != *" U splice"* && $output != *" U ioctl"* ]]
	BIN=$b/bin
	both_ways pipe pipe
}

@test "8 MiB each way at once, stdin pipes and stdout files" {
	unset CHAT_NO_SPLICE
	both_ways pipe file
}

@test "8 MiB each way at once, stdin files and stdout pipes" {
	unset CHAT_NO_SPLICE
	both_ways file pipe
}

@test "NULs, high bytes, CR and no trailing newline arrive unchanged both ways" {
	printf 'a\0b\377\r\n\0\0\200end' >"$T/listen.in"
	printf '\0\n\377x\r\0' >"$T/conn.in"
	start_listener
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_same "$T/listen.in" "$T/conn.out"
	assert_same "$T/conn.in" "$T/listen.out"
}

@test "empty stdin on both sides: no output, both exit 0" {
	start_listener
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_empty "$T/conn.out"
	assert_empty "$T/listen.out"
}

### 3. half-close

@test "chat-connect: stdin EOF shuts the write side; the reply sent after it is printed, exit 0" {
	start_peer drain="$T/peer.got" sendcount close
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_t 5 bash -c 'echo hi | chat-connect 127.0.0.1 "$1"' _ "$PEER_PORT"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "got 3 bytes" "stdout"
	assert_eq "$(cat "$T/peer.got")" hi "what the peer got"
}

@test "chat-listen: stdin EOF shuts the write side; the reply sent after it is printed, exit 0" {
	printf 'hi\n' >"$T/hi"
	feed_pipe lin "$T/hi"
	L_IN=$REPLY start_listener
	connect_peer peer 127.0.0.1 "$PORT" drain="$T/peer.got" sendcount close
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" "got 3 bytes" "chat-listen stdout"
	assert_eq "$(cat "$T/peer.got")" hi "what the peer got"
}

@test "after stdin ends, chat-connect waits for the peer and prints what it sends later" {
	start_peer drain="$T/peer.got" touch="$T/drained" waitfile="$T/go" send='late\n' close
	printf 'hi\n' >"$T/conn.in"
	start_connect 127.0.0.1 "$PEER_PORT"
	wait_for test -e "$T/drained"
	sleep 0.3 # the time under test: still running although stdin ended
	expect_alive "$CPID"
	touch "$T/go"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" late "chat-connect stdout"
}

### 4. the peer finishes

@test "chat-connect < file against chat-listen < /dev/null: the whole file arrives, both exit 0" {
	rand_file "$T/conn.in" 8M
	L_IN=/dev/null start_listener
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0 20
	expect_exit "$LPID" 0
	assert_same "$T/conn.in" "$T/listen.out"
	assert_empty "$T/conn.out"
}

@test "mirror: chat-listen < file against chat-connect < /dev/null: the whole file arrives" {
	rand_file "$T/listen.in" 8M
	start_listener
	C_IN=/dev/null start_connect 127.0.0.1 "$PORT"
	expect_exit "$LPID" 0 20
	expect_exit "$CPID" 0
	assert_same "$T/listen.in" "$T/conn.out"
	assert_empty "$T/listen.out"
}

@test "chat-connect: stdin pipe keeps flowing after the peer finished, exit 0 when it ends" {
	start_listener
	hold_pipe cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" "connection from"
	put cin $'one\n'
	wait_file_contains "$T/listen.out" one
	expect_alive "$CPID"
	put cin $'two\n'
	wait_file_contains "$T/listen.out" two
	expect_alive "$CPID"
	close_pipe cin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" $'one\ntwo' "chat-listen stdout"
}

@test "chat-listen: stdin pipe keeps flowing after the peer finished, exit 0 when it ends" {
	hold_pipe lin
	L_IN=$REPLY start_listener
	start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" "connection from"
	put lin $'one\n'
	wait_file_contains "$T/conn.out" one
	expect_alive "$LPID"
	put lin $'two\n'
	wait_file_contains "$T/conn.out" two
	expect_alive "$LPID"
	close_pipe lin
	expect_exit "$LPID" 0
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" $'one\ntwo' "chat-connect stdout"
}

@test "chat-connect with a terminal on stdin exits 0 promptly when the peer closes" {
	need script
	printf 'bye\n' >"$T/listen.in"
	start_listener
	hold_pipe tty # script's own stdin: never ends, so the terminal never does
	spawn -i "$REPLY" tty script -qec "exec chat-connect 127.0.0.1 $PORT" /dev/null
	expect_exit "$SPAWNED" 0 3
	grep -q bye "$T/tty.out"
	expect_exit "$LPID" 0
}

@test "chat-listen with a terminal on stdin exits 0 promptly when the peer closes" {
	need script
	hold_pipe tty
	spawn -i "$REPLY" tty script -qec "exec chat-listen -b 127.0.0.1 0" /dev/null
	local pid=$SPAWNED
	wait_listening "$pid" "$T/tty.out"
	connect_peer peer 127.0.0.1 "$PORT" send='bye\n' close
	expect_exit "$pid" 0 3
	grep -q bye "$T/tty.out"
}

### 6. chat-listen: stdin before the peer, -k, SO_REUSEADDR

@test "stdin read before the peer arrives is delivered when it connects" {
	rand_file "$T/early" 4000
	feed_pipe lin "$T/early"
	L_IN=$REPLY start_listener
	expect_exit "$FEEDER" 0 # all of stdin written, and closed, before any peer
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_same "$T/early" "$T/conn.out"
}

@test "without -k chat-listen exits 0 when the session ends; it does not accept again" {
	start_listener
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	run_t 5 chat-connect 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status of a second chat-connect"
}

@test "-k / --keep-open: one peer at a time, the next one is served after the first leaves" {
	start_listener --keep-open
	hold_pipe c1
	C_NAME=c1 C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	local c1=$CPID
	wait_file_contains "$T/listen.err" "connection from"
	printf 'two\n' >"$T/c2.in"
	C_NAME=c2 start_connect 127.0.0.1 "$PORT"
	local c2=$CPID
	wait_file_contains "$T/c2.err" "connected to"
	put c1 $'one\n'
	wait_file_contains "$T/listen.out" one
	# the second peer waits its turn
	assert_eq "$(count_lines "$T/listen.err" 'connection from')" 1 "connections so far"
	assert_eq "$(cat "$T/listen.out")" one "chat-listen stdout while peer 1 is on"
	close_pipe c1
	expect_exit "$c1" 0
	expect_exit "$c2" 0
	wait_lines "$T/listen.err" ' disconnected$' 2
	assert_eq "$(cat "$T/listen.out")" $'one\ntwo' "chat-listen stdout"
	assert_eq "$(count_lines "$T/listen.err" 'connection from')" 2 "connections"
	expect_alive "$LPID"
}

@test "-k: stdin is one stream; what one peer got is not sent again to the next" {
	printf 'only once\n' >"$T/listen.in"
	start_listener -k
	C_NAME=c1 start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	C_NAME=c2 start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/c1.out")" "only once" "first peer's stdout"
	assert_empty "$T/c2.out"
	expect_alive "$LPID"
}

@test "SO_REUSEADDR: a new listener on the same port works right after a session" {
	hold_pipe cin
	start_listener
	local port=$PORT
	C_IN=$REPLY start_connect 127.0.0.1 "$port"
	wait_file_contains "$T/listen.err" "connection from"
	close_pipe cin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	# chat-listen closed first: its side of the connection is in TIME_WAIT
	printf 'again\n' >"$T/l2.in"
	L_NAME=l2 L_PORT=$port start_listener
	assert_eq "$PORT" "$port" "port of the new listener"
	C_NAME=c2 start_connect 127.0.0.1 "$port"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/c2.out")" again "chat-connect stdout"
}

### 7. chat-connect: resolution, --retry, -w

# connect_to HOST: a short session from chat-connect HOST to the listener.
connect_to() {
	printf 'ping\n' >"$T/listen.in"
	printf 'pong\n' >"$T/conn.in"
	L_BIND=$2 start_listener
	start_connect "$1" "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/conn.out")" ping "chat-connect stdout"
	assert_eq "$(cat "$T/listen.out")" pong "chat-listen stdout"
}

@test "chat-connect localhost (a name)" {
	connect_to localhost 127.0.0.1
}

@test "chat-connect 127.0.0.1 (IPv4 literal)" {
	connect_to 127.0.0.1 127.0.0.1
	grep -qxF "chat-connect: connected to 127.0.0.1:$PORT" "$T/conn.err"
}

@test "chat-connect ::1 (IPv6 literal)" {
	connect_to ::1 ::1
	grep -qxF "chat-connect: connected to [::1]:$PORT" "$T/conn.err"
}

# hosts_ns_prefix: sets HOSTS_NS to a command prefix that runs a command
# with /etc/hosts replaced by $T/hosts (in a private mount namespace:
# nothing outside changes). Skips the test if that is not permitted.
hosts_ns_prefix() {
	HOSTS_NS=()
	local u
	for u in "unshare -m" "unshare -rm"; do
		# shellcheck disable=SC2086,SC2016 # two words; sh code
		if $u --propagation private sh -c 'mount --bind "$1" /etc/hosts' _ "$T/hosts" 2>/dev/null; then
			# shellcheck disable=SC2206,SC2016 # two words; sh code
			HOSTS_NS=($u --propagation private sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$T/hosts")
			return 0
		fi
	done
	skip "cannot mount a private /etc/hosts"
}

@test "a name with several addresses: each is tried in turn (::1 refused, then 127.0.0.1)" {
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	printf 'ping\n' >"$T/listen.in"
	start_listener # 127.0.0.1 only
	spawn conn "${HOSTS_NS[@]}" chat-connect dual.test "$PORT"
	expect_exit "$SPAWNED" 0
	assert_eq "$(cat "$T/conn.out")" ping "chat-connect stdout"
	grep -qxF "chat-connect: connected to 127.0.0.1:$PORT" "$T/conn.err"
}

@test "-v names each address tried" {
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	start_listener
	spawn conn "${HOSTS_NS[@]}" chat-connect -v dual.test "$PORT"
	expect_exit "$SPAWNED" 0
	grep -v 'connected to' "$T/conn.err" | grep -qF '::1' || { cat "$T/conn.err" >&2; return 1; }
	grep -v 'connected to' "$T/conn.err" | grep -qF '127.0.0.1' || { cat "$T/conn.err" >&2; return 1; }
}

@test "-w bounds each attempt: ::1 hangs, after -w the next address (127.0.0.1) is tried" {
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	P_MODE=full start_peer -6 # [::1]:PORT never answers a SYN
	printf 'ping\n' >"$T/listen.in"
	L_PORT=$PEER_PORT start_listener # 127.0.0.1, same port
	local t0
	t0=$(now_ms)
	spawn conn "${HOSTS_NS[@]}" chat-connect -w 1 dual.test "$PORT"
	expect_exit "$SPAWNED" 0 8
	local took=$(($(now_ms) - t0))
	[ "$took" -ge 500 ] || { echo "connected after ${took} ms: ::1 was not tried?" >&2; return 1; }
	assert_eq "$(cat "$T/conn.out")" ping "chat-connect stdout"
	grep -qxF "chat-connect: connected to 127.0.0.1:$PORT" "$T/conn.err"
}

@test "--retry SECS: keeps retrying a refused port until a listener appears" {
	free_port
	printf 'hello\n' >"$T/conn.in"
	start_connect --retry 5 127.0.0.1 "$FREE_PORT"
	sleep 0.3 # the time under test: refused at least once by now
	expect_alive "$CPID"
	L_PORT=$FREE_PORT start_listener
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" hello "chat-listen stdout"
}

@test "--retry SECS gives up after about SECS: exit 1, refused" {
	free_port
	run_t 10 chat-connect --retry 1 127.0.0.1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	[ "$ELAPSED_MS" -ge 500 ] && [ "$ELAPSED_MS" -le 4000 ] ||
		{ echo "gave up after ${ELAPSED_MS} ms" >&2; return 1; }
	[[ $stderr == *"127.0.0.1"*"$FREE_PORT"*"Connection refused"* ]] || { echo "stderr: $stderr" >&2; return 1; }
}

@test "-w SECS bounds a connect attempt that hangs: exit 1" {
	P_MODE=full start_peer # accept queue full: SYNs are dropped
	run_t 10 chat-connect -w 1 127.0.0.1 "$PEER_PORT"
	assert_eq "$status" 1 "exit status"
	[ "$ELAPSED_MS" -ge 500 ] && [ "$ELAPSED_MS" -le 4000 ] ||
		{ echo "gave up after ${ELAPSED_MS} ms" >&2; return 1; }
	[[ $stderr == *"chat-connect: "*"127.0.0.1"*"$PEER_PORT"* ]] || { echo "stderr: $stderr" >&2; return 1; }
}

### 10. -q / --quit-after

@test "chat-connect -q 0: quits once stdin's data is sent, though the peer stays" {
	start_peer drain="$T/peer.got" hold
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_t 5 bash -c 'echo x | chat-connect -q 0 127.0.0.1 "$1"' _ "$PEER_PORT"
	assert_eq "$status" 0 "exit status"
	[ "$ELAPSED_MS" -lt 2000 ] || { echo "took ${ELAPSED_MS} ms" >&2; return 1; }
	wait_file_contains "$T/peer.got" x
	assert_eq "$(cat "$T/peer.got")" x "what the peer got"
	expect_alive "$PEER_PID"
}

@test "chat-connect -q 1: prints the peer's reply, quits within a few seconds though the peer never closes" {
	start_peer drain="$T/peer.got" sendcount hold
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_t 10 bash -c 'echo x | chat-connect -q 1 127.0.0.1 "$1"' _ "$PEER_PORT"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "got 2 bytes" "stdout"
	[ "$ELAPSED_MS" -le 5000 ] || { echo "took ${ELAPSED_MS} ms" >&2; return 1; }
	assert_eq "$(cat "$T/peer.got")" x "what the peer got"
	expect_alive "$PEER_PID"
}

@test "chat-listen --quit-after 0: quits once stdin's data is sent, though the peer stays" {
	printf 'x\n' >"$T/x"
	feed_pipe lin "$T/x"
	L_IN=$REPLY start_listener --quit-after 0
	connect_peer peer 127.0.0.1 "$PORT" drain="$T/peer.got" hold
	expect_exit "$LPID" 0 2
	wait_file_contains "$T/peer.got" x
	expect_alive "$PEER_PID"
}

### interoperability with other tools

# openbsd_nc: nc is OpenBSD netcat (its -N and -l options), or skip.
openbsd_nc() {
	need nc
	nc -h 2>&1 | grep -q OpenBSD || skip "nc is not OpenBSD netcat"
}

@test "interop: OpenBSD nc -N connects to chat-listen, 1 MiB each way" {
	openbsd_nc
	rand_file "$T/listen.in" 1M
	rand_file "$T/nc.in" 1M
	start_listener
	spawn -i "$T/nc.in" nc nc -N 127.0.0.1 "$PORT"
	local ncpid=$SPAWNED
	expect_exit "$LPID" 0 10
	expect_exit "$ncpid" 0 10
	assert_same "$T/nc.in" "$T/listen.out"
	assert_same "$T/listen.in" "$T/nc.out"
}

@test "interop: chat-connect to a socat listener, 1 MiB each way" {
	need socat
	free_port
	rand_file "$T/socat.in" 1M
	rand_file "$T/conn.in" 1M
	spawn -i "$T/socat.in" socat socat -t 10 "TCP-LISTEN:$FREE_PORT,bind=127.0.0.1,reuseaddr" STDIO
	local spid=$SPAWNED
	wait_for port_listening "$FREE_PORT"
	start_connect 127.0.0.1 "$FREE_PORT"
	expect_exit "$CPID" 0 10
	expect_exit "$spid" 0 10
	assert_same "$T/conn.in" "$T/socat.out"
	assert_same "$T/socat.in" "$T/conn.out"
}

@test "without -k, once the peer is in, a second client is refused at once (as nc)" {
	hold_pipe lin
	L_IN=$REPLY start_listener
	hold_pipe cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" 'connection from'
	run_t 5 chat-connect 127.0.0.1 "$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"port $PORT: Connection refused"* ]]
	expect_alive "$LPID"
}
