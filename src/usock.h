/* Unix domain sockets (-U): paths, listening, connecting, who the peer is. */
#ifndef USOCK_H
#define USOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "net.h"

#define USOCK_PEERLEN 80 /* "alice (uid 1000, pid 4242)" */

/* The socket file usock_listen made, so that exit removes that one only. */
struct usock_file {
	const char *path; /* NULL: nothing to remove (abstract, or none) */
	dev_t dev;
	ino_t ino;
};

/* Longest path (or @name) a sockaddr_un holds, its NUL not counted. */
size_t usock_path_max(void);
/* Whether path fits: 1-usock_path_max() bytes, "@" and a name for an
 * abstract socket (Linux). Returns 0, or -1 with the reason in err. */
int usock_check(const char *path, char *err, size_t errlen);
/* Listens on path: a stale socket file (nobody accepts on it) is replaced,
 * a live one or anything not a socket is left alone. The file gets the
 * umask's permissions. Fills f for usock_remove. Returns a nonblocking
 * listening socket, or -1 with a message in err. */
int usock_listen(const char *path, struct usock_file *f, char *err,
    size_t errlen);
/* Removes the file usock_listen made, if it is still that file. */
void usock_remove(struct usock_file *f);
/* Connects to path as o says (wait, retries; a missing file counts as
 * refused). Returns a nonblocking socket, or -1 with a message in err. */
int usock_connect(const char *path, const struct net_opts *o, char *err,
    size_t errlen);
/* Who connected on fd, from the kernel's credentials: "alice (uid 1000,
 * pid 4242)", or "a local peer (credentials unknown)". Returns buf
 * (USOCK_PEERLEN bytes). */
char *usock_peer(int fd, char *buf);
/* The login name of the user on the other end of fd, as a valid room
 * name ("uid1000" when the login cannot be one), into name (len bytes).
 * Returns 0, or -1 with errno set when the system does not say. */
int usock_login(int fd, char *name, size_t len);

#endif
