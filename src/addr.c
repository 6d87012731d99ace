/* Ports, seconds and addresses: strict parsing and printing. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

int
addr_parse_num(const char *s, long lo, long hi, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		/* past hi? asked before v * 10 could overflow */
		if (v > hi / 10 || v * 10 > hi - (*s - '0'))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

int
addr_check_port(const char *s, int allow_zero)
{
	long port;

	if (*s >= '0' && *s <= '9')
		return addr_parse_num(s, allow_zero ? 0 : 1, 65535, &port);
	return getservbyname(s, "tcp") ? 0 : -1;
}

int
addr_parse_secs(const char *s, long *ms)
{
	long whole = 0, frac = 0, scale = 100;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (*s - '0');
		if (whole > ADDR_SECS_MAX)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (*s != '\0')
		return -1;
	*ms = whole * 1000 + frac;
	return 0;
}

const char *
addr_unbracket(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n < 2 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= len)
		return s;
	memcpy(buf, s + 1, n - 2);
	buf[n - 2] = '\0';
	return buf;
}

char *
addr_host(const struct sockaddr *sa, char *buf)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    buf, ADDR_HOSTLEN);
	} else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, ADDR_HOSTLEN);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, ADDR_HOSTLEN);
	} else {
		snprintf(buf, ADDR_HOSTLEN, "?");
	}
	return buf;
}

char *
addr_format(const struct sockaddr *sa, char *buf)
{
	char host[ADDR_HOSTLEN];
	unsigned port;

	addr_host(sa, host);
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (strchr(host, ':'))
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", host, port);
	else
		snprintf(buf, ADDR_STRLEN, "%s:%u", host, port);
	return buf;
}
