/*
 * test_yaml_fast.c: yaml.c's fast path against libyaml. The fast path makes
 * the parse events of simple front matter itself and must make exactly the
 * events libyaml makes (kind, start mark, text, style) or give up. Compared
 * on every YAML text the tests hold (the YAML test suite, the fixture sites,
 * the example site, the golden site), on front matter as the benchmark's
 * generator writes it, and on 40 random mutations of each (bytes deleted,
 * inserted, swapped; lines doubled, indented, joined). Run from the
 * repository root.
 */
#include "unit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct corpus {
	char **texts;
	size_t *lens;
	size_t n, cap;
};

static void corpus_add(struct corpus *c, const char *s, size_t n)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->texts = realloc(c->texts, c->cap * sizeof(*c->texts));
		c->lens = realloc(c->lens, c->cap * sizeof(*c->lens));
		assert_non_null(c->texts);
		assert_non_null(c->lens);
	}
	c->texts[c->n] = xstrndup(s, n);
	c->lens[c->n++] = n;
}

/* A .yaml file whole; a .md file's front matter (between its '---' lines). */
static void add_file(struct corpus *c, const char *path)
{
	size_t n = strlen(path), len;
	bool yaml = n > 5 && strcmp(path + n - 5, ".yaml") == 0;
	bool md = n > 3 && strcmp(path + n - 3, ".md") == 0;
	if (!yaml && !md)
		return;
	char *s = unit_read_file(path, &len);
	if (!s)
		return;
	if (yaml) {
		corpus_add(c, s, len);
	} else if (len > 4 && memcmp(s, "---\n", 4) == 0) {
		char *end = strstr(s + 4, "\n---");
		if (end)
			corpus_add(c, s + 4, (size_t)(end + 1 - (s + 4)));
	}
	free(s);
}

static void add_tree(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			add_tree(c, path);
		else if (S_ISREG(st.st_mode))
			add_file(c, path);
	}
	closedir(d);
}

static void add_suite(struct corpus *c)
{
	DIR *d = opendir("tests/yaml-test-suite");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		size_t len;
		snprintf(path, sizeof(path), "tests/yaml-test-suite/%s/in.yaml", e->d_name);
		char *s = unit_read_file(path, &len);
		if (s)
			corpus_add(c, s, len);
		free(s);
	}
	closedir(d);
}

/* Front matter as tests/bench/gen-site.py writes it: the fast path must
 * take these. */
static const char *const bench_like[] = {
	"title: \"Clinical reference group\"\ndate: 1975-07-27\nstart: \"12:00\"\nend: "
	"\"13:30\"\nvenue: \"Riverside Surgery, meeting room\"\nvisibility: public\n"
	"attendees: [dsutton, achambers, ybishop, skennedy]\nactions:\n  - { id: 1, text: "
	"\"Prepare a one-page briefing\", owner: drahman, due: 1975-08-09, done: true }\n"
	"  - { id: 2, text: \"Report back on the pilot\", owner: bwallace, due: 1975-08-08, "
	"project: msk-scheme-2, done: true }\nnext_meeting: { date: 1975-08-03, start: "
	"\"12:00\", end: \"13:30\", venue: \"Riverside Surgery\" }\n",
	"title: \"Anticoagulation clinic (2)\"\narea: diagnostics\nstatus: amber\nsummary: "
	"\"The finance subgroup expects a small underspend of £247,000.\"\nclinical_leads: "
	"[ahardy]\nproject_manager: gfoster\nfunding: [les]\nmilestones:\n  1: { target: "
	"2027-03-08, checks: [aims] }\n  2: { reached: 2027-05-01, checks: [] }\n",
	"title: Plain text, with a comma # and a comment\nlist:\n- one\n- 'two'\n- [three, "
	"four]\nmap:\n  nested: yes\n  deeper:\n    key: Zoë Søren\n",
	"# a comment first\n\ntitle: x\n\n# between\nempty_list: []\nempty_map: {}\n",
};

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A random change of s (a malloc'd copy in *out). */
static size_t mutate(const char *s, size_t n, char **out)
{
	static const char *const bits[] = {" ",	 "-", ":", "#", "\"", "'", "[", "]", "{",
					   "}",	 ",", "\n", "x", "é", "\t", "\\", "&a ",
					   "*a", "!", "|", ">", "- ", ": ", "  ", "\r",
					   "\xc2\x85", "?", "%", "@", "0"};
	struct buf b = BUF_INIT;
	size_t at = n ? (size_t)(next_rand() % (n + 1)) : 0;
	switch (next_rand() % 6) {
	case 0: /* delete a byte */
		buf_put(&b, s, at);
		if (at < n)
			buf_put(&b, s + at + 1, n - at - 1);
		break;
	case 1: /* insert */
	case 2: {
		const char *ins = bits[next_rand() % (sizeof(bits) / sizeof(bits[0]))];
		buf_put(&b, s, at);
		buf_puts(&b, ins);
		buf_put(&b, s + at, n - at);
		break;
	}
	case 3: /* swap two bytes */
		buf_put(&b, s, n);
		if (n > 1 && at + 1 < n) {
			char t = b.ptr[at];
			b.ptr[at] = b.ptr[at + 1];
			b.ptr[at + 1] = t;
		}
		break;
	case 4: { /* double the line at, or indent it */
		size_t ls = at, le = at;
		while (ls > 0 && s[ls - 1] != '\n')
			ls--;
		while (le < n && s[le] != '\n')
			le++;
		buf_put(&b, s, ls);
		if (next_rand() & 1) {
			buf_put(&b, s + ls, le - ls);
			buf_putc(&b, '\n');
		} else {
			buf_puts(&b, next_rand() & 1 ? " " : "  ");
		}
		buf_put(&b, s + ls, n - ls);
		break;
	}
	default: /* join the line at with the next */
		buf_put(&b, s, n);
		for (size_t i = at; i < b.len; i++)
			if (b.ptr[i] == '\n') {
				b.ptr[i] = ' ';
				break;
			}
		break;
	}
	size_t len;
	*out = buf_detach(&b, &len);
	return len;
}

struct tally {
	size_t texts, fast, mismatched;
};

/* Whether the fast path, where it takes s, makes libyaml's events. */
static void compare(const char *s, size_t n, struct tally *t)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	t->texts++;
	if (yaml_fast_dump(s, n, &a)) {
		t->fast++;
		bool ok = yaml_libyaml_dump(s, n, &b);
		if (!ok || a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0) {
			if (t->mismatched++ < 5)
				print_error("fast path differs from libyaml on:\n%.*s\n-- fast:\n%s"
					    "-- libyaml%s:\n%s\n",
					    (int)n, s, a.ptr, ok ? "" : " (error)", b.ptr ? b.ptr : "");
		}
	}
	buf_release(&a);
	buf_release(&b);
}

static void test_fast_path_matches_libyaml(void **state)
{
	(void)state;
	struct corpus c = {0};
	add_suite(&c);
	size_t suite = c.n;
	add_tree(&c, "tests/sites");
	add_tree(&c, "tests/build/golden/site/content");
	add_tree(&c, "content");
	size_t sites = c.n - suite;
	for (size_t i = 0; i < sizeof(bench_like) / sizeof(bench_like[0]); i++)
		corpus_add(&c, bench_like[i], strlen(bench_like[i]));
	assert_true(suite > 300);
	assert_true(sites > 50);

	struct tally whole = {0}, bench = {0}, mutated = {0};
	for (size_t i = 0; i < c.n; i++) {
		bool is_bench = i >= suite + sites;
		compare(c.texts[i], c.lens[i], is_bench ? &bench : &whole);
		for (int k = 0; k < 40; k++) {
			char *m;
			size_t len = mutate(c.texts[i], c.lens[i], &m);
			compare(m, len, &mutated);
			free(m);
		}
	}
	printf("yaml fast path: %zu of %zu texts taken, %zu of %zu mutations; %zu differ\n",
	       whole.fast, whole.texts, mutated.fast, mutated.texts,
	       whole.mismatched + bench.mismatched + mutated.mismatched);
	assert_int_equal(whole.mismatched + bench.mismatched + mutated.mismatched, 0);
	/* every bench-like text, and a good share of the real ones, take the
	 * fast path: it is not dead code */
	assert_int_equal(bench.fast, bench.texts);
	assert_true(whole.fast * 4 > sites);
	assert_true(mutated.fast > 1000);
	for (size_t i = 0; i < c.n; i++)
		free(c.texts[i]);
	free(c.texts);
	free(c.lens);
}

/* The value tree and findings through the fast path are those through
 * libyaml: a duplicate key is found at its place either way. */
static void test_fast_path_findings(void **state)
{
	(void)state;
	const char *s = "title: a\nlist: [x, y]\ntitle: b\n";
	struct buf dump = BUF_INIT;
	assert_true(yaml_fast_dump(s, strlen(s), &dump));
	buf_release(&dump);
	struct arena a = {0};
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct value *v = yaml_parse(&a, s, strlen(s), "f.md", 2, NULL, &d);
	assert_non_null(v); /* the first value kept */
	assert_true(v->flawed);
	assert_string_equal(value_get(v, "title")->str, "a");
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].code, "E002");
	assert_int_equal(d.items[0].pos.line, 4);
	assert_int_equal(d.items[0].pos.col, 1);
	diag_release(&d);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_path_matches_libyaml),
		cmocka_unit_test(test_fast_path_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
