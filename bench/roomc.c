/*
 * roomc - fan-out load for a chat room host, bench/run's one room load
 * client.
 *
 * Connects MEMBERS TCP clients to 127.0.0.1:PORT from one process (epoll),
 * waits until the room has admitted them all, then for each count in
 * --senders lets that many members send LINES lines each at once and waits
 * until every other member has every line.  Prints one `bench room ...`
 * line per phase and one with the host's peak RSS.
 *
 * Every payload is unique, `f<phase>-s<sender>-<seq>-<check>`, so lines are
 * counted whatever the host puts in front of them:
 *   ours    `<userN> PAYLOAD`, notices start with `* ` (welcome, joined, ...)
 *   irc     ours, every member an IRC client: it registers (`NICK iN`,
 *           `USER iN 0 * :iN`), is in once `366` (end of NAMES) comes, sends
 *           `PRIVMSG #room :PAYLOAD` and gets
 *           `:iN!iN@127.0.0.1 PRIVMSG #room :PAYLOAD` CRLF (a plain sender:
 *           `:userN!userN@127.0.0.1 ...`); other lines starting with `:`
 *           (JOIN, QUIT, NOTICE, numerics), PING and ERROR are notices
 *   mixed   ours, even members IRC as above, odd ones plain as ours
 *   chat    ncat --chat: `<userN> PAYLOAD`, notices start with `<announce>`
 *   broker  ncat --broker: `PAYLOAD` as sent
 * A line that is neither a notice, a sync line nor a known payload (with the
 * right prefix) is garbled; a payload a member already had is a duplicate.
 * A line to an IRC member must end in CRLF (else garbled) and fit IRC's 512
 * bytes with it (else counted as over512, a FAIL).
 * The check is the CRC-32 (zlib's) of `<phase>-<sender>-<seq>` in 8 hex
 * digits, then the same xor 0x5a5a5a5a.  A payload is parsed and its check
 * compared.
 *
 * Checking every line as it comes costs the client about as much CPU as the
 * host spends relaying them, so at 500 members the client, not the host,
 * would set the pace.  During a fan-out the client therefore only stores
 * what arrives and counts newlines; a member is done when it has as many
 * as it is owed.  Once all are (or nothing moves), the clock stops and the
 * stored bytes go through the full checks.  If lines turn out missing
 * (garbled, or notices among them), it goes on waiting with the checks on,
 * and a phase that then stalls counts until the last byte that arrived.
 *
 * The host's CPU time comes from /proc/PID/task/TID/schedstat (ns on CPU,
 * summed over threads), its peak RSS from VmHWM in /proc/PID/status, the
 * client's own CPU time from CLOCK_PROCESS_CPUTIME_ID.
 *
 * usage: roomc --port P --host-pid PID --members N [--lines L]
 *              [--senders 1,4] --kind ours|irc|mixed|chat|broker --tool NAME
 *              [--timeout SECS]
 *
 * build: cc -std=c11 -O3 -o roomc bench/roomc.c    (Linux: epoll; -O3
 *        vectorizes count_nl())
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* epoll, memmem */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "schedstat.h"

#define CONNECT_WINDOW 8      /* ncat: members not yet admitted at once (backlog 10) */
/* ours listens with SOMAXCONN and accepts until EAGAIN: a burst of joins at
 * once is what it is built for, so every member connects at once */
#define SYNC_EVERY 0.01       /* seconds between broker sync lines in admission */
#define IDLE_LIMIT 3.0        /* a fan-out with no delivery for this long is over */
#define RECV_SIZE (1 << 18)   /* one recv() per readiness */
#define STORE_SLACK (1 << 16) /* store room beyond the bytes a phase expects */
#define LINE_CAP (1 << 20)    /* a partial line keeps at most this much (head) */
#define NAME_CAP 255          /* longer welcome names count as unknown ('?') */
#define PAYLOAD_MAX 80        /* f<int>-s<long>-<long>-<16 hex>\n fits */
#define CHANNEL "#room"       /* the room as an IRC channel (ours' default) */
#define IRC_LINE_MAX 512      /* an IRC message, CRLF included, at most */
#define IRC_HOST "127.0.0.1"  /* the host part the room gives our members */
/* a line as sent: `PRIVMSG #room :` PAYLOAD CRLF fits */
#define SEND_MAX (PAYLOAD_MAX + sizeof "PRIVMSG " CHANNEL " :")
/* `:NAME!NAME@127.0.0.1 PRIVMSG #room :` */
#define IPREFIX_CAP (2 * NAME_CAP + \
	sizeof ":!@" IRC_HOST " PRIVMSG " CHANNEL " :")
#define MEMBERS_MAX 1000000   /* epoll data holds the member index */
#define LINES_MAX 100000000L  /* per sender; memory is members x senders x lines */
#define FD_SPARE 16           /* descriptors beside the members' */

enum kind { KIND_OURS, KIND_IRC, KIND_MIXED, KIND_CHAT, KIND_BROKER };
enum name_state { NAME_NONE, NAME_UNKNOWN, NAME_SET }; /* None, b'?', bytes */

static const char *argv0 = "roomc";
static const char usage_text[] =
    "usage: roomc --port P --host-pid PID --members N [--lines L] "
    "[--senders 1,4] --kind ours|irc|mixed|chat|broker --tool NAME "
    "[--timeout SECS]";

struct opts {
	long port;
	long host_pid;
	long members;
	long lines;            /* per sender per phase */
	long *senders;         /* sender counts, one phase each */
	size_t nphases;
	enum kind kind;
	const char *tool;
	double timeout;        /* seconds per phase */
};

struct member {
	long idx;
	int fd;                /* -1 before the connect and after the close */
	uint32_t events;       /* what epoll watches for it now */
	int connected, closed;
	int synced;            /* broker: heard a sync line */
	int irc;               /* an IRC client (irc, mixed); name set at connect */
	enum name_state name_state;
	char name[NAME_CAP + 1];
	size_t name_len;
	long long joins;       /* ours: `* NAME joined` (IRC: JOIN) heard */
	char *rbuf;            /* the partial line from the last recv() */
	size_t rlen, rcap;
	char *wbuf;            /* unsent bytes are wbuf[woff..wlen) */
	size_t woff, wlen, wcap;
	unsigned char *got;    /* per phase: one flag per payload, slot*lines+seq */
	long *last;            /* per phase: last seq seen from each slot */
	long long want;        /* per phase: payloads still missing */
	char *store;           /* per phase, deferred: bytes not yet checked */
	size_t slen, scap;
	long long nl_owed;     /* per phase, deferred: newlines still owed */
};

struct stats {
	long long garbled, dup, echo, reordered, unprefixed, closed, lost_closed;
	long long over512;     /* lines to IRC members longer than IRC allows */
};

struct room {
	const struct opts *o;
	int ep;                /* epoll descriptor */
	struct epoll_event *evs;
	int nevs;
	struct member *ms;
	long n;
	char *rbuf;            /* RECV_SIZE, shared by every member's recv() */
	/* the phase under way */
	int phase;
	long nsend;
	struct member **senders; /* per slot */
	long *slot_of;         /* member idx -> slot, or -1 */
	uint32_t *chk;         /* slot*lines+seq -> crc32 of the payload's key */
	char (*prefix)[NAME_CAP + 4]; /* per slot: `<NAME> ` when known exactly */
	size_t *prefix_len;    /* 0: not known */
	char (*iprefix)[IPREFIX_CAP]; /* per slot: what IRC members get before
	                        * its payloads, when known exactly */
	size_t *iprefix_len;   /* 0: not known */
	size_t recv_line;      /* the longest line a member gets this phase */
	char *text;            /* each slot's payload lines, back to back */
	size_t *text_off;      /* per slot + 1: where its lines start */
	long long remaining;
	int progress;          /* a payload was delivered since last looked */
	int deferred;          /* store and count lines, check them later */
	long long owing;       /* deferred: members still owed newlines */
	double last_rx;        /* deferred: when bytes last arrived */
	struct stats st;
};

static uint32_t crc_table[256];
static unsigned char hex_val[256]; /* '0'-'9', 'a'-'f': 0-15, others HEX_BAD */
#define HEX_BAD 0x10

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", argv0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void
usage_die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s\n%s: ", usage_text, argv0);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		die(1, "out of memory (%zu x %zu bytes)", n, size);
	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		die(1, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* ---- CRC-32 as zlib.crc32 (IEEE, reflected, init and final xor ~0) ---- */

/* Fills the CRC-32 and hex digit tables. */
static void
tables_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
		hex_val[i] = i >= '0' && i <= '9' ? (unsigned char)(i - '0') :
		    i >= 'a' && i <= 'f' ? (unsigned char)(i - 'a' + 10) : HEX_BAD;
	}
}

static uint32_t
crc32_buf(const char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--)
		c = crc_table[(c ^ (unsigned char)*p++) & 0xff] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* ---- clocks and /proc ---------------------------------------------------- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
own_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Returns VmHWM of pid in kB, or -1 if unknown. */
static long
host_hwm_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			if (sscanf(line + 6, "%ld", &kb) != 1)
				kb = -1;
			break;
		}
	}
	fclose(f);
	return kb;
}

/* "%.3f" of the seconds between two task_cpu_ns() readings, or "na". */
static const char *
cpu_s(char *buf, size_t size, long long c0, long long c1)
{
	if (c0 < 0 || c1 < 0)
		snprintf(buf, size, "na");
	else
		snprintf(buf, size, "%.3f", (double)(c1 - c0) / 1e9);
	return buf;
}

/* The ns between two task_cpu_ns() readings, or "na". */
static const char *
cpu_ns(char *buf, size_t size, long long c0, long long c1)
{
	if (c0 < 0 || c1 < 0)
		snprintf(buf, size, "na");
	else
		snprintf(buf, size, "%lld", c1 - c0);
	return buf;
}

static const char *
kb_str(char *buf, size_t size, long kb)
{
	if (kb < 0)
		snprintf(buf, size, "na");
	else
		snprintf(buf, size, "%ld", kb);
	return buf;
}

/* ---- socket plumbing ----------------------------------------------------- */

static int
member_pending(const struct member *m)
{
	return m->wlen > m->woff;
}

/* Watches for writes while a connect or a send is under way. */
static void
member_update(struct room *r, struct member *m)
{
	uint32_t want = EPOLLIN;
	struct epoll_event ev;

	if (m->closed)
		return;
	if (member_pending(m) || !m->connected)
		want |= EPOLLOUT;
	if (want == m->events)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = want;
	ev.data.u32 = (uint32_t)m->idx;
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, m->fd, &ev) == -1)
		die(1, "epoll_ctl: %s", strerror(errno));
	m->events = want;
}

/* Appends p[0..n) to the growing buffer *buf (*len used of *cap), whose
 * first allocation is at least first bytes. */
static void
bytes_append(char **buf, size_t *len, size_t *cap, size_t first,
    const char *p, size_t n)
{
	size_t c;
	char *nb;

	if (*len + n > *cap) {
		for (c = *cap ? *cap : first; c < *len + n; c *= 2)
			;
		if ((nb = realloc(*buf, c)) == NULL)
			die(1, "out of memory (%zu bytes)", c);
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

/* Queues n bytes for m; grows only when a phase starts or a sync is due. */
static void
member_queue(struct room *r, struct member *m, const char *p, size_t n)
{
	if (m->woff > 0) {
		memmove(m->wbuf, m->wbuf + m->woff, m->wlen - m->woff);
		m->wlen -= m->woff;
		m->woff = 0;
	}
	bytes_append(&m->wbuf, &m->wlen, &m->wcap, 4096, p, n);
	member_update(r, m);
}

/* Starts a non-blocking connect; its outcome shows as writability. */
static void
member_connect(struct room *r, struct member *m)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	char reg[3 * NAME_CAP + 32];
	int len;

	if ((m->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		die(1, "socket for member %ld: %s", m->idx, strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)r->o->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* like connect_ex(): an error shows up through the socket's events */
	(void)connect(m->fd, (struct sockaddr *)&sa, sizeof sa);
	memset(&ev, 0, sizeof ev);
	ev.events = m->events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = (uint32_t)m->idx;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, m->fd, &ev) == -1)
		die(1, "epoll_ctl: %s", strerror(errno));
	if (m->irc) {
		/* what IRC clients send on connect, without waiting for a word */
		len = snprintf(reg, sizeof reg, "NICK %s\r\nUSER %s 0 * :%s\r\n",
		    m->name, m->name, m->name);
		member_queue(r, m, reg, (size_t)len);
	}
}

static void member_check(struct room *r, struct member *m);

/* Closes m; what it still missed this phase is lost (deferred: what it
 * stored counts first). Keeps m's unsent bytes, so a
 * closed sender still counts as moving. */
static void
member_close(struct room *r, struct member *m)
{
	if (m->closed)
		return;
	if (r->deferred)
		member_check(r, m);
	m->closed = 1;
	if (m->nl_owed > 0) {
		m->nl_owed = 0;
		r->owing--;
	}
	r->st.closed++;
	r->remaining -= m->want;
	r->st.lost_closed += m->want;
	m->want = 0;
	close(m->fd);
	m->fd = -1;
}

/* ---- line accounting ----------------------------------------------------- */

/* Returns the first "> " in p[0..len), or NULL. */
static const char *
find_gt_sp(const char *p, size_t len)
{
	const char *e = p + len, *q = p;

	while (q < e && (q = memchr(q, '>', (size_t)(e - q))) != NULL) {
		if (q + 1 < e && q[1] == ' ')
			return q;
		q++;
	}
	return NULL;
}

/* Parses a decimal as Python's %d writes it (no sign, no leading zero).
 * Returns the end of the digits, or NULL. */
static const char *
parse_dec(const char *p, const char *e, long long *v)
{
	const char *s = p;

	*v = 0;
	while (p < e && *p >= '0' && *p <= '9' && p - s < 18)
		*v = *v * 10 + (*p++ - '0');
	if (p == s || (p < e && *p >= '0' && *p <= '9'))
		return NULL;
	if (*s == '0' && p - s > 1)
		return NULL;
	return p;
}

/* Parses 8 lowercase hex digits as %08x writes them. Returns 0 or -1.
 * A table, not branches: the digits are random, so branches mispredict. */
static int
parse_hex8(const char *p, uint32_t *v)
{
	unsigned bad = 0, d;
	int i;

	*v = 0;
	for (i = 0; i < 8; i++) {
		d = hex_val[(unsigned char)p[i]];
		bad |= d;
		*v = *v << 4 | (d & 15);
	}
	return bad & HEX_BAD ? -1 : 0;
}

/* The slot and seq of p when it is exactly one of this phase's payloads,
 * `f<phase>-s<idx>-<seq>-<crc:08x><crc^0x5a5a5a5a:08x>`. Returns 0 or -1. */
static int
payload_find(const struct room *r, const char *p, size_t len, long *slot,
    long *seq)
{
	const char *e = p + len;
	long long ph, idx, sq;
	uint32_t hi, lo, c;

	if (len < 1 || *p++ != 'f')
		return -1;
	if ((p = parse_dec(p, e, &ph)) == NULL || ph != r->phase)
		return -1;
	if (e - p < 2 || p[0] != '-' || p[1] != 's')
		return -1;
	if ((p = parse_dec(p + 2, e, &idx)) == NULL || idx >= r->n ||
	    r->slot_of[idx] < 0)
		return -1;
	if (p == e || *p != '-')
		return -1;
	if ((p = parse_dec(p + 1, e, &sq)) == NULL || sq >= r->o->lines)
		return -1;
	if (e - p != 17 || *p != '-')
		return -1;
	if (parse_hex8(p + 1, &hi) == -1 || parse_hex8(p + 9, &lo) == -1)
		return -1;
	*slot = r->slot_of[idx];
	*seq = (long)sq;
	c = r->chk[*slot * r->o->lines + *seq];
	return hi == c && lo == (c ^ 0x5a5a5a5au) ? 0 : -1;
}

/* Whether p[0..len) matches ^<([^<> ]+)> $ */
static int
prefix_plausible(const char *p, size_t len)
{
	size_t i;

	if (len < 4 || p[0] != '<' || p[len - 2] != '>' || p[len - 1] != ' ')
		return 0;
	for (i = 1; i < len - 2; i++)
		if (p[i] == '<' || p[i] == '>' || p[i] == ' ')
			return 0;
	return 1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* The name in "* welcome NAME..." as ^\* welcome (\S+?)[;,: ] takes it
 * from the line plus a space. Returns its length, 0 when none. */
static size_t
welcome_name(const char *l, size_t len)
{
	size_t s = 10, j; /* strlen("* welcome ") */
	char c;

	if (s >= len || is_space(l[s]))
		return 0;
	for (j = s + 1;; j++) {
		c = j < len ? l[j] : ' ';
		if (c == ';' || c == ',' || c == ':' || c == ' ')
			return j - s;
		if (is_space(c))
			return 0;
	}
}

static void
member_welcome(struct member *m, const char *l, size_t len)
{
	size_t n = welcome_name(l, len);

	/* a name spelled "?" counts as any name */
	if (n == 0 || n > NAME_CAP || (n == 1 && l[10] == '?')) {
		m->name_state = NAME_UNKNOWN;
		return;
	}
	memcpy(m->name, l + 10, n);
	m->name[n] = '\0';
	m->name_len = n;
	m->name_state = NAME_SET;
}

static void
deliver(struct room *r, struct member *m, long slot, long seq)
{
	m->got[slot * r->o->lines + seq] = 1;
	m->last[slot] = seq;
	m->want--;
	r->remaining--;
	r->progress = 1;
}

/* A known payload with the right prefix reached m: an echo, a duplicate
 * or a delivery (reordered or not). */
static void
payload_seen(struct room *r, struct member *m, long slot, long seq)
{
	if (r->senders[slot] == m) {
		r->st.echo++;
		return;
	}
	if (m->got[slot * r->o->lines + seq]) {
		r->st.dup++;
		return;
	}
	if (seq < m->last[slot])
		r->st.reordered++;
	deliver(r, m, slot, seq);
}

/* Whether the kind's host is ours (plain, IRC or both dialects). */
static int
kind_ours(enum kind k)
{
	return k == KIND_OURS || k == KIND_IRC || k == KIND_MIXED;
}

/* How a member's lines read: an IRC member's as IRC (KIND_IRC), a plain
 * member of ours as ours, the others as their host's. */
static enum kind
line_kind(const struct room *r, const struct member *m)
{
	if (m->irc)
		return KIND_IRC;
	return kind_ours(r->o->kind) ? KIND_OURS : r->o->kind;
}

static int
has_prefix(const char *l, size_t len, const char *s, size_t n)
{
	return len >= n && memcmp(l, s, n) == 0;
}

/* Whether src (`nick!user@host`) names the nick name. */
static int
source_is(const char *src, size_t len, const char *name)
{
	const char *bang = memchr(src, '!', len);
	size_t n = bang ? (size_t)(bang - src) : len;

	return n == strlen(name) && memcmp(src, name, n) == 0;
}

/* Every check of a line to an IRC member: CRLF and IRC's 512 bytes,
 * notices (366 admits it, JOINs of others count), then PRIVMSG payloads. */
static void
line_irc_slow(struct room *r, struct member *m, const char *l, size_t len)
{
	static const char to[] = " " CHANNEL " :";
	const char *e, *src, *cmd, *sp;
	size_t srclen, cmdlen, cut;
	long slot, seq;

	if (len + 1 > IRC_LINE_MAX)
		r->st.over512++;
	if (len == 0 || l[len - 1] != '\r') {
		r->st.garbled++;
		return;
	}
	e = l + --len;
	if (len == 0 || l[0] != ':') {
		if (!has_prefix(l, len, "PING ", 5) &&
		    !has_prefix(l, len, "ERROR ", 6))
			r->st.garbled++;
		return;
	}
	src = l + 1;
	if ((sp = memchr(src, ' ', (size_t)(e - src))) == NULL) {
		r->st.garbled++;
		return;
	}
	srclen = (size_t)(sp - src);
	cmd = sp + 1;
	sp = memchr(cmd, ' ', (size_t)(e - cmd));
	cmdlen = sp ? (size_t)(sp - cmd) : (size_t)(e - cmd);
	if (cmdlen == 3 && memcmp(cmd, "366", 3) == 0) {
		/* end of NAMES: registered and in the channel */
		m->name_state = NAME_SET;
		return;
	}
	if (cmdlen == 4 && memcmp(cmd, "JOIN", 4) == 0) {
		if (!source_is(src, srclen, m->name))
			m->joins++;
		return;
	}
	/* numerics, QUIT, NOTICE, MODE, ...: notices */
	if (cmdlen != 7 || memcmp(cmd, "PRIVMSG", 7) != 0)
		return;
	if ((size_t)(e - sp) < sizeof to - 1 ||
	    memcmp(sp, to, sizeof to - 1) != 0) {
		r->st.garbled++;
		return;
	}
	cut = (size_t)(sp - l) + sizeof to - 1;
	if (payload_find(r, l + cut, len - cut, &slot, &seq) == -1 ||
	    (r->iprefix_len[slot] ? cut != r->iprefix_len[slot] ||
	    memcmp(l, r->iprefix[slot], cut) != 0 :
	    memchr(src, '!', srclen) == NULL ||
	    memchr(src, '@', srclen) == NULL)) {
		r->st.garbled++;
		return;
	}
	payload_seen(r, m, slot, seq);
}

/* The fast path of a line to an IRC member: a well-formed PRIVMSG with a
 * payload new to it, the exact prefix of its sender and CRLF. The payload
 * has no ':', so it starts after the line's last one. */
static void
line_irc(struct room *r, struct member *m, const char *l, size_t len)
{
	const char *c;
	size_t cut;
	long slot, seq;

	if (len < 2 || len + 1 > IRC_LINE_MAX || l[len - 1] != '\r' ||
	    l[0] != ':' || (c = memrchr(l, ':', len - 1)) == NULL || c == l) {
		line_irc_slow(r, m, l, len);
		return;
	}
	cut = (size_t)(c - l) + 1;
	if (payload_find(r, l + cut, len - 1 - cut, &slot, &seq) == -1 ||
	    m->got[slot * r->o->lines + seq] || r->senders[slot] == m ||
	    seq < m->last[slot] || r->iprefix_len[slot] != cut ||
	    memcmp(l, r->iprefix[slot], cut) != 0) {
		line_irc_slow(r, m, l, len);
		return;
	}
	deliver(r, m, slot, seq);
}

/* Every check of a line (not to an IRC member): notices, sync lines,
 * then payloads. */
static void
line_slow(struct room *r, struct member *m, const char *l, size_t len)
{
	enum kind kind = line_kind(r, m);
	const char *pay = l, *gt;
	size_t plen = len, cut = 0;
	long slot, seq;
	int prefixed = 0;

	if (kind == KIND_OURS && has_prefix(l, len, "* ", 2)) {
		if (has_prefix(l, len, "* welcome ", 10))
			member_welcome(m, l, len);
		else if (len >= 7 && memcmp(l + len - 7, " joined", 7) == 0)
			m->joins++;
		return;
	}
	if (kind == KIND_CHAT && has_prefix(l, len, "<announce>", 10)) {
		if (memmem(l, len, "already connected", 17) != NULL)
			m->name_state = NAME_UNKNOWN;
		return;
	}
	if (len < 64 && memmem(l, len, "sync-", 5) != NULL) {
		m->synced = 1;
		return;
	}
	if (kind == KIND_OURS || (kind == KIND_CHAT && len > 0 && l[0] == '<')) {
		/* no "> ": a one-byte prefix, which no check accepts */
		if ((gt = find_gt_sp(l, len)) == NULL) {
			r->st.garbled++;
			return;
		}
		prefixed = 1;
		cut = (size_t)(gt - l) + 2;
		pay = l + cut;
		plen = len - cut;
	}
	if (payload_find(r, pay, plen, &slot, &seq) == -1) {
		r->st.garbled++;
		return;
	}
	if (prefixed) {
		if (r->prefix_len[slot] ? cut != r->prefix_len[slot] ||
		    memcmp(l, r->prefix[slot], cut) != 0 :
		    !prefix_plausible(l, cut)) {
			r->st.garbled++;
			return;
		}
	} else if (kind == KIND_CHAT) {
		/* ncat --chat puts its prefix once per read(), not per line */
		r->st.unprefixed++;
	}
	payload_seen(r, m, slot, seq);
}

/* The fast path for a well-formed payload line new to this member;
 * anything else goes through line_slow(), which does the full checks. */
static void
line_one(struct room *r, struct member *m, const char *l, size_t len)
{
	enum kind kind = line_kind(r, m);
	const char *pay = l, *gt;
	size_t plen = len, cut = 0;
	long slot, seq;

	if (kind == KIND_IRC) {
		line_irc(r, m, l, len);
		return;
	}
	if (kind != KIND_BROKER) {
		gt = find_gt_sp(l, len);
		cut = gt ? (size_t)(gt - l) + 2 : 1;
		if (cut == 1 && kind == KIND_OURS) {
			line_slow(r, m, l, len);
			return;
		}
		if (cut > 1) {
			pay = l + cut;
			plen = len - cut;
		}
	}
	if (payload_find(r, pay, plen, &slot, &seq) == -1 ||
	    m->got[slot * r->o->lines + seq] || r->senders[slot] == m ||
	    seq < m->last[slot] ||
	    (cut > 1 && (r->prefix_len[slot] != cut ||
	    memcmp(l, r->prefix[slot], cut) != 0))) {
		line_slow(r, m, l, len);
		return;
	}
	if (cut == 1)
		r->st.unprefixed++;
	deliver(r, m, slot, seq);
}

/* Adds to m's partial line; past LINE_CAP only the head is kept. */
static void
partial_add(struct member *m, const char *p, size_t n)
{
	if (n > LINE_CAP - m->rlen)
		n = LINE_CAP - m->rlen;
	bytes_append(&m->rbuf, &m->rlen, &m->rcap, 256, p, n);
}

/* Takes n bytes that came for m: its complete lines, then the rest. */
static void
member_input(struct room *r, struct member *m, const char *p, size_t n)
{
	const char *e = p + n, *nl;

	if (m->rlen > 0) {
		if ((nl = memchr(p, '\n', n)) == NULL) {
			partial_add(m, p, n);
			return;
		}
		partial_add(m, p, (size_t)(nl - p));
		line_one(r, m, m->rbuf, m->rlen);
		m->rlen = 0;
		p = nl + 1;
	}
	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		line_one(r, m, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (p < e)
		partial_add(m, p, (size_t)(e - p));
}

/* Counts the newlines in p[0..n): a plain loop the compiler vectorizes
 * (memchr per line costs a call per 30-byte line, 2 million times). */
static long long
count_nl(const char *p, size_t n)
{
	long long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Deferred: p[0..n) just joined m's store; counts its newlines against
 * what m is owed. */
static void
member_stored(struct room *r, struct member *m, const char *p, size_t n)
{
	long long c = count_nl(p, n);

	r->progress = 1;
	r->last_rx = now_s();
	if (m->nl_owed > 0) {
		m->nl_owed -= c < m->nl_owed ? c : m->nl_owed;
		if (m->nl_owed == 0)
			r->owing--;
	}
}

/* Deferred: runs what m stored through the checks, then empties the store
 * (its memory stays for the next phase: already faulted in). */
static void
member_check(struct room *r, struct member *m)
{
	if (m->slen > 0)
		member_input(r, m, m->store, m->slen);
	m->slen = 0;
}

/* One recv() per readiness, then its lines. Deferred, it goes
 * straight into the member's store while that has room. */
static void
member_read(struct room *r, struct member *m)
{
	size_t room = m->scap - m->slen;
	int direct = r->deferred && room >= STORE_SLACK / 4;
	ssize_t got;

	if (direct)
		got = recv(m->fd, m->store + m->slen,
		    room < RECV_SIZE ? room : RECV_SIZE, 0);
	else
		got = recv(m->fd, r->rbuf, RECV_SIZE, 0);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	/* an error ends the member like an EOF */
	if (got <= 0) {
		member_close(r, m);
		return;
	}
	if (!r->deferred) {
		member_input(r, m, r->rbuf, (size_t)got);
		return;
	}
	if (direct)
		m->slen += (size_t)got;
	else /* the store is full: grows it */
		bytes_append(&m->store, &m->slen, &m->scap, RECV_SIZE,
		    r->rbuf, (size_t)got);
	member_stored(r, m, m->store + m->slen - (size_t)got, (size_t)got);
}

/* Sends what m has queued; keeps the tail of a short send. */
static void
member_send(struct room *r, struct member *m)
{
	ssize_t w;

	w = send(m->fd, m->wbuf + m->woff, m->wlen - m->woff, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		member_close(r, m);
		return;
	}
	if (w > 0)
		m->woff += (size_t)w;
	if (!member_pending(m)) {
		m->woff = m->wlen = 0;
		member_update(r, m);
	}
}

/* Waits up to ms for events and handles them: the one event loop. */
static void
room_pump(struct room *r, int ms)
{
	struct member *m;
	uint32_t ev;
	int i, n, rd, wr, err;
	socklen_t elen;

	n = epoll_wait(r->ep, r->evs, r->nevs, ms);
	if (n == -1) {
		if (errno == EINTR)
			return;
		die(1, "epoll_wait: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		m = &r->ms[r->evs[i].data.u32];
		if (m->closed)
			continue;
		/* Python's EpollSelector: an error or hang-up is both */
		ev = r->evs[i].events;
		rd = (ev & ~(uint32_t)EPOLLOUT) != 0;
		wr = (ev & ~(uint32_t)EPOLLIN) != 0 && (m->events & EPOLLOUT);
		if (!m->connected && wr) {
			err = 0;
			elen = sizeof err;
			if (getsockopt(m->fd, SOL_SOCKET, SO_ERROR, &err,
			    &elen) == -1 || err != 0) {
				member_close(r, m);
				continue;
			}
			m->connected = 1;
			member_update(r, m);
		}
		if (rd)
			member_read(r, m);
		if (member_pending(m) && !m->closed && wr)
			member_send(r, m);
	}
}

static void
room_grace(struct room *r, double secs)
{
	double end = now_s() + secs;

	while (now_s() < end)
		room_pump(r, 20);
}

/* ---- phases -------------------------------------------------------------- */

static int
admitted(const struct room *r, const struct member *m)
{
	return r->o->kind != KIND_BROKER ? m->name_state != NAME_NONE :
	    m->synced;
}

/* Connects members, at most CONNECT_WINDOW not yet admitted at once.
 *
 * Admitted means: ours got `* welcome` (an IRC member: `366`, the end of
 * the names that registration ends with), ncat --chat got `<announce>
 * already connected`, ncat --broker got a sync line that member 0 sends
 * every SYNC_EVERY seconds while someone is waiting.  Returns 1 when all
 * came in time. */
static int
room_admit(struct room *r)
{
	const struct opts *o = r->o;
	struct member *ms = r->ms;
	long started = 0, waiting, window, i, live = 0, nadm = 0;
	long long cpu0, cpu1, sync_no = 0, joins = 0;
	double t0, now, deadline, next_sync = 0.0, secs;
	const char *status = "ok";
	char c[32], cn[32], kb[32], extra[128] = "", sync[32];
	int len;

	cpu0 = task_cpu_ns(o->host_pid);
	t0 = now_s();
	deadline = t0 + o->timeout;
	window = kind_ours(o->kind) ? r->n : CONNECT_WINDOW;
	for (;;) {
		now = now_s();
		if (now > deadline) {
			status = "TIMEOUT";
			break;
		}
		for (waiting = 0, i = 0; i < started; i++)
			if (!ms[i].closed && !admitted(r, &ms[i]))
				waiting++;
		for (; started < r->n && waiting < window; started++, waiting++)
			member_connect(r, &ms[started]);
		if (started == r->n && waiting == 0)
			break;
		/* member 0 can only learn it is in when another member hears it */
		if (o->kind == KIND_BROKER && ms[0].connected && !ms[0].closed &&
		    now >= next_sync) {
			len = snprintf(sync, sizeof sync, "sync-%lld\n", ++sync_no);
			member_queue(r, &ms[0], sync, (size_t)len);
			next_sync = now + SYNC_EVERY;
			for (i = 1; i < started; i++)
				if (ms[i].synced) {
					ms[0].synced = 1;
					break;
				}
		}
		room_pump(r, 5);
	}
	secs = now_s() - t0;
	cpu1 = task_cpu_ns(o->host_pid);
	/* let late notices land before counting them */
	room_grace(r, 0.2);
	for (i = 0; i < r->n; i++) {
		if (ms[i].closed)
			continue;
		live++;
		joins += ms[i].joins;
		nadm += admitted(r, &ms[i]);
	}
	/* ours: what else came during admission was notices, or garbled */
	if (kind_ours(o->kind))
		snprintf(extra, sizeof extra, " joins=%lld/%lld garbled=%lld "
		    "over512=%lld", joins, (long long)r->n * (r->n - 1) / 2,
		    r->st.garbled, r->st.over512);
	if (strcmp(status, "ok") == 0 && kind_ours(o->kind) &&
	    (r->st.garbled || r->st.over512))
		status = "FAIL";
	printf("bench room tool=%s members=%ld phase=admit seconds=%.3f "
	    "host_cpu_s=%s host_cpu_ns=%s admitted=%ld/%ld%s rss_admit_kb=%s "
	    "status=%s\n", o->tool, r->n, secs, cpu_s(c, sizeof c, cpu0, cpu1),
	    cpu_ns(cn, sizeof cn, cpu0, cpu1), nadm, r->n, extra,
	    kb_str(kb, sizeof kb, host_hwm_kb(o->host_pid)), status);
	fflush(stdout);
	/* garbled notices do not stop the fan-outs; a time-out does */
	return strcmp(status, "TIMEOUT") != 0;
}

/* Sets up the phase's senders, their payload lines and every member's
 * counters. Returns the payloads expected in all. */
static long long
fanout_setup(struct room *r, int phase, long nsend)
{
	const struct opts *o = r->o;
	struct member *s, *m;
	size_t off = 0;
	long k, seq, i;
	uint32_t c;
	char key[PAYLOAD_MAX];
	size_t pay, pre, ipre, most = 0;
	int len;

	for (k = 0; k < r->nsend; k++)
		r->slot_of[r->senders[k]->idx] = -1;
	r->phase = phase;
	r->nsend = nsend;
	for (k = 0; k < nsend; k++) {
		s = r->senders[k] = &r->ms[(long long)k * r->n / nsend];
		r->slot_of[s->idx] = k;
		/* ours names each line's sender exactly, in either dialect;
		 * ncat's names we cannot know */
		r->prefix_len[k] = r->iprefix_len[k] = 0;
		if (kind_ours(o->kind) && s->name_state == NAME_SET) {
			r->prefix_len[k] = (size_t)snprintf(r->prefix[k],
			    sizeof r->prefix[k], "<%s> ", s->name);
			r->iprefix_len[k] = (size_t)snprintf(r->iprefix[k],
			    sizeof r->iprefix[k],
			    ":%s!%s@" IRC_HOST " PRIVMSG " CHANNEL " :",
			    s->name, s->name);
		}
		/* what a member gets before a payload: unknown is up to 16
		 * plain (`<user1000000> `), any name's length in IRC */
		pre = r->prefix_len[k] ? r->prefix_len[k] : 16;
		if (o->kind == KIND_IRC || o->kind == KIND_MIXED) {
			ipre = r->iprefix_len[k] ? r->iprefix_len[k] :
			    IPREFIX_CAP;
			if (ipre > pre)
				pre = ipre;
		}
		r->text_off[k] = off;
		for (seq = 0; seq < o->lines; seq++) {
			len = snprintf(key, sizeof key, "%d-%ld-%ld", phase,
			    s->idx, seq);
			c = crc32_buf(key, (size_t)len);
			r->chk[k * o->lines + seq] = c;
			len = snprintf(r->text + off, SEND_MAX,
			    "%sf%d-s%ld-%ld-%08x%08x%s", s->irc ?
			    "PRIVMSG " CHANNEL " :" : "", phase, s->idx, seq,
			    (unsigned)c, (unsigned)(c ^ 0x5a5a5a5au),
			    s->irc ? "\r\n" : "\n");
			pay = (size_t)len - (s->irc ? sizeof "PRIVMSG "
			    CHANNEL " :" - 1 + 2 : 1);
			/* received: prefix, payload, CRLF at the most */
			if (pre + pay + 2 > most)
				most = pre + pay + 2;
			off += (size_t)len;
		}
	}
	r->text_off[nsend] = off;
	r->recv_line = most;
	memset(&r->st, 0, sizeof r->st);
	r->remaining = 0;
	for (i = 0; i < r->n; i++) {
		m = &r->ms[i];
		memset(m->got, 0, (size_t)nsend * (size_t)o->lines);
		for (k = 0; k < nsend; k++)
			m->last[k] = -1;
		m->want = m->closed ? 0 : (long long)o->lines *
		    (nsend - (r->slot_of[i] >= 0));
		r->remaining += m->want;
	}
	return r->remaining;
}

static int
senders_pending(const struct room *r)
{
	long k;

	for (k = 0; k < r->nsend; k++)
		if (member_pending(r->senders[k]))
			return 1;
	return 0;
}

/* Ends deferred mode: every member's stored bytes through the checks. */
static void
deferred_end(struct room *r)
{
	long i;

	r->deferred = 0;
	for (i = 0; i < r->n; i++)
		member_check(r, &r->ms[i]);
}

/* Before the clock: gives every member a store big enough for what the
 * phase sends it (payload lines, a prefix each, STORE_SLACK for notices)
 * and touches every page, so the timed part neither grows nor faults it
 * in: the client's page faults were a fifth of its CPU in the fan-out. */
static void
stores_prepare(struct room *r)
{
	size_t line, want;
	struct member *m;
	char *nb;
	long i;

	/* the longest line a member gets: prefix, payload and CRLF */
	line = r->recv_line ? r->recv_line : PAYLOAD_MAX + 16;
	for (i = 0; i < r->n; i++) {
		m = &r->ms[i];
		want = (size_t)m->want * line + STORE_SLACK;
		if (m->closed || m->scap >= want)
			continue;
		if ((nb = realloc(m->store, want)) == NULL)
			die(1, "out of memory (%zu bytes)", want);
		memset(nb + m->scap, 0, want - m->scap);
		m->store = nb;
		m->scap = want;
	}
}

/* nsend members send o->lines lines each at once; waits until every other
 * member has them all, the phase times out, or nothing moves for
 * IDLE_LIMIT. Returns 0 on a timeout. */
static int
room_fanout(struct room *r, int phase, long nsend)
{
	const struct opts *o = r->o;
	const struct stats *st = &r->st;
	long long expected, cpu0, cpu1, lost;
	double t0, now, deadline, last_progress, end = -1, secs, own0, own1 = 0;
	/* end: set when the deferred check found everything */
	const char *status = "ok";
	char c[32], cn[32];
	long k, i;

	expected = fanout_setup(r, phase, nsend);
	r->owing = 0;
	for (i = 0; i < r->n; i++)
		if ((r->ms[i].nl_owed = r->ms[i].want) > 0)
			r->owing++;
	r->deferred = 1;
	stores_prepare(r);
	cpu0 = task_cpu_ns(o->host_pid);
	t0 = now_s();
	own0 = own_cpu_s();
	for (k = 0; k < nsend; k++)
		member_queue(r, r->senders[k], r->text + r->text_off[k],
		    r->text_off[k + 1] - r->text_off[k]);
	deadline = t0 + o->timeout;
	last_progress = r->last_rx = t0;
	while (r->deferred || r->remaining > 0) {
		if (r->deferred && r->owing == 0) {
			/* every member has its count of lines: check them */
			end = now_s();
			own1 = own_cpu_s();
			deferred_end(r);
			if (r->remaining == 0)
				break;
			/* some are not what was sent: wait on, checking */
			end = -1;
			own1 = 0;
			last_progress = r->last_rx;
			r->progress = 0;
			continue;
		}
		now = now_s();
		if (now > deadline) {
			status = "TIMEOUT";
			break;
		}
		if (r->progress || senders_pending(r)) {
			last_progress = now;
			r->progress = 0;
		} else if (now - last_progress > IDLE_LIMIT) {
			/* nothing moves: what is missing is lost */
			status = "STALLED";
			break;
		}
		room_pump(r, 50);
	}
	if (r->deferred) {
		/* timed out or stalled with lines owed */
		end = now_s();
		own1 = own_cpu_s();
		deferred_end(r);
		last_progress = r->last_rx;
	} else if (end < 0) {
		end = now_s();
		if (own1 == 0) /* else: taken when the lines were counted */
			own1 = own_cpu_s();
	}
	/* a stalled phase counts until its last delivery */
	if (strcmp(status, "STALLED") == 0)
		end = last_progress;
	secs = end - t0;
	cpu1 = task_cpu_ns(o->host_pid);
	/* a short grace to catch duplicates and stray lines */
	room_grace(r, 0.1);
	lost = r->remaining + st->lost_closed;
	if (strcmp(status, "TIMEOUT") != 0 &&
	    (lost || st->garbled || st->dup || st->over512))
		status = "FAIL";
	printf("bench room tool=%s members=%ld senders=%ld lines=%ld "
	    "seconds=%.3f host_cpu_s=%s host_cpu_ns=%s client_cpu_s=%.3f "
	    "delivered=%lld/%lld lost=%lld "
	    "garbled=%lld dup=%lld reordered=%lld echo=%lld unprefixed=%lld "
	    "over512=%lld closed=%lld status=%s\n",
	    o->tool, r->n, nsend, o->lines, secs, cpu_s(c, sizeof c, cpu0, cpu1),
	    cpu_ns(cn, sizeof cn, cpu0, cpu1), own1 - own0,
	    expected - r->remaining - st->lost_closed, expected, lost,
	    st->garbled, st->dup, st->reordered, st->echo, st->unprefixed,
	    st->over512, st->closed, status);
	fflush(stdout);
	return strcmp(status, "TIMEOUT") != 0;
}

/* ---- setup --------------------------------------------------------------- */

static void
room_init(struct room *r, const struct opts *o)
{
	long i, maxsend = 0;
	size_t per, p;

	for (p = 0; p < o->nphases; p++)
		if (o->senders[p] > maxsend)
			maxsend = o->senders[p];
	if (maxsend > o->members)
		maxsend = o->members;
	memset(r, 0, sizeof *r);
	r->o = o;
	r->n = o->members;
	if ((r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die(1, "epoll_create1: %s", strerror(errno));
	r->nevs = (int)r->n + 1;
	r->evs = xcalloc((size_t)r->nevs, sizeof *r->evs);
	r->ms = xcalloc((size_t)r->n + 1, sizeof *r->ms);
	r->rbuf = xcalloc(RECV_SIZE, 1);
	r->senders = xcalloc((size_t)maxsend + 1, sizeof *r->senders);
	r->slot_of = xcalloc((size_t)r->n + 1, sizeof *r->slot_of);
	r->prefix = xcalloc((size_t)maxsend + 1, sizeof *r->prefix);
	r->prefix_len = xcalloc((size_t)maxsend + 1, sizeof *r->prefix_len);
	r->iprefix = xcalloc((size_t)maxsend + 1, sizeof *r->iprefix);
	r->iprefix_len = xcalloc((size_t)maxsend + 1, sizeof *r->iprefix_len);
	r->text_off = xcalloc((size_t)maxsend + 2, sizeof *r->text_off);
	if ((size_t)o->lines > SIZE_MAX / SEND_MAX / ((size_t)maxsend + 1))
		die(1, "out of memory (%ld senders x %ld lines)", maxsend,
		    o->lines);
	per = (size_t)maxsend * (size_t)o->lines;
	r->chk = xcalloc(per + 1, sizeof *r->chk);
	r->text = xcalloc(per + 1, SEND_MAX);
	for (i = 0; i < r->n; i++) {
		r->ms[i].idx = i;
		r->ms[i].fd = -1;
		/* irc: all IRC; mixed: even members IRC, odd ones plain */
		r->ms[i].irc = o->kind == KIND_IRC ||
		    (o->kind == KIND_MIXED && i % 2 == 0);
		if (r->ms[i].irc) {
			/* nicks are ours to choose: i0, i1, ... */
			r->ms[i].name_len = (size_t)snprintf(r->ms[i].name,
			    sizeof r->ms[i].name, "i%ld", i);
		}
		r->ms[i].got = xcalloc(per + 1, 1);
		r->ms[i].last = xcalloc((size_t)maxsend + 1,
		    sizeof *r->ms[i].last);
		r->slot_of[i] = -1;
	}
}

static void
room_free(struct room *r)
{
	long i;

	for (i = 0; i < r->n; i++) {
		if (r->ms[i].fd != -1)
			close(r->ms[i].fd);
		free(r->ms[i].got);
		free(r->ms[i].last);
		free(r->ms[i].rbuf);
		free(r->ms[i].wbuf);
		free(r->ms[i].store);
	}
	close(r->ep);
	free(r->evs);
	free(r->ms);
	free(r->rbuf);
	free(r->senders);
	free(r->slot_of);
	free(r->prefix);
	free(r->prefix_len);
	free(r->iprefix);
	free(r->iprefix_len);
	free(r->text_off);
	free(r->chk);
	free(r->text);
}

/* Raises the soft descriptor limit to the hard one when members need it. */
static void
raise_nofile(long members)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)members + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
	/* on failure socket() says so later, with the member's number */
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* ---- options ------------------------------------------------------------- */

/* Parses all of s as a decimal in [min, max]. Returns 0 or -1. */
static int
parse_long(const char *s, long min, long max, long *v)
{
	char *end;
	long x;

	if (*s == '\0' || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || *end != '\0' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* Parses "1,4" into o->senders, one count per phase. Returns 0 or -1. */
static int
parse_senders(struct opts *o, const char *s)
{
	const char *p;
	char *end;
	size_t n = 1;

	for (p = s; *p; p++)
		n += *p == ',';
	free(o->senders);
	o->senders = xcalloc(n, sizeof *o->senders);
	o->nphases = 0;
	for (p = s;; p = end + 1) {
		/* digits only; at most one sender per member */
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		o->senders[o->nphases++] = strtol(p, &end, 10);
		if (errno)
			return -1;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
	}
}

static void
parse_opts(struct opts *o, int argc, char **argv)
{
	enum { O_PORT, O_PID, O_MEMBERS, O_LINES, O_SENDERS, O_KIND, O_TOOL,
	    O_TIMEOUT, O_N };
	static const char *names[O_N] = { "port", "host-pid", "members",
	    "lines", "senders", "kind", "tool", "timeout" };
	int i, k, have[O_N] = { 0 };
	const char *arg, *val, *eq;
	size_t nlen;
	char *end;

	memset(o, 0, sizeof *o);
	o->lines = 1000;
	o->timeout = 60.0;
	(void)parse_senders(o, "1,4");
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			puts(usage_text);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0)
			usage_die("unexpected argument: %s", arg);
		arg += 2;
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		for (k = 0; k < O_N; k++)
			if (strlen(names[k]) == nlen &&
			    strncmp(arg, names[k], nlen) == 0)
				break;
		if (k == O_N)
			usage_die("unknown option: %s", argv[i]);
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			usage_die("%s needs a value", argv[i]);
		have[k] = 1;
		switch (k) {
		case O_PORT:
			if (parse_long(val, 1, 65535, &o->port) == -1)
				usage_die("bad --port: %s", val);
			break;
		case O_PID:
			if (parse_long(val, -2147483647L - 1, 2147483647L,
			    &o->host_pid) == -1)
				usage_die("bad --host-pid: %s", val);
			break;
		case O_MEMBERS:
			if (parse_long(val, 0, MEMBERS_MAX, &o->members) == -1)
				usage_die("bad --members: %s", val);
			break;
		case O_LINES:
			if (parse_long(val, 0, LINES_MAX, &o->lines) == -1)
				usage_die("bad --lines: %s", val);
			break;
		case O_SENDERS:
			if (parse_senders(o, val) == -1)
				usage_die("bad --senders: %s", val);
			break;
		case O_KIND:
			if (strcmp(val, "ours") == 0)
				o->kind = KIND_OURS;
			else if (strcmp(val, "irc") == 0)
				o->kind = KIND_IRC;
			else if (strcmp(val, "mixed") == 0)
				o->kind = KIND_MIXED;
			else if (strcmp(val, "chat") == 0)
				o->kind = KIND_CHAT;
			else if (strcmp(val, "broker") == 0)
				o->kind = KIND_BROKER;
			else
				usage_die("bad --kind: %s (ours, irc, mixed, "
				    "chat or broker)", val);
			break;
		case O_TOOL:
			o->tool = val;
			break;
		case O_TIMEOUT:
			errno = 0;
			o->timeout = strtod(val, &end);
			if (*val == '\0' || *end != '\0' || errno ||
			    !isfinite(o->timeout))
				usage_die("bad --timeout: %s", val);
			break;
		}
	}
	for (k = 0; k < O_N; k++)
		if (!have[k] && k != O_LINES && k != O_SENDERS && k != O_TIMEOUT)
			usage_die("--%s is required", names[k]);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct room r;
	size_t p;
	long nsend;
	int ok;
	char kb[32];

	parse_opts(&o, argc, argv);
	/* a gone peer is an EPIPE from send(), not a dead process */
	signal(SIGPIPE, SIG_IGN);
	tables_init();
	raise_nofile(o.members);
	room_init(&r, &o);
	ok = room_admit(&r);
	for (p = 0; ok && p < o.nphases; p++) {
		nsend = o.senders[p] < o.members ? o.senders[p] : o.members;
		ok = room_fanout(&r, (int)p + 1, nsend);
	}
	printf("bench room tool=%s members=%ld rss_kb=%s\n", o.tool, o.members,
	    kb_str(kb, sizeof kb, host_hwm_kb(o.host_pid)));
	fflush(stdout);
	room_free(&r);
	free(o.senders);
	return 0;
}
