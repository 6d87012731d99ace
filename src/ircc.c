/* chat-connect --irc: registration, pacing and the room's line format on a
 * real IRC server, in one select() loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "irc.h"
#include "ircc.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "msgq.h"
#include "outfd.h"
#include "sig.h"
#include "timeutil.h"

#define BURST 5              /* lines that go at once before pacing starts */
#define PACED_MAX (64 * 1024) /* lines waiting their turn: past it, stdin waits */
#define SCREEN_MAX (256 * 1024) /* stdout behind this much: the server waits */
#define NICK_TRIES 5         /* nicks tried at registration */
#define NICKLEN_MIN 9        /* what every server takes (RFC 1459) */
#define QUIT_WAIT_MS 5000    /* after QUIT: the server's close, at most */
#define NAMES_MAX 4096       /* the names shown in a welcome or /who */
/* What the server puts in front of our PRIVMSG, ":nick!user@host ", at
 * the most: USERLEN 10 and a 63-byte host name are common limits. */
#define SOURCE_RESERVE (1 + NAME_MAX_LEN + 1 + 10 + 1 + 63 + 1)
#define TEXT_MAX (((LINE_MAX_TEXT / 64) + 1) * IRC_LINE_MAX + LINE_MAX_TEXT)

struct ircc {
	const struct ircc_opts *o;
	char nick[NAME_MAX_LEN + 1];   /* ours, once 001 confirms it */
	char base[NAME_MAX_LEN + 1];   /* the nick asked for */
	int tries;                     /* nicks tried */
	int registered;                /* 001 came */
	int joined;                    /* our JOIN came back */
	int welcomed;                  /* the first names list was shown */
	int in_done;                   /* stdin ended, or /quit */
	int quit_sent;
	int server_gone;               /* the connection ended */
	int rc;                        /* the exit status, once decided; -1 */
	struct linebuf *netin, *stdin_lb;
	struct msgq wire;              /* to the server now */
	struct msgq paced;             /* from stdin, waiting for their turn */
	struct msgq screen;            /* to stdout */
	double tokens;                 /* pacing bucket */
	long tokens_at;
	long heard_at;                 /* the server's last line */
	long ping_at;                  /* our PING went out then; or -1 */
	long quit_at;                  /* -q or the QUIT wait ends then; or -1 */
	long active_at;                /* a line either way, for -i */
	char names[NAMES_MAX];         /* 353s collected until 366 */
	size_t names_len;
	char text[TEXT_MAX];           /* one stdin line as PRIVMSGs */
	char shown[(LINE_MAX_TEXT + 2 * NAME_MAX_LEN + 16) * FILTER_GROWTH +
	    FILTER_SLACK];
};

/* ---- output ---- */

/* One line for the server, CRLF added, on q; logged (-v) now if it goes
 * now, else when pace() lets it go. */
static void
vqueue(struct msgq *q, int now, const char *fmt, va_list ap)
{
	char buf[IRC_LINE_MAX + 1];
	struct msg *m;
	int n;

	n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 3)
		n = (int)sizeof buf - 3;
	if (now)
		log_debug("> %.*s", n, buf);
	if ((m = msg_cat(buf, (size_t)n, "\r\n", 2, NULL, 0)) != NULL) {
		msgq_push(q, m);
		msg_unref(m);
	}
}

/* A line for the server, now (not paced): registration, PONG, QUIT. */
static void
say(struct ircc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(&c->wire, 1, fmt, ap);
	va_end(ap);
}

/* A command from stdin, in turn with its lines (and only once joined). */
static void
say_paced(struct ircc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vqueue(&c->paced, 0, fmt, ap);
	va_end(ap);
}

/* A line on stdout, in the room's format, through the display filter. */
static void
show(struct ircc *c, const char *fmt, ...)
{
	char line[LINE_MAX_TEXT + 2 * NAME_MAX_LEN + 16];
	struct msg *m;
	va_list ap;
	size_t n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len > sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	if (c->o->out_filter) {
		n = filter_apply(c->o->out_filter, line, (size_t)len, c->shown);
		m = msg_cat(c->shown, n, NULL, 0, NULL, 0);
	} else {
		m = msg_cat(line, (size_t)len, NULL, 0, NULL, 0);
	}
	if (m) {
		msgq_push(&c->screen, m);
		msg_unref(m);
	}
}

/* ---- what the server says ---- */

/* The nick of a message's source ("nick!user@host"), or NULL for the
 * server itself. */
static int
source_nick(const struct irc_msg *im, const char **nick, size_t *len)
{
	const char *bang;

	if (!im->prefix)
		return 0;
	bang = memchr(im->prefix, '!', im->prefixlen);
	if (!bang)
		return 0;
	*nick = im->prefix;
	*len = (size_t)(bang - im->prefix);
	return 1;
}

static int
is_me(const struct ircc *c, const char *s, size_t len)
{
	return irc_eq(s, len, c->nick, strlen(c->nick));
}

static int
is_chan(const struct ircc *c, const char *s, size_t len)
{
	return irc_eq(s, len, c->o->channel, strlen(c->o->channel));
}

/* The last parameter, or "". */
static void
last(const struct irc_msg *im, const char **s, int *len)
{
	*s = im->nparams > 0 ? im->param[im->nparams - 1] : "";
	*len = im->nparams > 0 ? (int)im->paramlen[im->nparams - 1] : 0;
}

/* Registration: the next nick to try after base was refused. */
static int
next_nick(struct ircc *c, const struct irc_msg *im)
{
	const char *why;
	int wlen;
	size_t cut;

	last(im, &why, &wlen);
	if (++c->tries >= NICK_TRIES) {
		log_err("nick %s: %.*s (%d nicks tried)", c->nick, wlen, why,
		    c->tries);
		return -1;
	}
	/* a long login name may pass the server's NICKLEN: cut it */
	cut = strlen(c->base);
	if (cut > NICKLEN_MIN - 1)
		cut = NICKLEN_MIN - 1;
	if (c->tries == 1)
		snprintf(c->nick, sizeof c->nick, "%.*s_", (int)cut, c->base);
	else
		snprintf(c->nick, sizeof c->nick, "%.*s%d", (int)cut, c->base,
		    c->tries);
	log_info("nick %s: %.*s; trying %s", c->base, wlen, why, c->nick);
	say(c, "NICK %s", c->nick);
	return 0;
}

/* Names from a 353, without their channel status (@, +, ...). */
static void
add_names(struct ircc *c, const char *s, size_t len)
{
	size_t i = 0, w;

	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		while (i < len && strchr("@+%~&!", s[i]))
			i++;
		for (w = i; w < len && s[w] != ' '; w++)
			;
		if (w > i && c->names_len + (w - i) + 3 < sizeof c->names) {
			if (c->names_len > 0) {
				memcpy(c->names + c->names_len, ", ", 2);
				c->names_len += 2;
			}
			memcpy(c->names + c->names_len, s + i, w - i);
			c->names_len += w - i;
		}
		i = w;
	}
}

/* PRIVMSG and NOTICE: a channel line, an action, a private line. */
static void
on_talk(struct ircc *c, const struct irc_msg *im, const char *nick,
    size_t nlen)
{
	const char *text = im->param[1];
	size_t len = im->paramlen[1];
	int notice = irc_is(im, "NOTICE");

	if (len > 0 && text[0] == '\001') {
		if (notice || len < 8 || memcmp(text, "\001ACTION ", 8) != 0)
			return; /* other CTCP: nothing a person reads */
		text += 8;
		len -= 8;
		if (len > 0 && text[len - 1] == '\001')
			len--;
		show(c, "* %.*s %.*s", (int)nlen, nick, (int)len, text);
	} else if (notice) {
		show(c, "-%.*s- %.*s", (int)nlen, nick, (int)len, text);
	} else if (is_chan(c, im->param[0], im->paramlen[0])) {
		show(c, "<%.*s> %.*s", (int)nlen, nick, (int)len, text);
	} else {
		show(c, "*%.*s* %.*s", (int)nlen, nick, (int)len, text);
	}
}

/* A numeric: errors and what matters to a user, on stderr. */
static void
on_numeric(struct ircc *c, const struct irc_msg *im, int code)
{
	const char *why;
	int wlen;

	last(im, &why, &wlen);
	switch (code) {
	case 1:
		c->registered = 1;
		if (im->nparams > 0 && im->paramlen[0] > 0)
			snprintf(c->nick, sizeof c->nick, "%.*s",
			    (int)im->paramlen[0], im->param[0]);
		log_info("registered as %s; joining %s", c->nick,
		    c->o->channel);
		say(c, "JOIN %s", c->o->channel);
		return;
	case 353:
		if (im->nparams >= 4 && is_chan(c, im->param[2],
		    im->paramlen[2]))
			add_names(c, im->param[3], im->paramlen[3]);
		return;
	case 366:
		if (!c->welcomed)
			show(c, "* welcome %s; here: %.*s", c->nick,
			    (int)c->names_len, c->names);
		else
			show(c, "* here: %.*s", (int)c->names_len, c->names);
		c->welcomed = 1;
		c->names_len = 0;
		return;
	case 432:
	case 433:
	case 436:
	case 437:
		if (!c->registered) {
			if (next_nick(c, im) < 0)
				c->rc = 1;
			return;
		}
		break;
	case 403: case 405: case 471: case 473: case 474: case 475:
	case 476: case 477:
		if (!c->joined) {
			log_err("cannot join %s: %.*s", c->o->channel, wlen,
			    why);
			c->rc = 1;
			return;
		}
		break;
	}
	if (code >= 400 && code < 600 && code != 422) {
		/* "401 bob: No such nick/channel" */
		log_err("%.*s %.*s: %.*s", (int)im->cmdlen, im->cmd,
		    im->nparams > 2 ? (int)im->paramlen[1] : 0,
		    im->nparams > 2 ? im->param[1] : "", wlen, why);
		return;
	}
	/* the MOTD and the rest of the welcome: only with -v */
	log_debug("%.*s %.*s", (int)im->cmdlen, im->cmd, wlen, why);
}

static void
on_line(struct ircc *c, const char *line, size_t len)
{
	struct irc_msg im;
	const char *nick = "", *why;
	size_t nlen = 0;
	int wlen, code;

	log_debug("< %.*s", (int)len, line);
	if (irc_parse(line, len, &im) < 0)
		return;
	if (im.cmdlen == 3 && im.cmd[0] >= '0' && im.cmd[0] <= '9') {
		code = (im.cmd[0] - '0') * 100 + (im.cmd[1] - '0') * 10 +
		    (im.cmd[2] - '0');
		on_numeric(c, &im, code);
		return;
	}
	last(&im, &why, &wlen);
	if (irc_is(&im, "PING")) {
		say(c, "PONG :%.*s", wlen, why);
		return;
	}
	if (irc_is(&im, "ERROR")) {
		/* the close follows; net_read() counts what it leaves unsent */
		log_info("%s: %.*s", c->o->server, wlen, why);
		return;
	}
	if (!source_nick(&im, &nick, &nlen)) {
		if (irc_is(&im, "NOTICE"))
			log_debug("%.*s", wlen, why);
		return;
	}
	if ((irc_is(&im, "PRIVMSG") || irc_is(&im, "NOTICE")) &&
	    im.nparams >= 2) {
		on_talk(c, &im, nick, nlen);
	} else if (irc_is(&im, "JOIN") && im.nparams >= 1 &&
	    is_chan(c, im.param[0], im.paramlen[0])) {
		if (is_me(c, nick, nlen))
			c->joined = 1;
		else
			show(c, "* %.*s joined", (int)nlen, nick);
	} else if ((irc_is(&im, "PART") && im.nparams >= 1 &&
	    is_chan(c, im.param[0], im.paramlen[0])) || irc_is(&im, "QUIT")) {
		if (irc_is(&im, "PART") && im.nparams < 2)
			wlen = 0;
		/* "left (left)" says it twice: the room's plain leaving */
		if (wlen > 0 && !(wlen == 4 && memcmp(why, "left", 4) == 0))
			show(c, "* %.*s left (%.*s)", (int)nlen, nick, wlen,
			    why);
		else
			show(c, "* %.*s left", (int)nlen, nick);
	} else if (irc_is(&im, "NICK") && im.nparams >= 1) {
		if (is_me(c, nick, nlen))
			snprintf(c->nick, sizeof c->nick, "%.*s",
			    (int)im.paramlen[0], im.param[0]);
		show(c, "* %.*s is now %.*s", (int)nlen, nick,
		    (int)im.paramlen[0], im.param[0]);
	} else if (irc_is(&im, "KICK") && im.nparams >= 2 &&
	    is_chan(c, im.param[0], im.paramlen[0])) {
		show(c, "* %.*s was kicked", (int)im.paramlen[1],
		    im.param[1]);
		if (is_me(c, im.param[1], im.paramlen[1])) {
			log_err("kicked from %s by %.*s: %.*s", c->o->channel,
			    (int)nlen, nick, wlen, why);
			c->rc = 1;
		}
	}
}

/* ---- what stdin says ---- */

/* Queues text for target as paced PRIVMSGs, each short enough for the
 * server's prefix in front of it. */
static void
send_text(struct ircc *c, const char *target, size_t tlen, const char *text,
    size_t len, int action)
{
	char head[IRC_CHANNEL_MAX + NAME_MAX_LEN + 16];
	size_t hlen, n, i, start;
	struct msg *m;

	if (tlen > IRC_CHANNEL_MAX)
		return; /* target_ok() said no already */
	hlen = (size_t)snprintf(head, sizeof head, "PRIVMSG %.*s :", (int)tlen,
	    target);
	n = irc_split_in(c->text, sizeof c->text, head, hlen, text, len,
	    action, IRC_LINE_MAX - SOURCE_RESERVE);
	/* one paced message per line the server will see */
	for (start = 0, i = 0; i + 1 < n; i++) {
		if (c->text[i] != '\r' || c->text[i + 1] != '\n')
			continue;
		if ((m = msg_cat(c->text + start, i + 2 - start, NULL, 0, NULL,
		    0)) != NULL) {
			msgq_push(&c->paced, m);
			msg_unref(m);
		}
		start = i + 2;
	}
}

/* A target for /msg: no blank, control byte or leading ':' that could
 * make it more than one parameter. */
static int
target_ok(const char *s, size_t len)
{
	size_t i;

	/* a nick or a channel: IRC_CHANNEL_MAX is the longer */
	if (len == 0 || len > IRC_CHANNEL_MAX || s[0] == ':')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

static void
on_input(struct ircc *c, const char *line, size_t len, int piece)
{
	const char *chan = c->o->channel;
	struct cmd cmd;

	line_cmd(line, len, 0, &cmd);
	if (piece && len > 0) {
		cmd.kind = CMD_TEXT;
		cmd.arg = line;
		cmd.arglen = len;
	}
	switch (cmd.kind) {
	case CMD_EMPTY:
		break;
	case CMD_TEXT:
		send_text(c, chan, strlen(chan), cmd.arg, cmd.arglen, 0);
		break;
	case CMD_ME:
		if (cmd.arglen == 0)
			log_err("usage: /me ACTION");
		else
			send_text(c, chan, strlen(chan), cmd.arg, cmd.arglen, 1);
		break;
	case CMD_MSG:
		if (!target_ok(cmd.arg, cmd.arglen) || cmd.textlen == 0)
			log_err("usage: /msg NAME text");
		else
			send_text(c, cmd.arg, cmd.arglen, cmd.text,
			    cmd.textlen, 0);
		break;
	case CMD_NICK:
		if (!line_name_valid(cmd.arg, cmd.arglen))
			log_err("usage: /nick NAME (" NAME_RULE ")");
		else
			say_paced(c, "NICK %.*s", (int)cmd.arglen, cmd.arg);
		break;
	case CMD_WHO:
		say_paced(c, "NAMES %s", chan);
		break;
	case CMD_QUIT:
		c->in_done = 1;
		break;
	case CMD_HELP:
		log_err("commands: /me ACTION, /msg NAME TEXT, /nick NAME, /who, "
		    "/quit, /help; //text sends /text");
		break;
	case CMD_KICK:
	case CMD_UNKNOWN:
		log_err("unknown command %.*s (try /help); nothing sent",
		    (int)cmd.arglen, cmd.arg);
		break;
	}
}

/* Reads what fd has into lb, and hands each whole line to fn. Returns
 * the read's result. */
static ssize_t
read_into(struct ircc *c, int fd, struct linebuf *lb,
    void (*fn)(struct ircc *, const char *, size_t, int))
{
	const char *line;
	size_t room, len;
	ssize_t n;
	char *p;

	p = line_space(lb, &room);
	LOOP_RETRY(n, read(fd, p, room));
	if (n <= 0)
		return n;
	line_added(lb, (size_t)n);
	while (c->rc < 0 && line_next(lb, &line, &len))
		fn(c, line, len, lb->piece);
	return n;
}

static void
net_line(struct ircc *c, const char *line, size_t len, int piece)
{
	if (!piece) /* the rest of a line past 8 KiB: no server sends one */
		on_line(c, line, len);
}

static void
in_line(struct ircc *c, const char *line, size_t len, int piece)
{
	if (!c->in_done)
		on_input(c, line, len, piece);
}

/* ---- pacing and time ---- */

/* Moves paced lines to the wire as the bucket allows. */
static void
pace(struct ircc *c, long now)
{
	if (!c->joined)
		return;
	if (c->o->pace_ms > 0) {
		c->tokens += (double)(now - c->tokens_at) / c->o->pace_ms;
		if (c->tokens > BURST)
			c->tokens = BURST;
	}
	c->tokens_at = now;
	while (c->paced.count > 0 && (c->o->pace_ms <= 0 || c->tokens >= 1)) {
		const struct msg *m = msgq_peek(&c->paced);

		log_debug("> %.*s", (int)m->len - 2, m->data);
		if (msgq_move(&c->wire, &c->paced) < 0)
			break;
		c->tokens -= 1;
		c->active_at = now;
	}
}

/* The nearest deadline as a select() timeout. */
static struct timeval *
next_timeout(struct ircc *c, long now, struct timeval *tv)
{
	long at = -1, t;

	if (c->joined && c->paced.count > 0 && c->o->pace_ms > 0)
		at = now + (long)((1 - c->tokens) * c->o->pace_ms) + 1;
	t = c->ping_at >= 0 ? c->ping_at + c->o->ping_ms / 2 :
	    c->heard_at + c->o->ping_ms;
	if (at < 0 || t < at)
		at = t;
	if (c->quit_at >= 0 && c->quit_at < at)
		at = c->quit_at;
	if (c->o->idle_ms >= 0 && c->active_at + c->o->idle_ms < at)
		at = c->active_at + c->o->idle_ms;
	return timeout_until(at < now ? now : at, tv);
}

/* Keepalive, -q, -i and the wait after QUIT. Sets c->rc when it is over. */
static void
check_time(struct ircc *c, long now)
{
	if (c->ping_at < 0 && now >= c->heard_at + c->o->ping_ms) {
		say(c, "PING :%s", c->nick[0] ? c->nick : "chat-connect");
		c->ping_at = now;
	} else if (c->ping_at >= 0 && now >= c->ping_at + c->o->ping_ms / 2) {
		log_err("%s: no answer for %g s", c->o->server,
		    (double)(now - c->heard_at) / 1000.0);
		c->rc = 1;
	}
	if (c->o->idle_ms >= 0 && now >= c->active_at + c->o->idle_ms &&
	    !c->in_done) {
		log_info("idle for %g s, quitting", c->o->idle_ms / 1000.0);
		c->in_done = 1;
	}
	if (c->quit_at >= 0 && now >= c->quit_at) {
		if (c->paced.count > 0) {
			log_err("%zu lines from stdin not sent", c->paced.count);
			c->rc = 1;
		} else {
			c->rc = 0;
		}
	}
}

/* Once stdin is done and every line is out: QUIT, then the server's close. */
static void
maybe_quit(struct ircc *c, long now)
{
	if (!c->in_done || c->quit_sent || c->paced.count > 0)
		return;
	say(c, "QUIT :bye");
	c->quit_sent = 1;
	if (c->quit_at < 0 || c->quit_at > now + QUIT_WAIT_MS)
		c->quit_at = now + QUIT_WAIT_MS;
}

/* ---- the loop ---- */

static void
net_read(struct ircc *c, long now)
{
	ssize_t n = read_into(c, c->o->sock, c->netin, net_line);

	if (n > 0) {
		c->heard_at = now;
		c->ping_at = -1;
		c->active_at = now;
		return;
	}
	if (loop_would_block(n) || c->rc >= 0)
		return;
	/* the server is gone: fine after our QUIT, or with nothing lost */
	if (n < 0)
		log_err("%s: %s", c->o->server, strerror(errno));
	c->server_gone = 1;
	if (c->paced.count > 0 || (!c->in_done && c->o->in >= 0 &&
	    !c->registered)) {
		if (c->paced.count > 0)
			log_err("%s closed the connection (%zu lines from "
			    "stdin not sent)", c->o->server, c->paced.count);
		else
			log_err("%s closed the connection", c->o->server);
		c->rc = 1;
		return;
	}
	if (!c->quit_sent)
		log_info("%s closed the connection", c->o->server);
	c->rc = n < 0 ? 1 : 0;
}

static void
in_read(struct ircc *c, long now)
{
	const char *line;
	size_t len;
	ssize_t n = read_into(c, c->o->in, c->stdin_lb, in_line);

	if (n > 0) {
		c->active_at = now;
		return;
	}
	if (loop_would_block(n))
		return;
	if (n < 0)
		log_err("read from stdin: %s", strerror(errno));
	if (!c->in_done && line_rest(c->stdin_lb, &line, &len))
		on_input(c, line, len, c->stdin_lb->piece);
	c->in_done = 1;
	if (c->o->quit_ms >= 0)
		c->quit_at = now + c->o->quit_ms;
}

static int
loop(struct ircc *c)
{
	const struct ircc_opts *o = c->o;
	struct timeval tv;
	fd_set rd, wr;
	int maxfd;
	long now;

	for (;;) {
		now = now_ms();
		pace(c, now);
		maybe_quit(c, now);
		if (sig_caught)
			return 128 + sig_caught;
		if (c->rc >= 0)
			return c->rc;
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		maxfd = -1;
		if (c->screen.bytes < SCREEN_MAX && !c->server_gone)
			loop_watch(o->sock, &rd, &maxfd);
		if (c->wire.count > 0)
			loop_watch(o->sock, &wr, &maxfd);
		if (o->in >= 0 && !c->in_done && c->paced.bytes < PACED_MAX)
			loop_watch(o->in, &rd, &maxfd);
		if (c->screen.count > 0)
			loop_watch(o->out, &wr, &maxfd);
		if (select(maxfd + 1, &rd, &wr, NULL,
		    next_timeout(c, now, &tv)) < 0) {
			if (errno == EINTR)
				continue;
			log_err("select: %s", strerror(errno));
			return 1;
		}
		now = now_ms();
		if (c->screen.count > 0 && FD_ISSET(o->out, &wr) &&
		    msgq_write(&c->screen, o->out) < 0 && errno != EAGAIN) {
			log_err("write to stdout: %s", strerror(errno));
			return 1;
		}
		if (c->wire.count > 0 && FD_ISSET(o->sock, &wr) &&
		    msgq_write(&c->wire, o->sock) < 0 && errno != EAGAIN) {
			log_err("cannot send to %s: %s (%zu lines from stdin "
			    "not sent)", o->server, strerror(errno),
			    c->paced.count);
			return 1;
		}
		if (FD_ISSET(o->sock, &rd))
			net_read(c, now);
		if (o->in >= 0 && FD_ISSET(o->in, &rd))
			in_read(c, now);
		check_time(c, now);
	}
}

static void
flush_watch(void *arg, fd_set *wr, int *maxfd)
{
	struct ircc *c = arg;

	if (c->screen.count > 0)
		loop_watch(c->o->out, wr, maxfd);
	if (c->wire.count > 0 && !c->server_gone)
		loop_watch(c->o->sock, wr, maxfd);
}

static void
flush_write(void *arg, fd_set *wr)
{
	struct ircc *c = arg;

	if (FD_ISSET(c->o->out, wr) && msgq_write(&c->screen, c->o->out) < 0 &&
	    errno != EAGAIN)
		msgq_free(&c->screen);
	if (FD_ISSET(c->o->sock, wr) && msgq_write(&c->wire, c->o->sock) < 0 &&
	    errno != EAGAIN)
		msgq_free(&c->wire);
}

int
ircc_run(const struct ircc_opts *o)
{
	struct ircc *c = calloc(1, sizeof *c);
	struct loop_flush f = { flush_watch, flush_write, NULL };
	int rc, saved;

	if (!c || !(c->netin = malloc(sizeof *c->netin)) ||
	    !(c->stdin_lb = malloc(sizeof *c->stdin_lb))) {
		log_err("out of memory");
		if (c)
			free(c->netin);
		free(c);
		return 1;
	}
	c->o = o;
	c->rc = -1;
	line_init(c->netin);
	line_init(c->stdin_lb);
	msgq_init(&c->wire);
	msgq_init(&c->paced);
	msgq_init(&c->screen);
	c->tokens = BURST;
	c->tokens_at = c->heard_at = c->active_at = now_ms();
	c->ping_at = c->quit_at = -1;
	snprintf(c->base, sizeof c->base, "%s", o->nick);
	snprintf(c->nick, sizeof c->nick, "%s", o->nick);
	if (o->password)
		say(c, "PASS %s", o->password);
	say(c, "NICK %s", c->nick);
	say(c, "USER %s 0 * :%s", c->nick, c->nick);
	saved = outfd_nonblock(o->out);
	rc = loop(c);
	f.arg = c;
	if (rc >= 128 && !c->quit_sent && !c->server_gone)
		say(c, "QUIT :interrupted");
	loop_flush(&f);
	outfd_restore(o->out, saved);
	msgq_free(&c->wire);
	msgq_free(&c->paced);
	msgq_free(&c->screen);
	free(c->netin);
	free(c->stdin_lb);
	free(c);
	return rc;
}
