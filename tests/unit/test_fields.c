/* test_fields.c: the field reader (fields.c): which keys are nearly
 * 'visibility', a visibility read failing closed, and maps of any size. */
#include "unit.h"

#include "model_int.h"

static int near(const char *key)
{
	return visibility_near(key, strlen(key));
}

static void test_near_visibility(void **state)
{
	(void)state;
	assert_int_equal(near("visibility"), 1);
	static const char *const close[] = {
		"Visibility", "VISIBILITY", "visiblity", "visibilty", "vis1bility", "vsibility",
		"visibility_", "visibilit", "visibiliti", "visibilityy", "vissibility",
		"visi\xc2\xad" "bility",       /* a soft hyphen */
		"visibility\xe2\x80\x8b",      /* a zero-width space after */
		"\xe2\x80\x8bvisibility",      /* and before */
		"\xef\xbd\x96isibility",       /* a full-width v */
		"\xef\xbd\x96\xef\xbd\x89\xef\xbd\x93\xef\xbd\x89\xef\xbd\x82\xef\xbd\x89"
		"\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x94\xef\xbd\x99", /* all full-width */
		"v\xd0\xb8sibility",           /* a Cyrillic letter */
		"visibility ", " visibility",  /* a space the quotes kept */
		"invisibility",                /* two letters more */
	};
	for (size_t i = 0; i < sizeof(close) / sizeof(*close); i++)
		assert_int_equal(near(close[i]) * 100 + (int)i, 2 * 100 + (int)i);
	static const char *const far[] = {
		"", "v", "title", "visible", "visibilities", "vis", "summary",
		"visibility-level", "\xd0\xb2\xd0\xb8\xd0\xb4\xd0\xb8\xd0\xbc\xd0\xbe\xd1\x81\xd1\x82\xd1\x8c",
	};
	for (size_t i = 0; i < sizeof(far) / sizeof(*far); i++)
		assert_int_equal(near(far[i]) * 100 + (int)i, (int)i);
	/* a key with a NUL byte is not the word, but near it */
	assert_int_equal(visibility_near("visibility\0x", 12), 2);
	/* a long key is far, whatever it starts with */
	char longkey[5000];
	memset(longkey, 'v', sizeof(longkey));
	memcpy(longkey, "visibility", 10);
	assert_int_equal(visibility_near(longkey, sizeof(longkey)), 0);
}

static int comment_near(const char *after)
{
	return visibility_comment_near(after, strlen(after));
}

/* A comment's first word, split by a space, punctuation or an invisible
 * character, is still taken for a fence word; ordinary comments are not. */
static void test_comment_near(void **state)
{
	(void)state;
	assert_int_equal(comment_near(" visibility: practices -->"), 1);
	assert_int_equal(comment_near(" /visibility -->"), 1);
	assert_int_equal(comment_near(" \xef\xbb\xbfvisibility -->"), 1); /* a BOM before */
	static const char *const fences[] = {
		" visi bility: practices -->", " Visi-bility: practices -->",
		" / visi_bility -->", " v i s i b i l i t y : practices -->",
		" vis.ibil.ity -->", " visi\tbility -->", " visi\nbility -->",
		" visi\xc2\xa0" "bility -->",     /* a no-break space */
		" visi\xc2\xad" "bility -->",     /* a soft hyphen */
		" vi\xe2\x80\x8bsi bility -->",  /* a zero-width space and a space */
		" visi\xe2\x81\xa0" "bility -->", /* a word joiner */
		" confi dential -->", " prac tices -->", " -visibility -->",
		" visi bilty: practices -->",      /* split and misspelt */
	};
	for (size_t i = 0; i < sizeof(fences) / sizeof(*fences); i++)
		assert_int_equal(comment_near(fences[i]) * 100 + (int)i, 2 * 100 + (int)i);
	static const char *const other[] = {
		" more -->", " TODO check this -->", " vis it the site -->", " visible to all -->",
		" prettier-ignore -->", " markdownlint-disable MD013 -->", " vis -->bility",
		" visi > bility", " toc -->", "", " ", " visi",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++)
		assert_int_equal(comment_near(other[i]) * 100 + (int)i, (int)i);
	/* a long run of letters split every one is far, and ends */
	char many[6000];
	for (size_t i = 0; i + 1 < sizeof(many); i++)
		many[i] = i % 2 ? ' ' : 'v';
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(comment_near(many), 0);
}

/* A map of n string pairs key_i: val_i. */
static struct value *map_of(struct arena *a, const char *const *kv, size_t n)
{
	struct pos p = {"t.md", 1, 1};
	struct value *m = value_new(a, VALUE_MAP, p);
	for (size_t i = 0; i < n; i++) {
		p.line = (uint32_t)(i + 2);
		value_map_put(a, m, kv[2 * i], kv[2 * i + 1] ? value_cstr(a, kv[2 * i + 1])
							     : value_new(a, VALUE_NULL, p));
		m->u.pairs[m->n - 1].key_pos = p;
		m->u.pairs[m->n - 1].val->pos = p;
	}
	return m;
}

/* What ld_visibility reads from the pairs kv, with the default dflt;
 * *errors: how many errors it reported. */
static enum visibility read_vis(const char *const *kv, size_t n, enum visibility dflt,
				size_t *errors)
{
	struct arena a = ARENA_INIT;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct ld l;
	struct pos where = {"t.md", 1, 1};
	ld_init(&l, &a, &d, map_of(&a, kv, n), where, "page");
	enum visibility v;
	ld_visibility(&l, dflt, &v, NULL);
	ld_done(&l);
	*errors = d.errors;
	diag_release(&d);
	arena_release(&a);
	return v;
}

static void test_visibility_fails_closed(void **state)
{
	(void)state;
	size_t e;
	const char *ok[] = {"title", "T", "visibility", "practices"};
	assert_int_equal(read_vis(ok, 2, VIS_PUBLIC, &e), VIS_PRACTICES);
	assert_int_equal(e, 0);
	assert_int_equal(read_vis(ok, 1, VIS_PRACTICES, &e), VIS_PRACTICES); /* the default */
	assert_int_equal(e, 0);
	static const char *const bad[][2] = {
		{"visibility", NULL}, {"visibility", ""}, {"visibility", "Public"},
		{"visibility", "public "}, {"Visibility", "public"}, {"visiblity", "public"},
		{"<<", "x"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const char *kv[] = {"title", "T", bad[i][0], bad[i][1]};
		assert_int_equal(read_vis(kv, 2, VIS_PUBLIC, &e) * 100 + (int)i,
				 VIS_CONFIDENTIAL * 100 + (int)i);
		assert_int_equal(e, 1);
	}
	/* a good key and a near one: the near one wins, whichever comes first */
	const char *both[] = {"visibility", "public", "VISIBILITY", "public"};
	assert_int_equal(read_vis(both, 2, VIS_PUBLIC, &e), VIS_CONFIDENTIAL);
	const char *both2[] = {"VISIBILITY", "public", "visibility", "public"};
	assert_int_equal(read_vis(both2, 2, VIS_PUBLIC, &e), VIS_CONFIDENTIAL);
}

/* visibility is read after any number of other keys (it was not after 64). */
static void test_many_keys(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 300; n += 37) {
		struct arena keys = ARENA_INIT;
		const char **kv = arena_alloc(&keys, 2 * (n + 1) * sizeof(*kv));
		for (size_t i = 0; i < n; i++) {
			kv[2 * i] = arena_printf(&keys, "note%zu", i);
			kv[2 * i + 1] = "x";
		}
		kv[2 * n] = "visibility";
		kv[2 * n + 1] = "confidential";
		size_t e;
		assert_int_equal(read_vis(kv, n + 1, VIS_PUBLIC, &e), VIS_CONFIDENTIAL);
		assert_int_equal(e, 0);
		arena_release(&keys);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_near_visibility),
		cmocka_unit_test(test_comment_near),
		cmocka_unit_test(test_visibility_fails_closed),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
