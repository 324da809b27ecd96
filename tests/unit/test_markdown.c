/*
 * test_markdown.c: markdown_inline's shortcut. A decision or an action that
 * md_plain_inline calls plain is written as its own text, escaped, without
 * a parse; for every such string (hand-picked edges and 200,000 random ones
 * over an alphabet of letters, digits, spaces, punctuation and UTF-8), the
 * parse must give exactly that HTML and that text. Strings that Markdown or
 * GFM would change are not plain.
 */
#include "unit.h"

#include "../../generator/markdown_int.h"

#include <stdlib.h>

/* Parsed and shortcut renders of s agree (when it is plain). */
static void agree(const char *s)
{
	size_t n = strlen(s);
	if (!md_plain_inline(s, n))
		return;
	struct buf parsed = BUF_INIT, parsed_text = BUF_INIT, quick = BUF_INIT, quick_text = BUF_INIT;
	struct md_render r = {VIS_PUBLIC, false, NULL, NULL, &parsed_text};
	md_inline_parsed("content/meetings/x.md", s, n, &r, &parsed);
	r.text = &quick_text;
	markdown_inline("content/meetings/x.md", s, n, &r, &quick);
	if (strcmp(parsed.ptr, quick.ptr) != 0 || strcmp(parsed_text.ptr, quick_text.ptr) != 0)
		print_error("'%s': parsed '%s' (text '%s'), shortcut '%s' (text '%s')\n", s,
			    parsed.ptr, parsed_text.ptr, quick.ptr, quick_text.ptr);
	assert_string_equal(parsed.ptr, quick.ptr);
	assert_string_equal(parsed_text.ptr, quick_text.ptr);
	buf_release(&parsed);
	buf_release(&parsed_text);
	buf_release(&quick);
	buf_release(&quick_text);
}

static void test_plain_or_not(void **state)
{
	(void)state;
	static const char *const plain[] = {
		"Agree the alpha business case.",
		"Dr Lee's letter (and/or the forum's reply) - by 3 May?",
		"Costs rose 3.5 million in May",
		"Ask the trust; report back, briefly.",
		"Café costs £20 – agreed",
		"A", "x y",
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		assert_true(md_plain_inline(plain[i], strlen(plain[i])));
		agree(plain[i]);
	}
	static const char *const not_plain[] = {
		"", " leading space", "trailing space ", "1. A list", "- a list", "# A heading",
		"> a quote", "Agree **this**", "See [the plan](../plan/a.md)", "Visit www.nhs.uk",
		"WWW.NHS.UK soon", "Mail a@b.org", "Go to https://nhs.uk", "Two\nlines", "a_b_c",
		"Tom & Jerry", "x < y", "~~struck~~", "a | b", "`code`", "Bang!", "50%",
		"bad \xff byte", "Tab\there",
	};
	for (size_t i = 0; i < sizeof(not_plain) / sizeof(*not_plain); i++)
		assert_false(md_plain_inline(not_plain[i], strlen(not_plain[i])));
}

static void test_random_strings_agree(void **state)
{
	(void)state;
	/* the shortcut's alphabet, with some of what it must refuse, and UTF-8 */
	static const char *const pieces[] = {
		"a", "b", "w", "W", "z", "Q", "0", "7", " ", " ", ",", ".", ";", "(", ")", "?", "'",
		"-", "/", "www", "£", "é", "–", "’", "\xc2\xa0", "*", "_", "[", "]", "!", "&", ":",
		"@", "~", "|", "#", "<", "1.", "--", "  ",
	};
	const size_t np = sizeof(pieces) / sizeof(*pieces);
	unsigned seed = 12345;
	size_t tried = 0;
	for (int k = 0; k < 200000; k++) {
		char s[64];
		size_t len = 0;
		seed = seed * 1103515245u + 12345u;
		int parts = 1 + (int)((seed >> 16) % 8);
		s[0] = '\0';
		for (int p = 0; p < parts; p++) {
			seed = seed * 1103515245u + 12345u;
			const char *piece = pieces[(seed >> 16) % np];
			size_t pl = strlen(piece);
			if (len + pl >= sizeof(s))
				break;
			memcpy(s + len, piece, pl);
			len += pl;
		}
		s[len] = '\0';
		tried += md_plain_inline(s, len);
		agree(s);
	}
	assert_true(tried > 10000); /* the comparison ran on many plain strings */
}

/* The bump arena at its boundary: a parse that takes more than BUMP_KEEP
 * (8 MiB) frees its blocks; the next parse on the thread must not allocate
 * from them (ASan: heap-use-after-free before the fix). Then one just under
 * the limit, kept, and reused. */
static void parse_and_check(size_t items)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < items; i++)
		buf_printf(&b, "- item %zu with [a link](http://example.org/%zu)\n", i, i);
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_SOURCEPOS, b.ptr, b.len);
	cmark_node *list = cmark_node_first_child(root);
	assert_non_null(list);
	size_t n = 0;
	for (cmark_node *it = cmark_node_first_child(list); it; it = cmark_node_next(it))
		n++;
	assert_int_equal(n, items);
	md_parse_done(&ps);
	buf_release(&b);
}

static void test_bump_boundary(void **state)
{
	(void)state;
	parse_and_check(20000); /* well past BUMP_KEEP: the blocks go */
	parse_and_check(10);    /* allocates after that: freed memory before the fix */
	parse_and_check(20000);
	parse_and_check(3000);  /* under the limit: one block kept */
	parse_and_check(3000);  /* and used again */
	parse_and_check(10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_or_not),
		cmocka_unit_test(test_random_strings_agree),
		cmocka_unit_test(test_bump_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
