/* Monotonic milliseconds, for deadlines that wall-clock changes cannot move. */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <sys/time.h>
#include <time.h>

static inline long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A select() timeout until the deadline at (now_ms() time), or NULL to
 * wait without one when at is negative. */
static inline struct timeval *
timeout_until(long at, struct timeval *tv)
{
	long left;

	if (at < 0)
		return NULL;
	left = at - now_ms();
	if (left < 0)
		left = 0;
	tv->tv_sec = left / 1000;
	tv->tv_usec = (left % 1000) * 1000;
	return tv;
}

#endif
