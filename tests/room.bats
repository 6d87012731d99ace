#!/usr/bin/env bats
# shellcheck shell=bash
# chat-listen --room: names, relay, announcements, commands, kick, room
# full, escaping, line assembly, closing the room, options.
#
# Each test compares whole transcripts: what every member and the host's
# stdout received, line for line, once the room is closed (or the member
# gone). The waits in between only fix the order of events.

load test_helper
load room_helper

@test "room: three members (py, chat-connect, nc): welcome, joined, relay, no echo, left, exact" {
	start_room
	join a -k nc
	join b -k cc
	got a "* user2 joined"
	join c
	got_all "* user3 joined" a b
	say a "one from a"
	say a "two from a"
	say a "three from a"
	got_all "<user1> three from a" b c host
	say b "from b"
	got_all "<user2> from b" a c host
	say c "from c"
	got_all "<user3> from c" a b host
	leave c
	got_all "* user3 left" a b host
	gone c
	# the log while the room is open
	cp "$T/room.err" "$T/log.open"
	say host "hello all"
	got_all "<host> hello all" a b
	say b /who
	got b "* here: host, user1, user2"
	close_room
	got_all "* room closed" a b

	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* user3 joined
		<user2> from b
		<user3> from c
		* user3 left
		<host> hello all
		* room closed
	EOF
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* user3 joined
		<user1> one from a
		<user1> two from a
		<user1> three from a
		<user3> from c
		* user3 left
		<host> hello all
		* here: host, user1, user2
		* room closed
	EOF
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user3; here: host, user1, user2, user3
		<user1> one from a
		<user1> two from a
		<user1> three from a
		<user2> from b
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		* user3 joined
		<user1> one from a
		<user1> two from a
		<user1> three from a
		<user2> from b
		<user3> from c
		* user3 left
	EOF
	expect_transcript "$T/log.open" <<-EOF
		chat-listen: listening on 127.0.0.1:$PORT
		~ chat-listen: user1 connected from 127.0.0.1:[0-9]*
		~ chat-listen: user2 connected from 127.0.0.1:[0-9]*
		~ chat-listen: user3 connected from 127.0.0.1:[0-9]*
		chat-listen: user3 disconnected
	EOF
}

@test "room: /nick renames: everyone, the renamer too, sees '* OLD is now NEW'; logged" {
	start_room
	join a
	join b
	got a "* user2 joined"
	say a "/nick alice"
	got_all "* user1 is now alice" a b host
	say b "hi alice"
	got a "<user2> hi alice"
	say b "/nick bob"
	got_all "* user2 is now bob" a b host
	say a "from alice"
	got_all "<alice> from alice" b host
	say a /who
	got a "* here: host, alice, bob"
	join c
	got_all "* user3 joined" a b host
	close_room
	gone a
	gone b
	gone c

	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* user1 is now alice
		<user2> hi alice
		* user2 is now bob
		* here: host, alice, bob
		* user3 joined
		* room closed
	EOF
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* user1 is now alice
		* user2 is now bob
		<alice> from alice
		* user3 joined
		* room closed
	EOF
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user3; here: host, alice, bob, user3
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		* user1 is now alice
		<user2> hi alice
		* user2 is now bob
		<alice> from alice
		* user3 joined
	EOF
	log_has "chat-listen: user1 is now alice"
	log_has "chat-listen: user2 is now bob"
}

@test "room: lines and commands sent in one write keep their order (relayed lines go out in batches)" {
	start_room
	join a
	join b
	got a "* user2 joined"
	send_fmt a 'one\ntwo\n/nick ann\nthree\n/quit\n'
	got b "* ann left"
	gone a
	got host "* ann left"
	close_room
	gone b
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		<user1> one
		<user1> two
		* user1 is now ann
		<ann> three
		* ann left
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		<user1> one
		<user1> two
		* user1 is now ann
		<ann> three
		* ann left
	EOF
}

# strace_attached: the strace spawned as "strace" has attached.
strace_attached() {
	grep -q 'attached' "$T/strace.err" 2>/dev/null
}

# burst_writes FROM NAME: FROM (a member or the host) sends 2000 lines, 42
# KB, in one write while strace watches the room; member b must get them
# all, in order, as "<NAME> ...", in one or two writes to its socket.
burst_writes() {
	local n
	seq -f 'L%05g xxxxxxxxxxxxx' 1 2000 >"$T/burst" # 21 bytes a line
	# attached to the running room, so the room's own PID stays tracked
	spawn strace strace -e trace=write,writev -o "$T/trace" -p "$RPID"
	room_poll 5 strace_attached || skip "strace cannot attach here: $(cat "$T/strace.err")"
	send_file "$1" "$T/burst"
	got b "<$2> L02000 xxxxxxxxxxxxx"
	kill -TERM "$SPAWNED"
	wait_exit "$SPAWNED" 5 || true
	# every line, in order, once
	sed "s/^/<$2> /" "$T/burst" >"$T/want"
	grep "^<$2> L" "$T/b.out" >"$T/b.burst" || true
	assert_same "$T/want" "$T/b.burst"
	# writes to members' sockets (not the host's stdout, fd 1) carrying it
	n=$(grep -E '^writev?\(([3-9]|[1-9][0-9]+),' "$T/trace" | grep -c "<$2> L" || true)
	if [ "$n" -lt 1 ] || [ "$n" -gt 2 ]; then
		echo "the burst went to b in $n writes; trace:" >&2
		cut -c1-160 "$T/trace" >&2
		return 1
	fi
}

@test "room: a member's 42 KB burst goes to another member in one or two writes, not one per 8 KiB read" {
	need strace
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	start_room --max-rate 0 # no flood guard: the burst is the point
	join a
	join b
	got a "* user2 joined"
	burst_writes a user1
	close_room
}

@test "room: the host's 42 KB burst goes to a member in one or two writes" {
	need strace
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	start_room
	join b
	got host "* user1 joined"
	burst_writes host host
	close_room
}

@test "room: one pass queues at most 32 KiB per sender: lines escaping makes 4 times as long are read one 8 KiB read per pass" {
	need strace
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	start_room --max-rate 0
	join a
	join b
	got a "* user2 joined"
	spawn strace strace -e trace=read,select,pselect6 -o "$T/trace" -p "$RPID"
	room_poll 5 strace_attached || skip "strace cannot attach here: $(cat "$T/strace.err")"
	# 4 lines of 8191 bytes 0x80 in one write: each is shown as 32,764
	printf '\x80%.0s' $(seq 8191) >"$T/line"
	printf '\n' >>"$T/line"
	cat "$T/line" "$T/line" "$T/line" "$T/line" >"$T/burst"
	send_file a "$T/burst"
	room_poll 5 b_has_escaped_lines 4
	kill -TERM "$SPAWNED"
	wait_exit "$SPAWNED" 5 || true
	# every read that took burst bytes came right after a select(): none
	# right after another (strace shows 0x80 as \200)
	awk '/^p?select/ { sel = 1 } /^read\([0-9]+, "\\200/ && / = [1-9][0-9]*$/ {
		reads++; if (!sel) back2back++; sel = 0 }
		END { printf "%d %d\n", reads, back2back }' "$T/trace" >"$T/counts"
	read -r reads b2b <"$T/counts"
	[ "$reads" -ge 4 ] || { echo "only $reads reads of the burst traced" >&2; return 1; }
	assert_eq "$b2b" 0 "reads of the burst with no select() before them"
	close_room
}

# b_has_escaped_lines N: b received N lines of user1's 0x80 bytes, shown.
b_has_escaped_lines() {
	[ "$(grep -c '^<user1> \\x80\\x80' "$T/b.out" 2>/dev/null)" -ge "$1" ]
}

@test "room: the host's stdin is read only when ready: after exactly 8192 bytes from it, members still chat" {
	start_room
	join a
	join b
	got a "* user2 joined"
	# 128 lines of 64 bytes: one full read; a second read would block
	seq -f 'h%062g' 1 128 >"$T/host8k"
	send_file host "$T/host8k"
	got b "<host> h$(printf '%062d' 128)"
	say a 'still moving'
	got b '<user1> still moving'
	close_room
}

@test "room: /nick rules: bad characters, 33 long, empty, taken ignoring case, the host's name" {
	local n32=Aa0_-.bcdefghijklmnopqrstuvwxyz9 n33
	n33=${n32}Z
	assert_eq "${#n32}" 32 "length of the 32-character nick"
	start_room
	join a
	join b
	got a "* user2 joined"
	say b "/nick Bob"
	got_all "* user2 is now Bob" a host
	say a "/nick bad!name"
	say a "/nick two words"
	say a "/nick caf"$'\xc3\xa9'
	say a "/nick $n33"
	say a "/nick"
	say a "/nick BOB"
	say a "/nick bob"
	say a "/nick HOST"
	say a "/nick host"
	say a "/nick $n32"
	got_all "* user1 is now $n32" a b host
	say b /who
	got b "* here: host, $n32, Bob"
	close_room
	gone a
	gone b

	# every refusal goes to the asker alone, and changes nothing
	expect_transcript "$T/a.out" <<-EOF
		* welcome user1; here: host, user1
		* user2 joined
		* user2 is now Bob
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		~ \\* error: *
		* user1 is now $n32
		* room closed
	EOF
	expect_transcript "$T/b.out" <<-EOF
		* welcome user2; here: host, user1, user2
		* user2 is now Bob
		* user1 is now $n32
		* here: host, $n32, Bob
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-EOF
		* user1 joined
		* user2 joined
		* user2 is now Bob
		* user1 is now $n32
	EOF
}

@test "room: member numbers: never reused; one taken by a /nick is skipped" {
	start_room
	join a
	say a "/nick user2"
	got_all "* user1 is now user2" a host
	join b
	got a "* user3 joined"
	leave b
	got a "* user3 left"
	gone b
	join c
	got a "* user4 joined"
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user3; here: host, user2, user3
	EOF
	close_room
	gone c
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user4; here: host, user2, user4
		* room closed
	EOF
}

@test "room: /who, /help, //text, unknown commands (a member's /kick too) answer the asker only" {
	start_room
	join a
	join b
	got a "* user2 joined"
	say a /who
	say a /help
	say a //slash
	say a "/frob x"
	say a "/kick user2"
	say a "last"
	got_all "<user1> last" b host
	close_room
	gone a
	gone b

	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* here: host, user1, user2
		~ \* commands:*
		* error: unknown command /frob (try /help)
		* error: unknown command /kick (try /help)
		* room closed
	EOF
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		<user1> /slash
		<user1> last
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		<user1> /slash
		<user1> last
	EOF
}

@test "room: the host's /who, /help, //text, unknown command and /nick; replies on its stdout" {
	start_room
	join a
	say host /who
	got host "* here: host, user1"
	say host /help
	say host //root
	got a "<host> /root"
	say host /frob
	got host "* error: unknown command /frob (try /help)"
	say host "/nick boss"
	got_all "* host is now boss" a host
	say host back
	got a "<boss> back"
	say a "/nick BOSS"
	say a "/nick host"
	got_all "* user1 is now host" a host
	say host /who
	got host "* here: boss, host"
	close_room
	gone a

	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* here: host, user1
		~ \* commands:*
		* error: unknown command /frob (try /help)
		* host is now boss
		* user1 is now host
		* here: boss, host
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		<host> /root
		* host is now boss
		<boss> back
		~ \* error: *
		* user1 is now host
		* room closed
	EOF
}

@test "room: --name NAME: the host's name in welcome, relay and /who; reserved ignoring case" {
	start_room --name Boss
	join a
	say host "hi"
	got a "<Boss> hi"
	say a "/nick boss"
	say a "/nick host"
	got_all "* user1 is now host" a host
	say a /who
	got a "* here: Boss, host"
	close_room
	gone a
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: Boss, user1
		<Boss> hi
		~ \* error: *
		* user1 is now host
		* here: Boss, host
		* room closed
	EOF
}

@test "room: /kick: everyone and the kicked member see '* NAME was kicked', no 'left'; logged" {
	start_room
	join a
	join b
	got a "* user2 joined"
	join c
	got_all "* user3 joined" a b
	say host "/kick user2"
	got_all "* user2 was kicked" a b c host
	gone b
	say a "after the kick"
	got_all "<user1> after the kick" c host
	say host "/kick nobody"
	wait_file_matches "$T/room.out" '^\* error: '
	close_room
	gone a
	gone c

	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* user3 joined
		* user2 was kicked
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* user3 joined
		* user2 was kicked
		* room closed
	EOF
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user3; here: host, user1, user2, user3
		* user2 was kicked
		<user1> after the kick
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		* user3 joined
		* user2 was kicked
		<user1> after the kick
		~ \* error: *
	EOF
	log_has "chat-listen: user2 was kicked"
}

@test "room: --max-clients: one more gets '* room full' and is closed; members notice nothing; no number used" {
	start_room --max-clients 2
	join a
	join b
	got a "* user2 joined"
	member x
	gone x
	expect_transcript "$T/x.out" <<<"* room full"
	log_has "chat-listen: refused 127\\.0\\.0\\.1:[0-9]+: room full"
	# an nc client is refused the same way
	member y -k nc
	wait_file_contains "$T/y.out" "* room full"
	leave b
	got a "* user2 left"
	gone b
	join c
	got a "* user3 joined"
	close_room
	gone a
	gone c
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* user2 left
		* user3 joined
		* room closed
	EOF
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user3; here: host, user1, user3
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		* user2 left
		* user3 joined
	EOF
	assert_eq "$(count_lines "$T/room.err" ': room full$')" 2 "refusals logged"
}

# room_usage_error ARGS...: chat-listen ARGS is a usage error: exit 2,
# nothing on stdout, two lines on stderr, the second "Try ...".
room_usage_error() {
	local rc=0
	timeout 5 chat-listen "$@" </dev/null >"$T/u.out" 2>"$T/u.err" || rc=$?
	if [ "$rc" -ne 2 ] || [ -s "$T/u.out" ] || [ "$(room_line_count "$T/u.err")" -ne 2 ] ||
		[ "$(sed -n 2p "$T/u.err")" != "Try 'chat-listen --help'." ] ||
		! head -n1 "$T/u.err" | grep -q '^chat-listen: .'; then
		echo "chat-listen $*: exit $rc; stdout: $(head -c 200 "$T/u.out"); stderr:" >&2
		cat "$T/u.err" >&2
		return 1
	fi
}

@test "room: usage errors: --max-clients 5000, room options without --room, --room -k" {
	local bad=0
	room_usage_error --room --max-clients 5000 -b 127.0.0.1 0 || bad=1
	room_usage_error --name bob -b 127.0.0.1 0 || bad=1
	room_usage_error --max-clients 3 -b 127.0.0.1 0 || bad=1
	room_usage_error --max-rate 5 -b 127.0.0.1 0 || bad=1
	room_usage_error --room -k -b 127.0.0.1 0 || bad=1
	[ "$bad" = 0 ]
}

@test "room: control characters, C1 and bad UTF-8 escaped, valid UTF-8 kept (member and host lines)" {
	local tab=$'\t' nbsp=$'\302\240'
	start_room
	join a
	join b
	got a "* user2 joined"
	send_fmt a 'esc \033[31mred\033[0m\n'
	send_fmt a 'mid\rcr\n'
	send_fmt a 'del\177x nul\000y bell\007 bs\010\n'
	send_fmt a 'tab\there\n'
	send_fmt a 'utf8 \303\251 \342\202\254 \360\237\230\200\n'
	send_fmt a 'c1 \302\233[2J \302\200 \302\237 \302\240\n'
	send_fmt a 'bad \377 \300\257 \355\240\200 \370 end\n'
	send_fmt a 'cut \342\202\n'
	say a "done"
	got_all "<user1> done" b host
	send_fmt host 'host \033]0;title\007 \302\205 \376\n'
	got_all "<host> host ^[]0;title^G \\u0085 \\xfe" a b
	close_room
	gone a
	gone b

	expect_transcript "$T/b.out" <<-EOF
		* welcome user2; here: host, user1, user2
		<user1> esc ^[[31mred^[[0m
		<user1> mid^Mcr
		<user1> del^?x nul^@y bell^G bs^H
		<user1> tab${tab}here
		<user1> utf8 é € 😀
		<user1> c1 \\u009b[2J \\u0080 \\u009f $nbsp
		<user1> bad \\xff \\xc0\\xaf \\xed\\xa0\\x80 \\xf8 end
		<user1> cut \\xe2\\x82
		<user1> done
		<host> host ^[]0;title^G \\u0085 \\xfe
		* room closed
	EOF
	grep '^<user1> ' "$T/b.out" >"$T/want"
	grep '^<user1> ' "$T/room.out" >"$T/have"
	assert_same "$T/want" "$T/have"
}

@test "room: CRLF: a CR before LF is dropped (nc -C, raw CRs, the host's stdin); CR alone shown" {
	start_room
	# nc -C sends every line end as CRLF
	join a -k nc-crlf
	join b
	got a "* user2 joined"
	join c
	got_all "* user3 joined" a b
	say a "via nc -C"
	got_all "<user1> via nc -C" b c host
	send_fmt b 'crlf\r\n\r\ntwo crs\r\r\nlone\rcr\n'
	got_all "<user2> lone^Mcr" a c host
	send_fmt host 'from host\r\n'
	got_all "<host> from host" a b c
	close_room
	gone b
	gone c
	expect_transcript "$T/c.out" <<-'EOF'
		* welcome user3; here: host, user1, user2, user3
		<user1> via nc -C
		<user2> crlf
		<user2> two crs^M
		<user2> lone^Mcr
		<host> from host
		* room closed
	EOF
}

@test "room: empty lines are not relayed; a last line without newline is, before 'left'" {
	start_room
	join a
	join b
	got a "* user2 joined"
	send_fmt a '\n\n\r\n'
	send_fmt host '\n\n'
	say a "x"
	got_all "<user1> x" b host
	send_fmt a 'no newline at the end'
	leave a
	got_all "* user1 left" b host
	gone a
	close_room
	gone b
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		<user1> x
		<user1> no newline at the end
		* user1 left
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user2 joined
		<user1> x
		<user1> no newline at the end
		* user1 left
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
	EOF
}

# long_line FILE BYTES: BYTES random letters and digits (no newline) in FILE.
long_line() {
	head -c "$2" /dev/urandom | base64 -w0 | tr -d '/+' | head -c "$2" >"$1"
	assert_eq "$(file_size "$1")" "$2" "size of $1"
}

# shorten FILE: stdin with every line "<NAME> TEXT", TEXT the content of
# FILE, shown as "<NAME> [piece]".
shorten() {
	awk -v p="$(cat "$1")" '{
		i = index($0, "> ")
		if (i && substr($0, i + 2) == p) $0 = substr($0, 1, i + 1) "[piece]"
		print
	}'
}

# pieces FILE PREFIX: FILE cut into lines of 8192 bytes, each with PREFIX.
pieces() {
	{ cat "$1"; echo; } | fold -b -w 8192 | sed "s/^/$2/"
}

@test "room: a 20,000-byte line arrives as 8192 + 8192 + 3616 bytes, each with the prefix; 8192 stays one line" {
	start_room
	join a
	join b
	got a "* user2 joined"
	long_line "$T/l20000" 20000
	long_line "$T/l8192" 8192
	long_line "$T/l8193" 8193
	long_line "$T/l8191" 8191
	{
		cat "$T/l20000"
		printf '\n'
		cat "$T/l8192"
		printf '\n'
		cat "$T/l8193"
		printf '\n'
		cat "$T/l8191"
		printf '\r\nend\n'
	} >"$T/send"
	send_file a "$T/send"
	got_all "<user1> end" b host
	{
		pieces "$T/l20000" "<user1> "
		pieces "$T/l8192" "<user1> "
		pieces "$T/l8193" "<user1> "
		pieces "$T/l8191" "<user1> "
		echo "<user1> end"
	} >"$T/want"
	assert_eq "$(sed -n 1,3p "$T/want" | awk '{ print length($0) - 8 }' | tr '\n' ' ')" "8192 8192 3616 " "piece sizes"
	grep '^<user1> ' "$T/b.out" >"$T/have.b"
	grep '^<user1> ' "$T/room.out" >"$T/have.host"
	assert_same "$T/want" "$T/have.b"
	assert_same "$T/want" "$T/have.host"
}

@test "room: a piece of a member's long line is text even when it starts with '/'" {
	start_room
	join a
	join b
	got a "* user2 joined"
	long_line "$T/l8192" 8192
	# the second pieces look like commands: /who, //x, /quit
	{
		cat "$T/l8192"
		printf '/who is there\n'
		cat "$T/l8192"
		printf '//x\n'
	} >"$T/send"
	send_file a "$T/send"
	say a "end"
	got_all "<user1> end" b host
	# the 8192-byte piece shown as [piece]
	shorten "$T/l8192" <"$T/b.out" | grep '^<user1> ' >"$T/b.lines"
	expect_transcript "$T/b.lines" <<-'EOF'
		<user1> [piece]
		<user1> /who is there
		<user1> [piece]
		<user1> //x
		<user1> end
	EOF
}

@test "room: a piece of the host's long line is text even when it starts with '/' (/quit)" {
	start_room
	join a
	long_line "$T/l8192" 8192
	{
		cat "$T/l8192"
		printf '/quit now\n'
		printf 'host end\n'
	} >"$T/host.send"
	send_file host "$T/host.send"
	wait_file_matches "$T/a.out" '^(<host> host end|\* room closed)$'
	shorten "$T/l8192" <"$T/a.out" >"$T/a.lines"
	expect_transcript "$T/a.lines" <<-'EOF'
		* welcome user1; here: host, user1
		<host> [piece]
		<host> /quit now
		<host> host end
	EOF
	expect_alive "$RPID"
}

@test "room: host's end of input closes the room: exit 0, members get '* room closed' and are disconnected" {
	start_room
	join a
	join b -k cc
	got a "* user2 joined"
	leave host
	expect_exit "$RPID" 0
	gone a
	got b "* room closed"
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* room closed
	EOF
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* room closed
	EOF
}

@test "room: host's /quit closes the room while stdin stays open: exit 0, every member told" {
	start_room
	join a -k nc
	join b
	got a "* user2 joined"
	say host /quit
	expect_exit "$RPID" 0
	gone b
	got a "* room closed"
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* room closed
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* room closed
	EOF
}

@test "room: -d: stdin is never read; SIGTERM closes the room (143), members get '* room closed'" {
	start_room_d
	join a
	say a "still open"
	got host "<user1> still open"
	expect_alive "$RPID"
	kill -TERM "$RPID"
	expect_exit "$RPID" 143
	gone a
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* room closed
	EOF
}

@test "room: --no-stdin and SIGINT: exit 130, members get '* room closed'" {
	room_nap_init
	room_up /dev/null --no-stdin
	join a
	kill -INT "$RPID"
	expect_exit "$RPID" 130
	gone a
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* room closed
	EOF
}

@test "room: without -b: 0.0.0.0 and [::] on one port; IPv4 and IPv6 members share the room" {
	grep -qs . /proc/net/if_inet6 || skip "no IPv6 here"
	L_BIND='' L_LINES=2 start_room
	log_has "chat-listen: listening on 0\\.0\\.0\\.0:$PORT"
	log_has "chat-listen: listening on \\[::\\]:$PORT"
	join a
	join b -6
	got a "* user2 joined"
	join c -k cc -6
	got_all "* user3 joined" a b
	say b "over v6"
	got_all "<user2> over v6" a c host
	say a "over v4"
	got_all "<user1> over v4" b c host
	log_has "chat-listen: user1 connected from 127\\.0\\.0\\.1:[0-9]+"
	log_has "chat-listen: user2 connected from \\[::1\\]:[0-9]+"
	close_room
	gone b
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* user3 joined
		<user1> over v4
		* room closed
	EOF
}

@test "room: -t stamps every line of the host's stdout, announcements too; members get none" {
	start_room -t
	join a
	join b
	got a "* user2 joined"
	say a "stamped"
	got b "<user1> stamped"
	# lines that arrive in one read are relayed as one batch: each is stamped
	send_fmt a 'x1\nx2\nx3\n'
	got b "<user1> x3"
	leave b
	got a "* user2 left"
	gone b
	wait_file_matches "$T/room.out" 'user2 left$'
	close_room
	gone a
	local s='\[[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\]'
	expect_transcript "$T/room.out" <<-EOF
		~ $s \\* user1 joined
		~ $s \\* user2 joined
		~ $s <user1> stamped
		~ $s <user1> x1
		~ $s <user1> x2
		~ $s <user1> x3
		~ $s \\* user2 left
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* user2 left
		* room closed
	EOF
}
