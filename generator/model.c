/*
 * model.c: what source.c read → the typed site. Splits front matter, parses
 * YAML (yaml.c), reads every field of content-model.md's "Fields" table into
 * the structs of plansite.h, and reports what is wrong within one file:
 * missing fields, wrong types, bad dates, ids that do not match file names,
 * unknown fields. Rules that need more than one file live in validate.c.
 * This file loads the documents and the whole site (and the pool of parsed
 * documents that old data for monthly reports shares); fields.c is the
 * field reader, config.c reads site.yaml and the plan, people and practices.
 */
#include "model_int.h"

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

const char *person_shown_name(const struct person *p, enum visibility audience)
{
	if (vis_shown(p->vis, audience))
		return p->name;
	return p->role ? p->role : p->organisation ? p->organisation : PERSON_WITHHELD;
}

const char *doc_kind_folder(enum doc_kind k)
{
	static const char *const names[] = {"plan", "projects", "meetings", "reports", "pages"};
	return k < DOC_KINDS ? names[k] : "?";
}

/* "projects/" before a document's id in its URL; "" for a page */
static const char *doc_url_prefix(const struct doc *doc)
{
	static const char *const prefixes[] = {"plan/", "projects/", "meetings/", "reports/", ""};
	return doc->kind < DOC_KINDS ? prefixes[doc->kind] : "?/";
}

const char *doc_dir(struct arena *a, const struct doc *doc)
{
	return arena_cat(a, doc_url_prefix(doc), doc->id, "/", NULL);
}

const char *doc_href(struct arena *a, const struct doc *doc)
{
	return arena_cat(a, doc_url_prefix(doc), doc->id, "/index.html", NULL);
}

void doc_dir_put(struct buf *b, const struct doc *doc)
{
	buf_puts(b, doc_url_prefix(doc));
	buf_puts(b, doc->id);
	buf_putc(b, '/');
}

const char *status_name(enum status s)
{
	static const char *const names[] = {"green", "amber", "red", "closed"};
	return names[s];
}

/* ------------------------------------------------------ documents */

static const char *const reserved_pages[] = {
	"plan", "projects", "meetings", "reports", "people", "versions", "history", "search", "static",
};

/* The string scalars of v but ids (an id names something else: a person,
 * a project), counted, or put at out[0..) when out is not NULL. */
static size_t value_strings(const struct value *v, struct doc_string *out, int depth)
{
	if (!v || depth > 64)
		return 0;
	size_t n = 0;
	if (v->kind == VALUE_LIST) {
		for (size_t i = 0; i < v->n; i++)
			n += value_strings(v->u.items[i], out ? out + n : NULL, depth + 1);
	} else if (v->kind == VALUE_MAP) {
		for (size_t i = 0; i < v->n; i++)
			n += value_strings(v->u.pairs[i].val, out ? out + n : NULL, depth + 1);
	} else if (v->kind == VALUE_STRING && v->str && !id_valid(v->str)) {
		if (out)
			*out = (struct doc_string){v->pos, v->str, v->len};
		n = 1;
	}
	return n;
}

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
	doc->id = ld_stem_of(a, f->path);
	doc->vis = kind == DOC_MEETING ? VIS_PRACTICES : VIS_PUBLIC;
	doc->vis_pos = ld_file_start(f->path);
	if (!id_valid(doc->id)) {
		/* The id becomes a folder of the output: only plain names. */
		diag_error(lo->d, ld_file_start(f->path), "E025",
			   "file name '%s.md' is not a valid id: use lowercase letters, digits and "
			   "'-', like 'heart-failure.md'",
			   doc->id);
		return false;
	}
	if (!lo_file_ok(lo, f))
		return false;
	/* Before anything reads it: the lines counted here, by libyaml and by
	 * cmark (where the fences are) are then the same lines. */
	struct source_file *mf = (struct source_file *)f;
	mf->len = text_newlines(mf->data, mf->len);
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
					      fm.yaml_line, &lo->limits.yaml, lo->d);
	if (!tree)
		return false;
	/* A fence written in a field (a summary, a decision) hides nothing:
	 * an error, and like a duplicate key it leaves the document in doubt,
	 * so a load whose findings nobody reads does not take it. */
	if (fences_in_values(lo->d, tree))
		tree->flawed = true;
	/* A duplicate key (reported) leaves the document to be
	 * checked with its first values; a load for the data alone, whose
	 * findings nobody reads, does not take it (who may see it is in doubt). */
	if (tree->flawed && lo->site->no_bodies)
		return false;
	doc->flawed = tree->flawed;
	if (tree->kind != VALUE_MAP) {
		diag_error(lo->d, ld_file_start(f->path), "E006",
			   "front matter must be a map of fields (title: ...)");
		return false;
	}
	ld_init(l, a, lo->d, tree, ld_file_start(f->path),
		kind == DOC_SECTION    ? "plan section"
		: kind == DOC_PROJECT  ? "project"
		: kind == DOC_MEETING  ? "meeting"
		: kind == DOC_REPORT   ? "report"
					: "page");
	doc->title = ld_str(l, "title", true);
	ld_visibility(l, doc->vis, &doc->vis, &doc->vis_pos);
	/* the tree goes with the next document: what the leak guard reads of
	 * a hidden one is kept (its strings live in the site's arena) */
	if (lo->site->keep_text && (!vis_shown(doc->vis, lo->site->prepare_audience) || doc->flawed)) {
		doc->nstrings = value_strings(tree, NULL, 0);
		struct doc_string *v = arena_alloc(a, (doc->nstrings ? doc->nstrings : 1) * sizeof(*v));
		value_strings(tree, v, 0);
		doc->strings = v;
		doc->has_strings = true;
	}
	/* An optional id must repeat the file name. */
	const struct value *id = ld_field(l, "id", false);
	if (id && (!ld_is_scalar(id) || strcmp(id->str, doc->id) != 0))
		diag_error(lo->d, id->pos, "E008",
			   "id '%s' does not match the file name '%s'; rename the file or fix the "
			   "id",
			   ld_is_scalar(id) ? id->str : "?", f->path);
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
		if (doc->kind != DOC_REPORT && !s->keep_text) {
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
			diag_error(lo->d, ld_file_start(f->path), "E023",
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
		while (k < 4 && !(ld_is_scalar(st) && strcmp(st->str, names[k]) == 0))
			k++;
		if (k == 4) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "status must be green, amber, red or closed, not '%s'",
				   ld_is_scalar(st) ? st->str : value_kind_name(st->kind));
			if (ld_is_scalar(st))
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
			if (!ld_item_map(&l, kv->val, "milestones"))
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
			if (!ld_item_map(&l, it, "approvals"))
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
		if (!ld_item_map(l, it, "actions"))
			continue;
		struct action *ac = &mt->actions[mt->nactions];
		struct ld al;
		ld_init(&al, a, lo->d, it, it->pos, "action");
		ac->pos = it->pos;
		bool ok = ld_int(&al, "id", true, &ac->id, &ac->id_pos);
		ac->text = ld_str(&al, "text", true);
		ac->text_pos = ac->text ? ld_get(&al, "text")->pos : it->pos;
		ok &= ld_ref(&al, "owner", true, false, &ac->owner);
		ok &= ld_date(&al, "due", true, &ac->due, &ac->due_pos);
		ld_ref(&al, "project", false, false, &ac->project);
		ld_bool(&al, "done", false, &ac->done);
		ld_item_visibility(&al, mt->doc.vis, &ac->vis);
		ld_done(&al);
		if (ok && ac->text)
			mt->nactions++;
	}
}

/* decisions: a list, each a text or { text, visibility }; a text takes its
 * meeting's visibility. */
static void load_decisions(struct loader *lo, struct meeting *mt, struct ld *l)
{
	const struct value *v = ld_field(l, "decisions", false);
	if (!v)
		return;
	if (v->kind != VALUE_LIST) {
		ld_wrong_type(l, v, "decisions", "a list");
		return;
	}
	mt->decisions = arena_alloc(lo->arena, (v->n ? v->n : 1) * sizeof(*mt->decisions));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		struct decision *dc = &mt->decisions[mt->ndecisions];
		dc->pos = it->pos;
		dc->text_pos = it->pos;
		if (ld_is_scalar(it)) {
			dc->text = it->str;
			dc->vis = mt->doc.vis;
			mt->ndecisions++;
			continue;
		}
		if (it->kind != VALUE_MAP) {
			ld_wrong_type(l, it, "decisions", "a list of text or { text, visibility }");
			continue;
		}
		struct ld dl;
		ld_init(&dl, lo->arena, lo->d, it, it->pos, "decision");
		dc->text = ld_str(&dl, "text", true);
		if (dc->text)
			dc->text_pos = ld_get(&dl, "text")->pos;
		ld_item_visibility(&dl, mt->doc.vis, &dc->vis);
		ld_done(&dl);
		if (dc->text)
			mt->ndecisions++;
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
		diag_error(lo->d, ld_file_start(f->path), "E025",
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
	load_decisions(lo, mt, &l);
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
		diag_error(lo->d, ld_file_start(f->path), "E025",
			   "report file name '%s.md' must be the month it reports on, like "
			   "2007-04.md",
			   doc->id);
	const struct value *m = ld_field(&l, "month", true);
	if (m) {
		rp->month_pos = m->pos;
		if (!ld_is_scalar(m) || !month_parse(m->str, m->len, &rp->month)) {
			ld_bad_date(&l, m, "month", "month");
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

int doc_path_kind(const char *path)
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
	int k = doc_path_kind(path);
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

/* Parses the pool's jobs on every core into dp, whose arenas keep the
 * records; the files' bytes are dropped (freed when owned). */
static void pool_parse(struct doc_pool *dp, struct pool *pool, bool owned)
{
	size_t nar;
	struct arena *ars = run_jobs(pool, &pool->proto, &nar);
	for (size_t t = 0; t < nar; t++) {
		GROW_FROM(dp->arenas, dp->narenas, dp->caparenas, 16);
		dp->arenas[dp->narenas++] = ars[t];
	}
	free(ars);
	for (size_t i = 0; i < pool->n; i++) {
		struct source_file *g = (struct source_file *)pool->jobs[i].f;
		struct doc *doc = pool->jobs[i].doc;
		doc->body = NULL;
		doc->body_len = 0;
		if (owned)
			free(g->data);
		g->data = NULL;
		g->len = 0;
		pool_put(dp, g->path, g->oid, pool->jobs[i].kind, doc);
	}
	free(pool->jobs);
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
		int k = strncmp(p, "content/", 8) == 0 ? doc_path_kind(p) : -1;
		np += k == DOC_PROJECT;
		nm += k == DOC_MEETING;
	}
	site->pool_projects = arena_alloc(a, (np + 1) * sizeof(*site->pool_projects));
	site->pool_meetings = arena_alloc(a, (nm + 1) * sizeof(*site->pool_meetings));
	struct pool pool = {xcalloc(np + nm + 1, sizeof(struct job)), 0, 0, *proto};
	pool.proto.arena = &dp->arena;
	for (size_t i = 0; i < src->n; i++) {
		const struct source_file *f = &src->files[i];
		int k = strncmp(f->path, "content/", 8) == 0 ? doc_path_kind(f->path) : -1;
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
	pool_parse(dp, &pool, false);
}

/* Puts rec, whose doc is doc, in the pool as its file's blob's record. */
static void seed_one(struct doc_pool *dp, const struct doc *doc, const void *rec)
{
	if (doc->ok && doc->file && doc->file->has_oid && !pool_find(dp, doc->path, doc->file->oid))
		pool_put(dp, doc->path, doc->file->oid, doc->kind, (void *)rec);
}

void doc_pool_seed(struct doc_pool *dp, const struct site *site)
{
	for (size_t i = 0; i < site->nprojects; i++)
		seed_one(dp, &site->projects[i].doc, &site->projects[i]);
	for (size_t i = 0; i < site->nmeetings; i++)
		seed_one(dp, &site->meetings[i].doc, &site->meetings[i]);
}

/* Parses the blobs gs[0..ng) (their bytes malloc'd, freed here) into the
 * pool as a data site's load would: findings dropped, no body. */
static void pool_parse_blobs(struct doc_pool *dp, struct source_file *gs, size_t ng)
{
	static struct site data_only = {.no_bodies = true};
	struct diag quiet;
	diag_init(&quiet, DIAG_TEXT);
	struct arena scratch = ARENA_INIT;
	struct loader lo = {&data_only, &dp->arena, &scratch, &quiet, site_default_limits};
	struct pool pool = {xcalloc(ng + 1, sizeof(struct job)), 0, 0, lo};
	for (size_t i = 0; i < ng; i++) {
		int k = doc_path_kind(gs[i].path);
		void *rec = arena_alloc(&dp->arena, record_size(k));
		pool.jobs[pool.n++] = (struct job){&gs[i], k, rec};
	}
	pool_parse(dp, &pool, true);
	arena_release(&scratch);
	diag_release(&quiet);
}

static int cmp_file_path_oid(const void *x, const void *y)
{
	const struct source_file *a = x, *b = y;
	int c = strcmp(a->path, b->path);
	return c ? c : memcmp(a->oid, b->oid, 20);
}

int doc_pool_read(struct doc_pool *dp, struct repo *repo, const struct source_file *files,
		  size_t n, struct diag *d)
{
	struct source_file *gs = arena_alloc(&dp->arena, (n + 1) * sizeof(*gs));
	size_t ng = 0;
	for (size_t i = 0; i < n; i++) {
		if (doc_path_kind(files[i].path) < 0 || pool_find(dp, files[i].path, files[i].oid))
			continue;
		struct source_file *g = &gs[ng++];
		memset(g, 0, sizeof(*g));
		g->path = files[i].path;
		memcpy(g->oid, files[i].oid, 20);
		g->has_oid = true;
	}
	if (ng)
		qsort(gs, ng, sizeof(*gs), cmp_file_path_oid);
	size_t m = 0; /* each once */
	for (size_t i = 0; i < ng; i++)
		if (m == 0 || cmp_file_path_oid(&gs[m - 1], &gs[i]) != 0)
			gs[m++] = gs[i];
	for (size_t i = 0; i < m; i++)
		gs[i].path = arena_strdup(&dp->arena, gs[i].path);
	if (repo_read_blobs(repo, gs, m, d) < 0) {
		for (size_t i = 0; i < m; i++)
			free(gs[i].data);
		return -1;
	}
	pool_parse_blobs(dp, gs, m);
	return 0;
}

int doc_pool_fill(struct doc_pool *dp, struct repo *repo, const struct blob_changes *lists,
		  size_t nlists, struct diag *d)
{
	/* the new project and meeting files of the lists */
	size_t n = 0;
	for (size_t l = 0; l < nlists; l++)
		n += lists[l].n;
	struct source_file *want = xcalloc(n + 1, sizeof(*want));
	size_t nw = 0;
	for (size_t l = 0; l < nlists; l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			const struct blob_change *c = &lists[l].v[i];
			if (!c->has_new || !data_kind(doc_path_kind(c->path)))
				continue;
			want[nw].path = (char *)c->path;
			memcpy(want[nw].oid, c->new_id, 20);
			want[nw++].has_oid = true;
		}
	int rc = doc_pool_read(dp, repo, want, nw, d);
	free(want);
	return rc;
}

const struct doc *doc_pool_doc(const struct doc_pool *p, const char *path,
			       const unsigned char oid[20])
{
	const struct pooled *e = pool_find(p, path, oid);
	return e ? e->rec : NULL; /* every record starts with its doc */
}

const void *doc_pool_get(struct doc_pool *p, const char *path, const unsigned char oid[20],
			 struct repo *repo, struct diag *d)
{
	const struct pooled *e = pool_find(p, path, oid);
	if (e)
		return e->rec;
	int k = doc_path_kind(path);
	if (!data_kind(k))
		return NULL;
	char *data;
	size_t len;
	if (repo_read_blob(repo, oid, &data, &len, d) < 0)
		return NULL;
	struct source_file *g = arena_alloc(&p->arena, sizeof(*g));
	g->path = arena_strdup(&p->arena, path);
	g->data = data;
	g->len = len;
	memcpy(g->oid, oid, 20);
	g->has_oid = true;
	pool_parse_blobs(p, g, 1);
	return pool_find(p, path, oid)->rec;
}

void site_load(struct site *site, const struct source *src, struct diag *d)
{
	struct arena scratch = ARENA_INIT;
	struct loader lo = {site, &site->arena, &scratch, d, site_default_limits};
	struct arena *a = &site->arena;
	site->src = src;
	load_site_yaml(&lo, source_get(src, "site.yaml"));
	if (!source_check_limits(src, &lo.limits, d)) {
		arena_release(&scratch);
		return; /* too many files under content/: none is loaded */
	}
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
		int k = doc_path_kind(p);
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
		int k = doc_path_kind(f->path);
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

size_t site_doc_index(const struct site *site, const char *path)
{
	size_t lo = 0, hi = site->ndocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(site->docs[mid]->path, path);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

const struct doc *site_doc_by_path(const struct site *site, const char *path)
{
	size_t i = site_doc_index(site, path);
	return i == SIZE_MAX ? NULL : site->docs[i];
}
