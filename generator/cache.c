/*
 * cache.c: the cache folder, outside the work tree. Where it is: --cache
 * DIR, else $PLANSITE_CACHE, else $XDG_CACHE_HOME/plansite/<key> (default
 * ~/.cache/plansite/<key>), the key naming the repository (the real path
 * of its common git folder, so that a bare repository and linked work
 * trees have one) and the site's path in it, or the site root's real path
 * outside git. Nothing in the repository is ever read as a cache: a
 * committed .plansite-cache/ is just a file plansite does not read.
 *
 * How it is used: the folder must be a real folder (not a symbolic link)
 * of this user's that others cannot write; every file in it is opened
 * relative to it, each folder on the way with O_NOFOLLOW, the file with
 * O_NOFOLLOW, and used only when fstat says it is a regular file of this
 * user's. A cache that cannot be used (not a folder, a link, another
 * user's, not writable) is replaced for the build by a temporary one, with
 * a warning (W012); the build goes on.
 */
#include "plansite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct pos nopos = {NULL, 0, 0};

/* The base folder of the default caches: $XDG_CACHE_HOME (when absolute,
 * as the XDG spec asks) or $HOME/.cache, then plansite. */
static bool default_base(struct buf *b)
{
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/') {
		buf_printf(b, "%s/plansite", x);
		return true;
	}
	const char *home = getenv("HOME");
	if (home && home[0] == '/') {
		buf_printf(b, "%s/.cache/plansite", home);
		return true;
	}
	return false;
}

void cache_locate(struct cache *c, const char *given, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->dfd = -1;
	c->lock_fd = -1;
	const char *env = getenv("PLANSITE_CACHE");
	if (!given && env && *env)
		given = env;
	if (given) {
		c->dir = output_path(given); /* absolute, as the kernel reaches it */
		if (!c->dir)
			c->dir = xstrdup(given);
		return;
	}
	struct buf b = BUF_INIT, key = BUF_INIT, gits = BUF_INIT, wt = BUF_INIT;
	if (!default_base(&b)) {
		buf_release(&b);
		return;
	}
	if (repo_folders(root, &gits, &wt)) {
		/* the common git folder: the second when there are two */
		const char *git = gits.ptr;
		if (gits.len > strlen(git) + 1)
			git += strlen(git) + 1;
		size_t n = strlen(wt.ptr);
		const char *site = root;
		if (wt.len && strncmp(root, wt.ptr, n) == 0 && (root[n] == '/' || root[n] == '\0'))
			site = root[n] == '/' ? root + n + 1 : "";
		buf_printf(&key, "git %s\nsite %s\n", git, site);
	} else {
		buf_printf(&key, "folder %s\n", root);
	}
	const char *base = strrchr(root, '/');
	base = base && base[1] ? base + 1 : "site";
	buf_printf(&b, "/");
	for (; *base; base++) /* a plain name, whatever the folder is called */
		buf_putc(&b, (*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') ||
				     (*base >= '0' && *base <= '9') || *base == '-' || *base == '_'
				 ? *base
				 : '_');
	buf_printf(&b, "-%016llx", (unsigned long long)hash64(key.ptr, key.len, 0));
	c->dir = buf_detach(&b, NULL);
	buf_release(&key);
	buf_release(&gits);
	buf_release(&wt);
}

/* Opens the folder at path as a cache: a real folder (not a link) of this
 * user's that no one else may write. Returns the descriptor, or -1 with
 * errno set (EACCES for another's, or one others may write). */
static int open_checked(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			errno = ENOTDIR; /* "not a folder": a symbolic link */
		return -1;
	}
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		err = EACCES;
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Makes (when needed) and opens the folder at path as a cache, taking its
 * lock (shared: every build using it holds one). Returns 0, or -1 with
 * errno set. */
static int open_at(struct cache *c, const char *path)
{
	char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		dir_make(parent);
	}
	free(parent);
	bool made = mkdir(path, 0700) == 0;
	int fd = open_checked(path);
	if (fd < 0)
		return -1;
	/* It tells git to ignore it, should it be inside a work tree. */
	if (made) {
		int g = openat(fd, ".gitignore", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0600);
		if (g >= 0) {
			if (write(g, "*\n", 2) != 2) {
				/* an empty one only lets git see the folder */
			}
			close(g);
		}
	}
	int lk = openat(fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	if (lk < 0 || fstat(lk, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		int err = lk < 0 ? errno : EACCES;
		if (lk >= 0)
			close(lk);
		close(fd);
		errno = err == ELOOP ? EACCES : err;
		return -1;
	}
	int got;
	while ((got = flock(lk, LOCK_SH)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		int err = errno;
		close(lk);
		close(fd);
		errno = err;
		return -1;
	}
	c->dfd = fd;
	c->lock_fd = lk;
	return 0;
}

int cache_open(struct cache *c, struct diag *d)
{
	if (c->dir && open_at(c, c->dir) == 0)
		return 0;
	int err = c->dir ? errno : ENOENT;
	const char *tmp = getenv("TMPDIR");
	struct buf f = BUF_INIT;
	buf_printf(&f, "%s/plansite-cache-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	char *shown = c->dir ? c->dir : xstrdup("~/.cache/plansite");
	c->dir = NULL;
	if (mkdtemp(f.ptr) && open_at(c, f.ptr) == 0) {
		diag_warning(d, nopos, "W012",
			     "cannot use the cache folder '%s' (%s): a temporary one is used for "
			     "this build; make it a folder of your own, or name another with "
			     "--cache DIR",
			     shown, strerror(err));
		c->dir = buf_detach(&f, NULL);
		c->temporary = true;
	} else {
		diag_warning(d, nopos, "W012",
			     "cannot use the cache folder '%s' (%s), nor a temporary one: this "
			     "build keeps nothing",
			     shown, strerror(err));
		if (f.ptr[0])
			rmdir(f.ptr);
	}
	free(shown);
	buf_release(&f);
	return 0;
}

void cache_close(struct cache *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* and with it the lock */
	if (c->dfd >= 0)
		close(c->dfd);
	if (c->dir && c->temporary)
		dir_remove(c->dir);
	free(c->dir);
	memset(c, 0, sizeof(*c));
	c->dfd = -1;
	c->lock_fd = -1;
}

bool cache_usable(const struct cache *c)
{
	return c && c->dfd >= 0;
}

/*
 * Opens rel (plain names separated by '/') under the cache folder: each
 * folder on the way opened with O_NOFOLLOW (and made, 0700, when mkdirs),
 * then the last name with flags | O_NOFOLLOW (made too, as a folder, when
 * mkdirs and flags has O_DIRECTORY). A cache not opened (a no-op's look
 * before cache_open) is opened read-only for the call. Returns the
 * descriptor, or -1 with errno set.
 */
static int open_in(const struct cache *c, const char *rel, int flags, bool mkdirs)
{
	int dfd = c->dfd, own = -1;
	if (dfd < 0) {
		if (!c->dir || (own = open_checked(c->dir)) < 0)
			return -1;
		dfd = own;
	}
	char *path = xstrdup(rel);
	char *name = path;
	int fd = -1;
	for (char *slash; (slash = strchr(name, '/'));) {
		*slash = '\0';
		if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
			errno = EINVAL;
			goto out;
		}
		if (mkdirs && mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
			goto out;
		int next = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto out;
		if (dfd != c->dfd)
			close(dfd);
		dfd = next;
		name = slash + 1;
	}
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		errno = EINVAL;
		goto out;
	}
	if (mkdirs && (flags & O_DIRECTORY) && mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		goto out;
	fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
out:;
	int err = errno;
	if (dfd != c->dfd)
		close(dfd);
	free(path);
	errno = err;
	return fd;
}

bool cache_read(const struct cache *c, const char *rel, struct buf *b)
{
	if (!c || !c->dir)
		return false;
	int fd = open_in(c, rel, O_RDONLY | O_NONBLOCK, false);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
	size_t start = b->len;
	while (ok) {
		buf_grow(b, 65536);
		ssize_t k = read(fd, b->ptr + b->len, b->cap - b->len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			ok = false;
		if (k <= 0)
			break;
		b->len += (size_t)k;
		b->ptr[b->len] = '\0';
	}
	close(fd);
	if (!ok)
		buf_truncate(b, start);
	return ok;
}

int cache_write(const struct cache *c, const char *rel, const void *data, size_t n)
{
	if (!cache_usable(c)) {
		errno = ENOENT;
		return -1;
	}
	/* a name of this thread's own beside it, then a rename */
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp-%ld-%lx", rel, (long)getpid(), (unsigned long)pthread_self());
	int rc = -1;
	int fd = open_in(c, tmp.ptr, O_WRONLY | O_CREAT | O_EXCL, true);
	if (fd < 0)
		goto out;
	const char *p = data;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			close(fd);
			goto gone;
		}
		p += k;
		n -= (size_t)k;
	}
	if (close(fd) < 0 || renameat(c->dfd, tmp.ptr, c->dfd, rel) < 0)
		goto gone;
	rc = 0;
	goto out;
gone:;
	int err = errno;
	unlinkat(c->dfd, tmp.ptr, 0);
	errno = err;
out:
	buf_release(&tmp);
	return rc;
}

int cache_folder_path(const struct cache *c, const char *rel, struct buf *path)
{
	if (!cache_usable(c)) {
		errno = ENOENT;
		return -1;
	}
	int fd = open_in(c, rel, O_RDONLY | O_DIRECTORY, true);
	if (fd < 0)
		return -1;
	close(fd);
	buf_truncate(path, 0);
	buf_printf(path, "%s/%s", c->dir, rel);
	return 0;
}

int cache_remove(const struct cache *c, const char *rel)
{
	if (!cache_usable(c)) {
		errno = ENOENT;
		return -1;
	}
	struct stat st;
	if (fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(c->dfd, rel, 0); /* a link itself, never what it names */
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", c->dir, rel);
	int rc = dir_remove(b.ptr); /* never follows a link out of it */
	buf_release(&b);
	return rc;
}
