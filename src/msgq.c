/* Output queues of shared, reference-counted messages (the room). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "msgq.h"
#include "loop.h"

#define MSGQ_IOV 512 /* messages per writev(); Linux and the BSDs allow 1024 */

struct msg *
msg_alloc(size_t len)
{
	struct msg *m = malloc(sizeof *m + len);

	if (m) {
		m->refs = 1;
		m->len = len;
	}
	return m;
}

struct msg *
msg_cat(const char *a, size_t alen, const char *b, size_t blen,
    const char *c, size_t clen)
{
	struct msg *m = msg_alloc(alen + blen + clen);

	if (!m)
		return NULL;
	if (alen)
		memcpy(m->data, a, alen);
	if (blen)
		memcpy(m->data + alen, b, blen);
	if (clen)
		memcpy(m->data + alen + blen, c, clen);
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

void
msgq_init(struct msgq *q)
{
	memset(q, 0, sizeof *q);
}

int
msgq_push(struct msgq *q, struct msg *m)
{
	if (q->count == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 16, i;
		struct msg **r = malloc(ncap * sizeof *r);

		if (!r)
			return -1;
		for (i = 0; i < q->count; i++)
			r[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = r;
		q->cap = ncap;
		q->head = 0;
	}
	q->ring[(q->head + q->count++) % q->cap] = m;
	m->refs++;
	q->bytes += m->len;
	return 0;
}

static void
msgq_pop(struct msgq *q)
{
	msg_unref(q->ring[q->head]);
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->off = 0;
}

ssize_t
msgq_write(struct msgq *q, int fd)
{
	struct iovec iov[MSGQ_IOV];
	size_t i, n = q->count < MSGQ_IOV ? q->count : MSGQ_IOV, left;
	ssize_t w;

	for (i = 0; i < n; i++) {
		struct msg *m = q->ring[(q->head + i) % q->cap];
		size_t skip = i == 0 ? q->off : 0;

		iov[i].iov_base = m->data + skip;
		iov[i].iov_len = m->len - skip;
	}
	LOOP_RETRY(w, writev(fd, iov, (int)n));
	if (w <= 0)
		return w;
	q->bytes -= (size_t)w;
	for (left = (size_t)w; left > 0;) {
		size_t rest = q->ring[q->head]->len - q->off;

		if (left < rest) {
			q->off += left;
			break;
		}
		left -= rest;
		msgq_pop(q);
	}
	return w;
}

const struct msg *
msgq_peek(const struct msgq *q)
{
	return q->count > 0 ? q->ring[q->head] : NULL;
}

int
msgq_move(struct msgq *to, struct msgq *from)
{
	struct msg *m;

	if (from->count == 0 || from->off > 0)
		return -1;
	m = from->ring[from->head];
	if (msgq_push(to, m) < 0)
		return -1;
	from->bytes -= m->len;
	msgq_pop(from);
	return 0;
}

void
msgq_free(struct msgq *q)
{
	while (q->count > 0)
		msgq_pop(q);
	free(q->ring);
	msgq_init(q);
}
