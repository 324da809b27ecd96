/*
 * render_report.c: the monthly reports: the archive, and each report's web
 * page, A4 print page and PDF (cached by what it is made from), with the
 * computed sections of its month's data (report.c, monthly.c); and
 * `plansite report`'s three files.
 */
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- reports */

int rd_cmp_report_newest(const void *x, const void *y)
{
	const struct report *const *a = x, *const *b = y;
	return strcmp((*b)->doc.id, (*a)->doc.id);
}

struct value *rd_report_summary(struct arena *a, const struct report *rp)
{
	struct value *m = rd_new_map(a);
	rd_put_s(a, m, "title", rp->doc.title);
	rd_put_s(a, m, "href", doc_href(a, &rp->doc));
	if (rp->has_month)
		rd_put_s(a, m, "month", date_month_s(a, rp->month));
	rd_put_s(a, m, "month_iso", rp->doc.id);
	return m;
}

/* ----------------------------------------------------- monthly reports */

/* m[key] = v: replaces the value of an existing key, else adds it. */
static void map_set(struct arena *a, struct value *m, const char *key, struct value *v)
{
	struct value_pair *p = value_get_pair(m, key);
	if (p)
		p->val = v;
	else
		rd_put(a, m, key, v);
}

/* A shallow copy of a map, so that a page can change it without changing a
 * value shared with other pages. */
static struct value *map_copy(struct arena *a, const struct value *m)
{
	struct value *c = rd_new_map(a);
	for (size_t i = 0; m && i < m->n; i++)
		value_map_put(a, c, m->u.pairs[i].key, m->u.pairs[i].val);
	return c;
}

static const char *vstr(const struct value *m, const char *k)
{
	const struct value *v = value_get(m, k);
	return v && v->str ? v->str : NULL;
}

/* What a report is made from, in words: where its figures come from and,
 * when status changes cannot be shown, why. */
static void report_notes(struct arena *a, const struct report *rp, const struct monthly *m,
			 const char **data_note, const char **changes_note)
{
	const char *month = date_month_s(a, rp->month);
	*changes_note = NULL;
	if (!m) {
		*data_note = arena_printf(a, "The figures below are as this version of the site "
					     "records them, not as they stood at the end of %s.",
					  month);
		*changes_note = "This version of the site does not keep the figures of earlier "
				"months, so changes cannot be shown.";
		return;
	}
	if (m->as_of)
		*data_note = arena_printf(a, "No saved version of the site is as old as the end "
					     "of %s: the figures below are as of %s.",
					  month, m->as_of);
	else
		*data_note = arena_printf(a, "The figures below are as they stood at the end of %s "
					     "(version %s of %s).",
					  month, m->data_commit, m->data_date);
	if (!m->prev_month)
		*changes_note = "This is the first report, so there is nothing earlier to "
				"compare with.";
	else if (m->prev_missing)
		*changes_note = arena_printf(a, "No saved version of the site is as old as the end "
						"of %s, the month of the previous report, so "
						"changes cannot be shown.",
					     m->prev_month);
}

/* "DacCom Ltd" → "daccom-ltd", for the PDF's file name. */
static const char *slug(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	for (; s && *s; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_putc(&b, c);
		else if (b.len && b.ptr[b.len - 1] != '-')
			buf_putc(&b, '-');
	}
	while (b.len && b.ptr[b.len - 1] == '-')
		buf_truncate(&b, b.len - 1);
	const char *r = arena_strndup(a, b.len ? b.ptr : "report", b.len ? b.len : 6);
	buf_release(&b);
	return r;
}

static const char *pdf_name(struct arena *a, const struct site *s, const struct report *rp)
{
	return arena_printf(a, "%s-status-%s.pdf", slug(a, s->config.organisation), rp->doc.id);
}

/* Links on paper: absolute URLs of the published site. */
static bool pdf_link_cb(void *ctx, enum link_kind kind, const char *path, const char *frag,
			struct buf *href)
{
	struct pagectx *pg = ctx;
	const char *base = pg->r->s->config.base_url;
	if (kind == LINK_ANCHOR) {
		/* on paper an anchor is a heading of a page on the site: a
		 * decision's or an action's, of its meeting's page; the
		 * report's own have no place in the PDF */
		const char *from = pg->inline_from;
		if (!from || (pg->doc && strcmp(from, pg->doc->path) == 0))
			return false;
		kind = LINK_DOC;
		path = from;
	}
	if (!base)
		return false;
	if (kind == LINK_DATA) {
		buf_printf(href, "%s%s", base,
			   strcmp(path, "content/people.yaml") == 0 ? "people/" : "plan/");
	} else {
		const struct doc *target = site_doc_by_path(pg->r->s, path);
		if (!target || !doc_shown(target, pg->r->audience))
			return false;
		buf_printf(href, "%s%s", base, doc_dir(&pg->a, target));
	}
	if (frag && *frag)
		buf_printf(href, "#%s", frag);
	return true;
}

static struct value *inline_pdf(struct pagectx *pg, const char *from, const char *s)
{
	struct md_render o = {pg->r->audience, false, pdf_link_cb, pg, NULL};
	pg->inline_from = from;
	struct value *v = value_cstr(&pg->a, markdown_inline_pdf(&pg->a, from, s, strlen(s), &o));
	pg->inline_from = NULL;
	return v;
}

/* A copy of the list of maps l, each with field: its "text" rendered by fn
 * as written in its meeting (its "meeting_path", else from), whose
 * relative links and anchors it resolves. */
static struct value *with_rendered(struct pagectx *pg, const char *from, const struct value *l,
				   const char *field,
				   struct value *(*fn)(struct pagectx *, const char *, const char *))
{
	struct value *out = rd_new_list(&pg->a);
	for (size_t i = 0; l && i < l->n; i++) {
		struct value *it = map_copy(&pg->a, l->u.items[i]);
		const char *mp = vstr(l->u.items[i], "meeting_path");
		rd_put(&pg->a, it, field, fn(pg, mp ? mp : from, vstr(l->u.items[i], "text")));
		value_list_push(&pg->a, out, it);
	}
	return out;
}

/* A copy of the sections whose decisions and overdue actions carry their
 * Markdown text rendered by fn as field: "html" for the pages, "pdf" for
 * the PDF. */
static struct value *rendered_texts(struct pagectx *pg, const struct report *rp,
				    const struct value *sections, const char *field,
				    struct value *(*fn)(struct pagectx *, const char *, const char *))
{
	struct arena *a = &pg->a;
	struct value *sc = map_copy(a, sections);
	const struct value *ds = value_get(sections, "decisions");
	struct value *dl = rd_new_list(a);
	for (size_t i = 0; ds && i < ds->n; i++) {
		struct value *mt = map_copy(a, ds->u.items[i]);
		const char *mp = vstr(ds->u.items[i], "meeting_path");
		map_set(a, mt, "decisions",
			with_rendered(pg, mp ? mp : rp->doc.path,
				      value_get(ds->u.items[i], "decisions"), field, fn));
		value_list_push(a, dl, mt);
	}
	map_set(a, sc, "decisions", dl);
	map_set(a, sc, "overdue_actions",
		with_rendered(pg, rp->doc.path, value_get(sections, "overdue_actions"), field, fn));
	return sc;
}

/* The computed sections of a report, in a: from its month's data when
 * known, else from the site itself. */
static struct value *report_data(struct render *r, struct arena *a, const struct report *rp,
				 const struct monthly *m)
{
	struct value *v = NULL;
	if (m) {
		v = monthly_sections(r->o->monthly, m, a, r->d);
		if (!v)
			r->failed = true;
	}
	return v ? v : report_sections(a, &r->own_ix, NULL, rp->month);
}

/* A key for everything a PDF is made from: the same key, the same bytes. */
static uint64_t pdf_key(const struct pdf_doc *doc)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "plansite %s\n%s\n%s\n%s\n%s\n%s\n", PLANSITE_VERSION, doc->title,
		   doc->author, doc->subject, doc->header, doc->date);
	for (size_t i = 0; i < doc->nblocks; i++) {
		const struct pdf_block *k = &doc->blocks[i];
		buf_printf(&b, "%d %d %d %d %s\n", k->kind, k->level, k->ordered, k->number,
			   k->text ? k->text : "");
		const struct pdf_table *t = &k->table;
		for (size_t c = 0; t->cells && c < t->ncols * t->nrows; c++)
			buf_printf(&b, "|%s", t->cells[c] ? t->cells[c] : "");
		for (size_t c = 0; t->widths && c < t->ncols; c++)
			buf_printf(&b, "/%g", t->widths[c]);
		buf_printf(&b, "#%s\n", t->align ? t->align : "");
	}
	uint64_t h = hash_bytes(b.ptr, b.len);
	buf_release(&b);
	return h;
}

/* The report's PDF: from the cache when the same one was made before. */
static void write_pdf(struct pagectx *pg, const struct report *rp, const struct monthly *m,
		      const char *path, const struct value *sections)
{
	struct render *r = pg->r;
	struct arena *a = &pg->a;
	const struct site *s = r->s;
	const char *month = date_month_s(a, rp->month);
	const char *data_note, *changes_note;
	report_notes(a, rp, m, &data_note, &changes_note);

	struct pdf_block *v = NULL;
	size_t n = 0, cap = 0;
	size_t nn;
	struct md_render o = {r->audience, false, pdf_link_cb, pg, NULL};
	struct pdf_block *narrative = markdown_pdf(a, &rp->doc, &o, &nn);
	cap = nn + 64;
	v = arena_alloc(a, cap * sizeof(*v));
	struct buf t = BUF_INIT;
	escape_html(&t, rp->doc.title, strlen(rp->doc.title));
	buf_printf(&t, ": %s", month);
	v[n++] = (struct pdf_block){PDF_HEADING, 1, false, 0, arena_strndup(a, t.ptr, t.len), {0}};
	buf_truncate(&t, 0);
	escape_html(&t, s->config.organisation, strlen(s->config.organisation));
	v[n++] = (struct pdf_block){PDF_PARAGRAPH, 0, false, 0, arena_strndup(a, t.ptr, t.len), {0}};
	if (nn) /* an empty narrative gives no blocks, and may give NULL */
		memcpy(v + n, narrative, nn * sizeof(*v));
	n += nn;
	report_pdf_sections(a, rendered_texts(pg, rp, sections, "pdf", inline_pdf), data_note,
			    changes_note, &v, &n, &cap);

	struct date end = rp->month;
	end.d = date_days_in_month(end.y, end.m);
	struct pdf_doc doc = {
		arena_printf(a, "%s: %s", rp->doc.title, month),
		s->config.organisation,
		arena_printf(a, "The %s programme status report for %s", s->config.organisation, month),
		arena_printf(a, "%s \u00b7 %s, %s", t.ptr, rp->doc.title, month),
		arena_printf(a, "%04d-%02d-%02dT00:00:00Z", end.y, end.m, end.d),
		v,
		n,
	};
	buf_release(&t);
	guard_pdf_text(writer_guard(r->w), path, &doc);

	struct buf pdf = BUF_INIT, cpath = BUF_INIT;
	bool cached = false;
	if (cache_usable(r->o->cache)) {
		/* what it is made from, and what makes it: plansite, the
		 * libraries and the fonts */
		struct buf k = BUF_INIT;
		buf_printf(&k, "%016llx %016llx %s", (unsigned long long)pdf_key(&doc),
			   (unsigned long long)r->pdf_env, r->o->cache->plansite);
		buf_printf(&cpath, "pdf/%016llx%016llx.pdf",
			   (unsigned long long)hash64(k.ptr, k.len, 0),
			   (unsigned long long)hash64(k.ptr, k.len, 1));
		buf_release(&k);
		cached = cache_read(r->o->cache, cpath.ptr, &pdf) && pdf.len > 0;
		if (!cached)
			buf_truncate(&pdf, 0);
	}
	if (!cached) {
		if (pdf_render(&doc, &pdf, r->d) < 0) {
			r->failed = true;
			goto out;
		}
		/* Keep it for the next build; a cache that cannot be written
		 * only costs the time to make the PDF again. */
		if (cpath.len)
			cache_write(r->o->cache, cpath.ptr, pdf.ptr, pdf.len);
	}
	if (writer_put(r->w, path, pdf.ptr, pdf.len) < 0)
		r->failed = true;
out:
	buf_release(&pdf);
	buf_release(&cpath);
}

/* The report's context: its summary, the computed sections with their
 * decisions and actions rendered, and the notes. */
static void report_ctx(struct pagectx *pg, struct value *c, const struct report *rp,
		       const struct monthly *m, bool pdf, const struct value *sections)
{
	struct render *r = pg->r;
	struct arena *a = &pg->a;
	struct value *rs = rd_report_summary(a, rp);
	rd_put_s(a, rs, "print_href", arena_printf(a, "%sprint/index.html", doc_dir(a, &rp->doc)));
	if (pdf) {
		const char *name = pdf_name(a, r->s, rp);
		rd_put_s(a, rs, "pdf_name", name);
		rd_put_s(a, rs, "pdf_href", arena_printf(a, "%s%s", doc_dir(a, &rp->doc), name));
	}
	rd_put(a, c, "report", rs);
	/* decisions and action texts are Markdown inline: render them */
	struct value *sc = rendered_texts(pg, rp, sections, "html", rd_inline_html);
	const char *data_note, *changes_note;
	report_notes(a, rp, m, &data_note, &changes_note);
	rd_put_s(a, sc, "data_note", data_note);
	rd_put_s(a, sc, "changes_note", changes_note);
	rd_put(a, c, "sections", sc);
}

/* Where a report's three files go, and the way back to the site's root
 * from its pages (NULL: relative, as on the site). */
struct report_out {
	const char *dir, *print_dir, *pdf_path, *root;
};

void rd_render_report_to(struct render *r, const struct report *rp,
			 const struct report_out *out)
{
	const struct monthly *m = monthly_of(r->o->monthly, rp);
	bool pdf = r->o->pdf && rp->has_month;
	const char *title;
	/* The computed sections, once for the three forms. */
	struct arena ra = ARENA_INIT;
	const struct value *sections = rp->has_month ? report_data(r, &ra, rp, m) : NULL;

	/* The web page: the narrative, then the computed sections. */
	struct pagectx pg;
	rd_page_begin(&pg, r, out->dir, &rp->doc);
	if (out->root)
		pg.root = arena_strdup(&pg.a, out->root);
	title = rp->has_month ? arena_printf(&pg.a, "%s: %s", rp->doc.title,
					     date_month_s(&pg.a, rp->month))
			      : rp->doc.title;
	struct value *c = rd_page_ctx(&pg, "reports", title, "report");
	if (rp->has_month)
		report_ctx(&pg, c, rp, m, pdf, sections);
	else
		rd_put(&pg.a, c, "report", rd_report_summary(&pg.a, rp));
	rd_put_body(&pg, c, &rp->doc);
	rd_page_end(&pg, "report", c, NULL);
	if (!rp->has_month)
		return;

	/* The print page: the same content in the same order, for A4. */
	rd_page_begin(&pg, r, out->print_dir, &rp->doc);
	if (out->root)
		pg.root = arena_strdup(&pg.a, out->root);
	title = arena_printf(&pg.a, "%s: %s", rp->doc.title, date_month_s(&pg.a, rp->month));
	c = rd_page_ctx(&pg, "reports", title, "report-print");
	report_ctx(&pg, c, rp, m, pdf, sections);
	struct buf html = BUF_INIT;
	struct md_render o = rd_md_opts(&pg, NULL);
	markdown_fill(&rp->doc, &o, &html);
	rd_put_buf(&pg.a, c, "body", &html);
	buf_release(&html);
	rd_page_end(&pg, "report-print", c, NULL);

	if (pdf) {
		rd_page_begin(&pg, r, out->dir, &rp->doc);
		write_pdf(&pg, rp, m, out->pdf_path, sections);
		arena_release(&pg.a);
	}
	arena_release(&ra);
}

void rd_render_report(struct render *r, const struct report *rp)
{
	struct arena a = ARENA_INIT;
	const char *dir = doc_dir(&a, &rp->doc);
	struct report_out out = {dir, arena_printf(&a, "%sprint/", dir),
				 arena_printf(&a, "%s%s", dir, pdf_name(&a, r->s, rp)), NULL};
	rd_render_report_to(r, rp, &out);
	arena_release(&a);
}

void rd_render_reports_index(struct render *r)
{
	struct pagectx pg;
	rd_page_begin(&pg, r, "reports/", NULL);
	struct arena *a = &pg.a;
	struct value *c = rd_page_ctx(&pg, "reports", "Reports", "reports");
	struct value *l = rd_new_list(a);
	for (size_t i = 0; i < r->nreports; i++)
		value_list_push(a, l, rd_report_summary(a, r->reports[i]));
	rd_put(a, c, "reports", l);
	rd_page_end(&pg, "reports", c, NULL);
}

int render_report_files(const struct site *site, const struct theme *theme,
			const struct render_opts *o, const struct report *rp, struct writer *w,
			struct diag *d)
{
	struct render r;
	memset(&r, 0, sizeof(r));
	r.s = site;
	r.t = theme;
	r.audience = o->audience;
	r.o = o;
	r.w = w;
	r.d = d;
	r.prefix = "";
	if (o->pdf && cache_usable(o->cache))
		r.pdf_env = pdf_environment();
	rd_build_shared(&r);
	/* The pages stand alone: their links and styles point at the
	 * published site. */
	struct report_out out = {"", "print/", pdf_name(&r.a, site, rp),
				 site->config.base_url ? site->config.base_url : ""};
	rd_render_report_to(&r, rp, &out);
	rd_release_shared(&r);
	return r.failed ? -1 : 0;
}
