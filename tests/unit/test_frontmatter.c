/* test_frontmatter.c: splitting a Markdown document into front matter and
 * body (frontmatter.c), and the line numbers that keep positions the file's. */
#include "unit.h"

struct split {
	bool ok;
	struct frontmatter fm;
	const char *err;
	uint32_t err_line;
};

static struct split split_n(const char *s, size_t n)
{
	struct split r;
	memset(&r, 0, sizeof(r));
	r.ok = frontmatter_split(s, n, &r.fm, &r.err, &r.err_line);
	return r;
}

static struct split split(const char *s)
{
	return split_n(s, strlen(s));
}

#define assert_mem(p, n, want)                                                                  \
	do {                                                                                    \
		assert_int_equal((n), strlen(want));                                            \
		assert_memory_equal((p), (want), (n));                                          \
	} while (0)

static void test_basic(void **state)
{
	const char *doc = "---\ntitle: COPD\nstatus: amber\n---\n## Aims\nText.\n";
	struct split r = split(doc);
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "title: COPD\nstatus: amber\n");
	assert_int_equal(r.fm.yaml_line, 2);
	assert_mem(r.fm.body, r.fm.body_len, "## Aims\nText.\n");
	assert_int_equal(r.fm.body_line, 5);
	/* pointers into the document, not copies */
	assert_ptr_equal(r.fm.yaml, doc + 4);
}

static void test_bom(void **state)
{
	struct split r = split("\xEF\xBB\xBF---\na: 1\n---\nbody\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\n");
	assert_int_equal(r.fm.yaml_line, 2);
	assert_int_equal(r.fm.body_line, 4);
	assert_mem(r.fm.body, r.fm.body_len, "body\n");
}

static void test_crlf(void **state)
{
	struct split r = split("---\r\na: 1\r\nb: 2\r\n---\r\nbody\r\nmore\r\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\r\nb: 2\r\n");
	assert_int_equal(r.fm.yaml_line, 2);
	assert_int_equal(r.fm.body_line, 5);
	assert_mem(r.fm.body, r.fm.body_len, "body\r\nmore\r\n");
}

static void test_bom_crlf(void **state)
{
	struct split r = split("\xEF\xBB\xBF---\r\na: 1\r\n---\r\nbody\r\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\r\n");
	assert_int_equal(r.fm.body_line, 4);
}

static void test_dots_closer(void **state)
{
	struct split r = split("---\na: 1\n...\nbody\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\n");
	assert_mem(r.fm.body, r.fm.body_len, "body\n");
	assert_int_equal(r.fm.body_line, 4);
}

static void test_marker_trailing_space(void **state)
{
	struct split r = split("---  \na: 1\n--- \t\nbody\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\n");
	assert_mem(r.fm.body, r.fm.body_len, "body\n");
}

/* "--- x" and "----" are not delimiters; a YAML line with "---" inside is
 * not one either. */
static void test_not_markers(void **state)
{
	struct split r = split("---\na: --- x\n----\n--- x\n ---\n---\nbody\n");
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: --- x\n----\n--- x\n ---\n");
	assert_int_equal(r.fm.body_line, 7);

	r = split("----\na: 1\n---\n");
	assert_false(r.ok);
	r = split("--- a\n---\n");
	assert_false(r.ok);
}

static void test_unclosed(void **state)
{
	struct split r = split("---\ntitle: x\nbody without a closer\n");
	assert_false(r.ok);
	assert_non_null(r.err);
	assert_non_null(strstr(r.err, "not closed"));
	assert_int_equal(r.err_line, 1);

	r = split("---");
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "not closed"));
	r = split("---\n");
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "not closed"));
}

static void test_no_front_matter(void **state)
{
	const char *docs[] = {"# Title\n\nText.\n", "", "\n---\na: 1\n---\n", " ---\na: 1\n---\n",
			      "\xEF\xBB\xBF# Title\n", "title: x\n"};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct split r = split(docs[i]);
		assert_false(r.ok);
		assert_non_null(r.err);
		assert_non_null(strstr(r.err, "does not start with front matter"));
		assert_int_equal(r.err_line, 1);
	}
}

static void test_empty_body(void **state)
{
	struct split r = split("---\na: 1\n---\n");
	assert_true(r.ok);
	assert_int_equal(r.fm.body_len, 0);
	assert_int_equal(r.fm.body_line, 4);

	r = split("---\na: 1\n---"); /* no final newline */
	assert_true(r.ok);
	assert_mem(r.fm.yaml, r.fm.yaml_len, "a: 1\n");
	assert_int_equal(r.fm.body_len, 0);
	assert_int_equal(r.fm.body_line, 4);
}

static void test_empty_front_matter(void **state)
{
	struct split r = split("---\n---\nbody\n");
	assert_true(r.ok);
	assert_int_equal(r.fm.yaml_len, 0);
	assert_int_equal(r.fm.yaml_line, 2);
	assert_int_equal(r.fm.body_line, 3);
	assert_mem(r.fm.body, r.fm.body_len, "body\n");
}

/* A second "---" in the body stays in the body (a Markdown thematic break). */
static void test_body_keeps_rules(void **state)
{
	struct split r = split("---\na: 1\n---\ntext\n---\nmore\n");
	assert_true(r.ok);
	assert_mem(r.fm.body, r.fm.body_len, "text\n---\nmore\n");
}

/* Only n bytes are read: the split never looks past the end. */
static void test_length_bounded(void **state)
{
	const char *doc = "---\na: 1\n---\nbody";
	struct split r = split_n(doc, 9); /* "---\na: 1\n" */
	assert_false(r.ok);
	r = split_n(doc, 12); /* closer without its newline */
	assert_true(r.ok);
	assert_int_equal(r.fm.body_len, 0);
}

/* The line numbers fit yaml_parse: a value on the third line of the file. */
static void test_with_yaml(void **state)
{
	const char *doc = "\xEF\xBB\xBF---\r\ntitle: x\r\nstart: \"13:00\"\r\n---\r\nbody\r\n";
	struct split r = split(doc);
	assert_true(r.ok);
	struct arena a = ARENA_INIT;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct value *v = yaml_parse(&a, r.fm.yaml, r.fm.yaml_len, "content/meetings/x.md",
				     r.fm.yaml_line, NULL, &d);
	assert_non_null(v);
	assert_int_equal(d.n, 0);
	struct value *start = value_get(v, "start");
	assert_string_equal(start->str, "13:00");
	assert_int_equal(start->pos.line, 3);
	assert_int_equal(start->pos.col, 8);
	assert_int_equal(value_get_pair(v, "title")->key_pos.line, 2);
	diag_release(&d);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_dots_closer),
		cmocka_unit_test(test_marker_trailing_space),
		cmocka_unit_test(test_not_markers),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_no_front_matter),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_empty_front_matter),
		cmocka_unit_test(test_body_keeps_rules),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_with_yaml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
