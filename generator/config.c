/*
 * config.c: the site's own files: site.yaml (title, base URL, limits, ...),
 * content/plan.yaml (levels, areas, roles, the milestone process, funding,
 * objectives), content/people.yaml and content/practices.yaml.
 */
#include "model_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ site.yaml */

static bool url_ok(const char *u)
{
	const char *rest;
	if (strncmp(u, "https://", 8) == 0)
		rest = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		rest = u + 7;
	else
		return false;
	size_t n = strlen(rest);
	if (n < 2 || rest[0] == '/' || rest[n - 1] != '/')
		return false;
	for (const char *p = rest; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return false;
	return true;
}

/* Reads limits.key, when given, into *out: a whole number from 1 to max;
 * anything else is an error (E006) that keeps the default, never a limit
 * silently ignored. */
static void limit_read(struct ld *l, const char *key, size_t max, size_t *out)
{
	int n;
	struct pos pos;
	if (!ld_int(l, key, false, &n, &pos))
		return;
	if (n < 1 || (size_t)n > max) {
		diag_error(l->d, pos, "E006", "limits.%s must be a whole number from 1 to %zu, not %d",
			   key, max, n);
		return;
	}
	*out = (size_t)n;
}

/* site.yaml's limits: (docs/diagnostics.md, "Limits"), into c->limits. */
static void load_limits(struct loader *lo, const struct value *lim, struct site_limits *c)
{
	struct ld ll;
	ld_init(&ll, &lo->site->arena, lo->d, lim, lim->pos, "limits");
	limit_read(&ll, "document_bytes", 1000000000, &c->document_bytes);
	limit_read(&ll, "document_max_bytes", 1000000000, &c->document_max_bytes);
	limit_read(&ll, "documents", 1000000000, &c->documents);
	limit_read(&ll, "path_bytes", 4096, &c->path_bytes);
	limit_read(&ll, "name_bytes", 255, &c->name_bytes);
	limit_read(&ll, "yaml_nodes", 1000000000, &c->yaml.max_nodes);
	limit_read(&ll, "yaml_depth", 1000, &c->yaml.max_depth);
	limit_read(&ll, "template_bytes", 1000000000, &c->templates.max_bytes);
	limit_read(&ll, "template_expansions", 1000000000, &c->templates.max_expansions);
	ld_done(&ll);
}

void load_site_yaml(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	struct site_config *c = &s->config;
	c->limits = site_default_limits;
	c->language = "en-GB";
	c->timezone = "Europe/London";
	c->theme = "default";
	c->publish_tags = "publish/*";
	if (!f) {
		diag_error(lo->d, ld_file_start("site.yaml"), "E005",
			   "site.yaml is missing; the site root needs one");
		return;
	}
	struct value *v = lo_parse_yaml(lo, f);
	if (!v)
		return;
	if (v->kind != VALUE_MAP) {
		diag_error(lo->d, ld_file_start(f->path), "E006",
			   "site.yaml must be a map of fields (title: ..., base_url: ...)");
		return;
	}
	struct ld l;
	ld_init(&l, &s->arena, lo->d, v, ld_file_start(f->path), "site.yaml");
	const char *t;
	c->title = ld_str(&l, "title", true);
	c->tagline = ld_str(&l, "tagline", false);
	c->organisation = ld_str(&l, "organisation", true);
	const struct value *u = ld_field(&l, "base_url", true);
	if (u) {
		if (!ld_is_scalar(u) || !url_ok(u->str))
			diag_error(lo->d, u->pos, "E006",
				   "base_url must be an absolute http or https URL ending in '/', "
				   "like https://www.example.org/");
		else
			c->base_url = u->str;
	}
	if ((t = ld_str(&l, "language", false)))
		c->language = t;
	if ((t = ld_str(&l, "timezone", false)))
		c->timezone = t;
	const struct value *th = ld_field(&l, "theme", false);
	if (th) {
		if (!ld_is_scalar(th) || !id_valid(th->str))
			diag_error(lo->d, th->pos, "E025",
				   "theme must be the name of a folder under themes/ (lowercase "
				   "letters, digits and '-')");
		else
			c->theme = th->str;
	}
	if ((t = ld_str(&l, "publish_tags", false)))
		c->publish_tags = t;
	const struct value *contact = ld_map(&l, "contact", false);
	if (contact) {
		struct ld cl;
		ld_init(&cl, &s->arena, lo->d, contact, contact->pos, "contact");
		c->contact_email = ld_str(&cl, "email", false);
		c->contact_address = ld_str(&cl, "address", false);
		ld_done(&cl);
	}
	ld_bool(&l, "unsafe_html", false, &c->unsafe_html);
	const struct value *lim = ld_map(&l, "limits", false);
	if (lim) {
		load_limits(lo, lim, &c->limits);
		lo->limits = c->limits; /* for every file after site.yaml */
	}
	ld_done(&l);
}

/* ------------------------------------------------------ plan.yaml */

/* One of plan.yaml's lists (or a milestone's checks): its entries, a map's
 * pairs or a list's items, each a map read into the next slot of an array. */
struct items {
	const char *key;  /* the field, and the name of its entries in messages */
	const char *what; /* one entry, for its fields' messages */
	bool map, required;
	size_t size; /* of one slot */
	/* For a map: whether its key makes an entry (or an error, said here),
	 * before the entry is read; NULL takes every key. */
	bool (*key_ok)(struct loader *lo, const struct value_pair *kv, void *slot);
	/* Reads entry it (kv: its pair, for a map) from l into slot; whether
	 * it counts. A slot that does not count is the next one's. */
	bool (*read)(struct loader *lo, struct ld *l, const struct value_pair *kv,
		     const struct value *it, void *slot);
};

/* The entries of t->key in l, in an array of the site's arena with *n of
 * them read; NULL when l has no such field. */
static void *load_items(struct loader *lo, struct ld *l, const struct items *t, size_t *n)
{
	struct arena *a = &lo->site->arena;
	const struct value *v = t->map ? ld_map(l, t->key, t->required)
				       : ld_list(l, t->key, t->required);
	if (!v)
		return NULL;
	char *slots = arena_alloc(a, (v->n + 1) * t->size);
	for (size_t i = 0; i < v->n; i++) {
		const struct value_pair *kv = t->map ? &v->u.pairs[i] : NULL;
		const struct value *it = kv ? kv->val : v->u.items[i];
		void *slot = slots + *n * t->size;
		if (kv && t->key_ok && !t->key_ok(lo, kv, slot))
			continue;
		if (!ld_item_map(l, it, t->key))
			continue;
		struct ld il;
		ld_init(&il, a, lo->d, it, it->pos, t->what);
		bool counts = t->read(lo, &il, kv, it, slot);
		ld_done(&il);
		if (counts)
			(*n)++;
	}
	return slots;
}

static bool level_key(struct loader *lo, const struct value_pair *kv, void *slot)
{
	struct level *lv = slot;
	char *end;
	long num = strtol(kv->key, &end, 10);
	if (*end || end == kv->key || num < 0 || num > 1000000) {
		diag_error(lo->d, kv->key_pos, "E006", "level '%s' must be a whole number, like 1",
			   kv->key);
		return false;
	}
	lv->number = (int)num;
	lv->pos = kv->key_pos;
	return true;
}

static bool read_level(struct loader *lo, struct ld *l, const struct value_pair *kv,
		       const struct value *it, void *slot)
{
	struct level *lv = slot;
	lv->name = ld_str(l, "name", true);
	ld_bool(l, "projects", true, &lv->projects);
	return true;
}

static bool read_area(struct loader *lo, struct ld *l, const struct value_pair *kv,
		      const struct value *it, void *slot)
{
	struct area *ar = slot;
	struct ref id;
	ar->pos = it->pos;
	bool ok = ld_ref(l, "id", true, true, &id);
	ar->id = id.id;
	if (ok)
		ar->pos = id.pos;
	ar->name = ld_str(l, "name", true);
	ar->level = -1;
	ld_int(l, "level", true, &ar->level, &ar->level_pos);
	return ok;
}

static const char *const role_fields[] = {"clinical_leads", "project_manager"};

static bool role_key(struct loader *lo, const struct value_pair *kv, void *slot)
{
	if (strcmp(kv->key, role_fields[0]) == 0 || strcmp(kv->key, role_fields[1]) == 0)
		return true;
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "unknown role '%s': roles name project fields", kv->key);
	if (!diag_suggest(&msg, kv->key, role_fields, 2))
		buf_puts(&msg, " (clinical_leads or project_manager)");
	diag_error(lo->d, kv->key_pos, "E010", "%s", msg.ptr);
	buf_release(&msg);
	return false;
}

static bool read_role(struct loader *lo, struct ld *l, const struct value_pair *kv,
		      const struct value *it, void *slot)
{
	struct role *r = slot;
	r->field = kv->key;
	r->pos = kv->key_pos;
	r->min = 0;
	r->max = 1000000;
	ld_int(l, "min", true, &r->min, NULL);
	ld_int(l, "max", true, &r->max, NULL);
	return true;
}

static bool read_check(struct loader *lo, struct ld *l, const struct value_pair *kv,
		       const struct value *it, void *slot)
{
	struct check *c = slot;
	struct ref id;
	bool ok = ld_ref(l, "id", true, true, &id);
	c->id = id.id;
	c->pos = id.pos;
	c->text = ld_str(l, "text", true);
	return ok;
}

static const struct items checks_items = {"checks", "check", false, true, sizeof(struct check),
					  NULL, read_check};

static bool read_milestone(struct loader *lo, struct ld *l, const struct value_pair *kv,
			   const struct value *it, void *slot)
{
	struct milestone_def *m = slot;
	m->pos = it->pos;
	if (!ld_int(l, "number", true, &m->number, &m->pos))
		return false;
	m->name = ld_str(l, "name", true);
	m->checks = load_items(lo, l, &checks_items, &m->nchecks);
	const struct value *w = ld_map(l, "window", false);
	if (w) {
		struct ld wl;
		ld_init(&wl, &lo->site->arena, lo->d, w, w->pos, "window");
		m->window_pos = w->pos;
		bool ok = ld_int(&wl, "after", true, &m->after, NULL);
		ok &= ld_int(&wl, "min_months", true, &m->min_months, NULL);
		ok &= ld_int(&wl, "max_months", true, &m->max_months, NULL);
		ld_done(&wl);
		m->has_window = ok;
	}
	return true;
}

static bool read_funding(struct loader *lo, struct ld *l, const struct value_pair *kv,
			 const struct value *it, void *slot)
{
	struct funding *fs = slot;
	struct ref id;
	bool ok = ld_ref(l, "id", true, true, &id);
	fs->id = id.id;
	fs->pos = ok ? id.pos : it->pos;
	fs->name = ld_str(l, "name", true);
	const struct value *range = ld_list(l, "milestones", true);
	if (range) {
		if (range->n != 2 || !ld_value_int(l, range->u.items[0], "milestones", &fs->from) ||
		    !ld_value_int(l, range->u.items[1], "milestones", &fs->to)) {
			if (range->n != 2)
				diag_error(lo->d, range->pos, "E006",
					   "'milestones' of a funding stream must be "
					   "[from, to], like [1, 3]");
			ok = false;
		} else if (fs->from > fs->to) {
			diag_error(lo->d, range->pos, "E006",
				   "funding milestones [%d, %d] run backwards; write "
				   "[%d, %d]",
				   fs->from, fs->to, fs->to, fs->from);
			ok = false;
		}
	} else {
		ok = false;
	}
	ld_bool(l, "needs_approval", false, &fs->needs_approval);
	return ok;
}

static bool read_objective(struct loader *lo, struct ld *l, const struct value_pair *kv,
			   const struct value *it, void *slot)
{
	struct objective *o = slot;
	struct ref id;
	bool ok = ld_ref(l, "id", true, true, &id);
	o->id = id.id;
	o->pos = ok ? id.pos : it->pos;
	o->text = ld_str(l, "text", true);
	ok &= ld_date(l, "due", true, &o->due, &o->due_pos);
	o->achieved = ld_date(l, "achieved", false, &o->achieved_on, NULL);
	return ok;
}

/* plan.yaml's lists, in the order they are read */
static const struct items levels_items = {"levels", "level", true, true, sizeof(struct level),
					  level_key, read_level};
static const struct items areas_items = {"areas", "area", false, true, sizeof(struct area), NULL,
					 read_area};
static const struct items roles_items = {"roles", "role", true, true, sizeof(struct role), role_key,
					 read_role};
static const struct items milestones_items = {"milestones", "milestone", false, true,
					      sizeof(struct milestone_def), NULL, read_milestone};
static const struct items funding_items = {"funding", "funding stream", false, false,
					   sizeof(struct funding), NULL, read_funding};
static const struct items objectives_items = {"objectives", "objective", false, false,
					      sizeof(struct objective), NULL, read_objective};

void load_plan(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	struct plan *p = &s->plan;
	struct arena *a = &s->arena;
	if (!f) {
		diag_error(lo->d, ld_file_start("content/plan.yaml"), "E005",
			   "content/plan.yaml is missing; the plan's rules (levels, areas, roles, "
			   "milestones) are read from it");
		return;
	}
	struct value *v = lo_parse_yaml(lo, f);
	if (!v)
		return;
	if (v->kind != VALUE_MAP) {
		diag_error(lo->d, ld_file_start(f->path), "E006",
			   "plan.yaml must be a map of fields (title, period, levels, ...)");
		return;
	}
	p->ok = true;
	struct ld l;
	ld_init(&l, a, lo->d, v, ld_file_start(f->path), "plan.yaml");
	p->title = ld_str(&l, "title", true);
	const struct value *period = ld_map(&l, "period", true);
	if (period) {
		struct ld pl;
		ld_init(&pl, a, lo->d, period, period->pos, "period");
		ld_date(&pl, "start", true, &p->start, NULL);
		ld_date(&pl, "end", true, &p->end, NULL);
		ld_done(&pl);
	}

	p->levels = load_items(lo, &l, &levels_items, &p->nlevels);
	p->areas = load_items(lo, &l, &areas_items, &p->nareas);
	p->roles = load_items(lo, &l, &roles_items, &p->nroles);
	p->milestones = load_items(lo, &l, &milestones_items, &p->nmilestones);
	p->funding = load_items(lo, &l, &funding_items, &p->nfunding);
	p->objectives = load_items(lo, &l, &objectives_items, &p->nobjectives);
	ld_done(&l);
}

/* ------------------------------------------------ people, practices */

void load_people(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	if (!f) {
		s->people_ok = true; /* no people: every reference is unknown */
		return;
	}
	struct value *v = lo_parse_yaml(lo, f);
	if (!v)
		return;
	s->people_ok = true;
	if (v->kind == VALUE_NULL)
		return;
	if (v->kind != VALUE_LIST) {
		diag_error(lo->d, ld_file_start(f->path), "E006",
			   "people.yaml must be a list of people, each '- { id: ..., name: ... }'");
		return;
	}
	s->people = arena_alloc(&s->arena, (v->n + 1) * sizeof(*s->people));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		struct ld l;
		ld_init(&l, &s->arena, lo->d, it, it->pos, "person");
		if (!ld_item_map(&l, it, "people.yaml"))
			continue;
		struct person *p = &s->people[s->npeople];
		struct ref id;
		bool ok = ld_ref(&l, "id", true, true, &id);
		p->id = id.id;
		p->pos = ok ? id.pos : it->pos;
		p->name = ld_str(&l, "name", true);
		p->role = ld_str(&l, "role", false);
		ld_ref(&l, "practice", false, false, &p->practice);
		p->organisation = ld_str(&l, "organisation", false);
		ld_visibility(&l, VIS_PUBLIC, &p->vis, NULL);
		if (!p->practice.id && !p->organisation)
			diag_error(lo->d, p->pos, "E005",
				   "person '%s' needs a 'practice' (an id from practices.yaml) or an "
				   "'organisation'",
				   p->id ? p->id : "?");
		ld_done(&l);
		if (ok)
			s->npeople++;
	}
}

void load_practices(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	if (!f) {
		s->practices_ok = true;
		return;
	}
	struct value *v = lo_parse_yaml(lo, f);
	if (!v)
		return;
	s->practices_ok = true;
	if (v->kind == VALUE_NULL)
		return;
	if (v->kind != VALUE_LIST) {
		diag_error(lo->d, ld_file_start(f->path), "E006",
			   "practices.yaml must be a list of practices, each '- { id: ..., name: "
			   "... }'");
		return;
	}
	s->practices = arena_alloc(&s->arena, (v->n + 1) * sizeof(*s->practices));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		struct ld l;
		ld_init(&l, &s->arena, lo->d, it, it->pos, "practice");
		if (!ld_item_map(&l, it, "practices.yaml"))
			continue;
		struct practice *p = &s->practices[s->npractices];
		struct ref id;
		bool ok = ld_ref(&l, "id", true, true, &id);
		p->id = id.id;
		p->pos = ok ? id.pos : it->pos;
		p->name = ld_str(&l, "name", true);
		p->town = ld_str(&l, "town", false);
		p->address = ld_str(&l, "address", false);
		ld_done(&l);
		if (ok)
			s->npractices++;
	}
}

