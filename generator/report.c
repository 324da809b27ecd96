/*
 * report.c: the computed sections of a monthly programme status report.
 * A pure function of the site as it stood at the month's end (data), the
 * site at the end of the previous report's month (prev, or NULL for the
 * first report), the month and the audience: the same inputs give the same
 * report, whenever it is made. The result is a template context, shared by
 * the web page, the print page and the PDF, so all three say the same.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

static const struct pos nopos;

static struct value *map(struct arena *a)
{
	return value_new(a, VALUE_MAP, nopos);
}

static struct value *list(struct arena *a)
{
	return value_new(a, VALUE_LIST, nopos);
}

static void put_s(struct arena *a, struct value *m, const char *k, const char *s)
{
	if (s)
		value_map_put(a, m, k, value_cstr(a, s));
}

/* Puts a list and has_<k> (see render.c's put). */
static void put_list(struct arena *a, struct value *m, const char *k, struct value *l)
{
	value_map_put(a, m, k, l);
	value_map_put(a, m, arena_printf(a, "has_%s", k), value_bool(a, l->n > 0));
}

/* How the report names a person: see person_shown_name. */
static const char *person_name(const struct report_index *x, const char *id)
{
	size_t i;
	return id && idmap_get(&x->people, id, &i) ? person_shown_name(&x->s->people[i], x->audience)
						    : id;
}

/* How many of a meeting's decisions the audience may see. */
static size_t shown_decisions(const struct meeting *m, enum visibility audience)
{
	size_t n = 0;
	for (size_t j = 0; j < m->ndecisions; j++)
		n += vis_shown(m->decisions[j].vis, audience);
	return n;
}

static const char *area_name(const struct report_index *x, const char *id)
{
	size_t i;
	return id && idmap_get(&x->areas, id, &i) ? x->s->plan.areas[i].name : id;
}

static const char *milestone_name(const struct site *s, int n)
{
	for (size_t i = 0; i < s->plan.nmilestones; i++)
		if (s->plan.milestones[i].number == n)
			return s->plan.milestones[i].name;
	return NULL;
}

static const char *status_word(enum status st)
{
	static const char *const w[] = {"green", "amber", "red", "closed"};
	return w[st];
}

static const char *status_label(enum status st)
{
	static const char *const w[] = {"Green: on track", "Amber: some risk", "Red: serious risk",
					"Closed"};
	return w[st];
}

static const struct project *find_project(const struct report_index *x, const char *id)
{
	size_t i;
	return id && idmap_get(&x->ids, id, &i) ? x->all_projects[i] : NULL;
}

/* The highest reached milestone and the one in progress. */
static int reached_of(const struct project *pr, const struct milestone **last,
		      const struct milestone **current)
{
	int k = 0;
	*last = *current = NULL;
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (pr->milestones[i].reached && pr->milestones[i].number > k) {
			k = pr->milestones[i].number;
			*last = &pr->milestones[i];
		}
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (!pr->milestones[i].reached && pr->milestones[i].number == k + 1)
			*current = &pr->milestones[i];
	return k;
}

static int cmp_title(const void *x, const void *y)
{
	const struct project *const *a = x, *const *b = y;
	return strcmp((*a)->doc.title ? (*a)->doc.title : "", (*b)->doc.title ? (*b)->doc.title : "");
}

/* Meetings by date, then in the site's (path) order. */
static int cmp_meeting_date(const void *x, const void *y)
{
	const struct dated_meeting *a = x, *b = y;
	int c = date_cmp(a->date, b->date);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* Where an open action stands in the site's own order. */
static int cmp_open_place(const void *x, const void *y)
{
	const struct open_action *a = x, *b = y;
	return a->meeting != b->meeting ? (a->meeting < b->meeting ? -1 : 1)
					: (a->action > b->action) - (a->action < b->action);
}

/* By due date, then in the site's order. */
static int cmp_open_due(const void *x, const void *y)
{
	const struct open_action *a = x, *b = y;
	int c = date_cmp(a->due, b->due);
	return c ? c : cmp_open_place(x, y);
}

static bool in_month(struct date d, struct date month)
{
	return d.y == month.y && d.m == month.m;
}

/* The project table: rows shaped like the tracker's. It depends on the
 * data alone, not on the month, so it is made once per index and shared
 * (marked so: a template renders it once for every page alike). */
static struct value *project_rows(const struct report_index *x, struct arena *a)
{
	const struct site *data = x->s;
	struct value *rows = list(a);
	for (size_t i = 0; i < x->nprojects; i++) {
		const struct project *pr = x->projects[i];
		const struct milestone *last, *cur;
		int k = reached_of(pr, &last, &cur);
		struct value *row = map(a);
		put_s(a, row, "title", pr->doc.title);
		put_s(a, row, "href", arena_printf(a, "projects/%s/index.html", pr->doc.id));
		put_s(a, row, "area", area_name(x, pr->area.id));
		struct value *leads = list(a);
		for (size_t j = 0; j < pr->clinical_leads.n; j++) {
			struct value *p = map(a);
			put_s(a, p, "name", person_name(x, pr->clinical_leads.v[j].id));
			value_list_push(a, leads, p);
		}
		put_list(a, row, "leads", leads);
		if (k) {
			struct value *rm = map(a);
			value_map_put(a, rm, "number", value_number(a, k));
			put_s(a, rm, "name", milestone_name(data, k));
			if (last && last->has_date)
				put_s(a, rm, "date", date_long_s(a, last->date));
			value_map_put(a, row, "reached", rm);
		} else {
			/* present but null: a template's lookup must not climb to
			 * the section's own "reached_in_month" or anything else */
			value_map_put(a, row, "reached", value_new(a, VALUE_NULL, nopos));
		}
		const char *nname = milestone_name(data, k + 1);
		if (pr->status == STATUS_CLOSED || !nname)
			value_map_put(a, row, "next", value_new(a, VALUE_NULL, nopos));
		if (pr->status != STATUS_CLOSED && nname) {
			struct value *nm = map(a);
			value_map_put(a, nm, "number", value_number(a, k + 1));
			put_s(a, nm, "name", nname);
			if (cur && cur->has_date)
				put_s(a, nm, "target", date_long_s(a, cur->date));
			value_map_put(a, row, "next", nm);
		}
		put_s(a, row, "status", status_word(pr->status));
		put_s(a, row, "status_label", status_label(pr->status));
		value_list_push(a, rows, row);
	}
	return rows;
}

/* What every index has: all the projects and meetings, the lookups, and
 * the visible projects by title. */
static void index_common(struct report_index *x, const struct site *s, enum visibility audience)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->audience = audience;
	/* every project and meeting, in path order: the site's own, or a data
	 * site's from its pool */
	if (s->pool) {
		x->all_projects = s->pool_projects;
		x->nall_projects = s->npool_projects;
		x->all_meetings = s->pool_meetings;
		x->nall_meetings = s->npool_meetings;
	} else {
		const struct project **ps = xcalloc(s->nprojects + 1, sizeof(*ps));
		for (size_t i = 0; i < s->nprojects; i++)
			ps[i] = &s->projects[i];
		const struct meeting **ms = xcalloc(s->nmeetings + 1, sizeof(*ms));
		for (size_t i = 0; i < s->nmeetings; i++)
			ms[i] = &s->meetings[i];
		x->all_projects = x->own_projects = ps;
		x->nall_projects = s->nprojects;
		x->all_meetings = x->own_meetings = ms;
		x->nall_meetings = s->nmeetings;
	}
	idmap_init(&x->people, s->npeople);
	for (size_t i = 0; i < s->npeople; i++)
		idmap_put(&x->people, s->people[i].id, i);
	idmap_init(&x->areas, s->plan.nareas);
	for (size_t i = 0; i < s->plan.nareas; i++)
		idmap_put(&x->areas, s->plan.areas[i].id, i);
	idmap_init(&x->ids, x->nall_projects);
	for (size_t i = 0; i < x->nall_projects; i++)
		idmap_put(&x->ids, x->all_projects[i]->doc.id, i);

	x->projects = xcalloc(x->nall_projects + 1, sizeof(*x->projects));
	for (size_t i = 0; i < x->nall_projects; i++)
		if (doc_shown(&x->all_projects[i]->doc, audience))
			x->projects[x->nprojects++] = x->all_projects[i];
	qsort(x->projects, x->nprojects, sizeof(*x->projects), cmp_title);
}

/* Appends meeting i's visible entry and its open actions that the
 * audience may see (unsorted). */
static void index_meeting(struct report_index *x, size_t i, size_t *capopen)
{
	const struct meeting *m = x->all_meetings[i];
	if (!doc_shown(&m->doc, x->audience))
		return;
	x->meetings[x->nmeetings++] = (struct dated_meeting){m->date, i};
	for (size_t j = 0; j < m->nactions; j++) {
		if (m->actions[j].done || !vis_shown(m->actions[j].vis, x->audience))
			continue;
		GROW_FROM(x->open, x->nopen, *capopen, 1024);
		x->open[x->nopen++] = (struct open_action){i, j, m->actions[j].due};
	}
}

void report_index_init(struct report_index *x, const struct site *s, enum visibility audience,
		       bool shared)
{
	index_common(x, s, audience);
	size_t capopen = 0;
	x->meetings = xcalloc(x->nall_meetings + 1, sizeof(*x->meetings));
	for (size_t i = 0; i < x->nall_meetings; i++)
		index_meeting(x, i, &capopen);
	qsort(x->meetings, x->nmeetings, sizeof(*x->meetings), cmp_meeting_date);
	if (!x->open)
		x->open = xcalloc(1, sizeof(*x->open));
	qsort(x->open, x->nopen, sizeof(*x->open), cmp_open_due);
	if (shared) {
		x->rows = project_rows(x, &x->arena);
		x->rows->shared = true;
	}
}

void report_index_derive(struct report_index *x, const struct site *s,
			 const struct report_index *old, const struct meeting_moves *mv)
{
	index_common(x, s, old->audience);
	/* the meetings that came or changed, indexed and sorted on their own */
	size_t capopen = 0;
	x->meetings = xcalloc(x->nall_meetings + 1, sizeof(*x->meetings));
	for (size_t k = 0; k < mv->nadded; k++)
		index_meeting(x, mv->added[k], &capopen);
	size_t nnew = x->nmeetings, nnewopen = x->nopen;
	struct dated_meeting *newm = xcalloc(nnew + 1, sizeof(*newm));
	memcpy(newm, x->meetings, nnew * sizeof(*newm));
	struct open_action *newo = xcalloc(nnewopen + 1, sizeof(*newo));
	if (nnewopen)
		memcpy(newo, x->open, nnewopen * sizeof(*newo));
	qsort(newm, nnew, sizeof(*newm), cmp_meeting_date);
	qsort(newo, nnewopen, sizeof(*newo), cmp_open_due);
	/* merged with the old ones that stayed, renumbered: the renumbering
	 * keeps their order, as it keeps the path order */
	size_t nopen_old = 0;
	for (size_t i = 0; i < old->nopen; i++)
		nopen_old += mv->to[old->open[i].meeting] != SIZE_MAX;
	free(x->open);
	x->open = xcalloc(nopen_old + nnewopen + 1, sizeof(*x->open));
	x->nopen = 0;
	size_t a = 0, b = 0;
	while (a < old->nopen || b < nnewopen) {
		struct open_action o;
		if (a < old->nopen && mv->to[old->open[a].meeting] == SIZE_MAX) {
			a++;
			continue;
		}
		if (a < old->nopen) {
			o = old->open[a];
			o.meeting = mv->to[o.meeting];
		}
		if (b < nnewopen && (a == old->nopen || cmp_open_due(&newo[b], &o) < 0)) {
			x->open[x->nopen++] = newo[b++];
		} else {
			x->open[x->nopen++] = o;
			a++;
		}
	}
	x->nmeetings = 0;
	a = b = 0;
	while (a < old->nmeetings || b < nnew) {
		struct dated_meeting m;
		if (a < old->nmeetings && mv->to[old->meetings[a].i] == SIZE_MAX) {
			a++;
			continue;
		}
		if (a < old->nmeetings) {
			m = old->meetings[a];
			m.i = mv->to[m.i];
		}
		if (b < nnew && (a == old->nmeetings || cmp_meeting_date(&newm[b], &m) < 0)) {
			x->meetings[x->nmeetings++] = newm[b++];
		} else {
			x->meetings[x->nmeetings++] = m;
			a++;
		}
	}
	free(newm);
	free(newo);
}

void report_index_release(struct report_index *x)
{
	idmap_release(&x->people);
	idmap_release(&x->areas);
	idmap_release(&x->ids);
	free(x->projects);
	free(x->meetings);
	free(x->own_projects);
	free(x->own_meetings);
	free(x->open);
	arena_release(&x->arena);
	memset(x, 0, sizeof(*x));
}

/* The first of the x->n meetings sorted by date at or after d. */
static size_t first_meeting_from(const struct report_index *x, struct date d)
{
	size_t lo = 0, hi = x->nmeetings;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (date_cmp(x->meetings[mid].date, d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_index(const void *x, const void *y)
{
	const size_t *a = x, *b = y;
	return (*a > *b) - (*a < *b);
}

struct value *report_sections(struct arena *a, const struct report_index *ix,
			      const struct report_index *prev, struct date month)
{
	const struct site *data = ix->s;
	enum visibility audience = ix->audience;
	struct value *r = map(a);
	struct date end = month;
	end.d = date_days_in_month(month.y, month.m);
	struct date nextm = date_add_months(month, 1);
	put_s(a, r, "month", date_month_s(a, month));
	put_s(a, r, "title_projects", "Where each project stands");
	put_s(a, r, "title_reached",
	      arena_printf(a, "Milestones reached in %s %d", date_month_name(month.m), month.y));
	put_s(a, r, "title_due",
	      arena_printf(a, "Milestones due in %s %d", date_month_name(nextm.m), nextm.y));
	put_s(a, r, "title_changes", "Status changes since the previous report");
	put_s(a, r, "title_overdue",
	      arena_printf(a, "Actions overdue at %s", date_long_s(a, end)));
	put_s(a, r, "title_decisions",
	      arena_printf(a, "Decisions in %s %d", date_month_name(month.m), month.y));
	put_s(a, r, "title_objectives", "Corporate objectives due or overdue");
	struct date next = nextm;
	size_t np = ix->nprojects;
	const struct project **ps = ix->projects;

	put_list(a, r, "projects", ix->rows ? ix->rows : project_rows(ix, a));

	/* Milestones reached in the month, and due next month. */
	struct value *reached = list(a), *due = list(a);
	for (size_t i = 0; i < np; i++) {
		const struct project *pr = ps[i];
		for (size_t j = 0; j < pr->nmilestones; j++) {
			const struct milestone *m = &pr->milestones[j];
			if (!m->has_date)
				continue;
			struct value *v = NULL;
			if (m->reached && in_month(m->date, month))
				value_list_push(a, reached, v = map(a));
			else if (!m->reached && in_month(m->date, next))
				value_list_push(a, due, v = map(a));
			if (!v)
				continue;
			put_s(a, v, "project", pr->doc.title);
			put_s(a, v, "href", arena_printf(a, "projects/%s/index.html", pr->doc.id));
			put_s(a, v, "milestone",
			      arena_printf(a, "%d. %s", m->number, milestone_name(data, m->number)));
			put_s(a, v, "date", date_long_s(a, m->date));
		}
	}
	put_list(a, r, "reached_in_month", reached);
	put_list(a, r, "due_next", due);
	put_s(a, r, "next_month", date_month_s(a, next));

	/* Status changes since the previous report. */
	struct value *changes = list(a);
	if (prev) {
		for (size_t i = 0; i < np; i++) {
			const struct project *pr = ps[i];
			const struct project *old = find_project(prev, pr->doc.id);
			struct buf what = BUF_INIT;
			if (!old || !doc_shown(&old->doc, audience)) {
				buf_puts(&what, "new project");
			} else {
				const struct milestone *l1, *c1, *l2, *c2;
				int k1 = reached_of(old, &l1, &c1), k2 = reached_of(pr, &l2, &c2);
				if (k1 != k2)
					buf_printf(&what, "milestone %d \u2192 %d", k1, k2);
				if (old->status != pr->status)
					buf_printf(&what, "%s%s \u2192 %s", what.len ? ", " : "",
						   status_word(old->status), status_word(pr->status));
			}
			if (what.len) {
				struct value *v = map(a);
				put_s(a, v, "project", pr->doc.title);
				put_s(a, v, "href", arena_printf(a, "projects/%s/index.html", pr->doc.id));
				put_s(a, v, "change", what.ptr);
				value_list_push(a, changes, v);
			}
			buf_release(&what);
		}
	}
	put_list(a, r, "status_changes", changes);
	value_map_put(a, r, "first_report", value_bool(a, prev == NULL));

	/* Open actions overdue at the month's end (due before it: a prefix of
	 * the index's open actions), grouped by meeting in the site's order. */
	size_t nover = 0;
	while (nover < ix->nopen && date_cmp(ix->open[nover].due, end) < 0)
		nover++;
	struct open_action *over = xcalloc(nover + 1, sizeof(*over));
	memcpy(over, ix->open, nover * sizeof(*over));
	qsort(over, nover, sizeof(*over), cmp_open_place);
	/* The month's meetings with decisions the audience may see, in the
	 * site's order. */
	struct date first = month;
	first.d = 1;
	size_t m0 = first_meeting_from(ix, first), m1 = m0;
	while (m1 < ix->nmeetings && in_month(ix->meetings[m1].date, month))
		m1++;
	size_t *decided = xcalloc(m1 - m0 + 1, sizeof(*decided));
	size_t ndecided = 0;
	for (size_t i = m0; i < m1; i++)
		if (shown_decisions(ix->all_meetings[ix->meetings[i].i], audience))
			decided[ndecided++] = ix->meetings[i].i;
	qsort(decided, ndecided, sizeof(*decided), cmp_index);

	struct value *overdue = list(a), *decisions = list(a);
	for (size_t i = 0; i < nover;) {
		const struct meeting *m = ix->all_meetings[over[i].meeting];
		const char *mtitle = arena_printf(a, "%s, %s", m->doc.title, date_long_s(a, m->date));
		const char *mhref = arena_printf(a, "meetings/%s/index.html", m->doc.id);
		for (; i < nover && ix->all_meetings[over[i].meeting] == m; i++) {
			const struct action *ac = &m->actions[over[i].action];
			struct value *v = map(a);
			put_s(a, v, "text", ac->text);
			put_s(a, v, "owner", person_name(ix, ac->owner.id));
			put_s(a, v, "due", date_long_s(a, ac->due));
			put_s(a, v, "due_iso", date_iso_s(a, ac->due));
			put_s(a, v, "meeting", mtitle);
			put_s(a, v, "meeting_href", mhref);
			/* where its text's links and anchors are resolved from */
			put_s(a, v, "meeting_path", m->doc.path);
			value_list_push(a, overdue, v);
		}
	}
	for (size_t i = 0; i < ndecided; i++) {
		const struct meeting *m = ix->all_meetings[decided[i]];
		const char *mtitle = arena_printf(a, "%s, %s", m->doc.title, date_long_s(a, m->date));
		const char *mhref = arena_printf(a, "meetings/%s/index.html", m->doc.id);
		struct value *v = map(a), *items = list(a);
		put_s(a, v, "meeting", mtitle);
		put_s(a, v, "meeting_href", mhref);
		put_s(a, v, "meeting_path", m->doc.path);
		for (size_t j = 0; j < m->ndecisions; j++) {
			if (!vis_shown(m->decisions[j].vis, audience))
				continue;
			struct value *d = map(a);
			put_s(a, d, "text", m->decisions[j].text);
			value_list_push(a, items, d);
		}
		put_list(a, v, "decisions", items);
		value_list_push(a, decisions, v);
	}
	free(over);
	free(decided);
	put_list(a, r, "overdue_actions", overdue);
	put_list(a, r, "decisions", decisions);

	/* Corporate objectives due by the end of next month, not achieved by
	 * the month's end. */
	struct value *objs = list(a);
	struct date horizon = next;
	horizon.d = date_days_in_month(next.y, next.m);
	for (size_t i = 0; i < data->plan.nobjectives; i++) {
		const struct objective *o = &data->plan.objectives[i];
		bool done = o->achieved && date_cmp(o->achieved_on, end) <= 0;
		if (done || date_cmp(o->due, horizon) > 0)
			continue;
		struct value *v = map(a);
		put_s(a, v, "text", o->text);
		put_s(a, v, "due", date_long_s(a, o->due));
		put_s(a, v, "state", date_cmp(o->due, end) <= 0 ? "Overdue" : "Due soon");
		value_list_push(a, objs, v);
	}
	put_list(a, r, "objectives", objs);
	return r;
}

/* ------------------------------------------------------------ PDF */

struct blocks {
	struct arena *a;
	struct pdf_block **v;
	size_t *n, *cap;
};

static struct pdf_block *block(struct blocks *b, enum pdf_kind kind, int level, const char *text)
{
	if (*b->n == *b->cap) {
		*b->cap = *b->cap ? *b->cap * 2 : 64;
		struct pdf_block *nv = arena_alloc(b->a, *b->cap * sizeof(*nv));
		if (*b->n)
			memcpy(nv, *b->v, *b->n * sizeof(*nv));
		*b->v = nv;
	}
	struct pdf_block *p = &(*b->v)[(*b->n)++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->level = level;
	p->text = text;
	return p;
}

/* Escapes text for pdf.c's inline markup. */
static const char *esc(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	if (s)
		escape_html(&b, s, strlen(s));
	const char *r = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return r;
}

static const char *str(const struct value *m, const char *k)
{
	const struct value *v = value_get(m, k);
	return v && v->str ? v->str : NULL;
}

/* A decision's or an action's text: its Markdown made markup by the caller
 * ("pdf"), else the text as it is. */
static const char *markup(struct arena *a, const struct value *m)
{
	const struct value *p = value_get(m, "pdf");
	return p && p->str ? p->str : esc(a, str(m, "text"));
}

static const struct value *items(const struct value *m, const char *k)
{
	const struct value *v = value_get(m, k);
	return v && v->kind == VALUE_LIST ? v : NULL;
}

/* "2. Agree the plan" with a second line, as table cell markup. */
static const char *milestone_cell(struct arena *a, const struct value *m, const char *datekey,
				  const char *prefix, const char *none)
{
	if (!m)
		return esc(a, none);
	struct buf b = BUF_INIT;
	const struct value *num = value_get(m, "number");
	if (num)
		value_text(&b, num);
	buf_puts(&b, ". ");
	const char *name = str(m, "name");
	if (name)
		escape_html(&b, name, strlen(name));
	const char *date = str(m, datekey);
	if (date) {
		buf_printf(&b, "<br>%s", prefix);
		escape_html(&b, date, strlen(date));
	}
	const char *r = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return r;
}

static void none_or(struct blocks *b, const struct value *l, const char *none)
{
	if (!l || l->n == 0)
		block(b, PDF_PARAGRAPH, 0, esc(b->a, none));
}

void report_pdf_sections(struct arena *a, const struct value *s, const char *data_note,
			 const char *changes_note, struct pdf_block **v, size_t *n, size_t *cap)
{
	struct blocks b = {a, v, n, cap};
	const struct value *l;
	block(&b, PDF_HEADING, 2,
	      arena_printf(a, "The programme at the end of %s", esc(a, str(s, "month"))));
	if (data_note)
		block(&b, PDF_PARAGRAPH, 0, arena_printf(a, "<i>%s</i>", esc(a, data_note)));

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_projects")));
	l = items(s, "projects");
	if (l && l->n) {
		/* the columns of the web page's tracker, in its order */
		static const char *const head[] = {"Project", "Status", "Milestone reached",
						   "Next milestone", "Clinical leads"};
		static const double widths[] = {0.24, 0.16, 0.22, 0.22, 0.16};
		const char **cells = arena_alloc(a, (l->n + 1) * 5 * sizeof(*cells));
		for (size_t c = 0; c < 5; c++)
			cells[c] = head[c];
		for (size_t i = 0; i < l->n; i++) {
			const struct value *row = l->u.items[i];
			const char **cell = &cells[(i + 1) * 5];
			cell[0] = arena_printf(a, "<b>%s</b><br>%s", esc(a, str(row, "title")),
					       esc(a, str(row, "area")));
			cell[1] = esc(a, str(row, "status_label"));
			cell[2] = milestone_cell(a, value_get(row, "reached"), "date", "on ", "None yet");
			cell[3] = milestone_cell(a, value_get(row, "next"), "target", "target ", "None");
			struct buf leads = BUF_INIT;
			const struct value *ls = items(row, "leads");
			for (size_t j = 0; ls && j < ls->n; j++)
				buf_printf(&leads, "%s%s", j ? ", " : "", str(ls->u.items[j], "name"));
			cell[4] = esc(a, leads.ptr);
			buf_release(&leads);
		}
		struct pdf_block *t = block(&b, PDF_TABLE, 0, NULL);
		t->table.ncols = 5;
		t->table.nrows = l->n + 1;
		t->table.cells = cells;
		t->table.widths = widths;
	} else {
		none_or(&b, l, "There are no projects.");
	}

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_reached")));
	l = items(s, "reached_in_month");
	for (size_t i = 0; l && i < l->n; i++) {
		const struct value *m = l->u.items[i];
		block(&b, PDF_ITEM, 1,
		      arena_printf(a, "<b>%s</b>: milestone %s, %s", esc(a, str(m, "project")),
				   esc(a, str(m, "milestone")), esc(a, str(m, "date"))));
	}
	none_or(&b, l, "None.");

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_due")));
	l = items(s, "due_next");
	for (size_t i = 0; l && i < l->n; i++) {
		const struct value *m = l->u.items[i];
		block(&b, PDF_ITEM, 1,
		      arena_printf(a, "<b>%s</b>: milestone %s, target %s", esc(a, str(m, "project")),
				   esc(a, str(m, "milestone")), esc(a, str(m, "date"))));
	}
	none_or(&b, l, "None.");

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_changes")));
	l = items(s, "status_changes");
	if (changes_note) {
		block(&b, PDF_PARAGRAPH, 0, esc(a, changes_note));
	} else {
		for (size_t i = 0; l && i < l->n; i++) {
			const struct value *m = l->u.items[i];
			block(&b, PDF_ITEM, 1,
			      arena_printf(a, "<b>%s</b>: %s", esc(a, str(m, "project")),
					   esc(a, str(m, "change"))));
		}
		none_or(&b, l, "No project changed its milestone or status.");
	}

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_overdue")));
	l = items(s, "overdue_actions");
	if (l && l->n) {
		static const char *const head[] = {"Action", "Owner", "Due", "Meeting"};
		static const double widths[] = {0.42, 0.18, 0.15, 0.25};
		const char **cells = arena_alloc(a, (l->n + 1) * 4 * sizeof(*cells));
		for (size_t c = 0; c < 4; c++)
			cells[c] = head[c];
		for (size_t i = 0; i < l->n; i++) {
			const struct value *m = l->u.items[i];
			const char **cell = &cells[(i + 1) * 4];
			cell[0] = markup(a, m);
			cell[1] = esc(a, str(m, "owner"));
			cell[2] = esc(a, str(m, "due"));
			cell[3] = esc(a, str(m, "meeting"));
		}
		struct pdf_block *t = block(&b, PDF_TABLE, 0, NULL);
		t->table.ncols = 4;
		t->table.nrows = l->n + 1;
		t->table.cells = cells;
		t->table.widths = widths;
	} else {
		none_or(&b, l, "None.");
	}

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_decisions")));
	l = items(s, "decisions");
	for (size_t i = 0; l && i < l->n; i++) {
		const struct value *m = l->u.items[i];
		block(&b, PDF_PARAGRAPH, 0, arena_printf(a, "<b>%s</b>", esc(a, str(m, "meeting"))));
		const struct value *ds = items(m, "decisions");
		for (size_t j = 0; ds && j < ds->n; j++) {
			struct pdf_block *it = block(&b, PDF_ITEM, 1, markup(a, ds->u.items[j]));
			it->ordered = true;
			it->number = (int)j + 1;
		}
	}
	none_or(&b, l, "No meeting of the month recorded a decision.");

	block(&b, PDF_HEADING, 3, esc(a, str(s, "title_objectives")));
	l = items(s, "objectives");
	for (size_t i = 0; l && i < l->n; i++) {
		const struct value *m = l->u.items[i];
		block(&b, PDF_ITEM, 1,
		      arena_printf(a, "%s: due %s (<b>%s</b>)", esc(a, str(m, "text")),
				   esc(a, str(m, "due")), esc(a, str(m, "state"))));
	}
	none_or(&b, l, "None.");
}
