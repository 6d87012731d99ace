#!/usr/bin/perl
# Scripted TCP peer for the chat-listen / chat-connect tests.
#
#   peer.pl [-6] listen ACTION...      accept one connection on 127.0.0.1 (::1
#                                      with -6), port 0; logs "peer: listening
#                                      on PORT" on stderr first
#   peer.pl [-6] full                  listen with a full accept queue (backlog
#                                      0, filled by our own connects) and never
#                                      accept: a further connect() hangs
#   peer.pl connect HOST PORT ACTION...
#
# Actions run in order on the connected socket:
#   send=TEXT       send TEXT (\n means newline)
#   sendfile=PATH   send the whole file
#   recv=N:PATH     read N bytes (fewer at EOF), append them to PATH
#   drain=PATH      read until EOF, appending to PATH as data arrives
#   sendcount       send "got N bytes\n", N counting every byte read so far
#   shutwr          shutdown(SHUT_WR)
#   waitfile=PATH   wait (at most 20 s) until PATH exists
#   touch=PATH      create PATH
#   sleep=SECS      sleep
#   reset           close with SO_LINGER 0 (the kernel sends RST)
#   close           close
#   hold            sleep until killed
use strict;
use warnings;
use IO::Socket::IP;
use Socket qw(SOL_SOCKET SO_LINGER SHUT_WR);
use Time::HiRes qw(sleep time);

$| = 1;
my $host = '127.0.0.1';
if (@ARGV && $ARGV[0] eq '-6') { shift @ARGV; $host = '::1'; }
my $mode = shift @ARGV // die "usage: peer.pl [-6] listen|full|connect ...\n";
my $sock;

sub listener {
	my $l = IO::Socket::IP->new(LocalHost => $host, LocalPort => 0,
	    Listen => 1, ReuseAddr => 1) or die "peer: listen: $@\n";
	return $l;
}

if ($mode eq 'listen') {
	my $l = listener();
	print STDERR "peer: listening on ", $l->sockport, "\n";
	$sock = $l->accept or die "peer: accept: $!\n";
	close $l;
} elsif ($mode eq 'full') {
	my $l = listener();
	listen($l, 0) or die "peer: listen: $!\n";
	my @fill;
	for (1 .. 4) {
		push @fill, IO::Socket::IP->new(PeerHost => $host,
		    PeerPort => $l->sockport, Blocking => 0);
	}
	print STDERR "peer: listening on ", $l->sockport, "\n";
	sleep 3600;
	exit 0;
} elsif ($mode eq 'connect') {
	my ($h, $p) = splice @ARGV, 0, 2;
	$sock = IO::Socket::IP->new(PeerHost => $h, PeerPort => $p)
	    or die "peer: connect $h $p: $@\n";
} else {
	die "peer: unknown mode $mode\n";
}
binmode $sock;

my $received = 0;

sub sendall {
	my ($data) = @_;
	while (length $data) {
		my $n = syswrite($sock, $data);
		die "peer: send: $!\n" unless defined $n;
		substr($data, 0, $n) = '';
	}
}

sub readinto {
	my ($path, $limit) = @_;
	open(my $out, '>>', $path) or die "peer: $path: $!\n";
	binmode $out;
	my $got = 0;
	while (!defined $limit || $got < $limit) {
		my $want = 65536;
		$want = $limit - $got if defined $limit && $limit - $got < $want;
		my $n = sysread($sock, my $buf, $want);
		die "peer: recv: $!\n" unless defined $n;
		last if $n == 0;
		syswrite($out, $buf) == $n or die "peer: write $path: $!\n";
		$got += $n;
		$received += $n;
	}
	close $out;
}

for my $act (@ARGV) {
	my ($k, $v) = split /=/, $act, 2;
	if ($k eq 'send') {
		$v =~ s/\\n/\n/g;
		sendall($v);
	} elsif ($k eq 'sendfile') {
		open(my $in, '<', $v) or die "peer: $v: $!\n";
		binmode $in;
		while (read($in, my $buf, 65536)) { sendall($buf); }
		close $in;
	} elsif ($k eq 'recv') {
		my ($n, $path) = split /:/, $v, 2;
		readinto($path, $n);
	} elsif ($k eq 'drain') {
		readinto($v, undef);
	} elsif ($k eq 'sendcount') {
		sendall("got $received bytes\n");
	} elsif ($k eq 'shutwr') {
		shutdown($sock, SHUT_WR) or die "peer: shutdown: $!\n";
	} elsif ($k eq 'waitfile') {
		my $end = time + 20;
		sleep 0.02 until -e $v || time > $end;
		die "peer: $v never appeared\n" unless -e $v;
	} elsif ($k eq 'touch') {
		open(my $f, '>', $v) or die "peer: $v: $!\n";
		close $f;
	} elsif ($k eq 'sleep') {
		sleep $v;
	} elsif ($k eq 'reset') {
		setsockopt($sock, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0))
		    or die "peer: SO_LINGER: $!\n";
		close $sock;
	} elsif ($k eq 'close') {
		close $sock;
	} elsif ($k eq 'hold') {
		sleep 3600;
	} else {
		die "peer: unknown action $act\n";
	}
}
exit 0;
