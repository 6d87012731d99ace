# shellcheck shell=bash
# bash completion for chat-tmux(1).
#
# The mode (listen, connect) first; after it, the words are completed as
# chat-listen's or chat-connect's, by their own completion: loaded from
# bash-completion where it is there, else from beside this file. Installed
# as share/bash-completion/completions/chat-tmux; to use it by hand:
#   . completions/chat-tmux.bash

# the directory this file was loaded from: the tools' completions are there
_chat_tmux_dir=$(dirname -- "${BASH_SOURCE[0]}")

# _chat_tmux_load TOOL: the completion function of TOOL (chat-listen,
# chat-connect) is defined, or it returns 1.
_chat_tmux_load() {
	local fn=_${1//-/_} f
	declare -F "$fn" >/dev/null && return 0
	if declare -F __load_completion >/dev/null; then
		__load_completion "$1" >/dev/null 2>&1
	elif declare -F _completion_loader >/dev/null; then
		_completion_loader "$1" >/dev/null 2>&1
	fi
	for f in "$_chat_tmux_dir/$1" "$_chat_tmux_dir/$1.bash"; do
		declare -F "$fn" >/dev/null && break
		# shellcheck disable=SC1090 # found at run time
		[[ -r $f ]] && . "$f"
	done
	declare -F "$fn" >/dev/null
}

_chat_tmux() {
	local cur=${COMP_WORDS[COMP_CWORD]-} mode='' line c

	COMPREPLY=()
	# the mode is the word after the command
	if ((COMP_CWORD <= 1)); then
		if [[ $cur == -* ]]; then
			set -- -h --help
		else
			set -- listen connect
		fi
		for c; do
			[[ $c == "$cur"* ]] && COMPREPLY+=("$c")
		done
		return 0
	fi
	mode=${COMP_WORDS[1]}
	case $mode in
	listen | connect) ;;
	*) return 0 ;;
	esac
	_chat_tmux_load "chat-$mode" || return 0
	# the tool's completion, on the line up to the cursor as the tool
	# would see it
	line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	COMP_LINE="chat-$mode${line#*[[:blank:]]"$mode"}"
	COMP_POINT=${#COMP_LINE}
	"_chat_${mode}" "chat-$mode" "$cur" "${COMP_WORDS[COMP_CWORD - 1]}"
}

complete -F _chat_tmux chat-tmux
