/* libFuzzer harness: output filtering (src/filter.c).
 *
 * Input: a header byte H (mode = H & 7, chunk-size count = H >> 3 & 15),
 * that many one-byte chunk sizes, then the bytes to filter.
 *
 * The input goes through filter_apply once whole (into a buffer of exactly
 * n * FILTER_GROWTH + FILTER_SLACK bytes, filter_finish writing after it,
 * as room.c does) and once in chunks (each into a buffer of exactly its own
 * bound, filter_finish into FILTER_SLACK bytes, as bridge.c does), so
 * AddressSanitizer sees any write past the bound.
 *
 * Checked: both give the same bytes (same length under FILTER_STAMP, whose
 * clock may tick between them); under FILTER_SAFE the output is valid UTF-8
 * with no C0 control but LF and TAB, no DEL and no C1, and input that is
 * already like that (and has no CR) comes out unchanged; FILTER_SAFE alone,
 * FILTER_CRLF alone and no mode give what a model of each gives; with
 * FILTER_STAMP, taking out a well-formed stamp at the start and after each
 * LF leaves what the same mode without FILTER_STAMP gives.
 * FILTER_CRLF takes precedence over FILTER_SAFE (the programs never combine
 * them: CRLF is for what goes to the peer, SAFE for a terminal), so SAFE's
 * checks apply only without CRLF.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. Strict:
 * no overlongs, no surrogates, nothing above U+10FFFF. Sets *cp. */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t need, i;
	unsigned long v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		v = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		v = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((need == 3 && v < 0x800) || (need == 4 && v < 0x10000) ||
	    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	*cp = v;
	return need;
}

/* 1 if s is valid UTF-8 with no control but LF and TAB (C0, DEL, C1). */
static int
terminal_safe(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, k;

	while (i < n) {
		if (!(k = utf8_len(u + i, n - i, &cp)))
			return 0;
		if ((cp < 0x20 && cp != '\n' && cp != '\t') ||
		    (cp >= 0x7F && cp <= 0x9F))
			return 0;
		i += k;
	}
	return 1;
}

/* What FILTER_CRLF alone makes of in (2n bytes of out). */
static size_t
crlf_model(const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = in[i];
	}
	return o;
}

/* Where a continuation byte may follow the first k bytes of a sequence
 * that starts with lead (RFC 3629's table). */
static int
cont_fits(unsigned char lead, size_t k, unsigned char c)
{
	unsigned char lo = 0x80, hi = 0xBF;

	if (k == 1 && lead == 0xE0)
		lo = 0xA0;
	else if (k == 1 && lead == 0xED)
		hi = 0x9F;
	else if (k == 1 && lead == 0xF0)
		lo = 0x90;
	else if (k == 1 && lead == 0xF4)
		hi = 0x8F;
	return c >= lo && c <= hi;
}

static size_t
hex(char *out, unsigned char c)
{
	static const char digit[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = digit[c >> 4];
	out[3] = digit[c & 15];
	return 4;
}

/* What FILTER_SAFE alone makes of in (16n bytes of out): a CR before LF
 * dropped, other C0 and DEL as ^X, C1 as \u00XX, a valid sequence as it
 * is, the bytes of a broken one and any stray byte as \xHH. */
static size_t
safe_model(const char *in, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, o = 0, need, k, j;
	unsigned char c;

	while (i < n) {
		c = u[i];
		if (c == '\r' && i + 1 < n && u[i + 1] == '\n') {
			i++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
			out[o++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			out[o++] = '^';
			out[o++] = (char)(c ^ 0x40);
			i++;
		} else {
			need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 &&
			    c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
			for (k = 1; need && k < need && i + k < n &&
			    cont_fits(c, k, u[i + k]); k++)
				;
			if (need && k == need && c == 0xC2 && u[i + 1] <= 0x9F) {
				o += (size_t)sprintf(out + o, "\\u%04x", u[i + 1]);
			} else if (need && k == need) {
				memcpy(out + o, in + i, need);
				o += need;
			} else {
				for (j = 0; j < k; j++)
					o += hex(out + o, u[i + j]);
			}
			i += k;
		}
	}
	return o;
}

/* out without the "[HH:MM:SS] " at its start and after each LF but a last
 * one, into res. Returns the length, or -1 if a stamp is not there. */
static long
unstamp(const char *out, size_t n, char *res)
{
	static const char shape[] = "[00:00:00] ";
	size_t i = 0, r = 0, k;

	while (i < n) {
		if (i == 0 || out[i - 1] == '\n') {
			if (n - i < sizeof shape - 1)
				return -1;
			for (k = 0; k < sizeof shape - 1; k++)
				if (shape[k] == '0' ? out[i + k] < '0' ||
				    out[i + k] > '9' : out[i + k] != shape[k])
					return -1;
			i += sizeof shape - 1;
			if (i == n)
				return -1; /* a stamp with no line after it */
		}
		res[r++] = out[i++];
	}
	return (long)r;
}

/* Filters in whole, finishing into the same buffer. Returns the length. */
static size_t
run_whole(int mode, const char *in, size_t n, char **outp)
{
	size_t cap = n * FILTER_GROWTH + FILTER_SLACK, o;
	char *out = malloc(cap);
	struct filter f;

	check(out != NULL);
	filter_init(&f, mode);
	o = filter_apply(&f, in, n, out);
	check(o <= cap);
	o += filter_finish(&f, out + o);
	check(o <= cap);
	*outp = out;
	return o;
}

/* Filters in chunk by chunk, each into a buffer of exactly its bound. */
static size_t
run_chunked(int mode, const char *in, size_t n, const size_t *chunk,
    size_t nchunk, char *all)
{
	size_t pos = 0, c = 0, want, o = 0, k;
	struct filter f;
	char *out;

	filter_init(&f, mode);
	while (pos < n) {
		want = chunk[c++ % nchunk];
		if (want > n - pos)
			want = n - pos;
		out = malloc(want * FILTER_GROWTH + FILTER_SLACK);
		check(out != NULL);
		k = filter_apply(&f, in + pos, want, out);
		check(k <= want * FILTER_GROWTH + FILTER_SLACK);
		memcpy(all + o, out, k);
		o += k;
		pos += want;
		free(out);
	}
	out = malloc(FILTER_SLACK);
	check(out != NULL);
	k = filter_finish(&f, out);
	check(k <= FILTER_SLACK);
	memcpy(all + o, out, k);
	free(out);
	return o + k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk[16], nchunk, i, o1, o2, m;
	char *in, *whole, *chunked, *ref;
	int mode;

	if (size < 1)
		return 0;
	mode = data[0] & 7;
	nchunk = (data[0] >> 3 & 15) + 1;
	if (size < 1 + nchunk)
		return 0;
	for (i = 0; i < nchunk; i++)
		chunk[i] = (size_t)data[1 + i] % 64 + 1;
	data += 1 + nchunk;
	size -= 1 + nchunk;

	/* an exact copy, so a read past the input is caught too */
	in = malloc(size + 1);
	check(in != NULL);
	memcpy(in, data, size);

	o1 = run_whole(mode, in, size, &whole);
	/* chunks are small, so their bounds add up to more than the whole's */
	chunked = malloc(size * FILTER_GROWTH * 2 + FILTER_SLACK * (size + 1));
	check(chunked != NULL);
	o2 = run_chunked(mode, in, size, chunk, nchunk, chunked);

	check(o1 == o2);
	if (!(mode & FILTER_STAMP))
		check(memcmp(whole, chunked, o1) == 0);
	if ((mode & FILTER_SAFE) && !(mode & FILTER_CRLF)) {
		check(terminal_safe(whole, o1));
		check(terminal_safe(chunked, o2));
		if (!(mode & FILTER_STAMP) && terminal_safe(in, size))
			check(o1 == size && memcmp(whole, in, size) == 0);
	}
	if (mode & FILTER_STAMP) {
		/* the same as without stamps, with one at each line's start */
		m = run_whole(mode & ~FILTER_STAMP, in, size, &ref);
		free(chunked);
		chunked = malloc(o1 + 1);
		check(chunked != NULL);
		check(unstamp(whole, o1, chunked) == (long)m);
		check(memcmp(chunked, ref, m) == 0);
		free(ref);
	}
	if (mode == FILTER_SAFE) {
		ref = malloc(size * FILTER_GROWTH + 1);
		check(ref != NULL);
		m = safe_model(in, size, ref);
		check(o1 == m && memcmp(whole, ref, m) == 0);
		free(ref);
	}
	if (mode == 0)
		check(o1 == size && memcmp(whole, in, size) == 0);
	if (mode == FILTER_CRLF) {
		ref = malloc(2 * size + 1);
		check(ref != NULL);
		m = crlf_model(in, size, ref);
		check(o1 == m && memcmp(whole, ref, m) == 0);
		free(ref);
	}

	free(in);
	free(whole);
	free(chunked);
	return 0;
}
