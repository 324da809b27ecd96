/*
 * render_pages.c: the pages of the site: the project tracker and each
 * project's page, the meetings archive and each meeting's page, the plan
 * and its sections, the people, free pages, the home page, search and 404.
 * render.c runs them as jobs on every core.
 */
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

static const struct pos nopos;

/* ------------------------------------------------------- projects */

/* Where a project stands: k reached, and the milestone it works toward. */
struct standing {
	int reached;                     /* highest reached, 0 for none */
	const struct milestone *last;    /* that milestone's entry */
	const struct milestone *current; /* the one in progress, or NULL */
};

static struct standing standing_of(const struct project *pr)
{
	struct standing st = {0, NULL, NULL};
	for (size_t i = 0; i < pr->nmilestones; i++) {
		const struct milestone *m = &pr->milestones[i];
		if (m->reached && m->number > st.reached) {
			st.reached = m->number;
			st.last = m;
		}
	}
	for (size_t i = 0; i < pr->nmilestones; i++)
		if (!pr->milestones[i].reached && pr->milestones[i].number == st.reached + 1)
			st.current = &pr->milestones[i];
	return st;
}

static const struct milestone_def *plan_milestone(const struct plan *p, int n)
{
	for (size_t i = 0; i < p->nmilestones; i++)
		if (p->milestones[i].number == n)
			return &p->milestones[i];
	return NULL;
}

/* One row of the project tracker (shared by the home and projects pages). */
static struct value *tracker_row(struct render *r, const struct project *pr)
{
	struct arena *a = &r->a;
	const struct plan *plan = &r->s->plan;
	struct value *m = rd_new_map(a);
	rd_put_s(a, m, "title", pr->doc.title);
	rd_put_s(a, m, "href", doc_href(a, &pr->doc));
	rd_put_s(a, m, "summary", pr->doc.summary);
	const struct area *ar = rd_find_area(r, pr->area.id);
	rd_put_s(a, m, "area", ar ? ar->name : pr->area.id);
	rd_put_s(a, m, "status", status_name(pr->status));
	rd_put_s(a, m, "status_label", rd_status_label(pr->status));
	struct value *leads = rd_people_v(r, a, &pr->clinical_leads);
	rd_put(a, m, "leads", leads);
	rd_put(a, m, "manager", rd_person_v(r, a, pr->project_manager.id));
	struct standing st = standing_of(pr);
	if (st.reached) {
		const struct milestone_def *def = plan_milestone(plan, st.reached);
		struct value *rm = rd_new_map(a);
		rd_put_n(a, rm, "number", st.reached);
		rd_put_s(a, rm, "name", def ? def->name : NULL);
		if (st.last && st.last->has_date)
			rd_put_s(a, rm, "date", date_long_s(a, st.last->date));
		rd_put(a, m, "reached", rm);
	} else { /* present but null, so a template's lookup stops here */
		rd_put(a, m, "reached", value_new(a, VALUE_NULL, nopos));
	}
	const struct milestone_def *next = plan_milestone(plan, st.reached + 1);
	if (!next || pr->status == STATUS_CLOSED)
		rd_put(a, m, "next", value_new(a, VALUE_NULL, nopos));
	if (next && pr->status != STATUS_CLOSED) {
		struct value *nm = rd_new_map(a);
		rd_put_n(a, nm, "number", next->number);
		rd_put_s(a, nm, "name", next->name);
		if (st.current && st.current->has_date)
			rd_put_s(a, nm, "target", date_long_s(a, st.current->date));
		rd_put(a, m, "next", nm);
	}
	return m;
}

static int cmp_project_title(const void *x, const void *y)
{
	const struct project *const *a = x, *const *b = y;
	return strcmp((*a)->doc.title ? (*a)->doc.title : "", (*b)->doc.title ? (*b)->doc.title : "");
}

void rd_build_tracker(struct render *r)
{
	const struct site *s = r->s;
	const struct project **ps = xcalloc(s->nprojects + 1, sizeof(*ps));
	size_t n = 0;
	for (size_t i = 0; i < s->nprojects; i++)
		if (doc_shown(&s->projects[i].doc, r->audience))
			ps[n++] = &s->projects[i];
	qsort(ps, n, sizeof(*ps), cmp_project_title);
	r->tracker = rd_new_list(&r->a);
	for (size_t i = 0; i < n; i++)
		value_list_push(&r->a, r->tracker, tracker_row(r, ps[i]));
	free(ps);
}

/* The milestone path of a project: every milestone of the plan, reached (with
 * its date), in progress ("2 of 3 checks", target) or still to come. */
static struct value *milestone_path(struct pagectx *pg, const struct project *pr)
{
	struct arena *a = &pg->a;
	const struct plan *plan = &pg->r->s->plan;
	struct value *l = rd_new_list(a);
	for (size_t i = 0; i < plan->nmilestones; i++) {
		const struct milestone_def *def = &plan->milestones[i];
		const struct milestone *m = NULL;
		for (size_t j = 0; j < pr->nmilestones; j++)
			if (pr->milestones[j].number == def->number)
				m = &pr->milestones[j];
		struct value *v = rd_new_map(a);
		rd_put_n(a, v, "number", def->number);
		rd_put_s(a, v, "name", def->name);
		const char *state = !m ? "future" : m->reached ? "reached" : "progress";
		rd_put_s(a, v, "state", state);
		rd_put_b(a, v, "reached", m && m->reached);
		rd_put_b(a, v, "progress", m && !m->reached);
		rd_put_b(a, v, "future", !m);
		rd_put_s(a, v, "state_label",
			 !m ? "Not started" : m->reached ? "Reached" : "In progress");
		if (m && m->has_date) {
			rd_put_s(a, v, m->reached ? "date" : "target", date_long_s(a, m->date));
			rd_put_s(a, v, m->reached ? "date_iso" : "target_iso", date_iso_s(a, m->date));
		}
		struct value *checks = rd_new_list(a);
		size_t done = 0;
		for (size_t k = 0; k < def->nchecks; k++) {
			bool ticked = false;
			for (size_t q = 0; m && q < m->checks.n; q++)
				ticked |= strcmp(m->checks.v[q].id, def->checks[k].id) == 0;
			done += ticked;
			struct value *c = rd_new_map(a);
			rd_put_s(a, c, "text", def->checks[k].text);
			rd_put_b(a, c, "done", ticked);
			value_list_push(a, checks, c);
		}
		rd_put(a, v, "checks", checks);
		rd_put_n(a, v, "checks_done", (double)done);
		rd_put_n(a, v, "checks_total", (double)def->nchecks);
		if (m && !m->reached)
			rd_put_s(a, v, "checks_label",
				 arena_printf(a, "%zu of %zu checks done", done, def->nchecks));
		value_list_push(a, l, v);
	}
	return l;
}

void rd_render_project(struct render *r, const struct project *pr)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, NULL, &pr->doc);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "projects", pr->doc.title, "project");
	struct value *p = rd_new_map(a);
	rd_put_s(a, p, "title", pr->doc.title);
	rd_put_s(a, p, "summary", pr->doc.summary);
	rd_put_s(a, p, "status", status_name(pr->status));
	rd_put_s(a, p, "status_label", rd_status_label(pr->status));
	const struct area *ar = rd_find_area(r, pr->area.id);
	if (ar) {
		rd_put_s(a, p, "area", ar->name);
		const struct level *lv = rd_find_level(&r->s->plan, ar->level);
		rd_put_n(a, p, "level", ar->level);
		rd_put_s(a, p, "level_name", lv ? lv->name : NULL);
	}
	rd_put(a, p, "leads", rd_people_v(r, a, &pr->clinical_leads));
	rd_put(a, p, "manager", rd_person_v(r, a, pr->project_manager.id));
	struct value *funding = rd_new_list(a);
	for (size_t i = 0; i < pr->funding.n; i++) {
		const char *name = pr->funding.v[i].id;
		for (size_t k = 0; k < r->s->plan.nfunding; k++)
			if (strcmp(r->s->plan.funding[k].id, name) == 0)
				name = r->s->plan.funding[k].name;
		struct value *f = rd_new_map(a);
		rd_put_s(a, f, "name", name);
		value_list_push(a, funding, f);
	}
	rd_put(a, p, "funding", funding);
	rd_put(a, p, "milestones", milestone_path(&pg, pr));
	/* Actions this audience may see, from the meetings it may see. */
	struct value *actions = rd_new_list(a);
	size_t pi;
	const struct project_actions *pa =
		idmap_get(&r->projects, pr->doc.id, &pi) ? &r->actions_of[pi] : NULL;
	for (size_t k = 0; pa && k < pa->n; k++) {
		const struct meeting *mt = pa->v[k].meeting;
		{
			const struct action *ac = pa->v[k].action;
			struct value *v = rd_new_map(a);
			rd_put(a, v, "html", rd_inline_html(&pg, mt->doc.path, ac->text));
			rd_put(a, v, "owner", rd_person_v(r, a, ac->owner.id));
			rd_put_s(a, v, "due", date_long_s(a, ac->due));
			rd_put_b(a, v, "done", ac->done);
			rd_put_s(a, v, "meeting", mt->doc.title);
			rd_put_s(a, v, "meeting_date", date_long_s(a, mt->date));
			rd_put_s(a, v, "meeting_href", doc_href(a, &mt->doc));
			value_list_push(a, actions, v);
		}
	}
	rd_put(a, p, "actions", actions);
	rd_put(a, c, "project", p);
	rd_put_body(&pg, c, &pr->doc);
	rd_page_end(&pg, "project", c, NULL);
}

void rd_render_projects_index(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "projects/", NULL);
	struct value *c = rd_page_ctx(&pg, "projects", "Projects", "projects");
	rd_put(&pg.a, c, "projects", r->tracker);
	rd_page_end(&pg, "projects", c, NULL);
}

/* ------------------------------------------------------- meetings */

int rd_cmp_meeting_newest(const void *x, const void *y)
{
	const struct meeting *const *a = x, *const *b = y;
	int c = date_cmp((*b)->date, (*a)->date);
	return c ? c : strcmp((*a)->doc.id, (*b)->doc.id);
}

static struct value *meeting_summary(struct render *r, struct arena *a, const struct meeting *mt)
{
	struct value *m = rd_new_map(a);
	rd_put_s(a, m, "title", mt->doc.title);
	rd_put_s(a, m, "href", doc_href(a, &mt->doc));
	rd_put_s(a, m, "date", date_long_s(a, mt->date));
	rd_put_s(a, m, "date_iso", date_iso_s(a, mt->date));
	rd_put_s(a, m, "time", rd_time_range(a, mt->start, mt->end));
	rd_put_s(a, m, "venue", mt->venue);
	return m;
}

void rd_render_meeting(struct render *r, const struct meeting *mt)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, NULL, &mt->doc);
	struct arena *a = &pg.a;
	const char *title = arena_printf(a, "%s, %s", mt->doc.title, date_long_s(a, mt->date));
	struct value *c = rd_page_ctx(&pg, "meetings", title, "meeting");
	struct value *m = meeting_summary(r, a, mt);
	rd_put(a, m, "attendees", rd_people_v(r, a, &mt->attendees));
	rd_put(a, m, "apologies", rd_people_v(r, a, &mt->apologies));
	struct value *guests = rd_new_list(a);
	for (size_t i = 0; i < mt->nguests; i++) {
		struct value *g = rd_new_map(a);
		rd_put_s(a, g, "name", mt->guests[i]);
		value_list_push(a, guests, g);
	}
	rd_put(a, m, "guests", guests);
	struct value *dec = rd_new_list(a);
	for (size_t i = 0; i < mt->ndecisions; i++) {
		if (!vis_shown(mt->decisions[i].vis, r->audience))
			continue;
		struct value *v = rd_new_map(a);
		rd_put(a, v, "html", rd_inline_html(&pg, mt->doc.path, mt->decisions[i].text));
		value_list_push(a, dec, v);
	}
	rd_put(a, m, "decisions", dec);
	struct value *acts = rd_new_list(a);
	for (size_t i = 0; i < mt->nactions; i++) {
		const struct action *ac = &mt->actions[i];
		if (!vis_shown(ac->vis, r->audience))
			continue;
		struct value *v = rd_new_map(a);
		rd_put_n(a, v, "id", ac->id);
		rd_put(a, v, "html", rd_inline_html(&pg, mt->doc.path, ac->text));
		rd_put(a, v, "owner", rd_person_v(r, a, ac->owner.id));
		rd_put_s(a, v, "due", date_long_s(a, ac->due));
		rd_put_s(a, v, "due_iso", date_iso_s(a, ac->due));
		rd_put_b(a, v, "done", ac->done);
		rd_put_s(a, v, "state_label", ac->done ? "Done" : "Open");
		const struct project *pr = rd_find_project(r, ac->project.id);
		if (pr && doc_shown(&pr->doc, r->audience)) {
			rd_put_s(a, v, "project", pr->doc.title);
			rd_put_s(a, v, "project_href", doc_href(a, &pr->doc));
		}
		value_list_push(a, acts, v);
	}
	rd_put(a, m, "actions", acts);
	if (mt->next.present) {
		struct value *n = rd_new_map(a);
		rd_put_s(a, n, "date", date_long_s(a, mt->next.date));
		rd_put_s(a, n, "date_iso", date_iso_s(a, mt->next.date));
		rd_put_s(a, n, "weekday", date_weekday_name(mt->next.date));
		rd_put_s(a, n, "time", rd_time_range(a, mt->next.start, mt->next.end));
		rd_put_s(a, n, "venue", mt->next.venue);
		rd_put_s(a, n, "note", mt->next.note);
		rd_put(a, m, "next", n);
	}
	rd_put(a, c, "meeting", m);
	rd_put_body(&pg, c, &mt->doc);
	rd_page_end(&pg, "meeting", c, NULL);
}

static struct value *upcoming(struct render *r, struct arena *a);

void rd_render_meetings_index(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "meetings/", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "meetings", "Meetings", "meetings");
	struct value *years = rd_new_list(a);
	struct value *year = NULL, *list = NULL;
	int cur = 0;
	for (size_t i = 0; i < r->nmeetings; i++) {
		const struct meeting *mt = r->meetings[i];
		if (!year || mt->date.y != cur) {
			if (year)
				rd_put(a, year, "meetings", list);
			cur = mt->date.y;
			year = rd_new_map(a);
			list = rd_new_list(a);
			rd_put_n(a, year, "year", cur);
			value_list_push(a, years, year);
		}
		value_list_push(a, list, meeting_summary(r, a, mt));
	}
	if (year)
		rd_put(a, year, "meetings", list);
	rd_put(a, c, "years", years);
	rd_put(a, c, "upcoming", upcoming(r, a));
	rd_put_b(a, c, "practices", r->audience >= VIS_PRACTICES);
	rd_page_end(&pg, "meetings", c, NULL);
}

/* ------------------------------------------------------- the plan */

static int cmp_section(const void *x, const void *y)
{
	const struct section *const *a = x, *const *b = y;
	return ((*a)->number > (*b)->number) - ((*a)->number < (*b)->number);
}

const struct section **rd_visible_sections(struct render *r, size_t *n)
{
	const struct section **v = arena_alloc(&r->a, (r->s->nsections + 1) * sizeof(*v));
	*n = 0;
	for (size_t i = 0; i < r->s->nsections; i++)
		if (doc_shown(&r->s->sections[i].doc, r->audience))
			v[(*n)++] = &r->s->sections[i];
	qsort(v, *n, sizeof(*v), cmp_section);
	return v;
}

static struct value *section_summary(struct arena *a, const struct section *sec)
{
	struct value *m = rd_new_map(a);
	rd_put_n(a, m, "number", sec->number);
	rd_put_s(a, m, "title", sec->doc.title);
	rd_put_s(a, m, "summary", sec->doc.summary);
	rd_put_s(a, m, "href", doc_href(a, &sec->doc));
	return m;
}

void rd_render_plan(struct render *r, const struct section **secs, size_t nsecs)
{
	const struct plan *plan = &r->s->plan;
	struct pagectx pg;
	rd_page_begin(&pg, r, "plan/", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "plan", plan->title ? plan->title : "Plan", "plan");
	struct value *p = rd_new_map(a);
	rd_put_s(a, p, "title", plan->title);
	rd_put_s(a, p, "start", date_long_s(a, plan->start));
	rd_put_s(a, p, "end", date_long_s(a, plan->end));
	struct value *sl = rd_new_list(a);
	for (size_t i = 0; i < nsecs; i++)
		value_list_push(a, sl, section_summary(a, secs[i]));
	rd_put(a, p, "sections", sl);

	struct value *levels = rd_new_list(a);
	for (size_t i = 0; i < plan->nlevels; i++) {
		struct value *v = rd_new_map(a);
		rd_put_n(a, v, "number", plan->levels[i].number);
		rd_put_s(a, v, "name", plan->levels[i].name);
		rd_put_b(a, v, "projects", plan->levels[i].projects);
		value_list_push(a, levels, v);
	}
	rd_put(a, p, "levels", levels);

	struct value *areas = rd_new_list(a);
	for (size_t i = 0; i < plan->nareas; i++) {
		const struct area *ar = &plan->areas[i];
		const struct level *lv = rd_find_level(plan, ar->level);
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "id", ar->id);
		rd_put_s(a, v, "name", ar->name);
		rd_put_n(a, v, "level", ar->level);
		rd_put_s(a, v, "level_name", lv ? lv->name : NULL);
		rd_put_b(a, v, "projects", lv && lv->projects);
		struct value *prs = rd_new_list(a);
		for (size_t k = 0; k < r->s->nprojects; k++) {
			const struct project *pr = &r->s->projects[k];
			if (doc_shown(&pr->doc, r->audience) && pr->area.id &&
			    strcmp(pr->area.id, ar->id) == 0) {
				struct value *pv = rd_new_map(a);
				rd_put_s(a, pv, "title", pr->doc.title);
				rd_put_s(a, pv, "href", doc_href(a, &pr->doc));
				value_list_push(a, prs, pv);
			}
		}
		rd_put(a, v, "area_projects", prs);
		value_list_push(a, areas, v);
	}
	rd_put(a, p, "areas", areas);

	struct value *ms = rd_new_list(a);
	for (size_t i = 0; i < plan->nmilestones; i++) {
		const struct milestone_def *m = &plan->milestones[i];
		struct value *v = rd_new_map(a);
		rd_put_n(a, v, "number", m->number);
		rd_put_s(a, v, "name", m->name);
		struct value *checks = rd_new_list(a);
		for (size_t k = 0; k < m->nchecks; k++) {
			struct value *cv = rd_new_map(a);
			rd_put_s(a, cv, "id", m->checks[k].id);
			rd_put_s(a, cv, "text", m->checks[k].text);
			value_list_push(a, checks, cv);
		}
		rd_put(a, v, "checks", checks);
		if (m->has_window)
			rd_put_s(a, v, "window",
			      arena_printf(a, "%d to %d months after milestone %d", m->min_months,
					   m->max_months, m->after));
		value_list_push(a, ms, v);
	}
	rd_put(a, p, "milestones", ms);

	struct value *funding = rd_new_list(a);
	for (size_t i = 0; i < plan->nfunding; i++) {
		const struct funding *f = &plan->funding[i];
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "name", f->name);
		rd_put_s(a, v, "covers",
			 f->from == f->to ? arena_printf(a, "milestone %d", f->from)
				       : arena_printf(a, "milestones %d to %d", f->from, f->to));
		rd_put_b(a, v, "needs_approval", f->needs_approval);
		value_list_push(a, funding, v);
	}
	rd_put(a, p, "funding", funding);

	struct value *objs = rd_new_list(a);
	for (size_t i = 0; i < plan->nobjectives; i++) {
		const struct objective *o = &plan->objectives[i];
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "text", o->text);
		rd_put_s(a, v, "due", date_long_s(a, o->due));
		if (o->achieved)
			rd_put_s(a, v, "achieved", date_long_s(a, o->achieved_on));
		value_list_push(a, objs, v);
	}
	rd_put(a, p, "objectives", objs);
	rd_put(a, c, "plan", p);
	rd_page_end(&pg, "plan", c, NULL);
}

void rd_render_section(struct render *r, const struct section **secs, size_t n, size_t i)
{
	const struct section *sec = secs[i];
	struct pagectx pg;
	rd_page_begin(&pg, r, NULL, &sec->doc);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "plan", sec->doc.title, "section");
	struct value *m = section_summary(a, sec);
	if (i > 0)
		rd_put(a, m, "previous", section_summary(a, secs[i - 1]));
	if (i + 1 < n)
		rd_put(a, m, "next", section_summary(a, secs[i + 1]));
	rd_put(a, c, "section", m);
	rd_put_s(a, c, "plan_title", r->s->plan.title);
	rd_put_body(&pg, c, &sec->doc);
	rd_page_end(&pg, "section", c, NULL);
}

/* ------------------------------------------------- people, pages, home */

void rd_render_people(struct render *r)
{
	const struct site *s = r->s;
	struct pagectx pg;
	rd_page_begin(&pg, r, "people/", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "people", "People", "people");
	struct value *members = rd_new_list(a), *others = rd_new_list(a), *practices = rd_new_list(a);
	for (size_t i = 0; i < s->npeople; i++) {
		if (!vis_shown(s->people[i].vis, r->audience))
			continue; /* no entry, not even by role */
		struct value *v = rd_person_v(r, a, s->people[i].id);
		value_list_push(a, s->people[i].practice.id ? members : others, v);
	}
	for (size_t i = 0; i < s->npractices; i++) {
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "name", s->practices[i].name);
		rd_put_s(a, v, "town", s->practices[i].town);
		rd_put_s(a, v, "address", s->practices[i].address);
		value_list_push(a, practices, v);
	}
	rd_put(a, c, "members", members);
	rd_put(a, c, "partners", others);
	rd_put(a, c, "practices", practices);
	rd_page_end(&pg, "people", c, NULL);
}

void rd_render_free_page(struct render *r, const struct doc *doc)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, NULL, doc);
	struct value *c = rd_page_ctx(&pg, NULL, doc->title, "page");
	rd_put_body(&pg, c, doc);
	rd_page_end(&pg, "page", c, NULL);
}

/* Upcoming meetings as of today: meetings and announced next meetings on or
 * after today, each date once, soonest first. */
static struct value *upcoming(struct render *r, struct arena *a)
{
	struct value *l = rd_new_list(a);
	struct item {
		struct date date;
		const struct meeting *m; /* a meeting file, or the one announcing it */
		bool announced;
	};
	size_t n = 0;
	struct item *items = xcalloc(2 * r->nmeetings + 1, sizeof(*items));
	for (size_t i = 0; i < r->nmeetings; i++) {
		const struct meeting *m = r->meetings[i];
		if (date_cmp(m->date, r->s->today) >= 0)
			items[n++] = (struct item){m->date, m, false};
	}
	for (size_t i = 0; i < r->nmeetings; i++) {
		const struct meeting *m = r->meetings[i];
		if (!m->next.present || date_cmp(m->next.date, r->s->today) < 0)
			continue;
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = date_cmp(items[k].date, m->next.date) == 0 &&
			      (!items[k].announced || strcmp(items[k].m->committee, m->committee) == 0);
		if (!dup)
			items[n++] = (struct item){m->next.date, m, true};
	}
	/* soonest first (insertion sort: a handful of items) */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && date_cmp(items[k].date, items[k - 1].date) < 0; k--) {
			struct item t = items[k];
			items[k] = items[k - 1];
			items[k - 1] = t;
		}
	for (size_t i = 0; i < n && i < 5; i++) {
		const struct meeting *m = items[i].m;
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "title", m->doc.title);
		rd_put_s(a, v, "date", date_long_s(a, items[i].date));
		rd_put_s(a, v, "date_iso", date_iso_s(a, items[i].date));
		if (items[i].announced) {
			rd_put_s(a, v, "time", rd_time_range(a, m->next.start, m->next.end));
			rd_put_s(a, v, "venue", m->next.venue);
			rd_put_s(a, v, "note", m->next.note);
		} else {
			rd_put_s(a, v, "time", rd_time_range(a, m->start, m->end));
			rd_put_s(a, v, "venue", m->venue);
			rd_put_s(a, v, "href", doc_href(a, &m->doc));
		}
		value_list_push(a, l, v);
	}
	free(items);
	return l;
}

void rd_render_home(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "home", r->s->config.title, "home");
	if (r->nreports)
		rd_put(a, c, "latest_report", rd_report_summary(a, r->reports[0]));
	rd_put(a, c, "upcoming", upcoming(r, a));
	struct value *recent = rd_new_list(a);
	for (size_t i = 0; i < r->nmeetings && i < 3; i++)
		value_list_push(a, recent, meeting_summary(r, a, r->meetings[i]));
	rd_put(a, c, "recent_meetings", recent);
	rd_put(a, c, "projects", r->tracker);
	/* The about page's summary, when there is one, introduces the group. */
	for (size_t i = 0; i < r->s->npages; i++) {
		const struct doc *d = &r->s->pages[i].doc;
		if (doc_shown(d, r->audience) && strcmp(d->id, "about") == 0) {
			rd_put_s(a, c, "about", d->summary);
			rd_put_s(a, c, "about_href", doc_href(a, d));
		}
	}
	struct value *pages = rd_new_list(a);
	for (size_t i = 0; i < r->s->npages; i++) {
		const struct doc *d = &r->s->pages[i].doc;
		if (!doc_shown(d, r->audience))
			continue;
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "title", d->title);
		rd_put_s(a, v, "summary", d->summary);
		rd_put_s(a, v, "href", doc_href(a, d));
		value_list_push(a, pages, v);
	}
	rd_put(a, c, "pages", pages);
	rd_page_end(&pg, "home", c, NULL);
}

void rd_render_search(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "search/", NULL);
	struct value *c = rd_page_ctx(&pg, "search", "Search", "search");
	rd_put_s(&pg.a, c, "index", "search-index.json");
	rd_page_end(&pg, "search", c, NULL);
}

/* The 404 page is served for any missing path, at any depth: its links are
 * absolute paths from base_url's path (usually "/"). */
void rd_render_404(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "", NULL);
	const char *base = r->s->config.base_url;
	const char *path = "/";
	if (base) {
		const char *p = strstr(base, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		if (p)
			path = p;
	}
	pg.root = arena_printf(&pg.a, "%s%s", path, r->prefix);
	struct value *c = rd_page_ctx(&pg, NULL, "Page not found", "notfound");
	rd_page_end(&pg, "notfound", c, "404.html");
}

