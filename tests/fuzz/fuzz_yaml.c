/*
 * fuzz_yaml.c: the front-matter splitter and the YAML loader. The input is
 * a document as a file holds it. It is split (after text_newlines, as the
 * loader does), and its front matter, and also the whole input as one YAML
 * text, go through yaml.c. Oracles:
 *   - the split lies inside the input, its lines in order;
 *   - where the fast path takes a text, its parse events are exactly
 *     libyaml's (as tests/unit/test_yaml_fast.c, on every input);
 *   - yaml_parse gives NULL only with an error, a flawed tree only with an
 *     error, and yaml_parse_split gives the same findings;
 *   - every finding has a message and a position from line 1, column 1.
 */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PLANSITE_JOBS", "1", 1);
	return 0;
}

/* The findings of two diags are the same: codes, positions, messages. */
static void same_findings(const struct diag *a, const struct diag *b)
{
	if (a->n != b->n || a->errors != b->errors)
		fuzz_fail("yaml_parse: %zu findings, yaml_parse_split: %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct finding *x = &a->items[i], *y = &b->items[i];
		if (strcmp(x->code, y->code) != 0 || x->pos.line != y->pos.line ||
		    x->pos.col != y->pos.col || strcmp(x->message, y->message) != 0)
			fuzz_fail("yaml_parse and yaml_parse_split differ: %u:%u %s [%s] / %u:%u %s "
				  "[%s]",
				  (unsigned)x->pos.line, (unsigned)x->pos.col, x->message, x->code,
				  (unsigned)y->pos.line, (unsigned)y->pos.col, y->message, y->code);
	}
}

static void yaml_text(const char *s0, size_t n, uint32_t line0)
{
	char *s = fuzz_copy(s0, n); /* its own allocation: no read past n goes unseen */
	struct buf fast = BUF_INIT, lib = BUF_INIT;
	if (yaml_fast_dump(s, n, &fast)) {
		bool ok = yaml_libyaml_dump(s, n, &lib);
		if (!ok || fast.len != lib.len || memcmp(fast.ptr, lib.ptr, fast.len) != 0)
			fuzz_fail("the fast path's events differ from libyaml's%s:\n-- fast:\n%s\n-- "
				  "libyaml:\n%s",
				  ok ? "" : " (libyaml: a syntax error)", fast.ptr, lib.ptr);
	}
	buf_release(&fast);
	buf_release(&lib);

	struct arena a = {0}, b = {0}, strs = {0};
	struct diag d1, d2;
	diag_init(&d1, DIAG_TEXT);
	diag_init(&d2, DIAG_TEXT);
	struct value *v = yaml_parse(&a, s, n, "f.md", line0, NULL, &d1);
	if (!v && d1.errors == 0)
		fuzz_fail("yaml_parse gave no tree and no error");
	if (v && v->flawed && d1.errors == 0)
		fuzz_fail("yaml_parse gave a flawed tree and no error");
	if (v)
		fences_in_values(&d1, v); /* what the loader asks of every tree */
	struct value *w = yaml_parse_split(&b, &strs, s, n, "f.md", line0, NULL, &d2);
	if (w)
		fences_in_values(&d2, w);
	if (!v != !w)
		fuzz_fail("yaml_parse and yaml_parse_split disagree on whether it parses");
	same_findings(&d1, &d2);
	fuzz_check_findings(&d1, "f.md");
	diag_release(&d1);
	diag_release(&d2);
	arena_release(&a);
	arena_release(&b);
	arena_release(&strs);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	size_t n = text_newlines(s, size);
	struct frontmatter fm;
	const char *err = NULL;
	uint32_t err_line = 0;
	if (frontmatter_split(s, n, &fm, &err, &err_line)) {
		if (fm.yaml < s || fm.yaml + fm.yaml_len > s + n || fm.body < fm.yaml + fm.yaml_len ||
		    fm.body + fm.body_len != s + n)
			fuzz_fail("frontmatter_split: parts outside the text");
		if (fm.yaml_line < 2 || fm.body_line <= fm.yaml_line)
			fuzz_fail("frontmatter_split: yaml at line %u, body at line %u",
				  (unsigned)fm.yaml_line, (unsigned)fm.body_line);
		yaml_text(fm.yaml, fm.yaml_len, fm.yaml_line);
	} else {
		if (!err || !*err || err_line < 1)
			fuzz_fail("frontmatter_split failed with no message or line");
	}
	/* the whole input as YAML (site.yaml, plan.yaml, people.yaml, the
	 * YAML test suite) */
	yaml_text(s, n, 1);
	free(s);
	return 0;
}
