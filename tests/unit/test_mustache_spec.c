/*
 * test_mustache_spec.c: the Mustache specification (tests/mustache-spec/,
 * from github.com/mustache/spec) through mustache.c, in spec mode (an unknown
 * partial renders as nothing).
 *
 * Each file is loaded with yaml_parse; for each test its partials are added
 * to a fresh set under their names, its template under a name no test uses,
 * and the output must equal `expected` byte for byte. Failures print as
 * <file>/<name> with both texts. Every test of the core files, ~inheritance
 * and ~dynamic-names must pass.
 *
 * ~lambdas.yml is skipped: lambdas are code in the data (its `!code` values),
 * and our template data, which comes from YAML and the model, holds no code.
 * Run from the repository root.
 */
#include "unit.h"

#include <stdlib.h>

#define SPEC "tests/mustache-spec"
#define MAIN "\x01template" /* no partial of the spec has this name */

/* Prints s with its newlines, carriage returns and tabs made visible. */
static void show(const char *label, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			buf_puts(&b, "\\n");
		else if (s[i] == '\r')
			buf_puts(&b, "\\r");
		else if (s[i] == '\t')
			buf_puts(&b, "\\t");
		else
			buf_putc(&b, s[i]);
	}
	printf("    %s \"%s\"\n", label, b.ptr);
	buf_release(&b);
}

static const struct value *str_field(const struct value *test, const char *key)
{
	const struct value *v = value_get(test, key);
	assert_non_null(v);
	assert_int_equal(v->kind, VALUE_STRING);
	return v;
}

/* Runs one test; returns true when it passes. */
static bool spec_case(const char *file, const struct value *test)
{
	const char *name = str_field(test, "name")->str;
	const struct value *tmpl = str_field(test, "template");
	const struct value *want = str_field(test, "expected");
	const struct value *data = value_get(test, "data");
	const struct value *partials = value_get(test, "partials");

	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct mustache_set *s = mustache_set_new(false);
	struct buf out = BUF_INIT;
	bool ok = true;
	if (partials) {
		assert_int_equal(partials->kind, VALUE_MAP);
		for (size_t i = 0; i < partials->n; i++) {
			const struct value_pair *p = &partials->u.pairs[i];
			assert_int_equal(p->val->kind, VALUE_STRING);
			ok &= mustache_set_add(s, p->key, p->key, p->val->str, p->val->len, &d);
		}
	}
	ok &= mustache_set_add(s, MAIN, "template", tmpl->str, tmpl->len, &d);
	ok &= mustache_set_link(s, &d);
	ok &= mustache_render(s, MAIN, data, &out, &d);
	if (ok && d.n == 0 && out.len == want->len && memcmp(out.ptr, want->str, out.len) == 0)
		goto out;
	ok = false;
	printf("FAIL %s/%s\n", file, name);
	show("template:", tmpl->str, tmpl->len);
	show("expected:", want->str, want->len);
	show("got:     ", out.ptr, out.len);
	diag_flush(&d, stdout);
out:
	buf_release(&out);
	mustache_set_free(s);
	diag_release(&d);
	return ok;
}

/* Runs every test of one spec file; returns the number that failed. */
static size_t run_file(const char *file)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", SPEC, file);
	size_t len;
	char *text = unit_read_file(path, &len);
	if (!text)
		fail_msg("cannot read %s (run from the repository root)", path);
	struct arena a = ARENA_INIT;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct value *root = yaml_parse(&a, text, len, path, 0, &yaml_default_limits, &d);
	if (!root) {
		diag_flush(&d, stdout);
		fail_msg("cannot load %s", path);
	}
	const struct value *tests = value_get(root, "tests");
	assert_non_null(tests);
	assert_int_equal(tests->kind, VALUE_LIST);
	size_t failed = 0;
	for (size_t i = 0; i < tests->n; i++)
		if (!spec_case(file, tests->u.items[i]))
			failed++;
	printf("%-20s %zu/%zu passed\n", file, tests->n - failed, tests->n);
	diag_release(&d);
	arena_release(&a);
	free(text);
	return failed;
}

#define SPEC_TEST(fn, file)                                                                     \
	static void fn(void **state)                                                            \
	{                                                                                       \
		(void)state;                                                                    \
		assert_int_equal(run_file(file), 0);                                            \
	}

SPEC_TEST(test_comments, "comments.yml")
SPEC_TEST(test_delimiters, "delimiters.yml")
SPEC_TEST(test_interpolation, "interpolation.yml")
SPEC_TEST(test_inverted, "inverted.yml")
SPEC_TEST(test_partials, "partials.yml")
SPEC_TEST(test_sections, "sections.yml")
SPEC_TEST(test_inheritance, "~inheritance.yml")
SPEC_TEST(test_dynamic_names, "~dynamic-names.yml")

static void test_lambdas_skipped(void **state)
{
	(void)state;
	printf("~lambdas.yml         skipped: lambdas are code in the data, and ours holds none\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments),      cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_interpolation), cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_partials),      cmocka_unit_test(test_sections),
		cmocka_unit_test(test_inheritance),   cmocka_unit_test(test_dynamic_names),
		cmocka_unit_test(test_lambdas_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
