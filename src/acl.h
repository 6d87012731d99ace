/* Access control: --allow / --deny ADDR[/BITS] and --allow-file. */
#ifndef ACL_H
#define ACL_H

#include <stddef.h>
#include <sys/socket.h>

struct acl_rule {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network byte order; 4 used for IPv4 */
	int bits;                /* prefix length */
	int deny;
};

struct acl {
	struct acl_rule *rules;
	size_t n;
	int allows;              /* any allow rule: only matches get in */
};

void acl_init(struct acl *a);
/* Adds "ADDR" or "ADDR/BITS". Returns 0, or -1 if spec is not one. */
int acl_add(struct acl *a, const char *spec, int deny);
/* Adds an allow rule per line of path (blank lines and # comments skipped).
 * Returns 0, or -1 with a message in err. */
int acl_load(struct acl *a, const char *path, char *err, size_t errlen);
/* 1 if the peer at sa may come in: no deny rule matches it and, when there
 * are allow rules, one matches. A v4-mapped IPv6 peer is matched as IPv4.
 * A NULL acl lets everyone in. */
int acl_check(const struct acl *a, const struct sockaddr *sa);
void acl_free(struct acl *a);

#endif
