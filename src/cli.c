#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

void
cli_init(struct cli *c)
{
	memset(c, 0, sizeof *c);
	c->family = AF_UNSPEC;
	c->quit_ms = c->idle_ms = -1;
}

long
cli_secs(const char *opt, const char *arg)
{
	long ms;

	if (addr_parse_secs(arg, &ms) < 0)
		die_usage("invalid %s '%s': expected seconds, a number >= 0",
		    opt, arg);
	return ms;
}

int
cli_option(struct cli *c, int opt, const char *arg, const char *usage)
{
	switch (opt) {
	case 'q': c->quit_ms = cli_secs("-q", arg); break;
	case 'i':
		/* 0 would drop every peer at once: surely a mistake */
		if (addr_parse_secs(arg, &c->idle_ms) < 0 || c->idle_ms == 0)
			die_usage("invalid -i '%s': expected seconds > 0 "
			    "(0.001 to %ld)", arg, ADDR_SECS_MAX);
		break;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case 'd': c->no_stdin = 1; break;
	case 't': c->stamps = 1; break;
	case 'C': c->crlf = 1; break;
	case OPT_RAW: c->raw = 1; break;
	case 'v': log_level = LOG_VERBOSE; break;
	case OPT_QUIET: log_level = LOG_QUIET; break;
	case OPT_HELP:
		fputs(usage, stdout);
		exit(0);
	case OPT_VERSION:
		printf("%s %s\n", log_prog(), VERSION);
		exit(0);
	default:
		return 0;
	}
	return 1;
}

void
cli_bad_option(int opt, char **argv)
{
	const char *word = argv[optind - 1];

	if (opt == ':')
		die_usage("option '%s' needs a value", word);
	if (optopt && strncmp(word, "--", 2) != 0)
		die_usage("unknown option '-%c'", optopt);
	die_usage("unknown option '%s'", word);
}

void
cli_bridge(struct cli *c, struct bridge *br)
{
	int out_mode = 0;

	br->in = c->no_stdin ? -1 : STDIN_FILENO;
	br->out = STDOUT_FILENO;
	br->quit_ms = c->quit_ms;
	br->idle_ms = c->idle_ms;
	/* a terminal shows what the peer sends; it never obeys it */
	if (isatty(STDOUT_FILENO) && !c->raw)
		out_mode |= FILTER_SAFE;
	if (c->stamps)
		out_mode |= FILTER_STAMP;
	filter_init(&c->out_filter, out_mode);
	filter_init(&c->in_filter, FILTER_CRLF);
	br->out_filter = out_mode ? &c->out_filter : NULL;
	br->in_filter = c->crlf ? &c->in_filter : NULL;
}
