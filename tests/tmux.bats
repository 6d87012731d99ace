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

STAMP='\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] '

@test "chat-tmux --help and -h: usage on stdout, exit 0" {
	run_t 5 chat-tmux --help
	assert_eq "$status" 0 "chat-tmux --help"
	[[ $output == *"chat-tmux listen PORT"* ]]
	[[ $output == *"chat-tmux connect HOST PORT"* ]]
	run_t 5 chat-tmux -h
	assert_eq "$status" 0 "chat-tmux -h"
	[[ $output == usage:* ]]
}

@test "chat-tmux: usage errors exit 2; no terminal without CHAT_TMUX_DETACH is refused" {
	run_t 5 chat-tmux
	assert_eq "$status" 2 "no arguments"
	run_t 5 chat-tmux talk 1234
	assert_eq "$status" 2 "unknown mode"
	run_t 5 chat-tmux connect 127.0.0.1
	assert_eq "$status" 2 "connect without PORT"
	run_t 5 chat-tmux listen
	assert_eq "$status" 2 "listen without PORT"
	CHAT_TMUX_DETACH='' run_t 5 chat-tmux connect 127.0.0.1 1
	assert_eq "$status" 2 "not on a terminal"
	[[ $stderr == *CHAT_TMUX_DETACH=1* ]]
}

@test "chat-tmux connect: lines typed go out, lines received show stamped, the peer leaving ends it" {
	need tmux
	hold_pipe lin
	L_IN=$REPLY start_listener
	open_chat connect 127.0.0.1 "$PORT"
	# the connection log is in the message pane
	wait_shows "$VIEW" "^chat-connect: connected to 127\.0\.0\.1:$PORT\$"

	tm send-keys -t "$INPUT" 'hello from tmux' Enter
	wait_file_contains "$T/listen.out" 'hello from tmux'
	assert_eq "$(cat "$T/listen.out")" "hello from tmux" "what the listener got"

	put lin $'hi from the listener\n'
	wait_shows "$VIEW" "^${STAMP}hi from the listener\$"

	# the listener goes: the chat ends, the session and its processes go
	kill -TERM "$LPID"
	expect_exit "$LPID" 143
	wait_gone 5
	wait_for -t 5 no_tool_left "chat-connect -t -q 1 127.0.0.1 $PORT"
}

@test "chat-tmux listen: a peer's lines show stamped, typed lines reach it, its leaving ends it" {
	need tmux
	open_chat listen 0 -b 127.0.0.1
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

	# the peer ends its input: the tool, reading a terminal, ends the chat
	close_pipe cin
	wait_gone 5
	expect_exit "$CPID" 0
	assert_eq "$(cat "$T/conn.out")" "hello peer" "what the peer got"
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
