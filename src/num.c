/* Numbers from the command line, parsed strictly: no sign, no spaces. */
#include "num.h"

int
num_parse(const char *s, long lo, long hi, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		/* past hi? asked before v * 10 could overflow */
		if (v > hi / 10 || v * 10 > hi - (*s - '0'))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

int
num_secs(const char *s, long *ms)
{
	long whole = 0, frac = 0, scale = 100;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (*s - '0');
		if (whole > NUM_SECS_MAX)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (*s != '\0')
		return -1;
	*ms = whole * 1000 + frac;
	return 0;
}
