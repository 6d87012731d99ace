#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Unix domain sockets (-U): usage, the socket file (umask, stale, live,
# not a socket, removed at exit and on signals), credentials in the log,
# the bridge over -U (bytes, half-close, -k, -q, -i, -C, -t), --retry,
# interop with nc -U and socat, and the room named by logins.

load test_helper
load room_helper

# S: a directory for socket paths, short enough for sun_path (107 bytes):
# $T when it is short, else a fresh /tmp/ux.XXXXXX removed in teardown.
eval "ux_setup_$(declare -f setup)"
setup() {
	ux_setup_setup
	UXDIR=''
	S=$T
	if [ "${#T}" -gt 60 ]; then
		UXDIR=$(mktemp -d /tmp/ux.XXXXXX)
		S=$UXDIR
	fi
}

eval "ux_teardown_$(declare -f teardown)"
teardown() {
	ux_teardown_teardown
	[ -z "${UXDIR:-}" ] || rm -rf "$UXDIR"
}

# ulisten PATH [ARGS...]: chat-listen -U ARGS... PATH in the background,
# once it logged "listening on PATH"; sets LPID. L_NAME (listen), L_IN
# (default $T/NAME.in, created empty) and L_OUT as for start_listener.
ulisten() {
	local path=$1 name=${L_NAME:-listen} opts=()
	shift
	local in=${L_IN:-$T/$name.in}
	[ -e "$in" ] || : >"$in"
	[ -z "${L_OUT:-}" ] || opts=(-o "$L_OUT")
	spawn -i "$in" "${opts[@]}" "$name" chat-listen -U "$@" "$path"
	LPID=$SPAWNED
	ulistening "$LPID" "$T/$name.err" "$path"
}

# ulistening PID ERRFILE PATH: wait for "listening on PATH" in ERRFILE
# (the PID may have served a waiting peer and exited by then).
ulistening() {
	if ! wait_for grep -qxF -- "chat-listen: listening on $3" "$2"; then
		echo "no 'listening on $3'; stderr:" >&2
		cat "$2" >&2
		return 1
	fi
}

# uconnect PATH [ARGS...]: chat-connect -U ARGS... PATH; sets CPID.
uconnect() {
	local path=$1
	shift
	start_connect -U "$@" "$path"
}

# stale_socket PATH: a socket file nobody listens on (bound, then closed).
stale_socket() {
	"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()' "$1"
	[ -S "$1" ]
}

# abstract: a unique abstract socket name, in REPLY.
abstract() {
	REPLY="@chat-test-$$-$RANDOM-$RANDOM"
}

# mode PATH: its permissions as ls shows them (srwx------).
mode() {
	stat -c %A "$1"
}

# me: "LOGIN (uid UID, pid PID)" of a peer running as this user.
me() {
	printf '%s (uid %s, pid %s)' "$(id -un)" "$(id -u)" "$1"
}

# served PATH NAME: the listener LPID (log $T/NAME.err) still serves a
# peer: a chat-connect sending a line, seen on the listener's stdout.
served() {
	local path=$1 name=$2
	printf 'still here\n' >"$T/late.in"
	C_NAME=late uconnect "$path"
	wait_file_contains "$T/$name.err" "connection from $(me "$CPID")"
	wait_file_contains "$T/$name.out" "still here"
}

# not_probed NAME: the listener whose log is $T/NAME.err saw no connection.
not_probed() {
	if grep -q 'connection from' "$T/$1.err"; then
		echo "the check connected to the listener already there:" >&2
		cat "$T/$1.err" >&2
		return 1
	fi
}

# openbsd_nc: nc is OpenBSD netcat (-U, -N, -l), or skip.
openbsd_nc() {
	need nc
	nc -h 2>&1 | grep -q OpenBSD || skip "nc is not OpenBSD netcat"
}

# as_nobody: the command prefix that runs a program as user nobody, in
# NOBODY; skips unless root with setpriv, and nobody can run our binaries.
as_nobody() {
	[ "$(id -u)" = 0 ] || skip "needs root to run a member as nobody"
	need setpriv
	NOBODY=(setpriv "--reuid=$(id -u nobody)" "--regid=$(id -g nobody)" --clear-groups)
	"${NOBODY[@]}" "$BIN/chat-connect" --version >/dev/null 2>&1 ||
		skip "nobody cannot run $BIN/chat-connect"
}

### usage

@test "unix: chat-listen -U usage errors exit 2: -b, -4, -6, --allow, --deny, --allow-file, no PATH, two PATHs, empty" {
	local msg='cannot be used with -U: the socket file'"'"'s permissions decide who may connect'
	echo 127.0.0.1 >"$T/allow"
	run_t 5 chat-listen -U -b 127.0.0.1 "$S/s"
	assert_eq "$status" 2 "-b status"
	[[ $stderr == *"-U cannot be used with -b"* ]]
	run_t 5 chat-listen -U -4 "$S/s"
	assert_eq "$status" 2 "-4 status"
	[[ $stderr == *"-U cannot be used with -4"* ]]
	run_t 5 chat-listen --ipv6 --unix "$S/s"
	assert_eq "$status" 2 "-6 status"
	[[ $stderr == *"-U cannot be used with -6"* ]]
	run_t 5 chat-listen -U --allow 127.0.0.1 "$S/s"
	assert_eq "$status" 2 "--allow status"
	assert_eq "${stderr_lines[0]}" "chat-listen: --allow $msg" "--allow message"
	run_t 5 chat-listen --deny 127.0.0.1 -U "$S/s"
	assert_eq "$status" 2 "--deny status"
	assert_eq "${stderr_lines[0]}" "chat-listen: --deny $msg" "--deny message"
	run_t 5 chat-listen -U --allow-file "$T/allow" "$S/s"
	assert_eq "$status" 2 "--allow-file status"
	assert_eq "${stderr_lines[0]}" "chat-listen: --allow-file $msg" "--allow-file message"
	run_t 5 chat-listen -U
	assert_eq "$status" 2 "no PATH status"
	assert_eq "${stderr_lines[0]}" "chat-listen: missing PATH" "no PATH message"
	run_t 5 chat-listen -U "$S/s" "$S/t"
	assert_eq "$status" 2 "two PATHs status"
	[[ $stderr == *"too many arguments: '$S/t'"* ]]
	run_t 5 chat-listen -U ''
	assert_eq "$status" 2 "empty status"
	[[ $stderr == *"invalid socket path '': empty"* ]]
	run_t 5 chat-listen -U @
	assert_eq "$status" 2 "@ alone status"
	# nothing was created
	[ ! -e "$S/s" ]
	[ ! -e "$S/t" ]
}

@test "unix: chat-connect -U usage errors exit 2: -s, -p, -4, -6, -x, no PATH, two PATHs, empty" {
	local a
	for a in "-s 127.0.0.1" "-p 4000" "--source ::1" "--source-port 4000" -4 -6 "-x 127.0.0.1"; do
		# shellcheck disable=SC2086 # the option and its argument
		run_t 5 chat-connect -U $a "$S/s"
		assert_eq "$status" 2 "chat-connect -U $a: status"
		[[ ${stderr_lines[0]} == "chat-connect: -U cannot be used with "* ]] ||
			{ echo "chat-connect -U $a: $stderr" >&2; return 1; }
	done
	run_t 5 chat-connect -U -s 127.0.0.1 "$S/s"
	assert_eq "${stderr_lines[0]}" "chat-connect: -U cannot be used with -s: a Unix socket has no source address" "-s message"
	run_t 5 chat-connect --unix
	assert_eq "$status" 2 "no PATH status"
	assert_eq "${stderr_lines[0]}" "chat-connect: missing PATH" "no PATH message"
	run_t 5 chat-connect -U "$S/s" 1026
	assert_eq "$status" 2 "two arguments status"
	[[ $stderr == *"too many arguments: '1026'"* ]]
	run_t 5 chat-connect -U ''
	assert_eq "$status" 2 "empty status"
	[[ $stderr == *"invalid socket path '': empty"* ]]
}

@test "unix: a 108-byte path is a usage error for both (exit 2, the byte count); 107 bytes listen, connect and are removed" {
	local base=$S/ p107 p108
	p107=$base$(printf '%*s' $((107 - ${#base})) '' | tr ' ' x)
	p108=${p107}y
	assert_eq "${#p107}" 107 "path length"
	run_t 5 chat-listen -U "$p108"
	assert_eq "$status" 2 "chat-listen status"
	[[ ${stderr_lines[0]} == "chat-listen: invalid socket path '"*"...': 108 bytes, at most 107 fit in a Unix socket address" ]] ||
		{ echo "$stderr" >&2; return 1; }
	run_t 5 chat-connect -U "$p108"
	assert_eq "$status" 2 "chat-connect status"
	[[ ${stderr_lines[0]} == "chat-connect: invalid socket path '"*"': 108 bytes, at most 107 fit in a Unix socket address" ]] ||
		{ echo "$stderr" >&2; return 1; }
	printf 'to 107\n' >"$T/conn.in"
	ulisten "$p107"
	[ -S "$p107" ]
	uconnect "$p107"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" "to 107" "chat-listen stdout"
	grep -qxF "chat-connect: connected to $p107" "$T/conn.err"
	[ ! -e "$p107" ]
}

### the socket file

@test "unix: the socket file gets the umask (077: srwx------, 007: srwxrwx---); the session works; removed when it ends" {
	printf 'from listen\n' >"$T/listen.in"
	printf 'from connect\n' >"$T/conn.in"
	umask 077
	ulisten "$S/a"
	local first=$LPID
	assert_eq "$(mode "$S/a")" srwx------ "mode with umask 077"
	umask 007
	L_NAME=second ulisten "$S/b"
	assert_eq "$(mode "$S/b")" srwxrwx--- "mode with umask 007"
	umask 022
	uconnect "$S/a"
	expect_exit "$CPID" 0
	expect_exit "$first" 0
	assert_eq "$(cat "$T/listen.out")" "from connect" "chat-listen stdout"
	assert_eq "$(cat "$T/conn.out")" "from listen" "chat-connect stdout"
	grep -qxF "chat-connect: connected to $S/a" "$T/conn.err"
	[ ! -e "$S/a" ]
	[ -S "$S/b" ]
}

@test "unix: an abstract @name: logged as @name, no file, the bridge works; a second listener on it exits 1, address in use" {
	abstract
	local name=$REPLY
	printf 'over abstract\n' >"$T/conn.in"
	ulisten "$name"
	[ ! -e "${name#@}" ]
	[ ! -e "$S/${name#@}" ]
	grep -qE " $name\$" /proc/net/unix
	run_t 5 chat-listen -U "$name"
	assert_eq "$status" 1 "second listener status"
	assert_eq "${stderr_lines[0]}" "chat-listen: cannot listen on $name: address in use" "second listener message"
	uconnect "$name"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" "over abstract" "chat-listen stdout"
	grep -qxF "chat-connect: connected to $name" "$T/conn.err"
}

@test "unix: a stale socket file (nobody listens) is replaced, logged; removed at exit" {
	stale_socket "$S/s"
	printf 'hello\n' >"$T/conn.in"
	ulisten "$S/s"
	grep -qxF "chat-listen: replacing the stale socket $S/s" "$T/listen.err"
	uconnect "$S/s"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" hello "chat-listen stdout"
	[ ! -e "$S/s" ]
}

@test "unix: a live socket: a second chat-listen exits 1, address in use; the first never sees it and still serves a peer" {
	ulisten "$S/s"
	run_t 5 chat-listen -U "$S/s"
	assert_eq "$status" 1 "second listener status"
	assert_eq "${stderr_lines[0]}" "chat-listen: cannot listen on $S/s: address in use (another program listens there)" "message"
	run_t 5 chat-listen -U -k "$S/s"
	assert_eq "$status" 1 "third listener status"
	not_probed listen
	expect_alive "$LPID"
	assert_eq "$(error_lines "$T/listen.err" chat-listen)" "" "the first listener's log"
	[ -S "$S/s" ]
	served "$S/s" listen
}

@test "unix: a live socket named another way (relative, dir/./name): the check must not connect to the first listener either" {
	ulisten "$S/s"
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_t 5 bash -c 'cd "$1" && exec chat-listen -U s' _ "$S"
	not_probed listen
	assert_eq "$status" 1 "relative path status"
	[[ $stderr == *"cannot listen on s: address in use (another program listens there)"* ]]
	run_t 5 chat-listen -U "$S/./s"
	not_probed listen
	assert_eq "$status" 1 "dir/./name status"
	[[ $stderr == *"address in use (another program listens there)"* ]]
	expect_alive "$LPID"
	served "$S/s" listen
}

@test "unix: a live socket whose path has a space: the check must not connect to the first listener" {
	ulisten "$S/a b"
	run_t 5 chat-listen -U "$S/a b"
	assert_eq "$status" 1 "second listener status"
	not_probed listen
	[[ $stderr == *"cannot listen on $S/a b: address in use (another program listens there)"* ]]
	expect_alive "$LPID"
	served "$S/a b" listen
}

@test "unix: a regular file or a directory at PATH: exit 1, not a socket, left as it was" {
	printf 'precious\n' >"$S/f"
	mkdir "$S/d"
	touch "$S/d/inside"
	run_t 5 chat-listen -U "$S/f"
	assert_eq "$status" 1 "regular file status"
	assert_eq "${stderr_lines[0]}" "chat-listen: cannot listen on $S/f: it exists and is not a socket (not removed)" "regular file message"
	assert_eq "$(cat "$S/f")" precious "the file's content"
	run_t 5 chat-listen -U "$S/d"
	assert_eq "$status" 1 "directory status"
	assert_eq "${stderr_lines[0]}" "chat-listen: cannot listen on $S/d: it exists and is not a socket (not removed)" "directory message"
	[ -e "$S/d/inside" ]
}

@test "unix: the socket file is removed on SIGTERM (143), SIGINT (130) and SIGHUP (129), waiting or in a session" {
	local sig code
	for sig in TERM:143 INT:130 HUP:129; do
		code=${sig#*:}
		sig=${sig%:*}
		L_NAME=w$sig ulisten "$S/w$sig"
		kill "-$sig" "$LPID"
		expect_exit "$LPID" "$code"
		[ ! -e "$S/w$sig" ] || { echo "$S/w$sig left after SIG$sig" >&2; return 1; }
		# in a session (a peer connected, stdin open on both sides)
		hold_pipe "s$sig"
		L_NAME=s$sig L_IN=$REPLY ulisten "$S/s$sig"
		hold_pipe "c$sig"
		C_NAME=c$sig C_IN=$REPLY uconnect "$S/s$sig"
		wait_file_contains "$T/s$sig.err" "connection from"
		kill "-$sig" "$LPID"
		expect_exit "$LPID" "$code"
		[ ! -e "$S/s$sig" ] || { echo "$S/s$sig left after SIG$sig in a session" >&2; return 1; }
		close_pipe "c$sig"
		expect_exit "$CPID" 0
	done
}

@test "unix: a file put in the socket's place meanwhile is not removed at exit" {
	ulisten "$S/s"
	rm "$S/s"
	printf 'mine\n' >"$S/s"
	kill -TERM "$LPID"
	expect_exit "$LPID" 143
	assert_eq "$(cat "$S/s")" mine "the file put there"
}

### credentials

@test "unix: the log names the peer by its credentials: login, uid and chat-connect's pid" {
	hold_pipe lin
	L_IN=$REPLY ulisten "$S/s"
	hold_pipe cin
	C_IN=$REPLY uconnect "$S/s"
	wait_file_contains "$T/listen.err" "connection from"
	local want
	want="chat-listen: connection from $(me "$CPID")"
	assert_eq "$(grep 'connection from' "$T/listen.err")" "$want" "the log line"
	close_pipe cin
	close_pipe lin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: $(me "$CPID") disconnected" "$T/listen.err"
}

@test "unix: a peer running as nobody is logged as nobody (uid 65534) with its pid" {
	as_nobody
	abstract
	local name=$REPLY
	ulisten "$name"
	printf 'from nobody\n' >"$T/nb.in"
	spawn -i "$T/nb.in" nb "${NOBODY[@]}" chat-connect -U "$name"
	local npid=$SPAWNED
	expect_exit "$npid" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from nobody (uid $(id -u nobody), pid $npid)" "$T/listen.err" ||
		{ cat "$T/listen.err" >&2; return 1; }
	assert_eq "$(cat "$T/listen.out")" "from nobody" "chat-listen stdout"
}

@test "unix: a uid with no login is named uidNNNNN: in the log, and as the room's member name" {
	[ "$(id -u)" = 0 ] || skip "needs root to run a peer as another uid"
	need setpriv
	local uid=12345
	! getent passwd "$uid" >/dev/null || skip "uid $uid has a login here"
	local as=(setpriv "--reuid=$uid" "--regid=$uid" --clear-groups)
	"${as[@]}" "$BIN/chat-connect" --version >/dev/null 2>&1 || skip "uid $uid cannot run $BIN/chat-connect"
	abstract
	local name=$REPLY
	ulisten "$name"
	printf 'x\n' >"$T/u.in"
	spawn -i "$T/u.in" u "${as[@]}" chat-connect -U "$name"
	local upid=$SPAWNED
	expect_exit "$upid" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from uid$uid (uid $uid, pid $upid)" "$T/listen.err" ||
		{ cat "$T/listen.err" >&2; return 1; }
	abstract
	name=$REPLY
	spawn room chat-listen --room -d -U "$name"
	RPID=$SPAWNED
	ulistening "$RPID" "$T/room.err" "$name"
	KIND[m]=cc
	hold_pipe m
	spawn -i "$REPLY" m "${as[@]}" chat-connect -U "$name"
	got m "* welcome uid$uid; here: host, uid$uid"
	log_has "chat-listen: uid$uid connected from uid$uid \\(uid $uid, pid [0-9]+\\)"
}

@test "unix: CHAT_NO_PEERCRED=1: 'connection from a local peer (credentials unknown)', and it still bridges both ways" {
	printf 'to connect\n' >"$T/listen.in"
	printf 'to listen\n' >"$T/conn.in"
	CHAT_NO_PEERCRED=1 ulisten "$S/s"
	uconnect "$S/s"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	grep -qxF "chat-listen: connection from a local peer (credentials unknown)" "$T/listen.err" ||
		{ cat "$T/listen.err" >&2; return 1; }
	assert_eq "$(cat "$T/listen.out")" "to listen" "chat-listen stdout"
	assert_eq "$(cat "$T/conn.out")" "to connect" "chat-connect stdout"
}

### the bridge over -U

# u_both_ways: 4 MiB of random bytes each way at once over a Unix socket,
# stdin and stdout pipes on both sides.
u_both_ways() {
	local drains=() l_in c_in p
	rand_file "$T/a" 4M
	rand_file "$T/b" 4M
	feed_pipe lin "$T/a"
	l_in=$REPLY
	feed_pipe cin "$T/b"
	c_in=$REPLY
	drain_pipe lout "$T/l.got"
	local l_out=$REPLY
	drains+=("$DRAINER")
	drain_pipe cout "$T/c.got"
	local c_out=$REPLY
	drains+=("$DRAINER")
	L_IN=$l_in L_OUT=$l_out ulisten "$S/s"
	C_IN=$c_in C_OUT=$c_out uconnect "$S/s"
	expect_exit "$CPID" 0 20
	expect_exit "$LPID" 0 5
	for p in "${drains[@]}"; do
		expect_exit "$p" 0
	done
	assert_same "$T/b" "$T/l.got"
	assert_same "$T/a" "$T/c.got"
	[ ! -e "$S/s" ]
}

@test "unix: 4 MiB of random bytes each way at once, pipes (splice path)" {
	unset CHAT_NO_SPLICE
	u_both_ways
}

@test "unix: 4 MiB of random bytes each way at once, pipes, CHAT_NO_SPLICE=1" {
	export CHAT_NO_SPLICE=1
	u_both_ways
}

@test "unix: chat-connect's stdin EOF ends chat-listen's output; the other way keeps flowing until its stdin ends" {
	printf 'one\n' >"$T/conn.in"
	hold_pipe lin
	local lin=$REPLY
	drain_pipe lout "$T/l.got"
	L_IN=$lin L_OUT=$REPLY ulisten "$S/s"
	local ldrain=$DRAINER
	uconnect "$S/s"
	# chat-listen's stdout ends (its reader sees EOF) while it runs on
	expect_exit "$ldrain" 0
	assert_eq "$(cat "$T/l.got")" one "chat-listen stdout"
	expect_alive "$LPID"
	expect_alive "$CPID"
	put lin $'two\n'
	wait_file_contains "$T/conn.out" two
	put lin $'three\n'
	wait_file_contains "$T/conn.out" three
	close_pipe lin
	expect_exit "$LPID" 0
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" $'two\nthree' "chat-connect stdout"
}

@test "unix: chat-listen's stdin EOF ends chat-connect's output; the other way keeps flowing" {
	printf 'one\n' >"$T/listen.in"
	ulisten "$S/s"
	hold_pipe cin
	local cin=$REPLY
	drain_pipe cout "$T/c.got"
	C_IN=$cin C_OUT=$REPLY uconnect "$S/s"
	expect_exit "$DRAINER" 0
	assert_eq "$(cat "$T/c.got")" one "chat-connect stdout"
	expect_alive "$CPID"
	put cin $'two\n'
	wait_file_contains "$T/listen.out" two
	close_pipe cin
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" two "chat-listen stdout"
}

@test "unix: -k keeps the socket for the next peer; SIGTERM then removes it" {
	ulisten "$S/s" -k
	printf 'first\n' >"$T/c1.in"
	C_NAME=c1 uconnect "$S/s"
	expect_exit "$CPID" 0
	wait_file_contains "$T/listen.out" first
	expect_alive "$LPID"
	[ -S "$S/s" ]
	printf 'second\n' >"$T/c2.in"
	C_NAME=c2 uconnect "$S/s"
	expect_exit "$CPID" 0
	wait_file_contains "$T/listen.out" second
	expect_alive "$LPID"
	assert_eq "$(cat "$T/listen.out")" $'first\nsecond' "chat-listen stdout"
	assert_eq "$(count_lines "$T/listen.err" '^chat-listen: connection from ')" 2 "connections logged"
	kill -TERM "$LPID"
	expect_exit "$LPID" 143
	[ ! -e "$S/s" ]
}

@test "unix: -q 0 quits once stdin is sent though the peer stays; -i 1 closes an idle session" {
	hold_pipe lin
	L_IN=$REPLY ulisten "$S/s"
	printf 'x\n' >"$T/conn.in"
	uconnect "$S/s" -q 0
	expect_exit "$CPID" 0 3
	wait_file_contains "$T/listen.out" x
	close_pipe lin
	expect_exit "$LPID" 0
	# -i: nothing either way for a second
	hold_pipe lin2
	L_NAME=idle L_IN=$REPLY ulisten "$S/i" -i 1
	hold_pipe cin2
	C_NAME=c2 C_IN=$REPLY uconnect "$S/i"
	wait_file_contains "$T/idle.err" "connection from"
	local start
	start=$(now_ms)
	expect_exit "$LPID" 0 5
	[ $(($(now_ms) - start)) -ge 800 ] || { echo "closed too soon" >&2; return 1; }
	grep -qxF "chat-listen: $(me "$CPID") idle for 1 s, closing" "$T/idle.err"
	# its stdin, a pipe, may still have data for the peer: it ends with it
	close_pipe cin2
	expect_exit "$CPID" 0
	[ ! -e "$S/i" ]
}

@test "unix: -C sends CRLF line ends, -t stamps received lines" {
	printf 'a\nb\n' >"$T/conn.in"
	printf 'c\n' >"$T/listen.in"
	ulisten "$S/s"
	uconnect "$S/s" -C -t
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	printf 'a\r\nb\r\n' >"$T/want"
	assert_same "$T/want" "$T/listen.out"
	grep -qxE '\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] c' "$T/conn.out" || { cat "$T/conn.out" >&2; return 1; }
}

### connecting: --retry, missing socket

@test "unix: chat-connect -U --retry 5 started before the listener connects once the socket appears" {
	printf 'early\n' >"$T/conn.in"
	uconnect "$S/s" --retry 5 -v
	# it has tried twice, the file missing, and goes on
	wait_lines "$T/conn.err" "^chat-connect: trying $S/s\\.\\.\\.\$" 2
	expect_alive "$CPID"
	ulisten "$S/s"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	assert_eq "$(cat "$T/listen.out")" early "chat-listen stdout"
}

@test "unix: chat-connect -U to a missing file: exit 1 'No such file or directory'; an abstract name nobody has: refused" {
	run_t 5 chat-connect -U "$S/nothing"
	assert_eq "$status" 1 "missing file status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect to $S/nothing: No such file or directory" "missing file message"
	abstract
	run_t 5 chat-connect -U "$REPLY"
	assert_eq "$status" 1 "abstract status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect to $REPLY: Connection refused" "abstract message"
	stale_socket "$S/stale"
	run_t 5 chat-connect --unix "$S/stale"
	assert_eq "$status" 1 "stale socket status"
	assert_eq "${stderr_lines[0]}" "chat-connect: cannot connect to $S/stale: Connection refused" "stale socket message"
}

### interop

@test "unix interop: nc -U connects to chat-listen -U, 1 MiB each way; logged with nc's pid" {
	openbsd_nc
	rand_file "$T/listen.in" 1M
	rand_file "$T/nc.in" 1M
	ulisten "$S/s"
	spawn -i "$T/nc.in" nc nc -N -U "$S/s"
	local ncpid=$SPAWNED
	expect_exit "$LPID" 0 10
	expect_exit "$ncpid" 0 10
	assert_same "$T/nc.in" "$T/listen.out"
	assert_same "$T/listen.in" "$T/nc.out"
	grep -qxF "chat-listen: connection from $(me "$ncpid")" "$T/listen.err"
}

@test "unix interop: chat-connect -U to nc -lU, 1 MiB each way" {
	openbsd_nc
	rand_file "$T/nc.in" 1M
	rand_file "$T/conn.in" 1M
	spawn -i "$T/nc.in" nc nc -N -lU "$S/s"
	local ncpid=$SPAWNED
	# nc -l quits once its peer's side ends: chat-connect's stdin ends
	# only when nc's megabyte is in
	mkfifo "$T/cin.fifo"
	spawn -i "$T/conn.in" -o "$T/cin.fifo" cin.hold bash -c 'cat; exec sleep 3600'
	local holder=$SPAWNED
	wait_for test -S "$S/s"
	C_IN=$T/cin.fifo uconnect "$S/s" --retry 2
	wait_file_size "$T/conn.out" 1048576 10
	wait_file_size "$T/nc.out" 1048576 10
	kill -TERM "$holder"
	expect_exit "$CPID" 0 10
	expect_exit "$ncpid" 0 10
	assert_same "$T/conn.in" "$T/nc.out"
	assert_same "$T/nc.in" "$T/conn.out"
}

@test "unix interop: socat UNIX-CONNECT to chat-listen -U, 1 MiB each way; logged with socat's pid" {
	need socat
	rand_file "$T/listen.in" 1M
	rand_file "$T/socat.in" 1M
	ulisten "$S/s"
	spawn -i "$T/socat.in" socat socat -t 10 - "UNIX-CONNECT:$S/s"
	local spid=$SPAWNED
	expect_exit "$LPID" 0 10
	expect_exit "$spid" 0 10
	assert_same "$T/socat.in" "$T/listen.out"
	assert_same "$T/listen.in" "$T/socat.out"
	grep -qxF "chat-listen: connection from $(me "$spid")" "$T/listen.err"
}

@test "unix interop: chat-connect -U to socat UNIX-LISTEN, 1 MiB each way" {
	need socat
	rand_file "$T/socat.in" 1M
	rand_file "$T/conn.in" 1M
	spawn -i "$T/socat.in" socat socat -t 10 "UNIX-LISTEN:$S/s" STDIO
	local spid=$SPAWNED
	uconnect "$S/s" --retry 5
	expect_exit "$CPID" 0 10
	expect_exit "$spid" 0 10
	assert_same "$T/conn.in" "$T/socat.out"
	assert_same "$T/socat.in" "$T/conn.out"
}

### the room over -U

# uroom PATH [ARGS...]: chat-listen --room -U ARGS... PATH, stdin the held
# pipe "host" (say host / leave host); sets RPID. Log in $T/room.err.
uroom() {
	local path=$1
	shift
	hold_pipe host
	KIND[host]=cc
	spawn -i "$REPLY" room chat-listen --room -U "$@" "$path"
	RPID=$SPAWNED
	ulistening "$RPID" "$T/room.err" "$path"
}

# umember HANDLE PATH [PREFIX...]: a chat-connect -U member reading the
# held pipe HANDLE (say/leave work on it), run by PREFIX (as_nobody).
umember() {
	local h=$1 path=$2
	shift 2
	# shellcheck disable=SC2004,SC2034 # room_helper's associative array
	KIND[$h]=cc
	hold_pipe "$h"
	spawn -i "$REPLY" "$h" "$@" chat-connect -U "$path"
}

@test "unix room: members named by login (root, root2, root3; nobody), lines relayed, /nick refused (members and host), closed by stdin EOF, file removed" {
	local me
	me=$(id -un)
	[ "$me" = root ] || skip "names expected as root"
	as_nobody
	abstract
	local path=$REPLY
	uroom "$path"
	umember a "$path"
	got a "* welcome root; here: host, root"
	umember b "$path"
	got b "* welcome root2; here: host, root, root2"
	umember n "$path" "${NOBODY[@]}"
	got n "* welcome nobody; here: host, root, root2, nobody"
	umember c "$path"
	got c "* welcome root3; here: host, root, root2, nobody, root3"
	got_all "* root3 joined" a b n host
	say a "hello from a"
	got_all "<root> hello from a" b n c host
	say n "hello from nobody"
	got_all "<nobody> hello from nobody" a b c host
	say b "/nick bob"
	got b "* error: names are login names in this room"
	say host "/nick boss"
	got host "* error: names are login names in this room"
	say b "still root2"
	got_all "<root2> still root2" a n c host
	say c /who
	got c "* here: host, root, root2, nobody, root3"
	log_has "chat-listen: root connected from root \\(uid 0, pid [0-9]+\\)"
	log_has "chat-listen: root2 connected from root \\(uid 0, pid [0-9]+\\)"
	log_has "chat-listen: nobody connected from nobody \\(uid $(id -u nobody), pid [0-9]+\\)"
	leave host
	expect_exit "$RPID" 0
	got_all "* room closed" a b n c
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome root2; here: host, root, root2
		* nobody joined
		* root3 joined
		<root> hello from a
		<nobody> hello from nobody
		* error: names are login names in this room
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* root joined
		* root2 joined
		* nobody joined
		* root3 joined
		<root> hello from a
		<nobody> hello from nobody
		* error: names are login names in this room
		<root2> still root2
	EOF
}

@test "unix room: the socket file is removed when stdin ends and on SIGTERM" {
	uroom "$S/r"
	[ -S "$S/r" ]
	umember a "$S/r"
	got a "* welcome $(id -un); here: host, $(id -un)"
	leave host
	expect_exit "$RPID" 0
	got a "* room closed"
	[ ! -e "$S/r" ]
	spawn -i /dev/null room2 chat-listen --room -d -U "$S/r2"
	local r2=$SPAWNED
	ulistening "$r2" "$T/room2.err" "$S/r2"
	kill -TERM "$r2"
	expect_exit "$r2" 143
	[ ! -e "$S/r2" ]
}

@test "unix room: an IRC client is registered under its login: 001 root, root!root@localhost; a later NICK gets 484" {
	[ "$(id -un)" = root ] || skip "names expected as root"
	abstract
	local path=$REPLY
	uroom "$path"
	# the IRC client: its registration waits in the pipe before it connects
	mkfifo "$T/i.fifo"
	spawn -o "$T/i.fifo" i.hold bash -c 'printf "NICK zed\r\nUSER z 0 * :z\r\n"; exec sleep 3600'
	# shellcheck disable=SC2034 # test_helper's, read by put and close_pipe
	HOLDER[i]=$SPAWNED
	spawn -i "$T/i.fifo" i chat-connect -U "$path"
	wait_file_matches "$T/i.out" '^:[^ ]+ 001 root :'
	wait_file_contains "$T/i.out" ":root!root@localhost JOIN #room"
	got host "* root joined"
	umember a "$path"
	got a "* welcome root2; here: host, root, root2"
	wait_file_matches "$T/i.out" '^:root2![^@ ]+@localhost JOIN #room'
	say a "to irc"
	wait_file_matches "$T/i.out" '^:root2![^@ ]+@localhost PRIVMSG #room :to irc'
	# the IRC client's own prefix, from the room's replies
	grep -qE '^:[^ ]+ 001 root :Welcome to the [^ ]+ chat room, root!root@localhost' "$T/i.out"
	put i $'PRIVMSG #room :from irc\r\n'
	got_all "<root> from irc" a host
	put i $'NICK other\r\n'
	wait_file_matches "$T/i.out" '^:[^ ]+ 484 root other :names are login names in this room'
	put i $'PRIVMSG #room :same name\r\n'
	got_all "<root> same name" a host
	if grep -q zed "$T/i.out" "$T/a.out" "$T/room.out" "$T/room.err"; then
		echo "the nick asked for shows somewhere" >&2
		return 1
	fi
}

@test "unix room: CHAT_NO_PEERCRED=1: a member is refused with the reason on its socket and in the log" {
	abstract
	local path=$REPLY
	CHAT_NO_PEERCRED=1 uroom "$path"
	spawn m chat-connect -U "$path"
	expect_exit "$SPAWNED" 0
	assert_eq "$(cat "$T/m.out")" "* error: this room names members by login, and the system does not say who you are" "the member's stdout"
	wait_file_contains "$T/room.err" "refused a local peer (credentials unknown): the system does not say who it is"
	assert_empty "$T/room.out"
	expect_alive "$RPID"
}

@test "unix: CHAT_NO_SOCKDIAG=1 (where the kernel cannot be asked): a stale socket is still replaced, a live one still refused, by connecting" {
	stale_socket "$S/s"
	CHAT_NO_SOCKDIAG=1 ulisten "$S/s"
	grep -qxF "chat-listen: replacing the stale socket $S/s" "$T/listen.err"
	# the probe is a connection: a -k listener logs it and stays
	L_NAME=keep ulisten "$S/k" -k
	CHAT_NO_SOCKDIAG=1 run_t 5 chat-listen -U "$S/k"
	assert_eq "$status" 1 "second listener status"
	assert_eq "${stderr_lines[0]}" "chat-listen: cannot listen on $S/k: address in use (another program listens there)" "message"
	wait_file_contains "$T/keep.err" "connection from"
	expect_alive "$LPID"
}
