/* Log lines and usage errors on stderr, one write each, program name first. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

int log_level = LOG_NORMAL;
static const char *prog = "chat";

void
log_init(const char *name)
{
	prog = name;
}

const char *
log_prog(void)
{
	return prog;
}

static void
vlog(const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	/* one write(2) per line, so lines from several processes never mix;
	 * a terminal that stopped draining loses the line (stdfd.c) */
	n = snprintf(line, sizeof line, "%s: ", prog);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof line - 2)
		m = (int)sizeof line - 2 - n;
	line[n + m] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)(n + m + 1));
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", prog);
	exit(2);
}
