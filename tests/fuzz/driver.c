/*
 * driver.c: replays fuzz inputs without libFuzzer, so that a gcc build
 * under the sanitizers runs every corpus file and every crash found so far
 * (make test). As libgit2's tests/fuzz standalone_driver.c: a main() that
 * reads each file named, or each file of each folder named (in name order,
 * not recursing), and calls LLVMFuzzerTestOneInput on its bytes. A crash or
 * a broken oracle aborts; otherwise the exit status is 0 after
 * "N inputs" on stderr.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "driver: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, k);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "driver: cannot read %s\n", path);
		buf_release(&b);
		return -1;
	}
	/* exactly the file's bytes, as libFuzzer gives them */
	char *data = fuzz_copy(b.ptr, b.len);
	size_t n = b.len;
	buf_release(&b);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "driver: %s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)data, n);
	free(data);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir; counts them into *count. */
static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "driver: cannot open folder %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, names[i]);
		struct stat st;
		if (stat(p.ptr, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(p.ptr) < 0)
				rc = -1;
			(*count)++;
		}
		buf_release(&p);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	size_t count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			/* a target with no crashes yet has no folder for them */
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "driver: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				rc = 1;
		} else {
			if (run_file(argv[i]) < 0)
				rc = 1;
			count++;
		}
	}
	fprintf(stderr, "%s: %zu inputs\n", argv[0], count);
	return rc;
}
