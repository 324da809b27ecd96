/*
 * changes.c: what changed between two versions of a site, both loaded into
 * the model: documents added, removed and changed; each project's
 * milestone, status, leads, manager and target dates; new meetings and
 * reports; the plan's areas, levels and milestone checks. A pure function
 * of the two sites; the text is for editors (`plansite changes`), the value
 * for the changes/ page of a published version.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

static const struct pos nopos;

/* ------------------------------------------------------------ helpers */

static const char *say(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
static const char *say(struct arena *a, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	const char *s = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return s;
}

/* A list of strings that grows. */
struct lines {
	const char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
	GROW_FROM(l->v, l->n, l->cap, 8);
	l->v[l->n++] = s;
}

/* Moves the strings into the arena and frees the list. */
static const char **lines_keep(struct arena *a, struct lines *l, size_t *n)
{
	const char **v = arena_alloc(a, (l->n + 1) * sizeof(*v));
	if (l->n)
		memcpy(v, l->v, l->n * sizeof(*v));
	*n = l->n;
	free(l->v);
	memset(l, 0, sizeof(*l));
	return v;
}

/* A person as the public may see them (person_shown_name): the lines are
 * made before an audience is chosen, so the narrowest. */
static const char *person_name(const struct site *s, const char *id)
{
	for (size_t i = 0; i < s->npeople; i++)
		if (strcmp(s->people[i].id, id) == 0)
			return person_shown_name(&s->people[i], VIS_PUBLIC);
	return id;
}

/* "Dr A, Dr B" ("nobody" for none). */
static const char *names(struct arena *a, const struct site *s, const struct refs *r)
{
	if (!r->n)
		return "nobody";
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", person_name(s, r->v[i].id));
	const char *out = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return out;
}

static bool same_refs(const struct refs *x, const struct refs *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].id, y->v[i].id) != 0)
			return false;
	return true;
}

static bool same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* The highest milestone a project has reached (0 for none). */
static int reached(const struct project *pr)
{
	int k = 0;
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (pr->milestones[i].reached && pr->milestones[i].number > k)
			k = pr->milestones[i].number;
	return k;
}

/* The entry for milestone n when it is in progress with a target. */
static const struct milestone *target(const struct project *pr, int n)
{
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (pr->milestones[i].number == n && !pr->milestones[i].reached &&
		    pr->milestones[i].has_date)
			return &pr->milestones[i];
	return NULL;
}

/* ---------------------------------------------------------- projects */

static void project_lines(struct arena *a, const struct site *from, const struct site *to,
			  const struct project *p, const struct project *q, struct lines *out)
{
	int m0 = reached(p), m1 = reached(q);
	if (m0 != m1) {
		if (m0)
			lines_add(out, say(a, "milestone %d → %d", m0, m1));
		else
			lines_add(out, say(a, "milestone none → %d", m1));
	}
	if (p->status != q->status)
		lines_add(out, say(a, "%s → %s", status_name(p->status), status_name(q->status)));
	if (!same_refs(&p->clinical_leads, &q->clinical_leads))
		lines_add(out, say(a, "leads %s → %s", names(a, from, &p->clinical_leads),
				   names(a, to, &q->clinical_leads)));
	if (!same_str(p->project_manager.id, q->project_manager.id))
		lines_add(out, say(a, "manager %s → %s",
				   p->project_manager.id ? person_name(from, p->project_manager.id)
							 : "nobody",
				   q->project_manager.id ? person_name(to, q->project_manager.id)
							 : "nobody"));
	/* Targets of the milestones in progress on either side. */
	int hi = 0;
	for (size_t i = 0; i < p->nmilestones; i++)
		hi = p->milestones[i].number > hi ? p->milestones[i].number : hi;
	for (size_t i = 0; i < q->nmilestones; i++)
		hi = q->milestones[i].number > hi ? q->milestones[i].number : hi;
	for (int n = 1; n <= hi && n < 1000; n++) {
		const struct milestone *t0 = target(p, n), *t1 = target(q, n);
		if (t0 && t1 && date_cmp(t0->date, t1->date) != 0)
			lines_add(out, say(a, "milestone %d target %s → %s", n, date_long_s(a, t0->date),
					   date_long_s(a, t1->date)));
		else if (!t0 && t1)
			lines_add(out, say(a, "milestone %d target %s", n, date_long_s(a, t1->date)));
		else if (t0 && !t1 && n > m1)
			lines_add(out, say(a, "milestone %d target %s dropped", n,
					   date_long_s(a, t0->date)));
	}
}

/* -------------------------------------------------------------- plan */

static const struct area *find_area(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->nareas; i++)
		if (strcmp(p->areas[i].id, id) == 0)
			return &p->areas[i];
	return NULL;
}

static const struct level *find_level(const struct plan *p, int n)
{
	for (size_t i = 0; i < p->nlevels; i++)
		if (p->levels[i].number == n)
			return &p->levels[i];
	return NULL;
}

static const struct milestone_def *find_milestone(const struct plan *p, int n)
{
	for (size_t i = 0; i < p->nmilestones; i++)
		if (p->milestones[i].number == n)
			return &p->milestones[i];
	return NULL;
}

static const struct check *find_check(const struct milestone_def *m, const char *id)
{
	for (size_t i = 0; i < m->nchecks; i++)
		if (strcmp(m->checks[i].id, id) == 0)
			return &m->checks[i];
	return NULL;
}

static void plan_lines(struct arena *a, const struct plan *p, const struct plan *q,
		       struct lines *out)
{
	for (size_t i = 0; i < q->nareas; i++) {
		const struct area *n = &q->areas[i], *o = find_area(p, n->id);
		if (!o)
			lines_add(out, say(a, "area '%s' added at level %d", n->name, n->level));
		else if (o->level != n->level)
			lines_add(out, say(a, "area '%s': level %d → %d", n->name, o->level, n->level));
		if (o && !same_str(o->name, n->name))
			lines_add(out, say(a, "area '%s' renamed '%s'", o->name, n->name));
	}
	for (size_t i = 0; i < p->nareas; i++)
		if (!find_area(q, p->areas[i].id))
			lines_add(out, say(a, "area '%s' removed", p->areas[i].name));

	for (size_t i = 0; i < q->nlevels; i++) {
		const struct level *n = &q->levels[i], *o = find_level(p, n->number);
		if (!o) {
			lines_add(out, say(a, "level %d added: %s", n->number, n->name));
			continue;
		}
		if (!same_str(o->name, n->name))
			lines_add(out, say(a, "level %d: '%s' → '%s'", n->number, o->name, n->name));
		if (o->projects != n->projects)
			lines_add(out, say(a, "level %d: projects %s → %s", n->number,
					   o->projects ? "allowed" : "not allowed",
					   n->projects ? "allowed" : "not allowed"));
	}
	for (size_t i = 0; i < p->nlevels; i++)
		if (!find_level(q, p->levels[i].number))
			lines_add(out, say(a, "level %d removed", p->levels[i].number));

	for (size_t i = 0; i < q->nmilestones; i++) {
		const struct milestone_def *n = &q->milestones[i], *o = find_milestone(p, n->number);
		if (!o) {
			lines_add(out, say(a, "milestone %d '%s' added", n->number, n->name));
			continue;
		}
		if (!same_str(o->name, n->name))
			lines_add(out, say(a, "milestone %d: '%s' → '%s'", n->number, o->name, n->name));
		for (size_t k = 0; k < n->nchecks; k++) {
			const struct check *c = &n->checks[k], *oc = find_check(o, c->id);
			if (!oc)
				lines_add(out, say(a, "milestone %d '%s': check '%s' added", n->number,
						   n->name, c->id));
			else if (!same_str(oc->text, c->text))
				lines_add(out, say(a, "milestone %d '%s': check '%s' reworded", n->number,
						   n->name, c->id));
		}
		for (size_t k = 0; k < o->nchecks; k++)
			if (!find_check(n, o->checks[k].id))
				lines_add(out, say(a, "milestone %d '%s': check '%s' removed", n->number,
						   n->name, o->checks[k].id));
	}
	for (size_t i = 0; i < p->nmilestones; i++)
		if (!find_milestone(q, p->milestones[i].number))
			lines_add(out, say(a, "milestone %d '%s' removed", p->milestones[i].number,
					   p->milestones[i].name));
}

/* ------------------------------------------------------------ public */

static bool same_bytes(const struct doc *x, const struct doc *y)
{
	const struct source_file *f = x->file, *g = y->file;
	return f && g && f->len == g->len && memcmp(f->data, g->data, f->len) == 0;
}

void changes_compute(struct changes *c, const struct site *from, const struct site *to)
{
	struct arena *a = &c->arena;
	memset(c, 0, sizeof(*c));
	c->from = from;
	c->to = to;
	size_t nf = from->ndocs, nt = to->ndocs;
	c->added = arena_alloc(a, (nt + 1) * sizeof(*c->added));
	c->changed = arena_alloc(a, (nt + 1) * sizeof(*c->changed));
	c->removed = arena_alloc(a, (nf + 1) * sizeof(*c->removed));
	/* Both document lists are in path order: merge them. */
	for (size_t i = 0, k = 0; i < nf || k < nt;) {
		int cmp = i == nf ? 1 : k == nt ? -1 : strcmp(from->docs[i]->path, to->docs[k]->path);
		if (cmp < 0) {
			c->removed[c->nremoved++] = from->docs[i++];
		} else if (cmp > 0) {
			c->added[c->nadded++] = to->docs[k++];
		} else {
			if (!same_bytes(from->docs[i], to->docs[k]))
				c->changed[c->nchanged++] = to->docs[k];
			i++;
			k++;
		}
	}
	c->projects = arena_alloc(a, (to->nprojects + 1) * sizeof(*c->projects));
	for (size_t k = 0; k < to->nprojects; k++) {
		const struct project *q = &to->projects[k];
		const struct doc *od = site_doc_by_path(from, q->doc.path);
		if (!od || od->kind != DOC_PROJECT || !od->ok || !q->doc.ok)
			continue;
		const struct project *p = (const struct project *)od; /* doc is the first member */
		struct lines l = {0};
		project_lines(a, from, to, p, q, &l);
		if (!l.n) {
			free(l.v);
			continue;
		}
		struct project_change *pc = &c->projects[c->nprojects++];
		pc->from = p;
		pc->to = q;
		pc->what = lines_keep(a, &l, &pc->n);
	}
	struct lines pl = {0};
	if (from->plan.ok && to->plan.ok)
		plan_lines(a, &from->plan, &to->plan, &pl);
	c->plan = lines_keep(a, &pl, &c->nplan);
}

void changes_release(struct changes *c)
{
	arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------- what an audience sees */

static bool sees(const struct doc *d, enum visibility audience)
{
	return d && !d->flawed && doc_shown(d, audience);
}

/* True when the audience reads doc (of c->to) otherwise than the same
 * path of c->from. */
static bool reads_otherwise(const struct changes *c, const struct doc *d, enum visibility audience)
{
	const struct doc *old = site_doc_by_path(c->from, d->path);
	uint64_t h0, h1;
	if (!old || !audience_hash(old, audience, &h0) || !audience_hash(d, audience, &h1))
		return true;
	return h0 != h1;
}

/* The changes an audience is shown: the one filter of the changes/ page
 * and of `plansite changes`. Nothing the audience may not see on the side
 * it is listed from (added and changed: the newer; removed: the older;
 * projects: both); a document it sees only now is added for it; a change
 * it does not read (only in hidden parts) is none. Lists in a. */
struct shown {
	const struct doc **added, **removed, **changed;
	size_t nadded, nremoved, nchanged;
	const struct project_change **projects;
	size_t nprojects;
};

static void shown_of(const struct changes *c, enum visibility audience, struct arena *a,
		     struct shown *s)
{
	memset(s, 0, sizeof(*s));
	s->added = arena_alloc(a, (c->nadded + c->nchanged + 1) * sizeof(*s->added));
	s->removed = arena_alloc(a, (c->nremoved + 1) * sizeof(*s->removed));
	s->changed = arena_alloc(a, (c->nchanged + 1) * sizeof(*s->changed));
	s->projects = arena_alloc(a, (c->nprojects + 1) * sizeof(*s->projects));
	/* added in path order: the two lists merged */
	size_t i = 0, k = 0;
	while (i < c->nadded || k < c->nchanged) {
		bool take_added = k == c->nchanged ||
				  (i < c->nadded && strcmp(c->added[i]->path, c->changed[k]->path) < 0);
		const struct doc *d = take_added ? c->added[i++] : c->changed[k++];
		if (!sees(d, audience))
			continue;
		if (take_added || !sees(site_doc_by_path(c->from, d->path), audience))
			s->added[s->nadded++] = d;
		else if (reads_otherwise(c, d, audience))
			s->changed[s->nchanged++] = d;
	}
	for (i = 0; i < c->nremoved; i++)
		if (sees(c->removed[i], audience))
			s->removed[s->nremoved++] = c->removed[i];
	for (i = 0; i < c->nprojects; i++)
		if (sees(&c->projects[i].to->doc, audience) && sees(&c->projects[i].from->doc, audience))
			s->projects[s->nprojects++] = &c->projects[i];
}

/* "Title, 16 May 2007" for a meeting, "Title: May 2007" for a report. */
static void doc_label(struct buf *b, const struct doc *d)
{
	const char *title = d->title ? d->title : d->id;
	if (d->kind == DOC_MEETING && d->ok) {
		const struct meeting *m = (const struct meeting *)d;
		buf_printf(b, "%s, ", title);
		date_long(b, m->date);
	} else if (d->kind == DOC_REPORT && d->ok && ((const struct report *)d)->has_month) {
		const struct report *r = (const struct report *)d;
		buf_printf(b, "%s: %s %d", title, date_month_name(r->month.m), r->month.y);
	} else {
		buf_puts(b, title);
	}
}

static void text_docs(struct buf *out, const char *head, const char *mark,
		      const struct doc *const *v, size_t n)
{
	buf_printf(out, "%s (%zu)\n", head, n);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "  %s %s  ", mark, v[i]->path);
		doc_label(out, v[i]);
		if (v[i]->vis != VIS_PUBLIC)
			buf_printf(out, " [%s]", visibility_name(v[i]->vis));
		buf_putc(out, '\n');
	}
}

static void text_kind(struct buf *out, const char *head, const struct shown *s,
		      enum doc_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nadded; i++)
		n += s->added[i]->kind == kind;
	buf_printf(out, "%s (%zu)\n", head, n);
	for (size_t i = 0; i < s->nadded; i++) {
		if (s->added[i]->kind != kind)
			continue;
		buf_puts(out, "  ");
		doc_label(out, s->added[i]);
		buf_putc(out, '\n');
	}
}

void changes_text(const struct changes *c, enum visibility audience, const char *from_label,
		  const char *to_label, struct buf *out)
{
	struct arena a = ARENA_INIT;
	struct shown s;
	shown_of(c, audience, &a, &s);
	buf_printf(out, "Changes from %s to %s, as %s\n\n", from_label, to_label,
		   audience == VIS_PUBLIC ? "the public sees them" : "the practices see them");
	text_docs(out, "Documents added", "+", s.added, s.nadded);
	text_docs(out, "Documents removed", "-", s.removed, s.nremoved);
	text_docs(out, "Documents changed", "~", s.changed, s.nchanged);
	buf_printf(out, "Projects (%zu)\n", s.nprojects);
	for (size_t i = 0; i < s.nprojects; i++) {
		const struct project_change *pc = s.projects[i];
		buf_printf(out, "  %s: ", pc->to->doc.title);
		for (size_t k = 0; k < pc->n; k++)
			buf_printf(out, "%s%s", k ? ", " : "", pc->what[k]);
		buf_putc(out, '\n');
	}
	text_kind(out, "New meetings", &s, DOC_MEETING);
	text_kind(out, "New reports", &s, DOC_REPORT);
	buf_printf(out, "Plan (%zu)\n", c->nplan);
	for (size_t i = 0; i < c->nplan; i++)
		buf_printf(out, "  %s\n", c->plan[i]);
	arena_release(&a);
}

/* --------------------------------------------------- template values */

static struct value *list(struct arena *a)
{
	return value_new(a, VALUE_LIST, nopos);
}

static void put_list(struct arena *a, struct value *m, const char *k, struct value *l)
{
	value_map_put(a, m, k, l);
	value_map_put(a, m, arena_printf(a, "has_%s", k), value_bool(a, l->n > 0));
}

static struct value *doc_item(struct arena *a, const struct doc *d, const char *base)
{
	struct value *m = value_new(a, VALUE_MAP, nopos);
	struct buf b = BUF_INIT;
	doc_label(&b, d);
	value_map_put(a, m, "title", value_string(a, b.ptr, b.len, nopos));
	buf_release(&b);
	static const char *const kinds[] = {"Plan", "Project", "Meeting", "Report", "Page"};
	value_map_put(a, m, "kind", value_cstr(a, kinds[d->kind]));
	value_map_put(a, m, "href", value_cstr(a, arena_cat(a, base, doc_href(a, d), NULL)));
	return m;
}

struct value *changes_value(struct arena *a, const struct changes *c, enum visibility audience,
			    const char *prev_slug)
{
	struct value *m = value_new(a, VALUE_MAP, nopos);
	struct value *added = list(a), *removed = list(a), *changed = list(a);
	struct value *meetings = list(a), *reports = list(a), *projects = list(a), *plan = list(a);
	struct shown s;
	shown_of(c, audience, a, &s);
	for (size_t i = 0; i < s.nadded; i++) {
		const struct doc *d = s.added[i];
		value_list_push(a, added, doc_item(a, d, ""));
		if (d->kind == DOC_MEETING)
			value_list_push(a, meetings, doc_item(a, d, ""));
		if (d->kind == DOC_REPORT)
			value_list_push(a, reports, doc_item(a, d, ""));
	}
	/* A removed page lives on in the version before. */
	const char *before = prev_slug ? arena_printf(a, "../%s/", prev_slug) : "";
	for (size_t i = 0; i < s.nremoved; i++)
		value_list_push(a, removed, doc_item(a, s.removed[i], before));
	for (size_t i = 0; i < s.nchanged; i++)
		value_list_push(a, changed, doc_item(a, s.changed[i], ""));
	for (size_t i = 0; i < s.nprojects; i++) {
		const struct project_change *pc = s.projects[i];
		struct value *p = value_new(a, VALUE_MAP, nopos);
		value_map_put(a, p, "title", value_cstr(a, pc->to->doc.title));
		value_map_put(a, p, "href",
			      value_cstr(a, doc_href(a, &pc->to->doc)));
		struct buf b = BUF_INIT;
		struct value *what = list(a);
		for (size_t k = 0; k < pc->n; k++) {
			buf_printf(&b, "%s%s", k ? ", " : "", pc->what[k]);
			struct value *w = value_new(a, VALUE_MAP, nopos);
			value_map_put(a, w, "text", value_cstr(a, pc->what[k]));
			value_list_push(a, what, w);
		}
		value_map_put(a, p, "summary", value_string(a, b.ptr, b.len, nopos));
		buf_release(&b);
		put_list(a, p, "changes", what);
		value_list_push(a, projects, p);
	}
	for (size_t i = 0; i < c->nplan; i++) {
		struct value *p = value_new(a, VALUE_MAP, nopos);
		value_map_put(a, p, "text", value_cstr(a, c->plan[i]));
		value_list_push(a, plan, p);
	}
	put_list(a, m, "added", added);
	put_list(a, m, "removed", removed);
	put_list(a, m, "changed", changed);
	put_list(a, m, "projects", projects);
	put_list(a, m, "meetings", meetings);
	put_list(a, m, "reports", reports);
	put_list(a, m, "plan", plan);
	value_map_put(a, m, "nothing",
		      value_bool(a, !added->n && !removed->n && !changed->n && !projects->n &&
					    !plan->n));
	return m;
}
