#!/usr/bin/env bats
# shellcheck shell=bash
# chat-listen --room speaks IRC (issue 13): protocol tests with a scripted
# client. The IRC members are raw sockets of the room tests' hub (see
# room_helper.bash): a test writes the exact bytes a client sends and
# compares, line for line, what came back. Every IRC transcript is first
# checked (irc_frame): each message ends with CRLF, fits 512 bytes with
# it, and holds no NUL, CR or LF. tests/ircpeer.py checks long lines'
# splitting and makes junk.
#
# A plain member that speaks first ("/nick NAME" as its first line) is
# welcomed at once; one that stays silent waits for the detection time
# (250 ms): most tests name their plain members that way, which is fast.

load test_helper
load room_helper

IRCPEER="$TESTS_DIR/ircpeer.py"
SRV=chat-listen # the server's name in replies
CHAN='#room'    # the room's channel (a test of --channel sets its own)
A=$'\001'       # CTCP's delimiter
CR=$'\r'

# isend HANDLE LINE...: the lines from the IRC member HANDLE, each with
# CRLF, in one write. A LINE may use the hub's escapes (\x02, \000, \\ for
# one backslash).
isend() {
	room_fast isend_ "$@"
}

isend_() {
	local h=$1 l s=''
	shift
	for l in "$@"; do
		s+="$l\\r\\n"
	done
	hub_cmd fmt "$h" "$s"
}

# igot HANDLE LINE [SECS]: the IRC member HANDLE received the message LINE.
igot() {
	room_fast igot_ "$@"
}

igot_() {
	got "$1" "$2$CR" "${3:-5}"
}

# ijoin [-6] HANDLE NICK [USER [REAL]]: an IRC member that registers with
# NICK and USER and is in the channel (its 366 came).
ijoin() {
	room_fast ijoin_ "$@"
}

ijoin_() {
	local six=()
	if [ "$1" = -6 ]; then
		six=(-6)
		shift
	fi
	local h=$1 nick=$2 user=${3:-$2} real=${4:-$2}
	member "$h" "${six[@]}"
	isend "$h" "NICK $nick" "USER $user 0 * :$real"
	igot "$h" ":$SRV 366 $nick $CHAN :End of NAMES list"
}

# pjoin HANDLE NAME N: a plain member whose first line, "/nick NAME",
# makes it plain at once; the room calls it userN first.
pjoin() {
	room_fast pjoin_ "$@"
}

pjoin_() {
	member "$1"
	say "$1" "/nick $2"
	got "$1" "* user$3 is now $2"
}

# irc_frame HANDLE...: each IRC member's messages are well framed: each
# ends with CRLF, is at most 512 bytes with it, and holds no NUL, CR or LF
# (a bare LF ends a "line" that has no CR before it). Writes them, one a
# line, to $T/HANDLE.out.txt. Bash alone (LC_ALL=C: lengths in bytes).
irc_frame() {
	room_fast irc_frame_ "$@"
}

irc_frame_() {
	local h f line n more msgs
	for h in "$@"; do
		f=$T/$h.out
		if grep -qaP '\x00' "$f"; then
			echo "irc_frame: $h received a NUL: $(grep -naP '\x00' "$f" | head -n 3 | cut -c1-120)" >&2
			return 1
		fi
		n=0 msgs=()
		while :; do
			more=0
			if ! IFS= read -r line; then
				[ -n "$line" ] || break
				more=1 # a last line without LF
			fi
			n=$((n + 1))
			if [ "$more" = 1 ] || [[ $line != *"$CR" ]]; then
				echo "irc_frame: $h: message $n does not end with CRLF: ${line:0:120}" >&2
				return 1
			fi
			line=${line%"$CR"}
			if [[ $line == *"$CR"* ]]; then
				echo "irc_frame: $h: message $n holds a CR: ${line:0:120}" >&2
				return 1
			fi
			if [ "${#line}" -gt 510 ]; then
				echo "irc_frame: $h: message $n is $((${#line} + 2)) bytes with its CRLF: ${line:0:120}" >&2
				return 1
			fi
			msgs+=("$line")
		done <"$f"
		if [ "$n" -gt 0 ]; then
			printf '%s\n' "${msgs[@]}" >"$f.txt"
		else
			: >"$f.txt"
		fi
	done
}

# iexpect HANDLE: the IRC member's transcript is well framed and holds
# exactly the lines on stdin (CRLF taken off; "~ " lines are globs).
iexpect() {
	room_fast iexpect_ "$@"
}

iexpect_() {
	irc_frame "$1" || return 1
	expect_transcript "$T/$1.out.txt"
}

# registered NICK [USER [REAL [ADDR]]]: what an IRC member gets when it
# registers, 001 to 331 (the 353 and 366 that follow name who is in);
# the channel is $CHAN.
registered() {
	room_fast registered_ "$@"
}

registered_() {
	local nick=$1 user=${2:-$1} real=${3:-$1} addr=${4:-127.0.0.1}
	cat <<-EOF
		:$SRV 001 $nick :Welcome to the $SRV chat room, $nick!$user@$addr
		~ :$SRV 002 $nick :Your host is $SRV, running version $SRV-*
		:$SRV 003 $nick :This server hosts one room, $CHAN
		~ :$SRV 004 $nick $SRV $SRV-* i nt
		:$SRV 005 $nick CASEMAPPING=ascii CHANTYPES=# PREFIX=(o)@ NICKLEN=32 CHANNELLEN=50 CHANLIMIT=#:1 CHANMODES=b,,,nt NETWORK=$SRV :are supported by this server
		:$SRV 422 $nick :MOTD File is missing
		:$nick!$user@$addr JOIN $CHAN
		:$SRV 331 $nick $CHAN :No topic is set
	EOF
}

# count_exact FILE LINE: how many lines of FILE are exactly LINE.
count_exact() {
	grep -cxF -- "$1" "$2" || true
}

@test "irc: NICK and USER register: 001-005, 422, then the channel (JOIN, 331, 353 with the host as @, 366); plain members see it join, in their welcome list and /who" {
	start_room
	pjoin p pat 1
	ijoin a alice al 'Alice Liddell'
	got_all "* alice joined" p host
	member q # plain and silent: welcomed after the detection wait
	got q "* welcome user2; here: host, pat, alice, user2"
	igot a ":user2!user2@127.0.0.1 JOIN #room"
	say p /who
	got p "* here: host, pat, alice, user2"
	close_room
	gone a
	gone p
	gone q

	{
		registered alice al 'Alice Liddell'
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:user2!user2@127.0.0.1 JOIN #room
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* user2 joined
		* here: host, pat, alice, user2
		* room closed
	EOF
	expect_transcript "$T/q.out" <<-'EOF'
		* welcome user2; here: host, pat, alice, user2
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* user2 joined
	EOF
	log_has "chat-listen: alice connected from 127\.0\.0\.1:[0-9]+"
}

@test "irc: CAP LS 302 gets ':chat-listen CAP * LS :', CAP REQ a NAK; registration waits for CAP END; PASS is ignored; CAP after registration; 410, 462" {
	start_room
	member a
	isend a 'CAP LS 302' 'PASS secret' 'NICK alice' 'USER al 0 * :Alice' 'PING :before-end'
	igot a ":chat-listen PONG chat-listen :before-end"
	isend a 'CAP REQ :multi-prefix sasl' 'PING :still-before-end'
	igot a ":chat-listen PONG chat-listen :still-before-end"
	isend a 'CAP END'
	igot a ":chat-listen 366 alice #room :End of NAMES list"
	isend a 'CAP LS' 'CAP LIST' 'CAP FROB' 'PASS again' 'USER al 0 * :Again' 'PING :after'
	igot a ":chat-listen PONG chat-listen :after"
	# CAP REQ alone (no LS) starts the negotiation too
	member b
	isend b 'CAP REQ :sasl' 'NICK bob' 'USER b 0 * :Bob' 'PING :wait'
	igot b ":chat-listen PONG chat-listen :wait"
	isend b 'CAP END'
	igot b ":chat-listen 366 bob #room :End of NAMES list"
	close_room
	gone a
	gone b

	{
		cat <<-'EOF'
			:chat-listen CAP * LS :
			:chat-listen PONG chat-listen :before-end
			:chat-listen CAP alice NAK :multi-prefix sasl
			:chat-listen PONG chat-listen :still-before-end
		EOF
		registered alice al Alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host alice
			:chat-listen 366 alice #room :End of NAMES list
			:chat-listen CAP alice LS :
			:chat-listen CAP alice LIST :
			:chat-listen 410 alice FROB :Invalid CAP command
			:chat-listen 462 alice :You may not reregister
			:chat-listen 462 alice :You may not reregister
			:chat-listen PONG chat-listen :after
			:bob!b@127.0.0.1 JOIN #room
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	{
		cat <<-'EOF'
			:chat-listen CAP * NAK :sasl
			:chat-listen PONG chat-listen :wait
		EOF
		registered bob b Bob
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host alice bob
			:chat-listen 366 bob #room :End of NAMES list
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	expect_transcript "$T/room.out" <<-'EOF'
		* alice joined
		* bob joined
	EOF
}

@test "irc: before and after registration: 431, 432, 433, 451, 461, 411, 412, 401, 421, 462; PING answered before registration too" {
	local n33
	n33=$(printf 'n%.0s' {1..33})
	start_room
	pjoin p pat 1
	member c
	isend c 'PASS x' 'NICK' 'NICK :' 'NICK bad!nick' "NICK $n33" 'NICK caf\xc3\xa9' \
		'NICK host' 'NICK PAT' 'PRIVMSG #room :hi' 'JOIN #room' 'WHO #room' 'FROB x' \
		'USER onlyone' 'PING :tok en' 'PONG :x' 'NICK carol' 'PRIVMSG #room :not yet' \
		'USER c 0 * :Carol'
	igot c ":chat-listen 366 carol #room :End of NAMES list"
	isend c 'NICK' 'NICK a*b' 'JOIN' 'MODE' 'TOPIC' 'USERHOST' 'ISON' 'WHOIS' 'KICK #room' \
		'PING' 'PRIVMSG' 'PRIVMSG #room' 'PRIVMSG #room :' 'PRIVMSG nobody :x' 'NOTICE nobody :x' \
		'NOTICE' 'FROB x' 'frob' 'USER a b c d' 'PING :end'
	igot c ":chat-listen PONG chat-listen :end"
	close_room
	gone c
	gone p

	{
		cat <<-EOF
			:chat-listen 431 * :No nickname given
			:chat-listen 431 * :No nickname given
			:chat-listen 432 * bad!nick :Erroneous nickname
			:chat-listen 432 * $n33 :Erroneous nickname
			:chat-listen 432 * café :Erroneous nickname
			:chat-listen 433 * host :Nickname is already in use
			:chat-listen 433 * PAT :Nickname is already in use
			:chat-listen 451 * :You have not registered
			:chat-listen 451 * :You have not registered
			:chat-listen 451 * :You have not registered
			:chat-listen 451 * :You have not registered
			:chat-listen 461 * USER :Not enough parameters
			:chat-listen PONG chat-listen :tok en
			:chat-listen 451 carol :You have not registered
		EOF
		registered carol c Carol
		cat <<-'EOF'
			:chat-listen 353 carol = #room :@host pat carol
			:chat-listen 366 carol #room :End of NAMES list
			:chat-listen 431 carol :No nickname given
			:chat-listen 432 carol a*b :Erroneous nickname
			:chat-listen 461 carol JOIN :Not enough parameters
			:chat-listen 461 carol MODE :Not enough parameters
			:chat-listen 461 carol TOPIC :Not enough parameters
			:chat-listen 461 carol USERHOST :Not enough parameters
			:chat-listen 461 carol ISON :Not enough parameters
			:chat-listen 461 carol WHOIS :Not enough parameters
			:chat-listen 461 carol KICK :Not enough parameters
			:chat-listen 461 carol PING :Not enough parameters
			:chat-listen 411 carol :No recipient given (PRIVMSG)
			:chat-listen 412 carol :No text to send
			:chat-listen 412 carol :No text to send
			:chat-listen 401 carol nobody :No such nick/channel
			:chat-listen 421 carol FROB :Unknown command
			:chat-listen 421 carol frob :Unknown command
			:chat-listen 462 carol :You may not reregister
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect c <"$T/want"
	# nothing of it reached the room
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* carol joined
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* carol joined
	EOF
}

@test "irc: names are unique ignoring ASCII case across both dialects and the host (433 / '* error: nick X is taken'); IRC's specials; a number an IRC nick holds is skipped" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	# registering: its nick is held already
	member b
	isend b 'NICK ALICE' 'NICK Pat' 'NICK HoSt' 'NICK bob' 'PING :held'
	igot b ":chat-listen PONG chat-listen :held"
	say p '/nick BOB'
	say p '/nick Alice'
	say p '/nick HOST'
	say p '/nick {pat}'
	got_all "* pat is now {pat}" p host
	say host '/nick bob'
	say host '/nick ALICE'
	say host /who
	got host "* here: host, {pat}, alice"
	isend a 'NICK {PAT}' 'NICK Bob' 'NICK HOST' 'NICK ALICE' 'NICK [pat]'
	got_all "* ALICE is now [pat]" p host
	isend b 'USER b 0 * :B'
	igot b ":chat-listen 366 bob #room :End of NAMES list"
	# user2 is an IRC member's nick: the next plain member is user3
	member c
	isend c 'NICK user2' 'USER c 0 * :C'
	igot c ":chat-listen 366 user2 #room :End of NAMES list"
	member q
	got q "* welcome user3; here: host, {pat}, [pat], bob, user2, user3"
	close_room
	gone a
	gone b

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:pat!pat@127.0.0.1 NICK :{pat}
			:chat-listen 433 alice {PAT} :Nickname is already in use
			:chat-listen 433 alice Bob :Nickname is already in use
			:chat-listen 433 alice HOST :Nickname is already in use
			:alice!al@127.0.0.1 NICK :ALICE
			:ALICE!al@127.0.0.1 NICK :[pat]
			:bob!b@127.0.0.1 JOIN #room
			:user2!c@127.0.0.1 JOIN #room
			:user3!user3@127.0.0.1 JOIN #room
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	{
		cat <<-'EOF'
			:chat-listen 433 * ALICE :Nickname is already in use
			:chat-listen 433 * Pat :Nickname is already in use
			:chat-listen 433 * HoSt :Nickname is already in use
			:chat-listen PONG chat-listen :held
		EOF
		registered bob b B
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host {pat} [pat] bob
			:chat-listen 366 bob #room :End of NAMES list
			:user2!c@127.0.0.1 JOIN #room
			:user3!user3@127.0.0.1 JOIN #room
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* error: nick BOB is taken
		* error: nick Alice is taken
		* error: nick HOST is taken
		* pat is now {pat}
		* alice is now ALICE
		* ALICE is now [pat]
		* bob joined
		* user2 joined
		* user3 joined
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* pat is now {pat}
		* error: nick bob is taken
		* error: nick ALICE is taken
		* here: host, {pat}, alice
		* alice is now ALICE
		* ALICE is now [pat]
		* bob joined
		* user2 joined
		* user3 joined
	EOF
}

@test "irc: channel queries: MODE #room (324), MODE #room b (368), e, I, MODE own nick (221), 482, 502, 403; WHO #room (352 each, G when away, 315); NAMES (353, 366); TOPIC (331, 482); LIST (321, 322, 323); JOIN #room again, JOIN #other (403); KICK (482)" {
	start_room
	pjoin p pat 1
	ijoin a alice al 'Alice Liddell'
	ijoin b bob b Bob
	isend b 'AWAY :lunch'
	igot b ":chat-listen 306 bob :You have been marked as being away"
	isend a 'MODE #room' 'MODE #ROOM b' 'MODE #room +b' 'MODE #room e' 'MODE #room I' \
		'MODE alice' 'MODE ALICE +i' 'MODE #room +o pat' 'MODE pat' 'MODE host' 'MODE nobody' \
		'MODE #other' 'WHO #room' 'WHO pat' 'WHO host' 'WHO' 'NAMES #room' 'NAMES' 'NAMES #other' \
		'TOPIC #room' 'TOPIC #room :new topic' 'TOPIC #other' 'LIST' 'JOIN #room' 'JOIN #other' \
		'KICK #room pat' 'KICK #room pat :go' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	close_room
	gone a
	gone b

	{
		registered alice al 'Alice Liddell'
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:chat-listen 324 alice #room +nt
			:chat-listen 368 alice #room :End of channel ban list
			:chat-listen 368 alice #room :End of channel ban list
			:chat-listen 349 alice #room :End of channel exception list
			:chat-listen 347 alice #room :End of channel invite list
			:chat-listen 221 alice +
			:chat-listen 221 alice +
			:chat-listen 482 alice #room :You're not channel operator
			:chat-listen 502 alice :Can't change mode for other users
			:chat-listen 502 alice :Can't change mode for other users
			:chat-listen 401 alice nobody :No such nick/channel
			:chat-listen 403 alice #other :No such channel
			:chat-listen 352 alice #room host chat-listen chat-listen host H@ :0 host
			:chat-listen 352 alice #room pat 127.0.0.1 chat-listen pat H :0 pat
			:chat-listen 352 alice #room al 127.0.0.1 chat-listen alice H :0 Alice Liddell
			:chat-listen 352 alice #room b 127.0.0.1 chat-listen bob G :0 Bob
			:chat-listen 315 alice #room :End of WHO list
			:chat-listen 352 alice #room pat 127.0.0.1 chat-listen pat H :0 pat
			:chat-listen 315 alice pat :End of WHO list
			:chat-listen 352 alice #room host chat-listen chat-listen host H@ :0 host
			:chat-listen 315 alice host :End of WHO list
			:chat-listen 352 alice #room host chat-listen chat-listen host H@ :0 host
			:chat-listen 352 alice #room pat 127.0.0.1 chat-listen pat H :0 pat
			:chat-listen 352 alice #room al 127.0.0.1 chat-listen alice H :0 Alice Liddell
			:chat-listen 352 alice #room b 127.0.0.1 chat-listen bob G :0 Bob
			:chat-listen 315 alice * :End of WHO list
			:chat-listen 353 alice = #room :@host pat alice bob
			:chat-listen 366 alice #room :End of NAMES list
			:chat-listen 353 alice = #room :@host pat alice bob
			:chat-listen 366 alice #room :End of NAMES list
			:chat-listen 366 alice #other :End of NAMES list
			:chat-listen 331 alice #room :No topic is set
			:chat-listen 482 alice #room :You're not channel operator
			:chat-listen 403 alice #other :No such channel
			:chat-listen 321 alice Channel :Users  Name
			:chat-listen 322 alice #room 4 :
			:chat-listen 323 alice :End of LIST
			:chat-listen 403 alice #other :No such channel
			:chat-listen 482 alice #room :You're not channel operator
			:chat-listen 482 alice #room :You're not channel operator
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	# queries change nothing for the others
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* room closed
	EOF
}

@test "irc: user queries: WHOIS (311, 319, 312, 301, 318; 401), USERHOST (302), ISON (303), AWAY (306, 305), LUSERS (251, 255), MOTD (422), PING (PONG with the same token), PONG (nothing)" {
	start_room
	pjoin p pat 1
	ijoin a alice al 'Alice Liddell'
	ijoin b bob b Bob
	isend b 'AWAY :lunch' 'PING :b'
	igot b ":chat-listen PONG chat-listen :b"
	isend a 'WHOIS pat' 'WHOIS HOST' 'WHOIS chat-listen bob' 'WHOIS nobody' 'WHOIS alice,pat' \
		'USERHOST pat alice host nobody BOB' 'ISON pat ALICE nobody host bob' \
		'AWAY :gone fishing' 'AWAY' 'AWAY :' 'LUSERS' 'MOTD' 'PING :tok en' 'PING chat-listen' \
		'PONG :whatever' 'PONG' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	close_room
	gone a
	gone b

	{
		registered alice al 'Alice Liddell'
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:chat-listen 311 alice pat pat 127.0.0.1 * :pat
			:chat-listen 319 alice pat :#room
			:chat-listen 312 alice pat chat-listen :the room's server
			:chat-listen 318 alice pat :End of WHOIS list
			:chat-listen 311 alice host host chat-listen * :host
			:chat-listen 319 alice host :@#room
			:chat-listen 312 alice host chat-listen :the room's server
			:chat-listen 318 alice host :End of WHOIS list
			:chat-listen 311 alice bob b 127.0.0.1 * :Bob
			:chat-listen 319 alice bob :#room
			:chat-listen 312 alice bob chat-listen :the room's server
			:chat-listen 301 alice bob :away
			:chat-listen 318 alice bob :End of WHOIS list
			:chat-listen 401 alice nobody :No such nick/channel
			:chat-listen 318 alice nobody :End of WHOIS list
			:chat-listen 311 alice alice al 127.0.0.1 * :Alice Liddell
			:chat-listen 319 alice alice :#room
			:chat-listen 312 alice alice chat-listen :the room's server
			:chat-listen 318 alice alice :End of WHOIS list
			:chat-listen 311 alice pat pat 127.0.0.1 * :pat
			:chat-listen 319 alice pat :#room
			:chat-listen 312 alice pat chat-listen :the room's server
			:chat-listen 318 alice pat :End of WHOIS list
			:chat-listen 302 alice :pat=+pat@127.0.0.1 alice=+al@127.0.0.1 host*=+host@chat-listen bob=-b@127.0.0.1
			:chat-listen 303 alice :pat alice host bob
			:chat-listen 306 alice :You have been marked as being away
			:chat-listen 305 alice :You are no longer marked as being away
			:chat-listen 305 alice :You are no longer marked as being away
			:chat-listen 251 alice :There are 4 users and 0 invisible on 1 servers
			:chat-listen 255 alice :I have 4 clients and 0 servers
			:chat-listen 422 alice :MOTD File is missing
			:chat-listen PONG chat-listen :tok en
			:chat-listen PONG chat-listen :chat-listen
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
}

@test "irc: talk both ways between an IRC member, a plain member and the host, never echoed: PRIVMSG #room and NOTICE reach plain as '<alice> text', IRC as PRIVMSG from nick!user@host" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	say p "hi from pat"
	igot a ":pat!pat@127.0.0.1 PRIVMSG #room :hi from pat"
	igot b ":pat!pat@127.0.0.1 PRIVMSG #room :hi from pat"
	isend a 'PRIVMSG #room :hi from alice'
	got_all "<alice> hi from alice" p host
	isend a 'NOTICE #room :a notice from alice'
	got_all "<alice> a notice from alice" p host
	isend b 'PRIVMSG #ROOM :bob: any case, the room'
	got_all "<bob> bob: any case, the room" p host
	say host "hi from the host"
	got p "<host> hi from the host"
	igot a ":host!host@chat-listen PRIVMSG #room :hi from the host"
	igot b ":host!host@chat-listen PRIVMSG #room :hi from the host"
	isend a 'PRIVMSG #room :  spaces kept, and a :colon'
	got_all "<alice>   spaces kept, and a :colon" p host
	close_room
	gone a
	gone b
	gone p

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:pat!pat@127.0.0.1 PRIVMSG #room :hi from pat
			:bob!b@127.0.0.1 PRIVMSG #room :bob: any case, the room
			:host!host@chat-listen PRIVMSG #room :hi from the host
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	{
		registered bob b b
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host pat alice bob
			:chat-listen 366 bob #room :End of NAMES list
			:pat!pat@127.0.0.1 PRIVMSG #room :hi from pat
			:alice!al@127.0.0.1 PRIVMSG #room :hi from alice
			:alice!al@127.0.0.1 NOTICE #room :a notice from alice
			:host!host@chat-listen PRIVMSG #room :hi from the host
			:alice!al@127.0.0.1 PRIVMSG #room :  spaces kept, and a :colon
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		<alice> hi from alice
		<alice> a notice from alice
		<bob> bob: any case, the room
		<host> hi from the host
		<alice>   spaces kept, and a :colon
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* bob joined
		<pat> hi from pat
		<alice> hi from alice
		<alice> a notice from alice
		<bob> bob: any case, the room
		<alice>   spaces kept, and a :colon
	EOF
}

@test "irc: /me from a plain member and the host is a CTCP ACTION for IRC members; an IRC member's ACTION is '* alice text' for plain members and the host" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	say p "/me waves"
	igot a ":pat!pat@127.0.0.1 PRIVMSG #room :${A}ACTION waves$A"
	say p "/me"
	got p "* error: usage: /me ACTION"
	say host "/me hosts"
	igot a ":host!host@chat-listen PRIVMSG #room :${A}ACTION hosts$A"
	isend a 'PRIVMSG #room :\x01ACTION dances\x01'
	got_all "* alice dances" p host
	isend a 'PRIVMSG #room :\x01ACTION spins, unclosed'
	got_all "* alice spins, unclosed" p host
	close_room
	gone a
	gone b
	gone p

	{
		registered alice al alice
		cat <<-EOF
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:pat!pat@127.0.0.1 PRIVMSG #room :${A}ACTION waves$A
			:host!host@chat-listen PRIVMSG #room :${A}ACTION hosts$A
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	irc_frame b
	grep -v '^:chat-listen \|JOIN\|^ERROR' "$T/b.out.txt" >"$T/b.talk" || true
	expect_transcript "$T/b.talk" <<-EOF
		:pat!pat@127.0.0.1 PRIVMSG #room :${A}ACTION waves$A
		:host!host@chat-listen PRIVMSG #room :${A}ACTION hosts$A
		:alice!al@127.0.0.1 PRIVMSG #room :${A}ACTION dances$A
		:alice!al@127.0.0.1 PRIVMSG #room :${A}ACTION spins, unclosed$A
	EOF
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* error: usage: /me ACTION
		* host hosts
		* alice dances
		* alice spins, unclosed
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* bob joined
		* pat waves
		* alice dances
		* alice spins, unclosed
	EOF
}

@test "irc: private messages: PRIVMSG NICK and /msg NAME, to and from IRC members, plain members and the host (its name in any case); nobody else sees them, the host's stdout included; 401 and '* error: no such name: NAME'" {
	start_room
	pjoin p pat 1
	pjoin q quinn 2
	ijoin a alice al
	ijoin b bob b
	got_all "* bob joined" p q
	isend a 'PRIVMSG pat :psst pat' 'PRIVMSG HOST :psst host' 'PRIVMSG Bob :psst bob' \
		'PRIVMSG nobody :lost' 'NOTICE nobody :lost too' 'NOTICE pat :a private notice' \
		'PRIVMSG bob :\x01ACTION winks\x01'
	got p "*alice* a private notice"
	igot b ":alice!al@127.0.0.1 PRIVMSG bob :${A}ACTION winks$A"
	got host "*alice* psst host"
	say p "/msg ALICE hi alice"
	say p "/msg Host hi host"
	say p "/msg nobody lost"
	say p "/msg alice"
	say p "/msg"
	got p "* error: usage: /msg NAME text"
	say host "/msg alice from the host"
	say host "/msg pat from the host"
	say host "/msg nobody x"
	got host "* error: no such name: nobody"
	got p "*host* from the host"
	igot a ":host!host@chat-listen PRIVMSG alice :from the host"
	close_room
	gone a
	gone b
	gone p
	gone q

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat quinn alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:chat-listen 401 alice nobody :No such nick/channel
			:pat!pat@127.0.0.1 PRIVMSG alice :hi alice
			:host!host@chat-listen PRIVMSG alice :from the host
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	{
		registered bob b b
		cat <<-EOF
			:chat-listen 353 bob = #room :@host pat quinn alice bob
			:chat-listen 366 bob #room :End of NAMES list
			:alice!al@127.0.0.1 PRIVMSG bob :psst bob
			:alice!al@127.0.0.1 PRIVMSG bob :${A}ACTION winks$A
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* user2 joined
		* user2 is now quinn
		* alice joined
		* bob joined
		*alice* psst pat
		*alice* a private notice
		* error: no such name: nobody
		* error: usage: /msg NAME text
		* error: usage: /msg NAME text
		*host* from the host
		* room closed
	EOF
	expect_transcript "$T/q.out" <<-'EOF'
		* welcome user2; here: host, pat, user2
		* user2 is now quinn
		* alice joined
		* bob joined
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* user2 joined
		* user2 is now quinn
		* alice joined
		* bob joined
		*alice* psst host
		*pat* hi host
		* error: no such name: nobody
	EOF
}

@test "irc: PART #room leaves the room (others see it leave, nothing reaches it, 404, 442) but keeps the connection; JOIN #room brings it back (JOIN, 331, 353, 366), once; JOIN 0 parts" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	isend a 'PART #room :see you'
	got_all "* alice left" p host
	igot b ":alice!al@127.0.0.1 PART #room"
	say p "while alice is out"
	igot b ":pat!pat@127.0.0.1 PRIVMSG #room :while alice is out"
	say p /who
	got p "* here: host, pat, bob"
	isend a 'PRIVMSG #room :in vain' 'NOTICE #room :in vain too' 'PART #room' 'PART #other' \
		'PRIVMSG pat :still here privately' 'NAMES #room'
	got p "*alice* still here privately"
	isend a 'JOIN #room' 'JOIN #room'
	got_all "* alice joined" p host
	igot b ":alice!al@127.0.0.1 JOIN #room"
	isend a 'PRIVMSG #room :back'
	got_all "<alice> back" p host
	isend a 'JOIN 0'
	igot b ":alice!al@127.0.0.1 PART #room"
	isend a 'JOIN #ROOM'
	isend a 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	close_room
	gone a
	gone b
	gone p

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:alice!al@127.0.0.1 PART #room
			:chat-listen 404 alice #room :Cannot send to channel
			:chat-listen 442 alice #room :You're not on that channel
			:chat-listen 403 alice #other :No such channel
			:chat-listen 353 alice = #room :@host pat bob
			:chat-listen 366 alice #room :End of NAMES list
			:alice!al@127.0.0.1 JOIN #room
			:chat-listen 331 alice #room :No topic is set
			:chat-listen 353 alice = #room :@host pat alice bob
			:chat-listen 366 alice #room :End of NAMES list
			:alice!al@127.0.0.1 PART #room
			:alice!al@127.0.0.1 JOIN #room
			:chat-listen 331 alice #room :No topic is set
			:chat-listen 353 alice = #room :@host pat alice bob
			:chat-listen 366 alice #room :End of NAMES list
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	{
		registered bob b b
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host pat alice bob
			:chat-listen 366 bob #room :End of NAMES list
			:alice!al@127.0.0.1 PART #room
			:pat!pat@127.0.0.1 PRIVMSG #room :while alice is out
			:alice!al@127.0.0.1 JOIN #room
			:alice!al@127.0.0.1 PRIVMSG #room :back
			:alice!al@127.0.0.1 PART #room
			:alice!al@127.0.0.1 JOIN #room
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* alice left
		* here: host, pat, bob
		*alice* still here privately
		* alice joined
		<alice> back
		* alice left
		* alice joined
		* room closed
	EOF
}

# Issue 13: "/nick -> NICK (the renamer gets it too)": a member that
# PARTed the channel is told of its own NICK change too, or its client
# would keep the old nick.
@test "irc: a member that PARTed and changes its nick is told (NICK), like every renamer" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	isend a 'PART #room'
	got p "* alice left"
	isend a 'NICK alicia' 'PING :x'
	igot a ":chat-listen PONG chat-listen :x"
	got p "* alice is now alicia"
	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:alice!al@127.0.0.1 PART #room
			:alice!al@127.0.0.1 NICK :alicia
			:chat-listen PONG chat-listen :x
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	close_room
}

@test "irc: QUIT: ERROR then the connection closes; plain members and the host see '* alice left', IRC members a QUIT" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	isend a 'QUIT :bye now'
	gone a
	got_all "* alice left" p host
	igot b ":alice!al@127.0.0.1 QUIT :left"
	log_has "chat-listen: alice disconnected"
	# the nick is free again
	isend b 'NICK alice'
	got_all "* bob is now alice" p host
	close_room
	gone b
	gone p

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			ERROR :Closing link: quit
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* alice left
		* bob is now alice
		* room closed
	EOF
}

@test "irc: NICK: plain members and the host see '* old is now new', IRC members (the renamer too) ':old!user@host NICK :new'; a plain member's and the host's /nick reach IRC members as NICK" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	isend a 'NICK alicia'
	got_all "* alice is now alicia" p host
	igot a ":alice!al@127.0.0.1 NICK :alicia"
	igot b ":alice!al@127.0.0.1 NICK :alicia"
	log_has "chat-listen: alice is now alicia"
	say p "/nick patty"
	igot b ":pat!pat@127.0.0.1 NICK :patty"
	say host "/nick boss"
	igot b ":host!host@chat-listen NICK :boss"
	isend a 'PRIVMSG #room :as alicia' 'NICK alicia' 'PRIVMSG boss :to the host, renamed' 'PRIVMSG host :old name'
	got_all "<alicia> as alicia" p host
	got host "*alicia* to the host, renamed"
	igot a ":chat-listen 401 alicia host :No such nick/channel"
	say host "to all"
	igot a ":boss!boss@chat-listen PRIVMSG #room :to all"
	close_room
	gone a
	gone b
	gone p

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:alice!al@127.0.0.1 NICK :alicia
			:pat!pat@127.0.0.1 NICK :patty
			:host!host@chat-listen NICK :boss
			:chat-listen 401 alicia host :No such nick/channel
			:boss!boss@chat-listen PRIVMSG #room :to all
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* alice is now alicia
		* pat is now patty
		* host is now boss
		<alicia> as alicia
		<boss> to all
		* room closed
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* bob joined
		* alice is now alicia
		* pat is now patty
		* host is now boss
		<alicia> as alicia
		*alicia* to the host, renamed
	EOF
}

@test "irc: the host's /kick: IRC members see 'KICK #room NAME :kicked by host' (the kicked one too, then ERROR and close); plain members '* NAME was kicked'" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	say host "/kick BOB"
	gone b
	got_all "* bob was kicked" p host
	igot a ":host!host@chat-listen KICK #room bob :kicked by host"
	log_has "chat-listen: bob was kicked"
	say host "/kick pat"
	gone p
	igot a ":host!host@chat-listen KICK #room pat :kicked by host"
	say host "/kick nobody"
	got host "* error: no member nobody"
	isend a 'NAMES'
	igot a ":chat-listen 353 alice = #room :@host alice"
	close_room
	gone a

	{
		registered bob b b
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host pat alice bob
			:chat-listen 366 bob #room :End of NAMES list
			:host!host@chat-listen KICK #room bob :kicked by host
			ERROR :Closing link: kicked by host
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:host!host@chat-listen KICK #room bob :kicked by host
			:host!host@chat-listen KICK #room pat :kicked by host
			:chat-listen 353 alice = #room :@host alice
			:chat-listen 366 alice #room :End of NAMES list
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		* bob was kicked
		* pat was kicked
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* bob joined
		* bob was kicked
		* pat was kicked
		* error: no member nobody
	EOF
}

@test "irc: the room closes (end of the host's stdin): IRC members, registered or registering, get 'ERROR :Closing link: room closed' and are closed; plain members '* room closed'" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	member r
	isend r 'NICK halfway' 'PING :registering'
	igot r ":chat-listen PONG chat-listen :registering"
	leave host
	expect_exit "$RPID" 0
	gone a
	gone r
	gone p

	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	iexpect r <<-'EOF'
		:chat-listen PONG chat-listen :registering
		ERROR :Closing link: room closed
	EOF
	expect_transcript "$T/p.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* room closed
	EOF
}

# utf8_text FILE BYTES: BYTES bytes of "é€😀x" over and over (2, 3, 4 and 1
# bytes: whatever the room per message, most splits fall inside a
# character) and a newline. BYTES must end a character (3000, 2999, 2995).
utf8_text() {
	room_fast utf8_text_ "$@"
}

utf8_text_() {
	local pat=$'\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x' s=''
	while [ "${#s}" -lt "$2" ]; do
		s+=$pat
	done
	printf '%s\n' "${s:0:$2}" >"$1"
}

# check_split HANDLE HEAD TEXTFILE [ctcp]: the messages starting with HEAD
# that HANDLE received carry TEXTFILE split at the 512-byte limit, whole
# characters only (ircpeer.py split); at least 7 of them, and at least 3
# ended early because the next character did not fit whole.
check_split() {
	room_fast check_split_ "$@"
}

check_split_() {
	local out n cut
	out=$("$PYTHON" "$IRCPEER" split "$T/$1.out" "$2" "$3" ${4:+"$4"}) || return 1
	read -r _ n _ cut <<<"$out"
	if [ "$n" -lt 7 ] || [ "$cut" -lt 3 ]; then
		echo "check_split $1: $out (want at least 7 messages, 3 cut early)" >&2
		return 1
	fi
}

@test "irc: the 512-byte rule: 3000-byte lines with multi-byte UTF-8 at the split points (a plain member's, the host's, a /me) reach IRC members in several PRIVMSGs, each within 512 bytes, whole characters only, as full as fits, rejoining exactly; plain members get the line whole" {
	local ch pn in un
	ch="#$(printf 'c%.0s' {1..49})" # the longest channel
	pn=Plain_member_with_a_nick_of_32ch # the longest nicks
	in=IRC_member_with_a_nick_of_32_chr
	un=user_of_16_chars
	assert_eq "${#ch} ${#pn} ${#in} ${#un}" "50 32 32 16" "lengths"
	CHAN=$ch
	start_room --channel "$ch"
	member p
	say p "/nick $pn"
	got p "* user1 is now $pn"
	pjoin q quinn 2
	ijoin a "$in" "$un" "$(printf 'r%.0s' {1..64})"
	utf8_text "$T/line" 3000
	utf8_text "$T/hline" 2999
	utf8_text "$T/me" 2995
	{
		printf '/me '
		cat "$T/me"
	} >"$T/meline"
	# each in turn: once the plain member q has it, the IRC member's copy
	# is queued, and a PING's answer comes after it
	send_file p "$T/line"
	got q "<$pn> $(cat "$T/line")"
	send_file host "$T/hline"
	got q "<host> $(cat "$T/hline")"
	send_file p "$T/meline"
	got q "* $pn $(cat "$T/me")"
	isend a "WHO $ch" "WHOIS $in" "NAMES $ch" 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	got host "<$pn> $(cat "$T/line")"
	got host "* $pn $(cat "$T/me")"

	irc_frame a
	check_split a ":$pn!$pn@127.0.0.1 PRIVMSG $ch :" "$T/line"
	check_split a ":host!host@chat-listen PRIVMSG $ch :" "$T/hline"
	check_split a ":$pn!$pn@127.0.0.1 PRIVMSG $ch :" "$T/me" ctcp
	close_room
}

@test "irc: an IRC member's over-long line is cut at 510 bytes (2000 bytes, and 10000, past the line buffer): plain members get at most 495 bytes of text, IRC members the same text split; the rest is never relayed" {
	local y495 z495 a495
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	y495=$(printf 'y%.0s' {1..495})
	z495=$(printf 'z%.0s' {1..495})
	a495=$(printf 'a%.0s' {1..495})
	{
		printf 'PRIVMSG #room :%s\r\n' "$y495" "$(printf 'Y%.0s' {1..1490})"
		printf 'PRIVMSG #room :after 2000\r\n'
		printf 'PRIVMSG #room :%s%s\r\n' "$z495" "$(printf 'Z%.0s' {1..9490})"
		printf 'PRIVMSG #room :after 10000\r\n'
		printf 'PRIVMSG #room :%sB\r\n' "${a495:1}" "$a495"
		printf 'PRIVMSG #room :end\r\n'
	} >"$T/long"
	send_file a "$T/long"
	got_all "<alice> end" p host
	igot b ":alice!al@127.0.0.1 PRIVMSG #room :end"
	close_room
	gone p
	gone b

	expect_transcript "$T/p.out" <<-EOF
		* welcome user1; here: host, user1
		* user1 is now pat
		* alice joined
		* bob joined
		<alice> $y495
		<alice> $(printf 'Y%.0s' {1..495})
		<alice> after 2000
		<alice> $z495
		<alice> after 10000
		<alice> ${a495:1}B
		<alice> $a495
		<alice> end
		* room closed
	EOF
	irc_frame b
	grep -v '^:chat-listen \|JOIN\|^ERROR' "$T/b.out.txt" >"$T/b.talk" || true
	# a head of 35 bytes leaves 475 for text: 495 bytes take two messages
	expect_transcript "$T/b.talk" <<-EOF
		:alice!al@127.0.0.1 PRIVMSG #room :${y495:0:475}
		:alice!al@127.0.0.1 PRIVMSG #room :${y495:475}
		:alice!al@127.0.0.1 PRIVMSG #room :$(printf 'Y%.0s' {1..475})
		:alice!al@127.0.0.1 PRIVMSG #room :$(printf 'Y%.0s' {1..20})
		:alice!al@127.0.0.1 PRIVMSG #room :after 2000
		:alice!al@127.0.0.1 PRIVMSG #room :${z495:0:475}
		:alice!al@127.0.0.1 PRIVMSG #room :${z495:475}
		:alice!al@127.0.0.1 PRIVMSG #room :after 10000
		:alice!al@127.0.0.1 PRIVMSG #room :${a495:0:475}
		:alice!al@127.0.0.1 PRIVMSG #room :${a495:476}B
		:alice!al@127.0.0.1 PRIVMSG #room :${a495:0:475}
		:alice!al@127.0.0.1 PRIVMSG #room :${a495:475}
		:alice!al@127.0.0.1 PRIVMSG #room :end
	EOF
}

@test "irc: NUL, CR and LF never inside an IRC message: dropped from plain members' and the host's lines, from IRC members' text, and from words a reply echoes" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	send_fmt p 'p\000q\rr\n'
	igot a ":pat!pat@127.0.0.1 PRIVMSG #room :pqr"
	send_fmt host 'h\000o\rst\n'
	igot a ":host!host@chat-listen PRIVMSG #room :host"
	isend a 'PRIVMSG #room :a\x00b\rc' 'PRIVMSG bob :x\x00y' 'NICK n\x00ul' 'FR\x00OB x' \
		'WHOIS no\x00body' 'PING :to\x00ken' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	got_all "<alice> a^@b^Mc" p host
	igot b ":alice!al@127.0.0.1 PRIVMSG bob :xy"
	close_room
	gone a
	gone b

	# the replies that echo a word with a NUL in it: how much of the word
	# they show is not the point, that no NUL (nor CR/LF) goes out is
	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:bob!b@127.0.0.1 JOIN #room
			:pat!pat@127.0.0.1 PRIVMSG #room :pqr
			:host!host@chat-listen PRIVMSG #room :host
			~ :chat-listen 432 alice n* :Erroneous nickname
			~ :chat-listen 421 alice FR* :Unknown command
			~ :chat-listen 401 alice no* :No such nick/channel
			~ :chat-listen 318 alice no* :End of WHOIS list
			~ :chat-listen PONG chat-listen :to*
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
	irc_frame b
	grep -v '^:chat-listen \|JOIN\|^ERROR' "$T/b.out.txt" >"$T/b.talk" || true
	expect_transcript "$T/b.talk" <<-'EOF'
		:pat!pat@127.0.0.1 PRIVMSG #room :pqr
		:host!host@chat-listen PRIVMSG #room :host
		:alice!al@127.0.0.1 PRIVMSG #room :abc
		:alice!al@127.0.0.1 PRIVMSG bob :xy
	EOF
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* alice joined
		* bob joined
		<pat> p^@q^Mr
		<alice> a^@b^Mc
	EOF
}

@test "irc: IRC formatting codes from an IRC member show as ^B, ^C12 etc. to plain members and the host (bad UTF-8 as \\xff); IRC members get them as sent" {
	start_room
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	isend a 'PRIVMSG #room :\x02bold\x02 \x0312,4blue\x03 \x1funder\x1f \x1ditalic\x1d \x16rev\x16 \x0fplain \xff \xc3\xa9'
	got_all "<alice> ^Bbold^B ^C12,4blue^C ^_under^_ ^]italic^] ^Vrev^V ^Oplain \\xff é" p host
	igot b ":alice!al@127.0.0.1 PRIVMSG #room :"$'\x02bold\x02 \x0312,4blue\x03 \x1funder\x1f \x1ditalic\x1d \x16rev\x16 \x0fplain \xff \xc3\xa9'
	close_room
	gone a
	gone b
	irc_frame a b
}

@test "irc: 2000 lines of seeded junk from an IRC member (known commands with odd words, controls, bad UTF-8): the room stays up, every reply well framed, the others still talk" {
	start_room --max-rate 0
	pjoin p pat 1
	ijoin a alice al
	ijoin b bob b
	got p "* bob joined"
	"$PYTHON" "$IRCPEER" junk 13 2000 >"$T/junk"
	printf 'JOIN #room\r\nPING :end\r\n' >>"$T/junk"
	send_file a "$T/junk"
	igot a ":chat-listen PONG chat-listen :end" 10
	say p "still up"
	igot a ":pat!pat@127.0.0.1 PRIVMSG #room :still up"
	igot b ":pat!pat@127.0.0.1 PRIVMSG #room :still up"
	expect_alive "$RPID"
	close_room
	gone a
	gone b
	irc_frame a b
}

@test "irc: NAMES with 40 members of 30-character names: 353 lines of at most 512 bytes, as full as fits, naming the host (@) and everyone once, in order, then 366" {
	local i names=() want got line n353 next prev
	start_room
	for i in $(seq 10 49); do
		names+=("N${i}_$(printf 'x%.0s' {1..26})")
	done
	assert_eq "${#names[0]}" 30 "name length"
	for i in "${!names[@]}"; do
		member "m$i"
		say "m$i" "/nick ${names[i]}"
	done
	wait_lines "$T/room.out" '^\* user[0-9]+ is now N[0-9]{2}_x{26}$' 40
	ijoin a alice
	isend a 'NAMES #room' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	irc_frame a
	assert_eq "$(count_lines "$T/a.out.txt" '^:chat-listen 366 alice #room :End of NAMES list$')" 2 "366 lines"
	want="@host ${names[*]} alice"
	# the 353 lines of the join, then those of NAMES
	got='' n353=0
	while IFS= read -r line; do
		[[ $line == ":chat-listen 353 alice = #room :"* ]] || continue
		n353=$((n353 + 1))
		got+="${got:+ }${line#:chat-listen 353 alice = #room :}"
	done <"$T/a.out.txt"
	assert_eq "$got" "$want $want" "the names of both 353 runs"
	[ "$n353" -ge 6 ] || { echo "only $n353 lines of 353" >&2; return 1; }
	# as full as fits: the next name would not have
	prev=''
	while IFS= read -r line; do
		if [[ $line == ":chat-listen 353 alice = #room :"* ]]; then
			if [ -n "$prev" ]; then
				next=${line#:chat-listen 353 alice = #room :}
				next=${next%% *}
				if [ $((${#prev} + 1 + ${#next} + 2)) -le 512 ]; then
					echo "a 353 line of ${#prev} bytes had room for $next" >&2
					return 1
				fi
			fi
			prev=$line
		else
			prev=''
		fi
	done <"$T/a.out.txt"
	close_room
}

@test "irc: --max-rate with an IRC member: a burst past the limit gets one NOTICE to slow down, the lines past it are dropped; the next burst one NOTICE more; PING is not counted" {
	local i burst1=() burst2=() slow=":chat-listen NOTICE alice :error: slow down" n
	start_room --max-rate 10
	pjoin p pat 1
	ijoin a alice al
	got p "* alice joined"
	for i in $(seq 1 15); do
		burst1+=("PRIVMSG #room :r$i")
		burst2+=("PRIVMSG #room :s$i")
	done
	# one write, one read: the 10 tokens of a full bucket, then nothing
	isend a "${burst1[@]}" 'PING :one'
	igot a ":chat-listen PONG chat-listen :one"
	say p "/msg pat sync one"
	got p "*pat* sync one"
	assert_eq "$(count_lines "$T/p.out" '^<alice> r[0-9]+$')" 10 "lines of the first burst relayed"
	got p "<alice> r10"
	assert_eq "$(count_exact "$slow$CR" "$T/a.out")" 1 "NOTICEs after the first burst"
	# the time under test: the bucket gets 3 tokens back (one per 100 ms)
	sleep 0.3
	isend a "${burst2[@]}" 'PING :two'
	igot a ":chat-listen PONG chat-listen :two"
	say p "/msg pat sync two"
	got p "*pat* sync two"
	assert_eq "$(count_exact "$slow$CR" "$T/a.out")" 2 "NOTICEs after the second burst"
	n=$(count_lines "$T/p.out" '^<alice> s[0-9]+$')
	if [ "$n" -lt 3 ] || [ "$n" -gt 10 ]; then
		echo "$n lines of the second burst relayed (the bucket held 3 to 10)" >&2
		return 1
	fi
	got p "<alice> s$n"
	close_room
	gone a
	irc_frame a
}

@test "irc: -i: an idle IRC member is told (NOTICE), gets ERROR and is closed; others see QUIT :idle / '* bob left (idle)'; PINGs count as activity" {
	local i=0 t0 tb
	start_room -i 1
	ijoin a alice al
	set_now
	t0=$NOW
	ijoin b bob b
	# alice (who came first) says nothing but PING, every 100 ms or so
	until [ -e "$T/b.closed" ]; do
		i=$((i + 1))
		isend a "PING :k$i"
		igot a ":chat-listen PONG chat-listen :k$i"
		room_poll 0.1 test -e "$T/b.closed" || true
		set_now
		[ $((NOW - t0)) -lt 5000 ] || { echo "bob still here after 5 s" >&2; return 1; }
	done
	tb=$((NOW - t0))
	[ "$tb" -ge 990 ] || { echo "bob dropped after $tb ms, before -i's 1 s" >&2; return 1; }
	# alice outlived bob, who came after her: her PINGs kept her in
	isend a 'PING :still'
	igot a ":chat-listen PONG chat-listen :still"
	igot a ":bob!b@127.0.0.1 QUIT :idle"
	got host "* bob left (idle)"
	# as they are now: alice goes idle too, 1 s after her last PING
	cp "$T/a.out" "$T/a-now.out"
	cp "$T/room.out" "$T/room-now.out"
	expect_transcript "$T/room-now.out" <<-'EOF'
		* alice joined
		* bob joined
		* bob left (idle)
	EOF
	irc_frame a-now
	if grep -q 'NOTICE\|^ERROR' "$T/a-now.out.txt"; then
		echo "alice was told to go:" >&2
		grep 'NOTICE\|^ERROR' "$T/a-now.out.txt" >&2
		return 1
	fi
	log_has "chat-listen: bob disconnected \(idle\)"
	{
		registered bob b b
		cat <<-'EOF'
			:chat-listen 353 bob = #room :@host alice bob
			:chat-listen 366 bob #room :End of NAMES list
			:chat-listen NOTICE bob :closing: idle for 1 s
			ERROR :Closing link: idle for 1 s
		EOF
	} >"$T/want"
	iexpect b <"$T/want"
	close_room
}

@test "irc: registration time-out: a client that does not register in time gets 'ERROR :Closing link: registration timed out' and is closed, its PINGs notwithstanding; nobody hears of it (-i shortens the 60 s)" {
	local i=0 t0 tr first
	start_room -i 0.5
	set_now
	t0=$NOW
	member r
	isend r 'NICK slowpoke' 'USER'
	until [ -e "$T/r.closed" ]; do
		i=$((i + 1))
		isend r "PING :k$i"
		room_poll 0.1 test -e "$T/r.closed" || true
		set_now
		[ $((NOW - t0)) -lt 5000 ] || { echo "still connected after 5 s" >&2; return 1; }
	done
	tr=$((NOW - t0))
	[ "$tr" -ge 490 ] || { echo "dropped after $tr ms, before 0.5 s" >&2; return 1; }
	irc_frame r
	grep -v '^:chat-listen PONG chat-listen :k[0-9]*$' "$T/r.out.txt" >"$T/r.rest" || true
	expect_transcript "$T/r.rest" <<-'EOF'
		:chat-listen 461 slowpoke USER :Not enough parameters
		ERROR :Closing link: registration timed out
	EOF
	[ "$(count_lines "$T/r.out.txt" '^:chat-listen PONG chat-listen :k[0-9]+$')" -ge 1 ]
	# the nick it held is free; the room heard nothing before
	member s
	isend s 'NICK slowpoke' 'USER s 0 * :S'
	igot s ":chat-listen 366 slowpoke #room :End of NAMES list"
	got host "* slowpoke joined"
	IFS= read -r first <"$T/room.out"
	assert_eq "$first" "* slowpoke joined" "the host's first line"
	close_room
}

@test "irc: pre-registration flood: past 4 KiB of lines before registering, 'ERROR :Closing link: too much before registering' and close; nobody hears of it, the nick is free" {
	local tok i
	tok=$(printf 'z%.0s' {1..400})
	start_room
	pjoin p pat 1
	member f
	{
		printf 'NICK flood\r\n'          # 12 bytes
		printf 'PING :%s\r\n' "$tok"{1..12} # 410 bytes each: the 10th ends at 4112
	} >"$T/flood"
	send_file f "$T/flood"
	gone f
	{
		for i in {1..9}; do
			echo ":chat-listen PONG chat-listen :$tok$i"
		done
		echo "ERROR :Closing link: too much before registering"
	} >"$T/want"
	iexpect f <"$T/want"
	say p "/nick flood"
	got_all "* pat is now flood" p host
	expect_transcript "$T/room.out" <<-'EOF'
		* user1 joined
		* user1 is now pat
		* pat is now flood
	EOF
	close_room
}

# Issue 13: "dropped ... so is one that sends more than a few KiB before
# it has": every byte counts, also of a line that never ends.
@test "irc: pre-registration flood without a newline (64 KiB of x after NICK) is dropped too" {
	start_room
	member f
	{
		printf 'NICK flood\r\n'
		head -c 65536 /dev/zero | tr '\0' x
	} >"$T/flood"
	send_file f "$T/flood"
	if ! room_poll 2 test -e "$T/f.closed"; then
		echo "not dropped after 64 KiB without a newline before registering; it got:" >&2
		cut -c1-100 "$T/f.out" >&2
		return 1
	fi
	got f "ERROR :Closing link: too much before registering$CR"
	close_room
}

@test "irc: detection: a plain member whose first line is 'hello' stays plain and is welcomed at once; a silent one within the documented wait (250 ms); 'nick bob', a bare 'NICK', a prefixed command... stay plain" {
	local t0 ts n=0 line first
	local lines=('nick bob' 'Nick bob' 'NICK' 'CAP' ':x NICK bob' 'user a 0 * :b' 'PING :x' 'PRIVMSG #room :hi')
	start_room
	set_now
	t0=$NOW
	member s # silent
	member h
	say h hello
	room_poll 5 room_welcomed "$T/s.out"
	set_now
	ts=$((NOW - t0))
	# h connected after s, but its line made it plain before s's wait ended
	got h "* welcome user1; here: host, user1"
	got s "* welcome user2; here: host, user2, user1"
	if [ "$ts" -lt 240 ] || [ "$ts" -gt 1500 ]; then
		echo "the silent member was welcomed after $ts ms (the wait is 250 ms)" >&2
		return 1
	fi
	got_all "<user1> hello" host
	# not what an IRC client sends first: plain members, their line text
	for line in "${lines[@]}"; do
		n=$((n + 1))
		member "x$n"
		say "x$n" "$line"
		got host "<user$((n + 2))> $line"
		room_poll 5 room_welcomed "$T/x$n.out"
		IFS= read -r first <"$T/x$n.out"
		[[ $first == "* welcome user$((n + 2)); here: "* ]] || {
			echo "x$n: [$first]" >&2
			return 1
		}
	done
	close_room
	{
		printf '%s\n' "* user1 joined" "<user1> hello" "* user2 joined"
		n=0
		for line in "${lines[@]}"; do
			n=$((n + 1))
			printf '%s\n' "* user$((n + 2)) joined" "<user$((n + 2))> $line"
		done
	} >"$T/want"
	expect_transcript "$T/room.out" <"$T/want"
	expect_transcript "$T/s.out" <<-'EOF'
		* welcome user2; here: host, user2, user1
		* user3 joined
		<user3> nick bob
		* user4 joined
		<user4> Nick bob
		* user5 joined
		<user5> NICK
		* user6 joined
		<user6> CAP
		* user7 joined
		<user7> :x NICK bob
		* user8 joined
		<user8> user a 0 * :b
		* user9 joined
		<user9> PING :x
		* user10 joined
		<user10> PRIVMSG #room :hi
		* room closed
	EOF
}

@test "irc: --no-irc: no detection wait, and a client sending NICK and USER is a plain member whose lines are text ('<user3> NICK alice')" {
	start_room --no-irc
	member s # silent: welcomed on arrival, before h says anything
	member h
	say h hello
	got s "<user2> hello"
	member a
	isend a 'NICK alice' 'USER al 0 * :Alice' 'PRIVMSG #room :hi'
	got_all "<user3> PRIVMSG #room :hi" s host
	close_room
	gone a
	gone s
	expect_transcript "$T/s.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		<user2> hello
		* user3 joined
		<user3> NICK alice
		<user3> USER al 0 * :Alice
		<user3> PRIVMSG #room :hi
		* room closed
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user3; here: host, user1, user2, user3
		* room closed
	EOF
}

@test "irc: --channel NAME: the channel in 003, JOIN, 331, 353, 366, PRIVMSG, MODE, WHO (any case); #room is then another channel (403); an invalid NAME is a usage error (exit 2)" {
	local bad=0 c n51
	CHAN='#Chat.Room'
	start_room --channel '#Chat.Room'
	pjoin p pat 1
	ijoin a alice al
	got p "* alice joined"
	say p "from pat"
	igot a ":pat!pat@127.0.0.1 PRIVMSG #Chat.Room :from pat"
	isend a 'JOIN #room' 'JOIN #chat.room' 'PART #room' 'MODE #CHAT.ROOM' 'WHO #chat.room' \
		'NAMES #CHAT.room' 'PRIVMSG #chat.ROOM :hi' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	got p "<alice> hi"
	close_room
	gone a
	{
		registered alice al alice
		cat <<-'EOF'
			:chat-listen 353 alice = #Chat.Room :@host pat alice
			:chat-listen 366 alice #Chat.Room :End of NAMES list
			:pat!pat@127.0.0.1 PRIVMSG #Chat.Room :from pat
			:chat-listen 403 alice #room :No such channel
			:chat-listen 403 alice #room :No such channel
			:chat-listen 324 alice #Chat.Room +nt
			:chat-listen 352 alice #Chat.Room host chat-listen chat-listen host H@ :0 host
			:chat-listen 352 alice #Chat.Room pat 127.0.0.1 chat-listen pat H :0 pat
			:chat-listen 352 alice #Chat.Room al 127.0.0.1 chat-listen alice H :0 alice
			:chat-listen 315 alice #chat.room :End of WHO list
			:chat-listen 353 alice = #Chat.Room :@host pat alice
			:chat-listen 366 alice #Chat.Room :End of NAMES list
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"

	n51="#$(printf 'c%.0s' {1..50})"
	for c in room '#' '#a b' '#a,b' '#a:b' "#a"$'\a' "$n51" ''; do
		room_usage_error --room --channel "$c" -b 127.0.0.1 0 || bad=1
		grep -qF "chat-listen: invalid --channel '$c': expected # and 1-49 more bytes, no space, comma, colon or BEL" "$T/u.err" || {
			echo "--channel '$c': $(head -n1 "$T/u.err")" >&2
			bad=1
		}
	done
	room_usage_error --channel '#x' -b 127.0.0.1 0 || bad=1
	grep -qF -- "--channel needs --room" "$T/u.err" || bad=1
	room_usage_error --no-irc -b 127.0.0.1 0 || bad=1
	grep -qF -- "--no-irc needs --room" "$T/u.err" || bad=1
	[ "$bad" = 0 ]
}

# room_usage_error ARGS...: chat-listen ARGS is a usage error: exit 2,
# nothing on stdout, two lines on stderr, the second "Try ..." (as in
# room.bats).
room_usage_error() {
	local rc=0
	timeout 5 chat-listen "$@" </dev/null >"$T/u.out" 2>"$T/u.err" || rc=$?
	if [ "$rc" -ne 2 ] || [ -s "$T/u.out" ] || [ "$(room_line_count "$T/u.err")" -ne 2 ] ||
		[ "$(sed -n 2p "$T/u.err")" != "Try 'chat-listen --help'." ]; then
		echo "chat-listen $*: exit $rc; stdout: $(head -c 200 "$T/u.out"); stderr:" >&2
		cat "$T/u.err" >&2
		return 1
	fi
}

@test "irc: over ::1 the address in nick!user@host, WHO, WHOIS and USERHOST is written 0::1 (a leading ':' would read as a trailing parameter)" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6"
	L_BIND=::1 start_room
	member p -6
	say p "/nick pat"
	got p "* user1 is now pat"
	ijoin -6 a alice al
	say p "hi"
	igot a ":pat!pat@0::1 PRIVMSG #room :hi"
	isend a 'WHO pat' 'WHOIS alice' 'USERHOST pat alice' 'PING :end'
	igot a ":chat-listen PONG chat-listen :end"
	log_has "chat-listen: alice connected from \[::1\]:[0-9]+"
	close_room
	gone a
	{
		registered alice al alice 0::1
		cat <<-'EOF'
			:chat-listen 353 alice = #room :@host pat alice
			:chat-listen 366 alice #room :End of NAMES list
			:pat!pat@0::1 PRIVMSG #room :hi
			:chat-listen 352 alice #room pat 0::1 chat-listen pat H :0 pat
			:chat-listen 315 alice pat :End of WHO list
			:chat-listen 311 alice alice al 0::1 * :alice
			:chat-listen 319 alice alice :#room
			:chat-listen 312 alice alice chat-listen :the room's server
			:chat-listen 318 alice alice :End of WHOIS list
			:chat-listen 302 alice :pat=+pat@0::1 alice=+al@0::1
			:chat-listen PONG chat-listen :end
			ERROR :Closing link: room closed
		EOF
	} >"$T/want"
	iexpect a <"$T/want"
}
