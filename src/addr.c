/* Ports and addresses: strict parsing and printing. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "num.h"

int
addr_check_port(const char *s, int allow_zero)
{
	long port;

	if (*s >= '0' && *s <= '9')
		return num_parse(s, allow_zero ? 0 : 1, ADDR_PORT_MAX, &port);
	return getservbyname(s, "tcp") ? 0 : -1;
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
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(buf, ADDR_HOSTLEN, "localhost");
	} else {
		snprintf(buf, ADDR_HOSTLEN, "?");
	}
	return buf;
}

/* A Unix socket's path, "@name" if abstract, "?" if unnamed. */
static char *
unix_path(const struct sockaddr_un *sun, char *buf)
{
	size_t max = sizeof sun->sun_path - 1;

	if (sun->sun_path[0])
		snprintf(buf, ADDR_STRLEN, "%.*s", (int)max, sun->sun_path);
	else if (sun->sun_path[1])
		snprintf(buf, ADDR_STRLEN, "@%.*s", (int)max, sun->sun_path + 1);
	else
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

char *
addr_format(const struct sockaddr *sa, char *buf)
{
	char host[ADDR_HOSTLEN];
	unsigned port;

	if (sa->sa_family == AF_UNIX)
		return unix_path((const struct sockaddr_un *)sa, buf);
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
