/*
 * main.c: options → load → validate → render → write; exit status. Nothing
 * else: every stage lives in its own file.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"usage: plansite [-C DIR] <command> [options]\n"
	"\n"
	"commands:\n"
	"  check  [--ref REV | --worktree] [--today DATE] [--format text|json]\n"
	"         read the site and report every problem, with its file, line and column\n"
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
	"  --help         show this help\n"
	"  --version      show the version\n"
	"\n"
	"exit status: 0 fine (warnings allowed), 1 content errors, 2 usage, 3 I/O or git failure\n";

struct options {
	const char *dir;
	const char *command;
	const char *ref;
	bool worktree;
	bool has_today;
	struct date today;
	enum diag_format format;
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
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (!o->command) {
			o->command = a;
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

/* "Today" for date rules: --today, else the commit's date in its committer's
 * zone, else (files on disk) the local date. */
static struct date today_for(const struct options *o, const struct source *src)
{
	if (o->has_today)
		return o->today;
	if (src->mode == SOURCE_GIT)
		return date_from_unix(src->commit_time, src->commit_offset);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	struct date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return d;
}

static int finish(struct diag *d, int status)
{
	diag_flush(d, d->format == DIAG_JSON ? stdout : stderr);
	diag_summary(d, stderr);
	if (status == EXIT_OK && d->errors)
		status = EXIT_CONTENT;
	diag_release(d);
	return status;
}

static int cmd_check(const struct options *o)
{
	struct diag d;
	struct source src = {0};
	struct site site = {0};
	int status = EXIT_OK;
	diag_init(&d, o->format);
	char *root = source_find_root(o->dir ? o->dir : ".", &d);
	if (!root) {
		status = EXIT_IO;
		goto out;
	}
	struct source_opts so = {o->ref, o->worktree};
	if (source_open(&src, root, &so, &d) < 0) {
		status = EXIT_IO;
		goto out;
	}
	site.today = today_for(o, &src);
	site_load(&site, &src, &d);
	site_validate(&site, &d);
out:
	site_release(&site);
	source_release(&src);
	free(root);
	return finish(&d, status);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (strcmp(o.command, "check") == 0)
		return cmd_check(&o);
	return usage_error("unknown command '%s'; see 'plansite --help'", o.command);
}
