/* chat-connect: connect to HOST PORT and bridge stdin/stdout to it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "bridge.h"
#include "cli.h"
#include "log.h"
#include "net.h"
#include "sig.h"
#include "stdfd.h"

static const char usage[] =
"usage: chat-connect [options] HOST PORT\n"
"Connect to HOST on TCP PORT; send stdin there and print what comes back.\n"
"\n"
"  -w, --wait SECS          give up each connect attempt after SECS\n"
"      --retry SECS         retry refused connects for up to SECS\n"
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

enum { OPT_RETRY = CLI_OPT_END }; /* chat-connect's own long-only option */

static const struct option longopts[] = {
	{ "wait", required_argument, NULL, 'w' },
	{ "retry", required_argument, NULL, OPT_RETRY },
	CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct net_opts no = { AF_UNSPEC, -1, 0, 0 };
	struct bridge br;
	struct cli cli;
	struct sockaddr_storage sa;
	socklen_t salen = sizeof sa;
	char err[LOG_ERRLEN], hostbuf[ADDR_NAMELEN];
	const char *host, *port;
	int opt, fd;

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
		default: cli_bad_option(opt, argv);
		}
	}
	if (argc - optind < 2)
		die_usage("missing %s", argc - optind == 0 ? "HOST and PORT" : "PORT");
	if (argc - optind > 2)
		die_usage("too many arguments: '%s'", argv[optind + 2]);
	cli_check(&cli);
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
	cli_bridge(&cli, &br);
	return sig_exit(bridge_run(&br));
}
