/* TCP sockets: listen, accept, connect. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sig.h"
#include "timeutil.h"

#define RETRY_FIRST_MS 50  /* first pause between refused connects */
#define RETRY_MAX_MS 1000  /* the pause doubles up to this */

/* Chat is interactive: a short line goes out now, not after an ACK. */
static void
nodelay(int fd)
{
	int on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

int
net_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

char *
net_local(int fd, char *buf)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		snprintf(buf, ADDR_STRLEN, "?");
	else
		addr_format((struct sockaddr *)&ss, buf);
	return buf;
}

static void
set_port(struct sockaddr *sa, unsigned short port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = port;
	else
		((struct sockaddr_in6 *)sa)->sin6_port = port;
}

static unsigned short
get_sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_port;
	return ((const struct sockaddr_in6 *)sa)->sin6_port;
}

static unsigned short
get_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return get_sa_port((struct sockaddr *)&ss);
}

static void
close_all(int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

/* One listening socket. Returns it, or -1 with errno set. */
static int
listen_one(struct addrinfo *ai)
{
	int fd, on = 1, save;

	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* IPv4 has its own socket, so IPv6 takes no v4-mapped peers */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (fd >= FD_SETSIZE) {
		errno = EMFILE;
		goto fail;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, SOMAXCONN) < 0 || net_nonblock(fd) < 0)
		goto fail;
	return fd;
fail:
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

static void
listen_error(char *err, size_t errlen, const struct sockaddr *sa,
    const char *port)
{
	char host[ADDR_STRLEN];
	int e = errno;

	addr_host(sa, host);
	snprintf(err, errlen, "cannot listen on %s port %s: %s%s", host, port,
	    strerror(e), e == EACCES ?
	    " (ports below 1024 need privileges; use 1024 or above)" : "");
}

/* getaddrinfo's complaint about host, or with -n, that it is no number */
static void
lookup_error(char *err, size_t errlen, const char *host, int numeric, int rc)
{
	if (numeric && rc == EAI_NONAME)
		snprintf(err, errlen, "%s: not a numeric address (-n: no DNS)",
		    host);
	else
		snprintf(err, errlen, "%s: %s", host,
		    rc == EAI_SERVICE ? "unknown port" : gai_strerror(rc));
}

int
net_listen(const char *host, const char *port, const struct net_opts *o,
    int *fds, int maxfds, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	unsigned short chosen = 0;
	int n = 0, rc, tries = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | (o->numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 && host) {
		lookup_error(err, errlen, host, o->numeric, rc);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", port, gai_strerror(rc));
		return -1;
	}
again:
	for (ai = res; ai && n < maxfds; ai = ai->ai_next) {
		int fd, any = get_sa_port(ai->ai_addr) == 0;

		/* port 0: every socket shares the port the kernel gave the first */
		if (chosen)
			set_port(ai->ai_addr, chosen);
		fd = listen_one(ai);
		if (fd < 0 && host == NULL &&
		    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			continue; /* no IPv6 (or IPv4) on this system */
		if (fd < 0 && chosen && errno == EADDRINUSE && ++tries < 16) {
			close_all(fds, n);
			n = 0;
			chosen = 0;
			for (ai = res; ai; ai = ai->ai_next)
				set_port(ai->ai_addr, 0);
			goto again;
		}
		if (fd < 0) {
			listen_error(err, errlen, ai->ai_addr, port);
			close_all(fds, n);
			freeaddrinfo(res);
			return -1;
		}
		if (any && !chosen)
			chosen = get_port(fd);
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0)
		snprintf(err, errlen, "cannot listen on port %s: %s", port,
		    "no usable address");
	return n > 0 ? n : -1;
}

int
net_accept(int lfd, struct sockaddr_storage *sa)
{
	socklen_t len = sizeof *sa;
	int fd;

	LOOP_RETRY(fd, accept(lfd, (struct sockaddr *)sa, &len));
	if (fd < 0)
		return -1;
	/* select() cannot watch it: refuse rather than corrupt an fd_set */
	if (fd >= FD_SETSIZE || net_nonblock(fd) < 0) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	nodelay(fd);
	return fd;
}

/* Whether fd is connected to itself. */
static int
is_self(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t alen = sizeof a, blen = sizeof b;

	return getsockname(fd, (struct sockaddr *)&a, &alen) == 0 &&
	    getpeername(fd, (struct sockaddr *)&b, &blen) == 0 &&
	    alen == blen && memcmp(&a, &b, alen) == 0;
}

/* The first address of src in ai's family, or NULL. */
static const struct addrinfo *
src_for(const struct addrinfo *src, const struct addrinfo *ai)
{
	for (; src; src = src->ai_next)
		if (src->ai_family == ai->ai_family)
			return src;
	return NULL;
}

/* Binds fd to src (-s, -p); a port in TIME_WAIT may be reused, as nc does.
 * Returns 0, or -1 with errno set and the reason in err. */
static int
bind_source(int fd, const struct addrinfo *src, char *err, size_t errlen)
{
	char name[ADDR_STRLEN];
	int on = 1, e;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, src->ai_addr, src->ai_addrlen) == 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "cannot bind to %s: %s", addr_format(src->ai_addr,
	    name), e == EADDRNOTAVAIL ? "address not available on this host" :
	    e == EADDRINUSE ? "address in use" : strerror(e));
	errno = e;
	return -1;
}

/* One attempt, from src if given. Returns a connected socket, or -1 with
 * errno set (and with a message in err if binding failed). */
static int
connect_one(const struct addrinfo *ai, const struct addrinfo *src,
    long wait_ms, char *err, size_t errlen)
{
	struct timeval tv;
	fd_set wr;
	socklen_t len = sizeof(int);
	int fd, rc, soerr = 0, save;

	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (fd >= FD_SETSIZE) {
		errno = EMFILE;
		goto fail;
	}
	if (net_nonblock(fd) < 0)
		goto fail;
	if (src && bind_source(fd, src, err, errlen) < 0)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto connected;
	if (errno != EINPROGRESS)
		goto fail;
	for (;;) {
		FD_ZERO(&wr);
		FD_SET(fd, &wr);
		tv.tv_sec = wait_ms / 1000;
		tv.tv_usec = (wait_ms % 1000) * 1000;
		rc = select(fd + 1, NULL, &wr, NULL, wait_ms < 0 ? NULL : &tv);
		if (rc < 0 && errno == EINTR && !sig_caught)
			continue;
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
connected:
	/* -p P to our own port P with nobody there: TCP's simultaneous open
	 * connects the socket to itself; that is no listener */
	if (src && is_self(fd)) {
		errno = ECONNREFUSED;
		goto fail;
	}
	nodelay(fd);
	return fd;
fail:
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

/* Sleeps ms unless a signal comes. Returns 0, or -1 when interrupted. */
static int
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR || sig_caught)
			return -1;
	}
	return 0;
}

/* The addresses -s and -p ask for into *src (NULL: neither given).
 * Returns 0, or -1 with a message in err. */
static int
resolve_source(const struct net_opts *o, struct addrinfo **src, char *err,
    size_t errlen)
{
	struct addrinfo hints;
	int rc;

	*src = NULL;
	if (!o->src_host && !o->src_port)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | (o->numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(o->src_host, o->src_port ? o->src_port : "0", &hints,
	    src);
	if (rc == 0)
		return 0;
	if (o->src_host)
		lookup_error(err, errlen, o->src_host, o->numeric, rc);
	else
		snprintf(err, errlen, "%s: %s", o->src_port, gai_strerror(rc));
	return -1;
}

int
net_connect_ai(const struct addrinfo *res, const char *where,
    const struct net_opts *o, char *err, size_t errlen)
{
	const struct addrinfo *ai, *from;
	struct addrinfo *src;
	char name[ADDR_STRLEN], why[LOG_ERRLEN];
	long deadline = now_ms() + o->retry_ms, pause = RETRY_FIRST_MS, left;
	int fd = -1, refused, tried, e;

	if (resolve_source(o, &src, err, errlen) < 0)
		return -1;
	for (;;) {
		refused = 1;
		tried = 0;
		for (ai = res; ai && fd < 0 && !sig_caught; ai = ai->ai_next) {
			/* -s: only the addresses of its family */
			if (src && !(from = src_for(src, ai)))
				continue;
			if (!src)
				from = NULL;
			tried++;
			log_debug("trying %s...", addr_format(ai->ai_addr, name));
			why[0] = '\0';
			fd = connect_one(ai, from, o->wait_ms, why, sizeof why);
			if (fd >= 0)
				continue;
			e = errno;
			/* no socket file yet: the listener may still be starting */
			if (e != ECONNREFUSED && !(ai->ai_family == AF_UNIX &&
			    e == ENOENT))
				refused = 0;
			if (why[0])
				snprintf(err, errlen, "%s", why);
			else
				snprintf(err, errlen, "cannot connect to %s: %s",
				    where, strerror(e));
		}
		if (!tried && res && !sig_caught) {
			snprintf(err, errlen, "cannot connect from %s to %s: not "
			    "the same address family", o->src_host,
			    addr_host(res->ai_addr, name));
			break;
		}
		left = deadline - now_ms();
		if (fd >= 0 || sig_caught || !refused || left <= 0)
			break;
		/* the other side may still be starting: back off and retry */
		if (pause_ms(pause < left ? pause : left) < 0)
			break;
		pause = pause * 2 < RETRY_MAX_MS ? pause * 2 : RETRY_MAX_MS;
	}
	if (src)
		freeaddrinfo(src);
	if (fd < 0 && sig_caught)
		errno = EINTR;
	return fd;
}

int
net_connect(const char *host, const char *port, const struct net_opts *o,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	char where[ADDR_NAMELEN + 32];
	int fd, rc, e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = o->numeric ? AI_NUMERICHOST : 0;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		lookup_error(err, errlen, host, o->numeric, rc);
		return -1;
	}
	snprintf(where, sizeof where, "%s port %s", host, port);
	fd = net_connect_ai(res, where, o, err, errlen);
	e = errno;
	freeaddrinfo(res);
	errno = e;
	return fd;
}
