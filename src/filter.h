/* Byte rewriting on the way through: terminal-safe display, timestamps,
 * CRLF line ends. State carries across calls, so a CR, an LF or a UTF-8
 * sequence split between two reads is handled as if it came in one. */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>

#define FILTER_SAFE  1 /* show control bytes and bad UTF-8, don't obey them */
#define FILTER_STAMP 2 /* "[HH:MM:SS] " at the start of each line */
#define FILTER_CRLF  4 /* LF -> CRLF, unless a CR is already there; for
                          * what we send, so never with FILTER_SAFE */

/* Most bytes filter_apply writes per input byte, and at most in addition. */
#define FILTER_GROWTH 16
#define FILTER_SLACK 64

struct filter {
	int mode;             /* FILTER_* bits */
	unsigned char seq[4]; /* a UTF-8 sequence still arriving */
	int seqlen, seqneed;  /* bytes held in seq, bytes it will have */
	int cr;               /* a CR held back: is an LF next? */
	int midline;          /* some of the current line is out */
};

void filter_init(struct filter *f, int mode);
/* Writes "[HH:MM:SS] " (local time) to out, which has 16 bytes; returns its length. */
size_t filter_stamp(char *out);
/* Filters n bytes of in into out, which has room for
 * n * FILTER_GROWTH + FILTER_SLACK bytes. Returns the bytes written. */
size_t filter_apply(struct filter *f, const char *in, size_t n, char *out);
/* At end of input: writes what is held back (FILTER_SLACK bytes at most). */
size_t filter_finish(struct filter *f, char *out);

#endif
