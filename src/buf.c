/* Bounded byte buffers that may keep what the peer has not acknowledged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"

int
buf_init(struct buf *b, size_t cap, size_t keep_max)
{
	b->size = cap + keep_max;
	b->data = malloc(b->size);
	b->cap = cap;
	b->base = b->head = b->tail = 0;
	b->keep = keep_max > 0;
	return b->data ? 0 : -1;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->size = b->cap = b->base = b->head = b->tail = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->tail - b->head;
}

size_t
buf_space(const struct buf *b)
{
	size_t free_cap = b->cap - buf_len(b);
	size_t free_size = b->size - (b->tail - b->base);

	return free_cap < free_size ? free_cap : free_size;
}

size_t
buf_kept(const struct buf *b)
{
	return b->head - b->base;
}

/* Once nothing is held, start again at the front: no compaction needed. */
static void
rewind_empty(struct buf *b)
{
	if (b->base == b->tail)
		b->base = b->head = b->tail = 0;
}

void
buf_release(struct buf *b, size_t n)
{
	if (n < buf_kept(b))
		b->base = b->head - n;
	rewind_empty(b);
}

void
buf_unsend(struct buf *b)
{
	b->head = b->base;
}

char *
buf_reserve(struct buf *b, size_t n)
{
	if (b->size - b->tail < n && b->base > 0) {
		memmove(b->data, b->data + b->base, b->tail - b->base);
		b->head -= b->base;
		b->tail -= b->base;
		b->base = 0;
	}
	return b->size - b->tail >= n ? b->data + b->tail : NULL;
}

void
buf_commit(struct buf *b, size_t n)
{
	b->tail += n;
}

ssize_t
buf_fill(struct buf *b, int fd)
{
	ssize_t n;
	size_t want = buf_space(b);

	if (want == 0 || !buf_reserve(b, want)) {
		errno = ENOBUFS;
		return -1;
	}
	LOOP_RETRY(n, read(fd, b->data + b->tail, want));
	if (n > 0)
		b->tail += (size_t)n;
	return n;
}

ssize_t
buf_drain(struct buf *b, int fd)
{
	ssize_t n;

	LOOP_RETRY(n, write(fd, b->data + b->head, buf_len(b)));
	if (n > 0)
		b->head += (size_t)n;
	if (!b->keep)
		b->base = b->head;
	rewind_empty(b);
	return n;
}
