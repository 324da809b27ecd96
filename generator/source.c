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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct pos nopos = {NULL, 0, 0};

/* ------------------------------------------------------------ reader */

/* Folders nested deeper than SITE_MAX_DEPTH below the site root are
 * refused: hostile trees must not exhaust the stack of frames or the file
 * descriptors. */

void site_reader_add(struct site_reader *r, const char *path, char *data, size_t len)
{
	GROW_FROM(r->files, r->n, r->cap, 64);
	struct source_file *f = &r->files[r->n++];
	memset(f, 0, sizeof(*f));
	f->path = arena_strdup(r->names, path);
	f->data = data;
	f->len = len;
}

void site_reader_add_blob(struct site_reader *r, const char *path, char *data, size_t len,
			  const unsigned char oid[20])
{
	site_reader_add(r, path, data, len);
	struct source_file *f = &r->files[r->n - 1];
	memcpy(f->oid, oid, 20);
	f->has_oid = true;
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

/*
 * Reading many small files. The regular files of a folder are read as one
 * batch, on every core when there are many (a content/meetings/ of 9,000
 * files), each relative to the folder's descriptor as before; the results
 * are then taken in name order, so findings and failures are those of
 * reading one file after another.
 */
enum got { GOT_FILE, GOT_KNOWN, GOT_GONE, GOT_LINK, GOT_ODD, GOT_ERROR };

struct rjob {
	const char *name, *path; /* in the batch's arena */
	enum got got;
	int err;                 /* GOT_ERROR: errno */
	char *data;              /* GOT_FILE: malloc'd, NUL-terminated */
	size_t len;
	struct file_stamp st;    /* GOT_FILE, GOT_KNOWN */
	uint64_t hash;           /* hash64 of the bytes (GOT_KNOWN: as the caller knew it) */
};

struct batch {
	struct rjob *v;
	size_t n, cap;
	struct arena names;
	int dfd;
	const struct site_reader *r;
};

static struct file_stamp stamp_of(const struct stat *st)
{
	return (struct file_stamp){(int64_t)st->st_size,      (int64_t)st->st_mtim.tv_sec,
				   (int64_t)st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec,
				   (int64_t)st->st_ctim.tv_nsec, (uint64_t)st->st_ino,
				   (uint64_t)st->st_dev};
}

/* Reads the regular file name in folder dfd. A file that vanished is
 * GOT_GONE; one that turned into something else GOT_LINK or GOT_ODD; one
 * the reader's stamp_known vouches for GOT_KNOWN, without opening it. */
static void read_one(const struct batch *bt, struct rjob *j)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int dfd = bt->dfd;

	if (bt->r->stamp_known && fstatat(dfd, j->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		j->st = stamp_of(&st);
		if (bt->r->stamp_known(bt->r->stamp_ctx, j->path, &j->st, &j->hash)) {
			j->got = GOT_KNOWN;
			return;
		}
	}
	/* O_NOFOLLOW: never a link, even one swapped in after readdir;
	 * O_NONBLOCK: never wait on a FIFO swapped in either. */
	int fd = openat(dfd, j->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		j->err = errno;
		j->got = errno == ENOENT ? GOT_GONE : errno == ELOOP ? GOT_LINK : GOT_ERROR;
		return;
	}
	if (fstat(fd, &st) < 0) {
		j->err = errno;
		j->got = GOT_ERROR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		j->got = GOT_ODD;
		goto out;
	}
	j->st = stamp_of(&st);
	/* exactly the size (and room to see the end): buf_grow would round up,
	 * and the files stay in memory for the whole build */
	if (st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX / 2) {
		b.ptr = xmalloc((size_t)st.st_size + 2);
		b.cap = (size_t)st.st_size + 2;
	} else {
		buf_grow(&b, 4096);
	}
	for (;;) {
		if (b.cap - b.len < 2)
			buf_grow(&b, 4096);
		ssize_t got = read(fd, b.ptr + b.len, b.cap - b.len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			j->err = errno;
			j->got = GOT_ERROR;
			goto out;
		}
		if (got == 0)
			break;
		b.len += (size_t)got;
		/* the size fstat gave: read as it was then, without one more
		 * call to see the end (a build reads thousands of files) */
		if (st.st_size > 0 && b.len == (size_t)st.st_size)
			break;
	}
	b.ptr[b.len] = '\0';
	j->data = buf_detach(&b, &j->len);
	j->hash = hash64(j->data, j->len, 0); /* for the build's key, on this thread */
	j->got = GOT_FILE;
out:
	buf_release(&b);
	close(fd);
}

static void batch_one(void *ctx, size_t i)
{
	struct batch *bt = ctx;
	read_one(bt, &bt->v[i]);
}

static void batch_add(struct batch *bt, const char *name, const char *path)
{
	GROW_FROM(bt->v, bt->n, bt->cap, 64);
	struct rjob *j = &bt->v[bt->n++];
	memset(j, 0, sizeof(*j));
	j->name = arena_strdup(&bt->names, name);
	j->path = arena_strdup(&bt->names, path);
}

/* Adds a file read from disk, or vouched for by its stamp. */
static void disk_add(struct site_reader *r, const struct rjob *j)
{
	site_reader_add(r, j->path, j->data, j->got == GOT_KNOWN ? (size_t)j->st.size : j->len);
	struct source_file *f = &r->files[r->n - 1];
	f->stamp = j->st;
	/* A file changed within a second or two of being read may keep its
	 * stamp (timestamps are as coarse as the kernel's clock tick): only
	 * older stamps are trusted later, as git's index does. */
	f->stamped = j->st.mtime_s < r->trust_before && j->st.ctime_s < r->trust_before;
	f->unread = j->got == GOT_KNOWN;
	f->hash = j->hash;
}

static int cmp_job(const void *a, const void *b)
{
	return strcmp(((const struct rjob *)a)->name, ((const struct rjob *)b)->name);
}

/* Reads the files of the batch (all in the folder dfd) into r and empties
 * it. Returns 0, or -1 after reporting the first I/O failure. */
static int batch_run(struct batch *bt, int dfd, struct site_reader *r)
{
	int rc = 0;
	if (!bt->n)
		return 0;
	qsort(bt->v, bt->n, sizeof(*bt->v), cmp_job);
	bt->dfd = dfd;
	bt->r = r;
	/* Reading waits on the disk when the files are not cached: more
	 * threads than cores keep the cores busy and the disk's queue full
	 * (10,000 files not cached: 0.62 s -> 0.2 s on 2 cores). */
	size_t nt = 4 * (size_t)plansite_jobs();
	if (nt > bt->n / 64 + 1)
		nt = bt->n / 64 + 1; /* threads only for many files */
	run_each(bt->n, nt, batch_one, bt);
	for (size_t i = 0; i < bt->n; i++) {
		struct rjob *j = &bt->v[i];
		if (rc < 0) {
			free(j->data);
			continue;
		}
		switch (j->got) {
		case GOT_FILE:
		case GOT_KNOWN:
			disk_add(r, j);
			break;
		case GOT_GONE:
			break;
		case GOT_LINK:
			site_reader_odd(r, j->path, ODD_LINK);
			break;
		case GOT_ODD:
			site_reader_odd(r, j->path, ODD_OTHER);
			break;
		default:
			diag_error(r->d, nopos, "E026", "cannot read '%s': %s", j->path,
				   strerror(j->err));
			rc = -1;
			break;
		}
	}
	bt->n = 0;
	arena_release(&bt->names);
	return rc;
}

struct dir_frame {
	DIR *dir;
	size_t path_len;
	struct batch files; /* its regular files, read when it is done */
};

/* What a folder entry is: from readdir's d_type when it says, else from
 * fstatat (without following a link); -1 (errno set) when that fails. */
static int entry_type(int dfd, const struct dirent *de)
{
	switch (de->d_type) {
	case DT_REG:
		return S_IFREG;
	case DT_DIR:
		return S_IFDIR;
	case DT_LNK:
		return S_IFLNK;
	case DT_UNKNOWN:
		break;
	default:
		return S_IFIFO; /* a FIFO, socket or device: not read */
	}
	struct stat st;
	if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return (int)(st.st_mode & S_IFMT);
}

static void frame_close(struct dir_frame *f)
{
	for (size_t i = 0; i < f->files.n; i++)
		free(f->files.v[i].data);
	free(f->files.v);
	arena_release(&f->files.names);
	closedir(f->dir);
}

/*
 * Reads site.yaml, content/ and themes/ from the folder root on disk into r,
 * depth first without recursion. Never follows a symbolic link: each name is
 * looked at without following links (readdir's type, or fstatat with
 * AT_SYMLINK_NOFOLLOW) and opened relative to its folder with O_NOFOLLOW,
 * so nothing outside root is read. Returns 0, or -1 after reporting an I/O
 * failure.
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
	memset(&stack[0], 0, sizeof(stack[0]));
	stack[depth++] = (struct dir_frame){top, 0, {0}};
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
			if (batch_run(&f->files, dirfd(f->dir), r) < 0)
				goto out;
			frame_close(f);
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
		int type = entry_type(dfd, de);
		if (type < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walked */
			diag_error(r->d, nopos, "E026", "cannot read '%s': %s", path.ptr,
				   strerror(errno));
			goto out;
		}
		if (type == S_IFLNK) {
			site_reader_odd(r, path.ptr, ODD_LINK);
		} else if (type == S_IFDIR) {
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
			memset(&stack[depth], 0, sizeof(stack[depth]));
			stack[depth].dir = sub;
			stack[depth].path_len = path.len;
			depth++;
		} else if (type == S_IFREG) {
			if (depth == 1 && !site_entry_file(name))
				continue; /* a file named content: not a folder we read */
			batch_add(&f->files, name, path.ptr);
		} else if (depth > 1 || site_entry_file(name)) {
			site_reader_odd(r, path.ptr, ODD_OTHER);
		}
	}
	rc = 0;
out:
	while (depth > 0)
		frame_close(&stack[--depth]);
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

int source_begin(struct source *s, const char *root, const struct source_opts *opts,
		 struct diag *d)
{
	static const struct source_opts defaults = {NULL, false};
	struct arena scratch = ARENA_INIT;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!opts)
		opts = &defaults;
	s->root = realpath(root, NULL);
	if (!s->root) {
		diag_error(d, nopos, "E026", "cannot read '%s': %s", root, strerror(errno));
		goto out;
	}
	int err = repo_open(&s->repo, s->root, d);
	if (err < 0)
		goto out;
	if (!s->repo) {
		if (opts->ref) {
			diag_error(d, nopos, "E026",
				   "not in a git repository: cannot read revision '%s'", opts->ref);
			goto out;
		}
		diag_warning(d, nopos, "W008",
			     "not in a git repository: reading the files on disk, without "
			     "version information");
		s->mode = SOURCE_FILES;
		rc = 0;
		goto out;
	}
	bool unborn = false;
	if (!opts->worktree && !opts->ref) {
		err = repo_head_unborn(s->repo, d);
		if (err < 0)
			goto out;
		unborn = err == 1;
		if (unborn)
			diag_warning(d, nopos, "W008",
				     "the repository has no commit yet: reading the files on disk");
	}
	if (opts->worktree || unborn) {
		s->mode = SOURCE_WORKTREE;
		rc = 0;
		goto out;
	}

	s->mode = SOURCE_GIT;
	s->ref_name = xstrdup(opts->ref ? opts->ref : "HEAD");
	s->check_uncommitted = !opts->ref;
	struct commit_info ci;
	if (repo_resolve(s->repo, s->ref_name, &scratch, &ci, d) < 0)
		goto out;
	memcpy(s->commit, ci.id, sizeof(s->commit));
	memcpy(s->short_id, ci.short_id, sizeof(ci.short_id));
	s->commit_time = ci.time;
	s->commit_offset = ci.offset;
	rc = 0;
out:
	arena_release(&scratch);
	return rc;
}

/* Whether source_uncommitted has something to check. */
static bool source_uncommitted_wanted(const struct source *s)
{
	return s->mode == SOURCE_GIT && s->check_uncommitted && s->repo;
}

int source_uncommitted(struct source *s, struct diag *d)
{
	if (!source_uncommitted_wanted(s))
		return 0;
	return repo_check_uncommitted(s->repo, d);
}

/* The W007 check (a git status of the work tree) on a thread of its own,
 * with its own repository: it stats every file and reads the index while
 * the blobs are read, rather than after them. */
struct status_job {
	const char *root;
	struct diag *d;
	int rc;
	pthread_t thread;
};

static void *status_work(void *arg)
{
	struct status_job *j = arg;
	struct repo *r = NULL;
	int open = repo_open(&r, j->root, j->d);
	j->rc = open < 0 ? -1 : open > 0 ? 0 : repo_check_uncommitted(r, j->d);
	repo_free(r);
	return NULL;
}

int source_read(struct source *s, struct diag *d)
{
	struct site_reader r = {NULL, 0, 0, &s->names, d, s->known, s->known_ctx, NULL, NULL, 0};
	int rc = -1;

	if (s->mode != SOURCE_GIT) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		r.stamp_known = s->stamp_known;
		r.stamp_ctx = s->stamp_ctx;
		r.trust_before = (int64_t)now.tv_sec - 2;
		rc = read_disk_site(s->root, &r);
		goto out;
	}
	struct status_job sj = {s->root, d, 0, 0};
	bool status_threaded = source_uncommitted_wanted(s) &&
			       pthread_create(&sj.thread, NULL, status_work, &sj) == 0;
	int err = repo_read_site(s->repo, s->commit, &r);
	if (status_threaded) {
		pthread_join(sj.thread, NULL);
		if (sj.rc < 0)
			goto out;
	}
	if (err < 0)
		goto out;
	if (err == 0) {
		diag_error(d, nopos, "E026",
			   "site.yaml is not committed at %s; commit it, or use --worktree to "
			   "read the files on disk",
			   s->ref_name);
		goto out;
	}
	if (!status_threaded && source_uncommitted(s, d) < 0)
		goto out;
	rc = 0;
out:
	if (rc == 0) {
		/* a git tree lists its files nearly in this order already */
		bool sorted = true;
		for (size_t i = 1; i < r.n && sorted; i++)
			sorted = strcmp(r.files[i - 1].path, r.files[i].path) < 0;
		if (!sorted)
			qsort(r.files, r.n, sizeof(*r.files), cmp_file);
		s->files = r.files;
		s->n = r.n;
	} else {
		reader_free_files(&r);
	}
	repo_free(s->repo);
	s->repo = NULL;
	return rc;
}

int source_open(struct source *s, const char *root, const struct source_opts *opts,
		struct diag *d)
{
	if (source_begin(s, root, opts, d) < 0) {
		repo_free(s->repo);
		s->repo = NULL;
		return -1;
	}
	return source_read(s, d);
}

void source_drop_files(struct source *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->files[i].data);
	free(s->files);
	s->files = NULL;
	s->n = 0;
}

void source_release(struct source *s)
{
	source_drop_files(s);
	free(s->root);
	free(s->ref_name);
	repo_free(s->repo);
	arena_release(&s->names);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ limits */

const struct site_limits site_default_limits = {
	LIMIT_DOCUMENT_BYTES,
	LIMIT_DOCUMENT_MAX_BYTES,
	LIMIT_DOCUMENTS,
	LIMIT_PATH_BYTES,
	LIMIT_NAME_BYTES,
	{YAML_DEFAULT_NODES, YAML_DEFAULT_DEPTH},
	{LIMIT_TEMPLATE_BYTES, LIMIT_TEMPLATE_EXPANSIONS},
};

/* Reports (E027) path if it, or one of its names, is longer than lim says. */
static void check_path(const char *path, const struct site_limits *lim, struct diag *d)
{
	struct pos pos = {path, 0, 0};
	size_t len = strlen(path);
	if (len > lim->path_bytes) {
		diag_error(d, pos, "E027",
			   "path is %zu bytes long, over the limit of %zu (limits.path_bytes); use "
			   "shorter folder and file names",
			   len, lim->path_bytes);
		return;
	}
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n > lim->name_bytes) {
			/* the name's first 40 bytes, cut at a character */
			size_t shown = n > 40 ? 40 : n;
			while (shown < n && ((unsigned char)p[shown] & 0xc0) == 0x80)
				shown--;
			diag_error(d, pos, "E027",
				   "name '%.*s%s' is %zu bytes long, over the limit of %zu "
				   "(limits.name_bytes); give it a shorter name",
				   (int)shown, p, shown < n ? "..." : "", n, lim->name_bytes);
			return;
		}
		p += n + (p[n] == '/');
	}
}

bool source_check_limits(const struct source *s, const struct site_limits *lim,
			 struct diag *d)
{
	size_t docs = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *path = s->files[i].path;
		docs += strncmp(path, "content/", 8) == 0;
		check_path(path, lim, d);
	}
	if (docs <= lim->documents)
		return true;
	struct pos pos = {"content", 0, 0};
	diag_error(d, pos, "E027",
		   "%zu files under content/, over the limit of %zu (limits.documents); none is "
		   "loaded: split the site, or raise the limit in site.yaml",
		   docs, lim->documents);
	return false;
}

bool source_file_size_ok(const struct source_file *f, const struct site_limits *lim,
			 struct diag *d)
{
	struct pos pos = {f->path, 1, 1};
	if (f->len > lim->document_max_bytes) {
		diag_error(d, pos, "E027",
			   "file is %zu bytes, over the limit of %zu (limits.document_max_bytes); it "
			   "is not read: split it into smaller documents",
			   f->len, lim->document_max_bytes);
		return false;
	}
	if (f->len > lim->document_bytes)
		diag_warning(d, pos, "W006",
			     "file is %zu bytes, over the limit of %zu; split it, or raise "
			     "limits.document_bytes in site.yaml",
			     f->len, lim->document_bytes);
	return true;
}

/* ------------------------------------------------------------ lookup */

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
