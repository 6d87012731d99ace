/* Access control: --allow / --deny ADDR[/BITS] and --allow-file. */
#ifndef ACL_H
#define ACL_H

#include <stddef.h>
#include <sys/socket.h>

/* acl_load's failures: the file, or a line in it */
enum { ACL_ERR_READ = -1, ACL_ERR_RULE = -2 };

struct acl_rule {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network byte order; 4 used for IPv4 */
	int bits;                /* prefix length */
	int deny;
};

struct acl {
	struct acl_rule *rules;
	size_t n;
	size_t cap;              /* rules allocated; grows by doubling */
	int allows;              /* any allow rule: only matches get in */
};

void acl_init(struct acl *a);
/* Adds "ADDR" or "ADDR/BITS". A v4-mapped rule (::ffff:A.B.C.D, prefix 96
 * or more) is stored as the IPv4 rule it names. Returns 0, or -1 with errno
 * EINVAL if spec is not one, ENOMEM if there is no memory for it. */
int acl_add(struct acl *a, const char *spec, int deny);
/* Adds an allow rule per line of path (blank lines and # comments skipped).
 * Returns 0; ACL_ERR_READ if path cannot be read (a directory, no memory)
 * or ACL_ERR_RULE if a line is not a rule, with a message in err. */
int acl_load(struct acl *a, const char *path, char *err, size_t errlen);
/* 1 if the peer at sa may come in: no deny rule matches it and, when there
 * are allow rules, one matches. An IPv4 peer, v4-mapped or not, matches
 * IPv4 rules only; an IPv6 peer, IPv6 rules. A NULL acl lets everyone in. */
int acl_check(const struct acl *a, const struct sockaddr *sa);
void acl_free(struct acl *a);

#endif
