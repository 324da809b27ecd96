/*
 * value.c: the one positioned value type, shared by YAML, the model and the
 * templates. Values live in an arena; nothing here frees.
 */
#include "plansite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct pos nopos;

struct value *value_new(struct arena *a, enum value_kind kind, struct pos pos)
{
	struct value *v = arena_alloc(a, sizeof(*v));
	v->kind = kind;
	v->pos = pos;
	return v;
}

struct value *value_string(struct arena *a, const char *s, size_t n, struct pos pos)
{
	struct value *v = value_new(a, VALUE_STRING, pos);
	v->str = arena_strndup(a, s, n);
	v->len = n;
	return v;
}

struct value *value_cstr(struct arena *a, const char *s)
{
	return value_string(a, s, strlen(s), nopos);
}

/* Shortest text that reads back as d: "85", "1.21", "-0.5". */
static void number_text(struct buf *b, double d)
{
	if (isnan(d)) {
		buf_puts(b, ".nan");
		return;
	}
	if (isinf(d)) {
		buf_puts(b, d < 0 ? "-.inf" : ".inf");
		return;
	}
	/* range first: converting a double outside long long's range is undefined */
	if (fabs(d) < 1e15 && d == (double)(long long)d) {
		/* a whole number: its digits, without printf (templates show many) */
		buf_put_int(b, (long long)d);
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(b, tmp);
}

struct value *value_number(struct arena *a, double d)
{
	struct value *v = value_new(a, VALUE_NUMBER, nopos);
	struct buf b = BUF_INIT;
	number_text(&b, d);
	v->str = arena_strndup(a, b.ptr, b.len);
	v->len = b.len;
	v->num = d;
	buf_release(&b);
	return v;
}

struct value *value_bool(struct arena *a, bool b)
{
	struct value *v = value_new(a, VALUE_BOOL, nopos);
	v->b = b;
	v->str = b ? "true" : "false";
	v->len = strlen(v->str);
	return v;
}

/* Grows a list or map's array in the arena (the old array is abandoned). */
static void reserve(struct arena *a, struct value *v, size_t size)
{
	if (v->n < v->cap)
		return;
	size_t cap = v->cap ? v->cap * 2 : 4;
	void *p = arena_alloc(a, cap * size);
	void *old = v->kind == VALUE_LIST ? (void *)v->u.items : (void *)v->u.pairs;
	if (v->n)
		memcpy(p, old, v->n * size);
	if (v->kind == VALUE_LIST)
		v->u.items = p;
	else
		v->u.pairs = p;
	v->cap = cap;
}

void value_list_push(struct arena *a, struct value *list, struct value *item)
{
	reserve(a, list, sizeof(struct value *));
	list->u.items[list->n++] = item;
}

void value_map_put(struct arena *a, struct value *map, const char *key, struct value *val)
{
	size_t n = strlen(key);
	value_map_put_lasting(a, map, arena_strndup(a, key, n), val);
}

void value_map_put_lasting(struct arena *a, struct value *map, const char *key, struct value *val)
{
	reserve(a, map, sizeof(struct value_pair));
	struct value_pair *p = &map->u.pairs[map->n++];
	p->key_len = strlen(key);
	p->key = key;
	p->key_pos = nopos;
	p->val = val;
}

struct value_pair *value_get_pair(const struct value *m, const char *key)
{
	if (!m || m->kind != VALUE_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < m->n; i++) {
		struct value_pair *p = &m->u.pairs[i];
		if (p->key_len == kl && memcmp(p->key, key, kl) == 0)
			return p;
	}
	return NULL;
}

struct value *value_get(const struct value *m, const char *key)
{
	struct value_pair *p = value_get_pair(m, key);
	return p ? p->val : NULL;
}

bool value_falsey(const struct value *v)
{
	if (!v)
		return true;
	switch (v->kind) {
	case VALUE_NULL:
		return true;
	case VALUE_BOOL:
		return !v->b;
	case VALUE_STRING:
		return v->len == 0;
	case VALUE_LIST:
		return v->n == 0;
	default:
		return false;
	}
}

void value_text(struct buf *b, const struct value *v)
{
	if (!v)
		return;
	switch (v->kind) {
	case VALUE_NULL:
		break;
	case VALUE_NUMBER:
		number_text(b, v->num);
		break;
	case VALUE_STRING:
	case VALUE_BOOL:
		buf_put(b, v->str, v->len);
		break;
	default:
		break;
	}
}

const char *value_kind_name(enum value_kind k)
{
	switch (k) {
	case VALUE_NULL:
		return "nothing";
	case VALUE_STRING:
		return "a string";
	case VALUE_NUMBER:
		return "a number";
	case VALUE_BOOL:
		return "true or false";
	case VALUE_LIST:
		return "a list";
	case VALUE_MAP:
		return "a map";
	}
	return "?";
}

/* Iterative JSON writer: an explicit stack keeps hostile depth off the C
 * stack. */
void value_to_json(struct buf *b, const struct value *root)
{
	struct frame {
		const struct value *v;
		size_t i;
	};
	size_t cap = 16, top = 0;
	struct frame *st = xmalloc(cap * sizeof(*st));
	const struct value *v = root;
	for (;;) {
		if (v) {
			switch (v->kind) {
			case VALUE_NULL:
				buf_puts(b, "null");
				break;
			case VALUE_BOOL:
				buf_puts(b, v->b ? "true" : "false");
				break;
			case VALUE_NUMBER:
				number_text(b, v->num);
				break;
			case VALUE_STRING:
				buf_putc(b, '"');
				escape_json(b, v->str, v->len);
				buf_putc(b, '"');
				break;
			case VALUE_LIST:
			case VALUE_MAP:
				buf_putc(b, v->kind == VALUE_LIST ? '[' : '{');
				if (top == cap) {
					cap *= 2;
					st = xrealloc(st, cap * sizeof(*st));
				}
				st[top].v = v;
				st[top].i = 0;
				top++;
				break;
			}
		}
		v = NULL;
		/* find the next child to write */
		while (top) {
			struct frame *f = &st[top - 1];
			if (f->i < f->v->n) {
				if (f->i)
					buf_putc(b, ',');
				if (f->v->kind == VALUE_LIST) {
					v = f->v->u.items[f->i];
				} else {
					const struct value_pair *p = &f->v->u.pairs[f->i];
					buf_putc(b, '"');
					escape_json(b, p->key, p->key_len);
					buf_puts(b, "\":");
					v = p->val;
				}
				f->i++;
				break;
			}
			buf_putc(b, f->v->kind == VALUE_LIST ? ']' : '}');
			top--;
		}
		if (!top && !v)
			break;
	}
	free(st);
}
