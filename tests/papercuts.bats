#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Issue 12, command-line papercuts: -h, -4 with -6, --safe, option names
# and limits in messages, room-only options named, bracketed addresses,
# -n, and the idle member told why.

load test_helper
load room_helper

# usage_is PROG LINE ARGS...: PROG ARGS exits 2, stdout empty, stderr
# exactly LINE then "Try 'PROG --help'.".
usage_is() {
	local prog=$1 want=$2 rc=0
	shift 2
	timeout 5 "$prog" "$@" </dev/null >"$T/u.out" 2>"$T/u.err" || rc=$?
	printf '%s\n' "$want" "Try '$prog --help'." >"$T/u.want"
	if [ "$rc" -ne 2 ] || [ -s "$T/u.out" ] || ! cmp -s "$T/u.want" "$T/u.err"; then
		echo "$prog $*: exit $rc (want 2); stderr:" >&2
		cat "$T/u.err" >&2
		echo "wanted:" >&2
		cat "$T/u.want" >&2
		return 1
	fi
}

@test "papercuts: -h prints the same help as --help, exit 0 (both programs)" {
	local prog
	for prog in chat-listen chat-connect; do
		run_t 5 "$prog" --help
		assert_eq "$status" 0 "$prog --help"
		printf '%s\n' "$output" >"$T/long"
		run_t 5 "$prog" -h
		assert_eq "$status" 0 "exit status of $prog -h"
		assert_eq "$stderr" "" "stderr of $prog -h"
		printf '%s\n' "$output" >"$T/short"
		cmp "$T/long" "$T/short"
		grep -qE -- '^ +-h, --help ' "$T/short"
	done
}

@test "papercuts: -4 with -6 is a usage error, in either order (both programs)" {
	usage_is chat-connect "chat-connect: -4 and -6 cannot be used together" \
		-4 -6 127.0.0.1 1026
	usage_is chat-connect "chat-connect: -4 and -6 cannot be used together" \
		--ipv6 --ipv4 ::1 1026
	usage_is chat-listen "chat-listen: -4 and -6 cannot be used together" \
		-6 -4 0
}

@test "papercuts: --safe escapes what the peer sends into a file too; --raw with it is a usage error" {
	printf 'a\033[1mb\r\n\377\n' >"$T/data"
	L_IN=$T/data start_listener
	start_connect --safe 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	printf 'a^[[1mb\n\\xff\n' >"$T/want"
	cmp "$T/want" "$T/conn.out"
	usage_is chat-connect "chat-connect: --safe cannot be used with --raw" \
		--safe --raw 127.0.0.1 1026
	usage_is chat-listen "chat-listen: --safe cannot be used with --raw" \
		--raw --safe 0
	# chat-tmux finds it in --help
	chat-connect --help | grep -qE -- '^ +--safe '
	chat-listen --help | grep -qE -- '^ +--safe '
}

@test "papercuts: --safe in the room is accepted and changes nothing" {
	start_room --safe
	join a
	say a $'x\033[1my'
	got host '<user1> x^[[1my'
}

@test "papercuts: messages name the option as typed and state the limits" {
	local year="expected seconds, 0 to 31536000"
	usage_is chat-connect "chat-connect: invalid --wait '': $year" \
		--wait= 127.0.0.1 1026
	usage_is chat-connect "chat-connect: invalid --wait 'x': $year" \
		--wait x 127.0.0.1 1026
	usage_is chat-connect "chat-connect: invalid -w 'x': $year" \
		-dw x 127.0.0.1 1026
	usage_is chat-connect "chat-connect: invalid -q '99999999999': $year" \
		-q 99999999999 127.0.0.1 1026
	usage_is chat-connect "chat-connect: invalid --retry '-1': $year" \
		--retry=-1 127.0.0.1 1026
	usage_is chat-listen "chat-listen: invalid --idle-timeout 'x': expected seconds > 0 (0.001 to 31536000)" \
		--idle-timeout=x 0
	usage_is chat-listen "chat-listen: invalid -i '0': expected seconds > 0 (0.001 to 31536000)" \
		-i 0 0
	usage_is chat-listen "chat-listen: invalid --max-rate '1000001': expected 0-1000000 (lines per second; 0: no limit)" \
		--room --max-rate 1000001 0
}

@test "papercuts: a room-only option without --room names that option" {
	usage_is chat-listen "chat-listen: --name needs --room" --name bob 0
	usage_is chat-listen "chat-listen: --max-clients needs --room" \
		--max-clients 5 0
	usage_is chat-listen "chat-listen: --max-rate needs --room" \
		--max-rate=5 --name bob 0
}

@test "papercuts: bracketed addresses for chat-connect HOST and chat-listen -b" {
	L_BIND='[::1]' start_listener
	grep -qE '^chat-listen: listening on \[::1\]:[0-9]+$' "$T/listen.err"
	printf 'hi\n' >"$T/conn.in"
	start_connect '[::1]' "$PORT"
	wait_file_contains "$T/listen.out" hi
	kill_tracked
	# IPv4 in brackets too
	L_NAME=l4 L_BIND='[127.0.0.1]' start_listener
	C_NAME=c4 start_connect '[127.0.0.1]' "$PORT"
	wait_file_contains "$T/l4.err" 'connection from'
}

@test "papercuts: -n takes numeric addresses only: a name fails clearly, a number works" {
	run_t 5 chat-connect -n localhost 1026
	assert_eq "$status" 1 "exit status of chat-connect -n localhost"
	assert_eq "$stderr" "chat-connect: localhost: not a numeric address (-n: no DNS)" \
		"stderr of chat-connect -n localhost"
	run_t 5 chat-listen -n -b localhost 0
	assert_eq "$status" 1 "exit status of chat-listen -n -b localhost"
	assert_eq "$stderr" "chat-listen: localhost: not a numeric address (-n: no DNS)" \
		"stderr of chat-listen -n -b localhost"
	start_listener -n
	printf 'hi\n' >"$T/conn.in"
	start_connect -n 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.out" hi
}

@test "papercuts: an idle room member is told why before the close" {
	start_room -i 0.5
	join a
	got a "* closing: idle for 0.5 s"
	gone a
	got host "* user1 left (idle)"
	run tail -n 1 "$T/a.out"
	assert_eq "$output" "* closing: idle for 0.5 s" "a's last line"
}
