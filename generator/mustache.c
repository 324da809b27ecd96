/*
 * mustache.c: Mustache templates, compiled once to a flat op list and
 * rendered many times.
 *
 * What is supported: the core spec (variables, escaped by default with
 * escape_html; sections; inverted sections; comments; partials with
 * standalone indentation; set delimiters; the standalone-line rules with
 * "\n" and "\r\n"), template inheritance from ~inheritance (parents
 * {{<name}}, blocks {{$name}}, with the block re-indentation rules) and
 * ~dynamic-names ({{>*name}}, {{<*name}}). Lambdas are not: our data holds
 * no code.
 *
 * Compiling runs four passes over the source: tokenize (tags, with set
 * delimiters applied as they come), structure (match open and close tags,
 * nesting bounded by MUS_MAX_NESTING, which parts are dead: the text inside
 * a parent outside its blocks), whitespace (standalone lines, indentation)
 * and emit (ops, with text copied into one pool per template). Ops of a
 * section lie between its OP_SECTION and its OP_END, which point at each
 * other, so nothing is a tree.
 *
 * Rendering (mustache_render.c) shares the compiled form declared in
 * mustache_int.h.
 */
#include "mustache_int.h"

#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- compiling */

enum tk {
	TK_VAR,
	TK_RAW,
	TK_SECTION,
	TK_INVERTED,
	TK_CLOSE,
	TK_COMMENT,
	TK_PARTIAL,
	TK_PARENT,
	TK_BLOCK,
	TK_DELIM,
};

/* A tag as found in the source. Offsets are into the source. */
struct ctag {
	uint8_t kind;
	bool dynamic;    /* a name after a star, as in {{>*x}} */
	bool dead;       /* inside a parent, outside its blocks: never rendered */
	bool arg;        /* TK_BLOCK directly inside a parent */
	bool standalone; /* its line is removed */
	bool full;       /* TK_BLOCK: F_FULL */
	bool lclear;     /* only whitespace before it on its line */
	bool saved_bol;  /* TK_PARENT: line-start state to restore after its close */
	uint32_t start, end;     /* the tag, delimiters included */
	uint32_t name, name_len; /* trimmed name, after any '*' */
	uint32_t line, col;
	uint32_t lstrip, rstrip; /* text before it ends at lstrip, after it starts at rstrip */
	int32_t owner;           /* the open tag it is inside; a close is inside its open */
	int32_t match;           /* open <-> close */
	uint32_t op;             /* the op emitted for it */
	uint32_t ind, ind_len;   /* partial, parent: indentation; block: added indentation */
	uint32_t ded, ded_len;   /* open tags: the indentation removed from lines inside */
};

struct compiler {
	const char *src;
	size_t n;
	const char *file;
	struct diag *d;
	struct ctag *t;
	size_t nt, capt;
	/* position tracker: line and column of offset at */
	size_t at;
	uint32_t line, col;
	/* output */
	struct op *ops;
	size_t nops, capops;
	struct buf pool;
	struct mname *names;
	size_t nnames, capnames;
	struct mpart *parts;
	size_t nparts, capparts;
	uint32_t *args;
	size_t nargs, capargs;
	bool bol; /* the next op starts a line */
};


static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Line and column (1-based, columns in characters) of offset off. Offsets
 * asked for only grow, so the whole compile stays linear. */
static void where(struct compiler *c, size_t off, uint32_t *line, uint32_t *col)
{
	if (off < c->at) {
		c->at = 0;
		c->line = c->col = 1;
	}
	const char *s = c->src;
	for (;;) {
		const char *nl = memchr(s + c->at, '\n', off - c->at);
		if (!nl)
			break;
		c->line++;
		c->at = (size_t)(nl - s) + 1;
		c->col = 1;
	}
	c->col += (uint32_t)utf8_count(s + c->at, off - c->at);
	c->at = off;
	*line = c->line;
	*col = c->col;
}

static struct pos tag_pos(const struct compiler *c, const struct ctag *t)
{
	struct pos p = {c->file, t->line, t->col};
	return p;
}

/* Offset of the first pat at or after from, or n. */
static size_t find(const char *s, size_t n, size_t from, const char *pat, size_t m)
{
	if (from > n || n - from < m)
		return n;
	const char *p = s + from, *last = s + n - m;
	while (p <= last) {
		const char *q = memchr(p, pat[0], (size_t)(last - p) + 1);
		if (!q)
			return n;
		if (memcmp(q, pat, m) == 0)
			return (size_t)(q - s);
		p = q + 1;
	}
	return n;
}

static const char *kind_word(uint8_t kind)
{
	switch (kind) {
	case TK_INVERTED:
		return "inverted section";
	case TK_PARENT:
		return "parent";
	case TK_BLOCK:
		return "block";
	default:
		return "section";
	}
}

/* Checks a variable or section name: "." or non-empty parts between dots,
 * no whitespace. */
static bool check_name(struct compiler *c, const struct ctag *t)
{
	const char *s = c->src + t->name;
	size_t n = t->name_len;
	if (n == 0) {
		diag_error(c->d, tag_pos(c, t), "E040", "empty tag name");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_ws(s[i])) {
			diag_error(c->d, tag_pos(c, t), "E040",
				   "bad tag name '%.*s' (a name holds no spaces)", (int)(n > 60 ? 60 : n),
				   s);
			return false;
		}
	}
	if (t->kind == TK_CLOSE || t->kind == TK_PARTIAL || t->kind == TK_PARENT ||
	    t->kind == TK_BLOCK)
		return true;
	if (n == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && (i == 0 || i + 1 == n || s[i + 1] == '.')) {
			diag_error(c->d, tag_pos(c, t), "E040",
				   "bad tag name '%.*s' (an empty part between dots)",
				   (int)(n > 60 ? 60 : n), s);
			return false;
		}
	}
	return true;
}

/* Pass 1: the tags, in order. Set-delimiter tags change the delimiters for
 * what follows. */
static bool tokenize(struct compiler *c)
{
	const char *s = c->src;
	size_t n = c->n, i = 0;
	const char *ot = "{{", *ct = "}}";
	size_t otl = 2, ctl = 2;
	for (;;) {
		size_t at = find(s, n, i, ot, otl);
		if (at >= n)
			return true;
		GROW(c->t, c->nt, c->capt);
		struct ctag *t = &c->t[c->nt++];
		memset(t, 0, sizeof(*t));
		t->owner = t->match = -1;
		t->op = MUS_NONE;
		t->start = (uint32_t)at;
		where(c, at, &t->line, &t->col);

		size_t p = at + otl, cs = p + 1;
		char closer = '\0';
		switch (p < n ? s[p] : '\0') {
		case '#':
			t->kind = TK_SECTION;
			break;
		case '^':
			t->kind = TK_INVERTED;
			break;
		case '/':
			t->kind = TK_CLOSE;
			break;
		case '!':
			t->kind = TK_COMMENT;
			break;
		case '>':
			t->kind = TK_PARTIAL;
			break;
		case '<':
			t->kind = TK_PARENT;
			break;
		case '$':
			t->kind = TK_BLOCK;
			break;
		case '&':
			t->kind = TK_RAW;
			break;
		case '{':
			t->kind = TK_RAW;
			closer = '}';
			break;
		case '=':
			t->kind = TK_DELIM;
			closer = '=';
			break;
		default:
			t->kind = TK_VAR;
			cs = p;
			break;
		}
		size_t q = cs, ce;
		for (;;) {
			q = find(s, n, q, ct, ctl);
			if (q >= n) {
				char cl[2] = {closer, '\0'};
				diag_error(c->d, tag_pos(c, t), "E040",
					   "unclosed tag: no '%s%.*s' after '%.*s'", cl, (int)ctl, ct,
					   (int)otl, ot);
				return false;
			}
			if (!closer) {
				ce = q;
				break;
			}
			if (q > cs && s[q - 1] == closer) {
				ce = q - 1;
				break;
			}
			q++;
		}
		t->end = (uint32_t)(q + ctl);
		i = q + ctl;
		while (cs < ce && is_ws(s[cs]))
			cs++;
		while (ce > cs && is_ws(s[ce - 1]))
			ce--;

		if (t->kind == TK_COMMENT)
			continue;
		if (t->kind == TK_DELIM) {
			/* two non-empty delimiters, separated by whitespace */
			size_t a = cs;
			while (a < ce && !is_ws(s[a]))
				a++;
			size_t b = a;
			while (b < ce && is_ws(s[b]))
				b++;
			bool ok = a > cs && b < ce;
			for (size_t k = cs; ok && k < ce; k++)
				if (s[k] == '=' || (k >= b && is_ws(s[k])))
					ok = false;
			if (!ok) {
				diag_error(c->d, tag_pos(c, t), "E040",
					   "bad delimiter change '%.*s' (want two delimiters without "
					   "spaces or '=', as in '{{=<%% %%>=}}')",
					   (int)(ce - cs > 60 ? 60 : ce - cs), s + cs);
				return false;
			}
			ot = s + cs;
			otl = a - cs;
			ct = s + b;
			ctl = ce - b;
			continue;
		}
		if ((t->kind == TK_PARTIAL || t->kind == TK_PARENT || t->kind == TK_CLOSE) &&
		    cs < ce && s[cs] == '*') {
			t->dynamic = true;
			cs++;
			while (cs < ce && is_ws(s[cs]))
				cs++;
		}
		t->name = (uint32_t)cs;
		t->name_len = (uint32_t)(ce - cs);
		if (!check_name(c, t))
			return false;
	}
}

static bool is_open(uint8_t kind)
{
	return kind == TK_SECTION || kind == TK_INVERTED || kind == TK_PARENT || kind == TK_BLOCK;
}

/* Pass 2: matches open and close tags, bounds nesting, marks what is dead
 * (inside a parent, outside its blocks) and which blocks are arguments. */
static bool structure(struct compiler *c)
{
	int32_t stack[MUS_MAX_NESTING];
	size_t depth = 0;
	for (size_t i = 0; i < c->nt; i++) {
		struct ctag *t = &c->t[i];
		t->owner = depth ? stack[depth - 1] : -1;
		if (is_open(t->kind)) {
			if (depth == MUS_MAX_NESTING) {
				diag_error(c->d, tag_pos(c, t), "E040",
					   "sections, parents and blocks nested deeper than %d",
					   MUS_MAX_NESTING);
				return false;
			}
			stack[depth++] = (int32_t)i;
		} else if (t->kind == TK_CLOSE) {
			const char *nm = c->src + t->name;
			int nl = (int)(t->name_len > 60 ? 60 : t->name_len);
			if (!depth) {
				diag_error(c->d, tag_pos(c, t), "E040",
					   "closing tag '%s%.*s' closes nothing", t->dynamic ? "*" : "",
					   nl, nm);
				return false;
			}
			struct ctag *o = &c->t[stack[depth - 1]];
			if (o->name_len != t->name_len || o->dynamic != t->dynamic ||
			    memcmp(c->src + o->name, nm, t->name_len) != 0) {
				diag_error(c->d, tag_pos(c, t), "E040",
					   "closing tag '%s%.*s' does not match the open %s '%s%.*s' "
					   "(line %u, column %u)",
					   t->dynamic ? "*" : "", nl, nm, kind_word(o->kind),
					   o->dynamic ? "*" : "", (int)(o->name_len > 60 ? 60 : o->name_len),
					   c->src + o->name, (unsigned)o->line, (unsigned)o->col);
				return false;
			}
			t->match = stack[depth - 1];
			t->owner = t->match;
			o->match = (int32_t)i;
			depth--;
		}
	}
	if (depth) {
		const struct ctag *o = &c->t[stack[depth - 1]];
		diag_error(c->d, tag_pos(c, o), "E040", "unclosed %s '%s%.*s' (no closing tag)",
			   kind_word(o->kind), o->dynamic ? "*" : "",
			   (int)(o->name_len > 60 ? 60 : o->name_len), c->src + o->name);
		return false;
	}
	for (size_t i = 0; i < c->nt; i++) {
		struct ctag *t = &c->t[i];
		if (t->owner < 0)
			continue;
		const struct ctag *o = &c->t[t->owner];
		bool is_close_of_o = t->kind == TK_CLOSE && t->match == t->owner;
		if (o->dead)
			t->dead = true;
		else if (o->kind == TK_PARENT && t->kind != TK_BLOCK && !is_close_of_o)
			t->dead = true;
		if (t->kind == TK_BLOCK && !t->dead && o->kind == TK_PARENT)
			t->arg = true;
	}
	return true;
}

/* True when only spaces and tabs stand between the start of the line and at;
 * *ls is where that whitespace starts. */
static bool left_clear(const char *s, size_t at, size_t *ls)
{
	size_t i = at;
	while (i > 0 && is_blank(s[i - 1]))
		i--;
	*ls = i;
	return i == 0 || s[i - 1] == '\n';
}

/* True when only spaces and tabs stand between at and the end of the line
 * ("\n", "\r\n" or the end); *next is where the next line starts. */
static bool right_clear(const char *s, size_t n, size_t at, size_t *next)
{
	size_t i = at;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n) {
		*next = n;
		return true;
	}
	if (s[i] == '\n') {
		*next = i + 1;
		return true;
	}
	if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
		*next = i + 2;
		return true;
	}
	return false;
}

static uint32_t blank_len(const char *s, size_t n, size_t at)
{
	size_t i = at;
	while (i < n && is_blank(s[i]))
		i++;
	return (uint32_t)(i - at);
}

/* Takes the dedent of open tag o (if any) off the front of [*off, +*len). */
static void dedent(const struct compiler *c, int32_t o, uint32_t *off, uint32_t *len)
{
	if (o < 0)
		return;
	const struct ctag *ot = &c->t[o];
	if (ot->ded_len && *len >= ot->ded_len &&
	    memcmp(c->src + *off, c->src + ot->ded, ot->ded_len) == 0) {
		*off += ot->ded_len;
		*len -= ot->ded_len;
	}
}

/* Pass 3: standalone lines and indentation, decided on the source bytes. */
static void whitespace(struct compiler *c)
{
	const char *s = c->src;
	size_t n = c->n;
	for (size_t i = 0; i < c->nt; i++) {
		struct ctag *t = &c->t[i];
		t->lstrip = t->start;
		t->rstrip = t->end;
		if (t->owner >= 0 && t->kind != TK_CLOSE) {
			t->ded = c->t[t->owner].ded;
			t->ded_len = c->t[t->owner].ded_len;
		}
		if (t->dead || t->kind == TK_VAR || t->kind == TK_RAW)
			continue;
		size_t ls = 0, nx = 0, cnx = 0;
		bool lc = left_clear(s, t->start, &ls);
		bool rc = right_clear(s, n, t->end, &nx);
		t->lclear = lc;
		const struct ctag *m = t->match >= 0 ? &c->t[t->match] : NULL;
		switch (t->kind) {
		case TK_BLOCK:
			if (t->arg) {
				/* what comes before is dead; a newline after is not content */
				if (rc) {
					t->rstrip = (uint32_t)nx;
					uint32_t d = blank_len(s, n, nx);
					if (d) {
						t->ded = (uint32_t)nx;
						t->ded_len = d;
					}
				}
				break;
			}
			if (lc && rc) {
				t->standalone = t->full = true;
				t->lstrip = (uint32_t)ls;
				t->rstrip = (uint32_t)nx;
			}
			if (lc && right_clear(s, n, m->end, &cnx)) {
				/* a standalone pair: overrides are indented */
				if (t->full) {
					t->ind = (uint32_t)nx;
					t->ind_len = blank_len(s, n, nx);
				} else {
					t->ind = (uint32_t)ls;
					t->ind_len = t->start - (uint32_t)ls;
				}
				dedent(c, t->owner, &t->ind, &t->ind_len);
			}
			break;
		case TK_PARENT:
			if (lc && (rc || right_clear(s, n, m->end, &cnx))) {
				t->standalone = true;
				t->lstrip = (uint32_t)ls;
				t->ind = (uint32_t)ls;
				t->ind_len = t->start - (uint32_t)ls;
				dedent(c, t->owner, &t->ind, &t->ind_len);
			}
			break;
		case TK_CLOSE:
			if (m->kind == TK_BLOCK && m->arg) {
				/* what comes after is dead; the newline before stays content */
				if (lc) {
					t->standalone = true;
					t->lstrip = (uint32_t)ls;
				}
			} else if (m->kind == TK_PARENT) {
				if (rc && (lc || m->lclear)) {
					t->standalone = true;
					t->rstrip = (uint32_t)nx;
				}
			} else if (lc && rc) {
				t->standalone = true;
				t->lstrip = (uint32_t)ls;
				t->rstrip = (uint32_t)nx;
			}
			break;
		default: /* section, inverted, comment, partial, set delimiters */
			if (lc && rc) {
				t->standalone = true;
				t->lstrip = (uint32_t)ls;
				t->rstrip = (uint32_t)nx;
				if (t->kind == TK_PARTIAL) {
					t->ind = (uint32_t)ls;
					t->ind_len = t->start - (uint32_t)ls;
					dedent(c, t->owner, &t->ind, &t->ind_len);
				}
			}
			break;
		}
	}
}

static uint32_t pool_put(struct compiler *c, const char *s, size_t n)
{
	uint32_t off = (uint32_t)c->pool.len;
	buf_put(&c->pool, s, n);
	return off;
}

static struct op *add_op(struct compiler *c, uint8_t kind, const struct ctag *t)
{
	GROW(c->ops, c->nops, c->capops);
	struct op *op = &c->ops[c->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->end = op->arg0 = MUS_NONE;
	if (t) {
		op->line = t->line;
		op->col = t->col;
	}
	return op;
}

/* Marks op as the first on its line when it is, and moves past it. */
static void take_bol(struct compiler *c, struct op *op)
{
	if (c->bol)
		op->flags |= F_BOL;
	c->bol = false;
}

/* Stores a tag's name, split at dots, and returns its index. */
static uint32_t add_name(struct compiler *c, const struct ctag *t)
{
	GROW(c->names, c->nnames, c->capnames);
	struct mname *nm = &c->names[c->nnames];
	nm->part0 = (uint32_t)c->nparts;
	nm->nparts = 0;
	const char *s = c->src + t->name;
	size_t n = t->name_len;
	if (!(n == 1 && s[0] == '.')) {
		uint32_t base = pool_put(c, s, n);
		size_t i = 0;
		while (i <= n) {
			size_t j = i;
			while (j < n && s[j] != '.')
				j++;
			GROW(c->parts, c->nparts, c->capparts);
			c->parts[c->nparts].off = base + (uint32_t)i;
			c->parts[c->nparts].len = (uint32_t)(j - i);
			c->nparts++;
			nm->nparts++;
			i = j + 1;
		}
	}
	return (uint32_t)c->nnames++;
}

/* The open tag whose content the text after tag i belongs to, or -1. */
static int32_t inner(const struct compiler *c, size_t i)
{
	const struct ctag *t = &c->t[i];
	if (is_open(t->kind))
		return (int32_t)i;
	if (t->kind == TK_CLOSE)
		return c->t[t->match].owner;
	return t->owner;
}

/* Emits the text [a, b) found inside open tag o: nothing when it is dead,
 * else one OP_TEXT, with o's dedent taken off the start of each line. */
static void emit_text(struct compiler *c, size_t a, size_t b, int32_t o)
{
	if (a >= b)
		return;
	if (o >= 0 && (c->t[o].dead || c->t[o].kind == TK_PARENT))
		return;
	const char *s = c->src;
	const struct ctag *ot = o >= 0 ? &c->t[o] : NULL;
	uint32_t off = (uint32_t)c->pool.len;
	size_t pos = a;
	while (pos < b) {
		if (ot && ot->ded_len && (pos == 0 || s[pos - 1] == '\n') &&
		    b - pos >= ot->ded_len && memcmp(s + pos, s + ot->ded, ot->ded_len) == 0)
			pos += ot->ded_len;
		const char *nl = memchr(s + pos, '\n', b - pos);
		size_t e = nl ? (size_t)(nl - s) + 1 : b;
		buf_put(&c->pool, s + pos, e - pos);
		pos = e;
	}
	uint32_t len = (uint32_t)c->pool.len - off;
	if (!len)
		return;
	struct op *op = add_op(c, OP_TEXT, NULL);
	op->a = off;
	op->b = len;
	where(c, a, &op->line, &op->col); /* where a render past a limit stops */
	if (c->bol)
		op->flags |= F_BOL;
	c->bol = c->pool.ptr[c->pool.len - 1] == '\n';
}

/* Pass 4: the ops. */
static void emit(struct compiler *c)
{
	const char *s = c->src;
	size_t prev = 0;
	int32_t ctx = -1;
	c->bol = true;
	for (size_t i = 0; i < c->nt; i++) {
		struct ctag *t = &c->t[i];
		emit_text(c, prev, t->lstrip, ctx);
		if (t->rstrip > prev)
			prev = t->rstrip;
		ctx = inner(c, i);
		if (t->dead)
			continue;
		struct op *op;
		switch (t->kind) {
		case TK_VAR:
		case TK_RAW:
			op = add_op(c, OP_VAR, t);
			op->a = add_name(c, t);
			if (t->kind == TK_RAW)
				op->flags |= F_RAW;
			take_bol(c, op);
			break;
		case TK_SECTION:
		case TK_INVERTED:
			t->op = (uint32_t)c->nops;
			op = add_op(c, t->kind == TK_SECTION ? OP_SECTION : OP_INVERTED, t);
			op->a = add_name(c, t);
			if (t->standalone)
				op->flags |= F_NOBOL;
			else
				take_bol(c, op);
			break;
		case TK_PARTIAL:
		case TK_PARENT:
			t->op = (uint32_t)c->nops;
			op = add_op(c, t->kind == TK_PARTIAL ? OP_PARTIAL : OP_PARENT, t);
			if (t->dynamic) {
				op->flags |= F_DYNAMIC;
				op->a = add_name(c, t);
			} else {
				op->a = pool_put(c, s + t->name, t->name_len);
				op->b = t->name_len;
			}
			if (t->standalone) {
				op->flags |= F_NOBOL | F_INDENT;
				op->ind = pool_put(c, s + t->ind, t->ind_len);
				op->ind_len = t->ind_len;
			} else {
				take_bol(c, op);
			}
			if (t->kind == TK_PARENT)
				t->saved_bol = c->bol;
			break;
		case TK_BLOCK:
			t->op = (uint32_t)c->nops;
			op = add_op(c, OP_BLOCK, t);
			op->a = pool_put(c, s + t->name, t->name_len);
			op->b = t->name_len;
			op->ind = pool_put(c, s + t->ind, t->ind_len);
			op->ind_len = t->ind_len;
			if (t->arg) {
				op->flags |= F_NOBOL;
				c->bol = t->rstrip == 0 || s[t->rstrip - 1] == '\n';
			} else if (t->full) {
				op->flags |= F_NOBOL | F_FULL;
			} else {
				take_bol(c, op);
			}
			break;
		case TK_CLOSE: {
			struct ctag *o = &c->t[t->match];
			op = add_op(c, OP_END, t);
			op->a = o->op;
			c->ops[o->op].end = (uint32_t)(c->nops - 1);
			if (o->kind == TK_PARENT) {
				op->flags |= F_NOBOL;
				c->bol = o->standalone ? o->saved_bol : false;
			} else if (t->standalone || (o->kind == TK_BLOCK && o->arg)) {
				op->flags |= F_NOBOL;
			} else {
				take_bol(c, op);
			}
			break;
		}
		default: /* comments and set delimiters leave nothing */
			break;
		}
	}
	emit_text(c, prev, c->n, ctx);

	/* the argument blocks of each parent: the blocks directly in its body */
	for (uint32_t p = 0; p < c->nops; p++) {
		if (c->ops[p].kind != OP_PARENT)
			continue;
		uint32_t arg0 = (uint32_t)c->nargs, j = p + 1;
		while (j < c->ops[p].end) {
			GROW(c->args, c->nargs, c->capargs);
			c->args[c->nargs++] = j;
			j = c->ops[j].end + 1;
		}
		c->ops[p].arg0 = arg0;
		c->ops[p].nargs = (uint32_t)c->nargs - arg0;
	}
}

static void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->ops);
	free(t->pool);
	free(t->names);
	free(t->parts);
	free(t->args);
	free(t);
}

/* Compiles src into a template, or reports E040 and returns NULL. */
static struct tpl *compile(const char *name, const char *file, const char *src, size_t n,
			  struct diag *d)
{
	struct compiler c;
	memset(&c, 0, sizeof(c));
	c.src = src;
	c.n = n;
	c.file = file;
	c.d = d;
	c.line = c.col = 1;
	buf_init(&c.pool);
	struct tpl *t = NULL;
	if (n >= UINT32_MAX / 2) {
		struct pos p = {file, 0, 0};
		diag_error(d, p, "E040", "template larger than 2 GiB");
		goto out;
	}
	if (!tokenize(&c) || !structure(&c))
		goto out;
	whitespace(&c);
	emit(&c);
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->name_len = strlen(name);
	t->file = file;
	t->ops = c.ops;
	t->nops = (uint32_t)c.nops;
	t->pool = buf_detach(&c.pool, NULL);
	t->names = c.names;
	t->parts = c.parts;
	t->args = c.args;
	c.ops = NULL;
	c.names = NULL;
	c.parts = NULL;
	c.args = NULL;
out:
	free(c.t);
	free(c.ops);
	free(c.names);
	free(c.parts);
	free(c.args);
	buf_release(&c.pool);
	return t;
}

/* ------------------------------------------------------------------ the set */


/* The slot holding name, or the empty slot where it would go. */
static struct tpl **slot(const struct mustache_set *s, const char *name, size_t n)
{
	size_t mask = s->nslots - 1, i = (size_t)hash_bytes(name, n) & mask;
	for (;;) {
		struct tpl **p = &s->slots[i];
		if (!*p || ((*p)->name_len == n && memcmp((*p)->name, name, n) == 0))
			return p;
		i = (i + 1) & mask;
	}
}

const struct tpl *mus_set_get(const struct mustache_set *s, const char *name, size_t n)
{
	if (!s->nslots || n == 0)
		return NULL;
	return *slot(s, name, n);
}

struct mustache_set *mustache_set_new(bool strict)
{
	struct mustache_set *s = xcalloc(1, sizeof(*s));
	s->strict = strict;
	s->limits.max_bytes = LIMIT_TEMPLATE_BYTES;
	s->limits.max_expansions = LIMIT_TEMPLATE_EXPANSIONS;
	return s;
}

void mustache_set_limits(struct mustache_set *s, const struct mustache_limits *lim)
{
	if (lim->max_bytes)
		s->limits.max_bytes = lim->max_bytes;
	if (lim->max_expansions)
		s->limits.max_expansions = lim->max_expansions;
}

void mustache_set_free(struct mustache_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		tpl_free(s->v[i]);
	free(s->v);
	free(s->slots);
	free(s);
}

bool mustache_set_add(struct mustache_set *s, const char *name, const char *file,
		      const char *src, size_t n, struct diag *d)
{
	struct tpl *t = compile(name, file, src, n, d);
	if (!t)
		return false;
	s->linked = false;
	if (s->nslots) {
		struct tpl **p = slot(s, t->name, t->name_len);
		if (*p) {
			for (size_t i = 0; i < s->n; i++)
				if (s->v[i] == *p)
					s->v[i] = t;
			tpl_free(*p);
			*p = t;
			return true;
		}
	}
	GROW(s->v, s->n, s->cap);
	s->v[s->n++] = t;
	if (s->n * 2 > s->nslots) {
		free(s->slots);
		s->nslots = s->nslots ? s->nslots * 2 : 16;
		while (s->n * 2 > s->nslots)
			s->nslots *= 2;
		s->slots = xcalloc(s->nslots, sizeof(*s->slots));
		for (size_t i = 0; i < s->n; i++)
			*slot(s, s->v[i]->name, s->v[i]->name_len) = s->v[i];
	} else {
		*slot(s, t->name, t->name_len) = t;
	}
	return true;
}

/* Reports an unknown partial or parent, with a suggestion from the set. */
void mus_unknown(const struct mustache_set *s, struct pos pos, const char *what,
		 const char *name, size_t n, struct diag *d)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "unknown %s '%.*s'", what, (int)(n > 60 ? 60 : n), name);
	const char **cands = xmalloc((s->n ? s->n : 1) * sizeof(*cands));
	for (size_t i = 0; i < s->n; i++)
		cands[i] = s->v[i]->name;
	char *word = xstrndup(name, n);
	diag_suggest(&b, word, cands, s->n);
	free(word);
	free(cands);
	diag_error(d, pos, "E041", "%s", b.ptr);
	buf_release(&b);
}

bool mustache_set_link(struct mustache_set *s, struct diag *d)
{
	bool ok = true;
	for (size_t i = 0; i < s->n; i++) {
		struct tpl *t = s->v[i];
		for (uint32_t k = 0; k < t->nops; k++) {
			struct op *op = &t->ops[k];
			if ((op->kind != OP_PARTIAL && op->kind != OP_PARENT) ||
			    (op->flags & F_DYNAMIC))
				continue;
			op->target = mus_set_get(s, t->pool + op->a, op->b);
			if (!op->target && s->strict) {
				struct pos p = {t->file, op->line, op->col};
				mus_unknown(s, p, op->kind == OP_PARTIAL ? "partial" : "parent template",
					    t->pool + op->a, op->b, d);
				ok = false;
			}
		}
	}
	s->linked = true;
	return ok;
}

