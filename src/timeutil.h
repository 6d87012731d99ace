/* Monotonic milliseconds, for deadlines that wall-clock changes cannot move. */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <time.h>

static inline long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
