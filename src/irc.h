/* IRC message parsing and formatting (RFC 1459/2812 framing): no I/O, no malloc. */
#ifndef IRC_H
#define IRC_H

#include <stddef.h>

#define IRC_LINE_MAX 512   /* bytes of one message, CRLF included */
#define IRC_PARAMS_MAX 15  /* the 15th takes the rest of the line */
#define IRC_CHANNEL_MAX 50 /* bytes of a channel name, '#' included */

/* One parsed message; every pointer points into the parsed line. */
struct irc_msg {
	const char *prefix; /* after ':' without it, or NULL */
	size_t prefixlen;
	const char *cmd;    /* the command word or 3-digit numeric */
	size_t cmdlen;
	int nparams;
	const char *param[IRC_PARAMS_MAX]; /* pointers into the line */
	size_t paramlen[IRC_PARAMS_MAX];   /* the last may be a trailing
	                                    * (":...") one, colon removed, may
	                                    * contain spaces, may be empty */
};

/* Parses one line (without its CR/LF; NUL is an ordinary byte) into m,
 * pointing into line. Leading spaces are skipped; IRCv3 message tags
 * ("@a=b;c " before the prefix) are skipped; several spaces between params
 * count as one. After IRC_PARAMS_MAX-1 middle params the 15th takes the
 * rest of the line, ':' or not (RFC 2812 2.3.1). The command is any word;
 * the caller judges it. Returns 0, or -1 when there is no command (empty
 * line, only a prefix and/or tags). */
int irc_parse(const char *line, size_t len, struct irc_msg *m);

/* Whether m's command is name (ASCII case-insensitive, name is a
 * NUL-terminated upper-case word like "PRIVMSG"). */
int irc_is(const struct irc_msg *m, const char *name);

/* ASCII case-insensitive equality of two byte strings (CASEMAPPING=ascii). */
int irc_eq(const char *a, size_t alen, const char *b, size_t blen);

/* Writes "<head>" + text + "\r\n" messages into out (cap bytes), where head
 * is e.g. ":alice!alice@127.0.0.1 PRIVMSG #room :" (headlen bytes, caller
 * built it, holding no NUL, CR or LF). text (len bytes) is split over as
 * many messages as needed so that each one, head and CRLF included, is at
 * most IRC_LINE_MAX bytes; each message takes as much text as fits, and a
 * split never falls inside a UTF-8 sequence (a valid multi-byte char is
 * never cut; invalid bytes may be cut anywhere). NUL, CR and LF in text are
 * dropped (never appear in the output; a sequence they interrupt is kept
 * whole as it comes out). Empty text (or text that is all dropped bytes)
 * gives one message with an empty text part. If wrap_ctcp is set, text is
 * a CTCP ACTION: each message's text part is wrapped as "\001ACTION " ...
 * "\001" (the wrapper counted within the 512); a \001 inside text is not
 * touched. Returns bytes written, or 0 when out is too small for
 * everything (then out's contents are unspecified) or headlen leaves no
 * room for at least 4 bytes of text per message. */
size_t irc_split(char *out, size_t cap, const char *head, size_t headlen,
    const char *text, size_t len, int wrap_ctcp);

/* irc_split with messages of at most limit bytes (<= IRC_LINE_MAX): for
 * a client, whose server puts its ":nick!user@host " in front. */
size_t irc_split_in(char *out, size_t cap, const char *head, size_t headlen,
    const char *text, size_t len, int wrap_ctcp, size_t limit);

/* How many bytes irc_split may need at most for len bytes of text with a
 * head of headlen bytes (a safe upper bound, for sizing buffers): 0 when
 * irc_split would refuse headlen, SIZE_MAX if the bound overflows. */
size_t irc_split_max(size_t headlen, size_t len, int wrap_ctcp);

/* Whether s (len bytes) is a valid IRC channel name for this server:
 * starts with '#', 2..IRC_CHANNEL_MAX bytes, none of space, comma,
 * BEL (0x07), NUL, CR, LF, ':'. */
int irc_channel_valid(const char *s, size_t len);

#endif
