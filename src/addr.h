/* Parsing of ports and addresses; printing of socket addresses. */
#ifndef ADDR_H
#define ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* "127.0.0.1:1026", "[::1]:1026"; v4-mapped IPv6 shown as IPv4 */
#define ADDR_STRLEN 112 /* and a Unix socket path: 107 bytes and "@" */
#define ADDR_HOSTLEN INET6_ADDRSTRLEN /* a host part, its NUL included */
#define ADDR_NAMELEN 256 /* a host name or address as typed (DNS allows 253) */
#define ADDR_PORT_MAX 65535

/* A port number 1-ADDR_PORT_MAX (0 too if allow_zero) or a TCP service name.
 * Returns 0, or -1 if s is neither. */
int addr_check_port(const char *s, int allow_zero);
/* A bracketed address ("[::1]", "[fe80::1%lo]", as addr_format prints
 * them) without its one pair of brackets, in buf (len bytes); anything
 * else as it is. Returns the host to resolve. */
const char *addr_unbracket(const char *s, char *buf, size_t len);
/* Formats sa into buf (ADDR_STRLEN bytes; a Unix socket as its path,
 * cut there); returns buf. */
char *addr_format(const struct sockaddr *sa, char *buf);
/* Host part only, without brackets, into ADDR_HOSTLEN bytes ("localhost"
 * for a Unix socket). Returns buf. */
char *addr_host(const struct sockaddr *sa, char *buf);

#endif
