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
#include "sig.h"
#include "stdfd.h"

static const char usage[] =
"usage: chat-connect [options] HOST PORT\n"
"Connect to HOST on TCP PORT; send stdin there and print what comes back.\n"
"\n"
"  -w, --wait SECS          give up each connect attempt after SECS\n"
"      --retry SECS         retry refused connects for up to SECS\n"
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
"PORT a number or service name.\n"
"Exit status: 0 session ended, 1 network or runtime error, 2 usage error,\n"
"130 or 143 on SIGINT or SIGTERM.\n";

/* chat-connect's own long-only options */
enum {
	OPT_RETRY = CLI_OPT_END, OPT_IRC, OPT_NICK, OPT_CHANNEL, OPT_PASSWORD,
	OPT_IRC_RATE
};

static const struct option longopts[] = {
	{ "wait", required_argument, NULL, 'w' },
	{ "retry", required_argument, NULL, OPT_RETRY },
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

int
main(int argc, char **argv)
{
	struct net_opts no = { AF_UNSPEC, -1, 0, 0 };
	struct bridge br;
	struct cli cli;
	struct sockaddr_storage sa;
	socklen_t salen = sizeof sa;
	char err[LOG_ERRLEN], hostbuf[ADDR_NAMELEN];
	const char *host, *port, *irc_only = NULL;
	struct ircc_opts io = { .channel = "#room", .pace_ms = IRCC_PACE_MS };
	int opt, fd, irc = 0;

	log_init("chat-connect");
	/* first: no descriptor opened later may become stdin, stdout or stderr */
	if (stdfd_sanitise() < 0) {
		log_err("cannot open /dev/null: %s", strerror(errno));
		return 1;
	}
	cli_init(&cli);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:" CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_option(&cli, opt, argv, usage))
			continue;
		switch (opt) {
		case 'w': no.wait_ms = cli_secs(cli_optname(opt, argv), optarg); break;
		case OPT_RETRY:
			no.retry_ms = cli_secs(cli_optname(opt, argv), optarg);
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
	if (argc - optind < 2)
		die_usage("missing %s", argc - optind == 0 ? "HOST and PORT" : "PORT");
	if (argc - optind > 2)
		die_usage("too many arguments: '%s'", argv[optind + 2]);
	cli_check(&cli);
	if (irc_only && !irc)
		die_usage("%s needs --irc", irc_only);
	if (irc && cli.crlf)
		die_usage("--irc cannot be used with -C: IRC lines end in CRLF");
	if (irc && !io.password)
		io.password = getenv("CHAT_IRC_PASSWORD");
	if (irc && io.password && strpbrk(io.password, "\r\n")) {
		log_err("CHAT_IRC_PASSWORD: a line end in it; not connecting");
		return 1;
	}
	host = addr_unbracket(argv[optind], hostbuf, sizeof hostbuf);
	port = argv[optind + 1];
	if (addr_check_port(port, 0) < 0)
		die_usage("invalid port '%s': expected 1-65535 or a service name",
		    port);
	no.family = cli.family;
	no.numeric = cli.numeric;

	sig_init();
	fd = net_connect(host, port, &no, err, sizeof err);
	if (fd < 0 && sig_caught)
		return sig_exit(128 + sig_caught);
	if (fd < 0) {
		log_err("%s", err);
		return 1;
	}
	memset(&br, 0, sizeof br);
	br.sock = fd;
	if (getpeername(fd, (struct sockaddr *)&sa, &salen) == 0)
		addr_format((struct sockaddr *)&sa, br.peer);
	log_info("connected to %s", br.peer);
	if (irc)
		return sig_exit(run_irc(&cli, &io, fd, br.peer));
	cli_bridge(&cli, &br);
	return sig_exit(bridge_run(&br));
}
