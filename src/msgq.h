/* Output queues of shared messages: a line is formatted once, and every
 * member's queue holds a reference to it. */
#ifndef MSGQ_H
#define MSGQ_H

#include <stddef.h>
#include <sys/types.h>

struct msg {
	unsigned refs;
	size_t len;
	char data[];
};

struct msgq {
	struct msg **ring; /* grows by doubling; its bytes bound the queue */
	size_t cap, head, count;
	size_t off;        /* bytes of the first message already written */
	size_t bytes;      /* bytes still to write */
};

/* A message of len bytes, to be filled, with one reference. Returns it, or NULL. */
struct msg *msg_alloc(size_t len);
/* "<prefix>text\n"-style: the parts concatenated. Returns it, or NULL. */
struct msg *msg_cat(const char *a, size_t alen, const char *b, size_t blen,
    const char *c, size_t clen);
void msg_unref(struct msg *m);

void msgq_init(struct msgq *q);
/* Queues m (taking a reference). Returns 0, or -1 if out of memory. */
int msgq_push(struct msgq *q, struct msg *m);
/* writev()s what fd takes. Returns bytes written, or -1 with errno set. */
ssize_t msgq_write(struct msgq *q, int fd);
/* The first message queued (none of it written, if off is 0), or NULL. */
const struct msg *msgq_peek(const struct msgq *q);
/* Moves from's first message, none of it written yet, to the end of to.
 * Returns 0, or -1 (nothing to move, or out of memory). */
int msgq_move(struct msgq *to, struct msgq *from);
void msgq_free(struct msgq *q);

#endif
