# shellcheck shell=bash
# Variables the helpers set (PORT, LPID, CPID, ...) and bats' own:
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Issue 11: access control and option values that lost or broke nothing
# loudly: v4-mapped --allow/--deny rules, --allow-file that cannot be read,
# a long --allow-file, -i 0.

load test_helper
load room_helper

# refused: a peer from 127.0.0.1 is closed unanswered and logged as refused.
refused() {
	C_NAME=probe start_connect -d 127.0.0.1 "$PORT"
	wait_exit "$CPID" || true
	wait_file_matches "$T/listen.err" '^chat-listen: refused 127\.0\.0\.1:[0-9]+: not allowed$'
	run ! grep -q 'connection from' "$T/listen.err"
}

# let_in: a peer from 127.0.0.1 gets in; what it sends reaches the listener.
let_in() {
	printf 'hello\n' >"$T/cin"
	C_IN=$T/cin start_connect -q 0.5 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.out" hello
	wait_file_matches "$T/listen.err" '^chat-listen: connection from 127\.0\.0\.1:[0-9]+$'
	run ! grep -q 'refused' "$T/listen.err"
}

### v4-mapped rules name the IPv4 peer

@test "--deny ::ffff:127.0.0.1: a peer from 127.0.0.1 is refused" {
	start_listener --deny ::ffff:127.0.0.1
	refused
}

@test "--deny ::ffff:127.0.0.0/104 (127.0.0.0/8 written as IPv6): 127.0.0.1 is refused" {
	start_listener --deny ::ffff:127.0.0.0/104
	refused
}

@test "--deny ::ffff:10.0.0.0/104, a v4-mapped rule for another network: 127.0.0.1 gets in" {
	start_listener --deny ::ffff:10.0.0.0/104
	let_in
}

@test "--allow ::ffff:127.0.0.1: a peer from 127.0.0.1 gets in" {
	start_listener --allow ::ffff:127.0.0.1
	let_in
}

@test "--allow-file with ::ffff:127.0.0.1/128: 127.0.0.1 joins the room; with ::ffff:10.0.0.0/104 only, it is refused" {
	printf '# v4-mapped\n::ffff:127.0.0.1/128\n' >"$T/allow"
	start_room --allow-file "$T/allow"
	join a
	grep -qx '\* welcome user1; here: host, user1' "$T/a.out"
	room_stop
	printf '::ffff:10.0.0.0/104\n' >"$T/allow"
	L_NAME=listen start_listener --allow-file "$T/allow"
	refused
}

@test "IPv6 rules shorter than 96 bits match IPv6 peers only: --deny ::/0 refuses ::1 and lets 127.0.0.1 in" {
	L_BIND='' L_LINES=2 start_listener --deny ::/0 -k
	let_in
	printf 'from six\n' >"$T/c6in"
	C_NAME=c6 C_IN=$T/c6in start_connect -q 0.5 ::1 "$PORT"
	wait_file_matches "$T/listen.err" '^chat-listen: refused \[::1\]:[0-9]+: not allowed$'
	run ! grep -q 'from six' "$T/listen.out"
	kill -TERM "$LPID"
	wait_exit "$LPID" || true
	: >"$T/listen.err"
	: >"$T/listen.out"
	# ::ffff:0:0/95 covers the v4-mapped range as IPv6 bits, yet names no
	# IPv4 peer: only /96 and longer v4-mapped rules do
	start_listener --allow ::ffff:0:0/95
	refused
}

### --allow-file that cannot be read is a runtime error (exit 1)

@test "--allow-file on a directory: exit 1, 'chat-listen: DIR: Is a directory', nothing listens" {
	mkdir "$T/dir"
	run_t 5 chat-listen -b 127.0.0.1 --allow-file "$T/dir" 0
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-listen: $T/dir: Is a directory" "stderr"
}

@test "--allow-file that does not exist: exit 1, 'chat-listen: FILE: No such file or directory'" {
	run_t 5 chat-listen -b 127.0.0.1 --allow-file "$T/nope" 0
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-listen: $T/nope: No such file or directory" "stderr"
}

@test "--allow-file that fails to read (/proc/self/mem: EIO at offset 0) is an error, exit 1, not an empty list" {
	[ -r /proc/self/mem ] || skip "no /proc/self/mem"
	run_t 5 chat-listen -b 127.0.0.1 --allow-file /proc/self/mem 0
	assert_eq "$status" 1 "exit status"
	# glibc and musl word EIO differently
	[[ $stderr =~ ^chat-listen:\ /proc/self/mem:\ (Input/output\ error|I/O\ error)$ ]] || {
		echo "stderr: $stderr" >&2
		return 1
	}
}

@test "--allow-file without read permission: exit 1, 'Permission denied' (skipped as root)" {
	# root reads a mode 000 file anyway; /proc/self/mem above is the read
	# error root gets too
	[ "$(id -u)" -ne 0 ] || skip "root reads a mode 000 file"
	printf '127.0.0.1\n' >"$T/locked"
	chmod 000 "$T/locked"
	run_t 5 chat-listen -b 127.0.0.1 --allow-file "$T/locked" 0
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-listen: $T/locked: Permission denied" "stderr"
}

### a long --allow-file loads in linear time

# realloc_copies: $T/copy.so, a realloc that always moves the block, as
# many allocators (and AddressSanitizer's) do; glibc's usually grows in
# place, which hides a quadratic growth (one rule per realloc took 22 s
# for 50,000 lines under it, 0.01 s without).
realloc_copies() {
	cat >"$T/copy.c" <<'EOF'
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void *
realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	if (!(q = malloc(n)))
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}
EOF
	cc -shared -fPIC -O2 -o "$T/copy.so" "$T/copy.c"
}

@test "--allow-file of 200,000 lines: listening within 10 s even when realloc copies, and its last line counts" {
	local preload=() start
	# 199,999 rules for 10.0.0.0/8, then the one that lets us in
	awk 'BEGIN { for (i = 1; i < 200000; i++)
		printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256
		print "127.0.0.1" }' >"$T/big"
	assert_eq "$(wc -l <"$T/big")" 200000 "lines"
	# the sanitizers' realloc copies already, and their runtime must be
	# the first library loaded
	if ! sanitized; then
		need cc
		realloc_copies
		preload=(env "LD_PRELOAD=$T/copy.so")
	fi
	: >"$T/listen.in"
	start=$(now_ms)
	spawn -i "$T/listen.in" listen "${preload[@]}" chat-listen -b 127.0.0.1 --allow-file "$T/big" 0
	LPID=$SPAWNED
	wait_file_matches "$T/listen.err" "$LISTEN_RE" 10
	echo "listening after $(($(now_ms) - start)) ms"
	count_listening "$T/listen.err"
	let_in
}

### -i takes seconds > 0

@test "-i 0 / --idle-timeout 0 are usage errors for both programs, naming the range; -i 0.5 and -q 0 still work" {
	local prog
	free_port
	for prog in chat-listen chat-connect; do
		if [ "$prog" = chat-listen ]; then set -- -b 127.0.0.1 0; else set -- 127.0.0.1 "$FREE_PORT"; fi
		run_t 5 "$prog" -i 0 "$@"
		assert_eq "$status" 2 "$prog -i 0: exit status"
		assert_eq "$stderr" "$prog: invalid -i '0': expected seconds > 0 (0.001 to 31536000)
Try '$prog --help'." "$prog -i 0: stderr"
		run_t 5 "$prog" --idle-timeout 0.000 "$@"
		assert_eq "$status" 2 "$prog --idle-timeout 0.000: exit status"
		[[ $stderr == *"expected seconds > 0"* ]]
	done
	# both sides silent (-d): -i 0.5 ends the session (the first side to
	# time out closes it, the other sees the end)
	start_listener -d -i 0.5
	start_connect -d -i 0.5 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -q 'idle for 0.5 s' "$T/conn.err" "$T/listen.err"
	# -q 0: quit once stdin's data is sent
	: >"$T/listen.err"
	: >"$T/listen.out"
	start_listener
	printf 'hello\n' >"$T/cin"
	C_NAME=q0 C_IN=$T/cin start_connect -q 0 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	wait_file_contains "$T/listen.out" hello
}
