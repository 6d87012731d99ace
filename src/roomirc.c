/* The room's IRC dialect: registration, the queries clients make, talk. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "log.h"
#include "msgq.h"
#include "roomint.h"

#define SERVER "chat-listen" /* our name in replies, and the network's */
#define REG_MS 60000         /* an IRC client must register within this (or -i) */
#define REG_BYTES 4096       /* and may send no more than this before */

/* ---- replies ---- */

/* The name replies address m by: "*" before it has one. */
static const char *
me(const struct member *m)
{
	return m->name[0] ? m->name : "*";
}

/* "nick!user@host" of m (NULL: the host) into buf (IRC_SOURCE_MAX). */
static const char *
source(const struct member *m, const char *nick, char *buf)
{
	if (!m)
		snprintf(buf, IRC_SOURCE_MAX, "%s!%s@%s", nick, nick, SERVER);
	else
		snprintf(buf, IRC_SOURCE_MAX, "%s!%s@%s", nick,
		    m->dialect == DIALECT_IRC && m->user[0] ? m->user :
		    m->login[0] ? m->login : nick, m->host);
	return buf;
}

/* One message from a format, CRLF added, cut to IRC_LINE_MAX; CR, LF
 * and NUL that an echoed word brought become '?'. Returns it, or NULL. */
static struct msg *
vline(const char *fmt, va_list ap)
{
	struct msg *msg;
	int n;
	size_t i;

	if (!(msg = msg_alloc(IRC_LINE_MAX + 1)))
		return NULL;
	n = vsnprintf(msg->data, IRC_LINE_MAX - 1, fmt, ap);
	if (n < 0)
		n = 0;
	if (n > IRC_LINE_MAX - 2)
		n = IRC_LINE_MAX - 2;
	for (i = 0; i < (size_t)n; i++)
		if (msg->data[i] == '\r' || msg->data[i] == '\n' ||
		    msg->data[i] == '\0')
			msg->data[i] = '?';
	memcpy(msg->data + n, "\r\n", 2);
	msg->len = (size_t)n + 2;
	return msg;
}

static struct msg *
line(const char *fmt, ...)
{
	struct msg *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = vline(fmt, ap);
	va_end(ap);
	return msg;
}

/* Sends m a line from a format. */
static void
send_line(struct room *r, struct member *m, const char *fmt, ...)
{
	struct msg *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = vline(fmt, ap);
	va_end(ap);
	room_give(r, m, msg);
}

/* A numeric reply to m: ":SERVER NNN nick " and the rest from a format. */
static void
numeric(struct room *r, struct member *m, const char *code,
    const char *fmt, ...)
{
	char head[IRC_LINE_MAX];
	struct msg *msg;
	va_list ap;

	snprintf(head, sizeof head, ":" SERVER " %s %s %s", code, me(m), fmt);
	va_start(ap, fmt);
	msg = vline(head, ap);
	va_end(ap);
	room_give(r, m, msg);
}

/* ---- what the room says, in IRC ---- */

struct msg *
ircd_error(const char *why)
{
	return line("ERROR :Closing link: %s", why);
}

void
ircd_close(struct room *r, struct member *m, const char *why)
{
	room_give(r, m, ircd_error(why));
}

struct msg *
ircd_notice(struct room *r, const struct member *m, const char *text,
    size_t len)
{
	char head[IRC_HEAD_MAX];
	size_t hlen;
	struct msg *msg;

	(void)r;
	hlen = (size_t)snprintf(head, sizeof head, ":" SERVER " NOTICE %s :",
	    me(m));
	if (!(msg = msg_alloc(irc_split_max(hlen, len, 0))))
		return NULL;
	msg->len = irc_split(msg->data, irc_split_max(hlen, len, 0), head,
	    hlen, text, len, 0);
	return msg;
}

size_t
ircd_head(struct room *r, const struct member *from, const char *target,
    enum talk kind, char *head)
{
	char src[IRC_SOURCE_MAX];
	const char *nick = from ? from->name : r->host;

	return (size_t)snprintf(head, IRC_HEAD_MAX, ":%s %s %s :",
	    source(from, nick, src), kind == TALK_NOTICE ? "NOTICE" :
	    "PRIVMSG", target ? target : r->o->channel);
}

size_t
ircd_text(const char *head, size_t hlen, const char *text, size_t len,
    enum talk kind, char *out)
{
	return irc_split(out, IRC_TEXT_MAX, head, hlen, text, len,
	    kind == TALK_ACTION);
}

struct msg *
ircd_event(struct room *r, const struct event *e)
{
	char src[IRC_SOURCE_MAX], why[32];
	const char *nick = e->who ? e->who->name : r->host;
	size_t n;

	switch (e->kind) {
	case EV_JOIN:
		return line(":%s JOIN %s", source(e->who, nick, src),
		    r->o->channel);
	case EV_LEAVE:
		/* " (too slow)" is the reason "too slow"; "" is "left" */
		n = strlen(e->why);
		if (n > 3)
			snprintf(why, sizeof why, "%.*s", (int)(n - 3),
			    e->why + 2);
		else
			snprintf(why, sizeof why, "left");
		return line(":%s QUIT :%s", source(e->who, nick, src), why);
	case EV_PART:
		return line(":%s PART %s", source(e->who, nick, src),
		    r->o->channel);
	case EV_NICK:
		return line(":%s NICK :%s", source(e->who, e->old, src),
		    nick);
	case EV_KICK:
		return line(":%s KICK %s %s :kicked by host",
		    source(NULL, r->host, src), r->o->channel, nick);
	case EV_CLOSE:
		return ircd_error("room closed");
	}
	return NULL;
}

/* ---- the room as a channel ---- */

/* 353 lines naming everyone in the room, host first (as its operator),
 * each within IRC_LINE_MAX, then 366. */
static void
names(struct room *r, struct member *m)
{
	char head[IRC_HEAD_MAX], buf[IRC_LINE_MAX];
	struct member *p;
	size_t hlen, len;
	const char *nick;

	hlen = (size_t)snprintf(head, sizeof head, ":" SERVER " 353 %s = %s :",
	    me(m), r->o->channel);
	len = (size_t)snprintf(buf, sizeof buf, "%s@%s", head, r->host);
	for (p = r->head; p; p = p->next) {
		if (!room_present(p) || !p->joined)
			continue;
		nick = p->name;
		if (len + 1 + strlen(nick) + 2 > IRC_LINE_MAX) {
			send_line(r, m, "%s", buf);
			len = (size_t)snprintf(buf, sizeof buf, "%s%s", head,
			    nick);
			continue;
		}
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    len > hlen ? " " : "", nick);
	}
	send_line(r, m, "%s", buf);
	numeric(r, m, "366", "%s :End of NAMES list", r->o->channel);
}

/* m is in the room's channel: JOIN, topic, names. */
static void
joined(struct room *r, struct member *m)
{
	char src[IRC_SOURCE_MAX];

	send_line(r, m, ":%s JOIN %s", source(m, m->name, src),
	    r->o->channel);
	numeric(r, m, "331", "%s :No topic is set", r->o->channel);
	names(r, m);
}

void
ircd_welcome(struct room *r, struct member *m)
{
	char src[IRC_SOURCE_MAX];

	numeric(r, m, "001", ":Welcome to the " SERVER " chat room, %s",
	    source(m, m->name, src));
	numeric(r, m, "002", ":Your host is " SERVER ", running version "
	    SERVER "-" VERSION);
	numeric(r, m, "003", ":This server hosts one room, %s",
	    r->o->channel);
	numeric(r, m, "004", SERVER " " SERVER "-" VERSION " i nt");
	numeric(r, m, "005", "CASEMAPPING=ascii CHANTYPES=# PREFIX=(o)@ "
	    "NICKLEN=%d CHANNELLEN=%d CHANLIMIT=#:1 CHANMODES=b,,,nt "
	    "NETWORK=" SERVER " :are supported by this server", NAME_MAX_LEN,
	    IRC_CHANNEL_MAX);
	numeric(r, m, "422", ":MOTD File is missing");
	joined(r, m);
}

/* ---- registration ---- */

int
ircd_first(const char *text, size_t len)
{
	static const char *const words[] = { "CAP", "PASS", "NICK", "USER" };
	struct irc_msg im;
	size_t i;

	/* as clients send them: upper case, with a parameter, no prefix; a
	 * plain member typing "nick bob" stays plain */
	if (irc_parse(text, len, &im) < 0 || im.prefix || im.nparams < 1)
		return 0;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (im.cmdlen == strlen(words[i]) &&
		    memcmp(im.cmd, words[i], im.cmdlen) == 0)
			return 1;
	return 0;
}

void
ircd_start(struct room *r, struct member *m)
{
	long ms = REG_MS;

	/* -i, if shorter: a client that never registers is idle too */
	if (r->o->idle_ms >= 0 && r->o->idle_ms < ms)
		ms = r->o->idle_ms;
	m->dialect = DIALECT_IRC;
	m->reg_until = r->now + ms;
}

void
ircd_timers(struct room *r, struct member *m)
{
	if (m->closing || r->now < m->reg_until)
		return;
	ircd_close(r, m, "registration timed out");
	room_leave(r, m, "", 1);
}

/* Registered once it has a nick and a user, and CAP is over if begun. */
static void
try_register(struct room *r, struct member *m)
{
	if (!m->entered && m->name[0] && m->user[0] && !m->capping)
		room_enter(r, m);
}

/* Copies param p of im into buf (size bytes), keeping only what keep
 * allows (e.g. a user name's characters). */
static void
copy_param(const struct irc_msg *im, int p, char *buf, size_t size,
    int (*keep)(int))
{
	size_t i, o = 0;

	for (i = 0; i < im->paramlen[p] && o + 1 < size; i++)
		if (keep((unsigned char)im->param[p][i]))
			buf[o++] = im->param[p][i];
	buf[o] = '\0';
}

static int
user_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static int
text_char(int c)
{
	return c >= ' ' && c != 0x7f;
}

/* ---- commands ---- */

/* Whether word (len bytes) names the room's channel. */
static int
is_room(const struct room *r, const char *word, size_t len)
{
	return irc_eq(word, len, r->o->channel, strlen(r->o->channel));
}

static void
c_cap(struct room *r, struct member *m, const struct irc_msg *im)
{
	const char *sub = im->param[0];
	size_t n = im->paramlen[0];

	if (irc_eq(sub, n, "LS", 2) || irc_eq(sub, n, "LIST", 4)) {
		m->capping = !m->entered;
		send_line(r, m, ":" SERVER " CAP %s %.*s :", me(m), (int)n,
		    sub);
	} else if (irc_eq(sub, n, "REQ", 3)) {
		m->capping = !m->entered;
		send_line(r, m, ":" SERVER " CAP %s NAK :%.*s", me(m),
		    im->nparams > 1 ? (int)im->paramlen[1] : 0,
		    im->nparams > 1 ? im->param[1] : "");
	} else if (irc_eq(sub, n, "END", 3)) {
		m->capping = 0;
		try_register(r, m);
	} else {
		numeric(r, m, "410", "%.*s :Invalid CAP command", (int)n, sub);
	}
}

static void
c_nick(struct room *r, struct member *m, const struct irc_msg *im)
{
	const char *nick = im->param[0];
	size_t n = im->paramlen[0];

	char login[NAME_MAX_LEN + 1];

	if (n == 0) {
		numeric(r, m, "431", ":No nickname given");
		return;
	}
	if (m->login[0] && m->entered) {
		numeric(r, m, "484", "%.*s :names are login names in this room",
		    (int)n, nick);
		return;
	}
	/* -U: the nick asked for gives way to the login; 001 tells it */
	if (m->login[0]) {
		if (!m->name[0]) {
			room_login_name(r, m, login);
			room_rename(r, m, login, strlen(login));
		}
		try_register(r, m);
		return;
	}
	if (!line_name_valid(nick, n)) {
		numeric(r, m, "432", "%.*s :Erroneous nickname", (int)n, nick);
		return;
	}
	if (strlen(m->name) == n && memcmp(m->name, nick, n) == 0)
		return;
	/* a change of case only is its own name, not a collision */
	if (!irc_eq(m->name, strlen(m->name), nick, n) &&
	    room_name_taken(r, nick, n)) {
		numeric(r, m, "433", "%.*s :Nickname is already in use",
		    (int)n, nick);
		return;
	}
	room_rename(r, m, nick, n);
	try_register(r, m);
}

static void
c_user(struct room *r, struct member *m, const struct irc_msg *im)
{
	if (m->entered) {
		numeric(r, m, "462", ":You may not reregister");
		return;
	}
	copy_param(im, 0, m->user, sizeof m->user, user_char);
	/* -U: nick!user@host says who it is, the user part too */
	if (m->login[0])
		snprintf(m->user, sizeof m->user, "%.*s", IRC_USER_MAX, m->login);
	if (!m->user[0])
		snprintf(m->user, sizeof m->user, "user");
	copy_param(im, 3, m->real, sizeof m->real, text_char);
	try_register(r, m);
}

static void
c_pass(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)im;
	if (m->entered)
		numeric(r, m, "462", ":You may not reregister");
}

static void
c_ping(struct room *r, struct member *m, const struct irc_msg *im)
{
	send_line(r, m, ":" SERVER " PONG " SERVER " :%.*s",
	    (int)im->paramlen[0], im->param[0]);
}

static void
c_pong(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)r;
	(void)m;
	(void)im;
}

static void
c_quit(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)im;
	ircd_close(r, m, "quit");
	room_leave(r, m, "", 1);
}

/* Calls fn for each name of a comma-separated list in param p. */
static void
each(struct room *r, struct member *m, const struct irc_msg *im, int p,
    void (*fn)(struct room *, struct member *, const char *, size_t,
    const struct irc_msg *))
{
	const char *s = im->param[p], *end = s + im->paramlen[p], *c;

	while (s < end) {
		for (c = s; c < end && *c != ','; c++)
			;
		if (c > s)
			fn(r, m, s, (size_t)(c - s), im);
		s = c + 1;
	}
}

static void
join_one(struct room *r, struct member *m, const char *chan, size_t n,
    const struct irc_msg *im)
{
	struct event e = { EV_JOIN, m, NULL, NULL };

	(void)im;
	if (!is_room(r, chan, n)) {
		numeric(r, m, "403", "%.*s :No such channel", (int)n, chan);
		return;
	}
	if (m->joined)
		return;
	room_flush(r);
	m->joined = 1;
	log_info("%s joined %s", m->name, r->o->channel);
	room_emit(r, m, &e, 1);
	joined(r, m);
}

static void
part_one(struct room *r, struct member *m, const char *chan, size_t n,
    const struct irc_msg *im)
{
	struct event e = { EV_PART, m, NULL, NULL };
	char src[IRC_SOURCE_MAX];

	(void)im;
	if (!is_room(r, chan, n)) {
		numeric(r, m, "403", "%.*s :No such channel", (int)n, chan);
		return;
	}
	if (!m->joined) {
		numeric(r, m, "442", "%s :You're not on that channel",
		    r->o->channel);
		return;
	}
	room_flush(r);
	send_line(r, m, ":%s PART %s", source(m, m->name, src),
	    r->o->channel);
	m->joined = 0;
	log_info("%s left %s", m->name, r->o->channel);
	room_emit(r, m, &e, 1);
}

static void
c_join(struct room *r, struct member *m, const struct irc_msg *im)
{
	/* "JOIN 0" leaves every channel */
	if (im->paramlen[0] == 1 && im->param[0][0] == '0') {
		if (m->joined)
			part_one(r, m, r->o->channel,
			    strlen(r->o->channel), im);
		return;
	}
	each(r, m, im, 0, join_one);
}

static void
c_part(struct room *r, struct member *m, const struct irc_msg *im)
{
	each(r, m, im, 0, part_one);
}

/* The text of PRIVMSG or NOTICE: a CTCP ACTION is an action. */
static enum talk
talk_text(const struct irc_msg *im, const char **text, size_t *len)
{
	*text = im->param[1];
	*len = im->paramlen[1];
	if (*len < 8 || memcmp(*text, "\001ACTION ", 8) != 0)
		return irc_is(im, "NOTICE") ? TALK_NOTICE : TALK_TEXT;
	*text += 8;
	*len -= 8;
	if (*len > 0 && (*text)[*len - 1] == '\001')
		(*len)--;
	return TALK_ACTION;
}

static void
talk_one(struct room *r, struct member *m, const char *to, size_t n,
    const struct irc_msg *im)
{
	int notice = irc_is(im, "NOTICE");
	struct member *p;
	const char *text;
	size_t len;
	enum talk kind = talk_text(im, &text, &len);
	if (is_room(r, to, n)) {
		if (m->joined)
			room_relay(r, m, text, len, kind);
		else if (!notice)
			numeric(r, m, "404", "%s :Cannot send to channel",
			    r->o->channel);
		return;
	}
	room_flush(r);
	if ((p = room_find(r, to, n)) != NULL)
		room_private(r, m, p, text, len, kind);
	else if (irc_eq(r->host, strlen(r->host), to, n))
		room_private(r, m, NULL, text, len, kind);
	else if (!notice)
		numeric(r, m, "401", "%.*s :No such nick/channel", (int)n, to);
}

static void
c_talk(struct room *r, struct member *m, const struct irc_msg *im)
{
	int notice = irc_is(im, "NOTICE");

	if (im->nparams < 1 || im->paramlen[0] == 0) {
		if (!notice)
			numeric(r, m, "411", ":No recipient given (%.*s)",
			    (int)im->cmdlen, im->cmd);
		return;
	}
	if (im->nparams < 2 || im->paramlen[1] == 0) {
		if (!notice)
			numeric(r, m, "412", ":No text to send");
		return;
	}
	each(r, m, im, 0, talk_one);
}

static void
c_names(struct room *r, struct member *m, const struct irc_msg *im)
{
	if (im->nparams == 0 || is_room(r, im->param[0], im->paramlen[0]))
		names(r, m);
	else
		numeric(r, m, "366", "%.*s :End of NAMES list",
		    (int)im->paramlen[0], im->param[0]);
}

static void
c_topic(struct room *r, struct member *m, const struct irc_msg *im)
{
	if (!is_room(r, im->param[0], im->paramlen[0]))
		numeric(r, m, "403", "%.*s :No such channel",
		    (int)im->paramlen[0], im->param[0]);
	else if (im->nparams > 1)
		numeric(r, m, "482", "%s :You're not channel operator",
		    r->o->channel);
	else
		numeric(r, m, "331", "%s :No topic is set", r->o->channel);
}

/* Whether modes ("b", "+b", "e"...) only ask for the list of one mode. */
static int
list_query(const struct irc_msg *im, char mode)
{
	const char *s = im->param[1];
	size_t n = im->paramlen[1];

	if (n > 0 && *s == '+') {
		s++;
		n--;
	}
	return im->nparams == 2 && n == 1 && *s == mode;
}

static void
c_mode(struct room *r, struct member *m, const struct irc_msg *im)
{
	const char *t = im->param[0];
	size_t n = im->paramlen[0];

	if (is_room(r, t, n)) {
		if (im->nparams == 1)
			numeric(r, m, "324", "%s +nt", r->o->channel);
		else if (list_query(im, 'b'))
			numeric(r, m, "368", "%s :End of channel ban list",
			    r->o->channel);
		else if (list_query(im, 'e'))
			numeric(r, m, "349", "%s :End of channel exception "
			    "list", r->o->channel);
		else if (list_query(im, 'I'))
			numeric(r, m, "347", "%s :End of channel invite list",
			    r->o->channel);
		else
			numeric(r, m, "482", "%s :You're not channel operator",
			    r->o->channel);
	} else if (irc_eq(t, n, m->name, strlen(m->name))) {
		numeric(r, m, "221", "+");
	} else if (t[0] == '#') {
		numeric(r, m, "403", "%.*s :No such channel", (int)n, t);
	} else if (room_find(r, t, n) || irc_eq(t, n, r->host,
	    strlen(r->host))) {
		numeric(r, m, "502", ":Can't change mode for other users");
	} else {
		numeric(r, m, "401", "%.*s :No such nick/channel", (int)n, t);
	}
}

/* A 352 line for p (NULL: the host). */
static void
who_line(struct room *r, struct member *m, const struct member *p)
{
	const char *nick = p ? p->name : r->host;

	numeric(r, m, "352", "%s %s %s " SERVER " %s %s%s :0 %s",
	    r->o->channel, p && p->dialect == DIALECT_IRC ? p->user : nick,
	    p ? p->host : SERVER, nick, p && p->away ? "G" : "H",
	    p ? "" : "@", p && p->real[0] ? p->real : nick);
}

static void
c_who(struct room *r, struct member *m, const struct irc_msg *im)
{
	const char *t = im->nparams > 0 ? im->param[0] : "*";
	size_t n = im->nparams > 0 ? im->paramlen[0] : 1;
	struct member *p;

	if (im->nparams == 0 || is_room(r, t, n) || (n == 1 && *t == '*')) {
		who_line(r, m, NULL);
		for (p = r->head; p; p = p->next)
			if (room_present(p) && p->joined)
				who_line(r, m, p);
	} else if ((p = room_find(r, t, n)) != NULL) {
		who_line(r, m, p);
	} else if (irc_eq(t, n, r->host, strlen(r->host))) {
		who_line(r, m, NULL);
	}
	numeric(r, m, "315", "%.*s :End of WHO list", (int)n, t);
}

static void
whois_one(struct room *r, struct member *m, const char *nick, size_t n,
    const struct irc_msg *im)
{
	struct member *p = room_find(r, nick, n);
	int host = !p && irc_eq(nick, n, r->host, strlen(r->host));

	(void)im;
	if (!p && !host) {
		numeric(r, m, "401", "%.*s :No such nick/channel", (int)n,
		    nick);
	} else {
		nick = p ? p->name : r->host;
		numeric(r, m, "311", "%s %s %s * :%s", nick,
		    p && p->dialect == DIALECT_IRC ? p->user : nick,
		    p ? p->host : SERVER, p && p->real[0] ? p->real : nick);
		if (host || p->joined)
			numeric(r, m, "319", "%s :%s%s", nick, host ? "@" : "",
			    r->o->channel);
		numeric(r, m, "312", "%s " SERVER " :the room's server", nick);
		if (p && p->away)
			numeric(r, m, "301", "%s :away", nick);
		n = strlen(nick);
	}
	numeric(r, m, "318", "%.*s :End of WHOIS list", (int)n, nick);
}

static void
c_whois(struct room *r, struct member *m, const struct irc_msg *im)
{
	int p = im->nparams - 1;
	size_t i = 0;

	/* "WHOIS server nick": the nick comes last */
	while (i < im->paramlen[p] && im->param[p][i] == ',')
		i++;
	if (i == im->paramlen[p])
		numeric(r, m, "431", ":No nickname given");
	else
		each(r, m, im, p, whois_one);
}

/* How many are here, the host included: all, or those in the channel. */
static int
count(const struct room *r, int in_room)
{
	const struct member *p;
	int n = 1;

	for (p = r->head; p; p = p->next)
		n += room_present(p) && (p->joined || !in_room);
	return n;
}

static void
c_list(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)im;
	numeric(r, m, "321", "Channel :Users  Name");
	numeric(r, m, "322", "%s %d :", r->o->channel, count(r, 1));
	numeric(r, m, "323", ":End of LIST");
}

/* USERHOST and ISON: the names of params that are here, each as fmt
 * words it, on one 302 or 303 line. */
static void
present_list(struct room *r, struct member *m, const struct irc_msg *im,
    const char *code, int userhost)
{
	char buf[IRC_LINE_MAX];
	const struct member *p;
	const char *nick;
	size_t len = 0, n;
	int i;

	buf[0] = '\0';
	for (i = 0; i < im->nparams && i < 5 + 10 * !userhost; i++) {
		p = room_find(r, im->param[i], im->paramlen[i]);
		if (!p && !irc_eq(im->param[i], im->paramlen[i], r->host,
		    strlen(r->host)))
			continue;
		nick = p ? p->name : r->host;
		n = userhost ?
		    (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s=%c%s@%s",
		    len ? " " : "", nick, p ? "" : "*", p && p->away ? '-' : '+',
		    p && p->dialect == DIALECT_IRC ? p->user : nick,
		    p ? p->host : SERVER) :
		    (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    len ? " " : "", nick);
		if (len + n >= sizeof buf - NAME_MAX_LEN - 32)
			break;
		len += n;
	}
	numeric(r, m, code, ":%s", buf);
}

static void
c_userhost(struct room *r, struct member *m, const struct irc_msg *im)
{
	present_list(r, m, im, "302", 1);
}

static void
c_ison(struct room *r, struct member *m, const struct irc_msg *im)
{
	present_list(r, m, im, "303", 0);
}

static void
c_away(struct room *r, struct member *m, const struct irc_msg *im)
{
	m->away = im->nparams > 0 && im->paramlen[0] > 0;
	if (m->away)
		numeric(r, m, "306", ":You have been marked as being away");
	else
		numeric(r, m, "305", ":You are no longer marked as being away");
}

static void
c_lusers(struct room *r, struct member *m, const struct irc_msg *im)
{
	int n = count(r, 0);

	(void)im;
	numeric(r, m, "251", ":There are %d users and 0 invisible on 1 servers",
	    n);
	numeric(r, m, "255", ":I have %d clients and 0 servers", n);
}

static void
c_motd(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)im;
	numeric(r, m, "422", ":MOTD File is missing");
}

static void
c_kick(struct room *r, struct member *m, const struct irc_msg *im)
{
	(void)im;
	numeric(r, m, "482", "%s :You're not channel operator", r->o->channel);
}

static const struct {
	const char *name;
	void (*fn)(struct room *, struct member *, const struct irc_msg *);
	int params;   /* fewer: 461 */
	int before;   /* may come before registration */
} commands[] = {
	{ "CAP", c_cap, 1, 1 }, { "NICK", c_nick, 0, 1 },
	{ "USER", c_user, 4, 1 }, { "PASS", c_pass, 1, 1 },
	{ "PING", c_ping, 1, 1 }, { "PONG", c_pong, 0, 1 },
	{ "QUIT", c_quit, 0, 1 },
	{ "PRIVMSG", c_talk, 0, 0 }, { "NOTICE", c_talk, 0, 0 },
	{ "JOIN", c_join, 1, 0 }, { "PART", c_part, 1, 0 },
	{ "NAMES", c_names, 0, 0 }, { "TOPIC", c_topic, 1, 0 },
	{ "MODE", c_mode, 1, 0 }, { "WHO", c_who, 0, 0 },
	{ "WHOIS", c_whois, 1, 0 }, { "LIST", c_list, 0, 0 },
	{ "USERHOST", c_userhost, 1, 0 }, { "ISON", c_ison, 1, 0 },
	{ "AWAY", c_away, 0, 0 }, { "LUSERS", c_lusers, 0, 0 },
	{ "MOTD", c_motd, 0, 0 }, { "KICK", c_kick, 2, 0 },
};

void
ircd_line(struct room *r, struct member *m, const char *text, size_t len,
    int piece)
{
	struct irc_msg im;
	size_t i;

	/* every byte counts, pieces of a line with no end in sight too */
	if (!m->entered && !m->closing && !m->dead) {
		m->reg_bytes += len + 2;
		if (m->reg_bytes > REG_BYTES) {
			ircd_close(r, m, "too much before registering");
			room_leave(r, m, "", 1);
			return;
		}
	}
	/* the rest of an over-long line: its start was cut and acted on */
	if (piece)
		return;
	if (len > IRC_LINE_MAX - 2) {
		len = IRC_LINE_MAX - 2;
		/* not inside a UTF-8 character */
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	if (irc_parse(text, len, &im) < 0)
		return;
	/* a member dropped as too slow: what it said, nothing else */
	if (m->dead) {
		if (irc_is(&im, "PRIVMSG") && im.nparams >= 2 &&
		    is_room(r, im.param[0], im.paramlen[0]) && m->joined)
			talk_one(r, m, im.param[0], im.paramlen[0], &im);
		return;
	}
	if (m->entered && !irc_is(&im, "PING") && !irc_is(&im, "PONG") &&
	    !room_rate_ok(r, m))
		return;
	/* anything but more talk: what was said first goes out first */
	if (!irc_is(&im, "PRIVMSG") && !irc_is(&im, "NOTICE"))
		room_flush(r);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (!irc_is(&im, commands[i].name))
			continue;
		if (!m->entered && !commands[i].before)
			numeric(r, m, "451", ":You have not registered");
		else if (im.nparams < commands[i].params)
			numeric(r, m, "461", "%s :Not enough parameters",
			    commands[i].name);
		else if (irc_is(&im, "NICK") && im.nparams == 0)
			numeric(r, m, "431", ":No nickname given");
		else
			commands[i].fn(r, m, &im);
		return;
	}
	if (!m->entered)
		numeric(r, m, "451", ":You have not registered");
	else
		numeric(r, m, "421", "%.*s :Unknown command", (int)im.cmdlen,
		    im.cmd);
}
