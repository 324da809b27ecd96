/*
 * gitlog.c: the history walk. Every commit reachable from the starting
 * points, each loaded once, in a heap by date; libgit2 1.5's revwalk fails
 * at a shallow clone's boundary, so the walk is ours: the commits listed in
 * .git/shallow are roots, and so, in a shallow clone, is any commit whose
 * parent is missing (in one that is not shallow, that is an error).
 */
#include "git_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ history: log */

/* Commit ids → index, open addressing; ids are uniformly spread already. */
struct oidmap {
	git_oid *keys;
	size_t *vals;
	bool *used;
	size_t n, cap;
};

static void oidmap_init(struct oidmap *m, size_t expected)
{
	m->cap = 64;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->n = 0;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->used = xcalloc(m->cap, sizeof(*m->used));
}

static void oidmap_release(struct oidmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static size_t oid_slot(const struct oidmap *m, const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	size_t i = h & (m->cap - 1);
	while (m->used[i] && !git_oid_equal(&m->keys[i], id))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool oidmap_get(const struct oidmap *m, const git_oid *id, size_t *val)
{
	size_t i = oid_slot(m, id);
	if (!m->used[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

static void oidmap_put(struct oidmap *m, const git_oid *id, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct oidmap big;
		oidmap_init(&big, m->cap);
		for (size_t i = 0; i < m->cap; i++)
			if (m->used[i])
				oidmap_put(&big, &m->keys[i], m->vals[i]);
		oidmap_release(m);
		*m = big;
	}
	size_t i = oid_slot(m, id);
	if (!m->used[i])
		m->n++;
	m->used[i] = true;
	git_oid_cpy(&m->keys[i], id);
	m->vals[i] = val;
}

/* The commits listed in .git/shallow: the boundary of a shallow clone.
 * Returns whether the repository is a shallow clone (the file is there). */
static bool read_shallow(git_repository *repo, struct oidmap *set)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%sshallow", git_repository_commondir(repo));
	FILE *f = fopen(path.ptr, "r");
	buf_release(&path);
	if (!f)
		return errno != ENOENT;
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		git_oid id;
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) == GIT_OID_HEXSZ && git_oid_fromstr(&id, line) == 0)
			oidmap_put(set, &id, 0);
	}
	fclose(f);
	return true;
}

/* One commit while the log is being built. */
struct raw_commit {
	git_oid tree;
	struct commit_info info;
	git_oid *parents;
	size_t nparents;
	bool boundary;
	size_t children; /* commits of the log that have it as a parent */
};

/* A heap of commit indexes, newest first (ties: found first), for the
 * topological order. */
struct heap {
	size_t *v;
	size_t n;
	const struct raw_commit *c;
};

static bool heap_before(const struct heap *h, size_t a, size_t b)
{
	if (h->c[a].info.time != h->c[b].info.time)
		return h->c[a].info.time > h->c[b].info.time;
	return a < b;
}

static void heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i > 0 && heap_before(h, h->v[i], h->v[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static size_t heap_pop(struct heap *h)
{
	size_t top = h->v[0];
	h->v[0] = h->v[--h->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && heap_before(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_before(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		size_t t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

static void todo_push(git_oid **v, size_t *n, size_t *cap, const git_oid *id)
{
	GROW_FROM(*v, *n, *cap, 64);
	git_oid_cpy(&(*v)[(*n)++], id);
}

int repo_log(struct repo *r, const char *const *starts, size_t nstarts, struct log *out,
	     struct diag *d)
{
	struct oidmap seen, shallow;
	struct raw_commit *cs = NULL;
	size_t n = 0, cap = 0;
	git_oid *todo = NULL;
	size_t ntodo = 0, todocap = 0;
	git_commit *c = NULL;
	size_t *order = NULL, *newidx = NULL;
	struct heap h = {NULL, 0, NULL};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	oidmap_init(&seen, 1024);
	oidmap_init(&shallow, 16);
	bool is_shallow = read_shallow(r->git, &shallow);
	git_odb *odb = git_repo_odb(r, d);
	if (!odb)
		goto out;

	for (size_t i = 0; i < nstarts; i++) {
		git_oid id;
		if (git_oid_fromstr(&id, starts[i]) < 0) {
			diag_error(d, nopos, "E026", "'%s' is not a commit id", starts[i]);
			goto out;
		}
		todo_push(&todo, &ntodo, &todocap, &id);
	}
	/* Every reachable commit, loaded once: time, subject, tree, parents. */
	while (ntodo) {
		git_oid id = todo[--ntodo];
		if (oidmap_get(&seen, &id, NULL))
			continue;
		if (git_commit_lookup(&c, r->git, &id) < 0) {
			git_report(d, "cannot read commit", git_oid_tostr_s(&id));
			goto out;
		}
		GROW_FROM(cs, n, cap, 256);
		struct raw_commit *rcm = &cs[n];
		memset(rcm, 0, sizeof(*rcm));
		git_oid_cpy(&rcm->tree, git_commit_tree_id(c));
		git_commit_info(&rcm->info, c, &out->arena);
		oidmap_put(&seen, &id, n);
		size_t np = git_commit_parentcount(c);
		rcm->boundary = oidmap_get(&shallow, &id, NULL);
		/* In a shallow clone, a parent missing from the object database
		 * (a .git/shallow that does not list it, or that we could not
		 * read) makes this commit a root, as .git/shallow would. In a
		 * repository that is not shallow, it is damage: history pages and
		 * dates from the commits that remain would be wrong without a
		 * word, so it is an error. */
		for (size_t k = 0; k < np && !rcm->boundary; k++) {
			const git_oid *pid = git_commit_parent_id(c, (unsigned)k);
			if (git_odb_exists(odb, pid))
				continue;
			if (!is_shallow) {
				char pidhex[GIT_OID_HEXSZ + 1];
				git_oid_tostr(pidhex, sizeof(pidhex), pid);
				diag_error(d, nopos, "E026",
					   "commit '%s': its parent '%s' is missing from the repository, "
					   "which is not a shallow clone (a damaged repository: see "
					   "'git fsck')",
					   git_oid_tostr_s(&id), pidhex);
				goto out;
			}
			rcm->boundary = true;
		}
		if (rcm->boundary) {
			out->shallow = true;
			np = 0;
		}
		rcm->parents = np ? arena_alloc(&out->arena, np * sizeof(git_oid)) : NULL;
		rcm->nparents = np;
		for (size_t k = 0; k < np; k++) {
			git_oid_cpy(&rcm->parents[k], git_commit_parent_id(c, (unsigned)k));
			todo_push(&todo, &ntodo, &todocap, &rcm->parents[k]);
		}
		git_commit_free(c);
		c = NULL;
		n++;
	}

	/* Topological order, newest first: a commit comes out once every
	 * commit that has it as a parent has. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < cs[i].nparents; k++) {
			size_t p;
			if (oidmap_get(&seen, &cs[i].parents[k], &p))
				cs[p].children++;
		}
	order = xcalloc(n + 1, sizeof(*order));
	newidx = xcalloc(n + 1, sizeof(*newidx));
	h.v = xcalloc(n + 1, sizeof(*h.v));
	h.c = cs;
	for (size_t i = 0; i < n; i++)
		if (!cs[i].children)
			heap_push(&h, i);
	size_t m = 0;
	while (h.n) {
		size_t i = heap_pop(&h);
		newidx[i] = m;
		order[m++] = i;
		for (size_t k = 0; k < cs[i].nparents; k++) {
			size_t p;
			if (oidmap_get(&seen, &cs[i].parents[k], &p) && --cs[p].children == 0)
				heap_push(&h, p);
		}
	}
	if (m != n) { /* a cycle: impossible in git, but never loop on bad data */
		diag_error(d, nopos, "E026", "the history of the repository is malformed");
		goto out;
	}

	out->commits = arena_alloc(&out->arena, (n + 1) * sizeof(*out->commits));
	out->n = n;
	out->trees = xcalloc(1, sizeof(*out->trees));
	out->trees->tree = xcalloc(n + 1, sizeof(git_oid));
	for (size_t k = 0; k < n; k++) {
		const struct raw_commit *src = &cs[order[k]];
		struct log_commit *lc = &out->commits[k];
		lc->info = src->info;
		lc->boundary = src->boundary;
		lc->nparents = src->nparents;
		lc->parents = arena_alloc(&out->arena, (src->nparents + 1) * sizeof(*lc->parents));
		for (size_t p = 0; p < src->nparents; p++) {
			size_t old = 0;
			oidmap_get(&seen, &src->parents[p], &old);
			lc->parents[p] = newidx[old];
		}
		git_oid_cpy(&out->trees->tree[k], &src->tree);
	}
	rc = 0;
out:
	if (rc < 0)
		log_release(out);
	git_commit_free(c);
	free(todo);
	free(cs);
	free(order);
	free(newidx);
	free(h.v);
	oidmap_release(&seen);
	oidmap_release(&shallow);
	return rc;
}

void log_release(struct log *l)
{
	if (l->trees) {
		free(l->trees->tree);
		free(l->trees);
	}
	arena_release(&l->arena);
	memset(l, 0, sizeof(*l));
}
