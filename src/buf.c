#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

int
buf_init(struct buf *b, size_t cap)
{
	b->data = malloc(cap);
	b->cap = cap;
	b->head = b->tail = 0;
	return b->data ? 0 : -1;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->head = b->tail = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->tail - b->head;
}

size_t
buf_space(const struct buf *b)
{
	return b->cap - buf_len(b);
}

char *
buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->tail < n && b->head > 0) {
		memmove(b->data, b->data + b->head, buf_len(b));
		b->tail -= b->head;
		b->head = 0;
	}
	return b->cap - b->tail >= n ? b->data + b->tail : NULL;
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
	do
		n = read(fd, b->data + b->tail, want);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->tail += (size_t)n;
	return n;
}

ssize_t
buf_drain(struct buf *b, int fd)
{
	ssize_t n;

	do
		n = write(fd, b->data + b->head, buf_len(b));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->head += (size_t)n;
	if (b->head == b->tail)
		b->head = b->tail = 0;
	return n;
}
