/*
 * feeds.c: the machine-readable outputs: feed.xml (Atom 1.0), sitemap.xml,
 * meetings.ics (iCalendar, RFC 5545) and search-index.json. They use
 * absolute URLs from base_url, as feed readers and calendars need, and hold
 * no wall-clock time: stamps come from the content or the commit.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static const char *base(const struct feeds *f)
{
	if (f->base_url)
		return f->base_url;
	return f->site->config.base_url ? f->site->config.base_url : "";
}

static const char *dir_of(const struct doc *doc, struct buf *b)
{
	buf_truncate(b, 0);
	doc_dir_put(b, doc);
	return b->ptr;
}

static void xml(struct buf *b, const char *s)
{
	if (s)
		escape_html(b, s, strlen(s));
}

/* "2007-04-30T00:00:00Z" */
static void atom_date(struct buf *b, struct date d)
{
	buf_printf(b, "%04d-%02d-%02dT00:00:00Z", d.y, d.m, d.d);
}

/* ------------------------------------------------------------- Atom */

struct entry {
	struct date date;
	const struct doc *doc;
	const char *title;
};

static int cmp_entry(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = date_cmp(b->date, a->date);
	return c ? c : strcmp(a->doc->path, b->doc->path);
}

static void write_atom(const struct feeds *f, struct buf *b)
{
	const struct site *s = f->site;
	size_t n = f->nmeetings + f->nreports;
	struct entry *e = xcalloc(n + 1, sizeof(*e));
	struct buf title = BUF_INIT, dir = BUF_INIT;
	size_t k = 0;
	for (size_t i = 0; i < f->nmeetings; i++)
		e[k++] = (struct entry){f->meetings[i]->date, &f->meetings[i]->doc, NULL};
	for (size_t i = 0; i < f->nreports; i++) {
		const struct report *r = f->reports[i];
		struct date last = r->month;
		last.d = date_days_in_month(last.y, last.m);
		e[k++] = (struct entry){last, &r->doc, NULL};
	}
	qsort(e, k, sizeof(*e), cmp_entry);
	if (k > 50)
		k = 50;

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
	xml(b, s->config.language);
	buf_puts(b, "\">\n  <title>");
	xml(b, s->config.title);
	buf_puts(b, "</title>\n");
	if (s->config.tagline) {
		buf_puts(b, "  <subtitle>");
		xml(b, s->config.tagline);
		buf_puts(b, "</subtitle>\n");
	}
	buf_printf(b, "  <link rel=\"self\" href=\"");
	xml(b, base(f));
	buf_puts(b, "feed.xml\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
	xml(b, base(f));
	buf_puts(b, "\"/>\n  <id>");
	xml(b, base(f));
	buf_puts(b, "</id>\n  <updated>");
	if (k)
		atom_date(b, e[0].date);
	else if (s->src && s->src->mode == SOURCE_GIT)
		atom_date(b, date_from_unix(s->src->commit_time, 0));
	else
		buf_puts(b, "1970-01-01T00:00:00Z");
	buf_puts(b, "</updated>\n  <author><name>");
	xml(b, s->config.organisation);
	buf_puts(b, "</name></author>\n  <generator>plansite</generator>\n");
	for (size_t i = 0; i < k; i++) {
		const struct doc *doc = e[i].doc;
		buf_truncate(&title, 0);
		buf_puts(&title, doc->title ? doc->title : doc->id);
		if (doc->kind == DOC_MEETING) {
			buf_puts(&title, ", ");
			date_long(&title, e[i].date);
		} else if (doc->kind == DOC_REPORT) {
			const struct report *r = (const struct report *)doc;
			buf_printf(&title, ": %s %d", date_month_name(r->month.m), r->month.y);
		}
		buf_puts(b, "  <entry>\n    <title>");
		xml(b, title.ptr);
		buf_puts(b, "</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
		xml(b, base(f));
		xml(b, dir_of(doc, &dir));
		buf_puts(b, "\"/>\n    <id>");
		xml(b, base(f));
		xml(b, dir_of(doc, &dir));
		buf_puts(b, "</id>\n    <updated>");
		atom_date(b, e[i].date);
		buf_puts(b, "</updated>\n");
		if (doc->summary) {
			buf_puts(b, "    <summary>");
			xml(b, doc->summary);
			buf_puts(b, "</summary>\n");
		}
		buf_puts(b, "  </entry>\n");
	}
	buf_puts(b, "</feed>\n");
	buf_release(&title);
	buf_release(&dir);
	free(e);
}

/* ---------------------------------------------------------- sitemap */

static void sitemap_url(struct buf *b, const struct feeds *f, const char *path)
{
	buf_puts(b, "  <url><loc>");
	xml(b, base(f));
	xml(b, path);
	buf_puts(b, "</loc></url>\n");
}

static void write_sitemap(const struct feeds *f, struct buf *b)
{
	const struct site *s = f->site;
	struct buf dir = BUF_INIT;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	static const char *const indexes[] = {"", "plan/", "projects/", "meetings/", "reports/",
					      "people/", "search/"};
	for (size_t i = 0; i < sizeof(indexes) / sizeof(*indexes); i++)
		sitemap_url(b, f, indexes[i]);
	for (size_t i = 0; i < s->ndocs; i++)
		if (doc_shown(s->docs[i], f->audience))
			sitemap_url(b, f, dir_of(s->docs[i], &dir));
	buf_puts(b, "</urlset>\n");
	buf_release(&dir);
}

/* --------------------------------------------------------- iCalendar */

/* Appends one content line, folded at 75 octets (never inside a UTF-8
 * sequence), ending in CRLF. */
static void ics_line(struct buf *b, const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (col + len > 75) {
			buf_puts(b, "\r\n ");
			col = 1;
		}
		buf_put(b, s + i, len);
		col += len;
		i += len - 1;
	}
	buf_puts(b, "\r\n");
}

static void ics_prop(struct buf *b, struct buf *line, const char *name, const char *text)
{
	if (!text)
		return;
	buf_truncate(line, 0);
	buf_printf(line, "%s:", name);
	escape_ics_text(line, text);
	ics_line(b, line->ptr, line->len);
}

static const char london[] = "BEGIN:VTIMEZONE\r\n"
			     "TZID:Europe/London\r\n"
			     "BEGIN:DAYLIGHT\r\n"
			     "TZOFFSETFROM:+0000\r\n"
			     "TZOFFSETTO:+0100\r\n"
			     "TZNAME:BST\r\n"
			     "DTSTART:19810329T010000\r\n"
			     "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
			     "END:DAYLIGHT\r\n"
			     "BEGIN:STANDARD\r\n"
			     "TZOFFSETFROM:+0100\r\n"
			     "TZOFFSETTO:+0000\r\n"
			     "TZNAME:GMT\r\n"
			     "DTSTART:19961027T020000\r\n"
			     "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
			     "END:STANDARD\r\n"
			     "END:VTIMEZONE\r\n";

struct event {
	struct date date;
	int start, end;
	const char *uid_stem; /* meeting file stem, or NULL for an announced one */
	const char *committee;
	const struct meeting *m; /* the meeting, or the one that announced it */
};

static int cmp_event(const void *x, const void *y)
{
	const struct event *a = x, *b = y;
	int c = date_cmp(a->date, b->date);
	if (c)
		return c;
	c = strcmp(a->committee ? a->committee : "", b->committee ? b->committee : "");
	return c ? c : (a->uid_stem == NULL) - (b->uid_stem == NULL);
}

/* The host of base_url, for UIDs. */
static void host_of(const char *url, struct buf *b)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/");
	buf_put(b, p, n);
	if (!n)
		buf_puts(b, "plansite.invalid");
}

static void ics_time(struct buf *line, const char *prop, bool london_tz, struct date d, int min)
{
	buf_truncate(line, 0);
	buf_printf(line, "%s%s:%04d%02d%02dT%02d%02d00", prop,
		   london_tz ? ";TZID=Europe/London" : "", d.y, d.m, d.d, min / 60, min % 60);
}

static void write_ics(const struct feeds *f, struct buf *b)
{
	const struct site *s = f->site;
	bool london_tz = !s->config.timezone || strcmp(s->config.timezone, "Europe/London") == 0;
	struct event *ev = xcalloc(2 * f->nmeetings + 1, sizeof(*ev));
	size_t n = 0;
	for (size_t i = 0; i < f->nmeetings; i++) {
		const struct meeting *m = f->meetings[i];
		ev[n++] = (struct event){m->date, m->start, m->end, m->doc.id, m->committee, m};
	}
	/* Announced next meetings, unless that committee's meeting on that date
	 * is already here: each meeting appears once. The events so far are
	 * found by "date/committee" in a table (a committee is an id: no '/'). */
	struct arena keys = ARENA_INIT;
	struct idmap seen;
	idmap_init(&seen, 2 * f->nmeetings);
	for (size_t k = 0; k < n; k++)
		if (ev[k].committee)
			idmap_set(&seen,
				  arena_printf(&keys, "%04d-%02d-%02d/%s", ev[k].date.y, ev[k].date.m,
					       ev[k].date.d, ev[k].committee),
				  k);
	for (size_t i = 0; i < f->nmeetings; i++) {
		const struct meeting *m = f->meetings[i];
		if (!m->next.present)
			continue;
		size_t at;
		const char *key = m->committee ? arena_printf(&keys, "%04d-%02d-%02d/%s",
							      m->next.date.y, m->next.date.m,
							      m->next.date.d, m->committee)
					       : NULL;
		if (key && idmap_get(&seen, key, &at))
			continue;
		if (key)
			idmap_set(&seen, key, n);
		ev[n++] = (struct event){m->next.date, m->next.start, m->next.end, NULL,
					 m->committee, m};
	}
	idmap_release(&seen);
	arena_release(&keys);
	qsort(ev, n, sizeof(*ev), cmp_event);

	struct buf line = BUF_INIT, host = BUF_INIT, url = BUF_INIT;
	host_of(base(f), &host);
	buf_puts(b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
	buf_printf(b, "PRODID:-//plansite//plansite %s//EN\r\n", PLANSITE_VERSION);
	buf_puts(b, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
	buf_truncate(&line, 0);
	buf_puts(&line, "X-WR-CALNAME:");
	escape_ics_text(&line, s->config.title);
	escape_ics_text(&line, " meetings");
	ics_line(b, line.ptr, line.len);
	if (london_tz)
		buf_puts(b, "X-WR-TIMEZONE:Europe/London\r\n");
	if (london_tz)
		buf_puts(b, london);
	for (size_t i = 0; i < n; i++) {
		const struct event *e = &ev[i];
		const struct meeting *m = e->m;
		buf_puts(b, "BEGIN:VEVENT\r\n");
		buf_truncate(&line, 0);
		if (e->uid_stem)
			buf_printf(&line, "UID:%s@%s", e->uid_stem, host.ptr);
		else
			buf_printf(&line, "UID:%04d-%02d-%02d-%s@%s", e->date.y, e->date.m, e->date.d,
				   e->committee ? e->committee : "meeting", host.ptr);
		ics_line(b, line.ptr, line.len);
		/* DTSTAMP: the commit's time when there is one; else the day of
		 * the minutes. Never the clock. */
		buf_truncate(&line, 0);
		if (s->src && s->src->mode == SOURCE_GIT) {
			struct date cd = date_from_unix(s->src->commit_time, 0);
			int64_t sec = s->src->commit_time % 86400;
			if (sec < 0)
				sec += 86400;
			buf_printf(&line, "DTSTAMP:%04d%02d%02dT%02d%02d%02dZ", cd.y, cd.m, cd.d,
				   (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		} else {
			buf_printf(&line, "DTSTAMP:%04d%02d%02dT000000Z", m->date.y, m->date.m,
				   m->date.d);
		}
		ics_line(b, line.ptr, line.len);
		if (e->start >= 0) {
			ics_time(&line, "DTSTART", london_tz, e->date, e->start);
			ics_line(b, line.ptr, line.len);
			if (e->end > e->start) {
				ics_time(&line, "DTEND", london_tz, e->date, e->end);
				ics_line(b, line.ptr, line.len);
			}
		} else {
			buf_truncate(&line, 0);
			buf_printf(&line, "DTSTART;VALUE=DATE:%04d%02d%02d", e->date.y, e->date.m,
				   e->date.d);
			ics_line(b, line.ptr, line.len);
		}
		ics_prop(b, &line, "SUMMARY", m->doc.title);
		ics_prop(b, &line, "LOCATION", e->uid_stem ? m->venue : m->next.venue);
		if (!e->uid_stem)
			ics_prop(b, &line, "DESCRIPTION", m->next.note);
		if (e->uid_stem) {
			buf_truncate(&url, 0);
			buf_puts(&url, base(f));
			doc_dir_put(&url, &m->doc);
			buf_truncate(&line, 0);
			buf_printf(&line, "URL:%s", url.ptr);
			ics_line(b, line.ptr, line.len);
		}
		buf_puts(b, "END:VEVENT\r\n");
	}
	buf_puts(b, "END:VCALENDAR\r\n");
	buf_release(&line);
	buf_release(&host);
	buf_release(&url);
	free(ev);
}

/* ------------------------------------------------------------- all */

int render_feeds(const struct feeds *f, struct writer *w, struct diag *d)
{
	(void)d;
	struct buf b = BUF_INIT;
	int rc = 0;
	write_atom(f, &b);
	rc |= writer_put(w, "feed.xml", b.ptr, b.len);
	buf_truncate(&b, 0);
	write_sitemap(f, &b);
	rc |= writer_put(w, "sitemap.xml", b.ptr, b.len);
	buf_truncate(&b, 0);
	write_ics(f, &b);
	rc |= writer_put(w, "meetings.ics", b.ptr, b.len);
	buf_release(&b);
	return rc ? -1 : 0;
}

int render_search_index(const struct feeds *f, struct writer *w)
{
	/* the largest file of a build: written as it is made, an entry at a
	 * time, the same bytes as value_to_json of the whole list */
	struct wstream *st = writer_stream(w, "search-index.json");
	buf_putc(wstream_buf(st), '[');
	for (size_t i = 0; i < f->nsearch; i++) {
		struct buf *o = wstream_buf(st);
		if (i)
			buf_putc(o, ',');
		buf_puts(o, f->search[i]);
	}
	buf_puts(wstream_buf(st), "]\n");
	return wstream_close(st) ? -1 : 0;
}
