#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# chat-connect's source address: -s/--source ADDR, -p/--source-port PORT.
# The listener's "connection from" line shows where a peer came from.

load test_helper

# has_ipv6: ::1 is usable, or skip.
has_ipv6() {
	grep -qs '^00000000000000000000000000000001 ' /proc/net/if_inet6 ||
		skip "no IPv6 loopback"
}

# free_port6: a port nothing listens on at ::1, in FREE_PORT.
free_port6() {
	L_BIND=::1 L_NAME=probe6 start_listener
	kill -TERM "$LPID"
	wait_exit "$LPID" || true
	FREE_PORT=$PORT
}

# hosts_ns_prefix: HOSTS_NS, a command prefix that runs a program with
# $T/hosts as its /etc/hosts (a private mount namespace), or skip.
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

# tcp_state PORT STATE: a TCP socket with local port PORT is in STATE (hex,
# as in /proc/net/tcp: 06 TIME_WAIT).
tcp_state() {
	local hex
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$hex" -v s="$2" '$4 == s && index($2 " ", p) { found = 1 } END { exit !found }'
}

@test "source: -p PORT: the listener sees the connection from 127.0.0.1:PORT; --source-port too" {
	free_port
	local src=$FREE_PORT
	printf 'hi\n' >"$T/conn.in"
	start_listener
	start_connect -p "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/listen.err" || { cat "$T/listen.err" >&2; return 1; }
	assert_eq "$(cat "$T/listen.out")" hi "chat-listen stdout"
	# the long name, another port
	free_port
	src=$FREE_PORT
	L_NAME=l2 start_listener
	C_NAME=c2 start_connect --source-port "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/l2.err" || { cat "$T/l2.err" >&2; return 1; }
}

@test "source: -s 127.0.0.1 -p PORT, and -s 127.0.0.2 (another loopback address): the listener sees that address and port" {
	free_port
	local src=$FREE_PORT
	L_BIND='' start_listener
	start_connect -s 127.0.0.1 -p "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/listen.err" || { cat "$T/listen.err" >&2; return 1; }
	# a source that is not the default one proves the address is bound
	free_port
	src=$FREE_PORT
	L_NAME=l2 start_listener
	C_NAME=c2 start_connect --source 127.0.0.2 -p "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.2:$src" "$T/l2.err" || { cat "$T/l2.err" >&2; return 1; }
	# -s alone: the kernel picks the port
	L_NAME=l3 start_listener
	C_NAME=c3 start_connect -s 127.0.0.2 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qE "^chat-listen: connection from 127\\.0\\.0\\.2:[0-9]+\$" "$T/l3.err" || { cat "$T/l3.err" >&2; return 1; }
}

@test "source: -s ::1 -p PORT to ::1 (and -s [::1]): the listener sees [::1]:PORT" {
	has_ipv6
	free_port6
	local src=$FREE_PORT
	printf 'six\n' >"$T/conn.in"
	L_BIND=::1 start_listener
	start_connect -s ::1 -p "$src" ::1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from [::1]:$src" "$T/listen.err" || { cat "$T/listen.err" >&2; return 1; }
	assert_eq "$(cat "$T/listen.out")" six "chat-listen stdout"
	free_port6
	src=$FREE_PORT
	L_NAME=l2 L_BIND='[::1]' start_listener
	C_NAME=c2 start_connect -s '[::1]' -p "$src" '[::1]' "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from [::1]:$src" "$T/l2.err" || { cat "$T/l2.err" >&2; return 1; }
}

@test "source: a source port in use: exit 1, 'cannot bind to 127.0.0.1:P: address in use'; nothing reaches the target" {
	L_NAME=busy start_listener
	local busy=$PORT
	start_listener
	run_t 5 chat-connect -s 127.0.0.1 -p "$busy" 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot bind to 127.0.0.1:$busy: address in use" "message"
	assert_eq "${#stderr_lines[@]}" 1 "stderr lines"
	# -p alone binds every address: in use too
	run_t 5 chat-connect -p "$busy" 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "-p alone: exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot bind to 0.0.0.0:$busy: address in use" "-p alone: message"
	expect_alive "$LPID"
	if grep -q 'connection from' "$T/listen.err" "$T/busy.err"; then
		echo "a listener got a connection" >&2
		return 1
	fi
}

@test "source: a source port left in TIME_WAIT by the last session can be used again at once" {
	free_port
	local src=$FREE_PORT
	hold_pipe lin
	local lin=$REPLY
	drain_pipe lout "$T/l.got"
	L_IN=$lin L_OUT=$REPLY start_listener
	start_connect -p "$src" 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" "connection from 127.0.0.1:$src"
	# chat-connect closes first (its stdin is empty: chat-listen's stdout
	# ends), chat-listen when its stdin ends: chat-connect's end of the
	# connection then waits in TIME_WAIT
	expect_exit "$DRAINER" 0
	close_pipe lin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	wait_for tcp_state "$src" 06
	L_NAME=l2 start_listener
	C_NAME=c2 start_connect -p "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/l2.err" || { cat "$T/c2.err" "$T/l2.err" >&2; return 1; }
}

@test "source: -s ::1 to 127.0.0.1: exit 1, not the same address family" {
	start_listener
	run_t 5 chat-connect -s ::1 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect from ::1 to 127.0.0.1: not the same address family" "message"
	run_t 5 chat-connect -s 127.0.0.1 -p 4000 ::1 "$PORT"
	assert_eq "$status" 1 "the other way: exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect from 127.0.0.1 to ::1: not the same address family" "the other way: message"
	expect_alive "$LPID"
	if grep -q 'connection from' "$T/listen.err"; then
		echo "the listener got a connection" >&2
		return 1
	fi
}

@test "source: -s ::2 (not on this host): exit 1, 'cannot bind to [::2]:0: address not available on this host'" {
	has_ipv6
	L_BIND=::1 start_listener
	run_t 5 chat-connect -s ::2 ::1 "$PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot bind to [::2]:0: address not available on this host" "message"
	run_t 5 chat-connect -s ::2 -p 4000 ::1 "$PORT"
	assert_eq "$status" 1 "with -p: exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot bind to [::2]:4000: address not available on this host" "with -p: message"
	expect_alive "$LPID"
	if grep -q 'connection from' "$T/listen.err"; then
		echo "the listener got a connection" >&2
		return 1
	fi
}

@test "source: invalid -p (0, 70000, nosuchservice, empty): usage error, exit 2" {
	local p
	for p in 0 70000 nosuchservice '' -1; do
		run_t 5 chat-connect -p "$p" 127.0.0.1 1026
		assert_eq "$status" 2 "-p '$p': exit status"
		assert_eq "${stderr_lines[0]}" "chat-connect: invalid -p '$p': expected 1-65535 or a service name" "-p '$p': message"
		assert_eq "${stderr_lines[1]}" "Try 'chat-connect --help'." "-p '$p': hint"
	done
	run_t 5 chat-connect --source-port 0 127.0.0.1 1026
	assert_eq "$status" 2 "--source-port 0: exit status"
	[[ ${stderr_lines[0]} == "chat-connect: invalid --source-port '0': "* ]]
	run_t 5 chat-connect -s
	assert_eq "$status" 2 "-s without ADDR: exit status"
}

@test "source: -n with a source name: exit 1, not a numeric address" {
	start_listener
	run_t 5 chat-connect -n -s localhost 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: localhost: not a numeric address (-n: no DNS)" "message"
	expect_alive "$LPID"
}

@test "source: -v logs 'trying 127.0.0.1:PORT...' before connecting from the source" {
	free_port
	local src=$FREE_PORT
	start_listener
	start_connect -v -s 127.0.0.1 -p "$src" 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-connect: trying 127.0.0.1:$PORT..." "$T/conn.err" || { cat "$T/conn.err" >&2; return 1; }
	grep -qxF "chat-connect: connected to 127.0.0.1:$PORT" "$T/conn.err"
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/listen.err"
}

@test "source: --retry with -p binds again on each attempt and connects once the listener appears" {
	free_port
	local src=$FREE_PORT
	free_port
	local dst=$FREE_PORT
	printf 'late\n' >"$T/conn.in"
	start_connect -v --retry 5 -p "$src" 127.0.0.1 "$dst"
	wait_lines "$T/conn.err" "^chat-connect: trying 127\\.0\\.0\\.1:$dst\\.\\.\\.\$" 2
	expect_alive "$CPID"
	L_PORT=$dst start_listener
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/listen.err"
	assert_eq "$(cat "$T/listen.out")" late "chat-listen stdout"
}

@test "source: a name with ::1 and 127.0.0.1: -s picks the address of its family, the other is skipped" {
	has_ipv6
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	free_port # (it starts and ends a listener: before ours)
	local src=$FREE_PORT
	start_listener # 127.0.0.1 only
	spawn conn "${HOSTS_NS[@]}" chat-connect -v -s 127.0.0.1 -p "$src" dual.test "$PORT"
	expect_exit "$SPAWNED" 0
	grep -qxF "chat-connect: connected to 127.0.0.1:$PORT" "$T/conn.err"
	grep -qxF "chat-listen: connection from 127.0.0.1:$src" "$T/listen.err"
	# the ::1 address is not tried from 127.0.0.1
	if grep -q 'trying \[::1\]' "$T/conn.err"; then
		echo "::1 was tried from 127.0.0.1" >&2
		return 1
	fi
}

@test "source: a name with ::1 and 127.0.0.1, -s ::1, nothing listening: the error is the refused connect, not the skipped address" {
	has_ipv6
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	free_port6
	run_t 5 "${HOSTS_NS[@]}" chat-connect -s ::1 dual.test "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect to dual.test port $FREE_PORT: Connection refused" "message"
}

@test "source: a name with ::1 and 127.0.0.1, -s 127.0.0.1 --retry: refused connects are retried though ::1 is skipped" {
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	hosts_ns_prefix
	free_port
	local dst=$FREE_PORT
	printf 'late\n' >"$T/conn.in"
	spawn -i "$T/conn.in" conn "${HOSTS_NS[@]}" chat-connect -v --retry 5 -s 127.0.0.1 dual.test "$dst"
	CPID=$SPAWNED
	wait_lines "$T/conn.err" "^chat-connect: trying 127\\.0\\.0\\.1:$dst\\.\\.\\.\$" 2 3
	L_PORT=$dst start_listener
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" late "chat-listen stdout"
}

@test "source: -p P to 127.0.0.1:P with nothing there: no connection to itself (TCP simultaneous open); refused, exit 1" {
	free_port
	local p=$FREE_PORT
	printf 'echo me\n' >"$T/conn.in"
	start_connect -q 1 -p "$p" 127.0.0.1 "$p"
	expect_exit "$CPID" 1
	assert_eq "$(cat "$T/conn.out")" "" "what came back"
	grep -qxF "chat-connect: cannot connect to 127.0.0.1 port $p: Connection refused" "$T/conn.err" || { cat "$T/conn.err" >&2; return 1; }
}

@test "source: -s '' is a usage error, exit 2" {
	run_t 5 chat-connect -s '' 127.0.0.1 1
	assert_eq "$status" 2 "status"
	assert_eq "${stderr_lines[0]}" "chat-connect: invalid -s '': expected an address" "message"
}
