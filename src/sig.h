/* Signals only set a flag; loops check it. */
#ifndef SIG_H
#define SIG_H

#include <signal.h>

extern volatile sig_atomic_t sig_caught; /* SIGINT or SIGTERM once caught, else 0 */

/* Catch SIGINT and SIGTERM without SA_RESTART, so a blocked select()
 * returns EINTR; ignore SIGPIPE so a gone peer is an EPIPE return. */
void sig_init(void);

#endif
