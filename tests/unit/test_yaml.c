/* test_yaml.c: YAML text → positioned values (yaml.c). */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

/* One parse: its arena, its findings, its result. */
struct fx {
	struct arena a;
	struct diag d;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	diag_init(&f->d, DIAG_TEXT);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	diag_release(&f->d);
	arena_release(&f->a);
	free(f);
	return 0;
}

static struct value *parse_lim(struct fx *f, const char *s, uint32_t line0,
			       const struct yaml_limits *lim)
{
	return yaml_parse(&f->a, s, strlen(s), "t.yaml", line0, lim, &f->d);
}

static struct value *parse(struct fx *f, const char *s)
{
	return parse_lim(f, s, 1, &yaml_default_limits);
}

static char *json_of(const struct value *v)
{
	struct buf b = BUF_INIT;
	value_to_json(&b, v);
	return buf_detach(&b, NULL);
}

#define assert_json(v, want)                                                                    \
	do {                                                                                    \
		char *got_ = json_of(v);                                                        \
		assert_string_equal(got_, want);                                                \
		free(got_);                                                                     \
	} while (0)

#define assert_pos(p, l, c)                                                                     \
	do {                                                                                    \
		assert_int_equal((p).line, l);                                                  \
		assert_int_equal((p).col, c);                                                   \
	} while (0)

/* Asserts exactly one finding, with this code and position, whose message
 * contains part. */
static void assert_finding(struct fx *f, const char *code, uint32_t line, uint32_t col,
			   const char *part)
{
	if (f->d.n != 1) {
		for (size_t i = 0; i < f->d.n; i++)
			fprintf(stderr, "finding %u:%u %s %s\n", (unsigned)f->d.items[i].pos.line,
				(unsigned)f->d.items[i].pos.col, f->d.items[i].code,
				f->d.items[i].message);
		fail_msg("expected 1 finding, got %zu", f->d.n);
	}
	const struct finding *g = &f->d.items[0];
	assert_string_equal(g->code, code);
	assert_int_equal(g->severity, DIAG_ERROR);
	assert_string_equal(g->pos.file, "t.yaml");
	assert_pos(g->pos, line, col);
	if (!strstr(g->message, part))
		fail_msg("message '%s' lacks '%s'", g->message, part);
	/* house style: no full stop at the end */
	assert_int_not_equal(g->message[strlen(g->message) - 1], '.');
}

static void test_limits_default(void **state)
{
	assert_int_equal(yaml_default_limits.max_nodes, 100000);
	assert_int_equal(yaml_default_limits.max_depth, 64);
}

static void test_positions(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "title: Executive committee\n"
				   "attendees:\n"
				   "  - mjones\n"
				   "  - { id: 1, text: \"x\" }\n"
				   "next: [a, bb,  c]\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	assert_int_equal(v->kind, VALUE_MAP);
	assert_string_equal(v->pos.file, "t.yaml");
	assert_pos(v->pos, 1, 1);
	assert_int_equal(v->n, 3);

	struct value_pair *title = &v->u.pairs[0];
	assert_string_equal(title->key, "title");
	assert_int_equal(title->key_len, 5);
	assert_string_equal(title->key_pos.file, "t.yaml");
	assert_pos(title->key_pos, 1, 1);
	assert_pos(title->val->pos, 1, 8);
	assert_string_equal(title->val->str, "Executive committee");

	struct value_pair *att = value_get_pair(v, "attendees");
	assert_pos(att->key_pos, 2, 1);
	assert_int_equal(att->val->kind, VALUE_LIST);
	assert_pos(att->val->pos, 3, 3);
	assert_pos(att->val->u.items[0]->pos, 3, 5);
	struct value *item = att->val->u.items[1];
	assert_int_equal(item->kind, VALUE_MAP);
	assert_pos(item->pos, 4, 5);
	assert_pos(item->u.pairs[0].key_pos, 4, 7);
	assert_pos(item->u.pairs[0].val->pos, 4, 11);
	assert_pos(item->u.pairs[1].key_pos, 4, 14);
	assert_pos(item->u.pairs[1].val->pos, 4, 20); /* at the quote */

	struct value *next = value_get(v, "next");
	assert_pos(next->pos, 5, 7);
	assert_pos(next->u.items[0]->pos, 5, 8);
	assert_pos(next->u.items[1]->pos, 5, 11);
	assert_pos(next->u.items[2]->pos, 5, 16);
}

/* Front matter starts on line 2 of its file: line0 shifts every line. */
static void test_positions_line0(void **state)
{
	struct fx *f = *state;
	struct value *v = parse_lim(f, "a: 1\nlist:\n  - x\n", 2, NULL);
	assert_non_null(v);
	assert_pos(v->u.pairs[0].key_pos, 2, 1);
	assert_pos(v->u.pairs[0].val->pos, 2, 4);
	assert_pos(v->u.pairs[1].key_pos, 3, 1);
	assert_pos(v->u.pairs[1].val->u.items[0]->pos, 4, 5);
}

/* Columns count characters, not bytes; lines count '\n' only (libyaml also
 * breaks lines at U+2028, which would shift every later line). */
static void test_positions_unicode(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "é: \"a\xe2\x80\xa8" "b\"\nx: [ü, y]\nz: 1\n");
	assert_non_null(v);
	assert_pos(v->u.pairs[0].val->pos, 1, 4);
	struct value *x = value_get(v, "x");
	assert_pos(x->u.items[1]->pos, 2, 8);
	assert_pos(value_get_pair(v, "z")->key_pos, 3, 1);
	assert_string_equal(v->u.pairs[0].key, "é");
}

static void test_crlf(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "a: 1\r\nb:\r\n  - x\r\n  - y: \"q\"\r\nc: |\r\n  two\r\n  lines\r\n");
	assert_non_null(v);
	assert_json(v, "{\"a\":1,\"b\":[\"x\",{\"y\":\"q\"}],\"c\":\"two\\nlines\\n\"}");
	struct value *b = value_get(v, "b");
	assert_pos(value_get_pair(v, "b")->key_pos, 2, 1);
	assert_pos(b->u.items[0]->pos, 3, 5);
	assert_pos(b->u.items[1]->u.pairs[0].val->pos, 4, 8);
	assert_pos(value_get_pair(v, "c")->key_pos, 5, 1);
}

static void test_bom(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "\xEF\xBB\xBFtitle: x\nb: y\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	assert_string_equal(v->u.pairs[0].key, "title"); /* no U+FEFF in the key */
	assert_pos(v->u.pairs[0].key_pos, 1, 1);
	assert_pos(v->u.pairs[0].val->pos, 1, 8);
	assert_pos(v->u.pairs[1].key_pos, 2, 1);
}

struct resolved {
	const char *text;
	enum value_kind kind;
	double num;
};

static void test_resolution(void **state)
{
	static const struct resolved cases[] = {
		{"~", VALUE_NULL, 0},
		{"null", VALUE_NULL, 0},
		{"Null", VALUE_NULL, 0},
		{"NULL", VALUE_NULL, 0},
		{"nULL", VALUE_STRING, 0},
		{"true", VALUE_BOOL, 1},
		{"True", VALUE_BOOL, 1},
		{"TRUE", VALUE_BOOL, 1},
		{"false", VALUE_BOOL, 0},
		{"False", VALUE_BOOL, 0},
		{"FALSE", VALUE_BOOL, 0},
		{"yes", VALUE_STRING, 0}, /* YAML 1.1 only */
		{"no", VALUE_STRING, 0},
		{"on", VALUE_STRING, 0},
		{"tRUE", VALUE_STRING, 0},
		{"0", VALUE_NUMBER, 0},
		{"85", VALUE_NUMBER, 85},
		{"-17", VALUE_NUMBER, -17},
		{"+17", VALUE_NUMBER, 17},
		{"007", VALUE_NUMBER, 7},
		{"0o17", VALUE_NUMBER, 15},
		{"0o", VALUE_STRING, 0},
		{"0o8", VALUE_STRING, 0},
		{"0x1F", VALUE_NUMBER, 31},
		{"0xff", VALUE_NUMBER, 255},
		{"0x", VALUE_STRING, 0},
		{"0xg", VALUE_STRING, 0},
		{"-0x1", VALUE_STRING, 0},
		{"0b101", VALUE_STRING, 0},
		{"1.210", VALUE_NUMBER, 1.21},
		{"1.", VALUE_NUMBER, 1},
		{".5", VALUE_NUMBER, 0.5},
		{"-.5", VALUE_NUMBER, -0.5},
		{".", VALUE_STRING, 0},
		{"1e3", VALUE_NUMBER, 1000},
		{"1E-2", VALUE_NUMBER, 0.01},
		{"-2.5e+2", VALUE_NUMBER, -250},
		{"1e", VALUE_STRING, 0},
		{"e3", VALUE_STRING, 0},
		{"1_000", VALUE_STRING, 0},
		{"1,000", VALUE_STRING, 0},
		{"12abc", VALUE_STRING, 0},
		{"2007-01-17", VALUE_STRING, 0},
		{"2007-04", VALUE_STRING, 0},
		{"13:00", VALUE_STRING, 0},
		{"1:30:00", VALUE_STRING, 0},
		{".inf", VALUE_NUMBER, INFINITY},
		{".Inf", VALUE_NUMBER, INFINITY},
		{"+.INF", VALUE_NUMBER, INFINITY},
		{"-.inf", VALUE_NUMBER, -INFINITY},
		{".iNf", VALUE_STRING, 0},
		{"inf", VALUE_STRING, 0},
		{"nan", VALUE_STRING, 0},
		{"-.nan", VALUE_STRING, 0},
		{"Fernville Surgery", VALUE_STRING, 0},
	};
	struct fx *f = *state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf doc = BUF_INIT;
		buf_printf(&doc, "k: %s\n", cases[i].text);
		struct value *v = parse(f, doc.ptr);
		buf_release(&doc);
		assert_non_null(v);
		struct value *s = value_get(v, "k");
		if (s->kind != cases[i].kind)
			fail_msg("'%s': kind %d, want %d", cases[i].text, s->kind, cases[i].kind);
		assert_string_equal(s->str, cases[i].text); /* source text kept */
		assert_int_equal(s->len, strlen(cases[i].text));
		assert_false(s->quoted);
		if (s->kind == VALUE_NUMBER && s->num != cases[i].num)
			fail_msg("'%s': %g, want %g", cases[i].text, s->num, cases[i].num);
		if (s->kind == VALUE_BOOL)
			assert_int_equal(s->b, cases[i].num != 0);
	}
	struct value *v = parse(f, "k: .nan\nj: .NaN\n");
	assert_true(isnan(value_get(v, "k")->num));
	assert_true(isnan(value_get(v, "j")->num));
	assert_int_equal(f->d.n, 0);
}

static void test_empty_values(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "a:\nb: ''\nc: \"\"\n");
	assert_non_null(v);
	assert_int_equal(value_get(v, "a")->kind, VALUE_NULL);
	assert_string_equal(value_get(v, "a")->str, "");
	assert_int_equal(value_get(v, "b")->kind, VALUE_STRING);
	assert_true(value_get(v, "b")->quoted);
	assert_int_equal(value_get(v, "c")->kind, VALUE_STRING);
}

static void test_quoted_and_tagged(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "a: \"13:00\"\n"
				   "b: '85'\n"
				   "c: \"true\"\n"
				   "d: |\n  85\n"
				   "e: >-\n  folded\n  text\n"
				   "f: !!str 85\n"
				   "g: ! true\n"
				   "h: !code 85\n"
				   "i: !code { ruby: x }\n"
				   "j: !!str\n"
				   "k: \"tab\\there\"\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	const char *strings[] = {"a", "b", "c", "d", "e", "f", "g", "k"};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		struct value *s = value_get(v, strings[i]);
		if (s->kind != VALUE_STRING)
			fail_msg("'%s' is not a string", strings[i]);
	}
	assert_true(value_get(v, "a")->quoted);
	assert_string_equal(value_get(v, "a")->str, "13:00");
	assert_true(value_get(v, "d")->quoted);
	assert_string_equal(value_get(v, "d")->str, "85\n");
	assert_string_equal(value_get(v, "e")->str, "folded text");
	assert_false(value_get(v, "f")->quoted);
	assert_string_equal(value_get(v, "f")->str, "85");
	assert_string_equal(value_get(v, "k")->str, "tab\there");
	/* unknown tags are ignored: the node is what it would be untagged */
	assert_int_equal(value_get(v, "h")->kind, VALUE_NUMBER);
	assert_int_equal(value_get(v, "i")->kind, VALUE_MAP);
	assert_string_equal(value_get(value_get(v, "i"), "ruby")->str, "x");
	assert_int_equal(value_get(v, "j")->kind, VALUE_STRING);
	assert_int_equal(value_get(v, "j")->len, 0);
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "levels:\n"
				   "  1: { name: Lead, projects: true }\n"
				   "  2: { name: Manage, projects: false }\n"
				   "  \"3\": x\n"
				   "  1.50: y\n"
				   "  null: z\n"
				   "  true: t\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	struct value *levels = value_get(v, "levels");
	assert_int_equal(levels->n, 6);
	assert_string_equal(levels->u.pairs[0].key, "1");
	assert_pos(levels->u.pairs[0].key_pos, 2, 3);
	assert_non_null(value_get(levels, "2"));
	assert_non_null(value_get(levels, "3"));
	assert_non_null(value_get(levels, "1.50")); /* key text as written */
	assert_non_null(value_get(levels, "null"));
	assert_non_null(value_get(levels, "true"));
	assert_true(value_get(value_get(levels, "1"), "projects")->b);
	assert_false(value_get(value_get(levels, "2"), "projects")->b);
}

/*
 * Parses s twice, through yaml.c's fast path and through libyaml (s with a
 * last line "#\t", a comment that changes nothing but that the fast path
 * leaves to libyaml), and asserts the same tree and the same findings;
 * returns the first parse's tree, its findings in f.
 */
static struct value *parse_both(struct fx *f, const char *s, uint32_t line0,
				const struct yaml_limits *lim)
{
	struct buf b = BUF_INIT, fast = BUF_INIT;
	buf_puts(&b, s);
	buf_puts(&b, "#\t\n");
	assert_true(yaml_fast_dump(s, strlen(s), &fast));
	buf_truncate(&fast, 0);
	assert_false(yaml_fast_dump(b.ptr, b.len, &fast));
	buf_release(&fast);
	struct value *v = parse_lim(f, s, line0, lim);
	struct fx g = {0};
	diag_init(&g.d, DIAG_TEXT);
	struct value *w = parse_lim(&g, b.ptr, line0, lim);
	assert_true((v == NULL) == (w == NULL));
	if (v) {
		char *jv = json_of(v), *jw = json_of(w);
		assert_string_equal(jv, jw);
		free(jv);
		free(jw);
		assert_true(v->flawed == w->flawed);
	}
	assert_int_equal(f->d.n, g.d.n);
	for (size_t i = 0; i < f->d.n; i++) {
		assert_string_equal(f->d.items[i].code, g.d.items[i].code);
		assert_string_equal(f->d.items[i].message, g.d.items[i].message);
		assert_pos(f->d.items[i].pos, g.d.items[i].pos.line, g.d.items[i].pos.col);
	}
	diag_release(&g.d);
	arena_release(&g.a);
	buf_release(&b);
	return v;
}

/* A duplicate key is reported at the later key, and the parse goes on with
 * the first value (issue 12: one slip must not hide the file's other
 * findings); the map and the root say the tree is flawed. */
static void test_duplicate_keys(void **state)
{
	struct fx *f = *state;
	struct value *v = parse_both(f,
				     "title: Plan\n"
				     "levels:\n"
				     "  1: { name: a }\n"
				     "  2: { name: b }\n"
				     "  3: { name: c }\n"
				     "  3: { name: d }\n"
				     "after: [1, 2]\n",
				     2, NULL);
	assert_non_null(v);
	assert_finding(f, "E002", 7, 3,
		       "duplicate key '3' (first at line 6); remove one of them (the first is the "
		       "one read)");
	assert_json(v, "{\"title\":\"Plan\",\"levels\":{\"1\":{\"name\":\"a\"},\"2\":{\"name\":"
		       "\"b\"},\"3\":{\"name\":\"c\"}},\"after\":[1,2]}");
	assert_true(v->flawed);
	assert_true(value_get(v, "levels")->flawed);
	assert_false(value_get(value_get(v, "levels"), "1")->flawed);
}

static void test_duplicate_keys_all_reported(void **state)
{
	struct fx *f = *state;
	struct value *v = parse_both(f, "a: 1\nb: 2\na: 3\nm: {x: 1, y: 2, x: 3}\n"
					"n: {x: 1}\n" /* same key in another map: fine */
					"b: 4\n",
				     1, NULL);
	assert_non_null(v);
	assert_int_equal(f->d.n, 3);
	assert_int_equal(f->d.errors, 3);
	assert_string_equal(f->d.items[0].code, "E002");
	assert_pos(f->d.items[0].pos, 3, 1);
	assert_string_equal(f->d.items[1].message,
			    "duplicate key 'x' (first at line 4, column 5); remove one of them (the "
			    "first is the one read)");
	assert_pos(f->d.items[1].pos, 4, 17);
	assert_pos(f->d.items[2].pos, 6, 1);
	assert_json(v, "{\"a\":1,\"b\":2,\"m\":{\"x\":1,\"y\":2},\"n\":{\"x\":1}}");
	assert_true(v->flawed);
	assert_false(value_get(v, "n")->flawed);
}

/* A duplicate key, then a finding that ends the parse: both are reported,
 * and the parse gives nothing (the syntax error decides). */
static void test_duplicate_then_syntax_error(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\na: 2\nb: [x,\n"));
	assert_int_equal(f->d.n, 2);
	assert_string_equal(f->d.items[0].code, "E002");
	assert_pos(f->d.items[0].pos, 2, 1);
	assert_string_equal(f->d.items[1].code, "E001");
}

/* A clean parse is not flawed. */
static void test_not_flawed(void **state)
{
	struct fx *f = *state;
	struct value *v = parse_both(f, "a: 1\nm: {x: 1}\n", 1, NULL);
	assert_non_null(v);
	assert_false(v->flawed);
	assert_false(value_get(v, "m")->flawed);
}

/*
 * A merge key ('<<', YAML 1.1) is a plain key to yaml.c, however it is
 * written, kept with its value in the tree: the loaders refuse it (E006,
 * fields.c), so that it is never ignored (a merged 'visibility:
 * confidential' dropped in silence would publish the page).
 */
static void test_merge_key_kept_for_the_loader(void **state)
{
	static const char *const texts[] = {
		"<<: {visibility: confidential}\ntitle: T\n", /* a map written in place */
		"base: &b {visibility: confidential}\n<<: *b\n", /* an alias */
		"m: {<<: {visibility: confidential}, title: T}\n", /* in a flow map */
		"\"<<\": {visibility: confidential}\n",         /* quoted */
		"? <<\n: {visibility: confidential}\n",          /* an explicit key */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct fx g = {0};
		diag_init(&g.d, DIAG_TEXT);
		struct value *v = parse(&g, texts[i]);
		assert_non_null(v);
		assert_int_equal(g.d.n, 0);
		assert_false(v->flawed);
		const struct value *m = value_get(v, "m") ? value_get(v, "m") : v;
		const struct value *merged = value_get(m, "<<");
		if (!merged || strcmp(value_get(merged, "visibility")->str, "confidential") != 0)
			fail_msg("merge key not kept in: %s", texts[i]);
		diag_release(&g.d);
		arena_release(&g.a);
	}
}

/* The limits hold at their boundary on both paths: N passes, N + 1 fails. */
static void test_depth_boundary(void **state)
{
	struct fx *f = *state;
	const struct yaml_limits lim = {1000, 3};
	assert_non_null(parse_both(f, "a:\n  b:\n    c: 1\n", 1, &lim)); /* 3 maps */
	assert_int_equal(f->d.n, 0);
	assert_null(parse_both(f, "a:\n  b:\n    c: [1]\n", 1, &lim)); /* a list inside */
	assert_finding(f, "E003", 3, 8, "lists and maps nested deeper than 3 levels");
	diag_release(&f->d);
	diag_init(&f->d, DIAG_TEXT);
	assert_null(parse_both(f, "a:\n  b:\n    c: {d: 1}\n", 1, &lim));
	assert_finding(f, "E003", 3, 8, "nested deeper than 3 levels");
}

static void test_nodes_boundary(void **state)
{
	struct fx *f = *state;
	const char *s = "a: 1\nb: [x, y]\n"; /* map, a, 1, b, list, x, y */
	const struct yaml_limits seven = {7, 64}, six = {6, 64};
	assert_non_null(parse_both(f, s, 1, &seven));
	assert_int_equal(f->d.n, 0);
	assert_null(parse_both(f, s, 1, &six));
	assert_finding(f, "E003", 2, 8, "the document has more than 6 nodes");
}

/* Aliases count as if expanded (libyaml's path only: the fast path takes
 * no anchors). */
static void test_alias_boundary(void **state)
{
	struct fx *f = *state;
	/* map, a, [1, 2] (3), b, *x (3 more) */
	const char *s = "a: &x [1, 2]\nb: *x\n";
	const struct yaml_limits nine = {9, 64}, eight = {8, 64};
	assert_non_null(parse_lim(f, s, 1, &nine));
	assert_int_equal(f->d.n, 0);
	assert_null(parse_lim(f, s, 1, &eight));
	assert_finding(f, "E003", 2, 4, "alias '*x' takes the document past the limit of 8 nodes");
}

static void test_complex_key(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\n[x, y]: 2\n"));
	assert_finding(f, "E001", 2, 1, "map keys must be plain text");
}

static void test_complex_key_explicit(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "? { a: 1 }\n: v\n"));
	assert_finding(f, "E001", 1, 3, "map keys must be plain text, not a map");
}

static void test_anchors_share(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "base: &b { venue: Fernville, start: \"13:00\" }\n"
				   "one: *b\n"
				   "two: *b\n"
				   "name: &n Jones\n"
				   "*n : key from an alias\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	struct value *base = value_get(v, "base");
	assert_ptr_equal(value_get(v, "one"), base); /* shared, not copied */
	assert_ptr_equal(value_get(v, "two"), base);
	assert_non_null(value_get(v, "Jones"));
	assert_pos(value_get_pair(v, "Jones")->key_pos, 5, 1);
}

static void test_anchor_redefined(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
	assert_non_null(v);
	assert_true(value_get(v, "b")->num == 1);
	assert_true(value_get(v, "d")->num == 2);
}

static void test_unknown_alias(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\nb: *nope\n"));
	assert_finding(f, "E001", 2, 4, "alias '*nope' names no anchor");
}

static void test_alias_in_itself(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: &x [1, *x]\n"));
	assert_finding(f, "E001", 1, 11, "is used inside the value it names");
}

static void test_alias_map_as_key(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: &m {x: 1}\n*m : 2\n"));
	assert_finding(f, "E001", 2, 1, "map keys must be plain text");
}

static void test_billion_laughs(void **state)
{
	struct fx *f = *state;
	struct buf doc = BUF_INIT;
	buf_puts(&doc, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		buf_printf(&doc, "a%d: &a%d [", i, i);
		for (int k = 0; k < 9; k++)
			buf_printf(&doc, "%s*a%d", k ? ", " : "", i - 1);
		buf_puts(&doc, "]\n");
	}
	struct value *v = parse(f, doc.ptr); /* its cost: tests/run-bounds.sh */
	buf_release(&doc);
	assert_null(v);
	/* a0 is 10 nodes, a1 91, a2 820, a3 7381, a4 66430: 74738 with the
	 * keys, so the first '*a4' in a5's list passes 100000 */
	assert_finding(f, "E003", 6, 10, "alias '*a4' takes the document past the limit of "
					  "100000 nodes");
}

static void test_alias_limit_small(void **state)
{
	struct fx *f = *state;
	const struct yaml_limits lim = {10, 64};
	/* 1 map + key + 4-item list (5 nodes) = 7; the alias adds 5 → 12 */
	assert_null(parse_lim(f, "a: &x [1, 2, 3, 4]\nb: *x\n", 1, &lim));
	assert_finding(f, "E003", 2, 4, "past the limit of 10 nodes");
}

static void test_node_limit(void **state)
{
	struct fx *f = *state;
	const struct yaml_limits lim = {5, 64};
	assert_null(parse_lim(f, "[1, 2, 3, 4, 5, 6]\n", 1, &lim));
	assert_finding(f, "E003", 1, 14, "more than 5 nodes");
	/* exactly at the limit is fine */
	struct fx g = {0};
	diag_init(&g.d, DIAG_TEXT);
	assert_non_null(parse_lim(&g, "[1, 2, 3, 4]\n", 1, &lim));
	assert_int_equal(g.d.n, 0);
	diag_release(&g.d);
	arena_release(&g.a);
}

static void test_deep_nesting(void **state)
{
	struct fx *f = *state;
	enum { N = 200000 };
	char *doc = xmalloc(2 * N + 2);
	memset(doc, '[', N);
	memset(doc + N, ']', N);
	doc[2 * N] = '\n';
	doc[2 * N + 1] = '\0';
	assert_null(parse(f, doc)); /* its cost: tests/run-bounds.sh */
	free(doc);
	assert_finding(f, "E003", 1, 65, "nested deeper than 64 levels");
}

static void test_deep_nesting_block(void **state)
{
	struct fx *f = *state;
	const struct yaml_limits lim = {1000, 3};
	assert_non_null(parse_lim(f, "a:\n  b:\n    c: 1\n", 1, &lim));
	assert_int_equal(f->d.n, 0);
	assert_null(parse_lim(f, "a:\n  b:\n    c:\n      - 1\n", 1, &lim));
	assert_finding(f, "E003", 4, 7, "nested deeper than 3 levels");
}

static void test_syntax_error(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "title: Executive: committee\n"));
	assert_finding(f, "E001", 1, 17,
		       "mapping values are not allowed in this context; quote the value if it "
		       "contains ': '");
}

static void test_syntax_error_line0(void **state)
{
	struct fx *f = *state;
	assert_null(parse_lim(f, "a: 1\nb: [x, y\nc: 3\n", 2, NULL));
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.items[0].code, "E001");
	/* "y c" reads as one plain scalar; its ':' is the problem */
	assert_pos(f->d.items[0].pos, 4, 2);
	assert_non_null(strstr(f->d.items[0].message, "flow sequence that starts at line 3"));
}

static void test_syntax_error_tab(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a:\n\tb: 1\n"));
	assert_finding(f, "E001", 2, 1, "indent with spaces, not tabs");
}

static void test_syntax_error_quote(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: \"open\nb: 2\n"));
	assert_finding(f, "E001", 3, 1, "found unexpected end of stream while scanning a quoted "
					"scalar that starts at line 1; close the quote");
}

static void test_syntax_error_crlf_bom(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "\xEF\xBB\xBF" "a: 1\r\nb: x: y\r\n"));
	assert_finding(f, "E001", 2, 5, "mapping values are not allowed");
}

static void test_control_character(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\nb: x\x01y\n"));
	assert_finding(f, "E001", 2, 5, "control characters are not allowed (U+0001); remove");
}

static void test_invalid_utf8(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\nb: \xC3\x28\n"));
	assert_finding(f, "E004", 2, 4, "not valid UTF-8 at byte 0xC3 (invalid trailing utf-8 octet); save the file as UTF-8");
}

static void test_utf16_bom_refused(void **state)
{
	struct fx *f = *state;
	/* The content model is UTF-8 only: a UTF-16 BOM is not guessed at. */
	assert_null(yaml_parse(&f->a, "\xFF\xFE" "a\0:\0 \0" "1\0", 10, "t.yaml", 1, NULL, &f->d));
	assert_finding(f, "E004", 1, 1, "not valid UTF-8 at byte 0xFF");
}

static void test_multiple_documents(void **state)
{
	struct fx *f = *state;
	assert_null(parse(f, "a: 1\n---\nb: 2\n"));
	assert_finding(f, "E001", 2, 1, "a second YAML document starts here");
}

static void test_document_markers(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "%YAML 1.2\n---\na: 1\n...\n");
	assert_non_null(v);
	assert_int_equal(f->d.n, 0);
	assert_pos(v->pos, 3, 1);
	assert_json(v, "{\"a\":1}");
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	const char *docs[] = {"", "\n\n", "# only a comment\n", "---\n", "---\n...\n",
			      "\xEF\xBB\xBF"};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct value *v = parse_lim(f, docs[i], 2, NULL);
		assert_non_null(v);
		assert_int_equal(v->kind, VALUE_NULL);
		assert_non_null(v->str);
		assert_string_equal(v->pos.file, "t.yaml");
		assert_true(v->pos.line >= 2);
	}
	assert_int_equal(f->d.n, 0);
	struct value *v = parse(f, "");
	assert_pos(v->pos, 1, 1);
}

static void test_scalar_document(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "just text\n");
	assert_non_null(v);
	assert_int_equal(v->kind, VALUE_STRING);
	assert_string_equal(v->str, "just text");
}

static void test_nul_in_value(void **state)
{
	struct fx *f = *state;
	struct value *v = parse(f, "\"a\\0b\": \"x\\0y\"\n");
	assert_non_null(v);
	assert_int_equal(v->u.pairs[0].key_len, 3);
	assert_int_equal(memcmp(v->u.pairs[0].key, "a\0b", 3), 0);
	assert_int_equal(v->u.pairs[0].val->len, 3);
}

static void test_long_key_in_message(void **state)
{
	struct fx *f = *state;
	struct buf doc = BUF_INIT;
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < 100; k++)
			buf_putc(&doc, 'k');
		buf_puts(&doc, ": 1\n");
	}
	assert_non_null(parse(f, doc.ptr));
	buf_release(&doc);
	assert_int_equal(f->d.n, 1);
	assert_non_null(strstr(f->d.items[0].message, "kkkk...'"));
	assert_true(strlen(f->d.items[0].message) < 150);
}

static void test_many_keys(void **state)
{
	struct fx *f = *state;
	struct buf doc = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_printf(&doc, "key%d: %d\n", i, i);
	struct value *v = parse(f, doc.ptr); /* its cost: tests/run-bounds.sh */
	buf_release(&doc);
	assert_non_null(v);
	assert_int_equal(v->n, 20000);
	assert_true(value_get(v, "key19999")->num == 19999);
}

static void test_findings_capped(void **state)
{
	struct fx *f = *state;
	struct buf doc = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_puts(&doc, "k: 1\n");
	assert_null(parse(f, doc.ptr));
	buf_release(&doc);
	assert_true(f->d.n >= 10);
	assert_true(f->d.n <= 100);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_limits_default),
		T(test_positions),
		T(test_positions_line0),
		T(test_positions_unicode),
		T(test_crlf),
		T(test_bom),
		T(test_resolution),
		T(test_empty_values),
		T(test_quoted_and_tagged),
		T(test_keys),
		T(test_duplicate_keys),
		T(test_duplicate_keys_all_reported),
		T(test_duplicate_then_syntax_error),
		T(test_not_flawed),
		T(test_merge_key_kept_for_the_loader),
		T(test_depth_boundary),
		T(test_nodes_boundary),
		T(test_alias_boundary),
		T(test_complex_key),
		T(test_complex_key_explicit),
		T(test_anchors_share),
		T(test_anchor_redefined),
		T(test_unknown_alias),
		T(test_alias_in_itself),
		T(test_alias_map_as_key),
		T(test_billion_laughs),
		T(test_alias_limit_small),
		T(test_node_limit),
		T(test_deep_nesting),
		T(test_deep_nesting_block),
		T(test_syntax_error),
		T(test_syntax_error_line0),
		T(test_syntax_error_tab),
		T(test_syntax_error_quote),
		T(test_syntax_error_crlf_bom),
		T(test_control_character),
		T(test_invalid_utf8),
		T(test_utf16_bom_refused),
		T(test_multiple_documents),
		T(test_document_markers),
		T(test_empty),
		T(test_scalar_document),
		T(test_nul_in_value),
		T(test_long_key_in_message),
		T(test_many_keys),
		T(test_findings_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
