#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "addr.h"

#define ACL_LINE_MAX 256 /* longest line of an allow file */

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

int
acl_add(struct acl *a, const char *spec, int deny)
{
	struct acl_rule r, *grown;
	char host[ADDR_HOSTLEN];
	const char *slash = strchr(spec, '/');
	size_t hlen = slash ? (size_t)(slash - spec) : strlen(spec);
	long bits;

	if (hlen == 0 || hlen >= sizeof host)
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&r, 0, sizeof r);
	r.deny = deny;
	if (inet_pton(AF_INET, host, r.addr) == 1)
		r.family = AF_INET;
	else if (inet_pton(AF_INET6, host, r.addr) == 1)
		r.family = AF_INET6;
	else
		return -1;
	bits = r.family == AF_INET ? 32 : 128;
	if (slash && addr_parse_num(slash + 1, 0, bits, &bits) < 0)
		return -1;
	r.bits = (int)bits;
	grown = realloc(a->rules, (a->n + 1) * sizeof *grown);
	if (!grown)
		return -1;
	a->rules = grown;
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

int
acl_load(struct acl *a, const char *path, char *err, size_t errlen)
{
	char line[ACL_LINE_MAX], *p, *end;
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* a file with no rule still means: only what it lists gets in */
	a->allows = 1;
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
			fclose(f);
			return -1;
		}
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (end = p + strlen(p); end > p && strchr(" \t\r\n", end[-1]); end--)
			;
		*end = '\0';
		if (*p && acl_add(a, p, 0) < 0) {
			snprintf(err, errlen, "%s:%d: not an address or "
			    "ADDR/BITS: '%s'", path, lineno, p);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int
rule_match(const struct acl_rule *r, int family, const unsigned char *addr)
{
	int full = r->bits / 8, rest = r->bits % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (r->family != family || memcmp(r->addr, addr, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((r->addr[full] ^ addr[full]) & mask) == 0;
}

int
acl_check(const struct acl *a, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const unsigned char *addr;
	int family = sa->sa_family, allowed, i;

	if (!a || (a->n == 0 && !a->allows))
		return 1;
	if (family == AF_INET) {
		addr = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		family = AF_INET;
		addr = s6->sin6_addr.s6_addr + 12;
	} else if (family == AF_INET6) {
		addr = s6->sin6_addr.s6_addr;
	} else {
		return 0;
	}
	allowed = !a->allows;
	for (i = 0; i < (int)a->n; i++) {
		if (!rule_match(&a->rules[i], family, addr))
			continue;
		if (a->rules[i].deny)
			return 0; /* deny wins over any allow */
		allowed = 1;
	}
	return allowed;
}
