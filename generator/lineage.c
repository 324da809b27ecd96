/*
 * lineage.c: where the documents of the tree being built were in older
 * commits, as the history walk (history.c's attribution) followed them:
 * the walk's adds and renames kept as events, indexed by path (which
 * document a path held at a commit) and by document (which path it had).
 * Withdrawal matches old trees' documents with today's through it.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

void lineage_add(struct lineage_event **v, size_t *n, size_t *cap,
			 struct lineage_event e)
{
	GROW_FROM(*v, *n, *cap, 256);
	(*v)[(*n)++] = e;
}

void lineage_add_version(struct lineage_version **v, size_t *n, size_t *cap,
			 struct lineage_version e)
{
	GROW_FROM(*v, *n, *cap, 64);
	(*v)[(*n)++] = e;
}

static int cmp_event_path(const void *x, const void *y)
{
	const struct lineage_event *a = x, *b = y;
	int c = strcmp(a->path, b->path);
	return c ? c : (a->commit > b->commit) - (a->commit < b->commit);
}

static int cmp_event_doc(const void *x, const void *y)
{
	const struct lineage_event *a = x, *b = y;
	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	return (a->commit > b->commit) - (a->commit < b->commit);
}

void lineage_finish(struct lineage *l, const struct site *site, const struct idmap *points,
			   struct lineage_event *by_doc, size_t nby_doc)
{
	l->site = site;
	l->points = points;
	l->by_path = xcalloc(l->nevents + 1, sizeof(*l->by_path));
	if (l->nevents)
		memcpy(l->by_path, l->events, l->nevents * sizeof(*l->by_path));
	qsort(l->by_path, l->nevents, sizeof(*l->by_path), cmp_event_path);
	idmap_init(&l->paths, l->nevents);
	for (size_t i = 0; i < l->nevents; i++)
		if (i == 0 || strcmp(l->by_path[i - 1].path, l->by_path[i].path) != 0)
			idmap_put(&l->paths, l->by_path[i].path, i);
	if (nby_doc)
		qsort(by_doc, nby_doc, sizeof(*by_doc), cmp_event_doc);
	l->by_doc = by_doc ? by_doc : xcalloc(1, sizeof(*by_doc));
	l->ndocs = site->ndocs;
	size_t all = site->ndocs + l->nghosts;
	l->doc_first = xcalloc(all + 2, sizeof(*l->doc_first));
	for (size_t d = 0, k = 0; d <= all; d++) {
		while (k < nby_doc && by_doc[k].doc < d)
			k++;
		l->doc_first[d] = k;
	}
}

void lineage_release(struct lineage *l)
{
	if (l->site)
		idmap_release(&l->paths);
	free(l->events);
	free(l->by_path);
	free(l->by_doc);
	free(l->doc_first);
	free(l->ghosts);
	free(l->versions);
	free(l->people);
	memset(l, 0, sizeof(*l));
}

size_t lineage_point(const struct lineage *l, const char *commit)
{
	size_t i;
	return l && commit && idmap_get(l->points, commit, &i) ? i : NONE;
}

/* The last of the n events from v (in commit order) before point, or NULL. */
static const struct lineage_event *last_before(const struct lineage_event *v, size_t n,
					       size_t point)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].commit < point)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &v[lo - 1] : NULL;
}

size_t lineage_doc(const struct lineage *l, size_t point, const char *path)
{
	size_t first;
	if (point == NONE || !idmap_get(&l->paths, path, &first))
		return site_doc_index(l->site, path);
	size_t n = 0;
	while (first + n < l->nevents && strcmp(l->by_path[first + n].path, path) == 0)
		n++;
	const struct lineage_event *e = last_before(l->by_path + first, n, point);
	return e ? e->doc : site_doc_index(l->site, path);
}

const char *lineage_path(const struct lineage *l, size_t doc, size_t point)
{
	const struct lineage_event *v = l->by_doc + l->doc_first[doc];
	const struct lineage_event *e =
		last_before(v, l->doc_first[doc + 1] - l->doc_first[doc], point);
	if (e)
		return e->path;
	return doc < l->ndocs ? l->site->docs[doc]->path : NULL; /* a ghost is gone by then */
}

const struct lineage_event *lineage_between(const struct lineage *l, size_t p1, size_t p2,
					    size_t *n)
{
	*n = 0;
	if (!l)
		return NULL;
	if (p1 == NONE || p2 == NONE) {
		*n = l->nevents; /* the states differ by anything */
		return l->events;
	}
	size_t lo = p1 < p2 ? p1 : p2, hi = p1 < p2 ? p2 : p1;
	const struct lineage_event *a = last_before(l->events, l->nevents, lo);
	const struct lineage_event *b = last_before(l->events, l->nevents, hi);
	size_t ia = a ? (size_t)(a - l->events) + 1 : 0, ib = b ? (size_t)(b - l->events) + 1 : 0;
	*n = ib - ia;
	return l->events + ia;
}
