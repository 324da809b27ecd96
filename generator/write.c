/*
 * write.c: the only place that writes output files. A build writes into a
 * staging folder beside the output folder and, when everything is written,
 * swaps it into place with one rename; an error or an interrupted build
 * leaves the previous output untouched. Paths are checked here, once: they
 * are relative, made of plain names, and never climb out.
 *
 * writer_put writes a file at once, in the caller's thread, and may be
 * called from many threads at a time: the pages are rendered and written
 * on every core, each thread from a buffer it reuses. (A thread of the
 * writer's own, fed copies of the pages, cost more memory and no less time:
 * measured in issue 6.) A write that fails is reported (E026) when it
 * happens and makes every later call fail. Paths are opened relative to the
 * staging folder, which is held open.
 *
 * Every output holds the marker (.plansite-output, written first into the
 * staging folder): it is how a later build knows the folder for plansite's
 * to replace (output.c), and how a staging folder left by a killed build is
 * told from someone's folder of the same name before it is removed. Removing
 * a folder never follows a symbolic link out of it.
 */
#define _GNU_SOURCE /* renameat2 */
#include "plansite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct writer {
	char *out;     /* the output folder, absolute */
	char *given;   /* ... as given, for messages */
	struct guard *guard; /* scans the output before the swap; NULL: none */
	char *staging; /* <parent>/.<name>.staging-<pid> */
	int sfd;       /* the staging folder, open; -1 when none */
	struct diag *d;
	pthread_mutex_t lock; /* guards failed, the counts and the queue */
	bool failed;
	size_t files;
	uint64_t bytes;
	/* every file written, relative to the output (for the build's manifest) */
	struct arena names;
	struct written_file *paths;
	size_t npaths, cappaths;
};

/* Counts a file written and remembers its path, and its size and time when
 * st (taken by the thread that wrote it) is not NULL. Takes the lock. */
static void count_file(struct writer *w, const char *rel, uint64_t size, const struct stat *st)
{
	pthread_mutex_lock(&w->lock);
	w->files++;
	w->bytes += size;
	GROW_FROM(w->paths, w->npaths, w->cappaths, 1024);
	struct written_file *f = &w->paths[w->npaths++];
	memset(f, 0, sizeof(*f));
	f->path = arena_strdup(&w->names, rel);
	if (st) {
		f->known = true;
		f->size = (uint64_t)st->st_size;
		f->sec = (int64_t)st->st_mtim.tv_sec;
		f->nsec = (long)st->st_mtim.tv_nsec;
	}
	pthread_mutex_unlock(&w->lock);
}

static void io_error(struct writer *w, const char *what, const char *path)
{
	struct pos none = {NULL, 0, 0};
	diag_error(w->d, none, "E026", "cannot %s '%s': %s", what, path, strerror(errno));
	pthread_mutex_lock(&w->lock);
	w->failed = true;
	pthread_mutex_unlock(&w->lock);
}

static bool has_failed(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool f = w->failed;
	pthread_mutex_unlock(&w->lock);
	return f;
}

static int empty_folder(int dfd);
static int write_file(struct writer *w, const char *rel, const void *data, size_t n);

/* Removes the entry name of folder dfd (of readdir type type), a folder
 * with all it holds, never following a link. */
static int remove_entry(int dfd, const char *name, unsigned char type)
{
	if (type != DT_DIR && unlinkat(dfd, name, 0) == 0)
		return 0;
	if (type != DT_DIR && type != DT_UNKNOWN && errno != EISDIR)
		return errno == ENOENT ? 0 : -1;
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = empty_folder(sub);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* Removes what the folder dir holds, relative to it, never following a
 * link: each entry by its readdir type (or, unknown, by trying). Recursion
 * on the C stack goes as deep as the tree, which is ours (a few levels). */
static int empty_folder(int dfd)
{
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    remove_entry(dirfd(dir), e->d_name, e->d_type) < 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

/*
 * An old output of 10,000 pages is as many folders: removed on one core it
 * took a fifth of a rebuild. So a tree's folders are opened, and what they
 * hold removed on every core, each entry (a page's folder, say) by one
 * thread; the emptied folders go last.
 */
struct rm_job {
	int dfd;
	const char *name;
	unsigned char type;
};

struct rm_share {
	struct rm_job *v;
	size_t n;
	int rc;
};

static void rm_one(void *ctx, size_t i)
{
	struct rm_share *s = ctx;
	if (remove_entry(s->v[i].dfd, s->v[i].name, s->v[i].type) < 0)
		__atomic_store_n(&s->rc, -1, __ATOMIC_RELAXED);
}

static void rm_add(struct rm_share *s, size_t *cap, struct arena *a, int dfd, const char *name,
		   unsigned char type)
{
	GROW_FROM(s->v, s->n, *cap, 256);
	s->v[s->n++] = (struct rm_job){dfd, arena_strdup(a, name), type};
}

/* Empties the folder fd (closed here): its files at once, what its folders
 * hold on every core, then those folders. */
static int empty_folder_shared(int fd)
{
	DIR *top = fdopendir(fd);
	if (!top) {
		close(fd);
		return -1;
	}
	struct arena names = {0};
	struct rm_share s = {NULL, 0, 0};
	size_t cap = 0, nsub = 0;
	struct {
		int fd;
		const char *name;
	} subs[64];
	struct dirent *e;
	int rc = 0;
	bool marked = false;
	while ((e = readdir(top))) {
		const char *name = e->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (!strcmp(name, OUTPUT_MARKER)) {
			marked = true; /* last: see below */
			continue;
		}
		int sub = e->d_type == DT_DIR && nsub < 64
				  ? openat(dirfd(top), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				  : -1;
		if (sub < 0) {
			if (remove_entry(dirfd(top), name, e->d_type) < 0)
				rc = -1;
			continue;
		}
		/* a descriptor kept for the threads; readdir has its own */
		int keep = dup(sub);
		DIR *d = keep < 0 ? NULL : fdopendir(sub);
		if (!d) {
			close(sub);
			if (keep >= 0)
				close(keep);
			if (remove_entry(dirfd(top), name, e->d_type) < 0)
				rc = -1;
			continue;
		}
		subs[nsub].fd = keep;
		subs[nsub].name = arena_strdup(&names, name);
		nsub++;
		struct dirent *f;
		while ((f = readdir(d)))
			if (strcmp(f->d_name, ".") != 0 && strcmp(f->d_name, "..") != 0)
				rm_add(&s, &cap, &names, keep, f->d_name, f->d_type);
		closedir(d);
	}
	size_t nt = (size_t)plansite_jobs();
	if (nt > s.n / 256 + 1)
		nt = s.n / 256 + 1;
	run_each(s.n, nt, rm_one, &s);
	if (s.rc < 0)
		rc = -1;
	for (size_t i = 0; i < nsub; i++) {
		close(subs[i].fd);
		if (unlinkat(dirfd(top), subs[i].name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = -1;
	}
	/* The marker goes last: a build killed while it empties a folder
	 * leaves one that is still known for plansite's (staging_ours), which
	 * the next build removes, not one it must leave alone. */
	if (marked && unlinkat(dirfd(top), OUTPUT_MARKER, 0) < 0 && errno != ENOENT)
		rc = -1;
	closedir(top);
	free(s.v);
	arena_release(&names);
	return rc;
}

/* Removes a folder tree (or a file). */
static int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = empty_folder_shared(fd);
	if (rmdir(path) < 0)
		rc = -1;
	return rc;
}

/* Whether entry of the folder pfd is a folder (not a link) of this user's
 * that holds the marker, which writer_open writes first, or nothing (a
 * build killed before that): a staging folder of plansite's. */
static bool staging_ours(int pfd, const char *entry)
{
	struct stat st;
	if (fstatat(pfd, entry, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return false;
	int fd = openat(pfd, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (output_marked(fd)) {
		close(fd);
		return true;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *e;
	while (empty && (e = readdir(dir)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(dir);
	return empty;
}

/* Whether entry of the folder pfd is a staging folder that a killed build
 * left beside the output name: named .<name>.staging-<pid> exactly, its
 * process gone, and plansite's (staging_ours). Anything else is left alone. */
static bool stale_staging(int pfd, const char *entry, const char *name)
{
	size_t n = strlen(name);
	if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 ||
	    strncmp(entry + 1 + n, ".staging-", 9) != 0)
		return false;
	const char *digits = entry + n + 10;
	size_t nd = strlen(digits);
	if (nd == 0 || nd > 9 || strspn(digits, "0123456789") != nd)
		return false;
	long pid = strtol(digits, NULL, 10);
	if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
		return false; /* another build is running */
	return staging_ours(pfd, entry);
}

/* Removes the staging folders that killed builds into parent/name left. */
static void remove_stale(const char *parent, const char *name)
{
	DIR *dir = opendir(parent);
	if (!dir)
		return;
	struct buf path = BUF_INIT;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!stale_staging(dirfd(dir), e->d_name, name))
			continue;
		buf_truncate(&path, 0);
		buf_printf(&path, "%s/%s", parent, e->d_name);
		remove_tree(path.ptr);
	}
	closedir(dir);
	buf_release(&path);
}

/* Makes the folder path and those above it that are missing; only those
 * are asked for (a mkdir that fails on a folder there already is a write
 * attempt outside what the build owns). */
static int mkdir_p(char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = stat(path, &st) == 0 ? 0 : mkdir(path, 0755);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

void writer_tidy(const char *out)
{
	char *abs = output_path(out);
	char *slash = abs ? strrchr(abs, '/') : NULL;
	if (slash && slash[1]) {
		char *parent = xstrndup(abs, slash == abs ? 1 : (size_t)(slash - abs));
		remove_stale(parent, slash + 1);
		free(parent);
	}
	free(abs);
}

struct writer *writer_open(const char *out, struct diag *d)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	w->d = d;
	w->sfd = -1;
	w->given = xstrdup(out);
	pthread_mutex_init(&w->lock, NULL);
	/* The real path of out, whose parent must exist (or be made). */
	w->out = output_path(out);
	if (!w->out) {
		io_error(w, "find the folder", out);
		return w;
	}
	char *slash = strrchr(w->out, '/');
	char *parent = xstrndup(w->out, slash == w->out ? 1 : (size_t)(slash - w->out));
	const char *name = slash + 1;
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		errno = EINVAL;
		io_error(w, "write to", out);
		free(parent);
		return w;
	}
	if (mkdir_p(parent) < 0) {
		io_error(w, "create the folder", parent);
		free(parent);
		return w;
	}
	remove_stale(parent, name);
	struct buf st = BUF_INIT;
	buf_printf(&st, "%s/.%s.staging-%ld", parent, name, (long)getpid());
	w->staging = buf_detach(&st, NULL);
	/* One of this pid's own, from a build whose pid this one reuses, is
	 * taken over only when it is plansite's. */
	int made = mkdir(w->staging, 0755);
	if (made < 0 && errno == EEXIST) {
		int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0 && staging_ours(pfd, strrchr(w->staging, '/') + 1) &&
		    remove_tree(w->staging) == 0)
			made = mkdir(w->staging, 0755);
		else
			errno = EEXIST;
		if (pfd >= 0)
			close(pfd);
	}
	free(parent);
	if (made == 0)
		w->sfd = open(w->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->sfd < 0) {
		io_error(w, "create the staging folder", w->staging);
		if (made == 0)
			rmdir(w->staging);
		free(w->staging); /* anything else there is not ours to remove */
		w->staging = NULL;
		return w;
	}
	/* first, so that a staging folder left by a killed build is known
	 * for plansite's (stale_staging) */
	write_file(w, OUTPUT_MARKER, output_marker_text, strlen(output_marker_text));
	return w;
}

/* A relative output path made of plain names: no '..', no '.', no empty
 * component, no leading '/', only [A-Za-z0-9._-]. */
static bool path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	const char *seg = p;
	for (const char *c = p;; c++) {
		if (*c == '/' || *c == '\0') {
			size_t len = (size_t)(c - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (!*c)
				return true;
			seg = c + 1;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == '_'))
			return false;
	}
}

/*
 * Makes the folder dir (relative to the staging folder sfd) and the folders
 * above it. The folder itself is tried first: mostly it is the only one
 * missing, or it is there already; only when its parent is missing too are
 * the folders made from the top down. mkdir is atomic and "already there"
 * is success, so threads may race here. Never touches anything above the
 * staging folder (a mkdir there, even a failing one, takes the lock of a
 * shared folder).
 */
static int make_folder(int sfd, char *dir)
{
	if (mkdirat(sfd, dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdirat(sfd, dir, 0755);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdirat(sfd, dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Reports a failure to write rel, naming its path in the staging folder. */
static void put_error(struct writer *w, const char *what, const char *rel)
{
	int err = errno;
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", w->staging, rel);
	errno = err;
	io_error(w, what, path.ptr);
	buf_release(&path);
}

/* Opens rel (checked) for writing in the staging folder, making its
 * folders; -1 after reporting. */
static int open_file(struct writer *w, const char *rel)
{
	char *dir = xstrdup(rel);
	char *slash = strrchr(dir, '/');
	int fd = -1;
	if (slash) {
		*slash = '\0';
		if (make_folder(w->sfd, dir) < 0) {
			put_error(w, "create a folder for", rel);
			goto out;
		}
	}
	fd = openat(w->sfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		put_error(w, "write", rel);
out:
	free(dir);
	return fd;
}

/* Writes all n bytes to fd; false after reporting. */
static bool write_all(struct writer *w, int fd, const char *rel, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			put_error(w, "write", rel);
			return false;
		}
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Writes one file (rel is checked) into the staging folder. */
static int write_file(struct writer *w, const char *rel, const void *data, size_t n)
{
	int fd = open_file(w, rel);
	if (fd < 0)
		return -1;
	if (!write_all(w, fd, rel, data, n)) {
		close(fd);
		return -1;
	}
	/* its size and time for the build's record, here on this core */
	struct stat st;
	bool known = fstat(fd, &st) == 0;
	if (close(fd) < 0) {
		put_error(w, "write", rel);
		return -1;
	}
	count_file(w, rel, n, known ? &st : NULL);
	return 0;
}

/* Refuses (E026) a path that is not plain and relative; false then. */
static bool check_path(struct writer *w, const char *rel)
{
	if (path_ok(rel))
		return true;
	struct pos none = {NULL, 0, 0};
	diag_error(w->d, none, "E026", "refusing to write '%s': not a plain relative path", rel);
	pthread_mutex_lock(&w->lock);
	w->failed = true;
	pthread_mutex_unlock(&w->lock);
	return false;
}

int writer_put(struct writer *w, const char *rel, const void *data, size_t n)
{
	if (has_failed(w) || !check_path(w, rel))
		return -1;
	return write_file(w, rel, data, n);
}

/* A file written in pieces: what is buffered, and where it goes. */
struct wstream {
	struct writer *w;
	char *rel;
	int fd;
	uint64_t size;
	struct buf b;
	bool failed;
};

enum { WSTREAM_CHUNK = 256 * 1024 };

struct wstream *writer_stream(struct writer *w, const char *rel)
{
	struct wstream *st = xcalloc(1, sizeof(*st));
	st->w = w;
	st->rel = xstrdup(rel);
	buf_init(&st->b);
	st->fd = has_failed(w) || !check_path(w, rel) ? -1 : open_file(w, rel);
	st->failed = st->fd < 0;
	return st;
}

static void stream_flush(struct wstream *st)
{
	if (!st->failed && st->b.len && !write_all(st->w, st->fd, st->rel, st->b.ptr, st->b.len))
		st->failed = true;
	st->size += st->b.len;
	buf_truncate(&st->b, 0);
}

struct buf *wstream_buf(struct wstream *st)
{
	if (st->b.len >= WSTREAM_CHUNK)
		stream_flush(st);
	return &st->b;
}

int wstream_close(struct wstream *st)
{
	stream_flush(st);
	int rc = st->failed ? -1 : 0;
	if (st->fd >= 0 && close(st->fd) < 0 && rc == 0) {
		put_error(st->w, "write", st->rel);
		rc = -1;
	}
	if (rc == 0)
		count_file(st->w, st->rel, st->size, NULL);
	buf_release(&st->b);
	free(st->rel);
	free(st);
	return rc;
}

/* Copies the open regular file in (size bytes) to dst (a new file); a
 * copy that comes out short (the file shrank meanwhile) is an error. */
static int copy_file(int in, uint64_t size, const char *dst)
{
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return -1;
	char chunk[65536];
	int rc = 0;
	uint64_t copied = 0;
	for (;;) {
		ssize_t got = read(in, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -1 : 0;
			break;
		}
		copied += (uint64_t)got;
		for (ssize_t done = 0; done < got;) {
			ssize_t k = write(out, chunk + done, (size_t)(got - done));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = -1;
				break;
			}
			done += k;
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && copied != size) {
		errno = EIO;
		rc = -1;
	}
	if (close(out) < 0)
		rc = -1;
	return rc;
}

/* Links (or, across file systems, copies) every regular file of this
 * user's under the folder dfd (taken: closed here) to the same place under
 * dst, making folders; a symbolic link is never followed, anything else is
 * left out. Names beginning with '.' are left out. dst is below the staging
 * folder. */
static int link_tree(struct writer *w, int dfd, const char *dst, int depth)
{
	if (depth > 64) {
		close(dfd);
		errno = ELOOP;
		return -1;
	}
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return -1;
	}
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		closedir(dir);
		return -1;
	}
	struct buf d = BUF_INIT, proc = BUF_INIT;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		buf_truncate(&d, 0);
		buf_printf(&d, "%s/%s", dst, e->d_name);
		int fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (fd < 0) {
			if (errno != ELOOP) /* a link: left out */
				rc = -1;
			continue;
		}
		if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
			close(fd);
			continue; /* not ours: left out */
		}
		if (S_ISDIR(st.st_mode)) {
			rc = link_tree(w, fd, d.ptr, depth + 1);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			/* the file opened, not whatever is at its name now */
			buf_truncate(&proc, 0);
			buf_printf(&proc, "/proc/self/fd/%d", fd);
			if (linkat(AT_FDCWD, proc.ptr, AT_FDCWD, d.ptr, AT_SYMLINK_FOLLOW) < 0 &&
			    copy_file(fd, (uint64_t)st.st_size, d.ptr) < 0)
				rc = -1;
			else
				count_file(w, d.ptr + strlen(w->staging) + 1, (uint64_t)st.st_size,
					   NULL);
		}
		close(fd);
	}
	closedir(dir);
	buf_release(&d);
	buf_release(&proc);
	return rc;
}

int writer_link(struct writer *w, const char *rel, int sfd)
{
	if (has_failed(w)) {
		close(sfd);
		return -1;
	}
	if (!path_ok(rel)) {
		struct pos none = {NULL, 0, 0};
		diag_error(w->d, none, "E026", "refusing to write '%s': not a plain relative path",
			   rel);
		pthread_mutex_lock(&w->lock);
		w->failed = true;
		pthread_mutex_unlock(&w->lock);
		close(sfd);
		return -1;
	}
	struct buf dst = BUF_INIT;
	buf_printf(&dst, "%s/%s", w->staging, rel);
	char *slash = strrchr(dst.ptr, '/');
	*slash = '\0';
	int rc = mkdir_p(dst.ptr);
	*slash = '/';
	if (rc == 0)
		rc = link_tree(w, sfd, dst.ptr, 0);
	else
		close(sfd);
	if (rc < 0)
		io_error(w, "copy the cached output into", dst.ptr);
	buf_release(&dst);
	return rc;
}

bool file_read(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(b, chunk, n);
	bool ok = !ferror(f);
	fclose(f);
	return ok;
}

int file_replace(const char *path, const void *data, size_t n)
{
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	int rc = -1;
	int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	const char *p = data;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			close(fd);
			goto out;
		}
		p += k;
		n -= (size_t)k;
	}
	if (close(fd) < 0 || rename(tmp.ptr, path) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		int err = errno;
		unlink(tmp.ptr);
		errno = err;
	}
	buf_release(&tmp);
	return rc;
}

int dir_make(const char *path)
{
	char *p = xstrdup(path);
	int rc = mkdir_p(p);
	free(p);
	return rc;
}

int dir_remove(const char *path)
{
	return remove_tree(path);
}

size_t writer_count(const struct writer *w)
{
	return w->files;
}

static int cmp_written(const void *a, const void *b)
{
	return strcmp(((const struct written_file *)a)->path,
		      ((const struct written_file *)b)->path);
}

const struct written_file *writer_files(struct writer *w, size_t *n)
{
	pthread_mutex_lock(&w->lock);
	if (w->npaths)
		qsort(w->paths, w->npaths, sizeof(*w->paths), cmp_written);
	*n = w->npaths;
	pthread_mutex_unlock(&w->lock);
	return w->paths;
}

void writer_set_guard(struct writer *w, struct guard *g)
{
	w->guard = g;
}

struct guard *writer_guard(const struct writer *w)
{
	return w ? w->guard : NULL;
}

int writer_commit(struct writer *w)
{
	if (w->failed || !w->staging)
		return -1;
	/* nothing hidden from the audience is published: scanned here, in the
	 * staging folder, before the swap (a hit leaves it to writer_free) */
	if (w->guard) {
		size_t n;
		const struct written_file *files = writer_files(w, &n);
		if (guard_scan(w->guard, w->sfd, w->given, files, n, w->d) < 0) {
			w->failed = true;
			return -1;
		}
	}
	if (w->sfd >= 0) {
		close(w->sfd);
		w->sfd = -1;
	}
	struct stat st;
	if (lstat(w->out, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			io_error(w, "replace", w->out);
			return -1;
		}
		/* Swap the two folders in one step, then drop the old output,
		 * now at the staging path. */
		if (renameat2(AT_FDCWD, w->staging, AT_FDCWD, w->out, RENAME_EXCHANGE) < 0) {
			io_error(w, "swap in the new output at", w->out);
			return -1;
		}
	} else if (rename(w->staging, w->out) < 0) {
		io_error(w, "move the new output to", w->out);
		return -1;
	}
	remove_tree(w->staging);
	free(w->staging);
	w->staging = NULL;
	return 0;
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	if (w->sfd >= 0)
		close(w->sfd);
	if (w->staging) /* not committed: the previous output stays as it was */
		remove_tree(w->staging);
	pthread_mutex_destroy(&w->lock);
	free(w->paths);
	arena_release(&w->names);
	free(w->staging);
	free(w->out);
	free(w->given);
	free(w);
}
