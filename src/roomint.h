/* The room's insides, shared by its loop (room.c) and its IRC dialect
 * (roomirc.c); nothing else includes this. */
#ifndef ROOMINT_H
#define ROOMINT_H

#include <stddef.h>

#include "addr.h"
#include "filter.h"
#include "irc.h"
#include "line.h"
#include "msgq.h"
#include "room.h"

#define ESC_MAX (LINE_MAX_TEXT * FILTER_GROWTH + FILTER_SLACK)
#define BATCH_MAX (16 * 1024)  /* relayed lines shared as one message, about */
#define PREFIX_MAX (NAME_MAX_LEN + 4) /* "<NAME> " and its NUL */
#define IRC_USER_MAX 16        /* the user part of nick!user@host */
#define IRC_REAL_MAX 64        /* a real name, as WHOIS shows it */
/* "nick!user@host", the longest: a plain member's user part is its name,
 * the host part an address */
#define IRC_SOURCE_MAX (2 * NAME_MAX_LEN + ADDR_HOSTLEN + 4)
/* ":SOURCE PRIVMSG TARGET :" before a line's text, at the most */
#define IRC_HEAD_MAX (IRC_SOURCE_MAX + IRC_CHANNEL_MAX + 16)
/* one relayed line for IRC members, in as many messages as it takes */
#define IRC_TEXT_MAX (((LINE_MAX_TEXT / (IRC_LINE_MAX - IRC_HEAD_MAX - 12)) + \
	1) * IRC_LINE_MAX + LINE_MAX_TEXT)

/* What a line of talk is. */
enum talk {
	TALK_TEXT,   /* "<name> text"; IRC: PRIVMSG */
	TALK_ACTION, /* "/me text": "* name text"; IRC: CTCP ACTION */
	TALK_NOTICE  /* from IRC: "<name> text"; IRC: NOTICE */
};

enum dialect {
	DIALECT_PENDING, /* its first line decides (or the welcome's wait) */
	DIALECT_PLAIN,   /* the room's own lines: "<name> text" */
	DIALECT_IRC      /* an IRC client */
};

struct member {
	int fd;
	enum dialect dialect;
	char name[NAME_MAX_LEN + 1]; /* empty until it has one */
	char addr[ADDR_STRLEN];     /* where it came from, for the log */
	char login[NAME_MAX_LEN + 1]; /* -U: its login, its name's stem */
	char host[ADDR_HOSTLEN + 1]; /* its address as IRC shows it */
	int entered;                /* a member: plain and welcomed, or IRC and registered */
	int joined;                 /* in the room: hears its lines (IRC: not after PART) */
	long decide_at;             /* pending: welcomed as plain then */
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
	/* IRC only */
	char user[IRC_USER_MAX + 1];
	char real[IRC_REAL_MAX + 1];
	int capping;                /* CAP LS or REQ came: registration waits for CAP END */
	int away;
	long reg_until;             /* registering: dropped after this */
	size_t reg_bytes;           /* bytes sent before registering */
	struct member *next;
	struct linebuf *in;         /* apart: its 8 KiB stay untouched until used */
};

/* What happens in the room; each dialect words it its own way, once for
 * all its members. */
enum event_kind {
	EV_JOIN,   /* who entered (IRC: or joined again after a PART) */
	EV_LEAVE,  /* who left the room for good; why: "" or " (too slow)" */
	EV_PART,   /* an IRC member left the channel but stays connected */
	EV_NICK,   /* who is now called who->name; old is the name it had */
	EV_KICK,   /* the host kicked who */
	EV_CLOSE   /* the room closes */
};

struct event {
	enum event_kind kind;
	struct member *who; /* NULL: the host */
	const char *why;    /* EV_LEAVE */
	const char *old;    /* EV_NICK */
};

struct room {
	const struct room_opts *o;
	char host[NAME_MAX_LEN + 1];
	struct linebuf hostin;      /* the host's stdin, as lines */
	struct msgq hostout;        /* to the host's stdout */
	struct member *head, *tail; /* in arrival order */
	int count;                  /* members holding a descriptor */
	int nirc;                   /* IRC members that entered, for formatting */
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
	/* Lines one read brought from one sender, formatted for each dialect
	 * and not yet relayed: they go out as one shared message per
	 * dialect, so a burst costs one queue entry per member, not one per
	 * line. */
	char batch[BATCH_MAX + ESC_MAX + PREFIX_MAX];
	size_t batch_len;
	char ibatch[BATCH_MAX + IRC_TEXT_MAX];
	size_t ibatch_len;
	char ihead[IRC_HEAD_MAX];  /* the head of the batch's IRC lines */
	size_t iheadlen;           /* 0: to be made */
	enum talk ihead_kind;
	struct member *batch_from;  /* NULL: the host */
	unsigned long relayed;      /* bytes relay() has formatted, ever */
	long now;                   /* the clock, read once per pass (ms) */
};

/* ---- room.c, for the dialects ---- */

/* Queues msg for m (dropping m if it cannot keep up). */
void room_send(struct room *r, struct member *m, struct msg *msg);
/* room_send, then lets go of the caller's reference to msg (NULL: none). */
void room_give(struct room *r, struct member *m, struct msg *msg);
/* msg (a reference taken over) for one member, or with m NULL the host. */
void room_tell(struct room *r, struct member *m, struct msg *msg);
/* "* ...\n" from a format, the plain dialect's notice; or NULL. */
struct msg *room_notice(const char *fmt, ...);
/* The event to everyone in the room but except, each in its dialect, and
 * to the host's stdout if host is set. */
void room_emit(struct room *r, struct member *except, const struct event *e,
    int host);
/* A line of talk from m (NULL: the host) to everyone in the room but m. */
void room_relay(struct room *r, struct member *from, const char *text,
    size_t len, enum talk kind);
/* A line from m (NULL: the host) to the one member to (NULL: the host). */
void room_private(struct room *r, struct member *from, struct member *to,
    const char *text, size_t len, enum talk kind);
/* Sends out the relayed lines held. */
void room_flush(struct room *r);
/* Whether m is a member that entered and is not leaving. */
int room_present(const struct member *m);
/* The member called name (ASCII case ignored) that entered, or NULL. */
struct member *room_find(struct room *r, const char *name, size_t len);
/* Whether name is the host's or any member's, entered or registering. */
int room_name_taken(struct room *r, const char *name, size_t len);
/* -U: m's name from its login, into name (NAME_MAX_LEN + 1 bytes):
 * LOGIN, or for a second connection LOGIN2, then LOGIN3... */
void room_login_name(struct room *r, const struct member *m, char *name);
/* m becomes a member: the room hears it joined, it hears who is here. */
void room_enter(struct room *r, struct member *m);
/* m changes its name to name (valid, free); everyone hears it. */
void room_rename(struct room *r, struct member *m, const char *name,
    size_t len);
/* m leaves, announced once (if it had entered); with linger it still
 * gets what is queued for it. */
void room_leave(struct room *r, struct member *m, const char *why,
    int linger);
/* Token bucket: 1 if m may send a line now. */
int room_rate_ok(struct room *r, struct member *m);

/* ---- roomirc.c: the IRC dialect ---- */

/* Whether line is what an IRC client sends first (CAP, PASS, NICK, USER). */
int ircd_first(const char *line, size_t len);
/* m starts as an IRC member. */
void ircd_start(struct room *r, struct member *m);
/* One line from the IRC member m (piece: the rest of an over-long one). */
void ircd_line(struct room *r, struct member *m, const char *line,
    size_t len, int piece);
/* m just entered: its registration replies and the room's channel. */
void ircd_welcome(struct room *r, struct member *m);
/* The event as IRC members see it, or NULL. */
struct msg *ircd_event(struct room *r, const struct event *e);
/* ":nick!user@host PRIVMSG target :" for talk from (NULL: the host) to
 * target (NULL: the channel), into head (IRC_HEAD_MAX). Returns its length. */
size_t ircd_head(struct room *r, const struct member *from,
    const char *target, enum talk kind, char *head);
/* Text after head (ircd_head's) as messages of IRC's size, into out
 * (IRC_TEXT_MAX bytes free). Returns bytes written. */
size_t ircd_text(const char *head, size_t hlen, const char *text, size_t len,
    enum talk kind, char *out);
/* A notice from the server to m; text without "* " and newline. */
struct msg *ircd_notice(struct room *r, const struct member *m,
    const char *text, size_t len);
/* The ERROR line that closes an IRC link, why ("room closed") given. */
struct msg *ircd_error(const char *why);
/* Sends the IRC member m that ERROR line. */
void ircd_close(struct room *r, struct member *m, const char *why);
/* Registration time-out. */
void ircd_timers(struct room *r, struct member *m);

#endif
