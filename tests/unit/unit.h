/* unit.h: what every cmocka unit test includes. */
#ifndef UNIT_H
#define UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "plansite.h"

#include <stdio.h>

/* The bytes of the file at path (NUL-terminated, malloc'd; its length in
 * *len), or NULL when it cannot be opened. */
static inline char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, k);
	fclose(f);
	return buf_detach(&b, len);
}
#endif
