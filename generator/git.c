/*
 * git.c: the libgit2 wrapper (with gitdiff.c and gitlog.c, the only files
 * that include git2.h): libgit2's objects and errors stop here. It opens the repository around a
 * site root, resolves revisions, reads a commit's site tree without checking
 * anything out, compares the working tree with HEAD, lists tags, and walks
 * history: the commits reachable from some starting points, each with the
 * changes it made under the site's content/.
 *
 * Its history half is in gitdiff.c (the changes between two trees, fast)
 * and gitlog.c (the walk); the three share git_int.h.
 */
#include "git_int.h"

#include <git2/sys/alloc.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ basics */

static void git_shutdown(void)
{
	git_libgit2_shutdown();
}

/*
 * libgit2 allocates through plansite's xmalloc family. Its own allocator
 * returns NULL when memory runs out, and libgit2 then fails the call with
 * "out of memory": reading an old tag's tree, that is a one-off read
 * failure (W011), the version left out and the build a success with an
 * output it should not have. Out of memory is no such failure: plansite
 * says so and exits 3 (die).
 */
static void *ga_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return xmalloc(n);
}

static void *ga_calloc(size_t k, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return xcalloc(k, n);
}

static char *ga_strdup(const char *s, const char *file, int line)
{
	(void)file, (void)line;
	return xstrdup(s);
}

static char *ga_strndup(const char *s, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return xstrndup(s, strnlen(s, n));
}

static char *ga_substrdup(const char *s, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return xstrndup(s, n);
}

static void *ga_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return xrealloc(p, n);
}

static void *ga_reallocarray(void *p, size_t k, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	if (n && k > SIZE_MAX / n)
		die("out of memory allocating %zu x %zu bytes", k, n);
	return xrealloc(p, k * n);
}

static void *ga_mallocarray(size_t k, size_t n, const char *file, int line)
{
	return ga_reallocarray(NULL, k, n, file, line);
}

static git_allocator git_alloc = {ga_malloc,  ga_calloc,	  ga_strdup,	  ga_strndup, ga_substrdup,
				  ga_realloc, ga_reallocarray, ga_mallocarray, free};

/* Once per process. Object hashes are not recomputed on every read (git
 * itself checks them in fsck, not when reading): hashing every version of a
 * large tree would cost more than the rest of a history walk. */
static void git_init(void)
{
	git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &git_alloc); /* first: init allocates */
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	atexit(git_shutdown);
}

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

/* Reports the last libgit2 error as E026, prefixed by what was being done.
 * Out of memory (zlib's, which libgit2 reports: its own allocations go
 * through xmalloc) is no read failure, which some callers take as one
 * version's (W011) and go on: plansite exits 3 (die). */
void git_report(struct diag *d, const char *what, const char *subject)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";
	if (e && e->klass == GIT_ERROR_NOMEMORY)
		die("out of memory: %s '%s' (libgit2: %s)", what, subject ? subject : "", msg);
	if (subject)
		diag_error(d, nopos, "E026", "%s '%s': %s", what, subject, msg);
	else
		diag_error(d, nopos, "E026", "%s: %s", what, msg);
}

/* git_report for subject (a path) in the tree of commit: E026 "what
 * 'subject' at commit 'id': libgit2's message"; commit NULL: a version of
 * subject the history walk found, known by its blob alone. */
void git_report_at(struct diag *d, const char *what, const char *subject, const char *commit)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";
	if (e && e->klass == GIT_ERROR_NOMEMORY)
		die("out of memory: %s '%s' (libgit2: %s)", what, subject, msg);
	if (commit)
		diag_error(d, nopos, "E026", "%s '%s' at commit '%s': %s", what, subject, commit, msg);
	else /* a version the history walk found: its blob's id is in msg */
		diag_error(d, nopos, "E026",
			   "%s a version of '%s' in the history: %s (git log --all "
			   "--find-object=ID names its commits)",
			   what, subject, msg);
}

/* Sets *prefix to the path of root within the work tree of repo ("" when
 * root is its top). Returns 0, 1 when root is not in the work tree, or -1
 * after reporting. */
static int site_prefix(git_repository *repo, const char *root, char **prefix, struct diag *d)
{
	const char *wd = git_repository_workdir(repo);
	*prefix = NULL;
	if (!wd)
		return 1; /* a bare repository: root is inside a git folder */
	char *real = realpath(wd, NULL);
	if (!real) {
		diag_error(d, nopos, "E026", "cannot read '%s': %s", wd, strerror(errno));
		return -1;
	}
	size_t n = strlen(real);
	int rc = 1;
	if (strcmp(root, real) == 0) {
		*prefix = xstrdup("");
		rc = 0;
	} else if (strncmp(root, real, n) == 0 && (root[n] == '/' || (n == 1 && real[0] == '/'))) {
		*prefix = xstrdup(root + (n == 1 ? 1 : n + 1));
		rc = 0;
	}
	free(real);
	return rc;
}

/* True when root or a folder above it could hold a repository: it has a
 * .git (folder or file), is named .git, or holds HEAD and objects/ (a bare
 * repository). When none does, libgit2 would find nothing either, and its
 * start (it parses every system certificate, some 15 ms) is saved. */
static bool maybe_in_git(const char *root)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, root);
	bool maybe = false;
	for (;;) {
		size_t len = b.len;
		struct stat st;
		const char *base = strrchr(b.ptr, '/');
		if (base && strcmp(base + 1, ".git") == 0)
			maybe = true;
		buf_puts(&b, len > 1 ? "/.git" : ".git");
		maybe = maybe || lstat(b.ptr, &st) == 0;
		buf_truncate(&b, len);
		buf_puts(&b, len > 1 ? "/HEAD" : "HEAD");
		bool head = lstat(b.ptr, &st) == 0;
		buf_truncate(&b, len);
		buf_puts(&b, len > 1 ? "/objects" : "objects");
		maybe = maybe || (head && lstat(b.ptr, &st) == 0);
		buf_truncate(&b, len);
		if (maybe || len <= 1)
			break;
		char *slash = strrchr(b.ptr, '/');
		buf_truncate(&b, slash == b.ptr ? 1 : (size_t)(slash - b.ptr));
	}
	buf_release(&b);
	return maybe;
}

int repo_open(struct repo **out, const char *root, struct diag *d)
{
	git_repository *git = NULL;
	char *prefix = NULL;
	int rc = -1;

	*out = NULL;
	if (!maybe_in_git(root))
		return 1;
	pthread_once(&git_once, git_init);
	int err = git_repository_open_ext(&git, root, 0, NULL);
	if (err == GIT_ENOTFOUND) {
		rc = 1;
		goto out;
	}
	if (err < 0) {
		git_report(d, "cannot open the git repository at", root);
		goto out;
	}
	rc = site_prefix(git, root, &prefix, d);
	if (rc != 0)
		goto out;
	struct repo *r = xcalloc(1, sizeof(*r));
	r->git = git;
	r->prefix = prefix;
	git = NULL;
	prefix = NULL;
	*out = r;
out:
	git_repository_free(git);
	free(prefix);
	return rc;
}


/* Appends the real path of dir, NUL-terminated, to out (when it resolves). */
static void put_folder(struct buf *out, const char *dir)
{
	char *real = dir ? realpath(dir, NULL) : NULL;
	if (real)
		buf_put(out, real, strlen(real) + 1);
	free(real);
}

int repo_folders(const char *root, struct buf *git_dirs, struct buf *work_tree)
{
	git_repository *git = NULL;
	if (!maybe_in_git(root))
		return 0;
	pthread_once(&git_once, git_init);
	if (git_repository_open_ext(&git, root, 0, NULL) < 0)
		return 0;
	put_folder(git_dirs, git_repository_path(git));
	put_folder(git_dirs, git_repository_commondir(git));
	put_folder(work_tree, git_repository_workdir(git));
	git_repository_free(git);
	return 1;
}

void repo_free(struct repo *r)
{
	if (!r)
		return;
	git_tree_cache_free(r->trees);
	git_odb_free(r->odb);
	git_repository_free(r->git);
	free(r->prefix);
	free(r);
}

const char *repo_prefix(const struct repo *r)
{
	return r->prefix;
}

int repo_head_unborn(struct repo *r, struct diag *d)
{
	int err = git_repository_head_unborn(r->git);
	if (err < 0) {
		git_report(d, "cannot read HEAD", NULL);
		return -1;
	}
	return err == 1;
}

/* --------------------------------------------------------- revisions */

/* The names of branches and tags, for "did you mean". Failures only leave
 * the list shorter. */
static void ref_names(git_repository *repo, char ***out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;

	git_branch_iterator *it = NULL;
	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_ALL) == 0) {
		git_reference *ref;
		git_branch_t type;
		while (git_branch_next(&ref, &type, it) == 0) {
			const char *name;
			if (git_branch_name(&name, ref) == 0) {
				GROW_FROM(*out, *n, cap, 16);
				(*out)[(*n)++] = xstrdup(name);
			}
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	git_strarray tags = {NULL, 0};
	if (git_tag_list(&tags, repo) == 0) {
		for (size_t i = 0; i < tags.count; i++) {
			GROW_FROM(*out, *n, cap, 16);
			(*out)[(*n)++] = xstrdup(tags.strings[i]);
		}
		git_strarray_dispose(&tags);
	}
	git_error_clear();
}

static void report_unknown_rev(git_repository *repo, const char *spec, const char *what,
			       struct diag *d)
{
	struct buf msg = BUF_INIT;
	char **names;
	size_t n;
	buf_printf(&msg, "%s revision '%s'", what, spec);
	ref_names(repo, &names, &n);
	diag_suggest(&msg, spec, (const char *const *)names, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	diag_error(d, nopos, "E026", "%s", msg.ptr);
	buf_release(&msg);
}

/* Resolves spec (a branch, tag, annotated tag, commit id, HEAD~1 ...) to a
 * commit. Returns 0, or -1 after reporting. */
static int resolve_commit(git_repository *repo, const char *spec, git_commit **out,
			  struct diag *d)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = -1;

	*out = NULL;
	/* A reference whose object cannot be read is named as such (libgit2's
	 * revparse calls it an unknown revision, and leaks a reference). */
	git_reference *ref = NULL;
	if (git_reference_dwim(&ref, repo, spec) == 0) {
		git_reference *direct = NULL;
		git_oid id;
		bool have = git_reference_resolve(&direct, ref) == 0;
		if (have)
			git_oid_cpy(&id, git_reference_target(direct));
		git_reference_free(direct);
		git_reference_free(ref);
		if (have && git_object_lookup(&obj, repo, &id, GIT_OBJECT_ANY) < 0) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &id);
			const git_error *e = git_error_last();
			diag_error(d, nopos, "E026", "cannot read commit '%s' (%s): %s", hex, spec,
				   e && e->message ? e->message : "unknown error");
			goto out;
		}
		git_object_free(obj);
		obj = NULL;
	}
	git_error_clear();
	int err = git_revparse_single(&obj, repo, spec);
	if (err == GIT_ENOTFOUND || err == GIT_EINVALIDSPEC) {
		report_unknown_rev(repo, spec, "unknown", d);
		goto out;
	}
	if (err == GIT_EAMBIGUOUS) {
		report_unknown_rev(repo, spec, "ambiguous", d);
		goto out;
	}
	if (err < 0) {
		git_report(d, "cannot resolve revision", spec);
		goto out;
	}
	err = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (err == GIT_EPEEL || err == GIT_EINVALIDSPEC || err == GIT_ENOTFOUND) {
		diag_error(d, nopos, "E026", "revision '%s' is not a commit", spec);
		goto out;
	}
	if (err < 0) {
		git_report(d, "cannot resolve revision", spec);
		goto out;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
	rc = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* Fills info from a loaded commit; the subject is copied into a. */
void git_commit_info(struct commit_info *info, git_commit *c, struct arena *a)
{
	git_oid_tostr(info->id, sizeof(info->id), git_commit_id(c));
	memcpy(info->short_id, info->id, 7);
	info->short_id[7] = '\0';
	info->time = (int64_t)git_commit_time(c);
	info->offset = git_commit_time_offset(c);
	const char *s = git_commit_summary(c);
	info->subject = arena_strdup(a, s ? s : "");
}

int repo_resolve(struct repo *r, const char *spec, struct arena *a, struct commit_info *out,
		 struct diag *d)
{
	git_commit *c = NULL;
	memset(out, 0, sizeof(*out));
	if (resolve_commit(r->git, spec, &c, d) < 0)
		return -1;
	git_commit_info(out, c, a);
	git_commit_free(c);
	return 0;
}

struct dated_cutoff {
	int64_t t;
	size_t i;
};

static int cmp_cutoff_desc(const void *x, const void *y)
{
	const struct dated_cutoff *a = x, *b = y;
	if (a->t != b->t)
		return a->t > b->t ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int repo_first_parent_line(struct repo *r, const char *start, struct commit_line *out,
			   struct diag *d)
{
	memset(out, 0, sizeof(*out));
	git_oid id;
	git_commit *c = NULL;
	if (git_oid_fromstr(&id, start) < 0 || git_commit_lookup(&c, r->git, &id) < 0) {
		git_report(d, "cannot read commit", start);
		return -1;
	}
	size_t cap = 0;
	for (;;) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 1024;
			out->ids = xrealloc(out->ids, cap * sizeof(*out->ids));
			out->times = xrealloc(out->times, cap * sizeof(*out->times));
		}
		memcpy(out->ids[out->n], git_commit_id(c)->id, 20);
		out->times[out->n++] = (int64_t)git_commit_time(c);
		git_commit *parent = NULL;
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0)
			break; /* the first commit (or the rest of the line is not here) */
		git_commit_free(c);
		c = parent;
	}
	git_commit_free(c);
	return 0;
}

void commit_line_release(struct commit_line *l)
{
	free(l->ids);
	free(l->times);
	memset(l, 0, sizeof(*l));
}

/*
 * Down the first-parent line, the newest commit whose committer time is at
 * or before each cutoff: what the branch held then. A commit whose parent
 * is missing (a shallow clone) ends the line.
 */
int repo_commits_before(struct repo *r, const struct commit_line *line, const int64_t *ts,
			size_t n, struct arena *a, struct commit_info *out, bool *found,
			struct diag *d)
{
	int rc = -1;
	struct dated_cutoff *order = xcalloc(n + 1, sizeof(*order));
	for (size_t i = 0; i < n; i++) {
		order[i] = (struct dated_cutoff){ts[i], i};
		found[i] = false;
		memset(&out[i], 0, sizeof(out[i]));
	}
	/* The latest cutoff first: down the first-parent line, each cutoff's
	 * commit is at or below the one of the cutoff before. */
	qsort(order, n, sizeof(*order), cmp_cutoff_desc);
	size_t k = 0, i = 0;
	while (k < n && i < line->n) {
		if (line->times[i] > order[k].t) {
			i++;
			continue;
		}
		git_oid id;
		git_commit *c = NULL;
		git_oid_fromraw(&id, line->ids[i]);
		if (git_commit_lookup(&c, r->git, &id) < 0) {
			git_report(d, "cannot read commit", git_oid_tostr_s(&id));
			goto out;
		}
		git_commit_info(&out[order[k].i], c, a);
		git_commit_free(c);
		found[order[k].i] = true;
		k++;
	}
	rc = 0;
out:
	free(order);
	return rc;
}

/* ----------------------------------------------------- the site tree */

/* A blob to read: where it goes in the reader's files, and its id. */
struct blob_job {
	size_t file;
	git_oid id;
	uint64_t key; /* where it is stored: pack_order_key */
};

/* The blobs of a tree walk, read once the walk is done: on several threads
 * when there are many (each with a repository of its own: libgit2's are
 * not to be shared), since inflating them is most of reading a site. */
struct blob_reads {
	struct blob_job *v;
	size_t n, cap;
	const char *gitdir;
	const char *commit; /* the commit whose tree is read, for messages */
	struct site_reader *r;
	size_t next; /* taken with __atomic_fetch_add */
	atomic_bool failed;
};

/* Notes the blob of entry e for reading, or adds it unread when known. */
static void queue_blob(struct blob_reads *br, const git_tree_entry *e, const char *path)
{
	struct site_reader *r = br->r;
	const git_oid *oid = git_tree_entry_id(e);
	site_reader_add_blob(r, path, NULL, 0, oid->id);
	if (r->known && r->known(r->known_ctx, path, oid->id))
		return;
	GROW_FROM(br->v, br->n, br->cap, 256);
	br->v[br->n].file = r->n - 1;
	git_oid_cpy(&br->v[br->n].id, oid);
	br->n++;
}

/* Reads one blob into its file; false after reporting. */
static bool read_one_blob(git_repository *repo, struct blob_reads *br, const struct blob_job *j)
{
	struct source_file *f = &br->r->files[j->file];
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, repo, &j->id) < 0) {
		git_report_at(br->r->d, "cannot read", f->path, br->commit);
		return false;
	}
	git_object_size_t size = git_blob_rawsize(blob);
	if (size >= SIZE_MAX) {
		git_blob_free(blob);
		diag_error(br->r->d, nopos, "E026", "'%s' is too large to read", f->path);
		return false;
	}
	char *data = xmalloc((size_t)size + 1);
	if (size)
		memcpy(data, git_blob_rawcontent(blob), (size_t)size);
	data[size] = '\0';
	git_blob_free(blob);
	f->data = data;
	f->len = (size_t)size;
	return true;
}

/* Reads blobs with repo until none is left or one failed. */
static void read_share(git_repository *repo, struct blob_reads *br)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&br->next, 1, __ATOMIC_RELAXED);
		if (i >= br->n || br->failed)
			break;
		if (!read_one_blob(repo, br, &br->v[i]))
			br->failed = true;
	}
}

static void *blob_worker(void *arg)
{
	struct blob_reads *br = arg;
	git_repository *repo = NULL;
	if (git_repository_open_bare(&repo, br->gitdir) < 0) {
		git_report(br->r->d, "cannot open the git repository at", br->gitdir);
		br->failed = true;
		return NULL;
	}
	read_share(repo, br);
	git_repository_free(repo);
	return NULL;
}

static int cmp_blob_job(const void *x, const void *y)
{
	const struct blob_job *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

/* Reads the queued blobs, in the order the packs store them (gitpack.c).
 * Returns 0, or -1 after reporting. */
static int read_blobs(git_repository *repo, struct blob_reads *br)
{
	if (br->n > 1) {
		struct pack_order *po = pack_order_open(git_repository_path(repo));
		for (size_t i = 0; i < br->n; i++)
			br->v[i].key = pack_order_key(po, br->v[i].id.id);
		pack_order_free(po);
		qsort(br->v, br->n, sizeof(*br->v), cmp_blob_job);
	}
	size_t nw = (size_t)plansite_jobs();
	if (nw > br->n / 256 + 1)
		nw = br->n / 256 + 1;
	br->gitdir = git_repository_path(repo);
	if (nw <= 1 || !br->gitdir) {
		for (size_t i = 0; i < br->n; i++)
			if (!read_one_blob(repo, br, &br->v[i]))
				return -1;
		return 0;
	}
	/* nw - 1 threads, and this one with the repository it has */
	pthread_t *ts = xcalloc(nw, sizeof(*ts));
	size_t started = 0;
	for (; started + 1 < nw; started++)
		if (pthread_create(&ts[started], NULL, blob_worker, br) != 0)
			break;
	read_share(repo, br);
	for (size_t t = 0; t < started; t++)
		pthread_join(ts[t], NULL);
	free(ts);
	return br->failed ? -1 : 0;
}

int repo_read_blobs(struct repo *r, struct source_file *files, size_t n, struct diag *d)
{
	struct site_reader sr = {.files = files, .n = n, .cap = n, .d = d};
	struct blob_reads br;
	memset(&br, 0, sizeof(br));
	br.r = &sr;
	br.cap = n;
	br.v = xcalloc(n + 1, sizeof(*br.v));
	for (size_t i = 0; i < n; i++)
		if (files[i].has_oid && !files[i].data) {
			br.v[br.n].file = i;
			git_oid_fromraw(&br.v[br.n].id, files[i].oid);
			br.n++;
		}
	int rc = read_blobs(r->git, &br);
	free(br.v);
	return rc;
}

/* One folder being walked: its tree, the next entry, the length of its path. */
struct tree_frame {
	git_tree *tree;
	size_t next;
	size_t path_len;
};

/* Sets path to its first keep bytes plus "/name" ("name" when keep is 0). */
static void path_join(struct buf *path, size_t keep, const char *name)
{
	buf_truncate(path, keep);
	if (keep)
		buf_putc(path, '/');
	buf_puts(path, name);
}

/*
 * Reads site.yaml, content/ and themes/ from site (a tree whose entries are
 * the site root's) into r, depth first without recursion. Links, submodules
 * and other odd entries are reported and skipped. Does not take site.
 * Returns 0, or -1 after reporting a git failure.
 */
static int read_git_site(git_repository *repo, const char *commit_id, git_tree *site,
			 struct site_reader *r)
{
	struct tree_frame stack[SITE_MAX_DEPTH];
	size_t depth = 1;
	struct buf path = BUF_INIT;
	struct blob_reads br;
	int rc = -1;

	memset(&br, 0, sizeof(br));
	br.r = r;
	br.commit = commit_id;
	stack[0] = (struct tree_frame){site, 0, 0};
	while (depth > 0) {
		struct tree_frame *f = &stack[depth - 1];
		if (f->next == git_tree_entrycount(f->tree)) {
			if (depth > 1)
				git_tree_free(f->tree);
			depth--;
			continue;
		}
		const git_tree_entry *e = git_tree_entry_byindex(f->tree, f->next++);
		const char *name = git_tree_entry_name(e);
		if (name[0] == '.')
			continue;
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (depth == 1) {
			/* the site root: only site.yaml, content/ and themes/ */
			bool dir = site_entry_dir(name);
			if (!dir && !site_entry_file(name))
				continue;
			if (dir && (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE))
				continue; /* a file named content: not a folder we read */
			if (!dir && mode == GIT_FILEMODE_TREE) {
				site_reader_odd(r, name, ODD_OTHER);
				continue;
			}
		}
		path_join(&path, f->path_len, name);
		switch (mode) {
		case GIT_FILEMODE_TREE: {
			if (depth == SITE_MAX_DEPTH) {
				site_reader_too_deep(r, path.ptr);
				goto out;
			}
			git_tree *sub = NULL;
			if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) < 0) {
				git_report_at(r->d, "cannot read the folder", path.ptr, commit_id);
				goto out;
			}
			stack[depth++] = (struct tree_frame){sub, 0, path.len};
			break;
		}
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			queue_blob(&br, e, path.ptr);
			break;
		case GIT_FILEMODE_LINK:
			site_reader_odd(r, path.ptr, ODD_LINK);
			break;
		case GIT_FILEMODE_COMMIT:
			site_reader_odd(r, path.ptr, ODD_SUBMODULE);
			break;
		default:
			site_reader_odd(r, path.ptr, ODD_OTHER);
			break;
		}
	}
	rc = read_blobs(repo, &br);
out:
	while (depth > 1)
		git_tree_free(stack[--depth].tree);
	buf_release(&path);
	free(br.v);
	return rc;
}

int repo_read_site(struct repo *r, const char *commit_id, struct site_reader *rd)
{
	git_commit *commit = NULL;
	git_tree *top = NULL, *site = NULL;
	git_tree_entry *entry = NULL;
	git_oid id;
	int rc = -1;

	if (git_oid_fromstr(&id, commit_id) < 0 || git_commit_lookup(&commit, r->git, &id) < 0) {
		git_report(rd->d, "cannot read commit", commit_id);
		goto out;
	}
	if (git_commit_tree(&top, commit) < 0) {
		git_report(rd->d, "cannot read the tree of commit", commit_id);
		goto out;
	}
	if (r->prefix[0]) {
		int err = git_tree_entry_bypath(&entry, top, r->prefix);
		if (err == GIT_ENOTFOUND || (err == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE)) {
			rc = 0;
			goto out;
		}
		if (err < 0 || git_tree_lookup(&site, r->git, git_tree_entry_id(entry)) < 0) {
			git_report_at(rd->d, "cannot read the folder", r->prefix, commit_id);
			goto out;
		}
	} else {
		site = top;
		top = NULL;
	}
	if (!git_tree_entry_byname(site, "site.yaml")) {
		rc = 0;
		goto out;
	}
	rc = read_git_site(r->git, commit_id, site, rd) < 0 ? -1 : 1;
out:
	git_tree_entry_free(entry);
	git_tree_free(site);
	git_tree_free(top);
	git_commit_free(commit);
	return rc;
}

/* True when some component of path (relative to the site root) begins with
 * '.': such files are never read, so their changes do not matter. */
static bool path_hidden(const char *path)
{
	for (const char *p = path; *p; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return true;
	return false;
}

int repo_check_uncommitted(struct repo *r, struct diag *d)
{
	const char *prefix = r->prefix;
	struct buf content = BUF_INIT, site = BUF_INIT;
	git_status_list *list = NULL;
	char *example = NULL;
	size_t count = 0, plen = prefix[0] ? strlen(prefix) + 1 : 0;
	int rc = -1;

	buf_printf(&content, "%s%scontent/", prefix, prefix[0] ? "/" : "");
	buf_printf(&site, "%s%ssite.yaml", prefix, prefix[0] ? "/" : "");
	char *paths[] = {content.ptr, site.ptr};

	/* not GIT_STATUS_OPTIONS_INIT: it leaves fields to -Wmissing-field-initializers */
	git_status_options so;
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	so.pathspec.strings = paths;
	so.pathspec.count = 2;
	if (git_status_list_new(&list, r->git, &so) < 0) {
		git_report(d, "cannot compare the working tree with HEAD", NULL);
		goto out;
	}
	size_t n = git_status_list_entrycount(list);
	for (size_t i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
			continue;
		const git_diff_delta *delta = e->index_to_workdir ? e->index_to_workdir
								  : e->head_to_index;
		if (!delta)
			continue;
		const char *p = delta->new_file.path ? delta->new_file.path : delta->old_file.path;
		if (!p || strlen(p) < plen)
			continue;
		p += plen;
		if (path_hidden(p))
			continue;
		count++;
		if (!example || strcmp(p, example) < 0) {
			free(example);
			example = xstrdup(p);
		}
	}
	if (count)
		diag_warning(d, nopos, "W007",
			     "%zu uncommitted change%s under content/ %s not included in this "
			     "build (e.g. '%s'); commit %s, or use --worktree to preview %s",
			     count, count == 1 ? "" : "s", count == 1 ? "is" : "are", example,
			     count == 1 ? "it" : "them", count == 1 ? "it" : "them");
	rc = 0;
out:
	free(example);
	git_status_list_free(list);
	buf_release(&content);
	buf_release(&site);
	return rc;
}

/* -------------------------------------------------------------- tags */

/* A tag's message without a trailing signature block and whitespace. */
static const char *tag_message(struct arena *a, const char *msg)
{
	if (!msg)
		return "";
	size_t n = strlen(msg);
	static const char *const sigs[] = {"-----BEGIN PGP SIGNATURE-----",
					   "-----BEGIN SSH SIGNATURE-----",
					   "-----BEGIN SIGNED MESSAGE-----"};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		const char *s = strstr(msg, sigs[i]);
		if (s && (s == msg || s[-1] == '\n') && (size_t)(s - msg) < n)
			n = (size_t)(s - msg);
	}
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\t' ||
		     msg[n - 1] == '\r'))
		n--;
	return arena_strndup(a, msg, n);
}

int repo_tags(struct repo *r, const char *pattern, struct arena *a, struct tag_info **out,
	      size_t *nout, struct diag *d)
{
	git_strarray names = {NULL, 0};
	git_object *obj = NULL, *peeled = NULL;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	if (git_tag_list_match(&names, pattern, r->git) < 0) {
		git_report(d, "cannot list the tags matching", pattern);
		goto out;
	}
	struct tag_info *tags = arena_alloc(a, (names.count + 1) * sizeof(*tags));
	size_t n = 0;
	struct buf refname = BUF_INIT;
	for (size_t i = 0; i < names.count; i++) {
		buf_truncate(&refname, 0);
		buf_printf(&refname, "refs/tags/%s", names.strings[i]);
		git_object_free(obj);
		git_object_free(peeled);
		obj = peeled = NULL;
		git_oid target;
		if (git_reference_name_to_id(&target, r->git, refname.ptr) < 0 ||
		    git_object_lookup(&obj, r->git, &target, GIT_OBJECT_ANY) < 0) {
			git_report(d, "cannot read the tag", names.strings[i]);
			buf_release(&refname);
			goto out;
		}
		if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
			git_error_clear();
			diag_warning(d, nopos, "W011",
				     "tag '%s' does not point at a commit; it is not published",
				     names.strings[i]);
			continue;
		}
		struct tag_info *t = &tags[n++];
		memset(t, 0, sizeof(*t));
		t->name = arena_strdup(a, names.strings[i]);
		git_oid_tostr(t->object, sizeof(t->object), git_object_id(obj));
		git_commit_info(&t->commit, (git_commit *)peeled, a);
		t->time = t->commit.time;
		t->offset = t->commit.offset;
		t->message = "";
		if (git_object_type(obj) == GIT_OBJECT_TAG) {
			git_tag *tag = (git_tag *)obj;
			const git_signature *who = git_tag_tagger(tag);
			if (who) {
				t->time = (int64_t)who->when.time;
				t->offset = who->when.offset;
			}
			t->message = tag_message(a, git_tag_message(tag));
		}
	}
	buf_release(&refname);
	*out = tags;
	*nout = n;
	rc = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	git_strarray_dispose(&names);
	return rc;
}

/* ---------------------------------------------- what a build depends on */

struct tag_lines {
	char **v;
	size_t n, cap;
};

static int collect_tag(const char *name, git_oid *oid, void *payload)
{
	struct tag_lines *t = payload;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), oid);
	GROW_FROM(t->v, t->n, t->cap, 16);
	struct buf b = BUF_INIT;
	buf_printf(&b, "tag %s %s\n", name, hex);
	t->v[t->n++] = buf_detach(&b, NULL);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void repo_shallow_key(struct repo *r, struct buf *out)
{
	struct buf path = BUF_INIT, shallow = BUF_INIT;
	buf_printf(&path, "%sshallow", git_repository_commondir(r->git));
	FILE *f = fopen(path.ptr, "rb");
	if (f) {
		char chunk[4096];
		size_t k;
		while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_put(&shallow, chunk, k);
		fclose(f);
		buf_printf(out, "shallow %zu %016llx\n", shallow.len,
			   (unsigned long long)hash64(shallow.ptr, shallow.len, 0));
	} else {
		buf_puts(out, "shallow none\n");
	}
	buf_release(&path);
	buf_release(&shallow);
}

int repo_key(struct repo *r, bool head, bool tags, struct buf *out)
{
	int rc = -1;
	if (head) {
		git_oid id;
		int unborn = git_repository_head_unborn(r->git);
		if (unborn < 0)
			goto out;
		if (unborn) {
			buf_puts(out, "head none\n");
		} else {
			if (git_reference_name_to_id(&id, r->git, "HEAD") < 0)
				goto out;
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &id);
			buf_printf(out, "head %s\n", hex);
		}
	}
	/* A shallow clone's boundary decides what history there is. */
	repo_shallow_key(r, out);
	if (tags) {
		struct tag_lines t = {NULL, 0, 0};
		int err = git_tag_foreach(r->git, collect_tag, &t);
		if (err == 0) {
			if (t.n)
				qsort(t.v, t.n, sizeof(*t.v), cmp_line);
			for (size_t i = 0; i < t.n; i++)
				buf_puts(out, t.v[i]);
		}
		for (size_t i = 0; i < t.n; i++)
			free(t.v[i]);
		free(t.v);
		if (err < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		git_error_clear();
	return rc;
}

