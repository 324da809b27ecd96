/*
 * render_int.h: what the page renderers share (render.c: the build, the
 * contexts every page has, history and versions; render_pages.c: the site's
 * pages; render_report.c: the monthly reports' pages and PDFs). Only they
 * include it.
 */
#ifndef RENDER_INT_H
#define RENDER_INT_H

#include "plansite.h"

#include <pthread.h>
#include <stdatomic.h>

struct render {
	const struct site *s;
	const struct theme *t;
	enum visibility audience;
	const struct render_opts *o;
	const char *prefix; /* "versions/2007-04/" for an old version, else "" */
	uint64_t pdf_env;   /* pdf_environment(), when PDFs are kept in the cache */
	struct writer *w;
	struct diag *d;
	struct arena a; /* lives for the whole build */
	struct idmap people, practices, projects, areas;
	struct value *site_v, *assets_v, *build_v, *tracker;
	const struct meeting **meetings; /* visible, newest first */
	size_t nmeetings;
	const struct report **reports; /* visible, newest first */
	size_t nreports;
	const char **search; /* per document page, its entry of search-index.json (JSON) */
	size_t nsearch;
	struct project_actions {
		struct {
			const struct meeting *meeting;
			const struct action *action;
		} *v;
		size_t n, cap;
	} *actions_of; /* by project index: actions of visible meetings, newest first */
	const struct section **secs; /* visible, by number */
	size_t nsecs;
	struct job *jobs;
	size_t njobs, next_job; /* next_job taken with __atomic_fetch_add */
	struct arena *worker_arenas; /* the workers' arenas, kept for the search index */
	size_t nworker_arenas;
	atomic_bool failed;   /* set by the history pages' thread too */
	struct report_index own_ix;  /* the reports' data when it is the site's own */
	struct mustache_memo *memo;  /* renders of shared lists, for every page */
	/* Renders stopped at a template limit (E042): see rd_page_end. */
	pthread_mutex_t stop_lock;
	size_t stop_job; /* the first job, in job order, stopped; SIZE_MAX: none */
	struct mustache_stop stop_in_job, stop_outside;
};

/* One page (or a report's pages) to render, as a worker runs it. */
struct job {
	enum { J_HOME, J_PLAN, J_SECTION, J_PROJECTS, J_PROJECT, J_MEETINGS, J_MEETING,
	       J_REPORTS, J_REPORT, J_PEOPLE, J_PAGE, J_SEARCH, J_404 } kind;
	const void *item;     /* the project, meeting, report or page */
	size_t i;             /* J_SECTION: the index in the visible sections */
	const char *search;   /* the page's search entry as JSON, or NULL */
	struct arena *arena;  /* the worker's, for what outlives the page */
	struct buf *out;      /* the worker's, for each page's bytes in turn */
};

/* The job the current thread is rendering (NULL outside the workers). */
extern _Thread_local struct job *current_job;

/* Per page: what the Markdown link callback needs. */
struct pagectx {
	struct render *r;
	const char *dir;  /* "projects/copd/" ("" for the home page) */
	const char *root; /* "../../" */
	const struct doc *doc;
	/* While a front matter text (a decision, an action) is rendered: the
	 * path of the document it was written in, whose page its anchors
	 * ("#minutes") are on; NULL for a body. */
	const char *inline_from;
	struct arena a;   /* this page's context; released after writing */
};

struct report_out;

struct value *rd_new_map(struct arena *a);
struct value *rd_new_list(struct arena *a);
void rd_put(struct arena *a, struct value *m, const char *k, struct value *v);
void rd_put_s(struct arena *a, struct value *m, const char *k, const char *s);
void rd_put_buf(struct arena *a, struct value *m, const char *k, const struct buf *b);
struct md_render rd_md_opts(struct pagectx *pg, struct buf *text);
struct value *rd_inline_html(struct pagectx *pg, const char *from, const char *s);
struct value *rd_page_ctx(struct pagectx *pg, const char *nav, const char *title,
			  const char *kind);
void rd_page_begin(struct pagectx *pg, struct render *r, const char *dir, const struct doc *doc);
void rd_page_end(struct pagectx *pg, const char *tmpl, struct value *ctx, const char *file);
void rd_put_body(struct pagectx *pg, struct value *c, const struct doc *doc);
void rd_build_shared(struct render *r);
void rd_release_shared(struct render *r);
int rd_cmp_report_newest(const void *x, const void *y);
struct value *rd_report_summary(struct arena *a, const struct report *rp);
void rd_render_report_to(struct render *r, const struct report *rp,
			 const struct report_out *out);
void rd_render_report(struct render *r, const struct report *rp);
void rd_render_reports_index(struct render *r);

/* render.c and render_pages.c */
void rd_put_b(struct arena *a, struct value *m, const char *k, bool b);
void rd_put_n(struct arena *a, struct value *m, const char *k, double n);
const char *rd_time_range(struct arena *a, int start, int end);
const struct project *rd_find_project(const struct render *r, const char *id);
const struct area *rd_find_area(const struct render *r, const char *id);
const struct level *rd_find_level(const struct plan *p, int n);
struct value *rd_person_v(struct render *r, struct arena *a, const char *id);
struct value *rd_people_v(struct render *r, struct arena *a, const struct refs *refs);
const char *rd_status_label(enum status s);
void rd_build_tracker(struct render *r);
void rd_render_project(struct render *r, const struct project *pr);
void rd_render_projects_index(struct render *r);
int rd_cmp_meeting_newest(const void *x, const void *y);
void rd_render_meeting(struct render *r, const struct meeting *mt);
void rd_render_meetings_index(struct render *r);
const struct section **rd_visible_sections(struct render *r, size_t *n);
void rd_render_plan(struct render *r, const struct section **secs, size_t nsecs);
void rd_render_section(struct render *r, const struct section **secs, size_t n, size_t i);
void rd_render_people(struct render *r);
void rd_render_free_page(struct render *r, const struct doc *doc);
void rd_render_home(struct render *r);
void rd_render_search(struct render *r);
void rd_render_404(struct render *r);

#endif
