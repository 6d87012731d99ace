#!/usr/bin/env bats
# shellcheck shell=bash
# chat-listen --room under load and over time: many members, floods,
# interleaved partial lines, a member that never reads, --max-rate, -i,
# memory with 500 members.

load test_helper
load room_helper

# in_order FILE NAME COUNT: FILE holds the lines "<NAME> NNNNNN xxx..." of a
# flood client, numbered 0 to COUNT-1, each exactly once, in order, intact.
in_order() {
	awk -v who="<$2>" -v count="$3" '
		$1 != who { next }
		{
			if ($2 + 0 != n || length($2) != 6 || $3 !~ /^x+$/ || NF != 3) {
				printf "%s: line %d is not number %d: %.60s\n", who, NR, n, $0
				bad = 1
				exit
			}
			n++
		}
		END {
			if (!bad && n != count) {
				printf "%s: %d lines, want %d\n", who, n, count
				bad = 1
			}
			exit bad
		}' "$1" >&2
}

# count_from FILE NAME: lines in FILE from <NAME>.
count_from() {
	count_lines "$1" "^<$2> "
}

# has_from FILE NAME N: FILE holds N lines from <NAME> (for wait_for).
has_from() {
	[ "$(count_from "$1" "$2")" -ge "$3" ]
}

@test "room stress: three members flood at once; each sender's lines arrive complete and in order" {
	# 3 x 1000 lines of 40 bytes: below what a member may have pending,
	# so only the order is under test here
	local n=1000 h
	start_room --max-rate 0
	join o -k cc
	for h in f1 f2 f3; do
		spawn "$h" "$PYTHON" "$ROOMCLIENT" "$PORT" flood "$n" 40
	done
	for h in f1 f2 f3; do
		wait_file_contains "$T/$h.out" "sent $n" 10
	done
	# the flooders join in any order: users 2-4
	for h in user2 user3 user4; do
		wait_for -t 10 has_from "$T/o.out" "$h" "$n"
		wait_for -t 10 has_from "$T/room.out" "$h" "$n"
		in_order "$T/o.out" "$h" "$n"
		in_order "$T/room.out" "$h" "$n"
	done
	expect_alive "$RPID"
}

@test "room stress: two members send partial lines byte by byte at the same time; lines never mix" {
	local nl=6
	start_room --max-rate 0
	join o
	spawn bw "$PYTHON" "$ROOMCLIENT" "$PORT" bytewise "$nl"
	wait_file_contains "$T/bw.out" "done" 10
	wait_for has_from "$T/o.out" user3 "$nl"
	wait_for has_from "$T/room.out" user3 "$nl"
	local i want2='' want3=''
	for ((i = 0; i < nl; i++)); do
		want2+="<user2> a$i-aaaaaaaaaaaaaaaaaaaaaaaa"$'\n'
		want3+="<user3> b$i-bbbbbbbbbbbbbbbbbbbbbbbb"$'\n'
	done
	assert_eq "$(grep '^<user2> ' "$T/o.out")" "${want2%$'\n'}" "user2's lines at a member"
	assert_eq "$(grep '^<user3> ' "$T/o.out")" "${want3%$'\n'}" "user3's lines at a member"
	assert_eq "$(grep '^<user2> ' "$T/room.out")" "${want2%$'\n'}" "user2's lines at the host"
	assert_eq "$(grep '^<user3> ' "$T/room.out")" "${want3%$'\n'}" "user3's lines at the host"
	# nothing else: the joins and the lines
	assert_eq "$(grep -vcE '^(<user[23]> |\* user[23] joined$|\* welcome user1;)' "$T/o.out")" 0 "other lines at the member"
}

@test "room stress: a member that never reads is dropped as too slow; the others get every line in order" {
	start_room --max-rate 0
	spawn slow "$PYTHON" "$ROOMCLIENT" "$PORT" noread
	wait_file_contains "$T/slow.out" connected
	wait_file_matches "$T/room.err" '^chat-listen: user1 connected from '
	# user2 reads everything (in step with the flood, so that only the room
	# decides who falls behind); user3 floods until it hears of the drop,
	# then sends 128 lines more
	spawn flood "$PYTHON" "$ROOMCLIENT" -t 15 "$PORT" flood 200000 128 \
		"* user1 left (too slow)" "$T/o.out"
	wait_file_contains "$T/flood.out" "sent " 15
	local n
	n=$(sed -n 's/^sent //p' "$T/flood.out")
	[ "$n" -lt 200000 ] || { echo "the flood never saw the drop" >&2; return 1; }
	wait_for -t 10 has_from "$T/room.out" user3 "$n"
	in_order "$T/o.out" user3 "$n"
	in_order "$T/room.out" user3 "$n"
	got_all "* user1 left (too slow)" o host
	log_has "chat-listen: user1 disconnected \\(too slow\\)"
	# the room still works and user1 is gone
	say host /who
	got host "* here: host, user2, user3"
	assert_eq "$(count_lines "$T/o.out" '^\* .* left')" 1 "'left' lines at the member"
	expect_alive "$RPID"
}

@test "room stress: 200 members at once all receive one broadcast" {
	start_room --max-clients 200
	spawn many "$PYTHON" "$ROOMCLIENT" -t 15 "$PORT" many 200 "<host> to all 200"
	wait_file_contains "$T/many.out" "ready 200" 15
	say host "to all 200"
	expect_exit "$SPAWNED" 0 15
	got many "got 200"
	assert_eq "$(count_lines "$T/room.err" ' connected from 127\.0\.0\.1:')" 200 "members logged"
	assert_eq "$(count_lines "$T/room.out" '^\* user[0-9]+ joined$')" 200 "joins on the host's stdout"
}

@test "room stress: 500 idle members: VmHWM stays under 16 MiB" {
	if sanitized; then skip "memory sizes mean nothing under the sanitizers"; fi
	raise_nofile 600
	start_room --max-clients 500
	spawn many "$PYTHON" "$ROOMCLIENT" -t 15 "$PORT" hold 500 "<host> memory"
	wait_file_contains "$T/many.out" "ready 500" 15
	say host "memory"
	wait_file_contains "$T/many.out" "got 500" 15
	local hwm
	hwm=$(kb "$RPID" VmHWM)
	[ "$hwm" -lt 16384 ] || { echo "VmHWM ${hwm} kB, want < 16384" >&2; return 1; }
	expect_alive "$RPID"
}

@test "room stress: --max-rate 5: a burst passes 5 lines, one '* error: slow down', others unaffected; tokens refill" {
	start_room --max-rate 5
	join a
	join b
	got a "* user2 joined"
	send_fmt a 'r01\nr02\nr03\nr04\nr05\nr06\nr07\nr08\nr09\nr10\nr11\nr12\n'
	got a "* error: slow down"
	send_fmt b 'b1\nb2\nb3\nb4\nb5\n'
	got_all "<user2> b5" a host
	# the time under test: one token back at 5 a second
	sleep 0.3
	say a "after a pause"
	got_all "<user1> after a pause" b host
	close_room
	gone a
	gone b
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		<user1> r01
		<user1> r02
		<user1> r03
		<user1> r04
		<user1> r05
		<user1> after a pause
		* room closed
	EOF
	expect_transcript "$T/a.out" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* error: slow down
		<user2> b1
		<user2> b2
		<user2> b3
		<user2> b4
		<user2> b5
		* room closed
	EOF
}

# ping_until FILE LINE SINCE MS: b says "ping" every 0.3 s (well inside -i 1)
# until FILE holds LINE and MS have passed since SINCE (at most 5 s).
ping_until() {
	local deadline=$(($(now_ms) + 5000))
	until grep -qxF -- "$2" "$1" && [ $(($(now_ms) - $3)) -ge "$4" ]; do
		[ "$(now_ms)" -lt "$deadline" ] || { echo "no '$2' in $1 after 5 s" >&2; return 1; }
		say b ping
		# the time under test: 0.3 s of silence at a time
		sleep 0.3
	done
}

@test "room stress: -i 1: a silent member is dropped as '* NAME left (idle)'; talking keeps one in" {
	local start joined took
	start_room -i 1
	start=$(now_ms)
	join a
	member b
	joined=$(now_ms)
	got b "* welcome user2; here: host, user1, user2"
	got a "* user2 joined"
	# b talks on for 1.3 s after it joined: past its own -i
	ping_until "$T/room.out" "* user1 left (idle)" "$joined" 1300
	took=$(($(now_ms) - start))
	[ "$took" -ge 1000 ] || { echo "user1 dropped after ${took} ms, before -i 1" >&2; return 1; }
	gone a
	say host /who
	got host "* here: host, user2"
	close_room
	gone b
	grep -v '^<user2> ping$' "$T/a.out" >"$T/a.rest"
	# the dropped member is told why before the close (issue 12)
	expect_transcript "$T/a.rest" <<-'EOF'
		* welcome user1; here: host, user1
		* user2 joined
		* closing: idle for 1 s
	EOF
	expect_transcript "$T/b.out" <<-'EOF'
		* welcome user2; here: host, user1, user2
		* user1 left (idle)
		* room closed
	EOF
	grep -v '^<user2> ping$' "$T/room.out" >"$T/host.rest"
	expect_transcript "$T/host.rest" <<-'EOF'
		* user1 joined
		* user2 joined
		* user1 left (idle)
		* here: host, user2
	EOF
}
