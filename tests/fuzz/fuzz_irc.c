/* libFuzzer harness: IRC message parsing and splitting (src/irc.c).
 *
 * The input is parsed whole as one line, in a buffer of exactly its
 * length. Checked: the prefix, command and params lie inside the line in
 * order; nparams <= IRC_PARAMS_MAX; the command is set and holds no space
 * when 0 is returned, and -1 means nothing but spaces, tags and a prefix;
 * no param but a trailing last one holds a space, starts with ':' or is
 * empty. irc_eq and irc_channel_valid agree with plain readings of their
 * rules.
 *
 * Then it is split: bit 0 of byte 0 asks for a CTCP ACTION, the rest of
 * bytes 0-1 give the head's length (0-510, cut to what the input holds;
 * NUL, CR and LF in the head become '.'), and the bytes after the head are
 * the text. Checked: the result is at most irc_split_max and is 0 exactly
 * when the head leaves no room for 4 bytes of text; it fits in exactly
 * that many bytes and not one fewer; every message is at most IRC_LINE_MAX
 * bytes, starts with the head (and the CTCP wrapper), ends with CRLF (the
 * wrapper's \001 before it) and holds no NUL, CR or LF before; the text
 * parts give back the text less its NUL, CR and LF; each part but the last
 * is full up to a unit that did not fit, and when that text is valid UTF-8
 * no part starts with a continuation byte.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"

#define CTCP_HEAD "\001ACTION "
#define CTCP_HEADLEN 8

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Whether p (n bytes) lies inside line (len bytes). */
static int
inside(const char *line, size_t len, const char *p, size_t n)
{
	return p >= line && n <= len && (size_t)(p - line) <= len - n;
}

static size_t
skip(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

static size_t
word(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ' ')
		i++;
	return i;
}

/* Equality as the C locale folds case: A-Z only. */
static int
eq_model(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Whether line holds no command: spaces, tags and a prefix at most. */
static int
no_command(const char *line, size_t len)
{
	size_t i = skip(line, len, 0);

	if (i < len && line[i] == '@')
		i = skip(line, len, word(line, len, i));
	if (i < len && line[i] == ':')
		i = skip(line, len, word(line, len, i));
	return i == len;
}

static void
check_parse(const char *line, size_t len)
{
	struct irc_msg m;
	const char *after;
	int r, i, trailing;

	r = irc_parse(line, len, &m);
	check(r == 0 || r == -1);
	check(r == -1 ? no_command(line, len) : !no_command(line, len));
	if (r == -1)
		return;
	check(m.cmd != NULL && m.cmdlen > 0);
	check(inside(line, len, m.cmd, m.cmdlen));
	check(memchr(m.cmd, ' ', m.cmdlen) == NULL);
	if (m.prefix != NULL) {
		check(inside(line, len, m.prefix, m.prefixlen));
		check(m.prefix[-1] == ':' && m.prefix + m.prefixlen <= m.cmd);
		check(memchr(m.prefix, ' ', m.prefixlen) == NULL);
	}
	check(m.nparams >= 0 && m.nparams <= IRC_PARAMS_MAX);
	after = m.cmd + m.cmdlen;
	for (i = 0; i < m.nparams; i++) {
		check(inside(line, len, m.param[i], m.paramlen[i]));
		check(m.param[i] > after);
		after = m.param[i] + m.paramlen[i];
		trailing = i == m.nparams - 1 && (m.param[i][-1] == ':' ||
		    i == IRC_PARAMS_MAX - 1);
		if (trailing) {
			/* the rest of the line */
			check(after == line + len);
			continue;
		}
		check(m.paramlen[i] > 0 && m.param[i][0] != ':');
		check(memchr(m.param[i], ' ', m.paramlen[i]) == NULL);
	}
	/* nothing but spaces is left out at the end */
	check(skip(line, len, (size_t)(after - line)) == len);
	check(irc_is(&m, "PRIVMSG") ==
	    (m.cmdlen == 7 && eq_model(m.cmd, "PRIVMSG", 7)));
}

static int
channel_model(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || len > IRC_CHANNEL_MAX || s[0] != '#')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == ',' || s[i] == 7 || s[i] == 0 ||
		    s[i] == '\r' || s[i] == '\n' || s[i] == ':')
			return 0;
	return 1;
}

static int
dropped(char c)
{
	return c == '\0' || c == '\r' || c == '\n';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		k = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		k = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		k = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return k;
}

static int
utf8_valid(const char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_len((const unsigned char *)s + i, n - i)) == 0)
			return 0;
	return 1;
}

static void
check_split(const char *head, size_t headlen, const char *text, size_t len,
    int wrap)
{
	size_t wraplen = wrap ? CTCP_HEADLEN + 1 : 0;
	size_t room, max, r, o, end, partlen, next, plainlen = 0, got = 0;
	char *plain, *out, *again;
	const char *part;
	int valid, last;

	max = irc_split_max(headlen, len, wrap);
	if (headlen + wraplen + 2 + 4 > IRC_LINE_MAX) {
		char none[IRC_LINE_MAX * 2];

		check(max == 0);
		check(irc_split(none, sizeof none, head, headlen, text, len,
		    wrap) == 0);
		return;
	}
	room = IRC_LINE_MAX - 2 - wraplen - headlen;
	plain = malloc(len ? len : 1);
	out = malloc(max);
	check(plain != NULL && out != NULL);
	for (o = 0; o < len; o++)
		if (!dropped(text[o]))
			plain[plainlen++] = text[o];
	valid = utf8_valid(plain, plainlen);

	r = irc_split(out, max, head, headlen, text, len, wrap);
	check(r > 0 && r <= max);
	for (o = 0; o < r; o = end + 2) {
		/* the message is out[o..end) and its CRLF */
		for (end = o; end < r && !dropped(out[end]); end++)
			;
		check(end + 1 < r && out[end] == '\r' && out[end + 1] == '\n');
		check(end + 2 - o <= IRC_LINE_MAX);
		check(end - o >= headlen + wraplen);
		check(memcmp(out + o, head, headlen) == 0);
		part = out + o + headlen;
		partlen = end - o - headlen;
		if (wrap) {
			check(memcmp(part, CTCP_HEAD, CTCP_HEADLEN) == 0);
			check(out[end - 1] == '\001');
			part += CTCP_HEADLEN;
			partlen -= wraplen;
		}
		check(partlen <= plainlen - got);
		check(memcmp(part, plain + got, partlen) == 0);
		got += partlen;
		last = end + 2 == r;
		if (last)
			continue;
		/* not the last: as full as it could be, and more text follows */
		check(got < plainlen && partlen + 4 > room);
		if (!valid)
			continue;
		next = utf8_len((const unsigned char *)plain + got,
		    plainlen - got);
		check(partlen + next > room);
		check(((unsigned char)plain[got] & 0xC0) != 0x80);
	}
	check(got == plainlen);

	again = malloc(r);
	check(again != NULL);
	check(irc_split(again, r, head, headlen, text, len, wrap) == r);
	check(memcmp(again, out, r) == 0);
	check(irc_split(again, r - 1, head, headlen, text, len, wrap) == 0);
	free(again);
	free(out);
	free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	size_t headlen, i, half = size / 2;
	int wrap;

	check(line != NULL);
	memcpy(line, data, size);
	check_parse(line, size);
	check(irc_channel_valid(line, size) == channel_model(line, size));
	check(irc_eq(line, half, line + half, size - half) ==
	    (half == size - half && eq_model(line, line + half, half)));

	if (size >= 2) {
		wrap = data[0] & 1;
		headlen = ((size_t)data[0] >> 1 | (size_t)data[1] << 7) %
		    (IRC_LINE_MAX - 1);
		if (headlen > size - 2)
			headlen = size - 2;
		/* a head is the caller's, made of no line end */
		for (i = 2; i < 2 + headlen; i++)
			if (dropped(line[i]))
				line[i] = '.';
		check_split(line + 2, headlen, line + 2 + headlen,
		    size - 2 - headlen, wrap);
	}
	free(line);
	return 0;
}
