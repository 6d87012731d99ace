/* Command-line options both programs share, parsed the same way. */
#ifndef CLI_H
#define CLI_H

#include "bridge.h"
#include "filter.h"

/* Codes of the shared options that have only a long form; each main
 * numbers its own from CLI_OPT_END. */
enum { OPT_QUIET = 256, OPT_VERSION, OPT_RAW, OPT_SAFE, CLI_OPT_END };

/* The long forms of the shared options, for each main's table. */
#define CLI_LONGOPTS \
	{ "quit-after", required_argument, NULL, 'q' }, \
	{ "idle-timeout", required_argument, NULL, 'i' }, \
	{ "ipv4", no_argument, NULL, '4' }, \
	{ "ipv6", no_argument, NULL, '6' }, \
	{ "no-stdin", no_argument, NULL, 'd' }, \
	{ "timestamps", no_argument, NULL, 't' }, \
	{ "crlf", no_argument, NULL, 'C' }, \
	{ "raw", no_argument, NULL, OPT_RAW }, \
	{ "safe", no_argument, NULL, OPT_SAFE }, \
	{ "numeric", no_argument, NULL, 'n' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, OPT_VERSION }
#define CLI_SHORTOPTS "q:i:46ndtCvh"
/* Their lines in each main's --help. */
#define CLI_USAGE \
"  -q, --quit-after SECS    after stdin ends, quit at most SECS later\n" \
"  -i, --idle-timeout SECS  close after SECS without traffic\n" \
"  -4, --ipv4               IPv4 only\n" \
"  -6, --ipv6               IPv6 only\n" \
"  -n, --numeric            numeric addresses only: no DNS lookups\n" \
"  -d, --no-stdin           never read stdin\n" \
"  -t, --timestamps         prefix each received line with [HH:MM:SS]\n" \
"  -C, --crlf               send line ends as CRLF\n" \
"      --raw                to a terminal too, print bytes as they come\n" \
"      --safe               show control bytes safely even when not a terminal\n"

struct cli {
	int family;     /* -4, -6: AF_INET, AF_INET6; else AF_UNSPEC */
	long quit_ms;   /* -q, or -1 */
	long idle_ms;   /* -i, or -1 */
	int no_stdin;   /* -d */
	int stamps;     /* -t */
	int crlf;       /* -C */
	int numeric;    /* -n: numeric addresses only, no DNS */
	int raw;        /* --raw: bytes to a terminal as they come */
	int safe;       /* --safe: terminal-safe output to a pipe or file too */
	struct filter out_filter, in_filter;
};

void cli_init(struct cli *c);
/* Handles one shared option, optarg its value (exits on --help, --version
 * and bad values). Returns 1 if it was one, 0 if the main must handle it. */
int cli_option(struct cli *c, int opt, char **argv, const char *usage);
/* Conflicts between shared options, once all are parsed; exits 2. */
void cli_check(const struct cli *c);
/* The option getopt_long just returned as the user typed it ("--wait",
 * "--wai", "-w"), for messages. Returns a static buffer. */
const char *cli_optname(int opt, char **argv);
/* Reports getopt's '?' or ':' for argv and exits 2. */
void cli_bad_option(int opt, char **argv);
/* Seconds through the strict parser; a bad value exits 2 naming opt. */
long cli_secs(const char *opt, const char *arg);
/* Sets up the bridge's stdio, filters and timers from the options. */
void cli_bridge(struct cli *c, struct bridge *br);

#endif
