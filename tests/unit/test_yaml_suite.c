/*
 * test_yaml_suite.c: the YAML test suite (tests/yaml-test-suite/, from
 * github.com/yaml/yaml-test-suite) through yaml_parse and the front matter
 * path.
 *
 * - Every case (402) must give a value or findings, never crash (this binary
 *   runs under ASan and UBSan). (That each is cheap is counted, not timed:
 *   tests/run-bounds.sh counts instructions.)
 * - Every error case, read as front matter (line0 = 2, and where the input
 *   has no '---'/'...' lines also wrapped as a whole document and split by
 *   frontmatter_split), must give an E001/E002/E003 finding at a line and
 *   column inside the YAML, unless libyaml accepts it.
 * - Every valid case must parse without findings and, where it has in.json,
 *   load as that JSON (numbers compared as numbers, maps as sets of pairs).
 * The exceptions are listed, with reasons, in tests/yaml-accepted.txt;
 * a case that behaves otherwise than the list says fails the test, so the
 * list stays true. Run from the repository root.
 */
#include "unit.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#define SUITE "tests/yaml-test-suite"
#define LIST "tests/yaml-accepted.txt"

struct listed {
	char *id;
	bool used;
};

struct suite {
	char **ids; /* sorted case folders */
	size_t n;
	struct listed *list;
	size_t nlist;
};

static bool exists(const char *id, const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), SUITE "/%s/%s", id, name);
	return stat(path, &st) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the list: "ID  reason" per line; blank lines and '#' comments are
 * skipped. Every entry must give a reason. */
static void load_list(struct suite *s)
{
	size_t len;
	char *text = unit_read_file(LIST, &len);
	if (!text)
		fail_msg("cannot read %s (run the tests from the repository root)", LIST);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		size_t idlen = strcspn(line, " \t");
		const char *reason = line + idlen + strspn(line + idlen, " \t");
		if (!*reason)
			fail_msg("%s: '%s' has no reason", LIST, line);
		s->list = xrealloc(s->list, (s->nlist + 1) * sizeof(*s->list));
		s->list[s->nlist].id = xstrndup(line, idlen);
		s->list[s->nlist].used = false;
		s->nlist++;
	}
	free(text);
}

static struct listed *listed(struct suite *s, const char *id)
{
	for (size_t i = 0; i < s->nlist; i++)
		if (strcmp(s->list[i].id, id) == 0)
			return &s->list[i];
	return NULL;
}

static int setup(void **state)
{
	struct suite *s = xcalloc(1, sizeof(*s));
	DIR *dir = opendir(SUITE);
	if (!dir) {
		fprintf(stderr, "cannot open %s (run the tests from the repository root)\n", SUITE);
		free(s);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || !exists(e->d_name, "in.yaml"))
			continue;
		s->ids = xrealloc(s->ids, (s->n + 1) * sizeof(*s->ids));
		s->ids[s->n++] = xstrdup(e->d_name);
	}
	closedir(dir);
	qsort(s->ids, s->n, sizeof(*s->ids), cmp_str);
	load_list(s);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct suite *s = *state;
	for (size_t i = 0; i < s->n; i++)
		free(s->ids[i]);
	for (size_t i = 0; i < s->nlist; i++)
		free(s->list[i].id);
	free(s->ids);
	free(s->list);
	free(s);
	return 0;
}

static uint32_t count_lines(const char *s, size_t n)
{
	uint32_t lines = 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			lines++;
	return lines;
}

/* ------------------------------------------------------------------ JSON */

/* A small JSON reader for in.json (test data, so recursion is fine). Builds
 * values in a; returns NULL on a syntax error. */
struct json {
	const char *s, *end;
	struct arena *a;
};

static void json_ws(struct json *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\n' || *j->s == '\r' || *j->s == '\t'))
		j->s++;
}

static bool json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n) != 0)
		return false;
	j->s += n;
	return true;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | cp >> 18));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static bool json_hex4(struct json *j, unsigned *out)
{
	if (j->end - j->s < 4)
		return false;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = *j->s++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

static bool json_string(struct json *j, struct buf *b)
{
	if (j->s >= j->end || *j->s != '"')
		return false;
	j->s++;
	while (j->s < j->end && *j->s != '"') {
		char c = *j->s++;
		if (c != '\\') {
			buf_putc(b, c);
			continue;
		}
		if (j->s >= j->end)
			return false;
		c = *j->s++;
		unsigned cp;
		switch (c) {
		case 'n':
			buf_putc(b, '\n');
			break;
		case 't':
			buf_putc(b, '\t');
			break;
		case 'r':
			buf_putc(b, '\r');
			break;
		case 'b':
			buf_putc(b, '\b');
			break;
		case 'f':
			buf_putc(b, '\f');
			break;
		case '/':
			buf_putc(b, '/');
			break;
		case '\\':
			buf_putc(b, '\\');
			break;
		case '"':
			buf_putc(b, '"');
			break;
		case 'u':
			if (!json_hex4(j, &cp))
				return false;
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;
				if (!json_lit(j, "\\u") || !json_hex4(j, &lo))
					return false;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(b, cp);
			break;
		default:
			return false;
		}
	}
	if (j->s >= j->end)
		return false;
	j->s++;
	return true;
}

static struct value *json_value(struct json *j)
{
	struct pos nopos = {0};
	json_ws(j);
	if (j->s >= j->end)
		return NULL;
	char c = *j->s;
	if (c == '{' || c == '[') {
		struct value *v = value_new(j->a, c == '{' ? VALUE_MAP : VALUE_LIST, nopos);
		char close = c == '{' ? '}' : ']';
		j->s++;
		json_ws(j);
		if (j->s < j->end && *j->s == close) {
			j->s++;
			return v;
		}
		for (;;) {
			struct buf key = BUF_INIT;
			if (v->kind == VALUE_MAP) {
				json_ws(j);
				if (!json_string(j, &key)) {
					buf_release(&key);
					return NULL;
				}
				json_ws(j);
				if (!json_lit(j, ":")) {
					buf_release(&key);
					return NULL;
				}
			}
			struct value *item = json_value(j);
			if (!item) {
				buf_release(&key);
				return NULL;
			}
			if (v->kind == VALUE_MAP) {
				value_map_put(j->a, v, "", item);
				v->u.pairs[v->n - 1].key = arena_strndup(j->a, key.ptr, key.len);
				v->u.pairs[v->n - 1].key_len = key.len;
			} else {
				value_list_push(j->a, v, item);
			}
			buf_release(&key);
			json_ws(j);
			if (json_lit(j, ","))
				continue;
			if (j->s < j->end && *j->s == close) {
				j->s++;
				return v;
			}
			return NULL;
		}
	}
	if (c == '"') {
		struct buf b = BUF_INIT;
		struct value *v = NULL;
		if (json_string(j, &b))
			v = value_string(j->a, b.ptr, b.len, nopos);
		buf_release(&b);
		return v;
	}
	if (json_lit(j, "null"))
		return value_new(j->a, VALUE_NULL, nopos);
	if (json_lit(j, "true"))
		return value_bool(j->a, true);
	if (json_lit(j, "false"))
		return value_bool(j->a, false);
	char *end;
	double d = strtod(j->s, &end);
	if (end == j->s || end > j->end)
		return NULL;
	j->s = end;
	return value_number(j->a, d);
}

/* Reads every JSON text in [s, s+n) into out (at most max); returns how
 * many, or -1 on a syntax error. */
static int json_texts(struct arena *a, const char *s, size_t n, struct value **out, int max)
{
	struct json j = {s, s + n, a};
	int count = 0;
	for (;;) {
		json_ws(&j);
		if (j.s >= j.end)
			return count;
		struct value *v = json_value(&j);
		if (!v)
			return -1;
		if (count < max)
			out[count] = v;
		count++;
	}
}

/* Whether a value loaded from YAML equals one from JSON: the same kinds,
 * numbers equal as numbers, strings and keys byte for byte, maps as sets
 * of pairs. Writes the first difference to why. */
static bool same(const struct value *y, const struct value *j, struct buf *why)
{
	if (y->kind != j->kind) {
		buf_printf(why, "%s where the suite has %s", value_kind_name(y->kind),
			   value_kind_name(j->kind));
		if (y->str)
			buf_printf(why, " ('%s')", y->str);
		return false;
	}
	switch (y->kind) {
	case VALUE_NULL:
		return true;
	case VALUE_BOOL:
		if (y->b != j->b)
			buf_printf(why, "%s where the suite has %s", y->str, j->str);
		return y->b == j->b;
	case VALUE_NUMBER:
		if (y->num == j->num || (y->num != y->num && j->num != j->num))
			return true;
		buf_printf(why, "number %s where the suite has %s", y->str, j->str);
		return false;
	case VALUE_STRING:
		if (y->len == j->len && memcmp(y->str, j->str, y->len) == 0)
			return true;
		buf_puts(why, "string '");
		escape_json(why, y->str, y->len);
		buf_puts(why, "' where the suite has '");
		escape_json(why, j->str, j->len);
		buf_puts(why, "'");
		return false;
	case VALUE_LIST:
		if (y->n != j->n) {
			buf_printf(why, "list of %zu where the suite has %zu", y->n, j->n);
			return false;
		}
		for (size_t i = 0; i < y->n; i++)
			if (!same(y->u.items[i], j->u.items[i], why))
				return false;
		return true;
	case VALUE_MAP:
		if (y->n != j->n) {
			buf_printf(why, "map of %zu where the suite has %zu", y->n, j->n);
			return false;
		}
		for (size_t i = 0; i < j->n; i++) {
			const struct value_pair *jp = &j->u.pairs[i];
			const struct value_pair *yp = NULL;
			for (size_t k = 0; k < y->n && !yp; k++)
				if (y->u.pairs[k].key_len == jp->key_len &&
				    memcmp(y->u.pairs[k].key, jp->key, jp->key_len) == 0)
					yp = &y->u.pairs[k];
			if (!yp) {
				buf_printf(why, "no key '%s'", jp->key);
				return false;
			}
			if (!same(yp->val, jp->val, why))
				return false;
		}
		return true;
	}
	return false;
}

/* The outcome of one parse. */
struct outcome {
	bool rejected;
	struct value *v; /* in the caller's arena */
};

/*
 * Parses [s, s+n) at line0. A result and findings must agree (NULL exactly
 * when there are errors, but for a flawed tree: a duplicate or merge key,
 * reported, with the tree kept); every finding must be E001-E003 with a
 * position inside the text (lines line0 .. line0 + its line count - 1,
 * column at least 1).
 */
static struct outcome parse_case(struct arena *a, const char *id, const char *what,
				 const char *s, size_t n, uint32_t line0)
{
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct value *v = yaml_parse(a, s, n, "in.yaml", line0, &yaml_default_limits, &d);
	if (v ? (d.errors > 0) != v->flawed : d.errors == 0)
		fail_msg("%s (%s): result %s but %zu errors", id, what, v ? "given" : "NULL",
			 d.errors);
	uint32_t last = line0 + count_lines(s, n) - 1;
	for (size_t i = 0; i < d.n; i++) {
		const struct finding *f = &d.items[i];
		if (strcmp(f->code, "E001") && strcmp(f->code, "E002") && strcmp(f->code, "E003"))
			fail_msg("%s (%s): unexpected code %s: %s", id, what, f->code, f->message);
		if (f->pos.line < line0 || f->pos.line > last || f->pos.col < 1)
			fail_msg("%s (%s): finding at %u:%u outside lines %u-%u: %s", id, what,
				 (unsigned)f->pos.line, (unsigned)f->pos.col, (unsigned)line0,
				 (unsigned)last, f->message);
		if (!f->message[0])
			fail_msg("%s (%s): empty message", id, what);
	}
	struct outcome o = {v == NULL, v};
	diag_release(&d);
	return o;
}

/* True when some line is a front matter delimiter ("---" or "...", then
 * only spaces or tabs), which would end a wrapped front matter early. */
static bool has_marker_line(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '\n')
			end++;
		size_t len = end - i;
		if (len && s[i + len - 1] == '\r')
			len--;
		if (len >= 3 && (memcmp(s + i, "---", 3) == 0 || memcmp(s + i, "...", 3) == 0)) {
			size_t k = 3;
			while (k < len && (s[i + k] == ' ' || s[i + k] == '\t'))
				k++;
			if (k == len)
				return true;
		}
		i = end + 1;
	}
	return false;
}

/* An error case as front matter: returns true when it was rejected in every
 * way it was tried. */
static bool error_case(struct arena *a, const char *id, const char *s, size_t n,
		       size_t *wrapped)
{
	bool rejected = parse_case(a, id, "front matter, line0=2", s, n, 2).rejected;
	if (has_marker_line(s, n))
		return rejected;
	struct buf doc = BUF_INIT;
	buf_puts(&doc, "---\n");
	buf_put(&doc, s, n);
	buf_puts(&doc, "\n---\nbody\n");
	struct frontmatter fm;
	const char *err = NULL;
	uint32_t err_line = 0;
	if (!frontmatter_split(doc.ptr, doc.len, &fm, &err, &err_line))
		fail_msg("%s: frontmatter_split failed on the wrapped case: %s", id, err);
	assert_int_equal(fm.yaml_line, 2);
	assert_int_equal(fm.yaml_len, n + 1);
	assert_int_equal(fm.body_line, count_lines(s, n) + 3);
	assert_int_equal(fm.body_len, 5);
	(*wrapped)++;
	if (!parse_case(a, id, "wrapped document", fm.yaml, fm.yaml_len, fm.yaml_line).rejected)
		rejected = false;
	buf_release(&doc);
	return rejected;
}

/*
 * A valid case agrees with the suite when it parses without findings and,
 * where it has in.json, loads as that JSON (an empty in.json: as nothing).
 * Returns false, saying why in why, when it does not.
 */
static bool valid_case(struct arena *a, const char *id, struct outcome o, struct buf *why,
		       size_t *compared)
{
	if (o.rejected) {
		buf_puts(why, "rejected");
		return false;
	}
	if (!exists(id, "in.json"))
		return true;
	char path[512];
	size_t n;
	snprintf(path, sizeof(path), SUITE "/%s/in.json", id);
	char *text = unit_read_file(path, &n);
	assert_non_null(text);
	struct value *docs[2];
	int count = json_texts(a, text, n, docs, 2);
	free(text);
	if (count < 0)
		fail_msg("%s: cannot read in.json", id);
	(*compared)++;
	if (count == 0) {
		if (o.v->kind == VALUE_NULL)
			return true;
		buf_printf(why, "an empty stream loads as %s", value_kind_name(o.v->kind));
		return false;
	}
	if (count > 1) {
		buf_printf(why, "a stream of %d documents loads as one", count);
		return false;
	}
	return same(o.v, docs[0], why);
}

static void test_suite(void **state)
{
	struct suite *s = *state;
	size_t errors = 0, valid = 0, accepted = 0, differ = 0, wrapped = 0, compared = 0;
	size_t bad = 0;

	assert_int_equal(s->n, 402);
	struct stat st;
	assert_int_equal(stat(SUITE "/License", &st), 0);
	for (size_t i = 0; i < s->n; i++) {
		const char *id = s->ids[i];
		char path[512];
		size_t n;
		struct arena a = ARENA_INIT;
		snprintf(path, sizeof(path), SUITE "/%s/in.yaml", id);
		char *text = unit_read_file(path, &n);
		assert_non_null(text);

		/* robustness: every case, as a .yaml file */
		struct outcome o = parse_case(&a, id, "file", text, n, 1);
		struct listed *l = listed(s, id);
		if (l)
			l->used = true;
		if (exists(id, "error")) {
			errors++;
			bool all = error_case(&a, id, text, n, &wrapped);
			if (!all) {
				accepted++;
				if (!l) {
					fprintf(stderr, "%s: error case accepted but not in %s\n", id,
						LIST);
					bad++;
				}
			} else if (l) {
				fprintf(stderr, "%s: listed in %s as accepted but now rejected\n", id,
					LIST);
				bad++;
			}
		} else {
			valid++;
			struct buf why = BUF_INIT;
			if (!valid_case(&a, id, o, &why, &compared)) {
				differ++;
				if (!l) {
					fprintf(stderr, "%s: valid case %s, not as in %s\n", id, why.ptr,
						LIST);
					bad++;
				}
			} else if (l) {
				fprintf(stderr, "%s: listed in %s but now loads as the suite says\n",
					id, LIST);
				bad++;
			}
			buf_release(&why);
		}
		free(text);
		arena_release(&a);
	}
	for (size_t i = 0; i < s->nlist; i++)
		if (!s->list[i].used) {
			fprintf(stderr, "%s: listed in %s but not a case\n", s->list[i].id, LIST);
			bad++;
		}
	printf("yaml-test-suite: %zu cases; %zu error cases (%zu also wrapped as front "
	       "matter), %zu accepted by libyaml; %zu valid cases (%zu compared with "
	       "in.json), %zu rejected or loaded differently\n",
	       s->n, errors, wrapped, accepted, valid, compared, differ);
	assert_int_equal(errors, 94);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
