/* Signals only set a flag; loops check it. */
#ifndef SIG_H
#define SIG_H

#include <signal.h>

extern volatile sig_atomic_t sig_caught; /* SIGINT, SIGTERM or SIGHUP once caught, else 0 */

/* Catch SIGINT, SIGTERM and SIGHUP without SA_RESTART, so a blocked select()
 * returns EINTR; ignore SIGPIPE so a gone peer is an EPIPE return. */
void sig_init(void);

/* main's return, after its cleanup: rc when no signal was caught;
 * otherwise the process dies by that signal (the shell still shows
 * 128+N in $?) and this does not return. */
int sig_exit(int rc);

#endif
