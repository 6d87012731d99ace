/* splice(2), pipe sizes, SIOCOUTQ and SO_PEERCRED on Linux; fallbacks
 * elsewhere. */
#if defined(__linux__) && !defined(SYS_POSIX_ONLY)
#define SYS_LINUX 1
#define _GNU_SOURCE /* splice(2), F_SETPIPE_SZ, struct ucred */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "loop.h"
#include "sys.h"

#define PIPE_WANT (1 << 20) /* the default pipe-max-size on Linux */

#ifdef SYS_LINUX
/* Whether the environment variable name turns a Linux call off. */
static int
turned_off(const char *name)
{
	const char *v = getenv(name);

	return v && *v && *v != '0';
}
#endif

#if defined(SYS_LINUX) && defined(SPLICE_F_MOVE)

static int
is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

int
sys_splice_possible(int src, int dst)
{
	if (turned_off("CHAT_NO_SPLICE"))
		return 0;
	/* Only socket -> pipe. splice(2) from a pipe into a TCP socket holds
	 * the pipe's lock through the whole send (on loopback, through the
	 * peer's receive too), so whoever writes our stdin waits on it: by
	 * A/B on Linux 6.18, read/write that way is 10-20% faster. */
	(void)src;
	return is_pipe(dst);
}

ssize_t
sys_splice(int src, int dst, size_t len)
{
	ssize_t n;

	LOOP_RETRY(n, splice(src, NULL, dst, NULL, len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK));
	return n;
}

void
sys_grow_pipe(int fd)
{
	if (is_pipe(fd) && fcntl(fd, F_GETPIPE_SZ) < PIPE_WANT)
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_WANT);
}

#else /* read/write does the work */

int
sys_splice_possible(int src, int dst)
{
	(void)src;
	(void)dst;
	return 0;
}

ssize_t
sys_splice(int src, int dst, size_t len)
{
	(void)src;
	(void)dst;
	(void)len;
	errno = ENOSYS;
	return -1;
}

void
sys_grow_pipe(int fd)
{
	(void)fd;
}

#endif

long
sys_unacked(int fd)
{
#if defined(SYS_LINUX) && defined(TIOCOUTQ)
	int n;

	/* SIOCOUTQ, which Linux defines as TIOCOUTQ (musl has no
	 * linux/sockios.h); after a reset too, the kernel still counts what
	 * was never acked */
	if (!turned_off("CHAT_NO_OUTQ") && ioctl(fd, TIOCOUTQ, &n) == 0 &&
	    n >= 0)
		return n;
#else
	(void)fd;
#endif
	/* the caller keeps nothing for a resend: what is written is gone */
	return -1;
}

int
sys_peercred(int fd, long *uid, long *pid)
{
#if defined(SYS_LINUX) && defined(SO_PEERCRED)
	struct ucred uc;
	socklen_t len = sizeof uc;

	if (turned_off("CHAT_NO_PEERCRED")) {
		errno = ENOSYS;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -1;
	*uid = (long)uc.uid;
	*pid = (long)uc.pid;
	return 0;
#else
	/* POSIX has no way to ask: the caller must not guess */
	(void)fd;
	(void)uid;
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int
sys_unix_listening(const char *path)
{
#ifdef SYS_LINUX
	/* /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path */
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512], name[sizeof line];
	unsigned long flags, type, st;
	int found = 0;

	if (!f || turned_off("CHAT_NO_PROCNET")) {
		if (f)
			fclose(f);
		return -1;
	}
	while (!found && fgets(line, sizeof line, f))
		/* __SO_ACCEPTCON (0x10000) in Flags: a listening socket */
		found = sscanf(line, "%*s %*s %*s %lx %lx %lx %*s %511s", &flags,
		    &type, &st, name) == 4 && (flags & 0x10000) &&
		    strcmp(name, path) == 0;
	fclose(f);
	/* not found: maybe bound by another relative name; ask again */
	return found ? 1 : -1;
#else
	(void)path;
	return -1;
#endif
}
