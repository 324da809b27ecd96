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

static const char *long_date(struct arena *a, struct date d)
{
	struct buf b = BUF_INIT;
	date_long(&b, d);
	const char *s = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return s;
}

static bool visible(const struct doc *doc, enum visibility audience)
{
	return doc->ok && doc->vis <= audience;
}

static const char *person_name(const struct site *s, const char *id)
{
	for (size_t i = 0; id && i < s->npeople; i++)
		if (strcmp(s->people[i].id, id) == 0)
			return s->people[i].name;
	return id;
}

static const char *area_name(const struct site *s, const char *id)
{
	for (size_t i = 0; id && i < s->plan.nareas; i++)
		if (strcmp(s->plan.areas[i].id, id) == 0)
			return s->plan.areas[i].name;
	return id;
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

static const struct project *find_project(const struct site *s, const char *id)
{
	for (size_t i = 0; i < s->nprojects; i++)
		if (strcmp(s->projects[i].doc.id, id) == 0)
			return &s->projects[i];
	return NULL;
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

/* The visible projects of s, by title. */
static const struct project **projects_by_title(const struct site *s, enum visibility audience,
						size_t *n)
{
	const struct project **v = xcalloc(s->nprojects + 1, sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < s->nprojects; i++)
		if (visible(&s->projects[i].doc, audience))
			v[(*n)++] = &s->projects[i];
	qsort(v, *n, sizeof(*v), cmp_title);
	return v;
}

static bool in_month(struct date d, struct date month)
{
	return d.y == month.y && d.m == month.m;
}

struct value *report_sections(struct arena *a, const struct site *data, const struct site *prev,
			      struct date month, enum visibility audience)
{
	struct value *r = map(a);
	struct date end = month;
	end.d = date_days_in_month(month.y, month.m);
	struct date next = date_add_months(month, 1);
	size_t np;
	const struct project **ps = projects_by_title(data, audience, &np);

	/* The project table. */
	struct value *rows = list(a);
	for (size_t i = 0; i < np; i++) {
		const struct project *pr = ps[i];
		const struct milestone *last, *cur;
		int k = reached_of(pr, &last, &cur);
		struct value *row = map(a);
		put_s(a, row, "title", pr->doc.title);
		put_s(a, row, "href", arena_printf(a, "projects/%s/index.html", pr->doc.id));
		put_s(a, row, "area", area_name(data, pr->area.id));
		struct buf leads = BUF_INIT;
		for (size_t j = 0; j < pr->clinical_leads.n; j++)
			buf_printf(&leads, "%s%s", j ? ", " : "",
				   person_name(data, pr->clinical_leads.v[j].id));
		put_s(a, row, "leads", leads.ptr);
		buf_release(&leads);
		put_s(a, row, "reached", k ? arena_printf(a, "%d. %s", k, milestone_name(data, k))
					   : "None yet");
		if (last && last->has_date)
			put_s(a, row, "reached_date", long_date(a, last->date));
		const char *nname = milestone_name(data, k + 1);
		if (pr->status != STATUS_CLOSED && nname) {
			put_s(a, row, "next", arena_printf(a, "%d. %s", k + 1, nname));
			if (cur && cur->has_date)
				put_s(a, row, "target", long_date(a, cur->date));
		}
		put_s(a, row, "status", status_word(pr->status));
		value_list_push(a, rows, row);
	}
	put_list(a, r, "projects", rows);

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
			put_s(a, v, "date", long_date(a, m->date));
		}
	}
	put_list(a, r, "reached", reached);
	put_list(a, r, "due_next", due);
	put_s(a, r, "next_month", arena_printf(a, "%s %d", date_month_name(next.m), next.y));

	/* Status changes since the previous report. */
	struct value *changes = list(a);
	if (prev) {
		for (size_t i = 0; i < np; i++) {
			const struct project *pr = ps[i];
			const struct project *old = find_project(prev, pr->doc.id);
			struct buf what = BUF_INIT;
			if (!old || !visible(&old->doc, audience)) {
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

	/* Open actions overdue at the month's end, and the month's decisions. */
	struct value *overdue = list(a), *decisions = list(a);
	for (size_t i = 0; i < data->nmeetings; i++) {
		const struct meeting *m = &data->meetings[i];
		if (!visible(&m->doc, audience))
			continue;
		const char *mtitle = arena_printf(a, "%s, %s", m->doc.title, long_date(a, m->date));
		const char *mhref = arena_printf(a, "meetings/%s/index.html", m->doc.id);
		for (size_t j = 0; j < m->nactions; j++) {
			const struct action *ac = &m->actions[j];
			if (ac->done || date_cmp(ac->due, end) >= 0)
				continue;
			struct value *v = map(a);
			put_s(a, v, "text", ac->text);
			put_s(a, v, "owner", person_name(data, ac->owner.id));
			put_s(a, v, "due", long_date(a, ac->due));
			put_s(a, v, "due_iso", arena_printf(a, "%04d-%02d-%02d", ac->due.y, ac->due.m,
							    ac->due.d));
			put_s(a, v, "meeting", mtitle);
			put_s(a, v, "meeting_href", mhref);
			value_list_push(a, overdue, v);
		}
		if (in_month(m->date, month) && m->ndecisions) {
			struct value *v = map(a), *items = list(a);
			put_s(a, v, "meeting", mtitle);
			put_s(a, v, "meeting_href", mhref);
			for (size_t j = 0; j < m->ndecisions; j++) {
				struct value *d = map(a);
				put_s(a, d, "text", m->decisions[j]);
				value_list_push(a, items, d);
			}
			put_list(a, v, "decisions", items);
			value_list_push(a, decisions, v);
		}
	}
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
		put_s(a, v, "due", long_date(a, o->due));
		put_s(a, v, "state", date_cmp(o->due, end) <= 0 ? "Overdue" : "Due soon");
		value_list_push(a, objs, v);
	}
	put_list(a, r, "objectives", objs);
	free(ps);
	return r;
}
