/* chat-connect: connect to HOST PORT and bridge stdin/stdout to it. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "bridge.h"
#include "cli.h"
#include "irc.h"
#include "ircc.h"
#include "line.h"
#include "log.h"
#include "net.h"
#include "num.h"
#include "proxy.h"
#include "sig.h"
#include "stdfd.h"
#include "timeutil.h"
#include "usock.h"

static const char usage[] =
"usage: chat-connect [options] HOST PORT\n"
"       chat-connect -U [options] PATH\n"
"Connect to HOST on TCP PORT; send stdin there and print what comes back.\n"
"\n"
"  -w, --wait SECS          give up each connect attempt after SECS\n"
"      --retry SECS         retry refused connects for up to SECS\n"
"  -U, --unix               connect to the Unix socket PATH (@NAME: abstract)\n"
"  -s, --source ADDR        connect from the local address ADDR\n"
"  -p, --source-port PORT   connect from the local port PORT\n"
"  -x, --proxy ADDR[:PORT]  connect through the proxy at ADDR\n"
"  -X, --proxy-type TYPE    5 (SOCKS5, port 1080; the default) or\n"
"                           connect (HTTP CONNECT, port 3128)\n"
"      --proxy-auth U:P     the proxy's user and password (or CHAT_PROXY_AUTH)\n"
"      --irc                join an IRC channel; lines as in chat-listen's room\n"
"      --nick NICK          the IRC nick (default: the login name)\n"
"      --channel CHAN       the IRC channel (default #room)\n"
"      --password PASS      the server's password (or CHAT_IRC_PASSWORD)\n"
"      --irc-rate SECS      after a burst of 5, a line every SECS (default 2)\n"
CLI_USAGE
"  -v, --verbose            log each address tried and byte counts\n"
"      --quiet              log errors only\n"
"  -h, --help               show this help\n"
"      --version            show the version\n"
"\n"
"HOST is a name or an IPv4 or IPv6 address, brackets allowed ([::1]);\n"
"PORT a number or service name. Through a proxy, HOST is resolved by the\n"
"proxy, not here.\n"
"Exit status: 0 session ended, 1 network or runtime error, 2 usage error,\n"
"129, 130 or 143 on SIGHUP, SIGINT or SIGTERM.\n";

/* chat-connect's own long-only options */
enum {
	OPT_RETRY = CLI_OPT_END, OPT_IRC, OPT_NICK, OPT_CHANNEL, OPT_PASSWORD,
	OPT_IRC_RATE, OPT_PROXY_AUTH
};

static const struct option longopts[] = {
	{ "wait", required_argument, NULL, 'w' },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "unix", no_argument, NULL, 'U' },
	{ "source", required_argument, NULL, 's' },
	{ "source-port", required_argument, NULL, 'p' },
	{ "proxy", required_argument, NULL, 'x' },
	{ "proxy-type", required_argument, NULL, 'X' },
	{ "proxy-auth", required_argument, NULL, OPT_PROXY_AUTH },
	{ "irc", no_argument, NULL, OPT_IRC },
	{ "nick", required_argument, NULL, OPT_NICK },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "irc-rate", required_argument, NULL, OPT_IRC_RATE },
	CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

#define PING_MS 120000 /* --irc: silence before we PING the server */

/* The login name as a nick, or "chat" when it cannot be one. */
static const char *
login_nick(void)
{
	static char nick[NAME_MAX_LEN + 1];
	const struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : getenv("USER");

	snprintf(nick, sizeof nick, "%s", name ? name : "");
	return line_name_valid(nick, strlen(nick)) ? nick : "chat";
}

/* With --irc: the IRC client session on fd. */
static int
run_irc(struct cli *c, struct ircc_opts *io, int fd, const char *server)
{
	struct bridge br;
	const char *ping = getenv("CHAT_IRC_PING");
	long ms;

	memset(&br, 0, sizeof br);
	cli_bridge(c, &br);
	io->in = br.in;
	io->out = br.out;
	io->sock = fd;
	io->server = server;
	io->quit_ms = br.quit_ms;
	io->idle_ms = br.idle_ms;
	io->out_filter = br.out_filter;
	io->ping_ms = ping && num_secs(ping, &ms) == 0 && ms > 0 ? ms : PING_MS;
	if (!io->nick)
		io->nick = login_nick();

	return ircc_run(io);
}

/* Where chat-connect goes, and how (-U, -x). */
struct reach {
	const char *host, *port; /* HOST PORT; with -U, host is the PATH */
	int unix_path;           /* -U */
	int proxied;             /* -x */
	struct proxy px;
	char pxhost[ADDR_NAMELEN];
};

/* Options that a Unix socket or a proxy make no sense with. */
static void
check_reach(const struct reach *to, const struct net_opts *no,
    const char *proxy_only, char *err, size_t errlen)
{
	if (to->unix_path && (no->src_host || no->src_port))
		die_usage("-U cannot be used with %s: a Unix socket has no "
		    "source address", no->src_host ? "-s" : "-p");
	if (to->unix_path && no->family != AF_UNSPEC)
		die_usage("-U cannot be used with -%c",
		    no->family == AF_INET ? '4' : '6');
	if (to->unix_path && (to->proxied || proxy_only))
		die_usage("-U cannot be used with %s", to->proxied ? "-x" :
		    proxy_only);
	if (proxy_only && !to->proxied)
		die_usage("%s needs -x", proxy_only);
	if (to->unix_path && usock_check(to->host, err, errlen) < 0)
		die_usage("%s", err);
	if (to->proxied && to->px.auth &&
	    proxy_auth_check(to->px.auth, to->px.type, err, errlen) < 0)
		die_usage("invalid --proxy-auth: %s", err);
}

/* Connects as to says: straight, to a Unix socket, or through a proxy
 * whose handshake -w bounds too. Names the other end in peer. Returns the
 * socket, or -1 with a message in err. */
static int
reach(const struct reach *to, const struct net_opts *no, char *peer,
    char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof sa;
	long start = now_ms(), deadline = -1;
	int fd;

	if (to->unix_path) {
		snprintf(peer, ADDR_STRLEN, "%s", to->host);
		return usock_connect(to->host, no, err, errlen);
	}
	snprintf(peer, ADDR_STRLEN, strchr(to->host, ':') ? "[%s]:%s" :
	    "%s:%s", to->host, to->port);
	if (!to->proxied) {
		fd = net_connect(to->host, to->port, no, err, errlen);
		/* the address it took, of all a name has */
		if (fd >= 0 && getpeername(fd, (struct sockaddr *)&sa,
		    &salen) == 0)
			addr_format((struct sockaddr *)&sa, peer);
		return fd;
	}
	fd = net_connect(to->px.host, to->px.port, no, err, errlen);
	if (fd < 0)
		return -1;
	if (no->wait_ms >= 0)
		deadline = start + no->retry_ms + no->wait_ms;
	if (proxy_connect(fd, &to->px, to->host, to->port, deadline, err,
	    errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct net_opts no = { .family = AF_UNSPEC, .wait_ms = -1 };
	struct bridge br;
	struct cli cli;
	struct reach to;
	char err[LOG_ERRLEN], hostbuf[ADDR_NAMELEN], srcbuf[ADDR_NAMELEN];
	const char *irc_only = NULL, *proxy_only = NULL;
	struct ircc_opts io = { .channel = "#room", .pace_ms = IRCC_PACE_MS };
	int opt, fd, irc = 0;
	const char *proxy_arg = NULL;

	log_init("chat-connect");
	/* first: no descriptor opened later may become stdin, stdout or stderr */
	if (stdfd_sanitise() < 0) {
		log_err("cannot open /dev/null: %s", strerror(errno));
		return 1;
	}
	cli_init(&cli);
	memset(&to, 0, sizeof to);
	to.px.type = PROXY_SOCKS5;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:Us:p:x:X:" CLI_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (cli_option(&cli, opt, argv, usage))
			continue;
		switch (opt) {
		case 'w': no.wait_ms = cli_secs(cli_optname(opt, argv), optarg); break;
		case OPT_RETRY:
			no.retry_ms = cli_secs(cli_optname(opt, argv), optarg);
			break;
		case 'U': to.unix_path = 1; break;
		case 's':
			if (!*optarg)
				die_usage("invalid %s '': expected an address",
				    cli_optname(opt, argv));
			no.src_host = addr_unbracket(optarg, srcbuf,
			    sizeof srcbuf);
			break;
		case 'p':
			if (addr_check_port(optarg, 0) < 0)
				die_usage("invalid %s '%s': expected 1-65535 or a "
				    "service name", cli_optname(opt, argv), optarg);
			no.src_port = optarg;
			break;
		case 'x': to.proxied = 1; proxy_arg = optarg; break;
		case 'X':
			proxy_only = proxy_only ? proxy_only : "-X";
			if (proxy_type_parse(optarg, &to.px.type) < 0)
				die_usage("invalid %s '%s': expected 5 (SOCKS5) or "
				    "connect (HTTP)", cli_optname(opt, argv), optarg);
			break;
		case OPT_PROXY_AUTH:
			proxy_only = proxy_only ? proxy_only : "--proxy-auth";
			to.px.auth = optarg;
			break;
		case OPT_IRC: irc = 1; break;
		case OPT_NICK:
			irc_only = cli_optname(opt, argv);
			if (!line_name_valid(optarg, strlen(optarg)))
				die_usage("invalid %s '%s': " NAME_RULE, irc_only,
				    optarg);
			io.nick = optarg;
			break;
		case OPT_CHANNEL:
			irc_only = cli_optname(opt, argv);
			if (!irc_channel_valid(optarg, strlen(optarg)))
				die_usage("invalid %s '%s': expected # and 1-%d "
				    "more bytes, no space, comma, colon or BEL",
				    irc_only, optarg, IRC_CHANNEL_MAX - 1);
			io.channel = optarg;
			break;
		case OPT_PASSWORD:
			irc_only = cli_optname(opt, argv);
			if (strpbrk(optarg, "\r\n") || !*optarg)
				die_usage("invalid %s: empty, or a line end in it",
				    irc_only);
			io.password = optarg;
			break;
		case OPT_IRC_RATE:
			irc_only = cli_optname(opt, argv);
			io.pace_ms = cli_secs(irc_only, optarg);
			break;
		default: cli_bad_option(opt, argv);
		}
	}
	if (to.unix_path && argc - optind < 1)
		die_usage("missing PATH");
	if (!to.unix_path && argc - optind < 2)
		die_usage("missing %s", argc - optind == 0 ? "HOST and PORT" : "PORT");
	if (argc - optind > 2 - to.unix_path)
		die_usage("too many arguments: '%s'",
		    argv[optind + 2 - to.unix_path]);
	cli_check(&cli);
	if (irc_only && !irc)
		die_usage("%s needs --irc", irc_only);
	if (irc && cli.crlf)
		die_usage("--irc cannot be used with -C: IRC lines end in CRLF");
	no.family = cli.family;
	no.numeric = cli.numeric;
	to.host = to.unix_path ? argv[optind] :
	    addr_unbracket(argv[optind], hostbuf, sizeof hostbuf);
	to.port = to.unix_path ? NULL : argv[optind + 1];
	if (proxy_arg && proxy_addr_parse(proxy_arg, &to.px, to.pxhost,
	    sizeof to.pxhost) < 0)
		die_usage("invalid -x '%s': expected ADDR[:PORT]", proxy_arg);
	check_reach(&to, &no, proxy_only, err, sizeof err);
	if (to.port && addr_check_port(to.port, 0) < 0)
		die_usage("invalid port '%s': expected 1-65535 or a service name",
		    to.port);
	if (irc && !io.password)
		io.password = getenv("CHAT_IRC_PASSWORD");
	if (irc && io.password && strpbrk(io.password, "\r\n")) {
		log_err("CHAT_IRC_PASSWORD: a line end in it; not connecting");
		return 1;
	}
	if (to.proxied && !to.px.auth && (to.px.auth = getenv("CHAT_PROXY_AUTH")) &&
	    proxy_auth_check(to.px.auth, to.px.type, err, sizeof err) < 0) {
		log_err("CHAT_PROXY_AUTH: %s; not connecting", err);
		return 1;
	}

	sig_init();
	memset(&br, 0, sizeof br);
	fd = reach(&to, &no, br.peer, err, sizeof err);
	if (fd < 0 && sig_caught)
		return sig_exit(128 + sig_caught);
	if (fd < 0) {
		log_err("%s", err);
		return 1;
	}
	br.sock = fd;
	if (to.proxied)
		log_info("connected to %s through proxy %s", br.peer, to.px.where);
	else
		log_info("connected to %s", br.peer);
	if (irc)
		return sig_exit(run_irc(&cli, &io, fd, br.peer));
	cli_bridge(&cli, &br);
	return sig_exit(bridge_run(&br));
}
