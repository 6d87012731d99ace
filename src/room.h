/* chat-listen --room: many members, one select() loop, lines relayed to all. */
#ifndef ROOM_H
#define ROOM_H

#include <stdio.h>
#include <sys/select.h>

#include "acl.h"

#define ROOM_MAX_DEFAULT 100 /* --max-clients */
#define ROOM_FD_RESERVE 16   /* descriptors kept for stdio, listeners, spare */
#define ROOM_MAX_LIMIT (FD_SETSIZE - ROOM_FD_RESERVE) /* what select() holds */
#define ROOM_RATE_DEFAULT 50 /* --max-rate, lines per second per member */

struct room_opts {
	const int *lfds;  /* listening sockets */
	int nlfd;
	int in;           /* the host's stdin, or -1 with -d */
	int out;          /* the host's stdout */
	const char *name; /* the host's name */
	int max_clients;
	int max_rate;     /* lines per second per member; 0: no limit */
	long idle_ms;     /* drop members silent this long; -1: never */
	int stamps;       /* -t: timestamps on the host's stdout */
	int irc;          /* newcomers may speak IRC (not --no-irc) */
	const char *channel; /* the room as an IRC channel, "#room" */
	const struct acl *acl; /* who may come in; NULL: everyone */
	int logins;       /* -U: members are named by login, no /nick */
};

/* Runs the room until it closes. Returns the exit status: 0 closed by the
 * host, 1 on an error (already reported), 128+N on signal N. */
int room_run(const struct room_opts *o);

#endif
