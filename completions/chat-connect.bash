# shellcheck shell=bash
# bash completion for chat-connect(1).
#
# Needs nothing but bash: it reads the words from COMP_LINE itself and
# takes HOST names from /etc/hosts. Where bash-completion is loaded, its
# _known_hosts_real completes HOST instead. Installed as
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

# _chat_connect_hosts CUR: HOST, from bash-completion or /etc/hosts.
_chat_connect_hosts() {
	local cur=$1 hosts
	if declare -F _known_hosts_real >/dev/null; then
		_known_hosts_real -- "$cur"
		return 0
	fi
	hosts=$(awk '!/^[[:space:]]*#/ { for (i = 2; i <= NF && $i !~ /^#/; i++) print $i }' \
		/etc/hosts 2>/dev/null)
	# shellcheck disable=SC2086 # one name per word
	_chat_connect_reply "$cur" $hosts
}

_chat_connect() {
	local opts='-w --wait --retry --irc --nick --channel --password --irc-rate
		-q --quit-after -i --idle-timeout
		-4 --ipv4 -6 --ipv6 -n --numeric -d --no-stdin -t --timestamps -C --crlf --raw --safe
		-v --verbose --quiet -h --help --version'
	# options that take a value: short letters, long names
	local short_arg=wqi
	local long_arg=' --wait --retry --nick --channel --password --irc-rate
		--quit-after --idle-timeout '
	local line cur w c want='' ends='' n=0 i j services
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
		--*) [[ $long_arg == *[[:space:]]"$w"[[:space:]]* ]] && want=$w ;;
		-?*)
			# a cluster such as -tw: an option taking a value takes
			# the rest of the word, or the next word if it is last
			for ((j = 1; j < ${#w}; j++)); do
				c=${w:j:1}
				if [[ $short_arg == *"$c"* ]]; then
					((j == ${#w} - 1)) && want=-$c
					break
				fi
			done
			;;
		*) n=$((n + 1)) ;;
		esac
	done

	if [[ -n $want || (-z $ends && $cur == --*=*) ]]; then
		# every value is a number of seconds: nothing to offer
		COMPREPLY=()
	elif [[ -z $ends && $cur == -* ]]; then
		# shellcheck disable=SC2086 # opts is a list of words
		_chat_connect_reply "$cur" $opts
	elif ((n == 0)); then
		_chat_connect_hosts "$cur"
	elif ((n == 1)) && [[ $cur == [A-Za-z]* && -r /etc/services ]]; then
		# PORT: a service name (a number needs no help)
		services=$(awk '$2 ~ /\/tcp$/ { print $1 }' /etc/services)
		# shellcheck disable=SC2086 # one name per word
		_chat_connect_reply "$cur" $services
	else
		COMPREPLY=()
	fi
	return 0
}

complete -F _chat_connect chat-connect
