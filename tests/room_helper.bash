# shellcheck shell=bash
# Helpers for the chat-listen --room tests; load after test_helper.
#
# Members are named by a handle (a, b, ...) chosen by the test; the room
# names them user1, user2, ... What a member receives is in $T/HANDLE.out,
# the host's stdout in $T/room.out (handle "host"), the room's log in
# $T/room.err.
#
#   start_room ARGS...    chat-listen --room -b 127.0.0.1 ARGS... 0 (L_BIND
#                         and L_LINES as for start_listener); its stdin is a
#                         FIFO held by the hub; sets PORT and RPID
#   start_room_d ARGS...  the same with -d and stdin /dev/null
#   join HANDLE [-k KIND] [-6]
#                         a member over 127.0.0.1 (::1 with -6), once it has
#                         its welcome. KIND py (default): a socket of the
#                         hub (one python process, tests/roomclient.py, for
#                         all of them); cc: chat-connect; nc: OpenBSD nc -N;
#                         nc-crlf: nc -N -C. cc and nc read a held pipe.
#   member HANDLE ...     the same without waiting for the welcome
#   say HANDLE TEXT       one line from a member (host: the host's stdin)
#   send_fmt HANDLE FMT   raw bytes, FMT with printf escapes (\033, \000,
#                         \r, ...), nothing added
#   send_file HANDLE FILE the bytes of FILE
#   leave HANDLE          end of the member's input (host: of the room's
#                         stdin)
#   got HANDLE LINE [SECS]  wait until HANDLE received exactly LINE
#   gone HANDLE           wait until the room closed a py member's connection
#   expect_transcript FILE  FILE holds exactly the lines on stdin; an
#                         expected line starting with "~ " is a glob pattern
#
# The waits poll without forking: the file is read by bash, and the pause
# is a read with a timeout on a FIFO nobody writes to (5 ms, 10 ms after
# the first 0.1 s, 20 ms after the first second: a long wait reads the file
# less often). The helpers run without bats's DEBUG trap (room_fast).

ROOMCLIENT="$TESTS_DIR/roomclient.py"
declare -gA KIND=()
HUB_FD='' ROOM_NAP_FD='' HUB_PID=''

# room_python: PYTHON, the real python3 interpreter (a pyenv-style shim
# costs 0.3 s of CPU a start), looked up once per run (test_helper sets it
# already: this is for a helper loaded without it).
room_python() {
	if [ -z "${PYTHON:-}" ]; then
		if declare -F th_cached >/dev/null; then
			th_cached python3 python3 -c 'import sys; print(sys.executable)'
			PYTHON=${TH_CACHED:-python3}
		else
			PYTHON=python3
		fi
	fi
	[ -x "$PYTHON" ] || PYTHON=python3
}
room_python

# room_nap_init: the FIFO room_nap waits on (call it in the test's own shell):
# test_helper's (SLEEP_FD), else one of its own.
room_nap_init() {
	[ -z "$ROOM_NAP_FD" ] || return 0
	if [ -n "${SLEEP_FD:-}" ]; then
		ROOM_NAP_FD=$SLEEP_FD
		return 0
	fi
	mkfifo "$T/.room-nap"
	exec {ROOM_NAP_FD}<>"$T/.room-nap"
}

# room_nap [SECS]: pause SECS (default 5 ms) without a fork.
room_nap() {
	room_nap_init
	read -r -t "${1:-0.005}" -u "$ROOM_NAP_FD" _ || true
}

# room_nap_after N: the pause after N failed passes of a poll: 5 ms for
# the first 20 (0.1 s), 10 ms up to the 110th (~1 s), then 20 ms.
room_nap_after() {
	if [ "$1" -lt 20 ]; then
		room_nap
	elif [ "$1" -lt 110 ]; then
		room_nap 0.01
	else
		room_nap 0.02
	fi
}

# room_ms SECS: SECS ("2", "0.5") in milliseconds, in ROOM_MS (no fork).
room_ms() {
	local i=${1%%.*} f=''
	[[ $1 == *.* ]] && f=${1#*.}
	f="${f}000"
	ROOM_MS=$((10#${i:-0} * 1000 + 10#${f:0:3}))
}

# room_fast FUNC ARGS...: FUNC without bats's DEBUG trap (set +T: functions do
# not inherit it), which costs far more than what the helpers below do.
# The public helpers are thin wrappers: NAME() { room_fast NAME_ "$@"; }.
room_fast() {
	local -
	set +T
	"$@"
}

# room_poll SECS CMD...: run CMD until it succeeds, at most SECS.
room_poll() {
	room_fast room_poll_loop "$@"
}

room_poll_loop() {
	local left now deadline ROOM_MS n=0
	room_ms "$1"
	left=$ROOM_MS
	shift
	now=${EPOCHREALTIME:-}
	deadline=$((${now/./} + left * 1000))
	until "$@"; do
		if [ -n "$now" ]; then
			now=$EPOCHREALTIME
			[ "${now/./}" -lt "$deadline" ] || return 1
			room_nap_after "$n"
		else
			# no clock without a fork: count the naps (5 ms each)
			left=$((left - 5))
			[ "$left" -gt 0 ] || return 1
			room_nap
		fi
		n=$((n + 1))
	done
}

# start_hub: the python process that drives the py members and the host's
# stdin; commands go to it through $T/hub.cmd (see roomclient.py), which
# this shell holds open read-write: a write never blocks on opening and
# never raises SIGPIPE, and what is written before the hub reads waits in
# the pipe.
start_hub() {
	[ -z "$HUB_PID" ] || return 0
	room_nap_init
	mkfifo "$T/hub.cmd"
	exec {HUB_FD}<>"$T/hub.cmd"
	spawn hub "$PYTHON" "$ROOMCLIENT" hub "$T"
	HUB_PID=$SPAWNED
}

# hub_cmd WORDS...: one command to the hub.
hub_cmd() {
	local line="$*"
	if [[ $line == *$'\n'* ]]; then
		echo "hub_cmd: a command cannot hold a newline" >&2
		return 1
	fi
	printf '%s\n' "$line" >&"$HUB_FD"
}

# room_listening N: $T/room.err has N "listening on" lines; sets PORT.
room_listening() {
	local l n=0
	[ -e "$T/room.err" ] || return 1
	while IFS= read -r l; do
		if [[ $l =~ ^chat-listen:\ listening\ on\ .*:([0-9]+)$ ]]; then
			[ "$n" -gt 0 ] || PORT=${BASH_REMATCH[1]}
			n=$((n + 1))
		fi
	done <"$T/room.err"
	[ "$n" -ge "$1" ]
}

# room_up IN ARGS...: chat-listen --room ARGS... 0 with stdin IN, once it
# listens (L_BIND: the address, empty for none; L_LINES: listening lines).
room_up() {
	room_fast room_up_ "$@"
}

room_up_() {
	local in=$1 bind=${L_BIND-127.0.0.1} cmd=(chat-listen)
	shift
	[ -z "$bind" ] || cmd+=(-b "$bind")
	spawn -i "$in" room "${cmd[@]}" --room "$@" 0
	RPID=$SPAWNED
	if ! room_poll 5 room_listening "${L_LINES:-1}"; then
		echo "the room is not listening after 5 s; its log:" >&2
		cat "$T/room.err" >&2
		return 1
	fi
}

start_room() {
	room_fast start_room_ "$@"
}

start_room_() {
	# the hub opens host.fifo at its start; the room's open waits for it
	mkfifo "$T/host.fifo"
	start_hub
	room_up_ "$T/host.fifo" "$@"
	KIND[host]=hub
}

start_room_d() {
	room_fast start_room_d_ "$@"
}

start_room_d_() {
	room_nap_init
	room_up_ /dev/null -d "$@"
}

# room_out HANDLE: the file holding what HANDLE received, in ROOM_OUT.
room_out() {
	if [ "$1" = host ]; then
		ROOM_OUT="$T/room.out"
	else
		ROOM_OUT="$T/$1.out"
	fi
}

# room_has_line FILE LINE: FILE holds the whole line LINE (big files: grep).
room_has_line() {
	local c=''
	[ -e "$1" ] || return 1
	IFS= read -r -N 65537 c <"$1" || true
	if [ "${#c}" -gt 65536 ]; then
		grep -qxF -- "$2" "$1"
		return
	fi
	[[ $'\n'$c == *$'\n'"$2"$'\n'* ]]
}

# room_line_count FILE: lines in FILE (0 if missing).
room_line_count() {
	local n
	n=$(wc -l <"$1" 2>/dev/null) || n=0
	echo "$n"
}

member() {
	room_fast member_ "$@"
}

member_() {
	local h=$1 kind=py host=127.0.0.1 six=()
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-k) kind=$2; shift 2 ;;
		-6) host=::1 six=(-6); shift ;;
		*) echo "member: bad argument $1" >&2; return 2 ;;
		esac
	done
	KIND[$h]=$kind
	if [ "$kind" = py ]; then
		start_hub
		: >"$T/$h.out"
		hub_cmd join "$h" "$host" "$PORT"
		return
	fi
	hold_pipe "$h"
	case $kind in
	cc) spawn -i "$REPLY" "$h" chat-connect "$host" "$PORT" ;;
	nc) spawn -i "$REPLY" "$h" nc -N "${six[@]}" "$host" "$PORT" ;;
	nc-crlf) spawn -i "$REPLY" "$h" nc -N -C "${six[@]}" "$host" "$PORT" ;;
	*) echo "member: unknown kind $kind" >&2; return 2 ;;
	esac
}

# room_welcomed FILE: FILE starts with a welcome line.
room_welcomed() {
	local c=''
	IFS= read -r c 2>/dev/null <"$1" || true
	[[ $c == "* welcome "* ]]
}

join() {
	room_fast join_ "$@"
}

join_() {
	member_ "$@"
	if ! room_poll 5 room_welcomed "$T/$1.out"; then
		echo "join $*: no welcome after 5 s; received:" >&2
		cat "$T/$1.out" >&2
		return 1
	fi
}

# room_to_pipe HANDLE FMT ARGS...: printf into a cc/nc member's held pipe.
room_to_pipe() {
	local h=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c 'f=$1; shift; printf "$@" >"$f"' _ "$T/$h.fifo" "$@"
}

say() {
	room_fast say_ "$@"
}

say_() {
	if [ "${KIND[$1]:-}" = cc ] || [[ ${KIND[$1]:-} == nc* ]]; then
		room_to_pipe "$1" '%s\n' "$2"
	else
		hub_cmd say "$1" "$2"
	fi
}

send_fmt() {
	room_fast send_fmt_ "$@"
}

send_fmt_() {
	if [ "${KIND[$1]:-}" = cc ] || [[ ${KIND[$1]:-} == nc* ]]; then
		room_to_pipe "$1" "$2"
	else
		hub_cmd fmt "$1" "$2"
	fi
}

send_file() {
	room_fast send_file_ "$@"
}

send_file_() {
	if [ "${KIND[$1]:-}" = cc ] || [[ ${KIND[$1]:-} == nc* ]]; then
		timeout 5 cp "$2" "$T/$1.fifo"
	else
		hub_cmd file "$1" "$2"
	fi
}

leave() {
	room_fast leave_ "$@"
}

leave_() {
	if [ "${KIND[$1]:-}" = cc ] || [[ ${KIND[$1]:-} == nc* ]]; then
		close_pipe "$1"
	else
		hub_cmd leave "$1"
	fi
}

got() {
	room_fast got_ "$@"
}

got_() {
	local f ROOM_OUT
	room_out "$1"
	f=$ROOM_OUT
	if ! room_poll "${3:-5}" room_has_line "$f" "$2"; then
		printf '%s did not receive the line [%s] in %s s; it has:\n' "$1" "$2" "${3:-5}" >&2
		tail -n 20 "$f" 2>/dev/null | cut -c1-200 >&2
		return 1
	fi
}

# got_all LINE HANDLE...: each HANDLE received exactly LINE.
got_all() {
	room_fast got_all_ "$@"
}

got_all_() {
	local line=$1 h
	shift
	for h in "$@"; do
		got_ "$h" "$line" || return 1
	done
}

# close_room: the host's /quit; chat-listen exits 0.
close_room() {
	room_fast close_room_
}

close_room_() {
	say_ host /quit
	expect_exit "$RPID" 0
}

gone() {
	room_fast gone_ "$@"
}

gone_() {
	if ! room_poll 5 test -e "$T/$1.closed"; then
		echo "the room did not close $1's connection within 5 s" >&2
		return 1
	fi
}

expect_transcript() {
	room_fast expect_transcript_ "$@"
}

expect_transcript_() {
	local file=$1 i=0 ok=1 want have
	local -a exp act
	mapfile -t exp
	mapfile -t act <"$file"
	if [ "${#exp[@]}" -ne "${#act[@]}" ]; then
		ok=0
	else
		for ((i = 0; i < ${#exp[@]}; i++)); do
			want=${exp[i]}
			have=${act[i]}
			if [[ $want == "~ "* ]]; then
				# shellcheck disable=SC2053 # a glob on purpose
				[[ $have == ${want#"~ "} ]] || ok=0
			else
				[ "$have" = "$want" ] || ok=0
			fi
		done
	fi
	if [ "$ok" = 0 ]; then
		{
			echo "transcript ${file##*/} differs; expected:"
			printf '  |%.200s\n' "${exp[@]}"
			echo "got:"
			if [ "${#act[@]}" -gt 0 ]; then printf '  |%.200s\n' "${act[@]}"; fi
		} >&2
		return 1
	fi
}

# log_has ERE: the room's stderr has a whole line matching ERE.
log_has() {
	room_fast log_has_ "$@"
}

log_has_() {
	if ! grep -qE -- "^$1\$" "$T/room.err"; then
		echo "no line matching /^$1\$/ in the room's log:" >&2
		cat "$T/room.err" >&2
		return 1
	fi
}

# room_gone_pid PID: PID has exited (a zombie counts), read without a fork.
room_gone_pid() {
	local s=''
	{ IFS= read -r s <"/proc/$1/stat"; } 2>/dev/null || return 0
	s=${s##*) }
	[[ $s == [ZX]* ]]
}

# room_all_gone PID...: every PID has exited.
room_all_gone() {
	local p
	for p in "$@"; do
		room_gone_pid "$p" || return 1
	done
}

# room_stop: TERM every process the test started, at once, and wait (2 s
# at most) for them; test_helper's teardown, run next, then only has to
# find them gone (and KILLs what is left).
room_stop() {
	room_fast room_stop_
}

room_stop_() {
	local p live=()
	for p in "${PIDS[@]}"; do
		room_gone_pid "$p" || live+=("$p")
	done
	[ "${#live[@]}" -gt 0 ] || return 0
	kill -TERM "${live[@]}" 2>/dev/null || true
	room_poll 2 room_all_gone "${live[@]}" || true
}

# teardown: room_stop, then test_helper's own teardown.
if declare -F teardown >/dev/null; then
	eval "room_th_$(declare -f teardown)"
else
	room_th_teardown() { :; }
fi
teardown() {
	room_stop
	room_th_teardown
}

# raise_nofile N: a soft limit of open files of at least N (1024 if the
# hard limit allows), or skip.
raise_nofile() {
	room_fast raise_nofile_ "$@"
}

raise_nofile_() {
	local soft hard want=1024
	soft=$(ulimit -Sn)
	hard=$(ulimit -Hn)
	[ "$soft" = unlimited ] || [ "$soft" -ge "$1" ] && return 0
	[ "$want" -ge "$1" ] || want=$1
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
		want=$hard
	fi
	[ "$want" -ge "$1" ] || skip "hard limit of open files ($hard) below $1"
	ulimit -Sn "$want"
}
