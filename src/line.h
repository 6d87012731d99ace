/* Line assembly and command parsing for the room's text protocol. */
#ifndef LINE_H
#define LINE_H

#include <stddef.h>

#define LINE_MAX_TEXT 8192 /* longer lines are relayed in pieces this long */
#define NAME_MAX_LEN 32    /* bytes of a name; a literal: NAME_RULE says it */
#define NAME_STR_(n) #n
#define NAME_STR(n) NAME_STR_(n)
/* What a name may be, for messages. */
#define NAME_RULE "1-" NAME_STR(NAME_MAX_LEN) " characters of A-Z a-z 0-9 _ - . [ ] { } \\ | ^ `"

/* Bytes of one sender, cut into lines. */
struct linebuf {
	size_t len;    /* bytes held */
	size_t start;  /* where the next line starts */
	size_t scan;   /* bytes before this hold no LF */
	int piece;     /* the last line given continues a line that was split */
	int split;     /* the last line given was cut at LINE_MAX_TEXT */
	char data[LINE_MAX_TEXT]; /* last: line_init leaves its pages untouched */
};

void line_init(struct linebuf *lb);
/* Where to read more, and how much fits there (0: take lines first). */
char *line_space(struct linebuf *lb, size_t *room);
void line_added(struct linebuf *lb, size_t n);
/* The next complete line, its LF and a CR before it cut off; a full
 * buffer gives its first LINE_MAX_TEXT bytes, and the line after such a
 * piece has lb->piece set (it is text, whatever it starts with). Returns 1
 * with text and len set, or 0 when no whole line is held. */
int line_next(struct linebuf *lb, const char **text, size_t *len);
/* At end of input: what is left, as one last line. Returns 1 or 0 as line_next. */
int line_rest(struct linebuf *lb, const char **text, size_t *len);

enum cmd_kind {
	CMD_TEXT,    /* plain text (after // lost one slash) */
	CMD_EMPTY,   /* nothing to relay */
	CMD_NICK, CMD_WHO, CMD_QUIT, CMD_HELP, CMD_KICK,
	CMD_ME,      /* arg holds the action */
	CMD_MSG,     /* arg holds the name, text the message */
	CMD_UNKNOWN  /* arg holds the word */
};

struct cmd {
	enum cmd_kind kind;
	const char *arg; /* text, name, action, kick target or unknown word */
	size_t arglen;
	const char *text; /* /msg: the message after the name, else NULL */
	size_t textlen;
};

/* Parses one line as the room reads it, from the host (host set) or a
 * member, who has no /kick. Never fails: anything not a command is text. */
void line_cmd(const char *line, size_t len, int host, struct cmd *c);
/* 1 if s (len bytes) is a valid nick: NAME_RULE. */
int line_name_valid(const char *s, size_t len);

#endif
