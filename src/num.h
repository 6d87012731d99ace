/* Numbers from the command line: whole numbers in a range, seconds. */
#ifndef NUM_H
#define NUM_H

#define NUM_SECS_MAX 31536000L /* a year: larger values are surely typos */

/* A whole number lo..hi, digits only. Returns 0, or -1. */
int num_parse(const char *s, long lo, long hi, long *out);
/* Seconds 0-NUM_SECS_MAX, "5" or "0.25", as milliseconds. Returns 0, or -1. */
int num_secs(const char *s, long *ms);

#endif
