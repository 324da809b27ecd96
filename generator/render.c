/*
 * render.c: the typed site → template contexts → pages. Every page is one
 * template of the theme rendered with one context; the contexts are
 * documented in docs/themes.md. Only what the build's audience may see goes
 * into a context, so nothing else can reach a page.
 *
 * URLs in contexts are relative to the site root ("projects/copd/index.html")
 * and templates prefix them with {{root}} ("../../"), the way from the page
 * back to the root; so lists built once serve pages at every depth, and the
 * site works from any folder, from file:// and under /versions/<slug>/.
 */
#include "render_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const struct pos nopos;

/* ---------------------------------------------------------- values */

struct value *rd_new_map(struct arena *a)
{
	return value_new(a, VALUE_MAP, nopos);
}

struct value *rd_new_list(struct arena *a)
{
	return value_new(a, VALUE_LIST, nopos);
}

/* Puts k → v; for a list also has_<k>, true when it is not empty, which
 * templates test to show a heading only over a list with items (Mustache
 * has no "if not empty"). Lists must be complete when put. */
void rd_put(struct arena *a, struct value *m, const char *k, struct value *v)
{
	value_map_put_lasting(a, m, k, v);
	if (v && v->kind == VALUE_LIST)
		value_map_put_lasting(a, m, arena_cat(a, "has_", k, NULL), value_bool(a, v->n > 0));
}

/* Puts a string; nothing when s is NULL (so {{#k}} is false). */
void rd_put_s(struct arena *a, struct value *m, const char *k, const char *s)
{
	if (s)
		value_map_put_lasting(a, m, k, value_cstr(a, s));
}

void rd_put_b(struct arena *a, struct value *m, const char *k, bool b)
{
	value_map_put_lasting(a, m, k, value_bool(a, b));
}

void rd_put_n(struct arena *a, struct value *m, const char *k, double n)
{
	value_map_put_lasting(a, m, k, value_number(a, n));
}

void rd_put_buf(struct arena *a, struct value *m, const char *k, const struct buf *b)
{
	value_map_put_lasting(a, m, k, value_string(a, b->ptr, b->len, nopos));
}

const char *rd_time_range(struct arena *a, int start, int end)
{
	if (start < 0)
		return NULL;
	if (start >= 100 * 60 || end >= 100 * 60) { /* not times of day: cannot happen */
		if (end < 0)
			return arena_printf(a, "%02d:%02d", start / 60, start % 60);
		return arena_printf(a, "%02d:%02d to %02d:%02d", start / 60, start % 60,
				    end / 60, end % 60);
	}
	/* two digits each, written directly: a page has many */
	char t[] = "hh:mm to hh:mm";
	int v[] = {start / 60, start % 60, end < 0 ? 0 : end / 60, end < 0 ? 0 : end % 60};
	for (int i = 0; i < 4; i++) {
		t[(i / 2) * 9 + (i % 2) * 3] = (char)('0' + v[i] / 10);
		t[(i / 2) * 9 + (i % 2) * 3 + 1] = (char)('0' + v[i] % 10);
	}
	if (end < 0)
		t[5] = '\0';
	return arena_strndup(a, t, strlen(t));
}

/* --------------------------------------------------------- the build */

_Thread_local struct job *current_job;

static const char *root_for(struct arena *a, const char *dir)
{
	struct buf b = BUF_INIT;
	for (const char *c = dir; *c; c++)
		if (*c == '/')
			buf_puts(&b, "../");
	const char *s = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return s;
}

static const struct person *find_person(const struct render *r, const char *id)
{
	size_t i;
	return id && idmap_get(&r->people, id, &i) ? &r->s->people[i] : NULL;
}

static const struct practice *find_practice(const struct render *r, const char *id)
{
	size_t i;
	return id && idmap_get(&r->practices, id, &i) ? &r->s->practices[i] : NULL;
}

const struct project *rd_find_project(const struct render *r, const char *id)
{
	size_t i;
	return id && idmap_get(&r->projects, id, &i) ? &r->s->projects[i] : NULL;
}

const struct area *rd_find_area(const struct render *r, const char *id)
{
	size_t i;
	return id && idmap_get(&r->areas, id, &i) ? &r->s->plan.areas[i] : NULL;
}

const struct level *rd_find_level(const struct plan *p, int n)
{
	for (size_t i = 0; i < p->nlevels; i++)
		if (p->levels[i].number == n)
			return &p->levels[i];
	return NULL;
}

/* {name, role, practice, organisation, affiliation} for a person id. A
 * person the audience may not see is {name: their role alone (see
 * person_shown_name), withheld: true}, the other keys present but null so
 * that a template's lookup stops here. */
struct value *rd_person_v(struct render *r, struct arena *a, const char *id)
{
	struct value *m = rd_new_map(a);
	const struct person *p = find_person(r, id);
	if (!p) {
		rd_put_s(a, m, "name", id);
		return m;
	}
	if (!vis_shown(p->vis, r->audience)) {
		static const char *const nulls[] = {"role", "practice", "organisation",
						    "affiliation"};
		rd_put_s(a, m, "name", person_shown_name(p, r->audience));
		for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
			value_map_put_lasting(a, m, nulls[i], value_new(a, VALUE_NULL, nopos));
		rd_put_b(a, m, "withheld", true);
		return m;
	}
	rd_put_s(a, m, "name", p->name);
	rd_put_s(a, m, "role", p->role);
	const struct practice *pr = find_practice(r, p->practice.id);
	rd_put_s(a, m, "practice", pr ? pr->name : NULL);
	rd_put_s(a, m, "organisation", p->organisation);
	rd_put_s(a, m, "affiliation", pr ? pr->name : p->organisation);
	return m;
}

struct value *rd_people_v(struct render *r, struct arena *a, const struct refs *refs)
{
	struct value *l = rd_new_list(a);
	for (size_t i = 0; i < refs->n; i++)
		value_list_push(a, l, rd_person_v(r, a, refs->v[i].id));
	return l;
}

const char *rd_status_label(enum status s)
{
	static const char *const labels[] = {"Green: on track", "Amber: some risk",
					     "Red: serious risk", "Closed"};
	return labels[s];
}

/* ------------------------------------------------------ links in bodies */

static bool link_cb(void *ctx, enum link_kind kind, const char *path, const char *frag,
		    struct buf *href)
{
	struct pagectx *pg = ctx;
	if (kind == LINK_ANCHOR) {
		/* A decision or an action shown on another page than its
		 * meeting's (a project's, a report's): its anchors are headings
		 * of the meeting, on the meeting's page. */
		const char *from = pg->inline_from;
		if (!from || (pg->doc && strcmp(from, pg->doc->path) == 0)) {
			buf_putc(href, '#');
			if (frag)
				buf_puts(href, frag);
			return true;
		}
		kind = LINK_DOC;
		path = from;
	}
	if (kind == LINK_DATA) {
		buf_puts(href, pg->root);
		buf_puts(href, strcmp(path, "content/people.yaml") == 0 ? "people/index.html"
								       : "plan/index.html");
	} else {
		const struct doc *target = site_doc_by_path(pg->r->s, path);
		if (!target || !doc_shown(target, pg->r->audience))
			return false;
		if (target == pg->doc && frag && *frag) {
			buf_putc(href, '#');
			buf_puts(href, frag);
			return true;
		}
		buf_puts(href, pg->root);
		buf_puts(href, doc_href(&pg->a, target));
	}
	if (frag && *frag) {
		buf_putc(href, '#');
		buf_puts(href, frag);
	}
	return true;
}

struct md_render rd_md_opts(struct pagectx *pg, struct buf *text)
{
	struct md_render o = {pg->r->audience, pg->r->s->config.unsafe_html, link_cb, pg, text};
	return o;
}

struct value *rd_inline_html(struct pagectx *pg, const char *from, const char *s)
{
	struct buf b = BUF_INIT;
	struct md_render o = rd_md_opts(pg, NULL);
	pg->inline_from = from;
	markdown_inline(from, s, strlen(s), &o, &b);
	pg->inline_from = NULL;
	struct value *v = value_string(&pg->a, b.ptr, b.len, nopos);
	buf_release(&b);
	return v;
}

/* -------------------------------------------------------- common parts */

static struct value *nav_v(struct pagectx *pg, const char *current, bool index_page)
{
	static const char *const items[][3] = {
		{"home", "Home", "index.html"},	      {"plan", "Plan", "plan/index.html"},
		{"projects", "Projects", "projects/index.html"},
		{"meetings", "Meetings", "meetings/index.html"},
		{"reports", "Reports", "reports/index.html"},
		{"people", "People", "people/index.html"},
		{"search", "Search", "search/index.html"},
	};
	struct arena *a = &pg->a;
	struct value *l = rd_new_list(a);
	for (size_t i = 0; i < sizeof(items) / sizeof(*items); i++) {
		struct value *m = rd_new_map(a);
		rd_put_s(a, m, "key", items[i][0]);
		rd_put_s(a, m, "title", items[i][1]);
		rd_put_s(a, m, "href", items[i][2]);
		bool cur = current && strcmp(current, items[i][0]) == 0;
		rd_put_b(a, m, "current", cur);
		/* the section's own index page, not a page within it */
		rd_put_b(a, m, "current_page", cur && index_page);
		value_list_push(a, l, m);
	}
	return l;
}

/* {date, date_iso, subject, short_id, href}: when a document last changed
 * in git, and its history page. */
static struct value *updated_v(struct arena *a, const struct doc *doc, const struct doc_history *h)
{
	const struct commit_info *c = h->v[0].commit;
	struct date day = date_from_unix(c->time, c->offset);
	struct value *m = rd_new_map(a);
	rd_put_s(a, m, "date", date_long_s(a, day));
	rd_put_s(a, m, "date_iso", date_iso_s(a, day));
	rd_put_s(a, m, "subject", c->subject);
	rd_put_s(a, m, "short_id", c->short_id);
	rd_put_s(a, m, "href", arena_printf(a, "history/%s/%s/index.html", doc_kind_folder(doc->kind),
					 doc->id));
	return m;
}

/* The context every page has: site, root, nav, assets, build, page. */
struct value *rd_page_ctx(struct pagectx *pg, const char *nav, const char *title,
			  const char *kind)
{
	struct arena *a = &pg->a;
	struct value *c = rd_new_map(a);
	rd_put(a, c, "site", pg->r->site_v);
	rd_put(a, c, "assets", pg->r->assets_v);
	rd_put(a, c, "build", pg->r->build_v);
	rd_put_s(a, c, "root", pg->root);
	rd_put(a, c, "nav", nav_v(pg, nav, !pg->doc && nav && strcmp(kind, "project") != 0));
	struct value *p = rd_new_map(a);
	rd_put_s(a, p, "title", title);
	rd_put_s(a, p, "kind", kind);
	rd_put_s(a, p, "path", pg->dir);
	if (pg->r->s->config.base_url)
		rd_put_s(a, p, "canonical",
		      arena_printf(a, "%s%s%s", pg->r->s->config.base_url, pg->r->prefix, pg->dir));
	if (pg->doc && pg->doc->summary)
		rd_put_s(a, p, "description", pg->doc->summary);
	const struct doc_history *h = pg->doc ? history_of(pg->r->o->history, pg->doc->path) : NULL;
	if (h)
		rd_put(a, p, "updated", updated_v(a, pg->doc, h));
	/* An old version's pages link to the same page of the current site. */
	if (pg->r->o->archive)
		rd_put_s(a, p, "current_href",
			 arena_printf(a, "../../%sindex.html",
				   strcmp(kind, "changes") == 0 ? "" : pg->dir)); /* its own, none */
	rd_put(a, c, "page", p);
	return c;
}

/* Starts a page at dir (NULL: the folder of doc's page). */
void rd_page_begin(struct pagectx *pg, struct render *r, const char *dir, const struct doc *doc)
{
	memset(pg, 0, sizeof(*pg));
	pg->r = r;
	pg->doc = doc;
	pg->dir = dir ? arena_strdup(&pg->a, dir) : doc_dir(&pg->a, doc);
	pg->root = root_for(&pg->a, pg->dir);
}

/*
 * A template stopped at a limit (E042) fails the build, and the pages after
 * it are not rendered (each could cost as much again). Which one is
 * reported must not depend on the threads: pages are rendered by jobs taken
 * in job order, and beside them, one after another, by the history thread
 * and then the main thread. So the jobs after the first stopped job, in job
 * order, are skipped (every job before it runs, so the first is the same in
 * every run), and so is everything outside the jobs after the first stop
 * there; one finding of each kind is reported when the render ends.
 */
static size_t job_index(const struct render *r)
{
	return current_job && r->jobs ? (size_t)(current_job - r->jobs) : SIZE_MAX;
}

/* Whether this thread's next page is skipped after a stop. */
static bool rd_stopped(struct render *r)
{
	size_t j = job_index(r);
	pthread_mutex_lock(&r->stop_lock);
	bool stopped = j != SIZE_MAX ? j >= r->stop_job : r->stop_outside.hit;
	pthread_mutex_unlock(&r->stop_lock);
	return stopped;
}

/* Keeps st (taken) if it is the stop to report. */
static void rd_stop(struct render *r, struct mustache_stop *st)
{
	size_t j = job_index(r);
	pthread_mutex_lock(&r->stop_lock);
	struct mustache_stop *keep = NULL;
	if (j != SIZE_MAX && j < r->stop_job) {
		r->stop_job = j;
		keep = &r->stop_in_job;
	} else if (j == SIZE_MAX && !r->stop_outside.hit) {
		keep = &r->stop_outside;
	}
	if (keep) {
		mustache_stop_release(keep);
		*keep = *st;
		memset(st, 0, sizeof(*st));
	}
	pthread_mutex_unlock(&r->stop_lock);
}

/* Reports the stops kept, and forgets them. */
static void rd_report_stops(struct render *r)
{
	struct mustache_stop *v[] = {&r->stop_in_job, &r->stop_outside};
	for (size_t i = 0; i < 2; i++) {
		if (v[i]->hit)
			diag_error(r->d, v[i]->pos, "E042", "%s", v[i]->msg);
		mustache_stop_release(v[i]);
	}
}

/* Renders template with ctx and writes it as <dir>index.html (or as file,
 * when given). Releases the page's arena. */
void rd_page_end(struct pagectx *pg, const char *tmpl, struct value *ctx, const char *file)
{
	struct render *r = pg->r;
	if (rd_stopped(r)) {
		arena_release(&pg->a);
		return;
	}
	/* a worker's pages reuse one buffer: no fresh memory per page */
	struct buf own = BUF_INIT, *out = current_job && current_job->out ? current_job->out : &own;
	struct mustache_stop st = {0};
	buf_truncate(out, 0);
	if (!mustache_render_memo(r->t->templates, tmpl, ctx, out, r->memo, &st, r->d)) {
		r->failed = true;
		if (st.hit)
			rd_stop(r, &st);
		mustache_stop_release(&st);
	} else {
		const char *path = file ? file : arena_printf(&pg->a, "%sindex.html", pg->dir);
		if (writer_put(r->w, path, out->ptr, out->len) < 0)
			r->failed = true;
	}
	buf_release(&own);
	arena_release(&pg->a);
}

/* The rendered body of a document; its words go into the search index. */
void rd_put_body(struct pagectx *pg, struct value *c, const struct doc *doc)
{
	struct render *r = pg->r;
	struct buf html = BUF_INIT, text = BUF_INIT;
	struct md_render o = rd_md_opts(pg, doc->words ? NULL : &text);
	markdown_fill(doc, &o, &html);
	rd_put_buf(&pg->a, c, "body", &html);
	/* The body's headings, for an "on this page" list. */
	struct value *hs = rd_new_list(&pg->a);
	/* with fences, the ids the audience's page gives (a hidden heading
	 * takes none), not the scan's */
	const char **ids = NULL;
	if (doc->nfences && doc->nheadings) {
		ids = arena_alloc(&pg->a, doc->nheadings * sizeof(*ids));
		markdown_heading_ids(&pg->a, doc, r->audience, ids);
	}
	for (size_t i = 0; i < doc->nheadings; i++) {
		const struct md_heading *h = &doc->headings[i];
		if (markdown_vis_at(doc, h->line) > r->audience || (ids && !ids[i]))
			continue;
		struct value *v = rd_new_map(&pg->a);
		rd_put_s(&pg->a, v, "id", ids ? ids[i] : h->id);
		rd_put_s(&pg->a, v, "text", h->text);
		rd_put_n(&pg->a, v, "level", h->level);
		value_list_push(&pg->a, hs, v);
	}
	rd_put(&pg->a, c, "headings", hs);
	static const char *const kinds[] = {"Plan", "Project", "Meeting", "Report", "Page"};
	struct job *job = current_job;
	if (job) {
		/* The search entry outlives the page: it goes to the worker's
		 * arena and the job's slot, and the index is put together in
		 * job order when every page is done. */
		struct arena *wa = job->arena;
		struct value *e = rd_new_map(wa);
		struct value *page = value_get(c, "page");
		struct value *title = value_get(page, "title");
		rd_put_s(wa, e, "title", title ? title->str : doc->title);
		rd_put_s(wa, e, "url", doc_href(wa, doc));
		rd_put_s(wa, e, "kind", kinds[doc->kind]);
		rd_put_s(wa, e, "summary", doc->summary);
		if (doc->words) {
			/* found while the site was loaded; the site outlives this */
			struct value *w = value_new(wa, VALUE_STRING, nopos);
			w->str = doc->words;
			w->len = strlen(doc->words);
			value_map_put(wa, e, "words", w);
		} else {
			buf_putc(&text, ' ');
			if (doc->summary)
				buf_puts(&text, doc->summary);
			rd_put_s(wa, e, "words", text_words(wa, text.ptr, text.len));
		}
		/* as JSON here, on this core, rather than all at the end */
		struct buf js = BUF_INIT;
		value_to_json(&js, e);
		job->search = arena_strndup(wa, js.ptr, js.len);
		buf_release(&js);
	}
	buf_release(&html);
	buf_release(&text);
}

/* ------------------------------------------ history, versions, changes */

/* history/<kind>/<id>/: every commit that changed a document. */
static void render_history(struct render *r, const struct doc *doc)
{
	struct pagectx pg;
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "history/%s/%s/", doc_kind_folder(doc->kind), doc->id);
	rd_page_begin(&pg, r, dir.ptr, NULL);
	buf_release(&dir);
	struct arena *a = &pg.a;
	const char *title = arena_printf(a, "History of %s", doc->title ? doc->title : doc->id);
	struct value *c = rd_page_ctx(&pg, NULL, title, "history");
	rd_put(a, c, "history", history_value(a, doc, history_of(r->o->history, doc->path),
					  r->o->history->shallow));
	rd_page_end(&pg, "history", c, NULL);
}

/*
 * The history pages are rendered on a thread of their own while the rest of
 * the site is: as many pages again, but small, so their cost is mostly the
 * file system's. They read only what build_shared made, which nothing
 * changes afterwards, and allocate only in their own pages' arenas (never in
 * r->a); mustache_render and writer_put may run in parallel.
 */
static void *render_histories(void *arg)
{
	struct render *r = arg;
	for (size_t i = 0; i < r->s->ndocs; i++)
		if (doc_shown(r->s->docs[i], r->audience))
			render_history(r, r->s->docs[i]);
	return NULL;
}

/* versions/: the published versions, newest first. */
static void render_versions(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "versions/", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, NULL, "Published versions", "versions");
	struct value *l = rd_new_list(a);
	for (size_t i = r->o->nversions; i-- > 0;) {
		const struct version *v = &r->o->versions[i];
		if (!v->ok)
			continue;
		struct date day = date_from_unix(v->tag->time, v->tag->offset);
		struct value *m = rd_new_map(a);
		rd_put_s(a, m, "tag", v->tag->name);
		rd_put_s(a, m, "slug", v->slug);
		rd_put_s(a, m, "date", date_long_s(a, day));
		rd_put_s(a, m, "date_iso", date_iso_s(a, day));
		rd_put_s(a, m, "message", v->tag->message[0] ? v->tag->message : NULL);
		rd_put_s(a, m, "commit", v->tag->commit.short_id);
		rd_put_s(a, m, "href", arena_printf(a, "versions/%s/index.html", v->slug));
		if (v->prev != SIZE_MAX)
			rd_put_s(a, m, "changes_href", arena_printf(a, "versions/%s/changes/index.html",
								 v->slug));
		value_list_push(a, l, m);
	}
	rd_put(a, c, "versions", l);
	rd_page_end(&pg, "versions", c, NULL);
}

/* changes/ of an old version: what changed since the version before it. */
static void render_changes(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "changes/", NULL);
	struct arena *a = &pg.a;
	const struct tag_info *t = r->o->archive->tag;
	struct value *c = rd_page_ctx(&pg, NULL, arena_printf(a, "What changed in %s", t->name),
				      "changes");
	struct value *m = r->o->changes ? changes_value(a, r->o->changes, r->audience,
							 r->o->prev_slug)
					 : rd_new_map(a);
	rd_put_b(a, m, "first", r->o->changes == NULL);
	rd_put_s(a, m, "tag", t->name);
	if (r->o->prev_slug)
		rd_put_s(a, m, "prev_href", arena_printf(a, "../%s/index.html", r->o->prev_slug));
	rd_put(a, c, "changes", m);
	rd_page_end(&pg, "changes", c, NULL);
}

/* version.json: what this build is, for scripts and monitoring. */
static void render_version_json(struct render *r)
{
	struct arena *a = &r->a;
	struct value *m = rd_new_map(a);
	const struct source *src = r->s->src;
	bool git = src->mode == SOURCE_GIT;
	rd_put_s(a, m, "version", git ? (r->o->tag ? r->o->tag : src->short_id) : "draft");
	if (r->o->tag)
		rd_put_s(a, m, "tag", r->o->tag);
	else
		value_map_put(a, m, "tag", value_new(a, VALUE_NULL, nopos));
	if (git)
		rd_put_s(a, m, "commit", src->commit);
	else
		value_map_put(a, m, "commit", value_new(a, VALUE_NULL, nopos));
	struct date day = git ? date_from_unix(src->commit_time, src->commit_offset) : r->s->today;
	rd_put_s(a, m, "date", date_iso_s(a, day));
	rd_put_b(a, m, "draft", !git);
	rd_put_s(a, m, "audience", visibility_name(r->audience));
	if (r->o->archive) {
		const struct tag_info *t = r->o->archive->tag;
		rd_put_s(a, m, "published", date_iso_s(a, date_from_unix(t->time, t->offset)));
	}
	rd_put_s(a, m, "generator", "plansite " PLANSITE_VERSION);
	struct buf b = BUF_INIT;
	value_to_json(&b, m);
	buf_putc(&b, '\n');
	if (writer_put(r->w, "version.json", b.ptr, b.len) < 0)
		r->failed = true;
	buf_release(&b);
}

/* ------------------------------------------------------- the whole site */

void rd_build_shared(struct render *r)
{
	const struct site *s = r->s;
	struct arena *a = &r->a;
	r->memo = mustache_memo_new();
	pthread_mutex_init(&r->stop_lock, NULL);
	r->stop_job = SIZE_MAX;
	if (s->nreports)
		report_index_init(&r->own_ix, s, r->audience, true);
	idmap_init(&r->people, s->npeople);
	for (size_t i = 0; i < s->npeople; i++)
		idmap_put(&r->people, s->people[i].id, i);
	idmap_init(&r->practices, s->npractices);
	for (size_t i = 0; i < s->npractices; i++)
		idmap_put(&r->practices, s->practices[i].id, i);
	idmap_init(&r->projects, s->nprojects);
	for (size_t i = 0; i < s->nprojects; i++)
		idmap_put(&r->projects, s->projects[i].doc.id, i);
	idmap_init(&r->areas, s->plan.nareas);
	for (size_t i = 0; i < s->plan.nareas; i++)
		idmap_put(&r->areas, s->plan.areas[i].id, i);

	r->site_v = rd_new_map(a);
	rd_put_s(a, r->site_v, "title", s->config.title);
	rd_put_s(a, r->site_v, "tagline", s->config.tagline);
	rd_put_s(a, r->site_v, "organisation", s->config.organisation);
	rd_put_s(a, r->site_v, "language", s->config.language);
	rd_put_s(a, r->site_v, "base_url", s->config.base_url);
	if (s->config.contact_email || s->config.contact_address) {
		struct value *ct = rd_new_map(a);
		rd_put_s(a, ct, "email", s->config.contact_email);
		rd_put_s(a, ct, "address", s->config.contact_address);
		rd_put(a, r->site_v, "contact", ct);
	}
	struct value *pages = rd_new_list(a);
	for (size_t i = 0; i < s->npages; i++) {
		const struct doc *d = &s->pages[i].doc;
		if (!doc_shown(d, r->audience))
			continue;
		struct value *v = rd_new_map(a);
		rd_put_s(a, v, "title", d->title);
		rd_put_s(a, v, "href", doc_href(a, d));
		value_list_push(a, pages, v);
	}
	rd_put(a, r->site_v, "pages", pages);
	r->assets_v = rd_new_map(a);
	for (size_t i = 0; i < r->t->nassets; i++)
		rd_put_s(a, r->assets_v, r->t->assets[i].key, r->t->assets[i].out);

	r->build_v = rd_new_map(a);
	rd_put_s(a, r->build_v, "audience", visibility_name(r->audience));
	rd_put_b(a, r->build_v, "practices", r->audience >= VIS_PRACTICES);
	const struct source *src = s->src;
	if (src->mode == SOURCE_GIT) {
		struct date day = date_from_unix(src->commit_time, src->commit_offset);
		rd_put_s(a, r->build_v, "version", r->o->tag ? r->o->tag : src->short_id);
		rd_put_s(a, r->build_v, "tag", r->o->tag);
		rd_put_s(a, r->build_v, "commit", src->short_id);
		rd_put_s(a, r->build_v, "commit_id", src->commit);
		rd_put_s(a, r->build_v, "date", date_long_s(a, day));
		rd_put_s(a, r->build_v, "date_iso", date_iso_s(a, day));
		if (r->o->archive) {
			const struct tag_info *t = r->o->archive->tag;
			struct date pub = date_from_unix(t->time, t->offset);
			struct value *ar = rd_new_map(a);
			rd_put_s(a, ar, "tag", t->name);
			rd_put_s(a, ar, "slug", r->o->archive->slug);
			rd_put_s(a, ar, "date", date_long_s(a, pub));
			rd_put_s(a, ar, "date_iso", date_iso_s(a, pub));
			rd_put(a, r->build_v, "archive", ar);
		}
		size_t nok = 0;
		for (size_t i = 0; i < r->o->nversions; i++)
			nok += r->o->versions[i].ok;
		rd_put_b(a, r->build_v, "has_versions", nok > 0);
	} else {
		rd_put_s(a, r->build_v, "version", "draft");
		rd_put_b(a, r->build_v, "draft", true);
	}

	r->meetings = arena_alloc(a, (s->nmeetings + 1) * sizeof(*r->meetings));
	for (size_t i = 0; i < s->nmeetings; i++)
		if (doc_shown(&s->meetings[i].doc, r->audience))
			r->meetings[r->nmeetings++] = &s->meetings[i];
	qsort(r->meetings, r->nmeetings, sizeof(*r->meetings), rd_cmp_meeting_newest);
	r->reports = arena_alloc(a, (s->nreports + 1) * sizeof(*r->reports));
	for (size_t i = 0; i < s->nreports; i++)
		if (doc_shown(&s->reports[i].doc, r->audience))
			r->reports[r->nreports++] = &s->reports[i];
	qsort(r->reports, r->nreports, sizeof(*r->reports), rd_cmp_report_newest);
	rd_build_tracker(r);
	/* Each project's actions that the audience may see, found once rather
	 * than once per project. */
	r->actions_of = xcalloc(s->nprojects + 1, sizeof(*r->actions_of));
	for (size_t i = 0; i < r->nmeetings; i++) {
		const struct meeting *mt = r->meetings[i];
		for (size_t j = 0; j < mt->nactions; j++) {
			size_t pi;
			if (!vis_shown(mt->actions[j].vis, r->audience) || !mt->actions[j].project.id ||
			    !idmap_get(&r->projects, mt->actions[j].project.id, &pi))
				continue;
			struct project_actions *pa = &r->actions_of[pi];
			GROW_FROM(pa->v, pa->n, pa->cap, 4);
			pa->v[pa->n].meeting = mt;
			pa->v[pa->n].action = &mt->actions[j];
			pa->n++;
		}
	}
}

void rd_release_shared(struct render *r)
{
	for (size_t i = 0; r->actions_of && i < r->s->nprojects; i++)
		free(r->actions_of[i].v);
	free(r->actions_of);
	idmap_release(&r->people);
	idmap_release(&r->practices);
	idmap_release(&r->projects);
	idmap_release(&r->areas);
	if (r->s->nreports)
		report_index_release(&r->own_ix);
	mustache_memo_free(r->memo);
	rd_report_stops(r);
	pthread_mutex_destroy(&r->stop_lock);
	arena_release(&r->a);
}

static void run_job(struct render *r, struct job *j)
{
	current_job = j;
	if (rd_stopped(r)) {
		current_job = NULL; /* a job after a stopped one: skipped */
		return;
	}
	switch (j->kind) {
	case J_HOME:
		rd_render_home(r);
		break;
	case J_PLAN:
		rd_render_plan(r, r->secs, r->nsecs);
		break;
	case J_SECTION:
		rd_render_section(r, r->secs, r->nsecs, j->i);
		break;
	case J_PROJECTS:
		rd_render_projects_index(r);
		break;
	case J_PROJECT:
		rd_render_project(r, j->item);
		break;
	case J_MEETINGS:
		rd_render_meetings_index(r);
		break;
	case J_MEETING:
		rd_render_meeting(r, j->item);
		break;
	case J_REPORTS:
		rd_render_reports_index(r);
		break;
	case J_REPORT:
		rd_render_report(r, j->item);
		break;
	case J_PEOPLE:
		rd_render_people(r);
		break;
	case J_PAGE:
		rd_render_free_page(r, j->item);
		break;
	case J_SEARCH:
		rd_render_search(r);
		break;
	case J_404:
		rd_render_404(r);
		break;
	}
	current_job = NULL;
}

struct worker {
	struct render *r;
	struct arena arena;
	pthread_t thread;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct render *r = w->r;
	struct buf out = BUF_INIT;
	for (;;) {
		size_t i = __atomic_fetch_add(&r->next_job, 1, __ATOMIC_RELAXED);
		if (i >= r->njobs)
			break;
		r->jobs[i].arena = &w->arena;
		r->jobs[i].out = &out;
		run_job(r, &r->jobs[i]);
		r->jobs[i].out = NULL;
	}
	current_job = NULL;
	buf_release(&out);
	return NULL;
}

static void add_job(struct render *r, int kind, const void *item, size_t i)
{
	struct job *j = &r->jobs[r->njobs++];
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->item = item;
	j->i = i;
}

/*
 * Every page, on every core. Pages are independent: each has its own
 * arena; what they share (the site, the contexts of build_shared, the
 * templates) is only read. The search index is put together afterwards in
 * job order, so the output does not depend on which core did what.
 */
static void render_pages(struct render *r)
{
	const struct site *site = r->s;
	r->secs = rd_visible_sections(r, &r->nsecs);
	r->jobs = xcalloc(16 + r->nsecs + site->nprojects + r->nmeetings + r->nreports +
				  site->npages,
			  sizeof(*r->jobs));
	add_job(r, J_HOME, NULL, 0);
	add_job(r, J_PLAN, NULL, 0);
	for (size_t i = 0; i < r->nsecs; i++)
		add_job(r, J_SECTION, NULL, i);
	add_job(r, J_PROJECTS, NULL, 0);
	for (size_t i = 0; i < site->nprojects; i++)
		if (doc_shown(&site->projects[i].doc, r->audience))
			add_job(r, J_PROJECT, &site->projects[i], 0);
	add_job(r, J_MEETINGS, NULL, 0);
	for (size_t i = 0; i < r->nmeetings; i++)
		add_job(r, J_MEETING, r->meetings[i], 0);
	add_job(r, J_REPORTS, NULL, 0);
	for (size_t i = 0; i < r->nreports; i++)
		add_job(r, J_REPORT, r->reports[i], 0);
	add_job(r, J_PEOPLE, NULL, 0);
	for (size_t i = 0; i < site->npages; i++)
		if (doc_shown(&site->pages[i].doc, r->audience))
			add_job(r, J_PAGE, &site->pages[i].doc, 0);
	add_job(r, J_SEARCH, NULL, 0);
	add_job(r, J_404, NULL, 0);

	size_t nw = (size_t)plansite_jobs();
	if (nw > r->njobs / 16 + 1)
		nw = r->njobs / 16 + 1;
	struct worker *ws = xcalloc(nw, sizeof(*ws));
	size_t started = 0;
	for (size_t t = 1; t < nw; t++) {
		ws[t].r = r;
		if (pthread_create(&ws[t].thread, NULL, work, &ws[t]) == 0)
			started = t;
		else
			break;
	}
	ws[0].r = r;
	work(&ws[0]); /* this thread works too */
	for (size_t t = 1; t <= started; t++)
		pthread_join(ws[t].thread, NULL);
	r->search = arena_alloc(&r->a, (r->njobs + 1) * sizeof(*r->search));
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].search)
			r->search[r->nsearch++] = r->jobs[i].search;
	r->worker_arenas = xcalloc(nw, sizeof(*r->worker_arenas));
	for (size_t t = 0; t <= started; t++)
		r->worker_arenas[r->nworker_arenas++] = ws[t].arena;
	free(ws);
	free(r->jobs);
	r->jobs = NULL;
}

static void *feeds_work(void *arg)
{
	struct feeds *f = arg;
	f->rc = render_feeds(f, f->w, NULL);
	return NULL;
}

int render_site(const struct site *site, const struct theme *theme, enum visibility audience,
		struct writer *w, struct diag *d)
{
	struct render_opts o;
	memset(&o, 0, sizeof(o));
	o.audience = audience;
	return render_site_opts(site, theme, &o, w, d);
}

int render_site_opts(const struct site *site, const struct theme *theme,
		     const struct render_opts *o, struct writer *w, struct diag *d)
{
	struct render r;
	enum visibility audience = o->audience;
	memset(&r, 0, sizeof(r));
	r.s = site;
	r.t = theme;
	r.audience = audience;
	r.o = o;
	r.w = w;
	r.d = d;
	r.prefix = o->archive ? arena_printf(&r.a, "versions/%s/", o->archive->slug) : "";
	if (o->pdf && cache_usable(o->cache))
		r.pdf_env = pdf_environment();
	rd_build_shared(&r);

	for (size_t i = 0; i < theme->nassets; i++)
		if (writer_put(w, theme->assets[i].out, theme->assets[i].data, theme->assets[i].len) <
		    0)
			r.failed = true;

	/* The history pages and the feeds need only the site: each on a thread
	 * of its own beside the pages. The search index needs the pages. */
	struct feeds f = {site, audience, r.meetings, r.nmeetings, r.reports, r.nreports, NULL, 0,
			  NULL, w, 0};
	if (o->archive && site->config.base_url)
		f.base_url = arena_printf(&r.a, "%s%s", site->config.base_url, r.prefix);
	pthread_t histories, feeds;
	bool threaded = o->history && pthread_create(&histories, NULL, render_histories, &r) == 0;
	bool feeds_threaded = pthread_create(&feeds, NULL, feeds_work, &f) == 0;
	render_pages(&r);
	if (threaded)
		pthread_join(histories, NULL);
	else if (o->history)
		render_histories(&r);
	if (feeds_threaded)
		pthread_join(feeds, NULL);
	else
		feeds_work(&f);
	if (f.rc < 0)
		r.failed = true;
	if (o->nversions && !o->archive)
		render_versions(&r);
	if (o->archive)
		render_changes(&r);
	render_version_json(&r);
	f.search = r.search;
	f.nsearch = r.nsearch;
	if (render_search_index(&f, w) < 0)
		r.failed = true;
	for (size_t i = 0; i < r.nworker_arenas; i++)
		arena_release(&r.worker_arenas[i]);
	free(r.worker_arenas);
	rd_release_shared(&r);
	return r.failed ? -1 : 0;
}

