/* The Linux-only calls, behind one layer; each has a POSIX fallback, which
 * builds with -DSYS_POSIX_ONLY and runs where an environment variable
 * turns the Linux call off (the tests use both). */
#ifndef SYS_H
#define SYS_H

#include <stddef.h>
#include <sys/types.h>

/* Whether sys_splice may move bytes from src (a socket) to dst: dst is a
 * pipe, the system has splice(2), and CHAT_NO_SPLICE is not set. */
int sys_splice_possible(int src, int dst);
/* Moves up to len bytes without blocking on the pipe. Returns bytes moved,
 * 0 at end of src, or -1 with errno set (EAGAIN: one side not ready;
 * EINVAL or ENOSYS: not possible here, use read/write). */
ssize_t sys_splice(int src, int dst, size_t len);
/* Asks for a larger pipe buffer (fewer wakeups); harmless where unsupported. */
void sys_grow_pipe(int fd);
/* Bytes written to the TCP socket fd that its peer has not acknowledged
 * (Linux: SIOCOUTQ, valid after a reset too). Returns them, or -1 where
 * the system does not tell, or CHAT_NO_OUTQ is set. */
long sys_unacked(int fd);
/* Who is at the other end of the Unix socket fd, as the kernel saw it at
 * connect time (Linux: SO_PEERCRED). Returns 0, or -1 with errno set
 * (ENOSYS where the system does not tell, or CHAT_NO_PEERCRED is set). */
int sys_peercred(int fd, long *uid, long *pid);
/* Whether a socket listens on the Unix socket file path, asked without
 * connecting (Linux: sock_diag, which knows each listener's file). Returns
 * 1, 0 if none does, or -1 when the system does not tell (or
 * CHAT_NO_SOCKDIAG is set). */
int sys_unix_listening(const char *path);

#endif
