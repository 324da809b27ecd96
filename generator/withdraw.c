/*
 * withdraw.c: withdrawal. A document or an item appears in a build only
 * when the build's audience may see it both in the tree its data comes from
 * (a month's end, a published version's tag) and in the last version that
 * has it: the tree being built, or, for what that tree no longer has, the
 * version it went from. So a mistake published once is taken back
 * everywhere by marking it hidden now, and deleting it afterwards (or
 * rewording a hidden decision) does not publish it again; deleting what was
 * shown is not withdrawing it. The rule lives here, once: the withdrawals
 * view is made from the tree being built and the old versions the history
 * walk found (lineage.c: the ghosts of deleted documents, every version of
 * each meeting and of the people file), and each kind of old tree goes
 * through it in one place (withdrawals_apply for a version's site, loaded
 * whole; withdrawals_record for the records a month's data is made of,
 * shared by many months).
 *
 * Matching: documents by path at the old tree's commit, following renames
 * as the history walk does; actions by meeting and id; decisions by
 * meeting and text; people by id. A version that does not parse says
 * nothing (the next older one decides); a ghost whose last version cannot
 * be read is hidden.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* The wider of two visibilities: what is hidden from either is hidden. */
static enum visibility narrowest(enum visibility a, enum visibility b)
{
	return a > b ? a : b;
}

static size_t ndocs_all(const struct withdrawals *w)
{
	return w->site->ndocs + (w->lineage ? w->lineage->nghosts : 0);
}

/* Document k of the lineage: today's, or a ghost's last version (NULL). */
static const struct doc *doc_of(const struct withdrawals *w, size_t k)
{
	return k < w->site->ndocs ? w->site->docs[k] : w->ghosts[k - w->site->ndocs];
}

/* Who may see document k as its last version says. */
static enum visibility doc_vis(const struct withdrawals *w, size_t k)
{
	const struct doc *d = doc_of(w, k);
	if (k < w->site->ndocs)
		return d->vis;
	return d && d->ok ? d->vis : VIS_CONFIDENTIAL;
}

/* ---------------------------------------------- the deciding version */

/* A small open-addressing set of keys, each with the version that decided
 * it (gen + 1). */
struct seen {
	uint64_t *keys;
	size_t *gens;
	size_t n, cap;
};

static size_t *seen_slot(struct seen *s, uint64_t key)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct seen t = {NULL, NULL, 0, s->cap ? s->cap * 2 : 64};
		t.keys = xcalloc(t.cap, sizeof(*t.keys));
		t.gens = xcalloc(t.cap, sizeof(*t.gens));
		for (size_t i = 0; i < s->cap; i++)
			if (s->gens[i])
				*seen_slot(&t, s->keys[i]) = s->gens[i];
		free(s->keys);
		free(s->gens);
		*s = t;
	}
	size_t i = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 7) & (s->cap - 1);
	while (s->gens[i] && s->keys[i] != key)
		i = (i + 1) & (s->cap - 1);
	if (!s->gens[i]) {
		s->keys[i] = key;
		s->n++;
	}
	return &s->gens[i];
}

/* Whether an entry with key, in version gen (0 the last, then older),
 * decides who may see its key: no newer version had the key. Every entry
 * of the deciding version does (two alike: the narrowest counts). */
static bool decides(struct seen *s, uint64_t key, size_t gen)
{
	size_t *g = seen_slot(s, key);
	if (*g && *g != gen + 1)
		return false;
	*g = gen + 1;
	return true;
}

static void seen_release(struct seen *s)
{
	free(s->keys);
	free(s->gens);
}

/* ------------------------------------------------------------- people */

/* Takes the people of one version (gen: 0 today, then older): each id
 * this version decides gets its visibility here. */
static void people_version(struct withdrawals *w, struct seen *seen, size_t *cap, size_t gen,
			   const struct person *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k;
		if (!v[i].id || !decides(seen, hash64(v[i].id, strlen(v[i].id), 0), gen) ||
		    vis_shown(v[i].vis, w->audience))
			continue;
		if (idmap_get(&w->people_ids, v[i].id, &k)) {
			w->people[k].vis = narrowest(w->people[k].vis, v[i].vis);
			continue;
		}
		GROW_FROM(w->people, w->npeople, *cap, 16);
		const char *id = arena_strdup(&w->arena, v[i].id);
		w->people[w->npeople] = (struct withdrawn_person){id, v[i].vis};
		idmap_put(&w->people_ids, id, w->npeople++);
	}
}

/* -------------------------------------------------------------- items */

uint64_t withdrawal_item_key(bool decision, int id, const char *text)
{
	/* two seeds: an action's id and a decision's text never meet */
	if (decision)
		return hash64(text ? text : "", text ? strlen(text) : 0, 0x6974656d64656331ULL);
	return hash64(&id, sizeof(id), 0x6974656d61637431ULL);
}

size_t withdrawal_item_keys(const struct meeting *m, struct item_key *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nactions; i++)
		out[n++] = (struct item_key){withdrawal_item_key(false, m->actions[i].id, NULL),
					     m->actions[i].vis};
	for (size_t i = 0; i < m->ndecisions; i++)
		if (m->decisions[i].text)
			out[n++] = (struct item_key){
				withdrawal_item_key(true, 0, m->decisions[i].text),
				m->decisions[i].vis};
	return n;
}

/* One version of meeting k (gen: 0 its last, then older): each key not met
 * in a newer version gets its visibility here, the narrowest of its
 * entries in this version (two alike, one hidden: hidden). */
static void items_version(struct withdrawals *w, struct seen *seen, size_t *cap, size_t k,
			  size_t gen, const struct item_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!decides(seen, v[i].key, gen) || vis_shown(v[i].vis, w->audience))
			continue;
		size_t j = w->item_first[k];
		while (j < w->nitems && w->items[j].k.key != v[i].key)
			j++;
		if (j < w->nitems) {
			w->items[j].k.vis = narrowest(w->items[j].k.vis, v[i].vis);
			continue;
		}
		GROW_FROM(w->items, w->nitems, *cap, 16);
		w->items[w->nitems++] = (struct withdrawn_item){k, v[i]};
	}
}

/* Meeting k's versions, newest first: its last (today's, or the ghost's),
 * then every older one of the lineage's (vs[0..nvs) of old->versions). */
static void items_of(struct withdrawals *w, const struct item_keys *vs, size_t nvs, size_t *cap,
		     size_t k)
{
	struct seen seen = {0};
	size_t gen = 0;
	const struct doc *last = doc_of(w, k);
	if (last && last->ok && last->kind == DOC_MEETING) {
		const struct meeting *m = (const struct meeting *)last;
		struct item_key *v = xcalloc(m->nactions + m->ndecisions + 1, sizeof(*v));
		items_version(w, &seen, cap, k, gen++, v, withdrawal_item_keys(m, v));
		free(v);
	}
	for (size_t i = 0; i < nvs; i++)
		if (vs[i].ok)
			items_version(w, &seen, cap, k, gen++, vs[i].v, vs[i].n);
	seen_release(&seen);
}

/* --------------------------------------------------------------- view */

void withdrawals_init(struct withdrawals *w, const struct site *site, enum visibility audience,
		      const struct lineage *lineage, const struct withdrawal_sources *old)
{
	memset(w, 0, sizeof(*w));
	w->site = site;
	w->audience = audience;
	w->lineage = lineage;
	size_t ng = lineage ? lineage->nghosts : 0;
	const struct doc **ghosts = arena_alloc(&w->arena, (ng + 1) * sizeof(*ghosts));
	for (size_t g = 0; g < ng; g++)
		ghosts[g] = old && old->ghosts ? old->ghosts[g] : NULL;
	w->ghosts = ghosts;

	struct seen seen = {0};
	size_t cap = 0;
	idmap_init(&w->people_ids, 16);
	people_version(w, &seen, &cap, 0, site->people, site->npeople);
	for (size_t k = 0; old && k < old->nversions; k++)
		people_version(w, &seen, &cap, k + 1, old->people[k], old->npeople[k]);
	seen_release(&seen);

	size_t all = ndocs_all(w), capi = 0, v = 0;
	w->item_first = xcalloc(all + 2, sizeof(*w->item_first));
	for (size_t k = 0; k < all; k++) {
		w->item_first[k] = w->nitems;
		size_t v0 = v;
		while (lineage && v < lineage->nversions && lineage->versions[v].doc == k)
			v++;
		const struct item_keys *vs = old && old->versions ? old->versions + v0 : NULL;
		if (vis_shown(doc_vis(w, k), audience))
			items_of(w, vs, vs ? v - v0 : 0, &capi, k);
	}
	w->item_first[all] = w->nitems;
}

void withdrawals_release(struct withdrawals *w)
{
	idmap_release(&w->people_ids);
	free(w->people);
	free(w->items);
	free(w->item_first);
	arena_release(&w->arena);
	memset(w, 0, sizeof(*w));
}

/* The visibility an old action or decision keeps: its own, narrowed by
 * the last version of meeting k that had it. */
static enum visibility item_vis(const struct withdrawals *w, size_t k, uint64_t key,
				enum visibility own)
{
	for (size_t j = w->item_first[k]; j < w->item_first[k + 1]; j++)
		if (w->items[j].k.key == key)
			return narrowest(own, w->items[j].k.vis);
	return own;
}

/* What the last versions say of a document that was at path at point:
 * NONE when nothing is withdrawn from it (its last version is visible with
 * every item, or there is none), else its lineage document. */
static size_t withdrawn_now(const struct withdrawals *w, size_t point, const char *path)
{
	size_t k = w->lineage ? lineage_doc(w->lineage, point, path) : site_doc_index(w->site, path);
	if (k == NONE)
		return NONE;
	if (!vis_shown(doc_vis(w, k), w->audience) || w->item_first[k] < w->item_first[k + 1])
		return k;
	return NONE;
}

/* Narrows old document d (its record, which may be written) by lineage
 * document k; a meeting's items are copied into a first when copy is set,
 * so that a shared record is left as it was. True when anything was
 * narrowed. */
static bool narrow(const struct withdrawals *w, struct doc *d, size_t k, struct arena *a,
		   bool copy)
{
	enum visibility aud = w->audience, kv = doc_vis(w, k);
	if (!vis_shown(kv, aud)) {
		if (!vis_shown(d->vis, aud))
			return false;
		d->vis = narrowest(d->vis, kv);
		return true;
	}
	if (d->kind != DOC_MEETING || !vis_shown(d->vis, aud))
		return false;
	struct meeting *m = (struct meeting *)d;
	bool changed = false;
	for (size_t i = 0; i < m->nactions; i++) {
		const struct action *ac = &m->actions[i];
		enum visibility v = item_vis(w, k, withdrawal_item_key(false, ac->id, NULL), ac->vis);
		if (vis_shown(ac->vis, aud) && !vis_shown(v, aud)) {
			if (copy && !changed) {
				struct action *na = arena_alloc(a, (m->nactions + 1) * sizeof(*na));
				memcpy(na, m->actions, m->nactions * sizeof(*na));
				m->actions = na;
			}
			m->actions[i].vis = v;
			changed = true;
		}
	}
	bool dchanged = false;
	for (size_t i = 0; i < m->ndecisions; i++) {
		const struct decision *dc = &m->decisions[i];
		if (!dc->text)
			continue;
		enum visibility v = item_vis(w, k, withdrawal_item_key(true, 0, dc->text), dc->vis);
		if (vis_shown(dc->vis, aud) && !vis_shown(v, aud)) {
			if (copy && !dchanged) {
				struct decision *nd = arena_alloc(a, (m->ndecisions + 1) * sizeof(*nd));
				memcpy(nd, m->decisions, m->ndecisions * sizeof(*nd));
				m->decisions = nd;
			}
			m->decisions[i].vis = v;
			dchanged = true;
		}
	}
	return changed || dchanged;
}

void withdrawals_apply(const struct withdrawals *w, const char *commit, struct site *old)
{
	size_t point = commit ? lineage_point(w->lineage, commit) : NONE;
	for (size_t i = 0; i < old->npeople; i++) {
		struct person *p = &old->people[i];
		size_t k;
		if (p->id && idmap_get(&w->people_ids, p->id, &k))
			p->vis = narrowest(p->vis, w->people[k].vis);
	}
	for (size_t i = 0; i < old->ndocs; i++) {
		struct doc *d = old->docs[i];
		size_t k = withdrawn_now(w, point, d->path);
		if (k != NONE)
			narrow(w, d, k, NULL, false);
	}
}

static size_t record_size(enum doc_kind kind)
{
	return kind == DOC_PROJECT ? sizeof(struct project) : sizeof(struct meeting);
}

const void *withdrawals_record(const struct withdrawals *w, size_t point, enum doc_kind kind,
			       const void *rec, struct arena *a)
{
	const struct doc *d = rec; /* every record starts with its doc */
	if (kind != DOC_PROJECT && kind != DOC_MEETING)
		return rec;
	size_t k = withdrawn_now(w, point, d->path);
	if (k == NONE)
		return rec;
	void *copy = arena_alloc(a, record_size(kind));
	memcpy(copy, rec, record_size(kind));
	return narrow(w, copy, k, a, true) ? copy : rec;
}

/* Adds n bytes to a running fingerprint. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	return hash64(p, n, h);
}

uint64_t withdrawals_fingerprint(const struct withdrawals *w, const char *commit)
{
	/* Only whether something is hidden counts, not from whom: narrowed,
	 * practices and confidential read alike to an audience that sees
	 * neither. */
	size_t point = lineage_point(w->lineage, commit);
	uint64_t h = 0x7769746864726177ULL;
	h = mix(h, &w->audience, sizeof(w->audience));
	for (size_t i = 0; i < w->npeople; i++)
		h = mix(h, w->people[i].id, strlen(w->people[i].id) + 1);
	size_t all = ndocs_all(w);
	for (size_t k = 0; k < all; k++) {
		bool hidden = !vis_shown(doc_vis(w, k), w->audience);
		if (!hidden && w->item_first[k] == w->item_first[k + 1])
			continue;
		/* only what the old tree has can be withdrawn from it */
		const char *then = point == NONE ? (k < w->site->ndocs ? w->site->docs[k]->path : NULL)
						 : lineage_path(w->lineage, k, point);
		if (!then)
			continue;
		h = mix(h, hidden ? "D" : "I", 1);
		h = mix(h, then, strlen(then) + 1);
		if (hidden)
			continue;
		for (size_t j = w->item_first[k]; j < w->item_first[k + 1]; j++)
			h = mix(h, &w->items[j].k.key, sizeof(w->items[j].k.key));
	}
	return h;
}
