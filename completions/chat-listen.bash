# shellcheck shell=bash
# bash completion for chat-listen(1).
#
# Needs nothing but bash: it reads the words from COMP_LINE itself and
# completes files (for --allow-file, and PATH after -U) with compgen.
# Where bash-completion is loaded, its _filedir completes files instead.
# Installed as share/bash-completion/completions/chat-listen; to use it
# by hand:
#   . completions/chat-listen.bash

# _chat_listen_reply CUR CANDIDATE...: COMPREPLY gets each candidate that
# starts with CUR, without the part of CUR that readline keeps (up to its
# last COMP_WORDBREAKS character, such as the = of --bind= or the colons
# of an IPv6 address).
_chat_listen_reply() {
	local cur=$1 keep='' c i
	shift
	for ((i = ${#cur} - 1; i >= 0; i--)); do
		if [[ ${COMP_WORDBREAKS-} == *"${cur:i:1}"* ]]; then
			keep=${cur:0:i+1}
			break
		fi
	done
	COMPREPLY=()
	for c; do
		[[ $c == "$cur"* ]] && COMPREPLY+=("${c#"$keep"}")
	done
	return 0
}

# _chat_listen_files PREFIX CUR: complete file names; PREFIX is "OPT="
# when the name is in the same word as its option, else empty.
_chat_listen_files() {
	local prefix=$1 cur=$2 f files=()
	compopt -o filenames 2>/dev/null
	if declare -F _filedir >/dev/null; then
		_filedir
		return 0
	fi
	while IFS= read -r f; do
		files+=("$prefix$f")
	done < <(compgen -f -- "$cur")
	_chat_listen_reply "$prefix$cur" "${files[@]}"
}

# _chat_listen_value OPT PREFIX VALUE: complete the value of OPT; PREFIX
# is "OPT=" when the value is in the same word, else empty.
_chat_listen_value() {
	local opt=$1 prefix=$2 cur=$3
	case $opt in
	-b | --bind)
		_chat_listen_reply "$prefix$cur" "$prefix"{127.0.0.1,::1,0.0.0.0,::}
		;;
	--allow-file)
		_chat_listen_files "$prefix" "$cur"
		;;
	*)
		# seconds, numbers, names, addresses: nothing to offer
		COMPREPLY=()
		;;
	esac
}

_chat_listen() {
	local opts='-b --bind -U --unix -k --keep-open --allow --deny --allow-file --room
		--name --max-clients --max-rate --channel --no-irc -q --quit-after
		-i --idle-timeout
		-4 --ipv4 -6 --ipv6 -n --numeric -d --no-stdin -t --timestamps -C --crlf --raw --safe
		-v --verbose --quiet -h --help --version'
	# options that take a value: short letters, long names
	local short_arg=bqi
	local long_arg=' --bind --allow --deny --allow-file --name --max-clients
		--max-rate --channel --quit-after --idle-timeout '
	local line cur w c want='' ends='' unix='' n=0 i j services
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
	# the words between the command and cur: a pending value, operands
	for ((i++; i < ${#words[@]} - 1; i++)); do
		w=${words[i]}
		if [[ -n $want ]]; then
			want=
			continue
		fi
		if [[ -n $ends ]]; then
			n=$((n + 1))
			continue
		fi
		case $w in
		--) ends=1 ;;
		--*=*) ;;
		# -U: the operand is a socket's PATH (--u: getopt takes a prefix)
		--u | --un | --uni | --unix) unix=1 ;;
		--*) [[ $long_arg == *[[:space:]]"$w"[[:space:]]* ]] && want=$w ;;
		-?*)
			# a cluster such as -tq: an option taking a value takes
			# the rest of the word, or the next word if it is last
			for ((j = 1; j < ${#w}; j++)); do
				c=${w:j:1}
				[[ $c == U ]] && unix=1
				if [[ $short_arg == *"$c"* ]]; then
					((j == ${#w} - 1)) && want=-$c
					break
				fi
			done
			;;
		*) n=$((n + 1)) ;;
		esac
	done

	if [[ -n $want ]]; then
		_chat_listen_value "$want" "" "$cur"
	elif [[ -z $ends && $cur == --*=* ]]; then
		_chat_listen_value "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
	elif [[ -z $ends && $cur == -* ]]; then
		# shellcheck disable=SC2086 # opts is a list of words
		_chat_listen_reply "$cur" $opts
	elif ((n == 0)) && [[ -n $unix ]]; then
		# PATH: a file (an @NAME is abstract, no file to offer)
		_chat_listen_files "" "$cur"
	elif ((n == 0)) && [[ $cur == [A-Za-z]* && -r /etc/services ]]; then
		# PORT: a service name (a number needs no help)
		services=$(awk '$2 ~ /\/tcp$/ { print $1 }' /etc/services)
		# shellcheck disable=SC2086 # one name per word
		_chat_listen_reply "$cur" $services
	else
		COMPREPLY=()
	fi
	return 0
}

complete -F _chat_listen chat-listen
