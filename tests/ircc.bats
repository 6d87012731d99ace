#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr
# (SC2154); `load` hides the helpers' variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# chat-connect --irc (issue 14): an IRC client on stdin and stdout, in the
# room's line format.
#
# - "fake": tests/fakeircd.py, a scripted server that keeps the exact
#   bytes it got: registration order, nick retries, numerics, pacing,
#   injection, 512-byte limits, keepalive, a close with lines queued, -q.
# - "ngircd": the real thing (tests/irc_helper.bash), with ii and sic in
#   the channel; #locked (+k) and #invite (+i); flood limits on and a 5 s
#   ping time-out for the burst of 40 (whose 12 s an idle client spends
#   answering ngircd's PINGs); two servers linked.
# - "room": chat-listen --room, beside a plain chat-connect member: the
#   same lines. "tmux": chat-tmux connect --irc.
#
# Pacing: a test that does not measure it passes a small --irc-rate.
# ngircd 26.1 never disconnects a client for flooding (no "Excess Flood"
# there): past 3 commands at once, or 256 bytes in a second, it stops
# reading that client for a second (penalty) and then takes 3 commands a
# second, so flooding costs time, not the connection. The burst test uses
# --irc-rate 0.35 (under 3 lines a second, 80 bytes a second): ngircd then
# keeps up once the first burst of 5 is through and answers our QUIT at
# once, which a client that sent the 40 lines in one go would not see:
# its QUIT would wait ~12 s behind them, past chat-connect's 5 s wait for
# the close (checked: a build without pacing fails that test). The exact
# pacing (a burst of 5, then one line every SECS, default 2) is measured on
# the fake server.

load test_helper
load room_helper
load irc_helper

eval "ircc_prev_$(declare -f teardown)"
teardown() {
	if [ -n "${SOCK:-}" ] && [ -e "$T/.tmux" ]; then
		timeout 5 tmux -L "$SOCK" kill-server 2>/dev/null || true
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	fi
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${T:-}" ] && [ -d "$T" ]; then
		ircc_show
	fi
	ircc_prev_teardown
}

# ircc_show: the fake server's transcript and the ngircd logs (on a failure).
ircc_show() {
	local f
	for f in "$T/fake.log" "$T"/ng*.out "$T"/c*.out; do
		[ -s "$f" ] || continue
		echo "--- ${f#"$T"/}:"
		tail -n 25 "$f" | cut -c1-200
	done
}

### helpers of this file

NICK32=abcdefghijklmnopqrstuvwxyz012345 # the longest nick chat-connect takes

# out_has NAME ERE [SECS]: a line of NAME's stdout matches ERE.
out_has() {
	room_fast irc_wait "$1" "$T/$1.out" raw "$2" "${3:-5}"
}

# no_line FILE ERE: no line of FILE matches ERE.
no_line() {
	if grep -qE -- "$2" "$1" 2>/dev/null; then
		echo "unexpected line /$2/ in ${1#"$T"/}:" >&2
		grep -E -- "$2" "$1" | head -n 5 >&2
		return 1
	fi
}

# recv_before ERE: the lines fakeircd received before it sent a line
# matching ERE (ERE against the sent line).
recv_before() {
	local l
	while IFS= read -r l; do
		if [[ $l =~ ^\ *[0-9]+\ \>\ (.*)$ ]] && [[ ${BASH_REMATCH[1]} =~ $1 ]]; then
			return 0
		fi
		[[ $l =~ ^\ *[0-9]+\ \<\ (.*)$ ]] && printf '%s\n' "${BASH_REMATCH[1]}"
	done <"$T/fake.log"
	return 0
}

# recv_ms ERE: the time (ms, fakeircd's clock) of each received line
# matching ERE, one a line.
recv_ms() {
	local l ms
	while IFS= read -r l; do
		[[ $l =~ ^\ *([0-9]+)\ \<\ (.*)$ ]] || continue
		ms=${BASH_REMATCH[1]}
		[[ ${BASH_REMATCH[2]} =~ $1 ]] && echo "$ms"
	done <"$T/fake.log"
	return 0
}

# fake_reg: the start of most scripts: registration and the join.
FAKE_REG='expect USER .*
welcome
joined'

# cc_quit NAME [STATUS]: end NAME's stdin; it exits with STATUS (0).
cc_quit() {
	close_pipe "$1"
	expect_exit "${CC[$1]}" "${2:-0}" 10
}

# ircc_conf PORT DIR: the helper's ngircd configuration, plus #locked
# (+k sesame) and #invite (+i).
ircc_conf() {
	irc_ngircd_conf "$1" "$2"
	cat <<-'EOF'
		[Channel]
		Name = #locked
		Modes = +k sesame
		[Channel]
		Name = #invite
		Modes = +i
	EOF
}

# ircc_conf_flood PORT DIR: ngircd's flood limits on (its default:
# MaxPenaltyTime -1; the helper's configuration turns them off).
ircc_conf_flood() {
	irc_ngircd_conf "$1" "$2"
	printf '[Limits]\nMaxPenaltyTime = -1\n'
}

# ircc_conf_flood_ping PORT DIR: flood limits on, and ngircd PINGs after
# 5 s of silence and drops a client that has not answered 5 s later (5 is
# its lowest value).
ircc_conf_flood_ping() {
	ircc_conf_flood "$1" "$2"
	printf 'PingTimeout = 5\nPongTimeout = 5\n'
}

# ircc_conf_link NUMBER PORT DIR PEER_PORT: irc1.test connects to
# irc2.test, which only waits (Passive).
ircc_conf_link() {
	local me=$1 peer=2 passive=no
	[ "$me" = 1 ] || { peer=1 passive=yes; }
	irc_ngircd_conf "$2" "$3"
	cat <<-EOF
		[Global]
		Name = irc$me.test
		[Server]
		Name = irc$peer.test
		Host = 127.0.0.1
		Port = $4
		MyPassword = pass$me
		PeerPassword = pass$peer
		Passive = $passive
	EOF
}
ircc_conf_link1() { ircc_conf_link 1 "$@"; }
ircc_conf_link2() { ircc_conf_link 2 "$@"; }

# ii_in H PORT NICK: ii, in #room.
ii_in() {
	ii_start "$1" "$2" "$3"
	ii_say "$1" '' '/j #room'
	ii_got "$1" '#room' "^-!- $3\\(~$3@127\\.0\\.0\\.1\\) has joined #room\$"
}

### options

@test "usage: --nick, --channel, --password, --irc-rate without --irc, --irc with -C, and bad values: exit 2, nothing connected" {
	local a
	for a in "--nick bob" "--channel #x" "--password pw" "--irc-rate 1"; do
		# shellcheck disable=SC2086 # two words on purpose
		run_t 5 chat-connect $a 127.0.0.1 1
		assert_eq "$status" 2 "chat-connect $a (no --irc)"
		[[ $stderr == *"${a%% *} needs --irc"* ]] || { echo "stderr: $stderr" >&2; return 1; }
	done
	run_t 5 chat-connect --irc -C 127.0.0.1 1
	assert_eq "$status" 2 "--irc -C"
	[[ $stderr == *"-C"* ]]
	run_t 5 chat-connect -C --irc --nick bob 127.0.0.1 1
	assert_eq "$status" 2 "-C --irc"
	run_t 5 chat-connect --irc --nick 'two words' 127.0.0.1 1
	assert_eq "$status" 2 "--nick 'two words'"
	run_t 5 chat-connect --irc --nick "${NICK32}x" 127.0.0.1 1
	assert_eq "$status" 2 "a 33-byte nick"
	run_t 5 chat-connect --irc --channel room 127.0.0.1 1
	assert_eq "$status" 2 "--channel without #"
	run_t 5 chat-connect --irc --channel '#a,b' 127.0.0.1 1
	assert_eq "$status" 2 "--channel with a comma"
	run_t 5 chat-connect --irc --password $'pw\r\nQUIT' 127.0.0.1 1
	assert_eq "$status" 2 "--password with CR LF"
	run_t 5 chat-connect --irc --password '' 127.0.0.1 1
	assert_eq "$status" 2 "--password ''"
	run_t 5 chat-connect --irc --irc-rate fast 127.0.0.1 1
	assert_eq "$status" 2 "--irc-rate fast"
	# the same with --irc and good values: past the options, to the
	# connection (refused: 1)
	run_t 5 chat-connect --irc --nick bob --channel '#x' --password pw --irc-rate 0.5 127.0.0.1 1
	assert_eq "$status" 1 "good options, nobody listening"
}

### against the scripted server

@test "fake: registration: PASS from CHAT_IRC_PASSWORD (not in argv), NICK, USER, nothing else before 001; JOIN after it; the nick 001 gives is ours" {
	fake_start <<-'EOF'
		expect USER .*
		# time for a client that does not wait for 001 to show it
		sleep 0.4
		send :irc.fake 001 bobby :Welcome bobby
		expect JOIN (#\S+)
		send :bobby!u@127.0.0.1 JOIN {1}
		send :irc.fake 353 bobby = {1} :bobby @alice
		send :irc.fake 366 bobby {1} :End of NAMES list
		send :alice!a@127.0.0.1 PRIVMSG #room :hi bobby
		expect PRIVMSG #room :hello
		drain
	EOF
	CHAT_IRC_PASSWORD=s3cret-pw irc_cc c --nick bob 127.0.0.1 "$FAKE_PORT"
	out_has c '^<alice> hi bobby$'
	# ps shows no password
	if tr '\0' ' ' <"/proc/${CC[c]}/cmdline" | grep -q s3cret; then
		echo "the password is in chat-connect's argv" >&2
		return 1
	fi
	put c $'hello\n'
	fake_got '^PRIVMSG #room :hello$'
	cc_quit c
	fake_end
	recv_before '^:irc\.fake 001 ' >"$T/before"
	expect_transcript "$T/before" <<-'EOF'
		PASS s3cret-pw
		NICK bob
		~ USER bob * * :*
	EOF
	fake_recv >"$T/recv"
	expect_transcript "$T/recv" <<-'EOF'
		PASS s3cret-pw
		NICK bob
		~ USER bob * * :*
		JOIN #room
		PRIVMSG #room :hello
		~ QUIT*
	EOF
	# the welcome names the nick of 001; our own JOIN is no "joined" line
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome bobby; here: bobby, alice
		<alice> hi bobby
	EOF
}

@test "fake: 432 then 433 at registration: NICK_, NICK2, NICK3, NICK4 tried, then exit 1 with the server's reason" {
	fake_start <<-'EOF'
		expect NICK bob
		send :irc.fake 432 * bob :Erroneous nickname
		reply NICK\s(\S+) :irc.fake 433 * {1} :Nickname is already in use
		drain
	EOF
	irc_cc c --nick bob 127.0.0.1 "$FAKE_PORT"
	expect_exit "${CC[c]}" 1 5
	fake_end
	fake_recv >"$T/recv"
	expect_transcript "$T/recv" <<-'EOF'
		NICK bob
		~ USER bob *
		NICK bob_
		NICK bob2
		NICK bob3
		NICK bob4
		(end of file)
	EOF
	grep -qE '^chat-connect: .*bob4.*Nickname is already in use' "$T/c.err" || {
		cat "$T/c.err" >&2
		return 1
	}
	assert_empty "$T/c.out"
}

@test "fake: stdout in the room's format: lines, actions, private, notices, joins, parts and quits with reasons, nicks, kicks; names without @ and +" {
	fake_start <<-EOF
		$FAKE_REG {nick} @alice +bob carol
		send :alice!a@h PRIVMSG #room :hello there
		send :alice!a@h PRIVMSG #ROOM :case does not matter
		send :alice!a@h PRIVMSG #room :\\x01ACTION waves\\x01
		send :alice!a@h PRIVMSG #room :\\x01VERSION\\x01
		send :alice!a@h PRIVMSG {nick} :just for you
		send :alice!a@h NOTICE #room :a notice
		send :irc.fake NOTICE {nick} :a server notice
		send :dave!d@h JOIN #room
		send :dave!d@h JOIN #elsewhere
		send :dave!d@h PART #room
		send :carol!c@h PART #room :off to lunch
		send :bob!b@h QUIT :Quit: gone
		send :alice!a@h NICK alicia
		send :alicia!a@h KICK #room dave :behave
		send :alicia!a@h PRIVMSG #room :done
		expect PRIVMSG #room :end
		drain
	EOF
	irc_cc c --nick bob2 --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c '^<alicia> done$'
	put c $'end\n'
	fake_got '^PRIVMSG #room :end$'
	cc_quit c
	fake_end
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome bob2; here: bob2, alice, bob, carol
		<alice> hello there
		<alice> case does not matter
		* alice waves
		*alice* just for you
		-alice- a notice
		* dave joined
		* dave left
		* carol left (off to lunch)
		* bob left (Quit: gone)
		* alice is now alicia
		* dave was kicked
		<alicia> done
	EOF
}

@test "fake: numerics: errors on stderr as 'CODE NAME: reason' (--password sent as PASS), the MOTD not without -v" {
	fake_start <<-EOF
		$FAKE_REG
		send :irc.fake 401 {nick} ghost :No such nick/channel
		send :irc.fake 404 {nick} #room :Cannot send to channel
		send :irc.fake 421 {nick} FOO :Unknown command
		send :irc.fake 482 {nick} #room :You are not channel operator
		send :irc.fake 433 {nick} taken :Nickname is already in use
		send :irc.fake 332 {nick} #room :the topic
		expect PRIVMSG #room :end
		drain
	EOF
	irc_cc c --nick bob --password pw1 --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	cc_log c '^chat-connect: 433 taken: Nickname is already in use$'
	put c $'end\n'
	fake_got '^PRIVMSG #room :end$'
	cc_quit c
	fake_end
	grep -E '^chat-connect: [0-9]{3} ' "$T/c.err" >"$T/numerics"
	expect_transcript "$T/numerics" <<-'EOF'
		chat-connect: 401 ghost: No such nick/channel
		chat-connect: 404 #room: Cannot send to channel
		chat-connect: 421 FOO: Unknown command
		chat-connect: 482 #room: You are not channel operator
		chat-connect: 433 taken: Nickname is already in use
	EOF
	no_line "$T/c.err" 'fake motd|the topic|server notice'
	fake_recv | head -n 1 >"$T/first"
	assert_eq "$(cat "$T/first")" "PASS pw1" "the first line sent"
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome bob; here: bob
	EOF
}

@test "fake: -v shows the MOTD and what the server says on stderr" {
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :end
		drain
	EOF
	irc_cc c -v --nick bob --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c '^\* welcome bob; here: bob$'
	put c $'end\n'
	fake_got '^PRIVMSG #room :end$'
	cc_quit c
	fake_end
	cc_log c '^chat-connect: 372 - the fake motd$' 0
	cc_log c '^chat-connect: < :irc\.fake 372 bob :- the fake motd$' 0
}

@test "fake: pacing: a burst of 5, then a line every --irc-rate (0.3)" {
	seq -f 'line %g' 1 12 >"$T/in"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :line 12
		drain
	EOF
	irc_cc c --nick bob --irc-rate 0.3 127.0.0.1 "$FAKE_PORT"
	send_file_to c "$T/in"
	fake_got '^PRIVMSG #room :line 12$' 8
	cc_quit c
	fake_end
	mapfile -t at < <(recv_ms '^PRIVMSG #room :line ')
	assert_eq "${#at[@]}" 12 "lines received"
	check_pacing 300 "${at[@]}"
}

@test "fake: pacing by default: the 6th line 2 s after the burst of 5" {
	seq -f 'line %g' 1 6 >"$T/in"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :line 6
		drain
	EOF
	irc_cc c --nick bob 127.0.0.1 "$FAKE_PORT"
	send_file_to c "$T/in"
	fake_got '^PRIVMSG #room :line 6$' 5
	cc_quit c
	fake_end
	mapfile -t at < <(recv_ms '^PRIVMSG #room :line ')
	assert_eq "${#at[@]}" 6 "lines received"
	check_pacing 2000 "${at[@]}"
}

# send_file_to NAME FILE: FILE's bytes into NAME's held pipe.
send_file_to() {
	timeout 5 cp "$2" "$T/$1.fifo"
}

# check_pacing MS T1 T2 ...: arrival times of the lines of one burst: the
# first 5 together (within 500 ms), line k>5 no sooner than (k-5)*MS after
# the first (the token bucket; 100 ms allowed for the first one's own
# delay), and the whole not much later either.
check_pacing() {
	local ms=$1 k first last
	shift
	first=$1
	for ((k = 2; k <= 5 && k <= $#; k++)); do
		last=${!k}
		if [ $((last - first)) -gt 500 ]; then
			echo "line $k came $((last - first)) ms after the first: not in the burst; times: $*" >&2
			return 1
		fi
	done
	for ((k = 6; k <= $#; k++)); do
		last=${!k}
		if [ $((last - first)) -lt $(((k - 5) * ms - 100)) ]; then
			echo "line $k came $((last - first)) ms after the first, before $(((k - 5) * ms)); times: $*" >&2
			return 1
		fi
	done
	if [ $((last - first)) -gt $((($# - 5) * ms + 1500)) ]; then
		echo "the lines came too slowly: $((last - first)) ms for $# at $ms; times: $*" >&2
		return 1
	fi
}

@test "fake: a PING is answered at once, while lines wait for pacing and stdin is not read (backpressure)" {
	# 128 KiB of lines: more than the queue takes, so stdin waits
	seq -f 'queued line %058g' 1 2048 >"$T/in"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :queued line 0+5
		sleep 0.3
		send PING :tok-123
		expect PONG :?tok-123
		mark ponged
		waitfile go
		close
	EOF
	irc_cc c --nick bob --irc-rate 10 127.0.0.1 "$FAKE_PORT"
	spawn -i "$T/in" -o "$T/c.fifo" writer cat
	local writer=$SPAWNED
	room_poll 5 test -e "$T/ponged"
	# stdin was not read to its end: the writer still waits
	expect_alive "$writer"
	expect_alive "${CC[c]}"
	: >"$T/go"
	expect_exit "${CC[c]}" 1 5
	fake_end
	local ping pong
	ping=$(sed -nE 's/^ *([0-9]+) > PING :tok-123$/\1/p' "$T/fake.log")
	pong=$(sed -nE 's/^ *([0-9]+) < PONG :?tok-123$/\1/p' "$T/fake.log")
	[ -n "$ping" ] && [ -n "$pong" ]
	if [ $((pong - ping)) -gt 1000 ]; then
		echo "PONG came $((pong - ping)) ms after the PING" >&2
		return 1
	fi
	# still paced: the 5 of the burst, no more
	assert_eq "$(recv_ms '^PRIVMSG ' | wc -l)" 5 "lines sent"
	grep -qE '^chat-connect: .*closed the connection \([0-9]+ lines from stdin not sent\)$' "$T/c.err" || {
		cat "$T/c.err" >&2
		return 1
	}
}

@test "fake: the server closes with lines queued: exit 1, '5 lines from stdin not sent'" {
	seq -f 'line %g' 1 10 >"$T/in"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :line 5
		close
	EOF
	irc_cc c --nick bob --irc-rate 10 127.0.0.1 "$FAKE_PORT"
	send_file_to c "$T/in"
	expect_exit "${CC[c]}" 1 5
	fake_end
	cc_log c "^chat-connect: 127\\.0\\.0\\.1:$FAKE_PORT closed the connection \\(5 lines from stdin not sent\\)\$" 0
	assert_eq "$(recv_ms '^PRIVMSG #room :line ' | wc -l)" 5 "lines the server got"
}

@test "fake: -q after stdin's end: lines still queued when it runs out: exit 1 with their count" {
	seq -f 'line %g' 1 8 >"$T/in"
	fake_start <<-EOF
		$FAKE_REG
		drain
	EOF
	irc_cc c --nick bob --irc-rate 10 -q 0.5 127.0.0.1 "$FAKE_PORT"
	send_file_to c "$T/in"
	close_pipe c
	expect_exit "${CC[c]}" 1 5
	cc_log c '^chat-connect: 3 lines from stdin not sent$' 0
	fake_end
	assert_eq "$(recv_ms '^PRIVMSG #room :line ' | wc -l)" 5 "lines the server got"
}

@test "fake: -q after stdin's end bounds the wait for a server that never closes after QUIT: exit 0" {
	fake_start <<-EOF
		$FAKE_REG
		expect QUIT.*
		sleep 2
		close
	EOF
	irc_cc c --nick bob --irc-rate 0.01 -q 0.5 127.0.0.1 "$FAKE_PORT"
	out_has c '^\* welcome bob; here: bob$'
	put c $'one\ntwo\n'
	close_pipe c
	expect_exit "${CC[c]}" 0 2
	fake_end
	fake_recv | grep -E '^(PRIVMSG|QUIT)' >"$T/recv"
	expect_transcript "$T/recv" <<-'EOF'
		PRIVMSG #room :one
		PRIVMSG #room :two
		~ QUIT*
	EOF
}

@test "fake: keepalive: a silent server is PINGed after CHAT_IRC_PING; answered, the session stays; unanswered: exit 1 'no answer for N s'" {
	fake_start <<-EOF
		$FAKE_REG
		reply PING\s:?(.*) :irc.fake PONG irc.fake :{1}
		expect PING .*
		expect PING .*
		expect PING .*
		noreply
		drain
	EOF
	CHAT_IRC_PING=0.3 irc_cc c --nick bob 127.0.0.1 "$FAKE_PORT"
	expect_exit "${CC[c]}" 1 8
	fake_end
	assert_eq "$(recv_ms '^PING ' | wc -l)" 4 "PINGs sent (3 answered, 1 not)"
	# a PING after 0.3 s of silence, the end 0.15 s later (give or take)
	local secs
	secs=$(sed -nE "s/^chat-connect: 127\\.0\\.0\\.1:$FAKE_PORT: no answer for ([0-9.]+) s\$/\\1/p" "$T/c.err")
	awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 0.45 && s < 3) }' || {
		cat "$T/c.err" >&2
		return 1
	}
	# the rounds came 0.3 s apart each
	mapfile -t at < <(recv_ms '^PING ')
	[ $((at[3] - at[0])) -ge 850 ] || { echo "PINGs at ${at[*]} ms" >&2; return 1; }
}

@test "fake: CR, LF and NUL inside stdin lines, /me and /msg never make a second command: the exact bytes" {
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :end
		close
	EOF
	irc_cc c --nick bob --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c '^\* welcome bob; here: bob$'
	room_to_pipe c '%b' 'one\r\nQUIT :two\na\rQUIT :b\nc\0QUIT :d\n/me e\rQUIT :f\n'
	room_to_pipe c '%b' '/msg alice g\rQUIT :h\n/msg al\rice x\n/nick new\rQUIT\n//QUIT :i\n\r\n\n/kick alice\n/bogus\nend\n'
	expect_exit "${CC[c]}" 0 5
	fake_end
	# everything after the JOIN, byte for byte
	"$PYTHON" -c 'import sys
raw = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(raw.split(b"JOIN #room\r\n", 1)[1])' "$T/fake.raw" >"$T/sent"
	printf '%b' 'PRIVMSG #room :one\r\nPRIVMSG #room :QUIT :two\r\nPRIVMSG #room :aQUIT :b\r\n' >"$T/want"
	printf '%b' 'PRIVMSG #room :cQUIT :d\r\nPRIVMSG #room :\001ACTION eQUIT :f\001\r\n' >>"$T/want"
	printf '%b' 'PRIVMSG alice :gQUIT :h\r\nPRIVMSG #room :/QUIT :i\r\nPRIVMSG #room :end\r\n' >>"$T/want"
	if ! cmp -s "$T/want" "$T/sent"; then
		echo "sent after the JOIN:" >&2
		cat -v "$T/sent" >&2
		return 1
	fi
	"$PYTHON" "$FAKEIRCD" check "$T/fake.raw" bob >/dev/null
	cc_log c '^chat-connect: usage: /msg NAME text$' 0
	cc_log c '^chat-connect: usage: /nick NAME' 0
	cc_log c '^chat-connect: unknown command /kick' 0
	cc_log c '^chat-connect: unknown command /bogus' 0
}

@test "fake: /msg NAME: a 50-byte name goes whole; a 150-byte one is refused, nothing sent (it once sent bytes of chat-connect's stack)" {
	local n50 n150
	n50=$(printf 'y%.0s' {1..50})
	n150=$(printf 'x%.0s' {1..150})
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :end
		close
	EOF
	irc_cc c --nick bob --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c '^\* welcome bob; here: bob$'
	put c "/msg $n50 hi"$'\n'"/msg $n150 hi"$'\nend\n'
	expect_exit "${CC[c]}" 0 5
	fake_end
	"$PYTHON" -c 'import sys
raw = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(raw.split(b"JOIN #room\r\n", 1)[1])' "$T/fake.raw" >"$T/sent"
	printf 'PRIVMSG %s :hi\r\nPRIVMSG #room :end\r\n' "$n50" >"$T/want"
	if ! cmp -s "$T/want" "$T/sent"; then
		echo "sent after the JOIN:" >&2
		cat -v "$T/sent" >&2
		return 1
	fi
	cc_log c '^chat-connect: usage: /msg NAME text$' 0
}

@test "fake: CHAT_IRC_PASSWORD with CR LF in it: refused, never a second command (as --password)" {
	fake_start <<-'EOF'
		expect USER .*
		sleep 0.3
		welcome
		joined
		expect QUIT.*
		close
	EOF
	CHAT_IRC_PASSWORD=$'pw\r\nJOIN #secret' irc_cc c --nick bob 127.0.0.1 "$FAKE_PORT"
	wait_exit "${CC[c]}" 5 || true
	assert_eq "$EXIT_STATUS" 1 "chat-connect's exit"
	cc_log c '^chat-connect: CHAT_IRC_PASSWORD: ' 0
	if fake_has '^JOIN #secret$'; then
		echo "the server got 'JOIN #secret' from the password:" >&2
		fake_recv >&2
		return 1
	fi
	# never connected
	[ ! -s "$T/fake.log" ]
}

@test "fake: long lines (2,000 bytes of UTF-8 as text, /me and /msg) with a 32-byte nick: each message fits 512 with the server's prefix, no character cut, nothing lost" {
	"$PYTHON" -c 'import sys
unit = "a\u00e9\u20ac\U0001d11e"   # 1, 2, 3 and 4 bytes
line = (unit * 250).encode()[:2000]
while True:
    try:
        line.decode(); break
    except UnicodeDecodeError:
        line = line[:-1]
open(sys.argv[1], "wb").write(line + b"\n")' "$T/plain"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :end
		close
	EOF
	irc_cc c --nick "$NICK32" --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c "^\\* welcome $NICK32; here: $NICK32\$"
	{
		cat "$T/plain"
		printf '/me '
		cat "$T/plain"
		printf '/msg alice '
		cat "$T/plain"
		echo end
	} >"$T/in"
	send_file_to c "$T/in"
	expect_exit "${CC[c]}" 0 10
	fake_end
	# the channel's texts: the line, then "end"
	head -c -1 "$T/plain" >"$T/chan"
	printf 'end\n' >>"$T/chan"
	run "$PYTHON" "$FAKEIRCD" check "$T/fake.raw" "$NICK32" '#room' "$T/chan"
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	[[ $output == "messages "*" pieces "* ]]
	local n=${output##* }
	[ "$n" -ge 7 ] || { echo "the 2,000 bytes came in $((n - 1)) messages" >&2; return 1; }
	run "$PYTHON" "$FAKEIRCD" check "$T/fake.raw" "$NICK32" '#room' "$T/plain" action
	[ "$status" = 0 ] || { echo "/me: $output" >&2; return 1; }
	run "$PYTHON" "$FAKEIRCD" check "$T/fake.raw" "$NICK32" alice "$T/plain"
	[ "$status" = 0 ] || { echo "/msg: $output" >&2; return 1; }
}

@test "fake: a 9,000-byte line of UTF-8 (past the 8 KiB line buffer): nothing lost, no character cut" {
	"$PYTHON" -c 'import sys
big = ("z" + "a\u00e9\u20ac\U0001d11e" * 1000).encode()[:9000]
while True:
    try:
        big.decode(); break
    except UnicodeDecodeError:
        big = big[:-1]
open(sys.argv[1], "wb").write(big + b"\n")' "$T/big"
	fake_start <<-EOF
		$FAKE_REG
		expect PRIVMSG #room :end
		close
	EOF
	irc_cc c --nick bob --irc-rate 0.01 127.0.0.1 "$FAKE_PORT"
	out_has c '^\* welcome bob; here: bob$'
	{
		cat "$T/big"
		echo end
	} >"$T/in"
	head -c -1 "$T/big" >"$T/want"
	printf 'end\n' >>"$T/want"
	send_file_to c "$T/in"
	expect_exit "${CC[c]}" 0 10
	fake_end
	run "$PYTHON" "$FAKEIRCD" check "$T/fake.raw" bob '#room' "$T/want"
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
}

@test "fake: over IPv6 (::1)" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6"
	fake_start -6 <<-EOF
		$FAKE_REG
		send :alice!a@h PRIVMSG #room :over six
		expect PRIVMSG #room :back
		drain
	EOF
	irc_cc c -6 --nick bob --irc-rate 0.01 ::1 "$FAKE_PORT"
	out_has c '^<alice> over six$'
	put c $'back\n'
	fake_got '^PRIVMSG #room :back$'
	cc_quit c
	fake_end
}

### against ngircd

@test "ngircd: joins #room; lines and /me both ways with ii; joins, parts, nicks and quits as room lines" {
	irc_need ii sic
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	ii_in i "$p" ii1
	irc_cc c --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	out_has c '^\* welcome alice; here: (alice, ii1|ii1, alice)$'
	ii_got i '#room' '^-!- alice\(~alice@127\.0\.0\.1\) has joined #room$'
	put c $'hello from chat-connect\n'
	ii_got i '#room' '^<alice> hello from chat-connect$'
	ii_say i '#room' 'hello from ii'
	cc_got c '<ii1> hello from ii'
	put c $'/me waves\n'
	ii_got i '#room' $'^<alice> \001ACTION waves\001$'
	ii_say i '#room' $'\001ACTION dances\001'
	cc_got c '* ii1 dances'
	# others come, rename, go
	sic_start s "$p" sic1
	sic_say s ':j #room'
	cc_got c '* sic1 joined'
	sic_say s ':l #room see you'
	cc_got c '* sic1 left (see you)'
	ii_say i '' '/n ii2'
	cc_got c '* ii1 is now ii2'
	ii_say i '#room' 'renamed'
	cc_got c '<ii2> renamed'
	ii_say i '' '/q ii out'
	out_has c '^\* ii2 left \("?ii out"?\)$'
	cc_quit c
	no_line "$T/c.err" '^chat-connect: [0-9]{3} '
}

@test "ngircd: private messages both ways with ii; not in the channel" {
	irc_need ii
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	ii_in i "$p" ii1
	irc_cc c --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	ii_got i '#room' '^-!- alice\(~alice@127\.0\.0\.1\) has joined #room$'
	put c $'/msg ii1 psst ii\n'
	ii_got i alice '^<alice> psst ii$'
	ii_say i alice 'psst alice'
	cc_got c '*ii1* psst alice'
	# a channel line after them: nobody else had them
	put c $'public\n'
	ii_got i '#room' '^<alice> public$'
	ii_say i '#room' 'public too'
	cc_got c '<ii1> public too'
	irc_not ii_has i '#room' psst
	no_line "$T/c.out" '^<ii1> psst'
	cc_quit c
}

@test "ngircd: nick collision: a second chat-connect --nick alice is alice_; both talk" {
	irc_need ngircd
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	irc_cc c1 --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	out_has c1 '^\* welcome alice; here: alice$'
	irc_cc c2 --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	out_has c2 '^\* welcome alice_; here: (alice_, alice|alice, alice_)$'
	cc_log c2 '^chat-connect: nick alice: .*; trying alice_$' 0
	cc_got c1 '* alice_ joined'
	put c2 $'hi from the second\n'
	cc_got c1 '<alice_> hi from the second'
	put c1 $'hi from the first\n'
	cc_got c2 '<alice> hi from the first'
	cc_quit c2
	out_has c1 '^\* alice_ left \("?bye"?\)$'
	cc_quit c1
}

@test "ngircd: a 2,000-byte line of multi-byte UTF-8 arrives whole and in order as several messages (ii puts them together)" {
	irc_need ii
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	"$PYTHON" -c 'import sys
line = ("a\u00e9\u20ac\U0001d11e" * 200).encode()
assert len(line) == 2000
open(sys.argv[1], "wb").write(line + b"\n")' "$T/long"
	ii_in i "$p" ii1
	irc_cc c --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	ii_got i '#room' '^-!- alice\(~alice@127\.0\.0\.1\) has joined #room$'
	send_file_to c "$T/long"
	put c $'after the long line\n'
	ii_dir i '#room'
	ii_got i '#room' '^<alice> after the long line$' 10
	# ii's lines "TIME <alice> TEXT": the texts before the marker, joined
	"$PYTHON" -c 'import sys
want = open(sys.argv[2], "rb").read().rstrip(b"\n")
pieces = []
for l in open(sys.argv[1], "rb").read().split(b"\n"):
    t = l.split(b" ", 1)[1] if b" " in l else b""
    if t == b"<alice> after the long line":
        break
    if t.startswith(b"<alice> "):
        pieces.append(t[8:])
for i, p in enumerate(pieces):
    p.decode("utf-8")    # no character cut
got = b"".join(pieces)
if got != want or len(pieces) < 5:
    sys.exit("%d pieces, %d bytes: not the line" % (len(pieces), len(got)))' "$II_DIR/out" "$T/long"
	cc_quit c
	no_line "$T/c.err" '^chat-connect: [0-9]{3} '
}

@test "ngircd: stdin's end: every line delivered, then QUIT, exit 0" {
	irc_need ngircd
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	irc_cc o --nick obs --irc-rate 0.05 127.0.0.1 "$p"
	out_has o '^\* welcome obs; here: obs$'
	seq -f 'last words %g' 1 12 >"$T/in"
	irc_cc c --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	cc_got o '* alice joined'
	send_file_to c "$T/in"
	close_pipe c
	expect_exit "${CC[c]}" 0 10
	out_has o '^\* alice left'
	{
		echo '* welcome obs; here: obs'
		echo '* alice joined'
		sed 's/^/<alice> /' "$T/in"
		echo '~ \* alice left (*bye*)'
	} >"$T/want"
	expect_transcript "$T/o.out" <"$T/want"
	# ngircd's ERROR, its answer to the QUIT, came; nothing went wrong
	cc_log c "^chat-connect: 127\\.0\\.0\\.1:$p: .*bye" 0
	no_line "$T/c.err" '^chat-connect: [0-9]{3} |not sent'
	cc_quit o
}

@test "ngircd: a join refused: +k and +i channels: the reason on stderr, exit 1" {
	irc_need ngircd
	ngircd_run ng ircc_conf
	local p=${NG_PORT[ng]}
	irc_cc k --nick alice --channel '#locked' --irc-rate 0.05 127.0.0.1 "$p"
	expect_exit "${CC[k]}" 1 5
	cc_log k '^chat-connect: cannot join #locked: .*\(\+k\)' 0
	irc_cc v --nick bob --channel '#invite' --irc-rate 0.05 127.0.0.1 "$p"
	expect_exit "${CC[v]}" 1 5
	cc_log v '^chat-connect: cannot join #invite: .*\(\+i\)' 0
	assert_empty "$T/k.out"
	assert_empty "$T/v.out"
}

@test "ngircd: --retry until the server is up; SIGTERM: QUIT sent, exit 143" {
	irc_need ngircd
	irc_free_port
	local p=$IRC_FREE rc=0
	# nobody listens yet: --retry keeps chat-connect trying
	irc_cc c --retry 5 --nick alice --irc-rate 0.05 127.0.0.1 "$p"
	room_poll 0.3 test -s "$T/c.out" && { echo "output before the server" >&2; return 1; }
	ngircd_spawn ng "$p" ircc_conf || rc=$?
	[ "$rc" != 2 ] || skip "port $p taken meanwhile"
	[ "$rc" = 0 ]
	out_has c '^\* welcome alice; here: alice$'
	irc_cc o --nick obs --irc-rate 0.05 127.0.0.1 "$p"
	cc_got c '* obs joined'
	kill -TERM "${CC[c]}"
	expect_exit "${CC[c]}" 143 5
	out_has o '^\* alice left \("?interrupted"?\)$'
	cc_quit o
}

@test "ngircd (flood limits on, ping time-out 5 s): a burst of 40 lines arrives complete and in order, no kill, QUIT answered at once; meanwhile an idle chat-connect answers every PING and stays, a client that does not is dropped" {
	irc_need ngircd nc
	ngircd_run ng ircc_conf_flood_ping
	local p=${NG_PORT[ng]} pings
	irc_cc o -v --nick obs --irc-rate 0.05 127.0.0.1 "$p"
	out_has o '^\* welcome obs; here: obs$'
	# a raw client that never answers a PING: ngircd's time-out is real
	hold_pipe mute
	spawn -i "$REPLY" mute nc 127.0.0.1 "$p"
	put mute $'NICK mute\r\nUSER mute 0 * :mute\r\nJOIN #room\r\n'
	cc_got o '* mute joined'
	seq -f 'burst %03g' 1 40 >"$T/in"
	irc_cc c --nick alice --irc-rate 0.35 127.0.0.1 "$p"
	cc_got o '* alice joined'
	send_file_to c "$T/in"
	close_pipe c
	# 5 at once, 35 at 0.35 s: 12 s (unpaced, ngircd's ~3 lines a second
	# would hold our QUIT past chat-connect's 5 s wait)
	expect_exit "${CC[c]}" 0 30
	out_has o '^\* alice left'
	{
		echo '* welcome obs; here: obs'
		echo '* alice joined'
		sed 's/^/<alice> /' "$T/in"
		echo '~ \* alice left (*bye*)'
	} >"$T/want"
	grep -v mute "$T/o.out" >"$T/got"
	expect_transcript "$T/got" <"$T/want"
	# ngircd's ERROR, its answer to QUIT, reached chat-connect: ngircd had
	# no line of ours waiting behind a penalty
	cc_log c "^chat-connect: 127\\.0\\.0\\.1:$p: .*bye" 0
	no_line "$T/c.err" '^chat-connect: [0-9]{3} |not sent|[Ff]lood|exhausted'
	# the idle observer: PINGed every 5 s or so, each answered, still
	# there; the mute client was dropped
	pings=$(count_lines "$T/o.err" '^chat-connect: < PING ')
	[ "$pings" -ge 2 ] || { echo "ngircd PINGed obs $pings times in 12 s" >&2; return 1; }
	assert_eq "$(count_lines "$T/o.err" '^chat-connect: > PONG ')" "$pings" "PONGs for the PINGs"
	cc_got o '* mute left (Ping timeout: 5 seconds)' 0
	expect_alive "${CC[o]}"
	irc_cc d --nick dave --irc-rate 0.05 127.0.0.1 "$p"
	out_has d '^\* welcome dave; here: '
	put o $'still here\n'
	cc_got d '<obs> still here'
	cc_quit o
	cc_quit d
}

@test "ngircd network: two servers linked; one chat-connect on each: lines, /me, /msg, joins, nick changes and quits cross the link" {
	irc_need ngircd
	ngircd_linked ircc_conf_link1 ircc_conf_link2
	irc_cc c1 --nick alice --irc-rate 0.05 127.0.0.1 "${NG_PORT[ng1]}"
	out_has c1 '^\* welcome alice; here: alice$'
	irc_cc c2 --nick bob --irc-rate 0.05 127.0.0.1 "${NG_PORT[ng2]}"
	out_has c2 '^\* welcome bob; here: '
	# alice in bob's welcome, or (her JOIN still crossing the link) just
	# after it
	out_has c2 '^(\* welcome bob; here: (.*, )?alice(, .*)?|\* alice joined)$'
	cc_got c1 '* bob joined'
	put c1 $'hello from irc1\n'
	cc_got c2 '<alice> hello from irc1'
	put c2 $'hello from irc2\n'
	cc_got c1 '<bob> hello from irc2'
	put c2 $'/me waves\n'
	cc_got c1 '* bob waves'
	put c1 $'/msg bob psst\n'
	cc_got c2 '*alice* psst'
	put c2 $'/nick robert\n'
	cc_got c1 '* bob is now robert'
	cc_got c2 '* bob is now robert'
	put c2 $'as robert\n'
	cc_got c1 '<robert> as robert'
	cc_quit c2
	out_has c1 '^\* robert left'
	cc_quit c1
}

### against chat-listen --room: the same lines as a plain member's

@test "room: chat-connect --irc in chat-listen --room sees the conversation as a plain chat-connect member does, line for line" {
	start_room
	join p -k cc
	irc_cc c --nick ircbob --irc-rate 0.05 127.0.0.1 "$PORT"
	out_has c '^\* welcome ircbob; here: '
	got p '* ircbob joined'
	join a
	cc_got c '* user2 joined'
	got p '* user2 joined'
	# the host's lines and a member's reach the room by different ways:
	# each is seen before the other's next, so the order is the test's
	say host 'hello all'
	cc_got c '<host> hello all'
	say a 'from user2'
	say a '/me waves'
	say a '/nick ann'
	cc_got c '* user2 is now ann'
	say host '/msg ircbob secret for irc'
	say host '/msg user1 secret for plain'
	got p '*host* secret for plain'
	cc_got c '*host* secret for irc'
	# and the other way: the IRC member's lines as everyone sees them
	put c $'from irc\n/me dances\n/msg user1 psst\n'
	got p '*ircbob* psst'
	got host '* ircbob dances'
	got p '<ircbob> from irc'
	got p '* ircbob dances'
	expect_transcript "$T/c.out" <<-'EOF2'
		* welcome ircbob; here: host, user1, ircbob
		* user2 joined
		<host> hello all
		<user2> from user2
		* user2 waves
		* user2 is now ann
		*host* secret for irc
	EOF2
	expect_transcript "$T/p.out" <<-'EOF2'
		* welcome user1; here: host, user1
		* ircbob joined
		* user2 joined
		<host> hello all
		<user2> from user2
		* user2 waves
		* user2 is now ann
		*host* secret for plain
		<ircbob> from irc
		* ircbob dances
		*ircbob* psst
	EOF2
	cc_quit c
	got p '* ircbob left'
	close_room
}

@test "room: a plain member leaving: '* user2 left' to chat-connect --irc as to a plain member (the room's IRC QUIT says 'left')" {
	start_room
	join p -k cc
	irc_cc c --nick ircbob --irc-rate 0.05 127.0.0.1 "$PORT"
	got p '* ircbob joined'
	join a
	cc_got c '* user2 joined'
	leave a
	got p '* user2 left'
	say host 'after'
	got p '<host> after'
	cc_got c '<host> after'
	expect_transcript "$T/c.out" <<-'EOF2'
		* welcome ircbob; here: host, user1, ircbob
		* user2 joined
		* user2 left
		<host> after
	EOF2
}

### chat-tmux

@test "tmux: chat-tmux connect --irc: the welcome, the others' lines stamped, yours marked and sent, /me; the room closing keeps the window" {
	need tmux
	start_room
	SOCK=ircc$$-$BATS_TEST_NUMBER
	: >"$T/.tmux"
	export CHAT_TMUX_SOCKET=$SOCK CHAT_TMUX_SESSION=ircc$$ CHAT_TMUX_DETACH=1
	export HOME=$T XDG_CONFIG_HOME=$T/.config
	unset TMUX TMUX_PANE
	local stamp='\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] ' view input
	run_t 10 chat-tmux connect --irc --nick tmx --irc-rate 0.05 127.0.0.1 "$PORT"
	assert_eq "$status" 0 "chat-tmux connect --irc"
	view=$(tmux -L "$SOCK" list-panes -t "=$CHAT_TMUX_SESSION" -F '#{pane_title} #{pane_id}' | awk '$1 == "messages" { print $2 }')
	input=$(tmux -L "$SOCK" list-panes -t "=$CHAT_TMUX_SESSION" -F '#{pane_title} #{pane_id}' | awk '$1 == "input" { print $2 }')
	[ -n "$view" ] && [ -n "$input" ]
	tmux_shows "$view" "^${stamp}\\* welcome tmx; here: host, tmx\$"
	got host '* tmx joined'
	say host 'hi tmux'
	tmux_shows "$view" "^${stamp}<host> hi tmux\$"
	tmux -L "$SOCK" send-keys -t "$input" 'hello room' Enter
	got host '<tmx> hello room'
	tmux_shows "$view" "^${stamp}> hello room\$"
	tmux -L "$SOCK" send-keys -t "$input" '/me waves' Enter
	got host '* tmx waves'
	join a
	tmux_shows "$view" "^${stamp}\\* user1 joined\$"
	say a 'and a plain member'
	tmux_shows "$view" "^${stamp}<user1> and a plain member\$"
	# the host closes the room: the window stays until Enter
	say host /quit
	tmux_shows "$view" '^chat-tmux: peer left; press Enter to close$'
	tmux -L "$SOCK" has-session -t "=$CHAT_TMUX_SESSION"
	tmux -L "$SOCK" send-keys -t "$input" Enter
	room_poll 5 tmux_gone || { echo "the session is still there" >&2; return 1; }
}

# tmux_shows PANE ERE: within 5 s the pane shows a line matching ERE.
tmux_shows() {
	if ! wait_for -t 5 tmux_pane_has "$1" "$2"; then
		echo "--- pane $1:" >&2
		tmux -L "$SOCK" capture-pane -p -J -S - -t "$1" >&2 || true
		return 1
	fi
}

tmux_pane_has() {
	tmux -L "$SOCK" capture-pane -p -J -S - -t "$1" | grep -qE -- "$2"
}

tmux_gone() {
	! tmux -L "$SOCK" has-session -t "=$CHAT_TMUX_SESSION" 2>/dev/null
}
