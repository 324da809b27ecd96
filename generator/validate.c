/*
 * validate.c: every rule of content-model.md's "Validation" that needs more
 * than one field or file: duplicates, references, levels, roles, the
 * milestone process, windows, funding, meetings, links, and the date
 * warnings as of "today". The rules come from plan.yaml; nothing here knows
 * DacCom. Findings go to the diagnostics sink; nothing stops early.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

/* Lookup tables built once per check. */
struct index {
	struct idmap areas, people, practices, projects, funding, levels, docs;
	const char **area_ids, **person_ids, **practice_ids, **project_ids, **funding_ids;
	const char **doc_paths;
};

struct ctx {
	const struct site *s;
	struct diag *d;
	struct index ix;
};

static const char **id_array(size_t n)
{
	return xcalloc(n + 1, sizeof(const char *));
}

/* Adds ids to a map, reporting duplicates (E009) at the later one. */
static void index_ids(struct ctx *c, struct idmap *m, const char **arr, size_t i, const char *id,
		      struct pos pos, const char *what, struct pos (*pos_of)(const struct site *,
									    size_t))
{
	arr[i] = id;
	if (!id)
		return;
	size_t first;
	if (idmap_get(m, id, &first)) {
		struct pos fp = pos_of(c->s, first);
		diag_error(c->d, pos, "E009", "duplicate %s id '%s' (first at line %u); ids must be "
			   "unique", what, id, (unsigned)fp.line);
		return;
	}
	idmap_put(m, id, i);
}

static struct pos area_pos(const struct site *s, size_t i)
{
	return s->plan.areas[i].pos;
}
static struct pos person_pos(const struct site *s, size_t i)
{
	return s->people[i].pos;
}
static struct pos practice_pos(const struct site *s, size_t i)
{
	return s->practices[i].pos;
}
static struct pos funding_pos(const struct site *s, size_t i)
{
	return s->plan.funding[i].pos;
}

static void build_index(struct ctx *c)
{
	const struct site *s = c->s;
	const struct plan *p = &s->plan;
	struct index *ix = &c->ix;

	idmap_init(&ix->areas, p->nareas);
	ix->area_ids = id_array(p->nareas);
	for (size_t i = 0; i < p->nareas; i++)
		index_ids(c, &ix->areas, ix->area_ids, i, p->areas[i].id, p->areas[i].pos, "area",
			  area_pos);

	idmap_init(&ix->people, s->npeople);
	ix->person_ids = id_array(s->npeople);
	for (size_t i = 0; i < s->npeople; i++)
		index_ids(c, &ix->people, ix->person_ids, i, s->people[i].id, s->people[i].pos,
			  "person", person_pos);

	idmap_init(&ix->practices, s->npractices);
	ix->practice_ids = id_array(s->npractices);
	for (size_t i = 0; i < s->npractices; i++)
		index_ids(c, &ix->practices, ix->practice_ids, i, s->practices[i].id,
			  s->practices[i].pos, "practice", practice_pos);

	idmap_init(&ix->funding, p->nfunding);
	ix->funding_ids = id_array(p->nfunding);
	for (size_t i = 0; i < p->nfunding; i++)
		index_ids(c, &ix->funding, ix->funding_ids, i, p->funding[i].id, p->funding[i].pos,
			  "funding stream", funding_pos);

	idmap_init(&ix->projects, s->nprojects);
	ix->project_ids = id_array(s->nprojects);
	for (size_t i = 0; i < s->nprojects; i++) {
		ix->project_ids[i] = s->projects[i].doc.id;
		idmap_put(&ix->projects, s->projects[i].doc.id, i);
	}

	idmap_init(&ix->docs, s->ndocs);
	ix->doc_paths = id_array(s->ndocs);
	for (size_t i = 0; i < s->ndocs; i++) {
		ix->doc_paths[i] = s->docs[i]->path;
		idmap_put(&ix->docs, s->docs[i]->path, i);
	}
}

static void index_release(struct index *ix)
{
	idmap_release(&ix->areas);
	idmap_release(&ix->people);
	idmap_release(&ix->practices);
	idmap_release(&ix->projects);
	idmap_release(&ix->funding);
	idmap_release(&ix->levels);
	idmap_release(&ix->docs);
	free(ix->area_ids);
	free(ix->person_ids);
	free(ix->practice_ids);
	free(ix->project_ids);
	free(ix->funding_ids);
	free(ix->doc_paths);
}

/*
 * Checks that ref names one of ids (in map); reports E010 with a suggestion
 * otherwise. field names where it was used, e.g. "clinical_leads". Returns
 * the index, or -1.
 */
static long resolve(struct ctx *c, const struct ref *r, const struct idmap *map,
		    const char **ids, size_t nids, const char *what, const char *field)
{
	size_t i;
	if (!r->id)
		return -1;
	if (idmap_get(map, r->id, &i))
		return (long)i;
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "unknown %s '%s' in %s", what, r->id, field);
	diag_suggest(&msg, r->id, ids, nids);
	diag_error(c->d, r->pos, "E010", "%s", msg.ptr);
	buf_release(&msg);
	return -1;
}

static long person(struct ctx *c, const struct ref *r, const char *field)
{
	if (!c->s->people_ok)
		return -1;
	return resolve(c, r, &c->ix.people, c->ix.person_ids, c->s->npeople, "person", field);
}

/* ------------------------------------------------------------ plan */

static const struct level *find_level(const struct plan *p, int number)
{
	for (size_t i = 0; i < p->nlevels; i++)
		if (p->levels[i].number == number)
			return &p->levels[i];
	return NULL;
}

static const struct milestone_def *find_milestone(const struct plan *p, int number)
{
	for (size_t i = 0; i < p->nmilestones; i++)
		if (p->milestones[i].number == number)
			return &p->milestones[i];
	return NULL;
}

static void milestone_unknown(struct ctx *c, struct pos pos, int number, const char *where)
{
	const struct plan *p = &c->s->plan;
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "unknown milestone number %d in %s; plan.yaml defines milestones", number,
		   where);
	for (size_t i = 0; i < p->nmilestones; i++)
		buf_printf(&msg, "%s%d", i ? ", " : " ", p->milestones[i].number);
	if (!p->nmilestones)
		buf_puts(&msg, " none");
	diag_error(c->d, pos, "E010", "%s", msg.ptr);
	buf_release(&msg);
}

static void check_plan(struct ctx *c)
{
	const struct plan *p = &c->s->plan;
	for (size_t i = 0; i < p->nlevels; i++)
		for (size_t j = 0; j < i; j++)
			if (p->levels[i].number == p->levels[j].number)
				diag_error(c->d, p->levels[i].pos, "E011",
					   "level %d is defined twice (first at line %u); remove one",
					   p->levels[i].number, (unsigned)p->levels[j].pos.line);
	for (size_t i = 0; i < p->nareas; i++) {
		const struct area *a = &p->areas[i];
		if (a->level >= 0 && !find_level(p, a->level)) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "area '%s' uses level %d, which plan.yaml does not define",
				   a->id, a->level);
			if (p->nlevels) {
				buf_puts(&msg, " (levels:");
				for (size_t k = 0; k < p->nlevels; k++)
					buf_printf(&msg, " %d", p->levels[k].number);
				buf_putc(&msg, ')');
			}
			diag_error(c->d, a->level_pos, "E011", "%s", msg.ptr);
			buf_release(&msg);
		}
	}
	for (size_t i = 0; i < p->nroles; i++) {
		const struct role *r = &p->roles[i];
		if (r->min > r->max)
			diag_error(c->d, r->pos, "E006", "role '%s' has min %d above max %d", r->field,
				   r->min, r->max);
	}
	for (size_t i = 0; i < p->nmilestones; i++) {
		const struct milestone_def *m = &p->milestones[i];
		for (size_t j = 0; j < i; j++)
			if (p->milestones[j].number == m->number)
				diag_error(c->d, m->pos, "E009",
					   "duplicate milestone number %d (first at line %u)", m->number,
					   (unsigned)p->milestones[j].pos.line);
		for (size_t k = 0; k < m->nchecks; k++)
			for (size_t j = 0; j < k; j++)
				if (strcmp(m->checks[k].id, m->checks[j].id) == 0)
					diag_error(c->d, m->checks[k].pos, "E009",
						   "duplicate check id '%s' in milestone %d (first at "
						   "line %u)",
						   m->checks[k].id, m->number,
						   (unsigned)m->checks[j].pos.line);
		if (m->has_window) {
			if (!find_milestone(p, m->after))
				milestone_unknown(c, m->window_pos, m->after, "window.after");
			else if (m->after >= m->number)
				diag_error(c->d, m->window_pos, "E006",
					   "window of milestone %d counts from milestone %d, which is not "
					   "before it",
					   m->number, m->after);
			if (m->min_months > m->max_months)
				diag_error(c->d, m->window_pos, "E006",
					   "window min_months %d is above max_months %d", m->min_months,
					   m->max_months);
		}
	}
	for (size_t i = 0; i < p->nfunding; i++) {
		const struct funding *f = &p->funding[i];
		if (!find_milestone(p, f->from))
			milestone_unknown(c, f->pos, f->from, "funding stream milestones");
		else if (f->to != f->from && !find_milestone(p, f->to))
			milestone_unknown(c, f->pos, f->to, "funding stream milestones");
	}
	for (size_t i = 0; i < p->nobjectives; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->objectives[i].id, p->objectives[j].id) == 0)
				diag_error(c->d, p->objectives[i].pos, "E009",
					   "duplicate objective id '%s' (first at line %u)",
					   p->objectives[i].id, (unsigned)p->objectives[j].pos.line);
	for (size_t i = 0; i < c->s->npeople; i++) {
		const struct person *pe = &c->s->people[i];
		if (pe->practice.id && c->s->practices_ok)
			resolve(c, &pe->practice, &c->ix.practices, c->ix.practice_ids,
				c->s->npractices, "practice", "practice");
	}
}

static void check_sections(struct ctx *c)
{
	const struct site *s = c->s;
	struct idmap seen;
	idmap_init(&seen, s->nsections);
	char (*keys)[16] = xcalloc(s->nsections + 1, sizeof(*keys));
	for (size_t i = 0; i < s->nsections; i++) {
		const struct section *sec = &s->sections[i];
		if (!sec->doc.ok || sec->number < 0)
			continue;
		snprintf(keys[i], sizeof(keys[i]), "%d", sec->number);
		size_t first;
		if (!idmap_put(&seen, keys[i], i) && idmap_get(&seen, keys[i], &first))
			diag_error(c->d, sec->number_pos, "E009",
				   "duplicate plan section number %d: '%s' has it too; give each "
				   "section its own number",
				   sec->number, s->sections[first].doc.path);
	}
	idmap_release(&seen);
	free(keys);
}

/* ---------------------------------------------------------- projects */

static const struct milestone *project_milestone(const struct project *pr, int number)
{
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (pr->milestones[i].number == number)
			return &pr->milestones[i];
	return NULL;
}

/* The count of a role's field on a project, and where it was written. */
static size_t role_count(const struct project *pr, const char *field, struct pos *pos)
{
	if (strcmp(field, "clinical_leads") == 0) {
		*pos = pr->clinical_leads_pos;
		return pr->clinical_leads.ok ? pr->clinical_leads.n : SIZE_MAX;
	}
	*pos = pr->project_manager.id ? pr->project_manager.pos : pr->doc.vis_pos;
	return pr->project_manager.id ? 1 : SIZE_MAX;
}

static int cmp_milestone(const void *a, const void *b)
{
	const struct milestone *const *x = a, *const *y = b;
	return ((*x)->number > (*y)->number) - ((*x)->number < (*y)->number);
}

static void check_milestones(struct ctx *c, const struct project *pr, int *reached_k,
			     bool *in_progress)
{
	const struct plan *p = &c->s->plan;
	size_t n = pr->nmilestones;
	const struct milestone **ms = xcalloc(n + 1, sizeof(*ms));
	for (size_t i = 0; i < n; i++)
		ms[i] = &pr->milestones[i];
	qsort(ms, n, sizeof(*ms), cmp_milestone);

	/* Known numbers and known checks. */
	for (size_t i = 0; i < n; i++) {
		const struct milestone *m = ms[i];
		if (i && ms[i - 1]->number == m->number)
			diag_error(c->d, m->pos, "E009", "milestone %d is listed twice", m->number);
		const struct milestone_def *def = find_milestone(p, m->number);
		if (!def) {
			if (p->ok)
				milestone_unknown(c, m->pos, m->number, "milestones");
			continue;
		}
		const char **ids = xcalloc(def->nchecks + 1, sizeof(*ids));
		for (size_t k = 0; k < def->nchecks; k++)
			ids[k] = def->checks[k].id;
		for (size_t j = 0; j < m->checks.n; j++) {
			const struct ref *r = &m->checks.v[j];
			size_t k = 0;
			while (k < def->nchecks && strcmp(ids[k], r->id) != 0)
				k++;
			if (k == def->nchecks) {
				struct buf msg = BUF_INIT;
				buf_printf(&msg, "unknown check '%s' for milestone %d", r->id,
					   m->number);
				if (!diag_suggest(&msg, r->id, ids, def->nchecks)) {
					buf_puts(&msg, "; its checks are");
					for (size_t q = 0; q < def->nchecks; q++)
						buf_printf(&msg, "%s%s", q ? ", " : " ", ids[q]);
				}
				diag_error(c->d, r->pos, "E010", "%s", msg.ptr);
				buf_release(&msg);
			}
		}
		if (m->reached) {
			/* E015: every check of a reached milestone. */
			for (size_t k = 0; k < def->nchecks; k++) {
				size_t j = 0;
				while (j < m->checks.n && strcmp(m->checks.v[j].id, ids[k]) != 0)
					j++;
				if (j == m->checks.n)
					diag_error(c->d, m->checks_pos, "E015",
						   "milestone %d is reached but check '%s' (%s) is not "
						   "listed; add it to checks, or give the milestone a "
						   "'target' instead of 'reached'",
						   m->number, ids[k], def->checks[k].text);
			}
		}
		free(ids);
	}

	/* E014: reached ones are exactly 1..k; at most one more, k+1, in progress;
	 * dates of reached milestones do not go backwards. */
	int k = 0;
	const struct milestone *prev = NULL;
	const struct milestone *progress = NULL;
	bool seq_ok = true;
	for (size_t i = 0; i < n; i++) {
		const struct milestone *m = ms[i];
		if (i && ms[i - 1]->number == m->number)
			continue;
		if (m->reached) {
			if (progress) {
				diag_error(c->d, m->pos, "E014",
					   "milestone %d is reached while milestone %d is still in "
					   "progress; mark %d as reached first",
					   m->number, progress->number, progress->number);
				seq_ok = false;
			} else if (m->number != k + 1) {
				diag_error(c->d, m->pos, "E014",
					   "milestone %d is reached while milestone %d is not; milestones "
					   "are reached in order, from 1",
					   m->number, k + 1);
				seq_ok = false;
			}
			if (prev && m->has_date && prev->has_date && date_cmp(m->date, prev->date) < 0)
				diag_error(c->d, m->date_pos, "E014",
					   "milestone %d is reached before milestone %d (reached "
					   "later); dates of reached milestones cannot go backwards",
					   m->number, prev->number);
			if (m->has_date)
				prev = m;
			if (seq_ok)
				k = m->number;
		} else {
			if (progress) {
				diag_error(c->d, m->pos, "E014",
					   "milestone %d is in progress as well as milestone %d; only the "
					   "next one, %d, may be listed with a target",
					   m->number, progress->number, k + 1);
				seq_ok = false;
			} else if (m->number != k + 1) {
				diag_error(c->d, m->pos, "E014",
					   "milestone %d is listed as in progress, but the next milestone "
					   "is %d; list only the next one with a target",
					   m->number, k + 1);
				seq_ok = false;
			}
			progress = m;
		}
	}
	*reached_k = k;
	*in_progress = progress && progress->number == k + 1;

	/* Windows (E016 for reached, W003 for targets) and past targets (W002). */
	for (size_t i = 0; i < n; i++) {
		const struct milestone *m = ms[i];
		const struct milestone_def *def = find_milestone(p, m->number);
		if (!m->has_date)
			continue;
		if (!m->reached && date_cmp(m->date, c->s->today) < 0) {
			struct buf t = BUF_INIT;
			date_iso(&t, c->s->today);
			diag_warning(c->d, m->date_pos, "W002",
				     "milestone %d's target has passed (today is %s) and it is not "
				     "reached; update the target or mark it reached",
				     m->number, t.ptr);
			buf_release(&t);
		}
		if (!def || !def->has_window)
			continue;
		const struct milestone *base = project_milestone(pr, def->after);
		if (!base || !base->reached || !base->has_date)
			continue;
		struct date lo = date_add_months(base->date, def->min_months);
		struct date hi = date_add_months(base->date, def->max_months);
		if (date_cmp(m->date, lo) >= 0 && date_cmp(m->date, hi) <= 0)
			continue;
		struct buf a = BUF_INIT, b = BUF_INIT;
		date_iso(&a, lo);
		date_iso(&b, hi);
		if (m->reached)
			diag_error(c->d, m->date_pos, "E016",
				   "milestone %d is reached outside its window: it must fall %d to %d "
				   "months after milestone %d, between %s and %s",
				   m->number, def->min_months, def->max_months, def->after, a.ptr, b.ptr);
		else
			diag_warning(c->d, m->date_pos, "W003",
				     "milestone %d's target is outside its window: it must fall %d to "
				     "%d months after milestone %d, between %s and %s",
				     m->number, def->min_months, def->max_months, def->after, a.ptr,
				     b.ptr);
		buf_release(&a);
		buf_release(&b);
	}
	free(ms);
}

static void check_funding(struct ctx *c, const struct project *pr, int k, bool in_progress)
{
	const struct plan *p = &c->s->plan;
	int toward = in_progress ? k + 1 : k;
	if (pr->status == STATUS_CLOSED)
		toward = k;
	bool *usable = xcalloc(pr->funding.n + 1, sizeof(*usable));
	for (size_t i = 0; i < pr->funding.n; i++) {
		long fi = resolve(c, &pr->funding.v[i], &c->ix.funding, c->ix.funding_ids,
				  p->nfunding, "funding stream", "funding");
		if (fi < 0)
			continue;
		const struct funding *f = &p->funding[fi];
		usable[i] = true;
		if (f->needs_approval) {
			usable[i] = false;
			for (size_t j = 0; j < pr->napprovals; j++)
				if (pr->approvals[j].funding.id &&
				    strcmp(pr->approvals[j].funding.id, f->id) == 0)
					usable[i] = true;
		}
	}
	for (size_t j = 0; j < pr->napprovals; j++)
		resolve(c, &pr->approvals[j].funding, &c->ix.funding, c->ix.funding_ids, p->nfunding,
			"funding stream", "approvals");
	for (int m = 1; m <= toward; m++) {
		bool covered = false, needs = false;
		const char *unapproved = NULL;
		for (size_t i = 0; i < pr->funding.n && !covered; i++) {
			size_t fi;
			if (!idmap_get(&c->ix.funding, pr->funding.v[i].id, &fi))
				continue;
			const struct funding *f = &p->funding[fi];
			if (m < f->from || m > f->to)
				continue;
			if (usable[i])
				covered = true;
			else
				needs = true, unapproved = f->id;
		}
		if (covered)
			continue;
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "funding does not cover milestone %d, which the project %s", m,
			   m == toward && in_progress ? "works toward" : "has reached");
		if (needs) {
			buf_printf(&msg, ": '%s' needs an approvals entry "
					 "({ funding: %s, date: ..., by: ... })",
				   unapproved, unapproved);
		} else {
			const char *cand = NULL;
			for (size_t fi = 0; fi < p->nfunding && !cand; fi++)
				if (m >= p->funding[fi].from && m <= p->funding[fi].to)
					cand = p->funding[fi].id;
			if (cand)
				buf_printf(&msg, "; add a stream that covers it, such as '%s'", cand);
			else
				buf_puts(&msg, "; no stream in plan.yaml covers it");
		}
		diag_error(c->d, pr->funding_pos, "E017", "%s", msg.ptr);
		buf_release(&msg);
		break; /* one finding per project is enough to act on */
	}
	free(usable);
}

static void check_projects(struct ctx *c)
{
	const struct site *s = c->s;
	const struct plan *p = &s->plan;
	for (size_t i = 0; i < s->nprojects; i++) {
		const struct project *pr = &s->projects[i];
		if (!pr->doc.ok)
			continue;
		for (size_t j = 0; j < pr->clinical_leads.n; j++)
			person(c, &pr->clinical_leads.v[j], "clinical_leads");
		if (pr->project_manager.id)
			person(c, &pr->project_manager, "project_manager");
		if (!p->ok)
			continue; /* without plan.yaml there is nothing more to check against */
		long ai = resolve(c, &pr->area, &c->ix.areas, c->ix.area_ids, p->nareas, "area",
				  "area");
		if (ai >= 0) {
			const struct area *a = &p->areas[ai];
			const struct level *lv = find_level(p, a->level);
			if (lv && !lv->projects)
				diag_error(c->d, pr->area.pos, "E012",
					   "area '%s' is at level %d (%s), which does not take projects; "
					   "choose an area at a level with projects: true",
					   a->id, lv->number, lv->name ? lv->name : "?");
		}
		for (size_t r = 0; r < p->nroles; r++) {
			const struct role *ro = &p->roles[r];
			struct pos pos;
			size_t n = role_count(pr, ro->field, &pos);
			if (n == SIZE_MAX)
				continue; /* the field itself is malformed or missing */
			if ((int)n < ro->min || (int)n > ro->max) {
				char range[64];
				if (ro->min == ro->max)
					snprintf(range, sizeof(range), "exactly %d", ro->min);
				else
					snprintf(range, sizeof(range), "%d to %d", ro->min, ro->max);
				diag_error(c->d, pos, "E013",
					   "%s has %zu %s; plan.yaml's roles allow %s", ro->field, n,
					   n == 1 ? "person" : "people", range);
			}
		}
		int k = 0;
		bool in_progress = false;
		check_milestones(c, pr, &k, &in_progress);
		check_funding(c, pr, k, in_progress);
	}
}

/* ---------------------------------------------------------- meetings */

static void check_meetings(struct ctx *c)
{
	const struct site *s = c->s;
	for (size_t i = 0; i < s->nmeetings; i++) {
		const struct meeting *m = &s->meetings[i];
		if (!m->doc.ok)
			continue;
		for (size_t j = 0; j < m->attendees.n; j++)
			person(c, &m->attendees.v[j], "attendees");
		for (size_t j = 0; j < m->apologies.n; j++)
			person(c, &m->apologies.v[j], "apologies");
		if (m->start >= 0 && m->end >= 0 && m->end <= m->start)
			diag_error(c->d, m->end_pos, "E018",
				   "the meeting ends at or before it starts; 'end' must be after "
				   "'start'");
		for (size_t j = 0; j < m->nactions; j++) {
			const struct action *a = &m->actions[j];
			for (size_t q = 0; q < j; q++)
				if (m->actions[q].id == a->id)
					diag_error(c->d, a->id_pos, "E009",
						   "duplicate action id %d in this meeting (first at line "
						   "%u); number actions 1, 2, 3, ...",
						   a->id, (unsigned)m->actions[q].id_pos.line);
			person(c, &a->owner, "action owner");
			if (a->project.id)
				resolve(c, &a->project, &c->ix.projects, c->ix.project_ids,
					s->nprojects, "project", "action project");
			if (!a->done && date_cmp(a->due, s->today) < 0) {
				struct buf t = BUF_INIT;
				date_iso(&t, s->today);
				diag_warning(c->d, a->due_pos, "W001",
					     "action %d is open and past its due date (today is %s); "
					     "mark it done: true or agree a new date",
					     a->id, t.ptr);
				buf_release(&t);
			}
		}
		const struct next_meeting *n = &m->next;
		if (n->present && date_cmp(n->date, m->date) <= 0)
			diag_error(c->d, n->date_pos, "E018",
				   "next meeting is not after this meeting's date; give a later date");
		if (n->start >= 0 && n->end >= 0 && n->end <= n->start)
			diag_error(c->d, n->end_pos, "E018",
				   "the next meeting ends at or before it starts; 'end' must be after "
				   "'start'");
	}
}

static void check_objectives(struct ctx *c)
{
	const struct plan *p = &c->s->plan;
	for (size_t i = 0; i < p->nobjectives; i++) {
		const struct objective *o = &p->objectives[i];
		if (!o->achieved && date_cmp(o->due, c->s->today) < 0)
			diag_warning(c->d, o->due_pos, "W004",
				     "objective '%s' is past its due date and not achieved; add "
				     "'achieved: DATE' or move the date",
				     o->id);
	}
}

/* ------------------------------------------------------------- links */

/* Suggests a near-miss target in the form the link was written: the
 * written folder part, then the closest document's file name. */
static void suggest_link(struct buf *msg, const char *url, const char *path,
			 const char *const *paths, size_t n)
{
	const char *best = diag_closest(path, paths, n);
	if (!best)
		return;
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	if (strncmp(best, path, dir) == 0 && !strchr(best + dir, '/')) {
		const char *uslash = strrchr(url, '/');
		buf_printf(msg, " (did you mean '%.*s%s'?)",
			   uslash ? (int)(uslash - url + 1) : 0, url, best + dir);
	} else {
		buf_printf(msg, " (did you mean '%s'?)", best);
	}
}

/* A link lk to heading frag of target: the heading must be on the page
 * of the link's audience, by the id that page gives it (with fences, a
 * hidden heading takes none, and the ids after it may differ), else E020
 * with the ids there are. */
static void check_anchor(struct ctx *c, const struct md_link *lk, const struct doc *target,
			 const char *frag)
{
	struct arena ia = ARENA_INIT;
	const char **ids = NULL; /* the audience's, when fences may change them */
	if (target->nfences) {
		ids = arena_alloc(&ia, (target->nheadings + 1) * sizeof(*ids));
		markdown_heading_ids(&ia, target, lk->vis, ids);
	}
	bool found = false;
	for (size_t h = 0; h < target->nheadings && !found; h++) {
		const char *id = ids ? ids[h] : target->headings[h].id;
		found = id && strcmp(id, frag) == 0;
	}
	if (!found && target->ok) {
		const char **seen = arena_alloc(&ia, (target->nheadings + 1) * sizeof(*seen));
		size_t n = 0;
		for (size_t h = 0; h < target->nheadings; h++)
			if (!ids || ids[h])
				seen[n++] = ids ? ids[h] : target->headings[h].id;
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "no heading '#%s' in '%s'", frag, target->path);
		if (n < target->nheadings)
			buf_printf(&msg, " that a %s part may link to", visibility_name(lk->vis));
		diag_suggest(&msg, frag, seen, n);
		diag_error(c->d, lk->pos, "E020", "%s", msg.ptr);
		buf_release(&msg);
	}
	arena_release(&ia);
}

/* What holds a link: a part of a document's body, or a text of its front
 * matter (a decision, an action), for the words of E021. */
struct link_from {
	const struct doc *doc;
	const char *item; /* "decision", "action"; NULL: the body */
};

/* One link lk written in lf: a document of the site (E020 when missing,
 * outside the site or not a document), at least as visible as what
 * links (E021), with the heading it names (check_anchor). */
static void check_link(struct ctx *c, const struct link_from *lf, const struct md_link *lk,
		       struct buf *path)
{
	const struct site *s = c->s;
	const struct doc *doc = lf->doc;
	const char *frag = NULL;
	enum link_kind kind = link_classify(doc->path, lk->url, path, &frag);
	const struct doc *target = NULL;
	if (kind == LINK_EXTERNAL || kind == LINK_OTHER || kind == LINK_UNSAFE)
		return;
	if (kind == LINK_FILE) {
		diag_error(c->d, lk->pos, "E020",
			   "link to '%s', which is not a document of the site; link to "
			   "the .md file of a document under content/",
			   lk->url);
		return;
	}
	if (kind == LINK_OUTSIDE) {
		diag_error(c->d, lk->pos, "E020",
			   "link '%s' points outside the site; link to a document under "
			   "content/",
			   lk->url);
		return;
	}
	if (kind == LINK_ANCHOR) {
		target = doc;
	} else if (kind == LINK_DOC) {
		size_t ti;
		if (!idmap_get(&c->ix.docs, path->ptr, &ti)) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "link to '%s', which does not exist", lk->url);
			suggest_link(&msg, lk->url, path->ptr, c->ix.doc_paths, s->ndocs);
			diag_error(c->d, lk->pos, "E020", "%s", msg.ptr);
			buf_release(&msg);
			return;
		}
		target = s->docs[ti];
	} else {
		return; /* LINK_DATA: people.yaml, plan.yaml; always public */
	}
	if (target->vis > lk->vis) {
		const char *what = target->vis == VIS_CONFIDENTIAL ? "confidential"
								   : "for practices only";
		if (lf->item)
			diag_error(c->d, lk->pos, "E021",
				   "a %s %s of this document links to '%s', which is %s; %s",
				   visibility_name(lk->vis), lf->item, target->path, what,
				   target->vis == VIS_CONFIDENTIAL
					   ? "confidential documents are never published: "
					     "remove the link, or give the item 'visibility: "
					     "confidential'"
					   : "remove the link, or give the item its own "
					     "'visibility: practices' ({ text: ..., visibility: "
					     "practices })");
		else
			diag_error(c->d, lk->pos, "E021",
				   "a %s part of this document links to '%s', which is %s; "
				   "%s",
				   visibility_name(lk->vis), target->path, what,
				   target->vis == VIS_CONFIDENTIAL
					   ? "confidential documents are never published: "
					     "remove the link"
					   : "remove the link, or move it inside a "
					     "'<!-- visibility: practices -->' fence");
	}
	if (frag && *frag)
		check_anchor(c, lk, target, frag);
}

/* The links of a meeting's decisions and actions: Markdown, rendered on
 * its page, on projects' pages and in reports, so checked as a body's
 * are, each at the visibility of its item, at its place in the front
 * matter. */
static void check_field_links(struct ctx *c, const struct meeting *m, struct buf *path)
{
	struct md_fields mf;
	struct arena a = ARENA_INIT;
	markdown_fields_begin(&mf, &m->doc);
	struct link_from dec = {&m->doc, "decision"}, act = {&m->doc, "action"};
	struct md_link *v;
	for (size_t i = 0; i < m->ndecisions; i++) {
		const struct decision *dc = &m->decisions[i];
		size_t n = markdown_text_links(&a, &mf, dc->text, dc->text_pos, dc->vis, &v);
		for (size_t j = 0; j < n; j++)
			check_link(c, &dec, &v[j], path);
	}
	for (size_t i = 0; i < m->nactions; i++) {
		const struct action *ac = &m->actions[i];
		size_t n = markdown_text_links(&a, &mf, ac->text, ac->text_pos, ac->vis, &v);
		for (size_t j = 0; j < n; j++)
			check_link(c, &act, &v[j], path);
	}
	markdown_fields_end(&mf);
	arena_release(&a);
}

static void check_links(struct ctx *c)
{
	const struct site *s = c->s;
	struct buf path = BUF_INIT;
	for (size_t i = 0; i < s->ndocs; i++) {
		const struct doc *doc = s->docs[i];
		struct link_from lf = {doc, NULL};
		for (size_t j = 0; j < doc->nlinks; j++)
			check_link(c, &lf, &doc->links[j], &path);
	}
	for (size_t i = 0; i < s->nmeetings; i++)
		if (s->meetings[i].doc.ok)
			check_field_links(c, &s->meetings[i], &path);
	buf_release(&path);
}

void site_validate(const struct site *site, struct diag *d)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.s = site;
	c.d = d;
	build_index(&c);
	check_plan(&c);
	check_sections(&c);
	check_projects(&c);
	check_meetings(&c);
	check_objectives(&c);
	check_links(&c);
	index_release(&c.ix);
}
