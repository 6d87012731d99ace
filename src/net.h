/* TCP sockets: listen, accept, connect. Helpers report, callers decide. */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <sys/socket.h>

#define NET_MAXLISTEN 8 /* listening sockets: one per address of -b or the wildcard */

struct net_opts {
	int family;   /* AF_UNSPEC, AF_INET or AF_INET6 (-4, -6) */
	long wait_ms; /* bound on each connect attempt; -1 = the kernel's */
	long retry_ms; /* keep retrying refused connects this long; 0 = no */
	int numeric;  /* -n: host must be a numeric address, no DNS */
	const char *src_host; /* -s: connect from this address, or NULL */
	const char *src_port; /* -p: connect from this port, or NULL */
};

struct addrinfo;

/* Opens nonblocking listening sockets for host (NULL = every address,
 * IPv4 and IPv6 each on its own socket) and port ("0": the kernel picks one
 * port for all); of o, only family and numeric count. Returns how many were
 * put in fds, or -1 with a message in err. */
int net_listen(const char *host, const char *port, const struct net_opts *o,
    int *fds, int maxfds, char *err, size_t errlen);
/* Accepts one peer as a nonblocking socket below FD_SETSIZE; fills sa.
 * Returns the socket, or -1 with errno set (EAGAIN: nobody waiting). */
int net_accept(int lfd, struct sockaddr_storage *sa);
/* Connects to host:port, trying each address in turn, as o says.
 * Returns a nonblocking connected socket, or -1 with a message in err
 * (errno EINTR when a signal stopped it). */
int net_connect(const char *host, const char *port, const struct net_opts *o,
    char *err, size_t errlen);
/* Connects to the first address of res that answers, as o says (source,
 * wait, retries); where names the destination in messages ("HOST port
 * PORT"). A missing Unix socket file counts as refused. Returns a
 * nonblocking connected socket, or -1 with a message in err (errno EINTR
 * when a signal stopped it). */
int net_connect_ai(const struct addrinfo *res, const char *where,
    const struct net_opts *o, char *err, size_t errlen);
/* The socket's local address, formatted as addr_format does. */
char *net_local(int fd, char *buf);
/* Marks fd nonblocking. Returns 0, or -1 with errno set. */
int net_nonblock(int fd);

#endif
