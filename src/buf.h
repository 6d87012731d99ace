/* A bounded byte buffer between one reader and one writer descriptor. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <sys/types.h>

struct buf {
	char *data;
	size_t cap;  /* fixed at buf_init; never grows */
	size_t head; /* next byte to write out */
	size_t tail; /* end of valid data */
};

/* Returns 0, or -1 with errno set. */
int buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
size_t buf_len(const struct buf *b);
size_t buf_space(const struct buf *b);
/* Room at the end for n more bytes, compacting if needed; returns the spot. */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
/* Read what fits from fd. Returns bytes read, 0 at end of file, or -1 with errno set. */
ssize_t buf_fill(struct buf *b, int fd);
/* Write what fd takes; the rest stays. Returns bytes written, or -1 with errno set. */
ssize_t buf_drain(struct buf *b, int fd);

#endif
