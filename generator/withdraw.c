/*
 * withdraw.c: withdrawal. A document or an item appears in a build only
 * when the build's audience may see it both in the tree its data comes from
 * (a month's end, a published version's tag) and in the tree being built:
 * a mistake published once is taken back everywhere by marking it hidden
 * now. The rule lives here, once: the withdrawals view is made from the
 * tree being built, and each kind of old tree goes through it in one place
 * (withdrawals_apply for a version's site, loaded whole; withdrawals_record
 * for the records a month's data is made of, shared by many months).
 *
 * Matching: documents by path at the old tree's commit, following renames
 * as the history walk does (lineage.c, made from the same walk);
 * actions by meeting and id; decisions by meeting and text; people by id.
 * What the tree being built does not have keeps the visibility it had.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* True when meeting m, which the audience sees, has an action or a
 * decision it does not. */
static bool items_hidden(const struct meeting *m, enum visibility audience)
{
	for (size_t i = 0; i < m->nactions; i++)
		if (!vis_shown(m->actions[i].vis, audience))
			return true;
	for (size_t i = 0; i < m->ndecisions; i++)
		if (!vis_shown(m->decisions[i].vis, audience))
			return true;
	return false;
}

void withdrawals_init(struct withdrawals *w, const struct site *site, enum visibility audience,
		      const struct lineage *lineage)
{
	memset(w, 0, sizeof(*w));
	w->site = site;
	w->audience = audience;
	w->lineage = lineage;
	idmap_init(&w->people, 16);
	for (size_t i = 0; i < site->npeople; i++)
		if (site->people[i].id && !vis_shown(site->people[i].vis, audience))
			idmap_set(&w->people, site->people[i].id, i);
	idmap_init(&w->items, 16);
	for (size_t i = 0; i < site->ndocs; i++) {
		const struct doc *d = site->docs[i];
		if (d->kind == DOC_MEETING && vis_shown(d->vis, audience) &&
		    items_hidden((const struct meeting *)d, audience))
			idmap_put(&w->items, d->path, i);
	}
}

void withdrawals_release(struct withdrawals *w)
{
	idmap_release(&w->people);
	idmap_release(&w->items);
	memset(w, 0, sizeof(*w));
}

/* The wider of two visibilities: what is hidden from either is hidden. */
static enum visibility narrowest(enum visibility a, enum visibility b)
{
	return a > b ? a : b;
}

/* The visibility an old action or decision keeps: its own, narrowed by
 * every item of today's meeting cur with the same id (an action) or the
 * same text (a decision); two alike, one hidden, hide it (fail closed). */
static enum visibility action_now(const struct meeting *cur, const struct action *ac)
{
	enum visibility v = ac->vis;
	for (size_t i = 0; i < cur->nactions; i++)
		if (cur->actions[i].id == ac->id)
			v = narrowest(v, cur->actions[i].vis);
	return v;
}

static enum visibility decision_now(const struct meeting *cur, const struct decision *dc)
{
	enum visibility v = dc->vis;
	for (size_t i = 0; i < cur->ndecisions; i++)
		if (cur->decisions[i].text && dc->text && strcmp(cur->decisions[i].text, dc->text) == 0)
			v = narrowest(v, cur->decisions[i].vis);
	return v;
}

/* What today's tree says of a document that was at path at point: NULL
 * when nothing is withdrawn from it (today's document is visible with
 * every item, or there is none), else today's document, hidden or with
 * hidden items. */
static const struct doc *withdrawn_now(const struct withdrawals *w, size_t point, const char *path)
{
	const struct doc *cur = lineage_doc(w->lineage, w->site, point, path);
	if (!cur)
		return NULL;
	if (!vis_shown(cur->vis, w->audience))
		return cur;
	return idmap_get(&w->items, cur->path, NULL) ? cur : NULL;
}

/* Narrows old document d (its record, which may be written) by today's
 * cur; a meeting's items are copied into a first when copy is set, so that
 * a shared record is left as it was. True when anything was narrowed. */
static bool narrow(const struct withdrawals *w, struct doc *d, const struct doc *cur,
		   struct arena *a, bool copy)
{
	enum visibility aud = w->audience;
	if (!vis_shown(cur->vis, aud)) {
		if (!vis_shown(d->vis, aud))
			return false;
		d->vis = narrowest(d->vis, cur->vis);
		return true;
	}
	if (d->kind != DOC_MEETING || cur->kind != DOC_MEETING || !vis_shown(d->vis, aud))
		return false;
	struct meeting *m = (struct meeting *)d;
	const struct meeting *cm = (const struct meeting *)cur;
	bool changed = false;
	for (size_t i = 0; i < m->nactions; i++) {
		enum visibility v = action_now(cm, &m->actions[i]);
		if (vis_shown(m->actions[i].vis, aud) && !vis_shown(v, aud)) {
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
		enum visibility v = decision_now(cm, &m->decisions[i]);
		if (vis_shown(m->decisions[i].vis, aud) && !vis_shown(v, aud)) {
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
		if (p->id && idmap_get(&w->people, p->id, &k))
			p->vis = narrowest(p->vis, w->site->people[k].vis);
	}
	for (size_t i = 0; i < old->ndocs; i++) {
		struct doc *d = old->docs[i];
		const struct doc *cur = withdrawn_now(w, point, d->path);
		if (cur)
			narrow(w, d, cur, NULL, false);
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
	const struct doc *cur = withdrawn_now(w, point, d->path);
	if (!cur)
		return rec;
	void *copy = arena_alloc(a, record_size(kind));
	memcpy(copy, rec, record_size(kind));
	return narrow(w, copy, cur, a, true) ? copy : rec;
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
	const struct site *s = w->site;
	size_t point = lineage_point(w->lineage, commit);
	uint64_t h = 0x7769746864726177ULL;
	h = mix(h, &w->audience, sizeof(w->audience));
	for (size_t i = 0; i < s->npeople; i++)
		if (s->people[i].id && !vis_shown(s->people[i].vis, w->audience))
			h = mix(h, s->people[i].id, strlen(s->people[i].id) + 1);
	for (size_t i = 0; i < s->ndocs; i++) {
		const struct doc *d = s->docs[i];
		bool hidden = !vis_shown(d->vis, w->audience);
		if (!hidden && !idmap_get(&w->items, d->path, NULL))
			continue;
		/* only what the old tree has can be withdrawn from it */
		const char *then = point == NONE ? d->path : lineage_path(w->lineage, i, point);
		if (!then)
			continue;
		h = mix(h, hidden ? "D" : "I", 1);
		h = mix(h, then, strlen(then) + 1);
		if (hidden)
			continue;
		const struct meeting *m = (const struct meeting *)d;
		for (size_t k = 0; k < m->nactions; k++)
			if (!vis_shown(m->actions[k].vis, w->audience)) {
				h = mix(h, "a", 1);
				h = mix(h, &m->actions[k].id, sizeof(m->actions[k].id));
			}
		for (size_t k = 0; k < m->ndecisions; k++)
			if (!vis_shown(m->decisions[k].vis, w->audience) && m->decisions[k].text) {
				h = mix(h, "d", 1);
				h = mix(h, m->decisions[k].text, strlen(m->decisions[k].text) + 1);
			}
	}
	return h;
}
