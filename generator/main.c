/*
 * main.c: options → load → validate → render → write; exit status. Nothing
 * else: every stage lives in its own file.
 */
#include "plansite.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: plansite [-C DIR] <command> [options]\n"
	"\n"
	"commands:\n"
	"  check  [--ref REV | --worktree] [--today DATE] [--format text|json]\n"
	"         read the site and report every problem, with its file, line and column\n"
	"  build  [--ref REV | --worktree] [--today DATE] [--audience public|practices]\n"
	"         [--out DIR] [--cache DIR] [--no-history] [--no-versions] [--no-pdf]\n"
	"         [--verbose]\n"
	"         check the site, then write the website into DIR (default: public/ in\n"
	"         the site root); nothing is written when the check finds errors\n"
	"  report YYYY-MM [--ref REV] [--audience public|practices] [--out DIR]\n"
	"         [--cache DIR]\n"
	"         write one monthly report's web page, print page and PDF into DIR\n"
	"         (default: report-YYYY-MM/ in the current folder)\n"
	"  changes REV1 REV2 [--audience public|practices] [--cache DIR]\n"
	"         print what changed from REV1 to REV2 as the audience sees it (as a\n"
	"         version's changes/ page shows it): documents, projects, meetings,\n"
	"         reports and the plan\n"
	"\n"
	"options:\n"
	"  -C DIR         the site root (the folder holding site.yaml); default: the\n"
	"                 current folder or its nearest ancestor with a site.yaml\n"
	"  --ref REV      read the tree of REV (branch, tag or commit id); default HEAD\n"
	"  --worktree     read the files on disk instead of a commit (drafts, previews)\n"
	"  --today DATE   take DATE (YYYY-MM-DD) as today for date rules; default: the\n"
	"                 commit's date, or the current date with --worktree\n"
	"  --format FMT   text (default, to stderr) or json (one object per finding,\n"
	"                 to stdout)\n"
	"  --audience A   public (default): what patients and the public may see;\n"
	"                 practices: also what is meant for the member practices\n"
	"  --out DIR      where build or report writes (replaced whole, atomically):\n"
	"                 a new or empty folder, or one plansite made (it holds the\n"
	"                 marker .plansite-output); never the site root, a folder\n"
	"                 above it, inside content/, themes/ or .git, or a link\n"
	"  --cache DIR    the cache folder (what build, report and changes keep between\n"
	"                 runs); default: $PLANSITE_CACHE, else a folder of the site's\n"
	"                 in $XDG_CACHE_HOME/plansite (~/.cache/plansite)\n"
	"  --no-history   no last-updated dates and no history pages\n"
	"  --no-versions  no published versions (tags matching publish_tags)\n"
	"  --no-pdf       no PDF of the monthly reports\n"
	"  --verbose      say what the history walk and the versions cache did, and\n"
	"                 how long each step of the build took\n"
	"  --help         show this help\n"
	"  --version      show the version\n"
	"\n"
	"exit status: 0 fine (warnings allowed), 1 content errors, 2 usage (an --out\n"
	"refused too), 3 I/O or git failure\n";

struct options {
	const char *dir;
	const char *command;
	const char *ref;
	bool worktree;
	bool has_today;
	struct date today;
	enum diag_format format;
	enum visibility audience;
	const char *out;
	const char *cache;
	bool no_history, no_versions, no_pdf, verbose;
	const char *args[2]; /* the command's own arguments: changes REV1 REV2 */
	int nargs;
	int argc; /* the whole command line: part of a build's key (reuse.c) */
	char **argv;
};

static int usage_error(const char *fmt, const char *arg)
{
	fputs("plansite: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'plansite --help'.\n", stderr);
	return EXIT_USAGE;
}

/* The value of an option written as "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static bool is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_options(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		} else if (strcmp(a, "--version") == 0) {
			printf("plansite %s\n", PLANSITE_VERSION);
			exit(EXIT_OK);
		} else if (strcmp(a, "-C") == 0) {
			if (i + 1 >= argc)
				return usage_error("%s needs a folder", a);
			o->dir = argv[++i];
		} else if (is_opt(a, "--ref")) {
			if (!(v = opt_value(argc, argv, &i, "--ref")) || !*v)
				return usage_error("%s needs a revision (branch, tag or commit id)", a);
			o->ref = v;
		} else if (strcmp(a, "--worktree") == 0) {
			o->worktree = true;
		} else if (is_opt(a, "--today")) {
			if (!(v = opt_value(argc, argv, &i, "--today")))
				return usage_error("%s needs a date, like 2007-04-30", a);
			if (!date_parse(v, strlen(v), &o->today))
				return usage_error("--today '%s' is not a date; write YYYY-MM-DD", v);
			o->has_today = true;
		} else if (is_opt(a, "--format")) {
			if (!(v = opt_value(argc, argv, &i, "--format")))
				return usage_error("%s needs text or json", a);
			if (strcmp(v, "text") == 0)
				o->format = DIAG_TEXT;
			else if (strcmp(v, "json") == 0)
				o->format = DIAG_JSON;
			else
				return usage_error("--format '%s': choose text or json", v);
		} else if (is_opt(a, "--audience")) {
			if (!(v = opt_value(argc, argv, &i, "--audience")))
				return usage_error("%s needs public or practices", a);
			if (strcmp(v, "public") == 0)
				o->audience = VIS_PUBLIC;
			else if (strcmp(v, "practices") == 0)
				o->audience = VIS_PRACTICES;
			else
				return usage_error("--audience '%s': choose public or practices", v);
		} else if (is_opt(a, "--out")) {
			if (!(v = opt_value(argc, argv, &i, "--out")) || !*v)
				return usage_error("%s needs a folder", a);
			o->out = v;
		} else if (is_opt(a, "--cache")) {
			if (!(v = opt_value(argc, argv, &i, "--cache")) || !*v)
				return usage_error("%s needs a folder", a);
			o->cache = v;
		} else if (strcmp(a, "--no-history") == 0) {
			o->no_history = true;
		} else if (strcmp(a, "--no-versions") == 0) {
			o->no_versions = true;
		} else if (strcmp(a, "--no-pdf") == 0) {
			o->no_pdf = true;
		} else if (strcmp(a, "--verbose") == 0) {
			o->verbose = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (!o->command) {
			o->command = a;
		} else if ((strcmp(o->command, "changes") == 0 && o->nargs < 2) ||
			   (strcmp(o->command, "report") == 0 && o->nargs < 1)) {
			o->args[o->nargs++] = a;
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
	}
	if (!o->command)
		return usage_error("%s", "no command given");
	if (o->ref && o->worktree)
		return usage_error("%s", "--ref and --worktree exclude each other: choose one");
	return -1;
}

/* "Today" for date rules (build_today). */
static struct date today_for(const struct options *o, const struct source *src)
{
	return build_today(o->has_today ? &o->today : NULL, src);
}

/* Prints the findings. Must run before the source is released: findings
 * point at file names the source owns. */
static void report(struct diag *d)
{
	diag_flush(d, d->format == DIAG_JSON ? stdout : stderr);
}

/* The summary line and the exit status. */
static int finish(struct diag *d, int status)
{
	report(d);
	diag_summary(d, stderr);
	/* a failure to read or write (E026) is exit status 3, findings or not */
	if (status == EXIT_OK && d->errors)
		status = d->io_errors ? EXIT_IO : EXIT_CONTENT;
	diag_release(d);
	return status;
}

/* The site root and its source. Returns EXIT_OK or EXIT_IO. */
static int load_source(const struct options *o, char **root, struct source *src,
		       struct diag *d)
{
	*root = source_find_root(o->dir ? o->dir : ".", d);
	if (!*root)
		return EXIT_IO;
	struct source_opts so = {o->ref, o->worktree};
	if (source_begin(src, *root, &so, d) < 0 || source_read(src, d) < 0)
		return EXIT_IO;
	return EXIT_OK;
}

/* The arguments that may change what build writes, NUL-separated: all but
 * -C, --out, --cache, --format and --verbose, so that an option added later
 * is part of the key of a no-op rebuild (reuse.c) without more ado. */
static void options_key(const struct options *o, struct buf *b)
{
	for (int i = 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		if (strcmp(a, "-C") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--format") == 0 ||
		    strcmp(a, "--cache") == 0) {
			i++;
			continue;
		}
		if (strncmp(a, "--out=", 6) == 0 || strncmp(a, "--format=", 9) == 0 ||
		    strncmp(a, "--cache=", 8) == 0 ||
		    strcmp(a, "--verbose") == 0)
			continue;
		buf_put(b, a, strlen(a) + 1);
	}
}

/* The model, checked. */
static void load_site(const struct options *o, const struct source *src, struct site *site,
		      struct diag *d)
{
	site->today = today_for(o, src);
	site_load(site, src, d);
	site_validate(site, d);
}

/* source → model → validate, shared by every command. Returns EXIT_OK or
 * EXIT_IO; the caller looks at d->errors for content errors. */
static int load(const struct options *o, char **root, struct source *src, struct site *site,
		struct diag *d)
{
	int status = load_source(o, root, src, d);
	if (status == EXIT_OK)
		load_site(o, src, site, d);
	return status;
}

static int cmd_check(const struct options *o)
{
	struct diag d;
	struct source src = {0};
	struct site site = {0};
	char *root = NULL;
	struct theme theme = {0};
	diag_init(&d, o->format);
	int status = load(o, &root, &src, &site, &d);
	if (status == EXIT_OK)
		theme_load(&theme, &site, &d); /* its templates must compile too */
	report(&d);
	theme_release(&theme);
	site_release(&site);
	source_release(&src);
	free(root);
	return finish(&d, status);
}

static int cmd_build(const struct options *o)
{
	struct diag d;
	struct buf key = BUF_INIT;
	options_key(o, &key);
	struct build_opts b = {
		.dir = o->dir, .ref = o->ref, .worktree = o->worktree,
		.today = o->has_today ? &o->today : NULL, .audience = o->audience,
		.out = o->out, .cache = o->cache, .no_history = o->no_history,
		.no_versions = o->no_versions, .no_pdf = o->no_pdf, .verbose = o->verbose,
		.key = key.ptr, .key_len = key.len,
	};
	diag_init(&d, o->format);
	int status = build_run(&b, &d);
	buf_release(&key);
	return finish(&d, status);
}

/* What has been withdrawn since older trees, for a command that renders no
 * history or versions: the history walk from src (read from git; by path
 * alone otherwise) into pub, for site. Returns 0, or -1 after reporting an
 * I/O or git failure; release pub in every case. */
static int withdrawals_for(const struct options *o, const struct source *src,
			   const struct site *site, const struct cache *cache, struct published *pub,
			   struct diag *d)
{
	struct published_opts po = {false, false, o->verbose, o->audience, cache};
	if (published_start(pub, src, &po, d) < 0)
		return -1;
	return published_load(pub, site, d);
}

/*
 * `plansite report YYYY-MM`: one report's three files, and nothing else,
 * into --out (default report-YYYY-MM/). The site must check clean.
 */
static int cmd_report(const struct options *o)
{
	struct diag d;
	struct source src = {0};
	struct site site = {0};
	struct theme theme = {0};
	struct monthly_set monthly = {0};
	struct published pub = {0};
	struct writer *w = NULL;
	struct guard *guard = NULL;
	struct output_claim claim = {NULL, NULL, -1};
	struct cache cache = {NULL, -1, -1, false, ""};
	char *root = NULL, *out = NULL;
	struct date month;
	if (o->nargs != 1)
		return usage_error("%s", "report needs a month: plansite report 2007-04");
	if (!month_parse(o->args[0], strlen(o->args[0]), &month))
		return usage_error("report: '%s' is not a month; write YYYY-MM, like 2007-04",
				   o->args[0]);
	diag_init(&d, o->format);
	int status = load_source(o, &root, &src, &d);
	if (status != EXIT_OK)
		goto out;
	if (o->out) {
		out = xstrdup(o->out);
	} else {
		struct buf b = BUF_INIT;
		buf_printf(&b, "report-%s", o->args[0]);
		out = buf_detach(&b, NULL);
	}
	/* before anything is written, the cache included */
	cache_locate(&cache, o->cache, root);
	status = build_claim_output(out, root, &cache, &claim, &d);
	if (status != EXIT_OK)
		goto out;
	load_site(o, &src, &site, &d);
	if (d.errors)
		goto out;
	const struct report *rp = NULL;
	for (size_t i = 0; i < site.nreports; i++)
		if (strcmp(site.reports[i].doc.id, o->args[0]) == 0)
			rp = &site.reports[i];
	if (!rp || !doc_shown(&rp->doc, o->audience)) {
		struct pos p = {NULL, 0, 0};
		diag_error(&d, p, "E010",
			   rp ? "the report for %s is not for the %s audience; use --audience "
				"practices"
			      : "there is no report for %s: add content/reports/%s.md (plansite new "
				"report %s makes one)",
			   o->args[0], rp ? visibility_name(o->audience) : o->args[0], o->args[0]);
		goto out;
	}
	if (theme_load(&theme, &site, &d) < 0)
		goto out;
	/* the history walk, for what has been withdrawn since the month */
	cache_open(&cache, &d);
	if (withdrawals_for(o, &src, &site, &cache, &pub, &d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	monthly.cache = &cache;
	build_monthly_from(&monthly, &pub, &src);
	if (monthly_compute(&monthly, &site, o->audience, rp->doc.id, &d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	struct render_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.audience = o->audience;
	ro.monthly = &monthly;
	ro.pdf = true;
	ro.cache = &cache;
	guard = guard_new(o->audience);
	guard_add_site(guard, &site);
	w = writer_open(out, &d);
	writer_set_guard(w, guard);
	if (render_report_files(&site, &theme, &ro, rp, w, &d) < 0 || writer_commit(w) < 0) {
		if (!d.errors || diag_has(&d, "E026"))
			status = EXIT_IO;
		goto out;
	}
	if (o->format == DIAG_TEXT) {
		report(&d);
		fprintf(stderr, "plansite: wrote the %s report (%zu files) to %s\n", o->args[0],
			writer_count(w), out);
	}
out:
	report(&d);
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
	return finish(&d, status);
}

/* Reads the site at rev for `changes`: its findings are not this
 * command's business, only whether it could be read. */
static int load_rev(const char *root, const char *rev, struct source *src, struct site *site,
		    struct diag *d)
{
	struct source_opts so = {rev, false};
	struct diag quiet;
	diag_init(&quiet, DIAG_TEXT);
	int rc = source_open(src, root, &so, d);
	if (rc == 0) {
		site->today = date_from_unix(src->commit_time, src->commit_offset);
		site_load(site, src, &quiet);
	}
	diag_release(&quiet);
	return rc;
}

/* "publish/2007-04 (1a2b3c4, 30 April 2007)" */
static void rev_label(struct buf *b, const char *rev, const struct source *src)
{
	buf_printf(b, "%s (%s, ", rev, src->short_id);
	date_long(b, date_from_unix(src->commit_time, src->commit_offset));
	buf_putc(b, ')');
}

static int cmd_changes(const struct options *o)
{
	struct diag d;
	struct source a = {0}, b = {0}, h = {0};
	struct site sa = {0}, sb = {0}, sh = {0};
	struct changes ch = {0};
	struct published pub = {0};
	struct cache cache = {NULL, -1, -1, false, ""};
	struct buf la = BUF_INIT, lb = BUF_INIT, text = BUF_INIT;
	char *root = NULL;
	int status = EXIT_IO;
	if (o->nargs != 2)
		return usage_error("%s", "changes needs two revisions: plansite changes REV1 REV2");
	if (o->ref || o->worktree)
		return usage_error("%s",
				   "changes names its two revisions itself; drop --ref and --worktree");
	diag_init(&d, o->format);
	root = source_find_root(o->dir ? o->dir : ".", &d);
	if (!root || load_rev(root, o->args[0], &a, &sa, &d) < 0 ||
	    load_rev(root, o->args[1], &b, &sb, &d) < 0 || load_rev(root, "HEAD", &h, &sh, &d) < 0)
		goto out;
	/* Both as HEAD lets the audience see them still: what HEAD hides is
	 * withdrawn from REV1 and REV2, as a build's changes/ pages have it
	 * (REV2's own view would show what was withdrawn after it) */
	cache_locate(&cache, o->cache, root);
	cache_open(&cache, &d);
	if (withdrawals_for(o, &h, &sh, &cache, &pub, &d) < 0)
		goto out;
	withdrawals_apply(pub.withdrawals, a.mode == SOURCE_GIT ? a.commit : NULL, &sa);
	withdrawals_apply(pub.withdrawals, b.mode == SOURCE_GIT ? b.commit : NULL, &sb);
	changes_compute(&ch, &sa, &sb);
	rev_label(&la, o->args[0], &a);
	rev_label(&lb, o->args[1], &b);
	changes_text(&ch, o->audience, la.ptr, lb.ptr, &text);
	fwrite(text.ptr, 1, text.len, stdout);
	status = EXIT_OK;
out:
	report(&d);
	changes_release(&ch);
	published_release(&pub);
	cache_close(&cache);
	buf_release(&la);
	buf_release(&lb);
	buf_release(&text);
	site_release(&sa);
	site_release(&sb);
	site_release(&sh);
	source_release(&a);
	source_release(&b);
	source_release(&h);
	free(root);
	if (status == EXIT_OK && !d.errors) {
		diag_release(&d);
		return EXIT_OK;
	}
	return finish(&d, status);
}

int main(int argc, char **argv)
{
	build_tune_malloc();
	/* A file past the size limit (ulimit -f) is a write that fails with
	 * EFBIG, reported like a full disk, not a kill by SIGXFSZ that leaves
	 * no message. */
	signal(SIGXFSZ, SIG_IGN);
	struct options o = {0};
	o.argc = argc;
	o.argv = argv;
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (strcmp(o.command, "check") == 0)
		return cmd_check(&o);
	if (strcmp(o.command, "build") == 0) {
		rc = cmd_build(&o);
		pdf_shutdown(); /* cairo's and fontconfig's caches, for leak checkers */
		return rc;
	}
	if (strcmp(o.command, "changes") == 0)
		return cmd_changes(&o);
	if (strcmp(o.command, "report") == 0) {
		rc = cmd_report(&o);
		pdf_shutdown();
		return rc;
	}
	return usage_error("unknown command '%s'; see 'plansite --help'", o.command);
}
