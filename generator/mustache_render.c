/*
 * mustache_render.c: running the ops that mustache.c compiled.
 *
 * Rendering walks the ops with explicit stacks: frames (calls into partials,
 * parents and block overrides, and section iterations), the context stack
 * of values, the chain of parent calls that blocks are looked up in, and the
 * current indentation. All of that state lives in the render call; the set
 * is never written after link, so any number of threads may render from
 * one set.
 *
 * Limits (E042). A render stops, leaving its output as it was, past the
 * set's limits: more bytes appended than limits.max_bytes (checked after
 * every op, so it stops within one op's output of the limit), more
 * expansions than limits.max_expansions (each interpolation, section,
 * inverted section, list item after the first, partial, parent and block
 * override counts one: text ops lie between them, so the work of a render
 * is at most the templates' size times its expansions), or calls nested
 * deeper than MUS_MAX_CALLS. A theme whose partials fan out (each including
 * the next twice, 40 deep) therefore fails in a bounded time and memory
 * instead of growing without end.
 *
 * Indentation. A standalone partial or parent is indented by the whitespace
 * before its tag. An op carries F_BOL when it is the first thing on a kept
 * line of its template: the current indentation goes before it, and inside
 * a text op after every newline but a final one. Blocks follow the spec's
 * whitespace notes: an argument block whose open tag ends its line loses
 * its "intrinsic indentation" (the leading whitespace of its first line)
 * from every line; a standalone parameter block adds its own indentation
 * (intrinsic when its open tag ends its line, else the whitespace before
 * the tag) to every line of the argument that overrides it.
 *
 * Memo (mustache_render_memo). A section over a list marked shared (one
 * that lives as long as the memo, the same for every page showing it) is
 * rendered once and its bytes kept with what identifies the rendering: the
 * op, the list, the parent chain, the indentation and the line state, and
 * every name the section looked up outside the list with what it found
 * (scalars copied; a list or map that is not shared makes the rendering
 * not kept), and how many expansions it took. A later section with the same
 * identity whose names find the same values gets the kept bytes and counts
 * their expansions, unless that would pass a limit: then it renders afresh,
 * so that it stops where a render without the memo stops. Anything else
 * renders afresh. The
 * report pages' project table, the same on hundreds of pages, is rendered
 * once this way for each of the web and the print pages.
 */
#include "mustache_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- rendering */

enum { FR_CALL, FR_LIST, FR_ONE };
enum { BOL_AS_IS, BOL_FORCE, BOL_SKIP };

struct frame {
	uint8_t kind;
	/* FR_CALL: the caller's state, restored on return */
	bool override;
	uint8_t bolmode;
	const struct tpl *tpl;
	uint32_t pc, end;
	uint32_t ind_off, ind_len;
	size_t ind_buf;
	int32_t chain;
	size_t nnodes;
	/* FR_LIST: the list and where we are in it; start is the body's first op */
	const struct value *list;
	size_t i;
	uint32_t start;
};

/* --------------------------------------------------------------- memo */

/* A name a memoized section looked up outside its list, and what it gave:
 * a copy of a scalar (the page that gave it goes before the memo does),
 * else a shared list itself (which lives as long as the memo). */
struct dep {
	const struct tpl *tpl;
	uint32_t name;
	bool found;
	struct value val;
};

/* One section rendered over a shared list, and where it was rendered:
 * the same op, list, parent chain, indentation and line state give the
 * same bytes whenever the deps give the same values. */
struct memo_entry {
	const struct tpl *tpl;
	uint32_t pc;
	const struct value *list;
	uint64_t chain;
	uint8_t bol_in, bol_out;
	char *ind;
	size_t ind_len;
	struct dep *deps;
	size_t ndeps;
	size_t expansions; /* counted while it was rendered */
	struct memo_bytes *out;
};

/* What a memoized section rendered. Counted: a page copies it outside the
 * memo's lock (a project table is 280 KB; copied under the lock, the pages
 * on the other cores waited), while the entry may be replaced. */
struct memo_bytes {
	size_t refs; /* changed with __atomic builtins */
	size_t len;
	char data[];
};

static void bytes_release(struct memo_bytes *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

enum { MEMO_ENTRIES = 8 };

struct mustache_memo {
	pthread_mutex_t lock;
	struct memo_entry v[MEMO_ENTRIES];
	size_t n, next; /* used, and the one to replace when full */
	size_t hits;
};

struct mustache_memo *mustache_memo_new(void)
{
	struct mustache_memo *m = xcalloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void entry_free(struct memo_entry *e)
{
	free(e->ind);
	for (size_t k = 0; k < e->ndeps; k++)
		if (e->deps[k].val.kind == VALUE_STRING)
			free((char *)e->deps[k].val.str);
	free(e->deps);
	bytes_release(e->out);
	memset(e, 0, sizeof(*e));
}

size_t mustache_memo_hits(struct mustache_memo *m)
{
	pthread_mutex_lock(&m->lock);
	size_t n = m->hits;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void mustache_memo_free(struct mustache_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_free(&m->v[i]);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Whether v is what dep d recorded: the same shared list, or a scalar
 * alike. */
static bool same_value(const struct value *a, const struct dep *d)
{
	if (!a || !d->found)
		return !a && !d->found;
	const struct value *b = &d->val;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case VALUE_NULL:
		return true;
	case VALUE_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case VALUE_NUMBER:
		return a->num == b->num;
	case VALUE_BOOL:
		return a->b == b->b;
	default:
		return a->u.items == b->u.items && a->n == b->n; /* the same shared list */
	}
}

/* A recording in progress: the section being memoized. */
struct recording {
	struct memo_entry e;
	size_t base;  /* context stack entries below this are outside the list */
	size_t frame; /* the list's frame */
	size_t start; /* where its output begins */
	size_t exp0;  /* the expansions counted before it */
	size_t capdeps;
	bool unsure;  /* it looked up a list or map that may not outlive the memo */
};

/* One parent call: blocks are looked up along these, outermost first. */
struct node {
	const struct tpl *tpl;
	uint32_t op; /* its OP_PARENT */
	int32_t prev;
};

struct render {
	const struct mustache_set *set;
	struct diag *d;
	struct buf *out;
	const struct value **ctx;
	size_t nctx, capctx;
	struct frame *fr;
	size_t nfr, capfr;
	struct node *nodes;
	size_t nnodes, capnodes;
	struct buf ind; /* indentation; the current one is [ind_off, +ind_len) */
	uint32_t ind_off, ind_len;
	int32_t chain;
	uint8_t bolmode; /* how the next op that takes part in indentation starts */
	unsigned calls;
	/* the code being run */
	const struct tpl *tpl;
	uint32_t pc, end;
	struct mustache_memo *memo;
	struct recording *rec; /* NULL when not recording */
	/* limits */
	const struct tpl *root;    /* the template rendered */
	size_t len0;               /* out's length before the render */
	size_t expansions;
	struct mustache_stop *stop; /* NULL: report E042 to d */
};

enum stop_kind { STOP_BYTES, STOP_EXPANSIONS, STOP_NESTING };

/* Appends the templates the render is in, outermost first ("page > header >
 * nav"); a long chain shows its first and last few. */
static void put_chain(const struct render *r, struct buf *b)
{
	enum { HEAD = 3, TAIL = 5 };
	size_t n = 1, k = 0;
	for (size_t i = 0; i < r->nfr; i++)
		n += r->fr[i].kind == FR_CALL;
	for (size_t i = 0; i <= r->nfr; i++) {
		const struct tpl *t;
		if (i < r->nfr && r->fr[i].kind != FR_CALL)
			continue;
		t = i < r->nfr ? r->fr[i].tpl : r->tpl;
		if (n > HEAD + TAIL && k >= HEAD && k < n - TAIL) {
			if (k == HEAD)
				buf_printf(b, " > (%zu more)", n - HEAD - TAIL);
			k++;
			continue;
		}
		if (k++)
			buf_puts(b, " > ");
		buf_put(b, t->name, t->name_len > 60 ? 60 : t->name_len);
	}
}

/* Stops the render at op of the current template: reports E042 (or fills
 * r->stop) saying which limit, in which template and partials. */
static void stop_at(struct render *r, const struct op *op, enum stop_kind kind)
{
	const struct mustache_limits *lim = &r->set->limits;
	struct buf m = BUF_INIT;
	int nl = (int)(r->root->name_len > 60 ? 60 : r->root->name_len);
	switch (kind) {
	case STOP_BYTES:
		buf_printf(&m, "template '%.*s' makes more than %zu bytes (limits.template_bytes); "
			       "stopped in ", nl, r->root->name, lim->max_bytes);
		break;
	case STOP_EXPANSIONS:
		buf_printf(&m, "template '%.*s' makes more than %zu expansions (values, sections, "
			       "list items and partials: limits.template_expansions); stopped in ",
			   nl, r->root->name, lim->max_expansions);
		break;
	case STOP_NESTING:
		buf_printf(&m, "template '%.*s' has partials, parents and blocks nested deeper than "
			       "%d; stopped in ", nl, r->root->name, MUS_MAX_CALLS);
		break;
	}
	put_chain(r, &m);
	buf_puts(&m, kind == STOP_NESTING ? "; a partial that includes itself without end?"
					  : "; include partials fewer times, or raise the limit "
					    "in site.yaml");
	struct pos p = {r->tpl->file, op->line, op->col};
	if (r->stop) {
		r->stop->hit = true;
		r->stop->pos = p;
		free(r->stop->msg);
		r->stop->msg = buf_detach(&m, NULL);
	} else {
		diag_error(r->d, p, "E042", "%s", m.ptr);
	}
	buf_release(&m);
}

/* Counts one expansion at op; past the limit, stops (false). */
static bool spend(struct render *r, const struct op *op)
{
	if (++r->expansions <= r->set->limits.max_expansions)
		return true;
	stop_at(r, op, STOP_EXPANSIONS);
	return false;
}

void mustache_stop_release(struct mustache_stop *st)
{
	free(st->msg);
	memset(st, 0, sizeof(*st));
}

/* The value under key in map v; *found tells a null value from a miss. */
static const struct value *map_get(const struct value *v, const char *key, size_t n, bool *found)
{
	*found = false;
	if (!v || v->kind != VALUE_MAP)
		return NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct value_pair *p = &v->u.pairs[i];
		if (p->key_len == n && memcmp(p->key, key, n) == 0) {
			*found = true;
			return p->val;
		}
	}
	return NULL;
}

/* Resolves a name: the first part up the context stack, the rest inside
 * what the part before gave. NULL when it does not resolve. */
static void add_dep(struct recording *rec, const struct tpl *t, uint32_t idx,
		    const struct value *v);

static const struct value *lookup(const struct render *r, const struct tpl *t, uint32_t idx)
{
	const struct mname *nm = &t->names[idx];
	if (nm->nparts == 0)
		return r->ctx[r->nctx - 1];
	const struct mpart *p = &t->parts[nm->part0];
	const struct value *v = NULL;
	bool found = false;
	size_t i = r->nctx;
	while (i-- > 0 && !found)
		v = map_get(r->ctx[i], t->pool + p->off, p->len, &found);
	for (uint32_t k = 1; k < nm->nparts && found; k++)
		v = map_get(v, t->pool + p[k].off, p[k].len, &found);
	/* found in frame i + 1; i wraps past zero on a miss */
	if (r->rec && (!found || i + 1 < r->rec->base))
		add_dep(r->rec, t, idx, found ? v : NULL);
	return found ? v : NULL;
}

static void add_dep(struct recording *rec, const struct tpl *t, uint32_t idx,
		    const struct value *v)
{
	struct memo_entry *e = &rec->e;
	for (size_t k = 0; k < e->ndeps; k++)
		if (e->deps[k].tpl == t && e->deps[k].name == idx)
			return; /* frames outside the list do not change inside it */
	if (v && (v->kind == VALUE_LIST || v->kind == VALUE_MAP) && !v->shared)
		rec->unsure = true;
	GROW(e->deps, e->ndeps, rec->capdeps);
	struct dep *dp = &e->deps[e->ndeps++];
	memset(dp, 0, sizeof(*dp));
	dp->tpl = t;
	dp->name = idx;
	dp->found = v != NULL;
	if (v) {
		dp->val = *v;
		if (v->kind == VALUE_STRING) {
			char *str = xmalloc(v->len + 1);
			memcpy(str, v->str, v->len);
			str[v->len] = '\0';
			dp->val.str = str;
		}
	}
}

/* What identifies the parent chain blocks are looked up in. */
static uint64_t chain_key(const struct render *r)
{
	uint64_t h = 1469598103934665603ULL;
	for (int32_t k = r->chain; k >= 0; k = r->nodes[k].prev) {
		h = (h ^ (uint64_t)(uintptr_t)r->nodes[k].tpl) * 1099511628211ULL;
		h = (h ^ r->nodes[k].op) * 1099511628211ULL;
	}
	return h;
}

static bool entry_matches(const struct render *r, const struct memo_entry *e,
			  const struct value *list, uint64_t chain)
{
	if (e->tpl != r->tpl || e->pc != r->pc || e->list != list || e->chain != chain ||
	    e->bol_in != r->bolmode || e->ind_len != r->ind_len ||
	    memcmp(e->ind, r->ind.ptr + r->ind_off, r->ind_len) != 0)
		return false;
	for (size_t k = 0; k < e->ndeps; k++)
		if (!same_value(lookup(r, e->deps[k].tpl, e->deps[k].name), &e->deps[k]))
			return false;
	return true;
}

/* At a section over the shared list v: true when the memo had its bytes
 * (appended, and the section skipped); else starts recording them. */
static bool memo_enter(struct render *r, const struct op *op, const struct value *v)
{
	uint64_t chain = chain_key(r);
	struct mustache_memo *m = r->memo;
	const struct mustache_limits *lim = &r->set->limits;
	bool record = true;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		const struct memo_entry *e = &m->v[i];
		if (entry_matches(r, e, v, chain)) {
			struct memo_bytes *b = e->out;
			if (r->expansions + e->expansions > lim->max_expansions ||
			    r->out->len - r->len0 + b->len > lim->max_bytes) {
				record = false; /* past a limit: it stops where it would */
				break;
			}
			__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
			m->hits++;
			r->bolmode = e->bol_out;
			r->pc = op->end + 1;
			r->expansions += e->expansions;
			pthread_mutex_unlock(&m->lock);
			buf_put(r->out, b->data, b->len);
			bytes_release(b);
			return true;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (!record)
		return false;
	struct recording *rec = xcalloc(1, sizeof(*rec));
	rec->e.tpl = r->tpl;
	rec->e.pc = r->pc;
	rec->e.list = v;
	rec->e.chain = chain;
	rec->e.bol_in = r->bolmode;
	rec->e.ind_len = r->ind_len;
	rec->e.ind = xmalloc(r->ind_len + 1);
	memcpy(rec->e.ind, r->ind.ptr + r->ind_off, r->ind_len);
	rec->base = r->nctx;
	rec->frame = r->nfr;
	rec->start = r->out->len;
	rec->exp0 = r->expansions;
	r->rec = rec;
	return false;
}

static void memo_drop(struct render *r);

/* At the end of the recorded section: keeps what it rendered. */
static void memo_leave(struct render *r)
{
	struct recording *rec = r->rec;
	struct memo_entry *e = &rec->e;
	if (rec->unsure) {
		memo_drop(r);
		return;
	}
	r->rec = NULL;
	e->bol_out = r->bolmode;
	e->expansions = r->expansions - rec->exp0;
	size_t len = r->out->len - rec->start;
	e->out = xmalloc(sizeof(*e->out) + len + 1);
	e->out->refs = 1;
	e->out->len = len;
	memcpy(e->out->data, r->out->ptr + rec->start, len);
	struct mustache_memo *m = r->memo;
	pthread_mutex_lock(&m->lock);
	struct memo_entry *slot;
	if (m->n < MEMO_ENTRIES) {
		slot = &m->v[m->n++];
	} else {
		slot = &m->v[m->next];
		m->next = (m->next + 1) % MEMO_ENTRIES;
		entry_free(slot);
	}
	*slot = *e;
	pthread_mutex_unlock(&m->lock);
	free(rec);
}

static void memo_drop(struct render *r)
{
	if (!r->rec)
		return;
	entry_free(&r->rec->e);
	free(r->rec);
	r->rec = NULL;
}

static void put_indent(struct render *r)
{
	buf_put(r->out, r->ind.ptr + r->ind_off, r->ind_len);
}

/* Appends template text, indenting after each newline but a final one.
 * Past the byte limit it stops early (a long text indented deep inside
 * partials could make gigabytes in one op); run() then stops the render. */
static void put_text(struct render *r, const char *s, size_t n)
{
	while (r->ind_len) {
		const char *nl = memchr(s, '\n', n);
		if (!nl || nl + 1 == s + n)
			break;
		if (r->out->len - r->len0 > r->set->limits.max_bytes)
			return;
		size_t k = (size_t)(nl - s) + 1;
		buf_put(r->out, s, k);
		put_indent(r);
		s += k;
		n -= k;
	}
	buf_put(r->out, s, n);
}

static void put_value(struct render *r, const struct value *v, bool raw)
{
	if (!v)
		return;
	if (v->kind == VALUE_STRING) {
		if (raw)
			buf_put(r->out, v->str, v->len);
		else
			escape_html(r->out, v->str, v->len);
	} else {
		value_text(r->out, v); /* numbers, booleans: nothing to escape */
	}
}

static void push_ctx(struct render *r, const struct value *v)
{
	GROW(r->ctx, r->nctx, r->capctx);
	r->ctx[r->nctx++] = v;
}

static struct frame *push_frame(struct render *r, uint8_t kind)
{
	GROW(r->fr, r->nfr, r->capfr);
	struct frame *f = &r->fr[r->nfr++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	return f;
}

/* Sets the indentation for a call: the current one plus extra when keep,
 * else extra alone. */
static void set_indent(struct render *r, bool keep, const char *extra, size_t n)
{
	if (!keep) {
		r->ind_off = (uint32_t)r->ind.len;
		r->ind_len = 0;
	} else if (r->ind_off + r->ind_len != r->ind.len) {
		size_t off = r->ind.len;
		buf_grow(&r->ind, r->ind_len + n);
		memcpy(r->ind.ptr + off, r->ind.ptr + r->ind_off, r->ind_len);
		r->ind.len += r->ind_len;
		r->ind.ptr[r->ind.len] = '\0';
		r->ind_off = (uint32_t)off;
	}
	buf_put(&r->ind, extra, n);
	r->ind_len += (uint32_t)n;
}

/* Starts running [pc, end) of t, to return to ret_pc in the current template.
 * Fails, after stopping the render (E042), past MUS_MAX_CALLS. */
static bool call(struct render *r, const struct op *at, const struct tpl *t, uint32_t pc,
		 uint32_t end, uint32_t ret_pc, bool override)
{
	if (r->calls == MUS_MAX_CALLS) {
		stop_at(r, at, STOP_NESTING);
		return false;
	}
	r->calls++;
	struct frame *f = push_frame(r, FR_CALL);
	f->override = override;
	f->bolmode = r->bolmode;
	f->tpl = r->tpl;
	f->pc = ret_pc;
	f->end = r->end;
	f->ind_off = r->ind_off;
	f->ind_len = r->ind_len;
	f->ind_buf = r->ind.len;
	f->chain = r->chain;
	f->nnodes = r->nnodes;
	r->tpl = t;
	r->pc = pc;
	r->end = end;
	return true;
}

static void return_from_call(struct render *r)
{
	struct frame *f = &r->fr[--r->nfr];
	r->calls--;
	r->tpl = f->tpl;
	r->pc = f->pc;
	r->end = f->end;
	r->ind_off = f->ind_off;
	r->ind_len = f->ind_len;
	buf_truncate(&r->ind, f->ind_buf);
	r->chain = f->chain;
	r->nnodes = f->nnodes;
	if (f->override && r->bolmode != BOL_AS_IS)
		r->bolmode = f->bolmode; /* the override wrote nothing */
}

/* The template a partial or parent op names, or NULL. Fails, after
 * reporting, for an unknown dynamic name in strict mode. */
static bool target(struct render *r, const struct op *op, const struct tpl **out)
{
	if (!(op->flags & F_DYNAMIC)) {
		*out = op->target;
		return true;
	}
	*out = NULL;
	const struct value *v = lookup(r, r->tpl, op->a);
	if (!v || !v->str || v->kind == VALUE_NULL || !v->len)
		return true;
	*out = mus_set_get(r->set, v->str, v->len);
	if (!*out && r->set->strict) {
		struct pos p = {r->tpl->file, op->line, op->col};
		mus_unknown(r->set, p, op->kind == OP_PARTIAL ? "partial" : "parent template", v->str,
			    v->len, r->d);
		return false;
	}
	return true;
}

/* The override for block op in the current parent chain: the outermost
 * argument of that name. Sets *node to the chain node that holds it. */
static uint32_t find_override(const struct render *r, const struct op *op, int32_t *node)
{
	const char *name = r->tpl->pool + op->a;
	uint32_t found = MUS_NONE;
	for (int32_t k = r->chain; k >= 0; k = r->nodes[k].prev) {
		const struct tpl *t = r->nodes[k].tpl;
		const struct op *p = &t->ops[r->nodes[k].op];
		for (uint32_t j = 0; j < p->nargs; j++) {
			const struct op *b = &t->ops[t->args[p->arg0 + j]];
			if (b->b == op->b && memcmp(t->pool + b->a, name, op->b) == 0) {
				found = t->args[p->arg0 + j];
				*node = k;
				break;
			}
		}
	}
	return found;
}

static bool run(struct render *r)
{
	for (;;) {
		if (r->pc >= r->end) {
			if (!r->nfr)
				return true;
			return_from_call(r);
			continue;
		}
		const struct tpl *t = r->tpl;
		const struct op *op = &t->ops[r->pc];
		if (!(op->flags & F_NOBOL)) {
			if (r->bolmode != BOL_AS_IS) {
				if (r->bolmode == BOL_FORCE)
					put_indent(r);
				r->bolmode = BOL_AS_IS;
			} else if ((op->flags & F_BOL) && r->ind_len) {
				put_indent(r);
			}
		}
		switch (op->kind) {
		case OP_TEXT:
			put_text(r, t->pool + op->a, op->b);
			r->pc++;
			break;
		case OP_VAR:
			if (!spend(r, op))
				return false;
			put_value(r, lookup(r, t, op->a), op->flags & F_RAW);
			r->pc++;
			break;
		case OP_SECTION: {
			if (!spend(r, op))
				return false;
			const struct value *v = lookup(r, t, op->a);
			if (value_falsey(v)) {
				r->pc = op->end + 1;
			} else if (v->kind == VALUE_LIST) {
				if (v->shared && r->memo && !r->rec && memo_enter(r, op, v))
					break;
				struct frame *f = push_frame(r, FR_LIST);
				f->list = v;
				f->start = r->pc + 1;
				push_ctx(r, v->u.items[0]);
				r->pc++;
			} else {
				push_frame(r, FR_ONE);
				push_ctx(r, v);
				r->pc++;
			}
			break;
		}
		case OP_INVERTED:
			if (!spend(r, op))
				return false;
			r->pc = value_falsey(lookup(r, t, op->a)) ? r->pc + 1 : op->end + 1;
			break;
		case OP_END:
			if (t->ops[op->a].kind == OP_SECTION) {
				struct frame *f = &r->fr[r->nfr - 1];
				if (f->kind == FR_LIST && ++f->i < f->list->n) {
					if (!spend(r, op))
						return false;
					r->ctx[r->nctx - 1] = f->list->u.items[f->i];
					r->pc = f->start;
					break;
				}
				r->nfr--;
				r->nctx--;
				r->pc++;
				if (r->rec && r->nfr == r->rec->frame)
					memo_leave(r);
				break;
			}
			r->pc++;
			break;
		case OP_PARTIAL:
		case OP_PARENT: {
			const struct tpl *to;
			if (!spend(r, op))
				return false;
			if (!target(r, op, &to))
				return false;
			uint32_t next = op->kind == OP_PARENT ? op->end + 1 : r->pc + 1;
			if (!to) {
				r->pc = next;
				break;
			}
			if (!call(r, op, to, 0, to->nops, next, false))
				return false;
			if (op->flags & F_INDENT)
				set_indent(r, true, t->pool + op->ind, op->ind_len);
			else
				set_indent(r, false, "", 0);
			if (op->kind == OP_PARENT) {
				GROW(r->nodes, r->nnodes, r->capnodes);
				struct node *nd = &r->nodes[r->nnodes];
				nd->tpl = t;
				nd->op = (uint32_t)(op - t->ops);
				nd->prev = r->chain;
				r->chain = (int32_t)r->nnodes++;
			}
			break;
		}
		case OP_BLOCK: {
			if (!spend(r, op))
				return false;
			int32_t node = -1;
			uint32_t arg = find_override(r, op, &node);
			if (arg == MUS_NONE) {
				r->pc++; /* the default content */
				break;
			}
			const struct tpl *at = r->nodes[node].tpl;
			if (!call(r, op, at, arg + 1, at->ops[arg].end, op->end + 1, true))
				return false;
			set_indent(r, true, t->pool + op->ind, op->ind_len);
			r->chain = r->nodes[node].prev;
			r->bolmode = (op->flags & F_FULL) ? BOL_FORCE : BOL_SKIP;
			break;
		}
		}
		if (r->out->len - r->len0 > r->set->limits.max_bytes) {
			stop_at(r, op, STOP_BYTES);
			return false;
		}
	}
}

bool mustache_render(const struct mustache_set *s, const char *name, const struct value *ctx,
		     struct buf *out, struct diag *d)
{
	return mustache_render_memo(s, name, ctx, out, NULL, NULL, d);
}

bool mustache_render_memo(const struct mustache_set *s, const char *name, const struct value *ctx,
			  struct buf *out, struct mustache_memo *memo, struct mustache_stop *stop,
			  struct diag *d)
{
	if (!s->linked)
		die("mustache_render: the set is not linked");
	const struct tpl *t = mus_set_get(s, name, strlen(name));
	if (!t) {
		struct pos p = {NULL, 0, 0};
		diag_error(d, p, "E041", "unknown template '%s'", name);
		return false;
	}
	struct render r;
	memset(&r, 0, sizeof(r));
	r.set = s;
	r.d = d;
	r.out = out;
	buf_init(&r.ind);
	r.chain = -1;
	r.tpl = t;
	r.end = t->nops;
	r.memo = memo;
	r.root = t;
	r.len0 = out->len;
	r.stop = stop;
	push_ctx(&r, ctx);
	bool ok = run(&r);
	memo_drop(&r);
	if (!ok)
		buf_truncate(out, r.len0);
	free(r.ctx);
	free(r.fr);
	free(r.nodes);
	buf_release(&r.ind);
	return ok;
}
