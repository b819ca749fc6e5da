// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One grammar for the bpftcp command, wherever it is written.  From each
 * source this extracts the objects, the global options, each object's
 * commands ("cc list"), each command's options ("cc register --default")
 * and the fixed words before them ("opt attach delack"):
 *
 *   help        'bpftcp help' (OBJECT := and OPTIONS := lines) and
 *               'bpftcp OBJECT help' (the lines that start with "bpftcp
 *               OBJECT", and their continuation lines that start with [ or {;
 *               a gap of two spaces starts the description);
 *   man page    docs/bpftcp.8.rst: the SYNOPSIS line block, the OPTIONS
 *               terms, and the terms of the other sections that start a line
 *               with **bpftcp (markup stripped);
 *   README      the lines of its Usage block that start with "bpftcp";
 *   completion  completion/bpftcp, asked by bash (with bash-completion) what
 *               it offers for "bpftcp ", "bpftcp -", "bpftcp OBJECT ",
 *               "bpftcp OBJECT COMMAND [WORDS] -";
 *
 * and asserts that each equals the help's.  'help' as a command is left out:
 * every object takes it ("OBJECT { COMMAND | help }").
 *
 * The help is then checked against what the code accepts: the object and
 * command tables are enumerated through the binary's prefix matching
 * (unknown / ambiguous / dispatched), every documented option must be
 * accepted by its command, and every option string in the parsers
 * (the .c files of loader/ and lib/) must be documented.  Nothing here needs privileges;
 * the probes stop at usage errors (the few that run, such as 'sockets
 * --all-netns', only read).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define RST_PATH	"docs/bpftcp.8.rst"
#define README_PATH	"README.md"
#define COMPLETION_PATH	"completion/bpftcp"
#define BASH_COMPLETION	"/usr/share/bash-completion/bash_completion"
#define MAX_SET		512
#define OUT_MAX		65536

/* ------------------------------------------------------------ string sets */

struct set {
	int n;
	char *v[MAX_SET];
};

static void set_add(struct set *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_add(struct set *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], buf))
			return;
	assert_true(s->n < MAX_SET);
	s->v[s->n++] = strdup(buf);
}

static bool set_has(const struct set *s, const char *w)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], w))
			return true;
	return false;
}

static void set_free(struct set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* Prints what is in one set and not the other; true when they are equal. */
static bool set_same(const char *what, const char *name_a, const struct set *a,
		     const char *name_b, const struct set *b)
{
	bool same = true;

	for (int i = 0; i < a->n; i++)
		if (!set_has(b, a->v[i])) {
			print_message("%s: '%s' is in %s, not in %s\n", what, a->v[i], name_a, name_b);
			same = false;
		}
	for (int i = 0; i < b->n; i++)
		if (!set_has(a, b->v[i])) {
			print_message("%s: '%s' is in %s, not in %s\n", what, b->v[i], name_b, name_a);
			same = false;
		}
	return same;
}

/* ---------------------------------------------------------------- grammar */

struct grammar {
	struct set objects;	/* "cc" */
	struct set globals;	/* "--json" */
	struct set commands;	/* "cc list" */
	struct set options;	/* "cc register --default" */
	struct set words;	/* "opt attach delack": fixed words after the command */
	bool have_objects, have_globals;
};

static void grammar_free(struct grammar *g)
{
	set_free(&g->objects);
	set_free(&g->globals);
	set_free(&g->commands);
	set_free(&g->options);
	set_free(&g->words);
}

static bool is_option(const char *t)
{
	const char *p = t + (t[1] == '-' ? 2 : 1);

	if (t[0] != '-' || !isalpha((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

static bool is_keyword(const char *t)
{
	if (!islower((unsigned char)t[0]))
		return false;
	for (const char *p = t; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Splits @line into words, with each of { } [ ] | a word of its own. */
static int tokenize(const char *line, char tok[][64], int max)
{
	int n = 0;

	for (const char *p = line; *p && n < max;) {
		size_t len = 0;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (strchr("{}[]|", *p)) {
			tok[n][0] = *p++;
			tok[n++][1] = '\0';
			continue;
		}
		while (p[len] && !isspace((unsigned char)p[len]) && !strchr("{}[]|", p[len]))
			len++;
		if (len > 63)
			len = 63;
		memcpy(tok[n], p, len);
		tok[n++][len] = '\0';
		p += len;
		while (*p && !isspace((unsigned char)*p) && !strchr("{}[]|", *p))
			p++;
	}
	return n;
}

/* Index after the group opened at tok[i] ('{' or '['). */
static int group_end(char tok[][64], int n, int i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (!strcmp(tok[i], "{") || !strcmp(tok[i], "["))
			depth++;
		else if ((!strcmp(tok[i], "}") || !strcmp(tok[i], "]")) && --depth == 0)
			return i + 1;
	}
	return n;
}

/* "X := { a | b }" lines: the objects and the global options. */
static bool parse_definition(struct grammar *g, const char *line)
{
	char tok[64][64];
	int n = tokenize(line, tok, 64);

	if (n < 2 || strcmp(tok[1], ":="))
		return false;
	if (!strcmp(tok[0], "OBJECT")) {
		g->have_objects = true;
		for (int i = 2; i < n; i++)
			if (is_keyword(tok[i]))
				set_add(&g->objects, "%s", tok[i]);
	} else if (!strcmp(tok[0], "OPTIONS")) {
		g->have_globals = true;
		for (int i = 2; i < n; i++)
			if (is_option(tok[i]))
				set_add(&g->globals, "%s", tok[i]);
	}
	return true;
}

/*
 * One grammar line, "bpftcp [GLOBALS] OBJECT [COMMANDS] [WORDS] [ARGS]":
 * COMMANDS is a keyword or a group of keywords ({ list | show }, [ list ]),
 * WORDS the keywords that follow it, and every option in ARGS belongs to
 * each of the commands.  Returns false when it is not such a line.
 */
static bool parse_grammar_line(struct grammar *g, const char *line)
{
	char tok[96][64], cmds[8][64];
	int n = tokenize(line, tok, 96), i = 0, ncmds = 0;
	const char *object;
	char words[128] = "";

	if (i < n && !strcmp(tok[i], "Usage:"))
		i++;
	if (i >= n || strcmp(tok[i++], "bpftcp"))
		return false;
	/* Global options shown before the object: [-j|-p] [-v] [OPTIONS]. */
	while (i < n && !strcmp(tok[i], "["))
		i = group_end(tok, n, i);
	if (i >= n || !is_keyword(tok[i]))
		return false;
	object = tok[i++];
	if (i < n && (!strcmp(tok[i], "{") || !strcmp(tok[i], "["))) {
		int end = group_end(tok, n, i);
		bool options = false;

		for (int j = i; j < end; j++)
			options |= tok[j][0] == '-';
		if (!options) {
			for (int j = i; j < end; j++)
				if (is_keyword(tok[j]) && ncmds < 8)
					strcpy(cmds[ncmds++], tok[j]);
			i = end;
		}
	} else if (i < n && is_keyword(tok[i])) {
		strcpy(cmds[ncmds++], tok[i++]);
		/* attach|detach */
		while (i + 1 < n && !strcmp(tok[i], "|") && is_keyword(tok[i + 1]) && ncmds < 8) {
			strcpy(cmds[ncmds++], tok[i + 1]);
			i += 2;
		}
	}
	for (; i < n && is_keyword(tok[i]); i++) {
		strncat(words, " ", sizeof(words) - strlen(words) - 1);
		strncat(words, tok[i], sizeof(words) - strlen(words) - 1);
	}
	for (int c = 0; c < ncmds; c++) {
		if (!strcmp(cmds[c], "help"))
			continue;
		set_add(&g->commands, "%s %s", object, cmds[c]);
		if (words[0])
			set_add(&g->words, "%s %s%s", object, cmds[c], words);
		for (int j = i; j < n; j++)
			if (is_option(tok[j]))
				set_add(&g->options, "%s %s %s", object, cmds[c], tok[j]);
	}
	if (!ncmds) {
		/* An object without commands has no options of its own either. */
		for (int j = i; j < n; j++)
			if (is_option(tok[j]))
				set_add(&g->options, "%s - %s", object, tok[j]);
	}
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cuts the description column: from the first gap of two spaces on. */
static void cut_description(char *s)
{
	char *gap = strstr(s, "  ");

	if (gap)
		*gap = '\0';
}

/*
 * Grammar lines of a usage text: lines that start with "bpftcp" (or
 * "Usage: bpftcp"), each with the lines after it that start with [ or {.
 * @only_object: keep the lines of this object only (NULL: all).
 */
static void parse_usage_text(struct grammar *g, const char *text, const char *only_object)
{
	char *copy = strdup(text), *save = NULL, *line;
	char joined[1024] = "";

	for (line = strtok_r(copy, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		char *t = line ? trim(line) : NULL;

		if (t && joined[0] && (t[0] == '[' || t[0] == '{')) {
			cut_description(t);
			strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
			strncat(joined, t, sizeof(joined) - strlen(joined) - 1);
			continue;
		}
		if (joined[0]) {
			char tok[16][64];
			int n = tokenize(joined, tok, 16), i = 0;

			/* The object is the first keyword after bpftcp and its [...]. */
			while (i < n && strcmp(tok[i], "bpftcp"))
				i++;
			while (++i < n && !strcmp(tok[i], "["))
				i = group_end(tok, n, i) - 1;
			if (!only_object || (i < n && !strcmp(tok[i], only_object)))
				parse_grammar_line(g, joined);
			joined[0] = '\0';
		}
		if (!t)
			break;
		if (parse_definition(g, t))
			continue;
		if (!strncmp(t, "bpftcp ", 7) || !strncmp(t, "Usage: bpftcp ", 14)) {
			cut_description(t);
			snprintf(joined, sizeof(joined), "%s", t);
		}
	}
	free(copy);
}

static char *run_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_out(const char *fmt, ...)
{
	char cmd[4096], *out = malloc(OUT_MAX);
	va_list ap;

	assert_non_null(out);
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (harness_sh_out(out, OUT_MAX, "%s", cmd) < 0)
		out[0] = '\0';
	return out;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);
	size_t n;

	if (!f)
		print_message("cannot open %s (run from the source tree)\n", path);
	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* (a) 'bpftcp help' and 'bpftcp OBJECT help'. */
static void grammar_from_help(struct grammar *g)
{
	char *out = run_out("%s help 2>&1", harness_bpftcp());

	parse_usage_text(g, out, NULL);
	free(out);
	assert_true(g->have_objects && g->have_globals);
	for (int i = 0; i < g->objects.n; i++) {
		out = run_out("%s %s help 2>&1", harness_bpftcp(), g->objects.v[i]);
		parse_usage_text(g, out, g->objects.v[i]);
		free(out);
	}
}

/* Strips reStructuredText inline markup: ** * and the escaped space. */
static void strip_rst(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '*')
			continue;
		if (r[0] == '\\' && r[1] == ' ') {
			r++;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/*
 * (b) the man page's source.  @part: "synopsis" (the SYNOPSIS line block),
 * "sections" (the OPTIONS terms and the **bpftcp terms of other sections).
 */
static void grammar_from_rst(struct grammar *g, const char *part)
{
	char *text = read_file(RST_PATH), *save = NULL, *line, *next;
	char section[64] = "";
	bool synopsis = !strcmp(part, "synopsis");

	for (line = strtok_r(text, "\n", &save); line; line = next) {
		char buf[1024];

		next = strtok_r(NULL, "\n", &save);
		/* A title: the next line underlines it with '='. */
		if (next && next[0] == '=' && strspn(next, "=") == strlen(next) && line[0] != '=') {
			snprintf(section, sizeof(section), "%s", line);
			continue;
		}
		snprintf(buf, sizeof(buf), "%s", line);
		if (synopsis && !strcmp(section, "SYNOPSIS") && buf[0] == '|') {
			strip_rst(buf);
			if (!parse_definition(g, trim(buf + 1)))
				parse_grammar_line(g, trim(buf + 1));
		} else if (!synopsis && !strcmp(section, "OPTIONS") && !strncmp(buf, "**-", 3)) {
			char tok[16][64];
			int n;

			strip_rst(buf);
			for (char *c = buf; *c; c++)
				if (*c == ',')
					*c = ' ';
			n = tokenize(buf, tok, 16);
			g->have_globals = true;
			for (int i = 0; i < n; i++)
				if (is_option(tok[i]))
					set_add(&g->globals, "%s", tok[i]);
		} else if (!synopsis && strcmp(section, "SYNOPSIS") && !strncmp(buf, "**bpftcp", 8)) {
			strip_rst(buf);
			parse_grammar_line(g, buf);
		}
	}
	free(text);
}

/* The README's Usage block: from "## Usage" to the end of its first ``` block. */
static void grammar_from_readme(struct grammar *g)
{
	char *text = read_file(README_PATH);
	char *start = strstr(text, "\n## Usage"), *open, *close;

	assert_non_null(start);
	open = strstr(start, "```\n");
	assert_non_null(open);
	close = strstr(open + 4, "```");
	assert_non_null(close);
	*close = '\0';
	parse_usage_text(g, open + 4, NULL);
	free(text);
}

/*
 * What the completion offers for "bpftcp WORDS... CUR": bash with
 * bash-completion and completion/bpftcp loaded, _bpftcp called as readline
 * would.  Fills @out with the words, one per line.
 */
static char *complete(const char *words)
{
	return run_out("bash -c 'source " BASH_COMPLETION " && source " COMPLETION_PATH " && "
		       "COMP_WORDS=(%s %s) && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )) && "
		       "COMP_LINE=\"${COMP_WORDS[*]}\" && COMP_POINT=${#COMP_LINE} && COMPREPLY=() && "
		       "_bpftcp bpftcp \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\" && "
		       "printf \"%%s\\n\" \"${COMPREPLY[@]}\"' 2>&1",
		       harness_bpftcp(), words);
}

static void completion_words(const char *words, struct set *s)
{
	char *out = complete(words), *save = NULL;

	for (char *w = strtok_r(out, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
		if (*w)
			set_add(s, "%s", w);
	free(out);
}

/*
 * The @nth variant of the fixed words of @ref before "OBJECT COMMAND"'s
 * options ("delack", "ccneg"), or NULL past the last; "" as the only
 * variant when the command has none.
 */
static const char *fixed_words_nth(const struct grammar *ref, const char *object, const char *cmd,
				   int nth)
{
	char key[128];
	size_t n = (size_t)snprintf(key, sizeof(key), "%s %s ", object, cmd);
	int seen = 0;

	for (int i = 0; i < ref->words.n; i++)
		if (!strncmp(ref->words.v[i], key, n) && seen++ == nth)
			return ref->words.v[i] + n;
	return !seen && !nth ? "" : NULL;
}

/* (c) the completion; @ref (the help's grammar) says which words reach the options. */
static void grammar_from_completion(struct grammar *g, const struct grammar *ref)
{
	struct set s = {};

	completion_words("\"\"", &s);
	for (int i = 0; i < s.n; i++)
		if (s.v[i][0] != '-')
			set_add(&g->objects, "%s", s.v[i]);
	set_free(&s);
	completion_words("-", &g->globals);
	g->have_objects = g->have_globals = true;
	for (int o = 0; o < g->objects.n; o++) {
		const char *object = g->objects.v[o];
		char words[256];

		bool commands = false;

		snprintf(words, sizeof(words), "%s \"\"", object);
		completion_words(words, &s);
		for (int i = 0; i < s.n; i++) {
			if (s.v[i][0] == '-' || !strcmp(s.v[i], "help"))
				continue;
			set_add(&g->commands, "%s %s", object, s.v[i]);
			commands = true;
		}
		set_free(&s);
		if (commands)
			continue;
		/* An object without commands (apply): its own options. */
		snprintf(words, sizeof(words), "%s -", object);
		completion_words(words, &s);
		for (int i = 0; i < s.n; i++)
			if (!set_has(&g->globals, s.v[i]))
				set_add(&g->options, "%s - %s", object, s.v[i]);
		set_free(&s);
	}
	for (int c = 0; c < g->commands.n; c++) {
		char object[64], cmd[64], words[256];
		const char *fixed;

		sscanf(g->commands.v[c], "%63s %63s", object, cmd);
		/* Each variant ("opt attach delack", "opt attach ccneg"). */
		for (int v = 0; (fixed = fixed_words_nth(ref, object, cmd, v)); v++) {
			if (*fixed) {
				/* The fixed words are offered after the command. */
				snprintf(words, sizeof(words), "%s %s \"\"", object, cmd);
				completion_words(words, &s);
				if (set_has(&s, fixed))
					set_add(&g->words, "%s %s %s", object, cmd, fixed);
				set_free(&s);
			}
			snprintf(words, sizeof(words), "%s %s %s -", object, cmd, fixed);
			completion_words(words, &s);
			for (int i = 0; i < s.n; i++)
				if (!set_has(&g->globals, s.v[i]))
					set_add(&g->options, "%s %s %s", object, cmd, s.v[i]);
			set_free(&s);
		}
	}
}

static void assert_same_grammar(const char *name, const struct grammar *src, const struct grammar *help,
				bool objects)
{
	bool same = true;

	if (objects) {
		assert_true(src->have_objects && src->have_globals);
		same &= set_same("objects", "the help", &help->objects, name, &src->objects);
		same &= set_same("global options", "the help", &help->globals, name, &src->globals);
	}
	same &= set_same("commands", "the help", &help->commands, name, &src->commands);
	same &= set_same("options", "the help", &help->options, name, &src->options);
	same &= set_same("fixed words", "the help", &help->words, name, &src->words);
	assert_true(same);
}

static void help_has_every_object_command_and_option(void **state)
{
	struct grammar h = {};

	grammar_from_help(&h);
	/* The extraction found what is surely there. */
	assert_true(set_has(&h.objects, "cc") && set_has(&h.objects, "status"));
	assert_true(set_has(&h.globals, "--json") && set_has(&h.globals, "-V"));
	assert_true(set_has(&h.commands, "cc register") && set_has(&h.commands, "opt attach"));
	assert_true(set_has(&h.options, "cc register --restricted"));
	assert_true(set_has(&h.options, "sockets list --all-netns"));
	assert_true(set_has(&h.options, "opt attach --max-delack"));
	assert_true(set_has(&h.words, "opt attach delack"));
	print_message("help: %d objects, %d global options, %d commands, %d command options\n",
		      h.objects.n, h.globals.n, h.commands.n, h.options.n);
	grammar_free(&h);
}

static void man_synopsis_matches_help(void **state)
{
	struct grammar h = {}, m = {};

	grammar_from_help(&h);
	grammar_from_rst(&m, "synopsis");
	assert_same_grammar("the man page's SYNOPSIS", &m, &h, true);
	grammar_free(&h);
	grammar_free(&m);
}

static void man_command_sections_match_help(void **state)
{
	struct grammar h = {}, m = {};

	grammar_from_help(&h);
	grammar_from_rst(&m, "sections");
	/* The OPTIONS section gives the global options; no OBJECT := line. */
	assert_true(set_same("global options", "the help", &h.globals, "the man page's OPTIONS",
			     &m.globals));
	assert_same_grammar("the man page's command sections", &m, &h, false);
	grammar_free(&h);
	grammar_free(&m);
}

static void readme_usage_matches_help(void **state)
{
	struct grammar h = {}, r = {};

	grammar_from_help(&h);
	grammar_from_readme(&r);
	assert_same_grammar("the README's Usage", &r, &h, true);
	grammar_free(&h);
	grammar_free(&r);
}

static void completion_matches_help(void **state)
{
	struct grammar h = {}, c = {};

	if (access(BASH_COMPLETION, R_OK)) {
		print_message("%s missing (make deps installs bash-completion)\n", BASH_COMPLETION);
		fail();
	}
	grammar_from_help(&h);
	grammar_from_completion(&c, &h);
	assert_same_grammar("the completion", &c, &h, true);
	grammar_free(&h);
	grammar_free(&c);
}

static void completion_offers_values(void **state)
{
	struct set s = {};

	/* Algorithm names (from 'bpftcp cc list'), and 'all': register offers
	 * those not registered, unregister those registered (this host's state). */
	completion_words("cc register \"\"", &s);
	assert_true(set_has(&s, "all"));
	completion_words("cc unregister \"\"", &s);
	assert_true(set_has(&s, "cubic") && set_has(&s, "bic"));
	set_free(&s);
	completion_words("sockets --cc bpf_c", &s);
	assert_true(set_has(&s, "bpf_cubic"));
	set_free(&s);
	/* Global options anywhere; taken out before the object and command are found. */
	completion_words("-j cc -p reg", &s);
	assert_true(set_has(&s, "register") && s.n == 1);
	set_free(&s);
	/* Abbreviated commands, as bpftcp takes them. */
	completion_words("so att -", &s);
	assert_true(set_has(&s, "--cgroup"));
	set_free(&s);
	/* Cgroup paths are directories. */
	completion_words("opt attach delack --cgroup /pro", &s);
	assert_true(set_has(&s, "/proc"));
	set_free(&s);
	/* An option on the line is not offered again, nor the one it excludes. */
	completion_words("opt attach delack --record -", &s);
	assert_false(set_has(&s, "--record") || set_has(&s, "--no-record"));
	assert_true(set_has(&s, "--cgroup"));
	set_free(&s);
}

/* --------------------------------------------------------------- the code */

enum probe { UNKNOWN, UNIQUE, AMBIGUOUS };

/* How bpftcp's dispatch takes @word: as an object (@object NULL) or as a
 * command of @object.  The trailing word stops the command at a usage error. */
static enum probe probe(const char *object, const char *word)
{
	char *out = run_out("%s %s %s --grammar-probe 2>&1 </dev/null", harness_bpftcp(),
			    object ? object : "", word);
	char unknown[128], ambiguous[128];
	enum probe r = UNIQUE;

	if (object) {
		snprintf(unknown, sizeof(unknown), "unknown %s command '%s'", object, word);
		snprintf(ambiguous, sizeof(ambiguous), "'%s' is ambiguous for %s", word, object);
	} else {
		snprintf(unknown, sizeof(unknown), "unknown object '%s'", word);
		snprintf(ambiguous, sizeof(ambiguous), "'%s' is ambiguous", word);
	}
	if (strstr(out, unknown))
		r = UNKNOWN;
	else if (strstr(out, ambiguous))
		r = AMBIGUOUS;
	free(out);
	return r;
}

/* What @words (the documented names) predict for the prefix @p. */
static enum probe predict(const struct set *words, const char *p)
{
	int n = 0;

	if (set_has(words, p))
		return UNIQUE;
	for (int i = 0; i < words->n; i++)
		n += !strncmp(words->v[i], p, strlen(p));
	return n == 0 ? UNKNOWN : n == 1 ? UNIQUE : AMBIGUOUS;
}

/*
 * The code's table agrees with @words when every prefix behaves as they
 * predict.  Prefixes of one letter more than the root or an ambiguous
 * prefix are enough: a name the code has and the documentation lacks makes
 * one of them unique where none was predicted, or ambiguous where one was;
 * a documented name the code lacks is unknown when probed whole.  (A code
 * name that is a prefix of a documented one would not show.)
 */
static bool table_matches(const char *object, const struct set *words, const char *p)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	bool ok = true;

	for (const char *c = letters; *c; c++) {
		char q[64];
		enum probe want, got;

		if (!p[0] && (*c == '-' || *c == '_'))
			continue;
		snprintf(q, sizeof(q), "%s%c", p, *c);
		want = predict(words, q);
		got = probe(object, q);
		if (want != got) {
			print_message("%s%s'%s': the code finds %s, the documentation %s\n",
				      object ? object : "objects", object ? ": " : ": ", q,
				      got == UNKNOWN ? "nothing" : got == UNIQUE ? "one name" : "several",
				      want == UNKNOWN ? "none" : want == UNIQUE ? "one" : "several");
			ok = false;
		} else if (got == AMBIGUOUS) {
			ok &= table_matches(object, words, q);
		}
	}
	return ok;
}

static void code_objects_and_commands_match_help(void **state)
{
	struct grammar h = {};
	bool ok = true;

	grammar_from_help(&h);
	ok &= table_matches(NULL, &h.objects, "");
	for (int i = 0; i < h.objects.n; i++)
		ok &= probe(NULL, h.objects.v[i]) == UNIQUE;
	for (int o = 0; o < h.objects.n; o++) {
		const char *object = h.objects.v[o];
		struct set cmds = {};
		char *out;
		char unknown[128];
		bool table;

		if (!strcmp(object, "help"))
			continue;
		for (int c = 0; c < h.commands.n; c++) {
			size_t n = strlen(object);

			if (!strncmp(h.commands.v[c], object, n) && h.commands.v[c][n] == ' ')
				set_add(&cmds, "%s", h.commands.v[c] + n + 1);
		}
		/* An object with a command table calls '0' an unknown command. */
		out = run_out("%s %s 0 2>&1 </dev/null", harness_bpftcp(), object);
		snprintf(unknown, sizeof(unknown), "unknown %s command '0'", object);
		table = strstr(out, unknown);
		free(out);
		if (!table) {
			if (cmds.n)
				print_message("%s: documented with commands, the code takes none\n", object);
			ok &= !cmds.n;
			continue;
		}
		ok &= table_matches(object, &cmds, "");
		for (int c = 0; c < cmds.n; c++) {
			if (probe(object, cmds.v[c]) != UNIQUE) {
				print_message("%s %s: documented, the code does not take it\n", object,
					      cmds.v[c]);
				ok = false;
			}
		}
		set_free(&cmds);
	}
	assert_true(ok);
	grammar_free(&h);
}

/* Every option of every source is taken by its command, and every global one anywhere. */
static void code_accepts_every_documented_option(void **state)
{
	struct grammar h = {}, m = {}, r = {};
	struct set all = {};
	bool ok = true;

	grammar_from_help(&h);
	grammar_from_rst(&m, "synopsis");
	grammar_from_rst(&m, "sections");
	grammar_from_readme(&r);
	for (int i = 0; i < h.options.n; i++)
		set_add(&all, "%s", h.options.v[i]);
	for (int i = 0; i < m.options.n; i++)
		set_add(&all, "%s", m.options.v[i]);
	for (int i = 0; i < r.options.n; i++)
		set_add(&all, "%s", r.options.v[i]);
	for (int i = 0; i < all.n; i++) {
		char object[64], cmd[64], opt[64], *out = NULL;
		char m1[128], m2[128], m3[128], m4[128];
		const char *fixed;
		bool taken = false;

		sscanf(all.v[i], "%63s %63s %63s", object, cmd, opt);
		snprintf(m1, sizeof(m1), "unknown option '%s'", opt);
		snprintf(m2, sizeof(m2), "unknown argument '%s'", opt);
		snprintf(m3, sizeof(m3), "does not take %s", opt);
		snprintf(m4, sizeof(m4), "unknown %s command", object);
		/* Taken by one of the command's variants (options are not
		 * told apart by variant: "opt attach --prefer" is ccneg's). */
		for (int v = 0; !taken && (fixed = fixed_words_nth(&h, object, cmd, v)); v++) {
			free(out);
			out = run_out("%s %s %s %s %s 2>&1 </dev/null", harness_bpftcp(), object, cmd,
				      fixed, opt);
			taken = !(strstr(out, m1) || strstr(out, m2) || strstr(out, m3) || strstr(out, m4));
		}
		if (!taken) {
			print_message("'%s': documented, but bpftcp says: %s", all.v[i], out);
			ok = false;
		}
		free(out);
	}
	for (int i = 0; i < h.globals.n; i++) {
		char *out = run_out("%s %s version >/dev/null 2>&1; echo $?", harness_bpftcp(),
				    h.globals.v[i]);

		if (strcmp(out, "0\n")) {
			print_message("global option %s: 'bpftcp %s version' fails\n", h.globals.v[i],
				      h.globals.v[i]);
			ok = false;
		}
		free(out);
	}
	assert_true(ok);
	set_free(&all);
	grammar_free(&h);
	grammar_free(&m);
	grammar_free(&r);
}

/* Options the parsers compare words with: string literals that are an option, comments left out. */
static void option_literals(const char *path, struct set *s)
{
	char *text = read_file(path), *w = text;

	/* Blank out comments. */
	for (char *p = text; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");

			e = e ? e + 2 : p + strlen(p);
			memset(p, ' ', e - p);
			p = e - 1;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		}
	}
	while ((w = strchr(w, '"'))) {
		char *e = strchr(w + 1, '"');
		char lit[64];

		if (!e)
			break;
		if (e - w - 1 < (long)sizeof(lit)) {
			memcpy(lit, w + 1, e - w - 1);
			lit[e - w - 1] = '\0';
			if (is_option(lit))
				set_add(s, "%s", lit);
		}
		w = e + 1;
	}
	free(text);
}

static void every_option_in_the_parsers_is_documented(void **state)
{
	static const char *const globs[] = { "loader/*.c", "lib/*.c" };
	struct grammar h = {};
	struct set code = {}, documented = {};
	bool ok = true;

	grammar_from_help(&h);
	for (size_t g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
		char *files = run_out("ls %s 2>/dev/null", globs[g]), *save = NULL;

		for (char *f = strtok_r(files, "\n", &save); f; f = strtok_r(NULL, "\n", &save))
			option_literals(f, &code);
		free(files);
	}
	assert_true(code.n > 0);
	for (int i = 0; i < h.globals.n; i++)
		set_add(&documented, "%s", h.globals.v[i]);
	for (int i = 0; i < h.options.n; i++)
		set_add(&documented, "%s", strrchr(h.options.v[i], ' ') + 1);
	for (int i = 0; i < code.n; i++) {
		if (!set_has(&documented, code.v[i])) {
			print_message("option %s is in the parsers, not in 'bpftcp help'\n", code.v[i]);
			ok = false;
		}
	}
	assert_true(ok);
	set_free(&code);
	set_free(&documented);
	grammar_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_has_every_object_command_and_option),
		cmocka_unit_test(man_synopsis_matches_help),
		cmocka_unit_test(man_command_sections_match_help),
		cmocka_unit_test(readme_usage_matches_help),
		cmocka_unit_test(completion_matches_help),
		cmocka_unit_test(completion_offers_values),
		cmocka_unit_test(code_objects_and_commands_match_help),
		cmocka_unit_test(code_accepts_every_documented_option),
		cmocka_unit_test(every_option_in_the_parsers_is_documented),
	};

	return cmocka_run_group_tests_name("grammar", tests, NULL, NULL);
}
