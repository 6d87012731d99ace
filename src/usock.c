/* Unix domain sockets: the path rules, a stale file replaced, credentials. */
#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "line.h"
#include "log.h"
#include "net.h"
#include "sys.h"
#include "usock.h"

size_t
usock_path_max(void)
{
	struct sockaddr_un sun;

	return sizeof sun.sun_path - 1;
}

int
usock_check(const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);

	if (n == 0 || (path[0] == '@' && n == 1))
		snprintf(err, errlen, "invalid socket path '%s': empty", path);
	else if (n > usock_path_max())
		snprintf(err, errlen, "invalid socket path '%.40s...': %zu bytes, "
		    "at most %zu fit in a Unix socket address", path, n,
		    usock_path_max());
	else
		return 0;
	return -1;
}

/* path as a socket address; "@name" is abstract: a NUL, then the name. */
static socklen_t
make_addr(const char *path, struct sockaddr_un *sun)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	else
		n++; /* the NUL too */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

/* Whether a listener answers on path. Returns 1, or 0 if refused. */
static int
is_live(const char *path, const struct sockaddr_un *sun, socklen_t len)
{
	int fd, live = sys_unix_listening(path);

	/* asked without connecting: a live chat-listen would take a probe
	 * for its one peer */
	if (live >= 0)
		return live;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return 1; /* cannot tell: keep it */
	live = connect(fd, (const struct sockaddr *)sun, len) == 0 ||
	    errno != ECONNREFUSED;
	close(fd);
	return live;
}

/* One bind and listen. Returns the socket, or -1 with errno set. */
static int
bind_listen(const struct sockaddr_un *sun, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), save;

	if (fd < 0)
		return -1;
	if (fd >= FD_SETSIZE) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sun, len) == 0 &&
	    listen(fd, SOMAXCONN) == 0 && net_nonblock(fd) == 0)
		return fd;
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

int
usock_listen(const char *path, struct usock_file *f, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len = make_addr(path, &sun);
	struct stat st;
	int fd;

	f->path = NULL;
	fd = bind_listen(&sun, len);
	if (fd < 0 && errno == EADDRINUSE && path[0] != '@' &&
	    lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "cannot listen on %s: it exists "
			    "and is not a socket (not removed)", path);
			return -1;
		}
		if (is_live(path, &sun, len)) {
			snprintf(err, errlen, "cannot listen on %s: address in "
			    "use (another program listens there)", path);
			return -1;
		}
		/* a socket nobody listens on: a crashed run left it */
		log_info("replacing the stale socket %s", path);
		if (unlink(path) == 0 || errno == ENOENT)
			fd = bind_listen(&sun, len);
		else
			errno = EADDRINUSE;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    errno == EADDRINUSE ? "address in use" : strerror(errno));
		return -1;
	}
	if (path[0] != '@' && stat(path, &st) == 0) {
		f->path = path;
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
	return fd;
}

void
usock_remove(struct usock_file *f)
{
	struct stat st;

	/* someone may have put another socket there since: leave theirs */
	if (f->path && lstat(f->path, &st) == 0 && st.st_dev == f->dev &&
	    st.st_ino == f->ino)
		unlink(f->path);
	f->path = NULL;
}

int
usock_connect(const char *path, const struct net_opts *o, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct addrinfo ai;

	memset(&ai, 0, sizeof ai);
	ai.ai_family = AF_UNIX;
	ai.ai_socktype = SOCK_STREAM;
	ai.ai_addrlen = make_addr(path, &sun);
	ai.ai_addr = (struct sockaddr *)&sun;
	return net_connect_ai(&ai, path, o, err, errlen);
}

int
usock_login(int fd, char *name, size_t len)
{
	const struct passwd *pw;
	long uid, pid;

	if (sys_peercred(fd, &uid, &pid) < 0)
		return -1;
	pw = getpwuid((uid_t)uid);
	if (pw && line_name_valid(pw->pw_name, strlen(pw->pw_name)))
		snprintf(name, len, "%s", pw->pw_name);
	else
		snprintf(name, len, "uid%ld", uid);
	return 0;
}

char *
usock_peer(int fd, char *buf)
{
	char name[NAME_MAX_LEN + 1];
	long uid, pid;

	if (sys_peercred(fd, &uid, &pid) < 0 ||
	    usock_login(fd, name, sizeof name) < 0)
		snprintf(buf, USOCK_PEERLEN, "a local peer (credentials "
		    "unknown)");
	else
		snprintf(buf, USOCK_PEERLEN, "%s (uid %ld, pid %ld)", name, uid,
		    pid);
	return buf;
}
