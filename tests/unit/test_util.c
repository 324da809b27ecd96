/* test_util.c: edit distance, UTF-8 checks, suggestions, the buffer and the
 * arena (util.c, buf.c, diag.c). */
#include "unit.h"

#include <stdlib.h>

static void test_edit_distance(void **state)
{
	assert_int_equal(edit_distance("", "", 2), 0);
	assert_int_equal(edit_distance("gbulger", "gbulger", 2), 0);
	assert_int_equal(edit_distance("gbulgr", "gbulger", 2), 1);   /* insertion */
	assert_int_equal(edit_distance("gbulgerr", "gbulger", 2), 1); /* deletion */
	assert_int_equal(edit_distance("gbulqer", "gbulger", 2), 1);  /* substitution */
	assert_int_equal(edit_distance("mjnoes", "mjones", 2), 2);    /* swap = 2 edits */
	assert_int_equal(edit_distance("", "ab", 2), 2);
	assert_int_equal(edit_distance("kitten", "sitting", 5), 3);
	/* past max it stops and says max + 1 */
	assert_int_equal(edit_distance("kitten", "sitting", 2), 3);
	assert_int_equal(edit_distance("kitten", "sitting", 1), 2);
	assert_int_equal(edit_distance("abc", "xyz", 0), 1);
	assert_int_equal(edit_distance("a", "abcdefgh", 2), 3); /* length gap alone */
	assert_int_equal(edit_distance("abcdefgh", "a", 2), 3);
	assert_int_equal(edit_distance("abcdefgh", "zzzzzzzz", 2), 3);
	/* symmetric */
	assert_int_equal(edit_distance("sitting", "kitten", 5), 3);

	/* long strings: no overflow of the row, an answer within max+1 */
	char a[400], b[400];
	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'a', sizeof(b) - 1);
	a[399] = b[399] = '\0';
	assert_true(edit_distance(a, b, 2) <= 3);
}

static void test_utf8_check(void **state)
{
	static const struct {
		const char *s;
		size_t n, bad; /* bad == n: valid */
	} cases[] = {
		{"", 0, 0},
		{"plain ascii", 11, 11},
		{"caf\xC3\xA9", 5, 5},                 /* é */
		{"\xE2\x82\xAC", 3, 3},                /* € */
		{"\xF0\x9F\x98\x80", 4, 4},            /* U+1F600 */
		{"\xF4\x8F\xBF\xBF", 4, 4},            /* U+10FFFF, the last */
		{"\xEF\xBB\xBF", 3, 3},                /* BOM */
		{"ab\xC0\x80", 4, 2},                  /* overlong NUL */
		{"ab\xC1\xBF", 4, 2},                  /* overlong 2-byte */
		{"\xE0\x80\xAF", 3, 0},                /* overlong 3-byte '/' */
		{"\xF0\x80\x80\xAF", 4, 0},            /* overlong 4-byte */
		{"x\xED\xA0\x80", 4, 1},               /* surrogate U+D800 */
		{"x\xED\xBF\xBF", 4, 1},               /* surrogate U+DFFF */
		{"x\xED\x9F\xBF", 4, 4},               /* U+D7FF is fine */
		{"\xF4\x90\x80\x80", 4, 0},            /* above U+10FFFF */
		{"\xF5\x80\x80\x80", 4, 0},
		{"abc\xE2\x82", 5, 3},                 /* truncated at the end */
		{"abc\xE2\x82" "d", 6, 3},             /* truncated before ASCII */
		{"\xC3", 1, 0},
		{"ok\x80", 3, 2},                      /* lone continuation */
		{"ok\xFF", 3, 2},
		{"ok\xC3\xA9\xC3\xC3\xA9", 7, 4},
		/* past the eight-bytes-a-step ASCII run */
		{"0123456\x80", 8, 7},
		{"01234567\x80", 9, 8},
		{"0123456789abcde\xFF", 16, 15},
		{"0123456789abcdef\xFF", 17, 16},
		{"0123456\xC3\xA9" "89abcdef", 17, 17},     /* é across a step */
		{"0123456789abcdef0123\xE2\x82", 22, 20},   /* truncated after steps */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = utf8_check(cases[i].s, cases[i].n);
		if (got != cases[i].bad)
			fail_msg("case %zu: %zu, want %zu", i, got, cases[i].bad);
	}
	/* a NUL byte is valid UTF-8; the length is what counts */
	assert_int_equal(utf8_check("a\0b", 3), 3);
}

/* XXH64's published values (seed 0). */
static void test_hash64(void **state)
{
	(void)state;
	assert_true(hash64("", 0, 0) == 0xEF46DB3751D8E999ull);
	assert_true(hash64("a", 1, 0) == 0xD24EC4F1A98C6E5Bull);
	assert_true(hash64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
	const char *s = "Nobody inspects the spammish repetition";
	assert_true(hash64(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ull);
	assert_true(hash64(s, strlen(s), 1) != hash64(s, strlen(s), 0));
}

static void test_utf8_count(void **state)
{
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	assert_int_equal(utf8_count("caf\xC3\xA9", 5), 4);
	assert_int_equal(utf8_count("\xF0\x9F\x98\x80!", 5), 2);
}

static char *suggest(const char *word, const char *const *cands, size_t n)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "unknown person");
	bool got = diag_suggest(&b, word, cands, n);
	if (!got) {
		assert_string_equal(b.ptr, "unknown person");
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void test_diag_suggest(void **state)
{
	const char *people[] = {"mjones", "gbulger", "mmcminn", "jcohen", "pm1"};
	size_t n = sizeof(people) / sizeof(people[0]);
	char *s;

	s = suggest("gbulgr", people, n);
	assert_string_equal(s, "unknown person (did you mean 'gbulger'?)");
	free(s);

	/* the closest wins */
	const char *close[] = {"abcxx", "abcdx", "abcde"};
	s = suggest("abcdf", close, 3);
	assert_string_equal(s, "unknown person (did you mean 'abcdx'?)");
	free(s);
	/* ties go to the earliest */
	const char *tie[] = {"abx", "aby"};
	s = suggest("abz", tie, 2);
	assert_string_equal(s, "unknown person (did you mean 'abx'?)");
	free(s);

	/* a prefix, either way, when nothing is within 2 edits */
	const char *objs[] = {"programme-process", "clinical-governance"};
	s = suggest("programme", objs, 2);
	assert_string_equal(s, "unknown person (did you mean 'programme-process'?)");
	free(s);
	const char *areas[] = {"outpatients", "prescribing"};
	s = suggest("prescribing-2008", areas, 2);
	assert_string_equal(s, "unknown person (did you mean 'prescribing'?)");
	free(s);
	/* a close edit ranks before a prefix */
	const char *mixed[] = {"copd-service", "cod"};
	s = suggest("copd", mixed, 2);
	assert_string_equal(s, "unknown person (did you mean 'cod'?)");
	free(s);

	/* none */
	assert_null(suggest("zzzzzz", people, n));
	assert_null(suggest("", people, n));
	assert_null(suggest("mjones", people, 0));
	/* the word itself is not a suggestion */
	const char *self[] = {"mjones"};
	assert_null(suggest("mjones", self, 1));
	/* NULL candidates are skipped */
	const char *holes[] = {NULL, "gbulger"};
	s = suggest("gbulgr", holes, 2);
	assert_non_null(s);
	free(s);
}

static void test_diag_collect(void **state)
{
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct pos p1 = {"content/b.md", 3, 2}, p2 = {"content/a.md", 9, 1}, p0 = {NULL, 0, 0};
	diag_error(&d, p1, "E010", "unknown person '%s'", "gbulgr");
	diag_warning(&d, p2, "W005", "unknown field 'titel'");
	diag_error(&d, p0, "E026", "cannot read the site");
	assert_int_equal(d.n, 3);
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.items[0].message, "unknown person 'gbulgr'");
	assert_string_equal(d.items[0].code, "E010");
	assert_int_equal(d.items[1].severity, DIAG_WARNING);

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	diag_flush(&d, f);
	diag_summary(&d, f);
	fclose(f);
	assert_string_equal(out, "plansite: error: cannot read the site [E026]\n"
				 "content/a.md:9:1: warning: unknown field 'titel' [W005]\n"
				 "content/b.md:3:2: error: unknown person 'gbulgr' [E010]\n"
				 "2 errors, 1 warning\n");
	free(out);
	assert_int_equal(d.n, 0); /* flushed findings are forgotten, counts kept */
	assert_int_equal(d.errors, 2);
	diag_release(&d);
}

static void test_buf(void **state)
{
	struct buf b = BUF_INIT;
	/* an empty buffer points at a static "" */
	assert_ptr_equal(b.ptr, buf_empty);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");

	buf_puts(&b, "abc");
	buf_putc(&b, 'd');
	buf_put(&b, "efgh", 2);
	buf_put(&b, NULL, 0);
	assert_string_equal(b.ptr, "abcdef");
	assert_int_equal(b.len, 6);
	assert_true(b.cap > b.len);
	assert_int_equal(b.ptr[b.len], '\0');

	buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(b.ptr, "abcdef-42-x");

	/* growth by printf past the capacity, many times over */
	struct buf big = BUF_INIT;
	char chunk[1000];
	memset(chunk, 'z', sizeof(chunk) - 1);
	chunk[999] = '\0';
	for (int i = 0; i < 100; i++) {
		buf_printf(&big, "%s%d", chunk, i % 10);
		assert_int_equal(big.len, (size_t)(i + 1) * 1000);
		assert_int_equal(big.ptr[big.len], '\0');
		assert_true(big.cap > big.len);
	}
	assert_int_equal(big.ptr[999], '0');
	assert_int_equal(big.ptr[99999], '9');
	buf_release(&big);

	/* NUL bytes inside are kept, len counts them */
	buf_put(&b, "\0q", 2);
	assert_int_equal(b.len, 13);
	assert_int_equal(b.ptr[12], 'q');

	buf_truncate(&b, 3);
	assert_string_equal(b.ptr, "abc");
	buf_truncate(&b, 10); /* never grows */
	assert_int_equal(b.len, 3);

	size_t len = 0;
	char *p = buf_detach(&b, &len);
	assert_string_equal(p, "abc");
	assert_int_equal(len, 3);
	assert_ptr_equal(b.ptr, buf_empty); /* detached: empty and reusable */
	assert_int_equal(b.len, 0);
	free(p);

	/* detaching an empty buffer gives a fresh "" the caller frees */
	p = buf_detach(&b, &len);
	assert_ptr_not_equal(p, buf_empty);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);

	buf_puts(&b, "again");
	buf_release(&b);
	assert_ptr_equal(b.ptr, buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_release(&b); /* twice is fine */
	buf_puts(&b, "reused");
	assert_string_equal(b.ptr, "reused");
	buf_release(&b);

	struct buf c;
	buf_init(&c);
	assert_ptr_equal(c.ptr, buf_empty);
	buf_printf(&c, "%s", "");
	assert_int_equal(c.len, 0);
	assert_string_equal(c.ptr, "");
	buf_release(&c);
	assert_int_equal(buf_empty[0], '\0'); /* nobody wrote into it */
}

static void test_arena(void **state)
{
	struct arena a = ARENA_INIT;
	char *prev = NULL;
	for (int i = 0; i < 10000; i++) {
		size_t n = (size_t)(i % 37) + 1;
		unsigned char *p = arena_alloc(&a, n);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(p[k], 0); /* zeroed */
		memset(p, 0xAB, n);
		assert_ptr_not_equal(p, prev);
		prev = (char *)p;
	}
	/* a large allocation gets its own block; the current block stays usable */
	unsigned char *big = arena_alloc(&a, 1 << 20);
	assert_int_equal((uintptr_t)big % 16, 0);
	assert_int_equal(big[0], 0);
	assert_int_equal(big[(1 << 20) - 1], 0);
	memset(big, 1, 1 << 20);
	unsigned char *small = arena_alloc(&a, 8);
	assert_int_equal(small[0], 0);
	assert_int_equal((uintptr_t)arena_alloc(&a, 0) % 16, 0);

	char *s = arena_strndup(&a, "hello world", 5);
	assert_string_equal(s, "hello");
	assert_string_equal(arena_strdup(&a, "copy"), "copy");
	assert_string_equal(arena_printf(&a, "%s-%03d", "id", 7), "id-007");
	arena_release(&a);
	assert_null(a.head);

	/* reusable after release */
	char *t = arena_strdup(&a, "again");
	assert_string_equal(t, "again");
	arena_release(&a);
	arena_release(&a);
}

static void test_xalloc(void **state)
{
	char *s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);
	int *z = xcalloc(10, sizeof(int));
	for (int i = 0; i < 10; i++)
		assert_int_equal(z[i], 0);
	z = xrealloc(z, 100 * sizeof(int));
	z[99] = 1;
	free(z);
	free(xmalloc(0)); /* never NULL, even for 0 */
}

/* A text of up to max - 1 bytes drawn from alphabet, by a seeded LCG (the
 * same texts every run). Returns its length. */
static size_t random_text(unsigned *seed, const char *alphabet, char *s, size_t max)
{
	size_t na = strlen(alphabet);
	*seed = *seed * 1103515245u + 12345u;
	size_t n = (*seed >> 16) % max;
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		s[i] = alphabet[(*seed >> 16) % na];
	}
	return n;
}

/* escape_html, which skips eight clean bytes at a time, against escaping
 * byte by byte, on random strings with every special at every offset. */
static void test_escape_html(void **state)
{
	(void)state;
	static const char alphabet[] = "ab &<>\"'#\x22\xc2\xa3x9;:";
	unsigned seed = 7;
	for (int k = 0; k < 20000; k++) {
		char s[80];
		size_t n = random_text(&seed, alphabet, s, sizeof(s));
		struct buf got = BUF_INIT, want = BUF_INIT;
		escape_html(&got, s, n);
		for (size_t i = 0; i < n; i++) {
			switch (s[i]) {
			case '&': buf_puts(&want, "&amp;"); break;
			case '<': buf_puts(&want, "&lt;"); break;
			case '>': buf_puts(&want, "&gt;"); break;
			case '"': buf_puts(&want, "&quot;"); break;
			case '\'': buf_puts(&want, "&#39;"); break;
			default: buf_putc(&want, s[i]);
			}
		}
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.ptr, want.ptr, want.len);
		buf_release(&got);
		buf_release(&want);
	}
}

/* text_words against the plain rule: words are runs of ASCII letters and
 * digits and bytes over 0x7F, lowercased; each of two bytes or more once,
 * in order of first use, one space between. Random texts with long and
 * short words, capitals, digits and UTF-8, at every alignment. */
static void test_text_words(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"a", "ab", "the", "Forum", "PATIENTS", "practices", "extraordinarily", "x9", "2007",
		"caf\xc3\xa9", "\xc2\xa3", " ", "  ", ",", ".", "'", "-", "\n", "(", "Aa", "aA",
		"abcdefgh", "abcdefghi", "ABCDEFGHIJKLMNOP",
	};
	unsigned seed = 99;
	for (int k = 0; k < 5000; k++) {
		struct buf text = BUF_INIT;
		seed = seed * 1103515245u + 12345u;
		int parts = (int)((seed >> 16) % 40);
		for (int p = 0; p < parts; p++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&text, pieces[(seed >> 16) % (sizeof(pieces) / sizeof(*pieces))]);
		}
		/* the reference: split, lowercase, keep the first of each */
		struct buf want = BUF_INIT, word = BUF_INIT;
		for (size_t i = 0; i <= text.len; i++) {
			unsigned char c = i < text.len ? (unsigned char)text.ptr[i] : ' ';
			bool in = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c >= 0x80;
			if (in) {
				buf_putc(&word, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
				continue;
			}
			if (word.len >= 2) {
				bool seen = false;
				for (size_t at = 0; at < want.len && !seen;) {
					size_t end = at;
					while (end < want.len && want.ptr[end] != ' ')
						end++;
					seen = end - at == word.len && memcmp(want.ptr + at, word.ptr, word.len) == 0;
					at = end + 1;
				}
				if (!seen) {
					if (want.len)
						buf_putc(&want, ' ');
					buf_put(&want, word.ptr, word.len);
				}
			}
			buf_truncate(&word, 0);
		}
		struct arena a = ARENA_INIT;
		const char *got = text_words(&a, text.ptr, text.len);
		assert_string_equal(got, want.ptr);
		arena_release(&a);
		buf_release(&text);
		buf_release(&want);
		buf_release(&word);
	}
}

/* escape_json, which skips eight clean bytes at a time, against escaping
 * byte by byte. */
static void test_escape_json(void **state)
{
	(void)state;
	static const char alphabet[] = "ab &<>\"'\\#\n\t\r\x01\x1f\x7f\xc2\xa3x9;:/";
	unsigned seed = 11;
	for (int k = 0; k < 20000; k++) {
		char s[80];
		size_t n = random_text(&seed, alphabet, s, sizeof(s));
		struct buf got = BUF_INIT, want = BUF_INIT;
		escape_json(&got, s, n);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '"')
				buf_puts(&want, "\\\"");
			else if (c == '\\')
				buf_puts(&want, "\\\\");
			else if (c == '\n')
				buf_puts(&want, "\\n");
			else if (c == '\t')
				buf_puts(&want, "\\t");
			else if (c == '\r')
				buf_puts(&want, "\\r");
			else if (c < 0x20 || c == '<' || c == '>' || c == '&')
				buf_printf(&want, "\\u%04x", c);
			else
				buf_putc(&want, (char)c);
		}
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.ptr, want.ptr, want.len);
		buf_release(&got);
		buf_release(&want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_utf8_check),
		cmocka_unit_test(test_utf8_count),
		cmocka_unit_test(test_hash64),
		cmocka_unit_test(test_diag_suggest),
		cmocka_unit_test(test_diag_collect),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_xalloc),
		cmocka_unit_test(test_escape_html),
		cmocka_unit_test(test_escape_json),
		cmocka_unit_test(test_text_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
