/*
 * gitdiff.c: the changes between two commits' content/ folders, for the
 * history walk (repo_changes) and for monthly reports (repo_diff_blobs).
 *
 * Walking history fast. A 10,000-commit history whose content/meetings
 * holds 9,000 files has 10,000 versions of a 330 KB tree. libgit2 parses a
 * tree at about 50 ns an entry (git_tree_lookup: 0.45 ms for that tree) and
 * git_diff_tree_to_tree walks both trees whole, so the obvious loop takes
 * minutes. Instead each tree is read once, raw (git_odb_read), and two
 * versions of a tree are compared as bytes: a memcmp skips the long runs of
 * identical entries, and only the entries around a difference are parsed.
 * Finding where an entry starts needs the offsets of the entries of one of
 * the two trees; the newer tree's offsets are known from the step before
 * (where it was the older tree), and the older tree's are derived while
 * comparing, so no tree is parsed whole more than once per walk. Subtrees
 * whose ids are equal are skipped without being read. Renames are paired
 * by blob id first, then by libgit2's similarity detection
 * (git_diff_find_similar), on the few commits that add and delete files.
 */
#include "git_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------- history: raw trees */

/*
 * A tree object read raw. Its bytes are entries "<octal mode> <name>\0<20-byte
 * id>", sorted by name (a folder sorting as if its name ended in '/').
 * ents, when not NULL, holds the offset of every entry and then n.
 */
struct rtree {
	git_oid id;
	git_odb_object *obj;
	const unsigned char *p;
	size_t n;
	uint32_t *ents;
	size_t nents;
	unsigned long used; /* the step that last used it */
};

/* The trees of the last two steps of a walk: in a linear history the
 * parent's trees of one step are the commit's trees of the next. */
#define TREE_CACHE_SIZE 64
struct tree_cache {
	struct rtree t[TREE_CACHE_SIZE];
	size_t n;
	unsigned long step;
};

static void rtree_release(struct rtree *t)
{
	git_odb_object_free(t->obj);
	free(t->ents);
	memset(t, 0, sizeof(*t));
}

void git_tree_cache_free(struct tree_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		rtree_release(&c->t[i]);
	free(c);
}

/* Drops the trees that neither this step nor the one before used. */
static void tree_cache_step(struct tree_cache *c)
{
	c->step++;
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->t[i].used + 1 < c->step)
			rtree_release(&c->t[i]);
		else
			c->t[k++] = c->t[i];
	}
	c->n = k;
}

git_odb *git_repo_odb(struct repo *r, struct diag *d)
{
	if (!r->odb && git_repository_odb(&r->odb, r->git) < 0) {
		git_report(d, "cannot open the object database", NULL);
		return NULL;
	}
	return r->odb;
}

/* The raw tree id, from the cache or the object database. NULL after
 * reporting. The tree stays valid until the step after next. */
static struct rtree *tree_get(struct repo *r, const git_oid *id, struct diag *d)
{
	struct tree_cache *c = r->trees;
	for (size_t i = 0; i < c->n; i++)
		if (git_oid_equal(&c->t[i].id, id)) {
			c->t[i].used = c->step;
			return &c->t[i];
		}
	if (c->n == TREE_CACHE_SIZE) { /* a merge of many trees: drop the oldest */
		size_t old = 0;
		for (size_t i = 1; i < c->n; i++)
			if (c->t[i].used < c->t[old].used)
				old = i;
		if (c->t[old].used == c->step)
			return NULL; /* cannot happen: a step holds at most a few trees */
		rtree_release(&c->t[old]);
		c->t[old] = c->t[--c->n];
	}
	git_odb *odb = git_repo_odb(r, d);
	git_odb_object *obj = NULL;
	if (!odb || git_odb_read(&obj, odb, id) < 0) {
		git_report(d, "cannot read the tree", git_oid_tostr_s(id));
		return NULL;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_TREE || git_odb_object_size(obj) >= UINT32_MAX) {
		diag_error(d, nopos, "E026", "object %s is not a tree", git_oid_tostr_s(id));
		git_odb_object_free(obj);
		return NULL;
	}
	struct rtree *t = &c->t[c->n++];
	memset(t, 0, sizeof(*t));
	git_oid_cpy(&t->id, id);
	t->obj = obj;
	t->p = git_odb_object_data(obj);
	t->n = git_odb_object_size(obj);
	t->used = c->step;
	return t;
}

/* One entry of a raw tree. */
struct rent {
	unsigned mode;
	const unsigned char *name;
	size_t name_len;
	const unsigned char *id; /* 20 bytes */
	size_t end;              /* offset of the next entry */
};

/* Parses the entry of t at offset o. Returns false when it is malformed. */
static bool rent_parse(const struct rtree *t, size_t o, struct rent *e)
{
	const unsigned char *p = t->p;
	size_t i = o;
	unsigned mode = 0;
	while (i < t->n && p[i] != ' ') {
		if (p[i] < '0' || p[i] > '7' || i - o >= 7)
			return false;
		mode = mode * 8 + (unsigned)(p[i] - '0');
		i++;
	}
	if (i == o || i >= t->n)
		return false;
	i++;
	const unsigned char *z = memchr(p + i, 0, t->n - i);
	if (!z || z == p + i || (size_t)(z - p) + 1 + GIT_OID_RAWSZ > t->n)
		return false;
	e->mode = mode;
	e->name = p + i;
	e->name_len = (size_t)(z - (p + i));
	e->id = z + 1;
	e->end = (size_t)(z - p) + 1 + GIT_OID_RAWSZ;
	return true;
}

static bool mode_tree(unsigned mode)
{
	return mode == 040000;
}

static bool mode_file(unsigned mode)
{
	return (mode & 0170000) == 0100000;
}

/* git's order of tree entries: by name, a folder as if its name ended in '/'. */
static int rent_cmp(const struct rent *a, const struct rent *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned ca = a->name_len > n ? a->name[n] : mode_tree(a->mode) ? '/' : 0;
	unsigned cb = b->name_len > n ? b->name[n] : mode_tree(b->mode) ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

static void report_bad_tree(struct diag *d, const struct rtree *t)
{
	diag_error(d, nopos, "E026", "tree %s is malformed", git_oid_tostr_s(&t->id));
}

/* Fills t->ents by parsing every entry. Returns false after reporting. */
static bool rtree_index(struct rtree *t, struct diag *d)
{
	if (t->ents)
		return true;
	size_t cap = t->n / 28 + 2, n = 0;
	uint32_t *v = xmalloc(cap * sizeof(*v));
	for (size_t o = 0; o < t->n;) {
		struct rent e;
		if (!rent_parse(t, o, &e)) {
			free(v);
			report_bad_tree(d, t);
			return false;
		}
		if (n + 1 >= cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (uint32_t)o;
		o = e.end;
	}
	v[n] = (uint32_t)t->n;
	t->ents = v;
	t->nents = n;
	return true;
}

/* Finds the entry called name in t. */
static bool rtree_find(const struct rtree *t, const char *name, struct rent *out, struct diag *d)
{
	size_t len = strlen(name);
	for (size_t o = 0; o < t->n;) {
		if (!rent_parse(t, o, out)) {
			report_bad_tree(d, t);
			return false;
		}
		if (out->name_len == len && memcmp(out->name, name, len) == 0)
			return true;
		o = out->end;
	}
	return false;
}

/* The length of the common prefix of a and b, both at least n long. */
static size_t common_prefix(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i = 0;
	while (n - i >= 256 && memcmp(a + i, b + i, 256) == 0)
		i += 256;
	while (n - i >= 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* ---------------------------------------------------- history: diffs */


/* A change while it is being found: paths relative to the site root. */
struct rchange {
	enum change_kind kind;
	const char *path, *old_path;
	git_oid old_id, new_id;
};

/* A pair of trees to compare; a zero id stands for "none". */
struct tree_pair {
	git_oid a, b;
	bool has_a, has_b;
	const char *path; /* "content/meetings/" */
	size_t depth;
};

struct differ {
	struct repo *r;
	struct arena *a;
	struct diag *d;
	struct rchange *v;
	size_t n, cap;
	struct tree_pair *todo;
	size_t ntodo, todocap;
};

static void differ_push(struct differ *df, const git_oid *a, const git_oid *b, const char *path,
			size_t depth)
{
	GROW_FROM(df->todo, df->ntodo, df->todocap, 16);
	struct tree_pair *t = &df->todo[df->ntodo++];
	memset(t, 0, sizeof(*t));
	if (a) {
		git_oid_cpy(&t->a, a);
		t->has_a = true;
	}
	if (b) {
		git_oid_cpy(&t->b, b);
		t->has_b = true;
	}
	t->path = path;
	t->depth = depth;
}

static const char *entry_path(struct differ *df, const char *dir, const struct rent *e,
			      bool folder)
{
	return arena_printf(df->a, "%s%.*s%s", dir, (int)e->name_len, (const char *)e->name,
			    folder ? "/" : "");
}

static void add_change(struct differ *df, enum change_kind kind, const char *dir,
		       const struct rent *old, const struct rent *new)
{
	GROW_FROM(df->v, df->n, df->cap, 16);
	struct rchange *c = &df->v[df->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->path = entry_path(df, dir, new ? new : old, false);
	if (old)
		git_oid_fromraw(&c->old_id, old->id);
	if (new)
		git_oid_fromraw(&c->new_id, new->id);
}

/* One side of an entry pair that has no partner: a file added or deleted,
 * or a folder whose files all are. */
static void one_sided(struct differ *df, const char *dir, size_t depth, const struct rent *e,
		      bool added)
{
	if (mode_file(e->mode)) {
		add_change(df, added ? CHANGE_ADDED : CHANGE_DELETED, dir, added ? NULL : e,
			   added ? e : NULL);
	} else if (mode_tree(e->mode)) {
		git_oid id;
		git_oid_fromraw(&id, e->id);
		differ_push(df, added ? NULL : &id, added ? &id : NULL, entry_path(df, dir, e, true),
			    depth + 1);
	}
}

/* Every file under t, added or deleted. */
static bool diff_one_tree(struct differ *df, const struct tree_pair *tp, struct rtree *t)
{
	for (size_t o = 0; o < t->n;) {
		struct rent e;
		if (!rent_parse(t, o, &e)) {
			report_bad_tree(df->d, t);
			return false;
		}
		one_sided(df, tp->path, tp->depth, &e, tp->has_b);
		o = e.end;
	}
	return true;
}

/* Appends v to a growing offset list. */
static void offs_push(uint32_t **v, size_t *n, size_t *cap, size_t x)
{
	GROW_FROM(*v, *n, *cap, 64);
	(*v)[(*n)++] = (uint32_t)x;
}

/*
 * Compares the old tree a with the new tree b: runs of identical bytes are
 * skipped with memcmp, and b's entry offsets (b->ents) tell where the entry
 * holding the first differing byte starts, in both trees, since what comes
 * before it is the same. Entries around a difference are parsed and merged
 * by name. When a has no offsets yet they are derived on the way: b's,
 * shifted, over identical runs, and parsed ones elsewhere.
 */
static bool diff_two_trees(struct differ *df, const struct tree_pair *tp, struct rtree *a,
			   struct rtree *b)
{
	if (!rtree_index(b, df->d))
		return false;
	bool build = !a->ents;
	uint32_t *aents = NULL;
	size_t na = 0, acap = 0;
	size_t pa = 0, pb = 0, ib = 0;
	for (;;) {
		size_t ra = a->n - pa, rb = b->n - pb;
		size_t same = common_prefix(a->p + pa, b->p + pb, ra < rb ? ra : rb);
		/* the last entry of b starting at or before the first difference */
		size_t lo = ib, hi = b->nents + 1;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (b->ents[mid] <= pb + same)
				lo = mid;
			else
				hi = mid;
		}
		if (build)
			for (size_t k = ib; k < lo; k++)
				offs_push(&aents, &na, &acap, b->ents[k] - pb + pa);
		pa += b->ents[lo] - pb;
		pb = b->ents[lo];
		ib = lo;
		bool a_end = pa >= a->n, b_end = ib >= b->nents;
		if (a_end && b_end)
			break;
		struct rent ea, eb;
		if (!a_end && !rent_parse(a, pa, &ea)) {
			report_bad_tree(df->d, a);
			free(aents);
			return false;
		}
		if (!b_end && !rent_parse(b, pb, &eb)) {
			report_bad_tree(df->d, b);
			free(aents);
			return false;
		}
		int c = a_end ? 1 : b_end ? -1 : rent_cmp(&ea, &eb);
		if (c <= 0 && build)
			offs_push(&aents, &na, &acap, pa);
		if (c == 0) {
			bool same_id = memcmp(ea.id, eb.id, GIT_OID_RAWSZ) == 0;
			if (mode_tree(ea.mode) && mode_tree(eb.mode)) {
				if (!same_id) {
					git_oid ia, ibd;
					git_oid_fromraw(&ia, ea.id);
					git_oid_fromraw(&ibd, eb.id);
					differ_push(df, &ia, &ibd, entry_path(df, tp->path, &eb, true),
						    tp->depth + 1);
				}
			} else if (mode_file(ea.mode) && mode_file(eb.mode)) {
				if (!same_id)
					add_change(df, CHANGE_MODIFIED, tp->path, &ea, &eb);
			} else {
				one_sided(df, tp->path, tp->depth, &ea, false);
				one_sided(df, tp->path, tp->depth, &eb, true);
			}
			pa = ea.end;
			pb = eb.end;
			ib++;
		} else if (c < 0) {
			one_sided(df, tp->path, tp->depth, &ea, false);
			pa = ea.end;
		} else {
			one_sided(df, tp->path, tp->depth, &eb, true);
			pb = eb.end;
			ib++;
		}
	}
	if (build) {
		offs_push(&aents, &na, &acap, a->n);
		a->ents = aents;
		a->nents = na - 1;
	}
	return true;
}

/* Runs the comparisons queued in df until none is left. */
static bool differ_run(struct differ *df)
{
	while (df->ntodo) {
		struct tree_pair tp = df->todo[--df->ntodo];
		if (tp.depth > SITE_MAX_DEPTH) {
			diag_error(df->d, nopos, "E026", "folders nested more than %d deep at '%s'",
				   SITE_MAX_DEPTH, tp.path);
			return false;
		}
		struct rtree *a = NULL, *b = NULL;
		if (tp.has_a && !(a = tree_get(df->r, &tp.a, df->d)))
			return false;
		if (tp.has_b && !(b = tree_get(df->r, &tp.b, df->d)))
			return false;
		bool ok = a && b ? diff_two_trees(df, &tp, a, b) : diff_one_tree(df, &tp, a ? a : b);
		if (!ok)
			return false;
	}
	return true;
}

/* The id of the site's content/ folder in the tree top (the commit's tree):
 * 1 found, 0 none, -1 after reporting. */
static int content_id(struct repo *r, const git_oid *top, git_oid *out, struct diag *d)
{
	git_oid id;
	git_oid_cpy(&id, top);
	struct buf name = BUF_INIT;
	const char *p = r->prefix;
	int rc = -1;
	for (;;) {
		const char *slash = *p ? strchr(p, '/') : NULL;
		buf_truncate(&name, 0);
		if (*p)
			buf_put(&name, p, slash ? (size_t)(slash - p) : strlen(p));
		else
			buf_puts(&name, "content");
		struct rtree *t = tree_get(r, &id, d);
		struct rent e;
		if (!t)
			goto out;
		if (!rtree_find(t, name.ptr, &e, d)) {
			rc = 0; /* not there, or malformed (reported) */
			goto out;
		}
		if (!mode_tree(e.mode)) {
			rc = 0;
			goto out;
		}
		git_oid_fromraw(&id, e.id);
		if (!*p)
			break;
		p = slash ? slash + 1 : "";
	}
	git_oid_cpy(out, &id);
	rc = 1;
out:
	buf_release(&name);
	return rc;
}

/* Queues the comparison of the content/ folders of two commits' trees
 * (parent NULL: a root commit). */
static bool queue_content(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	git_oid a, b;
	int ha = 0, hb;
	if (parent_top && (ha = content_id(df->r, parent_top, &a, df->d)) < 0)
		return false;
	if ((hb = content_id(df->r, top, &b, df->d)) < 0)
		return false;
	if ((ha && hb && git_oid_equal(&a, &b)) || (!ha && !hb))
		return true;
	differ_push(df, ha ? &a : NULL, hb ? &b : NULL, "content/", 1);
	return true;
}

static int cmp_rchange(const void *x, const void *y)
{
	const struct rchange *a = x, *b = y;
	return strcmp(a->path, b->path);
}

/*
 * Pairs deleted and added files into renames: first those with the same
 * blob id, then, for what is left, with libgit2's similarity detection on
 * the two content/ folders (only when both adds and deletes are left).
 */
static bool find_renames(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	size_t nadd = 0, ndel = 0;
	for (size_t i = 0; i < df->n; i++) {
		nadd += df->v[i].kind == CHANGE_ADDED;
		ndel += df->v[i].kind == CHANGE_DELETED;
	}
	if (!nadd || !ndel)
		return true;
	/* Exact: the same blob under a new name. */
	for (size_t i = 0; i < df->n; i++) {
		struct rchange *ad = &df->v[i];
		if (ad->kind != CHANGE_ADDED)
			continue;
		for (size_t k = 0; k < df->n; k++) {
			struct rchange *de = &df->v[k];
			if (de->kind == CHANGE_DELETED && git_oid_equal(&de->old_id, &ad->new_id)) {
				ad->kind = CHANGE_RENAMED;
				ad->old_path = de->path;
				git_oid_cpy(&ad->old_id, &de->old_id);
				de->kind = (enum change_kind)-1; /* taken */
				nadd--;
				ndel--;
				break;
			}
		}
	}
	if (!nadd || !ndel)
		return true;

	/* Similar: libgit2 compares the contents of what is left. */
	git_oid a, b;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	char **paths = xcalloc(nadd + ndel, sizeof(*paths));
	size_t np = 0;
	bool ok = false;
	if (content_id(df->r, parent_top, &a, df->d) != 1 || content_id(df->r, top, &b, df->d) != 1) {
		ok = true; /* one side has no content/: nothing to pair */
		goto out;
	}
	for (size_t i = 0; i < df->n; i++)
		if (df->v[i].kind == CHANGE_ADDED || df->v[i].kind == CHANGE_DELETED)
			paths[np++] = (char *)df->v[i].path + strlen("content/");
	git_diff_options o;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	o.pathspec.strings = paths;
	o.pathspec.count = np;
	/* libgit2 scores similarity higher than git does: two different meetings
	 * written from one template score 51 (git: 27), just over libgit2's
	 * default of 50, while a moved document with an edit scores 90 and more
	 * (git: 70). A new document must not take over a deleted one's history,
	 * so the bar is 70. */
	git_diff_find_options fo;
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	fo.rename_threshold = 70;
	if (git_tree_lookup(&ta, df->r->git, &a) < 0 || git_tree_lookup(&tb, df->r->git, &b) < 0 ||
	    git_diff_tree_to_tree(&diff, df->r->git, ta, tb, &o) < 0 ||
	    git_diff_find_similar(diff, &fo) < 0) {
		git_report(df->d, "cannot compare the trees of commit", git_oid_tostr_s(top));
		goto out;
	}
	size_t nd = git_diff_num_deltas(diff);
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		if (dl->status != GIT_DELTA_RENAMED)
			continue;
		struct rchange *ad = NULL, *de = NULL;
		for (size_t k = 0; k < df->n; k++) {
			const char *rel = df->v[k].path + strlen("content/");
			if (df->v[k].kind == CHANGE_ADDED && strcmp(rel, dl->new_file.path) == 0)
				ad = &df->v[k];
			if (df->v[k].kind == CHANGE_DELETED && strcmp(rel, dl->old_file.path) == 0)
				de = &df->v[k];
		}
		if (!ad || !de)
			continue;
		ad->kind = CHANGE_RENAMED;
		ad->old_path = de->path;
		de->kind = (enum change_kind)-1;
	}
	ok = true;
out:
	free(paths);
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	return ok;
}

/* Drops the entries marked taken (kind -1) and sorts by path. */
static void differ_tidy(struct differ *df)
{
	size_t k = 0;
	for (size_t i = 0; i < df->n; i++)
		if ((int)df->v[i].kind >= 0)
			df->v[k++] = df->v[i];
	df->n = k;
	if (df->n)
		qsort(df->v, df->n, sizeof(*df->v), cmp_rchange);
}

/* The changes of one commit against one parent (NULL: a root), into df. */
static bool diff_commit(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	df->n = 0;
	df->ntodo = 0;
	if (!queue_content(df, parent_top, top) || !differ_run(df))
		return false;
	if (parent_top && !find_renames(df, parent_top, top))
		return false;
	differ_tidy(df);
	return true;
}

int repo_changes(struct repo *r, const struct log *l, size_t i, struct arena *a,
		 struct change **out, size_t *nout, struct diag *d)
{
	const struct log_commit *lc = &l->commits[i];
	const git_oid *trees = l->trees->tree;
	struct differ df = {r, a, d, NULL, 0, 0, NULL, 0, 0};
	struct rchange *first = NULL;
	size_t nfirst = 0;
	struct idmap other;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	idmap_init(&other, 16);
	if (!r->trees)
		r->trees = xcalloc(1, sizeof(*r->trees));
	tree_cache_step(r->trees);

	if (!diff_commit(&df, lc->nparents ? &trees[lc->parents[0]] : NULL, &trees[i]))
		goto out;
	/* A merge changed a file only where it differs from every parent. */
	if (lc->nparents > 1) {
		first = df.v;
		nfirst = df.n;
		df.v = NULL;
		df.n = df.cap = 0;
		bool *keep = xcalloc(nfirst + 1, sizeof(*keep));
		for (size_t k = 0; k < nfirst; k++)
			keep[k] = true;
		for (size_t p = 1; p < lc->nparents; p++) {
			if (!diff_commit(&df, &trees[lc->parents[p]], &trees[i])) {
				free(keep);
				goto out;
			}
			idmap_release(&other);
			idmap_init(&other, df.n);
			for (size_t k = 0; k < df.n; k++) {
				idmap_put(&other, df.v[k].path, k);
				if (df.v[k].old_path)
					idmap_put(&other, df.v[k].old_path, k);
			}
			for (size_t k = 0; k < nfirst; k++)
				keep[k] = keep[k] && idmap_get(&other, first[k].path, NULL);
		}
		size_t m = 0;
		for (size_t k = 0; k < nfirst; k++)
			if (keep[k])
				first[m++] = first[k];
		free(keep);
		free(df.v);
		df.v = first;
		df.n = m;
		first = NULL;
	}
	struct change *v = arena_alloc(a, (df.n + 1) * sizeof(*v));
	for (size_t k = 0; k < df.n; k++) {
		v[k].kind = df.v[k].kind;
		v[k].path = df.v[k].path;
		v[k].old_path = df.v[k].old_path;
		memcpy(v[k].id, (df.v[k].kind == CHANGE_DELETED ? &df.v[k].old_id : &df.v[k].new_id)->id,
		       20);
	}
	*out = v;
	*nout = df.n;
	rc = 0;
out:
	idmap_release(&other);
	free(first);
	free(df.v);
	free(df.todo);
	return rc;
}

/* The top tree of a commit given by its full id. */
static int commit_top(struct repo *r, const char *commit, git_oid *out, struct diag *d)
{
	git_oid id;
	git_commit *c = NULL;
	if (git_oid_fromstr(&id, commit) < 0 || git_commit_lookup(&c, r->git, &id) < 0) {
		git_report(d, "cannot read commit", commit);
		return -1;
	}
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int repo_diff_blobs(struct repo *r, const char *from, const char *to, struct arena *a,
		    struct blob_change **out, size_t *nout, struct diag *d)
{
	git_oid ta, tb;
	struct differ df = {r, a, d, NULL, 0, 0, NULL, 0, 0};
	int rc = -1;
	*out = NULL;
	*nout = 0;
	if (commit_top(r, from, &ta, d) < 0 || commit_top(r, to, &tb, d) < 0)
		return -1;
	if (!r->trees)
		r->trees = xcalloc(1, sizeof(*r->trees));
	tree_cache_step(r->trees);
	/* no renames: a file that moved is one deleted and one added */
	if (!queue_content(&df, &ta, &tb) || !differ_run(&df))
		goto out;
	differ_tidy(&df);
	struct blob_change *v = arena_alloc(a, (df.n + 1) * sizeof(*v));
	for (size_t k = 0; k < df.n; k++) {
		const struct rchange *c = &df.v[k];
		v[k].path = c->path;
		v[k].has_old = c->kind != CHANGE_ADDED;
		v[k].has_new = c->kind != CHANGE_DELETED;
		memcpy(v[k].old_id, c->old_id.id, 20);
		memcpy(v[k].new_id, c->new_id.id, 20);
	}
	*out = v;
	*nout = df.n;
	rc = 0;
out:
	free(df.v);
	free(df.todo);
	return rc;
}

int repo_read_blob(struct repo *r, const unsigned char id[20], char **data, size_t *len,
		   struct diag *d)
{
	git_oid oid;
	git_oid_fromraw(&oid, id);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, r->git, &oid) < 0) {
		char hex[41];
		git_oid_tostr(hex, sizeof(hex), &oid);
		git_report(d, "cannot read blob", hex);
		return -1;
	}
	size_t n = (size_t)git_blob_rawsize(blob);
	*data = xmalloc(n + 1);
	if (n)
		memcpy(*data, git_blob_rawcontent(blob), n);
	(*data)[n] = '\0';
	*len = n;
	git_blob_free(blob);
	return 0;
}


/* ------------------------------------------------- many pairs at once */

/* One thread's run of items lo..hi-1, with its own repository and arena. */
struct run_share {
	const char *root;
	size_t lo, hi;
	int (*fn)(struct repo *r, size_t i, struct arena *a, void *ctx);
	void *ctx;
	struct arena arena;
	struct diag *d;
	int rc;
	pthread_t thread;
	bool threaded;
};

static void *run_work(void *arg)
{
	struct run_share *s = arg;
	struct repo *r = NULL;
	s->rc = -1;
	if (repo_open(&r, s->root, s->d) != 0)
		return NULL;
	for (size_t i = s->lo; i < s->hi; i++)
		if (s->fn(r, i, &s->arena, s->ctx) < 0) {
			repo_free(r);
			return NULL;
		}
	repo_free(r);
	s->rc = 0;
	return NULL;
}

int repo_run_ranges(const char *root, size_t n, size_t min_run,
		    int (*fn)(struct repo *r, size_t i, struct arena *a, void *ctx), void *ctx,
		    struct arena **arenas, size_t *narenas, struct diag *d)
{
	*arenas = NULL;
	*narenas = 0;
	if (n == 0)
		return 0;
	size_t nw = (size_t)plansite_jobs();
	if (nw > n / min_run + 1)
		nw = n / min_run + 1;
	if (nw > n)
		nw = n;
	struct run_share *ss = xcalloc(nw, sizeof(*ss));
	for (size_t t = 0; t < nw; t++) {
		ss[t] = (struct run_share){.root = root, .lo = n * t / nw, .hi = n * (t + 1) / nw,
					   .fn = fn, .ctx = ctx, .arena = ARENA_INIT, .d = d,
					   .rc = -1};
		if (t > 0)
			ss[t].threaded = pthread_create(&ss[t].thread, NULL, run_work, &ss[t]) == 0;
	}
	int rc = 0;
	for (size_t t = 0; t < nw; t++) {
		if (ss[t].threaded)
			pthread_join(ss[t].thread, NULL);
		else
			run_work(&ss[t]); /* this thread's run, or one no thread took */
		if (ss[t].rc < 0)
			rc = -1;
	}
	struct arena *as = xcalloc(nw, sizeof(*as));
	for (size_t t = 0; t < nw; t++)
		as[t] = ss[t].arena;
	free(ss);
	*arenas = as;
	*narenas = nw;
	return rc;
}

struct pairs {
	const char *const *from, *const *to;
	struct blob_changes *out;
	struct diag *d;
};

static int diff_pair(struct repo *r, size_t i, struct arena *a, void *ctx)
{
	struct pairs *p = ctx;
	return repo_diff_blobs(r, p->from[i], p->to[i], a, &p->out[i].v, &p->out[i].n, p->d);
}

int repo_diff_pairs(const char *root, const char *const *from, const char *const *to, size_t n,
		    struct blob_changes *out, struct arena **arenas, size_t *narenas,
		    struct diag *d)
{
	struct pairs p = {from, to, out, d};
	return repo_run_ranges(root, n, 1, diff_pair, &p, arenas, narenas, d);
}
