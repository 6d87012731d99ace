#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr
# (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# chat-connect -x: SOCKS5 (RFC 1928, 1929) and HTTP CONNECT (src/proxy.c).
#
# - "fake": tests/fakeproxy.py, a scripted proxy that keeps the exact bytes
#   it got and answers what a test tells it to: every SOCKS5 reply code
#   and address type, replies cut into single bytes, data from the
#   "destination" (the fake itself: it connects nowhere) in the same write
#   as the reply, 407/403, over-long headers, silence, a close halfway.
# - real servers (Debian packages microsocks, dante-server, tinyproxy,
#   ncat): chat-connect reaches a chat-listen on 127.0.0.1 through each,
#   random bytes both ways, and their refusals come out as clear errors.
#   None of them can listen on port 0 and tell the port, so each gets a
#   free port and another one if it fails to come up (start_real).
# Every destination is 127.0.0.1 or ::1, or a name only the fake sees.

load test_helper

FAKE="$TESTS_DIR/fakeproxy.py"

# proxy_python: the real python3 interpreter, looked up once per run (a
# pyenv-style shim costs 0.4 s a start, and a test starts up to 10 fakes);
# the lock keeps tests that start together from each asking.
proxy_python() {
	local cache="${BATS_RUN_TMPDIR:-${BATS_TMPDIR:-/tmp}}/proxy-python"
	if [ ! -s "$cache" ]; then
		(
			command -v flock >/dev/null && flock -w 10 9
			[ -s "$cache" ] ||
				{ python3 -c 'import sys; print(sys.executable)' >"$cache.$$" &&
					mv "$cache.$$" "$cache"; }
		) 9>>"$cache.lock"
	fi
	IFS= read -r PYTHON <"$cache" || PYTHON=python3
	[ -x "$PYTHON" ] || PYTHON=python3
}
proxy_python
declare -gA FP=() CP=() # fake NAME -> its port; connect NAME -> its PID

# succeeded, bound to 127.0.0.1:1080 (RFC 1928 reply, ATYP 1)
S5_OK='\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38'

### helpers of this file

# fake NAME STEP...: tests/fakeproxy.py playing STEP... with its files in
# $T/NAME/ (fake.raw, fake.data, fake.log); sets FPORT and FP[NAME].
# FAKE_OPTS (e.g. "-p 4000") go before its arguments.
fake() {
	fake_bg "$@"
	fake_wait "$1"
}

# fake_bg NAME STEP...: fake's start, without the wait for its port (a
# test with many starts them all, then waits: python takes a while).
fake_bg() {
	local name=$1 opts=()
	shift
	mkdir -p "$T/$name"
	read -r -a opts <<<"${FAKE_OPTS:-}"
	# -S: no site module, a third of the start-up (stdlib only here)
	spawn "fake-$name" "$PYTHON" -S "$FAKE" "${opts[@]}" "$T/$name" "$@"
}

# fake_port NAME: sets FPORT from the fake's "listening on" line (fails
# while there is none; FPORT empty if it could not bind).
fake_port() {
	local line
	FPORT=''
	while IFS= read -r line; do
		case $line in
		'fakeproxy: listening on '*) FPORT=${line##* } ;;
		'fakeproxy: cannot bind'*) return 0 ;;
		esac
	done <"$T/fake-$1.err"
	[ -n "$FPORT" ]
}

# fake_wait NAME...: each fake listens; sets FP[NAME] (and FPORT, the
# last one's). Fails if one could not bind.
fake_wait() {
	local name
	for name in "$@"; do
		if ! wait_for fake_port "$name"; then
			cat "$T/fake-$name.err" >&2
			return 1
		fi
		[ -n "$FPORT" ] || return 1
		FP[$name]=$FPORT
	done
}

# cc NAME ARGS...: chat-connect ARGS... in the background, stdin
# $T/NAME.in (created empty), output in $T/NAME.out/.err; sets CP[NAME].
cc() {
	local name=$1
	shift
	C_NAME=$name start_connect "$@"
	CP[$name]=$CPID
}

# fails NAME MSG [PROXY]: NAME exits 1 and its stderr is the one line
# "chat-connect: proxy PROXY: MSG" (PROXY: 127.0.0.1:FP[NAME]).
fails() {
	local want="chat-connect: proxy ${3:-127.0.0.1:${FP[$1]}}: $2" got
	expect_exit "${CP[$1]}" 1 5
	got=$(cat "$T/$1.err")
	assert_eq "$got" "$want" "$1's stderr"
}

# raw_is NAME ESC: the fake NAME got exactly ESC's bytes in its handshake
# (ESC in printf %b's escapes).
raw_is() {
	printf '%b' "$2" >"$T/$1/want"
	if ! cmp -s "$T/$1/want" "$T/$1/fake.raw"; then
		echo "fake $1 got other bytes than expected; expected, then got:" >&2
		od -c "$T/$1/want" >&2
		od -c "$T/$1/fake.raw" >&2
		return 1
	fi
}

# out_is NAME TEXT: NAME's stdout is exactly TEXT (ESC in printf %b's).
out_is() {
	printf '%b' "$2" >"$T/$1.want"
	assert_same "$T/$1.want" "$T/$1.out"
}

# no_secret FILE: the tests' password, s3cret, is nowhere in FILE.
no_secret() {
	if grep -q s3cret "$1"; then
		echo "the password shows in ${1#"$T"/}:" >&2
		cat "$1" >&2
		return 1
	fi
}

# s5 ATYP ADDR PORT: a SOCKS5 success reply (ESC) with that bound address:
# ADDR is the address's escaped bytes, PORT two escaped bytes.
s5() {
	printf '\\x05\\x00\\x00\\x%02x%s%s' "$1" "$2" "$3"
}

# port_free: test_helper's free_port, safe to call twice in a test: its
# probe's old "listening on" line is removed first (free_port could read it
# before the new probe starts, take the old port, and TERM the probe
# before it runs).
port_free() {
	rm -f "$T/probe.err"
	free_port
}

# pid_listens PID PORT: PID holds a socket listening on TCP PORT (so a
# port another process took does not pass for our server's).
pid_listens() {
	local hex inodes=() f link i
	hex=$(printf '%04X' "$2")
	mapfile -t inodes < <(awk -v p=":$hex" \
		'$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	[ "${#inodes[@]}" -gt 0 ] || return 1
	for f in /proc/"$1"/fd/*; do
		link=$(readlink "$f" 2>/dev/null) || continue
		for i in "${inodes[@]}"; do
			[ "$link" != "socket:[$i]" ] || return 0
		done
	done
	return 1
}

# up_or_gone PID PORT: PID listens on PORT, or has exited.
up_or_gone() {
	! is_alive "$1" || pid_listens "$1" "$2"
}

# start_real NAME CONF CMD...: a server that cannot report a port-0 port:
# on a free port, which replaces {PORT} in CMD; CONF (a function, or -)
# writes its configuration for that port to $T/NAME.conf first. Another
# port when it does not come up (5 tries). Sets RPORT and RPID.
start_real() {
	local name=$1 conf=$2 try a args
	shift 2
	for try in 1 2 3 4 5; do
		port_free
		[ "$conf" = - ] || "$conf" "$FREE_PORT" >"$T/$name.conf"
		args=()
		for a in "$@"; do
			args+=("${a//\{PORT\}/$FREE_PORT}")
		done
		spawn -e "$T/$name.$try.err" "$name" "${args[@]}"
		RPID=$SPAWNED
		if wait_for -t 5 up_or_gone "$RPID" "$FREE_PORT" && is_alive "$RPID"; then
			RPORT=$FREE_PORT
			return 0
		fi
		kill -TERM "$RPID" 2>/dev/null || true
		wait_exit "$RPID" 2 || true
	done
	echo "$name did not come up; its stderr:" >&2
	cat "$T/$name".*.err >&2
	return 1
}

# dest: the destination, chat-listen on 127.0.0.1 with its stdin held
# open (pipe "lin"); sets DPORT and DPID (free_port changes PORT and LPID).
dest() {
	hold_pipe lin
	L_IN=$REPLY start_listener
	DPORT=$PORT DPID=$LPID
}

# exchange ARGS...: chat-connect ARGS... 127.0.0.1 DPORT to dest's
# listener (a proxy in ARGS), 256 KiB of random bytes each way. Both stdins
# stay open until both sides have it all: microsocks, tinyproxy and ncat
# end the tunnel when either side half-closes.
exchange() {
	rand_file "$T/a" 262144
	rand_file "$T/b" 262144
	hold_pipe cin
	C_IN=$REPLY start_connect "$@" 127.0.0.1 "$DPORT"
	spawn -i "$T/a" -o "$T/lin.fifo" lfeed cat
	spawn -i "$T/b" -o "$T/cin.fifo" cfeed cat
	wait_file_size "$T/listen.out" 262144 10
	wait_file_size "$T/conn.out" 262144 10
	close_pipe cin
	close_pipe lin
	expect_exit "$CPID" 0 5
	expect_exit "$DPID" 0 5
	assert_same "$T/a" "$T/conn.out"
	assert_same "$T/b" "$T/listen.out"
}

# real_fails ARGS...: chat-connect ARGS... 127.0.0.1 DPORT exits 1; its
# stderr, one line, in ERR.
real_fails() {
	run_t 5 chat-connect "$@" 127.0.0.1 "$DPORT"
	assert_eq "$status" 1 "exit status (stderr: $stderr)"
	[[ $stderr != *$'\n'* ]]
	ERR=$stderr
}

### the fake proxy: SOCKS5 requests

@test "SOCKS5: greeting and request bytes exact, a name sent as given (ATYP 3); the fake as destination echoes" {
	fake f greeting 'send \x05\x00' request "send $S5_OK" echo
	printf 'hello\n' >"$T/conn.in"
	cc conn -x "127.0.0.1:${FP[f]}" chat.example.onion 6667
	expect_exit "$CPID" 0
	raw_is f '\x05\x01\x00\x05\x01\x00\x03\x12chat.example.onion\x1a\x0b'
	out_is conn 'hello\n'
	assert_same "$T/conn.in" "$T/f/fake.data"
}

@test "SOCKS5: an IPv4 literal goes as ATYP 1, a service name as its number; ::1 and [::1] as ATYP 4" {
	local n
	for n in v4 v6 v6b; do
		fake_bg "$n" greeting 'send \x05\x00' request "send $S5_OK" echo
	done
	fake_wait v4 v6 v6b
	cc v4 -x "127.0.0.1:${FP[v4]}" 127.0.0.1 http
	cc v6 -x "127.0.0.1:${FP[v6]}" ::1 6667
	cc v6b -x "127.0.0.1:${FP[v6b]}" '[::1]' 6667
	for n in v4 v6 v6b; do
		expect_exit "${CP[$n]}" 0
	done
	raw_is v4 '\x05\x01\x00\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50'
	raw_is v6 '\x05\x01\x00\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\x0b'
	raw_is v6b '\x05\x01\x00\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\x0b'
}

@test "SOCKS5: a name of 255 bytes goes whole; one of 256 cannot (exit 1, no request sent)" {
	local n255 n256
	n255=$(printf 'a%.0s' {1..251}).com
	n256=b$n255
	fake_bg ok greeting 'send \x05\x00' request "send $S5_OK" echo
	fake_bg long greeting 'send \x05\x00' drain
	fake_wait ok long
	cc ok -x "127.0.0.1:${FP[ok]}" "$n255" 6667
	cc long -x "127.0.0.1:${FP[long]}" "$n256" 6667
	expect_exit "${CP[ok]}" 0
	raw_is ok "\\x05\\x01\\x00\\x05\\x01\\x00\\x03\\xff$n255\\x1a\\x0b"
	fails long "host name of 256 bytes: SOCKS5 carries 1-255"
	raw_is long '\x05\x01\x00'
}

@test "SOCKS5 --proxy-auth: offers methods 0 and 2, RFC 1929 bytes exact; -v logs each step, never the password" {
	fake f greeting 'send \x05\x02' auth 'send \x01\x00' request "send $S5_OK" echo
	printf 'hi\n' >"$T/conn.in"
	cc conn -v --proxy-auth alice:s3cret -x "127.0.0.1:${FP[f]}" chat.example.onion 6667
	expect_exit "$CPID" 0
	raw_is f '\x05\x02\x00\x02\x01\x05alice\x06s3cret\x05\x01\x00\x03\x12chat.example.onion\x1a\x0b'
	out_is conn 'hi\n'
	local p="chat-connect: proxy 127.0.0.1:${FP[f]}:"
	grep -qxF "$p SOCKS5 greeting: offering no authentication and user name/password" "$T/conn.err"
	grep -qxF "$p method chosen: user name/password" "$T/conn.err"
	grep -qxF "$p authenticating as alice" "$T/conn.err"
	grep -qxF "$p SOCKS5 CONNECT to chat.example.onion port 6667 (name)" "$T/conn.err"
	grep -qxF "$p SOCKS5 reply: succeeded, bound to 127.0.0.1:1080" "$T/conn.err"
	no_secret "$T/conn.err"
}

@test "SOCKS5: CHAT_PROXY_AUTH is used without --proxy-auth; --proxy-auth wins over it; 255-byte user and password go whole" {
	local n u p
	u=$(printf 'u%.0s' {1..255})
	p=$(printf 'p%.0s' {1..255})
	for n in env both max; do
		fake_bg "$n" greeting 'send \x05\x02' auth 'send \x01\x00' request "send $S5_OK" echo
	done
	fake_wait env both max
	CHAT_PROXY_AUTH=envuser:envpass cc env -x "127.0.0.1:${FP[env]}" 127.0.0.1 6667
	CHAT_PROXY_AUTH=envuser:envpass cc both --proxy-auth bob:pw -x "127.0.0.1:${FP[both]}" 127.0.0.1 6667
	cc max --proxy-auth "$u:$p" -x "127.0.0.1:${FP[max]}" 127.0.0.1 6667
	for n in env both max; do
		expect_exit "${CP[$n]}" 0
	done
	raw_is max "\x05\x02\x00\x02\x01\xff$u\xff$p\x05\x01\x00\x01\x7f\x00\x00\x01\x1a\x0b"
	raw_is env '\x05\x02\x00\x02\x01\x07envuser\x07envpass\x05\x01\x00\x01\x7f\x00\x00\x01\x1a\x0b'
	raw_is both '\x05\x02\x00\x02\x01\x03bob\x02pw\x05\x01\x00\x01\x7f\x00\x00\x01\x1a\x0b'
}

### the fake proxy: SOCKS5 refusals and broken replies

@test "SOCKS5: method 0xFF asks for --proxy-auth or CHAT_PROXY_AUTH; a refused password: authentication failed, the password nowhere" {
	fake_bg none greeting 'send \x05\xff' drain
	fake_bg both greeting 'send \x05\xff' drain
	fake_bg bad greeting 'send \x05\x02' auth 'send \x01\x01' drain
	fake_bg badv greeting 'send \x05\x02' auth 'send \x01\x01' drain
	fake_wait none both bad badv
	cc none -x "127.0.0.1:${FP[none]}" 127.0.0.1 6667
	cc both --proxy-auth alice:s3cret -x "127.0.0.1:${FP[both]}" 127.0.0.1 6667
	cc bad --proxy-auth alice:s3cret -x "127.0.0.1:${FP[bad]}" 127.0.0.1 6667
	fails none "the proxy wants a user name and password (--proxy-auth USER:PASS or CHAT_PROXY_AUTH)"
	fails both "the proxy accepts neither no authentication nor a user name and password"
	fails bad "authentication failed for user alice"
	raw_is bad '\x05\x02\x00\x02\x01\x05alice\x06s3cret'
	# with -v too, the password shows nowhere
	cc badv -v --proxy-auth alice:s3cret -x "127.0.0.1:${FP[badv]}" 127.0.0.1 6667
	expect_exit "${CP[badv]}" 1
	grep -qF "authentication failed for user alice" "$T/badv.err"
	no_secret "$T/badv.err"
}

@test "SOCKS5: each reply code 1-8 and unknown ones give their message, exit 1" {
	local -A msg=(
		[1]="general SOCKS server failure"
		[2]="connection not allowed by ruleset"
		[3]="network unreachable"
		[4]="host unreachable"
		[5]="connection refused by destination"
		[6]="TTL expired"
		[7]="command not supported"
		[8]="address type not supported"
		[9]="unknown reply code 9"
		[255]="unknown reply code 255"
	)
	local c
	for c in "${!msg[@]}"; do
		fake_bg "r$c" greeting 'send \x05\x00' request \
			"send \\x05\\x$(printf %02x "$c")\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00" drain
	done
	for c in "${!msg[@]}"; do
		fake_wait "r$c"
		cc "r$c" -x "127.0.0.1:${FP[r$c]}" 127.0.0.1 6667
	done
	for c in "${!msg[@]}"; do
		fails "r$c" "${msg[$c]}"
	done
}

@test "SOCKS5: each reply address type (1, 3, 4) is read whole and no further: data in the same write reaches stdout" {
	local n
	fake_bg a1 greeting 'send \x05\x00' request "send $(s5 1 '\x7f\x00\x00\x01' '\x1f\x90')early\n" echo
	fake_bg a3 greeting 'send \x05\x00' request "send $(s5 3 '\x09localhost' '\x00\x50')early\n" echo
	fake_bg a4 greeting 'send \x05\x00' request "send $(s5 4 '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01' '\x01\xbb')early\n" echo
	fake_wait a1 a3 a4
	for n in a1 a3 a4; do
		printf 'later\n' >"$T/$n.in"
		cc "$n" -v -x "127.0.0.1:${FP[$n]}" 127.0.0.1 6667
	done
	for n in a1 a3 a4; do
		expect_exit "${CP[$n]}" 0
		out_is "$n" 'early\nlater\n'
	done
	grep -qF "bound to 127.0.0.1:8080" "$T/a1.err"
	grep -qF "bound to localhost:80" "$T/a3.err"
	grep -qF "bound to [::1]:443" "$T/a4.err"
}

@test "SOCKS5: replies cut into single bytes 10 ms apart work, and the data after them arrives" {
	fake f greeting 'drip 10 \x05\x00' request "drip 10 $(s5 3 '\x09localhost' '\x00\x50')early\n" echo
	printf 'later\n' >"$T/conn.in"
	cc conn -x "127.0.0.1:${FP[f]}" 127.0.0.1 6667
	expect_exit "$CPID" 0
	out_is conn 'early\nlater\n'
}

@test "SOCKS5: replies that are not SOCKS5 or not as offered are clear errors" {
	fake_bg v4 greeting 'send \x04\x5a' drain
	fake_bg http greeting 'send HTTP/1.1 400 Bad Request\r\n\r\n' drain
	fake_bg meth greeting 'send \x05\x02' drain
	fake_bg rver greeting 'send \x05\x00' request 'send \x04\x00\x00\x01\x7f\x00\x00\x01\x04\x38' drain
	fake_bg atyp greeting 'send \x05\x00' request 'send \x05\x00\x00\x09\x7f\x00\x00\x01\x04\x38' drain
	fake_bg aver greeting 'send \x05\x02' auth 'send \x05\x00' drain
	fake_wait v4 http meth rver atyp aver
	local n
	for n in v4 http meth rver atyp; do
		cc "$n" -x "127.0.0.1:${FP[$n]}" 127.0.0.1 6667
	done
	cc aver --proxy-auth u:p -x "127.0.0.1:${FP[aver]}" 127.0.0.1 6667
	fails v4 "not a SOCKS5 reply (version byte 0x04)"
	fails http "not a SOCKS5 reply (version byte 0x48); an HTTP proxy? (-X connect)"
	fails meth "the proxy chose method 0x02, which was not offered"
	fails rver "not a SOCKS5 reply (version byte 0x04)"
	fails atyp "reply with unknown address type 9"
	fails aver "not a SOCKS5 authentication reply (version byte 0x05)"
}

@test "SOCKS5: a proxy that closes mid-handshake, before or inside a reply" {
	fake_bg g greeting close
	fake_bg r greeting 'send \x05\x00' request 'send \x05\x00\x00\x01\x7f' close
	fake_bg n greeting 'send \x05\x00' request 'send \x05\x00\x00\x03\x09local' close
	fake_wait g r n
	local n
	for n in g r n; do
		cc "$n" -x "127.0.0.1:${FP[$n]}" 127.0.0.1 6667
	done
	for n in g r n; do
		fails "$n" "closed the connection during the handshake"
	done
}

### the fake proxy: HTTP CONNECT

@test "HTTP: request bytes exact with Basic credentials (as base64 encodes them); a 200 with headers; data right after the header reaches stdout" {
	fake f header 'send HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\nX-Long: aaaa\r\n\r\nearly\n' echo
	printf 'later\n' >"$T/conn.in"
	cc conn -v -X connect --proxy-auth alice:s3cret -x "127.0.0.1:${FP[f]}" chat.example.onion 6667
	expect_exit "$CPID" 0
	raw_is f "CONNECT chat.example.onion:6667 HTTP/1.0\\r\\nHost: chat.example.onion:6667\\r\\nProxy-Authorization: Basic $(printf 'alice:s3cret' | base64)\\r\\n\\r\\n"
	out_is conn 'early\nlater\n'
	local p="chat-connect: proxy 127.0.0.1:${FP[f]}:"
	grep -qxF "$p CONNECT chat.example.onion:6667 HTTP/1.0 (with Basic authentication)" "$T/conn.err"
	grep -qxF "$p HTTP/1.1 200 Connection established" "$T/conn.err"
	no_secret "$T/conn.err"
}

@test "HTTP: no Proxy-Authorization without credentials; IPv6 in brackets; CHAT_PROXY_AUTH; base64 of every length mod 3" {
	local n
	for n in plain env e1 e2; do
		fake_bg "$n" header 'send HTTP/1.0 200 OK\r\n\r\n' echo
	done
	fake_wait plain env e1 e2
	cc plain -X http -x "127.0.0.1:${FP[plain]}" '[::1]' 6667
	CHAT_PROXY_AUTH='us:pw' cc env -X http -x "127.0.0.1:${FP[env]}" 127.0.0.1 6667
	CHAT_PROXY_AUTH='use:pw' cc e1 -X http -x "127.0.0.1:${FP[e1]}" 127.0.0.1 6667
	CHAT_PROXY_AUTH='user:pw' cc e2 -X http -x "127.0.0.1:${FP[e2]}" 127.0.0.1 6667
	for n in plain env e1 e2; do
		expect_exit "${CP[$n]}" 0
	done
	raw_is plain 'CONNECT [::1]:6667 HTTP/1.0\r\nHost: [::1]:6667\r\n\r\n'
	for n in env:us:pw e1:use:pw e2:user:pw; do
		raw_is "${n%%:*}" "CONNECT 127.0.0.1:6667 HTTP/1.0\\r\\nHost: 127.0.0.1:6667\\r\\nProxy-Authorization: Basic $(printf %s "${n#*:}" | base64)\\r\\n\\r\\n"
	done
}

@test "HTTP: 407 without credentials says how to give them, with credentials that they were refused; 403 quoted" {
	local r407='send HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n'
	fake_bg none header "$r407" drain
	fake_bg some header "$r407" drain
	fake_bg deny header 'send HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n' drain
	fake_wait none some deny
	cc none -X connect -x "127.0.0.1:${FP[none]}" 127.0.0.1 6667
	cc some -X connect --proxy-auth alice:s3cret -x "127.0.0.1:${FP[some]}" 127.0.0.1 6667
	cc deny -X connect -x "127.0.0.1:${FP[deny]}" 127.0.0.1 6667
	fails none "HTTP/1.1 407 Proxy Authentication Required (the proxy wants a user name and password: --proxy-auth USER:PASS or CHAT_PROXY_AUTH)"
	fails some "HTTP/1.1 407 Proxy Authentication Required (the proxy refused the user name and password)"
	fails deny "HTTP/1.1 403 Forbidden"
}

@test "HTTP: a header ending in bare LFs is taken, a reply cut into single bytes too; the data after each kept" {
	fake_bg lf header 'send HTTP/1.0 200 OK\nVia: fake\n\nearly\n' echo
	fake_bg drip header 'drip 5 HTTP/1.0 200 OK\r\nVia: x\r\n\r\nearly\n' echo
	fake_wait lf drip
	local n
	for n in lf drip; do
		printf 'later\n' >"$T/$n.in"
		cc "$n" -X connect -x "127.0.0.1:${FP[$n]}" 127.0.0.1 6667
	done
	for n in lf drip; do
		expect_exit "${CP[$n]}" 0
		out_is "$n" 'early\nlater\n'
	done
}

@test "HTTP: a header of exactly 16384 bytes passes, one of 16385 is refused as too long" {
	# 17 (status line) + pad + 2 (the blank line); the last byte comes
	# late, when 16383 are in
	fake_bg fit header 'send HTTP/1.1 200 OK\r\n' 'pad 16365' 'send \r' 'sleep 0.2' 'send \nearly\n' echo
	fake_bg over header 'send HTTP/1.1 200 OK\r\n' 'pad 16366' 'send \r\nearly\n' drain
	fake_wait fit over
	printf 'later\n' >"$T/fit.in"
	cc fit -X connect -x "127.0.0.1:${FP[fit]}" 127.0.0.1 6667
	cc over -X connect -x "127.0.0.1:${FP[over]}" 127.0.0.1 6667
	expect_exit "${CP[fit]}" 0
	out_is fit 'early\nlater\n'
	fails over "reply header longer than 16384 bytes"
}

@test "HTTP: not HTTP, or an error status, fail at once (the proxy silent after); a close before the header's end" {
	fake_bg ssh header 'send SSH-2.0-OpenSSH_9.2\r\n' drain
	fake_bg bin header 'send \x05\xff' drain
	fake_bg bad header 'send HTTP/1.1 502 Bad Gateway\r\n' drain
	fake_bg auth header 'send HTTP/1.0 401 Unauthorized\r\n' drain
	fake_bg mid header 'send HTTP/1.1 200 Conn' close
	fake_bg midh header 'send HTTP/1.1 200 OK\r\nVia: x\r\n' close
	fake_wait ssh bin bad auth mid midh
	local n
	for n in ssh bin bad auth mid midh; do
		cc "$n" -X connect -x "127.0.0.1:${FP[$n]}" 127.0.0.1 6667
	done
	fails ssh "not an HTTP reply: 'SSH-2.0-OpenSSH_9.2'"
	fails bin "not an HTTP reply: '??'"
	fails bad "HTTP/1.1 502 Bad Gateway"
	fails auth "HTTP/1.0 401 Unauthorized (the proxy wants a user name and password: --proxy-auth USER:PASS or CHAT_PROXY_AUTH)"
	fails mid "closed the connection during the handshake"
	fails midh "closed the connection during the handshake"
}

### waiting, signals, the proxy's own connection

@test "a proxy that never answers: -w 1 gives up after about a second, exit 1 (SOCKS5 and HTTP)" {
	fake_bg s greeting drain
	fake_bg h header drain
	fake_wait s h
	cc h -w 1 -X connect -x "127.0.0.1:${FP[h]}" 127.0.0.1 6667
	run_t 5 chat-connect -w 1 -x "127.0.0.1:${FP[s]}" 127.0.0.1 6667
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-connect: proxy 127.0.0.1:${FP[s]}: no reply to the SOCKS5 greeting in time"
	[ "$ELAPSED_MS" -ge 950 ] && [ "$ELAPSED_MS" -lt 3000 ]
	fails h "no reply to the HTTP CONNECT request in time"
}

@test "SIGTERM during the handshake ends chat-connect at once (143)" {
	fake f greeting drain
	cc conn -x "127.0.0.1:${FP[f]}" 127.0.0.1 6667
	wait_file_size "$T/f/fake.raw" 3
	kill -TERM "$CPID"
	expect_exit "$CPID" 143 2
}

@test "a proxy refusing the TCP connection: the usual cannot connect message" {
	port_free
	run_t 5 chat-connect -x "127.0.0.1:$FREE_PORT" 127.0.0.1 6667
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-connect: cannot connect to 127.0.0.1 port $FREE_PORT: Connection refused"
}

@test "--retry: a proxy started late is reached" {
	local try reached=''
	for try in 1 2 3; do
		port_free
		: >"$T/late$try.in"
		cc "late$try" -v --retry 10 -x "127.0.0.1:$FREE_PORT" 127.0.0.1 6667
		# it was refused and tried again
		wait_lines "$T/late$try.err" "trying 127\\.0\\.0\\.1:$FREE_PORT\\.\\.\\.\$" 2
		# the port taken meanwhile: again with another
		if ! FAKE_OPTS="-p $FREE_PORT" fake "f$try" greeting 'send \x05\x00' \
			request "send ${S5_OK}late\n" echo; then
			kill -TERM "${CP[late$try]}"
			continue
		fi
		expect_exit "${CP[late$try]}" 0 10
		out_is "late$try" 'late\n'
		reached=$try
		break
	done
	[ -n "$reached" ]
}

@test "default ports: 1080 for SOCKS5, 3128 for HTTP; [::1] and a bare ::1 as the proxy's address" {
	local n
	# nothing needs to listen there: only the address tried is checked
	cc s5 -v -w 0.2 -x 127.0.0.1 127.0.0.1 6667
	cc http -v -w 0.2 -X connect -x 127.0.0.1 127.0.0.1 6667
	cc v6 -v -w 0.2 -x '[::1]' 127.0.0.1 6667
	cc v6b -v -w 0.2 -x ::1 127.0.0.1 6667
	for n in s5 http v6 v6b; do
		wait_exit "${CP[$n]}" 5 || true
	done
	grep -qxF "chat-connect: trying 127.0.0.1:1080..." "$T/s5.err"
	grep -qxF "chat-connect: trying 127.0.0.1:3128..." "$T/http.err"
	grep -qxF "chat-connect: trying [::1]:1080..." "$T/v6.err"
	grep -qxF "chat-connect: trying [::1]:1080..." "$T/v6b.err"
}

@test "a proxy at [::1]:PORT is reached" {
	FAKE_OPTS=-6 fake f greeting 'send \x05\x00' request "send $S5_OK" echo
	printf 'hi\n' >"$T/conn.in"
	cc conn -x "[::1]:${FP[f]}" 127.0.0.1 6667
	expect_exit "$CPID" 0
	out_is conn 'hi\n'
}

@test "usage errors (exit 2): -X 4, -X or --proxy-auth without -x, --proxy-auth without colon or with an empty or long part, -x with -U, bad -x" {
	local long
	long=$(printf 'u%.0s' {1..256})
	local -a cases=(
		"-X 4 -x 127.0.0.1 127.0.0.1 6667"
		"-X 5 127.0.0.1 6667"
		"-X connect 127.0.0.1 6667"
		"--proxy-auth u:p 127.0.0.1 6667"
		"--proxy-auth nocolon -x 127.0.0.1 127.0.0.1 6667"
		"--proxy-auth :p -x 127.0.0.1 127.0.0.1 6667"
		"--proxy-auth u: -x 127.0.0.1 127.0.0.1 6667"
		"--proxy-auth $long:p -x 127.0.0.1 127.0.0.1 6667"
		"--proxy-auth u:$long -x 127.0.0.1 127.0.0.1 6667"
		"-U -x 127.0.0.1 $T/sock"
		"-x 127.0.0.1:0 127.0.0.1 6667"
		"-x 127.0.0.1:nosuchservice 127.0.0.1 6667"
		"-x [::1 127.0.0.1 6667"
		"-x :1080 127.0.0.1 6667"
	)
	local c args
	for c in "${cases[@]}"; do
		read -r -a args <<<"$c"
		run_t 5 chat-connect "${args[@]}"
		assert_eq "$status" 2 "exit status of chat-connect $c (stderr: $stderr)"
		[[ $stderr == *"Try 'chat-connect --help'."* ]]
	done
	CHAT_PROXY_AUTH=nocolon run_t 5 chat-connect -x 127.0.0.1 127.0.0.1 6667
	assert_eq "$status" 1 "exit status with CHAT_PROXY_AUTH=nocolon"
	assert_eq "$stderr" "chat-connect: CHAT_PROXY_AUTH: expected USER:PASS (no colon); not connecting"
}

### real servers

# microsocks -i 127.0.0.1 -p PORT [-u USER -P PASS]
real_microsocks() {
	need microsocks
	start_real microsocks - microsocks -i 127.0.0.1 -p '{PORT}' "$@"
}

@test "microsocks: random bytes both ways through SOCKS5" {
	real_microsocks
	dest
	exchange -x "127.0.0.1:$RPORT"
}

@test "microsocks -u/-P: the right user and password get through; wrong or none fail with their message" {
	real_microsocks -u alice -P s3cret
	dest
	real_fails -x "127.0.0.1:$RPORT"
	assert_eq "$ERR" "chat-connect: proxy 127.0.0.1:$RPORT: the proxy wants a user name and password (--proxy-auth USER:PASS or CHAT_PROXY_AUTH)"
	real_fails --proxy-auth alice:wrong -x "127.0.0.1:$RPORT"
	assert_eq "$ERR" "chat-connect: proxy 127.0.0.1:$RPORT: authentication failed for user alice"
	CHAT_PROXY_AUTH=alice:s3cret exchange -x "127.0.0.1:$RPORT"
}

# danted_conf PORT: dante listening on 127.0.0.1:PORT, no authentication,
# tunnels to dest's port on 127.0.0.1 only (every other one "not allowed")
danted_conf() {
	cat <<-EOF
		logoutput: stderr
		internal: 127.0.0.1 port = $1
		external: 127.0.0.1
		socksmethod: none
		clientmethod: none
	EOF
	# as root it would keep root for its children: nobody is enough
	[ "$(id -u)" -ne 0 ] || echo 'user.unprivileged: nobody'
	cat <<-EOF
		client pass { from: 127.0.0.1/32 to: 0.0.0.0/0 }
		socks pass { from: 127.0.0.1/32 to: 127.0.0.1/32 port = $DPORT }
	EOF
}

@test "danted: random bytes both ways through SOCKS5; a destination its rules block: connection not allowed by ruleset" {
	local danted
	danted=$(command -v danted || echo /usr/sbin/danted)
	[ -x "$danted" ] || skip "danted not installed (dante-server)"
	dest
	# -p: its pid file in $T, not /var/run
	start_real danted danted_conf "$danted" -f "$T/danted.conf" -p "$T/danted.pid" -N 1
	port_free
	run_t 5 chat-connect -x "127.0.0.1:$RPORT" 127.0.0.1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	assert_eq "$stderr" "chat-connect: proxy 127.0.0.1:$RPORT: connection not allowed by ruleset"
	exchange -x "127.0.0.1:$RPORT"
}

# tinyproxy_conf PORT: tinyproxy on 127.0.0.1:PORT for 127.0.0.1 only,
# CONNECT to dest's port only; TINY_AUTH="USER PASS" adds BasicAuth
tinyproxy_conf() {
	cat <<-EOF
		Port $1
		Listen 127.0.0.1
		Timeout 30
		MaxClients 10
		Allow 127.0.0.1
		ConnectPort $DPORT
		LogLevel Info
	EOF
	# as root it would stay root
	[ "$(id -u)" -ne 0 ] || echo 'User nobody'
	[ -z "${TINY_AUTH:-}" ] || echo "BasicAuth $TINY_AUTH"
}

real_tinyproxy() {
	need tinyproxy
	start_real tinyproxy tinyproxy_conf tinyproxy -d -c "$T/tinyproxy.conf"
}

@test "tinyproxy: random bytes both ways through HTTP CONNECT; a port outside ConnectPort gets its 403" {
	dest
	real_tinyproxy
	port_free
	run_t 5 chat-connect -X connect -x "127.0.0.1:$RPORT" 127.0.0.1 "$FREE_PORT"
	assert_eq "$status" 1 "exit status"
	[[ $stderr == "chat-connect: proxy 127.0.0.1:$RPORT: HTTP/1."[01]" 403 "* && $stderr != *$'\n'* ]]
	exchange -X connect -x "127.0.0.1:$RPORT"
}

@test "tinyproxy BasicAuth: the right user and password get through; none or wrong ones get 407 with their hint" {
	dest
	TINY_AUTH="alice s3cret" real_tinyproxy
	real_fails -X connect -x "127.0.0.1:$RPORT"
	[[ $ERR == "chat-connect: proxy 127.0.0.1:$RPORT: HTTP/1."[01]" 407 "*"(the proxy wants a user name and password: --proxy-auth USER:PASS or CHAT_PROXY_AUTH)" ]]
	real_fails -X connect --proxy-auth alice:wrong -x "127.0.0.1:$RPORT"
	[[ $ERR == "chat-connect: proxy 127.0.0.1:$RPORT: HTTP/1."[01]" 40"[17]" "*"(the proxy refused the user name and password)" ]]
	exchange -X connect --proxy-auth alice:s3cret -x "127.0.0.1:$RPORT"
}

# ncat's HTTP proxy listens on every address whatever address it is given
# (ncat 7.93); --allow keeps everyone but 127.0.0.1 out, -4 off IPv6.
real_ncat() {
	need ncat
	start_real ncat - ncat -4 -l --proxy-type http --allow 127.0.0.1 "$@" 127.0.0.1 '{PORT}'
}

@test "ncat --proxy-type http: random bytes both ways" {
	dest
	real_ncat
	exchange -X http -x "127.0.0.1:$RPORT"
}

@test "ncat --proxy-auth: 407 without credentials or with wrong ones; through with the right ones" {
	dest
	real_ncat --proxy-auth alice:s3cret
	real_fails -X http -x "127.0.0.1:$RPORT"
	assert_eq "$ERR" "chat-connect: proxy 127.0.0.1:$RPORT: HTTP/1.0 407 Proxy Authentication Required (the proxy wants a user name and password: --proxy-auth USER:PASS or CHAT_PROXY_AUTH)"
	real_fails -X http --proxy-auth alice:wrong -x "127.0.0.1:$RPORT"
	assert_eq "$ERR" "chat-connect: proxy 127.0.0.1:$RPORT: HTTP/1.0 407 Proxy Authentication Required (the proxy refused the user name and password)"
	exchange -X http --proxy-auth alice:s3cret -x "127.0.0.1:$RPORT"
}
