/*
 * loop.c: many builds in one process through build_run, as a preview server
 * makes them (run-memory.sh). Each build gets a folder of its own for its
 * output and one for its cache, so that each does the whole work (history
 * walk, months' data, PDFs typeset) and none is a no-op rebuild; a last
 * build goes into the first build's output again, which must be a no-op.
 *
 *   loop N BASE SITE TODAY [--worktree] [--practices]
 *
 * builds SITE (read from git at HEAD, or from its files with --worktree; for
 * the public, or the practices with --practices) as of TODAY into BASE/out-1 ..
 * BASE/out-N (caches BASE/cache-I) and prints, after each build, one line
 *
 *   build I: exit S, rss KB, hwm KB, heap BYTES
 *
 * with the resident set (/proc/self/statm) and its peak (VmHWM of
 * /proc/self/status) in kB, and the bytes of the heap in use (heap_bytes). Exits 1 when a build does not exit 0; the
 * caller compares the outputs and the figures.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The resident set of this process in kB (statm's second field). */
static long rss_kb(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	if (f)
		fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The peak resident set in kB (VmHWM). */
static long hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* The bytes malloc has handed out and not had back (mallinfo2: in its
 * arenas and mmapped), or -1 without glibc. Blocks kept in a thread's
 * cache (tcache) count as handed out: run with
 * GLIBC_TUNABLES=glibc.malloc.tcache_count=0 for an exact figure. */
static long long heap_bytes(void)
{
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();
	return (long long)(mi.uordblks + mi.hblkhd);
#else
	return -1;
#endif
}

/* One build by o into out with its cache, as "plansite build" makes it:
 * the findings and the summary line on stderr; its exit status. */
static int build_into(struct build_opts *o, const char *out, const char *cache)
{
	o->out = out;
	o->cache = cache;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	int status = build_run(o, &d);
	diag_summary(&d, stderr);
	diag_release(&d);
	return status;
}

int main(int argc, char **argv)
{
	struct build_opts o = {0};
	struct date today;
	struct buf out = BUF_INIT, cache = BUF_INIT, key = BUF_INIT;
	if (argc < 5 || !date_parse(argv[4], strlen(argv[4]), &today) || atoi(argv[1]) < 1) {
		fputs("usage: loop N BASE SITE TODAY [--worktree] [--practices]\n", stderr);
		return 2;
	}
	int n = atoi(argv[1]);
	const char *base = argv[2];
	o.dir = argv[3];
	o.today = &today;
	/* the key main.c's options_key gives for this command line */
	buf_printf(&key, "build%c--today%c%s%c", 0, 0, argv[4], 0);
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--worktree") == 0) {
			o.worktree = true;
			buf_printf(&key, "--worktree%c", 0);
		} else if (strcmp(argv[i], "--practices") == 0) {
			o.audience = VIS_PRACTICES;
			buf_printf(&key, "--audience%cpractices%c", 0, 0);
		} else {
			fprintf(stderr, "loop: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	o.key = key.ptr;
	o.key_len = key.len;
	build_tune_malloc(); /* as main.c does */
	int rc = 0;
	for (int i = 1; i <= n + 1; i++) {
		/* the last one: the first output again, a no-op rebuild */
		int k = i <= n ? i : 1;
		buf_truncate(&out, 0);
		buf_truncate(&cache, 0);
		buf_printf(&out, "%s/out-%d", base, k);
		buf_printf(&cache, "%s/cache-%d", base, k);
		int st = build_into(&o, out.ptr, cache.ptr);
		if (i <= n)
			printf("build %d: exit %d, rss %ld, hwm %ld, heap %lld\n", i, st, rss_kb(),
			       hwm_kb(), heap_bytes());
		else
			printf("again 1: exit %d\n", st);
		fflush(stdout);
		if (st != 0)
			rc = 1;
	}
	buf_release(&out);
	buf_release(&cache);
	buf_release(&key);
	pdf_shutdown(); /* fontconfig's caches, for leak checkers */
	return rc;
}
