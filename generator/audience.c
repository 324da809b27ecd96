/*
 * audience.c: a document's text as one audience reads it, reduced to a hash,
 * so that history can tell whether that audience's text changed from one
 * version to the next without keeping the texts. What an audience reads of
 * a version is its path, the front matter it may see (the document's own
 * and its items' `visibility` left out, hidden actions and decisions
 * dropped) and the body with its hidden parts cut (markdown_audience_body,
 * each run of blank and cut lines around a hidden part taken as one blank
 * line, none at the ends, so that adding, growing or removing a hidden part
 * does not change the visible text). A hidden document, or one whose front
 * matter does not parse, has no visible text at all. Then, for history, a
 * memo of what the audience reads of each version (path and blob) of a
 * document, kept in the cache, and the narrowing of a history to the
 * commits at which that changed.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

/* True when file line `line` of doc is blank in its audience body: a fence
 * line, or a line of a fence the audience may not see. f is where to start
 * looking among the fences (they are in file order), moved forward. */
static bool line_cut(const struct doc *doc, enum visibility audience, uint32_t line, size_t *f)
{
	while (*f < doc->nfences && doc->fences[*f].close_line < line)
		(*f)++;
	if (*f == doc->nfences || line < doc->fences[*f].open_line)
		return false;
	const struct fence *fe = &doc->fences[*f];
	return line == fe->open_line || line == fe->close_line || !vis_shown(fe->vis, audience);
}

/* True when [s, s+n) holds only spaces and tabs. */
static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/*
 * Appends body (the audience body of doc, one line for each of the file's)
 * with each hidden part cut: a run of blank and cut lines that holds a cut
 * line is one blank line between text, and nothing at the start or the end
 * of the body (so adding, growing or removing a hidden part reads the same
 * as long as the visible text around it stays). Other blank lines are kept;
 * no line keeps a CR before its LF.
 */
static void put_cut_body(struct buf *b, const struct doc *doc, enum visibility audience,
			 const struct buf *body)
{
	size_t f = 0, run = 0, run_start = 0; /* the pending blank lines, from run_start */
	bool run_cut = false, any = false;
	uint32_t line = doc->body_line;
	for (size_t off = 0; off < body->len; line++) {
		const char *nl = memchr(body->ptr + off, '\n', body->len - off);
		size_t end = nl ? (size_t)(nl - body->ptr) : body->len, n = end - off;
		if (n && body->ptr[off + n - 1] == '\r')
			n--;
		bool cut = line_cut(doc, audience, line, &f);
		if (cut || blank(body->ptr + off, n)) {
			if (!run)
				run_start = b->len;
			run++;
			run_cut |= cut;
			if (!cut)
				buf_putc(b, '\n'); /* kept unless the run turns out cut */
		} else {
			if (run_cut) {
				buf_truncate(b, run_start);
				if (any)
					buf_putc(b, '\n');
			}
			run = 0;
			run_cut = false;
			buf_put(b, body->ptr + off, n);
			buf_putc(b, '\n');
			any = true;
		}
		off = nl ? end + 1 : end;
	}
	if (run_cut)
		buf_truncate(b, run_start);
}

/* Appends a JSON string, then a separator. */
static void put_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	if (s)
		escape_json(b, s, strlen(s));
	buf_puts(b, "\",");
}

/* Appends a meeting's actions and decisions that audience may see, as the
 * model read them, in their order. */
static void put_items(struct buf *b, const struct meeting *m, enum visibility audience)
{
	buf_puts(b, "actions:[");
	for (size_t i = 0; i < m->nactions; i++) {
		const struct action *ac = &m->actions[i];
		if (!vis_shown(ac->vis, audience))
			continue;
		buf_putc(b, '[');
		buf_put_int(b, ac->id);
		buf_putc(b, ',');
		put_str(b, ac->text);
		put_str(b, ac->owner.id);
		date_iso(b, ac->due);
		buf_putc(b, ',');
		put_str(b, ac->project.id);
		buf_puts(b, ac->done ? "true]" : "false]");
	}
	buf_puts(b, "]decisions:[");
	for (size_t i = 0; i < m->ndecisions; i++)
		if (vis_shown(m->decisions[i].vis, audience))
			put_str(b, m->decisions[i].text);
	buf_putc(b, ']');
}

/* Appends the front matter audience may see: every field as the YAML
 * parser read it (the same parser as the model's), less `visibility`, and
 * for a meeting its visible items in place of its `actions` and
 * `decisions`. False when the front matter cannot be read again. */
static bool put_front(struct buf *b, const struct doc *doc, enum visibility audience)
{
	const struct source_file *f = doc->file;
	struct frontmatter fm;
	const char *err;
	uint32_t err_line;
	struct arena a = ARENA_INIT;
	struct diag quiet;
	bool ok = false;
	diag_init(&quiet, DIAG_TEXT);
	if (!f || !f->data || !frontmatter_split(f->data, f->len, &fm, &err, &err_line))
		goto out;
	struct value *tree = yaml_parse(&a, fm.yaml, fm.yaml_len, doc->path, fm.yaml_line,
					&yaml_default_limits, &quiet);
	if (!tree || tree->kind != VALUE_MAP)
		goto out;
	bool meeting = doc->kind == DOC_MEETING;
	for (size_t i = 0; i < tree->n; i++) {
		const struct value_pair *p = &tree->u.pairs[i];
		if (strcmp(p->key, "visibility") == 0 ||
		    (meeting && (strcmp(p->key, "actions") == 0 || strcmp(p->key, "decisions") == 0)))
			continue;
		put_str(b, p->key);
		value_to_json(b, p->val);
		buf_putc(b, '\n');
	}
	if (meeting)
		put_items(b, (const struct meeting *)doc, audience);
	ok = true;
out:
	diag_release(&quiet);
	arena_release(&a);
	return ok;
}

bool audience_hash(const struct doc *doc, enum visibility audience, uint64_t *out)
{
	struct buf b = BUF_INIT, body = BUF_INIT;
	bool ok = false;
	if (!doc_shown(doc, audience))
		goto out;
	buf_puts(&b, doc->path);
	buf_putc(&b, '\0');
	if (!put_front(&b, doc, audience))
		goto out;
	buf_putc(&b, '\0');
	markdown_audience_body(doc, audience, &body);
	put_cut_body(&b, doc, audience, &body);
	*out = hash64(b.ptr, b.len, 0x61756469656e6365ULL);
	ok = true;
out:
	buf_release(&b);
	buf_release(&body);
	return ok;
}

/* ------------------------------------------------- history per audience */

/* What the audience reads of one version of a document: a file (path and
 * blob) and its hash, or nothing. */
struct text {
	const char *path; /* NULL: an empty slot */
	unsigned char blob[20];
	bool visible;
	uint64_t hash;
};

struct audience_texts {
	enum visibility audience;
	struct text *v; /* open addressing, cap a power of two */
	size_t n, cap;
	struct arena arena; /* the paths */
	size_t parsed;      /* versions read and parsed, for the tests */
	bool dirty;         /* holds what its file does not */
};

struct audience_texts *audience_texts_new(enum visibility audience)
{
	struct audience_texts *t = xcalloc(1, sizeof(*t));
	t->audience = audience;
	return t;
}

void audience_texts_free(struct audience_texts *t)
{
	if (!t)
		return;
	free(t->v);
	arena_release(&t->arena);
	free(t);
}

size_t audience_texts_parsed(const struct audience_texts *t)
{
	return t ? t->parsed : 0;
}

static void text_put(struct audience_texts *t, const char *path, const unsigned char blob[20],
		     bool visible, uint64_t hash);
static struct text *text_find(const struct audience_texts *t, const char *path,
			      const unsigned char blob[20]);

/*
 * The file that keeps t: after a first line naming the format, plansite's
 * version and the audience, a line "<blob> <hash or -> <path>" for each
 * version (- when the audience reads nothing of it). Anything unexpected
 * makes the whole file ignored.
 */
static const char *const texts_magic = "plansite-texts 1";

static void texts_head(struct buf *b, const struct cache *c, enum visibility audience)
{
	buf_printf(b, "%s %s %s\n", texts_magic, c->plansite, visibility_name(audience));
}

void audience_texts_read(struct audience_texts *t, const struct cache *c, const char *rel)
{
	struct buf b = BUF_INIT, head = BUF_INIT;
	if (!cache_read(c, rel, &b))
		goto out;
	texts_head(&head, c, t->audience);
	if (b.len < head.len || memcmp(b.ptr, head.ptr, head.len) != 0)
		goto out;
	/* checked whole before anything is taken */
	for (int pass = 0; pass < 2; pass++) {
		char *p = b.ptr + head.len, *end = b.ptr + b.len;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			unsigned char blob[20];
			char hex[17];
			if (!nl || nl - p < 41 + 2 + 2 || p[40] != ' ')
				goto out;
			p[40] = '\0';
			bool id_ok = id_from_hex(p, blob);
			p[40] = ' ';
			if (!id_ok)
				goto out;
			char *q = p + 41;
			bool visible = *q != '-';
			uint64_t h = 0;
			if (visible) {
				if (nl - q < 18 || q[16] != ' ')
					goto out;
				memcpy(hex, q, 16);
				hex[16] = '\0';
				char *e;
				h = strtoull(hex, &e, 16);
				if (*e)
					goto out;
				q += 17;
			} else {
				if (q[1] != ' ')
					goto out;
				q += 2;
			}
			if (q == nl)
				goto out;
			if (pass == 1) {
				const char *file = arena_strndup(&t->arena, q, (size_t)(nl - q));
				if (!text_find(t, file, blob))
					text_put(t, file, blob, visible, h);
			}
			p = nl + 1;
		}
	}
out:
	buf_release(&b);
	buf_release(&head);
}

void audience_texts_write(struct audience_texts *t, const struct cache *c, const char *rel)
{
	if (!t->dirty)
		return;
	struct buf b = BUF_INIT;
	texts_head(&b, c, t->audience);
	for (size_t i = 0; i < t->cap; i++) {
		const struct text *e = &t->v[i];
		if (!e->path || strpbrk(e->path, "\n\r"))
			continue;
		char hex[41];
		id_to_hex(e->blob, hex);
		buf_put(&b, hex, 40);
		if (e->visible)
			buf_printf(&b, " %016llx ", (unsigned long long)e->hash);
		else
			buf_puts(&b, " - ");
		buf_puts(&b, e->path);
		buf_putc(&b, '\n');
	}
	cache_write(c, rel, b.ptr, b.len); /* failing to keep it costs time only */
	t->dirty = false;
	buf_release(&b);
}

static uint64_t text_slot_hash(const char *path, const unsigned char blob[20])
{
	uint64_t h;
	memcpy(&h, blob, sizeof(h));
	return h ^ hash_bytes(path, strlen(path));
}

static struct text *text_find(const struct audience_texts *t, const char *path,
			      const unsigned char blob[20])
{
	if (!t->cap)
		return NULL;
	for (size_t i = text_slot_hash(path, blob) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct text *e = &t->v[i];
		if (!e->path)
			return NULL;
		if (memcmp(e->blob, blob, 20) == 0 && strcmp(e->path, path) == 0)
			return e;
	}
}

static void text_put(struct audience_texts *t, const char *path, const unsigned char blob[20],
		     bool visible, uint64_t hash)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct text *old = t->v;
		size_t oldcap = t->cap;
		t->v = xcalloc(cap, sizeof(*t->v));
		t->cap = cap;
		t->n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].path)
				text_put(t, old[i].path, old[i].blob, old[i].visible, old[i].hash);
		free(old);
	}
	size_t i = text_slot_hash(path, blob) & (t->cap - 1);
	while (t->v[i].path)
		i = (i + 1) & (t->cap - 1);
	t->v[i] = (struct text){path, {0}, visible, hash};
	memcpy(t->v[i].blob, blob, 20);
	t->n++;
}

static int cmp_file_path(const void *x, const void *y)
{
	const struct source_file *a = x, *b = y;
	int c = strcmp(a->path, b->path);
	return c ? c : memcmp(a->oid, b->oid, 20);
}

/* False when s[0..n) holds no "<!--": no HTML comment, so no fence. */
static bool may_hold_fence(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p && end - p >= 4) {
		p = memchr(p, '<', (size_t)(end - p) - 3);
		if (p && memcmp(p, "<!--", 4) == 0)
			return true;
		if (p)
			p++;
	}
	return false;
}

/* The versions being read: each one's document, and what the audience
 * reads of it, found on every core. */
struct reading {
	struct doc **docs;
	struct arena *arenas; /* one per document: its fences */
	bool *visible;
	uint64_t *hashes;
	enum visibility audience;
	struct diag *quiet;
};

static void read_one(void *ctx, size_t i)
{
	struct reading *r = ctx;
	struct doc *doc = r->docs[i];
	if (doc->ok && may_hold_fence(doc->body, doc->body_len))
		markdown_scan(&r->arenas[i], doc, r->quiet);
	r->visible[i] = audience_hash(doc, r->audience, &r->hashes[i]);
}

/*
 * Reads the versions files[0..n) (path and blob; sorted, each once) from
 * git and puts what the audience reads of each into t: each loaded as the
 * model loads a document (on every core), its body scanned for fences only
 * when it holds an HTML comment (no fence can be in a body without one).
 */
static int texts_fill(struct audience_texts *t, struct source_file *files, size_t n,
		      struct repo *repo, struct diag *d)
{
	if (!n)
		return 0;
	if (repo_read_blobs(repo, files, n, d) < 0)
		return -1;
	struct source src;
	struct site site;
	struct diag quiet;
	memset(&src, 0, sizeof(src));
	memset(&site, 0, sizeof(site));
	diag_init(&quiet, DIAG_TEXT);
	src.files = files;
	src.n = n;
	src.mode = SOURCE_GIT;
	site.no_bodies = true;
	site_load(&site, &src, &quiet);
	size_t nd = site.ndocs;
	struct reading r = {site.docs, xcalloc(nd + 1, sizeof(struct arena)),
			    xcalloc(nd + 1, sizeof(bool)), xcalloc(nd + 1, sizeof(uint64_t)),
			    t->audience, &quiet};
	run_each(nd, (size_t)plansite_jobs(), read_one, &r);
	for (size_t i = 0; i < nd; i++) {
		const struct doc *doc = site.docs[i];
		text_put(t, arena_strdup(&t->arena, doc->path), doc->file->oid, r.visible[i],
			 r.hashes[i]);
		arena_release(&r.arenas[i]);
	}
	t->parsed += n;
	t->dirty = true;
	free(r.arenas);
	free(r.visible);
	free(r.hashes);
	site_release(&site);
	diag_release(&quiet);
	return 0;
}

/*
 * Keeps, of the changes list[0..n) of a document (newest first), those at
 * which what the audience reads of it changed: the commits whose version
 * it reads, and reads otherwise than the last version it read before (so
 * neither a hidden period nor a hidden part shows, nor a version published
 * again as it was). The first version it reads is its "added"; a rename
 * names its old path only when the version before it was read too.
 * Returns how many are kept, at the front of list, newest first.
 */
static size_t keep_read(const struct audience_texts *t, struct doc_change *list, size_t n)
{
	size_t kept = 0;
	bool seen = false, prev_read = false;
	uint64_t last = 0;
	/* oldest first, writing the kept ones from the end back */
	for (size_t k = n; k-- > 0;) {
		struct doc_change c = list[k];
		const struct text *e = text_find(t, c.path, c.blob);
		bool read = e && e->visible;
		if (read && (!seen || e->hash != last)) {
			if (!seen) {
				c.kind = CHANGE_ADDED;
				c.old_path = NULL;
			} else if (!prev_read && c.kind == CHANGE_RENAMED) {
				c.kind = CHANGE_MODIFIED;
				c.old_path = NULL;
			}
			list[n - 1 - kept++] = c;
		}
		if (read) {
			seen = true;
			last = e->hash;
		}
		prev_read = read;
	}
	/* the kept ones are list[n - kept .. n), oldest last: move them up */
	memmove(list, list + n - kept, kept * sizeof(*list));
	return kept;
}

int history_for_audience(struct history *h, const struct site *site, struct audience_texts *t,
			 struct repo *repo, struct diag *d)
{
	enum visibility audience = t->audience;
	size_t nwant = 0, cap = 0;
	struct source_file *want = NULL;
	int rc = -1;
	if (!h)
		return 0;
	for (size_t i = 0; i < site->ndocs && i < h->ndocs; i++) {
		struct doc_history *dh = &h->docs[i];
		if (!vis_shown(site->docs[i]->vis, audience)) {
			dh->n = 0; /* not published: no page, no history */
			continue;
		}
		if (dh->n < 2)
			continue; /* its one version is the one published */
		for (size_t k = 0; k < dh->n; k++) {
			const struct doc_change *c = &dh->v[k];
			if (text_find(t, c->path, c->blob))
				continue;
			GROW_FROM(want, nwant, cap, 256);
			struct source_file *f = &want[nwant++];
			memset(f, 0, sizeof(*f));
			f->path = (char *)c->path;
			memcpy(f->oid, c->blob, 20);
			f->has_oid = true;
		}
	}
	if (nwant)
		qsort(want, nwant, sizeof(*want), cmp_file_path);
	size_t m = 0;
	for (size_t i = 0; i < nwant; i++)
		if (m == 0 || cmp_file_path(&want[m - 1], &want[i]) != 0)
			want[m++] = want[i];
	if (texts_fill(t, want, m, repo, d) < 0)
		goto out;
	for (size_t i = 0; i < site->ndocs && i < h->ndocs; i++) {
		struct doc_history *dh = &h->docs[i];
		if (dh->n >= 2)
			dh->n = keep_read(t, (struct doc_change *)dh->v, dh->n);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nwant; i++)
		free(want[i].data);
	free(want);
	return rc;
}
