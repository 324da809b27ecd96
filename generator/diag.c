/*
 * diag.c: the one diagnostics sink. Every stage reports here; nothing prints
 * a finding directly. Findings are collected and printed sorted by position,
 * as "path:line:col: error: message [E013]" or, with --format json, one JSON
 * object per line.
 */
#include "plansite.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, enum diag_format format)
{
	memset(d, 0, sizeof(*d));
	d->format = format;
	pthread_mutex_t *m = xmalloc(sizeof(*m));
	pthread_mutex_init(m, NULL);
	d->lock = m;
}

static void forget(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].message);
	d->n = 0;
}

const char *diag_keep(struct diag *d, const char *s)
{
	pthread_mutex_lock(d->lock);
	const char *c = arena_strdup(&d->names, s);
	pthread_mutex_unlock(d->lock);
	return c;
}

void diag_release(struct diag *d)
{
	forget(d);
	free(d->items);
	arena_release(&d->names);
	if (d->lock) {
		pthread_mutex_destroy(d->lock);
		free(d->lock);
	}
	memset(d, 0, sizeof(*d));
}

void diag_report(struct diag *d, enum diag_severity sev, struct pos pos, const char *code,
		 const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;
	buf_vprintf(&msg, fmt, ap);
	pthread_mutex_lock(d->lock);
	GROW_FROM(d->items, d->n, d->cap, 16);
	struct finding *f = &d->items[d->n];
	f->pos = pos;
	f->severity = sev;
	snprintf(f->code, sizeof(f->code), "%s", code ? code : "");
	f->message = buf_detach(&msg, NULL);
	f->seq = d->n++;
	if (sev == DIAG_ERROR) {
		d->errors++;
		if (code && strcmp(code, "E026") == 0)
			d->io_errors++;
	} else if (sev == DIAG_WARNING)
		d->warnings++;
	pthread_mutex_unlock(d->lock);
}

void diag_forget_since(struct diag *d, size_t n)
{
	pthread_mutex_lock(d->lock);
	while (d->n > n) {
		struct finding *f = &d->items[--d->n];
		if (f->severity == DIAG_ERROR)
			d->errors--;
		else if (f->severity == DIAG_WARNING)
			d->warnings--;
		free(f->message);
	}
	pthread_mutex_unlock(d->lock);
}

void diag_error(struct diag *d, struct pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(d, DIAG_ERROR, pos, code, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *d, struct pos pos, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(d, DIAG_WARNING, pos, code, fmt, ap);
	va_end(ap);
}

/* Findings without a file come first (they are about the run itself), then
 * by path, line, column, and the order they were reported. */
static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	if (!a->pos.file != !b->pos.file)
		return a->pos.file ? 1 : -1;
	if (a->pos.file) {
		int c = strcmp(a->pos.file, b->pos.file);
		if (c)
			return c;
	}
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	if (a->pos.col != b->pos.col)
		return a->pos.col < b->pos.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const char *severity_name(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	default:
		return "note";
	}
}



void diag_flush(struct diag *d, FILE *out)
{
	pthread_mutex_lock(d->lock);
	if (d->n) /* items is NULL before the first finding; qsort wants non-NULL */
		qsort(d->items, d->n, sizeof(*d->items), cmp_finding);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		const struct finding *f = &d->items[i];
		buf_truncate(&b, 0);
		if (d->format == DIAG_JSON) {
			buf_puts(&b, "{\"file\":");
			if (f->pos.file) {
				buf_putc(&b, '"');
				escape_json(&b, f->pos.file, strlen(f->pos.file));
				buf_putc(&b, '"');
			} else {
				buf_puts(&b, "null");
			}
			buf_printf(&b, ",\"line\":%u,\"col\":%u,\"severity\":\"%s\",\"code\":\"%s\","
				       "\"message\":\"",
				   (unsigned)f->pos.line, (unsigned)f->pos.col,
				   severity_name(f->severity), f->code);
			escape_json(&b, f->message, strlen(f->message));
			buf_puts(&b, "\"}\n");
		} else {
			if (f->pos.file) {
				buf_puts(&b, f->pos.file);
				if (f->pos.line)
					buf_printf(&b, ":%u", (unsigned)f->pos.line);
				if (f->pos.line && f->pos.col)
					buf_printf(&b, ":%u", (unsigned)f->pos.col);
				buf_puts(&b, ": ");
			} else {
				buf_puts(&b, "plansite: ");
			}
			buf_printf(&b, "%s: %s", severity_name(f->severity), f->message);
			if (f->code[0])
				buf_printf(&b, " [%s]", f->code);
			buf_putc(&b, '\n');
		}
		fwrite(b.ptr, 1, b.len, out);
	}
	buf_release(&b);
	forget(d);
	fflush(out);
	pthread_mutex_unlock(d->lock);
}

bool diag_has(const struct diag *d, const char *code)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0)
			return true;
	return false;
}

void diag_summary(const struct diag *d, FILE *out)
{
	if (d->format == DIAG_JSON)
		return;
	fprintf(out, "%zu error%s, %zu warning%s\n", d->errors, d->errors == 1 ? "" : "s",
		d->warnings, d->warnings == 1 ? "" : "s");
}

const char *diag_closest(const char *word, const char *const *cands, size_t n)
{
	size_t best = SIZE_MAX, best_i = 0;
	size_t wl = strlen(word);
	if (wl == 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i] || strcmp(cands[i], word) == 0)
			continue;
		size_t dist = edit_distance(word, cands[i], 2);
		if (dist > 2) {
			size_t cl = strlen(cands[i]);
			bool prefix = (cl > wl && strncmp(cands[i], word, wl) == 0) ||
				      (wl > cl && cl >= 3 && strncmp(word, cands[i], cl) == 0);
			if (!prefix)
				continue;
			dist = 3; /* a prefix ranks after every close edit */
		}
		if (dist < best) {
			best = dist;
			best_i = i;
		}
	}
	return best == SIZE_MAX ? NULL : cands[best_i];
}

bool diag_suggest(struct buf *b, const char *word, const char *const *cands, size_t n)
{
	const char *c = diag_closest(word, cands, n);
	if (c)
		buf_printf(b, " (did you mean '%s'?)", c);
	return c != NULL;
}
