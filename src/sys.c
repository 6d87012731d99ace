/* splice(2), pipe sizes, SIOCOUTQ, SO_PEERCRED and sock_diag on Linux;
 * fallbacks elsewhere. */
#if defined(__linux__) && !defined(SYS_POSIX_ONLY)
#define SYS_LINUX 1
#define _GNU_SOURCE /* splice(2), F_SETPIPE_SZ, struct ucred */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef SYS_LINUX
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>
#endif

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

#ifdef SYS_LINUX
/* sock_diag(7) for AF_UNIX, as the kernel's ABI has it (linux/netlink.h,
 * linux/unix_diag.h; musl's headers have neither). */
#define DIAG_NETLINK 4        /* NETLINK_SOCK_DIAG */
#define DIAG_BY_FAMILY 20     /* SOCK_DIAG_BY_FAMILY */
#define DIAG_DUMP 0x301       /* NLM_F_REQUEST | NLM_F_DUMP */
#define DIAG_ERROR 2          /* NLMSG_ERROR */
#define DIAG_DONE 3           /* NLMSG_DONE */
#define DIAG_LISTEN (1 << 10) /* TCP_LISTEN, the only state asked for */
#define DIAG_SHOW_VFS 2       /* UDIAG_SHOW_VFS */
#define DIAG_ATTR_VFS 1       /* UNIX_DIAG_VFS */
#define DIAG_ALIGN(n) (((n) + 3) & ~(size_t)3)

struct diag_nlhdr { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct diag_req {
	uint8_t family, protocol;
	uint16_t pad;
	uint32_t states, ino, show, cookie[2];
};
struct diag_msg {
	uint8_t family, type, state, pad;
	uint32_t ino, cookie[2];
};
struct diag_attr { uint16_t len, type; };
struct diag_addr { sa_family_t family; uint16_t pad; uint32_t pid, groups; };
struct diag_vfs { uint32_t ino, dev; };

/* Whether one answer's attributes (at p, n bytes) name the file st. */
static int
diag_is_file(const unsigned char *p, size_t n, const struct stat *st)
{
	struct diag_attr a;
	struct diag_vfs v;

	while (n >= sizeof a) {
		memcpy(&a, p, sizeof a);
		if (a.len < sizeof a || a.len > n)
			return 0;
		if (a.type == DIAG_ATTR_VFS && a.len >= sizeof a + sizeof v) {
			memcpy(&v, p + sizeof a, sizeof v);
			/* the kernel's dev_t: major above bit 20 */
			return v.ino == (uint32_t)st->st_ino &&
			    v.dev >> 20 == major(st->st_dev) &&
			    (v.dev & 0xfffff) == minor(st->st_dev);
		}
		p += DIAG_ALIGN(a.len);
		n -= DIAG_ALIGN(a.len) < n ? DIAG_ALIGN(a.len) : n;
	}
	return 0;
}

/* Reads the dump's answers. Returns 1 if one listens on st, 0 if none
 * does, -1 on an error. */
static int
diag_read(int fd, const struct stat *st)
{
	static unsigned char buf[16384];
	struct diag_nlhdr h;
	size_t off;
	ssize_t n;

	for (;;) {
		LOOP_RETRY(n, recv(fd, buf, sizeof buf, 0));
		if (n <= 0)
			return -1;
		for (off = 0; off + sizeof h <= (size_t)n;
		    off += DIAG_ALIGN(h.len)) {
			memcpy(&h, buf + off, sizeof h);
			if (h.len < sizeof h || h.len > (size_t)n - off ||
			    h.type == DIAG_ERROR)
				return -1;
			if (h.type == DIAG_DONE)
				return 0;
			if (h.len >= sizeof h + sizeof(struct diag_msg) &&
			    diag_is_file(buf + off + sizeof h +
			    DIAG_ALIGN(sizeof(struct diag_msg)), h.len -
			    sizeof h - DIAG_ALIGN(sizeof(struct diag_msg)), st))
				return 1;
		}
	}
}
#endif

int
sys_unix_listening(const char *path)
{
#ifdef SYS_LINUX
	struct { struct diag_nlhdr h; struct diag_req r; } q;
	struct diag_addr nl;
	struct stat st;
	struct timeval tv = { 1, 0 };
	int fd, rc = -1;

	if (turned_off("CHAT_NO_SOCKDIAG") || lstat(path, &st) < 0)
		return -1;
	/* the kernel lists listening sockets by their file: no name games,
	 * and nobody is connected to */
	fd = socket(AF_NETLINK, SOCK_DGRAM, DIAG_NETLINK);
	if (fd < 0)
		return -1;
	memset(&q, 0, sizeof q);
	q.h.len = sizeof q;
	q.h.type = DIAG_BY_FAMILY;
	q.h.flags = DIAG_DUMP;
	q.r.family = AF_UNIX;
	q.r.states = DIAG_LISTEN;
	q.r.show = DIAG_SHOW_VFS;
	memset(&nl, 0, sizeof nl);
	nl.family = AF_NETLINK;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (sendto(fd, &q, sizeof q, 0, (struct sockaddr *)&nl,
	    sizeof nl) == (ssize_t)sizeof q)
		rc = diag_read(fd, &st);
	close(fd);
	return rc;
#else
	(void)path;
	return -1;
#endif
}
