/* Zero-copy moves between a pipe and a socket (Linux splice(2)). */
#ifndef ZCOPY_H
#define ZCOPY_H

#include <stddef.h>
#include <sys/types.h>

/* Whether zcopy may move bytes from src (a socket) to dst: dst is a pipe,
 * the system has splice, and CHAT_NO_SPLICE is not set in the environment. */
int zcopy_possible(int src, int dst);
/* Moves up to len bytes without blocking on the pipe. Returns bytes moved,
 * 0 at end of src, or -1 with errno set (EAGAIN: one side not ready;
 * EINVAL or ENOSYS: not possible here, use read/write). */
ssize_t zcopy(int src, int dst, size_t len);
/* Asks for a larger pipe buffer (fewer wakeups); harmless where unsupported. */
void zcopy_grow_pipe(int fd);

#endif
