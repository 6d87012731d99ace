/* Small helpers both select() loops (bridge.c, room.c) share. */
#ifndef LOOP_H
#define LOOP_H

#include <errno.h>
#include <sys/select.h>
#include <sys/types.h>

#include "sig.h"

#define LOOP_FLUSH_MS 1000 /* how long a last flush on the way out may wait */

/* n = call, again while a signal interrupts it; not after SIGINT or
 * SIGTERM (sig_caught), which the loop must see. */
#define LOOP_RETRY(n, call) \
	do \
		(n) = (call); \
	while ((n) < 0 && errno == EINTR && !sig_caught)

/* Adds fd to set for the next select(), keeping maxfd its highest. */
static inline void
loop_watch(int fd, fd_set *set, int *maxfd)
{
	FD_SET(fd, set);
	if (fd > *maxfd)
		*maxfd = fd;
}

/* Whether a read or write result n only means "not now". */
static inline int
loop_would_block(ssize_t n)
{
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* What a loop leaves behind on the way out. watch adds each descriptor
 * with output pending to wr (loop_watch); write writes to those select()
 * found writable. */
struct loop_flush {
	void (*watch)(void *arg, fd_set *wr, int *maxfd);
	void (*write)(void *arg, fd_set *wr);
	void *arg;
};

/* Writes until nothing is pending or LOOP_FLUSH_MS have passed. */
void loop_flush(const struct loop_flush *f);

#endif
