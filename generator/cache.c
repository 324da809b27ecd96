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
 *
 * What is in it: every file written by cache_write ends with a checksum
 * (a file damaged in any way is no entry); entries are keyed by what made
 * them (c->plansite: the executable and its libraries); files are written
 * through a temporary name and a rename. Every build holds a shared flock
 * on <dir>/lock while it uses the cache; what is replaced is moved into
 * trash/ (cache_trash), emptied only by a build that finds itself the
 * lock's last holder, so nothing is removed while another build may read
 * it.
 */
#include "plansite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
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

/* Appends what is left to read of fd to b (NUL-terminated); false on a
 * read error. */
static bool read_rest(int fd, struct buf *b)
{
	for (;;) {
		buf_grow(b, 65536);
		ssize_t k = read(fd, b->ptr + b->len, b->cap - b->len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		if (k == 0)
			return true;
		b->len += (size_t)k;
		b->ptr[b->len] = '\0';
	}
}

static bool read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read_rest(fd, b);
	close(fd);
	return ok;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shared libraries plansite runs with (cmark-gfm renders, cairo and
 * pango typeset): each file mapped into the process as code, by path,
 * device, inode, size and modification time, in path order. An upgraded
 * library is a new file. Only code: the data files mapped as a build goes
 * (fontconfig's caches, the fonts, a debugger's pipe) are not what plansite
 * is, and with them a process that had made a PDF was another plansite to
 * its next build (no build of a long-lived process was ever a no-op; the
 * fonts count through pdf_environment). False when the map cannot be
 * read. */
static bool key_libraries(struct buf *t)
{
	struct buf maps = BUF_INIT;
	if (!read_file("/proc/self/maps", &maps)) {
		buf_release(&maps);
		return false;
	}
	char **paths = NULL;
	size_t n = 0, cap = 0;
	for (char *line = maps.ptr, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		/* "start-end perms offset dev inode path": perms as "r-xp" */
		const char *perms = strchr(line, ' ');
		char *path = strchr(line, '/');
		if (!path || !perms || strlen(perms) < 4 || perms[3] != 'x')
			continue; /* anonymous, [heap], [stack], data, ... */
		GROW_FROM(paths, n, cap, 64);
		paths[n++] = path;
	}
	if (n)
		qsort(paths, n, sizeof(*paths), cmp_cstr);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(paths[i], paths[i - 1]) == 0)
			continue;
		struct stat st;
		buf_puts(t, "library ");
		for (const char *c = paths[i]; *c; c++)
			buf_putc(t, *c == '\n' ? '?' : *c);
		if (stat(paths[i], &st) == 0)
			buf_printf(t, " %llu %llu %lld %lld.%09ld\n", (unsigned long long)st.st_dev,
				   (unsigned long long)st.st_ino, (long long)st.st_size,
				   (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
		else
			buf_puts(t, " gone\n");
	}
	free(paths);
	buf_release(&maps);
	return true;
}


/* The text of what plansite is: its version, the bytes of its executable
 * (which hold the built-in theme), and the shared libraries it runs with.
 * False when something of it cannot be read. */
static bool identity_text(struct buf *t)
{
	struct buf exe = BUF_INIT;
	bool ok = read_file("/proc/self/exe", &exe) && exe.len > 0;
	if (ok) {
		buf_printf(t, "plansite %s\nexecutable %zu %016llx %016llx\n", PLANSITE_VERSION,
			   exe.len, (unsigned long long)hash64(exe.ptr, exe.len, 0),
			   (unsigned long long)hash64(exe.ptr, exe.len, 1));
		ok = key_libraries(t);
	}
	buf_release(&exe);
	return ok;
}

static void identity(struct cache *c)
{
	struct buf t = BUF_INIT;
	if (identity_text(&t))
		snprintf(c->plansite, sizeof(c->plansite), "%016llx%016llx",
			 (unsigned long long)hash64(t.ptr, t.len, 0x706c616e73697465ull),
			 (unsigned long long)hash64(t.ptr, t.len, 0x6964656e74697479ull));
	buf_release(&t);
}

void cache_locate(struct cache *c, const char *given, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->dfd = -1;
	c->lock_fd = -1;
	identity(c);
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

static void tidy(struct cache *c);

void cache_close(struct cache *c)
{
	/* What was moved aside is removed only when no other build holds
	 * the lock: one may still be reading it. */
	if (c->lock_fd >= 0 && !c->temporary && flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0)
		tidy(c);
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

/*
 * Every file cache_write writes ends with a trailer of fixed length,
 * "\nplansite-entry <16 hex: XXH64 of the bytes before> <12 digits: their
 * length>\n", which cache_read checks and takes off: a file missing, emptied,
 * cut short or changed is no entry at all, never used.
 */
#define TRAILER_LEN (1 + 14 + 1 + 16 + 1 + 12 + 1)
static const uint64_t trailer_seed = 0x656e747279ull;

static void trailer(struct buf *b, const void *data, size_t n)
{
	buf_printf(b, "\nplansite-entry %016llx %012llu\n",
		   (unsigned long long)hash64(data, n, trailer_seed), (unsigned long long)n);
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
	ok = ok && read_rest(fd, b);
	close(fd);
	if (ok) {
		size_t n = b->len - start;
		struct buf want = BUF_INIT;
		if (n >= TRAILER_LEN)
			trailer(&want, b->ptr + start, n - TRAILER_LEN);
		ok = n >= TRAILER_LEN &&
		     memcmp(b->ptr + start + n - TRAILER_LEN, want.ptr, TRAILER_LEN) == 0;
		buf_release(&want);
		if (ok)
			buf_truncate(b, b->len - TRAILER_LEN);
	}
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
	struct buf tail = BUF_INIT;
	trailer(&tail, data, n);
	int fd = open_in(c, tmp.ptr, O_WRONLY | O_CREAT | O_EXCL, true);
	if (fd < 0)
		goto out;
	const char *p = data;
	bool tailed = false;
	while (n || !tailed) {
		if (!n) { /* then the trailer */
			p = tail.ptr;
			n = tail.len;
			tailed = true;
			continue;
		}
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
	buf_release(&tail);
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

int cache_open_folder(const struct cache *c, const char *rel)
{
	if (!cache_usable(c)) {
		errno = ENOENT;
		return -1;
	}
	int fd = open_in(c, rel, O_RDONLY | O_DIRECTORY, false);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	return fd;
}

/* One file of a folder's manifest. */
struct man_line {
	char *path;
	uint64_t size, hash;
};

static int cmp_man(const void *a, const void *b)
{
	return strcmp(((const struct man_line *)a)->path, ((const struct man_line *)b)->path);
}

/* Adds every regular file under the folder dfd (taken: closed here) to
 * *v, its path after prefix; -1 on anything else (a link, another user's,
 * a read failure), as writer_link would not take it as it is. */
static int man_walk(int dfd, const char *prefix, struct man_line **v, size_t *n, size_t *cap,
		    int depth)
{
	DIR *dir = depth > 64 ? NULL : fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	struct buf p = BUF_INIT, bytes = BUF_INIT;
	while (rc == 0 && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue; /* as writer_link leaves them out */
		buf_truncate(&p, 0);
		buf_printf(&p, "%s%s", prefix, e->d_name);
		int fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
			if (fd >= 0)
				close(fd);
			rc = -1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			buf_putc(&p, '/');
			rc = man_walk(fd, p.ptr, v, n, cap, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			rc = -1;
			break;
		}
		buf_truncate(&bytes, 0);
		bool ok = read_rest(fd, &bytes);
		close(fd);
		if (!ok || bytes.len != (size_t)st.st_size) {
			rc = -1;
			break;
		}
		GROW_FROM(*v, *n, *cap, 256);
		(*v)[(*n)++] = (struct man_line){xstrdup(p.ptr), bytes.len,
						 hash64(bytes.ptr, bytes.len, trailer_seed)};
	}
	closedir(dir);
	buf_release(&p);
	buf_release(&bytes);
	return rc;
}

int cache_manifest(const struct cache *c, const char *rel, struct buf *out)
{
	int fd = cache_open_folder(c, rel);
	if (fd < 0)
		return -1;
	struct man_line *v = NULL;
	size_t n = 0, cap = 0;
	int rc = man_walk(fd, "", &v, &n, &cap, 0);
	if (rc == 0 && n)
		qsort(v, n, sizeof(*v), cmp_man);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			buf_printf(out, "file %llu %016llx %s\n", (unsigned long long)v[i].size,
				   (unsigned long long)v[i].hash, v[i].path);
		free(v[i].path);
	}
	free(v);
	return rc;
}

int cache_trash(const struct cache *c, const char *rel)
{
	struct stat st;
	if (!cache_usable(c) || fstatat(c->dfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	struct buf dir = BUF_INIT, to = BUF_INIT;
	int rc = cache_folder_path(c, "trash", &dir);
	if (rc == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		const char *base = strrchr(rel, '/');
		buf_printf(&to, "trash/%ld-%lx-%lld%09ld-%s", (long)getpid(),
			   (unsigned long)pthread_self(), (long long)ts.tv_sec, ts.tv_nsec,
			   base ? base + 1 : rel);
		rc = renameat(c->dfd, rel, c->dfd, to.ptr);
		if (rc < 0 && errno == ENOENT)
			rc = 0; /* another build moved it first */
	}
	buf_release(&dir);
	buf_release(&to);
	return rc;
}

/* With the lock held alone (no other build is using the cache): empties
 * trash/ and removes the temporary files of builds that were killed. */
static void tidy(struct cache *c)
{
	static const char *const folders[] = {"", "pdf", "builds", "checks", "versions"};
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/trash", c->dir);
	dir_remove(p.ptr); /* never follows a link out of it */
	/* no build is writing: a temporary name is a killed build's */
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		int fd = *folders[i] ? cache_open_folder(c, folders[i]) : dup(c->dfd);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			bool stale = strstr(e->d_name, ".tmp-") ||
				     (i == 4 && (strncmp(e->d_name, "new-", 4) == 0 ||
						 strncmp(e->d_name, ".new-", 5) == 0));
			if (!stale)
				continue;
			buf_truncate(&p, 0);
			buf_printf(&p, "%s/%s%s%s", c->dir, folders[i], *folders[i] ? "/" : "",
				   e->d_name);
			dir_remove(p.ptr);
		}
		closedir(d);
	}
	buf_release(&p);
}
