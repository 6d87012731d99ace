/* chat-listen --room: many members, one select() loop, lines relayed to all. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "filter.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "msgq.h"
#include "net.h"
#include "outfd.h"
#include "room.h"
#include "sig.h"
#include "timeutil.h"

#define QUEUE_MAX (256 * 1024) /* pending output past which a member must keep reading */
#define QUEUE_HARD (1024 * 1024) /* past it: too slow, reading or not */
#define STALL_MS 1000          /* over QUEUE_MAX with nothing taken this long: too slow */
#define SNDBUF (64 * 1024)     /* per member socket; autotuning would allow MiBs */
#define CLOSE_MS 2000          /* how long a kicked member may take to read its last lines */
#define ESC_MAX (LINE_MAX_TEXT * FILTER_GROWTH + FILTER_SLACK)
#define BATCH_MAX (16 * 1024)  /* relayed lines shared as one message, about */
#define PREFIX_MAX (NAME_MAX_LEN + 4) /* "<NAME> " and its NUL */
#define READS_PER_PASS 8       /* reads of one sender per pass: 64 KiB at most */
/* What one sender may queue for each member per pass (checked after each
 * read, so one read more may pass it), and what all senders together may:
 * past it, the senders not yet read wait for the next pass, which starts
 * with them. Members' queues are written between two passes, so a burst
 * from many senders cannot outrun readers that keep up. */
#define PASS_OUT_MAX (4 * LINE_MAX_TEXT)
#define PASS_ALL_MAX (2 * PASS_OUT_MAX)
#define ACCEPT_REST_MS 250     /* out of descriptors: listeners rest this long */

struct member {
	int fd;
	char name[NAME_MAX_LEN + 1];
	struct msgq out;
	int closing;                /* kicked or left: close once out is written */
	int dead;                   /* gone: freed at the end of the pass */
	int dropped;                /* dropped as too slow, not yet announced */
	long close_at;              /* when closing gives up waiting */
	long heard_at;              /* its last line, for -i */
	long moved_at;              /* its socket last took bytes, or out was empty */
	double tokens;              /* --max-rate bucket */
	long tokens_at;
	int warned;                 /* told to slow down during this burst */
	struct member *next;
	struct linebuf *in;         /* apart: its 8 KiB stay untouched until used */
};

struct room {
	const struct room_opts *o;
	char host[NAME_MAX_LEN + 1];
	struct linebuf hostin;      /* the host's stdin, as lines */
	struct msgq hostout;        /* to the host's stdout */
	struct member *head, *tail; /* in join order */
	int count;                  /* members holding a descriptor */
	int next_num;
	int spare;                  /* kept open to refuse clients at EMFILE */
	long accept_at;             /* out of descriptors: accept again then */
	int closed;                 /* the host closed the room */
	int drops;                  /* members dropped, not yet announced */
	int announcing;             /* announce_drops() is running */
	struct member *next_reader; /* where the next pass starts reading */
	long paused_at;             /* the host's stdout is full since; or -1 */
	int host_failed;            /* writing to the host's stdout failed */
	char esc[ESC_MAX];          /* one escaped line */
	/* Lines one read brought from one sender, formatted and not yet
	 * relayed: they go out as one shared message, so a burst costs one
	 * queue entry per member, not one per line. */
	char batch[BATCH_MAX + ESC_MAX + PREFIX_MAX];
	size_t batch_len;
	struct member *batch_from; /* NULL: the host */
	unsigned long relayed;     /* bytes relay() has formatted, ever */
	long now;                   /* the clock, read once per pass (ms) */
};

/* ---- output ---- */

static void
member_leave(struct room *r, struct member *m, const char *why, int linger);

/* Whether m, with q bytes pending, is too slow: past QUEUE_HARD, or past
 * QUEUE_MAX with its socket taking nothing for STALL_MS.  A member that
 * reads but lags behind a burst gets the slack; one that stopped does not. */
static int
too_slow(const struct member *m, size_t q, long now)
{
	return q > QUEUE_HARD || (q > QUEUE_MAX && now - m->moved_at >= STALL_MS);
}

/* Queues msg for m; a member that cannot keep up is dropped, and its
 * leaving announced by announce_drops() once msg is queued for all: a
 * notice sent from here would reach other members that are too slow, and
 * recurse through each of them. */
static void
send_to(struct room *r, struct member *m, struct msg *msg)
{
	size_t q = m->out.bytes + msg->len;

	if (m->dead || m->closing)
		return;
	if (m->out.bytes == 0)
		m->moved_at = r->now; /* nothing pending: not stalled */
	if (too_slow(m, q, r->now) || msgq_push(&m->out, msg) < 0) {
		m->dead = m->dropped = 1;
		r->drops++;
	}
}

static void
say_left(struct room *r, struct member *m, const char *why);
static void
last_words(struct room *r, struct member *m);

/* Announces the members send_to() dropped, after what they had sent; those
 * its notices drop in turn are announced by the same loop, never by a
 * nested one. */
static void
announce_drops(struct room *r)
{
	struct member *m;

	if (r->announcing)
		return;
	r->announcing = 1;
	while (r->drops > 0) {
		r->drops = 0;
		for (m = r->head; m; m = m->next)
			if (m->dropped) {
				m->dropped = 0;
				last_words(r, m);
				say_left(r, m, " (too slow)");
			}
	}
	r->announcing = 0;
}

/* To the host's stdout; under -t, each of msg's lines gets a timestamp
 * (by hand, not FILTER_STAMP: that asks for 16 times msg's size). */
static void
host_print(struct room *r, struct msg *msg)
{
	char stamp[16];
	size_t slen, lines = 0, i, o = 0;
	struct msg *s;

	if (r->o->out < 0)
		return;
	if (!r->o->stamps) {
		msgq_push(&r->hostout, msg);
		return;
	}
	slen = filter_stamp(stamp);
	for (i = 0; i < msg->len; i++)
		lines += msg->data[i] == '\n';
	if (!(s = msg_alloc(msg->len + lines * slen)))
		return;
	for (i = 0; i < msg->len; i++) {
		if (i == 0 || msg->data[i - 1] == '\n') {
			memcpy(s->data + o, stamp, slen);
			o += slen;
		}
		s->data[o++] = msg->data[i];
	}
	s->len = o;
	msgq_push(&r->hostout, s);
	msg_unref(s);
}

/* To every member but except, and to the host's stdout if host is set. */
static void
broadcast(struct room *r, struct member *except, struct msg *msg, int host)
{
	struct member *m;

	if (!msg)
		return;
	for (m = r->head; m; m = m->next)
		if (m != except)
			send_to(r, m, msg);
	if (host)
		host_print(r, msg);
	msg_unref(msg);
	announce_drops(r);
}

/* "* ...\n" from a format. Returns a message, or NULL. */
static struct msg *
notice(const char *fmt, ...)
{
	struct msg *m;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(m = msg_alloc((size_t)n + 3)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(m->data + 2, (size_t)n + 1, fmt, ap);
	va_end(ap);
	memcpy(m->data, "* ", 2);
	m->data[n + 2] = '\n';
	return m;
}

/* A notice for one member (m) or, with m NULL, the host. */
static void
tell(struct room *r, struct member *m, struct msg *msg)
{
	if (!msg)
		return;
	if (m)
		send_to(r, m, msg);
	else
		host_print(r, msg);
	msg_unref(msg);
	announce_drops(r);
}

/* Text made safe for any terminal into out (len * FILTER_GROWTH +
 * FILTER_SLACK bytes): controls, C1 and bad UTF-8 shown. */
static size_t
escape(const char *text, size_t len, char *out)
{
	struct filter f;
	size_t n;

	filter_init(&f, FILTER_SAFE);
	n = filter_apply(&f, text, len, out);
	return n + filter_finish(&f, out + n);
}

/* Relays the batch: to everyone but its sender, and to the host's
 * stdout when a member sent it. */
static void
batch_flush(struct room *r)
{
	size_t len = r->batch_len;

	if (len == 0)
		return;
	r->batch_len = 0; /* first: dropping a slow member broadcasts too */
	broadcast(r, r->batch_from, msg_cat(r->batch, len, NULL, 0, NULL, 0),
	    r->batch_from != NULL);
}

/* Adds "<name> text\n" to the batch, made safe for any terminal. */
static void
relay(struct room *r, struct member *from, const char *text, size_t len)
{
	char *p;
	size_t n;

	if (r->batch_len > 0 && (r->batch_from != from ||
	    r->batch_len + PREFIX_MAX + len * FILTER_GROWTH +
	    FILTER_SLACK > sizeof r->batch))
		batch_flush(r);
	r->batch_from = from;
	p = r->batch + r->batch_len;
	n = (size_t)snprintf(p, PREFIX_MAX, "<%s> ",
	    from ? from->name : r->host);
	n += escape(text, len, p + n);
	p[n++] = '\n';
	r->batch_len += n;
	r->relayed += n;
	if (r->batch_len >= BATCH_MAX)
		batch_flush(r);
}

/* ---- names ---- */

static struct member *
find_member(struct room *r, const char *name, size_t len)
{
	struct member *m;

	for (m = r->head; m; m = m->next)
		if (!m->dead && !m->closing && strlen(m->name) == len &&
		    strncasecmp(m->name, name, len) == 0)
			return m;
	return NULL;
}

static int
name_taken(struct room *r, const char *name, size_t len)
{
	return (strlen(r->host) == len && strncasecmp(r->host, name, len) == 0) ||
	    find_member(r, name, len) != NULL;
}

/* "host, user1, alice": everyone present, host first, in join order. */
static char *
who_list(struct room *r)
{
	size_t cap = NAME_MAX_LEN + 1, len;
	struct member *m;
	char *s;

	for (m = r->head; m; m = m->next)
		cap += strlen(m->name) + 2;
	if (!(s = malloc(cap)))
		return NULL;
	len = (size_t)snprintf(s, cap, "%s", r->host);
	for (m = r->head; m; m = m->next)
		if (!m->dead && !m->closing)
			len += (size_t)snprintf(s + len, cap - len, ", %s",
			    m->name);
	return s;
}

/* ---- members ---- */

/* Tells everyone that m, already marked as leaving, has left. */
static void
say_left(struct room *r, struct member *m, const char *why)
{
	/* what it said in this read goes before its leaving (a flooder
	 * dropped by its own "slow down" notice) */
	batch_flush(r);
	log_info("%s disconnected%s", m->name, why);
	broadcast(r, m, notice("%s left%s", m->name, why), 1);
}

/* m leaves, announced once. With linger it still gets what is queued for
 * it (CLOSE_MS at most); otherwise it is closed at the end of the pass.
 * It is marked first: the notice must not come back to it. */
static void
member_leave(struct room *r, struct member *m, const char *why, int linger)
{
	if (m->dead || m->closing) {
		m->dead |= !linger;
		return;
	}
	m->closing = linger;
	m->dead = !linger;
	m->close_at = r->now + CLOSE_MS;
	say_left(r, m, why);
}

static void
member_join(struct room *r, int fd, const char *addr)
{
	struct member *m = malloc(sizeof *m);
	/* not calloc: 500 idle members would touch 4 MB of line bytes */
	struct linebuf *in = malloc(sizeof *in);
	int sndbuf = SNDBUF;
	char *who;

	if (!m || !in) {
		log_err("refused %s: out of memory", addr);
		free(m);
		free(in);
		close(fd);
		return;
	}
	*m = (struct member){ .fd = fd, .in = in, .heard_at = r->now,
	    .tokens_at = r->now, .moved_at = r->now,
	    .tokens = r->o->max_rate };
	line_init(m->in);
	msgq_init(&m->out);
	/* the kernel's share of a slow member's backlog stays small too */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	/* numbers are never reused; one taken by a /nick is skipped */
	do {
		snprintf(m->name, sizeof m->name, "user%d", ++r->next_num);
	} while (name_taken(r, m->name, strlen(m->name)));
	log_info("%s connected from %s", m->name, addr);
	broadcast(r, NULL, notice("%s joined", m->name), 1);
	if (r->tail)
		r->tail->next = m;
	else
		r->head = m;
	r->tail = m;
	r->count++;
	who = who_list(r);
	tell(r, m, notice("welcome %s; here: %s", m->name, who ? who : ""));
	free(who);
}

/* Frees the members that left during this pass. */
static void
reap(struct room *r)
{
	struct member *m, *next, *prev = NULL;

	for (m = r->head; m; m = next) {
		next = m->next;
		if (!m->dead) {
			prev = m;
			continue;
		}
		if (prev)
			prev->next = next;
		else
			r->head = next;
		if (r->next_reader == m)
			r->next_reader = next;
		if (r->tail == m)
			r->tail = prev;
		close(m->fd);
		msgq_free(&m->out);
		free(m->in);
		free(m);
		r->count--;
	}
}

/* Token bucket: max_rate lines a second, bursts of max_rate. */
static int
rate_ok(struct room *r, struct member *m)
{
	long now = r->now;
	int rate = r->o->max_rate;

	if (rate <= 0)
		return 1;
	m->tokens += (double)(now - m->tokens_at) * rate / 1000.0;
	if (m->tokens > rate)
		m->tokens = rate;
	m->tokens_at = now;
	if (m->tokens >= 1) {
		m->tokens -= 1;
		m->warned = 0;
		return 1;
	}
	if (!m->warned)
		tell(r, m, notice("error: slow down"));
	m->warned = 1;
	return 0;
}

/* ---- commands, from a member (m) or the host (m NULL) ---- */

static void
cmd_nick(struct room *r, struct member *m, const char *arg, size_t len)
{
	char *cur = m ? m->name : r->host;
	char old[NAME_MAX_LEN + 1];

	if (len == 0) {
		tell(r, m, notice("error: usage: /nick NAME"));
		return;
	}
	if (!line_name_valid(arg, len)) {
		tell(r, m, notice("error: a nick is " NAME_RULE));
		return;
	}
	if (strlen(cur) == len && memcmp(cur, arg, len) == 0) {
		tell(r, m, notice("error: you are %s already", cur));
		return;
	}
	/* a change of case only is one's own name, not a collision */
	if (!(strlen(cur) == len && strncasecmp(cur, arg, len) == 0) &&
	    name_taken(r, arg, len)) {
		tell(r, m, notice("error: nick %.*s is taken", (int)len, arg));
		return;
	}
	snprintf(old, sizeof old, "%s", cur);
	memcpy(cur, arg, len);
	cur[len] = '\0';
	log_info("%s is now %s", old, cur);
	broadcast(r, NULL, notice("%s is now %s", old, cur), 1);
}

static void
cmd_kick(struct room *r, const char *arg, size_t len)
{
	struct member *m = find_member(r, arg, len);

	if (!m) {
		tell(r, NULL, notice("error: no member %.*s", (int)len, arg));
		return;
	}
	log_info("%s was kicked", m->name);
	broadcast(r, NULL, notice("%s was kicked", m->name), 1);
	m->closing = 1;
	m->close_at = now_ms() + CLOSE_MS;
	shutdown(m->fd, SHUT_RD);
}

static void
cmd_help(struct room *r, struct member *m)
{
	tell(r, m, notice("commands: /nick NAME, /who, /quit, /help%s; "
	    "//text sends /text", m ? "" : ", /kick NAME"));
}

static void
room_line(struct room *r, struct member *m, const char *line, size_t len,
    int piece)
{
	struct cmd c;
	char *who;

	line_cmd(line, len, m == NULL, &c);
	/* the rest of a split line is text, even if it starts with '/' */
	if (piece && len > 0) {
		c.kind = CMD_TEXT;
		c.arg = line;
		c.arglen = len;
	}
	/* anything but more text from the same sender: what was said first
	 * goes out first */
	if (c.kind != CMD_TEXT && c.kind != CMD_EMPTY)
		batch_flush(r);
	if (m && c.kind != CMD_EMPTY && !rate_ok(r, m))
		return;
	if (m)
		m->heard_at = r->now;
	switch (c.kind) {
	case CMD_EMPTY:
		break;
	case CMD_TEXT:
		relay(r, m, c.arg, c.arglen);
		break;
	case CMD_NICK:
		cmd_nick(r, m, c.arg, c.arglen);
		break;
	case CMD_WHO:
		who = who_list(r);
		tell(r, m, notice("here: %s", who ? who : ""));
		free(who);
		break;
	case CMD_HELP:
		cmd_help(r, m);
		break;
	case CMD_QUIT:
		if (m)
			member_leave(r, m, "", 1);
		else
			r->closed = 1;
		break;
	case CMD_KICK:
		cmd_kick(r, c.arg, c.arglen);
		break;
	case CMD_UNKNOWN:
		tell(r, m, notice("error: unknown command %.*s (try /help)",
		    (int)escape(c.arg, c.arglen, r->esc), r->esc));
		break;
	}
}

/* Whether lines from m (NULL: the host) are no longer acted on. */
static int
reading_done(const struct room *r, const struct member *m)
{
	return m ? m->dead || m->closing : r->closed;
}

/* Whether fd has input now: stdin may be blocking, and is not ours to
 * change (its file description may be shared with a shell). */
static int
readable_now(int fd)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	return poll(&p, 1, 0) > 0;
}

/* One line from a member dropped as too slow before the room read it: its
 * kernel took the line, so it believes it delivered. Its text goes out;
 * commands of a member that is gone mean nothing. */
static void
last_line(struct room *r, struct member *m, const char *line, size_t len,
    int piece)
{
	struct cmd c;

	line_cmd(line, len, 0, &c);
	if (piece && len > 0)
		relay(r, m, line, len);
	else if (c.kind == CMD_TEXT)
		relay(r, m, c.arg, c.arglen);
}

/* Reads fd into lb and acts on each whole line from m (NULL: the host):
 * while reads come full, up to READS_PER_PASS of them or PASS_OUT_MAX
 * bytes relayed, so that a burst is queued for every member as a few
 * large messages before any is written, and each member takes it in one
 * writev. With last set, m is gone and only its text is relayed
 * (last_line). Returns the last read's result. */
static ssize_t
read_lines(struct room *r, int fd, struct linebuf *lb, struct member *m,
    int last)
{
	unsigned long start = r->relayed;
	const char *line;
	size_t room, len;
	ssize_t n = -1;
	char *p;
	int i;

	for (i = 0; i < READS_PER_PASS; i++) {
		/* select() said fd was readable for the first read only */
		if (i > 0 && !m && !readable_now(fd))
			break;
		p = line_space(lb, &room);
		LOOP_RETRY(n, read(fd, p, room));
		if (n <= 0)
			break;
		line_added(lb, (size_t)n);
		while ((last || !reading_done(r, m)) &&
		    line_next(lb, &line, &len)) {
			if (last)
				last_line(r, m, line, len, lb->piece);
			else
				room_line(r, m, line, len, lb->piece);
		}
		if ((!last && reading_done(r, m)) || (size_t)n < room ||
		    r->relayed - start >= PASS_OUT_MAX)
			break;
	}
	return n;
}

/* A member dropped as too slow: what it sent and the room has not read
 * yet, as much as one pass reads of a sender (last_line). */
static void
last_words(struct room *r, struct member *m)
{
	read_lines(r, m->fd, m->in, m, 1);
}

/* What a member sent; its end of input or an error means it is gone. */
static void
member_read(struct room *r, struct member *m)
{
	const char *line;
	size_t len;
	ssize_t n = read_lines(r, m->fd, m->in, m, 0);

	if (n > 0 || loop_would_block(n) || m->dead || m->closing) {
		batch_flush(r);
		return;
	}
	/* gone, by a FIN or a reset: its last line without a newline counts */
	if (line_rest(m->in, &line, &len))
		room_line(r, m, line, len, m->in->piece);
	batch_flush(r);
	/* at end of input it may still read what is queued for it */
	member_leave(r, m, "", n == 0);
}

/* What the host typed; its end of input closes the room. */
static void
host_read(struct room *r)
{
	const char *line;
	size_t len;
	ssize_t n = read_lines(r, r->o->in, &r->hostin, NULL, 0);

	if (n > 0 || loop_would_block(n) || r->closed) {
		batch_flush(r);
		return;
	}
	if (n < 0)
		log_err("read from stdin: %s", strerror(errno));
	if (line_rest(&r->hostin, &line, &len))
		room_line(r, NULL, line, len, r->hostin.piece);
	batch_flush(r);
	r->closed = 1;
}

/* Writes a member's queue; a write error means it is gone. */
static void
member_write(struct room *r, struct member *m)
{
	ssize_t n = msgq_write(&m->out, m->fd);

	if (n > 0)
		m->moved_at = r->now;
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		member_leave(r, m, "", 0);
}

/* ---- admission ---- */

static void
refuse(int fd, const char *addr, const char *why, const char *tell_it)
{
	if (tell_it)
		(void)!write(fd, tell_it, strlen(tell_it));
	close(fd);
	log_info("refused %s: %s", addr, why);
}

/* Takes every client waiting on lfd. */
static void
room_accept(struct room *r, int lfd)
{
	struct sockaddr_storage sa;
	char addr[ADDR_STRLEN];
	int fd;

	for (;;) {
		fd = net_accept(lfd, &sa);
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd < 0 && errno == ECONNABORTED)
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    r->spare >= 0) {
			/* out of descriptors: free the spare to refuse one */
			close(r->spare);
			fd = accept(lfd, NULL, NULL);
			if (fd >= 0)
				close(fd);
			r->spare = open("/dev/null", O_RDONLY);
			log_err("refused a client: %s", strerror(EMFILE));
			if (fd < 0)
				return;
			continue;
		}
		if (fd < 0) {
			/* no spare either (or no memory): the client waits;
			 * the listeners rest meanwhile, or they would be
			 * readable on every pass. Said once, not per retry. */
			if (r->accept_at < 0)
				log_err("accept: %s (the client waits)",
				    strerror(errno));
			r->accept_at = r->now + ACCEPT_REST_MS;
			return;
		}
		r->accept_at = -1;
		addr_format((struct sockaddr *)&sa, addr);
		if (!acl_check(r->o->acl, (struct sockaddr *)&sa))
			refuse(fd, addr, "not allowed", NULL);
		else if (r->count >= r->o->max_clients)
			refuse(fd, addr, "room full", "* room full\n");
		else
			member_join(r, fd, addr);
	}
}

/* ---- the loop ---- */

/* Members' input, from where the last pass stopped: once PASS_ALL_MAX is
 * queued for everyone, the rest wait for the next pass and go first then. */
static void
read_members(struct room *r, fd_set *rd)
{
	struct member *start = r->next_reader ? r->next_reader : r->head;
	struct member *m = start, *next;
	unsigned long from = r->relayed;

	if (!m)
		return;
	do {
		next = m->next ? m->next : r->head;
		if (!m->dead && !m->closing && FD_ISSET(m->fd, rd)) {
			member_read(r, m);
			if (r->relayed - from >= PASS_ALL_MAX) {
				r->next_reader = next;
				return;
			}
		}
		m = next;
	} while (m != start);
}

/* Whether -i drops silent members now: not while the room reads nobody. */
static int
idle_runs(const struct room *r)
{
	return r->o->idle_ms >= 0 && r->paused_at < 0;
}

/* While the host's stdout is full the room reads nobody, so nobody's idle
 * clock may run: when it reads again, each moves on by the time stood. */
static void
set_paused(struct room *r, int paused)
{
	struct member *m;

	if (paused && r->paused_at < 0) {
		r->paused_at = r->now;
	} else if (!paused && r->paused_at >= 0) {
		for (m = r->head; m; m = m->next)
			m->heard_at += r->now - r->paused_at;
		r->paused_at = -1;
	}
}

/* The nearest deadline (kicks, -i, resting listeners) as a select()
 * timeout, or NULL. */
static struct timeval *
next_timeout(struct room *r, struct timeval *tv)
{
	long at = -1, t;
	struct member *m;

	if (r->accept_at > 0)
		at = r->accept_at;
	for (m = r->head; m; m = m->next) {
		t = m->closing ? m->close_at : idle_runs(r) ?
		    m->heard_at + r->o->idle_ms : -1;
		if (t >= 0 && (at < 0 || t < at))
			at = t;
		/* a stalled queue is dropped on time, not on the next line */
		t = m->moved_at + STALL_MS;
		if (!m->closing && m->out.bytes > QUEUE_MAX && (at < 0 || t < at))
			at = t;
	}
	return timeout_until(at, tv);
}

/* Kicked members whose last lines are out, or whose time is up, and -i. */
static void
check_timers(struct room *r)
{
	long now = r->now;
	struct member *m;

	for (m = r->head; m; m = m->next) {
		if (m->dead)
			continue;
		if (m->closing && (m->out.bytes == 0 || now >= m->close_at))
			m->dead = 1;
		else if (!m->closing && too_slow(m, m->out.bytes, now))
			member_leave(r, m, " (too slow)", 0);
		else if (!m->closing && idle_runs(r) &&
		    now >= m->heard_at + r->o->idle_ms) {
			/* told first: a closing member is sent nothing more */
			tell(r, m, notice("closing: idle for %g s",
			    r->o->idle_ms / 1000.0));
			member_leave(r, m, " (idle)", 1);
		}
	}
}

static void
close_watch(void *arg, fd_set *wr, int *maxfd)
{
	struct room *r = arg;
	struct member *m;

	for (m = r->head; m; m = m->next)
		if (!m->dead && m->out.bytes > 0)
			loop_watch(m->fd, wr, maxfd);
	if (r->hostout.bytes > 0 && !r->host_failed)
		loop_watch(r->o->out, wr, maxfd);
}

static void
close_write(void *arg, fd_set *wr)
{
	struct room *r = arg;
	struct member *m;
	ssize_t n;

	for (m = r->head; m; m = m->next) {
		if (m->dead || !FD_ISSET(m->fd, wr))
			continue;
		n = msgq_write(&m->out, m->fd);
		m->dead = n < 0 && !loop_would_block(n);
	}
	if (r->hostout.bytes > 0 && FD_ISSET(r->o->out, wr)) {
		n = msgq_write(&r->hostout, r->o->out);
		r->host_failed = n < 0 && !loop_would_block(n);
	}
}

/* Closing: everyone is told, queues get LOOP_FLUSH_MS to drain. */
static void
room_close(struct room *r)
{
	struct loop_flush f = { close_watch, close_write, r };
	struct member *m;

	broadcast(r, NULL, notice("room closed"), 0);
	loop_flush(&f);
	for (m = r->head; m; m = m->next)
		m->dead = 1;
	reap(r);
	msgq_free(&r->hostout);
}

static int
room_loop(struct room *r)
{
	const struct room_opts *o = r->o;
	struct member *m;
	struct timeval tv;
	fd_set rd, wr;
	int maxfd, i, paused;

	for (;;) {
		if (sig_caught)
			return 128 + sig_caught;
		if (r->closed)
			return 0;
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		maxfd = -1;
		/* the host's stdout never loses a line: while it is full, read nothing */
		paused = r->hostout.bytes > QUEUE_MAX;
		set_paused(r, paused);
		if (r->hostout.bytes > 0)
			loop_watch(o->out, &wr, &maxfd);
		if (r->accept_at >= 0 && r->now >= r->accept_at)
			r->accept_at = 0; /* rested: try again, still said once */
		for (i = 0; !paused && r->accept_at <= 0 && i < o->nlfd; i++)
			loop_watch(o->lfds[i], &rd, &maxfd);
		if (!paused && o->in >= 0)
			loop_watch(o->in, &rd, &maxfd);
		for (m = r->head; m; m = m->next) {
			if (!paused && !m->closing)
				loop_watch(m->fd, &rd, &maxfd);
			if (m->out.bytes > 0)
				loop_watch(m->fd, &wr, &maxfd);
		}
		if (select(maxfd + 1, &rd, &wr, NULL, next_timeout(r, &tv)) < 0) {
			if (errno == EINTR)
				continue;
			log_err("select: %s", strerror(errno));
			return 1;
		}
		r->now = now_ms();
		/* the host's stdout first: it gates everything else */
		if (r->hostout.bytes > 0 && FD_ISSET(o->out, &wr) &&
		    msgq_write(&r->hostout, o->out) < 0 && errno != EAGAIN) {
			log_err("write to stdout: %s", strerror(errno));
			return 1;
		}
		/* members' output, then their input */
		for (m = r->head; m; m = m->next)
			if (!m->dead && FD_ISSET(m->fd, &wr))
				member_write(r, m);
		read_members(r, &rd);
		if (o->in >= 0 && FD_ISSET(o->in, &rd))
			host_read(r);
		for (i = 0; i < o->nlfd; i++)
			if (FD_ISSET(o->lfds[i], &rd))
				room_accept(r, o->lfds[i]);
		check_timers(r);
		reap(r);
	}
}

int
room_run(const struct room_opts *o)
{
	struct room *r = calloc(1, sizeof *r);
	int rc, saved;

	if (!r) {
		log_err("out of memory");
		return 1;
	}
	r->o = o;
	snprintf(r->host, sizeof r->host, "%s", o->name);
	line_init(&r->hostin);
	msgq_init(&r->hostout);
	r->spare = open("/dev/null", O_RDONLY);
	r->now = now_ms();
	r->accept_at = r->paused_at = -1;
	saved = o->out >= 0 ? outfd_nonblock(o->out) : -1;
	rc = room_loop(r);
	room_close(r);
	outfd_restore(o->out, saved);
	if (r->spare >= 0)
		close(r->spare);
	free(r);
	return rc;
}
