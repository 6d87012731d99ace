/* chat-connect --irc: stdin and stdout on an IRC channel, in the room's
 * own line format. */
#ifndef IRCC_H
#define IRCC_H

#include "filter.h"

#define IRCC_PACE_MS 2000 /* --irc-rate: a line this often once the burst is out */

struct ircc_opts {
	int in;                /* stdin, or -1 with -d */
	int out;               /* stdout */
	int sock;              /* connected to the server */
	const char *nick;      /* wanted; on 432/433 NICK_, NICK2, ... */
	const char *channel;
	const char *password;  /* PASS, or NULL */
	const char *server;    /* for messages: "127.0.0.1:6667" */
	long pace_ms;          /* between paced lines; 0: no pacing */
	long quit_ms;          /* -q: after stdin ends, quit this late; -1: no bound */
	long idle_ms;          /* -i: quit after this long without traffic; -1: never */
	long ping_ms;          /* silence before we PING the server */
	struct filter *out_filter; /* stdout's, or NULL */
};

/* Registers, joins, then relays until stdin ends (every line sent, QUIT)
 * or the server goes. Returns the exit status: 0 done, 1 an error or
 * lines not sent (reported), 128+N on signal N. */
int ircc_run(const struct ircc_opts *o);

#endif
