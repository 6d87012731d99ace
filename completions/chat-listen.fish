# fish completion for chat-listen(1); installed as
# share/fish/vendor_completions.d/chat-listen.fish.

# __chat_listen_services: TCP service names, for PORT.
function __chat_listen_services
    test -r /etc/services
    and string replace -rf -- '^([A-Za-z][^\s#]*)\s+[0-9]+/tcp\b.*' '$1' </etc/services
end

# __chat_listen_operands: how many operands (PORT) are already on the
# command line, the values of options not counted.
function __chat_listen_operands
    set -l n 0
    set -l skip 0
    set -l ended 0
    for t in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if test $ended = 1
            set n (math $n + 1)
        else if test "$t" = --
            set ended 1
        else if string match -qr -- '^--(bind|allow|deny|allow-file|name|max-clients|max-rate|channel|quit-after|idle-timeout)$' $t
            set skip 1
        else if string match -qr -- '^-[^-]' $t
            # a cluster such as -tb takes the next word when it ends in b, q or i
            string match -qr -- '^-[kU46ndtCvh]*[bqi]$' $t; and set skip 1
        else if not string match -q -- '-*' $t
            set n (math $n + 1)
        end
    end
    echo $n
end

# __chat_listen_unix: whether -U is on the command line (before any --,
# not as an option's value).
function __chat_listen_unix
    set -l skip 0
    for t in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if test "$t" = --
            return 1
        else if string match -qr -- '^--u(n(ix?)?)?$' $t
            return 0
        else if string match -qr -- '^--(bind|allow|deny|allow-file|name|max-clients|max-rate|channel|quit-after|idle-timeout)$' $t
            set skip 1
        else if string match -qr -- '^-[^-]' $t
            # U before any letter that takes the rest of the word
            string match -qr -- '^-[k46ndtCvh]*U' $t; and return 0
            string match -qr -- '^-[kU46ndtCvh]*[bqi]$' $t; and set skip 1
        end
    end
    return 1
end

# PORT: a number or a service name, never a file; with -U, PATH: a file
complete -c chat-listen -f
complete -c chat-listen -n 'not __chat_listen_unix; and test (__chat_listen_operands) = 0' -a '(__chat_listen_services)' -d Port
complete -c chat-listen -n '__chat_listen_unix; and test (__chat_listen_operands) = 0' -F

complete -c chat-listen -s b -l bind -x -a '127.0.0.1 ::1 0.0.0.0 ::' -d 'Listen on ADDR only'
complete -c chat-listen -s U -l unix -d 'Listen on the Unix socket PATH (@NAME: abstract)'
complete -c chat-listen -s k -l keep-open -d 'After a peer leaves, wait for the next'
complete -c chat-listen -l allow -x -d 'Let in only matching peers (ADDR[/BITS])'
complete -c chat-listen -l deny -x -d 'Refuse matching peers; wins over --allow'
complete -c chat-listen -l allow-file -r -F -d '--allow for each address or CIDR in FILE'
complete -c chat-listen -l room -d 'Host a chat room'
complete -c chat-listen -l name -x -d 'The host\'s name in the room (default: host)'
complete -c chat-listen -l max-clients -x -d 'Members at most (default 100, at most 1008)'
complete -c chat-listen -l max-rate -x -d 'Lines per second per member (default 50; 0: off)'
complete -c chat-listen -l channel -x -d 'The room as an IRC channel (default #room)'
complete -c chat-listen -l no-irc -d 'Every member speaks the room\'s lines, not IRC'
complete -c chat-listen -s q -l quit-after -x -d 'After stdin ends, quit at most SECS later'
complete -c chat-listen -s i -l idle-timeout -x -d 'Close after SECS without traffic'
complete -c chat-listen -s 4 -l ipv4 -d 'IPv4 only'
complete -c chat-listen -s 6 -l ipv6 -d 'IPv6 only'
complete -c chat-listen -s n -l numeric -d 'Numeric addresses only: no DNS lookups'
complete -c chat-listen -s d -l no-stdin -d 'Never read stdin'
complete -c chat-listen -s t -l timestamps -d 'Prefix each received line with [HH:MM:SS]'
complete -c chat-listen -s C -l crlf -d 'Send line ends as CRLF'
complete -c chat-listen -l raw -d 'To a terminal too, print bytes as they come'
complete -c chat-listen -l safe -d 'Show control bytes safely even when not a terminal'
complete -c chat-listen -s v -l verbose -d 'Log more detail and byte counts'
complete -c chat-listen -l quiet -d 'Log errors only'
complete -c chat-listen -s h -l help -d 'Show the help'
complete -c chat-listen -l version -d 'Show the version'
