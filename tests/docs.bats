#!/usr/bin/env bats
# shellcheck shell=bash
# bats: @test bodies run in subshells (SC2030/SC2031); run sets $stderr and
# $stderr_lines (SC2154); `load` hides test_helper.bash's variables (SC2153).
# shellcheck disable=SC2030,SC2031,SC2153,SC2154
# The documentation side: man pages and shell completions agree with
# --help, lint clean, complete what they should, and install/uninstall.

load test_helper

# the helper's teardown, run after this file's own cleanup
eval "helper_$(declare -f teardown)"
teardown() {
	if [ -n "${ZSOCK:-}" ]; then
		tmux -L "$ZSOCK" kill-server 2>/dev/null || true
		# tmux leaves its socket file behind
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$ZSOCK"
	fi
	helper_teardown
}

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# every program with a --help, a man page and completions
DOCUMENTED=(chat-listen chat-connect chat-tmux)
# options each --help lists at least: a broken parse must not pass
declare -gA MIN_OPTS=([chat-listen]=10 [chat-connect]=10 [chat-tmux]=2)

# help_opts PROG: every option PROG --help lists, short and long, one a
# line (taken from the option column: the text before two blanks).
help_opts() {
	"$1" --help | awk '
		/^ +-/ {
			sub(/^ +/, "")
			split($0, col, "  ")
			n = split(col[1], w, /[ ,]+/)
			for (i = 1; i <= n; i++) {
				if (w[i] !~ /^-/)
					continue
				sub(/[=[].*/, "", w[i])
				print w[i]
			}
		}'
}

# has_opt OPT FILE: OPT appears in FILE as a whole option word.
has_opt() {
	grep -qE -- "(^|[^-[:alnum:]])${1}([^-[:alnum:]]|\$)" "$2"
}

# fish_has_opt OPT FILE: a `complete` line of FILE declares OPT
# (-s X for -X, -l NAME for --NAME).
fish_has_opt() {
	case $1 in
	--*) grep -qE -- "^complete .*-l ${1#--}( |\$)" "$2" ;;
	-*) grep -qE -- "^complete .*-s ${1#-}( |\$)" "$2" ;;
	esac
}

# man_has_item OPT PAGE: the mdoc source PAGE has a list entry (.It)
# for OPT, as `Fl X` for -X or `Fl -NAME` for --NAME.
man_has_item() {
	grep -qE -- "^\.It (.* )?Fl ${1#-}( |\$)" "$2"
}

# man_text PAGE: the page rendered as plain text (mandoc, else groff).
man_text() {
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T ascii "$1"
	elif command -v groff >/dev/null 2>&1; then
		groff -mandoc -Tascii -P-cbou "$1" 2>/dev/null
	else
		return 1
	fi | sed 's/.\x08//g'
}

# bash_complete FILE FUNC LINE: what FUNC puts in COMPREPLY for LINE, the
# cursor at its end, one a line; in a bash without bash-completion unless
# BASH_COMPLETION names its main script.
bash_complete() {
	bash --norc --noprofile -c '
		if [ -n "${BASH_COMPLETION:-}" ]; then . "$BASH_COMPLETION"; fi
		. "$1" || exit 1
		COMP_LINE=$3
		COMP_POINT=${#3}
		read -r -a COMP_WORDS <<<"$3"
		if [[ $3 == *[[:blank:]] ]]; then COMP_WORDS+=(""); fi
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_TYPE=9
		COMPREPLY=()
		"$2" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		if [ "${#COMPREPLY[@]}" -gt 0 ]; then printf "%s\n" "${COMPREPLY[@]}"; fi
	' _ "$@" </dev/null
}

# complete_listen LINE / complete_connect LINE
complete_listen() {
	bash_complete "$ROOT/completions/chat-listen.bash" _chat_listen "$1"
}
complete_connect() {
	bash_complete "$ROOT/completions/chat-connect.bash" _chat_connect "$1"
}
complete_tmux() {
	bash_complete "$ROOT/completions/chat-tmux.bash" _chat_tmux "$1"
}

# assert_lines_include LINES WORD...: every WORD is one of LINES.
assert_lines_include() {
	local lines=$1 w missing=()
	shift
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$lines" || missing+=("$w")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "missing: ${missing[*]}; got:" >&2
		printf '%s\n' "$lines" >&2
		return 1
	fi
}

# same_set A B: the lines of A and of B are the same set.
same_set() {
	local a b
	a=$(sort -u <<<"$1")
	b=$(sort -u <<<"$2")
	if [ "$a" != "$b" ]; then
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") >&2 || true
		return 1
	fi
}

@test "docs: every --help option is in the man page and in all three completions" {
	local prog opts o missing=() page
	for prog in "${DOCUMENTED[@]}"; do
		opts=$(help_opts "$prog")
		# a broken parse must not pass for an empty list
		[ "$(wc -l <<<"$opts")" -ge "${MIN_OPTS[$prog]}" ] || {
			echo "$prog: only parsed [$opts] from --help" >&2
			return 1
		}
		page="$T/$prog.txt"
		if man_text "$ROOT/man/$prog.1" >"$page"; then :; else
			# no formatter: look for the option in the source, as mdoc writes it
			sed -E 's/Fl -/--/g; s/Fl ([[:alnum:]])/-\1/g' "$ROOT/man/$prog.1" >"$page"
		fi
		for o in $opts; do
			has_opt "$o" "$page" || missing+=("man/$prog.1:$o")
			man_has_item "$o" "$ROOT/man/$prog.1" ||
				missing+=("man/$prog.1 (.It entry):$o")
			has_opt "$o" "$ROOT/completions/$prog.bash" ||
				missing+=("completions/$prog.bash:$o")
			has_opt "$o" "$ROOT/completions/_$prog" ||
				missing+=("completions/_$prog:$o")
			fish_has_opt "$o" "$ROOT/completions/$prog.fish" ||
				missing+=("completions/$prog.fish:$o")
		done
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		printf 'not documented: %s\n' "${missing[@]}" >&2
		return 1
	fi
}

@test "docs: chat-tmux's modes and environment, from its --help, are in its man page and completions" {
	local help modes vars m v missing=()
	help=$(chat-tmux --help)
	modes=$(sed -nE 's/^(usage:)? +chat-tmux ([a-z]+) .*/\2/p' <<<"$help")
	vars=$(sed -nE 's/^ +(CHAT_TMUX_[A-Z_]+) .*/\1/p' <<<"$help")
	assert_eq "${modes//$'\n'/ }" "listen connect" "modes parsed from chat-tmux --help"
	[ "$(wc -l <<<"$vars")" -ge 3 ] || {
		echo "only parsed [$vars] from chat-tmux --help" >&2
		return 1
	}
	for m in $modes; do
		grep -qE "^\.Cm $m( |\$)" "$ROOT/man/chat-tmux.1" || missing+=("man/chat-tmux.1:$m")
		grep -qE "(^|[^-[:alnum:]])$m([^-[:alnum:]]|\$)" "$ROOT/completions/chat-tmux.bash" ||
			missing+=("completions/chat-tmux.bash:$m")
		# _arguments' list of values with descriptions: listen\:"..."
		grep -qF "$m\\:" "$ROOT/completions/_chat-tmux" || missing+=("completions/_chat-tmux:$m")
		grep -qE "^complete .* -a $m( |\$)" "$ROOT/completions/chat-tmux.fish" ||
			missing+=("completions/chat-tmux.fish:$m")
	done
	for v in $vars; do
		grep -qE "^\.It Ev $v\$" "$ROOT/man/chat-tmux.1" || missing+=("man/chat-tmux.1:$v")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		printf 'not documented: %s\n' "${missing[@]}" >&2
		return 1
	fi
}

@test "docs: bash completion offers exactly the options --help lists" {
	local prog
	for prog in "${DOCUMENTED[@]}"; do
		run bash_complete "$ROOT/completions/$prog.bash" "_${prog//-/_}" "$prog -"
		assert_eq "$status" 0 "status of the $prog completion"
		same_set "$output" "$(help_opts "$prog")"
	done
}

@test "docs: man pages pass mandoc -T lint -W warning" {
	need mandoc
	run mandoc -T lint -W warning "$ROOT/man/chat-listen.1" "$ROOT/man/chat-connect.1" \
		"$ROOT/man/chat-tmux.1"
	assert_eq "$output" "" "mandoc lint output"
	assert_eq "$status" 0 "mandoc lint status"
}

@test "docs: man pages pass groff -ww -z -mandoc" {
	need groff
	local p
	for p in "${DOCUMENTED[@]}"; do
		run groff -ww -z -mandoc "$ROOT/man/$p.1"
		assert_eq "$output" "" "groff warnings for $p.1"
		assert_eq "$status" 0 "groff status for $p.1"
	done
}

@test "docs: man pages carry @VERSION@ for make install to stamp" {
	grep -q '^\.Os .*@VERSION@' "$ROOT/man/chat-listen.1"
	grep -q '^\.Os .*@VERSION@' "$ROOT/man/chat-connect.1"
	grep -q '^\.Os .*@VERSION@' "$ROOT/man/chat-tmux.1"
}

@test "bash completion: long options, values, operands" {
	run complete_listen "chat-listen --ke"
	assert_eq "$output" "--keep-open" "chat-listen --ke"

	run complete_connect "chat-connect -"
	assert_lines_include "$output" --retry --wait -w --help

	run complete_listen "chat-listen --bind "
	assert_lines_include "$output" 127.0.0.1 ::1 0.0.0.0 ::

	# the value of a short option, also at the end of a cluster
	run complete_listen "chat-listen -tb 127"
	assert_eq "$output" "127.0.0.1" "chat-listen -tb 127"

	# --bind=VALUE: readline replaces what follows the =
	run complete_listen "chat-listen --bind=127"
	assert_eq "$output" "127.0.0.1" "chat-listen --bind=127"

	# seconds and counts: nothing to offer
	run complete_listen "chat-listen -q "
	assert_eq "$output" "" "chat-listen -q"
	run complete_connect "chat-connect --retry "
	assert_eq "$output" "" "chat-connect --retry"

	# an option's value is not an operand; no options after --
	run complete_connect "chat-connect -w 5 --re"
	assert_eq "$output" "--retry" "chat-connect -w 5 --re"
	run complete_listen "chat-listen -- --ke"
	assert_eq "$output" "" "chat-listen -- --ke"
}

@test "bash completion: chat-tmux completes its mode, then as chat-listen or chat-connect" {
	run complete_tmux "chat-tmux "
	same_set "$output" $'listen\nconnect'
	run complete_tmux "chat-tmux c"
	assert_eq "$output" "connect" "chat-tmux c"
	run complete_tmux "chat-tmux listen --ke"
	assert_eq "$output" "--keep-open" "chat-tmux listen --ke"
	run complete_tmux "chat-tmux listen -tb 127"
	assert_eq "$output" "127.0.0.1" "chat-tmux listen -tb 127"
	run complete_tmux "chat-tmux connect -w 5 --re"
	assert_eq "$output" "--retry" "chat-tmux connect -w 5 --re"
	run complete_tmux "chat-tmux connect localhost 80 "
	assert_eq "$output" "" "chat-tmux connect HOST PORT"
	# the tool's --help, not chat-tmux's -h
	run complete_tmux "chat-tmux connect -"
	same_set "$output" "$(help_opts chat-connect)"
}

@test "bash completion: --allow-file completes files" {
	: >"$T/acl.list"
	mkdir "$T/acl.d"
	run complete_listen "chat-listen --allow-file $T/acl."
	assert_lines_include "$output" "$T/acl.list" "$T/acl.d"
	run complete_listen "chat-listen --room --allow-file=$T/acl.l"
	assert_eq "$output" "$T/acl.list" "--allow-file=$T/acl.l"
}

@test "bash completion: -U makes the operand a file; chat-connect's proxy options take values" {
	: >"$T/room.sock"
	mkdir "$T/room.d"
	run complete_listen "chat-listen --room -U $T/room."
	assert_lines_include "$output" "$T/room.sock" "$T/room.d"
	run complete_connect "chat-connect -tU $T/room.s"
	assert_eq "$output" "$T/room.sock" "chat-connect -tU PATH"
	run complete_connect "chat-connect --unix $T/room.s"
	assert_eq "$output" "$T/room.sock" "chat-connect --unix PATH"
	# with -U, PATH is the only operand
	run complete_connect "chat-connect -U $T/room.sock "
	assert_eq "$output" "" "after -U PATH"
	# without -U, no file for PORT; -s takes a value, not an operand
	run complete_listen "chat-listen $T/room."
	assert_eq "$output" "" "chat-listen PORT"
	run complete_connect "chat-connect -s ::1 -X "
	same_set "$output" $'5\nconnect'
	run complete_connect "chat-connect --proxy-type=c"
	assert_eq "$output" "connect" "chat-connect --proxy-type=c"
	run complete_tmux "chat-tmux connect -U $T/room.s"
	assert_eq "$output" "$T/room.sock" "chat-tmux connect -U PATH"
}

@test "bash completion: HOST from /etc/hosts, PORT services" {
	grep -qE '^[^#]*[[:space:]]localhost([[:space:]]|$)' /etc/hosts 2>/dev/null ||
		skip "/etc/hosts does not list localhost"
	run complete_connect "chat-connect -t localh"
	assert_lines_include "$output" localhost
	if grep -qE '^http[[:space:]]+80/tcp' /etc/services 2>/dev/null; then
		run complete_connect "chat-connect localhost htt"
		assert_lines_include "$output" http
	fi
	# after HOST and PORT there is nothing left to complete
	run complete_connect "chat-connect localhost 80 "
	assert_eq "$output" "" "after HOST PORT"
}

@test "bash completion: works with bash-completion loaded too" {
	local main=/usr/share/bash-completion/bash_completion
	[ -r "$main" ] || skip "bash-completion not installed"
	BASH_COMPLETION=$main run complete_listen "chat-listen --ke"
	assert_eq "$output" "--keep-open" "chat-listen --ke"
	: >"$T/acl.list"
	BASH_COMPLETION=$main run complete_listen "chat-listen --allow-file $T/acl.l"
	assert_lines_include "$output" "$T/acl.list"
	BASH_COMPLETION=$main run complete_connect "chat-connect -"
	assert_lines_include "$output" --retry
	BASH_COMPLETION=$main run complete_tmux "chat-tmux listen --allow-file $T/acl.l"
	assert_lines_include "$output" "$T/acl.list"
}

@test "zsh completions parse (zsh -n)" {
	need zsh
	local prog
	for prog in "${DOCUMENTED[@]}"; do
		run zsh -n "$ROOT/completions/_$prog"
		assert_eq "$status:$output" "0:" "zsh -n _$prog"
		head -n1 "$ROOT/completions/_$prog" | grep -qx "#compdef $prog"
	done
}

# fish_complete FILE LINE: the candidates fish offers for LINE once FILE
# is loaded, one a line, without their descriptions.
fish_complete() {
	# shellcheck disable=SC2016 # fish code, not shell
	fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' "$1" "$2" |
		cut -f1
}

# fish_autoload LINE: the candidates fish offers for LINE, each completion
# file loaded from completions/ when its command is first completed.
fish_autoload() {
	# shellcheck disable=SC2016 # fish code, not shell
	fish --no-config -c 'set -p fish_complete_path $argv[1]; complete -C $argv[2]' \
		"$ROOT/completions" "$1" | cut -f1
}

# zsh_screen: the zsh pane's text.
zsh_screen() {
	tmux -L "$ZSOCK" capture-pane -p -J -t zc
}

zsh_screen_has() {
	zsh_screen | grep -qF -- "$1"
}

@test "zsh completion: really completes in an interactive zsh (under tmux)" {
	need zsh tmux
	ZSOCK=chatzsh$$-$BATS_TEST_NUMBER
	mkdir "$T/zhome"
	tmux -L "$ZSOCK" -f /dev/null new-session -d -s zc -x 200 -y 50 \
		env HOME="$T/zhome" ZDOTDIR="$T/zhome" zsh -f -i 3>&-
	# READ''Y: the typed line does not show what the output line shows
	tmux -L "$ZSOCK" send-keys -t zc "PS1='zsh%% '; fpath=($ROOT/completions \$fpath); autoload -Uz compinit; compinit -u -D; echo READ''Y" Enter
	wait_for zsh_screen_has READY
	tmux -L "$ZSOCK" send-keys -t zc 'chat-listen --ke' Tab
	wait_for zsh_screen_has 'chat-listen --keep-open'
	tmux -L "$ZSOCK" send-keys -t zc C-u 'chat-listen --bind ' Tab Tab
	wait_for zsh_screen_has '::1'
	zsh_screen_has 127.0.0.1
	tmux -L "$ZSOCK" send-keys -t zc C-u 'chat-connect --re' Tab
	wait_for zsh_screen_has 'chat-connect --retry'
	# chat-tmux: the mode, then chat-listen's own completion
	tmux -L "$ZSOCK" send-keys -t zc C-u 'chat-tmux l' Tab
	wait_for zsh_screen_has 'chat-tmux listen '
	tmux -L "$ZSOCK" send-keys -t zc -- --ke Tab
	wait_for zsh_screen_has 'chat-tmux listen --keep-open'
	if zsh_screen | grep -E 'parse error|command not found|_arguments:' >&2; then
		return 1
	fi
}

@test "fish completions parse, and complete options and values" {
	need fish
	local prog
	for prog in "${DOCUMENTED[@]}"; do
		run fish --no-execute "$ROOT/completions/$prog.fish"
		assert_eq "$status:$output" "0:" "fish --no-execute $prog.fish"
		# offered for "-": exactly the options --help lists
		run fish_complete "$ROOT/completions/$prog.fish" "$prog -"
		assert_eq "$status" 0 "fish complete -C for $prog"
		same_set "$output" "$(help_opts "$prog")"
	done
	run fish_complete "$ROOT/completions/chat-listen.fish" "chat-listen --bind "
	assert_lines_include "$output" 127.0.0.1 ::1 0.0.0.0 ::
	run fish_complete "$ROOT/completions/chat-connect.fish" "chat-connect --re"
	assert_eq "$output" "--retry" "fish: chat-connect --re"
	# -U: the operand is a file, and chat-connect's only one
	: >"$T/room.sock"
	run fish_complete "$ROOT/completions/chat-listen.fish" "chat-listen -kU $T/room.s"
	assert_eq "$output" "$T/room.sock" "fish: chat-listen -kU PATH"
	run fish_complete "$ROOT/completions/chat-connect.fish" "chat-connect --unix $T/room.s"
	assert_eq "$output" "$T/room.sock" "fish: chat-connect --unix PATH"
	run fish_complete "$ROOT/completions/chat-connect.fish" "chat-connect -U $T/room.sock "
	assert_eq "$output" "" "fish: after chat-connect -U PATH"
	run fish_complete "$ROOT/completions/chat-connect.fish" "chat-connect -X "
	same_set "$output" $'5\nconnect'
	# chat-tmux: the mode, then the tool's completion, each loaded by fish
	# from the completion path as when installed
	run fish_autoload "chat-tmux "
	same_set "$output" $'listen\nconnect'
	run fish_autoload "chat-tmux listen --ke"
	assert_eq "$output" "--keep-open" "fish: chat-tmux listen --ke"
	run fish_autoload "chat-tmux connect -w 5 --re"
	assert_eq "$output" "--retry" "fish: chat-tmux connect -w 5 --re"
	run fish_autoload "chat-tmux listen --bind "
	assert_lines_include "$output" 127.0.0.1 ::1
}

@test "make install DESTDIR= PREFIX=/usr puts every file in place; uninstall removes them" {
	local d="$T/root" version f p
	version=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
	[ -n "$version" ]
	run make -s -C "$ROOT" install DESTDIR="$d" PREFIX=/usr
	assert_eq "$status" 0 "make install status (output: $output)"
	for p in chat-listen chat-connect chat-tmux; do
		[ -x "$d/usr/bin/$p" ] || {
			echo "missing or not executable: /usr/bin/$p" >&2
			return 1
		}
	done
	for p in "${DOCUMENTED[@]}"; do
		for f in "usr/share/man/man1/$p.1" \
			"usr/share/bash-completion/completions/$p" \
			"usr/share/zsh/site-functions/_$p" \
			"usr/share/fish/vendor_completions.d/$p.fish"; do
			[ -s "$d/$f" ] || {
				echo "missing: /$f" >&2
				return 1
			}
		done
		f="$d/usr/share/man/man1/$p.1"
		if grep -n '@VERSION@' "$f" >&2; then
			echo "$f: @VERSION@ left" >&2
			return 1
		fi
		grep -qF "$version" "$f"
		cmp -s "$ROOT/completions/$p.bash" "$d/usr/share/bash-completion/completions/$p"
		if command -v mandoc >/dev/null 2>&1; then
			run mandoc -T lint -W warning "$f"
			assert_eq "$output" "" "mandoc lint of the installed $p.1"
		fi
	done
	# the installed chat-tmux runs
	run "$d/usr/bin/chat-tmux" --help
	assert_eq "$status" 0 "installed chat-tmux --help"

	run make -s -C "$ROOT" uninstall DESTDIR="$d" PREFIX=/usr
	assert_eq "$status" 0 "make uninstall status (output: $output)"
	run find "$d" \( -type f -o -type l \)
	assert_eq "$output" "" "files left after uninstall"
}
