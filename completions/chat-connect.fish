# fish completion for chat-connect(1); installed as
# share/fish/vendor_completions.d/chat-connect.fish.

# __chat_connect_operands: how many operands (HOST, PORT) are already on
# the command line, the values of options not counted.
function __chat_connect_operands
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
        else if string match -qr -- '^--(wait|retry|source|source-port|proxy|proxy-type|proxy-auth|nick|channel|password|irc-rate|quit-after|idle-timeout)$' $t
            set skip 1
        else if string match -qr -- '^-[^-]' $t
            # a cluster such as -tw takes the next word when it ends in
            # a letter that takes a value
            string match -qr -- '^-[U46ndtCvh]*[wspxXqi]$' $t; and set skip 1
        else if not string match -q -- '-*' $t
            set n (math $n + 1)
        end
    end
    echo $n
end

# __chat_connect_unix: whether -U is on the command line (before any --,
# not as an option's value): then the one operand is a socket's PATH.
function __chat_connect_unix
    set -l skip 0
    for t in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if test "$t" = --
            return 1
        else if string match -qr -- '^--u(n(ix?)?)?$' $t
            return 0
        else if string match -qr -- '^--(wait|retry|source|source-port|proxy|proxy-type|proxy-auth|nick|channel|password|irc-rate|quit-after|idle-timeout)$' $t
            set skip 1
        else if string match -qr -- '^-[^-]' $t
            # U before any letter that takes the rest of the word
            string match -qr -- '^-[46ndtCvh]*U' $t; and return 0
            string match -qr -- '^-[U46ndtCvh]*[wspxXqi]$' $t; and set skip 1
        end
    end
    return 1
end

# __chat_connect_services: TCP service names, for PORT.
function __chat_connect_services
    test -r /etc/services
    and string replace -rf -- '^([A-Za-z][^\s#]*)\s+[0-9]+/tcp\b.*' '$1' </etc/services
end

complete -c chat-connect -f

complete -c chat-connect -n 'not __chat_connect_unix; and test (__chat_connect_operands) = 0' -a '(__fish_print_hostnames)' -d Host
complete -c chat-connect -n 'not __chat_connect_unix; and test (__chat_connect_operands) = 1' -a '(__chat_connect_services)' -d Port
complete -c chat-connect -n '__chat_connect_unix; and test (__chat_connect_operands) = 0' -F

complete -c chat-connect -s w -l wait -x -d 'Give up each connect attempt after SECS'
complete -c chat-connect -l retry -x -d 'Retry refused connects for up to SECS'
complete -c chat-connect -s U -l unix -d 'Connect to the Unix socket PATH (@NAME: abstract)'
complete -c chat-connect -s s -l source -x -d 'Connect from the local address ADDR'
complete -c chat-connect -s p -l source-port -x -a '(__chat_connect_services)' -d 'Connect from the local port PORT'
complete -c chat-connect -s x -l proxy -x -a '(__fish_print_hostnames)' -d 'Connect through the proxy at ADDR[:PORT]'
complete -c chat-connect -s X -l proxy-type -x -a "5\t'SOCKS5, port 1080 (the default)' connect\t'HTTP CONNECT, port 3128'" -d 'The proxy\'s protocol'
complete -c chat-connect -l proxy-auth -x -d 'The proxy\'s USER:PASS (or CHAT_PROXY_AUTH)'
complete -c chat-connect -l irc -d 'Join an IRC channel; lines as in chat-listen\'s room'
complete -c chat-connect -l nick -x -d 'The IRC nick (default: the login name)'
complete -c chat-connect -l channel -x -d 'The IRC channel (default #room)'
complete -c chat-connect -l password -x -d 'The server\'s password (or CHAT_IRC_PASSWORD)'
complete -c chat-connect -l irc-rate -x -d 'After a burst of 5, a line every SECS (default 2)'
complete -c chat-connect -s q -l quit-after -x -d 'After stdin ends, quit at most SECS later'
complete -c chat-connect -s i -l idle-timeout -x -d 'Close after SECS without traffic'
complete -c chat-connect -s 4 -l ipv4 -d 'IPv4 only'
complete -c chat-connect -s 6 -l ipv6 -d 'IPv6 only'
complete -c chat-connect -s n -l numeric -d 'Numeric addresses only: no DNS lookups'
complete -c chat-connect -s d -l no-stdin -d 'Never read stdin'
complete -c chat-connect -s t -l timestamps -d 'Prefix each received line with [HH:MM:SS]'
complete -c chat-connect -s C -l crlf -d 'Send line ends as CRLF'
complete -c chat-connect -l raw -d 'To a terminal too, print bytes as they come'
complete -c chat-connect -l safe -d 'Show control bytes safely even when not a terminal'
complete -c chat-connect -s v -l verbose -d 'Log each address tried and byte counts'
complete -c chat-connect -l quiet -d 'Log errors only'
complete -c chat-connect -s h -l help -d 'Show the help'
complete -c chat-connect -l version -d 'Show the version'
