/* The plain bridge: stdin -> peer and peer -> stdout in one select() loop. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bridge.h"
#include "buf.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "outfd.h"
#include "sig.h"
#include "sys.h"
#include "timeutil.h"
#include "usock.h"

#define FLOW_BUF (128 * 1024)  /* per direction; bounds memory, not speed */
#define ZC_CHUNK (1024 * 1024) /* most bytes one splice may move */
#define ZC_ROUNDS 8            /* splices per wakeup before the other side's turn */
#define ACCEPT_REST_MS 250     /* out of descriptors: listeners rest this long */
/* What stdin sent stays kept until the peer acknowledges it, so that a
 * reset does not lose it: the kernel's send queue is bounded to what we
 * keep (Linux doubles SO_SNDBUF; one more segment may go past it). */
#define KEEP_SNDBUF (256 * 1024)
#define KEEP_MAX (1024 * 1024)

/* One direction of the bridge. */
struct flow {
	int src, dst;
	struct buf buf;     /* bytes read from src, not yet written to dst */
	struct filter *filter; /* rewrites bytes on the way, or NULL */
	int net_src;        /* src is the socket (for blaming errors) */
	int keep;           /* dst is a socket: written bytes stay until acked */
	int zc;             /* may splice src -> dst while buf is empty */
	int blocked;        /* splice found dst full: wait for it to drain */
	int eof;            /* src has ended */
	unsigned long long bytes; /* handed to dst */
};

enum { FLOW_OK, FLOW_ERR_SRC, FLOW_ERR_DST };

static int
flow_init(struct flow *f, int src, int dst, int net_src, struct filter *flt,
    size_t keep_max)
{
	memset(f, 0, sizeof *f);
	f->src = src;
	f->dst = dst;
	f->net_src = net_src;
	f->filter = flt;
	return buf_init(&f->buf, FLOW_BUF, keep_max);
}

/* Whether src may be spliced to dst right now (buffered bytes go first). */
static int
flow_zc(const struct flow *f)
{
	return f->zc && f->dst >= 0 && buf_len(&f->buf) == 0;
}

static int
flow_want_read(const struct flow *f)
{
	if (f->src < 0 || f->eof || f->blocked)
		return 0;
	if (flow_zc(f))
		return 1;
	if (f->filter)
		return buf_space(&f->buf) >= FILTER_GROWTH + FILTER_SLACK;
	return buf_space(&f->buf) > 0;
}

static int
flow_want_write(const struct flow *f)
{
	return f->dst >= 0 && (buf_len(&f->buf) > 0 || f->blocked);
}

static int
flow_done(const struct flow *f)
{
	return f->eof && buf_len(&f->buf) == 0;
}

/* Reads through the filter: only as much as is sure to fit once rewritten. */
static ssize_t
flow_read_filtered(struct flow *f)
{
	char chunk[4096];
	size_t want = (buf_space(&f->buf) - FILTER_SLACK) / FILTER_GROWTH;
	ssize_t n;
	char *to;

	if (want > sizeof chunk)
		want = sizeof chunk;
	LOOP_RETRY(n, read(f->src, chunk, want));
	if (n < 0)
		return n;
	to = buf_reserve(&f->buf, (size_t)n * FILTER_GROWTH + FILTER_SLACK);
	if (n == 0)
		buf_commit(&f->buf, filter_finish(f->filter, to));
	else
		buf_commit(&f->buf, filter_apply(f->filter, chunk, (size_t)n, to));
	return n;
}

/* Lets go of what the peer has acknowledged. */
static void
flow_release(struct flow *f)
{
	long unacked = sys_unacked(f->dst);

	buf_release(&f->buf, unacked < 0 ? 0 : (size_t)unacked);
	/* all kept, nothing to send: nothing would wake us when acks come
	 * (the SO_SNDBUF bound keeps this from happening); never stall */
	if (buf_space(&f->buf) == 0 && buf_len(&f->buf) == 0)
		buf_release(&f->buf, 0);
}

/* The peer is gone: what it never acknowledged goes out again, first (to
 * the next peer with -k). Returns the bytes from stdin not delivered. */
static size_t
flow_rewind(struct flow *f)
{
	if (f->keep) {
		flow_release(f);
		buf_unsend(&f->buf);
	}
	return buf_len(&f->buf);
}

/* Moves what is ready between src and dst. Returns FLOW_OK, or
 * FLOW_ERR_SRC / FLOW_ERR_DST with errno set. */
static int
flow_run(struct flow *f, int readable, int writable)
{
	ssize_t n;

	if (writable)
		f->blocked = 0;
	if (readable && flow_zc(f)) {
		int moved = 0;

		/* keep moving while whole chunks go: fewer trips through
		 * select(); a short move means src is drained or dst is
		 * full, and select() will say which without a wasted call */
		while ((n = sys_splice(f->src, f->dst, ZC_CHUNK)) > 0) {
			f->bytes += (unsigned long long)n;
			if (++moved == ZC_ROUNDS || (size_t)n < ZC_CHUNK)
				return FLOW_OK;
		}
		if (n == 0)
			f->eof = 1;
		else if (errno == EAGAIN)
			/* first try: src was readable, so dst is full; after
			 * whole chunks src may just be empty: select() tells */
			f->blocked = !moved;
		else if (errno == EINVAL || errno == ENOSYS)
			f->zc = 0; /* fall back to read/write on the next pass */
		else if (errno == EPIPE || !f->net_src)
			return FLOW_ERR_DST; /* splice won't say which end failed */
		else
			return FLOW_ERR_SRC;
		return FLOW_OK;
	}
	if (readable) {
		n = f->filter ? flow_read_filtered(f) : buf_fill(&f->buf, f->src);
		if (n == 0)
			f->eof = 1;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return FLOW_ERR_SRC;
		/* write at once: saves a trip through select() */
		writable = f->dst >= 0;
	}
	if (writable && buf_len(&f->buf) > 0) {
		n = buf_drain(&f->buf, f->dst);
		if (n > 0)
			f->bytes += (unsigned long long)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return FLOW_ERR_DST;
		if (f->keep)
			flow_release(f);
	}
	return FLOW_OK;
}

/* Session state shared by the loop's helpers. */
struct session {
	struct bridge *br;
	struct flow up;    /* stdin -> peer */
	struct flow down;  /* peer -> stdout */
	int in_tty;        /* stdin is a terminal: a chat partner leaving ends it */
	int shut;          /* our write side is shut down */
	int out_closed;    /* the peer finished: stdout was closed (no -k) */
	long accept_at;    /* out of descriptors: accept again then; or -1 */
	long quit_at;      /* -q deadline, or -1 */
	long idle_at;      /* -i deadline, or -1 */
	int out_flags;     /* stdout's flags before we made it nonblocking, or -1 */
	int flush_failed;  /* flush_out could not write to stdout */
};

static void
flush_watch(void *arg, fd_set *wr, int *maxfd)
{
	struct session *s = arg;

	if (buf_len(&s->down.buf) > 0 && !s->flush_failed)
		loop_watch(s->down.dst, wr, maxfd);
}

static void
flush_write(void *arg, fd_set *wr)
{
	struct session *s = arg;

	(void)wr;
	if (buf_drain(&s->down.buf, s->down.dst) < 0 && errno != EAGAIN)
		s->flush_failed = 1;
}

/* Writes what the peer sent and is still buffered, waiting LOOP_FLUSH_MS at most. */
static void
flush_out(struct session *s)
{
	struct loop_flush f = { flush_watch, flush_write, s };

	/* a blocking stdout (a terminal we could not open anew) could hold
	 * us past the signal that brought us here */
	if (!(fcntl(s->down.dst, F_GETFL) & O_NONBLOCK))
		return;
	s->flush_failed = 0;
	loop_flush(&f);
}

/* Bounds the kernel's send queue to what the up flow can keep. Returns 1
 * when the system tells what the peer has acknowledged, else 0. */
static int
keep_sndbuf(int sock)
{
	int size = KEEP_SNDBUF;

	if (sys_unacked(sock) < 0)
		return 0;
	return setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0;
}

static void
peer_attach(struct session *s, int sock)
{
	struct bridge *br = s->br;

	br->sock = sock;
	s->up.dst = sock;
	s->down.src = sock;
	s->down.eof = 0;
	s->shut = 0;
	s->quit_at = -1;
	s->idle_at = br->idle_ms >= 0 ? now_ms() + br->idle_ms : -1;
	s->up.zc = !br->in_filter && br->in >= 0 && sys_splice_possible(br->in, sock);
	s->down.zc = !br->out_filter && sys_splice_possible(sock, br->out);
	s->up.keep = keep_sndbuf(sock);
}

static void
peer_detach(struct session *s, const char *why)
{
	struct bridge *br = s->br;

	log_debug("sent %llu bytes, received %llu bytes", s->up.bytes,
	    s->down.bytes);
	if (why)
		log_info("%s %s", br->peer, why);
	close(br->sock);
	br->sock = s->up.dst = s->down.src = -1;
	s->up.blocked = s->down.blocked = 0;
	s->up.bytes = s->down.bytes = 0;
	/* what a peer that ended well did not yet ack, its kernel delivers */
	buf_release(&s->up.buf, 0);
	s->up.keep = 0;
}

static void
close_listeners(struct bridge *br)
{
	int i;

	for (i = 0; i < br->nlfd; i++) {
		close(br->lfds[i]);
		br->lfds[i] = -1;
	}
	br->nlfd = 0;
}

/* A listener is readable: take one peer. Returns 0, or -1 if none came. */
static int
peer_accept(struct session *s, int lfd)
{
	struct sockaddr_storage sa;
	int fd = net_accept(lfd, &sa);

	if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != ECONNABORTED) {
		/* out of descriptors (or memory): the client waits and the
		 * listeners rest, or they would be readable on every pass;
		 * said once, not per retry */
		if (s->accept_at < 0)
			log_err("accept: %s (the client waits)", strerror(errno));
		s->accept_at = now_ms() + ACCEPT_REST_MS;
		return -1;
	}
	if (fd < 0)
		return -1;
	s->accept_at = -1;
	if (sa.ss_family == AF_UNIX)
		usock_peer(fd, s->br->peer);
	else
		addr_format((struct sockaddr *)&sa, s->br->peer);
	if (!acl_check(s->br->acl, (struct sockaddr *)&sa)) {
		log_info("refused %s: not allowed", s->br->peer);
		close(fd);
		return -1;
	}
	log_info("connection from %s", s->br->peer);
	peer_attach(s, fd);
	/* one peer only: later ones are refused, as with nc */
	if (!s->br->keep_open)
		close_listeners(s->br);
	return 0;
}

/* The next deadline as a select() timeout; NULL when there is none. */
static struct timeval *
next_timeout(const struct session *s, struct timeval *tv)
{
	long at = s->quit_at;

	if (s->idle_at >= 0 && (at < 0 || s->idle_at < at))
		at = s->idle_at;
	return timeout_until(at, tv);
}

/* What a pass of the loop decided. */
enum { GO_ON, SESSION_END, SESSION_QUIT, SESSION_FAIL, BRIDGE_FAIL };

/* Ends our stdout, keeping descriptor 1 taken (by /dev/null). */
static void
close_out(struct session *s)
{
	struct bridge *br = s->br;
	int fd = open("/dev/null", O_WRONLY);

	outfd_restore(br->out, s->out_flags);
	s->out_flags = -1;
	if (fd >= 0 && fd != br->out) {
		dup2(fd, br->out);
		close(fd);
	} else if (fd < 0) {
		close(br->out); /* no /dev/null: the reader still sees the end */
	}
	s->out_closed = 1;
	log_debug("%s finished: stdout closed", br->peer);
}

/* After I/O: what the state now means for the session. */
static int
session_check(struct session *s)
{
	struct bridge *br = s->br;
	int up_done = br->in < 0 || flow_done(&s->up);
	long now;

	/* stdin is all sent: tell the peer, keep listening to it */
	if (br->in >= 0 && flow_done(&s->up) && !s->shut) {
		shutdown(br->sock, SHUT_WR);
		s->shut = 1;
		if (br->quit_ms >= 0)
			s->quit_at = now_ms() + br->quit_ms;
	}
	/* the peer has finished and all it sent is out */
	if (flow_done(&s->down) && (up_done || s->in_tty))
		return SESSION_END;
	/* the peer's end reaches whoever reads our stdout; with -k the next
	 * peer may still write there */
	if (flow_done(&s->down) && !br->keep_open && !s->out_closed)
		close_out(s);
	now = now_ms();
	if (s->quit_at >= 0 && now >= s->quit_at)
		return SESSION_QUIT;
	if (s->idle_at >= 0 && now >= s->idle_at) {
		log_info("%s idle for %g s, closing", br->peer,
		    br->idle_ms / 1000.0);
		return SESSION_END;
	}
	return GO_ON;
}

/* The peer failed with error e: says so, and what of stdin it did not get,
 * which the next peer gets first with -k. */
static void
peer_lost(struct session *s, const char *what, int e)
{
	struct bridge *br = s->br;
	size_t lost = flow_rewind(&s->up);

	if (lost == 0)
		log_err("%s%s: %s", what, br->peer, strerror(e));
	else
		log_err("%s%s: %s (%zu bytes from stdin %s)", what, br->peer,
		    strerror(e), lost, br->keep_open ?
		    "kept for the next peer" : "were not delivered");
}

/* I/O on a connected peer. Returns GO_ON or what ended the session. */
static int
session_io(struct session *s, fd_set *rd, fd_set *wr)
{
	struct bridge *br = s->br;
	int in_r = br->in >= 0 && FD_ISSET(br->in, rd);
	int sock_r = FD_ISSET(br->sock, rd), sock_w = FD_ISSET(br->sock, wr);
	unsigned long long moved = s->up.bytes + s->down.bytes;
	int rc;

	rc = flow_run(&s->up, in_r, sock_w);
	if (rc == FLOW_ERR_SRC) {
		log_err("read from stdin: %s", strerror(errno));
		return BRIDGE_FAIL;
	}
	if (rc == FLOW_ERR_DST) {
		peer_lost(s, "cannot send to ", errno);
		return SESSION_FAIL;
	}
	rc = flow_run(&s->down, sock_r, FD_ISSET(br->out, wr));
	if (rc == FLOW_ERR_SRC) {
		peer_lost(s, "", errno);
		return SESSION_FAIL;
	}
	if (rc == FLOW_ERR_DST) {
		log_err("write to stdout: %s", strerror(errno));
		return BRIDGE_FAIL;
	}
	if (br->idle_ms >= 0 && s->up.bytes + s->down.bytes != moved)
		s->idle_at = now_ms() + br->idle_ms;
	return session_check(s);
}

/* I/O while no peer is there: stdin into its buffer, a peer to accept. */
static int
wait_io(struct session *s, fd_set *rd)
{
	struct bridge *br = s->br;
	int i;

	if (br->in >= 0 && FD_ISSET(br->in, rd) &&
	    flow_run(&s->up, 1, 0) == FLOW_ERR_SRC) {
		log_err("read from stdin: %s", strerror(errno));
		return BRIDGE_FAIL;
	}
	for (i = 0; i < br->nlfd; i++)
		if (FD_ISSET(br->lfds[i], rd) && peer_accept(s, br->lfds[i]) == 0)
			return session_check(s);
	return GO_ON;
}

static int
bridge_loop(struct session *s)
{
	struct bridge *br = s->br;
	struct timeval tv;
	fd_set rd, wr;
	int maxfd, i, rc;

	for (;;) {
		if (sig_caught) {
			flush_out(s);
			return 128 + sig_caught;
		}
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		maxfd = -1;
		/* no peer: wait for one; stdin fills one buffer meanwhile */
		if (s->accept_at > 0 && now_ms() >= s->accept_at)
			s->accept_at = 0; /* rested: try again, still said once */
		for (i = 0; br->sock < 0 && s->accept_at <= 0 && i < br->nlfd; i++)
			loop_watch(br->lfds[i], &rd, &maxfd);
		if (flow_want_read(&s->up))
			loop_watch(br->in, &rd, &maxfd);
		if (flow_want_write(&s->up))
			loop_watch(br->sock, &wr, &maxfd);
		if (br->sock >= 0 && flow_want_read(&s->down))
			loop_watch(br->sock, &rd, &maxfd);
		if (flow_want_write(&s->down))
			loop_watch(br->out, &wr, &maxfd);
		rc = select(maxfd + 1, &rd, &wr, NULL, br->sock >= 0 ?
		    next_timeout(s, &tv) : timeout_until(s->accept_at > 0 ?
		    s->accept_at : -1, &tv));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			log_err("select: %s", strerror(errno));
			return 1;
		}
		rc = br->sock < 0 ? wait_io(s, &rd) : session_io(s, &rd, &wr);
		switch (rc) {
		case GO_ON:
			break;
		case SESSION_END:
			peer_detach(s, "disconnected");
			if (!br->keep_open)
				return 0;
			break;
		case SESSION_QUIT:
			flush_out(s);
			peer_detach(s, "disconnected");
			return 0;
		case SESSION_FAIL:
			/* the error is logged; with -k the next peer gets what is left */
			flush_out(s);
			peer_detach(s, NULL);
			if (!br->keep_open)
				return 1;
			break;
		default:
			flush_out(s);
			peer_detach(s, NULL);
			return 1;
		}
	}
}

int
bridge_run(struct bridge *br)
{
	struct session s;
	int rc;

	memset(&s, 0, sizeof s);
	s.br = br;
	s.in_tty = br->in >= 0 && isatty(br->in);
	s.accept_at = -1;
	if (flow_init(&s.up, br->in, -1, 0, br->in_filter, KEEP_MAX) < 0 ||
	    flow_init(&s.down, -1, br->out, 1, br->out_filter, 0) < 0) {
		log_err("out of memory");
		buf_free(&s.up.buf);
		return 1;
	}
	s.out_flags = outfd_nonblock(br->out);
	/* bigger pipes: fewer wakeups per byte on both sides */
	sys_grow_pipe(br->out);
	if (br->in >= 0)
		sys_grow_pipe(br->in);
	if (br->sock >= 0)
		peer_attach(&s, br->sock);
	rc = bridge_loop(&s);
	if (br->sock >= 0)
		peer_detach(&s, NULL);
	outfd_restore(br->out, s.out_flags);
	buf_free(&s.up.buf);
	buf_free(&s.down.buf);
	return rc;
}
