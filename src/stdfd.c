/* Closed standard descriptors get /dev/null, as OpenSSH's sanitise_stdfd. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "outfd.h"
#include "stdfd.h"

int
stdfd_sanitise(void)
{
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFL) >= 0 || errno != EBADF)
			continue;
		/* the lowest free descriptor is fd: those below it are open */
		if (open("/dev/null", O_RDWR) < 0)
			return -1;
	}
	/* a log line to a stuck terminal must not stop the loop: it is
	 * dropped instead (stdout is made safe where the loops start) */
	if (isatty(STDERR_FILENO))
		(void)outfd_nonblock(STDERR_FILENO);
	return 0;
}
