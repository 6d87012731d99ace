/* Messages on stderr, each prefixed with the program's name. */
#ifndef LOG_H
#define LOG_H

enum { LOG_QUIET, LOG_NORMAL, LOG_VERBOSE };

#define LOG_ERRLEN 256 /* a message a helper leaves for its caller to report */

extern int log_level; /* LOG_NORMAL unless --quiet or -v */

void log_init(const char *prog);
const char *log_prog(void);
void log_info(const char *fmt, ...);  /* events; hidden by --quiet */
void log_debug(const char *fmt, ...); /* detail; shown with -v */
void log_err(const char *fmt, ...);   /* errors; always shown */
/* Bad command line: the problem, a hint at --help, exit 2. */
void die_usage(const char *fmt, ...);

#endif
