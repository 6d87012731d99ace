/* The plain bridge: stdin -> peer and peer -> stdout in one select() loop. */
#ifndef BRIDGE_H
#define BRIDGE_H

#include "acl.h"
#include "addr.h"
#include "filter.h"

struct bridge {
	int in;             /* stdin, or -1 with -d */
	int out;            /* stdout */
	int sock;           /* the peer, or -1 while waiting for one */
	int *lfds;          /* listening sockets (chat-listen), or NULL; -1 once closed */
	int nlfd;
	int keep_open;      /* -k: after a peer, wait for the next */
	long quit_ms;       /* -q: quit this long after stdin is sent; -1: never */
	long idle_ms;       /* -i: close after this long without traffic; -1: never */
	struct filter *out_filter; /* what the peer sends, before stdout */
	struct filter *in_filter;  /* what stdin gives, before the peer */
	const struct acl *acl;     /* who may connect; NULL: everyone */
	char peer[ADDR_STRLEN];    /* the peer, as logged */
};

/* Runs sessions until the bridge is done. Returns the exit status:
 * 0 the session ended, 1 an error (already reported), 128+N on signal N. */
int bridge_run(struct bridge *br);

#endif
