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
	size_t n = map && map->kind == VALUE_MAP ? map->n : 0;
	l->seen = n <= LD_INLINE ? l->seen_inline : arena_alloc(a, n * sizeof(*l->seen));
	l->known = l->known_inline;
	l->capknown = LD_INLINE;
}

/* Whether pair p's key is exactly key, of n bytes (keys may hold NUL
 * bytes). */
static bool key_is(const struct value_pair *p, const char *key, size_t n)
{
	return p->key_len == n && memcmp(p->key, key, n) == 0;
}

/* The value of key (NULL when absent), remembering the key as known. Every
 * pair of the map is looked at, however many there are. */
const struct value *ld_get(struct ld *l, const char *key)
{
	if (l->nknown == l->capknown) {
		const char **k = arena_alloc(l->a, 2 * l->capknown * sizeof(*k));
		memcpy(k, l->known, l->nknown * sizeof(*k));
		l->known = k;
		l->capknown *= 2;
	}
	l->known[l->nknown++] = key;
	if (!l->map || l->map->kind != VALUE_MAP)
		return NULL;
	size_t n = strlen(key);
	for (size_t i = 0; i < l->map->n; i++) {
		if (key_is(&l->map->u.pairs[i], key, n)) {
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

/* ------------------------------------------------------- visibility */

/* Characters that show as nothing: they must not hide a key from the
 * near-miss rule (soft hyphen, zero-width and joiner characters, bidi
 * marks, word joiners, variation selectors, the BOM). */
static bool invisible(uint32_t c)
{
	return c == 0xad || c == 0x34f || c == 0x61c || c == 0x180e ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x206f) || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff;
}

/* Decodes one UTF-8 character at s[*i] (the text is valid UTF-8: the file
 * was checked) and moves *i past it. */
static uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[*i];
	size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (*i + len > n)
		len = 1;
	if (len > 1) {
		c &= 0x3f >> (len - 1);
		for (size_t k = 1; k < len; k++)
			c = (c << 6) | (u[*i + k] & 0x3f);
	}
	*i += len;
	return c;
}

/* Folds the UTF-8 text s[0..len) to one byte a character into out (cap
 * bytes, NUL-terminated): ASCII letters (and their full-width forms) in
 * lowercase, invisible characters dropped, any other character a byte that
 * matches no letter of a word, so a byte edit distance is the distance in
 * characters. Returns the folded length, or SIZE_MAX when it does not fit. */
static size_t fold_word(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t c = utf8_next(s, len, &i);
		if (invisible(c))
			continue;
		if (c >= 0xff01 && c <= 0xff5e)
			c -= 0xfee0; /* full-width ASCII */
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (n + 1 >= cap)
			return SIZE_MAX;
		out[n++] = c < 0x80 && c != 0 ? (char)c : '\x01';
	}
	out[n] = '\0';
	return n;
}

/* Whether key is word (1), or differs from it only by case, invisible
 * characters or an edit distance of at most max counted in characters (2),
 * or neither (0). */
static int near_word(const char *key, size_t len, const char *word, size_t max)
{
	size_t wl = strlen(word);
	if (len == wl && memcmp(key, word, len) == 0)
		return 1;
	if (len + max < wl)
		return 0; /* too short to be near (most keys) */
	char folded[32];
	if (fold_word(key, len, folded, sizeof(folded)) == SIZE_MAX)
		return 0; /* far longer than the word */
	return edit_distance(folded, word, max) <= max ? 2 : 0;
}

int visibility_near(const char *key, size_t len)
{
	return near_word(key, len, "visibility", 2);
}

/* Spaces other than the ASCII one: they look like it. */
static bool odd_space(uint32_t c)
{
	return c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f ||
	       c == 0x205f || c == 0x3000;
}

/* Whether folded text f is near a fence word: 'visibility' or
 * 'confidential' (two edits), 'practices' (one). */
static bool fence_word_folded(const char *f)
{
	return edit_distance(f, "visibility", 2) <= 2 || edit_distance(f, "confidential", 2) <= 2 ||
	       edit_distance(f, "practices", 1) <= 1;
}

/* What may split a comment's first word in two: an ASCII character that
 * is not a letter or digit, or an odd space. */
static bool word_break(uint32_t c)
{
	return (c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9')) ||
	       odd_space(c);
}

/* The longest folded run of words worth comparing: 'confidential' and two
 * letters more. */
#define FENCE_WORD_MAX 14

int visibility_comment_near(const char *s, size_t n)
{
	size_t i = 0, at;
	bool slash = false;
	for (;;) {
		at = i;
		if (i >= n)
			return 0;
		uint32_t c = utf8_next(s, n, &i);
		if (c == ' ' || c == '\t' || c == '\n' || odd_space(c) || invisible(c))
			continue;
		if (c == '/' && !slash) {
			slash = true;
			continue;
		}
		break;
	}
	/*
	 * The first word, then it joined to the next, and the next, while
	 * the letters joined could still be a fence word: a word split by a
	 * space, a hyphen or other punctuation ("visi bility", "Visi-bility",
	 * "v i s i b i l i t y") was meant as one, and is taken for a fence,
	 * not published as text. The comment's end ("-->") ends the words.
	 */
	char joined[FENCE_WORD_MAX + 2];
	size_t jn = 0;
	for (unsigned words = 0;; words++) {
		size_t start = at;
		for (i = at; i < n;) {
			at = i;
			if (word_break(utf8_next(s, n, &i))) {
				i = at;
				break;
			}
		}
		if (words == 0) {
			/* the word alone, as written: 1 when it is 'visibility' */
			int near = visibility_near(s + start, i - start);
			if (!near && (near_word(s + start, i - start, "confidential", 2) ||
				      near_word(s + start, i - start, "practices", 1)))
				near = 2;
			if (near)
				return near;
		}
		size_t f = fold_word(s + start, i - start, joined + jn, sizeof(joined) - jn);
		if (f == SIZE_MAX)
			return 0; /* longer than any fence word */
		jn += f;
		if (words > 0 && fence_word_folded(joined))
			return 2;
		/* past the breaks, to the next word */
		for (;;) {
			if (i >= n || s[i] == '>' || (n - i >= 3 && memcmp(s + i, "-->", 3) == 0))
				return 0;
			at = i;
			if (!word_break(utf8_next(s, n, &i))) {
				i = at;
				break;
			}
		}
	}
}

static bool fences_in(struct diag *d, const struct value *v, int depth)
{
	if (!v || depth > 64)
		return false;
	bool any = false;
	if (v->kind == VALUE_LIST || v->kind == VALUE_MAP) {
		for (size_t i = 0; i < v->n; i++)
			any |= fences_in(d, v->kind == VALUE_LIST ? v->u.items[i] : v->u.pairs[i].val,
					 depth + 1);
		return any;
	}
	if (v->kind != VALUE_STRING || !v->str)
		return false;
	for (const char *c = strstr(v->str, "<!--"); c; c = strstr(c + 4, "<!--")) {
		if (!visibility_comment_near(c + 4, v->len - (size_t)(c + 4 - v->str)))
			continue;
		diag_error(d, v->pos, "E022",
			   "comments that start with 'visibility' (or 'confidential', 'practices') "
			   "are fences, which work only in a body, on lines of their own; this text "
			   "is shown whole to whoever may see what holds it: give the action or "
			   "decision its own 'visibility', move the text to the body, or remove the "
			   "comment");
		return true;
	}
	return false;
}

bool fences_in_values(struct diag *d, const struct value *v)
{
	return fences_in(d, v, 0);
}

/* Appends text in quotes as a reader can tell it apart: invisible
 * characters, odd spaces and controls as <U+XXXX>, at most 40 characters. */
static void put_quoted(struct buf *b, const char *key, size_t len)
{
	buf_putc(b, '\'');
	size_t chars = 0, i = 0;
	while (i < len && chars++ < 40) {
		size_t at = i;
		uint32_t c = utf8_next(key, len, &i);
		if (invisible(c) || odd_space(c) || c < 0x20 || c == 0x7f)
			buf_printf(b, "<U+%04X>", (unsigned)c);
		else
			buf_put(b, key + at, i - at);
	}
	if (i < len)
		buf_puts(b, "...");
	buf_putc(b, '\'');
}

/* Reports a bad visibility value (E006); the caller treats it as
 * confidential. */
static void bad_visibility(struct ld *l, const struct value_pair *p)
{
	static const char *const names[] = {"public", "practices", "confidential"};
	const struct value *v = p->val;
	struct buf msg = BUF_INIT;
	if (v->kind == VALUE_NULL) {
		buf_printf(&msg, "'visibility' is empty in %s; write public, practices or "
				 "confidential, or remove the line for the default",
			   l->what);
	} else if (!ld_is_scalar(v)) {
		buf_printf(&msg, "'visibility' must be public, practices or confidential, not %s",
			   value_kind_name(v->kind));
	} else {
		buf_puts(&msg, "'visibility' must be public, practices or confidential, not ");
		put_quoted(&msg, v->str, v->len);
		diag_suggest(&msg, v->str, names, 3);
	}
	buf_puts(&msg, "; until then nothing of it is published");
	/* an empty value has no place of its own: its key's */
	diag_error(l->d, v->kind == VALUE_NULL ? p->key_pos : v->pos, "E006", "%s", msg.ptr);
	buf_release(&msg);
	l->bad = true;
}

/* Reports a merge key (E006): its fields are not read, and one of them
 * might have narrowed what it is in. */
static void merge_key(struct ld *l, const struct value_pair *p)
{
	diag_error(l->d, p->key_pos, "E006",
		   "merge keys ('<<') are not read in %s; write its fields out in full", l->what);
	l->bad = true;
}

/* Reports a key that is, or nearly is, 'visibility' (E029). read: whether
 * this map may set visibility at all. */
static void near_visibility(struct ld *l, const struct value_pair *p, bool exact, bool read)
{
	struct buf msg = BUF_INIT;
	if (exact) {
		buf_printf(&msg, "'visibility' cannot be set in %s", l->what);
	} else {
		buf_puts(&msg, "unknown field ");
		put_quoted(&msg, p->key, p->key_len);
		buf_printf(&msg, " in %s (did you mean 'visibility'?)", l->what);
	}
	if (read)
		buf_puts(&msg, "; write 'visibility' exactly, in lowercase: until then nothing of "
			       "it is published");
	else
		buf_puts(&msg, ": only documents, actions, decisions and people have one; remove "
			       "it, or set the visibility of what holds it");
	diag_error(l->d, p->key_pos, "E029", "%s", msg.ptr);
	buf_release(&msg);
	l->bad = true;
}

bool ld_visibility(struct ld *l, enum visibility dflt, enum visibility *out, struct pos *pos)
{
	bool ok = true;
	*out = dflt;
	if (pos)
		*pos = l->where;
	if (!l->map || l->map->kind != VALUE_MAP)
		return true;
	ld_get(l, "visibility");
	for (size_t i = 0; i < l->map->n; i++) {
		const struct value_pair *p = &l->map->u.pairs[i];
		int near = visibility_near(p->key, p->key_len);
		bool merge = key_is(p, "<<", 2);
		if (!near && !merge)
			continue;
		l->seen[i] = true;
		if (pos)
			*pos = p->key_pos;
		if (merge) {
			merge_key(l, p);
		} else if (near == 2) {
			near_visibility(l, p, false, true);
		} else {
			const struct value *v = p->val;
			enum visibility vis;
			if (ld_is_scalar(v) && visibility_parse(v->str, &vis)) {
				if (pos)
					*pos = v->pos;
				if (ok)
					*out = vis;
				continue;
			}
			bad_visibility(l, p);
		}
		ok = false;
		*out = VIS_CONFIDENTIAL; /* never wider than what could not be read */
	}
	return ok;
}

bool ld_item_visibility(struct ld *l, enum visibility doc, enum visibility *out)
{
	struct pos pos;
	if (!ld_visibility(l, doc, out, &pos))
		return false;
	if (*out >= doc)
		return true;
	diag_error(l->d, pos, "E028",
		   "%s visibility '%s' is wider than its document's '%s': an item may only narrow "
		   "it; write %s, or remove the line",
		   l->what, visibility_name(*out), visibility_name(doc),
		   doc == VIS_PRACTICES ? "'practices' or 'confidential'" : "'confidential'");
	l->bad = true;
	*out = doc;
	return false;
}

void ld_done(struct ld *l)
{
	if (!l->map || l->map->kind != VALUE_MAP)
		return;
	for (size_t i = 0; i < l->map->n; i++) {
		if (l->seen[i])
			continue;
		const struct value_pair *p = &l->map->u.pairs[i];
		int near = visibility_near(p->key, p->key_len);
		if (near) {
			near_visibility(l, p, near == 1, false);
			continue;
		}
		if (key_is(p, "<<", 2)) {
			merge_key(l, p);
			continue;
		}
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

/* Checks size (W006, E027: source_file_size_ok) and UTF-8; reports E004
 * with the byte offset and its line. */
bool lo_file_ok(struct loader *lo, const struct source_file *f)
{
	if (!source_file_size_ok(f, &lo->limits, lo->d))
		return false; /* a file past the hard limit is not parsed at all */
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
	return true;
}

struct value *lo_parse_yaml(struct loader *lo, const struct source_file *f)
{
	if (!lo_file_ok(lo, f))
		return NULL;
	struct value *v = yaml_parse(lo->arena, f->data, f->len, f->path, 1, &lo->limits.yaml,
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

