/*
 * test_source.c: source.c against real git repositories, made in temporary
 * folders with the git command line: refs and tags, uncommitted edits, a
 * site in a subfolder, symbolic links and submodules, no git, no commit yet,
 * and finding the site root.
 */
#include "unit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CANARY "CANARY-7f3a9c-outside-the-site"

/* ------------------------------------------------------------ helpers */

/* Runs a shell command built from fmt; the test fails if it fails. */
static void sh(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd.ptr);
	if (st != 0)
		print_error("command failed (%d): %s\n", st, cmd.ptr);
	assert_int_equal(st, 0);
	buf_release(&cmd);
}

/* git in dir, with a fixed identity and no user configuration. */
#define GIT "git -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false " \
	    "-c tag.gpgsign=false -c core.autocrlf=false"

/* Commits everything in dir with the given date (author and committer). */
static void commit_all(const char *dir, const char *date, const char *msg)
{
	sh("cd '%s' && " GIT " add -A && GIT_AUTHOR_DATE='%s' GIT_COMMITTER_DATE='%s' " GIT
	   " commit -q -m '%s'",
	   dir, date, date, msg);
}

/* The output of a shell command, first line, without its newline. */
static char *capture(const char *fmt, ...) PRINTF_LIKE(1, 2);
static char *capture(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd.ptr, "r");
	assert_non_null(p);
	char line[256] = "";
	char *got = fgets(line, sizeof(line), p);
	assert_int_equal(pclose(p), 0);
	assert_non_null(got);
	line[strcspn(line, "\n")] = '\0';
	buf_release(&cmd);
	return xstrdup(line);
}

/* Writes text to dir/rel, making its folders. */
static void put(const char *dir, const char *rel, const char *text)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, rel);
	char *slash = strrchr(path.ptr, '/');
	*slash = '\0';
	sh("mkdir -p '%s'", path.ptr);
	*slash = '/';
	FILE *f = fopen(path.ptr, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	buf_release(&path);
}

static char *join(const char *a, const char *b)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", a, b);
	return buf_detach(&p, NULL);
}

/* Each test gets a fresh temporary folder as *state (its real path), removed
 * after the test even when it fails. */
static int make_tmp(void **state)
{
	char tmpl[] = "/tmp/plansite-source-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = realpath(tmpl, NULL);
	return *state ? 0 : -1;
}

static int remove_tmp(void **state)
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "rm -rf '%s'", (char *)*state);
	int st = system(cmd.ptr);
	buf_release(&cmd);
	free(*state);
	return st == 0 ? 0 : -1;
}


static size_t count_code(const struct diag *d, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0)
			n++;
	return n;
}

static const struct finding *find_code(const struct diag *d, const char *code)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0)
			return &d->items[i];
	return NULL;
}

/* The finding with code at file, or NULL. */
static const struct finding *find_at(const struct diag *d, const char *code, const char *file)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0 && d->items[i].pos.file &&
		    strcmp(d->items[i].pos.file, file) == 0)
			return &d->items[i];
	return NULL;
}

static void assert_file(const struct source *s, const char *path, const char *text)
{
	const struct source_file *f = source_get(s, path);
	if (!f)
		print_error("missing file %s\n", path);
	assert_non_null(f);
	assert_int_equal(f->len, strlen(text));
	assert_memory_equal(f->data, text, f->len);
	assert_int_equal(f->data[f->len], '\0');
}

/* Every file is sorted by path, NUL-terminated, and not hidden. */
static void assert_well_formed(const struct source *s)
{
	for (size_t i = 0; i < s->n; i++) {
		assert_int_equal(s->files[i].data[s->files[i].len], '\0');
		assert_null(strstr(s->files[i].path, "/."));
		assert_true(s->files[i].path[0] != '.' && s->files[i].path[0] != '/');
		if (i > 0)
			assert_true(strcmp(s->files[i - 1].path, s->files[i].path) < 0);
	}
}

/* No file read holds the canary (data is NUL-terminated, but may hold NULs). */
static void assert_no_canary(const struct source *s)
{
	size_t k = strlen(CANARY);
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j + k <= s->files[i].len; j++)
			assert_true(memcmp(s->files[i].data + j, CANARY, k) != 0);
}

/* A small site: two commits, tags and a branch at the first. */
static void make_history(const char *repo)
{
	put(repo, "site.yaml", "title: one\n");
	put(repo, "content/plan.yaml", "title: plan\n");
	put(repo, "content/projects/copd.md", "old copd\n");
	put(repo, "content/.gitkeep", "");
	put(repo, "content/.hidden/x.md", "hidden\n");
	put(repo, "themes/default/templates/page.mustache", "{{title}}\n");
	put(repo, "README.md", "not part of the site\n");
	put(repo, "public/index.html", "output, not read\n");
	sh("cd '%s' && git init -q -b main", repo);
	commit_all(repo, "2007-04-01T10:00:00+01:00", "first");
	sh("cd '%s' && " GIT " tag v1 && " GIT " tag -a a1 -m 'annotated' && " GIT " branch old",
	   repo);
	put(repo, "content/projects/copd.md", "new copd\n");
	put(repo, "content/projects/new.md", "new project\n");
	commit_all(repo, "2007-05-02T12:00:00+01:00", "second");
}

/* -------------------------------------------------------------- tests */

static void test_refs(void **state)
{
	const char *dir = *state;
	char *repo = join(dir, "repo");
	make_history(repo);
	char *head = capture("cd '%s' && git rev-parse HEAD", repo);
	char *first = capture("cd '%s' && git rev-parse HEAD~1", repo);

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, repo, NULL, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(s.mode, SOURCE_GIT);
	assert_string_equal(s.root, repo);
	assert_string_equal(s.ref_name, "HEAD");
	assert_string_equal(s.commit, head);
	assert_int_equal(strlen(s.short_id), 7);
	assert_memory_equal(s.short_id, head, 7);
	assert_int_equal(s.commit_time, 1178103600);
	assert_int_equal(s.commit_offset, 60);
	static const char *const want[] = {
		"content/plan.yaml", "content/projects/copd.md", "content/projects/new.md",
		"site.yaml", "themes/default/templates/page.mustache",
	};
	assert_int_equal(s.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s.n; i++)
		assert_string_equal(s.files[i].path, want[i]);
	assert_well_formed(&s);
	assert_file(&s, "content/projects/copd.md", "new copd\n");
	assert_file(&s, "site.yaml", "title: one\n");
	assert_file(&s, "themes/default/templates/page.mustache", "{{title}}\n");
	assert_null(source_get(&s, "README.md"));
	assert_null(source_get(&s, "content/nothing.md"));
	source_release(&s);

	/* Every way of naming the first commit reads its content. */
	const char *refs[] = {"HEAD~1", "old", "v1", "a1", first, "refs/tags/a1"};
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct source_opts o = {refs[i], false};
		assert_int_equal(source_open(&s, repo, &o, &d), 0);
		assert_int_equal(d.errors, 0);
		assert_int_equal(s.mode, SOURCE_GIT);
		assert_string_equal(s.ref_name, refs[i]);
		assert_string_equal(s.commit, first);
		assert_memory_equal(s.short_id, first, 7);
		assert_int_equal(s.commit_time, 1175418000);
		assert_file(&s, "content/projects/copd.md", "old copd\n");
		assert_null(source_get(&s, "content/projects/new.md"));
		assert_int_equal(s.n, 4);
		assert_well_formed(&s);
		source_release(&s);
	}
	assert_int_equal(d.warnings, 0);

	diag_release(&d);
	free(head);
	free(first);
	free(repo);
}

static void test_uncommitted(void **state)
{
	const char *dir = *state;
	char *repo = join(dir, "repo");
	make_history(repo);
	put(repo, "content/projects/copd.md", "edited copd\n");  /* modified */
	put(repo, "content/projects/extra.md", "untracked\n");   /* new */
	put(repo, "content/reports/2007-04.md", "new folder\n"); /* new, in a new folder */
	sh("rm '%s/content/plan.yaml'", repo);                   /* deleted */
	put(repo, "site.yaml", "title: staged\n");               /* staged */
	sh("cd '%s' && git add site.yaml", repo);
	put(repo, "content/.DS_Store", "junk\n"); /* hidden: never read, not counted */
	put(repo, "README.md", "edited\n");       /* outside content/: not counted */

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, repo, NULL, &d), 0);
	assert_int_equal(s.mode, SOURCE_GIT);
	assert_file(&s, "content/projects/copd.md", "new copd\n");
	assert_file(&s, "content/plan.yaml", "title: plan\n");
	assert_file(&s, "site.yaml", "title: one\n");
	assert_null(source_get(&s, "content/projects/extra.md"));
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	const struct finding *w = find_code(&d, "W007");
	assert_non_null(w);
	assert_null(w->pos.file);
	assert_non_null(strstr(w->message, "5 uncommitted changes under content/ are not included"));
	assert_non_null(strstr(w->message, "(e.g. 'content/plan.yaml')"));
	assert_non_null(strstr(w->message, "--worktree"));
	source_release(&s);
	diag_release(&d);

	/* A named ref is not "this build of my work": no warning. */
	diag_init(&d, DIAG_TEXT);
	struct source_opts at = {"HEAD", false};
	assert_int_equal(source_open(&s, repo, &at, &d), 0);
	assert_int_equal(d.warnings, 0);
	source_release(&s);
	diag_release(&d);

	/* --worktree reads the edits and does not warn. */
	diag_init(&d, DIAG_TEXT);
	struct source_opts wt = {NULL, true};
	assert_int_equal(source_open(&s, repo, &wt, &d), 0);
	assert_int_equal(s.mode, SOURCE_WORKTREE);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	assert_file(&s, "content/projects/copd.md", "edited copd\n");
	assert_file(&s, "content/projects/extra.md", "untracked\n");
	assert_file(&s, "content/reports/2007-04.md", "new folder\n");
	assert_file(&s, "site.yaml", "title: staged\n");
	assert_null(source_get(&s, "content/plan.yaml"));
	assert_null(source_get(&s, "content/.DS_Store"));
	assert_null(source_get(&s, "README.md"));
	assert_null(source_get(&s, "public/index.html"));
	assert_string_equal(s.commit, "");
	assert_well_formed(&s);
	source_release(&s);
	diag_release(&d);

	/* One change: singular. */
	sh("cd '%s' && git reset -q --hard && git clean -qfdx", repo);
	put(repo, "content/projects/copd.md", "edited again\n");
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, repo, NULL, &d), 0);
	w = find_code(&d, "W007");
	assert_non_null(w);
	assert_non_null(strstr(w->message, "1 uncommitted change under content/ is not included "
					   "in this build (e.g. 'content/projects/copd.md')"));
	source_release(&s);
	diag_release(&d);

	/* A clean tree: nothing. */
	sh("cd '%s' && git checkout -q -- .", repo);
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, repo, NULL, &d), 0);
	assert_int_equal(d.warnings, 0);
	source_release(&s);
	diag_release(&d);

	free(repo);
}

static void test_subfolder(void **state)
{
	const char *dir = *state;
	char *repo = join(dir, "repo");
	char *site = join(repo, "sites/daccom");
	put(repo, "site.yaml", "title: outer\n");
	put(repo, "content/outer.md", "outer\n");
	put(repo, "sites/daccom/site.yaml", "title: daccom\n");
	put(repo, "sites/daccom/content/plan.yaml", "plan\n");
	put(repo, "sites/daccom/themes/t/page.mustache", "page\n");
	put(repo, "sites/daccom-old/site.yaml", "title: old\n");
	put(repo, "sites/daccom-old/content/plan.yaml", "old plan\n");
	sh("cd '%s' && git init -q -b main", repo);
	commit_all(repo, "2007-04-01T10:00:00+01:00", "sites");
	/* changes outside this site's content/ do not concern it */
	put(repo, "content/outer.md", "edited\n");
	put(repo, "sites/daccom-old/content/plan.yaml", "edited\n");
	put(repo, "sites/daccom/notes.txt", "edited\n");

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	char *sub = join(site, "content");
	char *root = source_find_root(sub, &d);
	assert_non_null(root);
	assert_string_equal(root, site);

	assert_int_equal(source_open(&s, root, NULL, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(s.mode, SOURCE_GIT);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.files[0].path, "content/plan.yaml");
	assert_string_equal(s.files[1].path, "site.yaml");
	assert_string_equal(s.files[2].path, "themes/t/page.mustache");
	assert_file(&s, "site.yaml", "title: daccom\n");
	source_release(&s);

	/* an uncommitted change inside this site's content/ is noticed */
	put(site, "content/plan.yaml", "edited plan\n");
	assert_int_equal(source_open(&s, root, NULL, &d), 0);
	assert_int_equal(count_code(&d, "W007"), 1);
	assert_non_null(strstr(find_code(&d, "W007")->message, "'content/plan.yaml'"));
	assert_file(&s, "content/plan.yaml", "plan\n");
	source_release(&s);

	struct source_opts wt = {NULL, true};
	assert_int_equal(source_open(&s, root, &wt, &d), 0);
	assert_int_equal(s.mode, SOURCE_WORKTREE);
	assert_int_equal(s.n, 3);
	assert_file(&s, "content/plan.yaml", "edited plan\n");
	source_release(&s);
	assert_int_equal(d.errors, 0);

	diag_release(&d);
	free(root);
	free(sub);
	free(site);
	free(repo);
}

static void test_symlinks(void **state)
{
	const char *dir = *state;
	char *repo = join(dir, "repo");
	put(dir, "outside/secret.md", CANARY "\n");
	put(repo, "site.yaml", "title: links\n");
	put(repo, "content/plan.yaml", "plan\n");
	sh("cd '%s' && git init -q -b main", repo);
	sh("ln -s '%s/outside/secret.md' '%s/content/evil.md'", dir, repo);
	sh("ln -s ../../outside '%s/content/evildir'", repo);
	sh("ln -s ../../outside/secret.md '%s/themes-link'", repo); /* not a site path */
	sh("mkdir -p '%s/themes' && ln -s ../../outside '%s/themes/default'", repo, repo);
	commit_all(repo, "2007-04-01T10:00:00+01:00", "links");
	/* a submodule: a gitlink entry in content/ */
	char *head = capture("cd '%s' && git rev-parse HEAD", repo);
	sh("cd '%s' && git update-index --add --cacheinfo 160000,%s,content/sub", repo, head);
	sh("cd '%s' && GIT_COMMITTER_DATE='2007-04-02T10:00:00+01:00' " GIT " commit -q -m sub",
	   repo);

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, repo, NULL, &d), 0);
	assert_int_equal(s.mode, SOURCE_GIT);
	assert_int_equal(d.errors, 4);
	const struct finding *f = find_at(&d, "E024", "content/evil.md");
	assert_non_null(f);
	assert_int_equal(f->severity, DIAG_ERROR);
	assert_int_equal(f->pos.line, 0);
	assert_non_null(strstr(f->message, "symbolic link: plansite reads only regular files; "
					   "replace the link with the file itself"));
	assert_non_null(find_at(&d, "E024", "content/evildir"));
	assert_non_null(find_at(&d, "E024", "themes/default"));
	assert_non_null(find_at(&d, "E024", "content/sub"));
	assert_int_equal(s.n, 2);
	assert_file(&s, "content/plan.yaml", "plan\n");
	assert_no_canary(&s);
	source_release(&s);
	diag_release(&d);

	/* On disk: the same links, and a FIFO that must not block the read. */
	sh("mkfifo '%s/content/pipe.md'", repo);
	diag_init(&d, DIAG_TEXT);
	struct source_opts wt = {NULL, true};
	assert_int_equal(source_open(&s, repo, &wt, &d), 0);
	assert_int_equal(s.mode, SOURCE_WORKTREE);
	assert_non_null(find_at(&d, "E024", "content/evil.md"));
	assert_non_null(find_at(&d, "E024", "content/evildir"));
	assert_non_null(find_at(&d, "E024", "themes/default"));
	assert_non_null(find_at(&d, "E024", "content/pipe.md"));
	assert_int_equal(d.errors, 4); /* content/sub is not on disk at all */
	assert_file(&s, "content/plan.yaml", "plan\n");
	assert_null(source_get(&s, "content/evil.md"));
	assert_no_canary(&s);
	assert_well_formed(&s);
	source_release(&s);
	diag_release(&d);

	free(head);
	free(repo);
}

static void test_outside_git(void **state)
{
	const char *dir = *state;
	/* Only meaningful if the temporary folder is not itself in a repository. */
	if (system("cd /tmp && git rev-parse --git-dir >/dev/null 2>&1") == 0)
		skip();
	put(dir, "site.yaml", "title: files\n");
	put(dir, "content/pages/about.md", "about\n");
	put(dir, "content/.gitkeep", "");
	put(dir, "notes.txt", "not read\n");

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, dir, NULL, &d), 0);
	assert_int_equal(s.mode, SOURCE_FILES);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	const struct finding *w = find_code(&d, "W008");
	assert_non_null(w);
	assert_non_null(strstr(w->message, "not in a git repository"));
	assert_int_equal(s.n, 2);
	assert_file(&s, "content/pages/about.md", "about\n");
	assert_file(&s, "site.yaml", "title: files\n");
	assert_null(s.ref_name);
	assert_string_equal(s.commit, "");
	source_release(&s);

	/* --ref needs a repository. */
	struct source_opts o = {"HEAD", false};
	assert_int_equal(source_open(&s, dir, &o, &d), -1);
	assert_int_equal(count_code(&d, "E026"), 1);
	source_release(&s);
	diag_release(&d);
}

static void test_unborn(void **state)
{
	const char *dir = *state;
	put(dir, "site.yaml", "title: new\n");
	put(dir, "content/plan.yaml", "plan\n");
	sh("cd '%s' && git init -q -b main", dir);

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, dir, NULL, &d), 0);
	assert_int_equal(s.mode, SOURCE_WORKTREE);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	const struct finding *w = find_code(&d, "W008");
	assert_non_null(w);
	assert_non_null(strstr(w->message, "no commit yet"));
	assert_int_equal(s.n, 2);
	assert_file(&s, "content/plan.yaml", "plan\n");
	source_release(&s);
	diag_release(&d);
}

static void test_bad_refs(void **state)
{
	const char *dir = *state;
	char *repo = join(dir, "repo");
	make_history(repo);
	sh("cd '%s' && " GIT " tag publish/2007-04", repo);

	static const struct {
		const char *ref, *message;
	} cases[] = {
		{"nosuch", "unknown revision 'nosuch'"},
		{"mian", "unknown revision 'mian' (did you mean 'main'?)"},
		{"publish/2007-4", "(did you mean 'publish/2007-04'?)"},
		{"HEAD~5", "unknown revision 'HEAD~5'"},
		{"HEAD:content", "revision 'HEAD:content' is not a commit"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diag d;
		struct source s;
		diag_init(&d, DIAG_TEXT);
		struct source_opts o = {cases[i].ref, false};
		assert_int_equal(source_open(&s, repo, &o, &d), -1);
		assert_int_equal(d.errors, 1);
		const struct finding *e = find_code(&d, "E026");
		assert_non_null(e);
		assert_null(e->pos.file);
		if (!strstr(e->message, cases[i].message))
			print_error("got: %s\n", e->message);
		assert_non_null(strstr(e->message, cases[i].message));
		assert_int_equal(s.n, 0);
		source_release(&s);
		diag_release(&d);
	}
	free(repo);
}

static void test_not_committed(void **state)
{
	const char *dir = *state;
	put(dir, "README.md", "readme\n");
	sh("cd '%s' && git init -q -b main", dir);
	commit_all(dir, "2007-04-01T10:00:00+01:00", "readme");
	put(dir, "site.yaml", "title: later\n");
	put(dir, "content/plan.yaml", "plan\n");

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(source_open(&s, dir, NULL, &d), -1);
	assert_int_equal(d.errors, 1);
	const struct finding *e = find_code(&d, "E026");
	assert_non_null(e);
	assert_non_null(strstr(e->message, "site.yaml is not committed at HEAD; commit it, or use "
					   "--worktree to read the files on disk"));
	source_release(&s);

	struct source_opts wt = {NULL, true};
	assert_int_equal(source_open(&s, dir, &wt, &d), 0);
	assert_file(&s, "site.yaml", "title: later\n");
	source_release(&s);
	diag_release(&d);
}

static void test_too_deep(void **state)
{
	const char *dir = *state;
	put(dir, "site.yaml", "title: deep\n");
	struct buf rel = BUF_INIT;
	buf_puts(&rel, "content");
	for (int i = 0; i < 40; i++)
		buf_puts(&rel, "/a");
	buf_puts(&rel, "/x.md");
	put(dir, rel.ptr, "deep\n");
	buf_release(&rel);

	struct diag d;
	struct source s;
	diag_init(&d, DIAG_TEXT);
	struct source_opts wt = {NULL, true};
	assert_int_equal(source_open(&s, dir, &wt, &d), -1);
	assert_non_null(find_code(&d, "E026"));
	assert_int_equal(s.n, 0);
	source_release(&s);
	diag_release(&d);
}

static void test_find_root(void **state)
{
	const char *dir = *state;
	put(dir, "site/site.yaml", "title: x\n");
	put(dir, "site/content/projects/copd.md", "copd\n");
	sh("mkdir -p '%s/empty/deeper'", dir);
	sh("mkdir -p '%s/linked' && ln -s ../site/site.yaml '%s/linked/site.yaml'", dir, dir);
	char *site = join(dir, "site");

	struct diag d;
	diag_init(&d, DIAG_TEXT);
	char *from[] = {join(dir, "site"), join(dir, "site/content/projects"),
			join(dir, "site/content/../content")};
	for (size_t i = 0; i < 3; i++) {
		char *root = source_find_root(from[i], &d);
		assert_non_null(root);
		assert_string_equal(root, site);
		free(root);
		free(from[i]);
	}
	assert_int_equal(d.n, 0);

	/* no site.yaml here or above: one E026 naming the folder */
	char *empty = join(dir, "empty/deeper");
	assert_null(source_find_root(empty, &d));
	assert_int_equal(d.errors, 1);
	const struct finding *e = find_code(&d, "E026");
	assert_non_null(e);
	assert_null(e->pos.file);
	assert_non_null(strstr(e->message, "no site.yaml in '"));
	assert_non_null(strstr(e->message, "-C DIR"));

	/* a linked site.yaml does not make a site root */
	char *linked = join(dir, "linked");
	assert_null(source_find_root(linked, &d));
	assert_int_equal(d.errors, 2);

	/* a folder that does not exist */
	char *missing = join(dir, "missing");
	assert_null(source_find_root(missing, &d));
	assert_int_equal(d.errors, 3);

	diag_release(&d);
	free(missing);
	free(linked);
	free(empty);
	free(site);
}

static int setup(void **state)
{
	(void)state;
	/* git must not read the user's or the system's configuration */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	return 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, make_tmp, remove_tmp)
	const struct CMUnitTest tests[] = {
		T(test_refs),        T(test_uncommitted),   T(test_subfolder), T(test_symlinks),
		T(test_outside_git), T(test_unborn),        T(test_bad_refs),  T(test_not_committed),
		T(test_too_deep),    T(test_find_root),
	};
#undef T
	return cmocka_run_group_tests(tests, setup, NULL);
}
