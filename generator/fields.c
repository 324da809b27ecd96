/*
 * fields.c: the field reader the loaders share: one YAML map read field by
 * field, each getter reporting its own mistakes with positions; and the
 * checks every file gets (UTF-8, size).
 */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------- the field reader */

void ld_init(struct ld *l, struct arena *a, struct diag *d, const struct value *map,
	     struct pos where, const char *what)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->d = d;
	l->map = map;
	l->where = where;
	l->what = what;
}

/* The value of key (NULL when absent), remembering the key as known. */
const struct value *ld_get(struct ld *l, const char *key)
{
	if (l->nknown < 64)
		l->known[l->nknown++] = key;
	if (!l->map || l->map->kind != VALUE_MAP)
		return NULL;
	for (size_t i = 0; i < l->map->n && i < 64; i++) {
		if (strcmp(l->map->u.pairs[i].key, key) == 0) {
			l->seen[i] = true;
			return l->map->u.pairs[i].val;
		}
	}
	return NULL;
}

const struct value *ld_field(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_get(l, key);
	if (v && v->kind == VALUE_NULL) {
		if (required) {
			diag_error(l->d, v->pos, "E005", "'%s' is empty; give it a value", key);
			l->bad = true;
		}
		return NULL;
	}
	if (!v && required) {
		diag_error(l->d, l->where, "E005", "missing required field '%s' in %s; add '%s: ...'",
			   key, l->what, key);
		l->bad = true;
	}
	return v;
}

void ld_done(struct ld *l)
{
	if (!l->map || l->map->kind != VALUE_MAP)
		return;
	for (size_t i = 0; i < l->map->n && i < 64; i++) {
		if (l->seen[i])
			continue;
		const struct value_pair *p = &l->map->u.pairs[i];
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "unknown field '%s' in %s", p->key, l->what);
		if (!diag_suggest(&msg, p->key, l->known, l->nknown))
			buf_puts(&msg, "; it is ignored");
		diag_warning(l->d, p->key_pos, "W005", "%s", msg.ptr);
		buf_release(&msg);
	}
}

bool ld_is_scalar(const struct value *v)
{
	return v->kind == VALUE_STRING || v->kind == VALUE_NUMBER || v->kind == VALUE_BOOL;
}

void ld_wrong_type(struct ld *l, const struct value *v, const char *key, const char *want)
{
	diag_error(l->d, v->pos, "E006", "'%s' must be %s, not %s", key, want,
		   value_kind_name(v->kind));
	l->bad = true;
}

/* Text (str or text): any scalar, as written. */
const char *ld_str(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return NULL;
	if (!ld_is_scalar(v)) {
		ld_wrong_type(l, v, key, "text");
		return NULL;
	}
	return v->str;
}

/* One id given as a scalar; the syntax is checked (E025) when defining is
 * true (an id being declared), else left to the reference check. */
bool ld_scalar_ref(struct ld *l, const struct value *v, const char *key, bool defining,
		   struct ref *out)
{
	if (!ld_is_scalar(v)) {
		ld_wrong_type(l, v, key, "an id");
		return false;
	}
	if (defining && !id_valid(v->str)) {
		diag_error(l->d, v->pos, "E025",
			   "'%s' is not a valid id: use lowercase letters, digits and '-'", v->str);
		l->bad = true;
		return false;
	}
	out->id = v->str;
	out->pos = v->pos;
	return true;
}

bool ld_ref(struct ld *l, const char *key, bool required, bool defining, struct ref *out)
{
	memset(out, 0, sizeof(*out));
	const struct value *v = ld_field(l, key, required);
	return v && ld_scalar_ref(l, v, key, defining, out);
}

/* A list of ids. A single id is accepted as a list of one. */
bool ld_refs(struct ld *l, const char *key, bool required, struct refs *out,
	     struct pos *where)
{
	memset(out, 0, sizeof(*out));
	const struct value *v = ld_field(l, key, required);
	if (where)
		*where = v ? v->pos : l->where;
	if (!v)
		return false;
	if (v->kind != VALUE_LIST) {
		diag_error(l->d, v->pos, "E006", "'%s' must be a list of ids, like [%s]", key,
			   ld_is_scalar(v) ? v->str : "an-id");
		l->bad = true;
		return false;
	}
	out->v = arena_alloc(l->a, (v->n ? v->n : 1) * sizeof(*out->v));
	out->ok = true;
	for (size_t i = 0; i < v->n; i++)
		if (ld_scalar_ref(l, v->u.items[i], key, false, &out->v[out->n]))
			out->n++;
	return true;
}

/* A whole number (int). */
bool ld_value_int(struct ld *l, const struct value *v, const char *key, int *out)
{
	if (v->kind != VALUE_NUMBER || v->num != floor(v->num) || fabs(v->num) > 1e9) {
		diag_error(l->d, v->pos, "E006", "'%s' must be a whole number, not %s", key,
			   v->kind == VALUE_NUMBER ? "a fraction" : value_kind_name(v->kind));
		l->bad = true;
		return false;
	}
	*out = (int)v->num;
	return true;
}

bool ld_int(struct ld *l, const char *key, bool required, int *out, struct pos *pos)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	return ld_value_int(l, v, key, out);
}

bool ld_bool(struct ld *l, const char *key, bool required, bool *out)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (v->kind != VALUE_BOOL) {
		ld_wrong_type(l, v, key, "true or false");
		return false;
	}
	*out = v->b;
	return true;
}

/* Reports a malformed date, month or time (E007); kind is "date", "month"
 * or "time". For a well-formed but impossible date it says why. */
void ld_bad_date(struct ld *l, const struct value *v, const char *key, const char *kind)
{
	struct date m;
	l->bad = true;
	if (!ld_is_scalar(v)) {
		diag_error(l->d, v->pos, "E007", "'%s' must be a %s, not %s", key, kind,
			   value_kind_name(v->kind));
		return;
	}
	if (strcmp(kind, "date") == 0 && v->len == 10 && v->str[7] == '-' &&
	    month_parse(v->str, 7, &m)) {
		diag_error(l->d, v->pos, "E007", "bad date '%s' in '%s': %s %d has %d days", v->str,
			   key, date_month_name(m.m), m.y, date_days_in_month(m.y, m.m));
		return;
	}
	const char *form = strcmp(kind, "date") == 0	? "YYYY-MM-DD, like 2007-01-17"
			   : strcmp(kind, "month") == 0 ? "YYYY-MM in quotes, like \"2007-04\""
							: "HH:MM in quotes, like \"13:00\"";
	diag_error(l->d, v->pos, "E007", "bad %s '%s' in '%s'; write it as %s", kind, v->str, key,
		   form);
}

bool ld_value_date(struct ld *l, const struct value *v, const char *key, struct date *out)
{
	if (!ld_is_scalar(v) || !date_parse(v->str, v->len, out)) {
		ld_bad_date(l, v, key, "date");
		return false;
	}
	return true;
}

bool ld_date(struct ld *l, const char *key, bool required, struct date *out,
	     struct pos *pos)
{
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	return ld_value_date(l, v, key, out);
}

bool ld_time(struct ld *l, const char *key, bool required, int *out, struct pos *pos)
{
	*out = -1;
	const struct value *v = ld_field(l, key, required);
	if (!v)
		return false;
	if (pos)
		*pos = v->pos;
	if (!ld_is_scalar(v) || !time_parse(v->str, v->len, out)) {
		*out = -1;
		ld_bad_date(l, v, key, "time");
		return false;
	}
	return true;
}

/* A list of text items. */
const char **ld_texts(struct ld *l, const char *key, size_t *n)
{
	*n = 0;
	const struct value *v = ld_field(l, key, false);
	if (!v)
		return NULL;
	if (v->kind != VALUE_LIST) {
		ld_wrong_type(l, v, key, "a list");
		return NULL;
	}
	const char **out = arena_alloc(l->a, (v->n ? v->n : 1) * sizeof(*out));
	for (size_t i = 0; i < v->n; i++) {
		const struct value *it = v->u.items[i];
		if (!ld_is_scalar(it)) {
			ld_wrong_type(l, it, key, "a list of text");
			continue;
		}
		out[(*n)++] = it->str;
	}
	return out;
}

/* A nested map; wrong types are reported. */
const struct value *ld_map(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (v && v->kind != VALUE_MAP) {
		ld_wrong_type(l, v, key, "a map of fields");
		return NULL;
	}
	return v;
}

const struct value *ld_list(struct ld *l, const char *key, bool required)
{
	const struct value *v = ld_field(l, key, required);
	if (v && v->kind != VALUE_LIST) {
		ld_wrong_type(l, v, key, "a list");
		return NULL;
	}
	return v;
}

/* Items of a list that must each be a map. */
bool ld_item_map(struct ld *l, const struct value *it, const char *what)
{
	if (it->kind == VALUE_MAP)
		return true;
	diag_error(l->d, it->pos, "E006", "each entry of %s must be a map of fields, not %s", what,
		   value_kind_name(it->kind));
	return false;
}

/* ------------------------------------------------------ files */

struct pos ld_file_start(const char *path)
{
	struct pos p = {path, 1, 1};
	return p;
}

/* Checks UTF-8 and size; reports E004 with the byte offset and its line. */
bool lo_file_ok(struct loader *lo, const struct source_file *f)
{
	size_t bad = utf8_check(f->data, f->len);
	if (bad < f->len) {
		uint32_t line = 1;
		size_t line_start = 0;
		for (size_t i = 0; i < bad; i++)
			if (f->data[i] == '\n')
				line++, line_start = i + 1;
		struct pos p = {f->path, line, (uint32_t)utf8_count(f->data + line_start,
								     bad - line_start) + 1};
		diag_error(lo->d, p, "E004",
			   "not valid UTF-8 at byte offset %zu (byte 0x%02x); save the file as UTF-8",
			   bad, (unsigned char)f->data[bad]);
		return false;
	}
	if (f->len > lo->doc_bytes)
		diag_warning(lo->d, ld_file_start(f->path), "W006",
			     "file is %zu bytes, over the limit of %zu; split it, or raise "
			     "limits.document_bytes in site.yaml",
			     f->len, lo->doc_bytes);
	return true;
}

struct value *lo_parse_yaml(struct loader *lo, const struct source_file *f)
{
	if (!lo_file_ok(lo, f))
		return NULL;
	struct value *v = yaml_parse(lo->arena, f->data, f->len, f->path, 1, &lo->limits,
				     lo->d);
	return v;
}

const char *ld_stem_of(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	return arena_strndup(a, base, dot ? (size_t)(dot - base) : strlen(base));
}

