/*
 * source.c: where the site's bytes come from: it finds the site root, reads
 * the files on disk, and decides where to read from (git.c reads trees).
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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct pos nopos = {NULL, 0, 0};

/* ------------------------------------------------------------ reader */

/* Folders nested deeper than SITE_MAX_DEPTH below the site root are
 * refused: hostile trees must not exhaust the stack of frames or the file
 * descriptors. */

void site_reader_add(struct site_reader *r, const char *path, char *data, size_t len)
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

static void reader_free_files(struct site_reader *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->files[i].data);
	free(r->files);
	r->files = NULL;
	r->n = r->cap = 0;
}

void site_reader_odd(struct site_reader *r, const char *path, enum odd_kind kind)
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

void site_reader_too_deep(struct site_reader *r, const char *path)
{
	diag_error(r->d, nopos, "E026", "folders nested more than %d deep at '%s'", SITE_MAX_DEPTH,
		   path);
}

bool site_entry_file(const char *name)
{
	return strcmp(name, "site.yaml") == 0;
}

bool site_entry_dir(const char *name)
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

/* -------------------------------------------------------------- disk */

/* Reads the regular file name in folder dfd into r. A file that vanished is
 * skipped; one that turned into something else is reported. Returns 0, or -1
 * after reporting an I/O failure. */
static int read_disk_file(int dfd, const char *name, const char *path, struct site_reader *r)
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
			site_reader_odd(r, path, ODD_LINK);
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
		site_reader_odd(r, path, ODD_OTHER);
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
	site_reader_add(r, path, data, len);
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
static int read_disk_site(const char *root, struct site_reader *r)
{
	struct dir_frame stack[SITE_MAX_DEPTH];
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
		if (depth == 1 && !site_entry_file(name) && !site_entry_dir(name))
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
			site_reader_odd(r, path.ptr, ODD_LINK);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth == 1 && !site_entry_dir(name)) {
				site_reader_odd(r, path.ptr, ODD_OTHER); /* a folder named site.yaml */
				continue;
			}
			if (depth == SITE_MAX_DEPTH) {
				site_reader_too_deep(r, path.ptr);
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
					site_reader_odd(r, path.ptr, ODD_LINK);
					continue;
				}
				diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path.ptr,
					   strerror(err));
				goto out;
			}
			stack[depth++] = (struct dir_frame){sub, path.len};
		} else if (S_ISREG(st.st_mode)) {
			if (depth == 1 && !site_entry_file(name))
				continue; /* a file named content: not a folder we read */
			if (read_disk_file(dfd, name, path.ptr, r) < 0)
				goto out;
		} else if (depth > 1 || site_entry_file(name)) {
			site_reader_odd(r, path.ptr, ODD_OTHER);
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

int source_open(struct source *s, const char *root, const struct source_opts *opts,
		struct diag *d)
{
	static const struct source_opts defaults = {NULL, false};
	struct repo *repo = NULL;
	struct arena scratch = ARENA_INIT;
	struct site_reader r = {NULL, 0, 0, &s->names, d};
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!opts)
		opts = &defaults;
	s->root = realpath(root, NULL);
	if (!s->root) {
		diag_error(d, nopos, "E026", "cannot read '%s': %s", root, strerror(errno));
		goto out;
	}
	int err = repo_open(&repo, s->root, d);
	if (err < 0)
		goto out;
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
		err = repo_head_unborn(repo, d);
		if (err < 0)
			goto out;
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
	struct commit_info ci;
	if (repo_resolve(repo, s->ref_name, &scratch, &ci, d) < 0)
		goto out;
	memcpy(s->commit, ci.id, sizeof(s->commit));
	memcpy(s->short_id, ci.short_id, sizeof(ci.short_id));
	s->commit_time = ci.time;
	s->commit_offset = ci.offset;

	err = repo_read_site(repo, s->commit, &r);
	if (err < 0)
		goto out;
	if (err == 0) {
		diag_error(d, nopos, "E026",
			   "site.yaml is not committed at %s; commit it, or use --worktree to "
			   "read the files on disk",
			   s->ref_name);
		goto out;
	}
	if (!opts->ref && repo_check_uncommitted(repo, d) < 0)
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
	repo_free(repo);
	arena_release(&scratch);
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
