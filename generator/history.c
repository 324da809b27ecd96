/*
 * history.c: the git side of a build, through git.c's API (no libgit2
 * here). Three things:
 *
 *   - Last updated. One walk over history, from the build's commit (and
 *     any publish tag it does not contain), with each commit's changes under
 *     content/ computed once (repo_changes) and kept in the cache; it runs on
 *     a thread of its own while the site is loaded and checked. Then, for
 *     any commit, one pass over the log, newest first, hands each change to
 *     the document it belongs to, following renames back through time.
 *   - Published versions. Each tag matching publish_tags is a version,
 *     rendered once from its own tree with the current theme into the cache
 *     and linked into the output at versions/<slug>/ on every build.
 *   - Each version's changes/ page compares it with the version before
 *     (changes.c compares two loaded sites).
 *
 * The cache (cache.c) holds:
 *   history           each commit's changes, by commit id
 *   items             the actions' and decisions' keys and visibility of
 *                     each old version of a meeting, for withdrawal
 *   texts-<audience>  what the audience reads of each old version of a
 *                     document, as a hash (audience.c)
 *   versions/v-<hash>/  a version's rendered output, with .plansite-key
 *                     (its key and the manifest of its files), renamed
 *                     into place whole
 *   checks/c-<hash>   why a version's content failed check
 * (and, cache.c's, lock and trash/)
 * Everything in it is derived from git objects and plansite itself, keyed
 * so that a stale entry is never used; deleting it is always safe.
 */
#include "plansite.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct pos nopos = {NULL, 0, 0};
#define NONE SIZE_MAX

/* ------------------------------------------------------------- cache */

static const char *const history_magic = "plansite-history 2";

/* ------------------------------------------------- the history walk */

/* Each commit of the log with its changes. */
struct walked {
	struct log log;
	struct change **changes; /* per commit */
	size_t *nchanges;
	struct arena arena;      /* the changes */
	struct arena *more;      /* the changes found on other threads */
	size_t nmore;
	struct idmap index;      /* commit id → index in the log */
};

/* A commit's changes as the history cache holds them. */
struct cached_commit {
	bool boundary;
	struct change *v;
	size_t n;
};

static const char kind_letters[] = "AMDR";

/*
 * The history cache: lines "<id> <b|-> <n>" each followed by n lines
 * "<A|M|D|R> <blob> <path>" (R: "<path>\t<old path>"; the blob is the file's
 * after the commit, before it for D), after a first line naming
 * the format, plansite's version and the site's path in the repository.
 * Anything unexpected makes the whole file ignored.
 */
static void history_cache_read(const struct cache *cache, const char *prefix, struct arena *a,
			       struct idmap *map, struct cached_commit **out, size_t *nout)
{
	struct buf b = BUF_INIT, head = BUF_INIT;
	struct cached_commit *v = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*nout = 0;
	if (!cache_read(cache, "history", &b))
		goto out;
	buf_printf(&head, "%s %s %s\n", history_magic, cache->plansite, prefix);
	if (b.len < head.len || memcmp(b.ptr, head.ptr, head.len) != 0)
		goto out;
	char *p = b.ptr + head.len, *end = b.ptr + b.len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			goto bad;
		*nl = '\0';
		char id[41], flag;
		unsigned long count;
		if (sscanf(p, "%40s %c %lu", id, &flag, &count) != 3 || strlen(id) != 40 ||
		    count > 1000000)
			goto bad;
		p = nl + 1;
		GROW_FROM(v, n, cap, 1024);
		struct cached_commit *cc = &v[n];
		cc->boundary = flag == 'b';
		cc->n = count;
		cc->v = arena_alloc(a, (count + 1) * sizeof(*cc->v));
		for (size_t k = 0; k < count; k++) {
			nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
			/* "<kind> <blob> <path>" */
			if (!nl || nl - p < 45 || p[1] != ' ' || p[42] != ' ')
				goto bad;
			*nl = '\0';
			const char *kind = strchr(kind_letters, p[0]);
			if (!kind || !p[0])
				goto bad;
			struct change *c = &cc->v[k];
			c->kind = (enum change_kind)(kind - kind_letters);
			p[42] = '\0';
			if (!id_from_hex(p + 2, c->id))
				goto bad;
			char *tab = strchr(p + 43, '\t');
			if ((c->kind == CHANGE_RENAMED) != (tab != NULL))
				goto bad;
			if (tab) {
				*tab = '\0';
				c->old_path = arena_strdup(a, tab + 1);
			}
			c->path = arena_strdup(a, p + 43);
			p = nl + 1;
		}
		idmap_set(map, arena_strdup(a, id), n);
		n++;
	}
	*out = v;
	*nout = n;
	v = NULL;
	goto out;
bad:
	idmap_release(map);
	idmap_init(map, 16);
out:
	free(v);
	buf_release(&b);
	buf_release(&head);
}

static bool path_storable(const char *p)
{
	for (; p && *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			return false;
	return true;
}

static void history_cache_write(const struct cache *cache, const char *prefix,
				const struct walked *wk)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s %s %s\n", history_magic, cache->plansite, prefix);
	for (size_t i = 0; i < wk->log.n; i++) {
		bool ok = true;
		for (size_t k = 0; k < wk->nchanges[i] && ok; k++)
			ok = path_storable(wk->changes[i][k].path) &&
			     path_storable(wk->changes[i][k].old_path);
		if (!ok)
			continue; /* found again next time */
		const struct log_commit *c = &wk->log.commits[i];
		buf_printf(&b, "%s %c %zu\n", c->info.id, c->boundary ? 'b' : '-', wk->nchanges[i]);
		for (size_t k = 0; k < wk->nchanges[i]; k++) {
			const struct change *ch = &wk->changes[i][k];
			char hex[41];
			id_to_hex(ch->id, hex);
			buf_printf(&b, "%c %s %s", kind_letters[ch->kind], hex, ch->path);
			if (ch->old_path)
				buf_printf(&b, "\t%s", ch->old_path);
			buf_putc(&b, '\n');
		}
	}
	cache_write(cache, "history", b.ptr, b.len); /* failing to keep it costs time only */
	buf_release(&b);
}

static void walked_release(struct walked *wk)
{
	log_release(&wk->log);
	free(wk->changes);
	free(wk->nchanges);
	arena_release(&wk->arena);
	for (size_t i = 0; i < wk->nmore; i++)
		arena_release(&wk->more[i]);
	free(wk->more);
	idmap_release(&wk->index);
	memset(wk, 0, sizeof(*wk));
}

/* What a thread needs to find a commit's changes. */
struct walk_ctx {
	struct walked *wk;
	const size_t *idx;
	struct diag *d;
};

static int changes_one(struct repo *r, size_t k, struct arena *a, void *ctx)
{
	struct walk_ctx *w = ctx;
	size_t i = w->idx[k];
	return repo_changes(r, &w->wk->log, i, a, &w->wk->changes[i], &w->wk->nchanges[i], w->d);
}

/* The changes of the commits idx[0..n) of the log: on every core when
 * there are many (a first build reads all of history), else with repo.
 * Returns 0, or -1 after reporting. */
static int changes_of(struct walked *wk, struct repo *repo, const char *root, const size_t *idx,
		      size_t n, struct diag *d)
{
	struct walk_ctx w = {wk, idx, d};
	if (n < 512 || plansite_jobs() == 1) { /* a few new commits: here */
		for (size_t k = 0; k < n; k++)
			if (changes_one(repo, k, &wk->arena, &w) < 0)
				return -1;
		return 0;
	}
	/* in runs of the log, so that each commit's trees are read as the one
	 * before's parent's, each with a repository of its own */
	struct arena *as;
	size_t nas;
	int rc = repo_run_ranges(root, n, 256, changes_one, &w, &as, &nas, d);
	wk->more = xrealloc(wk->more, (wk->nmore + nas + 1) * sizeof(*wk->more));
	for (size_t t = 0; t < nas; t++)
		wk->more[wk->nmore++] = as[t];
	free(as);
	return rc;
}

/*
 * Walks the history from starts and finds each commit's changes: from the
 * history cache when it has them, else from git (and then the cache is
 * rewritten). Returns 0, or -1 after reporting.
 */
static int walk(struct walked *wk, struct repo *repo, const char *root, const struct cache *cache,
		const char *const *starts, size_t nstarts, bool verbose, struct diag *d)
{
	struct idmap cmap;
	struct arena carena = ARENA_INIT;
	struct cached_commit *cached = NULL;
	size_t ncached = 0, fresh = 0, *fresh_idx = NULL;
	int rc = -1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0); /* for --verbose */

	memset(wk, 0, sizeof(*wk));
	idmap_init(&cmap, 16);
	idmap_init(&wk->index, 16);
	if (repo_log(repo, starts, nstarts, &wk->log, d) < 0)
		goto out;
	idmap_release(&wk->index);
	idmap_init(&wk->index, wk->log.n);
	for (size_t i = 0; i < wk->log.n; i++)
		idmap_put(&wk->index, wk->log.commits[i].info.id, i);
	if (cache_usable(cache))
		history_cache_read(cache, repo_prefix(repo), &carena, &cmap, &cached, &ncached);
	wk->changes = xcalloc(wk->log.n + 1, sizeof(*wk->changes));
	wk->nchanges = xcalloc(wk->log.n + 1, sizeof(*wk->nchanges));
	fresh_idx = xcalloc(wk->log.n + 1, sizeof(*fresh_idx));
	for (size_t i = 0; i < wk->log.n; i++) {
		const struct log_commit *c = &wk->log.commits[i];
		size_t k;
		if (idmap_get(&cmap, c->info.id, &k) && cached[k].boundary == c->boundary) {
			/* copied: the cache's arena goes away below */
			wk->nchanges[i] = cached[k].n;
			wk->changes[i] = arena_alloc(&wk->arena, (cached[k].n + 1) * sizeof(struct change));
			for (size_t j = 0; j < cached[k].n; j++) {
				struct change ch = cached[k].v[j];
				ch.path = arena_strdup(&wk->arena, ch.path);
				if (ch.old_path)
					ch.old_path = arena_strdup(&wk->arena, ch.old_path);
				wk->changes[i][j] = ch;
			}
			continue;
		}
		fresh_idx[fresh++] = i;
	}
	if (changes_of(wk, repo, root, fresh_idx, fresh, d) < 0)
		goto out;
	if (fresh && cache_usable(cache))
		history_cache_write(cache, repo_prefix(repo), wk);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (verbose)
		fprintf(stderr, "plansite: history: %zu commits, %zu from the cache, %zu read (%.2f s)\n",
			wk->log.n, wk->log.n - fresh, fresh, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
out:
	free(fresh_idx);
	free(cached);
	idmap_release(&cmap);
	arena_release(&carena);
	return rc;
}

/* ------------------------------------------------------- attribution */

/* A change found for a document (its index), at commit i of the log. */
struct hit {
	size_t doc, commit;
	const struct change *change;
};

static int cmp_hit(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;
	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	return (a->commit > b->commit) - (a->commit < b->commit);
}

static int cmp_version_doc(const void *x, const void *y)
{
	const struct lineage_version *a = x, *b = y;
	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	return (a->commit > b->commit) - (a->commit < b->commit);
}

/* ------------------------------------------------------- attribution */

/*
 * The history of the documents paths[0..n) of the site at commit start:
 * the commits reachable from it, newest first; each change to a path that
 * holds one of the documents at that point in time is the document's; a
 * rename moves the document to its old path for the commits before it; an
 * add ends its history. With lin, where the documents were is recorded too
 * (the events of a lineage, and each document's moves in *by_doc), and the
 * walk goes on to the first commit: a deletion it meets of a path that
 * holds no document then starts a ghost (lineage.c), followed back as the
 * others are; every version of each meeting and of the people file is
 * kept in lin as well.
 */
static struct history *attribute(const struct walked *wk, size_t start, const char *const *paths,
				 size_t n, struct lineage *lin, struct lineage_event **by_doc,
				 size_t *nby_doc)
{
	struct history *h = xcalloc(1, sizeof(*h));
	const struct log *l = &wk->log;
	bool *reach = xcalloc(l->n + 1, sizeof(*reach));
	size_t *stack = xcalloc(l->n + 1, sizeof(*stack));
	size_t top = 0;
	struct idmap at; /* path → document, at the point of the walk */
	struct hit *hits = NULL;
	size_t nhits = 0, cap = 0, capev = 0, capdoc = 0;

	reach[start] = true;
	stack[top++] = start;
	while (top) {
		const struct log_commit *c = &l->commits[stack[--top]];
		for (size_t k = 0; k < c->nparents; k++)
			if (!reach[c->parents[k]]) {
				reach[c->parents[k]] = true;
				stack[top++] = c->parents[k];
			}
	}
	h->shallow = false;
	idmap_init(&h->paths, n);
	idmap_init(&at, n);
	for (size_t i = 0; i < n; i++) {
		idmap_put(&h->paths, paths[i], i);
		idmap_set(&at, paths[i], i);
	}
	size_t alive = n, capghost = 0, capver = 0, cappeople = 0;
	for (size_t i = start; i < l->n && (alive || lin); i++) {
		if (!reach[i])
			continue;
		h->shallow |= l->commits[i].boundary;
		size_t first = nhits;
		for (size_t k = 0; k < wk->nchanges[i]; k++) {
			const struct change *ch = &wk->changes[i][k];
			size_t doc;
			bool held = idmap_get(&at, ch->path, &doc) && doc != NONE;
			if (lin && strcmp(ch->path, "content/people.yaml") == 0) {
				struct lineage_version v = {NONE, i, ch->path, {0}};
				memcpy(v.blob, ch->id, 20);
				lineage_add_version(&lin->people, &lin->npeople, &cappeople, v);
			}
			if (lin && ch->kind == CHANGE_DELETED && !held && doc_path_kind(ch->path) >= 0) {
				/* gone from here on: a ghost, as it was */
				doc = n + lin->nghosts;
				struct lineage_version g = {doc, i, ch->path, {0}};
				memcpy(g.blob, ch->id, 20);
				lineage_add_version(&lin->ghosts, &lin->nghosts, &capghost, g);
				idmap_set(&at, ch->path, doc);
				lineage_add(&lin->events, &lin->nevents, &capev,
					     (struct lineage_event){i, ch->path, doc});
				lineage_add(by_doc, nby_doc, &capdoc,
					     (struct lineage_event){i, ch->path, doc});
				alive++;
				if (doc_path_kind(ch->path) == DOC_MEETING)
					lineage_add_version(&lin->versions, &lin->nversions, &capver, g);
				continue;
			}
			if (ch->kind == CHANGE_DELETED || !held)
				continue;
			GROW_FROM(hits, nhits, cap, 256);
			hits[nhits++] = (struct hit){doc, i, ch};
		}
		/* Before this commit, the documents it added did not exist, and
		 * those it renamed were at their old paths: first every path is
		 * let go, then the renamed ones are taken again. */
		for (size_t k = first; k < nhits; k++) {
			const struct change *ch = hits[k].change;
			if (ch->kind == CHANGE_ADDED || ch->kind == CHANGE_RENAMED) {
				idmap_set(&at, ch->path, NONE);
				if (lin)
					lineage_add(&lin->events, &lin->nevents, &capev,
						     (struct lineage_event){i, ch->path, NONE});
			}
			if (ch->kind == CHANGE_ADDED) {
				alive--;
				if (lin)
					lineage_add(by_doc, nby_doc, &capdoc,
						     (struct lineage_event){i, NULL, hits[k].doc});
			}
		}
		for (size_t k = first; k < nhits; k++) {
			const struct change *ch = hits[k].change;
			if (ch->kind != CHANGE_RENAMED)
				continue;
			idmap_set(&at, ch->old_path, hits[k].doc);
			if (lin) {
				lineage_add(&lin->events, &lin->nevents, &capev,
					     (struct lineage_event){i, ch->old_path, hits[k].doc});
				lineage_add(by_doc, nby_doc, &capdoc,
					     (struct lineage_event){i, ch->old_path, hits[k].doc});
			}
		}
	}
	if (nhits)
		qsort(hits, nhits, sizeof(*hits), cmp_hit);
	if (lin) {
		/* every meeting's versions, by document, newest first: a ghost's
		 * last (its deletion's) first, as its commit is the newest */
		for (size_t k = 0; k < nhits; k++)
			if (doc_path_kind(hits[k].change->path) == DOC_MEETING) {
				struct lineage_version v = {hits[k].doc, hits[k].commit,
							    hits[k].change->path, {0}};
				memcpy(v.blob, hits[k].change->id, 20);
				lineage_add_version(&lin->versions, &lin->nversions, &capver, v);
			}
		if (lin->nversions)
			qsort(lin->versions, lin->nversions, sizeof(*lin->versions), cmp_version_doc);
		while (nhits && hits[nhits - 1].doc >= n)
			nhits--; /* a ghost has no history page */
	}
	h->ndocs = n;
	h->docs = arena_alloc(&h->arena, (n + 1) * sizeof(*h->docs));
	struct doc_change *all = arena_alloc(&h->arena, (nhits + 1) * sizeof(*all));
	for (size_t k = 0; k < nhits; k++) {
		const struct log_commit *c = &l->commits[hits[k].commit];
		struct doc_change *dc = &all[k];
		dc->commit = &c->info;
		dc->kind = hits[k].change->kind;
		dc->path = hits[k].change->path;
		dc->old_path = hits[k].change->old_path;
		dc->boundary = c->boundary && dc->kind == CHANGE_ADDED;
		memcpy(dc->blob, hits[k].change->id, 20);
		struct doc_history *dh = &h->docs[hits[k].doc];
		if (!dh->v)
			dh->v = dc;
		dh->n++;
	}
	free(hits);
	free(reach);
	free(stack);
	idmap_release(&at);
	return h;
}

static void history_free(struct history *h)
{
	if (!h)
		return;
	idmap_release(&h->paths);
	arena_release(&h->arena);
	free(h);
}

const struct doc_history *history_of(const struct history *h, const char *path)
{
	size_t i;
	if (!h || !idmap_get(&h->paths, path, &i) || !h->docs[i].n)
		return NULL;
	return &h->docs[i];
}

struct value *history_value(struct arena *a, const struct doc *doc, const struct doc_history *h,
			    bool shallow)
{
	struct value *m = value_new(a, VALUE_MAP, nopos);
	struct value *l = value_new(a, VALUE_LIST, nopos);
	struct buf b = BUF_INIT;
	for (size_t i = 0; h && i < h->n; i++) {
		const struct doc_change *c = &h->v[i];
		struct value *e = value_new(a, VALUE_MAP, nopos);
		struct date day = date_from_unix(c->commit->time, c->commit->offset);
		buf_truncate(&b, 0);
		date_long(&b, day);
		value_map_put(a, e, "date", value_string(a, b.ptr, b.len, nopos));
		value_map_put(a, e, "date_iso", value_cstr(a, date_iso_s(a, day)));
		value_map_put(a, e, "subject", value_cstr(a, c->commit->subject));
		value_map_put(a, e, "short_id", value_cstr(a, c->commit->short_id));
		value_map_put(a, e, "commit", value_cstr(a, c->commit->id));
		value_map_put(a, e, "added", value_bool(a, c->kind == CHANGE_ADDED && !c->boundary));
		value_map_put(a, e, "boundary", value_bool(a, c->boundary));
		if (c->old_path)
			value_map_put(a, e, "renamed_from", value_cstr(a, c->old_path));
		value_list_push(a, l, e);
	}
	buf_release(&b);
	value_map_put(a, m, "title", value_cstr(a, doc->title ? doc->title : doc->id));
	value_map_put(a, m, "href", value_cstr(a, doc_href(a, doc)));
	value_map_put(a, m, "path", value_cstr(a, doc->path));
	value_map_put(a, m, "changes", l);
	value_map_put(a, m, "has_changes", value_bool(a, l->n > 0));
	value_map_put(a, m, "shallow", value_bool(a, shallow));
	return m;
}

/* The history of the documents of a loaded site at commit id, as the
 * audience of t sees it (every change when t is NULL); with lin, where
 * those documents were before (a lineage for site). NULL when the walk does
 * not hold id; *failed after a failure to read old versions (reported). */
static struct history *site_history(const struct walked *wk, const char *id,
				    const struct site *site, struct lineage *lin,
				    struct audience_texts *t, struct repo *repo, bool *failed,
				    struct diag *d)
{
	size_t start;
	if (!idmap_get(&wk->index, id, &start))
		return NULL;
	const char **paths = xcalloc(site->ndocs + 1, sizeof(*paths));
	for (size_t i = 0; i < site->ndocs; i++)
		paths[i] = site->docs[i]->path;
	struct lineage_event *by_doc = NULL;
	size_t nby_doc = 0;
	struct history *h = attribute(wk, start, paths, site->ndocs, lin, &by_doc, &nby_doc);
	if (lin)
		lineage_finish(lin, site, &wk->index, by_doc, nby_doc);
	free(paths);
	if (t && history_for_audience(h, site, t, repo, d) < 0)
		*failed = true;
	return h;
}

/* ------------------------------------------------------ publishing */

struct published_priv {
	struct published_opts o;
	const struct source *src;
	struct diag *d;
	struct repo *repo;
	const struct cache *cache;
	struct walked wk;
	bool walked;
	pthread_t walker; /* the walk from the build's commit, while the site loads */
	bool walking;
	int walk_rc;
	struct tag_info *tags;
	size_t ntags;
	struct lineage lineage;       /* of the site being built, when walked */
	struct audience_texts *texts; /* what the audience reads of old versions */
	struct withdrawals withdrawals;
	bool withdrawals_made;
	/* the old versions withdrawal reads (read_old) */
	struct doc_pool *old_docs;
	struct source_file *people_files;
	struct site *people_sites;
	size_t npeople_sites;
	const struct person **people;
	size_t *npeople;
	struct source *people_srcs;
	const struct doc **ghosts;
	struct item_keys *version_keys;
	struct item_key *memo_keys;
	size_t versions_parsed; /* of the meetings' versions, not from the memo */
	struct withdrawal_sources old;
};

/* The literal part of a glob before its first special character. */
static size_t literal_prefix(const char *pattern)
{
	return strcspn(pattern, "*?[\\");
}

/* The folder name of a version: the tag less the pattern's literal prefix,
 * '/' turned into '-'; NULL when that is not a plain name. */
static const char *slug_of(struct arena *a, const char *pattern, const char *tag)
{
	size_t lit = literal_prefix(pattern);
	const char *s = strncmp(tag, pattern, lit) == 0 && tag[lit] ? tag + lit : tag;
	char *slug = arena_strdup(a, s);
	for (char *c = slug; *c; c++) {
		if (*c == '/')
			*c = '-';
		else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			   (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_'))
			return NULL;
	}
	if (!slug[0] || slug[0] == '.')
		return NULL;
	return slug;
}

static int cmp_version(const void *x, const void *y)
{
	const struct version *a = x, *b = y;
	if (a->tag->time != b->tag->time)
		return a->tag->time < b->tag->time ? -1 : 1;
	return strcmp(a->tag->name, b->tag->name);
}

/* The walk from the build's commit, on a thread of its own: it needs only
 * the commit, so it runs while the site is parsed and checked. It opens its
 * own repository (libgit2 objects are not shared between threads) and
 * reports to the (thread-safe) diagnostics. */
static void *walker(void *arg)
{
	struct published_priv *pp = arg;
	struct repo *repo = NULL;
	const char *starts[] = {pp->src->commit};
	pp->walk_rc = -1;
	if (repo_open(&repo, pp->src->root, pp->d) == 0)
		pp->walk_rc = walk(&pp->wk, repo, pp->src->root, pp->cache, starts, 1, pp->o.verbose,
				   pp->d);
	repo_free(repo);
	return NULL;
}

int published_start(struct published *p, const struct source *src,
		    const struct published_opts *o, struct diag *d)
{
	memset(p, 0, sizeof(*p));
	struct published_priv *pp = xcalloc(1, sizeof(*pp));
	p->priv = pp;
	pp->o = *o;
	pp->src = src;
	pp->d = d;
	pp->cache = o->cache;
	if (src->mode != SOURCE_GIT)
		return 0;
	if (repo_open(&pp->repo, src->root, d) != 0)
		return -1;
	/* Walked even without history pages: old reports and versions follow
	 * renames through it to what has been withdrawn since. */
	pp->walking = pthread_create(&pp->walker, NULL, walker, pp) == 0;
	if (!pp->walking)
		walker(pp);
	pp->walked = true;
	return 0;
}

/* Waits for the walk; its result. */
static int walk_done(struct published_priv *pp)
{
	if (pp->walking) {
		pthread_join(pp->walker, NULL);
		pp->walking = false;
	}
	return pp->walked ? pp->walk_rc : 0;
}

/* The cache file of what the build's audience reads of old versions
 * (audience.c), malloc'd; NULL without a cache. */
static char *texts_path(const struct published_priv *pp)
{
	if (!cache_usable(pp->cache))
		return NULL;
	struct buf b = BUF_INIT;
	buf_printf(&b, "texts-%s", visibility_name(pp->o.audience));
	return buf_detach(&b, NULL);
}

int published_first_parents(const struct published *p, const char *start,
			    struct commit_line *out)
{
	const struct published_priv *pp = p->priv;
	size_t i;
	memset(out, 0, sizeof(*out));
	if (!pp || !pp->walked || pp->walk_rc < 0 || !idmap_get(&pp->wk.index, start, &i))
		return -1;
	const struct log *l = &pp->wk.log;
	size_t cap = 0;
	for (;;) {
		const struct log_commit *c = &l->commits[i];
		if (out->n == cap) {
			cap = cap ? cap * 2 : 1024;
			out->ids = xrealloc(out->ids, cap * sizeof(*out->ids));
			out->times = xrealloc(out->times, cap * sizeof(*out->times));
		}
		if (!id_from_hex(c->info.id, out->ids[out->n])) {
			commit_line_release(out);
			return -1;
		}
		out->times[out->n++] = c->info.time;
		if (c->nparents == 0)
			break; /* the first commit, or a shallow clone's boundary */
		i = c->parents[0];
	}
	return 0;
}

static int read_old(struct published_priv *pp, const struct site *site, struct diag *d);
static int read_people(struct published_priv *pp, struct diag *d);

int published_load(struct published *p, const struct site *site, struct diag *d)
{
	struct published_priv *pp = p->priv;
	const struct source *src = pp->src;
	const struct published_opts *o = &pp->o;
	if (walk_done(pp) < 0)
		return -1;
	if (!pp->repo) {
		/* no history: old trees' documents are matched by path */
		withdrawals_init(&pp->withdrawals, site, o->audience, NULL, NULL);
		pp->withdrawals_made = true;
		p->withdrawals = &pp->withdrawals;
		return 0;
	}

	const char *pattern = site->config.publish_tags ? site->config.publish_tags : "publish/*";
	if (o->versions && repo_tags(pp->repo, pattern, &p->arena, &pp->tags, &pp->ntags, d) < 0)
		return -1;
	p->versions = arena_alloc(&p->arena, (pp->ntags + 1) * sizeof(*p->versions));
	struct idmap slugs;
	idmap_init(&slugs, pp->ntags);
	for (size_t i = 0; i < pp->ntags; i++) {
		const struct tag_info *t = &pp->tags[i];
		const char *slug = slug_of(&p->arena, pattern, t->name);
		if (!slug) {
			diag_warning(d, nopos, "W011",
				     "tag '%s' is not published: its folder name under versions/ "
				     "would not be a plain name (letters, digits, '.', '-', '_')",
				     t->name);
			continue;
		}
		if (!idmap_put(&slugs, slug, i)) {
			diag_warning(d, nopos, "W011",
				     "tag '%s' is not published: another tag already takes the "
				     "folder versions/%s/",
				     t->name, slug);
			continue;
		}
		struct version *v = &p->versions[p->nversions++];
		memset(v, 0, sizeof(*v));
		v->tag = t;
		v->slug = slug;
		v->prev = NONE;
	}
	idmap_release(&slugs);
	if (p->nversions)
		qsort(p->versions, p->nversions, sizeof(*p->versions), cmp_version);
	for (size_t i = 0; i < p->nversions; i++)
		if (strcmp(p->versions[i].tag->commit.id, src->commit) == 0)
			p->tag = p->versions[i].tag->name; /* the newest, when several */

	/* A published version is almost always an ancestor of the build's
	 * commit, so the walk has it already; one that is not (a tag on another
	 * branch) means walking again from all of them, quickly: every commit
	 * seen once is in the cache now. */
	bool missing = false;
	for (size_t i = 0; i < p->nversions && !missing; i++)
		missing = !idmap_get(&pp->wk.index, p->versions[i].tag->commit.id, NULL);
	if (missing) {
		const char **starts = xcalloc(p->nversions + 2, sizeof(*starts));
		size_t nstarts = 0;
		starts[nstarts++] = src->commit;
		for (size_t i = 0; i < p->nversions; i++)
			starts[nstarts++] = p->versions[i].tag->commit.id;
		walked_release(&pp->wk);
		int rc = walk(&pp->wk, pp->repo, src->root, pp->cache, starts, nstarts, o->verbose,
			      d);
		free(starts);
		if (rc < 0)
			return -1;
	}
	if (o->history && pp->wk.log.shallow)
		diag_warning(d, nopos, "W010",
			     "this is a shallow clone: last-updated dates and history pages show "
			     "only the commits it has; fetch the whole history with "
			     "'git fetch --unshallow'");
	bool failed = false;
	if (o->history) {
		pp->texts = audience_texts_new(o->audience);
		char *tp = texts_path(pp);
		if (tp)
			audience_texts_read(pp->texts, pp->cache, tp);
		free(tp);
	}
	p->current = site_history(&pp->wk, src->commit, site, &pp->lineage, pp->texts, pp->repo,
				  &failed, d);
	if (!o->history) {
		history_free(p->current); /* walked for the lineage alone */
		p->current = NULL;
	}
	struct timespec r0, r1;
	clock_gettime(CLOCK_MONOTONIC, &r0); /* for --verbose */
	if (pp->lineage.site && read_old(pp, site, d) < 0)
		failed = true;
	clock_gettime(CLOCK_MONOTONIC, &r1);
	if (o->verbose && pp->lineage.site)
		fprintf(stderr,
			"plansite: withdrawal: %zu deleted documents, %zu meeting versions (%zu "
			"read), %zu people versions (%.2f s)\n",
			pp->lineage.nghosts, pp->lineage.nversions, pp->versions_parsed,
			pp->lineage.npeople,
			(double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) / 1e9);
	withdrawals_init(&pp->withdrawals, site, o->audience,
			 pp->lineage.site ? &pp->lineage : NULL, pp->lineage.site ? &pp->old : NULL);
	pp->withdrawals_made = true;
	p->withdrawals = &pp->withdrawals;
	if (o->verbose && pp->texts)
		fprintf(stderr, "plansite: history: %zu old versions read for the %s audience\n",
			audience_texts_parsed(pp->texts), visibility_name(o->audience));
	return failed ? -1 : 0;
}

/* ------------------------------------------- old meetings' items */

/*
 * What withdrawal reads of each old version of a meeting (a file: path and
 * blob), its items' keys and who may see each, kept in the cache so that a
 * version is read from git and parsed once: after a first line naming the
 * format and plansite, a line "<blob> <keys> <path>" for each, where keys
 * is "-" (the version does not parse), "." (no items), or for each item 16
 * hex digits of its key and a digit of its visibility. Anything unexpected
 * makes the whole file ignored.
 */
static const char *const items_magic = "plansite-items 1";

struct memo_entry {
	const char *path; /* NULL: an empty slot */
	unsigned char blob[20];
	size_t off, n;    /* in keys */
	bool ok;
};

struct item_memo {
	struct memo_entry *v; /* open addressing, cap a power of two */
	size_t n, cap;
	struct item_key *keys;
	size_t nkeys, capkeys;
	struct arena arena; /* the paths */
	bool dirty;
};

static size_t memo_slot(const struct item_memo *m, const char *path, const unsigned char blob[20])
{
	uint64_t h;
	memcpy(&h, blob, sizeof(h));
	size_t i = (size_t)(h ^ hash_bytes(path, strlen(path))) & (m->cap - 1);
	while (m->v[i].path && (memcmp(m->v[i].blob, blob, 20) != 0 || strcmp(m->v[i].path, path)))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static const struct memo_entry *memo_find(const struct item_memo *m, const char *path,
					  const unsigned char blob[20])
{
	if (!m->cap)
		return NULL;
	const struct memo_entry *e = &m->v[memo_slot(m, path, blob)];
	return e->path ? e : NULL;
}

/* Adds a version with the keys v[0..n) (ok false: it does not parse). */
static void memo_put(struct item_memo *m, const char *path, const unsigned char blob[20],
		     const struct item_key *v, size_t n, bool ok)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct memo_entry *old = m->v;
		size_t oldcap = m->cap;
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].path)
				m->v[memo_slot(m, old[i].path, old[i].blob)] = old[i];
		free(old);
	}
	if (m->nkeys + n > m->capkeys) {
		while (m->nkeys + n > m->capkeys)
			m->capkeys = m->capkeys ? m->capkeys * 2 : 1024;
		m->keys = xrealloc(m->keys, m->capkeys * sizeof(*m->keys));
	}
	if (n)
		memcpy(m->keys + m->nkeys, v, n * sizeof(*v));
	struct memo_entry *e = &m->v[memo_slot(m, path, blob)];
	*e = (struct memo_entry){arena_strdup(&m->arena, path), {0}, m->nkeys, n, ok};
	memcpy(e->blob, blob, 20);
	m->nkeys += n;
	m->n++;
}

static void memo_release(struct item_memo *m)
{
	free(m->v);
	free(m->keys);
	arena_release(&m->arena);
	memset(m, 0, sizeof(*m));
}

static void memo_head(struct buf *b, const struct cache *c)
{
	buf_printf(b, "%s %s\n", items_magic, c->plansite);
}

/* Takes the line [p, nl) into m (when take), or only checks it. */
static bool memo_line(struct item_memo *m, char *p, char *nl, bool take, struct buf *keys)
{
	unsigned char blob[20];
	if (nl - p < 41 + 2 + 1 || p[40] != ' ')
		return false;
	p[40] = '\0';
	bool id_ok = id_from_hex(p, blob);
	p[40] = ' ';
	char *q = p + 41, *sp = memchr(q, ' ', (size_t)(nl - q));
	if (!id_ok || !sp || sp + 1 >= nl)
		return false;
	bool ok = !(sp - q == 1 && *q == '-');
	size_t n = 0;
	buf_truncate(keys, 0);
	if (ok && !(sp - q == 1 && *q == '.')) {
		if ((sp - q) % 17)
			return false;
		for (char *k = q; k < sp; k += 17) {
			char hex[17];
			memcpy(hex, k, 16);
			hex[16] = '\0';
			char *e;
			struct item_key ik;
			ik.key = strtoull(hex, &e, 16);
			if (*e || k[16] < '0' || k[16] > '2')
				return false;
			ik.vis = (enum visibility)(k[16] - '0');
			buf_put(keys, &ik, sizeof(ik));
			n++;
		}
	}
	if (take) {
		char save = *nl;
		*nl = '\0';
		if (!memo_find(m, sp + 1, blob))
			memo_put(m, sp + 1, blob, (const struct item_key *)keys->ptr, n, ok);
		*nl = save;
	}
	return true;
}

static void memo_read(struct item_memo *m, const struct cache *c, const char *rel)
{
	struct buf b = BUF_INIT, head = BUF_INIT, keys = BUF_INIT;
	if (!cache_read(c, rel, &b))
		goto out;
	memo_head(&head, c);
	if (b.len < head.len || memcmp(b.ptr, head.ptr, head.len) != 0)
		goto out;
	/* checked whole before anything is taken */
	for (int pass = 0; pass < 2; pass++)
		for (char *p = b.ptr + head.len, *end = b.ptr + b.len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl || !memo_line(m, p, nl, pass == 1, &keys))
				goto out;
			p = nl + 1;
		}
out:
	buf_release(&b);
	buf_release(&head);
	buf_release(&keys);
}

static void memo_write(struct item_memo *m, const struct cache *c, const char *rel)
{
	if (!m->dirty)
		return;
	struct buf b = BUF_INIT;
	memo_head(&b, c);
	for (size_t i = 0; i < m->cap; i++) {
		const struct memo_entry *e = &m->v[i];
		if (!e->path || strpbrk(e->path, "\n\r"))
			continue;
		char hex[41];
		id_to_hex(e->blob, hex);
		buf_put(&b, hex, 40);
		buf_putc(&b, ' ');
		if (!e->ok)
			buf_putc(&b, '-');
		else if (!e->n)
			buf_putc(&b, '.');
		for (size_t k = 0; e->ok && k < e->n; k++)
			buf_printf(&b, "%016llx%d", (unsigned long long)m->keys[e->off + k].key,
				   (int)m->keys[e->off + k].vis);
		buf_putc(&b, ' ');
		buf_puts(&b, e->path);
		buf_putc(&b, '\n');
	}
	cache_write(c, rel, b.ptr, b.len); /* failing to keep it costs time only */
	m->dirty = false;
	buf_release(&b);
}

/*
 * Reads what withdrawal needs of the versions the tree being built no
 * longer shows, as the walk found them (pp->lineage): each ghost's last
 * version, parsed for its data alone into a pool; the items of every
 * version of each meeting, from the cache's memo, else read from git and
 * parsed (today's own files are seeded, not parsed again); and each
 * version of the people file. Returns 0, or -1 after reporting a failure
 * to read.
 */
static int read_old(struct published_priv *pp, const struct site *site, struct diag *d)
{
	const struct lineage *l = &pp->lineage;
	bool usable = cache_usable(pp->cache);
	struct item_memo memo = {0};
	int rc = -1;
	if (usable)
		memo_read(&memo, pp->cache, "items");
	pp->old_docs = doc_pool_new();
	doc_pool_seed(pp->old_docs, site);
	size_t n = l->nghosts + l->nversions, nwant = 0;
	struct source_file *want = xcalloc(n + 1, sizeof(*want));
	for (size_t i = 0; i < n; i++) {
		const struct lineage_version *v =
			i < l->nghosts ? &l->ghosts[i] : &l->versions[i - l->nghosts];
		if (i >= l->nghosts && memo_find(&memo, v->path, v->blob))
			continue;
		want[nwant].path = (char *)v->path;
		memcpy(want[nwant].oid, v->blob, 20);
		want[nwant++].has_oid = true;
	}
	int read = doc_pool_read(pp->old_docs, pp->repo, want, nwant, d);
	free(want);
	if (read < 0)
		goto out;
	const struct doc **ghosts = xcalloc(l->nghosts + 1, sizeof(*ghosts));
	for (size_t g = 0; g < l->nghosts; g++)
		ghosts[g] = doc_pool_doc(pp->old_docs, l->ghosts[g].path, l->ghosts[g].blob);
	pp->ghosts = ghosts;
	pp->old.ghosts = ghosts;
	struct item_key *tmp = NULL;
	size_t captmp = 0;
	for (size_t i = 0; i < l->nversions; i++) {
		const struct lineage_version *v = &l->versions[i];
		if (memo_find(&memo, v->path, v->blob))
			continue;
		const struct doc *doc = doc_pool_doc(pp->old_docs, v->path, v->blob);
		bool ok = doc && doc->ok && doc->kind == DOC_MEETING;
		size_t nk = 0;
		if (ok) {
			const struct meeting *m = (const struct meeting *)doc;
			if (m->nactions + m->ndecisions + 1 > captmp) {
				captmp = m->nactions + m->ndecisions + 1;
				tmp = xrealloc(tmp, captmp * sizeof(*tmp));
			}
			nk = withdrawal_item_keys(m, tmp);
		}
		memo_put(&memo, v->path, v->blob, tmp, nk, ok);
		memo.dirty = true;
		pp->versions_parsed++;
	}
	free(tmp);
	pp->version_keys = xcalloc(l->nversions + 1, sizeof(*pp->version_keys));
	pp->memo_keys = memo.keys; /* the versions' keys point into it */
	for (size_t i = 0; i < l->nversions; i++) {
		const struct memo_entry *e = memo_find(&memo, l->versions[i].path, l->versions[i].blob);
		pp->version_keys[i] = (struct item_keys){memo.keys + e->off, e->n, e->ok};
	}
	pp->old.versions = pp->version_keys;
	if (usable)
		memo_write(&memo, pp->cache, "items");
	memo.keys = NULL;
	rc = l->npeople ? read_people(pp, d) : 0;
out:
	memo_release(&memo);
	return rc;
}

/* Each version of the people file the walk found, loaded alone. */
static int read_people(struct published_priv *pp, struct diag *d)
{
	const struct lineage *l = &pp->lineage;
	size_t np = l->npeople;
	pp->people_files = xcalloc(np + 1, sizeof(*pp->people_files));
	for (size_t i = 0; i < np; i++) {
		pp->people_files[i].path = (char *)l->people[i].path;
		memcpy(pp->people_files[i].oid, l->people[i].blob, 20);
		pp->people_files[i].has_oid = true;
	}
	if (repo_read_blobs(pp->repo, pp->people_files, np, d) < 0)
		return -1;
	pp->people_sites = xcalloc(np + 1, sizeof(*pp->people_sites));
	pp->people = xcalloc(np + 1, sizeof(*pp->people));
	pp->npeople = xcalloc(np + 1, sizeof(*pp->npeople));
	pp->people_srcs = xcalloc(np + 1, sizeof(*pp->people_srcs));
	struct diag quiet;
	diag_init(&quiet, DIAG_TEXT);
	for (size_t i = 0; i < np; i++) {
		struct source *src = &pp->people_srcs[i];
		src->files = &pp->people_files[i];
		src->n = 1;
		src->mode = SOURCE_GIT;
		pp->people_sites[i].no_bodies = true;
		site_load(&pp->people_sites[i], src, &quiet);
		pp->people[i] = pp->people_sites[i].people;
		pp->npeople[i] = pp->people_sites[i].npeople;
	}
	pp->npeople_sites = np;
	diag_release(&quiet);
	pp->old.people = pp->people;
	pp->old.npeople = pp->npeople;
	pp->old.nversions = np;
	return 0;
}

static void old_release(struct published_priv *pp)
{
	doc_pool_free(pp->old_docs);
	for (size_t i = 0; i < pp->npeople_sites; i++)
		site_release(&pp->people_sites[i]);
	for (size_t i = 0; pp->people_files && pp->people_files[i].path; i++)
		free(pp->people_files[i].data);
	free(pp->people_files);
	free(pp->people_sites);
	free(pp->people_srcs);
	free(pp->people);
	free(pp->npeople);
	free(pp->ghosts);
	free(pp->version_keys);
	free(pp->memo_keys);
}

/* A site read from a commit and loaded. */
struct loaded {
	struct source src;
	struct site site;
	struct diag d;
	bool on;
};

static void loaded_release(struct loaded *l)
{
	if (!l->on)
		return;
	site_release(&l->site);
	source_release(&l->src);
	diag_release(&l->d);
	memset(l, 0, sizeof(*l));
}

/* Reads and loads the site at commit id, checking it when check is set.
 * Returns 0 (see l->d.errors for content errors), or -1 when the site could
 * not be read at all (no site.yaml in that tree, or a git failure: the
 * reason is in l->d). */
static int load_commit(struct loaded *l, const char *root, const struct commit_info *c, bool check)
{
	memset(l, 0, sizeof(*l));
	diag_init(&l->d, DIAG_TEXT);
	l->on = true;
	struct source_opts so = {c->id, false};
	if (source_open(&l->src, root, &so, &l->d) < 0)
		return -1;
	l->site.today = date_from_unix(c->time, c->offset);
	site_load(&l->site, &l->src, &l->d);
	if (check)
		site_validate(&l->site, &l->d);
	return 0;
}

/* "content/projects/copd.md:6: unknown person ..." for the first error. */
static char *first_error(struct diag *d)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		const struct finding *f = &d->items[i];
		if (f->severity != DIAG_ERROR)
			continue;
		if (f->pos.file)
			buf_printf(&b, "%s:%u: ", f->pos.file, (unsigned)f->pos.line);
		buf_printf(&b, "%s [%s]", f->message, f->code);
		break;
	}
	return buf_detach(&b, NULL);
}

/* The cache key of a version's output: everything it depends on. */
static void version_key(struct buf *key, const struct published *p, const struct version *v,
			const struct theme *theme)
{
	const struct published_priv *pp = p->priv;
	const struct version *prev = v->prev == NONE ? NULL : &p->versions[v->prev];
	bool history = pp->o.history && pp->walked;
	buf_printf(key,
		   "plansite %s\ntheme %016llx\naudience %s\nhistory %d\nsite %s\n"
		   "tag %s %s\ncommit %s\nslug %s\nprev %s %s\n",
		   pp->cache->plansite, (unsigned long long)theme->hash,
		   visibility_name(pp->o.audience), history, repo_prefix(pp->repo), v->tag->name,
		   v->tag->object, v->tag->commit.id, v->slug, prev ? prev->tag->commit.id : "-",
		   prev ? prev->slug : "-");
	/* the history there is: a shallow clone deepened has more */
	if (history)
		repo_shallow_key(pp->repo, key);
	/* what has been withdrawn since, from the version and from the one its
	 * changes/ page compares it with */
	buf_printf(key, "withdrawn %016llx %016llx\n",
		   (unsigned long long)withdrawals_fingerprint(p->withdrawals, v->tag->commit.id),
		   (unsigned long long)(prev ? withdrawals_fingerprint(p->withdrawals,
								       prev->tag->commit.id)
					     : 0));
}

/* The path in the cache of a file or folder named by a hash of text:
 * "<folder>/<prefix><16 hex digits>". */
static char *cache_path(const char *folder, const char *prefix, const char *text)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s%016llx", folder, prefix,
		   (unsigned long long)hash_bytes(text, strlen(text)));
	return buf_detach(&b, NULL);
}

/*
 * A version's entry: the folder rel holds its output and .plansite-key,
 * written last, holds the key, a line "--" and the manifest of the folder
 * (cache_manifest: every file's size and hash). The entry is the open
 * folder (>= 0) when its key is key and the folder is, file for file, as
 * its manifest says; -1 otherwise (missing, made for another key, or a
 * file missing, emptied, cut short or changed: made again).
 */
static int cached_for(const struct cache *c, const char *rel, const char *key)
{
	struct buf b = BUF_INIT, path = BUF_INIT, now = BUF_INIT;
	int fd = cache_open_folder(c, rel); /* first: a folder moved away meanwhile stays readable */
	buf_printf(&path, "%s/.plansite-key", rel);
	size_t n = strlen(key);
	bool ok = fd >= 0 && cache_read(c, path.ptr, &b) && b.len > n && memcmp(b.ptr, key, n) == 0 &&
		  strncmp(b.ptr + n, "--\n", 3) == 0 && cache_manifest(c, rel, &now) == 0 &&
		  strcmp(b.ptr + n + 3, now.ptr) == 0;
	if (!ok && fd >= 0) {
		close(fd);
		fd = -1;
	}
	buf_release(&b);
	buf_release(&path);
	buf_release(&now);
	return fd;
}

/* The line of a cache key that starts with name, e.g. "slug ". */
static bool key_line(const char *key, const char *name, struct buf *out)
{
	size_t n = strlen(name);
	for (const char *p = key; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0) {
			buf_put(out, p, strcspn(p, "\n"));
			return true;
		}
	return false;
}

/*
 * Moves aside (cache_trash) the cached outputs of the same version,
 * audience and site as key other than keep: those of an earlier theme or
 * plansite, which no build of this one will use again. Keeps the cache to
 * one entry per version and audience.
 */
static void prune_versions(const struct cache *c, const char *key, const char *keep)
{
	struct buf dir = BUF_INIT, path = BUF_INIT, other = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	key_line(key, "slug ", &want);
	key_line(key, "audience ", &want);
	key_line(key, "site ", &want);
	DIR *d = cache_folder_path(c, "versions", &dir) == 0 ? opendir(dir.ptr) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "v-", 2) != 0)
			continue;
		buf_truncate(&path, 0);
		buf_printf(&path, "versions/%s", e->d_name);
		if (strcmp(path.ptr, keep) == 0)
			continue;
		buf_truncate(&other, 0);
		buf_truncate(&got, 0);
		buf_puts(&path, "/.plansite-key");
		if (!cache_read(c, path.ptr, &other))
			continue; /* being written by another build, or not ours */
		key_line(other.ptr, "slug ", &got);
		key_line(other.ptr, "audience ", &got);
		key_line(other.ptr, "site ", &got);
		if (strcmp(got.ptr, want.ptr) == 0) {
			buf_truncate(&path, path.len - strlen("/.plansite-key"));
			cache_trash(c, path.ptr);
		}
	}
	if (d)
		closedir(d);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&other);
	buf_release(&want);
	buf_release(&got);
}

/*
 * Renders version v of the loaded site cur into the cache entry rel (in
 * the folder versions, whose absolute path is dir), for key: into a
 * folder of this build's own, then its manifest, then renamed into place
 * in one step, so that no build ever sees an entry half made. When
 * another build put a good one there first, that one is kept. Returns the
 * entry, open (cached_for), or -1 after reporting.
 */
static int render_version(struct published *p, const struct version *v, struct loaded *cur,
			  struct loaded *prev, const struct theme *theme, const char *rel,
			  const char *dir, const char *key, struct diag *d)
{
	struct published_priv *pp = p->priv;
	const struct cache *c = pp->cache;
	struct changes ch;
	struct history *h = NULL;
	struct writer *w = NULL;
	struct guard *gd = NULL;
	struct buf tmp = BUF_INIT, abs = BUF_INIT, text = BUF_INIT, kpath = BUF_INIT;
	int rc = -1;
	const char *name = strrchr(rel, '/') + 1;
	buf_printf(&tmp, "versions/new-%ld-%s", (long)getpid(), name);
	buf_printf(&abs, "%s/new-%ld-%s", dir, (long)getpid(), name);
	cache_trash(c, tmp.ptr); /* a killed build's, whose pid this one has */

	memset(&ch, 0, sizeof(ch));
	if (prev && prev->on)
		changes_compute(&ch, &prev->site, &cur->site);
	bool failed = false;
	if (pp->o.history && pp->walked)
		h = site_history(&pp->wk, v->tag->commit.id, &cur->site, NULL, pp->texts, pp->repo,
				 &failed, d);
	if (failed)
		goto out;
	struct render_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.audience = pp->o.audience;
	ro.history = h;
	ro.tag = v->tag->name;
	ro.archive = v;
	ro.changes = prev && prev->on ? &ch : NULL;
	ro.prev_slug = v->prev == NONE ? NULL : p->versions[v->prev].slug;
	/* the version is guarded as its own output: the text its tree, as
	 * narrowed by what has been withdrawn since, hides (E030) */
	gd = guard_new(pp->o.audience);
	guard_add_site(gd, &cur->site);
	w = writer_open(abs.ptr, d);
	writer_set_guard(w, gd);
	if (render_site_opts(&cur->site, theme, &ro, w, d) < 0 || writer_commit(w) < 0)
		goto out;
	buf_printf(&text, "%s--\n", key);
	buf_printf(&kpath, "%s/.plansite-key", tmp.ptr);
	if (cache_manifest(c, tmp.ptr, &text) < 0 ||
	    cache_write(c, kpath.ptr, text.ptr, text.len) < 0) {
		diag_error(d, nopos, "E026", "cannot keep version '%s' in the cache at '%s': %s",
			   v->tag->name, abs.ptr, strerror(errno));
		goto out;
	}
	/* into place; what is there (made for another key, damaged, or just
	 * made by another build) moved aside unless it is good */
	for (int tries = 0; rc < 0 && tries < 3; tries++) {
		if (renameat(c->dfd, tmp.ptr, c->dfd, rel) == 0) {
			rc = cached_for(c, rel, key);
			continue;
		}
		if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR && errno != EISDIR)
			break;
		if ((rc = cached_for(c, rel, key)) >= 0)
			cache_trash(c, tmp.ptr); /* another build's is as good */
		else if (cache_trash(c, rel) < 0)
			break;
	}
	if (rc < 0) {
		diag_error(d, nopos, "E026", "cannot keep version '%s' in the cache at '%s/%s': %s",
			   v->tag->name, dir, name, strerror(errno));
		cache_trash(c, tmp.ptr);
		goto out;
	}
	prune_versions(c, key, rel);
out:
	writer_free(w);
	guard_free(gd);
	history_free(h);
	changes_release(&ch);
	buf_release(&tmp);
	buf_release(&abs);
	buf_release(&text);
	buf_release(&kpath);
	return rc;
}

int published_write(struct published *p, const struct theme *theme, struct writer *w,
		    struct diag *d)
{
	struct published_priv *pp = p->priv;
	struct loaded cur = {0}, prev = {0};
	struct buf key = BUF_INIT, rel = BUF_INIT, dir = BUF_INIT;
	char *entry = NULL, *mark = NULL;
	size_t prev_ok = NONE;
	int rc = -1, efd = -1;

	if (!pp->repo || !p->nversions)
		return 0;
	if (cache_folder_path(pp->cache, "versions", &dir) < 0) {
		diag_error(d, nopos, "E026",
			   "published versions need a cache folder (%s); use --no-versions or "
			   "--cache DIR",
			   strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < p->nversions; i++) {
		struct version *v = &p->versions[i];
		const struct tag_info *t = v->tag;
		free(mark);
		free(entry);
		entry = NULL;
		/* Did its content fail check under this plansite before? */
		struct buf mk = BUF_INIT;
		buf_printf(&mk, "%s %s %s", pp->cache->plansite, repo_prefix(pp->repo), t->commit.id);
		mark = cache_path("checks", "c-", mk.ptr);
		buf_release(&mk);
		struct buf why = BUF_INIT;
		if (cache_read(pp->cache, mark, &why)) {
			diag_warning(d, nopos, "W011",
				     "version '%s' is left out: its content fails check (%s)", t->name,
				     why.ptr);
			buf_release(&why);
			continue;
		}
		buf_release(&why);
		v->prev = prev_ok;
		buf_truncate(&key, 0);
		version_key(&key, p, v, theme);
		entry = cache_path("versions", "v-", key.ptr);
		if ((efd = cached_for(pp->cache, entry, key.ptr)) < 0) {
			loaded_release(&cur);
			if (load_commit(&cur, pp->src->root, &t->commit, true) < 0) {
				/* not a content error: not remembered in the cache */
				char *msg = first_error(&cur.d);
				diag_warning(d, nopos, "W011",
					     "version '%s' is left out: its site cannot be read (%s)",
					     t->name, msg);
				free(msg);
				loaded_release(&cur);
				p->incomplete = true; /* a one-off failure: the build is not kept */
				continue;
			}
			if (cur.d.errors) {
				char *msg = first_error(&cur.d);
				diag_warning(d, nopos, "W011",
					     "version '%s' is left out: its content fails check (%s)",
					     t->name, msg);
				cache_write(pp->cache, mark, msg, strlen(msg));
				free(msg);
				loaded_release(&cur);
				continue;
			}
			/* checked as it was; published as it may still be seen */
			withdrawals_apply(p->withdrawals, t->commit.id, &cur.site);
			if (prev_ok != NONE && !prev.on) {
				const struct commit_info *pc = &p->versions[prev_ok].tag->commit;
				if (load_commit(&prev, pp->src->root, pc, false) < 0) {
					char *msg = first_error(&prev.d);
					diag_error(d, nopos, "E026", "cannot read version '%s' again: %s",
						   p->versions[prev_ok].tag->name, msg);
					free(msg);
					goto out;
				}
				withdrawals_apply(p->withdrawals, pc->id, &prev.site);
			}
			efd = render_version(p, v, &cur, prev_ok != NONE ? &prev : NULL, theme, entry,
					     dir.ptr, key.ptr, d);
			if (efd < 0)
				goto out;
			if (pp->o.verbose)
				fprintf(stderr, "plansite: version %s: rendered into the cache\n",
					t->name);
			loaded_release(&prev);
			prev = cur; /* keep it for the next version's comparison */
			prev.site.src = &prev.src;
			memset(&cur, 0, sizeof(cur));
		} else {
			v->cached = true;
			if (pp->o.verbose)
				fprintf(stderr, "plansite: version %s: taken from the cache\n", t->name);
			loaded_release(&prev);
		}
		buf_truncate(&rel, 0);
		buf_printf(&rel, "versions/%s", v->slug);
		int linked = writer_link(w, rel.ptr, efd); /* takes efd */
		efd = -1;
		if (linked < 0)
			goto out;
		v->ok = true;
		prev_ok = i;
	}
	rc = 0;
out:
	if (efd >= 0)
		close(efd);
	loaded_release(&cur);
	loaded_release(&prev);
	free(entry);
	free(mark);
	buf_release(&key);
	buf_release(&rel);
	buf_release(&dir);
	return rc;
}

void published_release(struct published *p)
{
	struct published_priv *pp = p->priv;
	if (pp) {
		walk_done(pp);
		history_free(p->current);
		if (pp->withdrawals_made)
			withdrawals_release(&pp->withdrawals);
		lineage_release(&pp->lineage);
		old_release(pp);
		char *tp = pp->texts ? texts_path(pp) : NULL;
		if (tp)
			audience_texts_write(pp->texts, pp->cache, tp);
		free(tp);
		audience_texts_free(pp->texts);
		if (pp->walked)
			walked_release(&pp->wk);
		repo_free(pp->repo);
		free(pp);
	}
	arena_release(&p->arena);
	memset(p, 0, sizeof(*p));
}
