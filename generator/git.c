/*
 * git.c: the libgit2 wrapper, and the only file that includes git2.h:
 * libgit2's objects and errors stop here. It opens the repository around a
 * site root, resolves revisions, reads a commit's site tree without checking
 * anything out, compares the working tree with HEAD, lists tags, and walks
 * history: the commits reachable from some starting points, each with the
 * changes it made under the site's content/.
 *
 * Walking history fast. A 10,000-commit history whose content/meetings
 * holds 9,000 files has 10,000 versions of a 330 KB tree. libgit2 parses a
 * tree at about 50 ns an entry (git_tree_lookup: 0.45 ms for that tree) and
 * git_diff_tree_to_tree walks both trees whole, so the obvious loop takes
 * minutes. Instead each tree is read once, raw (git_odb_read), and two
 * versions of a tree are compared as bytes: a memcmp skips the long runs of
 * identical entries, and only the entries around a difference are parsed.
 * Finding where an entry starts needs the offsets of the entries of one of
 * the two trees; the newer tree's offsets are known from the step before
 * (where it was the older tree), and the older tree's are derived while
 * comparing, so no tree is parsed whole more than once per walk. Subtrees
 * whose ids are equal are skipped without being read. Renames are paired
 * by blob id first, then by libgit2's similarity detection
 * (git_diff_find_similar), on the few commits that add and delete files.
 *
 * Shallow clones: libgit2 1.5's revwalk fails with "object not found" at
 * the shallow boundary, so the walk is ours: the commits listed in
 * .git/shallow are roots, and so is any commit whose parent is missing.
 */
#include "plansite.h"

#include <git2.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct pos nopos = {NULL, 0, 0};

struct repo {
	git_repository *git;
	git_odb *odb;
	char *prefix; /* the site root's path in the work tree: "" or "sites/daccom" */
	struct tree_cache *trees; /* raw trees kept between repo_changes calls */
};

/* ------------------------------------------------------------ basics */

static void git_shutdown(void)
{
	git_libgit2_shutdown();
}

/* Once per process. Object hashes are not recomputed on every read (git
 * itself checks them in fsck, not when reading): hashing every version of a
 * large tree would cost more than the rest of a history walk. */
static void git_init(void)
{
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	atexit(git_shutdown);
}

/* Reports the last libgit2 error as E026, prefixed by what was being done. */
static void report_git(struct diag *d, const char *what, const char *subject)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";
	if (subject)
		diag_error(d, nopos, "E026", "%s '%s': %s", what, subject, msg);
	else
		diag_error(d, nopos, "E026", "%s: %s", what, msg);
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
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	git_repository *git = NULL;
	char *prefix = NULL;
	int rc = -1;

	*out = NULL;
	if (!maybe_in_git(root))
		return 1;
	pthread_once(&once, git_init);
	int err = git_repository_open_ext(&git, root, 0, NULL);
	if (err == GIT_ENOTFOUND) {
		rc = 1;
		goto out;
	}
	if (err < 0) {
		report_git(d, "cannot open the git repository at", root);
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

static void tree_cache_free(struct tree_cache *c);

void repo_free(struct repo *r)
{
	if (!r)
		return;
	tree_cache_free(r->trees);
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
		report_git(d, "cannot read HEAD", NULL);
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
				if (*n == cap) {
					cap = cap ? cap * 2 : 16;
					*out = xrealloc(*out, cap * sizeof(**out));
				}
				(*out)[(*n)++] = xstrdup(name);
			}
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	git_strarray tags = {NULL, 0};
	if (git_tag_list(&tags, repo) == 0) {
		for (size_t i = 0; i < tags.count; i++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
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
		report_git(d, "cannot resolve revision", spec);
		goto out;
	}
	err = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (err == GIT_EPEEL || err == GIT_EINVALIDSPEC || err == GIT_ENOTFOUND) {
		diag_error(d, nopos, "E026", "revision '%s' is not a commit", spec);
		goto out;
	}
	if (err < 0) {
		report_git(d, "cannot resolve revision", spec);
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
static void commit_info_fill(struct commit_info *info, git_commit *c, struct arena *a)
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
	commit_info_fill(out, c, a);
	git_commit_free(c);
	return 0;
}

/*
 * Follows the first parents from start (a full id) to the newest commit
 * whose committer time is at or before t: what the branch held then. A
 * commit whose parent is missing (a shallow clone) ends the line.
 */
int repo_commit_before(struct repo *r, const char *start, int64_t t, struct arena *a,
		       struct commit_info *out, struct diag *d)
{
	git_commit *c = NULL;
	git_oid id;
	int rc = -1;
	memset(out, 0, sizeof(*out));
	if (git_oid_fromstr(&id, start) < 0 || git_commit_lookup(&c, r->git, &id) < 0) {
		report_git(d, "cannot read commit", start);
		goto out;
	}
	for (;;) {
		if ((int64_t)git_commit_time(c) <= t) {
			commit_info_fill(out, c, a);
			rc = 0;
			goto out;
		}
		git_commit *parent = NULL;
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0) {
			rc = 1; /* none is that old (or the rest of the line is not here) */
			goto out;
		}
		git_commit_free(c);
		c = parent;
	}
out:
	git_commit_free(c);
	return rc;
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

int repo_commits_before(struct repo *r, const char *start, const int64_t *ts, size_t n,
			struct arena *a, struct commit_info *out, bool *found, struct diag *d)
{
	git_commit *c = NULL;
	git_oid id;
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
	if (git_oid_fromstr(&id, start) < 0 || git_commit_lookup(&c, r->git, &id) < 0) {
		report_git(d, "cannot read commit", start);
		goto out;
	}
	size_t k = 0;
	while (k < n) {
		if ((int64_t)git_commit_time(c) <= order[k].t) {
			commit_info_fill(&out[order[k].i], c, a);
			found[order[k].i] = true;
			k++;
			continue;
		}
		git_commit *parent = NULL;
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0)
			break; /* none is that old (or the rest of the line is not here) */
		git_commit_free(c);
		c = parent;
	}
	rc = 0;
out:
	git_commit_free(c);
	free(order);
	return rc;
}

/* ----------------------------------------------------- the site tree */

/* A blob to read: where it goes in the reader's files, and its id. */
struct blob_job {
	size_t file;
	git_oid id;
};

/* The blobs of a tree walk, read once the walk is done: on several threads
 * when there are many (each with a repository of its own: libgit2's are
 * not to be shared), since inflating them is most of reading a site. */
struct blob_reads {
	struct blob_job *v;
	size_t n, cap;
	const char *gitdir;
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
	if (br->n == br->cap) {
		br->cap = br->cap ? br->cap * 2 : 256;
		br->v = xrealloc(br->v, br->cap * sizeof(*br->v));
	}
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
		report_git(br->r->d, "cannot read", f->path);
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

static void *blob_worker(void *arg)
{
	struct blob_reads *br = arg;
	git_repository *repo = NULL;
	if (git_repository_open_bare(&repo, br->gitdir) < 0) {
		report_git(br->r->d, "cannot open the git repository at", br->gitdir);
		br->failed = true;
		return NULL;
	}
	for (;;) {
		size_t i = __atomic_fetch_add(&br->next, 1, __ATOMIC_RELAXED);
		if (i >= br->n || br->failed)
			break;
		if (!read_one_blob(repo, br, &br->v[i]))
			br->failed = true;
	}
	git_repository_free(repo);
	return NULL;
}

/* Reads the queued blobs. Returns 0, or -1 after reporting. */
static int read_blobs(git_repository *repo, struct blob_reads *br)
{
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
	for (;;) {
		size_t i = __atomic_fetch_add(&br->next, 1, __ATOMIC_RELAXED);
		if (i >= br->n || br->failed)
			break;
		if (!read_one_blob(repo, br, &br->v[i]))
			br->failed = true;
	}
	for (size_t t = 0; t < started; t++)
		pthread_join(ts[t], NULL);
	free(ts);
	return br->failed ? -1 : 0;
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
static int read_git_site(git_repository *repo, git_tree *site, struct site_reader *r)
{
	struct tree_frame stack[SITE_MAX_DEPTH];
	size_t depth = 1;
	struct buf path = BUF_INIT;
	struct blob_reads br;
	int rc = -1;

	memset(&br, 0, sizeof(br));
	br.r = r;
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
				report_git(r->d, "cannot read the folder", path.ptr);
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
		report_git(rd->d, "cannot read commit", commit_id);
		goto out;
	}
	if (git_commit_tree(&top, commit) < 0) {
		report_git(rd->d, "cannot read the tree of commit", commit_id);
		goto out;
	}
	if (r->prefix[0]) {
		int err = git_tree_entry_bypath(&entry, top, r->prefix);
		if (err == GIT_ENOTFOUND || (err == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE)) {
			rc = 0;
			goto out;
		}
		if (err < 0 || git_tree_lookup(&site, r->git, git_tree_entry_id(entry)) < 0) {
			report_git(rd->d, "cannot read the folder", r->prefix);
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
	rc = read_git_site(r->git, site, rd) < 0 ? -1 : 1;
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
		report_git(d, "cannot compare the working tree with HEAD", NULL);
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
		report_git(d, "cannot list the tags matching", pattern);
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
			report_git(d, "cannot read the tag", names.strings[i]);
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
		commit_info_fill(&t->commit, (git_commit *)peeled, a);
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
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, "tag %s %s\n", name, hex);
	t->v[t->n++] = buf_detach(&b, NULL);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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

/* --------------------------------------------------- history: raw trees */

/*
 * A tree object read raw. Its bytes are entries "<octal mode> <name>\0<20-byte
 * id>", sorted by name (a folder sorting as if its name ended in '/').
 * ents, when not NULL, holds the offset of every entry and then n.
 */
struct rtree {
	git_oid id;
	git_odb_object *obj;
	const unsigned char *p;
	size_t n;
	uint32_t *ents;
	size_t nents;
	unsigned long used; /* the step that last used it */
};

/* The trees of the last two steps of a walk: in a linear history the
 * parent's trees of one step are the commit's trees of the next. */
#define TREE_CACHE_SIZE 64
struct tree_cache {
	struct rtree t[TREE_CACHE_SIZE];
	size_t n;
	unsigned long step;
};

static void rtree_release(struct rtree *t)
{
	git_odb_object_free(t->obj);
	free(t->ents);
	memset(t, 0, sizeof(*t));
}

static void tree_cache_free(struct tree_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		rtree_release(&c->t[i]);
	free(c);
}

/* Drops the trees that neither this step nor the one before used. */
static void tree_cache_step(struct tree_cache *c)
{
	c->step++;
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->t[i].used + 1 < c->step)
			rtree_release(&c->t[i]);
		else
			c->t[k++] = c->t[i];
	}
	c->n = k;
}

static git_odb *repo_odb(struct repo *r, struct diag *d)
{
	if (!r->odb && git_repository_odb(&r->odb, r->git) < 0) {
		report_git(d, "cannot open the object database", NULL);
		return NULL;
	}
	return r->odb;
}

/* The raw tree id, from the cache or the object database. NULL after
 * reporting. The tree stays valid until the step after next. */
static struct rtree *tree_get(struct repo *r, const git_oid *id, struct diag *d)
{
	struct tree_cache *c = r->trees;
	for (size_t i = 0; i < c->n; i++)
		if (git_oid_equal(&c->t[i].id, id)) {
			c->t[i].used = c->step;
			return &c->t[i];
		}
	if (c->n == TREE_CACHE_SIZE) { /* a merge of many trees: drop the oldest */
		size_t old = 0;
		for (size_t i = 1; i < c->n; i++)
			if (c->t[i].used < c->t[old].used)
				old = i;
		if (c->t[old].used == c->step)
			return NULL; /* cannot happen: a step holds at most a few trees */
		rtree_release(&c->t[old]);
		c->t[old] = c->t[--c->n];
	}
	git_odb *odb = repo_odb(r, d);
	git_odb_object *obj = NULL;
	if (!odb || git_odb_read(&obj, odb, id) < 0) {
		report_git(d, "cannot read the tree", git_oid_tostr_s(id));
		return NULL;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_TREE || git_odb_object_size(obj) >= UINT32_MAX) {
		diag_error(d, nopos, "E026", "object %s is not a tree", git_oid_tostr_s(id));
		git_odb_object_free(obj);
		return NULL;
	}
	struct rtree *t = &c->t[c->n++];
	memset(t, 0, sizeof(*t));
	git_oid_cpy(&t->id, id);
	t->obj = obj;
	t->p = git_odb_object_data(obj);
	t->n = git_odb_object_size(obj);
	t->used = c->step;
	return t;
}

/* One entry of a raw tree. */
struct rent {
	unsigned mode;
	const unsigned char *name;
	size_t name_len;
	const unsigned char *id; /* 20 bytes */
	size_t end;              /* offset of the next entry */
};

/* Parses the entry of t at offset o. Returns false when it is malformed. */
static bool rent_parse(const struct rtree *t, size_t o, struct rent *e)
{
	const unsigned char *p = t->p;
	size_t i = o;
	unsigned mode = 0;
	while (i < t->n && p[i] != ' ') {
		if (p[i] < '0' || p[i] > '7' || i - o >= 7)
			return false;
		mode = mode * 8 + (unsigned)(p[i] - '0');
		i++;
	}
	if (i == o || i >= t->n)
		return false;
	i++;
	const unsigned char *z = memchr(p + i, 0, t->n - i);
	if (!z || z == p + i || (size_t)(z - p) + 1 + GIT_OID_RAWSZ > t->n)
		return false;
	e->mode = mode;
	e->name = p + i;
	e->name_len = (size_t)(z - (p + i));
	e->id = z + 1;
	e->end = (size_t)(z - p) + 1 + GIT_OID_RAWSZ;
	return true;
}

static bool mode_tree(unsigned mode)
{
	return mode == 040000;
}

static bool mode_file(unsigned mode)
{
	return (mode & 0170000) == 0100000;
}

/* git's order of tree entries: by name, a folder as if its name ended in '/'. */
static int rent_cmp(const struct rent *a, const struct rent *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	if (c)
		return c;
	unsigned ca = a->name_len > n ? a->name[n] : mode_tree(a->mode) ? '/' : 0;
	unsigned cb = b->name_len > n ? b->name[n] : mode_tree(b->mode) ? '/' : 0;
	return (ca > cb) - (ca < cb);
}

static void report_bad_tree(struct diag *d, const struct rtree *t)
{
	diag_error(d, nopos, "E026", "tree %s is malformed", git_oid_tostr_s(&t->id));
}

/* Fills t->ents by parsing every entry. Returns false after reporting. */
static bool rtree_index(struct rtree *t, struct diag *d)
{
	if (t->ents)
		return true;
	size_t cap = t->n / 28 + 2, n = 0;
	uint32_t *v = xmalloc(cap * sizeof(*v));
	for (size_t o = 0; o < t->n;) {
		struct rent e;
		if (!rent_parse(t, o, &e)) {
			free(v);
			report_bad_tree(d, t);
			return false;
		}
		if (n + 1 >= cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (uint32_t)o;
		o = e.end;
	}
	v[n] = (uint32_t)t->n;
	t->ents = v;
	t->nents = n;
	return true;
}

/* Finds the entry called name in t. */
static bool rtree_find(const struct rtree *t, const char *name, struct rent *out, struct diag *d)
{
	size_t len = strlen(name);
	for (size_t o = 0; o < t->n;) {
		if (!rent_parse(t, o, out)) {
			report_bad_tree(d, t);
			return false;
		}
		if (out->name_len == len && memcmp(out->name, name, len) == 0)
			return true;
		o = out->end;
	}
	return false;
}

/* The length of the common prefix of a and b, both at least n long. */
static size_t common_prefix(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i = 0;
	while (n - i >= 256 && memcmp(a + i, b + i, 256) == 0)
		i += 256;
	while (n - i >= 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* ---------------------------------------------------- history: diffs */

/* What the log keeps for repo_changes: each commit's tree id. */
struct log_trees {
	git_oid *tree;
};

/* A change while it is being found: paths relative to the site root. */
struct rchange {
	enum change_kind kind;
	const char *path, *old_path;
	git_oid old_id, new_id;
};

/* A pair of trees to compare; a zero id stands for "none". */
struct tree_pair {
	git_oid a, b;
	bool has_a, has_b;
	const char *path; /* "content/meetings/" */
	size_t depth;
};

struct differ {
	struct repo *r;
	struct arena *a;
	struct diag *d;
	struct rchange *v;
	size_t n, cap;
	struct tree_pair *todo;
	size_t ntodo, todocap;
};

static void differ_push(struct differ *df, const git_oid *a, const git_oid *b, const char *path,
			size_t depth)
{
	if (df->ntodo == df->todocap) {
		df->todocap = df->todocap ? df->todocap * 2 : 16;
		df->todo = xrealloc(df->todo, df->todocap * sizeof(*df->todo));
	}
	struct tree_pair *t = &df->todo[df->ntodo++];
	memset(t, 0, sizeof(*t));
	if (a) {
		git_oid_cpy(&t->a, a);
		t->has_a = true;
	}
	if (b) {
		git_oid_cpy(&t->b, b);
		t->has_b = true;
	}
	t->path = path;
	t->depth = depth;
}

static const char *entry_path(struct differ *df, const char *dir, const struct rent *e,
			      bool folder)
{
	return arena_printf(df->a, "%s%.*s%s", dir, (int)e->name_len, (const char *)e->name,
			    folder ? "/" : "");
}

static void add_change(struct differ *df, enum change_kind kind, const char *dir,
		       const struct rent *old, const struct rent *new)
{
	if (df->n == df->cap) {
		df->cap = df->cap ? df->cap * 2 : 16;
		df->v = xrealloc(df->v, df->cap * sizeof(*df->v));
	}
	struct rchange *c = &df->v[df->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->path = entry_path(df, dir, new ? new : old, false);
	if (old)
		git_oid_fromraw(&c->old_id, old->id);
	if (new)
		git_oid_fromraw(&c->new_id, new->id);
}

/* One side of an entry pair that has no partner: a file added or deleted,
 * or a folder whose files all are. */
static void one_sided(struct differ *df, const char *dir, size_t depth, const struct rent *e,
		      bool added)
{
	if (mode_file(e->mode)) {
		add_change(df, added ? CHANGE_ADDED : CHANGE_DELETED, dir, added ? NULL : e,
			   added ? e : NULL);
	} else if (mode_tree(e->mode)) {
		git_oid id;
		git_oid_fromraw(&id, e->id);
		differ_push(df, added ? NULL : &id, added ? &id : NULL, entry_path(df, dir, e, true),
			    depth + 1);
	}
}

/* Every file under t, added or deleted. */
static bool diff_one_tree(struct differ *df, const struct tree_pair *tp, struct rtree *t)
{
	for (size_t o = 0; o < t->n;) {
		struct rent e;
		if (!rent_parse(t, o, &e)) {
			report_bad_tree(df->d, t);
			return false;
		}
		one_sided(df, tp->path, tp->depth, &e, tp->has_b);
		o = e.end;
	}
	return true;
}

/* Appends v to a growing offset list. */
static void offs_push(uint32_t **v, size_t *n, size_t *cap, size_t x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (uint32_t)x;
}

/*
 * Compares the old tree a with the new tree b: runs of identical bytes are
 * skipped with memcmp, and b's entry offsets (b->ents) tell where the entry
 * holding the first differing byte starts, in both trees, since what comes
 * before it is the same. Entries around a difference are parsed and merged
 * by name. When a has no offsets yet they are derived on the way: b's,
 * shifted, over identical runs, and parsed ones elsewhere.
 */
static bool diff_two_trees(struct differ *df, const struct tree_pair *tp, struct rtree *a,
			   struct rtree *b)
{
	if (!rtree_index(b, df->d))
		return false;
	bool build = !a->ents;
	uint32_t *aents = NULL;
	size_t na = 0, acap = 0;
	size_t pa = 0, pb = 0, ib = 0;
	for (;;) {
		size_t ra = a->n - pa, rb = b->n - pb;
		size_t same = common_prefix(a->p + pa, b->p + pb, ra < rb ? ra : rb);
		/* the last entry of b starting at or before the first difference */
		size_t lo = ib, hi = b->nents + 1;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (b->ents[mid] <= pb + same)
				lo = mid;
			else
				hi = mid;
		}
		if (build)
			for (size_t k = ib; k < lo; k++)
				offs_push(&aents, &na, &acap, b->ents[k] - pb + pa);
		pa += b->ents[lo] - pb;
		pb = b->ents[lo];
		ib = lo;
		bool a_end = pa >= a->n, b_end = ib >= b->nents;
		if (a_end && b_end)
			break;
		struct rent ea, eb;
		if (!a_end && !rent_parse(a, pa, &ea)) {
			report_bad_tree(df->d, a);
			free(aents);
			return false;
		}
		if (!b_end && !rent_parse(b, pb, &eb)) {
			report_bad_tree(df->d, b);
			free(aents);
			return false;
		}
		int c = a_end ? 1 : b_end ? -1 : rent_cmp(&ea, &eb);
		if (c <= 0 && build)
			offs_push(&aents, &na, &acap, pa);
		if (c == 0) {
			bool same_id = memcmp(ea.id, eb.id, GIT_OID_RAWSZ) == 0;
			if (mode_tree(ea.mode) && mode_tree(eb.mode)) {
				if (!same_id) {
					git_oid ia, ibd;
					git_oid_fromraw(&ia, ea.id);
					git_oid_fromraw(&ibd, eb.id);
					differ_push(df, &ia, &ibd, entry_path(df, tp->path, &eb, true),
						    tp->depth + 1);
				}
			} else if (mode_file(ea.mode) && mode_file(eb.mode)) {
				if (!same_id)
					add_change(df, CHANGE_MODIFIED, tp->path, &ea, &eb);
			} else {
				one_sided(df, tp->path, tp->depth, &ea, false);
				one_sided(df, tp->path, tp->depth, &eb, true);
			}
			pa = ea.end;
			pb = eb.end;
			ib++;
		} else if (c < 0) {
			one_sided(df, tp->path, tp->depth, &ea, false);
			pa = ea.end;
		} else {
			one_sided(df, tp->path, tp->depth, &eb, true);
			pb = eb.end;
			ib++;
		}
	}
	if (build) {
		offs_push(&aents, &na, &acap, a->n);
		a->ents = aents;
		a->nents = na - 1;
	}
	return true;
}

/* Runs the comparisons queued in df until none is left. */
static bool differ_run(struct differ *df)
{
	while (df->ntodo) {
		struct tree_pair tp = df->todo[--df->ntodo];
		if (tp.depth > SITE_MAX_DEPTH) {
			diag_error(df->d, nopos, "E026", "folders nested more than %d deep at '%s'",
				   SITE_MAX_DEPTH, tp.path);
			return false;
		}
		struct rtree *a = NULL, *b = NULL;
		if (tp.has_a && !(a = tree_get(df->r, &tp.a, df->d)))
			return false;
		if (tp.has_b && !(b = tree_get(df->r, &tp.b, df->d)))
			return false;
		bool ok = a && b ? diff_two_trees(df, &tp, a, b) : diff_one_tree(df, &tp, a ? a : b);
		if (!ok)
			return false;
	}
	return true;
}

/* The id of the site's content/ folder in the tree top (the commit's tree):
 * 1 found, 0 none, -1 after reporting. */
static int content_id(struct repo *r, const git_oid *top, git_oid *out, struct diag *d)
{
	git_oid id;
	git_oid_cpy(&id, top);
	struct buf name = BUF_INIT;
	const char *p = r->prefix;
	int rc = -1;
	for (;;) {
		const char *slash = *p ? strchr(p, '/') : NULL;
		buf_truncate(&name, 0);
		if (*p)
			buf_put(&name, p, slash ? (size_t)(slash - p) : strlen(p));
		else
			buf_puts(&name, "content");
		struct rtree *t = tree_get(r, &id, d);
		struct rent e;
		if (!t)
			goto out;
		if (!rtree_find(t, name.ptr, &e, d)) {
			rc = 0; /* not there, or malformed (reported) */
			goto out;
		}
		if (!mode_tree(e.mode)) {
			rc = 0;
			goto out;
		}
		git_oid_fromraw(&id, e.id);
		if (!*p)
			break;
		p = slash ? slash + 1 : "";
	}
	git_oid_cpy(out, &id);
	rc = 1;
out:
	buf_release(&name);
	return rc;
}

/* Queues the comparison of the content/ folders of two commits' trees
 * (parent NULL: a root commit). */
static bool queue_content(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	git_oid a, b;
	int ha = 0, hb;
	if (parent_top && (ha = content_id(df->r, parent_top, &a, df->d)) < 0)
		return false;
	if ((hb = content_id(df->r, top, &b, df->d)) < 0)
		return false;
	if ((ha && hb && git_oid_equal(&a, &b)) || (!ha && !hb))
		return true;
	differ_push(df, ha ? &a : NULL, hb ? &b : NULL, "content/", 1);
	return true;
}

static int cmp_rchange(const void *x, const void *y)
{
	const struct rchange *a = x, *b = y;
	return strcmp(a->path, b->path);
}

/*
 * Pairs deleted and added files into renames: first those with the same
 * blob id, then, for what is left, with libgit2's similarity detection on
 * the two content/ folders (only when both adds and deletes are left).
 */
static bool find_renames(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	size_t nadd = 0, ndel = 0;
	for (size_t i = 0; i < df->n; i++) {
		nadd += df->v[i].kind == CHANGE_ADDED;
		ndel += df->v[i].kind == CHANGE_DELETED;
	}
	if (!nadd || !ndel)
		return true;
	/* Exact: the same blob under a new name. */
	for (size_t i = 0; i < df->n; i++) {
		struct rchange *ad = &df->v[i];
		if (ad->kind != CHANGE_ADDED)
			continue;
		for (size_t k = 0; k < df->n; k++) {
			struct rchange *de = &df->v[k];
			if (de->kind == CHANGE_DELETED && git_oid_equal(&de->old_id, &ad->new_id)) {
				ad->kind = CHANGE_RENAMED;
				ad->old_path = de->path;
				git_oid_cpy(&ad->old_id, &de->old_id);
				de->kind = (enum change_kind)-1; /* taken */
				nadd--;
				ndel--;
				break;
			}
		}
	}
	if (!nadd || !ndel)
		return true;

	/* Similar: libgit2 compares the contents of what is left. */
	git_oid a, b;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	char **paths = xcalloc(nadd + ndel, sizeof(*paths));
	size_t np = 0;
	bool ok = false;
	if (content_id(df->r, parent_top, &a, df->d) != 1 || content_id(df->r, top, &b, df->d) != 1) {
		ok = true; /* one side has no content/: nothing to pair */
		goto out;
	}
	for (size_t i = 0; i < df->n; i++)
		if (df->v[i].kind == CHANGE_ADDED || df->v[i].kind == CHANGE_DELETED)
			paths[np++] = (char *)df->v[i].path + strlen("content/");
	git_diff_options o;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	o.pathspec.strings = paths;
	o.pathspec.count = np;
	/* libgit2 scores similarity higher than git does: two different meetings
	 * written from one template score 51 (git: 27), just over libgit2's
	 * default of 50, while a moved document with an edit scores 90 and more
	 * (git: 70). A new document must not take over a deleted one's history,
	 * so the bar is 70. */
	git_diff_find_options fo;
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	fo.rename_threshold = 70;
	if (git_tree_lookup(&ta, df->r->git, &a) < 0 || git_tree_lookup(&tb, df->r->git, &b) < 0 ||
	    git_diff_tree_to_tree(&diff, df->r->git, ta, tb, &o) < 0 ||
	    git_diff_find_similar(diff, &fo) < 0) {
		report_git(df->d, "cannot compare the trees of commit", git_oid_tostr_s(top));
		goto out;
	}
	size_t nd = git_diff_num_deltas(diff);
	for (size_t i = 0; i < nd; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		if (dl->status != GIT_DELTA_RENAMED)
			continue;
		struct rchange *ad = NULL, *de = NULL;
		for (size_t k = 0; k < df->n; k++) {
			const char *rel = df->v[k].path + strlen("content/");
			if (df->v[k].kind == CHANGE_ADDED && strcmp(rel, dl->new_file.path) == 0)
				ad = &df->v[k];
			if (df->v[k].kind == CHANGE_DELETED && strcmp(rel, dl->old_file.path) == 0)
				de = &df->v[k];
		}
		if (!ad || !de)
			continue;
		ad->kind = CHANGE_RENAMED;
		ad->old_path = de->path;
		de->kind = (enum change_kind)-1;
	}
	ok = true;
out:
	free(paths);
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	return ok;
}

/* Drops the entries marked taken (kind -1) and sorts by path. */
static void differ_tidy(struct differ *df)
{
	size_t k = 0;
	for (size_t i = 0; i < df->n; i++)
		if ((int)df->v[i].kind >= 0)
			df->v[k++] = df->v[i];
	df->n = k;
	if (df->n)
		qsort(df->v, df->n, sizeof(*df->v), cmp_rchange);
}

/* The changes of one commit against one parent (NULL: a root), into df. */
static bool diff_commit(struct differ *df, const git_oid *parent_top, const git_oid *top)
{
	df->n = 0;
	df->ntodo = 0;
	if (!queue_content(df, parent_top, top) || !differ_run(df))
		return false;
	if (parent_top && !find_renames(df, parent_top, top))
		return false;
	differ_tidy(df);
	return true;
}

int repo_changes(struct repo *r, const struct log *l, size_t i, struct arena *a,
		 struct change **out, size_t *nout, struct diag *d)
{
	const struct log_commit *lc = &l->commits[i];
	const git_oid *trees = l->trees->tree;
	struct differ df = {r, a, d, NULL, 0, 0, NULL, 0, 0};
	struct rchange *first = NULL;
	size_t nfirst = 0;
	struct idmap other;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	idmap_init(&other, 16);
	if (!r->trees)
		r->trees = xcalloc(1, sizeof(*r->trees));
	tree_cache_step(r->trees);

	if (!diff_commit(&df, lc->nparents ? &trees[lc->parents[0]] : NULL, &trees[i]))
		goto out;
	/* A merge changed a file only where it differs from every parent. */
	if (lc->nparents > 1) {
		first = df.v;
		nfirst = df.n;
		df.v = NULL;
		df.n = df.cap = 0;
		bool *keep = xcalloc(nfirst + 1, sizeof(*keep));
		for (size_t k = 0; k < nfirst; k++)
			keep[k] = true;
		for (size_t p = 1; p < lc->nparents; p++) {
			if (!diff_commit(&df, &trees[lc->parents[p]], &trees[i])) {
				free(keep);
				goto out;
			}
			idmap_release(&other);
			idmap_init(&other, df.n);
			for (size_t k = 0; k < df.n; k++) {
				idmap_put(&other, df.v[k].path, k);
				if (df.v[k].old_path)
					idmap_put(&other, df.v[k].old_path, k);
			}
			for (size_t k = 0; k < nfirst; k++)
				keep[k] = keep[k] && idmap_get(&other, first[k].path, NULL);
		}
		size_t m = 0;
		for (size_t k = 0; k < nfirst; k++)
			if (keep[k])
				first[m++] = first[k];
		free(keep);
		free(df.v);
		df.v = first;
		df.n = m;
		first = NULL;
	}
	struct change *v = arena_alloc(a, (df.n + 1) * sizeof(*v));
	for (size_t k = 0; k < df.n; k++) {
		v[k].kind = df.v[k].kind;
		v[k].path = df.v[k].path;
		v[k].old_path = df.v[k].old_path;
	}
	*out = v;
	*nout = df.n;
	rc = 0;
out:
	idmap_release(&other);
	free(first);
	free(df.v);
	free(df.todo);
	return rc;
}

/* The top tree of a commit given by its full id. */
static int commit_top(struct repo *r, const char *commit, git_oid *out, struct diag *d)
{
	git_oid id;
	git_commit *c = NULL;
	if (git_oid_fromstr(&id, commit) < 0 || git_commit_lookup(&c, r->git, &id) < 0) {
		report_git(d, "cannot read commit", commit);
		return -1;
	}
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int repo_diff_blobs(struct repo *r, const char *from, const char *to, struct arena *a,
		    struct blob_change **out, size_t *nout, struct diag *d)
{
	git_oid ta, tb;
	struct differ df = {r, a, d, NULL, 0, 0, NULL, 0, 0};
	int rc = -1;
	*out = NULL;
	*nout = 0;
	if (commit_top(r, from, &ta, d) < 0 || commit_top(r, to, &tb, d) < 0)
		return -1;
	if (!r->trees)
		r->trees = xcalloc(1, sizeof(*r->trees));
	tree_cache_step(r->trees);
	/* no renames: a file that moved is one deleted and one added */
	if (!queue_content(&df, &ta, &tb) || !differ_run(&df))
		goto out;
	differ_tidy(&df);
	struct blob_change *v = arena_alloc(a, (df.n + 1) * sizeof(*v));
	for (size_t k = 0; k < df.n; k++) {
		const struct rchange *c = &df.v[k];
		v[k].path = c->path;
		v[k].has_old = c->kind != CHANGE_ADDED;
		v[k].has_new = c->kind != CHANGE_DELETED;
		memcpy(v[k].old_id, c->old_id.id, 20);
		memcpy(v[k].new_id, c->new_id.id, 20);
	}
	*out = v;
	*nout = df.n;
	rc = 0;
out:
	free(df.v);
	free(df.todo);
	return rc;
}

int repo_read_blob(struct repo *r, const unsigned char id[20], char **data, size_t *len,
		   struct diag *d)
{
	git_oid oid;
	git_oid_fromraw(&oid, id);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, r->git, &oid) < 0) {
		char hex[41];
		git_oid_tostr(hex, sizeof(hex), &oid);
		report_git(d, "cannot read blob", hex);
		return -1;
	}
	size_t n = (size_t)git_blob_rawsize(blob);
	*data = xmalloc(n + 1);
	if (n)
		memcpy(*data, git_blob_rawcontent(blob), n);
	(*data)[n] = '\0';
	*len = n;
	git_blob_free(blob);
	return 0;
}

/* ------------------------------------------------------ history: log */

/* Commit ids → index, open addressing; ids are uniformly spread already. */
struct oidmap {
	git_oid *keys;
	size_t *vals;
	bool *used;
	size_t n, cap;
};

static void oidmap_init(struct oidmap *m, size_t expected)
{
	m->cap = 64;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->n = 0;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->used = xcalloc(m->cap, sizeof(*m->used));
}

static void oidmap_release(struct oidmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static size_t oid_slot(const struct oidmap *m, const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	size_t i = h & (m->cap - 1);
	while (m->used[i] && !git_oid_equal(&m->keys[i], id))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool oidmap_get(const struct oidmap *m, const git_oid *id, size_t *val)
{
	size_t i = oid_slot(m, id);
	if (!m->used[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

static void oidmap_put(struct oidmap *m, const git_oid *id, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct oidmap big;
		oidmap_init(&big, m->cap);
		for (size_t i = 0; i < m->cap; i++)
			if (m->used[i])
				oidmap_put(&big, &m->keys[i], m->vals[i]);
		oidmap_release(m);
		*m = big;
	}
	size_t i = oid_slot(m, id);
	if (!m->used[i])
		m->n++;
	m->used[i] = true;
	git_oid_cpy(&m->keys[i], id);
	m->vals[i] = val;
}

/* The commits listed in .git/shallow: the boundary of a shallow clone. */
static void read_shallow(git_repository *repo, struct oidmap *set)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%sshallow", git_repository_commondir(repo));
	FILE *f = fopen(path.ptr, "r");
	buf_release(&path);
	if (!f)
		return;
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		git_oid id;
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) == GIT_OID_HEXSZ && git_oid_fromstr(&id, line) == 0)
			oidmap_put(set, &id, 0);
	}
	fclose(f);
}

/* One commit while the log is being built. */
struct raw_commit {
	git_oid tree;
	struct commit_info info;
	git_oid *parents;
	size_t nparents;
	bool boundary;
	size_t children; /* commits of the log that have it as a parent */
};

/* A heap of commit indexes, newest first (ties: found first), for the
 * topological order. */
struct heap {
	size_t *v;
	size_t n;
	const struct raw_commit *c;
};

static bool heap_before(const struct heap *h, size_t a, size_t b)
{
	if (h->c[a].info.time != h->c[b].info.time)
		return h->c[a].info.time > h->c[b].info.time;
	return a < b;
}

static void heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i > 0 && heap_before(h, h->v[i], h->v[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static size_t heap_pop(struct heap *h)
{
	size_t top = h->v[0];
	h->v[0] = h->v[--h->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && heap_before(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_before(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		size_t t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

static void todo_push(git_oid **v, size_t *n, size_t *cap, const git_oid *id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	git_oid_cpy(&(*v)[(*n)++], id);
}

int repo_log(struct repo *r, const char *const *starts, size_t nstarts, struct log *out,
	     struct diag *d)
{
	struct oidmap seen, shallow;
	struct raw_commit *cs = NULL;
	size_t n = 0, cap = 0;
	git_oid *todo = NULL;
	size_t ntodo = 0, todocap = 0;
	git_commit *c = NULL;
	size_t *order = NULL, *newidx = NULL;
	struct heap h = {NULL, 0, NULL};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	oidmap_init(&seen, 1024);
	oidmap_init(&shallow, 16);
	read_shallow(r->git, &shallow);
	git_odb *odb = repo_odb(r, d);
	if (!odb)
		goto out;

	for (size_t i = 0; i < nstarts; i++) {
		git_oid id;
		if (git_oid_fromstr(&id, starts[i]) < 0) {
			diag_error(d, nopos, "E026", "'%s' is not a commit id", starts[i]);
			goto out;
		}
		todo_push(&todo, &ntodo, &todocap, &id);
	}
	/* Every reachable commit, loaded once: time, subject, tree, parents. */
	while (ntodo) {
		git_oid id = todo[--ntodo];
		if (oidmap_get(&seen, &id, NULL))
			continue;
		if (git_commit_lookup(&c, r->git, &id) < 0) {
			report_git(d, "cannot read commit", git_oid_tostr_s(&id));
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			cs = xrealloc(cs, cap * sizeof(*cs));
		}
		struct raw_commit *rcm = &cs[n];
		memset(rcm, 0, sizeof(*rcm));
		git_oid_cpy(&rcm->tree, git_commit_tree_id(c));
		commit_info_fill(&rcm->info, c, &out->arena);
		oidmap_put(&seen, &id, n);
		size_t np = git_commit_parentcount(c);
		rcm->boundary = oidmap_get(&shallow, &id, NULL);
		/* A parent missing from the object database (a shallow clone whose
		 * .git/shallow we could not read, or a damaged one) makes this
		 * commit a root, as .git/shallow would. */
		for (size_t k = 0; k < np && !rcm->boundary; k++)
			if (!git_odb_exists(odb, git_commit_parent_id(c, (unsigned)k)))
				rcm->boundary = true;
		if (rcm->boundary) {
			out->shallow = true;
			np = 0;
		}
		rcm->parents = np ? arena_alloc(&out->arena, np * sizeof(git_oid)) : NULL;
		rcm->nparents = np;
		for (size_t k = 0; k < np; k++) {
			git_oid_cpy(&rcm->parents[k], git_commit_parent_id(c, (unsigned)k));
			todo_push(&todo, &ntodo, &todocap, &rcm->parents[k]);
		}
		git_commit_free(c);
		c = NULL;
		n++;
	}

	/* Topological order, newest first: a commit comes out once every
	 * commit that has it as a parent has. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < cs[i].nparents; k++) {
			size_t p;
			if (oidmap_get(&seen, &cs[i].parents[k], &p))
				cs[p].children++;
		}
	order = xcalloc(n + 1, sizeof(*order));
	newidx = xcalloc(n + 1, sizeof(*newidx));
	h.v = xcalloc(n + 1, sizeof(*h.v));
	h.c = cs;
	for (size_t i = 0; i < n; i++)
		if (!cs[i].children)
			heap_push(&h, i);
	size_t m = 0;
	while (h.n) {
		size_t i = heap_pop(&h);
		newidx[i] = m;
		order[m++] = i;
		for (size_t k = 0; k < cs[i].nparents; k++) {
			size_t p;
			if (oidmap_get(&seen, &cs[i].parents[k], &p) && --cs[p].children == 0)
				heap_push(&h, p);
		}
	}
	if (m != n) { /* a cycle: impossible in git, but never loop on bad data */
		diag_error(d, nopos, "E026", "the history of the repository is malformed");
		goto out;
	}

	out->commits = arena_alloc(&out->arena, (n + 1) * sizeof(*out->commits));
	out->n = n;
	out->trees = xcalloc(1, sizeof(*out->trees));
	out->trees->tree = xcalloc(n + 1, sizeof(git_oid));
	for (size_t k = 0; k < n; k++) {
		const struct raw_commit *src = &cs[order[k]];
		struct log_commit *lc = &out->commits[k];
		lc->info = src->info;
		lc->boundary = src->boundary;
		lc->nparents = src->nparents;
		lc->parents = arena_alloc(&out->arena, (src->nparents + 1) * sizeof(*lc->parents));
		for (size_t p = 0; p < src->nparents; p++) {
			size_t old = 0;
			oidmap_get(&seen, &src->parents[p], &old);
			lc->parents[p] = newidx[old];
		}
		git_oid_cpy(&out->trees->tree[k], &src->tree);
	}
	rc = 0;
out:
	if (rc < 0)
		log_release(out);
	git_commit_free(c);
	free(todo);
	free(cs);
	free(order);
	free(newidx);
	free(h.v);
	oidmap_release(&seen);
	oidmap_release(&shallow);
	return rc;
}

void log_release(struct log *l)
{
	if (l->trees) {
		free(l->trees->tree);
		free(l->trees);
	}
	arena_release(&l->arena);
	memset(l, 0, sizeof(*l));
}
