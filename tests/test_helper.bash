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

bats_require_minimum_version 1.5.0

TESTS_DIR=$(cd "$BATS_TEST_DIRNAME" && pwd)
BIN=$(cd "$TESTS_DIR/.." && pwd)/bin
PEER="$TESTS_DIR/peer.pl"

# Background processes get default signal dispositions: a non-interactive
# bash starts them with SIGINT ignored, which would hide the SIGINT rule.
if env --default-signal true 2>/dev/null; then
	DEFAULT_SIGNALS=(env --default-signal)
else
	# shellcheck disable=SC2016 # perl code, not shell
	DEFAULT_SIGNALS=(perl -e '$SIG{$_} = "DEFAULT" for qw(INT TERM PIPE HUP QUIT); exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"')
fi

setup() {
	PATH="$BIN:$PATH"
	export PATH LC_ALL=C
	if [ ! -x "$BIN/chat-listen" ] || [ ! -x "$BIN/chat-connect" ]; then
		echo "missing $BIN/chat-listen or $BIN/chat-connect: run make first" >&2
		return 1
	fi
	T=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/chat.XXXXXX")
	PIDS=()
	declare -gA PNAME=() HOLDER=()
	SLEEP_FD=''
	mkfifo "$T/.nap"
	exec {SLEEP_FD}<>"$T/.nap"
	PORT='' LPID='' CPID='' PEER_PORT='' PEER_PID='' SPAWNED='' EXIT_STATUS=''
}

teardown() {
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
	local s=$1 i f=''
	i=${s%%.*}
	[[ $s == *.* ]] && f=${s#*.}
	f="${f}000"
	echo $((10#${i:-0} * 1000 + 10#${f:0:3}))
}

# nap: wait 20 ms, the polling interval (read -t on a FIFO that never has
# data: a builtin, so no sleep(1) process per pass).
nap() {
	if [ -z "${SLEEP_FD:-}" ]; then
		if [ -z "${T:-}" ] || ! mkfifo "$T/.nap" 2>/dev/null || ! exec {SLEEP_FD}<>"$T/.nap"; then
			sleep 0.02
			return 0
		fi
	fi
	read -r -t 0.02 -u "$SLEEP_FD" _ || true
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

# wait_for [-t SECS] CMD...: run CMD every 20 ms until it succeeds; fail
# after SECS (default 5).
wait_for() {
	local t=5 deadline
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	set_now
	deadline=$((NOW + $(to_ms "$t")))
	until "$@"; do
		set_now
		if [ "$NOW" -ge "$deadline" ]; then
			echo "wait_for: still false after ${t}s: $*" >&2
			return 1
		fi
		nap
	done
}

# wait_exit PID [SECS]: wait (default 5 s) for a spawned process to exit.
# Returns its exit status (also in EXIT_STATUS); 254 if it is still running.
wait_exit() {
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
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -o "$REPLY" "$1.hold" sleep 3600
	HOLDER[$1]=$SPAWNED
}

# put NAME DATA: write DATA into the held pipe NAME (bounded: 5 s).
put() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c 'printf %s "$1" >"$2"' _ "$2" "$T/$1.fifo"
}

# close_pipe NAME: end of file for the reader of the held pipe NAME.
close_pipe() {
	kill -TERM "${HOLDER[$1]}"
	wait_exit "${HOLDER[$1]}" || true
}

# feed_pipe NAME FILE: $T/NAME.fifo carrying FILE, then end of file.
# Sets REPLY to the path and FEEDER to the PID of the writer.
feed_pipe() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$2" -o "$REPLY" "$1.feed" cat
	FEEDER=$SPAWNED
}

# drain_pipe NAME FILE: $T/NAME.fifo whose reader copies into FILE.
# Sets REPLY to the path and DRAINER to the PID of the reader.
drain_pipe() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$REPLY" -o "$2" "$1.drain" cat
	DRAINER=$SPAWNED
}

# stall_pipe NAME: $T/NAME.fifo whose reader never reads.
stall_pipe() {
	REPLY="$T/$1.fifo"
	mkfifo "$REPLY"
	spawn -i "$REPLY" "$1.stall" sleep 3600
}

# slow_pipe NAME TARGET: $T/NAME.fifo read by a slow consumer: 64 KiB at
# most per read, with 1 ms of sleep after every fourth read. It creates $T/NAME.reached once it has
# read TARGET bytes, and prints the byte count at EOF on its stdout
# ($T/NAME.slow.out). Sets REPLY and DRAINER.
slow_pipe() {
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
	local pid=$1 file=$2 n=${3:-1} deadline
	set_now
	deadline=$((NOW + 5000))
	while count_listening "$file" && [ "$NLISTEN" -lt "$n" ]; do
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
		nap
	done
}

# start_listener [ARGS...]: chat-listen -b 127.0.0.1 ARGS... 0 in the
# background; waits for its "listening on" line and sets PORT and LPID.
# Overrides: L_NAME (listen), L_IN (stdin, default $T/NAME.in, created
# empty), L_OUT (stdout, default $T/NAME.out), L_BIND (127.0.0.1; empty: no
# -b), L_PORT (0), L_LINES (listening lines to wait for, 1).
# shellcheck disable=SC2120 # the tests pass ARGS
start_listener() {
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
	local name=${C_NAME:-conn}
	local in=${C_IN:-$T/${C_NAME:-conn}.in} opts=()
	[ -e "$in" ] || : >"$in"
	[ -z "${C_OUT:-}" ] || opts=(-o "$C_OUT")
	spawn -i "$in" "${opts[@]}" "$name" chat-connect "$@"
	CPID=$SPAWNED
}

# start_peer [-6] ACTION...: the scripted peer (peer.pl) listening on
# 127.0.0.1 (or ::1 with -6); sets PEER_PORT and PEER_PID. P_NAME overrides
# the name "peer"; P_MODE=full gives a listener that never accepts.
start_peer() {
	local name=${P_NAME:-peer} fam=()
	if [ "${1:-}" = -6 ]; then
		fam=(-6)
		shift
	fi
	spawn "$name" perl "$PEER" "${fam[@]}" "${P_MODE:-listen}" "$@"
	PEER_PID=$SPAWNED
	if ! wait_for grep -qE '^peer: listening on [0-9]+$' "$T/$name.err"; then
		cat "$T/$name.err" >&2
		return 1
	fi
	PEER_PORT=$(sed -nE 's/^peer: listening on ([0-9]+)$/\1/p' "$T/$name.err")
}

# connect_peer NAME HOST PORT ACTION...: the scripted peer connecting.
connect_peer() {
	local name=$1
	shift
	spawn "$name" perl "$PEER" connect "$@"
	PEER_PID=$SPAWNED
}

# free_port: a port nothing listens on (from a port-0 listener, closed).
free_port() {
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

# wait_file_contains FILE TEXT [SECS]
wait_file_contains() {
	wait_for -t "${3:-5}" grep -qsF -- "$2" "$1"
}

# wait_file_matches FILE ERE [SECS]
wait_file_matches() {
	wait_for -t "${3:-5}" grep -qsE -- "$2" "$1"
}

# wait_file_size FILE BYTES [SECS]: FILE has at least BYTES.
wait_file_size() {
	wait_for -t "${3:-5}" size_at_least "$1" "$2"
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
	local t=$1 start
	shift
	start=$(now_ms)
	run --separate-stderr timeout "$t" "$@" </dev/null
	ELAPSED_MS=$(($(now_ms) - start))
}

# port_listening PORT: some socket listens on TCP PORT (IPv4 or IPv6).
port_listening() {
	local hex
	hex=$(printf ':%04X ' "$1")
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
	wait_for -t "${4:-5}" lines_at_least "$1" "$2" "$3"
}
