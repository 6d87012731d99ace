/* SOCKS5 (RFC 1928, RFC 1929) and HTTP CONNECT handshakes. The protocols'
 * bytes live here, apart from chat-connect's options and the bridge. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"
#include "log.h"
#include "loop.h"
#include "num.h"
#include "proxy.h"
#include "sig.h"
#include "timeutil.h"

/* SOCKS5's bytes (RFC 1928) and its user name/password subnegotiation
 * (RFC 1929) */
enum {
	S5_VER = 5,          /* SOCKS version, first byte of most messages */
	S5_AUTH_VER = 1,     /* RFC 1929's own version byte */
	S5_NOAUTH = 0x00,    /* method: no authentication */
	S5_USERPASS = 0x02,  /* method: user name and password */
	S5_NOMETHOD = 0xff,  /* reply: none of the methods offered */
	S5_CONNECT = 1,      /* command: a TCP tunnel */
	S5_IPV4 = 1,         /* address types */
	S5_NAME = 3,
	S5_IPV6 = 4
};

/* RFC 1928's reply codes, indexed by code; 0 is success */
static const char *const s5_replies[] = {
	"succeeded",
	"general SOCKS server failure",
	"connection not allowed by ruleset",
	"network unreachable",
	"host unreachable",
	"connection refused by destination",
	"TTL expired",
	"command not supported",
	"address type not supported",
};

#define S5_REQ_MAX (4 + 1 + PROXY_NAME_MAX + 2) /* a CONNECT with a name */
#define S5_AUTH_MAX (3 + 2 * PROXY_NAME_MAX)    /* an RFC 1929 request */
#define HTTP_REQ_MAX 1536   /* CONNECT, Host and a Basic credential of 511 bytes */
#define HTTP_STATUS_SHOWN 120 /* how much of a status line a message quotes */

/* One handshake in progress: the socket, its bound, where errors go. */
struct hs {
	int fd;
	const struct proxy *p;
	long deadline;     /* now_ms() time; -1: none */
	const char *step;  /* what the next reply answers, for a time-out */
	char *err;
	size_t errlen;
};

/* "proxy WHERE: " and the reason into h->err. Returns -1. */
static int
hs_fail(struct hs *h, const char *fmt, ...)
{
	va_list ap;
	int n, save = errno;

	n = snprintf(h->err, h->errlen, "proxy %s: ", h->p->where);
	if (n >= 0 && (size_t)n < h->errlen) {
		va_start(ap, fmt);
		vsnprintf(h->err + n, h->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	errno = save;
	return -1;
}

/* A protocol error: errno says so rather than what a call left there. */
#define hs_bad(...) (errno = EPROTO, hs_fail(__VA_ARGS__))

/* Waits until fd is readable (wr 0) or writable (wr 1) or the deadline
 * passes. Returns 0, or -1 (errno ETIMEDOUT, EINTR, or select's). */
static int
hs_wait(struct hs *h, int wr)
{
	struct timeval tv;
	fd_set set;
	int n;

	for (;;) {
		FD_ZERO(&set);
		FD_SET(h->fd, &set);
		n = select(h->fd + 1, wr ? NULL : &set, wr ? &set : NULL, NULL,
		    timeout_until(h->deadline, &tv));
		if (n > 0)
			return 0;
		/* select() may wake a hair early: only the clock ends the wait */
		if (n == 0 && now_ms() >= h->deadline) {
			errno = ETIMEDOUT;
			return hs_fail(h, "no reply to %s in time", h->step);
		}
		if (n < 0 && errno == EINTR && sig_caught)
			return hs_fail(h, "interrupted");
		if (n < 0 && errno != EINTR)
			return hs_fail(h, "select: %s", strerror(errno));
	}
}

/* Sends all of buf. Returns 0, or -1 with h->err set. */
static int
hs_send(struct hs *h, const void *buf, size_t len)
{
	const char *b = buf;
	ssize_t n;

	while (len > 0) {
		LOOP_RETRY(n, send(h->fd, b, len, MSG_NOSIGNAL));
		if (loop_would_block(n)) {
			if (hs_wait(h, 1) < 0)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			return hs_fail(h, "interrupted");
		if (n < 0)
			return hs_fail(h, "cannot send %s: %s", h->step,
			    strerror(errno));
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One recv() of at most len bytes once some have come (flags: 0 or
 * MSG_PEEK). Returns the count, or -1 with h->err set; the end of the
 * stream is an error: a handshake always waits for more. */
static ssize_t
hs_recv(struct hs *h, void *buf, size_t len, int flags)
{
	ssize_t n;

	for (;;) {
		LOOP_RETRY(n, recv(h->fd, buf, len, flags));
		if (n > 0)
			return n;
		if (n == 0) {
			errno = ECONNRESET;
			return hs_fail(h, "closed the connection during the "
			    "handshake");
		}
		if (errno == EINTR)
			return hs_fail(h, "interrupted");
		if (!loop_would_block(n))
			return hs_fail(h, "cannot read the reply to %s: %s",
			    h->step, strerror(errno));
		if (hs_wait(h, 0) < 0)
			return -1;
	}
}

/* Reads exactly len bytes, and so nothing the destination sends after the
 * reply. Returns 0, or -1 with h->err set. */
static int
hs_read(struct hs *h, void *buf, size_t len)
{
	unsigned char *b = buf;
	ssize_t n;

	while (len > 0) {
		n = hs_recv(h, b, len, 0);
		if (n < 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* len bytes of s for a message: what is not printable ASCII becomes '?',
 * so a proxy cannot drive the terminal through our stderr. */
static char *
printable(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t i;

	if (len >= buflen)
		len = buflen - 1;
	for (i = 0; i < len; i++) {
		buf[i] = s[i];
		if (s[i] < 0x20 || s[i] >= 0x7f)
			buf[i] = '?';
	}
	buf[len] = '\0';
	return buf;
}

/* The destination port as a number: digits, or a TCP service name.
 * Returns 0, or -1 with h->err set. */
static int
dest_port(struct hs *h, const char *port, unsigned *out)
{
	const struct servent *se;
	long n;

	if (*port >= '0' && *port <= '9') {
		if (num_parse(port, 1, ADDR_PORT_MAX, &n) < 0)
			return hs_bad(h, "invalid port '%s'", port);
		*out = (unsigned)n;
		return 0;
	}
	se = getservbyname(port, "tcp");
	if (!se)
		return hs_bad(h, "unknown port '%s'", port);
	*out = ntohs((unsigned short)se->s_port);
	return 0;
}

/* The length of auth's user name ("USER:PASS"); *pass is set to the
 * password, after the first colon ("" when there is none). */
static size_t
auth_split(const char *auth, const char **pass)
{
	const char *colon = strchr(auth, ':');

	*pass = colon ? colon + 1 : "";
	return colon ? (size_t)(colon - auth) : strlen(auth);
}

/* "1.2.3.4:80", "[::1]:80", "name:80" of a SOCKS5 address for -v. */
static void
s5_format(int atyp, const unsigned char *a, size_t alen, unsigned port,
    char *buf, size_t len)
{
	char host[PROXY_NAME_MAX + 1];

	if (atyp == S5_IPV4 || atyp == S5_IPV6) {
		inet_ntop(atyp == S5_IPV4 ? AF_INET : AF_INET6, a, host,
		    sizeof host);
		snprintf(buf, len, atyp == S5_IPV6 ? "[%s]:%u" : "%s:%u", host,
		    port);
	} else {
		snprintf(buf, len, "%s:%u",
		    printable((const char *)a, alen, host, sizeof host), port);
	}
}

/* The first byte of a reply was not SOCKS5's. Returns -1. */
static int
s5_not(struct hs *h, unsigned char ver)
{
	/* an HTTP proxy answers garbage with "HTTP/1.x 400" */
	return hs_bad(h, "not a SOCKS5 reply (version byte 0x%02x)%s", ver,
	    ver == 'H' ? "; an HTTP proxy? (-X connect)" : "");
}

/* Offers no authentication, and user name/password when given auth.
 * Returns the method the proxy chose, or -1 with h->err set. */
static int
s5_greet(struct hs *h, const char *auth)
{
	unsigned char req[4] = { S5_VER, 1, S5_NOAUTH, S5_USERPASS }, rep[2];

	if (auth)
		req[1] = 2;
	log_debug("proxy %s: SOCKS5 greeting: offering no authentication%s",
	    h->p->where, auth ? " and user name/password" : "");
	h->step = "the SOCKS5 greeting";
	if (hs_send(h, req, 2u + req[1]) < 0 || hs_read(h, rep, sizeof rep) < 0)
		return -1;
	if (rep[0] != S5_VER)
		return s5_not(h, rep[0]);
	if (rep[1] == S5_NOMETHOD && !auth)
		return hs_bad(h, "the proxy wants a user name and password "
		    "(--proxy-auth USER:PASS or CHAT_PROXY_AUTH)");
	if (rep[1] == S5_NOMETHOD)
		return hs_bad(h, "the proxy accepts neither no authentication "
		    "nor a user name and password");
	if (rep[1] != S5_NOAUTH && !(rep[1] == S5_USERPASS && auth))
		return hs_bad(h, "the proxy chose method 0x%02x, which was not "
		    "offered", rep[1]);
	log_debug("proxy %s: method chosen: %s", h->p->where,
	    rep[1] == S5_NOAUTH ? "no authentication" : "user name/password");
	return rep[1];
}

/* RFC 1929: the user name and password of auth. Returns 0, or -1 with
 * h->err set (the password never appears in it). */
static int
s5_auth(struct hs *h, const char *auth)
{
	unsigned char req[S5_AUTH_MAX], rep[2];
	const char *pass;
	size_t ulen = auth_split(auth, &pass), plen = strlen(pass);
	char shown[PROXY_NAME_MAX + 1];

	/* proxy_auth_check let them through; a caller that did not is cut */
	if (ulen < 1 || ulen > PROXY_NAME_MAX || plen < 1 ||
	    plen > PROXY_NAME_MAX)
		return hs_bad(h, "user name and password must be 1-%d bytes each",
		    PROXY_NAME_MAX);
	printable(auth, ulen, shown, sizeof shown);
	log_debug("proxy %s: authenticating as %s", h->p->where, shown);
	req[0] = S5_AUTH_VER;
	req[1] = (unsigned char)ulen;
	memcpy(req + 2, auth, ulen);
	req[2 + ulen] = (unsigned char)plen;
	memcpy(req + 3 + ulen, pass, plen);
	h->step = "the SOCKS5 authentication";
	if (hs_send(h, req, 3 + ulen + plen) < 0 ||
	    hs_read(h, rep, sizeof rep) < 0)
		return -1;
	if (rep[0] != S5_AUTH_VER)
		return hs_bad(h, "not a SOCKS5 authentication reply (version "
		    "byte 0x%02x)", rep[0]);
	if (rep[1] != 0)
		return hs_bad(h, "authentication failed for user %s", shown);
	return 0;
}

/* CONNECT to host (an IPv4 or IPv6 literal as itself, any other name for
 * the proxy to resolve) port. Returns 0, or -1 with h->err set. */
static int
s5_request(struct hs *h, const char *host, unsigned port)
{
	unsigned char req[S5_REQ_MAX];
	size_t n = 4, hlen = strlen(host);
	const char *kind;

	req[0] = S5_VER;
	req[1] = S5_CONNECT;
	req[2] = 0;
	if (inet_pton(AF_INET, host, req + 4) == 1) {
		req[3] = S5_IPV4;
		n += 4;
		kind = "IPv4 address";
	} else if (inet_pton(AF_INET6, host, req + 4) == 1) {
		req[3] = S5_IPV6;
		n += 16;
		kind = "IPv6 address";
	} else if (hlen >= 1 && hlen <= PROXY_NAME_MAX) {
		req[3] = S5_NAME;
		req[4] = (unsigned char)hlen;
		memcpy(req + 5, host, hlen);
		n += 1 + hlen;
		kind = "name";
	} else {
		return hs_bad(h, "host name of %zu bytes: SOCKS5 carries 1-%d",
		    hlen, PROXY_NAME_MAX);
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)(port & 0xff);
	log_debug("proxy %s: SOCKS5 CONNECT to %s port %u (%s)", h->p->where,
	    host, port, kind);
	h->step = "the SOCKS5 CONNECT request";
	return hs_send(h, req, n);
}

/* The reply to CONNECT, all of it and not a byte more (the destination may
 * already be talking behind it). Returns 0, or -1 with h->err set. */
static int
s5_reply(struct hs *h)
{
	unsigned char rep[4], a[PROXY_NAME_MAX + 2];
	size_t alen;
	char bound[PROXY_NAME_MAX + 16];

	if (hs_read(h, rep, sizeof rep) < 0)
		return -1;
	if (rep[0] != S5_VER)
		return s5_not(h, rep[0]);
	if (rep[1] >= sizeof s5_replies / sizeof *s5_replies)
		return hs_bad(h, "unknown reply code %u", rep[1]);
	if (rep[1] != 0)
		return hs_bad(h, "%s", s5_replies[rep[1]]);
	if (rep[3] == S5_IPV4) {
		alen = 4;
	} else if (rep[3] == S5_IPV6) {
		alen = 16;
	} else if (rep[3] == S5_NAME) {
		if (hs_read(h, a, 1) < 0)
			return -1;
		alen = a[0];
	} else {
		return hs_bad(h, "reply with unknown address type %u", rep[3]);
	}
	/* the address, then the port */
	if (hs_read(h, a, alen + 2) < 0)
		return -1;
	s5_format(rep[3], a, alen, (unsigned)a[alen] << 8 | a[alen + 1], bound,
	    sizeof bound);
	log_debug("proxy %s: SOCKS5 reply: succeeded, bound to %s",
	    h->p->where, bound);
	return 0;
}

/* RFC 1928: the greeting, the authentication the proxy chose, CONNECT and
 * its reply. Returns 0, or -1 with h->err set. */
static int
s5_connect(struct hs *h, const char *host, unsigned port)
{
	int m = s5_greet(h, h->p->auth);

	if (m < 0 || (m == S5_USERPASS && s5_auth(h, h->p->auth) < 0))
		return -1;
	if (s5_request(h, host, port) < 0)
		return -1;
	return s5_reply(h);
}

/* RFC 4648 base64 of len bytes of in, into out (4 * ceil(len / 3) + 1
 * bytes). */
static void
base64(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = digits[v >> 6 & 63];
		*out++ = digits[v & 63];
	}
	if (i < len) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = digits[v >> 6 & 63];
		*out++ = '=';
		/* one byte left: two digits and "==" */
		if (i + 1 == len)
			out[-2] = '=';
	}
	*out = '\0';
}

/* Sends CONNECT host:port (IPv6 in brackets), Host and the credentials.
 * Returns 0, or -1 with h->err set. */
static int
http_request(struct hs *h, const char *host, unsigned port)
{
	char req[HTTP_REQ_MAX], target[PROXY_NAME_MAX + 16];
	char cred[4 * ((2 * PROXY_NAME_MAX + 1 + 2) / 3) + 1];
	size_t hlen = strlen(host), i;
	int n;

	if (hlen < 1 || hlen > PROXY_NAME_MAX)
		return hs_bad(h, "host name of %zu bytes: at most %d", hlen,
		    PROXY_NAME_MAX);
	/* the name goes into a request line: no byte may end or split it */
	for (i = 0; i < hlen; i++) {
		if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f)
			return hs_bad(h, "a space or control byte in the host "
			    "name");
	}
	snprintf(target, sizeof target, strchr(host, ':') ? "[%s]:%u" : "%s:%u",
	    host, port);
	n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.0\r\nHost: %s\r\n",
	    target, target);
	if (h->p->auth) {
		if (strlen(h->p->auth) > 2 * PROXY_NAME_MAX + 1)
			return hs_bad(h, "credentials longer than %d bytes",
			    2 * PROXY_NAME_MAX + 1);
		base64((const unsigned char *)h->p->auth, strlen(h->p->auth),
		    cred);
		n += snprintf(req + n, sizeof req - (size_t)n,
		    "Proxy-Authorization: Basic %s\r\n", cred);
	}
	n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
	/* the bounds above make this impossible; a cut request must not go */
	if (n < 0 || (size_t)n >= sizeof req)
		return hs_bad(h, "request longer than %d bytes", HTTP_REQ_MAX);
	log_debug("proxy %s: CONNECT %s HTTP/1.0%s", h->p->where, target,
	    h->p->auth ? " (with Basic authentication)" : "");
	h->step = "the HTTP CONNECT request";
	return hs_send(h, req, (size_t)n);
}

/* Where the header in buf (len bytes) ends: after its blank line, "\r\n"
 * or a bare "\n" (tolerated). Looks from from on. Returns that offset, or
 * 0 when the blank line has not come yet. */
static size_t
http_header_end(const char *buf, size_t len, size_t from)
{
	size_t i;

	for (i = from; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Whether line (len bytes, its line end cut) is a status line,
 * "HTTP/1.1 200 reason". */
static int
http_is_status(const char *line, size_t len)
{
	return len >= 12 && !strncmp(line, "HTTP/", 5) && line[8] == ' ' &&
	    line[9] >= '1' && line[9] <= '5' && line[10] >= '0' &&
	    line[10] <= '9' && line[11] >= '0' && line[11] <= '9';
}

/* The verdict on a status line (len bytes, its line end cut). Returns 0
 * for a 2xx, else -1 with h->err set. */
static int
http_status(struct hs *h, const char *line, size_t len)
{
	char shown[HTTP_STATUS_SHOWN + 1];
	const char *hint = "";

	printable(line, len, shown, sizeof shown);
	if (!http_is_status(line, len))
		return hs_bad(h, "not an HTTP reply: '%s'", shown);
	if (line[9] == '2') {
		log_debug("proxy %s: %s", h->p->where, shown);
		return 0;
	}
	/* some proxies (tinyproxy) refuse credentials with a 401 */
	if (!strncmp(line + 9, "407", 3) || !strncmp(line + 9, "401", 3))
		hint = h->p->auth ? " (the proxy refused the user name and "
		    "password)" : " (the proxy wants a user name and password: "
		    "--proxy-auth USER:PASS or CHAT_PROXY_AUTH)";
	return hs_bad(h, "%s%s", shown, hint);
}

/* The length of buf's first line (len bytes so far) without its line
 * end, or -1 if it has not ended. */
static long
http_line(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n;

	if (!nl)
		return -1;
	n = (size_t)(nl - buf);
	return (long)(n > 0 && buf[n - 1] == '\r' ? n - 1 : n);
}

/* The reply header, consumed up to its blank line and no further: each
 * pass peeks at what came and takes only what belongs to the header.
 * Returns 0 after a 2xx, or -1 with h->err set. */
static int
http_reply(struct hs *h)
{
	char hdr[PROXY_HDR_MAX];
	size_t have = 0, end = 0, take;
	long line = -1;
	ssize_t n;

	while (!end) {
		if (have == sizeof hdr)
			return hs_bad(h, "reply header longer than %d bytes",
			    PROXY_HDR_MAX);
		n = hs_recv(h, hdr + have, sizeof hdr - have, MSG_PEEK);
		if (n < 0)
			return -1;
		end = http_header_end(hdr, have + (size_t)n,
		    have > 2 ? have - 2 : 0);
		take = end ? end - have : (size_t)n;
		if (hs_read(h, hdr + have, take) < 0)
			return -1;
		have += take;
		/* what is not HTTP needs no more waiting */
		if (line < 0 && strncmp(hdr, "HTTP/", have < 5 ? have : 5) != 0) {
			line = http_line(hdr, have);
			return http_status(h, hdr, line < 0 ? have : (size_t)line);
		}
		/* the status line decides: only a 2xx needs the rest */
		if (line < 0 && (line = http_line(hdr, have)) >= 0 &&
		    http_status(h, hdr, (size_t)line) < 0)
			return -1;
	}
	return 0;
}

/* CONNECT and its reply. Returns 0 after a 2xx, or -1 with h->err set. */
static int
http_connect(struct hs *h, const char *host, unsigned port)
{
	if (http_request(h, host, port) < 0)
		return -1;
	return http_reply(h);
}

int
proxy_type_parse(const char *s, enum proxy_type *t)
{
	if (!strcmp(s, "5") || !strcmp(s, "socks5"))
		*t = PROXY_SOCKS5;
	else if (!strcmp(s, "connect") || !strcmp(s, "http"))
		*t = PROXY_HTTP;
	else
		return -1;
	return 0;
}

int
proxy_addr_parse(const char *s, struct proxy *p, char *buf, size_t len)
{
	const char *port = NULL, *end, *colon;
	size_t hlen, plen;

	if (s[0] == '[') {
		/* [v6] or [v6]:PORT */
		end = strchr(s, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -1;
		hlen = (size_t)(end - s - 1);
		port = end[1] == ':' ? end + 2 : NULL;
		s++;
	} else {
		/* one colon: HOST:PORT; more: a bare IPv6 address */
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		port = colon ? colon + 1 : NULL;
	}
	if (!port)
		port = p->type == PROXY_HTTP ? PROXY_HTTP_PORT : PROXY_SOCKS5_PORT;
	plen = strlen(port);
	if (hlen == 0 || hlen > PROXY_NAME_MAX || addr_check_port(port, 0) < 0 ||
	    hlen + plen + 2 > len)
		return -1;
	/* buf: the host, then the port, each with its NUL */
	memcpy(buf, s, hlen);
	buf[hlen] = '\0';
	memcpy(buf + hlen + 1, port, plen + 1);
	p->host = buf;
	p->port = buf + hlen + 1;
	snprintf(p->where, sizeof p->where,
	    memchr(buf, ':', hlen) ? "[%s]:%s" : "%s:%s", p->host, p->port);
	return 0;
}

int
proxy_auth_check(const char *auth, enum proxy_type t, char *err,
    size_t errlen)
{
	const char *pass;
	size_t ulen = auth_split(auth, &pass);

	/* the same for both: SOCKS5's length bytes bound HTTP's buffer too */
	(void)t;
	if (!strchr(auth, ':')) {
		snprintf(err, errlen, "expected USER:PASS (no colon)");
		return -1;
	}
	if (ulen < 1 || ulen > PROXY_NAME_MAX) {
		snprintf(err, errlen, "the user name must be 1-%d bytes",
		    PROXY_NAME_MAX);
		return -1;
	}
	if (strlen(pass) < 1 || strlen(pass) > PROXY_NAME_MAX) {
		snprintf(err, errlen, "the password must be 1-%d bytes",
		    PROXY_NAME_MAX);
		return -1;
	}
	return 0;
}

int
proxy_connect(int fd, const struct proxy *p, const char *host,
    const char *port, long deadline, char *err, size_t errlen)
{
	struct hs h = { fd, p, deadline, "the handshake", err, errlen };
	unsigned num = 0;

	/* select() cannot watch it */
	if (fd >= FD_SETSIZE) {
		errno = EMFILE;
		return hs_fail(&h, "descriptor %d is beyond select()'s %d", fd,
		    FD_SETSIZE);
	}
	if (dest_port(&h, port, &num) < 0)
		return -1;
	if (p->type == PROXY_SOCKS5)
		return s5_connect(&h, host, num);
	return http_connect(&h, host, num);
}
