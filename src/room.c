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
#include "roomint.h"
#include "sig.h"
#include "timeutil.h"
#include "usock.h"

#define QUEUE_MAX (256 * 1024) /* pending output past which a member must keep reading */
#define QUEUE_HARD (1024 * 1024) /* past it: too slow, reading or not */
#define STALL_MS 1000          /* over QUEUE_MAX with nothing taken this long: too slow */
#define SNDBUF (64 * 1024)     /* per member socket; autotuning would allow MiBs */
#define CLOSE_MS 2000          /* how long a kicked member may take to read its last lines */
#define DETECT_MS 250          /* how long a newcomer's first line may take to say its dialect */
#define READS_PER_PASS 8       /* reads of one sender per pass: 64 KiB at most */
/* What one sender may queue for each member per pass (checked after each
 * read, so one read more may pass it), and what all senders together may:
 * past it, the senders not yet read wait for the next pass, which starts
 * with them. Members' queues are written between two passes, so a burst
 * from many senders cannot outrun readers that keep up. */
#define PASS_OUT_MAX (4 * LINE_MAX_TEXT)
#define PASS_ALL_MAX (2 * PASS_OUT_MAX)
#define ACCEPT_REST_MS 250     /* out of descriptors: listeners rest this long */

/* ---- output ---- */

/* Whether m, with q bytes pending, is too slow: past QUEUE_HARD, or past
 * QUEUE_MAX with its socket taking nothing for STALL_MS.  A member that
 * reads but lags behind a burst gets the slack; one that stopped does not. */
static int
too_slow(const struct member *m, size_t q, long now)
{
	return q > QUEUE_HARD || (q > QUEUE_MAX && now - m->moved_at >= STALL_MS);
}

/* A member that cannot keep up is dropped, and its leaving announced by
 * announce_drops() once msg is queued for all: a notice sent from here
 * would reach other members that are too slow, and recurse through each
 * of them. */
void
room_send(struct room *r, struct member *m, struct msg *msg)
{
	size_t q;

	if (!msg || m->dead || m->closing)
		return;
	q = m->out.bytes + msg->len;
	if (m->out.bytes == 0)
		m->moved_at = r->now; /* nothing pending: not stalled */
	if (too_slow(m, q, r->now) || msgq_push(&m->out, msg) < 0) {
		m->dead = m->dropped = 1;
		r->drops++;
	}
}

void
room_give(struct room *r, struct member *m, struct msg *msg)
{
	room_send(r, m, msg);
	msg_unref(msg);
}

static void
say_left(struct room *r, struct member *m, const char *why);
static void
last_words(struct room *r, struct member *m);

/* Announces the members room_send() dropped, after what they had sent;
 * those its notices drop in turn are announced by the same loop, never by
 * a nested one. */
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

	if (r->o->out < 0 || !msg)
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

/* To every member in the room but except, each in its dialect (plain or
 * irc; NULL: nothing for that one), and plain to the host's stdout if host
 * is set. Takes over both references. */
static void
broadcast(struct room *r, struct member *except, struct msg *plain,
    struct msg *irc, int host)
{
	struct member *m;

	for (m = r->head; m; m = m->next)
		if (m != except && m->joined)
			room_send(r, m, m->dialect == DIALECT_IRC ? irc : plain);
	if (host)
		host_print(r, plain);
	msg_unref(plain);
	msg_unref(irc);
	announce_drops(r);
}

struct msg *
room_notice(const char *fmt, ...)
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

/* An IRC member gets a plain notice as a NOTICE from the server. */
void
room_tell(struct room *r, struct member *m, struct msg *msg)
{
	if (!msg)
		return;
	if (m && m->dialect == DIALECT_IRC) {
		room_give(r, m, ircd_notice(r, m, msg->data + 2, msg->len - 3));
	} else if (m) {
		room_send(r, m, msg);
	} else {
		host_print(r, msg);
	}
	msg_unref(msg);
	announce_drops(r);
}

/* The plain dialect's words for an event. Returns a message, or NULL. */
static struct msg *
plain_event(struct room *r, const struct event *e)
{
	const char *name = e->who ? e->who->name : r->host;

	switch (e->kind) {
	case EV_JOIN:
		return room_notice("%s joined", name);
	case EV_LEAVE:
		return room_notice("%s left%s", name, e->why);
	case EV_PART:
		return room_notice("%s left", name);
	case EV_NICK:
		return room_notice("%s is now %s", e->old, name);
	case EV_KICK:
		return room_notice("%s was kicked", name);
	case EV_CLOSE:
		return room_notice("room closed");
	}
	return NULL;
}

void
room_emit(struct room *r, struct member *except, const struct event *e,
    int host)
{
	broadcast(r, except, plain_event(r, e),
	    r->nirc > 0 ? ircd_event(r, e) : NULL, host);
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
void
room_flush(struct room *r)
{
	struct msg *plain = NULL, *irc = NULL;

	if (r->batch_len == 0 && r->ibatch_len == 0)
		return;
	if (r->batch_len > 0)
		plain = msg_cat(r->batch, r->batch_len, NULL, 0, NULL, 0);
	if (r->ibatch_len > 0)
		irc = msg_cat(r->ibatch, r->ibatch_len, NULL, 0, NULL, 0);
	/* first: dropping a slow member broadcasts too */
	r->batch_len = r->ibatch_len = r->iheadlen = 0;
	broadcast(r, r->batch_from, plain, irc, r->batch_from != NULL);
}

/* "<name> text" or, as an action, "* name text", made safe for any
 * terminal, into p (PREFIX_MAX + ESC_MAX bytes). Returns its length. */
static size_t
plain_line(const char *pre, const char *name, const char *post,
    const char *text, size_t len, char *p)
{
	size_t n = (size_t)snprintf(p, PREFIX_MAX, "%s%s%s", pre, name, post);

	n += escape(text, len, p + n);
	p[n++] = '\n';
	return n;
}

void
room_relay(struct room *r, struct member *from, const char *text, size_t len,
    enum talk kind)
{
	const char *name = from ? from->name : r->host;
	int action = kind == TALK_ACTION;
	size_t n;

	if (r->batch_len > 0 && r->batch_from != from)
		room_flush(r);
	r->batch_from = from;
	n = plain_line(action ? "* " : "<", name, action ? " " : "> ", text,
	    len, r->batch + r->batch_len);
	r->batch_len += n;
	r->relayed += n;
	if (r->nirc > 0) {
		/* one head for a batch's lines: they have one sender */
		if (r->iheadlen == 0 || r->ihead_kind != kind) {
			r->iheadlen = ircd_head(r, from, NULL, kind, r->ihead);
			r->ihead_kind = kind;
		}
		r->ibatch_len += ircd_text(r->ihead, r->iheadlen, text, len,
		    kind, r->ibatch + r->ibatch_len);
	}
	/* what is held leaves room for one more line of each dialect */
	if (r->batch_len >= BATCH_MAX || r->ibatch_len >= BATCH_MAX)
		room_flush(r);
}

void
room_private(struct room *r, struct member *from, struct member *to,
    const char *text, size_t len, enum talk kind)
{
	const char *name = from ? from->name : r->host;
	int action = kind == TALK_ACTION;
	char head[IRC_HEAD_MAX];
	struct msg *msg;

	if (to && to->dialect == DIALECT_IRC) {
		if (!(msg = msg_alloc(IRC_TEXT_MAX)))
			return;
		msg->len = ircd_text(head, ircd_head(r, from, to->name, kind,
		    head), text, len, kind, msg->data);
		room_give(r, to, msg);
		announce_drops(r);
		return;
	}
	if (!(msg = msg_alloc(PREFIX_MAX + ESC_MAX)))
		return;
	msg->len = plain_line(action ? "* " : "*", name, action ? " " : "* ",
	    text, len, msg->data);
	room_tell(r, to, msg);
}

/* ---- names ---- */

int
room_present(const struct member *m)
{
	return m->entered && !m->dead && !m->closing;
}

struct member *
room_find(struct room *r, const char *name, size_t len)
{
	struct member *m;

	for (m = r->head; m; m = m->next)
		if (room_present(m) &&
		    irc_eq(m->name, strlen(m->name), name, len))
			return m;
	return NULL;
}

int
room_name_taken(struct room *r, const char *name, size_t len)
{
	struct member *m;

	if (irc_eq(r->host, strlen(r->host), name, len))
		return 1;
	for (m = r->head; m; m = m->next)
		if (!m->dead && !m->closing &&
		    irc_eq(m->name, strlen(m->name), name, len))
			return 1;
	return 0;
}

/* "host, user1, alice": everyone in the room, host first, in arrival order. */
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
		if (room_present(m) && m->joined)
			len += (size_t)snprintf(s + len, cap - len, ", %s",
			    m->name);
	return s;
}

/* ---- members ---- */

/* Tells everyone that m, already marked as leaving, has left. */
static void
say_left(struct room *r, struct member *m, const char *why)
{
	struct event e = { EV_LEAVE, m, why, NULL };

	/* what it said in this read goes before its leaving (a flooder
	 * dropped by its own "slow down" notice) */
	room_flush(r);
	if (!m->entered)
		return;
	log_info("%s disconnected%s", m->name, why);
	if (m->joined)
		room_emit(r, m, &e, 1);
}

/* It is marked first: the notice must not come back to it. */
void
room_leave(struct room *r, struct member *m, const char *why, int linger)
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

void
room_enter(struct room *r, struct member *m)
{
	struct event e = { EV_JOIN, m, NULL, NULL };
	char *who;

	room_flush(r); /* what was said before it came is not for it */
	m->entered = m->joined = 1;
	if (m->dialect == DIALECT_IRC)
		r->nirc++;
	log_info("%s connected from %s", m->name, m->addr);
	room_emit(r, m, &e, 1);
	if (m->dialect == DIALECT_IRC) {
		ircd_welcome(r, m);
		return;
	}
	who = who_list(r);
	room_tell(r, m, room_notice("welcome %s; here: %s", m->name,
	    who ? who : ""));
	free(who);
}

void
room_login_name(struct room *r, const struct member *m, char *name)
{
	char num[16] = "";
	int i = 1, stem;

	do {
		if (i > 1)
			snprintf(num, sizeof num, "%d", i);
		/* the number always shows: a long login gives way to it */
		stem = NAME_MAX_LEN - (int)strlen(num);
		snprintf(name, NAME_MAX_LEN + 1, "%.*s%s", stem, m->login, num);
		i++;
	} while (room_name_taken(r, name, strlen(name)));
}

/* A newcomer that sent no IRC registration: a plain member, welcomed. */
static void
plain_enter(struct room *r, struct member *m)
{
	char name[NAME_MAX_LEN + 1];

	m->dialect = DIALECT_PLAIN;
	if (m->login[0])
		room_login_name(r, m, name);
	/* numbers are never reused; one taken by a /nick is skipped */
	else do {
		snprintf(name, sizeof name, "user%d", ++r->next_num);
	} while (room_name_taken(r, name, strlen(name)));
	memcpy(m->name, name, sizeof name);
	room_enter(r, m);
}

/* A newcomer: its first line, or DETECT_MS without one, says its dialect. */
static void
member_new(struct room *r, int fd, const char *addr,
    const struct sockaddr *sa, const char *login)
{
	struct member *m = malloc(sizeof *m);
	/* not calloc: 500 idle members would touch 4 MB of line bytes */
	struct linebuf *in = malloc(sizeof *in);
	char host[ADDR_HOSTLEN];
	int sndbuf = SNDBUF;

	if (!m || !in) {
		log_err("refused %s: out of memory", addr);
		free(m);
		free(in);
		close(fd);
		return;
	}
	*m = (struct member){ .fd = fd, .in = in, .heard_at = r->now,
	    .tokens_at = r->now, .moved_at = r->now,
	    .tokens = r->o->max_rate, .decide_at = r->now + DETECT_MS };
	line_init(m->in);
	msgq_init(&m->out);
	snprintf(m->addr, sizeof m->addr, "%s", addr);
	snprintf(m->login, sizeof m->login, "%s", login);
	addr_host(sa, host);
	/* "::1" would read as a trailing parameter in IRC replies */
	snprintf(m->host, sizeof m->host, "%s%s", host[0] == ':' ? "0" : "",
	    host);
	/* the kernel's share of a slow member's backlog stays small too */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (r->tail)
		r->tail->next = m;
	else
		r->head = m;
	r->tail = m;
	r->count++;
	if (!r->o->irc)
		plain_enter(r, m);
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
		if (m->entered && m->dialect == DIALECT_IRC)
			r->nirc--;
		close(m->fd);
		msgq_free(&m->out);
		free(m->in);
		free(m);
		r->count--;
	}
}

/* Token bucket: max_rate lines a second, bursts of max_rate. */
int
room_rate_ok(struct room *r, struct member *m)
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
		room_tell(r, m, room_notice("error: slow down"));
	m->warned = 1;
	return 0;
}

void
room_rename(struct room *r, struct member *m, const char *name, size_t len)
{
	char *cur = m ? m->name : r->host;
	char old[NAME_MAX_LEN + 1];
	struct event e = { EV_NICK, m, NULL, old };

	snprintf(old, sizeof old, "%s", cur);
	memcpy(cur, name, len);
	cur[len] = '\0';
	if (m && !m->entered)
		return; /* registering: nobody knows it yet */
	log_info("%s is now %s", old, cur);
	room_emit(r, NULL, &e, 1);
	if (m && !m->joined) {
		/* out of the room, it still hears of its own new name */
		room_give(r, m, m->dialect == DIALECT_IRC ? ircd_event(r, &e) :
		    plain_event(r, &e));
	}
}

/* ---- commands, from a member (m) or the host (m NULL) ---- */

static void
cmd_nick(struct room *r, struct member *m, const char *arg, size_t len)
{
	const char *cur = m ? m->name : r->host;

	if (r->o->logins) {
		room_tell(r, m, room_notice("error: names are login names in "
		    "this room"));
		return;
	}
	if (len == 0) {
		room_tell(r, m, room_notice("error: usage: /nick NAME"));
		return;
	}
	if (!line_name_valid(arg, len)) {
		room_tell(r, m, room_notice("error: a nick is " NAME_RULE));
		return;
	}
	if (strlen(cur) == len && memcmp(cur, arg, len) == 0) {
		room_tell(r, m, room_notice("error: you are %s already", cur));
		return;
	}
	/* a change of case only is one's own name, not a collision */
	if (!irc_eq(cur, strlen(cur), arg, len) &&
	    room_name_taken(r, arg, len)) {
		room_tell(r, m, room_notice("error: nick %.*s is taken",
		    (int)len, arg));
		return;
	}
	room_rename(r, m, arg, len);
}

static void
cmd_kick(struct room *r, const char *arg, size_t len)
{
	struct member *m = room_find(r, arg, len);
	struct event e = { EV_KICK, m, NULL, NULL };

	if (!m) {
		room_tell(r, NULL, room_notice("error: no member %.*s",
		    (int)len, arg));
		return;
	}
	log_info("%s was kicked", m->name);
	room_emit(r, NULL, &e, 1);
	if (m->dialect == DIALECT_IRC)
		ircd_close(r, m, "kicked by host");
	m->closing = 1;
	m->close_at = now_ms() + CLOSE_MS;
	shutdown(m->fd, SHUT_RD);
}

/* /msg NAME text, from a plain member (m) or the host (m NULL). */
static void
cmd_msg(struct room *r, struct member *m, const struct cmd *c)
{
	struct member *to = room_find(r, c->arg, c->arglen);

	if (c->arglen == 0 || c->textlen == 0) {
		room_tell(r, m, room_notice("error: usage: /msg NAME text"));
		return;
	}
	if (!to && !irc_eq(r->host, strlen(r->host), c->arg, c->arglen)) {
		room_tell(r, m, room_notice("error: no such name: %.*s",
		    (int)escape(c->arg, c->arglen, r->esc), r->esc));
		return;
	}
	room_private(r, m, to, c->text, c->textlen, TALK_TEXT);
}

static void
cmd_help(struct room *r, struct member *m)
{
	room_tell(r, m, room_notice("commands: /nick NAME, /who, /me ACTION, "
	    "/msg NAME TEXT, /quit, /help%s; //text sends /text",
	    m ? "" : ", /kick NAME"));
}

/* A line of the room's own dialect, from a plain member or the host. */
static void
plain_line_in(struct room *r, struct member *m, const char *line, size_t len,
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
		room_flush(r);
	if (m && c.kind != CMD_EMPTY && !room_rate_ok(r, m))
		return;
	switch (c.kind) {
	case CMD_EMPTY:
		break;
	case CMD_TEXT:
		room_relay(r, m, c.arg, c.arglen, TALK_TEXT);
		break;
	case CMD_ME:
		if (c.arglen == 0)
			room_tell(r, m, room_notice("error: usage: /me ACTION"));
		else
			room_relay(r, m, c.arg, c.arglen, TALK_ACTION);
		break;
	case CMD_MSG:
		cmd_msg(r, m, &c);
		break;
	case CMD_NICK:
		cmd_nick(r, m, c.arg, c.arglen);
		break;
	case CMD_WHO:
		who = who_list(r);
		room_tell(r, m, room_notice("here: %s", who ? who : ""));
		free(who);
		break;
	case CMD_HELP:
		cmd_help(r, m);
		break;
	case CMD_QUIT:
		if (m)
			room_leave(r, m, "", 1);
		else
			r->closed = 1;
		break;
	case CMD_KICK:
		cmd_kick(r, c.arg, c.arglen);
		break;
	case CMD_UNKNOWN:
		room_tell(r, m, room_notice("error: unknown command %.*s "
		    "(try /help)", (int)escape(c.arg, c.arglen, r->esc), r->esc));
		break;
	}
}

/* One line from a member (m) or the host (m NULL); a newcomer's first
 * says its dialect. */
static void
room_line(struct room *r, struct member *m, const char *line, size_t len,
    int piece)
{
	if (m)
		m->heard_at = r->now;
	if (m && m->dialect == DIALECT_PENDING) {
		if (ircd_first(line, len))
			ircd_start(r, m);
		else
			plain_enter(r, m);
	}
	if (m && m->dialect == DIALECT_IRC)
		ircd_line(r, m, line, len, piece);
	else
		plain_line_in(r, m, line, len, piece);
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

	if (m->dialect == DIALECT_IRC) {
		ircd_line(r, m, line, len, piece); /* a dead one's talk only */
		return;
	}
	line_cmd(line, len, 0, &c);
	if (piece && len > 0)
		room_relay(r, m, line, len, TALK_TEXT);
	else if (c.kind == CMD_TEXT)
		room_relay(r, m, c.arg, c.arglen, TALK_TEXT);
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
		room_flush(r);
		return;
	}
	/* gone, by a FIN or a reset: its last line without a newline counts */
	if (line_rest(m->in, &line, &len))
		room_line(r, m, line, len, m->in->piece);
	room_flush(r);
	/* at end of input it may still read what is queued for it */
	room_leave(r, m, "", n == 0);
}

/* What the host typed; its end of input closes the room. */
static void
host_read(struct room *r)
{
	const char *line;
	size_t len;
	ssize_t n = read_lines(r, r->o->in, &r->hostin, NULL, 0);

	if (n > 0 || loop_would_block(n) || r->closed) {
		room_flush(r);
		return;
	}
	if (n < 0)
		log_err("read from stdin: %s", strerror(errno));
	if (line_rest(&r->hostin, &line, &len))
		room_line(r, NULL, line, len, r->hostin.piece);
	room_flush(r);
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
		room_leave(r, m, "", 0);
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
	char addr[ADDR_STRLEN], login[NAME_MAX_LEN + 1];
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
		login[0] = '\0';
		if (sa.ss_family == AF_UNIX)
			usock_peer(fd, addr);
		else
			addr_format((struct sockaddr *)&sa, addr);
		if (!acl_check(r->o->acl, (struct sockaddr *)&sa))
			refuse(fd, addr, "not allowed", NULL);
		else if (r->o->logins && usock_login(fd, login, sizeof login) < 0)
			/* a name must say who it is: no guessing */
			refuse(fd, addr, "the system does not say who it is",
			    "* error: this room names members by login, and the "
			    "system does not say who you are\n");
		else if (r->count >= r->o->max_clients)
			refuse(fd, addr, "room full", "* room full\n");
		else
			member_new(r, fd, addr, (struct sockaddr *)&sa, login);
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
		t = m->closing ? m->close_at :
		    m->dialect == DIALECT_PENDING ? m->decide_at :
		    !m->entered ? m->reg_until : idle_runs(r) ?
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

/* m said nothing for -i's time: it is told, then closed. */
static void
idle_out(struct room *r, struct member *m)
{
	char why[64];

	snprintf(why, sizeof why, "idle for %g s", r->o->idle_ms / 1000.0);
	/* told first: a closing member is sent nothing more */
	room_tell(r, m, room_notice("closing: %s", why));
	if (m->dialect == DIALECT_IRC)
		ircd_close(r, m, why);
	room_leave(r, m, " (idle)", 1);
}

/* Kicked members whose last lines are out, or whose time is up; newcomers
 * whose wait is over; and -i. */
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
			room_leave(r, m, " (too slow)", 0);
		else if (m->dialect == DIALECT_PENDING && now >= m->decide_at)
			plain_enter(r, m);
		else if (m->dialect == DIALECT_IRC && !m->entered)
			ircd_timers(r, m);
		else if (!m->closing && m->entered && idle_runs(r) &&
		    now >= m->heard_at + r->o->idle_ms)
			idle_out(r, m);
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
	struct event e = { EV_CLOSE, NULL, NULL, NULL };
	struct msg *plain = plain_event(r, &e), *irc = ircd_error("room closed");
	struct member *m;

	/* everyone connected, in the room or not, pending ones aside */
	for (m = r->head; m; m = m->next)
		room_send(r, m, m->dialect == DIALECT_IRC ? irc :
		    m->entered ? plain : NULL);
	msg_unref(plain);
	msg_unref(irc);
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
