/*
 * util.c: allocation that cannot fail, the arena, edit distance and UTF-8
 * checks. Small helpers every stage uses.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void die(const char *fmt, ...)
{
	va_list ap;
	fputs("plansite: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory allocating %zu bytes", n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* ------------------------------------------------------------- arena */

struct arena_block {
	struct arena_block *next;
	size_t size;
	/* data follows, 16-byte aligned */
	_Alignas(16) char data[];
};

#define ARENA_BLOCK (64 * 1024)

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if ((size_t)(a->end - a->next) < n || !a->next) {
		size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
		struct arena_block *b = xmalloc(sizeof(*b) + size);
		b->size = size;
		if (size == n && a->head) {
			/* A large allocation gets a block of its own, kept behind
			 * the current one so the current block's space stays usable. */
			b->next = a->head->next;
			a->head->next = b;
			memset(b->data, 0, n);
			return b->data;
		}
		b->next = a->head;
		a->head = b;
		a->next = b->data;
		a->end = b->data + size;
	}
	void *p = a->next;
	a->next += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *p = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->next = a->end = NULL;
}

/* ------------------------------------------------------ edit distance */

size_t edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	if (lb > 255)
		return max + 1; /* ids are short; this bound keeps the row on the stack */
	size_t row[256];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[lb] > max ? max + 1 : row[lb];
}

/* -------------------------------------------------------------- UTF-8 */

size_t utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i < len)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

size_t utf8_count(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* ---------------------------------------------------------------- ids */

bool id_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* ------------------------------------------------------------ id index */

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

void idmap_init(struct idmap *m, size_t expected)
{
	size_t cap = 16;
	while (cap < expected * 2 + 1)
		cap *= 2;
	m->cap = cap;
	m->n = 0;
	m->keys = xcalloc(cap, sizeof(*m->keys));
	m->vals = xcalloc(cap, sizeof(*m->vals));
}

void idmap_release(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void idmap_grow(struct idmap *m)
{
	struct idmap bigger;
	idmap_init(&bigger, m->cap);
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			idmap_put(&bigger, m->keys[i], m->vals[i]);
	idmap_release(m);
	*m = bigger;
}

bool idmap_put(struct idmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap)
		idmap_grow(m);
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0)
			return false;
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return true;
}

void idmap_set(struct idmap *m, const char *key, size_t val)
{
	if (!idmap_put(m, key, val)) {
		size_t i = hash_str(key) & (m->cap - 1);
		while (strcmp(m->keys[i], key) != 0)
			i = (i + 1) & (m->cap - 1);
		m->vals[i] = val;
	}
}

bool idmap_get(const struct idmap *m, const char *key, size_t *val)
{
	if (!m->cap || !key)
		return false;
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0) {
			if (val)
				*val = m->vals[i];
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

/* ------------------------------------------------------------- threads */

int plansite_jobs(void)
{
	const char *env = getenv("PLANSITE_JOBS");
	if (env && *env) {
		long n = strtol(env, NULL, 10);
		if (n >= 1 && n <= 64)
			return (int)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}
