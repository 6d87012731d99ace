#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfd.h"

int
outfd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;

	if (fl < 0 || (fl & O_NONBLOCK) || fstat(fd, &st) < 0 || isatty(fd) ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 ? fl : -1;
}

void
outfd_restore(int fd, int saved)
{
	if (saved >= 0)
		(void)fcntl(fd, F_SETFL, saved);
}
