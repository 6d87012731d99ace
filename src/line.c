/* The room's line assembly and command parsing. */
#include <string.h>
#include <strings.h>

#include "line.h"

void
line_init(struct linebuf *lb)
{
	lb->len = lb->start = lb->scan = 0;
	lb->piece = lb->split = 0;
}

char *
line_space(struct linebuf *lb, size_t *room)
{
	if (lb->start > 0) {
		memmove(lb->data, lb->data + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->scan -= lb->start;
		lb->start = 0;
	}
	*room = LINE_MAX_TEXT - (lb->len < LINE_MAX_TEXT ? lb->len : LINE_MAX_TEXT);
	return lb->data + lb->len;
}

void
line_added(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

static void
emit(struct linebuf *lb, size_t end, size_t next, int split,
    const char **text, size_t *len)
{
	*text = lb->data + lb->start;
	*len = end - lb->start;
	lb->start = lb->scan = next;
	lb->piece = lb->split;
	lb->split = split;
}

int
line_next(struct linebuf *lb, const char **text, size_t *len)
{
	char *lf = memchr(lb->data + lb->scan, '\n', lb->len - lb->scan);
	size_t end;

	if (lf) {
		end = (size_t)(lf - lb->data);
		/* a CR right before the LF is part of the line end */
		emit(lb, end > lb->start && lb->data[end - 1] == '\r' ? end - 1 :
		    end, end + 1, 0, text, len);
		return 1;
	}
	lb->scan = lb->len;
	if (lb->len - lb->start < LINE_MAX_TEXT)
		return 0;
	/* too long: relay a piece; keep a last CR in case an LF follows */
	end = lb->start + LINE_MAX_TEXT;
	if (lb->data[end - 1] == '\r')
		end--;
	emit(lb, end, end, 1, text, len);
	return 1;
}

int
line_rest(struct linebuf *lb, const char **text, size_t *len)
{
	if (line_next(lb, text, len))
		return 1;
	if (lb->len == lb->start)
		return 0;
	emit(lb, lb->len, lb->len, 0, text, len);
	return 1;
}

int
line_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		/* IRC's specials too: the same names in both dialects */
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("_-.[]{}\\|^`", c)) ||
		    c == '\0')
			return 0;
	}
	return 1;
}

static const struct {
	const char *word;
	enum cmd_kind kind;
} commands[] = {
	{ "nick", CMD_NICK }, { "who", CMD_WHO }, { "quit", CMD_QUIT },
	{ "help", CMD_HELP }, { "kick", CMD_KICK }, { "me", CMD_ME },
	{ "msg", CMD_MSG },
};

/* /msg NAME text: the argument is the name, the text what follows it
 * and one blank, as typed. */
static void
split_msg(struct cmd *c)
{
	size_t n;

	for (n = 0; n < c->arglen && c->arg[n] != ' ' && c->arg[n] != '\t'; n++)
		;
	c->text = c->arg + n;
	c->textlen = c->arglen - n;
	c->arglen = n;
	if (c->textlen > 0) {
		c->text++;
		c->textlen--;
	}
}

void
line_cmd(const char *line, size_t len, int host, struct cmd *c)
{
	size_t w, i;

	c->arg = line;
	c->arglen = len;
	c->text = NULL;
	c->textlen = 0;
	c->kind = len == 0 ? CMD_EMPTY : CMD_TEXT;
	if (len == 0 || line[0] != '/')
		return;
	if (len > 1 && line[1] == '/') {
		/* "//text" is the text "/text" */
		c->arg = line + 1;
		c->arglen = len - 1;
		return;
	}
	for (w = 1; w < len && line[w] != ' ' && line[w] != '\t'; w++)
		;
	c->kind = CMD_UNKNOWN;
	c->arg = line;
	c->arglen = w;
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strlen(commands[i].word) == w - 1 &&
		    strncasecmp(line + 1, commands[i].word, w - 1) == 0 &&
		    (host || commands[i].kind != CMD_KICK)) {
			c->kind = commands[i].kind;
			break;
		}
	}
	if (c->kind == CMD_UNKNOWN)
		return;
	/* the argument: the rest, without the blanks around it */
	while (w < len && (line[w] == ' ' || line[w] == '\t'))
		w++;
	while (len > w && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	c->arg = line + w;
	c->arglen = len - w;
	if (c->kind == CMD_MSG)
		split_msg(c);
}
