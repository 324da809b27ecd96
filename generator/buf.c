/*
 * buf.c: the one growable byte buffer. See plansite.h for its invariants.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

char buf_empty[1];

void buf_init(struct buf *b)
{
	b->ptr = buf_empty;
	b->len = b->cap = 0;
}

void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	if (b->len + extra + 1 < b->len)
		die("buffer size overflow");
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap += cap / 2 + 64;
	if (b->ptr == buf_empty) {
		b->ptr = xmalloc(cap);
		b->ptr[0] = '\0';
	} else {
		b->ptr = xrealloc(b->ptr, cap);
	}
	b->cap = cap;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("vsnprintf failed");
	if (b->len + (size_t)n + 1 > b->cap) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_put_int(struct buf *b, long long v)
{
	char t[24];
	size_t k = sizeof(t);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do {
		t[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--k] = '-';
	buf_put(b, t + k, sizeof(t) - k);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->ptr == buf_empty ? xcalloc(1, 1) : b->ptr;
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

void buf_release(struct buf *b)
{
	if (b->ptr != buf_empty)
		free(b->ptr);
	buf_init(b);
}
