/*
 * yaml.c: YAML text → positioned values. The only file that includes
 * <yaml.h>: libyaml's event parser does the syntax (simple front matter is
 * scanned here into the same events: see "fast path"), this file builds the
 * value tree, resolves plain scalars by the YAML 1.2 core schema, and adds
 * what libyaml leaves to its callers: duplicate keys, aliases (shared, never
 * copied, but counted as if expanded) and limits on size and depth. A merge
 * key '<<' is a plain key here, as YAML 1.2 has it: the loaders refuse it
 * (fields.c, E006). Every libyaml object is freed here, on every path.
 *
 * Findings that end the parse (syntax, limits, a key that is a list or map,
 * an unknown alias) give NULL; a duplicate key does not: the parse goes on
 * with the first value, so that one slip does not hide every other finding
 * of the file. The fast path and libyaml's both hand their
 * events to the same builder, so both keep every rule here alike.
 */
#include "plansite.h"

#include <yaml.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct yaml_limits yaml_default_limits = {100000, 64};

/* Findings one document may report before the parser gives up on it. */
#define MAX_FINDINGS 100

/* -------------------------------------------------------------- positions */

/*
 * libyaml's marks count characters, and count CR, NEL, U+2028 and U+2029 as
 * line breaks; editors and frontmatter_split count lines by '\n'. So a mark's
 * character index is turned into the file's line and column here, with a
 * table of the character index at which each '\n'-line starts.
 */
struct lines {
	const char *s; /* the text libyaml reads (after any BOM) */
	size_t n;
	size_t *start; /* character index of the start of each line */
	size_t count;
	const char *file;
	uint32_t line0;
};

static void lines_init(struct lines *l, const char *s, size_t n, const char *file,
		       uint32_t line0)
{
	size_t cap = 64, chr = 0;
	l->s = s;
	l->n = n;
	l->file = file;
	l->line0 = line0;
	l->start = xmalloc(cap * sizeof(*l->start));
	l->start[0] = 0;
	l->count = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) == 0x80)
			continue;
		chr++;
		if (c == '\n') {
			if (l->count == cap) {
				cap *= 2;
				l->start = xrealloc(l->start, cap * sizeof(*l->start));
			}
			l->start[l->count++] = chr;
		}
	}
}

static uint32_t clamp32(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The file position of character index idx. */
static struct pos lines_pos(const struct lines *l, size_t idx)
{
	size_t lo = 0, hi = l->count; /* start[lo] <= idx < start[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->start[mid] <= idx)
			lo = mid;
		else
			hi = mid;
	}
	struct pos p = {l->file, clamp32(l->line0 + lo), clamp32(idx - l->start[lo] + 1)};
	return p;
}

static struct pos mark_pos(const struct lines *l, yaml_mark_t m)
{
	return lines_pos(l, m.index);
}

/* The file position of byte offset off (libyaml's reader errors give bytes). */
static struct pos byte_pos(const struct lines *l, size_t off)
{
	size_t chr = 0;
	if (off > l->n)
		off = l->n;
	for (size_t i = 0; i < off; i++)
		if (((unsigned char)l->s[i] & 0xc0) != 0x80)
			chr++;
	return lines_pos(l, chr);
}

/* The byte offset of character index idx (l->n past the end). */
static size_t char_byte(const struct lines *l, size_t idx)
{
	size_t chr = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (((unsigned char)l->s[i] & 0xc0) == 0x80)
			continue;
		if (chr++ == idx)
			return i;
	}
	return l->n;
}

/* ------------------------------------------------------------ hash table */

/*
 * One open-addressing table serves two purposes: anchors (scope 0, name →
 * value and its expanded size) and map keys (scope = the map's serial
 * number, key → where it was first seen). Keys point at arena strings.
 */
struct slot {
	uint64_t hash; /* 0: empty */
	size_t scope;
	const char *key;
	size_t len;
	struct value *val;
	size_t size;
	struct pos pos;
};

struct table {
	struct slot *slots;
	size_t n, cap;
};

static uint64_t hash_key(size_t scope, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)scope * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* The slot holding (scope, key), or the empty slot where it would go. */
static struct slot *table_find(struct table *t, size_t scope, const char *key, size_t len)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct slot *old = t->slots;
		size_t oldcap = t->cap;
		t->slots = xcalloc(cap, sizeof(*t->slots));
		t->cap = cap;
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].hash)
				continue;
			size_t j = old[i].hash & (cap - 1);
			while (t->slots[j].hash)
				j = (j + 1) & (cap - 1);
			t->slots[j] = old[i];
		}
		free(old);
	}
	uint64_t h = hash_key(scope, key, len);
	size_t j = h & (t->cap - 1);
	for (;;) {
		struct slot *s = &t->slots[j];
		if (!s->hash)
			return s;
		if (s->hash == h && s->scope == scope && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
		j = (j + 1) & (t->cap - 1);
	}
}

/* Fills an empty slot returned by table_find. */
static void table_fill(struct table *t, struct slot *s, size_t scope, const char *key,
		       size_t len)
{
	s->hash = hash_key(scope, key, len);
	s->scope = scope;
	s->key = key;
	s->len = len;
	t->n++;
}

/* ------------------------------------------------------------ the builder */

/* An open list or map. */
struct frame {
	struct value *v;
	const char *anchor; /* registered when the node closes; NULL for none */
	size_t nodes0;      /* node count before this node */
	size_t map_id;      /* maps: scope of its keys in the key table */
	bool have_key;      /* maps: a key was read, its value is next */
	bool key_bad;       /* maps: the pending key was refused */
	const char *key;
	size_t key_len;
	struct pos key_pos;
};

struct parse {
	struct arena *a;    /* nodes */
	struct arena *strs; /* scalars' text */
	struct diag *d;
	const struct yaml_limits *lim;
	struct lines lines;
	struct frame *stack;
	size_t top, cap;
	struct table anchors, keys;
	size_t nodes;   /* after alias expansion */
	size_t maps;    /* serial numbers for maps */
	size_t docs;
	size_t findings;
	size_t kept;    /* of those, findings after which the tree is kept */
	bool stop;      /* a finding that ends the parse */
	struct value *root;
};

/* Appends 'text' for a message: at most 40 characters, controls shown as '?'. */
static void put_subject(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, chars = 0;
	buf_putc(b, '\'');
	while (i < n && chars < 40) {
		unsigned char c = (unsigned char)s[i];
		size_t w = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (w > n - i)
			w = n - i;
		if (c < 0x20 || c == 0x7f)
			buf_putc(b, '?');
		else
			buf_put(b, s + i, w);
		i += w;
		chars++;
	}
	if (i < n)
		buf_puts(b, "...");
	buf_putc(b, '\'');
}

static void report(struct parse *p, struct pos pos, const char *code, const struct buf *msg)
{
	diag_error(p->d, pos, code, "%s", msg->ptr);
	if (++p->findings >= MAX_FINDINGS)
		p->stop = true;
}

/* Reports a finding after which the parse goes on and its tree is kept
 * (flawed): a duplicate key in the map of frame f. */
static void report_kept(struct parse *p, struct frame *f, struct pos pos, const char *code,
			const struct buf *msg)
{
	p->kept++;
	f->v->flawed = true;
	report(p, pos, code, msg);
}

/* Counts k more nodes; past the limit reports E003 at pos and stops. */
static bool count_nodes(struct parse *p, size_t k, struct pos pos, const char *alias)
{
	p->nodes += k;
	if (p->nodes <= p->lim->max_nodes)
		return true;
	struct buf m = BUF_INIT;
	if (alias) {
		buf_puts(&m, "alias ");
		buf_putc(&m, '\'');
		buf_putc(&m, '*');
		buf_put(&m, alias, strlen(alias));
		buf_putc(&m, '\'');
		buf_printf(&m,
			   " takes the document past the limit of %zu nodes after alias "
			   "expansion; use fewer aliases or write the values out",
			   p->lim->max_nodes);
	} else {
		buf_printf(&m, "the document has more than %zu nodes; split it into smaller files",
			   p->lim->max_nodes);
	}
	report(p, pos, "E003", &m);
	buf_release(&m);
	p->stop = true;
	return false;
}

static void anchor_set(struct parse *p, const char *name, struct value *v, size_t size)
{
	size_t len = strlen(name);
	struct slot *s = table_find(&p->anchors, 0, name, len);
	if (!s->hash)
		table_fill(&p->anchors, s, 0, name, len);
	s->val = v; /* a later anchor of the same name replaces the earlier */
	s->size = size;
}

/* Hands a finished node to its parent: a list item, a map key or value, or
 * the document's root. pos is where the node was written (for an alias,
 * the alias). */
static void attach(struct parse *p, struct value *v, struct pos pos)
{
	if (!p->top) {
		p->root = v;
		return;
	}
	struct frame *f = &p->stack[p->top - 1];
	if (f->v->kind == VALUE_LIST) {
		value_list_push(p->a, f->v, v);
		return;
	}
	if (!f->have_key) {
		f->have_key = true;
		f->key_bad = false;
		if (v->kind == VALUE_LIST || v->kind == VALUE_MAP) {
			struct buf m = BUF_INIT;
			buf_printf(&m, "map keys must be plain text, not %s; write the key as text",
				   value_kind_name(v->kind));
			report(p, pos, "E001", &m);
			buf_release(&m);
			f->key_bad = true;
			return;
		}
		f->key = v->str ? v->str : "";
		f->key_len = v->str ? v->len : 0;
		f->key_pos = pos;
		return;
	}
	f->have_key = false;
	if (f->key_bad)
		return;
	struct slot *s = table_find(&p->keys, f->map_id, f->key, f->key_len);
	if (s->hash) {
		struct buf m = BUF_INIT;
		buf_puts(&m, "duplicate key ");
		put_subject(&m, f->key, f->key_len);
		if (s->pos.line == f->key_pos.line)
			buf_printf(&m, " (first at line %u, column %u)", (unsigned)s->pos.line,
				   (unsigned)s->pos.col);
		else
			buf_printf(&m, " (first at line %u)", (unsigned)s->pos.line);
		buf_puts(&m, "; remove one of them (the first is the one read)");
		report_kept(p, f, f->key_pos, "E002", &m);
		buf_release(&m);
		return;
	}
	table_fill(&p->keys, s, f->map_id, f->key, f->key_len);
	s->pos = f->key_pos;
	/* value_map_put copies a NUL-terminated key; the key text is already in
	 * the arena and may hold NUL bytes, so the pair takes it as it is. */
	value_map_put(p->a, f->v, "", v);
	struct value_pair *pair = &f->v->u.pairs[f->v->n - 1];
	pair->key = f->key;
	pair->key_len = f->key_len;
	pair->key_pos = f->key_pos;
}

/* ------------------------------------------------------- scalar resolution */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_octal(const char *s, size_t n)
{
	if (n < 3 || s[0] != '0' || s[1] != 'o')
		return false;
	for (size_t i = 2; i < n; i++)
		if (s[i] < '0' || s[i] > '7')
			return false;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hex(const char *s, size_t n)
{
	if (n < 3 || s[0] != '0' || s[1] != 'x')
		return false;
	for (size_t i = 2; i < n; i++)
		if (hex_digit(s[i]) < 0)
			return false;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, which includes the
 * core schema's decimal integers. */
static bool is_decimal(const char *s, size_t n)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && is_digit(s[i]))
		i++, int_digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i]))
			i++, frac_digits++;
	}
	if (int_digits == 0 && frac_digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && is_digit(s[i]))
			i++, exp_digits++;
		if (!exp_digits)
			return false;
	}
	return i == n;
}

static bool is_one_of(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && memcmp(s, *words, n) == 0)
			return true;
	return false;
}

/* Gives a plain scalar its core-schema type: null, bool, number or string.
 * v->str is NUL-terminated, as strtod needs; strtod reads '.' as the decimal
 * point because plansite never leaves the C locale (no setlocale). */
static void resolve_plain(struct value *v)
{
	static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"true", "True", "TRUE", NULL};
	static const char *const falses[] = {"false", "False", "FALSE", NULL};
	static const char *const infs[] = {".inf", ".Inf", ".INF", NULL};
	static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
	const char *s = v->str;
	size_t n = v->len;
	/* most plain scalars are words: only these first characters can
	 * start anything but a string */
	if (n > 0 && !strchr("~nNtTfF0123456789+-.", s[0]))
		return;
	if (n == 0 || is_one_of(s, n, nulls)) {
		v->kind = VALUE_NULL;
	} else if (is_one_of(s, n, trues) || is_one_of(s, n, falses)) {
		v->kind = VALUE_BOOL;
		v->b = s[0] == 't' || s[0] == 'T';
	} else if (is_decimal(s, n)) {
		v->kind = VALUE_NUMBER;
		v->num = strtod(s, NULL);
	} else if (is_octal(s, n) || is_hex(s, n)) {
		double d = 0;
		int base = s[1] == 'o' ? 8 : 16;
		for (size_t i = 2; i < n; i++)
			d = d * base + hex_digit(s[i]);
		v->kind = VALUE_NUMBER;
		v->num = d;
	} else if (is_one_of(s, n, infs) ||
		   ((s[0] == '-' || s[0] == '+') && is_one_of(s + 1, n - 1, infs))) {
		v->kind = VALUE_NUMBER;
		v->num = s[0] == '-' ? -INFINITY : INFINITY;
	} else if (is_one_of(s, n, nans)) {
		v->kind = VALUE_NUMBER;
		v->num = NAN;
	}
}

/* ------------------------------------------------------------------ events */

static const char *anchor_copy(struct parse *p, const yaml_char_t *anchor)
{
	return anchor ? arena_strdup(p->a, (const char *)anchor) : NULL;
}

static void on_scalar(struct parse *p, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(&p->lines, ev->start_mark);
	if (!count_nodes(p, 1, pos, NULL))
		return;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct value *v = value_new(p->a, VALUE_STRING, pos);
	v->str = arena_strndup(p->strs, (const char *)ev->data.scalar.value, ev->data.scalar.length);
	v->len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	/* "!!str" and the non-specific "!" make a string; other tags are
	 * ignored, so a plain scalar under them resolves as usual. */
	bool forced = tag && (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0);
	if (plain && !forced)
		resolve_plain(v);
	v->quoted = !plain;
	if (ev->data.scalar.anchor)
		anchor_set(p, anchor_copy(p, ev->data.scalar.anchor), v, 1);
	attach(p, v, pos);
}

static void on_alias(struct parse *p, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(&p->lines, ev->start_mark);
	const char *name = (const char *)ev->data.alias.anchor;
	struct slot *s = table_find(&p->anchors, 0, name, strlen(name));
	if (s->hash) {
		if (count_nodes(p, s->size, pos, name))
			attach(p, s->val, pos);
		return;
	}
	struct buf m = BUF_INIT;
	bool inside = false;
	for (size_t i = 0; i < p->top; i++)
		if (p->stack[i].anchor && strcmp(p->stack[i].anchor, name) == 0)
			inside = true;
	buf_printf(&m, "alias '*%s' ", name);
	if (inside)
		buf_printf(&m, "is used inside the value it names; an alias cannot contain "
			       "itself");
	else
		buf_printf(&m, "names no anchor; mark the value with '&%s' before this line",
			   name);
	report(p, pos, "E001", &m);
	buf_release(&m);
	/* keep the map's key/value pairing in step */
	attach(p, value_new(p->a, VALUE_NULL, pos), pos);
}

static void on_start(struct parse *p, const yaml_event_t *ev, enum value_kind kind)
{
	struct pos pos = mark_pos(&p->lines, ev->start_mark);
	if (!count_nodes(p, 1, pos, NULL))
		return;
	if (p->top >= p->lim->max_depth) {
		struct buf m = BUF_INIT;
		buf_printf(&m, "lists and maps nested deeper than %zu levels; flatten the data",
			   p->lim->max_depth);
		report(p, pos, "E003", &m);
		buf_release(&m);
		p->stop = true;
		return;
	}
	GROW_FROM(p->stack, p->top, p->cap, 16);
	struct frame *f = &p->stack[p->top++];
	memset(f, 0, sizeof(*f));
	f->v = value_new(p->a, kind, pos);
	f->nodes0 = p->nodes - 1;
	f->anchor = kind == VALUE_LIST ? anchor_copy(p, ev->data.sequence_start.anchor)
				       : anchor_copy(p, ev->data.mapping_start.anchor);
	if (kind == VALUE_MAP)
		f->map_id = ++p->maps;
}

static void on_end(struct parse *p)
{
	struct frame f = p->stack[--p->top];
	if (f.anchor)
		anchor_set(p, f.anchor, f.v, p->nodes - f.nodes0);
	attach(p, f.v, f.v->pos);
}

/* ------------------------------------------------------------ syntax errors */

/* Fix hints for libyaml's problems, matched by substring. */
static const struct {
	const char *problem;
	const char *hint;
} hints[] = {
	{"mapping values are not allowed", "quote the value if it contains ': '"},
	{"tab character", "indent with spaces, not tabs"},
	{"could not find expected ':'", "write 'key: value', or quote text that spans lines"},
	{"did not find expected key", "check the indentation of this line, and quote values "
				      "that contain ': ' or start with a quote"},
	{"did not find expected '-' indicator", "check the indentation of the list items"},
	{"block sequence entries are not allowed",
	 "start the list on a new line, indented under its key"},
	{"did not find expected ',' or ']'", "close the list with ']'"},
	{"did not find expected ',' or '}'", "close the map with '}'"},
	{"unexpected end of stream", "close the quote or bracket that is open"},
	{"unknown escape character",
	 "inside double quotes write a backslash as '\\\\', or use single quotes"},
	{"found undefined tag handle", "remove the tag, or quote the value"},
	{"did not find expected alphabetic or numeric character",
	 "'&' and '*' start anchors and aliases: quote the value"},
	{"did not find expected <document start>", "a file holds one YAML document"},
	{"found incompatible yaml document", "remove the '%YAML' line"},
	{"did not find expected node content", "quote the value"},
	{"control characters are not allowed", "remove the control character"},
};

static void put_lower(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_putc(b, *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s);
}

static void syntax_error(struct parse *p, const yaml_parser_t *y)
{
	if (y->error == YAML_MEMORY_ERROR)
		die("out of memory in the YAML parser");
	const char *problem = y->problem ? y->problem : "cannot parse";
	struct buf m = BUF_INIT;
	struct pos pos;
	const char *code = "E001";
	put_lower(&m, problem);
	if (y->error == YAML_READER_ERROR) {
		size_t bad = utf8_check(p->lines.s, p->lines.n);
		if (bad < p->lines.n) {
			/* at the first byte of the bad sequence, as utf8_check says */
			pos = byte_pos(&p->lines, bad);
			code = "E004";
			buf_truncate(&m, 0);
			buf_printf(&m, "not valid UTF-8 at byte 0x%02X (",
				   (unsigned)(unsigned char)p->lines.s[bad]);
			put_lower(&m, problem);
			buf_puts(&m, "); save the file as UTF-8");
		} else {
			pos = byte_pos(&p->lines, y->problem_offset);
			if (y->problem_value >= 0)
				buf_printf(&m, " (U+%04X)", (unsigned)y->problem_value);
		}
	} else {
		pos = mark_pos(&p->lines, y->problem_mark);
		if (y->context) {
			struct pos cpos = mark_pos(&p->lines, y->context_mark);
			buf_putc(&m, ' ');
			put_lower(&m, y->context);
			if (cpos.line != pos.line)
				buf_printf(&m, " that starts at line %u", (unsigned)cpos.line);
		}
	}
	const char *hint = NULL;
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]) && !hint; i++)
		if (strstr(m.ptr, hints[i].problem))
			hint = hints[i].hint;
	if (!hint && strstr(problem, "cannot start any token")) {
		size_t at = char_byte(&p->lines, y->problem_mark.index);
		char c = at < p->lines.n ? p->lines.s[at] : '\0';
		if (c == '\t')
			hint = "indent with spaces, not tabs";
		else
			hint = "quote the value";
	}
	if (hint)
		buf_printf(&m, "; %s", hint);
	report(p, pos, code, &m);
	buf_release(&m);
	p->stop = true;
}

/* ---------------------------------------------------------------- fast path */

/*
 * Most front matter is a few lines of "key: value", lists and maps written
 * on one line ([a, b], { k: v }), plain or double-quoted text: libyaml spends
 * two hundred instructions a byte on it. For that much of YAML, this scanner
 * makes the very events libyaml would (kind, start mark, text, style), so that
 * everything after is the same; on anything else (anchors, tags, block
 * scalars, escapes, text over several lines, tabs, CR, odd characters,
 * unusual indentation, any syntax error) it gives up before an event is
 * used, and libyaml parses the text from the start. tests/unit/test_yaml.c
 * compares the two on every YAML text of the tests and on mutations of them.
 */
enum fev_kind { FEV_PLAIN, FEV_DOUBLE, FEV_SINGLE, FEV_SEQ, FEV_MAP, FEV_END };

struct fev {
	enum fev_kind kind;
	size_t mark; /* character index of the node's start */
	const char *s;
	size_t len;
};

struct fast {
	const char *s, *end;
	const char *line;        /* the start of the current line */
	const char *at_byte;     /* where at_chr was counted to */
	size_t at_chr;
	struct fev *v;
	size_t n, cap;
};

static size_t fast_chr(struct fast *f, const char *p)
{
	for (; f->at_byte < p; f->at_byte++)
		f->at_chr += ((unsigned char)*f->at_byte & 0xc0) != 0x80;
	return f->at_chr;
}

static void fast_emit(struct fast *f, enum fev_kind kind, const char *at, const char *s, size_t len)
{
	GROW_FROM(f->v, f->n, f->cap, 64);
	f->v[f->n++] = (struct fev){kind, at ? fast_chr(f, at) : 0, s, len};
}

static const char *fast_eol(const struct fast *f, const char *p)
{
	const char *nl = memchr(p, '\n', (size_t)(f->end - p));
	return nl ? nl : f->end;
}

/* Moves f->line to the next line holding more than spaces and a comment;
 * returns its indent, or -1 at the end of the text. */
static long fast_next(struct fast *f, bool skip_current)
{
	if (skip_current) {
		const char *e = fast_eol(f, f->line);
		f->line = e < f->end ? e + 1 : e;
	}
	while (f->line < f->end) {
		const char *p = f->line, *e = fast_eol(f, p);
		while (p < e && *p == ' ')
			p++;
		if (p < e && *p != '#')
			return (long)(p - f->line);
		f->line = e < f->end ? e + 1 : e;
	}
	return -1;
}

static bool fast_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A plain key at p ("name:" then a space or the line's end): its length. */
static size_t fast_key(const char *p, const char *e)
{
	size_t k = 0;
	if (p < e && *p == '-')
		return 0;
	while (p + k < e && fast_key_char(p[k]) && k < 64)
		k++;
	if (k == 0 || p + k >= e || p[k] != ':' || (p + k + 1 < e && p[k + 1] != ' '))
		return 0;
	return k;
}

/* Whether plain text may start with c (no indicator, no space). */
static bool fast_plain_start(char c)
{
	return !strchr("-?:,[]{}#&*!|>'\"%@` ", c) && c != '\0';
}

/* A quoted scalar at *pp on this line (ending before e): emitted. */
static bool fast_quoted(struct fast *f, const char **pp, const char *e)
{
	const char *p = *pp, q = *p;
	const char *close = memchr(p + 1, q, (size_t)(e - p - 1));
	if (!close)
		return false;
	if (q == '"' && memchr(p + 1, '\\', (size_t)(close - p - 1)))
		return false;
	if (q == '\'' && close + 1 < e && close[1] == '\'')
		return false;
	fast_emit(f, q == '"' ? FEV_DOUBLE : FEV_SINGLE, p, p + 1, (size_t)(close - p - 1));
	*pp = close + 1;
	return true;
}

static bool fast_flow(struct fast *f, const char **pp, const char *e, int depth);

/* One node inside [ ] or { }: quoted, a collection, or plain text up to a
 * ',', ']' or '}'. */
static bool fast_flow_item(struct fast *f, const char **pp, const char *e, int depth)
{
	const char *p = *pp;
	if (p >= e)
		return false;
	if (*p == '"' || *p == '\'')
		return fast_quoted(f, pp, e);
	if (*p == '[' || *p == '{')
		return fast_flow(f, pp, e, depth + 1);
	if (!fast_plain_start(*p))
		return false;
	const char *q = p;
	while (q < e && *q != ',' && *q != ']' && *q != '}') {
		if (*q == ':' || *q == '#' || *q == '[' || *q == '{' || *q == '?')
			return false;
		q++;
	}
	if (q >= e)
		return false;
	const char *t = q;
	while (t > p && t[-1] == ' ')
		t--;
	fast_emit(f, FEV_PLAIN, p, p, (size_t)(t - p));
	*pp = q;
	return true;
}

static const char *fast_spaces(const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	return p;
}

/* [ ... ] or { ... } at *pp, closed on this line. */
static bool fast_flow(struct fast *f, const char **pp, const char *e, int depth)
{
	const char *p = *pp;
	char open = *p, close = open == '[' ? ']' : '}';
	if (depth > 16)
		return false;
	fast_emit(f, open == '[' ? FEV_SEQ : FEV_MAP, p, NULL, 0);
	p = fast_spaces(p + 1, e);
	if (p < e && *p == close) {
		fast_emit(f, FEV_END, NULL, NULL, 0);
		*pp = p + 1;
		return true;
	}
	for (;;) {
		if (open == '{') {
			size_t k = fast_key(p, e);
			if (!k || p + k + 1 >= e)
				return false;
			fast_emit(f, FEV_PLAIN, p, p, k);
			p = fast_spaces(p + k + 1, e);
		}
		if (!fast_flow_item(f, &p, e, depth))
			return false;
		p = fast_spaces(p, e);
		if (p < e && *p == ',') {
			p = fast_spaces(p + 1, e);
			if (p < e && (*p == close || *p == ','))
				return false;
			continue;
		}
		if (p < e && *p == close)
			break;
		return false;
	}
	fast_emit(f, FEV_END, NULL, NULL, 0);
	*pp = p + 1;
	return true;
}

/* A value written after "key: " or "- ", to the end of its line (a comment
 * may follow after a space). */
static bool fast_inline(struct fast *f, const char *p, const char *e)
{
	if (*p == '"' || *p == '\'') {
		if (!fast_quoted(f, &p, e))
			return false;
	} else if (*p == '[' || *p == '{') {
		if (!fast_flow(f, &p, e, 0))
			return false;
	} else {
		if (!fast_plain_start(*p))
			return false;
		const char *q = p, *t;
		while (q < e && !(*q == '#' && q[-1] == ' ')) {
			if (*q == ':' && (q + 1 == e || q[1] == ' '))
				return false; /* a map where text should be: libyaml says why */
			q++;
		}
		t = q;
		while (t > p && t[-1] == ' ')
			t--;
		fast_emit(f, FEV_PLAIN, p, p, (size_t)(t - p));
		return true;
	}
	p = fast_spaces(p, e);
	return p == e || (*p == '#' && p[-1] == ' ');
}

static bool fast_map(struct fast *f, long indent);

/* A block list whose '-' are at column indent of each line. */
static bool fast_seq(struct fast *f, long indent)
{
	fast_emit(f, FEV_SEQ, f->line + indent, NULL, 0);
	for (;;) {
		const char *p = f->line + indent, *e = fast_eol(f, f->line);
		if (p + 1 >= e || p[0] != '-' || p[1] != ' ')
			return false;
		p = fast_spaces(p + 1, e);
		if (p == e || *p == '#' || fast_key(p, e) || !fast_inline(f, p, e))
			return false;
		long next = fast_next(f, true); /* -1 at the end */
		if (next < indent)
			break;
		if (next > indent)
			return false;
		p = f->line + next;
		if (!(p[0] == '-' && p + 1 < f->end && p[1] == ' '))
			break; /* the key after an unindented list */
	}
	fast_emit(f, FEV_END, NULL, NULL, 0);
	return true;
}

/* A block map whose keys are at column indent. */
static bool fast_map(struct fast *f, long indent)
{
	fast_emit(f, FEV_MAP, f->line + indent, NULL, 0);
	for (;;) {
		const char *p = f->line + indent, *e = fast_eol(f, f->line);
		size_t k = fast_key(p, e);
		if (!k)
			return false;
		fast_emit(f, FEV_PLAIN, p, p, k);
		p = fast_spaces(p + k + 1, e);
		long next;
		if (p == e || *p == '#') {
			/* the value is on the lines below */
			next = fast_next(f, true);
			if (next < 0)
				return false;
			const char *q = f->line + next;
			bool dash = q[0] == '-' && q + 1 < f->end && q[1] == ' ';
			if (dash && next >= indent) {
				if (!fast_seq(f, next))
					return false;
			} else if (next > indent) {
				if (!fast_map(f, next))
					return false;
			} else {
				return false; /* no value */
			}
			next = fast_next(f, false);
		} else {
			if (!fast_inline(f, p, e))
				return false;
			next = fast_next(f, true);
		}
		if (next < indent) /* -1 at the end */
			break;
		if (next > indent)
			return false;
	}
	fast_emit(f, FEV_END, NULL, NULL, 0);
	return true;
}

/* Whether the text is free of what the fast path leaves to libyaml: tabs,
 * CR, control characters, invalid UTF-8, the characters libyaml reads as
 * line breaks (NEL, U+2028, U+2029), C1 controls, BOMs and non-characters. */
static bool fast_plain_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 ? c != '\n' : c == 0x7f)
			return false;
		if (c < 0x80)
			continue;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
			return false;
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
			return false;
		if (c == 0xef && i + 2 < n &&
		    (((unsigned char)s[i + 1] == 0xbb && (unsigned char)s[i + 2] == 0xbf) ||
		     ((unsigned char)s[i + 1] == 0xbf && (unsigned char)s[i + 2] >= 0xbe)))
			return false;
	}
	return utf8_check(s, n) == n;
}

/* The events of s[0..n), or false (nothing in *out) when the fast path
 * leaves the text to libyaml. */
static bool fast_events(const char *s, size_t n, struct fev **out, size_t *nout)
{
	struct fast f = {s, s + n, s, s, 0, NULL, 0, 0};
	bool ok = fast_plain_text(s, n) && fast_next(&f, false) == 0 && fast_map(&f, 0) &&
		  fast_next(&f, false) < 0;
	if (!ok) {
		free(f.v);
		return false;
	}
	*out = f.v;
	*nout = f.n;
	return true;
}

/* Hands the events to the builder, as yaml_parse_split does libyaml's. */
static void fast_replay(struct parse *p, const struct fev *v, size_t n)
{
	for (size_t i = 0; i < n && !p->stop; i++) {
		yaml_event_t ev;
		memset(&ev, 0, sizeof(ev));
		ev.start_mark.index = v[i].mark;
		switch (v[i].kind) {
		case FEV_PLAIN:
		case FEV_DOUBLE:
		case FEV_SINGLE:
			ev.type = YAML_SCALAR_EVENT;
			ev.data.scalar.value = (yaml_char_t *)v[i].s;
			ev.data.scalar.length = v[i].len;
			ev.data.scalar.style = v[i].kind == FEV_PLAIN	 ? YAML_PLAIN_SCALAR_STYLE
					       : v[i].kind == FEV_DOUBLE ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
									 : YAML_SINGLE_QUOTED_SCALAR_STYLE;
			on_scalar(p, &ev);
			break;
		case FEV_SEQ:
			on_start(p, &ev, VALUE_LIST);
			break;
		case FEV_MAP:
			on_start(p, &ev, VALUE_MAP);
			break;
		case FEV_END:
			on_end(p);
			break;
		}
	}
}

/* For the tests: the events of s[0..n) as text, one a line ("+MAP 0",
 * "=PLAIN 6 text", "-"), from the fast path (false when it gives up) or
 * from libyaml (false on a syntax error). */
static void event_line(struct buf *b, const char *what, size_t mark, const char *s, size_t len)
{
	buf_printf(b, "%s %zu ", what, mark);
	if (s)
		buf_put(b, s, len);
	buf_putc(b, '\n');
}

static const char *fev_name(enum fev_kind k)
{
	static const char *const names[] = {"=PLAIN", "=DOUBLE", "=SINGLE", "+SEQ", "+MAP", "-"};
	return names[k];
}

bool yaml_fast_dump(const char *s, size_t n, struct buf *out)
{
	struct fev *v;
	size_t nv;
	if (!fast_events(s, n, &v, &nv))
		return false;
	for (size_t i = 0; i < nv; i++) {
		if (v[i].kind == FEV_END)
			buf_puts(out, "-\n");
		else
			event_line(out, fev_name(v[i].kind), v[i].mark, v[i].s, v[i].len);
	}
	free(v);
	return true;
}

bool yaml_libyaml_dump(const char *s, size_t n, struct buf *out)
{
	yaml_parser_t y;
	yaml_event_t ev;
	bool ok = true, done = false;
	if (!yaml_parser_initialize(&y))
		die("out of memory starting the YAML parser");
	yaml_parser_set_input_string(&y, (const unsigned char *)s, n);
	yaml_parser_set_encoding(&y, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&y, &ev)) {
			ok = false;
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT: {
			enum fev_kind k = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? FEV_PLAIN
					  : ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
						  ? FEV_DOUBLE
					  : ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE
						  ? FEV_SINGLE
						  : FEV_END;
			event_line(out, k == FEV_END ? "=OTHER" : fev_name(k), ev.start_mark.index,
				   (const char *)ev.data.scalar.value, ev.data.scalar.length);
			if (ev.data.scalar.anchor || ev.data.scalar.tag)
				buf_puts(out, "(anchor or tag)\n");
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			event_line(out, ev.type == YAML_SEQUENCE_START_EVENT ? "+SEQ" : "+MAP",
				   ev.start_mark.index, NULL, 0);
			if (ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor != NULL
								 : ev.data.mapping_start.anchor != NULL)
				buf_puts(out, "(anchor)\n");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			buf_puts(out, "-\n");
			break;
		case YAML_ALIAS_EVENT:
			buf_puts(out, "*ALIAS\n");
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	return ok;
}

/* ------------------------------------------------------------------ entry */

/*
 * See plansite.h for the contract. In short: one document; plain scalars
 * typed by the YAML 1.2 core schema, everything quoted, block-styled or
 * tagged "!!str" or "!" a string, other tags ignored; map keys are scalar
 * text; an alias shares its anchored value. Findings go to d; any error
 * gives NULL. A UTF-8 BOM is skipped; other encodings are refused (E004).
 */
struct value *yaml_parse(struct arena *a, const char *s, size_t n, const char *file,
			 uint32_t line0, const struct yaml_limits *lim, struct diag *d)
{
	return yaml_parse_split(a, a, s, n, file, line0, lim, d);
}

struct value *yaml_parse_split(struct arena *a, struct arena *strs, const char *s, size_t n,
			       const char *file, uint32_t line0, const struct yaml_limits *lim,
			       struct diag *d)
{
	struct parse p;
	yaml_parser_t y;
	yaml_event_t ev;
	bool have_parser = false, have_event = false, done = false;
	struct value *result = NULL;

	memset(&p, 0, sizeof(p));
	p.a = a;
	p.strs = strs;
	p.d = d;
	p.lim = lim ? lim : &yaml_default_limits;
	/* libyaml would skip a BOM too, but only when it guesses the encoding;
	 * we tell it UTF-8 (the content model's only encoding) and skip it. */
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3, n -= 3;
	lines_init(&p.lines, s, n, file, line0);

	struct fev *fv;
	size_t nfv;
	if (fast_events(s, n, &fv, &nfv)) {
		fast_replay(&p, fv, nfv);
		free(fv);
		goto built;
	}
	if (!yaml_parser_initialize(&y))
		die("out of memory starting the YAML parser");
	have_parser = true;
	yaml_parser_set_input_string(&y, (const unsigned char *)s, n);
	yaml_parser_set_encoding(&y, YAML_UTF8_ENCODING);

	while (!done && !p.stop) {
		if (!yaml_parser_parse(&y, &ev)) {
			syntax_error(&p, &y);
			goto out;
		}
		have_event = true;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (p.docs++) {
				struct buf m = BUF_INIT;
				buf_puts(&m, "a second YAML document starts here; a file holds one "
					     "document: remove this part or move it to its own file");
				report(&p, mark_pos(&p.lines, ev.start_mark), "E001", &m);
				buf_release(&m);
				p.stop = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&p, &ev);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&p, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&p, &ev, VALUE_LIST);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&p, &ev, VALUE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&p);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		have_event = false;
	}
built:
	if (p.stop || p.findings > p.kept)
		goto out;
	if (p.root) {
		result = p.root;
		result->flawed |= p.kept > 0;
	} else {
		struct pos pos = {file, line0, 1};
		result = value_new(a, VALUE_NULL, pos);
		result->str = "";
	}
out:
	if (have_event)
		yaml_event_delete(&ev);
	if (have_parser)
		yaml_parser_delete(&y);
	free(p.lines.start);
	free(p.stack);
	free(p.anchors.slots);
	free(p.keys.slots);
	return result;
}
