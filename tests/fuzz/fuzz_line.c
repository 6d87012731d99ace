/* libFuzzer harness: line assembly (src/line.c).
 *
 * Input: a header byte H, then (H & 15) chunk sizes of two bytes each,
 * then the stream. In the stream 0xFF starts a run: two length bytes and
 * a value byte (so a short input can hold lines longer than LINE_MAX_TEXT).
 * The stream is fed through line_space/line_added in chunks of the given
 * sizes (cycled, cut to the room offered), lines are taken with line_next
 * after each read and line_rest at the end, as room.c does.
 *
 * Checked: every line is at most LINE_MAX_TEXT bytes and holds no LF; the
 * lines with the line ends they dropped give back the stream; the lines do
 * not depend on the chunking (compared with a model over the whole stream),
 * and lb->piece is set exactly on a line that follows a cut piece.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

#define RUN_MAX 20000   /* longest run a 0xFF token makes */
#define STREAM_MAX 65536 /* the stream is cut here */

struct lines {
	char *buf;     /* the lines' bytes, back to back */
	size_t *len;   /* each line's length */
	char *piece;   /* each line's lb->piece (got); was cut (model) */
	size_t n, used;
};

/* The harness's own scratch space, reused (it needs no redzones); the
 * linebuf that line.c works in is allocated for each input. */
static char stream[STREAM_MAX];
static char gotbuf[STREAM_MAX], wantbuf[STREAM_MAX];
static size_t gotlen[STREAM_MAX + 1], wantlen[STREAM_MAX + 1];
static char gotpiece[STREAM_MAX + 1], wantcut[STREAM_MAX + 1];

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
lines_add(struct lines *l, const char *text, size_t len, int piece)
{
	check(len <= LINE_MAX_TEXT);
	check(memchr(text, '\n', len) == NULL);
	memcpy(l->buf + l->used, text, len);
	l->used += len;
	l->piece[l->n] = (char)piece;
	l->len[l->n++] = len;
}

/* The stream with runs expanded into out (STREAM_MAX bytes); returns its
 * length. */
static size_t
expand(const uint8_t *d, size_t n, char *out)
{
	size_t i = 0, o = 0, run;

	while (i < n && o < STREAM_MAX) {
		if (d[i] != 0xFF || i + 3 >= n) {
			out[o++] = (char)d[i++];
			continue;
		}
		run = ((size_t)d[i + 1] | (size_t)d[i + 2] << 8) % RUN_MAX + 1;
		if (run > STREAM_MAX - o)
			run = STREAM_MAX - o;
		memset(out + o, d[i + 3], run);
		o += run;
		i += 4;
	}
	return o;
}

/* The linebuf's indexes stay in order and inside its data. */
static void
held(const struct linebuf *lb)
{
	check(lb->start <= lb->len && lb->scan <= lb->len);
	check(lb->len <= LINE_MAX_TEXT);
}

/* Feeds in through a linebuf in the given chunk sizes. */
static void
feed(const char *in, size_t n, const size_t *chunk, size_t nchunk,
    struct lines *got)
{
	struct linebuf *lb = malloc(sizeof *lb);
	const char *text;
	size_t pos = 0, c = 0, room, want, len;
	char *p;

	check(lb != NULL);
	line_init(lb);
	while (pos < n) {
		p = line_space(lb, &room);
		/* every line was taken, so there is room to read */
		check(room > 0 && room <= LINE_MAX_TEXT);
		want = nchunk ? chunk[c++ % nchunk] : room;
		if (want > room)
			want = room;
		if (want > n - pos)
			want = n - pos;
		memcpy(p, in + pos, want);
		line_added(lb, want);
		pos += want;
		while (line_next(lb, &text, &len)) {
			held(lb);
			lines_add(got, text, len, lb->piece);
		}
		held(lb);
	}
	if (line_rest(lb, &text, &len))
		lines_add(got, text, len, lb->piece);
	check(!line_rest(lb, &text, &len));
	free(lb);
}

/* The lines as a model cuts them from the whole stream. */
static void
model(const char *in, size_t n, struct lines *want)
{
	size_t s = 0, w, end;
	const char *lf;

	while (s < n) {
		w = n - s < LINE_MAX_TEXT ? n - s : LINE_MAX_TEXT;
		lf = memchr(in + s, '\n', w);
		if (lf) {
			end = (size_t)(lf - in);
			lines_add(want, in + s,
			    end - s - (end > s && in[end - 1] == '\r'), 0);
			s = end + 1;
		} else if (w == LINE_MAX_TEXT) {
			/* a piece; a CR at its end waits for a possible LF */
			end = s + w - (in[s + w - 1] == '\r');
			lines_add(want, in + s, end - s, 1);
			s = end;
		} else {
			lines_add(want, in + s, w, 0);
			s = n;
		}
	}
}

/* The lines and the line ends they dropped give back in. */
static void
rebuild(const char *in, size_t n, const struct lines *got)
{
	size_t pos = 0, off = 0, i, len;

	for (i = 0; i < got->n; i++) {
		len = got->len[i];
		check(len <= n - pos);
		check(memcmp(in + pos, got->buf + off, len) == 0);
		pos += len;
		off += len;
		if (len == LINE_MAX_TEXT) {
			/* a full piece: whatever follows is the next line */
			continue;
		}
		if (len == LINE_MAX_TEXT - 1 && pos < n && in[pos] == '\r') {
			/* a piece whose last CR was held back for the next one */
			continue;
		}
		if (pos < n && in[pos] == '\n') {
			/* a CR before a plain LF would have been dropped */
			check(len == 0 || got->buf[off - 1] != '\r');
			pos++;
		} else if (pos + 1 < n && in[pos] == '\r' && in[pos + 1] == '\n') {
			pos += 2;
		} else {
			/* no line end: only the last line may lack one */
			check(i == got->n - 1 && pos == n);
		}
	}
	check(pos == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk[15], nchunk, i, n;
	struct lines got = { gotbuf, gotlen, gotpiece, 0, 0 };
	struct lines want = { wantbuf, wantlen, wantcut, 0, 0 };
	char *in = stream;

	if (size < 1)
		return 0;
	nchunk = data[0] & 15;
	if (size < 1 + 2 * nchunk)
		return 0;
	for (i = 0; i < nchunk; i++)
		chunk[i] = ((size_t)data[1 + 2 * i] |
		    (size_t)data[2 + 2 * i] << 8) % (LINE_MAX_TEXT + 1) + 1;
	data += 1 + 2 * nchunk;
	size -= 1 + 2 * nchunk;

	n = expand(data, size, in);

	feed(in, n, chunk, nchunk, &got);
	model(in, n, &want);
	rebuild(in, n, &got);
	check(got.n == want.n && got.used == want.used);
	check(memcmp(got.len, want.len, got.n * sizeof *got.len) == 0);
	check(memcmp(got.buf, want.buf, got.used) == 0);
	/* a line after a cut piece, and only such a line, is marked */
	for (i = 0; i < got.n; i++)
		check(got.piece[i] == (i > 0 && want.piece[i - 1]));
	return 0;
}
