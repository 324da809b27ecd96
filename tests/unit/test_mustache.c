/*
 * test_mustache.c: mustache.c beyond the spec: strict-mode errors with their
 * file:line:col, escaping, the nesting and call bounds, rendering a compiled
 * set many times and from several threads at once.
 */
#include "unit.h"

#include <pthread.h>
#include <stdlib.h>

/* A set, its findings and an arena for data. */
struct fx {
	struct mustache_set *s;
	struct diag d;
	struct arena a;
	struct buf out;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	f->s = mustache_set_new(true);
	diag_init(&f->d, DIAG_TEXT);
	buf_init(&f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	mustache_set_free(f->s);
	diag_release(&f->d);
	arena_release(&f->a);
	buf_release(&f->out);
	free(f);
	return 0;
}

static bool add(struct fx *f, const char *name, const char *src)
{
	return mustache_set_add(f->s, name, name, src, strlen(src), &f->d);
}

/* Links, renders name with ctx into f->out (emptied first), and returns the
 * output; fails the test on any finding. */
static const char *render(struct fx *f, const char *name, const struct value *ctx)
{
	assert_true(mustache_set_link(f->s, &f->d));
	buf_truncate(&f->out, 0);
	bool ok = mustache_render(f->s, name, ctx, &f->out, &f->d);
	if (!ok || f->d.n)
		diag_flush(&f->d, stdout);
	assert_true(ok);
	assert_int_equal(f->d.n, 0);
	return f->out.ptr;
}

/* The only finding must be code at file:line:col with msg in its message. */
static void assert_finding(struct fx *f, const char *code, const char *file, unsigned line,
			   unsigned col, const char *msg)
{
	if (f->d.n != 1)
		diag_flush(&f->d, stdout);
	assert_int_equal(f->d.n, 1);
	const struct finding *x = &f->d.items[0];
	assert_string_equal(x->code, code);
	assert_int_equal(x->severity, DIAG_ERROR);
	assert_non_null(x->pos.file);
	assert_string_equal(x->pos.file, file);
	assert_int_equal(x->pos.line, line);
	assert_int_equal(x->pos.col, col);
	if (!strstr(x->message, msg))
		fail_msg("message '%s' lacks '%s'", x->message, msg);
}

static struct value *map1(struct fx *f, const char *key, struct value *v)
{
	struct value *m = value_new(&f->a, VALUE_MAP, (struct pos){0});
	value_map_put(&f->a, m, key, v);
	return m;
}

/* ------------------------------------------------------------ syntax errors */

static void test_unclosed_section(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "<ul>\n  {{#items}}\n  <li>{{name}}</li>\n</ul>\n"));
	assert_finding(f, "E040", "page", 2, 3, "unclosed section 'items'");
}

static void test_mismatched_close(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "{{#x}}\n  text\n {{/y}}\n"));
	assert_finding(f, "E040", "page", 3, 2,
		       "closing tag 'y' does not match the open section 'x' (line 1, column 1)");
}

static void test_close_without_open(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "a {{/x}}"));
	assert_finding(f, "E040", "page", 1, 3, "closing tag 'x' closes nothing");
}

static void test_unclosed_tag(void **state)
{
	struct fx *f = *state;
	/* columns count characters: "é" is one */
	assert_false(add(f, "page", "line\n\xc3\xa9t\xc3\xa9 {{title\n"));
	assert_finding(f, "E040", "page", 2, 5, "unclosed tag: no '}}' after '{{'");
}

static void test_unclosed_triple(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "{{{body}}"));
	assert_finding(f, "E040", "page", 1, 1, "no '}}}'");
}

static void test_bad_delimiters(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "ok\n  {{=<% =}}"));
	assert_finding(f, "E040", "page", 2, 3, "bad delimiter change '<%'");
}

static void test_bad_name(void **state)
{
	struct fx *f = *state;
	assert_false(add(f, "page", "{{a b}}"));
	assert_finding(f, "E040", "page", 1, 1, "bad tag name 'a b'");
	assert_false(add(f, "page2", "{{#a..b}}{{/a..b}}"));
	assert_int_equal(f->d.n, 2);
	assert_false(add(f, "page3", "{{}}"));
	assert_int_equal(f->d.n, 3);
}

static void test_nesting_bound(void **state)
{
	struct fx *f = *state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "{{#a}}");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "{{/a}}");
	assert_true(add(f, "ok", b.ptr));
	buf_truncate(&b, 0);
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "{{#a}}");
	assert_false(add(f, "deep", b.ptr));
	assert_finding(f, "E040", "deep", 1, 601, "nested deeper than 100");
	buf_release(&b);
}

/* ------------------------------------------------------- strict-mode links */

static void test_unknown_partial(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "header", "<h1>{{title}}</h1>"));
	assert_true(add(f, "page", "<body>\n  {{> headr}}\n</body>"));
	assert_false(mustache_set_link(f->s, &f->d));
	assert_finding(f, "E041", "page", 2, 3, "unknown partial 'headr' (did you mean 'header'?)");
}

static void test_unknown_parent(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "x\n\n   {{<base}}{{$main}}hi{{/main}}{{/base}}"));
	assert_false(mustache_set_link(f->s, &f->d));
	assert_finding(f, "E041", "page", 3, 4, "unknown parent template 'base'");
}

static void test_spec_mode_unknown_partial(void **state)
{
	struct fx *f = *state;
	mustache_set_free(f->s);
	f->s = mustache_set_new(false);
	assert_true(add(f, "page", "[{{>nothing}}|{{<nope}}{{$a}}x{{/a}}{{/nope}}]"));
	assert_string_equal(render(f, "page", NULL), "[|]");
}

static void test_unknown_dynamic_partial(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "a\n{{>*kind}}"));
	struct value *ctx = map1(f, "kind", value_cstr(&f->a, "imag"));
	assert_true(mustache_set_link(f->s, &f->d));
	assert_false(mustache_render(f->s, "page", ctx, &f->out, &f->d));
	assert_finding(f, "E041", "page", 2, 1, "unknown partial 'imag'");
	assert_int_equal(f->out.len, 0);
}

static void test_unknown_template(void **state)
{
	struct fx *f = *state;
	assert_true(mustache_set_link(f->s, &f->d));
	buf_puts(&f->out, "kept");
	assert_false(mustache_render(f->s, "missing", NULL, &f->out, &f->d));
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.items[0].code, "E041");
	assert_string_equal(f->out.ptr, "kept");
}

/* --------------------------------------------------------------- rendering */

static void test_escaping(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "{{x}}|{{{x}}}|{{& x}}|{{#l}}{{.}}{{/l}}"));
	struct value *ctx = map1(f, "x", value_cstr(&f->a, "a & b < c > d \" e ' f"));
	struct value *l = value_new(&f->a, VALUE_LIST, (struct pos){0});
	value_list_push(&f->a, l, value_cstr(&f->a, "<i>"));
	value_map_put(&f->a, ctx, "l", l);
	assert_string_equal(render(f, "page", ctx),
			    "a &amp; b &lt; c &gt; d &quot; e &#39; f|"
			    "a & b < c > d \" e ' f|a & b < c > d \" e ' f|&lt;i&gt;");
}

static void test_scalars(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "{{n}} {{m}} {{t}} [{{z}}] {{#t}}yes{{/t}}{{^z}}none{{/z}}"));
	struct value *ctx = map1(f, "n", value_number(&f->a, 1.210));
	value_map_put(&f->a, ctx, "m", value_number(&f->a, 85));
	value_map_put(&f->a, ctx, "t", value_bool(&f->a, true));
	value_map_put(&f->a, ctx, "z", value_new(&f->a, VALUE_NULL, (struct pos){0}));
	assert_string_equal(render(f, "page", ctx), "1.21 85 true [] yesnone");
}

/* A partial that includes itself, on data that holds itself: the call bound
 * stops it. */
static void test_call_bound(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "node", "<{{#child}}{{>node}}{{/child}}>"));
	struct value *self = value_new(&f->a, VALUE_MAP, (struct pos){0});
	value_map_put(&f->a, self, "child", self);
	assert_true(mustache_set_link(f->s, &f->d));
	buf_puts(&f->out, "before");
	assert_false(mustache_render(f->s, "node", self, &f->out, &f->d));
	assert_finding(f, "E042", "node", 1, 12, "nested deeper than 64");
	assert_string_equal(f->out.ptr, "before");

	/* 64 nested partials are fine; the last child's null stops the
	 * lookup from finding a child further down the context stack */
	struct value *root = value_new(&f->a, VALUE_MAP, (struct pos){0}), *v = root;
	for (int i = 0; i < 64; i++) {
		struct value *c = value_new(&f->a, VALUE_MAP, (struct pos){0});
		value_map_put(&f->a, v, "child", c);
		v = c;
	}
	value_map_put(&f->a, v, "child", value_new(&f->a, VALUE_NULL, (struct pos){0}));
	diag_release(&f->d);
	diag_init(&f->d, DIAG_TEXT);
	const char *out = render(f, "node", root);
	assert_int_equal(strlen(out), 130);

	/* one more is not */
	struct value *c = value_new(&f->a, VALUE_MAP, (struct pos){0});
	value_map_put(&f->a, c, "child", root);
	assert_false(mustache_render(f->s, "node", c, &f->out, &f->d));
	assert_finding(f, "E042", "node", 1, 12, "nested deeper than 64");
}

/* A parent that is its own parent. */
static void test_parent_cycle(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "a", "{{<a}}{{/a}}"));
	assert_true(mustache_set_link(f->s, &f->d));
	assert_false(mustache_render(f->s, "a", NULL, &f->out, &f->d));
	assert_finding(f, "E042", "a", 1, 1, "nested deeper than 64");
}

/* Renders name once more with limits lim into a fresh buffer holding
 * "before": true when it renders; else the buffer must be as it was. */
static bool render_lim(struct fx *f, const char *name, const struct value *ctx,
		       size_t bytes, size_t expansions)
{
	struct mustache_limits lim = {bytes, expansions};
	mustache_set_limits(f->s, &lim);
	struct buf b = BUF_INIT;
	buf_puts(&b, "before");
	bool ok = mustache_render(f->s, name, ctx, &b, &f->d);
	if (!ok)
		assert_string_equal(b.ptr, "before");
	buf_release(&b);
	return ok;
}

/* Each limit at its boundary: N passes, N + 1 is stopped (E042) at the tag
 * that passes it. Every interpolation, section, list item after the first,
 * inverted section and partial counts one expansion. */
static void test_expansion_limit(void **state)
{
	struct fx *f = *state;
	/* a, b, the section, its second and third items, n three times, the
	 * inverted section, the partial: 10 */
	assert_true(add(f, "page", "{{a}}{{b}}{{#rows}}{{n}}{{/rows}}{{^z}}-{{/z}}{{>p}}"));
	assert_true(add(f, "p", "."));
	assert_true(mustache_set_link(f->s, &f->d));
	struct value *rows = value_new(&f->a, VALUE_LIST, (struct pos){0});
	for (int i = 1; i <= 3; i++)
		value_list_push(&f->a, rows, map1(f, "n", value_number(&f->a, i)));
	struct value *ctx = map1(f, "rows", rows);
	assert_true(render_lim(f, "page", ctx, 0, 10));
	assert_int_equal(f->d.n, 0);
	assert_false(render_lim(f, "page", ctx, 0, 9));
	assert_finding(f, "E042", "page", 1, 47, "makes more than 9 expansions");
	diag_release(&f->d);
	diag_init(&f->d, DIAG_TEXT);
	assert_false(render_lim(f, "page", ctx, 0, 4)); /* at the second item */
	assert_finding(f, "E042", "page", 1, 25, "makes more than 4 expansions");
}

static void test_byte_limit(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "abc{{x}}{{>p}}"));
	assert_true(add(f, "p", "\n  z"));
	assert_true(mustache_set_link(f->s, &f->d));
	struct value *ctx = map1(f, "x", value_cstr(&f->a, "de"));
	assert_true(render_lim(f, "page", ctx, 9, 0)); /* abcde, then "\n  z" */
	assert_false(render_lim(f, "page", ctx, 8, 0));
	assert_finding(f, "E042", "p", 1, 1, "template 'page' makes more than 8 bytes");
	assert_true(strstr(f->d.items[0].message, "stopped in page > p") != NULL);
	diag_release(&f->d);
	diag_init(&f->d, DIAG_TEXT);
	assert_false(render_lim(f, "page", ctx, 4, 0));
	assert_finding(f, "E042", "page", 1, 4, "makes more than 4 bytes");
}

/* A theme whose partials fan out (each including the next twice, 40 deep:
 * 2^40 leaves) stops at the default expansion limit, its output never more
 * than the expansions allow: bounded memory and time, not 23 GB. */
static void test_fan_out(void **state)
{
	struct fx *f = *state;
	char name[16], src[64];
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		if (i < 40)
			snprintf(src, sizeof(src), "{{>a%d}}{{>a%d}}", i + 1, i + 1);
		else
			snprintf(src, sizeof(src), "x");
		const char *file = arena_strdup(&f->a, name); /* kept by the set */
		assert_true(mustache_set_add(f->s, file, file, src, strlen(src), &f->d));
	}
	assert_true(mustache_set_link(f->s, &f->d));
	struct buf b = BUF_INIT;
	assert_false(mustache_render(f->s, "a1", NULL, &b, &f->d));
	assert_int_equal(b.len, 0);
	assert_true(b.cap < 64u << 20); /* what 20,000,000 expansions could write */
	buf_release(&b);
	assert_finding(f, "E042", "a39", 1, 9, "template 'a1' makes more than 20000000 expansions");
	assert_true(strstr(f->d.items[0].message, "a1 > a2 > a3 > (31 more) > a35 > a36 > a37 > "
						  "a38 > a39;") != NULL);
}

/* With a stop given, a limit fills it instead of reporting. */
static void test_stop_filled(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "{{>page}}"));
	assert_true(mustache_set_link(f->s, &f->d));
	struct mustache_stop st = {0};
	struct buf b = BUF_INIT;
	assert_false(mustache_render_memo(f->s, "page", NULL, &b, NULL, &st, &f->d));
	assert_int_equal(f->d.n, 0);
	assert_true(st.hit);
	assert_string_equal(st.pos.file, "page");
	assert_non_null(strstr(st.msg, "nested deeper than 64"));
	mustache_stop_release(&st);
	assert_false(st.hit);
	buf_release(&b);
}

/* Where a render stops never depends on the memo: a section the memo holds
 * counts the expansions it took when it was rendered, and a hit that would
 * pass a limit is rendered afresh, to stop where it stops without memo. */
static void test_limits_with_memo(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "page", "{{pad}}{{#rows}}[{{n}}]{{/rows}}"));
	assert_true(mustache_set_link(f->s, &f->d));
	struct value *rows = value_new(&f->a, VALUE_LIST, (struct pos){0});
	rows->shared = true;
	for (int i = 1; i <= 3; i++)
		value_list_push(&f->a, rows, map1(f, "n", value_number(&f->a, i)));
	struct value *ctx = map1(f, "rows", rows);
	struct mustache_memo *memo = mustache_memo_new();
	/* pad, the section, 2 more items, 3 n: 7 expansions, 9 bytes */
	struct mustache_limits lim = {9, 7};
	mustache_set_limits(f->s, &lim);
	struct buf b = BUF_INIT;
	assert_true(mustache_render_memo(f->s, "page", ctx, &b, memo, NULL, &f->d));
	assert_string_equal(b.ptr, "[1][2][3]");
	buf_truncate(&b, 0);
	assert_true(mustache_render_memo(f->s, "page", ctx, &b, memo, NULL, &f->d));
	assert_int_equal(mustache_memo_hits(memo), 1); /* within the limits: a hit */
	/* one byte more before the section: the hit would pass the byte limit */
	value_map_put(&f->a, ctx, "pad", value_cstr(&f->a, "-"));
	struct mustache_stop with = {0}, without = {0};
	buf_truncate(&b, 0);
	assert_false(mustache_render_memo(f->s, "page", ctx, &b, memo, &with, &f->d));
	assert_int_equal(mustache_memo_hits(memo), 1);
	assert_false(mustache_render_memo(f->s, "page", ctx, &b, NULL, &without, &f->d));
	assert_true(with.hit && without.hit);
	assert_string_equal(with.msg, without.msg);
	assert_int_equal(with.pos.line, without.pos.line);
	assert_int_equal(with.pos.col, without.pos.col);
	assert_int_equal(with.pos.col, 23); /* the ']' after the third n */
	mustache_stop_release(&with);
	mustache_stop_release(&without);
	/* one expansion fewer allowed: the hit would pass it */
	lim = (struct mustache_limits){1000, 6};
	mustache_set_limits(f->s, &lim);
	struct value *ctx2 = map1(f, "rows", rows);
	value_map_put(&f->a, ctx2, "q", value_cstr(&f->a, "q"));
	assert_false(mustache_render_memo(f->s, "page", ctx2, &b, memo, &with, &f->d));
	assert_false(mustache_render_memo(f->s, "page", ctx2, &b, NULL, &without, &f->d));
	assert_string_equal(with.msg, without.msg);
	assert_int_equal(with.pos.col, without.pos.col);
	assert_int_equal(with.pos.col, 18); /* the third {{n}} */
	mustache_stop_release(&with);
	mustache_stop_release(&without);
	assert_int_equal(f->d.n, 0);
	buf_release(&b);
	mustache_memo_free(memo);
}

static const char *layout = "<!doctype html>\n"
			    "<title>{{$title}}{{site.name}}{{/title}}</title>\n"
			    "<main>\n"
			    "  {{$main}}\n"
			    "  {{/main}}\n"
			    "</main>\n"
			    "{{> footer}}\n";

static const char *page = "{{<layout}}\n"
			  "{{$title}}{{title}} | {{site.name}}{{/title}}\n"
			  "{{$main}}\n"
			  "<h1>{{title}}</h1>\n"
			  "<ul>\n"
			  "  {{#items}}\n"
			  "  <li>{{name}}{{^last}},{{/last}}</li>\n"
			  "  {{/items}}\n"
			  "</ul>\n"
			  "{{/main}}\n"
			  "{{/layout}}\n";

static const char *page_want = "<!doctype html>\n"
			       "<title>Plan &amp; &lt;budget&gt; | DacCom</title>\n"
			       "<main>\n"
			       "  <h1>Plan &amp; &lt;budget&gt;</h1>\n"
			       "  <ul>\n"
			       "    <li>one,</li>\n"
			       "    <li>two</li>\n"
			       "  </ul>\n"
			       "</main>\n"
			       "<footer>DacCom</footer>\n";

static struct value *page_data(struct arena *a)
{
	struct value *ctx = value_new(a, VALUE_MAP, (struct pos){0});
	struct value *site = value_new(a, VALUE_MAP, (struct pos){0});
	value_map_put(a, site, "name", value_cstr(a, "DacCom"));
	value_map_put(a, ctx, "site", site);
	value_map_put(a, ctx, "title", value_cstr(a, "Plan & <budget>"));
	struct value *items = value_new(a, VALUE_LIST, (struct pos){0});
	const char *names[] = {"one", "two"};
	for (int i = 0; i < 2; i++) {
		struct value *it = value_new(a, VALUE_MAP, (struct pos){0});
		value_map_put(a, it, "name", value_cstr(a, names[i]));
		value_map_put(a, it, "last", value_bool(a, i == 1));
		value_list_push(a, items, it);
	}
	value_map_put(a, ctx, "items", items);
	return ctx;
}

static void add_theme(struct fx *f)
{
	assert_true(add(f, "layout", layout));
	assert_true(add(f, "page", page));
	assert_true(add(f, "footer", "<footer>{{site.name}}</footer>\n"));
}

/* One compiled set, rendered twice: the same bytes. */
static void test_render_twice(void **state)
{
	struct fx *f = *state;
	add_theme(f);
	struct value *ctx = page_data(&f->a);
	char *first = xstrdup(render(f, "page", ctx));
	assert_string_equal(first, page_want);
	assert_string_equal(render(f, "page", ctx), first);
	free(first);
}

struct job {
	const struct mustache_set *s;
	const struct value *ctx;
	bool ok;
};

static void *render_many(void *arg)
{
	struct job *j = arg;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct buf out = BUF_INIT;
	j->ok = true;
	for (int i = 0; i < 200; i++) {
		buf_truncate(&out, 0);
		if (!mustache_render(j->s, "page", j->ctx, &out, &d) || strcmp(out.ptr, page_want))
			j->ok = false;
	}
	buf_release(&out);
	diag_release(&d);
	return NULL;
}

/* Several threads render from one set at once. */
static void test_threads(void **state)
{
	struct fx *f = *state;
	add_theme(f);
	assert_true(mustache_set_link(f->s, &f->d));
	struct value *ctx = page_data(&f->a);
	pthread_t th[4];
	struct job jobs[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){f->s, ctx, false};
		assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(jobs[i].ok);
	}
}

/* Adding a template of a name already present replaces it. */
static void test_replace(void **state)
{
	struct fx *f = *state;
	assert_true(add(f, "p", "old"));
	assert_true(add(f, "page", "[{{>p}}]"));
	assert_true(add(f, "p", "new"));
	assert_string_equal(render(f, "page", NULL), "[new]");
}

static void test_lookup(void **state)
{
	struct fx *f = *state;
	/* names resolve up the stack; dotted names only inside what they found;
	 * a key holding null hides the same key further down */
	assert_true(add(f, "page", "{{#a}}{{x}}/{{b.c}}/{{y}}{{/a}}"));
	struct value *a = map1(f, "b", value_new(&f->a, VALUE_MAP, (struct pos){0}));
	value_map_put(&f->a, a, "y", value_new(&f->a, VALUE_NULL, (struct pos){0}));
	struct value *ctx = map1(f, "a", a);
	value_map_put(&f->a, ctx, "x", value_cstr(&f->a, "X"));
	value_map_put(&f->a, ctx, "y", value_cstr(&f->a, "Y"));
	struct value *b = map1(f, "c", value_cstr(&f->a, "wrong"));
	value_map_put(&f->a, ctx, "b", b);
	assert_string_equal(render(f, "page", ctx), "X//");
}

/* Renders name with ctx through memo; the output must be what a render
 * without the memo gives. */
static void memo_render(struct fx *f, struct mustache_memo *memo, const char *name,
			const struct value *ctx, const char *want)
{
	struct buf b = BUF_INIT;
	assert_true(mustache_render_memo(f->s, name, ctx, &b, memo, NULL, &f->d));
	assert_string_equal(b.ptr, want);
	assert_string_equal(render(f, name, ctx), want);
	buf_release(&b);
}

static void test_memo(void **state)
{
	struct fx *f = *state;
	/* the section over the shared list looks up root and x outside it */
	assert_true(add(f, "page", "{{#rows}}<{{root}}{{n}}{{#x}}!{{/x}}>{{/rows}}|{{root}}\n"));
	assert_true(add(f, "nested", "a\n  {{>page}}\n"));
	assert_true(mustache_set_link(f->s, &f->d));
	struct value *rows = value_new(&f->a, VALUE_LIST, (struct pos){0});
	rows->shared = true;
	for (int i = 1; i <= 3; i++) {
		struct value *row = value_new(&f->a, VALUE_MAP, (struct pos){0});
		value_map_put(&f->a, row, "n", value_number(&f->a, i));
		if (i == 2)
			value_map_put(&f->a, row, "x", value_bool(&f->a, false));
		value_list_push(&f->a, rows, row);
	}
	struct mustache_memo *memo = mustache_memo_new();
	struct arena pa = ARENA_INIT;
	struct value *ctx = map1(f, "rows", rows);
	value_map_put(&f->a, ctx, "root", value_cstr(&pa, "../"));
	memo_render(f, memo, "page", ctx, "<../1><../2><../3>|../\n");
	assert_int_equal(mustache_memo_hits(memo), 0);
	/* another page, its root a new string with the same text: a hit */
	arena_release(&pa);
	ctx = map1(f, "rows", rows);
	value_map_put(&f->a, ctx, "root", value_cstr(&pa, "../"));
	memo_render(f, memo, "page", ctx, "<../1><../2><../3>|../\n");
	assert_int_equal(mustache_memo_hits(memo), 1);
	/* a different root, or an x outside for the rows without one: misses */
	value_map_put(&f->a, ctx, "x", value_bool(&f->a, true));
	memo_render(f, memo, "page", ctx, "<../1!><../2><../3!>|../\n");
	ctx = map1(f, "rows", rows);
	value_map_put(&f->a, ctx, "root", value_cstr(&f->a, "../../"));
	memo_render(f, memo, "page", ctx, "<../../1><../../2><../../3>|../../\n");
	assert_int_equal(mustache_memo_hits(memo), 1);
	/* the same section indented as a partial is another entry */
	memo_render(f, memo, "nested", ctx, "a\n  <../../1><../../2><../../3>|../../\n");
	memo_render(f, memo, "nested", ctx, "a\n  <../../1><../../2><../../3>|../../\n");
	memo_render(f, memo, "page", ctx, "<../../1><../../2><../../3>|../../\n");
	assert_int_equal(mustache_memo_hits(memo), 3);
	/* a list that is not shared is never kept */
	rows->shared = false;
	memo_render(f, memo, "page", ctx, "<../../1><../../2><../../3>|../../\n");
	assert_int_equal(mustache_memo_hits(memo), 3);
	arena_release(&pa);
	mustache_memo_free(memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unclosed_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatched_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_without_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclosed_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclosed_triple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_delimiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spec_mode_unknown_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_dynamic_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expansion_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fan_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_filled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_with_memo, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
