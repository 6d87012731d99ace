/* chat-listen: wait for a peer on PORT and bridge stdin/stdout to it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bridge.h"
#include "cli.h"
#include "log.h"
#include "net.h"
#include "sig.h"

static const char usage[] =
"usage: chat-listen [options] PORT\n"
"Wait for a peer on TCP PORT; send stdin to it and print what it sends.\n"
"\n"
"  -b, --bind ADDR          listen on ADDR only (default: every address)\n"
"  -k, --keep-open          after a peer leaves, wait for the next\n"
"  -q, --quit-after SECS    after stdin ends, quit at most SECS later\n"
"  -i, --idle-timeout SECS  close after SECS without traffic\n"
"  -4, --ipv4               IPv4 only\n"
"  -6, --ipv6               IPv6 only\n"
"  -d, --no-stdin           never read stdin\n"
"  -t, --timestamps         prefix each received line with [HH:MM:SS]\n"
"  -C, --crlf               send line ends as CRLF\n"
"      --raw                to a terminal too, print bytes as they come\n"
"  -v, --verbose            log more detail and byte counts\n"
"      --quiet              log errors only\n"
"      --help               show this help\n"
"      --version            show the version\n"
"\n"
"PORT is 1-65535, a service name, or 0 for any free port (it is logged).\n"
"Exit status: 0 session ended, 1 network or runtime error, 2 usage error,\n"
"130 or 143 on SIGINT or SIGTERM.\n";

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "keep-open", no_argument, NULL, 'k' },
	CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct bridge br;
	struct cli cli;
	const char *bind_addr = NULL, *port;
	char err[256], name[ADDR_STRLEN];
	int lfds[NET_MAXLISTEN];
	int opt, keep_open = 0, n, i, rc;

	log_init("chat-listen");
	cli_init(&cli);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":b:k" CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_option(&cli, opt, optarg, usage))
			continue;
		switch (opt) {
		case 'b': bind_addr = optarg; break;
		case 'k': keep_open = 1; break;
		default: cli_bad_option(opt, argv);
		}
	}
	if (argc - optind < 1)
		die_usage("missing PORT");
	if (argc - optind > 1)
		die_usage("too many arguments: '%s'", argv[optind + 1]);
	port = argv[optind];
	if (addr_check_port(port, 1) < 0)
		die_usage("invalid port '%s': expected 0-65535 or a service name",
		    port);

	sig_init();
	n = net_listen(bind_addr, port, cli.family, lfds, NET_MAXLISTEN, err,
	    sizeof err);
	if (n < 0) {
		log_err("%s", err);
		return 1;
	}
	for (i = 0; i < n; i++)
		log_info("listening on %s", net_local(lfds[i], name));
	memset(&br, 0, sizeof br);
	br.sock = -1;
	br.lfds = lfds;
	br.nlfd = n;
	br.keep_open = keep_open;
	cli_bridge(&cli, &br);
	rc = bridge_run(&br);
	for (i = 0; i < n; i++)
		close(lfds[i]);
	return rc;
}
