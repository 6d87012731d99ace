#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# bin/chat-tmux: a detached session on a private tmux server (-L), driven
# with send-keys and read with capture-pane. Loopback only; every wait is
# bounded; the server is killed in teardown.

load test_helper

# the helper's setup and teardown, around this file's own
eval "helper_$(declare -f setup)"
eval "helper_$(declare -f teardown)"

setup() {
	helper_setup
	SOCK=chattest$$-$BATS_TEST_NUMBER
	SESSION=t$$-$BATS_TEST_NUMBER
	# chat-tmux: detached, on the private server, under a known name; the
	# server reads no user configuration
	export CHAT_TMUX_SOCKET=$SOCK CHAT_TMUX_SESSION=$SESSION CHAT_TMUX_DETACH=1
	export HOME=$T XDG_CONFIG_HOME=$T/.config
	unset TMUX TMUX_PANE
}

teardown() {
	if [ -n "${SOCK:-}" ] && command -v tmux >/dev/null 2>&1; then
		tmux -L "$SOCK" kill-server 2>/dev/null || true
		# tmux leaves its socket file behind
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	fi
	helper_teardown
}

# tm ARGS...: tmux on the test's own server.
tm() {
	tmux -L "$SOCK" "$@"
}

# pane TITLE: the id of the session's pane titled TITLE (messages, input).
pane() {
	tm list-panes -t "=$SESSION" -F '#{pane_title} #{pane_id}' 2>/dev/null |
		awk -v t="$1" '$1 == t { print $2; exit }'
}

# screen PANE: the pane's text, scrollback included, wrapped lines joined.
screen() {
	tm capture-pane -p -J -S - -t "$1"
}

# shows PANE ERE: the pane's text has a line matching ERE.
shows() {
	screen "$1" | grep -qE -- "$2"
}

session_gone() {
	! tm has-session -t "=$SESSION" 2>/dev/null
}

# open_chat MODE ARGS...: chat-tmux MODE ARGS..., detached; sets VIEW and
# INPUT to the two panes' ids.
open_chat() {
	run_t 10 chat-tmux "$@"
	if [ "$status" != 0 ]; then
		echo "chat-tmux $* exited $status: $stderr" >&2
		return 1
	fi
	assert_eq "$output" "$SESSION" "chat-tmux's output (the session name)"
	VIEW=$(pane messages)
	INPUT=$(pane input)
	if [ -z "$VIEW" ] || [ -z "$INPUT" ]; then
		echo "panes not found:" >&2
		tm list-panes -a -F '#{session_name} #{pane_title} #{pane_id}' >&2
		return 1
	fi
}

# show_screen PANE: print the pane (on a failure).
show_screen() {
	echo "--- pane $1:" >&2
	screen "$1" >&2 || true
}

# wait_shows PANE ERE [SECS]: wait until the pane shows a line matching ERE.
wait_shows() {
	if ! wait_for -t "${3:-5}" shows "$1" "$2"; then
		show_screen "$1"
		return 1
	fi
}

# wait_gone [SECS]: the session ends within SECS (default 5).
wait_gone() {
	if ! wait_for -t "${1:-5}" session_gone; then
		echo "session $SESSION still there" >&2
		show_screen "$VIEW"
		show_screen "$INPUT"
		return 1
	fi
}

# no_tool_left PATTERN: no process whose command line matches PATTERN.
no_tool_left() {
	! pgrep -f -- "$1" >/dev/null
}

# in_order PANE ERE...: the pane has a line matching each ERE, the first
# match of each below the one of the ERE before it.
in_order() {
	local pane=$1 text re n last=0
	shift
	text=$(screen "$pane")
	for re; do
		n=$(grep -nE -- "$re" <<<"$text" | head -n 1 | cut -d: -f1)
		if [ -z "$n" ] || [ "$n" -le "$last" ]; then
			echo "not in order: /$re/ at line ${n:-none}, after line $last" >&2
			show_screen "$pane"
			return 1
		fi
		last=$n
	done
}

# usage_form: $stderr is the project's form of a usage error: one line
# naming the problem, then the pointer to --help; nothing on stdout.
usage_form() {
	assert_eq "$output" "" "stdout of a usage error"
	assert_eq "${#stderr_lines[@]}" 2 "lines on stderr ($stderr)"
	[[ ${stderr_lines[0]} == "chat-tmux: "?* ]] || {
		echo "first line not 'chat-tmux: problem': ${stderr_lines[0]}" >&2
		return 1
	}
	assert_eq "${stderr_lines[1]}" "Try 'chat-tmux --help'." "second line"
}

STAMP='\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] '

@test "chat-tmux --help and -h: usage on stdout, exit 0" {
	run_t 5 chat-tmux --help
	assert_eq "$status" 0 "chat-tmux --help"
	[[ $output == *"chat-tmux listen [chat-listen options] PORT"* ]]
	[[ $output == *"chat-tmux connect [chat-connect options] HOST PORT"* ]]
	run_t 5 chat-tmux -h
	assert_eq "$status" 0 "chat-tmux -h"
	[[ $output == usage:* ]]
}

@test "chat-tmux: usage errors in the project's form, exit 2" {
	run_t 5 chat-tmux
	assert_eq "$status" 2 "no arguments"
	usage_form
	run_t 5 chat-tmux talk 1234
	assert_eq "$status" 2 "unknown mode"
	usage_form
	[[ $stderr == *"'talk'"* ]]
	run_t 5 chat-tmux --bogus
	assert_eq "$status" 2 "unknown option"
	usage_form
	run_t 5 chat-tmux connect 127.0.0.1
	assert_eq "$status" 2 "connect without PORT"
	usage_form
	# options are not operands
	run_t 5 chat-tmux connect -t 127.0.0.1
	assert_eq "$status" 2 "connect -t HOST"
	usage_form
	run_t 5 chat-tmux listen -k
	assert_eq "$status" 2 "listen without PORT"
	usage_form
	CHAT_TMUX_DETACH='' run_t 5 chat-tmux connect 127.0.0.1 1
	assert_eq "$status" 2 "not on a terminal"
	usage_form
	[[ $stderr == *CHAT_TMUX_DETACH=1* ]]
	# nothing was opened
	session_gone
}

@test "chat-tmux connect --help: the tool's own help, what comes after the mode going to it" {
	run_t 5 chat-tmux connect --help
	assert_eq "$status" 0 "chat-tmux connect --help"
	[[ $output == "usage: chat-connect "* ]]
	[[ $output == *--retry* ]]
	run_t 5 chat-tmux listen --help
	assert_eq "$status" 0 "chat-tmux listen --help"
	[[ $output == "usage: chat-listen "* ]]
	session_gone
}

@test "chat-tmux connect: your lines and the peer's, in order, in the message pane; the peer leaving keeps the window until Enter" {
	need tmux
	hold_pipe lin
	L_IN=$REPLY start_listener
	open_chat connect 127.0.0.1 "$PORT"
	# the connection log is in the message pane
	wait_shows "$VIEW" "^chat-connect: connected to 127\.0\.0\.1:$PORT\$"

	# yours, marked, then sent; the peer's, stamped; then yours again
	tm send-keys -t "$INPUT" 'hello from tmux' Enter
	wait_file_contains "$T/listen.out" 'hello from tmux'
	wait_shows "$VIEW" "^${STAMP}> hello from tmux\$"
	put lin $'hi from the listener\n'
	wait_shows "$VIEW" "^${STAMP}hi from the listener\$"
	tm send-keys -t "$INPUT" 'and back' Enter
	wait_shows "$VIEW" "^${STAMP}> and back\$"
	in_order "$VIEW" "^${STAMP}> hello from tmux\$" \
		"^${STAMP}hi from the listener\$" "^${STAMP}> and back\$"
	# the line goes as typed: blanks, backslashes, % kept
	tm send-keys -t "$INPUT" -l '  back\slash %s *  '
	tm send-keys -t "$INPUT" Enter
	wait_shows "$VIEW" "^${STAMP}>   back\\\\slash %s \\*  \$"
	wait_file_contains "$T/listen.out" 'slash'
	assert_eq "$(cat "$T/listen.out")" $'hello from tmux\nand back\n  back\\slash %s *  ' "what the listener got"

	# the peer's escape sequences are shown, never obeyed
	put lin $'\e[31mred\e]2;pwned\a\n'
	wait_shows "$VIEW" 'red'
	if tm capture-pane -p -e -t "$VIEW" | grep -q $'\e\\[31m'; then
		show_screen "$VIEW"
		echo "the peer coloured the message pane" >&2
		return 1
	fi

	# more than the pane holds: the start goes to the scrollback
	put lin "$(seq -f 'line %g' 1 40)"$'\n'
	wait_shows "$VIEW" "^${STAMP}line 40\$"

	# the listener goes: the window stays, the conversation and the
	# scrollback readable, until Enter; the tool is gone meanwhile
	kill -TERM "$LPID"
	expect_exit "$LPID" 143
	wait_shows "$VIEW" '^chat-tmux: peer left; press Enter to close$'
	wait_for -t 5 no_tool_left "^[^ ]*chat-connect .*127\.0\.0\.1 $PORT\$"
	tm has-session -t "=$SESSION"
	in_order "$VIEW" "^chat-connect: connected to" "^${STAMP}> hello from tmux\$" \
		"^${STAMP}hi from the listener\$" "^${STAMP}> and back\$" \
		"^${STAMP}line 1\$" "^${STAMP}line 40\$" \
		'^chat-tmux: peer left; press Enter to close$'
	tm send-keys -t "$INPUT" Enter
	wait_gone 5
}

@test "chat-tmux listen -b 127.0.0.1 0: options before PORT; the peer's lines and yours; its leaving keeps the window" {
	need tmux
	open_chat listen -b 127.0.0.1 0
	wait_shows "$VIEW" '^chat-listen: listening on 127\.0\.0\.1:[0-9]+$'
	PORT=$(screen "$VIEW" | sed -nE 's/^chat-listen: listening on 127\.0\.0\.1:([0-9]+)$/\1/p' | head -n1)
	[ -n "$PORT" ]

	hold_pipe cin
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_shows "$VIEW" '^chat-listen: connection from 127\.0\.0\.1:[0-9]+$'
	put cin $'hi from the peer\n'
	wait_shows "$VIEW" "^${STAMP}hi from the peer\$"

	tm send-keys -t "$INPUT" 'hello peer' Enter
	wait_file_contains "$T/conn.out" 'hello peer'
	wait_shows "$VIEW" "^${STAMP}> hello peer\$"
	in_order "$VIEW" "^${STAMP}hi from the peer\$" "^${STAMP}> hello peer\$"

	# the peer ends its input: the chat is over, the window stays
	close_pipe cin
	wait_shows "$VIEW" '^chat-tmux: peer left; press Enter to close$'
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" "hello peer" "what the peer got"
	tm has-session -t "=$SESSION"
	tm send-keys -t "$INPUT" Enter
	wait_gone 5
}

@test "chat-tmux connect -t --retry 5 HOST PORT: options before the operands go to chat-connect" {
	need tmux
	free_port
	# nobody listens yet: only --retry keeps chat-connect trying
	open_chat connect -t --retry 5 127.0.0.1 "$FREE_PORT"
	hold_pipe lin
	L_IN=$REPLY L_PORT=$FREE_PORT start_listener
	wait_shows "$VIEW" "^chat-connect: connected to 127\.0\.0\.1:$FREE_PORT\$"
	put lin $'late but here\n'
	wait_shows "$VIEW" "^${STAMP}late but here\$"
}

@test "chat-tmux listen --room: your lines as the members see them, under your name as it changes; the room closing keeps the window" {
	need tmux
	open_chat listen --room -b 127.0.0.1 0
	wait_shows "$VIEW" '^chat-listen: listening on 127\.0\.0\.1:[0-9]+$'
	PORT=$(screen "$VIEW" | sed -nE 's/^chat-listen: listening on 127\.0\.0\.1:([0-9]+)$/\1/p' | head -n1)
	[ -n "$PORT" ]
	hold_pipe min
	C_IN=$REPLY start_connect 127.0.0.1 "$PORT"
	wait_file_contains "$T/conn.out" '* welcome user1'

	put min $'hi host\n'
	wait_shows "$VIEW" "^${STAMP}<user1> hi host\$"
	tm send-keys -t "$INPUT" 'hello room' Enter
	wait_file_contains "$T/conn.out" '<host> hello room'
	wait_shows "$VIEW" "^${STAMP}<host> hello room\$"

	# a command shows as typed; the rename is followed
	tm send-keys -t "$INPUT" '/nick boss' Enter
	wait_shows "$VIEW" "^${STAMP}\\* host is now boss\$"
	tm send-keys -t "$INPUT" 'still me' Enter
	wait_file_contains "$T/conn.out" '<boss> still me'
	wait_shows "$VIEW" "^${STAMP}<boss> still me\$"
	# //text sends /text
	tm send-keys -t "$INPUT" '//slash' Enter
	wait_file_contains "$T/conn.out" '<boss> /slash'
	wait_shows "$VIEW" "^${STAMP}<boss> /slash\$"
	in_order "$VIEW" "^${STAMP}<user1> hi host\$" "^${STAMP}<host> hello room\$" \
		"^${STAMP}> /nick boss\$" "^${STAMP}<boss> still me\$" "^${STAMP}<boss> /slash\$"

	# /quit closes the room: the window stays until Enter
	tm send-keys -t "$INPUT" '/quit' Enter
	wait_shows "$VIEW" '^chat-tmux: room closed; press Enter to close$'
	wait_file_contains "$T/conn.out" '* room closed'
	close_pipe min
	expect_exit "$CPID" 0
	tm has-session -t "=$SESSION"
	tm send-keys -t "$INPUT" Enter
	wait_gone 5
}

@test "chat-tmux: Ctrl-D in the input pane ends the chat even if the peer stays" {
	need tmux
	hold_pipe lin
	L_IN=$REPLY start_listener
	open_chat connect 127.0.0.1 "$PORT"
	wait_shows "$VIEW" "^chat-connect: connected to 127\.0\.0\.1:$PORT\$"
	tm send-keys -t "$INPUT" 'last words' Enter C-d
	# -q 1: the peer gets a second to finish, then the tool quits
	wait_gone 5
	wait_file_contains "$T/listen.out" 'last words'
	expect_alive "$LPID"
}

@test "chat-tmux: Ctrl-C in the input pane ends the chat at once" {
	need tmux
	hold_pipe lin
	L_IN=$REPLY start_listener
	open_chat connect 127.0.0.1 "$PORT"
	wait_shows "$VIEW" "^chat-connect: connected to 127\.0\.0\.1:$PORT\$"
	tm send-keys -t "$INPUT" C-c
	wait_gone 3
}

@test "chat-tmux: a failing tool leaves its error on screen until Enter" {
	need tmux
	free_port
	open_chat connect 127.0.0.1 "$FREE_PORT"
	wait_shows "$VIEW" "cannot connect to 127\.0\.0\.1 port $FREE_PORT: Connection refused"
	wait_shows "$VIEW" '^chat-tmux: chat-connect exited with status 1; press Enter to close$'
	# still there until Enter
	sleep 0.3
	tm has-session -t "=$SESSION"
	tm send-keys -t "$INPUT" Enter
	wait_gone 5
}

@test "chat-tmux: a session of the same name is not replaced" {
	need tmux
	tm -f /dev/null new-session -d -s "$SESSION" sleep 60 3>&-
	run_t 10 chat-tmux connect 127.0.0.1 1
	assert_eq "$status" 1 "chat-tmux with the session name taken"
	[[ $stderr == *"exists already"* ]]
}
