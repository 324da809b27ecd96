/*
 * fuzz_mustache.c: the Mustache engine, template and data. The input is
 * NUL-separated parts: a flags byte then the main template; the data, as
 * YAML (JSON is YAML); then partials, each "NAME\n" then its text. Flags:
 * bit 0 a strict set (a theme's: unknown partials are E041), bit 1 small
 * limits (E042 after 4,000 bytes or 300 expansions; else 1 MiB, 200,000),
 * bit 2 every list of the data shared (the memo's case). Oracles:
 *   - a template that does not compile is E040 at a position, and a render
 *     that fails reports an error and leaves the output as it was;
 *   - no render appends more than the byte limit;
 *   - a render with a memo, twice (the second from what the first kept),
 *     gives mustache_render's bytes, or stops at the same place.
 */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PLANSITE_JOBS", "1", 1);
	return 0;
}

#define MAIN "\x01main" /* a name no partial of the input can have */
#define MAX_PARTS 16

static void share_lists(struct value *v, int depth)
{
	if (!v || depth > 70)
		return;
	if (v->kind == VALUE_LIST) {
		v->shared = true;
		for (size_t i = 0; i < v->n; i++)
			share_lists(v->u.items[i], depth + 1);
	} else if (v->kind == VALUE_MAP) {
		for (size_t i = 0; i < v->n; i++)
			share_lists(v->u.pairs[i].val, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	unsigned flags = data[0];
	char *in = fuzz_copy(data + 1, size - 1);
	size_t n = size - 1;
	/* the parts, each its own allocation */
	char *part[MAX_PARTS];
	size_t plen[MAX_PARTS], np = 0;
	for (size_t at = 0; np < MAX_PARTS;) {
		const char *z = memchr(in + at, '\0', n - at);
		size_t end = z ? (size_t)(z - in) : n;
		if (np == MAX_PARTS - 1)
			end = n;
		part[np] = fuzz_copy(in + at, end - at);
		plen[np++] = end - at;
		if (end >= n)
			break;
		at = end + 1;
	}

	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct arena a = {0};
	struct value *ctx = NULL;
	if (np > 1) {
		struct diag yd;
		diag_init(&yd, DIAG_TEXT);
		ctx = yaml_parse(&a, part[1], plen[1], "data.yaml", 1, NULL, &yd);
		diag_release(&yd);
		if (flags & 4)
			share_lists(ctx, 0);
	}
	struct mustache_set *s = mustache_set_new(flags & 1);
	struct mustache_limits lim = {1u << 20, 200000};
	if (flags & 2)
		lim = (struct mustache_limits){4000, 300};
	mustache_set_limits(s, &lim);
	size_t before = d.errors;
	bool main_ok = mustache_set_add(s, MAIN, "main.mustache", part[0], plen[0], &d);
	if (!main_ok && d.errors == before)
		fuzz_fail("mustache_set_add refused the template with no error");
	char *names[MAX_PARTS];
	size_t nn = 0;
	for (size_t i = 2; i < np; i++) {
		const char *nl = memchr(part[i], '\n', plen[i]);
		if (!nl || nl == part[i] || (size_t)(nl - part[i]) == strlen(MAIN))
			continue; /* no name, or one that might be MAIN */
		names[nn] = fuzz_copy(part[i], (size_t)(nl - part[i]));
		const char *text = nl + 1;
		before = d.errors;
		if (!mustache_set_add(s, names[nn], names[nn], text, plen[i] - (size_t)(text - part[i]),
				      &d) &&
		    d.errors == before)
			fuzz_fail("mustache_set_add refused partial '%s' with no error", names[nn]);
		nn++;
	}
	mustache_set_link(s, &d);
	fuzz_check_findings(&d, "main.mustache");
	if (main_ok) {
		struct buf out = BUF_INIT, memo_out = BUF_INIT;
		buf_puts(&out, "before");
		before = d.errors;
		bool ok = mustache_render(s, MAIN, ctx, &out, &d);
		if (!ok && d.errors == before)
			fuzz_fail("mustache_render failed with no error");
		if (!ok && strcmp(out.ptr, "before") != 0)
			fuzz_fail("a failed render changed the output");
		if (out.len - 6 > lim.max_bytes)
			fuzz_fail("a render appended %zu bytes, over the limit of %zu", out.len - 6,
				  lim.max_bytes);
		struct mustache_memo *m = mustache_memo_new();
		for (int k = 0; k < 2; k++) {
			struct mustache_stop st = {0};
			struct diag md;
			diag_init(&md, DIAG_TEXT);
			buf_truncate(&memo_out, 0);
			buf_puts(&memo_out, "before");
			bool mok = mustache_render_memo(s, MAIN, ctx, &memo_out, m, &st, &md);
			if (mok != ok)
				fuzz_fail("with a memo (render %d) the render %s", k + 1,
					  mok ? "succeeds" : "fails");
			if (ok && (memo_out.len != out.len || memcmp(memo_out.ptr, out.ptr, out.len) != 0))
				fuzz_fail("with a memo (render %d) the output differs:\n-- plain:\n%s\n-- "
					  "memo:\n%s",
					  k + 1, out.ptr, memo_out.ptr);
			mustache_stop_release(&st);
			diag_release(&md);
		}
		mustache_memo_free(m);
		buf_release(&out);
		buf_release(&memo_out);
	}
	mustache_set_free(s);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	for (size_t i = 0; i < np; i++)
		free(part[i]);
	arena_release(&a);
	diag_release(&d);
	free(in);
	return 0;
}
