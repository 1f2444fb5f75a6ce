/* ms_jcfg.c: a tolerant reader of .jcfg (libconfig) text (pure).
 *
 * A lexer (one token of lookahead, comments and blanks skipped) feeds a
 * recursive-descent parser whose depth is bounded by MS_JCFG_MAX_DEPTH.
 * Recovery: after an error the parser skips tokens until one starts on a
 * later line, or until a closing bracket that is not its own (the '}' of
 * the current group); brackets opened on the bad line are skipped whole.
 * Every token is lexed once, so parsing is linear in the input. */
#include <string.h>
#include "ms_jcfg.h"

struct ms_jcfg_setting {
	char *name;		/* NULL for list/array elements and the root */
	ms_jcfg_type type;
	int line;
	char *value;		/* scalars */
	GPtrArray *children;	/* groups, lists, arrays */
};

typedef struct jerr {
	int line;
	char *name;
	char *message;
} jerr;

struct ms_jcfg {
	ms_jcfg_setting *root;
	GArray *errors;		/* jerr, sorted by line at the end */
	gboolean overflow;	/* MS_JCFG_MAX_ERRORS reached */
};

typedef enum tok_kind {
	T_EOF = 0,
	T_ATOM,			/* a run of [A-Za-z0-9_*.+-]: name, number, bool */
	T_STRING,		/* text: the unescaped content */
	T_PUNCT,		/* c: one of = : ; , { } ( ) [ ] */
	T_ERROR,		/* text: the message */
} tok_kind;

typedef struct tok {
	tok_kind kind;
	char c;
	int line;
	GString *text;
} tok;

typedef struct parser {
	const char *s;
	gsize len, pos;
	int line;
	tok cur;
	int prev_line;		/* of the token before cur */
	int depth;		/* containers open */
	GString *path;		/* of the container being parsed */
	ms_jcfg *cfg;
} parser;

#define NAME_MAX_ERR	200	/* bytes of a path kept in an error */

static const char *type_names[] = {
	"string", "int", "float", "bool", "group", "list", "array"
};

const char *ms_jcfg_type_name(ms_jcfg_type type)
{
	if((guint)type >= G_N_ELEMENTS(type_names))
		return "unknown";
	return type_names[type];
}

/* Errors */

/* The path of `leaf` in the current container, at most NAME_MAX_ERR bytes
 * (a long path must not make every error inside it cost its length). */
static char *full_name(parser *p, const char *leaf)
{
	GString *name = g_string_new_len(p->path->str, MIN(p->path->len, NAME_MAX_ERR));
	if(leaf != NULL && *leaf != '\0') {
		if(p->path->len > 0 && leaf[0] != '[')
			g_string_append_c(name, '.');
		g_string_append_len(name, leaf, (gssize)strnlen(leaf, NAME_MAX_ERR));
	}
	if(name->len > NAME_MAX_ERR)
		g_string_truncate(name, NAME_MAX_ERR);
	return g_string_free(name, FALSE);
}

static void add_error(parser *p, int line, const char *leaf, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void add_error(parser *p, int line, const char *leaf, const char *fmt, ...)
{
	jerr e = { .line = line };
	va_list ap;
	if(p->cfg->overflow)
		return;
	if(p->cfg->errors->len >= MS_JCFG_MAX_ERRORS) {
		p->cfg->overflow = TRUE;
		e.name = g_strdup("");
		e.message = g_strdup_printf("more than %d errors: the rest are not reported",
			MS_JCFG_MAX_ERRORS);
		g_array_append_val(p->cfg->errors, e);
		return;
	}
	e.name = full_name(p, leaf);
	va_start(ap, fmt);
	e.message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_array_append_val(p->cfg->errors, e);
}

static gint error_cmp(gconstpointer a, gconstpointer b)
{
	const jerr *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

/* Lexer */

static char peekc(parser *p, gsize k)
{
	return p->pos + k < p->len ? p->s[p->pos + k] : '\0';
}

static gboolean is_atom_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '*' || c == '.' ||
		c == '+' || c == '-';
}

static void skip_block_comment(parser *p)
{
	int start = p->line;
	p->pos += 2;
	while(p->pos < p->len) {
		if(p->s[p->pos] == '*' && peekc(p, 1) == '/') {
			p->pos += 2;
			return;
		}
		if(p->s[p->pos] == '\n')
			p->line++;
		p->pos++;
	}
	add_error(p, start, NULL, "comment not closed: '*/' missing");
}

/* Blanks, newlines and the three kinds of comment. */
static void skip_blank(parser *p)
{
	while(p->pos < p->len) {
		char c = p->s[p->pos];
		if(c == '\n') {
			p->line++;
			p->pos++;
		} else if(c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			p->pos++;
		} else if(c == '#' || (c == '/' && peekc(p, 1) == '/')) {
			while(p->pos < p->len && p->s[p->pos] != '\n')
				p->pos++;
		} else if(c == '/' && peekc(p, 1) == '*') {
			skip_block_comment(p);
		} else {
			return;
		}
	}
}

/* One escape; p->pos is past the backslash. Like libconfig, a backslash
 * before any other character is kept as is. */
static void lex_escape(parser *p, const char **bad)
{
	static const char from[] = "nrtf\\\"", to[] = "\n\r\t\f\\\"";
	GString *out = p->cur.text;
	char c = peekc(p, 0);
	const char *f = (p->pos < p->len && c != '\0') ? strchr(from, c) : NULL;
	if(f != NULL) {
		g_string_append_c(out, to[f - from]);
		p->pos++;
		return;
	}
	if((c == 'x' || c == 'X') && g_ascii_isxdigit(peekc(p, 1)) &&
			g_ascii_isxdigit(peekc(p, 2))) {
		int v = g_ascii_xdigit_value(peekc(p, 1)) * 16 + g_ascii_xdigit_value(peekc(p, 2));
		if(v == 0 && *bad == NULL)
			*bad = "\\x00 in a string";
		else if(v != 0)
			g_string_append_c(out, (char)v);
		p->pos += 3;
		return;
	}
	g_string_append_c(out, '\\');
}

/* A "..." string, which must end on its line. */
static void lex_string(parser *p)
{
	tok *t = &p->cur;
	const char *bad = NULL;
	gboolean closed = FALSE;
	t->kind = T_STRING;
	p->pos++;
	while(p->pos < p->len && p->s[p->pos] != '\n') {
		char c = p->s[p->pos++];
		if(c == '"') {
			closed = TRUE;
			break;
		}
		if(c == '\0' && bad == NULL)
			bad = "NUL byte in a string";
		else if(c == '\\')
			lex_escape(p, &bad);
		else if(c != '\0')
			g_string_append_c(t->text, c);
	}
	if(!closed)
		bad = "string not closed: '\"' missing on its line";
	if(bad != NULL) {
		t->kind = T_ERROR;
		g_string_assign(t->text, bad);
	}
}

static void next(parser *p)
{
	tok *t = &p->cur;
	p->prev_line = t->line;
	g_string_truncate(t->text, 0);
	skip_blank(p);
	t->line = p->line;
	if(p->pos >= p->len) {
		t->kind = T_EOF;
		return;
	}
	char c = p->s[p->pos];
	if(c == '"') {
		lex_string(p);
	} else if(is_atom_char(c)) {
		t->kind = T_ATOM;
		while(p->pos < p->len && is_atom_char(p->s[p->pos]))
			g_string_append_c(t->text, p->s[p->pos++]);
	} else if(c != '\0' && strchr("=:;,{}()[]", c) != NULL) {
		t->kind = T_PUNCT;
		t->c = c;
		p->pos++;
	} else {
		t->kind = T_ERROR;
		p->pos++;
		if(c == '\0')
			g_string_assign(t->text, "NUL byte");
		else if(g_ascii_isprint(c))
			g_string_printf(t->text, "unexpected character '%c'", c);
		else
			g_string_printf(t->text, "unexpected byte 0x%02X", (guint)(guchar)c);
	}
}

static gboolean is_punct(const tok *t, char c)
{
	return t->kind == T_PUNCT && t->c == c;
}

static gboolean is_closer(const tok *t)
{
	return is_punct(t, '}') || is_punct(t, ')') || is_punct(t, ']');
}

static gboolean is_opener(const tok *t)
{
	return is_punct(t, '{') || is_punct(t, '(') || is_punct(t, '[');
}

/* Recovery: skip to the first token on a line after `line`, or to a
 * closing bracket opened before the error; brackets opened on the way are
 * skipped with their content. */
static void skip(parser *p, int line)
{
	int depth = 0;
	while(p->cur.kind != T_EOF) {
		if(depth == 0 && (p->cur.line > line || is_closer(&p->cur)))
			return;
		if(is_opener(&p->cur))
			depth++;
		else if(is_closer(&p->cur))
			depth--;
		next(p);
	}
}

/* Skip one bracketed value whole; cur is its opener. */
static void skip_bracketed(parser *p)
{
	int depth = 0;
	do {
		if(is_opener(&p->cur))
			depth++;
		else if(is_closer(&p->cur))
			depth--;
		next(p);
	} while(depth > 0 && p->cur.kind != T_EOF);
}

/* Atoms */

static gboolean is_name(const char *a)
{
	if(!g_ascii_isalpha(a[0]) && a[0] != '*')
		return FALSE;
	for(const char *c = a + 1; *c != '\0'; c++) {
		if(!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '*')
			return FALSE;
	}
	/* libconfig reads these as booleans, never as names */
	return g_ascii_strcasecmp(a, "true") != 0 && g_ascii_strcasecmp(a, "false") != 0;
}

typedef enum int_form { NOT_INT = 0, INT_OK, INT_RANGE } int_form;

/* [-+]?[0-9]+(L|LL)? or 0[xX][0-9a-fA-F]+(L|LL)?, within 64 bits. */
static int_form classify_int(const char *a)
{
	const char *d = a;
	gboolean hex = a[0] == '0' && (a[1] == 'x' || a[1] == 'X'), neg = FALSE;
	int sig = 0;
	guint64 v = 0;
	if(hex) {
		d += 2;
	} else if(*d == '-' || *d == '+') {
		neg = *d == '-';
		d++;
	}
	const char *digits = d;
	while(hex ? g_ascii_isxdigit(*d) : g_ascii_isdigit(*d)) {
		if(sig > 0 || *d != '0')
			sig++;
		if(!hex && sig > 0 && sig <= 19)
			v = v * 10 + (guint64)(*d - '0');
		d++;
	}
	if(d == digits)
		return NOT_INT;
	if(*d == 'L')
		d += d[1] == 'L' ? 2 : 1;
	if(*d != '\0')
		return NOT_INT;
	if(hex)
		return sig > 16 ? INT_RANGE : INT_OK;
	if(sig > 19 || v > (guint64)G_MAXINT64 + (neg ? 1 : 0))
		return INT_RANGE;
	return INT_OK;
}

/* [-+]? digits with a '.' and/or an exponent, at least one digit. */
static gboolean is_float(const char *a)
{
	const char *d = a;
	int digits = 0;
	gboolean dot = FALSE, exp = FALSE;
	if(*d == '-' || *d == '+')
		d++;
	for(; g_ascii_isdigit(*d); d++)
		digits++;
	if(*d == '.') {
		dot = TRUE;
		for(d++; g_ascii_isdigit(*d); d++)
			digits++;
	}
	if(digits == 0)
		return FALSE;
	if(*d == 'e' || *d == 'E') {
		d++;
		if(*d == '-' || *d == '+')
			d++;
		if(!g_ascii_isdigit(*d))
			return FALSE;
		while(g_ascii_isdigit(*d))
			d++;
		exp = TRUE;
	}
	return *d == '\0' && (dot || exp);
}

static const char bad_value[] = "bad value";

/* The type of a value atom, or an error message. */
static const char *classify_value(const char *a, ms_jcfg_type *type)
{
	if(g_ascii_strcasecmp(a, "true") == 0 || g_ascii_strcasecmp(a, "false") == 0) {
		*type = MS_JCFG_BOOL;
		return NULL;
	}
	int_form f = classify_int(a);
	if(f == INT_RANGE)
		return "integer out of 64-bit range";
	if(f == INT_OK) {
		*type = MS_JCFG_INT;
		return NULL;
	}
	if(is_float(a)) {
		*type = MS_JCFG_FLOAT;
		return NULL;
	}
	if(g_ascii_isdigit(a[0]) || a[0] == '-' || a[0] == '+' || a[0] == '.')
		return "bad number";
	return bad_value;
}

/* Parser */

static ms_jcfg_setting *new_setting(ms_jcfg_type type, int line)
{
	ms_jcfg_setting *s = g_new0(ms_jcfg_setting, 1);
	s->type = type;
	s->line = line;
	return s;
}

static void free_setting(gpointer data)
{
	ms_jcfg_setting *s = data;
	if(s == NULL)
		return;
	if(s->children != NULL)
		g_ptr_array_free(s->children, TRUE);
	g_free(s->name);
	g_free(s->value);
	g_free(s);
}

static void add_child(ms_jcfg_setting *parent, ms_jcfg_setting *child)
{
	if(parent->children == NULL)
		parent->children = g_ptr_array_new_with_free_func(free_setting);
	g_ptr_array_add(parent->children, child);
}

/* Record the current (error) token's trouble, then recover past it. */
static void fail_here(parser *p, const char *leaf, const char *msg)
{
	int line = p->cur.line;
	/* An atom where a value belongs (leaf set) is not echoed: it may be an
	 * unquoted secret or camera URL. Where a name belongs, it is. */
	if(p->cur.kind == T_ATOM && leaf == NULL)
		add_error(p, line, leaf, "%s '%.40s'", msg, p->cur.text->str);
	else if(p->cur.kind == T_ATOM)
		add_error(p, line, leaf, "%s (a bare word)", msg);
	else if(p->cur.kind == T_PUNCT)
		add_error(p, line, leaf, "%s '%c'", msg, p->cur.c);
	else
		add_error(p, line, leaf, "%s", msg);
	if(!is_closer(&p->cur) && p->cur.kind != T_EOF)
		next(p);
	skip(p, line);
}

static void parse_group(parser *p, ms_jcfg_setting *group, gboolean root);
static void parse_list(parser *p, ms_jcfg_setting *list, char close);

/* One string value, adjacent strings concatenated. */
static ms_jcfg_setting *parse_string(parser *p, int line)
{
	ms_jcfg_setting *s = new_setting(MS_JCFG_STRING, line);
	GString *v = g_string_new(p->cur.text->str);
	next(p);
	while(p->cur.kind == T_STRING) {
		g_string_append_len(v, p->cur.text->str, p->cur.text->len);
		next(p);
	}
	s->value = g_string_free(v, FALSE);
	return s;
}

static ms_jcfg_setting *parse_atom(parser *p, const char *leaf, int line)
{
	ms_jcfg_type type = MS_JCFG_STRING;
	const char *bad = classify_value(p->cur.text->str, &type);
	if(bad != NULL) {
		int l = p->cur.line;
		/* The text is not echoed: it may be an unquoted secret or URL */
		add_error(p, l, leaf, "%s%s", bad, bad == bad_value ? " (strings need double quotes)" : "");
		next(p);
		skip(p, l);
		return NULL;
	}
	ms_jcfg_setting *s = new_setting(type, line);
	if(type == MS_JCFG_BOOL)
		s->value = g_ascii_strdown(p->cur.text->str, -1);
	else
		s->value = g_strdup(p->cur.text->str);
	next(p);
	return s;
}

static ms_jcfg_setting *parse_container(parser *p, const char *leaf, int line)
{
	char open = p->cur.c;
	if(p->depth >= MS_JCFG_MAX_DEPTH) {
		add_error(p, p->cur.line, leaf, "nested deeper than %d levels", MS_JCFG_MAX_DEPTH);
		skip(p, p->cur.line);
		return NULL;
	}
	ms_jcfg_type type = open == '{' ? MS_JCFG_GROUP :
		(open == '(' ? MS_JCFG_LIST : MS_JCFG_ARRAY);
	ms_jcfg_setting *s = new_setting(type, line);
	gsize plen = p->path->len;
	if(leaf[0] != '[' && p->path->len > 0)
		g_string_append_c(p->path, '.');
	g_string_append(p->path, leaf);
	p->depth++;
	next(p);
	if(type == MS_JCFG_GROUP)
		parse_group(p, s, FALSE);
	else
		parse_list(p, s, type == MS_JCFG_LIST ? ')' : ']');
	p->depth--;
	g_string_truncate(p->path, plen);
	return s;
}

/* A value for `leaf` (a setting name or "[i]") whose setting starts on
 * `line`; NULL after recording an error and recovering. */
static ms_jcfg_setting *parse_value(parser *p, const char *leaf, int line)
{
	tok *t = &p->cur;
	ms_jcfg_setting *s = NULL;
	/* "a =<EOL> b = 1": b is the next setting, not a's value */
	gboolean next_setting = leaf[0] != '[' && t->kind == T_ATOM &&
		t->line > p->prev_line && is_name(t->text->str);
	if(!next_setting && (t->kind == T_STRING || t->kind == T_ATOM)) {
		s = t->kind == T_STRING ? parse_string(p, line) : parse_atom(p, leaf, line);
		if(s != NULL && t->kind == T_ERROR && t->line == p->prev_line) {
			/* "a" "b<EOL>, 1 @: the line is bad, not the next one */
			free_setting(s);
			fail_here(p, leaf, t->text->str);
			return NULL;
		}
		return s;
	}
	if(is_opener(t))
		return parse_container(p, leaf, line);
	if(t->kind == T_ERROR) {
		fail_here(p, leaf, t->text->str);
		return NULL;
	}
	add_error(p, line, leaf, "missing value");
	skip(p, line);
	return NULL;
}

static void parse_setting(parser *p, ms_jcfg_setting *group)
{
	tok *t = &p->cur;
	int line = t->line;
	char *name = NULL;
	if(t->kind == T_ERROR) {
		fail_here(p, NULL, t->text->str);
		goto out;
	}
	if(t->kind != T_ATOM || !is_name(t->text->str)) {
		if(t->kind == T_ATOM)
			fail_here(p, NULL, "bad setting name");
		else if(t->kind == T_STRING)
			fail_here(p, NULL, "expected a setting name, found a string");
		else
			fail_here(p, NULL, "unexpected");
		goto out;
	}
	name = g_strdup(t->text->str);
	next(p);
	if(t->kind == T_ERROR && t->line == line) {
		fail_here(p, name, t->text->str);
		goto out;
	}
	if(!is_punct(t, '=') && !is_punct(t, ':')) {
		add_error(p, line, name, "missing '=' after '%.40s'", name);
		skip(p, line);
		goto out;
	}
	next(p);
	ms_jcfg_setting *s = parse_value(p, name, line);
	if(s != NULL) {
		s->name = name;
		name = NULL;
		add_child(group, s);
		if(is_punct(t, ';') || is_punct(t, ','))
			next(p);
	}
out:
	g_free(name);
}

/* Settings until the '}' closing this group (consumed) or EOF. */
static void parse_group(parser *p, ms_jcfg_setting *group, gboolean root)
{
	for(;;) {
		if(p->cur.kind == T_EOF) {
			if(!root)
				add_error(p, group->line, NULL, "group not closed: '}' missing");
			return;
		}
		if(is_punct(&p->cur, '}')) {
			if(!root) {
				next(p);
				return;
			}
			add_error(p, p->cur.line, NULL, "unexpected '}' at top level");
			next(p);
			continue;
		}
		if(is_closer(&p->cur)) {
			/* ')' or ']' closes nothing here: drop it and its line */
			int line = p->cur.line;
			add_error(p, line, NULL, "unexpected '%c'", p->cur.c);
			next(p);
			skip(p, line);
			continue;
		}
		parse_setting(p, group);
	}
}

/* An element of an array: a scalar of the first element's type. */
static gboolean array_accepts(parser *p, ms_jcfg_setting *array,
		ms_jcfg_setting *s, const char *leaf)
{
	if(array->type != MS_JCFG_ARRAY)
		return TRUE;
	if(array->children != NULL && array->children->len > 0) {
		ms_jcfg_setting *first = g_ptr_array_index(array->children, 0);
		if(first->type != s->type) {
			add_error(p, s->line, leaf, "array of %s holds a %s",
				ms_jcfg_type_name(first->type), ms_jcfg_type_name(s->type));
			return FALSE;
		}
	}
	return TRUE;
}

/* Comma-separated values until `close` (consumed), a trailing comma
 * allowed. Another closer or EOF leaves the list unclosed. */
static void parse_list(parser *p, ms_jcfg_setting *list, char close)
{
	gboolean need_sep = FALSE;
	guint index = 0;
	for(;;) {
		tok *t = &p->cur;
		if(is_punct(t, close)) {
			next(p);
			return;
		}
		if(t->kind == T_EOF || is_closer(t)) {
			add_error(p, list->line, NULL, "%s not closed: '%c' missing",
				ms_jcfg_type_name(list->type), close);
			return;
		}
		if(need_sep) {
			need_sep = FALSE;
			if(is_punct(t, ','))
				next(p);
			else
				fail_here(p, NULL, t->kind == T_ERROR ? t->text->str : "missing ',' before");
			continue;
		}
		char leaf[24];
		g_snprintf(leaf, sizeof(leaf), "[%u]", index++);
		if(list->type == MS_JCFG_ARRAY && is_opener(t)) {
			add_error(p, t->line, leaf, "an array holds scalars only (use a list)");
			skip_bracketed(p);
			need_sep = TRUE;
			continue;
		}
		ms_jcfg_setting *s = parse_value(p, leaf, t->line);
		if(s == NULL)
			continue;
		need_sep = TRUE;
		if(array_accepts(p, list, s, leaf))
			add_child(list, s);
		else
			free_setting(s);
	}
}

/* API */

ms_jcfg *ms_jcfg_parse(const char *text, gsize len)
{
	if(text == NULL)
		return NULL;
	ms_jcfg *cfg = g_new0(ms_jcfg, 1);
	cfg->root = new_setting(MS_JCFG_GROUP, 0);
	cfg->root->children = g_ptr_array_new_with_free_func(free_setting);
	cfg->errors = g_array_new(FALSE, FALSE, sizeof(jerr));
	parser p = {
		.s = text, .len = len, .line = 1, .cfg = cfg,
		.path = g_string_new(""), .cur.text = g_string_new(""),
	};
	if(len > MS_JCFG_MAX_SIZE) {
		add_error(&p, 1, NULL, "larger than %d bytes: not read", MS_JCFG_MAX_SIZE);
		goto out;
	}
	next(&p);
	parse_group(&p, cfg->root, TRUE);
	g_array_sort(cfg->errors, error_cmp);
out:
	g_string_free(p.path, TRUE);
	g_string_free(p.cur.text, TRUE);
	return cfg;
}

void ms_jcfg_free(ms_jcfg *cfg)
{
	if(cfg == NULL)
		return;
	for(guint i = 0; i < cfg->errors->len; i++) {
		jerr *e = &g_array_index(cfg->errors, jerr, i);
		g_free(e->name);
		g_free(e->message);
	}
	g_array_free(cfg->errors, TRUE);
	free_setting(cfg->root);
	g_free(cfg);
}

const ms_jcfg_setting *ms_jcfg_root(const ms_jcfg *cfg)
{
	return cfg ? cfg->root : NULL;
}

guint ms_jcfg_error_count(const ms_jcfg *cfg)
{
	return cfg ? cfg->errors->len : 0;
}

gboolean ms_jcfg_error(const ms_jcfg *cfg, guint i, int *line,
		const char **name, const char **message)
{
	if(cfg == NULL || i >= cfg->errors->len)
		return FALSE;
	const jerr *e = &g_array_index(cfg->errors, jerr, i);
	if(line != NULL)
		*line = e->line;
	if(name != NULL)
		*name = e->name;
	if(message != NULL)
		*message = e->message;
	return TRUE;
}

guint ms_jcfg_count(const ms_jcfg_setting *group)
{
	return (group && group->children) ? group->children->len : 0;
}

const ms_jcfg_setting *ms_jcfg_child(const ms_jcfg_setting *group, guint i)
{
	if(i >= ms_jcfg_count(group))
		return NULL;
	return g_ptr_array_index(group->children, i);
}

const ms_jcfg_setting *ms_jcfg_get(const ms_jcfg_setting *group, const char *name)
{
	if(group == NULL || group->type != MS_JCFG_GROUP || name == NULL)
		return NULL;
	for(guint i = 0; i < ms_jcfg_count(group); i++) {
		const ms_jcfg_setting *s = g_ptr_array_index(group->children, i);
		if(g_strcmp0(s->name, name) == 0)
			return s;
	}
	return NULL;
}

const char *ms_jcfg_name(const ms_jcfg_setting *s)
{
	return (s && s->name) ? s->name : "";
}

ms_jcfg_type ms_jcfg_kind(const ms_jcfg_setting *s)
{
	return s ? s->type : MS_JCFG_GROUP;
}

int ms_jcfg_line(const ms_jcfg_setting *s)
{
	return s ? s->line : 0;
}

const char *ms_jcfg_value(const ms_jcfg_setting *s)
{
	return s ? s->value : NULL;
}
