/* Stdout that never blocks the loop: nonblocking, a terminal opened anew. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfd.h"

/* fd's terminal opened again, nonblocking, on fd. Returns 0, or -1 with
 * errno set (fd unchanged). */
static int
tty_reopen(int fd, const struct stat *st)
{
	char proc[64];
	const char *path = ttyname(fd);
	struct stat nst;
	int nfd, rc, e;

	/* no name in our /dev (a container's pty): the same file via /proc */
	if (!path) {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		path = proc;
	}
	nfd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK);
	if (nfd < 0)
		return -1;
	if (fstat(nfd, &nst) < 0) {
		rc = -1;
	} else if (nst.st_rdev != st->st_rdev) {
		errno = ENXIO; /* the name leads to another terminal now */
		rc = -1;
	} else {
		rc = dup2(nfd, fd) < 0 ? -1 : 0;
	}
	e = errno;
	close(nfd);
	errno = e;
	return rc;
}

int
outfd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;

	if (fl < 0 || (fl & O_NONBLOCK) || fstat(fd, &st) < 0)
		return -1;
	/* a terminal that cannot be reopened stays blocking, as before */
	if (isatty(fd)) {
		(void)tty_reopen(fd, &st);
		return -1;
	}
	if (!(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 ? fl : -1;
}

void
outfd_restore(int fd, int saved)
{
	if (saved >= 0)
		(void)fcntl(fd, F_SETFL, saved);
}
