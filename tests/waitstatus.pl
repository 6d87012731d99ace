#!/usr/bin/perl
# waitstatus.pl FILE CMD...: run CMD and tell how it ended, which bash's $?
# cannot (a death by SIGTERM and an exit 143 both read 143 there).
# Appends to FILE "pid N" once CMD is started, then "signal N" if a signal
# ended it (WIFSIGNALED) or "exit N"; exits as a shell would (128+N after
# signal N). Forwards no signal; CMD inherits our dispositions as they are.
use strict;
use warnings;
use POSIX qw(WIFSIGNALED WTERMSIG WEXITSTATUS _exit);

my $file = shift @ARGV;
die "usage: waitstatus.pl FILE CMD...\n" unless defined $file && @ARGV;

sub note {
	open(my $f, '>>', $file) or die "waitstatus: $file: $!\n";
	print $f "@_\n";
	close $f or die "waitstatus: $file: $!\n";
}

my $pid = fork // die "waitstatus: fork: $!\n";
if ($pid == 0) {
	exec { $ARGV[0] } @ARGV or print STDERR "waitstatus: exec $ARGV[0]: $!\n";
	_exit(127);
}
note("pid $pid");
waitpid($pid, 0) == $pid or die "waitstatus: waitpid: $!\n";
my $st = $?;
if (WIFSIGNALED($st)) {
	note("signal " . WTERMSIG($st));
	exit(128 + WTERMSIG($st));
}
note("exit " . WEXITSTATUS($st));
exit(WEXITSTATUS($st));
