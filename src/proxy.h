/* Tunnels through a proxy: SOCKS5 (RFC 1928, 1929) and HTTP CONNECT. */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>

#define PROXY_SOCKS5_PORT "1080"
#define PROXY_HTTP_PORT "3128"
#define PROXY_NAME_MAX 255   /* a host, user or password: SOCKS5's length byte */
#define PROXY_HDR_MAX 16384  /* an HTTP proxy's reply header, all of it */

enum proxy_type { PROXY_SOCKS5, PROXY_HTTP };

struct proxy {
	enum proxy_type type;
	const char *host;  /* the proxy's host, without brackets */
	const char *port;  /* the proxy's port: as given, or the type's default */
	const char *auth;  /* "USER:PASS", or NULL */
	char where[300];   /* the proxy as messages name it: "127.0.0.1:1080" */
};

/* -X's value: "5" or "socks5", "connect" or "http". Returns 0, or -1. */
int proxy_type_parse(const char *s, enum proxy_type *t);
/* -x's ADDR[:PORT] ("127.0.0.1", "proxy:8080", "[::1]:1080", "::1") into
 * p->host, p->port and p->where; buf (len bytes) holds the host and the
 * port. Call after p->type is set. Returns 0, or -1 if s is no address, its
 * port no port, or buf too small. */
int proxy_addr_parse(const char *s, struct proxy *p, char *buf, size_t len);
/* Whether auth ("USER:PASS") can be sent to a proxy of type t. Returns 0,
 * or -1 with the reason in err. */
int proxy_auth_check(const char *auth, enum proxy_type t, char *err,
    size_t errlen);
/* On fd, a nonblocking socket connected to the proxy, asks for a tunnel to
 * host:port (port a number or service name; host sent as it is, for the
 * proxy to resolve), waiting until deadline (now_ms() time; -1: no bound).
 * Reads nothing past the proxy's reply. Returns 0, or -1 with a message in
 * err (errno EINTR when a signal stopped it). */
int proxy_connect(int fd, const struct proxy *p, const char *host,
    const char *port, long deadline, char *err, size_t errlen);

#endif
