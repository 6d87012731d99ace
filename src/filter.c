/* Rewrites on the way: terminal-safe display, timestamps, CRLF. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "filter.h"

void
filter_init(struct filter *f, int mode)
{
	memset(f, 0, sizeof *f);
	f->mode = mode;
}

size_t
filter_stamp(char *out)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm);
	return strftime(out, 16, "[%H:%M:%S] ", &tm);
}

static size_t
put_hex(char *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

/* Held UTF-8 bytes that never completed, shown as \xHH each. */
static size_t
flush_seq(struct filter *f, char *out)
{
	size_t o = 0;
	int i;

	for (i = 0; i < f->seqlen; i++)
		o += put_hex(out + o, f->seq[i]);
	f->seqlen = f->seqneed = 0;
	return o;
}

/* Where a valid continuation byte may fall, given the sequence so far. */
static int
cont_ok(const struct filter *f, unsigned char c)
{
	if (f->seqlen == 1) {
		switch (f->seq[0]) {
		case 0xE0: return c >= 0xA0 && c <= 0xBF; /* no overlongs */
		case 0xED: return c >= 0x80 && c <= 0x9F; /* no surrogates */
		case 0xF0: return c >= 0x90 && c <= 0xBF;
		case 0xF4: return c >= 0x80 && c <= 0x8F; /* up to U+10FFFF */
		}
	}
	return c >= 0x80 && c <= 0xBF;
}

static int
seq_need(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* One byte of display-safe output. */
static size_t
safe_byte(struct filter *f, unsigned char c, char *out)
{
	size_t o = 0;

	if (f->seqlen > 0) {
		if (cont_ok(f, c)) {
			f->seq[f->seqlen++] = c;
			if (f->seqlen < f->seqneed)
				return 0;
			/* C1 controls: as dangerous as ESC on some terminals */
			if (f->seqneed == 2 && f->seq[0] == 0xC2 && c <= 0x9F) {
				o = (size_t)sprintf(out, "\\u%04x", c);
			} else {
				memcpy(out, f->seq, (size_t)f->seqlen);
				o = (size_t)f->seqlen;
			}
			f->seqlen = f->seqneed = 0;
			return o;
		}
		o = flush_seq(f, out);
	}
	if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
		out[o++] = (char)c;
	} else if (c < 0x20 || c == 0x7F) {
		out[o++] = '^';
		out[o++] = (char)(c ^ 0x40);
	} else if (seq_need(c)) {
		f->seq[0] = c;
		f->seqlen = 1;
		f->seqneed = seq_need(c);
	} else {
		o += put_hex(out + o, c);
	}
	return o;
}

static size_t
one_byte(struct filter *f, unsigned char c, char *out)
{
	size_t o = 0;

	if ((f->mode & FILTER_STAMP) && !f->midline) {
		o += filter_stamp(out);
		f->midline = 1;
	}
	if (c == '\n')
		f->midline = 0;
	if (f->mode & FILTER_CRLF) {
		if (c == '\n' && !f->cr)
			out[o++] = '\r';
		f->cr = c == '\r';
		out[o++] = (char)c;
		return o;
	}
	if (!(f->mode & FILTER_SAFE)) {
		out[o++] = (char)c;
		return o;
	}
	/* a CR is dropped right before LF, shown anywhere else */
	if (f->cr && c != '\n')
		o += safe_byte(f, '\r', out + o);
	f->cr = 0;
	if (c == '\r') {
		f->cr = 1;
		return o;
	}
	return o + safe_byte(f, c, out + o);
}

size_t
filter_apply(struct filter *f, const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		o += one_byte(f, (unsigned char)in[i], out + o);
	return o;
}

size_t
filter_finish(struct filter *f, char *out)
{
	size_t o = 0;

	if (!(f->mode & FILTER_SAFE))
		return 0;
	if (f->cr)
		o += safe_byte(f, '\r', out);
	f->cr = 0;
	return o + flush_seq(f, out + o);
}
