/*
 * model.c: what source.c read → the typed site. Splits front matter, parses
 * YAML (yaml.c), reads every field of content-model.md's "Fields" table into
 * the structs of plansite.h, and reports what is wrong within one file:
 * missing fields, wrong types, bad dates, ids that do not match file names,
 * unknown fields. Rules that need more than one file live in validate.c.
 */
#include "plansite.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- names */

const char *visibility_name(enum visibility v)
{
	switch (v) {
	case VIS_PUBLIC:
		return "public";
	case VIS_PRACTICES:
		return "practices";
	default:
		return "confidential";
	}
}

bool visibility_parse(const char *s, enum visibility *out)
{
	static const enum visibility all[] = {VIS_PUBLIC, VIS_PRACTICES, VIS_CONFIDENTIAL};
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, visibility_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	}
	return false;
}

const char *doc_kind_folder(enum doc_kind k)
{
	static const char *const names[] = {"plan", "projects", "meetings", "reports", "pages"};
	return k < DOC_KINDS ? names[k] : "?";
}

const char *status_name(enum status s)
{
	static const char *const names[] = {"green", "amber", "red", "closed"};
	return names[s];
}

/* ---------------------------------------------------- the field reader */

/*
 * A reader for one YAML map: every typed getter reports its own mistakes
 * (E005 missing, E006 wrong type, E007 bad date) and marks the key as seen;
 * ld_done then warns about the keys nobody asked for (W005).
 */
struct ld {
	struct arena *a;
	struct diag *d;
	const struct value *map;
	struct pos where; /* a missing field is reported here */
	const char *what; /* "project", "plan.yaml", "milestone 2": for messages */
	bool seen[64];
	const char *known[64];
	size_t nknown;
	bool bad; /* some required field is missing or wrong */
};

static void ld_init(struct ld *l, struct arena *a, struct diag *d, const struct value *map,
		    struct pos where, const char *what)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->d = d;
	l->map = map;
	l->where = where;
	l->what = what;
}

/* The value of key (NULL when absent), remembering the key as known. */
static const struct value *ld_get(struct ld *l, const char *key)
{
	if (l->nknown < 64)
		l->known[l->nknown++] = key;
	if (!l->map || l->map->kind != VALUE_MAP)
		return NULL;
	for (size_t i = 0; i < l->map->n && i < 64; i++) {
		if (strcmp(l->map->u.pairs[i].key, key) == 0) {
			l->seen[i] = true;
			return l->map->u.pairs[i].val;
		}
	}
	return NULL;
}

static const struct value *ld_field(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_get(l, key);
	if (v && v->kind == VALUE_NULL) {
		if (required) {
			diag_error(l->d, v->pos, "E005", "'%s' is empty; give it a value", key);
			l->bad = true;
		}
		return NULL;
	}
	if (!v && required) {
		diag_error(l->d, l->where, "E005", "missing required field '%s' in %s; add '%s: ...'",
			   key, l->what, key);
		l->bad = true;
	}
	return v;
}

static void ld_done(struct ld *l)
{
	if (!l->map || l->map->kind != VALUE_MAP)
		return;
	for (size_t i = 0; i < l->map->n && i < 64; i++) {
		if (l->seen[i])
			continue;
		const struct value_pair *p = &l->map->u.pairs[i];
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "unknown field '%s' in %s", p->key, l->what);
		if (!diag_suggest(&msg, p->key, l->known, l->nknown))
			buf_puts(&msg, "; it is ignored");
		diag_warning(l->d, p->key_pos, "W005", "%s", msg.ptr);
		buf_release(&msg);
	}
}

static bool is_scalar(const struct value *v)
{
	return v->kind == VALUE_STRING || v->kind == VALUE_NUMBER || v->kind == VALUE_BOOL;
}

static void wrong_type(struct ld *l, const struct value *v, const char *key, const char *want)
{
	diag_error(l->d, v->pos, "E006", "'%s' must be %s, not %s", key, want,
		   value_kind_name(v->kind));
	l->bad = true;
}

/* Text (str or text): any scalar, as written. */
static const char *ld_str(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return NULL;
	if (!is_scalar(v)) {
		wrong_type(l, v, key, "text");
		return NULL;
	}
	return v->str;
}

/* One id given as a scalar; the syntax is checked (E025) when defining is
 * true (an id being declared), else left to the reference check. */
static bool scalar_ref(struct ld *l, const struct value *v, const char *key, bool defining,
		       struct ref *out)
{
	if (!is_scalar(v)) {
		wrong_type(l, v, key, "an id");
		return false;
	}
	if (defining && !id_valid(v->str)) {
		diag_error(l->d, v->pos, "E025",
			   "'%s' is not a valid id: use lowercase letters, digits and '-'", v->str);
		l->bad = true;
		return false;
	}
	out->id = v->str;
	out->pos = v->pos;
	return true;
}

static bool ld_ref(struct ld *l, const char *key, bool required, bool defining, struct ref *out)
{
	memset(out, 0, sizeof(*out));
	const struct value *v = ld_field(l, key, required);
	return v && scalar_ref(l, v, key, defining, out);
}

/* A list of ids. A single id is accepted as a list of one. */
static bool ld_refs(struct ld *l, const char *key, bool required, struct refs *out,
		    struct pos *where)
{
	memset(out, 0, sizeof(*out));
	const struct value *v = ld_field(l, key, required);
	if (where)
		*where = v ? v->pos : l->where;
	if (!v)
		return false;
	if (v->kind != VALUE_LIST) {
		diag_error(l->d, v->pos, "E006", "'%s' must be a list of ids, like [%s]", key,
			   is_scalar(v) ? v->str : "an-id");
		l->bad = true;
		return false;
	}
	out->v = arena_alloc(l->a, (v->n ? v->n : 1) * sizeof(*out->v));
	out->ok = true;
	for (size_t i = 0; i < v->n; i++)
		if (scalar_ref(l, v->u.items[i], key, false, &out->v[out->n]))
			out->n++;
	return true;
}

/* A whole number (int). */
static bool value_int(struct ld *l, const struct value *v, const char *key, int *out)
{
	if (v->kind != VALUE_NUMBER || v->num != floor(v->num) || fabs(v->num) > 1e9) {
		diag_error(l->d, v->pos, "E006", "'%s' must be a whole number, not %s", key,
			   v->kind == VALUE_NUMBER ? "a fraction" : value_kind_name(v->kind));
		l->bad = true;
		return false;
	}
	*out = (int)v->num;
	return true;
}

static bool ld_int(struct ld *l, const char *key, bool required, int *out, struct pos *pos)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	return value_int(l, v, key, out);
}

static bool ld_bool(struct ld *l, const char *key, bool required, bool *out)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (v->kind != VALUE_BOOL) {
		wrong_type(l, v, key, "true or false");
		return false;
	}
	*out = v->b;
	return true;
}

/* Reports a malformed date, month or time (E007); kind is "date", "month"
 * or "time". For a well-formed but impossible date it says why. */
static void bad_date(struct ld *l, const struct value *v, const char *key, const char *kind)
{
	struct date m;
	l->bad = true;
	if (!is_scalar(v)) {
		diag_error(l->d, v->pos, "E007", "'%s' must be a %s, not %s", key, kind,
			   value_kind_name(v->kind));
		return;
	}
	if (strcmp(kind, "date") == 0 && v->len == 10 && v->str[7] == '-' &&
	    month_parse(v->str, 7, &m)) {
		diag_error(l->d, v->pos, "E007", "bad date '%s' in '%s': %s %d has %d days", v->str,
			   key, date_month_name(m.m), m.y, date_days_in_month(m.y, m.m));
		return;
	}
	const char *form = strcmp(kind, "date") == 0	? "YYYY-MM-DD, like 2007-01-17"
			   : strcmp(kind, "month") == 0 ? "YYYY-MM in quotes, like \"2007-04\""
							: "HH:MM in quotes, like \"13:00\"";
	diag_error(l->d, v->pos, "E007", "bad %s '%s' in '%s'; write it as %s", kind, v->str, key,
		   form);
}

static bool value_date(struct ld *l, const struct value *v, const char *key, struct date *out)
{
	if (!is_scalar(v) || !date_parse(v->str, v->len, out)) {
		bad_date(l, v, key, "date");
		return false;
	}
	return true;
}

static bool ld_date(struct ld *l, const char *key, bool required, struct date *out,
		    struct pos *pos)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	return value_date(l, v, key, out);
}

static bool ld_time(struct ld *l, const char *key, bool required, int *out, struct pos *pos)
{
	*out = -1;
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	if (!is_scalar(v) || !time_parse(v->str, v->len, out)) {
		*out = -1;
		bad_date(l, v, key, "time");
		return false;
	}
	return true;
}

/* A list of text items. */
static const char **ld_texts(struct ld *l, const char *key, size_t *n)
{
	*n = 0;
	const struct value *v = ld_field(l, key, false);
	if (!v)
		return NULL;
	if (v->kind != VALUE_LIST) {
		wrong_type(l, v, key, "a list");
		return NULL;
	}
	const char **out = arena_alloc(l->a, (v->n ? v->n : 1) * sizeof(*out));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		if (!is_scalar(it)) {
			wrong_type(l, it, key, "a list of text");
			continue;
		}
		out[(*n)++] = it->str;
	}
	return out;
}

/* A nested map; wrong types are reported. */
static const struct value *ld_map(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (v && v->kind != VALUE_MAP) {
		wrong_type(l, v, key, "a map of fields");
		return NULL;
	}
	return v;
}

static const struct value *ld_list(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (v && v->kind != VALUE_LIST) {
		wrong_type(l, v, key, "a list");
		return NULL;
	}
	return v;
}

/* Items of a list that must each be a map. */
static bool item_map(struct ld *l, const struct value *it, const char *what)
{
	if (it->kind == VALUE_MAP)
		return true;
	diag_error(l->d, it->pos, "E006", "each entry of %s must be a map of fields, not %s", what,
		   value_kind_name(it->kind));
	return false;
}

/* ------------------------------------------------------ files */

struct loader {
	struct site *site;
	struct arena *arena; /* where documents are allocated: one per thread */
	struct arena *scratch; /* a document's front matter tree, while it loads */
	struct diag *d;
	struct yaml_limits limits;
	size_t doc_bytes; /* W006 threshold */
};

static struct pos file_start(const char *path)
{
	struct pos p = {path, 1, 1};
	return p;
}

/* Checks UTF-8 and size; reports E004 with the byte offset and its line. */
static bool file_ok(struct loader *lo, const struct source_file *f)
{
	size_t bad = utf8_check(f->data, f->len);
	if (bad < f->len) {
		uint32_t line = 1;
		size_t line_start = 0;
		for (size_t i = 0; i < bad; i++)
			if (f->data[i] == '\n')
				line++, line_start = i + 1;
		struct pos p = {f->path, line, (uint32_t)utf8_count(f->data + line_start,
								     bad - line_start) + 1};
		diag_error(lo->d, p, "E004",
			   "not valid UTF-8 at byte offset %zu (byte 0x%02x); save the file as UTF-8",
			   bad, (unsigned char)f->data[bad]);
		return false;
	}
	if (f->len > lo->doc_bytes)
		diag_warning(lo->d, file_start(f->path), "W006",
			     "file is %zu bytes, over the limit of %zu; split it, or raise "
			     "limits.document_bytes in site.yaml",
			     f->len, lo->doc_bytes);
	return true;
}

static struct value *parse_yaml_file(struct loader *lo, const struct source_file *f)
{
	if (!file_ok(lo, f))
		return NULL;
	struct value *v = yaml_parse(lo->arena, f->data, f->len, f->path, 1, &lo->limits,
				     lo->d);
	return v;
}

static const char *stem_of(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	return arena_strndup(a, base, dot ? (size_t)(dot - base) : strlen(base));
}

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

static void load_site_yaml(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	struct site_config *c = &s->config;
	c->language = "en-GB";
	c->timezone = "Europe/London";
	c->theme = "default";
	c->publish_tags = "publish/*";
	if (!f) {
		diag_error(lo->d, file_start("site.yaml"), "E005",
			   "site.yaml is missing; the site root needs one");
		return;
	}
	struct value *v = parse_yaml_file(lo, f);
	if (!v)
		return;
	if (v->kind != VALUE_MAP) {
		diag_error(lo->d, file_start(f->path), "E006",
			   "site.yaml must be a map of fields (title: ..., base_url: ...)");
		return;
	}
	struct ld l;
	ld_init(&l, &s->arena, lo->d, v, file_start(f->path), "site.yaml");
	const char *t;
	c->title = ld_str(&l, "title", true);
	c->tagline = ld_str(&l, "tagline", false);
	c->organisation = ld_str(&l, "organisation", true);
	const struct value *u = ld_field(&l, "base_url", true);
	if (u) {
		if (!is_scalar(u) || !url_ok(u->str))
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
		if (!is_scalar(th) || !id_valid(th->str))
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
		struct ld ll;
		int n;
		ld_init(&ll, &s->arena, lo->d, lim, lim->pos, "limits");
		if (ld_int(&ll, "document_bytes", false, &n, NULL) && n > 0)
			lo->doc_bytes = (size_t)n;
		if (ld_int(&ll, "yaml_nodes", false, &n, NULL) && n > 0)
			lo->limits.max_nodes = (size_t)n;
		if (ld_int(&ll, "yaml_depth", false, &n, NULL) && n > 0 && n <= 1000)
			lo->limits.max_depth = (size_t)n;
		ld_done(&ll);
	}
	ld_done(&l);
}

/* ------------------------------------------------------ plan.yaml */

static void load_plan(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	struct plan *p = &s->plan;
	struct arena *a = &s->arena;
	if (!f) {
		diag_error(lo->d, file_start("content/plan.yaml"), "E005",
			   "content/plan.yaml is missing; the plan's rules (levels, areas, roles, "
			   "milestones) are read from it");
		return;
	}
	struct value *v = parse_yaml_file(lo, f);
	if (!v)
		return;
	if (v->kind != VALUE_MAP) {
		diag_error(lo->d, file_start(f->path), "E006",
			   "plan.yaml must be a map of fields (title, period, levels, ...)");
		return;
	}
	p->ok = true;
	struct ld l;
	ld_init(&l, a, lo->d, v, file_start(f->path), "plan.yaml");
	p->title = ld_str(&l, "title", true);
	const struct value *period = ld_map(&l, "period", true);
	if (period) {
		struct ld pl;
		ld_init(&pl, a, lo->d, period, period->pos, "period");
		ld_date(&pl, "start", true, &p->start, NULL);
		ld_date(&pl, "end", true, &p->end, NULL);
		ld_done(&pl);
	}

	const struct value *levels = ld_map(&l, "levels", true);
	if (levels) {
		p->levels = arena_alloc(a, (levels->n + 1) * sizeof(*p->levels));
		for (size_t i = 0; i < levels->n; i++) {
			const struct value_pair *kv = &levels->u.pairs[i];
			struct level *lv = &p->levels[p->nlevels];
			char *end;
			long num = strtol(kv->key, &end, 10);
			if (*end || end == kv->key || num < 0 || num > 1000000) {
				diag_error(lo->d, kv->key_pos, "E006",
					   "level '%s' must be a whole number, like 1", kv->key);
				continue;
			}
			lv->number = (int)num;
			lv->pos = kv->key_pos;
			if (!item_map(&l, kv->val, "levels"))
				continue;
			struct ld ll;
			ld_init(&ll, a, lo->d, kv->val, kv->val->pos, "level");
			lv->name = ld_str(&ll, "name", true);
			ld_bool(&ll, "projects", true, &lv->projects);
			ld_done(&ll);
			p->nlevels++;
		}
	}

	const struct value *areas = ld_list(&l, "areas", true);
	if (areas) {
		p->areas = arena_alloc(a, (areas->n + 1) * sizeof(*p->areas));
		for (size_t i = 0; i < areas->n; i++) {
			const struct value *it = areas->u.items[i];
			if (!item_map(&l, it, "areas"))
				continue;
			struct area *ar = &p->areas[p->nareas];
			struct ld al;
			struct ref id;
			ld_init(&al, a, lo->d, it, it->pos, "area");
			ar->pos = it->pos;
			bool ok = ld_ref(&al, "id", true, true, &id);
			ar->id = id.id;
			if (ok)
				ar->pos = id.pos;
			ar->name = ld_str(&al, "name", true);
			ar->level = -1;
			ld_int(&al, "level", true, &ar->level, &ar->level_pos);
			ld_done(&al);
			if (ok)
				p->nareas++;
		}
	}

	const struct value *roles = ld_map(&l, "roles", true);
	if (roles) {
		static const char *const fields[] = {"clinical_leads", "project_manager"};
		p->roles = arena_alloc(a, (roles->n + 1) * sizeof(*p->roles));
		for (size_t i = 0; i < roles->n; i++) {
			const struct value_pair *kv = &roles->u.pairs[i];
			if (strcmp(kv->key, fields[0]) != 0 && strcmp(kv->key, fields[1]) != 0) {
				struct buf msg = BUF_INIT;
				buf_printf(&msg, "unknown role '%s': roles name project fields",
					   kv->key);
				if (!diag_suggest(&msg, kv->key, fields, 2))
					buf_puts(&msg, " (clinical_leads or project_manager)");
				diag_error(lo->d, kv->key_pos, "E010", "%s", msg.ptr);
				buf_release(&msg);
				continue;
			}
			if (!item_map(&l, kv->val, "roles"))
				continue;
			struct role *r = &p->roles[p->nroles];
			struct ld rl;
			ld_init(&rl, a, lo->d, kv->val, kv->val->pos, "role");
			r->field = kv->key;
			r->pos = kv->key_pos;
			r->min = 0;
			r->max = 1000000;
			ld_int(&rl, "min", true, &r->min, NULL);
			ld_int(&rl, "max", true, &r->max, NULL);
			ld_done(&rl);
			p->nroles++;
		}
	}

	const struct value *ms = ld_list(&l, "milestones", true);
	if (ms) {
		p->milestones = arena_alloc(a, (ms->n + 1) * sizeof(*p->milestones));
		for (size_t i = 0; i < ms->n; i++) {
			const struct value *it = ms->u.items[i];
			if (!item_map(&l, it, "milestones"))
				continue;
			struct milestone_def *m = &p->milestones[p->nmilestones];
			struct ld ml;
			ld_init(&ml, a, lo->d, it, it->pos, "milestone");
			m->pos = it->pos;
			if (!ld_int(&ml, "number", true, &m->number, &m->pos)) {
				ld_done(&ml);
				continue;
			}
			m->name = ld_str(&ml, "name", true);
			const struct value *checks = ld_list(&ml, "checks", true);
			if (checks) {
				m->checks = arena_alloc(a, (checks->n + 1) * sizeof(*m->checks));
				for (size_t j = 0; j < checks->n; j++) {
					const struct value *c = checks->u.items[j];
					if (!item_map(&ml, c, "checks"))
						continue;
					struct ld cl;
					struct ref id;
					ld_init(&cl, a, lo->d, c, c->pos, "check");
					bool ok = ld_ref(&cl, "id", true, true, &id);
					m->checks[m->nchecks].id = id.id;
					m->checks[m->nchecks].pos = id.pos;
					m->checks[m->nchecks].text = ld_str(&cl, "text", true);
					ld_done(&cl);
					if (ok)
						m->nchecks++;
				}
			}
			const struct value *w = ld_map(&ml, "window", false);
			if (w) {
				struct ld wl;
				ld_init(&wl, a, lo->d, w, w->pos, "window");
				m->window_pos = w->pos;
				bool ok = ld_int(&wl, "after", true, &m->after, NULL);
				ok &= ld_int(&wl, "min_months", true, &m->min_months, NULL);
				ok &= ld_int(&wl, "max_months", true, &m->max_months, NULL);
				ld_done(&wl);
				m->has_window = ok;
			}
			ld_done(&ml);
			p->nmilestones++;
		}
	}

	const struct value *fund = ld_list(&l, "funding", false);
	if (fund) {
		p->funding = arena_alloc(a, (fund->n + 1) * sizeof(*p->funding));
		for (size_t i = 0; i < fund->n; i++) {
			const struct value *it = fund->u.items[i];
			if (!item_map(&l, it, "funding"))
				continue;
			struct funding *fs = &p->funding[p->nfunding];
			struct ld fl;
			struct ref id;
			ld_init(&fl, a, lo->d, it, it->pos, "funding stream");
			bool ok = ld_ref(&fl, "id", true, true, &id);
			fs->id = id.id;
			fs->pos = ok ? id.pos : it->pos;
			fs->name = ld_str(&fl, "name", true);
			const struct value *range = ld_list(&fl, "milestones", true);
			if (range) {
				if (range->n != 2 || !value_int(&fl, range->u.items[0], "milestones", &fs->from) ||
				    !value_int(&fl, range->u.items[1], "milestones", &fs->to)) {
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
			ld_bool(&fl, "needs_approval", false, &fs->needs_approval);
			ld_done(&fl);
			if (ok)
				p->nfunding++;
		}
	}

	const struct value *objs = ld_list(&l, "objectives", false);
	if (objs) {
		p->objectives = arena_alloc(a, (objs->n + 1) * sizeof(*p->objectives));
		for (size_t i = 0; i < objs->n; i++) {
			const struct value *it = objs->u.items[i];
			if (!item_map(&l, it, "objectives"))
				continue;
			struct objective *o = &p->objectives[p->nobjectives];
			struct ld ol;
			struct ref id;
			ld_init(&ol, a, lo->d, it, it->pos, "objective");
			bool ok = ld_ref(&ol, "id", true, true, &id);
			o->id = id.id;
			o->pos = ok ? id.pos : it->pos;
			o->text = ld_str(&ol, "text", true);
			ok &= ld_date(&ol, "due", true, &o->due, &o->due_pos);
			o->achieved = ld_date(&ol, "achieved", false, &o->achieved_on, NULL);
			ld_done(&ol);
			if (ok)
				p->nobjectives++;
		}
	}
	ld_done(&l);
}

/* ------------------------------------------------ people, practices */

static void load_people(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	if (!f) {
		s->people_ok = true; /* no people: every reference is unknown */
		return;
	}
	struct value *v = parse_yaml_file(lo, f);
	if (!v)
		return;
	s->people_ok = true;
	if (v->kind == VALUE_NULL)
		return;
	if (v->kind != VALUE_LIST) {
		diag_error(lo->d, file_start(f->path), "E006",
			   "people.yaml must be a list of people, each '- { id: ..., name: ... }'");
		return;
	}
	s->people = arena_alloc(&s->arena, (v->n + 1) * sizeof(*s->people));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		struct ld l;
		ld_init(&l, &s->arena, lo->d, it, it->pos, "person");
		if (!item_map(&l, it, "people.yaml"))
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

static void load_practices(struct loader *lo, const struct source_file *f)
{
	struct site *s = lo->site;
	if (!f) {
		s->practices_ok = true;
		return;
	}
	struct value *v = parse_yaml_file(lo, f);
	if (!v)
		return;
	s->practices_ok = true;
	if (v->kind == VALUE_NULL)
		return;
	if (v->kind != VALUE_LIST) {
		diag_error(lo->d, file_start(f->path), "E006",
			   "practices.yaml must be a list of practices, each '- { id: ..., name: "
			   "... }'");
		return;
	}
	s->practices = arena_alloc(&s->arena, (v->n + 1) * sizeof(*s->practices));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		struct ld l;
		ld_init(&l, &s->arena, lo->d, it, it->pos, "practice");
		if (!item_map(&l, it, "practices.yaml"))
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

/* ------------------------------------------------------ documents */

static const char *const reserved_pages[] = {
	"plan", "projects", "meetings", "reports", "people", "versions", "history", "search", "static",
};

/* Reads what every document has (title, summary, visibility); returns the
 * reader for the kind-specific fields, or false when the front matter is
 * unusable. */
static bool doc_begin(struct loader *lo, struct doc *doc, const struct source_file *f,
		      enum doc_kind kind, struct ld *l)
{
	struct arena *a = lo->arena;
	doc->kind = kind;
	doc->path = f->path;
	doc->file = f;
	doc->id = stem_of(a, f->path);
	doc->vis = kind == DOC_MEETING ? VIS_PRACTICES : VIS_PUBLIC;
	doc->vis_pos = file_start(f->path);
	if (!id_valid(doc->id)) {
		/* The id becomes a folder of the output: only plain names. */
		diag_error(lo->d, file_start(f->path), "E025",
			   "file name '%s.md' is not a valid id: use lowercase letters, digits and "
			   "'-', like 'heart-failure.md'",
			   doc->id);
		return false;
	}
	if (!file_ok(lo, f))
		return false;
	struct frontmatter fm;
	const char *err;
	uint32_t err_line;
	if (!frontmatter_split(f->data, f->len, &fm, &err, &err_line)) {
		struct pos p = {f->path, err_line, 1};
		diag_error(lo->d, p, "E001", "%s", err);
		return false;
	}
	doc->body = fm.body;
	doc->body_len = fm.body_len;
	doc->body_line = fm.body_line;
	/* The tree goes once the fields are read; their text stays. */
	arena_reset(lo->scratch);
	struct value *tree = yaml_parse_split(lo->scratch, a, fm.yaml, fm.yaml_len, f->path,
					      fm.yaml_line, &lo->limits, lo->d);
	if (!tree)
		return false;
	if (tree->kind != VALUE_MAP) {
		diag_error(lo->d, file_start(f->path), "E006",
			   "front matter must be a map of fields (title: ...)");
		return false;
	}
	ld_init(l, a, lo->d, tree, file_start(f->path),
		kind == DOC_SECTION    ? "plan section"
		: kind == DOC_PROJECT  ? "project"
		: kind == DOC_MEETING  ? "meeting"
		: kind == DOC_REPORT   ? "report"
					: "page");
	doc->title = ld_str(l, "title", true);
	const struct value *vis = ld_field(l, "visibility", false);
	if (vis) {
		if (!is_scalar(vis) || !visibility_parse(vis->str, &doc->vis)) {
			static const char *const names[] = {"public", "practices", "confidential"};
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "visibility must be public, practices or confidential, not '%s'",
				   is_scalar(vis) ? vis->str : value_kind_name(vis->kind));
			if (is_scalar(vis))
				diag_suggest(&msg, vis->str, names, 3);
			diag_error(lo->d, vis->pos, "E006", "%s", msg.ptr);
			buf_release(&msg);
			/* an unreadable visibility must never widen: treat as confidential */
			doc->vis = VIS_CONFIDENTIAL;
		}
		doc->vis_pos = vis->pos;
	}
	/* An optional id must repeat the file name. */
	const struct value *id = ld_field(l, "id", false);
	if (id && (!is_scalar(id) || strcmp(id->str, doc->id) != 0))
		diag_error(lo->d, id->pos, "E008",
			   "id '%s' does not match the file name '%s'; rename the file or fix the "
			   "id",
			   is_scalar(id) ? id->str : "?", f->path);
	doc->ok = true;
	return true;
}

static void doc_end(struct loader *lo, struct doc *doc, struct ld *l)
{
	ld_done(l);
	const struct site *s = lo->site;
	if (s->no_bodies)
		return;
	if (!s->prepare) {
		markdown_scan(lo->arena, doc, lo->d);
		return;
	}
	/* a build: one parse scans the body and renders it */
	struct buf text = BUF_INIT;
	markdown_scan_prepare(lo->arena, doc, lo->d, s->prepare_audience, s->config.unsafe_html,
			      &text);
	if (doc->prepared) {
		buf_putc(&text, ' ');
		if (doc->summary)
			buf_puts(&text, doc->summary);
		doc->words = text_words(lo->arena, text.ptr, text.len);
		/* Rendered: the build needs the file's bytes no more (a report's
		 * body still makes its PDF). They are most of a loaded site. */
		if (doc->kind != DOC_REPORT) {
			struct source_file *f = (struct source_file *)doc->file;
			free(f->data);
			f->data = NULL;
			f->len = 0;
			doc->body = NULL;
			doc->body_len = 0;
		}
	}
	buf_release(&text);
}

static void load_section(struct loader *lo, struct section *sec, const struct source_file *f)
{
	struct ld l;
	if (!doc_begin(lo, &sec->doc, f, DOC_SECTION, &l))
		return;
	sec->number = -1;
	ld_int(&l, "section", true, &sec->number, &sec->number_pos);
	sec->doc.summary = ld_str(&l, "summary", false);
	doc_end(lo, &sec->doc, &l);
}

static void load_page(struct loader *lo, struct page *pg, const struct source_file *f)
{
	struct ld l;
	if (!doc_begin(lo, &pg->doc, f, DOC_PAGE, &l))
		return;
	pg->doc.summary = ld_str(&l, "summary", false);
	for (size_t i = 0; i < sizeof(reserved_pages) / sizeof(*reserved_pages); i++)
		if (strcmp(pg->doc.id, reserved_pages[i]) == 0)
			diag_error(lo->d, file_start(f->path), "E023",
				   "page id '%s' takes the name of the site's own /%s/ folder; "
				   "rename the file, e.g. to 'our-%s.md'",
				   pg->doc.id, pg->doc.id, pg->doc.id);
	doc_end(lo, &pg->doc, &l);
}

static void load_project(struct loader *lo, struct project *pr, const struct source_file *f)
{
	struct ld l;
	struct arena *a = lo->arena;
	if (!doc_begin(lo, &pr->doc, f, DOC_PROJECT, &l))
		return;
	ld_ref(&l, "area", true, false, &pr->area);
	const struct value *st = ld_field(&l, "status", true);
	if (st) {
		static const char *const names[] = {"green", "amber", "red", "closed"};
		pr->status_pos = st->pos;
		size_t k = 0;
		while (k < 4 && !(is_scalar(st) && strcmp(st->str, names[k]) == 0))
			k++;
		if (k == 4) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "status must be green, amber, red or closed, not '%s'",
				   is_scalar(st) ? st->str : value_kind_name(st->kind));
			if (is_scalar(st))
				diag_suggest(&msg, st->str, names, 4);
			diag_error(lo->d, st->pos, "E006", "%s", msg.ptr);
			buf_release(&msg);
		} else {
			pr->status = (enum status)k;
		}
	}
	pr->doc.summary = ld_str(&l, "summary", true);
	ld_refs(&l, "clinical_leads", true, &pr->clinical_leads, &pr->clinical_leads_pos);
	ld_ref(&l, "project_manager", true, false, &pr->project_manager);
	ld_refs(&l, "funding", true, &pr->funding, &pr->funding_pos);

	const struct value *ms = ld_map(&l, "milestones", true);
	if (ms) {
		pr->milestones_pos = ms->pos;
		pr->milestones = arena_alloc(a, (ms->n + 1) * sizeof(*pr->milestones));
		for (size_t i = 0; i < ms->n; i++) {
			const struct value_pair *kv = &ms->u.pairs[i];
			struct milestone *m = &pr->milestones[pr->nmilestones];
			char *end;
			long num = strtol(kv->key, &end, 10);
			if (*end || end == kv->key || num < 0 || num > 1000000) {
				diag_error(lo->d, kv->key_pos, "E006",
					   "milestone '%s' must be a milestone number, like 1", kv->key);
				continue;
			}
			m->number = (int)num;
			m->pos = kv->key_pos;
			if (!item_map(&l, kv->val, "milestones"))
				continue;
			struct ld ml;
			char what[32];
			snprintf(what, sizeof(what), "milestone %d", m->number);
			ld_init(&ml, a, lo->d, kv->val, kv->val->pos, arena_strdup(a, what));
			const struct value *reached = ld_get(&ml, "reached");
			const struct value *target = ld_get(&ml, "target");
			if (reached && reached->kind != VALUE_NULL) {
				m->reached = true;
				m->has_date = ld_date(&ml, "reached", true, &m->date, &m->date_pos);
				if (target && target->kind != VALUE_NULL)
					diag_error(lo->d, target->pos, "E014",
						   "milestone %d has both 'reached' and 'target'; "
						   "remove the target of a reached milestone",
						   m->number);
			} else if (target && target->kind != VALUE_NULL) {
				m->has_date = ld_date(&ml, "target", true, &m->date, &m->date_pos);
			} else {
				diag_error(lo->d, kv->val->pos, "E005",
					   "milestone %d needs 'reached: DATE' or, when in progress, "
					   "'target: DATE'",
					   m->number);
			}
			ld_refs(&ml, "checks", false, &m->checks, &m->checks_pos);
			ld_done(&ml);
			pr->nmilestones++;
		}
	}

	const struct value *ap = ld_list(&l, "approvals", false);
	if (ap) {
		pr->approvals = arena_alloc(a, (ap->n + 1) * sizeof(*pr->approvals));
		for (size_t i = 0; i < ap->n; i++) {
			const struct value *it = ap->u.items[i];
			if (!item_map(&l, it, "approvals"))
				continue;
			struct approval *apr = &pr->approvals[pr->napprovals];
			struct ld al;
			ld_init(&al, a, lo->d, it, it->pos, "approval");
			apr->pos = it->pos;
			bool ok = ld_ref(&al, "funding", true, false, &apr->funding);
			ok &= ld_date(&al, "date", true, &apr->date, NULL);
			apr->by = ld_str(&al, "by", true);
			ld_done(&al);
			if (ok)
				pr->napprovals++;
		}
	}
	doc_end(lo, &pr->doc, &l);
}

static void load_actions(struct loader *lo, struct meeting *mt, struct ld *l)
{
	struct arena *a = lo->arena;
	const struct value *acts = ld_list(l, "actions", false);
	if (!acts)
		return;
	mt->actions = arena_alloc(a, (acts->n + 1) * sizeof(*mt->actions));
	for (size_t i = 0; i < acts->n; i++) {
		const struct value *it = acts->u.items[i];
		if (!item_map(l, it, "actions"))
			continue;
		struct action *ac = &mt->actions[mt->nactions];
		struct ld al;
		ld_init(&al, a, lo->d, it, it->pos, "action");
		ac->pos = it->pos;
		bool ok = ld_int(&al, "id", true, &ac->id, &ac->id_pos);
		ac->text = ld_str(&al, "text", true);
		ok &= ld_ref(&al, "owner", true, false, &ac->owner);
		ok &= ld_date(&al, "due", true, &ac->due, &ac->due_pos);
		ld_ref(&al, "project", false, false, &ac->project);
		ld_bool(&al, "done", false, &ac->done);
		ld_done(&al);
		if (ok && ac->text)
			mt->nactions++;
	}
}

static void load_meeting(struct loader *lo, struct meeting *mt, const struct source_file *f)
{
	struct ld l;
	struct arena *a = lo->arena;
	struct doc *doc = &mt->doc;
	if (!doc_begin(lo, doc, f, DOC_MEETING, &l))
		return;
	/* The stem is <YYYY-MM-DD>-<id>. */
	struct date fdate;
	bool name_ok = strlen(doc->id) > 11 && doc->id[10] == '-' &&
		       date_parse(doc->id, 10, &fdate) && id_valid(doc->id + 11);
	if (!name_ok)
		diag_error(lo->d, file_start(f->path), "E025",
			   "meeting file name '%s.md' must be <YYYY-MM-DD>-<id>.md, like "
			   "2007-01-17-executive.md",
			   doc->id);
	else
		mt->committee = doc->id + 11;
	mt->start = mt->end = -1;
	mt->next.start = mt->next.end = -1;
	if (ld_date(&l, "date", true, &mt->date, &mt->date_pos) && name_ok &&
	    date_cmp(mt->date, fdate) != 0) {
		struct buf fd = BUF_INIT;
		date_iso(&fd, fdate);
		diag_error(lo->d, mt->date_pos, "E008",
			   "date %s does not match the file name's date %s; rename the file or "
			   "fix the date",
			   ld_get(&l, "date")->str, fd.ptr);
		buf_release(&fd);
	}
	ld_time(&l, "start", true, &mt->start, &mt->start_pos);
	ld_time(&l, "end", true, &mt->end, &mt->end_pos);
	mt->venue = ld_str(&l, "venue", true);
	ld_refs(&l, "attendees", true, &mt->attendees, NULL);
	mt->guests = ld_texts(&l, "guests", &mt->nguests);
	ld_refs(&l, "apologies", false, &mt->apologies, NULL);
	mt->decisions = ld_texts(&l, "decisions", &mt->ndecisions);
	load_actions(lo, mt, &l);
	const struct value *nm = ld_map(&l, "next_meeting", false);
	if (nm) {
		struct next_meeting *n = &mt->next;
		struct ld nl;
		ld_init(&nl, a, lo->d, nm, nm->pos, "next_meeting");
		n->pos = nm->pos;
		n->present = ld_date(&nl, "date", true, &n->date, &n->date_pos);
		ld_time(&nl, "start", true, &n->start, NULL);
		ld_time(&nl, "end", true, &n->end, &n->end_pos);
		n->venue = ld_str(&nl, "venue", true);
		n->note = ld_str(&nl, "note", false);
		ld_done(&nl);
	}
	doc_end(lo, doc, &l);
}

static void load_report(struct loader *lo, struct report *rp, const struct source_file *f)
{
	struct ld l;
	struct doc *doc = &rp->doc;
	if (!doc_begin(lo, doc, f, DOC_REPORT, &l))
		return;
	struct date fmonth;
	bool name_ok = month_parse(doc->id, strlen(doc->id), &fmonth);
	if (!name_ok)
		diag_error(lo->d, file_start(f->path), "E025",
			   "report file name '%s.md' must be the month it reports on, like "
			   "2007-04.md",
			   doc->id);
	const struct value *m = ld_field(&l, "month", true);
	if (m) {
		rp->month_pos = m->pos;
		if (!is_scalar(m) || !month_parse(m->str, m->len, &rp->month)) {
			bad_date(&l, m, "month", "month");
		} else {
			rp->has_month = true;
			if (name_ok && date_cmp(rp->month, fmonth) != 0)
				diag_error(lo->d, m->pos, "E019",
					   "month %s differs from the file name '%s.md'; rename the "
					   "file or fix the month",
					   m->str, doc->id);
		}
	}
	doc_end(lo, doc, &l);
}

/* ------------------------------------------------------ the whole site */

/* Which kind a content path is, from its folder; -1 for none. */
static int kind_of(const char *path)
{
	/* content/<folder>/<name>.md, the name without '/' */
	if (strncmp(path, "content/", 8) != 0)
		return -1;
	const char *folder = path + 8, *slash = strchr(folder, '/');
	if (!slash)
		return -1;
	const char *name = slash + 1;
	size_t len = strlen(name), flen = (size_t)(slash - folder);
	if (len <= 3 || memcmp(name + len - 3, ".md", 3) != 0 || memchr(name, '/', len))
		return -1;
	for (int k = 0; k < DOC_KINDS; k++) {
		const char *want = doc_kind_folder((enum doc_kind)k);
		if (strlen(want) == flen && memcmp(folder, want, flen) == 0)
			return k;
	}
	return -1;
}

static int cmp_doc_path(const void *a, const void *b)
{
	const struct doc *const *x = a, *const *y = b;
	return strcmp((*x)->path, (*y)->path);
}

/* ------------------------------------------------------- doc pool */

/* One parsed document of the pool: its file's path and blob, and a copy of
 * its record (struct project, meeting, ...), which points into the pool's
 * arenas only. */
struct pooled {
	const char *path;
	unsigned char oid[20];
	int kind;
	void *rec;
};

struct doc_pool {
	struct pooled *v; /* open addressing, cap a power of two */
	size_t n, cap;
	struct arena arena;   /* files, records, and single-threaded loads */
	struct arena *arenas; /* the workers' arenas of past loads */
	size_t narenas, caparenas;
};

struct doc_pool *doc_pool_new(void)
{
	return xcalloc(1, sizeof(struct doc_pool));
}

void doc_pool_free(struct doc_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->narenas; i++)
		arena_release(&p->arenas[i]);
	free(p->arenas);
	free(p->v);
	arena_release(&p->arena);
	free(p);
}

static size_t record_size(int kind)
{
	switch (kind) {
	case DOC_SECTION:
		return sizeof(struct section);
	case DOC_PROJECT:
		return sizeof(struct project);
	case DOC_MEETING:
		return sizeof(struct meeting);
	case DOC_REPORT:
		return sizeof(struct report);
	default:
		return sizeof(struct page);
	}
}

static uint64_t pooled_hash(const char *path, const unsigned char oid[20])
{
	uint64_t h;
	memcpy(&h, oid, sizeof(h)); /* a blob id is already a good hash */
	return h ^ hash_bytes(path, strlen(path));
}

static struct pooled *pool_find(const struct doc_pool *p, const char *path,
				const unsigned char oid[20])
{
	if (!p->cap)
		return NULL;
	for (size_t i = pooled_hash(path, oid) & (p->cap - 1);; i = (i + 1) & (p->cap - 1)) {
		struct pooled *e = &p->v[i];
		if (!e->path)
			return NULL;
		if (memcmp(e->oid, oid, 20) == 0 && strcmp(e->path, path) == 0)
			return e;
	}
}

static void pool_put(struct doc_pool *p, const char *path, const unsigned char oid[20], int kind,
		     void *rec)
{
	if ((p->n + 1) * 2 > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct pooled *old = p->v;
		size_t oldcap = p->cap;
		p->v = xcalloc(cap, sizeof(*p->v));
		p->cap = cap;
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].path)
				continue;
			size_t j = pooled_hash(old[i].path, old[i].oid) & (cap - 1);
			while (p->v[j].path)
				j = (j + 1) & (cap - 1);
			p->v[j] = old[i];
		}
		free(old);
	}
	size_t i = pooled_hash(path, oid) & (p->cap - 1);
	while (p->v[i].path)
		i = (i + 1) & (p->cap - 1);
	struct pooled *e = &p->v[i];
	e->path = path;
	memcpy(e->oid, oid, 20);
	e->kind = kind;
	e->rec = rec;
	p->n++;
}

/* The documents a data site is made of. */
static bool data_kind(int k)
{
	return k == DOC_PROJECT || k == DOC_MEETING;
}

bool doc_pool_known(void *ctx, const char *path, const unsigned char oid[20])
{
	const struct doc_pool *p = ctx;
	if (strncmp(path, "themes/", 7) == 0)
		return true; /* a data site has no pages to dress */
	if (strncmp(path, "content/", 8) != 0)
		return false;
	int k = kind_of(path);
	if (k < 0)
		return false;
	/* other documents say nothing a data site needs */
	return !data_kind(k) || pool_find(p, path, oid);
}

/* ---------------------------------------------------------- the site */

/* One document to load: its file, its kind and its slot in the site. */
struct job {
	const struct source_file *f;
	int kind;
	struct doc *doc;
};

struct pool {
	struct job *jobs;
	size_t n;
	size_t next; /* taken with __atomic_fetch_add */
	struct loader proto;
};

static void load_one(struct loader *lo, const struct job *j)
{
	switch (j->kind) {
	case DOC_SECTION:
		load_section(lo, (struct section *)j->doc, j->f);
		break;
	case DOC_PROJECT:
		load_project(lo, (struct project *)j->doc, j->f);
		break;
	case DOC_MEETING:
		load_meeting(lo, (struct meeting *)j->doc, j->f);
		break;
	case DOC_REPORT:
		load_report(lo, (struct report *)j->doc, j->f);
		break;
	default:
		load_page(lo, (struct page *)j->doc, j->f);
		break;
	}
}

struct worker {
	struct pool *pool;
	struct arena arena;
	pthread_t thread;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct loader lo = w->pool->proto;
	struct arena scratch = ARENA_INIT;
	lo.arena = &w->arena;
	lo.scratch = &scratch;
	for (;;) {
		size_t i = __atomic_fetch_add(&w->pool->next, 1, __ATOMIC_RELAXED);
		if (i >= w->pool->n)
			break;
		load_one(&lo, &w->pool->jobs[i]);
	}
	arena_release(&scratch);
	return NULL;
}

/* Loads the pool's jobs on every core (on this thread when few). Returns
 * the workers' arenas, which hold what was loaded, for the caller to keep
 * (*n of them; none when it ran here, in lo's arena). */
static struct arena *run_jobs(struct pool *pool, struct loader *lo, size_t *n)
{
	*n = 0;
	size_t nw = (size_t)plansite_jobs();
	if (nw > pool->n / 32 + 1)
		nw = pool->n / 32 + 1;
	if (nw <= 1) {
		for (size_t i = 0; i < pool->n; i++)
			load_one(lo, &pool->jobs[i]);
		return NULL;
	}
	struct worker *ws = xcalloc(nw, sizeof(*ws));
	for (size_t t = 0; t < nw; t++) {
		ws[t].pool = pool;
		if (pthread_create(&ws[t].thread, NULL, work, &ws[t]) != 0)
			die("cannot start a thread");
	}
	struct arena *arenas = xcalloc(nw, sizeof(*arenas));
	for (size_t t = 0; t < nw; t++) {
		pthread_join(ws[t].thread, NULL);
		arenas[(*n)++] = ws[t].arena;
	}
	free(ws);
	return arenas;
}

/* A data site's projects and meetings: from the pool when their files
 * (path and blob) were parsed before, else parsed now into the pool. */
static void load_pooled(struct site *site, const struct source *src, const struct loader *proto)
{
	struct doc_pool *dp = site->pool;
	struct arena *a = &site->arena;
	size_t np = 0, nm = 0;
	for (size_t i = 0; i < src->n; i++) {
		const char *p = src->files[i].path;
		int k = strncmp(p, "content/", 8) == 0 ? kind_of(p) : -1;
		np += k == DOC_PROJECT;
		nm += k == DOC_MEETING;
	}
	site->pool_projects = arena_alloc(a, (np + 1) * sizeof(*site->pool_projects));
	site->pool_meetings = arena_alloc(a, (nm + 1) * sizeof(*site->pool_meetings));
	struct pool pool = {xcalloc(np + nm + 1, sizeof(struct job)), 0, 0, *proto};
	pool.proto.arena = &dp->arena;
	for (size_t i = 0; i < src->n; i++) {
		const struct source_file *f = &src->files[i];
		int k = strncmp(f->path, "content/", 8) == 0 ? kind_of(f->path) : -1;
		if (!data_kind(k) || !f->has_oid)
			continue;
		const struct pooled *e = pool_find(dp, f->path, f->oid);
		void *rec = e ? e->rec : NULL;
		if (!rec) {
			if (!f->data)
				continue; /* not read, yet not known: cannot happen */
			/* parsed now: the record, and a file that outlives the
			 * source (without its bytes, once parsed) */
			rec = arena_alloc(&dp->arena, record_size(k));
			struct source_file *g = arena_alloc(&dp->arena, sizeof(*g));
			*g = *f;
			g->path = arena_strdup(&dp->arena, f->path);
			pool.jobs[pool.n++] = (struct job){g, k, rec};
		}
		if (k == DOC_PROJECT)
			site->pool_projects[site->npool_projects++] = rec;
		else
			site->pool_meetings[site->npool_meetings++] = rec;
	}
	size_t nar;
	struct arena *ars = run_jobs(&pool, &pool.proto, &nar);
	for (size_t t = 0; t < nar; t++) {
		if (dp->narenas == dp->caparenas) {
			dp->caparenas = dp->caparenas ? dp->caparenas * 2 : 16;
			dp->arenas = xrealloc(dp->arenas, dp->caparenas * sizeof(*dp->arenas));
		}
		dp->arenas[dp->narenas++] = ars[t];
	}
	free(ars);
	for (size_t i = 0; i < pool.n; i++) {
		struct source_file *g = (struct source_file *)pool.jobs[i].f;
		struct doc *doc = pool.jobs[i].doc;
		doc->body = NULL;
		doc->body_len = 0;
		g->data = NULL;
		g->len = 0;
		pool_put(dp, g->path, g->oid, pool.jobs[i].kind, doc);
	}
	free(pool.jobs);
}

const void *doc_pool_get(struct doc_pool *p, const char *path, const unsigned char oid[20],
			 struct repo *repo, struct diag *d)
{
	const struct pooled *e = pool_find(p, path, oid);
	if (e)
		return e->rec;
	int k = kind_of(path);
	if (!data_kind(k))
		return NULL;
	char *data;
	size_t len;
	if (repo_read_blob(repo, oid, &data, &len, d) < 0)
		return NULL;
	/* parsed as a data site's load would: findings dropped, no body */
	static struct site data_only = {.no_bodies = true};
	struct diag quiet;
	diag_init(&quiet, DIAG_TEXT);
	struct arena scratch = ARENA_INIT;
	struct loader lo = {&data_only, &p->arena, &scratch, &quiet, yaml_default_limits,
			    1024 * 1024};
	struct source_file *g = arena_alloc(&p->arena, sizeof(*g));
	g->path = arena_strdup(&p->arena, path);
	g->data = data;
	g->len = len;
	memcpy(g->oid, oid, 20);
	g->has_oid = true;
	void *rec = arena_alloc(&p->arena, record_size(k));
	struct job j = {g, k, rec};
	load_one(&lo, &j);
	struct doc *doc = rec;
	doc->body = NULL;
	doc->body_len = 0;
	g->data = NULL;
	g->len = 0;
	free(data);
	arena_release(&scratch);
	diag_release(&quiet);
	pool_put(p, g->path, g->oid, k, rec);
	return rec;
}

void site_load(struct site *site, const struct source *src, struct diag *d)
{
	struct arena scratch = ARENA_INIT;
	struct loader lo = {site, &site->arena, &scratch, d, yaml_default_limits, 1024 * 1024};
	struct arena *a = &site->arena;
	site->src = src;
	load_site_yaml(&lo, source_get(src, "site.yaml"));
	load_plan(&lo, source_get(src, "content/plan.yaml"));
	load_people(&lo, source_get(src, "content/people.yaml"));
	load_practices(&lo, source_get(src, "content/practices.yaml"));
	if (site->pool) {
		load_pooled(site, src, &lo);
		arena_release(&scratch);
		return;
	}

	/* Count documents per kind, then give each its slot, in path order. */
	size_t count[DOC_KINDS] = {0};
	for (size_t i = 0; i < src->n; i++) {
		const char *p = src->files[i].path;
		if (strncmp(p, "content/", 8) != 0)
			continue;
		int k = kind_of(p);
		if (k >= 0) {
			count[k]++;
		} else if (strcmp(p, "content/plan.yaml") && strcmp(p, "content/people.yaml") &&
			   strcmp(p, "content/practices.yaml")) {
			struct pos pos = {p, 0, 0};
			diag_warning(d, pos, "W009",
				     "plansite does not read this file: documents are "
				     "content/{plan,projects,meetings,reports,pages}/<id>.md");
		}
	}
	site->sections = arena_alloc(a, (count[DOC_SECTION] + 1) * sizeof(*site->sections));
	site->projects = arena_alloc(a, (count[DOC_PROJECT] + 1) * sizeof(*site->projects));
	site->meetings = arena_alloc(a, (count[DOC_MEETING] + 1) * sizeof(*site->meetings));
	site->reports = arena_alloc(a, (count[DOC_REPORT] + 1) * sizeof(*site->reports));
	site->pages = arena_alloc(a, (count[DOC_PAGE] + 1) * sizeof(*site->pages));
	size_t total = 0;
	for (int k = 0; k < DOC_KINDS; k++)
		total += count[k];
	site->docs = arena_alloc(a, (total + 1) * sizeof(*site->docs));
	struct pool pool = {xcalloc(total + 1, sizeof(struct job)), 0, 0, lo};
	for (size_t i = 0; i < src->n; i++) {
		const struct source_file *f = &src->files[i];
		if (strncmp(f->path, "content/", 8) != 0)
			continue;
		struct doc *doc;
		int k = kind_of(f->path);
		switch (k) {
		case DOC_SECTION:
			doc = &site->sections[site->nsections++].doc;
			break;
		case DOC_PROJECT:
			doc = &site->projects[site->nprojects++].doc;
			break;
		case DOC_MEETING:
			doc = &site->meetings[site->nmeetings++].doc;
			break;
		case DOC_REPORT:
			doc = &site->reports[site->nreports++].doc;
			break;
		case DOC_PAGE:
			doc = &site->pages[site->npages++].doc;
			break;
		default:
			continue;
		}
		site->docs[site->ndocs++] = doc;
		pool.jobs[pool.n++] = (struct job){f, k, doc};
	}

	/* Documents are independent: load them on every core. Each worker
	 * allocates in its own arena, which the site keeps; findings go to the
	 * (locked) sink and are sorted when printed, so the order of work does
	 * not show. */
	size_t nar;
	struct arena *ars = run_jobs(&pool, &lo, &nar);
	if (nar) {
		site->worker_arenas = arena_alloc(a, nar * sizeof(*site->worker_arenas));
		memcpy(site->worker_arenas, ars, nar * sizeof(*ars));
		site->nworker_arenas = nar;
	}
	free(ars);
	free(pool.jobs);
	arena_release(&scratch);
	qsort(site->docs, site->ndocs, sizeof(*site->docs), cmp_doc_path);
}

void site_release(struct site *site)
{
	/* The workers' arenas are listed in the site's own: free them first. */
	for (size_t i = 0; i < site->nworker_arenas; i++)
		arena_release(&site->worker_arenas[i]);
	arena_release(&site->arena);
}

const struct doc *site_doc_by_path(const struct site *site, const char *path)
{
	size_t lo = 0, hi = site->ndocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(site->docs[mid]->path, path);
		if (c == 0)
			return site->docs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
