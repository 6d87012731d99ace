/* A bounded byte buffer between one reader and one writer descriptor. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <sys/types.h>

struct buf {
	char *data;
	size_t size; /* storage: cap, and keep_max for written bytes kept */
	size_t cap;  /* bytes not yet written, at most */
	size_t base; /* first byte kept after it was written (see buf_release) */
	size_t head; /* next byte to write out */
	size_t tail; /* end of valid data */
	int keep;    /* written bytes stay until buf_release() lets them go */
};

/* cap bytes waiting to be written at most, and up to keep_max bytes kept
 * after they were written (0: none). Returns 0, or -1 with errno set. */
int buf_init(struct buf *b, size_t cap, size_t keep_max);
void buf_free(struct buf *b);
/* Bytes not yet written. */
size_t buf_len(const struct buf *b);
/* How many more bytes may come in. */
size_t buf_space(const struct buf *b);
/* Bytes written and still kept. */
size_t buf_kept(const struct buf *b);
/* Keeps only the last n bytes written (those the peer has not yet
 * acknowledged); earlier ones are let go. */
void buf_release(struct buf *b, size_t n);
/* The kept bytes are to be written again, before the rest. */
void buf_unsend(struct buf *b);
/* Room at the end for n more bytes, compacting if needed; returns the spot. */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
/* Read what fits from fd. Returns bytes read, 0 at end of file, or -1 with errno set. */
ssize_t buf_fill(struct buf *b, int fd);
/* Write what fd takes; the rest stays. Returns bytes written, or -1 with errno set. */
ssize_t buf_drain(struct buf *b, int fd);

#endif
