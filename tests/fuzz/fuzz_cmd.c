/* libFuzzer harness: command parsing (src/line.c line_cmd, line_name_valid).
 *
 * The input is one line, in a buffer of exactly its length, parsed as the
 * host's and as a member's. Checked: the argument lies inside the line,
 * and the kind agrees with the line's shape (empty, text, "//" text, a
 * known command word in any case with its argument trimmed of blanks, or
 * an unknown word; /kick is known to the host only; /msg's argument is
 * the name up to the first blank, its text the rest after that blank,
 * both inside the line); line_name_valid agrees
 * with a plain reading of its rule, on the line and on a /nick argument.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "line.h"

static const struct {
	const char *word;
	enum cmd_kind kind;
} words[] = {
	{ "nick", CMD_NICK }, { "who", CMD_WHO }, { "quit", CMD_QUIT },
	{ "help", CMD_HELP }, { "kick", CMD_KICK }, { "me", CMD_ME },
	{ "msg", CMD_MSG },
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
name_model(const char *s, size_t len)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-.[]{}\\|^`";
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || !strchr(ok, s[i]))
			return 0;
	return 1;
}

/* The kind the word after '/' (w bytes at s) names, or CMD_UNKNOWN. */
static enum cmd_kind
word_kind(const char *s, size_t w, int host)
{
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].word) == w &&
		    strncasecmp(s, words[i].word, w) == 0)
			return words[i].kind == CMD_KICK && !host ?
			    CMD_UNKNOWN : words[i].kind;
	return CMD_UNKNOWN;
}

static void
check_cmd(const char *line, size_t len, int host, const struct cmd *c)
{
	size_t w;

	check(c->arg >= line && c->arglen <= len &&
	    (size_t)(c->arg - line) <= len - c->arglen);
	if (len == 0) {
		check(c->kind == CMD_EMPTY && c->arglen == 0);
		return;
	}
	if (line[0] != '/') {
		check(c->kind == CMD_TEXT && c->arg == line && c->arglen == len);
		return;
	}
	if (len > 1 && line[1] == '/') {
		check(c->kind == CMD_TEXT && c->arg == line + 1 &&
		    c->arglen == len - 1);
		return;
	}
	for (w = 1; w < len && !blank(line[w]); w++)
		;
	check(c->kind == word_kind(line + 1, w - 1, host));
	if (c->kind == CMD_UNKNOWN) {
		check(c->arg == line && c->arglen == w);
		return;
	}
	if (c->kind == CMD_MSG) {
		/* the name has no blank; the text follows it and one blank */
		for (w = 0; w < c->arglen; w++)
			check(!blank(c->arg[w]));
		check(c->text >= c->arg + c->arglen && c->text <= line + len &&
		    c->textlen <= (size_t)(line + len - c->text));
		check(c->textlen == 0 || c->text == c->arg + c->arglen + 1);
		for (w = (size_t)(c->text - line) + c->textlen; w < len; w++)
			check(blank(line[w]));
		return;
	}
	check(c->text == NULL);
	/* a command's argument: after the word, no blank at either end */
	check(c->arg >= line + w);
	if (c->arglen > 0)
		check(!blank(c->arg[0]) && !blank(c->arg[c->arglen - 1]));
	/* only blanks around it were cut */
	for (; line + w < c->arg; w++)
		check(blank(line[w]));
	for (w = (size_t)(c->arg - line) + c->arglen; w < len; w++)
		check(blank(line[w]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	struct cmd c;
	int host;

	check(line != NULL);
	memcpy(line, data, size);
	for (host = 0; host <= 1; host++) {
		line_cmd(line, size, host, &c);
		check_cmd(line, size, host, &c);
		if (c.kind == CMD_NICK || c.kind == CMD_KICK)
			check(line_name_valid(c.arg, c.arglen) ==
			    name_model(c.arg, c.arglen));
	}
	check(line_name_valid(line, size) == name_model(line, size));
	free(line);
	return 0;
}
