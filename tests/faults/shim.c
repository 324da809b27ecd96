/*
 * shim.c: an LD_PRELOAD fault injector for tests/run-faults.sh. It is built
 * with gcc, without sanitizers (ASan's own malloc does not mix with an
 * interposed one), and preloaded into a release plansite.
 *
 * Writes to regular files (write, pwrite, writev, fwrite) are counted, and
 * so are closes of regular files and allocations (malloc, calloc, realloc);
 * writes to standard output and error (plansite's messages, whether to a
 * file, a pipe or a terminal) and to pipes are neither counted nor failed. Set in the environment:
 *
 *   FAULT_WRITE_N=N     the Nth write and every one after it fail with
 *                       ENOSPC (a disk that has filled up)
 *   FAULT_WRITE_BYTES=B once B bytes are written in all, a write is cut
 *                       short at the limit and every one after fails
 *   FAULT_CLOSE_N=N     the Nth close of a regular file fails with ENOSPC
 *                       (the descriptor is closed, as close(2) does)
 *   FAULT_ALLOC_N=N     the Nth allocation returns NULL (once; the next
 *                       ones succeed, so a caller that goes on is seen)
 *   FAULT_ALLOC_FROM=L  only allocations called from an object whose file
 *                       name has one of the comma-separated words of L in
 *                       it are counted and failed ("plansite,libyaml": its
 *                       own code, and what it hands its allocator to, but
 *                       not cairo, pango, glib or fontconfig)
 *   FAULT_WRITE_MATCH=S every write to a file whose path has S in it fails
 *                       with ENOSPC (one file of the output, or the PDF)
 *   FAULT_FC_MS=M       FcInit and FcFontSetMatch called on a thread other
 *                       than the main one (pango's "[pango] FcInit" and
 *                       "[pango] FcFontSetMatch") first sleep M ms: a slow
 *                       fontconfig, so that pango's threads still hold a
 *                       font map when the build ends
 *   FAULT_PANGO_WARN=1  pango logs a warning (domain "Pango", structured,
 *                       as its g_warning does) when the first text is given
 *                       to a layout, as it does when it cannot make a font
 *                       and goes on with boxes
 *   FAULT_FONT_LOST=1   pango_cairo_font_get_scaled_font, as plansite calls
 *                       it, finds no font (as when FreeType ran out of
 *                       memory making it: its text is not drawn)
 *   FAULT_TRACE=1       each counted write's and close's number and file,
 *                       and the caller of the allocation failed, on stderr
 *   FAULT_REPORT=FILE   at exit, "writes W bytes B closes C allocs A" is
 *                       written to FILE, so a test can sweep N over 1..W
 *
 * A variable that is unset or 0 injects nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static atomic_ulong writes, closes, allocs, bytes;
static unsigned long write_n, close_n, alloc_n, byte_limit;
static const char *write_match;
static int trace;
static atomic_int ready;

static unsigned long env_num(const char *name)
{
	const char *s = getenv(name);
	return s ? strtoul(s, NULL, 10) : 0;
}

__attribute__((constructor)) static void shim_init(void)
{
	write_n = env_num("FAULT_WRITE_N");
	close_n = env_num("FAULT_CLOSE_N");
	alloc_n = env_num("FAULT_ALLOC_N");
	byte_limit = env_num("FAULT_WRITE_BYTES");
	write_match = getenv("FAULT_WRITE_MATCH");
	if (write_match && !*write_match)
		write_match = NULL;
	trace = env_num("FAULT_TRACE") != 0;
	atomic_store(&ready, 1);
}

__attribute__((destructor)) static void shim_report(void)
{
	const char *path = getenv("FAULT_REPORT");
	if (!path)
		return;
	char line[200];
	int n = snprintf(line, sizeof(line), "writes %lu bytes %lu closes %lu allocs %lu\n",
			 atomic_load(&writes), atomic_load(&bytes), atomic_load(&closes),
			 atomic_load(&allocs));
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (syscall(SYS_write, fd, line, (size_t)n) < 0)
			(void)0;
		syscall(SYS_close, fd);
	}
}

static int regular(int fd)
{
	struct stat st;
	return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* The path of fd into path (empty when it cannot be known). */
static void fd_path(int fd, char *path, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, size - 1);
	path[n > 0 ? n : 0] = '\0';
}

/* How many of the n bytes the next write to fd, a regular file, may write:
 * n, fewer (cut at the byte limit), or -1 for ENOSPC. */
static long admit(int fd, size_t n)
{
	unsigned long k = atomic_fetch_add(&writes, 1) + 1;
	if (trace || write_match) {
		char path[4096];
		fd_path(fd, path, sizeof(path));
		if (trace) {
			char line[4200];
			int len = snprintf(line, sizeof(line), "fault: write %lu (%zu bytes) %s\n", k, n, path);
			if (syscall(SYS_write, 2, line, (size_t)len) < 0)
				(void)0;
		}
		if (write_match && strstr(path, write_match))
			return -1;
	}
	if (write_n && k >= write_n)
		return -1;
	if (!byte_limit) {
		atomic_fetch_add(&bytes, n);
		return (long)n;
	}
	unsigned long had = atomic_fetch_add(&bytes, n);
	if (had >= byte_limit)
		return -1;
	return (long)(n < byte_limit - had ? n : byte_limit - had);
}

ssize_t write(int fd, const void *p, size_t n)
{
	if (n && regular(fd)) {
		long ok = admit(fd, n);
		if (ok < 0) {
			errno = ENOSPC;
			return -1;
		}
		n = (size_t)ok;
	}
	return syscall(SYS_write, fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	if (n && regular(fd)) {
		long ok = admit(fd, n);
		if (ok < 0) {
			errno = ENOSPC;
			return -1;
		}
		n = (size_t)ok;
	}
	return syscall(SYS_pwrite64, fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	if (n && regular(fd)) {
		long ok = admit(fd, n);
		if (ok < 0) {
			errno = ENOSPC;
			return -1;
		}
		if ((size_t)ok < n) { /* cut short: the first iovec's part that fits */
			size_t first = iov[0].iov_len < (size_t)ok ? iov[0].iov_len : (size_t)ok;
			return syscall(SYS_write, fd, iov[0].iov_base, first);
		}
	}
	return syscall(SYS_writev, fd, iov, cnt);
}

size_t fwrite(const void *p, size_t size, size_t nmemb, FILE *f)
{
	static size_t (*real)(const void *, size_t, size_t, FILE *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fwrite");
	if (size && nmemb && regular(fileno(f)) && admit(fileno(f), size * nmemb) < 0) {
		errno = ENOSPC;
		return 0;
	}
	return real(p, size, nmemb, f);
}

int close(int fd)
{
	int reg = regular(fd);
	char path[4096];
	if (reg && trace)
		fd_path(fd, path, sizeof(path));
	int rc = (int)syscall(SYS_close, fd);
	if (reg && rc == 0) {
		unsigned long k = atomic_fetch_add(&closes, 1) + 1;
		if (trace) {
			char line[4200];
			int len = snprintf(line, sizeof(line), "fault: close %lu %s\n", k, path);
			if (syscall(SYS_write, 2, line, (size_t)len) < 0)
				(void)0;
		}
		if (close_n && k == close_n) {
			errno = ENOSPC;
			return -1;
		}
	}
	return rc;
}

/* Whether the code at address pc is in an object FAULT_ALLOC_FROM names
 * (always, when it names none). */
static int counted_caller(void *pc)
{
	const char *from = getenv("FAULT_ALLOC_FROM");
	if (!from || !*from)
		return 1;
	Dl_info info;
	if (!dladdr(pc, &info) || !info.dli_fname)
		return 0;
	const char *name = strrchr(info.dli_fname, '/');
	name = name ? name + 1 : info.dli_fname;
	while (*from) {
		size_t n = strcspn(from, ",");
		for (const char *p = name; *p; p++)
			if (n && strncmp(p, from, n) == 0)
				return 1;
		from += n;
		if (*from == ',')
			from++;
	}
	return 0;
}

/* Whether this allocation, called from pc, is the one to fail. Nothing
 * fails before the constructor has read the environment (the loader's own
 * allocations). */
static int fail_alloc(void *pc)
{
	if (!atomic_load(&ready) || !counted_caller(pc))
		return 0;
	unsigned long k = atomic_fetch_add(&allocs, 1) + 1;
	if (!alloc_n || k != alloc_n)
		return 0;
	if (trace) {
		Dl_info info;
		char line[600];
		int ok = dladdr(pc, &info) && info.dli_fname;
		int len = snprintf(line, sizeof(line), "fault: allocation %lu fails, called from %s+%#lx\n", k,
				   ok ? info.dli_fname : "?",
				   ok ? (unsigned long)((char *)pc - (char *)info.dli_fbase) : 0ul);
		if (syscall(SYS_write, 2, line, (size_t)len) < 0)
			(void)0;
	}
	return 1;
}

void *malloc(size_t n)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	if (fail_alloc(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

/* Sleeps FAULT_FC_MS ms when called on a thread other than the main one. */
static void fc_slow(void)
{
	unsigned long ms = env_num("FAULT_FC_MS");
	if (ms && syscall(SYS_gettid) != getpid()) {
		struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
		nanosleep(&t, NULL);
	}
}

/* fontconfig's start and font matching, slowed on pango's threads. */
int FcInit(void)
{
	static int (*real)(void);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "FcInit");
	fc_slow();
	return real ? real() : 0;
}

void *FcFontSetMatch(void *config, void **sets, int nsets, void *pattern, int *result)
{
	static void *(*real)(void *, void **, int, void *, int *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "FcFontSetMatch");
	fc_slow();
	return real ? real(config, sets, nsets, pattern, result) : NULL;
}


/* pango_layout_set_text, which logs a warning first (FAULT_PANGO_WARN). */
void pango_layout_set_text(void *layout, const char *text, int length)
{
	static void (*real)(void *, const char *, int);
	/* as pango's g_warning does: GLib's structured logging */
	static void (*log_fn)(const char *, int, const char *, const char *, const char *,
			      const char *, ...);
	static atomic_int warned;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pango_layout_set_text");
	if (env_num("FAULT_PANGO_WARN") && !atomic_exchange(&warned, 1)) {
		if (!log_fn)
			*(void **)&log_fn = dlsym(RTLD_DEFAULT, "g_log_structured_standard");
		if (log_fn)
			log_fn("Pango", 1 << 4 /* G_LOG_LEVEL_WARNING */, "shim.c", "1", "shim",
			       "failed to create cairo scaled font, expect ugly output (injected)");
	}
	if (real)
		real(layout, text, length);
}

/* pango_cairo_font_get_scaled_font as plansite calls it (pango's own calls
 * do not come through here): no font (FAULT_FONT_LOST). */
void *pango_cairo_font_get_scaled_font(void *font)
{
	static void *(*real)(void *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pango_cairo_font_get_scaled_font");
	if (env_num("FAULT_FONT_LOST"))
		return NULL;
	return real ? real(font) : NULL;
}
