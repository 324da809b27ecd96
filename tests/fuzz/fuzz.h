/*
 * fuzz.h: what every fuzz target under tests/fuzz/ includes. A target is one
 * LLVMFuzzerTestOneInput, built twice: with clang's libFuzzer (make fuzz),
 * and with driver.c, a plain main() that replays files (make test, with gcc).
 * A finding is a sanitizer report or fuzz_fail: an oracle that does not
 * hold (fuzz_fail prints what and aborts, so both builds stop there).
 */
#ifndef FUZZ_H
#define FUZZ_H
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plansite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Reports a broken oracle and aborts. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: oracle failed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* A malloc'd copy of s[0..n) of exactly n bytes plus a NUL (so that a read
 * past the end is a sanitizer report, not a read of the caller's bytes). */
static inline char *fuzz_copy(const void *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Whether needle occurs in hay[0..n). */
static inline bool fuzz_has(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	return k <= n && memmem(hay, n, needle, k) != NULL;
}

/* Every finding of d has a code, a message and a position (line and column
 * from 1) in file, when file is not NULL. */
static inline void fuzz_check_findings(const struct diag *d, const char *file)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct finding *f = &d->items[i];
		if (!f->message || !*f->message)
			fuzz_fail("finding %zu has no message", i);
		if (file && f->pos.file && strcmp(f->pos.file, file) == 0 &&
		    (f->pos.line < 1 || f->pos.col < 1))
			fuzz_fail("finding '%s' [%s] at line %u col %u", f->message, f->code,
				  (unsigned)f->pos.line, (unsigned)f->pos.col);
	}
}
#endif
