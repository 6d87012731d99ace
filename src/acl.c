/* Access rules: who may connect (--allow, --deny, --allow-file). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acl.h"
#include "addr.h"
#include "num.h"

#define ACL_LINE_MAX 256 /* longest line of an allow file */
#define ACL_CAP_MIN 16   /* rules in the first allocation */

/* the first 96 bits of a v4-mapped IPv6 address, ::ffff:0:0/96 */
static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void
acl_init(struct acl *a)
{
	memset(a, 0, sizeof *a);
}

void
acl_free(struct acl *a)
{
	free(a->rules);
	acl_init(a);
}

/* Parses "ADDR" or "ADDR/BITS" into r. Returns 0, or -1. */
static int
rule_parse(struct acl_rule *r, const char *spec)
{
	char host[ADDR_HOSTLEN];
	const char *slash = strchr(spec, '/');
	size_t hlen = slash ? (size_t)(slash - spec) : strlen(spec);
	long bits;

	if (hlen == 0 || hlen >= sizeof host)
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, host, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -1;
	bits = r->family == AF_INET ? 32 : 128;
	if (slash && num_parse(slash + 1, 0, bits, &bits) < 0)
		return -1;
	r->bits = (int)bits;
	return 0;
}

/* ::ffff:A.B.C.D/96+ names IPv4 peers only: keep it as the IPv4 rule, the
 * form acl_check matches those peers in. A shorter IPv6 prefix stays an
 * IPv6 rule, for IPv6 peers. */
static void
rule_unmap(struct acl_rule *r)
{
	if (r->family != AF_INET6 || r->bits < 96 ||
	    memcmp(r->addr, v4mapped, sizeof v4mapped) != 0)
		return;
	memmove(r->addr, r->addr + 12, 4);
	memset(r->addr + 4, 0, sizeof r->addr - 4);
	r->family = AF_INET;
	r->bits -= 96;
}

/* Room for one more rule. Returns 0, or -1 with errno ENOMEM. */
static int
acl_grow(struct acl *a)
{
	struct acl_rule *grown;
	size_t cap;

	if (a->n < a->cap)
		return 0;
	/* doubling: a file of n rules costs O(n) copies, not O(n^2) */
	cap = a->cap ? a->cap * 2 : ACL_CAP_MIN;
	if (cap > SIZE_MAX / sizeof *grown) {
		errno = ENOMEM;
		return -1;
	}
	grown = realloc(a->rules, cap * sizeof *grown);
	if (!grown) {
		errno = ENOMEM;
		return -1;
	}
	a->rules = grown;
	a->cap = cap;
	return 0;
}

int
acl_add(struct acl *a, const char *spec, int deny)
{
	struct acl_rule r;

	memset(&r, 0, sizeof r);
	r.deny = deny;
	if (rule_parse(&r, spec) < 0) {
		errno = EINVAL;
		return -1;
	}
	rule_unmap(&r);
	if (acl_grow(a) < 0)
		return -1;
	a->rules[a->n++] = r;
	a->allows |= !deny;
	return 0;
}

/* Skips the rest of a line that did not fit; returns 1 if there was any. */
static int
skip_rest(FILE *f)
{
	int c, more = 0;

	while ((c = getc(f)) != EOF && c != '\n')
		more = 1;
	return more;
}

/* Puts "path: why" from errno in err; returns ACL_ERR_READ. */
static int
read_error(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return ACL_ERR_READ;
}

/* acl_load's loop over the lines of f. Returns as acl_load. */
static int
load_lines(struct acl *a, FILE *f, const char *path, char *err,
    size_t errlen)
{
	char line[ACL_LINE_MAX], *p, *end;
	int lineno = 0;

	for (;;) {
		line[sizeof line - 1] = 1; /* fgets sets it to 0 when line fills */
		if (!fgets(line, sizeof line, f))
			break;
		lineno++;
		/* past the buffer a line may only go on inside a comment */
		if (line[sizeof line - 1] == '\0' &&
		    line[sizeof line - 2] != '\n' && skip_rest(f) &&
		    !strchr(line, '#')) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			return ACL_ERR_RULE;
		}
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (end = p + strlen(p); end > p && strchr(" \t\r\n", end[-1]); end--)
			;
		*end = '\0';
		if (*p && acl_add(a, p, 0) < 0) {
			if (errno == ENOMEM)
				return read_error(path, err, errlen);
			snprintf(err, errlen, "%s:%d: not an address or "
			    "ADDR/BITS: '%s'", path, lineno, p);
			return ACL_ERR_RULE;
		}
	}
	/* fgets' NULL is an end of file or an error; an error is not a list */
	return ferror(f) ? read_error(path, err, errlen) : 0;
}

/* 0 if f is a file to read rules from, or -1 with errno set. */
static int
load_check(FILE *f)
{
	struct stat st;

	if (fstat(fileno(f), &st) < 0)
		return -1;
	/* fopen takes a directory; reading it fails, or reads nothing */
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	return 0;
}

int
acl_load(struct acl *a, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return read_error(path, err, errlen);
	if (load_check(f) < 0) {
		rc = read_error(path, err, errlen);
		fclose(f);
		return rc;
	}
	/* a file with no rule still means: only what it lists gets in */
	a->allows = 1;
	rc = load_lines(a, f, path, err, errlen);
	fclose(f);
	return rc;
}

/* 1 if addr (4 or 16 bytes, as r's family) is in r's prefix. */
static int
rule_match(const struct acl_rule *r, const unsigned char *addr)
{
	int full = r->bits / 8, rest = r->bits % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (memcmp(r->addr, addr, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((r->addr[full] ^ addr[full]) & mask) == 0;
}

int
acl_check(const struct acl *a, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const unsigned char *v4 = NULL, *v6 = NULL, *addr;
	int allowed;
	size_t i;

	if (!a || (a->n == 0 && !a->allows))
		return 1;
	if (sa->sa_family == AF_INET)
		v4 = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		v4 = s6->sin6_addr.s6_addr + 12;
	else if (sa->sa_family == AF_INET6)
		v6 = s6->sin6_addr.s6_addr;
	else
		return 0;
	/* families apart: --deny ::/0 means no IPv6, and IPv4
	 * peers (v4-mapped ones too) meet IPv4 rules only */
	allowed = !a->allows;
	for (i = 0; i < a->n; i++) {
		addr = a->rules[i].family == AF_INET ? v4 : v6;
		if (!addr || !rule_match(&a->rules[i], addr))
			continue;
		if (a->rules[i].deny)
			return 0; /* deny wins over any allow */
		allowed = 1;
	}
	return allowed;
}
