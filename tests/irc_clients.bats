#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); `load` hides the
# helpers' variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153
# Real IRC clients nobody here wrote (ii, sic, irssi; tests/irc_helper.bash)
# scripted on 127.0.0.1.
#
# First group, "probe": the helpers against ngircd, a reference IRC server;
# they pass whatever the room does, and show what each client prints.
# Second group, "room (IRC)": chat-listen --room speaking IRC (issue 13) to
# those clients, beside plain members (room_helper's join/say/got) and the
# host.

load test_helper
load room_helper
load irc_helper

# probe_join: ngircd; ii (handle i, nick ii1), sic (s, sic1) and irssi (r,
# irs1) in #room, joined one after the other (so each sees the later ones
# come in).
probe_join() {
	irc_need ngircd ii sic irssi tmux
	ngircd_start
	ii_start i "$PORT" ii1
	sic_start s "$PORT" sic1
	irssi_start r "$PORT" irs1
	ii_say i '' '/j #room'
	ii_got i '#room' '^-!- ii1\(~ii1@127\.0\.0\.1\) has joined #room$'
	sic_say s ':j #room'
	sic_got s '^sic1 >< JOIN \(\): #room$'
	irssi_cmd r '/join #room'
	irssi_got_in r '#room' '^-!- irs1 \[~irs1@127\.0\.0\.1\] has joined #room$'
}

### reference: the helpers against ngircd

@test "probe (ngircd): ii, sic and irssi register and join #room; each sees the later ones join; irssi's join syncs" {
	probe_join
	ii_got i '' '^Welcome to the Internet Relay Network ii1!~ii1@127\.0\.0\.1$'
	sic_got s '^irc\.test >< 001 \(sic1\): Welcome to the Internet Relay Network sic1!'
	irssi_got r '^-!- Welcome to the Internet Relay Network irs1!~irs1@127\.0\.0\.1$'
	ii_got i '#room' '^-!- sic1\(~sic1@127\.0\.0\.1\) has joined #room$'
	ii_got i '#room' '^-!- irs1\(~irs1@127\.0\.0\.1\) has joined #room$'
	sic_got s '^irs1 >< JOIN \(\): #room$'
	# names as each prints them (353, in the server's order)
	ii_got i '' '^= #room ii1$'
	sic_got s '^irc\.test >< 353 \(sic1 = #room\): sic1 ii1$'
	irssi_got_in r '#room' '^\[ ii1\] \[ irs1\] \[ sic1\] $'
	irssi_got_in r '#room' '^-!- Irssi: #room: Total of 3 nicks \[0 ops, 0 halfops, 0 voices, 3 normal\]$'
	irssi_synced r '#room' 3
	run irssi_windows r
	[ "$status" = 0 ]
	[[ $output == *"#room"* ]]
}

@test "probe (ngircd): messages ii -> sic, sic -> irssi, irssi -> ii; each echoes its own line, the server does not" {
	probe_join
	ii_say i '#room' 'hello from ii'
	sic_got s '^#room <ii1> hello from ii$'
	irssi_got_in r '#room' '^<ii1> hello from ii$'
	sic_say s ':s #room'
	sic_say s 'hello from sic'
	irssi_got_in r '#room' '^<sic1> hello from sic$'
	ii_got i '#room' '^<sic1> hello from sic$'
	irssi_cmd r 'hello from irssi'
	ii_got i '#room' '^<irs1> hello from irssi$'
	sic_got s '^#room <irs1> hello from irssi$'
	# the clients' own echo, once each
	ii_got i '#room' '^<ii1> hello from ii$' 0
	sic_got s '^#room <sic1> hello from sic$' 0
	irssi_got_in r '#room' '^<irs1> hello from irssi$' 0
	assert_eq "$(count_lines "$T/sic-s.out" '<sic1> hello from sic$')" 1 "sic's own line"
	# in irssi's all-windows log a line of a window not in front names it
	irssi_got r '^<irs1> hello from irssi$|^#room: <irs1> hello from irssi$' 0
}

@test "probe (ngircd): irssi's /me as ii and sic show it, ii's CTCP ACTION in irssi; private messages both ways, seen by nobody else" {
	probe_join
	irssi_cmd r '/me waves'
	ii_got i '#room' $'^<irs1> \001ACTION waves\001$'
	sic_got s $'^#room <irs1> \001ACTION waves\001$'
	ii_say i '#room' $'\001ACTION dances\001'
	irssi_got_in r '#room' '^ \* ii1 dances$'
	# private: irssi -> ii, ii answers in its query directory
	irssi_cmd r '/msg ii1 psst ii'
	ii_got i irs1 '^<irs1> psst ii$'
	ii_say i irs1 'psst irssi'
	irssi_got_in r ii1 '^<ii1> psst irssi$'
	# sic <-> irssi
	sic_say s ':m irs1 psst from sic'
	irssi_got_in r sic1 '^<sic1> psst from sic$'
	irssi_cmd r '/msg sic1 psst sic'
	sic_got s '^sic1 <irs1> psst sic$'
	# a channel line after them all: then nobody else had them
	irssi_cmd r 'after'
	ii_got i '#room' '^<irs1> after$'
	sic_got s '^#room <irs1> after$'
	irc_not sic_has s 'psst (ii|irssi)'
	irc_not ii_has i '#room' psst
	irc_not ii_has i '' psst
	irc_not irssi_has_in r '#room' psst
}

@test "probe (ngircd): /nick, kick, quit and part as ii, sic and irssi show them" {
	irc_need ngircd ii sic irssi tmux
	ngircd_start
	# #room has no operator; irssi creates #ops and holds @ there
	irssi_start r "$PORT" irs1
	irssi_cmd r '/join #ops'
	irssi_got_in r '#ops' '^\[@irs1\] $'
	ii_start i "$PORT" ii1
	sic_start s "$PORT" sic1
	ii_say i '' '/j #ops'
	ii_got i '#ops' '^-!- ii1\(~ii1@127\.0\.0\.1\) has joined #ops$'
	sic_say s ':j #ops'
	irssi_got_in r '#ops' '^-!- sic1 \[~sic1@127\.0\.0\.1\] has joined #ops$'
	# /nick: ii writes others' and its own to the server's out
	irssi_cmd r '/nick irs2'
	irssi_got r "^-!- You're now known as irs2$"
	ii_got i '' '^-!- irs1 changed nick to irs2$'
	sic_got s '^irs1 >< NICK \(\): irs2$'
	ii_say i '' '/n ii2'
	ii_got i '' '^-!- changed nick to "ii2"$'
	irssi_got_in r '#ops' '^-!- ii1 is now known as ii2$'
	# kick
	irssi_cmd r '/kick sic1 out you go'
	sic_got s '^irs2 >< KICK \(#ops sic1\): out you go$'
	ii_got i '#ops' '^-!- irs2 kicked sic1 +\("out you go"\)$'
	irssi_got_in r '#ops' '^-!- sic1 was kicked from #ops by irs2 \[out you go\]$'
	# sic comes back and parts; ii quits (ngircd quotes a QUIT reason; ii
	# exits without printing its ERROR)
	sic_say s ':j #ops'
	ii_got i '#ops' '^-!- sic1\(~sic1@127\.0\.0\.1\) has joined #ops$'
	sic_say s ':l #ops see you'
	sic_got s '^sic1 >< PART \(#ops\): see you$'
	ii_got i '#ops' '^-!- sic1\(~sic1@127\.0\.0\.1\) has left #ops$'
	irssi_got_in r '#ops' '^-!- sic1 \[~sic1@127\.0\.0\.1\] has left #ops \[see you\]$'
	ii_say i '' '/q ii out'
	irssi_got_in r '#ops' '^-!- ii2 \[~ii1@127\.0\.0\.1\] has quit \["ii out"\]$'
	ii_gone i
}

@test "probe (ngircd): the server going down: ERROR; ii and sic exit, irssi shows it and stays" {
	irc_need ngircd ii sic irssi tmux
	ngircd_start
	ii_start i "$PORT" ii1
	sic_start s "$PORT" sic1
	irssi_start r "$PORT" irs1
	ii_got i '' '^End of MOTD command$'
	sic_got s '^irc\.test >< 376 \(sic1\): End of MOTD command$'
	irssi_got r '^-!- End of MOTD command$'
	kill -TERM "$NGIRCD_PID"
	ii_got i '' '^Server going down$'
	ii_gone i
	sic_got s '^127\.0\.0\.1 >< ERROR \(\): Server going down$'
	sic_gone s
	irssi_got r '^-!- ERROR Server going down$'
	irssi_got r '^-!- Irssi: Connection lost to 127\.0\.0\.1$'
	expect_alive "${IRC_PID[irssi-r]}"
	wait_file_contains "$T/sic-s.err" 'sic: remote host closed connection'
	wait_file_contains "$T/ii-i.err" 'ii: remote host closed connection'
}

### chat-listen --room speaking IRC (issue 13)
# Plain members are user1, user2, ... (handles a, b); the host is "host";
# the IRC clients register as alice (ii, handle i), bob (sic, s) and carol
# (irssi, r). No client sends JOIN: the room joins them to #room itself.

@test "room (IRC): ii is in #room at once: JOIN, names with @host and the plain member, chat both ways with an nc member and the host" {
	irc_need ii
	start_room
	join a -k nc
	ii_start i "$PORT" alice
	ii_got i '#room' '^-!- alice\([^)]*\) has joined #room$'
	ii_got i '' '^= #room .*@host( |$)'
	ii_got i '' '^= #room .*(^| )user1( |$)'
	got a "* alice joined"
	got host "* alice joined"
	ii_say i '#room' 'hello from alice'
	got a "<alice> hello from alice"
	got host "<alice> hello from alice"
	say a "hi alice"
	ii_got i '#room' '^<user1> hi alice$'
	say host "welcome alice"
	ii_got i '#room' '^<host> welcome alice$'
	# CTCP ACTION (ii has no /me) reaches the plain side as an action
	ii_say i '#room' $'\001ACTION waves\001'
	got a "* alice waves"
	got host "* alice waves"
	say a "/me nods"
	ii_got i '#room' $'^<user1> \001ACTION nods\001$'
}

@test "room (IRC): sic chats both ways with a plain member and the host; never echoed" {
	irc_need sic
	start_room
	join a
	sic_start s "$PORT" bob
	sic_got s '^bob >< JOIN \(#room\): $|^bob >< JOIN \(\): #room$'
	got a "* bob joined"
	sic_say s ':s #room'
	sic_say s 'hi from bob'
	got a "<bob> hi from bob"
	got host "<bob> hi from bob"
	say a "hi bob"
	sic_got s '^#room <user1> hi bob$'
	say host "hi from the host"
	sic_got s '^#room <host> hi from the host$'
	# sic printed its own line itself; the room sent it no copy
	assert_eq "$(count_lines "$T/sic-s.out" '<bob> hi from bob$')" 1 "bob's line in sic's output"
}

@test "room (IRC): irssi: joined without /join, its channel sync completes within 3 s; chat and /me both ways" {
	irc_need irssi tmux
	start_room
	join a
	irssi_start r "$PORT" carol
	irssi_got_in r '#room' '^-!- carol \[[^]]*\] has joined #room$'
	irssi_got_in r '#room' '@host'
	irssi_synced r '#room' 3
	got a "* carol joined"
	# a JOIN irssi did not ask for opens #room's window in the background
	irssi_window r '#room'
	irssi_cmd r 'hello from carol'
	got a "<carol> hello from carol"
	got host "<carol> hello from carol"
	irssi_cmd r '/me waves'
	got a "* carol waves"
	got host "* carol waves"
	say a "hi carol"
	irssi_got_in r '#room' '^<user1> hi carol$'
	say a "/me nods"
	irssi_got_in r '#room' '^ \* user1 nods$'
	say host "hello carol"
	irssi_got_in r '#room' '^<@host> hello carol$'
}

@test "room (IRC): private messages both ways between ii, a plain member and the host; nobody else sees them" {
	irc_need ii
	start_room
	join a
	join b
	ii_start i "$PORT" alice
	got a "* alice joined"
	say a "/msg alice psst"
	ii_got i user1 '^<user1> psst$'
	ii_say i user1 'psst back'
	got a "*alice* psst back"
	say host "/msg alice from the host"
	ii_got i host '^<host> from the host$'
	ii_say i '' '/j host to the host'
	got host "*alice* to the host"
	# a public line after them all: then nobody else had them
	say a "public"
	got b "<user1> public"
	got host "<user1> public"
	ii_got i '#room' '^<user1> public$'
	irc_not grep -q psst "$T/b.out"
	irc_not grep -q psst "$T/room.out"
	irc_not grep -q 'from the host' "$T/a.out" "$T/b.out"
	irc_not grep -q 'to the host' "$T/a.out" "$T/b.out"
	irc_not ii_has i '#room' 'psst|host'
}

@test "room (IRC): irssi /msg to a plain member and back; /nick: the plain side sees '* carol is now dave'" {
	irc_need irssi tmux
	start_room
	join a
	irssi_start r "$PORT" carol
	got a "* carol joined"
	irssi_cmd r '/msg user1 hi user1'
	got a "*carol* hi user1"
	say a "/msg carol hi carol"
	irssi_got_in r user1 '^<user1> hi carol$'
	irssi_cmd r '/nick dave'
	got a "* carol is now dave"
	got host "* carol is now dave"
	irssi_got r "^-!- You're now known as dave$"
	say a "/nick erin"
	irssi_got_in r '#room' '^-!- user1 is now known as erin$'
	say a "from erin"
	irssi_got_in r '#room' '^<erin> from erin$'
}

@test "room (IRC): the host's /kick: irssi and ii see the KICK, the plain side '* NAME was kicked'" {
	irc_need ii irssi tmux
	start_room
	join a
	ii_start i "$PORT" alice
	irssi_start r "$PORT" carol
	got a "* alice joined"
	got a "* carol joined"
	irssi_synced r '#room' 3
	say host "/kick carol"
	irssi_got_in r '#room' '^-!- carol was kicked from #room by host \[kicked by host\]$'
	ii_got i '#room' '^-!- host kicked carol +\("kicked by host"\)$'
	got a "* carol was kicked"
	got host "* carol was kicked"
	say host "/kick alice"
	ii_got i '#room' '^-!- host kicked alice +\("kicked by host"\)$'
	got a "* alice was kicked"
}

@test "room (IRC): an IRC member's QUIT: ERROR and close for it, '* NAME left' for the plain side, QUIT for the IRC members" {
	irc_need ii sic irssi tmux
	start_room
	join a
	ii_start i "$PORT" alice
	sic_start s "$PORT" bob
	irssi_start r "$PORT" carol
	got a "* alice joined"
	got a "* bob joined"
	got a "* carol joined"
	sic_say s ':QUIT :bye all'
	got a "* bob left"
	got host "* bob left"
	sic_got s '^127\.0\.0\.1 >< ERROR \(\): '
	sic_gone s
	ii_got i '' '^-!- bob\([^)]*\) has quit '
	irssi_got_in r '#room' '^-!- bob \[[^]]*\] has quit '
	ii_say i '' '/q'
	got a "* alice left"
	ii_gone i
	irssi_got_in r '#room' '^-!- alice \[[^]]*\] has quit '
	irssi_cmd r '/quit'
	got a "* carol left"
	irssi_gone r
}

@test "room (IRC): the host closes the room: ii, sic and irssi get ERROR :Closing link: room closed and are disconnected" {
	irc_need ii sic irssi tmux
	start_room
	join a
	ii_start i "$PORT" alice
	sic_start s "$PORT" bob
	irssi_start r "$PORT" carol
	got a "* alice joined"
	got a "* bob joined"
	got a "* carol joined"
	leave host
	expect_exit "$RPID" 0
	got a "* room closed"
	ii_got i '' '^Closing link: room closed$'
	ii_gone i
	sic_got s '^127\.0\.0\.1 >< ERROR \(\): Closing link: room closed$'
	sic_gone s
	irssi_got r '^-!- ERROR Closing link: room closed$'
	irssi_got r '^-!- Irssi: Connection lost to 127\.0\.0\.1$'
}
