/*
 * test_git.c: git.c's history walk against git itself, on repositories made
 * in temporary folders with the git command line: every commit's changes
 * (repo_changes) must be what `git diff-tree -r -M` says, over a history of
 * random adds, deletes, edits, renames (as they are and edited) and files
 * turned into folders, in a flat folder of 300 files and a nested one; merges
 * count only what differs from every parent; a shallow clone's boundary is a
 * root; tags are matched as `git tag -l` does, with their messages trimmed;
 * the packs' indexes give every object the offset `git verify-pack` gives.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static char tmp[] = "/tmp/plansite-test-git-XXXXXX";

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

/* The whole output of a shell command. */
static void capture(struct buf *out, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void capture(struct buf *out, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd.ptr, "r");
	assert_non_null(p);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_put(out, chunk, n);
	assert_int_equal(pclose(p), 0);
	buf_release(&cmd);
}

#define GIT "git -c user.name=Test -c user.email=test@example.org -c commit.gpgsign=false " \
	    "-c tag.gpgsign=false -c core.autocrlf=false -c init.defaultBranch=main"

static int seq;

/* Commits everything in dir with a date one day after the last. */
static void commit_all(const char *dir, const char *msg)
{
	seq++;
	sh("cd '%s' && " GIT " add -A && GIT_AUTHOR_DATE='2007-01-%02dT12:00:00+0000' "
	   "GIT_COMMITTER_DATE='2007-01-%02dT12:00:00+0000' " GIT " commit -q --allow-empty -m '%s'",
	   dir, seq % 28 + 1, seq % 28 + 1, msg);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmp));
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("HOME", tmp, 1);
	seq = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf '%s'", tmp);
	strcpy(tmp, "/tmp/plansite-test-git-XXXXXX");
	return 0;
}

/* Writes a file of a few lines, unique to (name, version). */
static void put_file(const char *dir, const char *rel, int version)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, rel);
	char *slash = strrchr(path.ptr, '/');
	*slash = '\0';
	sh("mkdir -p '%s'", path.ptr);
	*slash = '/';
	FILE *f = fopen(path.ptr, "wb");
	assert_non_null(f);
	fprintf(f, "---\ntitle: %s\n---\n", rel);
	for (int i = 0; i < 40; i++)
		fprintf(f, "Line %d of %s, a sentence long enough to make files similar.\n", i, rel);
	fprintf(f, "Version %d.\n", version);
	assert_int_equal(fclose(f), 0);
	buf_release(&path);
}

/* Opens the repository at dir and walks it from HEAD. */
static struct repo *open_log(const char *dir, struct log *l, struct diag *d)
{
	struct repo *r = NULL;
	char *root = realpath(dir, NULL);
	assert_non_null(root);
	assert_int_equal(repo_open(&r, root, d), 0);
	struct arena a = ARENA_INIT;
	struct commit_info head;
	assert_int_equal(repo_resolve(r, "HEAD", &a, &head, d), 0);
	const char *starts[] = {head.id};
	assert_int_equal(repo_log(r, starts, 1, l, d), 0);
	arena_release(&a);
	free(root);
	return r;
}

/* Our changes of commit i as git prints them: "A\tpath", "R\told\tnew", sorted. */
static void ours(struct repo *r, const struct log *l, size_t i, struct buf *out, struct diag *d)
{
	struct arena a = ARENA_INIT;
	struct change *v;
	size_t n;
	assert_int_equal(repo_changes(r, l, i, &a, &v, &n, d), 0);
	for (size_t k = 0; k < n; k++) {
		if (v[k].kind == CHANGE_RENAMED)
			buf_printf(out, "R\t%s\t%s\n", v[k].old_path, v[k].path);
		else
			buf_printf(out, "%c\t%s\n", "AMDR"[v[k].kind], v[k].path);
	}
	arena_release(&a);
}

/* git's changes of a commit under content/, in the same form, sorted. */
static void theirs(const char *dir, const char *id, struct buf *out)
{
	capture(out,
		"cd '%s' && git diff-tree --root --no-commit-id -r -M --name-status %s -- content "
		"| sed 's/^R[0-9]*/R/' | sort -t '\t' -k3,3 -k2,2",
		dir, id);
}

/* Sorts the lines of b as git's output above is sorted (by new path). */
static int cmp_line(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	const char *pa = strrchr(a, '\t'), *pb = strrchr(b, '\t');
	int c = strcmp(pa, pb);
	return c ? c : strcmp(a, b);
}

static void sort_lines(struct buf *b)
{
	char *lines[4096];
	size_t n = 0;
	for (char *p = strtok(b->ptr, "\n"); p && n < 4096; p = strtok(NULL, "\n"))
		lines[n++] = xstrdup(p);
	qsort(lines, n, sizeof(*lines), cmp_line);
	buf_truncate(b, 0);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "%s\n", lines[i]);
		free(lines[i]);
	}
}

static void test_changes_match_git(void **state)
{
	(void)state;
	struct buf repo = BUF_INIT;
	buf_printf(&repo, "%s/repo", tmp);
	sh("mkdir -p '%s' && cd '%s' && " GIT " init -q", repo.ptr, repo.ptr);
	sh("echo 'title: T' > '%s/site.yaml'", repo.ptr);
	/* A flat folder of 300 files and a nested one. */
	int version[300] = {0};
	bool there[300] = {false};
	char name[64];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "content/meetings/2007-%03d-m.md", i);
		put_file(repo.ptr, name, 0);
		there[i] = true;
	}
	put_file(repo.ptr, "content/a/b/c/deep.md", 0);
	put_file(repo.ptr, "content/pages/x.md", 0);
	commit_all(repo.ptr, "import");

	unsigned rnd = 12345;
#define RND(n) ((rnd = rnd * 1103515245u + 12345u), (int)((rnd >> 16) % (unsigned)(n)))
	for (int c = 0; c < 40; c++) {
		int ops = 1 + RND(4);
		for (int k = 0; k < ops; k++) {
			int i = RND(300), op = RND(6);
			snprintf(name, sizeof(name), "content/meetings/2007-%03d-m.md", i);
			if (op <= 1 && there[i]) { /* edit */
				put_file(repo.ptr, name, ++version[i]);
			} else if (op == 2 && there[i]) { /* delete */
				sh("rm '%s/%s'", repo.ptr, name);
				there[i] = false;
			} else if (op == 3 && !there[i]) { /* add back */
				put_file(repo.ptr, name, ++version[i]);
				there[i] = true;
			} else if ((op == 4 || (k == 0 && c % 4 == 0)) && there[i]) {
				/* rename to a new name, sometimes edited too */
				char to[64];
				snprintf(to, sizeof(to), "content/meetings/moved-%d-%d.md", c, k);
				sh("cd '%s' && git mv '%s' '%s'", repo.ptr, name, to);
				there[i] = false;
				if (RND(2))
					sh("echo 'One more line.' >> '%s/%s'", repo.ptr, to);
			} else if (op == 5) { /* the nested file: edit, or turn pages/x.md into a folder and back */
				if (RND(2)) {
					put_file(repo.ptr, "content/a/b/c/deep.md", c + 1);
				} else {
					sh("cd '%s/content/pages' && if [ -d x.md ]; then rm -r x.md && "
					   "printf 'back %d\\n' > x.md; else rm x.md && mkdir x.md && "
					   "printf 'inner %d\\n' > x.md/inner.md; fi",
					   repo.ptr, c, c);
				}
			}
		}
		commit_all(repo.ptr, "change");
	}
#undef RND

	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct log l;
	struct repo *r = open_log(repo.ptr, &l, &d);
	assert_int_equal(l.n, 41);
	assert_false(l.shallow);
	size_t renames = 0, swaps = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		ours(r, &l, i, &a, &d);
		renames += a.ptr[0] == 'R' || strstr(a.ptr, "\nR\t");
		swaps += strstr(a.ptr, "x.md/inner.md") != NULL;
		sort_lines(&a);
		theirs(repo.ptr, l.commits[i].info.id, &b);
		sort_lines(&b);
		if (strcmp(a.ptr, b.ptr) != 0)
			print_error("commit %zu (%s):\nours:\n%s\ngit:\n%s\n", i, l.commits[i].info.id,
				    a.ptr, b.ptr);
		assert_string_equal(a.ptr, b.ptr);
		buf_release(&a);
		buf_release(&b);
	}
	assert_true(renames >= 3); /* the history had renames, */
	assert_true(swaps >= 2);   /* and a file that became a folder and back */
	/* Newest first, every commit before its parent. */
	for (size_t i = 0; i + 1 < l.n; i++) {
		assert_int_equal(l.commits[i].nparents, 1);
		assert_int_equal(l.commits[i].parents[0], i + 1);
	}
	assert_int_equal(l.commits[l.n - 1].nparents, 0);
	assert_string_equal(l.commits[0].info.subject, "change");
	assert_int_equal(d.errors, 0);
	log_release(&l);
	repo_free(r);
	diag_release(&d);
	buf_release(&repo);
}

static void test_merges(void **state)
{
	(void)state;
	struct buf repo = BUF_INIT;
	buf_printf(&repo, "%s/repo", tmp);
	sh("mkdir -p '%s' && cd '%s' && " GIT " init -q", repo.ptr, repo.ptr);
	put_file(repo.ptr, "content/x.md", 0);
	put_file(repo.ptr, "content/y.md", 0);
	put_file(repo.ptr, "content/z.md", 0);
	commit_all(repo.ptr, "base");
	sh("cd '%s' && git checkout -q -b side", repo.ptr);
	put_file(repo.ptr, "content/x.md", 1);
	put_file(repo.ptr, "content/z.md", 1);
	commit_all(repo.ptr, "side edits x and z");
	sh("cd '%s' && git checkout -q main", repo.ptr);
	put_file(repo.ptr, "content/y.md", 1);
	put_file(repo.ptr, "content/z.md", 2);
	commit_all(repo.ptr, "main edits y and z");
	/* A merge that takes x from side, y from main, and resolves z anew. */
	seq++;
	sh("cd '%s' && GIT_AUTHOR_DATE='2007-02-01T12:00:00+0000' "
	   "GIT_COMMITTER_DATE='2007-02-01T12:00:00+0000' " GIT
	   " merge -q --no-ff --no-commit side >/dev/null 2>&1; true",
	   repo.ptr);
	put_file(repo.ptr, "content/z.md", 3);
	sh("cd '%s' && " GIT " add -A && GIT_AUTHOR_DATE='2007-02-01T12:00:00+0000' "
	   "GIT_COMMITTER_DATE='2007-02-01T12:00:00+0000' " GIT " commit -q -m merge",
	   repo.ptr);

	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct log l;
	struct repo *r = open_log(repo.ptr, &l, &d);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.commits[0].nparents, 2);
	struct buf a = BUF_INIT;
	ours(r, &l, 0, &a, &d);
	/* x and y are each one parent's: only z differs from both. */
	assert_string_equal(a.ptr, "M\tcontent/z.md\n");
	/* The two sides come before the base. */
	assert_int_equal(l.commits[3].nparents, 0);
	assert_string_equal(l.commits[3].info.subject, "base");
	log_release(&l);
	repo_free(r);
	diag_release(&d);
	buf_release(&a);
	buf_release(&repo);
}

static void test_shallow(void **state)
{
	(void)state;
	struct buf repo = BUF_INIT, clone = BUF_INIT;
	buf_printf(&repo, "%s/repo", tmp);
	buf_printf(&clone, "%s/clone", tmp);
	sh("mkdir -p '%s' && cd '%s' && " GIT " init -q", repo.ptr, repo.ptr);
	for (int i = 0; i < 5; i++) {
		put_file(repo.ptr, "content/a.md", i);
		if (i == 2)
			put_file(repo.ptr, "content/b.md", i);
		commit_all(repo.ptr, "step");
	}
	sh("git clone -q --depth 2 'file://%s' '%s' 2>/dev/null", repo.ptr, clone.ptr);
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct log l;
	struct repo *r = open_log(clone.ptr, &l, &d);
	assert_int_equal(l.n, 2);
	assert_true(l.shallow);
	assert_false(l.commits[0].boundary);
	assert_true(l.commits[1].boundary);
	assert_int_equal(l.commits[1].nparents, 0);
	struct buf a = BUF_INIT, b = BUF_INIT;
	ours(r, &l, 0, &a, &d);
	assert_string_equal(a.ptr, "M\tcontent/a.md\n");
	ours(r, &l, 1, &b, &d); /* the boundary: everything there is, added */
	assert_string_equal(b.ptr, "A\tcontent/a.md\nA\tcontent/b.md\n");
	assert_int_equal(d.errors, 0);
	log_release(&l);
	repo_free(r);
	diag_release(&d);
	buf_release(&a);
	buf_release(&b);
	buf_release(&repo);
	buf_release(&clone);
}

static void test_tags(void **state)
{
	(void)state;
	struct buf repo = BUF_INIT;
	buf_printf(&repo, "%s/repo", tmp);
	sh("mkdir -p '%s' && cd '%s' && " GIT " init -q", repo.ptr, repo.ptr);
	put_file(repo.ptr, "content/a.md", 0);
	commit_all(repo.ptr, "one");
	sh("cd '%s' && GIT_COMMITTER_DATE='2007-03-01T09:00:00+0100' " GIT
	   " tag -a publish/2007-03 -m 'March\n\nThe spring edition.\n\n-----BEGIN PGP SIGNATURE-----\nxyz\n"
	   "-----END PGP SIGNATURE-----'",
	   repo.ptr);
	sh("cd '%s' && " GIT " tag publish/deep/er && " GIT " tag other && " GIT
	   " tag publish/tree 'HEAD^{tree}'",
	   repo.ptr);
	char *root = realpath(repo.ptr, NULL);
	struct repo *r = NULL;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	assert_int_equal(repo_open(&r, root, &d), 0);
	struct arena a = ARENA_INIT;
	struct tag_info *t;
	size_t n;
	assert_int_equal(repo_tags(r, "publish/*", &a, &t, &n, &d), 0);
	assert_int_equal(n, 2); /* '*' matches '/' too; the tree is left out */
	assert_string_equal(t[0].name, "publish/2007-03");
	assert_string_equal(t[0].message, "March\n\nThe spring edition.");
	assert_int_equal(t[0].time, 1172707200 + 8 * 3600); /* 09:00 at +01:00 */
	assert_int_equal(t[0].offset, 60);
	assert_string_not_equal(t[0].object, t[0].commit.id); /* annotated */
	assert_string_equal(t[1].name, "publish/deep/er");
	assert_string_equal(t[1].message, "");
	assert_string_equal(t[1].object, t[1].commit.id); /* lightweight */
	assert_int_equal(t[1].time, t[1].commit.time);
	assert_int_equal(d.warnings, 1); /* publish/tree names no commit */
	arena_release(&a);
	repo_free(r);
	diag_release(&d);
	free(root);
	buf_release(&repo);
}

/* Declared in git_int.h, which only the libgit2 wrapper includes. */
struct pack_order;
struct pack_order *pack_order_open(const char *gitdir);
uint64_t pack_order_key(const struct pack_order *po, const unsigned char id[20]);
void pack_order_free(struct pack_order *po);

static void hex_id(const char *hex, unsigned char id[20])
{
	for (int i = 0; i < 20; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		id[i] = (unsigned char)v;
	}
}

/* Two packs and a loose object: every packed object's key is its pack's
 * place (packs in name order) and its offset as git verify-pack prints it;
 * the loose one, and an id in no pack, sort last. */
static void test_pack_order(void **state)
{
	(void)state;
	struct buf repo = BUF_INIT, out = BUF_INIT;
	buf_printf(&repo, "%s/packs", tmp);
	sh("mkdir -p '%s' && cd '%s' && " GIT " init -q", repo.ptr, repo.ptr);
	for (int i = 0; i < 40; i++) {
		sh("cd '%s' && seq 1 %d > f%d.txt && seq %d 200 >> common.txt", repo.ptr, 50 + i, i % 7, i);
		commit_all(repo.ptr, "step");
		if (i == 19)
			sh("cd '%s' && " GIT " repack -adq --depth=50 --window=250", repo.ptr);
	}
	sh("cd '%s' && " GIT " repack -dq", repo.ptr); /* a second pack, of the rest */
	sh("cd '%s' && echo loose > loose.txt && " GIT " hash-object -w loose.txt >/dev/null",
	   repo.ptr);
	struct buf gitdir = BUF_INIT;
	buf_printf(&gitdir, "%s/.git", repo.ptr);
	struct pack_order *po = pack_order_open(gitdir.ptr);
	capture(&out, "cd '%s/objects/pack' && ls *.idx | sort", gitdir.ptr);
	char *save = NULL;
	int npacks = 0, nobjects = 0;
	struct buf names = BUF_INIT;
	buf_put(&names, out.ptr, out.len);
	for (char *idx = strtok_r(names.ptr, "\n", &save); idx; idx = strtok_r(NULL, "\n", &save)) {
		struct buf vp = BUF_INIT;
		capture(&vp, "cd '%s/objects/pack' && git verify-pack -v '%s'", gitdir.ptr, idx);
		char *s2 = NULL;
		for (char *line = strtok_r(vp.ptr, "\n", &s2); line; line = strtok_r(NULL, "\n", &s2)) {
			char hex[41], type[16];
			unsigned long long size, psize, off;
			if (sscanf(line, "%40s %15s %llu %llu %llu", hex, type, &size, &psize, &off) != 5)
				continue;
			unsigned char id[20];
			hex_id(hex, id);
			assert_true(pack_order_key(po, id) == ((uint64_t)npacks << 48 | off));
			nobjects++;
		}
		buf_release(&vp);
		npacks++;
	}
	assert_int_equal(npacks, 2);
	assert_true(nobjects > 100);
	struct buf loose = BUF_INIT;
	capture(&loose, "cd '%s' && git hash-object loose.txt", repo.ptr);
	unsigned char id[20];
	hex_id(loose.ptr, id);
	assert_true(pack_order_key(po, id) == UINT64_MAX);
	memset(id, 0xab, sizeof(id));
	assert_true(pack_order_key(po, id) == UINT64_MAX);
	pack_order_free(po);
	/* no packs at all: every key is the last */
	po = pack_order_open(tmp);
	assert_true(pack_order_key(po, id) == UINT64_MAX);
	pack_order_free(po);
	buf_release(&loose);
	buf_release(&names);
	buf_release(&gitdir);
	buf_release(&out);
	buf_release(&repo);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_changes_match_git),
		T(test_merges),
		T(test_shallow),
		T(test_tags),
		T(test_pack_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
