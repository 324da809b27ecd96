/*
 * build.c: `plansite build` once, as a function: source → model → check →
 * history → render → guard → write, and the no-op rebuild in front of it.
 * main.c calls it once; a long-lived caller (a preview server, the memory
 * test's loop) calls it again and again in one process, so a build keeps
 * nothing between calls but what the libraries cache for the process
 * (fontconfig's configuration, libgit2's and cmark's one-time set-up).
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

struct date build_today(const struct date *given, const struct source *src)
{
	if (given)
		return *given;
	if (src->mode == SOURCE_GIT)
		return date_from_unix(src->commit_time, src->commit_offset);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	struct date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return d;
}

/* Whether the build record names the output abs, for output_claim: the
 * record of an output made before outputs had their marker. */
static bool recorded(void *cache, const char *abs)
{
	return reuse_recorded(cache, abs);
}

int build_claim_output(const char *out, const char *root, struct cache *cache,
		       struct output_claim *c, struct diag *d)
{
	struct output_rules r = {root, recorded, cache};
	int rc = output_claim(c, out, &r, d);
	return rc == 0 ? EXIT_OK : rc > 0 ? EXIT_USAGE : EXIT_IO;
}

void build_monthly_from(struct monthly_set *ms, const struct published *pub,
			const struct source *src)
{
	struct commit_line line;
	ms->withdrawals = pub->withdrawals;
	if (src->mode == SOURCE_GIT && published_first_parents(pub, src->commit, &line) == 0)
		monthly_use_line(ms, src->commit, &line);
}

/* Seconds on a monotonic clock, for --verbose's timings (never in output). */
static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints the findings so far (text to stderr, JSON to stdout). */
static void report(struct diag *d)
{
	diag_flush(d, d->format == DIAG_JSON ? stdout : stderr);
}

int build_run(const struct build_opts *o, struct diag *d)
{
	double t0 = seconds(), t_read = 0, t_load = 0, t_months = 0, t_render = 0;
	struct source src = {0};
	struct site site = {0};
	struct theme theme = {0};
	struct published pub = {0};
	struct monthly_set monthly = {0};
	struct writer *w = NULL;
	struct reuse reuse = {0};
	struct output_claim claim = {NULL, NULL, -1};
	struct guard *guard = NULL;
	struct cache cache = {NULL, -1, -1, false, ""};
	char *root = NULL, *out = NULL;
	int status = EXIT_IO;
	root = source_find_root(o->dir ? o->dir : ".", d);
	if (!root)
		goto out;
	/* the files are read after looking for a reusable output */
	struct source_opts so = {o->ref, o->worktree};
	if (source_begin(&src, root, &so, d) < 0)
		goto out;
	status = EXIT_OK;
	cache_locate(&cache, o->cache, root);
	t_read = seconds();
	if (o->out) {
		out = xstrdup(o->out);
	} else {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s/public", root);
		out = buf_detach(&b, NULL);
	}
	/* before anything is written, the cache included */
	status = build_claim_output(out, root, &cache, &claim, d);
	if (status != EXIT_OK)
		goto out;
	/* A no-op rebuild: out already holds what this build would write. */
	site.today = build_today(o->today, &src);
	struct reuse_opts rop = {o->key,    o->key_len, site.today, !o->no_versions,
				 o->verbose, !o->no_pdf, &cache};
	int reused = reuse_check(&reuse, &src, out, &rop, d);
	if (reused != 0) {
		if (reused < 0)
			status = EXIT_IO;
		else if (d->format == DIAG_TEXT) {
			report(d);
			fprintf(stderr, "plansite: %s is up to date (%zu files, %s build): nothing written\n",
				out, reuse.nfiles, visibility_name(o->audience));
		}
		goto out;
	}
	cache_open(&cache, d);
	/* The history walk runs while the site is loaded and checked. */
	struct published_opts po = {!o->no_history, !o->no_versions, o->verbose, o->audience,
				    &cache};
	if (published_start(&pub, &src, &po, d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	/* the history the reports' data comes from: from the history walk
	 * when there is one, else read beside the load */
	monthly.cache = &cache;
	if (o->no_history)
		monthly_begin(&monthly, &src);
	/* every body is parsed once: scanned and rendered together */
	site.prepare = true;
	site.prepare_audience = o->audience;
	site.keep_text = true; /* for the leak guard */
	site_load(&site, &src, d);
	site_validate(&site, d);
	t_load = seconds();
	if (d->errors)
		goto out; /* a build with errors writes nothing */
	guard = guard_new(o->audience);
	guard_add_site(guard, &site);
	if (theme_load(&theme, &site, d) < 0)
		goto out;
	if (published_load(&pub, &site, d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	build_monthly_from(&monthly, &pub, &src);
	w = writer_open(out, d);
	writer_set_guard(w, guard);
	/* Each monthly report's figures as they stood at its month's end. */
	if (monthly_compute(&monthly, &site, o->audience, NULL, d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	t_months = seconds();
	struct render_opts ro = {o->audience, pub.current, pub.versions, pub.nversions, pub.tag,
				 NULL, NULL, NULL, &monthly, !o->no_pdf, &cache};
	/* The versions first: the list of versions shows only those published. */
	if (published_write(&pub, &theme, w, d) < 0 ||
	    render_site_opts(&site, &theme, &ro, w, d) < 0) {
		/* an I/O failure (E026) is exit status 3, content errors or not */
		if (!d->errors || diag_has(d, "E026"))
			status = EXIT_IO;
		goto out;
	}
	t_render = seconds();
	reuse.not_kept = pub.incomplete;
	if (reuse_commit(&reuse, w, d) < 0) {
		/* hidden text in the output (E030) is the content's error */
		status = guard_hit(guard) ? EXIT_OK : EXIT_IO;
		goto out;
	}
	if (d->format == DIAG_TEXT) {
		report(d);
		fprintf(stderr, "plansite: wrote %zu files to %s (%s build)\n", writer_count(w), out,
			visibility_name(o->audience));
	}
	if (o->verbose) {
		double t1 = seconds();
		fprintf(stderr,
			"plansite: %.2f s: read %.2f, load and check %.2f, history and months' data "
			"%.2f, render %.2f, finish writing %.2f (of which the leak guard %.3f)\n",
			t1 - t0, t_read - t0, t_load - t_read, t_months - t_load, t_render - t_months,
			t1 - t_render, guard_seconds(guard));
	}
out:
	report(d); /* findings point at file names the source owns */
	reuse_release(&reuse);
	writer_free(w);
	guard_free(guard);
	output_release(&claim);
	monthly_release(&monthly);
	published_release(&pub);
	cache_close(&cache);
	theme_release(&theme);
	free(out);
	site_release(&site);
	source_release(&src);
	free(root);
	if (status == EXIT_OK && d->errors)
		status = EXIT_CONTENT;
	return status;
}

/*
 * A build allocates a few hundred MB on every core and frees much of it as
 * it goes. By default glibc grows each thread's heap a page range at a time
 * (an mprotect call each: 3,900 in a 10,000-document build) and gives freed
 * memory back to the system, to fault it in again; and it gives each of the
 * file-reading threads a heap of its own, whose freed blocks the other
 * threads never reuse. Growing by 64 MB, never trimming and one heap a core
 * made a 10,000-document build about 8% faster and its peak memory 10%
 * smaller. The 64 MB are address space: memory is used only when written.
 */
void build_tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_ARENA_MAX, plansite_jobs() + 1);
#endif
}
