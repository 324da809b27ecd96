/*
 * output.c: which folders a build may replace, and one build at a time into
 * each. A build replaces its output folder whole (write.c swaps a staging
 * folder in and removes the old one), so the folder must be plansite's own:
 *
 *   - never the site root, a folder above it, anything inside its content/,
 *     themes/ or .git, the repository's git folders (a bare repository's,
 *     a linked work tree's and their common one) or a folder holding them,
 *     nor the work tree's top; all compared as real paths, after every
 *     symbolic link and '..' is resolved;
 *   - not a symbolic link (the swap would replace the link, not what it
 *     points at): the message names the folder to give instead;
 *   - a folder that is absent, empty, holds the marker (.plansite-output,
 *     which writer_open puts into every output), or is named by the build
 *     record (an output of a plansite from before the marker).
 *
 * Anything else is refused (E031) before anything is written. A lock file
 * beside the output (.<name>.lock, flock'd, removed by its holder) keeps a
 * second build into the same output waiting until the first is done; the
 * folder is looked at again once the lock is held.
 */
#include "plansite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char output_marker_text[] =
	"plansite-output 1\n"
	"This folder was written by plansite, and each build into it replaces it whole:\n"
	"keep nothing else here.\n";

/* The start every marker has, whatever the version that wrote it. */
#define MARKER_MAGIC "plansite-output "

static const struct pos nopos = {NULL, 0, 0};

char *output_path(const char *out)
{
	struct buf abs = BUF_INIT, cur = BUF_INIT;
	char *res = NULL;
	if (out[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			goto out;
		buf_printf(&abs, "%s/", cwd);
		free(cwd);
	}
	buf_puts(&abs, out);
	/* cur: the real path so far, "" for '/'; once a component is
	 * missing, the rest are taken as named */
	bool missing = false;
	const char *p = abs.ptr;
	for (;;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		const char *next = p + n;
		bool last = next[strspn(next, "/")] == '\0';
		bool dot = n == 1 && p[0] == '.', dotdot = n == 2 && p[0] == '.' && p[1] == '.';
		if (dot || dotdot) {
			p = next;
			if (dot)
				continue;
			if (missing) { /* as the kernel: no way up from a folder that is not there */
				errno = ENOENT;
				goto out;
			}
			char *slash = strrchr(cur.ptr, '/');
			buf_truncate(&cur, slash ? (size_t)(slash - cur.ptr) : 0);
			continue;
		}
		buf_putc(&cur, '/');
		buf_put(&cur, p, n);
		p = next;
		if (missing)
			continue;
		struct stat st;
		if (lstat(cur.ptr, &st) < 0) {
			if (errno != ENOENT)
				goto out;
			missing = true;
			continue;
		}
		if (!S_ISLNK(st.st_mode) || last) {
			if (!last && !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				goto out;
			}
			continue;
		}
		char *real = realpath(cur.ptr, NULL);
		if (!real)
			goto out;
		buf_truncate(&cur, 0);
		if (strcmp(real, "/") != 0)
			buf_puts(&cur, real);
		free(real);
	}
	res = cur.len ? buf_detach(&cur, NULL) : xstrdup("/");
out:
	buf_release(&abs);
	buf_release(&cur);
	return res;
}

bool output_marked(int dfd)
{
	struct stat st;
	if (fstatat(dfd, OUTPUT_MARKER, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return false;
	int fd = openat(dfd, OUTPUT_MARKER, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	char head[sizeof(MARKER_MAGIC) - 1];
	ssize_t k = pread(fd, head, sizeof(head), 0);
	close(fd);
	return k == (ssize_t)sizeof(head) && memcmp(head, MARKER_MAGIC, sizeof(head)) == 0;
}

/* Whether path is dir or inside it (both absolute and real). */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The places an output may never be: the site root, and the repository's
 * folders (found once, for both looks at a path). */
struct places {
	const char *root;
	struct buf git_dirs;  /* NUL-separated */
	struct buf work_tree; /* "" when none */
};

/*
 * Why the folder at abs (absolute, real) may never be an output, written
 * into why as what follows "it" ("is the site root"); false when it may be.
 * root/content, root/themes and root/.git count both as named and as
 * resolved (one of them may be a link).
 */
static bool forbidden(const char *abs, const struct places *pl, struct buf *why)
{
	static const char *const subs[] = {"content", "themes", ".git"};
	const char *root = pl->root;
	if (strcmp(abs, root) == 0) {
		buf_puts(why, "is the site root (the folder holding site.yaml)");
		return true;
	}
	if (under(root, abs)) {
		buf_printf(why, "holds the site root '%s'", root);
		return true;
	}
	struct buf dir = BUF_INIT;
	bool found = false;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]) && !found; i++) {
		buf_truncate(&dir, 0);
		buf_printf(&dir, "%s/%s", root, subs[i]);
		char *real = realpath(dir.ptr, NULL);
		if (under(abs, dir.ptr) || (real && under(abs, real))) {
			bool self = strcmp(abs, dir.ptr) == 0 || (real && strcmp(abs, real) == 0);
			buf_printf(why, "is %sthe site's %s/ folder", self ? "" : "inside ", subs[i]);
			found = true;
		}
		free(real);
	}
	buf_release(&dir);
	if (found)
		return true;
	const char *end = pl->git_dirs.ptr + pl->git_dirs.len;
	for (const char *g = pl->git_dirs.ptr; g < end; g += strlen(g) + 1) {
		if (under(abs, g) || under(g, abs)) {
			buf_printf(why, "%s the repository's git folder '%s'",
				   under(abs, g) ? "is inside" : "holds", g);
			return true;
		}
	}
	const char *wt = pl->work_tree.ptr;
	if (*wt && under(wt, abs)) {
		buf_printf(why, "%s the repository's work tree '%s'",
			   strcmp(abs, wt) == 0 ? "is" : "holds", wt);
		return true;
	}
	return false;
}

/* Refuses (E031) the output shown as shown: it <why>; <fix>. Returns 1. */
static int refuse(struct diag *d, const char *shown, const char *why, const char *fix)
{
	diag_error(d, nopos, "E031", "refusing to use '%s' as the output folder: it %s; %s", shown,
		   why, fix);
	return 1;
}

/* What to do about an output in a place it may never be. */
static const char fix_own[] =
	"plansite replaces its output folder whole: give --out a new folder of its own, outside "
	"the site's content/, themes/ and git folders";

/* Reports (E026) that what could not be done to path, with errno's reason.
 * Returns -1. */
static int io_failure(struct diag *d, const char *what, const char *path)
{
	diag_error(d, nopos, "E026", "cannot %s '%s': %s", what, path, strerror(errno));
	return -1;
}

/* The rules on where the output is: 0 when abs may be one, 1 when refused,
 * -1 after an I/O failure (both reported). */
static int check_place(const char *abs, const char *shown, const struct places *pl,
		       struct diag *d)
{
	struct buf why = BUF_INIT, msg = BUF_INIT;
	int rc = 0;
	struct stat st;
	if (forbidden(abs, pl, &why)) {
		rc = refuse(d, shown, why.ptr, fix_own);
	} else if (lstat(abs, &st) < 0) {
		if (errno != ENOENT)
			rc = io_failure(d, "look at", abs);
	} else if (S_ISLNK(st.st_mode)) {
		char *target = realpath(abs, NULL);
		if (target && forbidden(target, pl, &msg)) {
			buf_printf(&why, "is a symbolic link to '%s', which %s", target, msg.ptr);
			rc = refuse(d, shown, why.ptr, fix_own);
		} else if (target) {
			buf_printf(&why, "is a symbolic link (to '%s')", target);
			buf_truncate(&msg, 0);
			buf_printf(&msg,
				   "plansite replaces its output folder whole, and would replace the "
				   "link, not what it points at: give the folder itself, --out '%s'",
				   target);
			rc = refuse(d, shown, why.ptr, msg.ptr);
		} else {
			rc = refuse(d, shown, "is a symbolic link to nothing",
				    "give --out a new or empty folder");
		}
		free(target);
	}
	buf_release(&why);
	buf_release(&msg);
	return rc;
}

/* The rule on what the output holds: 0 when plansite may replace the folder
 * at abs (absent, empty, marked, or named by the build record), 1 when
 * refused, -1 after an I/O failure (both reported). */
static int check_contents(const char *abs, const char *shown, const struct output_rules *r,
			  struct diag *d)
{
	struct stat st;
	if (lstat(abs, &st) < 0)
		return errno == ENOENT ? 0 : io_failure(d, "look at", abs);
	if (!S_ISDIR(st.st_mode))
		return refuse(d, shown, S_ISREG(st.st_mode) ? "is a file, not a folder" : "is not a folder",
			      "give --out a new or empty folder");
	int dfd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return io_failure(d, "open the folder", abs);
	if (output_marked(dfd)) {
		close(dfd);
		return 0;
	}
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return io_failure(d, "read the folder", abs);
	}
	/* the first name in byte order, so the message is the same every time */
	char *first = NULL;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    (!first || strcmp(e->d_name, first) < 0)) {
			free(first);
			first = xstrdup(e->d_name);
		}
	closedir(dir);
	int rc = 0;
	if (first && !(r->recorded && r->recorded(r->ctx, abs))) {
		struct buf why = BUF_INIT;
		buf_printf(&why,
			   "holds files (such as '%s') but no %s marker, and no build record names "
			   "it, so they may not be plansite's",
			   first, OUTPUT_MARKER);
		rc = refuse(d, shown, why.ptr,
			    "plansite replaces its output folder whole: give --out a new or empty "
			    "folder, or, if this is an earlier plansite's output, delete it by hand");
		buf_release(&why);
	}
	free(first);
	return rc;
}

/* Takes the lock beside abs (<parent>/.<name>.lock), waiting, with a line
 * on stderr, while another build holds it. 0, or -1 after reporting. */
static int lock_take(struct output_claim *c, const char *abs, const char *shown, struct diag *d)
{
	const char *slash = strrchr(abs, '/');
	struct buf path = BUF_INIT;
	buf_put(&path, abs, (size_t)(slash - abs));
	buf_printf(&path, "/.%s.lock", slash + 1);
	bool said = false;
	int rc = -1, fd = -1;
	for (;;) {
		fd = open(path.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
		struct stat a, b;
		if (fd < 0 || fstat(fd, &a) < 0) {
			io_failure(d, "make the lock", path.ptr);
			goto out;
		}
		if (!S_ISREG(a.st_mode)) {
			errno = EINVAL;
			io_failure(d, "use as a lock", path.ptr);
			goto out;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK) {
				io_failure(d, "lock", path.ptr);
				goto out;
			}
			if (!said) {
				char pid[24] = "";
				ssize_t k = pread(fd, pid, sizeof(pid) - 1, 0);
				pid[k > 0 ? k : 0] = '\0';
				pid[strcspn(pid, "\n")] = '\0';
				fprintf(stderr,
					"plansite: waiting for %s%s, which is writing into '%s' (it holds %s)\n",
					*pid ? "process " : "another build", pid, shown, path.ptr);
				said = true;
			}
			int got;
			while ((got = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
				;
			if (got < 0) {
				io_failure(d, "lock", path.ptr);
				goto out;
			}
		}
		/* Held; unless its holder removed it as it finished, when the
		 * lock to take is the file at the path now. */
		if (stat(path.ptr, &b) == 0 && b.st_ino == a.st_ino && b.st_dev == a.st_dev)
			break;
		close(fd);
	}
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		io_failure(d, "write the lock", path.ptr);
		unlink(path.ptr);
		goto out;
	}
	c->lock_fd = fd;
	c->lock = buf_detach(&path, NULL);
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	return rc;
}

int output_claim(struct output_claim *c, const char *out, const struct output_rules *r,
		 struct diag *d)
{
	memset(c, 0, sizeof(*c));
	c->lock_fd = -1;
	char *abs = output_path(out);
	if (!abs) {
		diag_error(d, nopos, "E026", "cannot find the folder '%s': %s", out, strerror(errno));
		return -1;
	}
	struct places pl = {r->root, BUF_INIT, BUF_INIT};
	repo_folders(r->root, &pl.git_dirs, &pl.work_tree);
	int rc = check_place(abs, out, &pl, d);
	if (rc == 0)
		rc = check_contents(abs, out, r, d);
	if (rc == 0) {
		/* the folders above it, then the lock, then a second look: the
		 * build that held the lock may have just made it */
		char *parent = xstrndup(abs, (size_t)(strrchr(abs, '/') - abs));
		if (*parent && dir_make(parent) < 0)
			rc = io_failure(d, "make the folder", parent);
		free(parent);
	}
	if (rc == 0)
		rc = lock_take(c, abs, out, d);
	if (rc == 0)
		rc = check_contents(abs, out, r, d);
	if (rc == 0) {
		c->path = abs;
		abs = NULL;
	} else {
		output_release(c);
	}
	buf_release(&pl.git_dirs);
	buf_release(&pl.work_tree);
	free(abs);
	return rc;
}

void output_release(struct output_claim *c)
{
	if (c->lock_fd >= 0) {
		/* removed while held: a build waiting on it sees it is gone and
		 * takes the next one (lock_take) */
		unlink(c->lock);
		close(c->lock_fd);
	}
	free(c->lock);
	free(c->path);
	memset(c, 0, sizeof(*c));
	c->lock_fd = -1;
}
