# shellcheck shell=bash
# bash completion for chat-connect(1).
#
# Needs nothing but bash: it reads the words from COMP_LINE itself, takes
# HOST names from /etc/hosts and completes PATH after -U with compgen.
# Where bash-completion is loaded, its _known_hosts_real completes HOST
# and its _filedir PATH instead. Installed as
# share/bash-completion/completions/chat-connect; to use it by hand:
#   . completions/chat-connect.bash

# _chat_connect_reply CUR CANDIDATE...: COMPREPLY gets each candidate that
# starts with CUR, without the part of CUR that readline keeps (up to its
# last COMP_WORDBREAKS character, such as the = of --wait= or the colons
# of an IPv6 address).
_chat_connect_reply() {
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

# _chat_connect_hosts PREFIX CUR: HOST (or the proxy's ADDR), from
# bash-completion or /etc/hosts; PREFIX is "OPT=" when the name is in the
# same word as its option, else empty.
_chat_connect_hosts() {
	local prefix=$1 cur=$2 h hosts=()
	if declare -F _known_hosts_real >/dev/null; then
		_known_hosts_real -- "$cur"
		return 0
	fi
	while IFS= read -r h; do
		hosts+=("$prefix$h")
	done < <(awk '!/^[[:space:]]*#/ { for (i = 2; i <= NF && $i !~ /^#/; i++) print $i }' \
		/etc/hosts 2>/dev/null)
	_chat_connect_reply "$prefix$cur" "${hosts[@]}"
}

# _chat_connect_services PREFIX CUR: a TCP service name for a PORT (a
# number needs no help); PREFIX as for _chat_connect_hosts.
_chat_connect_services() {
	local prefix=$1 cur=$2 s names=()
	COMPREPLY=()
	[[ $cur == [A-Za-z]* && -r /etc/services ]] || return 0
	while IFS= read -r s; do
		names+=("$prefix$s")
	done < <(awk '$2 ~ /\/tcp$/ { print $1 }' /etc/services)
	_chat_connect_reply "$prefix$cur" "${names[@]}"
}

# _chat_connect_files CUR: PATH after -U, a file (an @NAME is abstract:
# there is no file to offer).
_chat_connect_files() {
	local cur=$1 f files=()
	compopt -o filenames 2>/dev/null
	if declare -F _filedir >/dev/null; then
		_filedir
		return 0
	fi
	while IFS= read -r f; do
		files+=("$f")
	done < <(compgen -f -- "$cur")
	_chat_connect_reply "$cur" "${files[@]}"
}

# _chat_connect_value OPT PREFIX VALUE: complete the value of OPT; PREFIX
# is "OPT=" when the value is in the same word, else empty.
_chat_connect_value() {
	local opt=$1 prefix=$2 cur=$3
	case $opt in
	-x | --proxy) _chat_connect_hosts "$prefix" "$cur" ;;
	-X | --proxy-type) _chat_connect_reply "$prefix$cur" "$prefix"{5,connect} ;;
	-p | --source-port) _chat_connect_services "$prefix" "$cur" ;;
	*)
		# seconds, addresses, names, passwords: nothing to offer
		COMPREPLY=()
		;;
	esac
}

_chat_connect() {
	local opts='-w --wait --retry -U --unix -s --source -p --source-port
		-x --proxy -X --proxy-type --proxy-auth
		--irc --nick --channel --password --irc-rate
		-q --quit-after -i --idle-timeout
		-4 --ipv4 -6 --ipv6 -n --numeric -d --no-stdin -t --timestamps -C --crlf --raw --safe
		-v --verbose --quiet -h --help --version'
	# options that take a value: short letters, long names
	local short_arg=wspxXqi
	local long_arg=' --wait --retry --source --source-port --proxy --proxy-type
		--proxy-auth --nick --channel --password --irc-rate
		--quit-after --idle-timeout '
	local line cur w c want='' ends='' unix='' n=0 i j
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
			want=''
			continue
		fi
		if [[ -n $ends ]]; then
			n=$((n + 1))
			continue
		fi
		case $w in
		--) ends=1 ;;
		--*=*) ;;
		# -U: one operand, a socket's PATH (--u: getopt takes a prefix)
		--u | --un | --uni | --unix) unix=1 ;;
		--*) [[ $long_arg == *[[:space:]]"$w"[[:space:]]* ]] && want=$w ;;
		-?*)
			# a cluster such as -tw: an option taking a value takes
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
		_chat_connect_value "$want" "" "$cur"
	elif [[ -z $ends && $cur == --*=* ]]; then
		_chat_connect_value "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
	elif [[ -z $ends && $cur == -* ]]; then
		# shellcheck disable=SC2086 # opts is a list of words
		_chat_connect_reply "$cur" $opts
	elif ((n == 0)) && [[ -n $unix ]]; then
		_chat_connect_files "$cur"
	elif ((n == 0)); then
		_chat_connect_hosts "" "$cur"
	elif ((n == 1)) && [[ -z $unix ]]; then
		_chat_connect_services "" "$cur"
	else
		COMPREPLY=()
	fi
	return 0
}

complete -F _chat_connect chat-connect
