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
	local line cur i mode='' rest
	local -a words

	# the words up to the cursor, split at blanks only
	if [[ -n ${COMP_LINE-} ]]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	else
		line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
	fi
	read -r -a words <<<"$line"
	if [[ ${#words[@]} -eq 0 || $line == *[[:blank:]] ]]; then
		words+=("")
	fi
	cur=${words[${#words[@]} - 1]}
	# skip VAR=value words before the command name
	for ((i = 0; i < ${#words[@]} - 1; i++)); do
		[[ ${words[i]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || break
	done
	# the mode is the word after the command
	if ((i + 1 < ${#words[@]} - 1)); then
		mode=${words[i + 1]}
	fi

	COMPREPLY=()
	if [[ -z $mode ]]; then
		local c
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
	case $mode in
	listen | connect) ;;
	*) return 0 ;;
	esac
	_chat_tmux_load "chat-$mode" || return 0
	# the tool's completion, on the line as the tool would see it
	rest=${line#*[[:blank:]]"$mode"}
	COMP_LINE="chat-$mode$rest"
	COMP_POINT=${#COMP_LINE}
	"_chat_${mode}" "chat-$mode" "$cur" "${words[${#words[@]} - 2]}"
}

complete -F _chat_tmux chat-tmux
