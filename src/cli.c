/* Options both programs share: parsing, checks, the bridge's setup. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "num.h"

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

	if (num_secs(arg, &ms) < 0)
		die_usage("invalid %s '%s': expected seconds, 0 to %ld",
		    opt, arg, NUM_SECS_MAX);
	return ms;
}

const char *
cli_optname(int opt, char **argv)
{
	static char name[64];
	const char *word = argv[optind - 1];

	/* a value in its own word: the option is the word before */
	if (optarg && optarg == word && optind >= 2)
		word = argv[optind - 2];
	/* a long one up to its '=', a short one alone (of -dw5, "-w") */
	if (strncmp(word, "--", 2) == 0)
		snprintf(name, sizeof name, "%.*s", (int)strcspn(word, "="), word);
	else
		snprintf(name, sizeof name, "-%c", opt);
	return name;
}

int
cli_option(struct cli *c, int opt, char **argv, const char *usage)
{
	const char *arg = optarg;

	switch (opt) {
	case 'q': c->quit_ms = cli_secs(cli_optname(opt, argv), arg); break;
	case 'i':
		/* 0 would drop every peer at once: surely a mistake */
		if (num_secs(arg, &c->idle_ms) < 0 || c->idle_ms == 0)
			die_usage("invalid %s '%s': expected seconds > 0 "
			    "(0.001 to %ld)", cli_optname(opt, argv), arg,
			    NUM_SECS_MAX);
		break;
	case '4':
	case '6':
		/* both would leave no address to use: say so now, not later */
		if (c->family == (opt == '4' ? AF_INET6 : AF_INET))
			die_usage("-4 and -6 cannot be used together");
		c->family = opt == '4' ? AF_INET : AF_INET6;
		break;
	case 'n': c->numeric = 1; break;
	case OPT_SAFE: c->safe = 1; break;
	case 'd': c->no_stdin = 1; break;
	case 't': c->stamps = 1; break;
	case 'C': c->crlf = 1; break;
	case OPT_RAW: c->raw = 1; break;
	case 'v': log_level = LOG_VERBOSE; break;
	case OPT_QUIET: log_level = LOG_QUIET; break;
	case 'h':
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
cli_check(const struct cli *c)
{
	if (c->safe && c->raw)
		die_usage("--safe cannot be used with --raw");
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
	/* a terminal shows what the peer sends; it never obeys it (--safe:
	 * nor does a terminal that later shows a log or a pipe's end) */
	if ((isatty(STDOUT_FILENO) && !c->raw) || c->safe)
		out_mode |= FILTER_SAFE;
	if (c->stamps)
		out_mode |= FILTER_STAMP;
	filter_init(&c->out_filter, out_mode);
	filter_init(&c->in_filter, FILTER_CRLF);
	br->out_filter = out_mode ? &c->out_filter : NULL;
	br->in_filter = c->crlf ? &c->in_filter : NULL;
}
