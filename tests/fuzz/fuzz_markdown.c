/*
 * fuzz_markdown.c: the Markdown pipeline of one body: fences, the scan
 * (links, headings, E020/E022/E027), the render for each audience with link
 * rewriting, the render prepared during the scan, the PDF blocks, inline
 * texts. The input's first byte is flags (bit 0: a practices document,
 * bit 1: unsafe_html), the rest is the body. Oracles:
 *   - the prepared render (markdown_scan_prepare then markdown_fill) is
 *     byte for byte markdown_render's, text included, and the scan's
 *     findings are the same either way;
 *   - without unsafe_html, the HTML has only the tags and attributes the
 *     renderer writes, and no href or src starts javascript:, vbscript: or
 *     data: (raw HTML is shown as text);
 *   - links and headings lie within the body's lines; heading ids are
 *     unique; the fences are ordered and inside the body;
 *   - md_plain_inline's shortcut agrees with the parse (test_markdown.c).
 */
#include "fuzz.h"

#include "../../generator/markdown_int.h"

#include <ctype.h>

#define PATH "content/pages/fuzz.md"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PLANSITE_JOBS", "1", 1);
	md_test_malloc = true;
	return 0;
}

/* Link rewriting as render.c's link_cb does it, for a page one folder down:
 * a link to a document whose name holds "hidden" is dropped (a target the
 * audience may not see), others go to its folder. */
static bool link_cb(void *ctx, enum link_kind kind, const char *path, const char *frag,
		    struct buf *href)
{
	(void)ctx;
	if (kind == LINK_ANCHOR) {
		buf_putc(href, '#');
		if (frag)
			buf_puts(href, frag);
		return true;
	}
	if (kind == LINK_DATA) {
		buf_puts(href, "../../people/index.html");
	} else {
		if (strstr(path, "hidden"))
			return false;
		buf_puts(href, "../../");
		const char *p = strncmp(path, "content/", 8) == 0 ? path + 8 : path;
		size_t n = strlen(p);
		if (n > 3 && strcmp(p + n - 3, ".md") == 0)
			n -= 3;
		buf_put(href, p, n);
		buf_puts(href, "/index.html");
	}
	if (frag && *frag) {
		buf_putc(href, '#');
		buf_puts(href, frag);
	}
	return true;
}

static const char *const tags[] = {
	"p",	  "h1",	    "h2",   "h3",     "h4",	"h5",	 "h6",	  "a",	    "em",
	"strong", "code",   "pre",  "ul",     "ol",	"li",	 "blockquote", "hr", "br",
	"table",  "thead",  "tbody", "tr",    "th",	"td",	 "del",	  "input",  "img",
	"sup",	  "section", "div", "span",
};
static const char *const attrs[] = {"href",	   "id",       "class",	     "title",
				    "src",	   "alt",      "type",	     "checked",
				    "disabled",	   "align",    "start",	     "role",
				    "tabindex",	   "scope",    "aria-label", "aria-hidden"};

static bool in_list(const char *s, size_t n, const char *const *list, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], s, n) == 0)
			return true;
	return false;
}

/* Whether a URL value starts with a scheme that is always dropped. */
static bool unsafe_url(const char *s, size_t n)
{
	static const char *const bad[] = {"javascript:", "vbscript:", "data:"};
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(bad[i]);
		if (n >= k && strncasecmp(s, bad[i], k) == 0)
			return true;
	}
	return false;
}

/* The HTML holds only what the renderer writes itself. */
static void html_safe(const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (h[i] != '<')
			continue;
		size_t j = i + 1;
		if (j < n && h[j] == '/')
			j++;
		size_t t = j;
		while (j < n && isalnum((unsigned char)h[j]))
			j++;
		if (!in_list(h + t, j - t, tags, sizeof(tags) / sizeof(*tags)))
			fuzz_fail("markdown: tag '%.*s' in the HTML: %.*s", (int)(j - t), h + t,
				  (int)(n - i < 80 ? n - i : 80), h + i);
		/* attributes: name="value" ... up to '>' */
		while (j < n && h[j] != '>') {
			while (j < n && (h[j] == ' ' || h[j] == '/'))
				j++;
			size_t a = j;
			while (j < n && (isalnum((unsigned char)h[j]) || h[j] == '-'))
				j++;
			if (j == a)
				break;
			if (!in_list(h + a, j - a, attrs, sizeof(attrs) / sizeof(*attrs)))
				fuzz_fail("markdown: attribute '%.*s' in the HTML: %.*s", (int)(j - a),
					  h + a, (int)(n - i < 120 ? n - i : 120), h + i);
			bool url = (j - a == 4 && strncmp(h + a, "href", 4) == 0) ||
				   (j - a == 3 && strncmp(h + a, "src", 3) == 0);
			if (j < n && h[j] == '=') {
				j++;
				if (j >= n || h[j] != '"')
					fuzz_fail("markdown: an unquoted attribute value: %.*s",
						  (int)(n - i < 120 ? n - i : 120), h + i);
				size_t v = ++j;
				while (j < n && h[j] != '"' && h[j] != '<' && h[j] != '>')
					j++;
				if (j >= n || h[j] != '"')
					fuzz_fail("markdown: an attribute value not closed: %.*s",
						  (int)(n - i < 120 ? n - i : 120), h + i);
				if (url && unsafe_url(h + v, j - v))
					fuzz_fail("markdown: an unsafe URL in the HTML: %.*s", (int)(j - v),
						  h + v);
				j++;
			}
		}
		if (j >= n)
			fuzz_fail("markdown: a tag not closed at the end of the HTML");
		i = j;
	}
}

static void same_findings(const struct diag *a, const struct diag *b, const char *what)
{
	if (a->n != b->n)
		fuzz_fail("%s: %zu findings against %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].code, b->items[i].code) != 0 ||
		    a->items[i].pos.line != b->items[i].pos.line ||
		    a->items[i].pos.col != b->items[i].pos.col ||
		    strcmp(a->items[i].message, b->items[i].message) != 0)
			fuzz_fail("%s: finding %zu differs: %s / %s", what, i, a->items[i].message,
				  b->items[i].message);
}

static void doc_init(struct doc *doc, const char *body, size_t n, enum visibility vis)
{
	memset(doc, 0, sizeof(*doc));
	doc->kind = DOC_PAGE;
	doc->path = PATH;
	doc->id = "fuzz";
	doc->title = "Fuzz";
	doc->body = body;
	doc->body_len = n;
	doc->body_line = 4; /* after a two-line front matter */
	doc->vis = vis;
	doc->ok = true;
}

/* What the scan recorded lies inside the body. */
static void scan_sane(const struct doc *doc)
{
	uint32_t lines = 1;
	for (size_t i = 0; i < doc->body_len; i++)
		lines += doc->body[i] == '\n';
	uint32_t first = doc->body_line, last = doc->body_line + lines;
	for (size_t i = 0; i < doc->nlinks; i++) {
		const struct md_link *l = &doc->links[i];
		if (l->pos.line < first || l->pos.line > last || l->pos.col < 1)
			fuzz_fail("markdown: link '%s' at %u:%u, outside lines %u-%u", l->url,
				  (unsigned)l->pos.line, (unsigned)l->pos.col, (unsigned)first,
				  (unsigned)last);
		if (l->vis < doc->vis)
			fuzz_fail("markdown: link '%s' wider than its document", l->url);
	}
	for (size_t i = 0; i < doc->nheadings; i++) {
		const struct md_heading *h = &doc->headings[i];
		if (h->line < first || h->line > last)
			fuzz_fail("markdown: heading at line %u, outside lines %u-%u",
				  (unsigned)h->line, (unsigned)first, (unsigned)last);
		for (size_t j = 0; j < i; j++)
			if (strcmp(h->id, doc->headings[j].id) == 0)
				fuzz_fail("markdown: heading id '%s' twice", h->id);
	}
	uint32_t prev = 0;
	for (size_t i = 0; i < doc->nfences; i++) {
		const struct fence *f = &doc->fences[i];
		if (f->open_line < prev || f->close_line < f->open_line || f->open_line < first ||
		    f->close_line > last + 1)
			fuzz_fail("markdown: fence %zu at lines %u-%u (body %u-%u, previous ends %u)", i,
				  (unsigned)f->open_line, (unsigned)f->close_line, (unsigned)first,
				  (unsigned)last, (unsigned)prev);
		prev = f->close_line;
	}
}

static void audience_pass(struct doc *doc, const struct diag *scan_d, const char *body, size_t n,
			  enum visibility vis, enum visibility aud, bool unsafe)
{
	struct buf html = BUF_INIT, text = BUF_INIT, body_a = BUF_INIT;
	struct md_render r = {aud, unsafe, link_cb, NULL, &text};
	markdown_render(doc, &r, &html);
	if (!unsafe)
		html_safe(html.ptr, html.len);
	markdown_audience_body(doc, aud, &body_a);
	if (body_a.len > n + 1)
		fuzz_fail("markdown: the audience's body is longer than the body");

	struct arena a = {0};
	const char **ids = arena_alloc(&a, (doc->nheadings + 1) * sizeof(*ids));
	markdown_heading_ids(&a, doc, aud, ids);
	for (size_t i = 0; i < doc->nheadings; i++)
		for (size_t j = 0; ids[i] && j < i; j++)
			if (ids[j] && strcmp(ids[i], ids[j]) == 0)
				fuzz_fail("markdown: the audience's heading id '%s' twice", ids[i]);
	size_t nb = 0;
	markdown_pdf(&a, doc, &r, &nb);

	/* the same body scanned and rendered in one parse, as a build does */
	struct doc prep;
	doc_init(&prep, body, n, vis);
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct buf ptext = BUF_INIT, phtml = BUF_INIT, ftext = BUF_INIT;
	markdown_scan_prepare(&a, &prep, &d, aud, unsafe, &ptext);
	same_findings(scan_d, &d, "markdown_scan and markdown_scan_prepare");
	if (prep.prepared) {
		struct md_render rf = {aud, unsafe, link_cb, NULL, &ftext};
		markdown_fill(&prep, &rf, &phtml);
		if (phtml.len != html.len || memcmp(phtml.ptr, html.ptr, html.len) != 0)
			fuzz_fail("markdown: the prepared render differs from markdown_render:\n-- "
				  "render:\n%s\n-- prepared:\n%s",
				  html.ptr, phtml.ptr);
		if (ptext.len != text.len || memcmp(ptext.ptr, text.ptr, text.len) != 0)
			fuzz_fail("markdown: the prepared text differs:\n-- render:\n%s\n-- "
				  "prepared:\n%s",
				  text.ptr, ptext.ptr);
	}
	diag_release(&d);
	buf_release(&ptext);
	buf_release(&phtml);
	buf_release(&ftext);
	arena_release(&a);
	buf_release(&html);
	buf_release(&text);
	buf_release(&body_a);
}

/* A decision or an action: the shortcut and the parse agree. */
static void inline_pass(const char *s, size_t n, bool unsafe)
{
	struct buf h1 = BUF_INIT, t1 = BUF_INIT, h2 = BUF_INIT, t2 = BUF_INIT;
	struct md_render r = {VIS_PUBLIC, unsafe, link_cb, NULL, &t1};
	markdown_inline(PATH, s, n, &r, &h1);
	if (!unsafe)
		html_safe(h1.ptr, h1.len);
	if (md_plain_inline(s, n)) {
		r.text = &t2;
		md_inline_parsed(PATH, s, n, &r, &h2);
		if (strcmp(h1.ptr, h2.ptr) != 0 || strcmp(t1.ptr, t2.ptr) != 0)
			fuzz_fail("markdown_inline: the shortcut gives '%s', the parse '%s'", h1.ptr,
				  h2.ptr);
	}
	struct arena a = {0};
	markdown_inline_pdf(&a, PATH, s, n, &r);
	arena_release(&a);
	buf_release(&h1);
	buf_release(&t1);
	buf_release(&h2);
	buf_release(&t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	unsigned flags = data[0];
	enum visibility vis = flags & 1 ? VIS_PRACTICES : VIS_PUBLIC;
	bool unsafe = flags & 2;
	char *body = fuzz_copy(data + 1, size - 1);
	size_t n = text_newlines(body, size - 1);

	struct arena a = {0};
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct doc doc;
	doc_init(&doc, body, n, vis);
	markdown_scan(&a, &doc, &d);
	fuzz_check_findings(&d, PATH);
	scan_sane(&doc);
	audience_pass(&doc, &d, body, n, vis, VIS_PUBLIC, unsafe);
	audience_pass(&doc, &d, body, n, vis, VIS_PRACTICES, unsafe);

	/* its first line as a decision */
	const char *nl = memchr(body, '\n', n);
	inline_pass(body, nl ? (size_t)(nl - body) : n, unsafe);

	diag_release(&d);
	arena_release(&a);
	free(body);
	return 0;
}
