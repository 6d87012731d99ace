/* The last flush both loops make on the way out, bounded in time. */
#include <stddef.h>

#include "loop.h"
#include "timeutil.h"

#define SLICE_MS 50 /* one select() of the flush: a signal is seen this soon */

void
loop_flush(const struct loop_flush *f)
{
	long until = now_ms() + LOOP_FLUSH_MS;
	struct timeval tv;
	fd_set wr;
	int maxfd, n;

	for (;;) {
		FD_ZERO(&wr);
		maxfd = -1;
		f->watch(f->arg, &wr, &maxfd);
		if (maxfd < 0 || now_ms() >= until)
			return;
		tv.tv_sec = 0;
		tv.tv_usec = SLICE_MS * 1000;
		n = select(maxfd + 1, NULL, &wr, NULL, &tv);
		if (n < 0 && errno != EINTR)
			return;
		if (n > 0)
			f->write(f->arg, &wr);
	}
}
