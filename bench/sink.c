/*
 * sink - the throughput benchmark's receiving end: counts the bytes on
 * stdin, throws them away, prints the count on stdout.
 *
 * `wc -c` reads every byte into its own memory, and on a 2-CPU machine
 * that copy alone caps a pipeline near the speed of the tools under test
 * (head | wc -c is barely faster than head | nc ... | wc -c).  When stdin
 * is a pipe, sink splice(2)s it into /dev/null instead, so the count costs
 * no copy and the tools, not the counter, set the pace.  Anywhere else it
 * reads, like wc -c.
 *
 * usage: sink < INPUT        exit 0, or 1 with a message on a read error
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20) /* the default pipe-max-size */

static char buf[1 << 17];

/* Adds what splice can move from fd 0 to devnull into *n.  Returns 0 at
 * end of input, or -1 when splice does not apply (then read instead). */
static int
splice_all(int devnull, unsigned long long *n)
{
#ifdef SPLICE_F_MOVE
	ssize_t r;

	(void)fcntl(0, F_SETPIPE_SZ, CHUNK);
	for (;;) {
		r = splice(0, NULL, devnull, NULL, CHUNK, SPLICE_F_MOVE);
		if (r > 0)
			*n += (unsigned long long)r;
		else if (r == 0)
			return 0;
		else if (errno != EINTR)
			return -1;
	}
#else
	(void)devnull;
	(void)n;
	return -1;
#endif
}

int
main(void)
{
	unsigned long long n = 0;
	int devnull = open("/dev/null", O_WRONLY);
	ssize_t r;

	if (devnull < 0 || splice_all(devnull, &n) < 0) {
		while ((r = read(0, buf, sizeof buf)) != 0) {
			if (r > 0)
				n += (unsigned long long)r;
			else if (errno != EINTR) {
				fprintf(stderr, "sink: read: %s\n", strerror(errno));
				return 1;
			}
		}
	}
	printf("%llu\n", n);
	return 0;
}
