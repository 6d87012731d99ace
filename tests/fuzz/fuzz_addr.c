/* libFuzzer harness: option parsers and address printing (src/addr.c, src/num.c).
 *
 * Input: a string up to the first NUL, then bytes for the rest: a selector
 * and a socket address (zeros where the input runs out), and the bounds
 * for num_parse. Checked: num_parse and num_secs accept
 * exactly what a plain reading of their rules accepts, with the same
 * value; addr_check_port takes every number 1-65535 (0 with allow_zero)
 * and no other string of digits; addr_host and addr_format stay inside
 * their buffers (allocated to the exact size, as is the socket address)
 * and print the address so that it parses back to itself.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "num.h"

#define SECS_MAX 31536000L /* as num.h */

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* The bytes after the string: a cursor that gives zeros past the end. */
struct rest {
	const uint8_t *d;
	size_t n, i;
};

static unsigned
take(struct rest *r)
{
	return r->i < r->n ? r->d[r->i++] : 0;
}

static unsigned long
take_long(struct rest *r)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | take(r);
	return v;
}

/* n digits only, at least one: 1 and the value (saturated at LONG_MAX). */
static int
digits(const char *s, size_t n, long *v)
{
	size_t i;

	*v = 0;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (*v > (LONG_MAX - 9) / 10)
			*v = LONG_MAX;
		else
			*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static void
check_num(const char *s, struct rest *r)
{
	/* the bounds the programs use are small; past LONG_MAX / 10 the
	 * parser's v * 10 could overflow (see the fuzz notes) */
	long hi = (long)(take_long(r) % (LONG_MAX / 10 + 1));
	long lo = (long)(take_long(r) % ((unsigned long)hi + 2));
	long got = -7, want;
	int ok = digits(s, strlen(s), &want) && want >= lo && want <= hi;

	check(num_parse(s, lo, hi, &got) == (ok ? 0 : -1));
	if (ok)
		check(got == want);
	else
		check(got == -7);
}

static void
check_port(const char *s, int allow_zero)
{
	long v;
	int rc = addr_check_port(s, allow_zero);

	check(rc == 0 || rc == -1);
	if (s[0] >= '0' && s[0] <= '9')
		check(rc == (digits(s, strlen(s), &v) && v >= !allow_zero && v <= 65535 ?
		    0 : -1));
}

static void
check_secs(const char *s)
{
	long ms = -7, whole, frac = 0, scale = 100;
	const char *dot = strchr(s, '.');
	int ok = digits(s, dot ? (size_t)(dot - s) : strlen(s), &whole) &&
	    whole <= SECS_MAX;

	if (ok && dot) {
		/* "5." is five seconds; digits past the third are cut */
		for (dot++; *dot >= '0' && *dot <= '9'; dot++, scale /= 10)
			frac += (*dot - '0') * scale;
		ok = *dot == '\0';
	}
	check(num_secs(s, &ms) == (ok ? 0 : -1));
	if (ok)
		check(ms == whole * 1000 + frac && ms >= 0);
	else
		check(ms == -7);
}

/* Prints sa both ways and reads the text back. */
static void
check_format(struct rest *r)
{
	unsigned sel = take(r), port, i;
	unsigned char a[16], back[16];
	char *host = malloc(ADDR_HOSTLEN), *buf = malloc(ADDR_STRLEN);
	struct sockaddr_in *s4 = NULL;
	struct sockaddr_in6 *s6 = NULL;
	struct sockaddr *sa;
	int mapped = 0, n = -1;
	size_t hl;

	check(host && buf);
	port = take(r) << 8;
	port |= take(r);
	for (i = 0; i < 16; i++)
		a[i] = (unsigned char)take(r);
	switch (sel % 4) {
	case 0:
		s4 = calloc(1, sizeof *s4);
		check(s4 != NULL);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a, 4);
		sa = (struct sockaddr *)s4;
		break;
	case 1:
		/* a v4-mapped address is shown as IPv4 */
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		/* FALLTHROUGH */
	case 2:
		s6 = calloc(1, sizeof *s6);
		check(s6 != NULL);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, a, 16);
		mapped = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
		sa = (struct sockaddr *)s6;
		break;
	default:
		/* a family it does not know: "?" */
		sa = calloc(1, sizeof *sa);
		check(sa != NULL);
		sa->sa_family = (sa_family_t)(AF_INET + AF_INET6 + 1 + sel);
		break;
	}

	addr_host(sa, host);
	addr_format(sa, buf);
	hl = strlen(host);
	check(hl < ADDR_HOSTLEN && strlen(buf) < ADDR_STRLEN);
	if (s4 || mapped) {
		check(inet_pton(AF_INET, host, back) == 1);
		check(memcmp(back, s4 ? a : a + 12, 4) == 0);
		check(strncmp(buf, host, hl) == 0 && buf[hl] == ':');
	} else if (s6) {
		check(inet_pton(AF_INET6, host, back) == 1);
		check(memcmp(back, a, 16) == 0);
		check(buf[0] == '[' && strncmp(buf + 1, host, hl) == 0 &&
		    buf[hl + 1] == ']' && buf[hl + 2] == ':');
		hl += 2;
	} else {
		check(strcmp(host, "?") == 0 && strncmp(buf, "?:", 2) == 0);
	}
	if (s4 || s6) {
		check(sscanf(buf + hl + 1, "%u%n", &i, &n) == 1);
		check(i == port && buf[hl + 1 + n] == '\0');
	}
	free(sa);
	free(host);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t sl = nul ? (size_t)(nul - data) : size;
	struct rest r;
	char *s = malloc(sl + 1);

	check(s != NULL);
	memcpy(s, data, sl);
	s[sl] = '\0';
	r.d = data + sl + (nul != NULL);
	r.n = size - sl - (nul != NULL);
	r.i = 0;

	check_num(s, &r);
	check_secs(s);
	check_port(s, (int)(take(&r) & 1));
	check_format(&r);
	free(s);
	return 0;
}
