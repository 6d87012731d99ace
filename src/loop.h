/* Small helpers both select() loops (bridge.c, room.c) share. */
#ifndef LOOP_H
#define LOOP_H

#include <errno.h>
#include <sys/select.h>
#include <sys/types.h>

#define LOOP_FLUSH_MS 1000 /* how long a last flush on the way out may wait */

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

#endif
