/* test_value.c: the one positioned value type (value.c). */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

static char *text_of(const struct value *v)
{
	struct buf b = BUF_INIT;
	value_text(&b, v);
	return buf_detach(&b, NULL);
}

static char *json_of(const struct value *v)
{
	struct buf b = BUF_INIT;
	value_to_json(&b, v);
	return buf_detach(&b, NULL);
}

#define assert_text(v, want)                                                                    \
	do {                                                                                    \
		char *got_ = text_of(v);                                                        \
		assert_string_equal(got_, want);                                                \
		free(got_);                                                                     \
	} while (0)

#define assert_json(v, want)                                                                    \
	do {                                                                                    \
		char *got_ = json_of(v);                                                        \
		assert_string_equal(got_, want);                                                \
		free(got_);                                                                     \
	} while (0)

static void test_new_and_scalars(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {"content/site.yaml", 3, 7};

	struct value *v = value_new(&a, VALUE_MAP, p);
	assert_int_equal(v->kind, VALUE_MAP);
	assert_string_equal(v->pos.file, "content/site.yaml");
	assert_int_equal(v->pos.line, 3);
	assert_int_equal(v->pos.col, 7);
	assert_null(v->str);
	assert_int_equal(v->n, 0);
	assert_false(v->quoted);

	char src[] = "hello world";
	struct value *s = value_string(&a, src, 5, p);
	src[0] = 'J'; /* the value holds a copy */
	assert_int_equal(s->kind, VALUE_STRING);
	assert_string_equal(s->str, "hello");
	assert_int_equal(s->len, 5);
	assert_int_equal(s->pos.line, 3);

	struct value *c = value_cstr(&a, "plain");
	assert_string_equal(c->str, "plain");
	assert_int_equal(c->len, 5);
	assert_null(c->pos.file);
	assert_int_equal(c->pos.line, 0);

	struct value *t = value_bool(&a, true), *f = value_bool(&a, false);
	assert_int_equal(t->kind, VALUE_BOOL);
	assert_true(t->b);
	assert_false(f->b);
	assert_string_equal(t->str, "true");
	assert_string_equal(f->str, "false");
	assert_int_equal(f->len, 5);

	struct value *n = value_number(&a, 85);
	assert_int_equal(n->kind, VALUE_NUMBER);
	assert_true(n->num == 85);
	assert_string_equal(n->str, "85");
	assert_int_equal(n->len, 2);
	arena_release(&a);
}

static void test_number_text(void **state)
{
	static const struct {
		double d;
		const char *text;
	} cases[] = {
		{85, "85"},
		{1.21, "1.21"},
		{1.210, "1.21"},
		{-0.5, "-0.5"},
		{0, "0"},
		{-7, "-7"},
		{0.1, "0.1"},
		{1.0 / 3.0, "0.3333333333333333"},
		{123456789012345.0, "123456789012345"},
		{1e15, "1e+15"},
		{1e300, "1e+300"},
		{-1e300, "-1e+300"},
		{2.5e-8, "2.5e-08"},
	};
	struct arena a = ARENA_INIT;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct value *v = value_number(&a, cases[i].d);
		assert_string_equal(v->str, cases[i].text);
		assert_text(v, cases[i].text);
		/* the text reads back as the same number */
		assert_true(strtod(v->str, NULL) == cases[i].d);
	}
	assert_text(value_number(&a, INFINITY), ".inf");
	assert_text(value_number(&a, -INFINITY), "-.inf");
	assert_text(value_number(&a, NAN), ".nan");
	arena_release(&a);
}

static void test_list(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {"f", 1, 1};
	struct value *list = value_new(&a, VALUE_LIST, p);
	struct value *items[100];
	for (int i = 0; i < 100; i++) {
		items[i] = value_number(&a, i);
		value_list_push(&a, list, items[i]);
	}
	assert_int_equal(list->n, 100);
	assert_true(list->cap >= 100);
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(list->u.items[i], items[i]); /* order kept, no copies */
	arena_release(&a);
}

static void test_map(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {"f", 1, 1};
	struct value *m = value_new(&a, VALUE_MAP, p);
	char key[16];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		value_map_put(&a, m, key, value_number(&a, i));
	}
	strcpy(key, "changed"); /* keys are copied */
	assert_int_equal(m->n, 50);
	assert_string_equal(m->u.pairs[0].key, "k0");
	assert_int_equal(m->u.pairs[0].key_len, 2);
	assert_string_equal(m->u.pairs[49].key, "k49");
	assert_null(m->u.pairs[3].key_pos.file);

	struct value *v = value_get(m, "k17");
	assert_non_null(v);
	assert_true(v->num == 17);
	assert_null(value_get(m, "k50"));
	assert_null(value_get(m, "k"));
	assert_null(value_get(m, "k170"));
	assert_null(value_get(NULL, "k1"));
	assert_null(value_get(value_cstr(&a, "k1"), "k1"));

	struct value_pair *pair = value_get_pair(m, "k20");
	assert_non_null(pair);
	assert_string_equal(pair->key, "k20");
	assert_true(pair->val->num == 20);
	assert_null(value_get_pair(m, "nope"));

	/* put does not check for duplicates; get finds the first */
	value_map_put(&a, m, "k1", value_cstr(&a, "second"));
	assert_int_equal(m->n, 51);
	assert_int_equal(value_get(m, "k1")->kind, VALUE_NUMBER);
	arena_release(&a);
}

static void test_falsey(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {0};
	struct value *list = value_new(&a, VALUE_LIST, p);
	struct value *map = value_new(&a, VALUE_MAP, p);

	assert_true(value_falsey(NULL));
	assert_true(value_falsey(value_new(&a, VALUE_NULL, p)));
	assert_true(value_falsey(value_bool(&a, false)));
	assert_false(value_falsey(value_bool(&a, true)));
	assert_true(value_falsey(value_cstr(&a, "")));
	assert_false(value_falsey(value_cstr(&a, "x")));
	assert_false(value_falsey(value_cstr(&a, "false"))); /* text, not a bool */
	assert_false(value_falsey(value_number(&a, 0)));
	assert_false(value_falsey(value_number(&a, 1)));
	assert_true(value_falsey(list));
	value_list_push(&a, list, value_new(&a, VALUE_NULL, p));
	assert_false(value_falsey(list));
	assert_false(value_falsey(map)); /* an empty map is still a context */
	arena_release(&a);
}

static void test_text(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {0};
	struct value *null = value_new(&a, VALUE_NULL, p);
	null->str = "~";
	null->len = 1;
	assert_text(null, "");
	assert_text(NULL, "");
	assert_text(value_cstr(&a, "Fernville <Surgery>"), "Fernville <Surgery>");
	assert_text(value_bool(&a, true), "true");
	assert_text(value_new(&a, VALUE_LIST, p), "");
	assert_text(value_new(&a, VALUE_MAP, p), "");

	/* a number from YAML keeps its source text in str, but its text is
	 * the shortest form of its value */
	struct value *n = value_string(&a, "1.210", 5, p);
	n->kind = VALUE_NUMBER;
	n->num = 1.21;
	assert_text(n, "1.21");
	assert_string_equal(n->str, "1.210");

	struct buf b = BUF_INIT;
	buf_puts(&b, "x=");
	value_text(&b, value_number(&a, -0.5));
	assert_string_equal(b.ptr, "x=-0.5");
	buf_release(&b);
	arena_release(&a);
}

static void test_kind_name(void **state)
{
	assert_string_equal(value_kind_name(VALUE_NULL), "nothing");
	assert_string_equal(value_kind_name(VALUE_STRING), "a string");
	assert_string_equal(value_kind_name(VALUE_NUMBER), "a number");
	assert_string_equal(value_kind_name(VALUE_BOOL), "true or false");
	assert_string_equal(value_kind_name(VALUE_LIST), "a list");
	assert_string_equal(value_kind_name(VALUE_MAP), "a map");
}

static void test_to_json(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {0};
	struct value *root = value_new(&a, VALUE_MAP, p);
	struct value *list = value_new(&a, VALUE_LIST, p);
	value_list_push(&a, list, value_number(&a, 1.21));
	value_list_push(&a, list, value_number(&a, -3));
	value_list_push(&a, list, value_bool(&a, false));
	value_list_push(&a, list, value_new(&a, VALUE_NULL, p));
	value_list_push(&a, list, value_new(&a, VALUE_LIST, p));
	value_list_push(&a, list, value_new(&a, VALUE_MAP, p));
	value_map_put(&a, root, "title", value_cstr(&a, "say \"hi\"\n<b>&\\"));
	value_map_put(&a, root, "items", list);
	value_map_put(&a, root, "tab\tkey", value_cstr(&a, "\x01"));
	assert_json(root, "{\"title\":\"say \\\"hi\\\"\\n\\u003cb\\u003e\\u0026\\\\\","
			  "\"items\":[1.21,-3,false,null,[],{}],"
			  "\"tab\\tkey\":\"\\u0001\"}");
	assert_json(value_cstr(&a, "x"), "\"x\"");
	assert_json(value_number(&a, 85), "85");
	assert_json(value_new(&a, VALUE_NULL, p), "null");
	arena_release(&a);
}

/* The JSON writer keeps its own stack: deep nesting cannot overflow the C
 * stack. */
static void test_to_json_deep(void **state)
{
	struct arena a = ARENA_INIT;
	struct pos p = {0};
	enum { DEPTH = 100000 };
	struct value *root = value_new(&a, VALUE_LIST, p), *cur = root;
	for (int i = 1; i < DEPTH; i++) {
		struct value *next = value_new(&a, i % 2 ? VALUE_MAP : VALUE_LIST, p);
		if (cur->kind == VALUE_LIST)
			value_list_push(&a, cur, next);
		else
			value_map_put(&a, cur, "k", next);
		cur = next;
	}
	char *json = json_of(root);
	size_t len = strlen(json);
	assert_true(len > 2 * DEPTH);
	assert_int_equal(json[0], '[');
	assert_int_equal(json[len - 1], ']');
	free(json);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_scalars),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_falsey),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_kind_name),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test(test_to_json_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
