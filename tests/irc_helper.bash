# shellcheck shell=bash
# Real IRC clients scripted against an IRC server on 127.0.0.1: ii, sic and
# irssi (under a private tmux server), and ngircd as a reference server.
# Load after test_helper and room_helper (it uses spawn, hold_pipe, put,
# room_poll and room_fast, and wraps their teardown).
#
# Clients are named by a handle chosen by the test (a, b, ...); the nick is
# what they register. Every wait is bounded (SECS, default 5); SECS 0 checks
# once. Every process started here is killed by PID in teardown.
#
#   ngircd_start          ngircd -n on 127.0.0.1 (channel #room predefined,
#                         no ops in it, no penalty delays); sets PORT and
#                         NGIRCD_PID; its log is $T/ngircd.out
#   irc_need CMD...       skip the test unless every CMD is installed
#
#   ii_start H PORT NICK  ii -s 127.0.0.1 -p PORT -n NICK -i $T/ii-H
#   ii_say H TARGET TEXT  a line into ii's `in` FIFO: TARGET "" is the server:
#                         /j #room, /j NICK text (a query, and PRIVMSG NICK),
#                         /n nick, /q [reason], /l [reason] (in a channel's
#                         in), or /ANY IRC LINE, sent raw without its "/"
#                         (/KICK #c nick :why); else a channel or nick dir:
#                         text, sent as PRIVMSG (ii has no /me: write
#                         \001ACTION x\001)
#   ii_got H TARGET ERE [SECS]
#                         wait until a line of that `out` file, its leading
#                         "TIMESTAMP " cut, matches ERE (bash =~, POSIX ERE);
#                         e.g. ii_got a '#room' '^<bob> hi$'
#   ii_has H TARGET ERE   the same, checked once, silent
#   ii_gone H             wait until ii has exited
#
#   sic_start H PORT NICK sic -h 127.0.0.1 -p PORT -n NICK, stdin a held
#                         FIFO, stdout $T/sic-H.out, stderr $T/sic-H.err
#   sic_say H LINE        one line on sic's stdin (:j #room, :s #room,
#                         :m TARGET text, :l #room, plain text to the current
#                         channel, :RAW IRC LINE for anything else); returns
#                         once sic has read it
#   sic_got H ERE [SECS]  a line of sic's output, rewritten as "WHERE TEXT"
#                         (its " : DATE TIME " cut), matches ERE; e.g.
#                         sic_got b '^#room <alice> hi$'
#   sic_has H ERE, sic_gone H
#
#   irssi_start H PORT NICK
#                         irssi --home=$T/irssi-H --connect=127.0.0.1
#                         --port=PORT --nick=NICK in tmux -S $T/tmux-H; a
#                         minimal config: no autoconnect, no throttling of
#                         commands, no reconnect, logs in $T/irssi-H/logs;
#                         returns once it is registered (its 001 came)
#   irssi_cmd H TEXT      type TEXT and Enter (a /command or a line for the
#                         active window; a channel the server joined irssi
#                         to is not made active: see irssi_window)
#   irssi_window H TARGET make TARGET's window the active one
#   irssi_got H ERE [SECS]  a line of everything irssi printed (all windows,
#                         the status window too: logs/all.log), its
#                         "HH:MM:SS " cut, matches ERE. In this log a line
#                         of a channel that is not the active window reads
#                         "#room: <bob> hi"
#   irssi_got_in H TARGET ERE [SECS]
#                         the same in one window's own log (a channel or a
#                         query: logs/TARGET.log, lower case), as the window
#                         shows it: "<bob> hi", " * bob waves"
#   irssi_has H ERE, irssi_has_in H TARGET ERE
#   irssi_synced H [CHANNEL] [SECS]
#                         irssi printed "Join to CHANNEL was synced in N
#                         secs" (its MODE, WHO and MODE b queries answered)
#   irssi_registered H [SECS]
#                         irssi is registered (irssi_start waits for it
#                         unless IRSSI_NOWAIT=1)
#   irssi_windows H       print irssi's window list (/window list)
#   irssi_screen H        print the pane, scrollback included
#   irssi_gone H          wait until irssi has exited (after /quit)
#
#   IRC_PID[ii-H], IRC_PID[sic-H], IRC_PID[irssi-H]  the clients' PIDs
#
#   irc_not CMD...        CMD must fail (for the *_has checks)
#   irc_cleanup           kill every client, tmux server and ngircd by PID
#                         (teardown runs it)

NGIRCD=''
IRC_PIDS=()
IRC_SOCKS=()
declare -gA IRC_PID=() IRC_HELD=()

### processes

# irc_track PID: killed by irc_cleanup.
irc_track() {
	IRC_PIDS+=("$1")
}

# irc_need CMD...: skip unless every CMD is installed (ngircd may be in
# /usr/sbin, outside a user's PATH).
irc_need() {
	local c
	for c in "$@"; do
		if [ "$c" = ngircd ]; then
			NGIRCD=$(command -v ngircd 2>/dev/null || true)
			[ -n "$NGIRCD" ] || [ ! -x /usr/sbin/ngircd ] || NGIRCD=/usr/sbin/ngircd
			[ -n "$NGIRCD" ] || skip "ngircd not installed (apt-get install ngircd)"
		else
			command -v "$c" >/dev/null 2>&1 || skip "$c not installed (apt-get install $c)"
		fi
	done
}

# irc_alive PID: running and not a zombie (no fork).
irc_alive() {
	local s=''
	{ IFS= read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) }
	[[ $s != [ZX]* ]]
}

# irc_none_alive PID...
irc_none_alive() {
	local p
	for p in "$@"; do
		! irc_alive "$p" || return 1
	done
}

irc_cleanup() {
	room_fast irc_cleanup_
}

irc_cleanup_() {
	local s p live=()
	for s in "${IRC_SOCKS[@]}"; do
		[ -S "$s" ] || continue
		timeout 5 tmux -S "$s" kill-server >/dev/null 2>&1 || true
	done
	for p in "${IRC_PIDS[@]}"; do
		irc_alive "$p" && live+=("$p")
	done
	[ "${#live[@]}" -gt 0 ] || return 0
	kill -TERM "${live[@]}" 2>/dev/null || true
	if ! room_poll 2 irc_none_alive "${live[@]}"; then
		kill -KILL "${live[@]}" 2>/dev/null || true
	fi
}

# irc_show: what every client received (shown when a test fails).
irc_show() {
	local f
	for f in "$T"/ii-*/127.0.0.1/out "$T"/ii-*/127.0.0.1/*/out "$T"/sic-*.out \
		"$T"/irssi-*/logs/all.log "$T"/ngircd.out; do
		[ -s "$f" ] || continue
		echo "--- ${f#"$T"/}:"
		tail -n 30 "$f" | cut -c1-200
	done
	for f in "${IRC_SOCKS[@]}"; do
		[ -S "$f" ] || continue
		echo "--- screen of ${f##*/}:"
		timeout 5 tmux -S "$f" capture-pane -p -J -t irssi 2>/dev/null | grep -v '^ *$' | tail -n 20
	done
}

# teardown: the clients first, then room_helper's and test_helper's.
if declare -F teardown >/dev/null; then
	eval "irc_prev_$(declare -f teardown)"
else
	irc_prev_teardown() { :; }
fi
teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${T:-}" ] && [ -d "$T" ]; then
		irc_show
	fi
	irc_cleanup
	irc_prev_teardown
}

### matching lines (no fork per poll: bash reads the file)

# irc_file_has FILE KIND ERE: a complete line of FILE, with KIND's stamp
# cut, matches ERE. KIND: ii ("1700000000 text"), sic ("WHERE : DATE TIME
# text" -> "WHERE text"), irssi ("HH:MM:SS text"), raw.
irc_file_has() {
	local f=$1 kind=$2 re=$3 l
	[ -r "$f" ] || return 1
	while IFS= read -r l; do
		case $kind in
		ii) l=${l#* } ;;
		sic)
			if [[ $l =~ ^([^ ]*)\ *:\ [0-9/-]+\ [0-9:]+\ (.*)$ ]]; then
				l="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
			fi
			;;
		irssi) [[ $l != [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\ * ]] || l=${l:9} ;;
		esac
		[[ $l =~ $re ]] && return 0
	done <"$f"
	return 1
}

# irc_wait WHO FILE KIND ERE SECS: irc_file_has within SECS, or say what
# the file holds.
irc_wait() {
	local who=$1 f=$2 kind=$3 re=$4 secs=$5
	room_poll "$secs" irc_file_has "$f" "$kind" "$re" && return 0
	printf '%s: no line matching /%s/ in %s after %s s; it has:\n' "$who" "$re" "${f#"$T"/}" "$secs" >&2
	tail -n 25 "$f" 2>/dev/null | cut -c1-200 >&2
	return 1
}

irc_not() {
	if "$@"; then
		echo "expected to fail: $*" >&2
		return 1
	fi
}

# irc_poll SECS CMD...: run CMD until it returns 0, at most SECS; a status
# above 1 (the awaited thing cannot happen any more) ends the wait at once
# and is returned.
irc_poll() {
	room_fast irc_poll_ "$@"
}

irc_poll_() {
	local left rc now deadline ROOM_MS n=0
	room_ms "$1"
	left=$ROOM_MS
	shift
	now=${EPOCHREALTIME:-}
	deadline=$((${now/./} + left * 1000))
	while :; do
		rc=0
		"$@" || rc=$?
		[ "$rc" = 1 ] || return "$rc"
		if [ -n "$now" ]; then
			now=$EPOCHREALTIME
			[ "${now/./}" -lt "$deadline" ] || return 1
			room_nap_after "$n"
		else
			left=$((left - 5))
			[ "$left" -gt 0 ] || return 1
			room_nap
		fi
		n=$((n + 1))
	done
}

# irc_path_ready TEST PATH PID: PATH passes `test TEST`; 2 if PID is gone.
irc_path_ready() {
	test "$1" "$2" && return 0
	irc_alive "$3" || return 2
	return 1
}

### ngircd

# irc_free_port: a TCP port of 127.0.0.1 nobody listens on, in IRC_FREE
# (bind to port 0, close: another process may take it before ngircd binds,
# which ngircd_start retries).
irc_free_port() {
	# shellcheck disable=SC2016 # python code
	IRC_FREE=$("$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
}

# irc_ngircd_conf PORT DIR: a minimal configuration on stdout.
irc_ngircd_conf() {
	cat <<-EOF
		[Global]
		Name = irc.test
		Info = reference server for the chat tests
		AdminInfo1 = chat tests
		AdminInfo2 = 127.0.0.1
		AdminEMail = nobody@irc.test
		Listen = 127.0.0.1
		Ports = $1
		MotdPhrase = "reference server"
		PidFile =
	EOF
	# as root, ngircd drops to another user (never runs as uid 0)
	if [ "$(id -u)" = 0 ]; then
		printf 'ServerUID = %s\nServerGID = %s\n' "$(id -u nobody)" "$(id -g nobody)"
	fi
	cat <<-EOF
		[Limits]
		MaxConnectionsIP = 0
		MaxNickLength = 31
		MaxPenaltyTime = 0
		PingTimeout = 120
		PongTimeout = 20
		[Options]
		PAM = no
		Ident = no
		DNS = no
		IncludeDir = $2/conf.d
		[Channel]
		Name = #room
		Topic = the reference room
	EOF
}

# ngircd_up PORT: its log says it listens on PORT (0), or it exited (2).
ngircd_up() {
	local l
	if [ -e "$T/ngircd.out" ]; then
		while IFS= read -r l; do
			[[ $l == *"Now listening on [127.0.0.1]:$1 "* ]] && return 0
		done <"$T/ngircd.out"
	fi
	irc_alive "$NGIRCD_PID" || return 2
	return 1
}

ngircd_start() {
	room_fast ngircd_start_
}

ngircd_start_() {
	local dir="$T/ngircd" try rc
	irc_need ngircd
	mkdir -p "$dir/conf.d"
	for try in 1 2 3 4 5; do
		irc_free_port
		irc_ngircd_conf "$IRC_FREE" "$dir" >"$dir/ngircd.conf"
		spawn -o "$T/ngircd.out" ngircd "$NGIRCD" -n -f "$dir/ngircd.conf"
		NGIRCD_PID=$SPAWNED
		irc_track "$NGIRCD_PID"
		rc=0
		irc_poll 5 ngircd_up "$IRC_FREE" || rc=$?
		if [ "$rc" = 0 ]; then
			# shellcheck disable=SC2034 # read by the .bats files
			PORT=$IRC_FREE
			return 0
		fi
		if [ "$rc" = 2 ] && grep -q "Can't bind" "$T/ngircd.out"; then
			continue # the port was taken meanwhile: another one
		fi
		break
	done
	echo "ngircd is not listening (try $try); its log:" >&2
	cat "$T/ngircd.out" >&2
	return 1
}

### ii

# ii_dir H TARGET: the directory of TARGET ("" for the server) in II_DIR;
# ii names them in lower case.
ii_dir() {
	II_DIR="$T/ii-$1/127.0.0.1"
	[ -z "$2" ] || II_DIR+="/${2,,}"
}

ii_start() {
	room_fast ii_start_ "$@"
}

ii_start_() {
	local h=$1 rc=0
	irc_need ii
	spawn "ii-$h" ii -s 127.0.0.1 -p "$2" -n "$3" -i "$T/ii-$h"
	IRC_PID[ii-$h]=$SPAWNED
	irc_track "$SPAWNED"
	ii_dir "$h" ''
	irc_poll 5 irc_path_ready -p "$II_DIR/in" "$SPAWNED" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "ii $h: no $II_DIR/in after 5 s; its output:" >&2
		cat "$T/ii-$h.out" "$T/ii-$h.err" >&2
		return 1
	fi
	irc_hold "$II_DIR/in"
}

# irc_hold FIFO: a process keeps FIFO open for writing, so that its reader
# never sees end of file between two writers (ii would reopen it, and a
# line written meanwhile could be lost).
irc_hold() {
	[ -z "${IRC_HELD[$1]:-}" ] || return 0
	spawn -o "$1" "hold${#IRC_HELD[@]}" sleep 3600
	IRC_HELD[$1]=$SPAWNED
}

ii_say() {
	room_fast ii_say_ "$@"
}

ii_say_() {
	local h=$1 rc=0
	ii_dir "$h" "$2"
	irc_poll 5 irc_path_ready -p "$II_DIR/in" "${IRC_PID[ii-$h]}" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "ii $h: no FIFO $II_DIR/in (ii exited, or not within 5 s)" >&2
		return 1
	fi
	irc_hold "$II_DIR/in"
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ "$3" "$II_DIR/in"
}

ii_got() {
	room_fast ii_got_ "$@"
}

ii_got_() {
	ii_dir "$1" "$2"
	irc_wait "ii $1" "$II_DIR/out" ii "$3" "${4:-5}"
}

ii_has() {
	room_fast ii_has_ "$@"
}

ii_has_() {
	ii_dir "$1" "$2"
	irc_file_has "$II_DIR/out" ii "$3"
}

ii_gone() {
	if ! room_poll "${2:-5}" irc_none_alive "${IRC_PID[ii-$1]}"; then
		echo "ii $1 still running after ${2:-5} s" >&2
		return 1
	fi
}

### sic

sic_start() {
	room_fast sic_start_ "$@"
}

sic_start_() {
	local h=$1
	irc_need sic
	hold_pipe "sic-$h"
	irc_track "$SPAWNED"
	spawn -i "$REPLY" "sic-$h" sic -h 127.0.0.1 -p "$2" -n "$3"
	IRC_PID[sic-$h]=$SPAWNED
	irc_track "$SPAWNED"
}

# sic reads stdin with fgets() after select(): of two lines that reach it
# in one read, it handles the first and leaves the second in its stdio
# buffer until more input comes. So sic_say returns only once sic has taken
# the line out of the pipe (FIONREAD on the FIFO is 0; 5 s at most), and
# the next one comes alone. (0x541B: Linux's FIONREAD.)
sic_say() {
	# shellcheck disable=SC2016 # perl code
	timeout 6 perl -e '
		my ($fifo, $data) = @ARGV;
		local $SIG{ALRM} = sub { die "sic_say: $fifo: not read within 5 s\n" };
		alarm 5;
		open(my $w, ">", $fifo) or die "sic_say: $fifo: $!\n";
		syswrite($w, $data) == length($data) or die "sic_say: $fifo: $!\n";
		while (1) {
			my $n = pack("i", 0);
			ioctl($w, 0x541B, $n) or die "sic_say: FIONREAD: $!\n";
			last if unpack("i", $n) == 0;
			select(undef, undef, undef, 0.002);
		}' "$T/sic-$1.fifo" "$2"$'\n'
}

sic_got() {
	room_fast irc_wait "sic $1" "$T/sic-$1.out" sic "$2" "${3:-5}"
}

sic_has() {
	room_fast irc_file_has "$T/sic-$1.out" sic "$2"
}

sic_gone() {
	if ! room_poll "${2:-5}" irc_none_alive "${IRC_PID[sic-$1]}"; then
		echo "sic $1 still running after ${2:-5} s" >&2
		return 1
	fi
}

### irssi

# irssi_config HOME NICK PORT: a minimal configuration: no network or
# server connected to on its own, nothing saved, no throttling of commands
# (irssi's default sends one every 2.2 s after a burst of 5, which delays
# its channel sync by ~10 s), no reconnection, no paste detection; logs:
# every window's in logs/TARGET.log, everything in logs/all.log, lines
# stamped "HH:MM:SS ". The one server entry (127.0.0.1 PORT, network
# "test", also irssi's tag for it) runs, once registered (after 001), a
# command that creates HOME/registered.log: the sign irssi_start waits for
# (irssi refuses commands before it: "Not connected to server").
irssi_config() {
	cat <<-EOF
		settings = {
		  core = {
		    real_name = "irssi test";
		    user_name = "$2";
		    nick = "$2";
		    settings_autosave = "no";
		    log_timestamp = "%H:%M:%S ";
		    server_reconnect_time = "-1";
		    recode = "no";
		  };
		  "irc/core" = {
		    cmd_queue_speed = "0";
		    cmds_max_at_once = "100";
		  };
		  "fe-common/core" = {
		    autolog = "yes";
		    autolog_path = "$1/logs/\$0.log";
		    autolog_level = "all";
		    show_nickmode_empty = "no";
		    term_charset = "UTF-8";
		  };
		  "fe-text" = {
		    paste_detect_time = "0";
		  };
		};
		chatnets = {
		  test = {
		    type = "IRC";
		    autosendcmd = "/log open -targets irc-test-registered $1/registered.log";
		  };
		};
		servers = (
		  { address = "127.0.0.1"; port = "$3"; chatnet = "test"; autoconnect = "no"; }
		);
		logs = {
		  "$1/logs/all.log" = { auto_open = "yes"; level = "all"; };
		};
	EOF
}

# irssi_tmux H ARGS...: tmux on H's private server.
irssi_tmux() {
	local h=$1
	shift
	timeout 5 tmux -S "$T/tmux-$h" "$@"
}

irssi_start() {
	room_fast irssi_start_ "$@"
}

irssi_start_() {
	local h=$1 port=$2 nick=$3 home="$T/irssi-$1" pids
	irc_need irssi tmux
	mkdir -p "$home/logs"
	irssi_config "$home" "$nick" "$port" >"$home/config"
	IRC_SOCKS+=("$T/tmux-$h")
	env -u TMUX -u TMUX_PANE timeout 5 tmux -S "$T/tmux-$h" -f /dev/null \
		new-session -d -s irssi -x 200 -y 50 -- \
		env HOME="$home" TERM=screen irssi --home="$home" \
		--connect=127.0.0.1 --port="$port" --nick="$nick" || return 1
	pids=$(irssi_tmux "$h" display-message -p -t irssi '#{pid} #{pane_pid}') || return 1
	IRC_PID[tmux-$h]=${pids% *}
	IRC_PID[irssi-$h]=${pids#* }
	irc_track "${pids#* }"
	irc_track "${pids% *}"
	[ -n "${IRSSI_NOWAIT:-}" ] || irssi_registered_ "$h"
}

# irssi_registered H [SECS]: wait until irssi is registered (it ran its
# network's autosendcmd).
irssi_registered() {
	room_fast irssi_registered_ "$@"
}

irssi_registered_() {
	local h=$1 rc=0
	irc_poll "${2:-5}" irc_path_ready -e "$T/irssi-$h/registered.log" "${IRC_PID[irssi-$h]}" || rc=$?
	[ "$rc" != 0 ] || return 0
	echo "irssi $h: not registered after ${2:-5} s (rc $rc); its screen:" >&2
	irssi_screen "$h" 2>/dev/null | grep -v '^ *$' | tail -n 15 >&2
	return 1
}

irssi_cmd() {
	irssi_tmux "$1" send-keys -t irssi -l -- "$2" \; send-keys -t irssi Enter
}

irssi_window() {
	irssi_cmd "$1" "/window goto $2"
}

irssi_got() {
	room_fast irc_wait "irssi $1" "$T/irssi-$1/logs/all.log" irssi "$2" "${3:-5}"
}

irssi_has() {
	room_fast irc_file_has "$T/irssi-$1/logs/all.log" irssi "$2"
}

irssi_got_in() {
	room_fast irc_wait "irssi $1" "$T/irssi-$1/logs/${2,,}.log" irssi "$3" "${4:-5}"
}

irssi_has_in() {
	room_fast irc_file_has "$T/irssi-$1/logs/${2,,}.log" irssi "$3"
}

irssi_synced() {
	local ch=${2:-#room}
	irssi_got "$1" "^-!- Irssi: Join to ${ch//./\\.} was synced in [0-9]+ secs$" "${3:-5}"
}

# irssi_windows H: irssi's window list as /window list prints it, header
# ("Ref  Name  Active item  Server  Level") first; an unknown command after
# it marks its end in the log.
irssi_windows() {
	room_fast irssi_windows_ "$@"
}

irssi_windows_() {
	local h=$1 mark="irc-test-end-$RANDOM$RANDOM"
	irssi_cmd "$h" "/window list"
	irssi_cmd "$h" "/$mark"
	irssi_got "$h" "Unknown command: $mark\$" >/dev/null || return 1
	sed -n "/^[0-9:]* Ref  *Name /,/Unknown command: $mark\$/p" "$T/irssi-$h/logs/all.log" |
		sed '$d' | cut -c10-
}

irssi_screen() {
	irssi_tmux "$1" capture-pane -p -J -S - -t irssi
}

irssi_gone() {
	if ! room_poll "${2:-5}" irc_none_alive "${IRC_PID[irssi-$1]}"; then
		echo "irssi $1 still running after ${2:-5} s" >&2
		return 1
	fi
}

### chat-connect --irc (tests/ircc.bats): a scripted fake server, more
### ngircd servers, chat-connect sessions
#
#   fake_start [-6]       tests/fakeircd.py serving the script on stdin
#                         (see its doc); sets FAKE_PORT and FAKE_PID. What
#                         it received: $T/fake.raw (exact bytes), the
#                         transcript both ways: $T/fake.log
#   fake_got ERE [SECS]   a line fakeircd received (as the transcript
#                         writes it: controls as \xNN) matches ERE
#   fake_has ERE          the same, checked once, silent
#   fake_recv             print the received lines, in order
#   fake_end [STATUS]     wait (5 s) until fakeircd exits; its status must
#                         be STATUS (default 0)
#   ngircd_run NAME CONF [ARGS...]
#                         an ngircd with its own directory $T/NAME and log
#                         $T/NAME.out, its configuration from the function
#                         CONF PORT DIR ARGS...; sets NG_PORT[NAME] and
#                         NG_PID[NAME]
#   ngircd_linked CONF_A CONF_B
#                         two ngircds, ng1 and ng2, on two ports, linked:
#                         CONF_x PORT DIR PEER_PORT; returns once each
#                         logged the link synchronized
#   irc_cc NAME ARGS...   chat-connect --irc ARGS... with stdin a held pipe
#                         (put NAME, close_pipe NAME), stdout $T/NAME.out,
#                         stderr $T/NAME.err; sets CC[NAME] to its PID
#   cc_got NAME LINE [SECS]  NAME's stdout has the whole line LINE
#   cc_log NAME ERE [SECS]   a line of NAME's stderr matches ERE

FAKEIRCD="$TESTS_DIR/fakeircd.py"
FAKE_PORT='' FAKE_PID=''
declare -gA NG_PORT=() NG_PID=() CC=()

# fake_listening: fakeircd said its port (0), or exited (2).
fake_listening() {
	local l
	if [ -e "$T/fake.err" ]; then
		while IFS= read -r l; do
			if [[ $l =~ ^fakeircd:\ listening\ on\ ([0-9]+)$ ]]; then
				# shellcheck disable=SC2034 # read by the .bats files
				FAKE_PORT=${BASH_REMATCH[1]}
				return 0
			fi
		done <"$T/fake.err"
	fi
	irc_alive "$FAKE_PID" || return 2
	return 1
}

fake_start() {
	room_fast fake_start_ "$@"
}

fake_start_() {
	local six=() rc=0
	[ "${1:-}" != -6 ] || six=(-6)
	cat >"$T/fake.script"
	spawn fake "$PYTHON" "$FAKEIRCD" serve "$T" "$T/fake.script" "${six[@]}"
	FAKE_PID=$SPAWNED
	irc_track "$FAKE_PID"
	irc_poll 5 fake_listening || rc=$?
	if [ "$rc" != 0 ]; then
		echo "fakeircd is not listening; its stderr:" >&2
		cat "$T/fake.err" >&2
		return 1
	fi
}

# fake_log_has ERE: a received line of the transcript matches ERE.
fake_log_has() {
	local l
	[ -r "$T/fake.log" ] || return 1
	while IFS= read -r l; do
		[[ $l =~ ^\ *[0-9]+\ \<\ (.*)$ ]] || continue
		[[ ${BASH_REMATCH[1]} =~ $1 ]] && return 0
	done <"$T/fake.log"
	return 1
}

fake_has() {
	room_fast fake_log_has "$@"
}

fake_got() {
	room_fast fake_got_ "$@"
}

fake_got_() {
	room_poll "${2:-5}" fake_log_has "$1" && return 0
	printf 'fakeircd: no received line matching /%s/ after %s s; its transcript:\n' "$1" "${2:-5}" >&2
	tail -n 30 "$T/fake.log" 2>/dev/null | cut -c1-200 >&2
	return 1
}

fake_recv() {
	room_fast fake_recv_
}

fake_recv_() {
	local l
	[ -r "$T/fake.log" ] || return 0
	while IFS= read -r l; do
		[[ $l =~ ^\ *[0-9]+\ \<\ (.*)$ ]] && printf '%s\n' "${BASH_REMATCH[1]}"
	done <"$T/fake.log"
	return 0
}

fake_end() {
	room_fast fake_end_ "$@"
}

fake_end_() {
	local rc=0
	wait_exit "$FAKE_PID" 5 || rc=$?
	if [ "$rc" != "${1:-0}" ]; then
		echo "fakeircd: exit $rc, expected ${1:-0}; its stderr and transcript:" >&2
		cat "$T/fake.err" >&2
		tail -n 30 "$T/fake.log" 2>/dev/null | cut -c1-200 >&2
		return 1
	fi
}

# ngircd_listening LOG PORT PID: LOG says ngircd listens on PORT (0), or
# PID exited (2).
ngircd_listening() {
	local l
	if [ -e "$1" ]; then
		while IFS= read -r l; do
			[[ $l == *"Now listening on [127.0.0.1]:$2 "* ]] && return 0
		done <"$1"
	fi
	irc_alive "$3" || return 2
	return 1
}

# ngircd_spawn NAME PORT CONF ARGS...: start it; 0 listening, 2 the port
# was taken meanwhile, 1 another failure (said).
ngircd_spawn() {
	room_fast ngircd_spawn_ "$@"
}

ngircd_spawn_() {
	local name=$1 port=$2 conf=$3 dir="$T/$1" rc=0
	shift 3
	mkdir -p "$dir/conf.d"
	"$conf" "$port" "$dir" "$@" >"$dir/ngircd.conf"
	rm -f "$T/$name.out"
	spawn -o "$T/$name.out" "$name" "$NGIRCD" -n -f "$dir/ngircd.conf"
	NG_PID[$name]=$SPAWNED
	irc_track "$SPAWNED"
	irc_poll 5 ngircd_listening "$T/$name.out" "$port" "$SPAWNED" || rc=$?
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2034 # read by the .bats files
		NG_PORT[$name]=$port
		return 0
	fi
	if [ "$rc" = 2 ] && grep -q "Can't bind" "$T/$name.out"; then
		return 2
	fi
	echo "ngircd $name is not listening; its log:" >&2
	cat "$T/$name.out" >&2
	return 1
}

ngircd_run() {
	room_fast ngircd_run_ "$@"
}

ngircd_run_() {
	local name=$1 try rc
	shift
	irc_need ngircd
	for try in 1 2 3 4 5; do
		irc_free_port
		rc=0
		ngircd_spawn "$name" "$IRC_FREE" "$@" || rc=$?
		[ "$rc" = 2 ] || return "$rc"
	done
	echo "ngircd $name: no free port after $try tries" >&2
	return 1
}

# ngircd_synced NAME PEER: NAME's log says the link with the server PEER
# is synchronized.
ngircd_synced() {
	grep -q "Synchronization with \"$2\" done" "$T/$1.out" 2>/dev/null
}

ngircd_linked() {
	room_fast ngircd_linked_ "$@"
}

ngircd_linked_() {
	local try rc p1 p2
	irc_need ngircd
	for try in 1 2 3 4 5; do
		irc_free_port
		p1=$IRC_FREE
		irc_free_port
		p2=$IRC_FREE
		[ "$p1" != "$p2" ] || continue
		rc=0
		ngircd_spawn ng2 "$p2" "$2" "$p1" || rc=$?
		[ "$rc" != 0 ] || ngircd_spawn ng1 "$p1" "$1" "$p2" || rc=$?
		if [ "$rc" = 0 ]; then
			if room_poll 10 ngircd_synced ng1 irc2.test && room_poll 5 ngircd_synced ng2 irc1.test; then
				return 0
			fi
			echo "ngircd ng1 and ng2 did not link in 10 s; their logs:" >&2
			cat "$T/ng1.out" "$T/ng2.out" >&2
			return 1
		fi
		[ "$rc" = 2 ] || return 1
		# a port was taken meanwhile: both again, on other ports
		irc_cleanup_ngircd_pair
	done
	echo "ngircd_linked: no free ports after $try tries" >&2
	return 1
}

irc_cleanup_ngircd_pair() {
	local n
	for n in ng1 ng2; do
		[ -n "${NG_PID[$n]:-}" ] || continue
		kill -TERM "${NG_PID[$n]}" 2>/dev/null || true
		wait_exit "${NG_PID[$n]}" 5 || true
		NG_PID[$n]=''
	done
}

irc_cc() {
	room_fast irc_cc_ "$@"
}

irc_cc_() {
	local name=$1
	shift
	hold_pipe "$name"
	spawn -i "$REPLY" "$name" chat-connect --irc "$@"
	# shellcheck disable=SC2034 # read by the .bats files
	CC[$name]=$SPAWNED
}

cc_got() {
	room_fast cc_got_ "$@"
}

cc_got_() {
	if ! room_poll "${3:-5}" room_has_line "$T/$1.out" "$2"; then
		printf '%s: no line [%s] on stdout in %s s; it has:\n' "$1" "$2" "${3:-5}" >&2
		tail -n 20 "$T/$1.out" 2>/dev/null | cut -c1-200 >&2
		echo "its stderr:" >&2
		tail -n 10 "$T/$1.err" 2>/dev/null | cut -c1-200 >&2
		return 1
	fi
}

cc_log() {
	room_fast irc_wait "$1" "$T/$1.err" raw "$2" "${3:-5}"
}
