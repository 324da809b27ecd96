/*
 * source.c: where the site's bytes come from. The only file that includes
 * git2.h: libgit2's objects and errors stop here.
 *
 * By default the site is read from the tree of a commit (HEAD, or --ref) at
 * the site root's path within its repository, without checking anything out:
 * what is committed is what is published. --worktree, a repository with no
 * commit yet, or a site outside git read the files on disk instead. Either
 * way only site.yaml, content/ and themes/ are read; names beginning with '.'
 * are skipped; symbolic links, submodules and other non-regular files are
 * reported (E024) and never followed, so nothing outside the site root is
 * read.
 */
#include "plansite.h"

#include <git2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders nested deeper than this below the site root are refused: hostile
 * trees must not exhaust the stack of frames or the file descriptors. */
#define MAX_DEPTH 32

static const struct pos nopos = {NULL, 0, 0};

/* ------------------------------------------------------------ reader */

/* What a walk collects: the files read (paths in names), and where its
 * findings go. */
struct reader {
	struct source_file *files;
	size_t n, cap;
	struct arena *names;
	struct diag *d;
};

static void reader_add(struct reader *r, const char *path, char *data, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->files = xrealloc(r->files, r->cap * sizeof(*r->files));
	}
	struct source_file *f = &r->files[r->n++];
	f->path = arena_strdup(r->names, path);
	f->data = data;
	f->len = len;
}

static void reader_free_files(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->files[i].data);
	free(r->files);
	r->files = NULL;
	r->n = r->cap = 0;
}

/* Reports a file that is not read because it is not a regular file. */
enum odd_kind { ODD_LINK, ODD_SUBMODULE, ODD_OTHER };

static void report_odd(struct reader *r, const char *path, enum odd_kind kind)
{
	struct pos pos = {arena_strdup(r->names, path), 0, 0};
	switch (kind) {
	case ODD_LINK:
		diag_error(r->d, pos, "E024",
			   "symbolic link: plansite reads only regular files; replace the link "
			   "with the file itself");
		break;
	case ODD_SUBMODULE:
		diag_error(r->d, pos, "E024",
			   "submodule: plansite reads only regular files; commit the files "
			   "themselves instead");
		break;
	default:
		diag_error(r->d, pos, "E024",
			   "not a regular file: plansite reads only regular files");
		break;
	}
}

static void report_too_deep(struct reader *r, const char *path)
{
	diag_error(r->d, nopos, "E026", "folders nested more than %d deep at '%s'", MAX_DEPTH,
		   path);
}

/* Which entries of the site root are read: site.yaml, and the folders
 * content/ and themes/. */
static bool is_site_file(const char *name)
{
	return strcmp(name, "site.yaml") == 0;
}

static bool is_site_dir(const char *name)
{
	return strcmp(name, "content") == 0 || strcmp(name, "themes") == 0;
}

/* Sets path to its first keep bytes plus "/name" ("name" when keep is 0). */
static void path_join(struct buf *path, size_t keep, const char *name)
{
	buf_truncate(path, keep);
	if (keep)
		buf_putc(path, '/');
	buf_puts(path, name);
}

static int cmp_file(const void *pa, const void *pb)
{
	const struct source_file *a = pa, *b = pb;
	return strcmp(a->path, b->path);
}

/* --------------------------------------------------------------- git */

static void git_shutdown(void)
{
	git_libgit2_shutdown();
}

static void git_init(void)
{
	git_libgit2_init();
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

/* Copies the blob of entry e into a NUL-terminated buffer and adds it. */
static int read_blob(git_repository *repo, const git_tree_entry *e, const char *path,
		     struct reader *r)
{
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(e)) < 0) {
		report_git(r->d, "cannot read", path);
		return -1;
	}
	git_object_size_t size = git_blob_rawsize(blob);
	if (size >= SIZE_MAX) {
		git_blob_free(blob);
		diag_error(r->d, nopos, "E026", "'%s' is too large to read", path);
		return -1;
	}
	char *data = xmalloc((size_t)size + 1);
	if (size)
		memcpy(data, git_blob_rawcontent(blob), (size_t)size);
	data[size] = '\0';
	git_blob_free(blob);
	reader_add(r, path, data, (size_t)size);
	return 0;
}

/* One folder being walked: its tree, the next entry, the length of its path. */
struct tree_frame {
	git_tree *tree;
	size_t next;
	size_t path_len;
};

/*
 * Reads site.yaml, content/ and themes/ from site (a tree whose entries are
 * the site root's) into r, depth first without recursion. Links, submodules
 * and other odd entries are reported and skipped. Does not take site.
 * Returns 0, or -1 after reporting a git failure.
 */
static int read_git_site(git_repository *repo, git_tree *site, struct reader *r)
{
	struct tree_frame stack[MAX_DEPTH];
	size_t depth = 1;
	struct buf path = BUF_INIT;
	int rc = -1;

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
			bool dir = is_site_dir(name);
			if (!dir && !is_site_file(name))
				continue;
			if (dir && (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE))
				continue; /* a file named content: not a folder we read */
			if (!dir && mode == GIT_FILEMODE_TREE) {
				report_odd(r, name, ODD_OTHER);
				continue;
			}
		}
		path_join(&path, f->path_len, name);
		switch (mode) {
		case GIT_FILEMODE_TREE: {
			if (depth == MAX_DEPTH) {
				report_too_deep(r, path.ptr);
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
			if (read_blob(repo, e, path.ptr, r) < 0)
				goto out;
			break;
		case GIT_FILEMODE_LINK:
			report_odd(r, path.ptr, ODD_LINK);
			break;
		case GIT_FILEMODE_COMMIT:
			report_odd(r, path.ptr, ODD_SUBMODULE);
			break;
		default:
			report_odd(r, path.ptr, ODD_OTHER);
			break;
		}
	}
	rc = 0;
out:
	while (depth > 1)
		git_tree_free(stack[--depth].tree);
	buf_release(&path);
	return rc;
}

/*
 * Reads the site from the tree of commit at prefix, the site root's path in
 * the repository ("" for its top, else e.g. "sites/daccom"), into r. This is
 * "the site as it was at commit": history and versions call it for other
 * commits. Returns 1 when read, 0 when that tree has no site.yaml at prefix
 * (nothing is reported), -1 after reporting a git failure.
 */
static int read_commit_site(git_repository *repo, git_commit *commit, const char *prefix,
			    struct reader *r)
{
	git_tree *top = NULL, *site = NULL;
	git_tree_entry *entry = NULL;
	int rc = -1;

	if (git_commit_tree(&top, commit) < 0) {
		report_git(r->d, "cannot read the tree of commit",
			   git_oid_tostr_s(git_commit_id(commit)));
		goto out;
	}
	if (prefix[0]) {
		int err = git_tree_entry_bypath(&entry, top, prefix);
		if (err == GIT_ENOTFOUND || (err == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE)) {
			rc = 0;
			goto out;
		}
		if (err < 0 || git_tree_lookup(&site, repo, git_tree_entry_id(entry)) < 0) {
			report_git(r->d, "cannot read the folder", prefix);
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
	rc = read_git_site(repo, site, r) < 0 ? -1 : 1;
out:
	git_tree_entry_free(entry);
	git_tree_free(site);
	git_tree_free(top);
	return rc;
}

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

/* True when some component of path (relative to the site root) begins with
 * '.': such files are never read, so their changes do not matter. */
static bool path_hidden(const char *path)
{
	for (const char *p = path; *p; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return true;
	return false;
}

/*
 * Warns (W007) when the working tree differs from HEAD under the site's
 * content/ or in its site.yaml: modified, deleted or untracked files, staged
 * or not. Returns 0, or -1 after reporting a git failure.
 */
static int check_uncommitted(git_repository *repo, const char *prefix, struct diag *d)
{
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
	if (git_status_list_new(&list, repo, &so) < 0) {
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

/* -------------------------------------------------------------- disk */

/* Reads the regular file name in folder dfd into r. A file that vanished is
 * skipped; one that turned into something else is reported. Returns 0, or -1
 * after reporting an I/O failure. */
static int read_disk_file(int dfd, const char *name, const char *path, struct reader *r)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int rc = -1;

	/* O_NOFOLLOW: never a link, even one swapped in after the lstat;
	 * O_NONBLOCK: never wait on a FIFO swapped in either. */
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP) {
			report_odd(r, path, ODD_LINK);
			return 0;
		}
		diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		report_odd(r, path, ODD_OTHER);
		rc = 0;
		goto out;
	}
	buf_grow(&b, st.st_size > 0 ? (size_t)st.st_size + 1 : 4096);
	for (;;) {
		if (b.cap - b.len < 2)
			buf_grow(&b, 4096);
		ssize_t got = read(fd, b.ptr + b.len, b.cap - b.len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path,
				   strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		b.len += (size_t)got;
	}
	b.ptr[b.len] = '\0';
	size_t len;
	char *data = buf_detach(&b, &len);
	reader_add(r, path, data, len);
	rc = 0;
out:
	buf_release(&b);
	close(fd);
	return rc;
}

struct dir_frame {
	DIR *dir;
	size_t path_len;
};

/*
 * Reads site.yaml, content/ and themes/ from the folder root on disk into r,
 * depth first without recursion. Never follows a symbolic link: each name is
 * looked at with fstatat(AT_SYMLINK_NOFOLLOW) and opened relative to its
 * folder with O_NOFOLLOW, so nothing outside root is read. Returns 0, or -1
 * after reporting an I/O failure.
 */
static int read_disk_site(const char *root, struct reader *r)
{
	struct dir_frame stack[MAX_DEPTH];
	size_t depth = 0;
	struct buf path = BUF_INIT;
	int rc = -1;

	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *top = fd < 0 ? NULL : fdopendir(fd);
	if (!top) {
		diag_error(r->d, nopos, "E026", "cannot read '%s': %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	stack[depth++] = (struct dir_frame){top, 0};
	while (depth > 0) {
		struct dir_frame *f = &stack[depth - 1];
		errno = 0;
		struct dirent *de = readdir(f->dir);
		if (!de) {
			if (errno) {
				buf_truncate(&path, f->path_len);
				diag_error(r->d, nopos, "E026", "cannot read '%s': %s",
					   f->path_len ? path.ptr : root, strerror(errno));
				goto out;
			}
			closedir(f->dir);
			depth--;
			continue;
		}
		const char *name = de->d_name;
		if (name[0] == '.')
			continue;
		if (depth == 1 && !is_site_file(name) && !is_site_dir(name))
			continue;
		path_join(&path, f->path_len, name);

		int dfd = dirfd(f->dir);
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walked */
			diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path.ptr,
				   strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			report_odd(r, path.ptr, ODD_LINK);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth == 1 && !is_site_dir(name)) {
				report_odd(r, path.ptr, ODD_OTHER); /* a folder named site.yaml */
				continue;
			}
			if (depth == MAX_DEPTH) {
				report_too_deep(r, path.ptr);
				goto out;
			}
			int sfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			DIR *sub = sfd < 0 ? NULL : fdopendir(sfd);
			if (!sub) {
				int err = errno;
				if (sfd >= 0)
					close(sfd);
				if (err == ENOENT)
					continue;
				if (err == ELOOP || err == ENOTDIR) {
					report_odd(r, path.ptr, ODD_LINK);
					continue;
				}
				diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path.ptr,
					   strerror(err));
				goto out;
			}
			stack[depth++] = (struct dir_frame){sub, path.len};
		} else if (S_ISREG(st.st_mode)) {
			if (depth == 1 && !is_site_file(name))
				continue; /* a file named content: not a folder we read */
			if (read_disk_file(dfd, name, path.ptr, r) < 0)
				goto out;
		} else if (depth > 1 || is_site_file(name)) {
			report_odd(r, path.ptr, ODD_OTHER);
		}
	}
	rc = 0;
out:
	while (depth > 0)
		closedir(stack[--depth].dir);
	buf_release(&path);
	return rc;
}

/* ------------------------------------------------------------ public */

char *source_find_root(const char *dir, struct diag *d)
{
	char *real = realpath(dir, NULL);
	if (!real) {
		diag_error(d, nopos, "E026", "cannot read '%s': %s", dir, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, real);
	free(real);
	for (;;) {
		size_t len = b.len;
		buf_puts(&b, len > 1 ? "/site.yaml" : "site.yaml");
		struct stat st;
		bool found = lstat(b.ptr, &st) == 0 && S_ISREG(st.st_mode);
		buf_truncate(&b, len);
		if (found)
			return buf_detach(&b, NULL);
		if (len <= 1)
			break;
		char *slash = strrchr(b.ptr, '/');
		buf_truncate(&b, slash == b.ptr ? 1 : (size_t)(slash - b.ptr));
	}
	buf_release(&b);
	diag_error(d, nopos, "E026",
		   "no site.yaml in '%s' or any folder above it; run plansite in a site's "
		   "folder or name one with -C DIR",
		   dir);
	return NULL;
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

int source_open(struct source *s, const char *root, const struct source_opts *opts,
		struct diag *d)
{
	static const struct source_opts defaults = {NULL, false};
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	git_repository *repo = NULL;
	git_commit *commit = NULL;
	char *prefix = NULL;
	struct reader r = {NULL, 0, 0, &s->names, d};
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!opts)
		opts = &defaults;
	s->root = realpath(root, NULL);
	if (!s->root) {
		diag_error(d, nopos, "E026", "cannot read '%s': %s", root, strerror(errno));
		goto out;
	}
	pthread_once(&once, git_init);

	int err = git_repository_open_ext(&repo, s->root, 0, NULL);
	if (err < 0 && err != GIT_ENOTFOUND) {
		report_git(d, "cannot open the git repository at", s->root);
		goto out;
	}
	if (err == 0) {
		err = site_prefix(repo, s->root, &prefix, d);
		if (err < 0)
			goto out;
		if (err > 0) {
			git_repository_free(repo);
			repo = NULL;
		}
	}
	if (!repo) {
		if (opts->ref) {
			diag_error(d, nopos, "E026",
				   "not in a git repository: cannot read revision '%s'", opts->ref);
			goto out;
		}
		diag_warning(d, nopos, "W008",
			     "not in a git repository: reading the files on disk, without "
			     "version information");
		s->mode = SOURCE_FILES;
		rc = read_disk_site(s->root, &r);
		goto out;
	}
	bool unborn = false;
	if (!opts->worktree && !opts->ref) {
		err = git_repository_head_unborn(repo);
		if (err < 0) {
			report_git(d, "cannot read HEAD", NULL);
			goto out;
		}
		unborn = err == 1;
		if (unborn)
			diag_warning(d, nopos, "W008",
				     "the repository has no commit yet: reading the files on disk");
	}
	if (opts->worktree || unborn) {
		s->mode = SOURCE_WORKTREE;
		rc = read_disk_site(s->root, &r);
		goto out;
	}

	s->mode = SOURCE_GIT;
	s->ref_name = xstrdup(opts->ref ? opts->ref : "HEAD");
	if (resolve_commit(repo, s->ref_name, &commit, d) < 0)
		goto out;
	git_oid_tostr(s->commit, sizeof(s->commit), git_commit_id(commit));
	memcpy(s->short_id, s->commit, 7);
	s->short_id[7] = '\0';
	s->commit_time = (int64_t)git_commit_time(commit);
	s->commit_offset = git_commit_time_offset(commit);

	err = read_commit_site(repo, commit, prefix, &r);
	if (err < 0)
		goto out;
	if (err == 0) {
		diag_error(d, nopos, "E026",
			   "site.yaml is not committed at %s; commit it, or use --worktree to "
			   "read the files on disk",
			   s->ref_name);
		goto out;
	}
	if (!opts->ref && check_uncommitted(repo, prefix, d) < 0)
		goto out;
	rc = 0;
out:
	if (rc == 0) {
		qsort(r.files, r.n, sizeof(*r.files), cmp_file);
		s->files = r.files;
		s->n = r.n;
	} else {
		reader_free_files(&r);
	}
	git_commit_free(commit);
	git_repository_free(repo);
	free(prefix);
	return rc;
}

void source_release(struct source *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->files[i].data);
	free(s->files);
	free(s->root);
	free(s->ref_name);
	arena_release(&s->names);
	memset(s, 0, sizeof(*s));
}

const struct source_file *source_get(const struct source *s, const char *path)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->files[mid].path, path);
		if (c == 0)
			return &s->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
