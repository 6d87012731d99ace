# shellcheck shell=bash
# Variables the helpers set (PORT, LPID, CPID, ...) and bats' own:
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# Issue 4: terminal-safe display, --raw, -t timestamps, -C CRLF.

load test_helper

PTYRUN="$BATS_TEST_DIRNAME/ptyrun.py"

# a listener whose stdin is the held pipe "feed"; put feed DATA sends DATA
listen_fed() {
	hold_pipe feed
	L_IN=$REPLY start_listener
}

# connect with stdout on a raw pseudo-terminal; what it shows is in $T/tty.out
connect_tty() {
	spawn tty "$PYTHON" "$PTYRUN" "$T/tty.out" chat-connect --quiet "$@" 127.0.0.1 "$PORT"
	CPID=$SPAWNED
}

tty_is() {
	[ "$(od -An -c "$T/tty.out")" = "$(printf '%s' "$1" | od -An -c)" ]
}

# tty_becomes TEXT: the terminal shows exactly TEXT within 5 s
tty_becomes() {
	if ! wait_for tty_is "$1"; then
		echo "terminal shows:" >&2
		od -c "$T/tty.out" >&2
		return 1
	fi
}

@test "terminal: control bytes show in caret form, C1 and bad UTF-8 escaped, UTF-8 passes" {
	printf 'a\033]0;title\007b\r\nc\302\233d\377\177e\tf \303\251 \360\237\230\200\n\033[2J\n' >"$T/nasty"
	L_IN=$T/nasty start_listener
	connect_tty
	tty_becomes $'a^[]0;title^Gb\nc\\u009bd\\xff^?e\tf \303\251 \360\237\230\200\n^[[2J\n'
	expect_exit "$CPID" 0
}

@test "terminal: a peer cannot set the title, move the cursor or write the clipboard (OSC 52)" {
	printf '\033]52;c;aGVsbG8=\007\033[H\033[10;10H\233 2J\n' >"$T/nasty"
	L_IN=$T/nasty start_listener
	connect_tty
	expect_exit "$CPID" 0
	# no raw ESC (0x1b), BEL (0x07) or CSI (0x9b) reaches the terminal
	run od -An -tx1 "$T/tty.out"
	[[ $output != *1b* ]]
	[[ $output != *07* ]]
	[[ $output != *9b* ]]
	tty_is $'^[]52;c;aGVsbG8=^G^[[H^[[10;10H\\x9b 2J\n'
}

@test "terminal: CR before LF is dropped even when CR and LF come in separate reads" {
	listen_fed
	connect_tty
	put feed $'one\r'
	tty_becomes 'one'
	put feed $'\ntwo\rx\r'
	tty_becomes $'one\ntwo^Mx'
	put feed $'\n'
	tty_becomes $'one\ntwo^Mx\n'
}

@test "terminal: a UTF-8 sequence split between reads passes whole; a broken one is escaped" {
	listen_fed
	connect_tty
	put feed $'\303'
	wait_for is_alive "$CPID"
	put feed $'\251\n'
	tty_becomes $'\303\251\n'
	put feed $'\342\202'
	put feed $'x\n'
	tty_becomes $'\303\251\n\\xe2\\x82x\n'
}

@test "terminal: a lone CR at the end of the stream is shown" {
	printf 'end\r' >"$T/data"
	L_IN=$T/data start_listener
	connect_tty
	expect_exit "$CPID" 0
	tty_is 'end^M'
}

@test "--raw: bytes reach the terminal unchanged" {
	printf 'a\033[1mb\r\n\377\n' >"$T/data"
	L_IN=$T/data start_listener
	connect_tty --raw
	expect_exit "$CPID" 0
	cmp "$T/data" "$T/tty.out"
}

@test "not a terminal: the same bytes pass unchanged" {
	printf 'a\033[1mb\r\n\377\302\233\n' >"$T/data"
	L_IN=$T/data start_listener
	start_connect 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	cmp "$T/data" "$T/conn.out"
}

@test "-t: every received line, empty ones too, gets [HH:MM:SS] once, also across reads" {
	listen_fed
	start_connect -t 127.0.0.1 "$PORT"
	put feed 'par'
	wait_file_contains "$T/conn.out" 'par'
	put feed $'tial\n\nlast'
	wait_file_contains "$T/conn.out" 'last'
	close_pipe feed
	expect_exit "$CPID" 0
	run cat "$T/conn.out"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^\[[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\]\ partial$ ]]
	[[ ${lines[1]} =~ ^\[[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\]\ $ ]]
	[[ ${lines[2]} =~ ^\[[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\]\ last$ ]]
	# the stamp is the local time
	[[ ${lines[0]:1:5} == "$(date +%H:%M)" || ${lines[0]:1:2} == "$(date +%H)" ]]
}

@test "-t on a terminal: timestamps and safe display together" {
	printf 'a\033b\n\n' >"$T/data"
	L_IN=$T/data start_listener
	connect_tty -t
	expect_exit "$CPID" 0
	run cat "$T/tty.out"
	[[ ${lines[0]} =~ ^\[[0-9:]{8}\]\ a\^\[b$ ]]
	[[ ${lines[1]} =~ ^\[[0-9:]{8}\]\ $ ]]
}

@test "-C: LF from stdin is sent as CRLF; an existing CR is not doubled" {
	start_listener
	printf 'a\nb\r\nc\n' >"$T/in"
	C_IN=$T/in start_connect -C 127.0.0.1 "$PORT"
	expect_exit "$CPID" 0
	expect_exit "$LPID" 0
	[ "$(od -An -c "$T/listen.out")" = "$(printf 'a\r\nb\r\nc\r\n' | od -An -c)" ]
}

@test "-C: a CR and its LF in separate reads still give one CRLF" {
	start_listener
	hold_pipe cin
	C_IN=$REPLY start_connect -C 127.0.0.1 "$PORT"
	wait_file_contains "$T/listen.err" 'connection from'
	put cin $'x\r'
	wait_file_size "$T/listen.out" 2
	put cin $'\ny\n'
	close_pipe cin
	expect_exit "$CPID" 0
	[ "$(od -An -c "$T/listen.out")" = "$(printf 'x\r\ny\r\n' | od -An -c)" ]
}

@test "room -t: every line on the host's stdout is stamped, members get none" {
	hold_pipe host
	L_IN=$REPLY start_listener --room -t
	hold_pipe member
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/conn.out" '* welcome user1'
	put host $'hello\n'
	wait_file_contains "$T/conn.out" '<host> hello'
	run cat "$T/conn.out"
	[[ ${lines[0]} == '* welcome user1; here: host, user1' ]]
	[[ ${lines[1]} == '<host> hello' ]]
	wait_file_contains "$T/listen.out" 'user1 joined'
	[[ $(head -n1 "$T/listen.out") =~ ^\[[0-9:]{8}\]\ \*\ user1\ joined$ ]]
}
