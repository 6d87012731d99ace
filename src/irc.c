/* IRC message parsing and formatting: framing only, no I/O. */
#include <stdint.h>
#include <string.h>

#include "irc.h"

#define CTCP_HEADLEN 8 /* "\001ACTION "; a "\001" closes the wrap */
#define UTF8_MAX 4     /* longest UTF-8 sequence: the least text per message */

static size_t
skip_spaces(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* Index of the first space at or after i, or len. */
static size_t
word_end(const char *s, size_t len, size_t i)
{
	const char *sp = memchr(s + i, ' ', len - i);

	return sp ? (size_t)(sp - s) : len;
}

int
irc_parse(const char *line, size_t len, struct irc_msg *m)
{
	size_t i, end;

	m->prefix = m->cmd = NULL;
	m->prefixlen = m->cmdlen = 0;
	m->nparams = 0;
	i = skip_spaces(line, len, 0);
	/* IRCv3 tags: no capability offers them, so none is read */
	if (i < len && line[i] == '@')
		i = skip_spaces(line, len, word_end(line, len, i));
	if (i < len && line[i] == ':') {
		end = word_end(line, len, i + 1);
		m->prefix = line + i + 1;
		m->prefixlen = end - i - 1;
		i = skip_spaces(line, len, end);
	}
	if (i == len)
		return -1;
	end = word_end(line, len, i);
	m->cmd = line + i;
	m->cmdlen = end - i;
	for (i = skip_spaces(line, len, end); i < len;
	    i = skip_spaces(line, len, end)) {
		if (line[i] == ':' || m->nparams == IRC_PARAMS_MAX - 1) {
			/* trailing: the rest of the line, spaces and all */
			i += line[i] == ':';
			end = len;
		} else
			end = word_end(line, len, i);
		m->param[m->nparams] = line + i;
		m->paramlen[m->nparams++] = end - i;
	}
	return 0;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Not RFC 1459 casemapping ({}|^ as lower []\~): we advertise ascii. */
int
irc_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int
irc_is(const struct irc_msg *m, const char *name)
{
	return irc_eq(m->cmd, m->cmdlen, name, strlen(name));
}

/* Bytes that would end or corrupt a message. */
static int
split_drops(char c)
{
	return c == '\0' || c == '\r' || c == '\n';
}

/* Index of the first byte at or after i that irc_split keeps, or len. */
static size_t
split_kept(const char *s, size_t len, size_t i)
{
	while (i < len && split_drops(s[i]))
		i++;
	return i;
}

/* How many output bytes the unit at s[i] (a kept byte) makes, *end set
 * past it: a lead byte and the continuation bytes it announces go whole
 * (dropped bytes between them do not count, as they never come out);
 * anything else goes alone. Lenient (an overlong form stays whole too):
 * all that matters is that a valid sequence is never cut. */
static size_t
split_unit(const char *s, size_t len, size_t i, size_t *end)
{
	unsigned char c = (unsigned char)s[i];
	size_t k, n, j = i + 1;

	k = c >= 0xF8 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	for (n = 1; n < k; n++, j++) {
		j = split_kept(s, len, j);
		if (j == len || ((unsigned char)s[j] & 0xC0) != 0x80) {
			*end = i + 1;
			return 1;
		}
	}
	*end = j;
	return k;
}

size_t
irc_split(char *out, size_t cap, const char *head, size_t headlen,
    const char *text, size_t len, int wrap_ctcp)
{
	return irc_split_in(out, cap, head, headlen, text, len, wrap_ctcp,
	    IRC_LINE_MAX);
}

size_t
irc_split_in(char *out, size_t cap, const char *head, size_t headlen,
    const char *text, size_t len, int wrap_ctcp, size_t limit)
{
	size_t wrap = wrap_ctcp ? CTCP_HEADLEN + 1 : 0;
	size_t tail = (wrap_ctcp ? 1 : 0) + 2; /* "\001" and CRLF */
	/* bytes, not a string: no NUL is ever copied */
	static const char ctcp_head[CTCP_HEADLEN] = { '\001', 'A', 'C', 'T',
	    'I', 'O', 'N', ' ' };
	size_t room, o = 0, i = 0;

	if (limit > IRC_LINE_MAX || headlen + 2 + wrap + UTF8_MAX > limit)
		return 0;
	room = limit - 2 - wrap - headlen;
	/* most lines: one message, nothing to drop, copied whole */
	if (len > 0 && len <= room && headlen + wrap + len + tail <= cap &&
	    !memchr(text, '\0', len) && !memchr(text, '\r', len) &&
	    !memchr(text, '\n', len)) {
		memcpy(out, head, headlen);
		o = headlen;
		if (wrap_ctcp) {
			memcpy(out + o, ctcp_head, CTCP_HEADLEN);
			o += CTCP_HEADLEN;
		}
		memcpy(out + o, text, len);
		o += len;
		if (wrap_ctcp)
			out[o++] = '\001';
		out[o++] = '\r';
		out[o++] = '\n';
		return o;
	}
	do {
		size_t n = 0;

		if (cap - o < headlen + wrap + 2)
			return 0;
		memcpy(out + o, head, headlen);
		o += headlen;
		if (wrap_ctcp) {
			memcpy(out + o, ctcp_head, CTCP_HEADLEN);
			o += CTCP_HEADLEN;
		}
		while ((i = split_kept(text, len, i)) < len) {
			size_t end, k = split_unit(text, len, i, &end);

			/* the rest goes in the next message */
			if (n + k > room)
				break;
			if (cap - o < k + tail)
				return 0;
			for (; i < end; i++)
				if (!split_drops(text[i]))
					out[o++] = text[i];
			n += k;
		}
		if (wrap_ctcp)
			out[o++] = '\001';
		out[o++] = '\r';
		out[o++] = '\n';
	} while (i < len);
	return o;
}

size_t
irc_split_max(size_t headlen, size_t len, int wrap_ctcp)
{
	size_t wrap = wrap_ctcp ? CTCP_HEADLEN + 1 : 0;
	size_t per = headlen + wrap + 2, nmsg;

	if (headlen > IRC_LINE_MAX - 2 - wrap - UTF8_MAX)
		return 0;
	/* each message but the last takes more text than its room less
	 * one unit that did not fit (at most UTF8_MAX bytes) */
	nmsg = len / (IRC_LINE_MAX - per - (UTF8_MAX - 1)) + 1;
	if (nmsg > (SIZE_MAX - len) / per)
		return SIZE_MAX;
	return nmsg * per + len;
}

int
irc_channel_valid(const char *s, size_t len)
{
	/* sizeof counts the terminating NUL, so NUL is refused too */
	static const char bad[] = " ,\a\r\n:";
	size_t i;

	if (len < 2 || len > IRC_CHANNEL_MAX || s[0] != '#')
		return 0;
	for (i = 1; i < len; i++)
		if (memchr(bad, s[i], sizeof bad))
			return 0;
	return 1;
}
