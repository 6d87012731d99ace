/* libFuzzer harness: access control (src/acl.c acl_add, acl_check,
 * acl_load).
 *
 * Input: lines. A line starting with '@' is a peer: a selector byte (IPv4,
 * IPv6, v4-mapped IPv6, another family) and address bytes (zeros where
 * the line runs out). Any other line is a rule, "!" in front for --deny.
 * Checked: acl_add takes exactly the ADDR and ADDR/BITS that inet_pton and
 * a bit count in range make; acl_check lets each peer in exactly when a
 * model says (deny wins, allow rules mean only matches get in; an IPv4
 * peer, v4-mapped or not, is matched by IPv4 rules only, and a v4-mapped
 * rule of 96 bits or more is one: ::ffff:127.0.0.1 matches 127.0.0.1,
 * ::/0 does not);
 * the rule lines written to a file and read with acl_load give the same
 * answers as the --allow rules they stand for, and a bad line there is
 * ACL_ERR_RULE.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"

#define MAX_PEERS 64
#define ACL_LINE_MAX 256 /* as acl.c: longer lines go on only in a comment */

struct rule {
	int family, bits, deny;
	unsigned char addr[16];
};

struct model {
	struct rule *r; /* room for a rule per input line */
	int n, allows;
};

/* The allow file: an unlinked temporary file, opened by acl_load through
 * /proc/self/fd (Linux), so no run leaves one behind. */
static char path[64];
static int file_fd = -1;

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* A rule as the model reads spec ("ADDR" or "ADDR/BITS"); 0 or -1. */
static int
model_parse(const char *spec, int deny, struct rule *r)
{
	const char *slash = strchr(spec, '/');
	size_t hl = slash ? (size_t)(slash - spec) : strlen(spec), i;
	char host[64];
	int max;

	if (hl == 0 || hl >= 46)
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(r, 0, sizeof *r);
	r->deny = deny;
	if (inet_pton(AF_INET, host, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, host, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -1;
	max = r->family == AF_INET ? 32 : 128;
	r->bits = max;
	if (!slash)
		return 0;
	if (slash[1] == '\0')
		return -1;
	r->bits = 0;
	for (i = 1; slash[i]; i++) {
		if (slash[i] < '0' || slash[i] > '9')
			return -1;
		r->bits = r->bits * 10 + (slash[i] - '0');
		if (r->bits > max)
			return -1;
	}
	return 0;
}

static int
bit(const unsigned char *a, int i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

struct peer {
	struct sockaddr *sa;
	int v4;                /* an IPv4 peer, v4-mapped or not */
	int other;             /* neither IPv4 nor IPv6 */
	unsigned char a4[4];   /* as IPv4 rules see it (if v4) */
	unsigned char a6[16];  /* as IPv6 rules see it: ::ffff:A.B.C.D if v4 */
};

static int
model_check(const struct model *m, const struct peer *pe)
{
	static const unsigned char v4pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	int allowed = !m->allows, i, b, match, mapped;
	const unsigned char *a;

	if (pe->other)
		return m->n == 0 && !m->allows;
	for (i = 0; i < m->n; i++) {
		/* ::ffff:A.B.C.D/96 and longer name IPv4 peers, in mapped form */
		mapped = m->r[i].family == AF_INET6 && m->r[i].bits >= 96 &&
		    memcmp(m->r[i].addr, v4pfx, sizeof v4pfx) == 0;
		a = m->r[i].family == AF_INET ? pe->a4 : pe->a6;
		match = (m->r[i].family == AF_INET || mapped) == pe->v4;
		for (b = 0; match && b < m->r[i].bits; b++)
			match = bit(m->r[i].addr, b) == bit(a, b);
		if (match && m->r[i].deny)
			return 0;
		if (match)
			allowed = 1;
	}
	return allowed;
}

/* A peer from the bytes after '@' (len of them at p). */
static void
peer_make(const uint8_t *p, size_t len, struct peer *pe)
{
	unsigned char b[17] = { 0 };
	struct sockaddr_in *s4;
	struct sockaddr_in6 *s6;

	memcpy(b, p, len < sizeof b ? len : sizeof b);
	memset(pe, 0, sizeof *pe);
	switch (b[0] % 4) {
	case 0:
		s4 = calloc(1, sizeof *s4);
		check(s4 != NULL);
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, b + 1, 4);
		pe->sa = (struct sockaddr *)s4;
		pe->v4 = 1;
		memcpy(pe->a4, b + 1, 4);
		pe->a6[10] = pe->a6[11] = 0xff;
		memcpy(pe->a6 + 12, b + 1, 4);
		return;
	case 1:
		memset(b + 1, 0, 10);
		b[11] = b[12] = 0xff;
		/* FALLTHROUGH */
	case 2:
		s6 = calloc(1, sizeof *s6);
		check(s6 != NULL);
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, b + 1, 16);
		pe->sa = (struct sockaddr *)s6;
		pe->v4 = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
		memcpy(pe->a4, b + 13, 4);
		memcpy(pe->a6, b + 1, 16);
		return;
	default:
		pe->sa = calloc(1, sizeof *pe->sa);
		check(pe->sa != NULL);
		pe->sa->sa_family = AF_UNIX;
		pe->other = 1;
		return;
	}
}

/* The allow file's model: each line less its # comment and outer blanks
 * is an allow rule, or nothing; a line of ACL_LINE_MAX bytes or more must
 * have its # among the first ACL_LINE_MAX - 1. Returns 0, or -1 if
 * acl_load must fail. */
static int
model_file(const char *text, struct model *m)
{
	char *line, *p, *end, *hash;
	const char *nl;
	size_t len;
	int rc = 0;

	m->n = 0;
	m->allows = 1;
	line = malloc(strlen(text) + 1);
	check(line != NULL);
	while (*text) {
		nl = strchr(text, '\n');
		len = nl ? (size_t)(nl - text) : strlen(text);
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl != NULL);
		hash = strchr(line, '#');
		if (len >= ACL_LINE_MAX &&
		    (!hash || hash - line >= ACL_LINE_MAX - 1)) {
			rc = -1;
			break;
		}
		if (hash)
			*hash = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (end = p + strlen(p); end > p && strchr(" \t\r", end[-1]);
		    end--)
			;
		*end = '\0';
		if (*p == '\0')
			continue;
		if (model_parse(p, 0, &m->r[m->n]) < 0) {
			rc = -1;
			break;
		}
		m->n++;
	}
	free(line);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer peers[MAX_PEERS];
	struct model m, mf;
	struct acl a, af;
	size_t pos = 0, len, np = 0, i;
	const uint8_t *nl;
	char *spec, *text, err[512];
	int deny, rc, tl = 0;

	if (file_fd < 0) {
		snprintf(path, sizeof path, "%s/fuzz_acl.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		check((file_fd = mkstemp(path)) >= 0);
		check(unlink(path) == 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", file_fd);
	}
	/* the rule lines, NUL-free and each with a LF, for the allow file */
	text = malloc(size + 2);
	m.r = malloc((size + 1) * sizeof *m.r);
	mf.r = malloc((size + 1) * sizeof *mf.r);
	check(text && m.r && mf.r);
	m.n = m.allows = 0;
	acl_init(&a);
	while (pos < size && np < MAX_PEERS) {
		nl = memchr(data + pos, '\n', size - pos);
		len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		if (len > 0 && data[pos] == '@') {
			peer_make(data + pos + 1, len - 1, &peers[np++]);
		} else {
			spec = malloc(len + 1);
			check(spec != NULL);
			memcpy(spec, data + pos, len);
			spec[len] = '\0';
			deny = spec[0] == '!';
			rc = model_parse(spec + deny, deny, &m.r[m.n]);
			check(acl_add(&a, spec + deny, deny) == rc);
			if (rc == 0) {
				m.n++;
				m.allows |= !deny;
			}
			if (memchr(data + pos, '\0', len) == NULL) {
				memcpy(text + tl, spec, len);
				tl += (int)len;
				text[tl++] = '\n';
			}
			free(spec);
		}
		pos += len + 1;
	}
	text[tl] = '\0';
	check(a.n == (size_t)m.n);

	/* the same lines as an allow file */
	check(ftruncate(file_fd, 0) == 0);
	check(pwrite(file_fd, text, (size_t)tl, 0) == (ssize_t)tl);
	acl_init(&af);
	rc = model_file(text, &mf);
	err[0] = '\0';
	check(acl_load(&af, path, err, sizeof err) ==
	    (rc == 0 ? 0 : ACL_ERR_RULE));
	check(rc == 0 ? err[0] == '\0' : err[0] != '\0');

	for (i = 0; i < np; i++) {
		check(acl_check(&a, peers[i].sa) == model_check(&m, &peers[i]));
		if (rc == 0)
			check(acl_check(&af, peers[i].sa) ==
			    model_check(&mf, &peers[i]));
		check(acl_check(NULL, peers[i].sa) == 1);
		free(peers[i].sa);
	}
	acl_free(&a);
	acl_free(&af);
	free(text);
	free(m.r);
	free(mf.r);
	return 0;
}
