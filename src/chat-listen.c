/* chat-listen: wait for a peer on PORT and bridge stdin/stdout to it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bridge.h"
#include "cli.h"
#include "irc.h"
#include "log.h"
#include "line.h"
#include "net.h"
#include "num.h"
#include "room.h"
#include "sig.h"
#include "stdfd.h"
#include "usock.h"

static const char usage[] =
"usage: chat-listen [options] PORT\n"
"       chat-listen -U [options] PATH\n"
"Wait for a peer on TCP PORT; send stdin to it and print what it sends.\n"
"\n"
"  -b, --bind ADDR          listen on ADDR only (default: every address)\n"
"  -U, --unix               listen on the Unix socket PATH (@NAME: abstract)\n"
"  -k, --keep-open          after a peer leaves, wait for the next\n"
"      --allow ADDR[/BITS]  let in only matching peers (repeatable)\n"
"      --deny ADDR[/BITS]   refuse matching peers; wins over --allow\n"
"      --allow-file FILE    --allow for each address or CIDR in FILE\n"
"      --room               host a chat room: many members, lines relayed\n"
"      --name NAME          the host's name in the room (default: host)\n"
"      --max-clients N      members at most (default 100, at most %d)\n"
"      --max-rate N         lines per second per member (default 50; 0: off)\n"
"      --channel NAME       the room as an IRC channel (default #room)\n"
"      --no-irc             every member speaks the room's lines, not IRC\n"
CLI_USAGE
"  -v, --verbose            log more detail and byte counts\n"
"      --quiet              log errors only\n"
"  -h, --help               show this help\n"
"      --version            show the version\n"
"\n"
"PORT is 1-65535, a service name, or 0 for any free port (it is logged).\n"
"PATH gets the umask's permissions and is removed at exit; there a room\n"
"names each member by its login.\n"
"ADDR may be bracketed ([::1]). The room always shows bytes safely.\n"
"In the room each member line reaches everyone else as '<NAME> text';\n"
"members and the host's stdin may use /nick NAME, /who, /me ACTION,\n"
"/msg NAME TEXT, /quit, /help, and the host /kick NAME. IRC clients join\n"
"the same room as a channel. End of stdin closes the room.\n"
"Exit status: 0 session ended, 1 network or runtime error, 2 usage error,\n"
"129, 130 or 143 on SIGHUP, SIGINT or SIGTERM.\n";

#define RATE_MAX 1000000L /* --max-rate: beyond it, no limit in practice */

/* Options only the room takes, and the plain bridge's that it does not. */
static void
check_room(const struct cli *c, int room, int keep_open,
    const char *room_only)
{
	if (room && keep_open)
		die_usage("--room cannot be used with -k: the room keeps open");
	if (room && c->quit_ms >= 0)
		die_usage("--room cannot be used with -q");
	if (room && c->crlf)
		die_usage("--room cannot be used with -C");
	if (room && c->raw)
		die_usage("--room cannot be used with --raw: the room always escapes");
	if (!room && room_only)
		die_usage("%s needs --room", room_only);
}

static int
run_room(struct cli *c, struct room_opts *o, const int *lfds, int n,
    const struct acl *acl)
{
	o->lfds = lfds;
	o->nlfd = n;
	o->in = c->no_stdin ? -1 : STDIN_FILENO;
	o->out = STDOUT_FILENO;
	o->idle_ms = c->idle_ms;
	o->stamps = c->stamps;
	o->acl = acl;
	return room_run(o);
}

/* What a Unix socket replaces or cannot do. */
static void
check_unix(const struct cli *c, const char *bind_addr, const char *tcp_only,
    const char *path)
{
	char err[LOG_ERRLEN];

	if (bind_addr)
		die_usage("-U cannot be used with -b: PATH is where it listens");
	if (c->family != AF_UNSPEC)
		die_usage("-U cannot be used with -%c", c->family == AF_INET ?
		    '4' : '6');
	if (tcp_only)
		die_usage("%s cannot be used with -U: the socket file's "
		    "permissions decide who may connect", tcp_only);
	if (usock_check(path, err, sizeof err) < 0)
		die_usage("%s", err);
}

/* Codes of chat-listen's own long-only options. */
enum {
	OPT_ROOM = CLI_OPT_END, OPT_MAX_CLIENTS, OPT_NAME, OPT_ALLOW, OPT_DENY,
	OPT_ALLOW_FILE, OPT_MAX_RATE, OPT_CHANNEL, OPT_NO_IRC
};

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "keep-open", no_argument, NULL, 'k' },
	{ "unix", no_argument, NULL, 'U' },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
	{ "room", no_argument, NULL, OPT_ROOM },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "no-irc", no_argument, NULL, OPT_NO_IRC },
	CLI_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct bridge br;
	struct cli cli;
	struct acl acl;
	const char *bind_addr = NULL, *port;
	char help[sizeof usage + 16];
	long num;
	struct room_opts ro = { .name = "host", .max_clients = ROOM_MAX_DEFAULT,
	    .max_rate = ROOM_RATE_DEFAULT, .irc = 1, .channel = "#room" };
	struct net_opts no = { .family = AF_UNSPEC, .wait_ms = -1 };
	int room = 0;
	char room_only[64] = ""; /* the first room option given, as typed */
	char tcp_only[64] = "";  /* the first --allow/--deny, as typed */
	struct usock_file sockfile = { NULL, 0, 0 };
	int unix_path = 0;       /* -U: the argument is a socket's path */
	char err[LOG_ERRLEN], where[ADDR_STRLEN], bindbuf[ADDR_NAMELEN];
	int lfds[NET_MAXLISTEN];
	int opt, keep_open = 0, n, i, rc;

	log_init("chat-listen");
	/* first: no descriptor opened later may become stdin, stdout or stderr */
	if (stdfd_sanitise() < 0) {
		log_err("cannot open /dev/null: %s", strerror(errno));
		return 1;
	}
	cli_init(&cli);
	acl_init(&acl);
	snprintf(help, sizeof help, usage, ROOM_MAX_LIMIT);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":b:kU" CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_option(&cli, opt, argv, help))
			continue;
		switch (opt) {
		case 'b': bind_addr = optarg; break;
		case 'k': keep_open = 1; break;
		case 'U': unix_path = 1; break;
		case OPT_ALLOW:
		case OPT_DENY:
			if (!tcp_only[0])
				snprintf(tcp_only, sizeof tcp_only, "%s",
				    cli_optname(opt, argv));
			if (acl_add(&acl, optarg, opt == OPT_DENY) < 0)
				die_usage("invalid %s '%s': expected an IPv4 or IPv6 "
				    "address, optionally /BITS", opt == OPT_DENY ?
				    "--deny" : "--allow", optarg);
			break;
		case OPT_ALLOW_FILE:
			if (!tcp_only[0])
				snprintf(tcp_only, sizeof tcp_only, "%s",
				    cli_optname(opt, argv));
			rc = acl_load(&acl, optarg, err, sizeof err);
			if (rc == ACL_ERR_RULE)
				die_usage("%s", err);
			/* the file is there to be read: failing to is no usage error */
			if (rc == ACL_ERR_READ) {
				log_err("%s", err);
				acl_free(&acl);
				return 1;
			}
			break;
		case OPT_ROOM: room = 1; break;
		case OPT_NAME:
		case OPT_MAX_CLIENTS:
		case OPT_MAX_RATE:
		case OPT_CHANNEL:
		case OPT_NO_IRC:
			if (!room_only[0])
				snprintf(room_only, sizeof room_only, "%s",
				    cli_optname(opt, argv));
			if (opt == OPT_NAME && !line_name_valid(optarg,
			    strlen(optarg)))
				die_usage("invalid %s '%s': " NAME_RULE,
				    cli_optname(opt, argv), optarg);
			if (opt == OPT_NAME)
				ro.name = optarg;
			else if (opt == OPT_MAX_CLIENTS && num_parse(optarg,
			    1, ROOM_MAX_LIMIT, &num) < 0)
				die_usage("invalid %s '%s': expected 1-%d (select() "
				    "watches descriptors below %d)",
				    cli_optname(opt, argv), optarg, ROOM_MAX_LIMIT,
				    FD_SETSIZE);
			else if (opt == OPT_MAX_CLIENTS)
				ro.max_clients = (int)num;
			else if (opt == OPT_MAX_RATE && num_parse(optarg,
			    0, RATE_MAX, &num) < 0)
				die_usage("invalid %s '%s': expected 0-%ld (lines "
				    "per second; 0: no limit)",
				    cli_optname(opt, argv), optarg, RATE_MAX);
			else if (opt == OPT_MAX_RATE)
				ro.max_rate = (int)num;
			else if (opt == OPT_CHANNEL && !irc_channel_valid(optarg,
			    strlen(optarg)))
				die_usage("invalid %s '%s': expected # and 1-%d "
				    "more bytes, no space, comma, colon or BEL",
				    cli_optname(opt, argv), optarg,
				    IRC_CHANNEL_MAX - 1);
			else if (opt == OPT_CHANNEL)
				ro.channel = optarg;
			else if (opt == OPT_NO_IRC)
				ro.irc = 0;
			break;
		default: cli_bad_option(opt, argv);
		}
	}
	if (argc - optind < 1)
		die_usage("missing %s", unix_path ? "PATH" : "PORT");
	if (argc - optind > 1)
		die_usage("too many arguments: '%s'", argv[optind + 1]);
	cli_check(&cli);
	check_room(&cli, room, keep_open, room_only[0] ? room_only : NULL);
	port = argv[optind];
	if (unix_path)
		check_unix(&cli, bind_addr, tcp_only[0] ? tcp_only : NULL, port);
	else if (addr_check_port(port, 1) < 0)
		die_usage("invalid port '%s': expected 0-65535 or a service name",
		    port);

	sig_init();
	no.family = cli.family;
	no.numeric = cli.numeric;
	if (bind_addr)
		bind_addr = addr_unbracket(bind_addr, bindbuf, sizeof bindbuf);
	if (unix_path) {
		lfds[0] = usock_listen(port, &sockfile, err, sizeof err);
		n = lfds[0] < 0 ? -1 : 1;
		ro.logins = 1;
	} else {
		n = net_listen(bind_addr, port, &no, lfds, NET_MAXLISTEN, err,
		    sizeof err);
	}
	if (n < 0) {
		log_err("%s", err);
		acl_free(&acl);
		return 1;
	}
	for (i = 0; i < n; i++)
		log_info("listening on %s", net_local(lfds[i], where));
	if (room)
		rc = run_room(&cli, &ro, lfds, n, &acl);
	else {
		memset(&br, 0, sizeof br);
		br.sock = -1;
		br.lfds = lfds;
		br.nlfd = n;
		br.keep_open = keep_open;
		br.acl = &acl;
		cli_bridge(&cli, &br);
		rc = bridge_run(&br);
	}
	for (i = 0; i < n; i++)
		if (lfds[i] >= 0)
			close(lfds[i]);
	usock_remove(&sockfile);
	acl_free(&acl);
	return sig_exit(rc);
}
