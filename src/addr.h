/* Parsing of ports, durations and addresses; printing of socket addresses. */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* "127.0.0.1:1026", "[::1]:1026"; v4-mapped IPv6 shown as IPv4 */
#define ADDR_STRLEN 64
#define ADDR_HOSTLEN 46 /* INET6_ADDRSTRLEN */
#define ADDR_SECS_MAX 31536000L /* a year: larger values are surely typos */

/* A port number 1-65535 (0 too if allow_zero) or a TCP service name.
 * Returns 0, or -1 if s is neither. */
int addr_check_port(const char *s, int allow_zero);
/* Seconds 0-ADDR_SECS_MAX, "5" or "0.25", as milliseconds. Returns 0, or -1. */
int addr_parse_secs(const char *s, long *ms);
/* A whole number lo..hi. Returns 0, or -1. */
int addr_parse_num(const char *s, long lo, long hi, long *out);
/* A bracketed address ("[::1]", "[fe80::1%lo]", as addr_format prints
 * them) without its one pair of brackets, in buf (len bytes); anything
 * else as it is. Returns the host to resolve. */
const char *addr_unbracket(const char *s, char *buf, size_t len);
/* Formats sa into buf (ADDR_STRLEN bytes); returns buf. */
char *addr_format(const struct sockaddr *sa, char *buf);
/* Host part only, without brackets, into ADDR_HOSTLEN bytes. Returns buf. */
char *addr_host(const struct sockaddr *sa, char *buf);

#endif
