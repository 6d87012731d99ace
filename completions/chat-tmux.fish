# fish completion for chat-tmux(1); installed as
# share/fish/vendor_completions.d/chat-tmux.fish. After the mode, the
# words are completed as chat-listen's or chat-connect's.

# __chat_tmux_tool: what chat-listen or chat-connect would offer for the
# words after the mode.
function __chat_tmux_tool
    set -l words (commandline -opc)
    set -l tool chat-$words[2]
    set -e words[1..2]
    complete -C (string join ' ' -- $tool (string escape -- $words) (commandline -ct))
end

complete -c chat-tmux -f
complete -c chat-tmux -n 'not __fish_seen_subcommand_from listen connect' -a listen -d 'Wait for a peer, with chat-listen'
complete -c chat-tmux -n 'not __fish_seen_subcommand_from listen connect' -a connect -d 'Connect to a peer, with chat-connect'
complete -c chat-tmux -n 'not __fish_seen_subcommand_from listen connect' -s h -l help -d 'Show the help'
complete -c chat-tmux -n '__fish_seen_subcommand_from listen connect' -a '(__chat_tmux_tool)'
