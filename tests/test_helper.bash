# shellcheck shell=bash
# Variables set here (PORT, LPID, CPID, PEER_PORT, ...) are read by the .bats
# files, which shellcheck does not see from here:
# shellcheck disable=SC2034
# Shared setup for the chat-listen / chat-connect suite; every .bats file
# starts with `load test_helper`.
#
# Conventions:
#   $T            a fresh temp dir per test, removed in teardown
#   spawn NAME    background process, stdout/stderr in $T/NAME.out/.err,
#                 tracked and killed (TERM, then KILL) in teardown
#   start_listener / start_connect / start_peer wrap spawn
#   every wait is bounded; sleeps are only polling intervals or the time
#   under test (an idle period, a -w that must not cut a session)
#
# Speed: the suite runs ~300 tests on 2 CPUs in parallel, so what runs per
# test or per poll counts. The helpers run without bats's DEBUG trap
# (th_fast); polls and load time do not fork where bash can do the work;
# python is started as "$PYTHON" (the interpreter, not a shim).

bats_require_minimum_version 1.5.0

# tests/run names the files whose tests run one after another when it runs
# the whole suite (see there): bats reads this as it loads the file.
if [[ " ${CHAT_SERIAL_FILES:-} " == *" ${BATS_TEST_FILENAME##*/} "* ]]; then
	BATS_NO_PARALLELIZE_WITHIN_FILE=true
fi

# bats gives an absolute BATS_TEST_DIRNAME: no fork at load time
if [[ $BATS_TEST_DIRNAME == /* && $BATS_TEST_DIRNAME != */. && $BATS_TEST_DIRNAME != */.. ]]; then
	TESTS_DIR=${BATS_TEST_DIRNAME%/}
	BIN=${TESTS_DIR%/*}/bin
else
	TESTS_DIR=$(cd "$BATS_TEST_DIRNAME" && pwd)
	BIN=$(cd "$TESTS_DIR/.." && pwd)/bin
fi
PEER="$TESTS_DIR/peer.pl"

# th_cached NAME CMD...: TH_CACHED = the first line CMD prints, run once per
# bats run (kept in BATS_RUN_TMPDIR), not once per test.
th_cached() {
	local cache="${BATS_RUN_TMPDIR:-${BATS_TMPDIR:-/tmp}}/th-cache-$1"
	shift
	TH_CACHED=''
	if [ ! -e "$cache" ]; then
		"$@" >"$cache.$$" 2>/dev/null || :
		mv -f "$cache.$$" "$cache"
	fi
	IFS= read -r TH_CACHED <"$cache" || :
}

# Background processes get default signal dispositions: a non-interactive
# bash starts them with SIGINT ignored, which would hide the SIGINT rule.
# shellcheck disable=SC2016 # expanded by sh
th_cached env-default-signal sh -c 'env --default-signal true && echo yes'
if [ "$TH_CACHED" = yes ]; then
	DEFAULT_SIGNALS=(env --default-signal)
else
	# shellcheck disable=SC2016 # perl code, not shell
	DEFAULT_SIGNALS=(perl -e '$SIG{$_} = "DEFAULT" for qw(INT TERM PIPE HUP QUIT); exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"')
fi

# th_python: PYTHON = the real python3 interpreter: a pyenv-style shim on
# PATH (a script) costs 0.3 s of CPU a start. The first python3 on PATH
# that is a binary, found without a fork; else asked once per run.
th_python() {
	local d p magic dirs
	IFS=: read -r -a dirs <<<"$PATH"
	for d in "${dirs[@]}"; do
		p=${d:-.}/python3
		if [ ! -f "$p" ] || [ ! -x "$p" ]; then
			continue
		fi
		magic=''
		{ IFS= read -r -N 4 magic <"$p"; } 2>/dev/null || :
		if [ "$magic" = $'\x7fELF' ]; then
			PYTHON=$p
			return 0
		fi
	done
	# shellcheck disable=SC2016 # python code
	th_cached python3 python3 -c 'import sys; print(sys.executable)'
	PYTHON=${TH_CACHED:-python3}
	[ -x "$PYTHON" ] || PYTHON=python3
}
th_python

# th_fast FUNC ARGS...: FUNC without bats's DEBUG trap (set +T: the functions
# it calls do not inherit the trap). bats runs that trap before every
# command of a traced function and captures a stack trace each time
# (~0.3 ms): the helpers' loops under it were a third of the suite's CPU.
# Public helpers with loops are wrappers, NAME() { th_fast NAME_ "$@"; }; a
# failure inside one is reported at the test's line that called it.
th_fast() {
	local -
	set +T
	"$@"
}

setup() {
	th_fast setup_
	# From here on the functions the test calls do not inherit the DEBUG
	# trap (the whole of them: the helpers and the test file's own, bats's
	# run too): bats still traces each line of the test itself, so a
	# failure is reported at the test's line, and a function that fails
	# says why on stderr. CHAT_TEST_FUNCTRACE=1 keeps bats's full trace
	# (stack traces into the functions, at ~0.3 ms a command).
	[ -n "${CHAT_TEST_FUNCTRACE:-}" ] || set +T
}

setup_() {
	PATH="$BIN:$PATH"
	export PATH LC_ALL=C
	if [ ! -x "$BIN/chat-listen" ] || [ ! -x "$BIN/chat-connect" ]; then
		echo "missing $BIN/chat-listen or $BIN/chat-connect: run make first" >&2
		return 1
	fi
	# bats made BATS_TEST_TMPDIR for this test alone (no mktemp, no fork)
	if [ -n "${BATS_TEST_TMPDIR:-}" ] && [ -d "$BATS_TEST_TMPDIR" ]; then
		T=$BATS_TEST_TMPDIR/chat
		mkdir "$T"
	else
		T=$(mktemp -d "${TMPDIR:-/tmp}/chat.XXXXXX")
	fi
	PIDS=()
	declare -gA PNAME=() HOLDER=()
	SLEEP_FD=''
	th_nap_fifo
	exec {SLEEP_FD}<>"$TH_NAP_FIFO"
	PORT='' LPID='' CPID='' PEER_PORT='' PEER_PID='' SPAWNED='' EXIT_STATUS=''
}

teardown() {
	th_fast teardown_
}

teardown_() {
	kill_tracked
	if [ -n "${SLEEP_FD:-}" ]; then
		exec {SLEEP_FD}>&-
		SLEEP_FD=''
	fi
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		show_logs
	fi
	rm -rf "$T"
}

# show_logs: print the stderr of every spawned process (shown on failure).
show_logs() {
	local f
	for f in "$T"/*.err; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/}:"
		head -c 2000 "$f"
		echo
	done
}

### time and processes
# The polling helpers use bash builtins only (no fork per pass): the suite
# runs hundreds of polls and must stay fast on a loaded 2-core machine.

# set_now: NOW = wall clock in milliseconds.
set_now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		NOW=${EPOCHREALTIME/[.,]/}
		NOW=$((10#$NOW / 1000))
	else
		NOW=$(($(date +%s%N) / 1000000))
	fi
}

# now_ms: prints the wall clock in milliseconds.
now_ms() {
	set_now
	echo "$NOW"
}

# to_ms SECS: "1", "0.5", "2.25" -> milliseconds.
to_ms() {
	th_ms "$1"
	echo "$TH_MS"
}

# th_ms SECS: to_ms without a fork, in TH_MS.
th_ms() {
	local s=$1 i f=''
	i=${s%%.*}
	[[ $s == *.* ]] && f=${s#*.}
	f="${f}000"
	TH_MS=$((10#${i:-0} * 1000 + 10#${f:0:3}))
}

# th_nap_fifo: TH_NAP_FIFO, a FIFO nobody ever writes to, to wait on with
# read -t: one per bats run (each test opens it read-write), else $T/.nap.
th_nap_fifo() {
	local f="${BATS_RUN_TMPDIR:-}/th-nap.fifo"
	if [ -n "${BATS_RUN_TMPDIR:-}" ] && { [ -p "$f" ] || mkfifo "$f" 2>/dev/null || [ -p "$f" ]; }; then
		TH_NAP_FIFO=$f
	else
		TH_NAP_FIFO=$T/.nap
		[ -p "$TH_NAP_FIFO" ] || mkfifo "$TH_NAP_FIFO"
	fi
}

# nap [SECS]: wait SECS (default 0.02, the polling interval): read -t on a
# FIFO that never has data, a builtin, so no sleep(1) process per pass.
nap() {
	if [ -z "${SLEEP_FD:-}" ]; then
		if [ -z "${T:-}" ] || ! th_nap_fifo 2>/dev/null || ! exec {SLEEP_FD}<>"$TH_NAP_FIFO"; then
			sleep "${1:-0.02}"
			return 0
		fi
	fi
	read -r -t "${1:-0.02}" -u "$SLEEP_FD" _ || true
}

# th_nap N: the pause after the Nth failed pass of a poll: 2, 5 and 10 ms,
# then 20 ms (most waits end within milliseconds; long ones cost little).
th_nap() {
	case $1 in
	0) nap 0.002 ;;
	1) nap 0.005 ;;
	2) nap 0.01 ;;
	*) nap ;;
	esac
}

# proc_state PID: sets STATE to the state letter from /proc/PID/stat
# (fails if the process is gone).
proc_state() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) }
	STATE=${s%% *}
}

# is_alive PID: running and not a zombie.
is_alive() {
	proc_state "$1" || return 1
	[ "$STATE" != Z ] && [ "$STATE" != X ]
}

# none_alive PID...: all of them have exited.
none_alive() {
	local p
	for p in "$@"; do
		if is_alive "$p"; then return 1; fi
	done
}

# descendants PID...: every process below the PIDs (one ps call).
descendants() {
	th_fast descendants_ "$@"
}

descendants_() {
	local -A kids=()
	local pid ppid todo=("$@") p
	while read -r pid ppid; do
		kids[$ppid]+=" $pid"
	done < <(ps -e -o pid=,ppid= 2>/dev/null)
	while [ "${#todo[@]}" -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		for pid in ${kids[$p]:-}; do
			echo "$pid"
			todo+=("$pid")
		done
	done
}

# kill_tracked: TERM every tracked process and its children, KILL what is
# still there after 2 s.
kill_tracked() {
	th_fast kill_tracked_
}

kill_tracked_() {
	local p live=() all=()
	for p in "${PIDS[@]}"; do
		if is_alive "$p"; then live+=("$p"); fi
	done
	[ "${#live[@]}" -gt 0 ] || return 0
	# shellcheck disable=SC2207 # pids are single words
	all=("${live[@]}" $(descendants "${live[@]}"))
	kill -TERM "${all[@]}" 2>/dev/null || true
	if ! wait_for -t 2 none_alive "${all[@]}" 2>/dev/null; then
		kill -KILL "${all[@]}" 2>/dev/null || true
	fi
}

# wait_for [-t SECS] CMD...: run CMD until it succeeds, every 20 ms (the
# first passes sooner, see th_nap); fail after SECS (default 5).
wait_for() {
	th_fast wait_for_ "$@"
}

wait_for_() {
	local t=5 deadline i=0
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	set_now
	th_ms "$t"
	deadline=$((NOW + TH_MS))
	until "$@"; do
		set_now
		if [ "$NOW" -ge "$deadline" ]; then
			echo "wait_for: still false after ${t}s: $*" >&2
			return 1
		fi
		th_nap "$i"
		i=$((i + 1))
	done
}

# wait_exit PID [SECS]: wait (default 5 s) for a spawned process to exit.
# Returns its exit status (also in EXIT_STATUS); 254 if it is still running.
wait_exit() {
	th_fast wait_exit_ "$@"
}

wait_exit_() {
	local pid=$1 t=${2:-5} rc=0
	EXIT_STATUS=254
	if ! wait_for -t "$t" none_alive "$pid" 2>/dev/null; then
		echo "wait_exit: ${PNAME[$pid]:-$pid} (pid $pid) still running after ${t}s" >&2
		return 254
	fi
	wait "$pid" || rc=$?
	EXIT_STATUS=$rc
	return "$rc"
}

# expect_exit PID CODE [SECS]: the process exits with CODE within SECS.
expect_exit() {
	th_fast expect_exit_ "$@"
}

expect_exit_() {
	local rc=0
	wait_exit "$1" "${3:-5}" || rc=$?
	if [ "$rc" != "$2" ]; then
		echo "${PNAME[$1]:-pid $1}: expected exit $2, got $rc" >&2
		return 1
	fi
}

# expect_alive PID: the process is still running.
expect_alive() {
	if ! is_alive "$1"; then
		echo "${PNAME[$1]:-pid $1} exited but should still be running" >&2
		return 1
	fi
}

# spawn [-i IN] [-o OUT] [-e ERR] NAME CMD...: run CMD in the background,
# stdin from IN (default /dev/null), stdout to OUT ($T/NAME.out), stderr to
# ERR ($T/NAME.err). Sets SPAWNED to its PID and tracks it.
spawn() {
	th_fast spawn_ "$@"
}

spawn_() {
	local in=/dev/null out='' err='' opt OPTIND=1 name
	while getopts i:o:e: opt; do
		case $opt in
		i) in=$OPTARG ;;
		o) out=$OPTARG ;;
		e) err=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	name=$1
	shift
	# $T/NAME.out and .err are emptied here, not only by the child's
	# redirection: a wait that reads them at once must not take what an
	# earlier process of that name wrote (free_port's probe: its port)
	[ -n "$out" ] || [ -p "$T/$name.out" ] || : >"$T/$name.out"
	[ -n "$err" ] || [ -p "$T/$name.err" ] || : >"$T/$name.err"
	if [ -n "${SLEEP_FD:-}" ]; then
		"${DEFAULT_SIGNALS[@]}" "$@" <"$in" >"${out:-$T/$name.out}" 2>"${err:-$T/$name.err}" 3>&- {SLEEP_FD}>&- &
	else
		"${DEFAULT_SIGNALS[@]}" "$@" <"$in" >"${out:-$T/$name.out}" 2>"${err:-$T/$name.err}" 3>&- &
	fi
	SPAWNED=$!
	PIDS+=("$SPAWNED")
	PNAME[$SPAWNED]=$name
}

### pipes (FIFOs in $T, every end held by a tracked process)

# hold_pipe NAME: $T/NAME.fifo, whose write end stays open until
# close_pipe NAME; feed it with put NAME DATA. Sets REPLY to the path.
hold_pipe() {
	th_fast hold_pipe_ "$@"
}

hold_pipe_() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -o "$REPLY" "$1.hold" sleep 3600
	HOLDER[$1]=$SPAWNED
}

# put NAME DATA: write DATA into the held pipe NAME (bounded: 5 s; sh, not
# bash, for the bounded open: it starts faster).
put() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout 5 sh -c 'printf %s "$1" >"$2"' _ "$2" "$T/$1.fifo"
}

# close_pipe NAME: end of file for the reader of the held pipe NAME.
close_pipe() {
	th_fast close_pipe_ "$@"
}

close_pipe_() {
	kill -TERM "${HOLDER[$1]}"
	wait_exit "${HOLDER[$1]}" || true
}

# feed_pipe NAME FILE: $T/NAME.fifo carrying FILE, then end of file.
# Sets REPLY to the path and FEEDER to the PID of the writer.
feed_pipe() {
	th_fast feed_pipe_ "$@"
}

feed_pipe_() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$2" -o "$REPLY" "$1.feed" cat
	FEEDER=$SPAWNED
}

# drain_pipe NAME FILE: $T/NAME.fifo whose reader copies into FILE.
# Sets REPLY to the path and DRAINER to the PID of the reader.
drain_pipe() {
	th_fast drain_pipe_ "$@"
}

drain_pipe_() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$REPLY" -o "$2" "$1.drain" cat
	DRAINER=$SPAWNED
}

# stall_pipe NAME: $T/NAME.fifo whose reader never reads.
stall_pipe() {
	th_fast stall_pipe_ "$@"
}

stall_pipe_() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$REPLY" "$1.stall" sleep 3600
}

# slow_pipe NAME TARGET: $T/NAME.fifo read by a slow consumer: 64 KiB at
# most per read, with 1 ms of sleep after every fourth read. It creates $T/NAME.reached once it has
# read TARGET bytes, and prints the byte count at EOF on its stdout
# ($T/NAME.slow.out). Sets REPLY and DRAINER.
slow_pipe() {
	th_fast slow_pipe_ "$@"
}

slow_pipe_() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	# shellcheck disable=SC2016 # perl code, not shell
	spawn -i "$REPLY" "$1.slow" perl -MTime::HiRes=sleep -e '
		my ($target, $flag) = @ARGV;
		my ($n, $reads, $buf, $r) = (0, 0);
		while ($r = sysread(STDIN, $buf, 65536)) {
			$n += $r;
			if ($n >= $target && $flag) { open(my $f, ">", $flag); close $f; $flag = ""; }
			sleep 0.001 if ++$reads % 4 == 0;
		}
		defined $r or die "slow reader: $!\n";
		print "$n\n";' "$2" "$T/$1.reached"
	DRAINER=$SPAWNED
}

### the programs

LISTEN_RE='^chat-listen: listening on ([0-9.]+|\[[0-9a-fA-F:.]+\]):([0-9]+)'

# listening_ports FILE: the port of every "listening on" line in FILE.
listening_ports() {
	th_fast listening_ports_ "$@"
}

listening_ports_() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		if [[ $line =~ $LISTEN_RE$ ]]; then
			echo "${BASH_REMATCH[2]}"
		fi
	done <"$1" 2>/dev/null
}

# count_listening FILE: sets NLISTEN to the number of "listening on" lines
# and PORT to the first one's port (no fork: this runs in a polling loop).
count_listening() {
	th_fast count_listening_ "$@"
}

count_listening_() {
	local line
	NLISTEN=0
	[ -e "$1" ] || return 0
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line =~ $LISTEN_RE$ ]]; then
			[ "$NLISTEN" -gt 0 ] || PORT=${BASH_REMATCH[2]}
			NLISTEN=$((NLISTEN + 1))
		fi
	done <"$1"
}

# wait_listening PID FILE [N]: wait until FILE holds N (default 1)
# "listening on" lines; sets PORT to the first one's port.
wait_listening() {
	th_fast wait_listening_ "$@"
}

wait_listening_() {
	local pid=$1 file=$2 n=${3:-1} deadline i=0
	set_now
	deadline=$((NOW + 5000))
	while count_listening_ "$file" && [ "$NLISTEN" -lt "$n" ]; do
		if ! is_alive "$pid"; then
			echo "listener exited before listening; its stderr:" >&2
			cat "$file" >&2
			return 1
		fi
		set_now
		if [ "$NOW" -ge "$deadline" ]; then
			echo "no 'listening on' line after 5 s; stderr so far:" >&2
			cat "$file" >&2
			return 1
		fi
		th_nap "$i"
		i=$((i + 1))
	done
}

# start_listener [ARGS...]: chat-listen -b 127.0.0.1 ARGS... 0 in the
# background; waits for its "listening on" line and sets PORT and LPID.
# Overrides: L_NAME (listen), L_IN (stdin, default $T/NAME.in, created
# empty), L_OUT (stdout, default $T/NAME.out), L_BIND (127.0.0.1; empty: no
# -b), L_PORT (0), L_LINES (listening lines to wait for, 1).
# shellcheck disable=SC2120 # the tests pass ARGS
start_listener() {
	th_fast start_listener_ "$@"
}

start_listener_() {
	local name=${L_NAME:-listen} bind=${L_BIND-127.0.0.1}
	local in=${L_IN:-$T/${L_NAME:-listen}.in} cmd=(chat-listen) opts=()
	[ -e "$in" ] || : >"$in"
	[ -z "${L_OUT:-}" ] || opts=(-o "$L_OUT")
	[ -z "$bind" ] || cmd+=(-b "$bind")
	cmd+=("$@" "${L_PORT:-0}")
	spawn -i "$in" "${opts[@]}" "$name" "${cmd[@]}"
	LPID=$SPAWNED
	wait_listening "$LPID" "$T/$name.err" "${L_LINES:-1}"
}

# start_connect ARGS...: chat-connect ARGS... in the background; sets CPID.
# Overrides: C_NAME (conn), C_IN (stdin, default $T/NAME.in, created
# empty), C_OUT (stdout, default $T/NAME.out).
start_connect() {
	th_fast start_connect_ "$@"
}

start_connect_() {
	local name=${C_NAME:-conn}
	local in=${C_IN:-$T/${C_NAME:-conn}.in} opts=()
	[ -e "$in" ] || : >"$in"
	[ -z "${C_OUT:-}" ] || opts=(-o "$C_OUT")
	spawn -i "$in" "${opts[@]}" "$name" chat-connect "$@"
	CPID=$SPAWNED
}

# th_peer_port FILE: FILE has a line "peer: listening on PORT"; sets
# PEER_PORT (bash alone: this runs in a polling loop).
th_peer_port() {
	local line
	[ -e "$1" ] || return 1
	while IFS= read -r line; do
		if [[ $line =~ ^peer:\ listening\ on\ ([0-9]+)$ ]]; then
			PEER_PORT=${BASH_REMATCH[1]}
			return 0
		fi
	done <"$1"
	return 1
}

# start_peer [-6] ACTION...: the scripted peer (peer.pl) listening on
# 127.0.0.1 (or ::1 with -6); sets PEER_PORT and PEER_PID. P_NAME overrides
# the name "peer"; P_MODE=full gives a listener that never accepts.
start_peer() {
	th_fast start_peer_ "$@"
}

start_peer_() {
	local name=${P_NAME:-peer} fam=()
	if [ "${1:-}" = -6 ]; then
		fam=(-6)
		shift
	fi
	spawn "$name" perl "$PEER" "${fam[@]}" "${P_MODE:-listen}" "$@"
	PEER_PID=$SPAWNED
	if ! wait_for th_peer_port "$T/$name.err"; then
		cat "$T/$name.err" >&2
		return 1
	fi
}

# connect_peer NAME HOST PORT ACTION...: the scripted peer connecting.
connect_peer() {
	th_fast connect_peer_ "$@"
}

connect_peer_() {
	local name=$1
	shift
	spawn "$name" perl "$PEER" connect "$@"
	PEER_PID=$SPAWNED
}

# free_port: a port nothing listens on (from a port-0 listener, closed).
free_port() {
	th_fast free_port_
}

free_port_() {
	# a second call must not read the first probe's "listening on" line
	rm -f "$T/probe.err"
	L_NAME=probe start_listener
	kill -TERM "$LPID"
	wait_exit "$LPID" || true
	FREE_PORT=$PORT
}

### files and checks

# rand_file PATH BYTES
rand_file() {
	head -c "$2" /dev/urandom >"$1"
}

# file_size PATH: bytes (0 if missing).
file_size() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

size_at_least() {
	[ "$(file_size "$1")" -ge "$2" ]
}

# th_has_text FILE TEXT: grep -qsF -- TEXT FILE, forking grep only when it
# can be true: bash reads FILE (up to 64 KiB; bigger ones go to grep at
# once) and looks for TEXT; a line of FILE holding TEXT is in what bash
# read (bash drops NUL bytes, which only adds matches), so "not there" is
# grep's answer too, and "there" is confirmed by grep itself.
th_has_text() {
	local c=''
	if [[ $2 != *$'\n'* ]] && [ -n "$2" ]; then
		[ -e "$1" ] || return 1
		{ IFS= read -r -d '' -N 65537 c <"$1"; } 2>/dev/null || true
		if [ "${#c}" -le 65536 ] && [[ $c != *"$2"* ]]; then
			return 1
		fi
	fi
	grep -qsF -- "$2" "$1"
}

# wait_file_contains FILE TEXT [SECS]
wait_file_contains() {
	th_fast wait_for_ -t "${3:-5}" th_has_text "$1" "$2"
}

# wait_file_matches FILE ERE [SECS]
wait_file_matches() {
	th_fast wait_for_ -t "${3:-5}" grep -qsE -- "$2" "$1"
}

# wait_file_size FILE BYTES [SECS]: FILE has at least BYTES.
wait_file_size() {
	th_fast wait_for_ -t "${3:-5}" size_at_least "$1" "$2"
}

# count_lines FILE ERE: lines of FILE matching ERE.
count_lines() {
	grep -csE -- "$2" "$1" || true
}

# assert_same EXPECTED ACTUAL: identical files (sha256 shown if not).
assert_same() {
	if ! cmp -s "$1" "$2"; then
		echo "files differ: $1 ($(file_size "$1") bytes) vs $2 ($(file_size "$2") bytes)" >&2
		sha256sum "$1" "$2" >&2
		return 1
	fi
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf '%s: expected [%s], got [%s]\n' "${3:-value}" "$2" "$1" >&2
		return 1
	fi
}

# assert_empty FILE
assert_empty() {
	if [ -s "$1" ]; then
		echo "expected $1 to be empty; it holds:" >&2
		head -c 1000 "$1" >&2
		return 1
	fi
}

# kb PID FIELD: a VmXXX field of /proc/PID/status, in kB.
kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# cpu_ms PID: user + system CPU time so far, in milliseconds.
cpu_ms() {
	local s f
	read -r s <"/proc/$1/stat" || return 1
	read -r -a f <<<"${s##*) }"
	echo $(((f[11] + f[12]) * 1000 / $(getconf CLK_TCK)))
}

# fd_pos PID FD: the file offset of PID's descriptor FD.
fd_pos() {
	awk '$1 == "pos:" { print $2 }' "/proc/$1/fdinfo/$2"
}

# sanitized: the binaries are a sanitizer build (RSS and CPU are inflated).
sanitized() {
	[ "${CHAT_SANITIZE:-}" = 1 ]
}

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
	done
}

# run_t SECS CMD...: bats `run` with stdin from /dev/null, stderr apart in
# $stderr, and a timeout (status 124 if CMD hangs). Sets ELAPSED_MS.
run_t() {
	th_fast run_t_ "$@"
}

run_t_() {
	local t=$1 start
	shift
	set_now
	start=$NOW
	run --separate-stderr timeout "$t" "$@" </dev/null
	set_now
	ELAPSED_MS=$((NOW - start))
}

# port_listening PORT: some socket listens on TCP PORT (IPv4 or IPv6).
port_listening() {
	local hex
	printf -v hex ':%04X ' "$1"
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$hex" '$4 == "0A" && index($2 " ", p) { found = 1 } END { exit !found }'
}

# error_lines FILE PROG: lines of FILE from PROG other than the normal log
# lines (listening on, connection from, disconnected, connected to).
error_lines() {
	grep -E "^$2: " "$1" 2>/dev/null |
		grep -vE "^$2: (listening on |connection from |connected to |.* disconnected\$)" || true
}

lines_at_least() {
	[ "$(count_lines "$1" "$2")" -ge "$3" ]
}

# wait_lines FILE ERE N [SECS]: FILE has at least N lines matching ERE.
wait_lines() {
	th_fast wait_for_ -t "${4:-5}" lines_at_least "$1" "$2" "$3"
}
