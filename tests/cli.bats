#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Command line: --help, --version, usage errors (exit 2), runtime errors
# (exit 1), the log lines, --quiet, --verbose, -4/-6 and ports.

load test_helper

# has_opt OPT FILE: OPT appears in FILE as a whole option word.
has_opt() {
	grep -qE -- "(^|[^-[:alnum:]])${1}([^-[:alnum:]]|\$)" "$2"
}

# check_help PROG OPT...: PROG --help prints usage naming every OPT on
# stdout, nothing on stderr, exit 0.
check_help() {
	local prog=$1 o missing=()
	shift
	run_t 5 "$prog" --help
	assert_eq "$status" 0 "exit status of $prog --help"
	assert_eq "$stderr" "" "stderr of $prog --help"
	printf '%s\n' "$output" >"$T/help"
	for o in "$@"; do
		has_opt "$o" "$T/help" || missing+=("$o")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "$prog --help does not mention: ${missing[*]}" >&2
		cat "$T/help" >&2
		return 1
	fi
}

@test "chat-listen --help: usage on stdout naming every option, exit 0" {
	check_help chat-listen -b -k -q -4 -6 -v --quiet --help --version \
		--bind --keep-open --quit-after --ipv4 --ipv6 --verbose
}

@test "chat-connect --help: usage on stdout naming every option, exit 0" {
	check_help chat-connect -w --retry -q -4 -6 -v --quiet --help --version \
		--wait --quit-after --ipv4 --ipv6 --verbose
}

@test "--version prints the name and a version on stdout, exit 0" {
	local prog
	for prog in chat-listen chat-connect; do
		run_t 5 "$prog" --version
		assert_eq "$status" 0 "exit status of $prog --version"
		assert_eq "$stderr" "" "stderr of $prog --version"
		[[ ${lines[0]} =~ ^$prog.*[0-9]+(\.[0-9]+)* ]] ||
			{ echo "$prog --version printed: $output" >&2; return 1; }
	done
}

# usage_error PROG ARGS...: prints why PROG ARGS is not a proper usage
# error (exit 2, stdout empty, exactly two lines on stderr: the problem,
# then "Try 'PROG --help'."); prints nothing if it is.
usage_error() {
	local prog=$1 rc=0 why='' errl=()
	shift
	timeout 5 "$prog" "$@" </dev/null >"$T/u.out" 2>"$T/u.err" || rc=$?
	mapfile -t errl <"$T/u.err"
	[ "$rc" -eq 2 ] || why+=" exit $rc, want 2;"
	[ ! -s "$T/u.out" ] || why+=" stdout not empty;"
	[ "${#errl[@]}" -eq 2 ] || why+=" ${#errl[@]} lines on stderr, want 2;"
	[[ ${errl[0]:-} == "$prog: "?* ]] || why+=" first line does not start with '$prog: ';"
	[ "${errl[1]:-}" = "Try '$prog --help'." ] || why+=" second line is not \"Try '$prog --help'.\";"
	[ -z "$why" ] || printf '%s %s:%s\n    stderr: %s\n' "$prog" "$*" "$why" "${errl[*]}"
}

# check_usage_errors PROG: every case in the array CASES (one string of
# space separated arguments each) is a usage error.
check_usage_errors() {
	local prog=$1 c report=
	for c in "${CASES[@]}"; do
		# shellcheck disable=SC2086 # each case is a list of words
		report+=$(usage_error "$prog" $c)
	done
	if [ -n "$report" ]; then
		echo "$report" >&2
		return 1
	fi
}

@test "chat-connect: bad arguments give two lines on stderr and exit 2" {
	free_port
	local p=$FREE_PORT
	CASES=(
		""
		"127.0.0.1"
		"127.0.0.1 $p extra"
		"127.0.0.1 abc"
		"127.0.0.1 70000"
		"127.0.0.1 65536"
		"127.0.0.1 -1"
		"127.0.0.1 0"
		"--bogus 127.0.0.1 $p"
		"-Z 127.0.0.1 $p"
		"-w abc 127.0.0.1 $p"
		"-w -1 127.0.0.1 $p"
		"--wait abc 127.0.0.1 $p"
		"-q -1 127.0.0.1 $p"
		"-q abc 127.0.0.1 $p"
		"--quit-after x 127.0.0.1 $p"
		"--retry x 127.0.0.1 $p"
		"--retry -1 127.0.0.1 $p"
		"127.0.0.1 $p -w"
	)
	check_usage_errors chat-connect
	# an empty port is no port either
	local why
	why=$(usage_error chat-connect 127.0.0.1 "")
	[ -z "$why" ] || { echo "$why" >&2; return 1; }
}

@test "chat-listen: bad arguments give two lines on stderr and exit 2" {
	CASES=(
		""
		"0 1"
		"-b 127.0.0.1 0 extra"
		"abc"
		"70000"
		"65536"
		"-1"
		"--bogus 0"
		"-Z 0"
		"-q abc 0"
		"-q -1 0"
		"--quit-after x 0"
		"-b 127.0.0.1"
		"0 -b"
	)
	check_usage_errors chat-listen
}

@test "connection refused: exit 1 at once, message names host and port" {
	free_port
	run_t 5 chat-connect 127.0.0.1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "$output" "" "stdout"
	[ "$ELAPSED_MS" -lt 2000 ] || { echo "took ${ELAPSED_MS} ms" >&2; return 1; }
	[[ $stderr == *"chat-connect: "*"127.0.0.1"*"$FREE_PORT"*"Connection refused"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
}

@test "connection refused over IPv6: message names ::1 and the port" {
	free_port
	run_t 5 chat-connect ::1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	[[ $stderr == *"chat-connect: "*"::1"*"$FREE_PORT"*"Connection refused"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
}

@test "address already in use: a second listener on the same port exits 1" {
	start_listener
	run_t 5 chat-listen -b 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "$output" "" "stdout"
	[[ ${stderr,,} == *"chat-listen: "*"in use"* ]] || { echo "stderr: $stderr" >&2; return 1; }
	expect_alive "$LPID"
}

@test "a port below the unprivileged range without privileges: exit 1, says so" {
	local start port prefix=()
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null) || skip "no ip_unprivileged_port_start"
	port=$((start - 1))
	[ "$port" -ge 1 ] || skip "every port is unprivileged here"
	if [ "$(id -u)" -eq 0 ]; then
		need setpriv
		prefix=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		"${prefix[@]}" test -x "$BIN/chat-listen" || skip "nobody cannot run $BIN/chat-listen"
	fi
	run_t 5 "${prefix[@]}" chat-listen -b 127.0.0.1 "$port"
	assert_eq "$status" 1 "exit status"
	[[ ${stderr,,} == *"chat-listen: "*privilege* ]] || { echo "stderr: $stderr" >&2; return 1; }
}

@test "unknown host: exit 1, message starts with the host name" {
	need unshare
	# no network namespace of our own: no DNS query leaves the machine
	unshare -n true 2>/dev/null || skip "unshare -n not permitted"
	run_t 10 unshare -n chat-connect no.such.host.invalid 4242
	assert_eq "$status" 1 "exit status"
	[[ ${stderr_lines[0]} == "chat-connect: no.such.host.invalid:"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
}

# check_session_logs ADDR FAMILY_HOST: a clean session over ADDR logs exactly
# the documented lines (HOSTPORT form: 127.0.0.1:P or [::1]:P).
check_session_logs() {
	local addr=$1 shown=$2 n
	L_BIND=$addr start_listener
	start_connect "$addr" "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(sed -n 1p "$T/conn.err")" "chat-connect: connected to $shown:$PORT" "chat-connect log line"
	# nothing else but, perhaps, a line saying the session ended
	if grep -vxF -e "chat-connect: connected to $shown:$PORT" -e "chat-connect: $shown:$PORT disconnected" "$T/conn.err"; then
		echo "unexpected lines on chat-connect's stderr" >&2
		return 1
	fi
	mapfile -t l <"$T/listen.err"
	assert_eq "${#l[@]}" 3 "number of chat-listen log lines (${l[*]})"
	assert_eq "${l[0]}" "chat-listen: listening on $shown:$PORT" "line 1"
	[[ ${l[1]} =~ ^chat-listen:\ connection\ from\ (.*):([0-9]+)$ ]] ||
		{ echo "line 2: ${l[1]}" >&2; return 1; }
	assert_eq "${BASH_REMATCH[1]}" "$shown" "peer address in line 2"
	n=${BASH_REMATCH[2]}
	assert_eq "${l[2]}" "chat-listen: $shown:$n disconnected" "line 3"
	assert_empty "$T/conn.out"
	assert_empty "$T/listen.out"
}

@test "log lines on stderr: listening, connection from, disconnected, connected to" {
	check_session_logs 127.0.0.1 127.0.0.1
}

@test "log lines for IPv6 put the address in brackets: [::1]:PORT" {
	check_session_logs ::1 '[::1]'
}

@test "--quiet: a clean session leaves stderr empty on both sides" {
	free_port
	printf 'from listener\n' >"$T/listen.in"
	printf 'from connect\n' >"$T/conn.in"
	spawn -i "$T/listen.in" listen chat-listen --quiet -b 127.0.0.1 "$FREE_PORT"
	LPID=$SPAWNED
	wait_for port_listening "$FREE_PORT"
	start_connect --quiet 127.0.0.1 "$FREE_PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_empty "$T/listen.err"
	assert_empty "$T/conn.err"
	assert_eq "$(cat "$T/conn.out")" "from listener" "chat-connect stdout"
	assert_eq "$(cat "$T/listen.out")" "from connect" "chat-listen stdout"
}

@test "--quiet still reports errors" {
	free_port
	run_t 5 chat-connect --quiet 127.0.0.1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	[[ $stderr == *"chat-connect: "*"Connection refused"* ]] || { echo "stderr: $stderr" >&2; return 1; }
}

# counts FILE PROG: "SENT RECEIVED" from PROG's byte count line in FILE.
counts() {
	sed -nE "s/^$2: .*sent ([0-9]+) bytes, received ([0-9]+) bytes.*/\\1 \\2/p" "$1"
}

@test "-v / --verbose: byte counts at the end match what was sent and received" {
	rand_file "$T/listen.in" 12345
	rand_file "$T/conn.in" 6789
	start_listener -v
	start_connect --verbose 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_same "$T/conn.in" "$T/listen.out"
	assert_same "$T/listen.in" "$T/conn.out"
	assert_eq "$(counts "$T/conn.err" chat-connect)" "6789 12345" "chat-connect: sent, received"
	assert_eq "$(counts "$T/listen.err" chat-listen)" "12345 6789" "chat-listen: sent, received"
}

@test "-v names the address it tries" {
	start_listener
	start_connect -v 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	# a line about the attempt besides "connected to" and the byte counts
	grep -E '127\.0\.0\.1' "$T/conn.err" | grep -vE 'connected to|bytes' | grep -q "$PORT" ||
		{ cat "$T/conn.err" >&2; return 1; }
}

@test "port 0: chat-listen logs the port the kernel picked, and it works" {
	printf 'hello\n' >"$T/listen.in"
	start_listener
	[ "$PORT" -gt 0 ] && [ "$PORT" -le 65535 ]
	port_listening "$PORT"
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" hello "chat-connect stdout"
}

@test "no -b: listens on 0.0.0.0 and [::] with the same port; IPv4 and IPv6 peers both work" {
	L_BIND='' L_LINES=2 start_listener -k
	grep -qxF "chat-listen: listening on 0.0.0.0:$PORT" "$T/listen.err"
	grep -qxF "chat-listen: listening on [::]:$PORT" "$T/listen.err"
	printf 'via v4\n' >"$T/c4.in"
	printf 'via v6\n' >"$T/c6.in"
	C_NAME=c4 start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	C_NAME=c6 start_connect ::1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/listen.out")" $'via v4\nvia v6' "chat-listen stdout"
	grep -qE '^chat-listen: connection from 127\.0\.0\.1:[0-9]+$' "$T/listen.err"
	grep -qE '^chat-listen: connection from \[::1\]:[0-9]+$' "$T/listen.err"
	expect_alive "$LPID"
}

@test "chat-listen -6: IPv6 only, a connect to 127.0.0.1 on that port is refused" {
	L_BIND='' start_listener -6 -k
	assert_eq "$(grep -c 'listening on' "$T/listen.err")" 1 "listening lines"
	grep -qxF "chat-listen: listening on [::]:$PORT" "$T/listen.err"
	run_t 5 chat-connect 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status of chat-connect 127.0.0.1"
	[[ $stderr == *"Connection refused"* ]]
	printf 'six\n' >"$T/conn.in"
	start_connect ::1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/listen.out")" six "chat-listen stdout"
}

@test "chat-listen --ipv4: IPv4 only, a connect to ::1 on that port is refused" {
	L_BIND='' start_listener --ipv4 -k
	assert_eq "$(grep -c 'listening on' "$T/listen.err")" 1 "listening lines"
	grep -qxF "chat-listen: listening on 0.0.0.0:$PORT" "$T/listen.err"
	run_t 5 chat-connect ::1 "$PORT"
	assert_eq "$status" 1 "exit status of chat-connect ::1"
	printf 'four\n' >"$T/conn.in"
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/listen.out")" four "chat-listen stdout"
}

@test "chat-connect -6 with an IPv4 literal, and -4 with an IPv6 literal: exit 1" {
	L_BIND='' L_LINES=2 start_listener -k
	run_t 5 chat-connect -6 127.0.0.1 "$PORT"
	assert_eq "$status" 1 "exit status of chat-connect -6 127.0.0.1"
	[ -n "$stderr" ]
	run_t 5 chat-connect --ipv4 ::1 "$PORT"
	assert_eq "$status" 1 "exit status of chat-connect --ipv4 ::1"
	[ -n "$stderr" ]
	# the right family still works
	C_NAME=c4 start_connect -4 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	C_NAME=c6 start_connect --ipv6 ::1 "$PORT"
	expect_exit "$CPID" 0
	assert_eq "$(count_lines "$T/listen.err" 'connection from')" 2 "connections"
}

@test "PORT may be a service name (both programs)" {
	[ -r /etc/services ] || skip "no /etc/services"
	local name='' num='' n p
	while read -r n p; do
		if ! port_listening "$p"; then
			name=$n num=$p
			break
		fi
	done < <(awk '$2 ~ /^[0-9]+\/tcp$/ { split($2, a, "/"); if (a[1] >= 1024 && a[1] < 32768) print $1, a[1] }' /etc/services)
	[ -n "$name" ] || skip "no free named port in /etc/services"
	printf 'named\n' >"$T/listen.in"
	L_PORT=$name start_listener
	assert_eq "$PORT" "$num" "port for service $name"
	start_connect 127.0.0.1 "$name"
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" named "chat-connect stdout"
}
