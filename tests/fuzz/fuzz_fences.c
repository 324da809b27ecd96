/*
 * fuzz_fences.c: the fence and visibility filter, with a leak oracle. The
 * input is a flags byte, then parts separated by NUL bytes: shown text and
 * hidden text by turns. Each hidden part (its first byte: bit 0 set for
 * confidential, else practices) is put between fence lines written here,
 * with a canary word at its start and on a line of its own at its end:
 *
 *     <!-- visibility: confidential -->
 *     CANARY-A the hidden part...
 *     CANARY-B
 *     <!-- /visibility -->
 *
 * A canary is "zq" and hex digits of a hash of the whole input, so the
 * input cannot hold it (a change to put it there changes the hash). Flags:
 * bit 0 a practices document, bit 1 strict, bit 2 unsafe_html. Strict
 * takes backticks and tildes out of every part (no fenced code block, where
 * a fence line is text by design) and "<!--" too (no fence but ours).
 *
 * For each audience, and for each canary on a line that a fence markdown_scan
 * found hides from it (and, in strict mode when the scan reported no error,
 * for each canary its part asked to hide from it), the canary is in none of:
 * markdown_render's HTML and text, the prepared render (markdown_scan_prepare
 * then markdown_fill) and its text, markdown_audience_body, the audience's
 * heading ids, the PDF blocks. A link in a fence is at least as narrow as it.
 */
#include "fuzz.h"

#define PATH "content/pages/fuzz.md"
#define MAX_HIDDEN 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PLANSITE_JOBS", "1", 1);
	md_test_malloc = true;
	return 0;
}

struct canary {
	char word[24];
	uint32_t line;       /* file line */
	enum visibility vis; /* what its part asked for */
};

static bool link_cb(void *ctx, enum link_kind kind, const char *path, const char *frag,
		    struct buf *href)
{
	(void)ctx;
	(void)kind;
	buf_puts(href, path ? path : "");
	if (frag) {
		buf_putc(href, '#');
		buf_puts(href, frag);
	}
	return true;
}

/* Appends s[0..n) to b, in strict mode without backticks, tildes and
 * comment openers. */
static void put_part(struct buf *b, const char *s, size_t n, bool strict)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (strict && (c == '`' || c == '~'))
			c = '\'';
		if (strict && c == '!' && i > 0 && s[i - 1] == '<')
			c = '?';
		buf_putc(b, c);
	}
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
	doc->body_line = 4;
	doc->vis = vis;
	doc->ok = true;
}

/* The visibility a fence markdown_scan found gives file line l, or public
 * (no fence: the document's own visibility, which decides whether an
 * audience gets the document at all, is not this filter's). */
static enum visibility line_vis(const struct doc *doc, uint32_t l)
{
	for (size_t i = 0; i < doc->nfences; i++)
		if (doc->fences[i].open_line <= l && l <= doc->fences[i].close_line)
			return doc->fences[i].vis;
	return VIS_PUBLIC;
}

static void no_canary(const char *what, const char *s, size_t n, const struct canary *c,
		      enum visibility aud)
{
	if (s && fuzz_has(s, n, c->word))
		fuzz_fail("leak: hidden text (the canary %s, file line %u, %s) is in the %s "
			  "audience's %s:\n%.*s",
			  c->word, (unsigned)c->line, visibility_name(c->vis), visibility_name(aud),
			  what, (int)(n < 2000 ? n : 2000), s);
}

static void pdf_text(struct buf *b, const struct pdf_block *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].text)
			buf_puts(b, v[i].text);
		buf_putc(b, '\n');
		const struct pdf_table *t = &v[i].table;
		if (v[i].kind == PDF_TABLE && t->cells)
			for (size_t k = 0; k < t->ncols * t->nrows; k++)
				if (t->cells[k]) {
					buf_puts(b, t->cells[k]);
					buf_putc(b, '\n');
				}
	}
}

static void audience_pass(const struct doc *doc, const char *body, size_t n, bool unsafe,
			  enum visibility aud, const struct canary *cs, size_t nc, bool strict_ok)
{
	struct buf html = BUF_INIT, text = BUF_INIT, abody = BUF_INIT, ids_b = BUF_INIT,
		   pdf = BUF_INIT;
	struct md_render r = {aud, unsafe, link_cb, NULL, &text};
	markdown_render(doc, &r, &html);
	markdown_audience_body(doc, aud, &abody);
	struct arena a = {0};
	const char **ids = arena_alloc(&a, (doc->nheadings + 1) * sizeof(*ids));
	markdown_heading_ids(&a, doc, aud, ids);
	for (size_t i = 0; i < doc->nheadings; i++)
		if (ids[i]) {
			buf_puts(&ids_b, ids[i]);
			buf_putc(&ids_b, ' ');
		}
	struct md_render rp = {aud, unsafe, link_cb, NULL, NULL};
	size_t nb = 0;
	const struct pdf_block *blocks = markdown_pdf(&a, doc, &rp, &nb);
	pdf_text(&pdf, blocks, nb);

	/* as a build renders it: during the scan */
	struct doc prep;
	doc_init(&prep, body, n, doc->vis);
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct buf ptext = BUF_INIT, phtml = BUF_INIT;
	markdown_scan_prepare(&a, &prep, &d, aud, unsafe, &ptext);
	if (prep.prepared) {
		struct md_render rf = {aud, unsafe, link_cb, NULL, NULL};
		markdown_fill(&prep, &rf, &phtml);
		if (phtml.len != html.len || memcmp(phtml.ptr, html.ptr, html.len) != 0)
			fuzz_fail("fences: the prepared render differs from markdown_render");
	}

	for (size_t i = 0; i < nc; i++) {
		const struct canary *c = &cs[i];
		bool hidden = !vis_shown(line_vis(doc, c->line), aud) ||
			      (strict_ok && !vis_shown(c->vis, aud));
		if (!hidden)
			continue;
		no_canary("HTML", html.ptr, html.len, c, aud);
		no_canary("plain text", text.ptr, text.len, c, aud);
		no_canary("body (markdown_audience_body)", abody.ptr, abody.len, c, aud);
		no_canary("heading ids", ids_b.ptr, ids_b.len, c, aud);
		no_canary("PDF blocks", pdf.ptr, pdf.len, c, aud);
		no_canary("prepared HTML", phtml.ptr, phtml.len, c, aud);
		no_canary("prepared text", ptext.ptr, ptext.len, c, aud);
		if (prep.words)
			no_canary("words", prep.words, strlen(prep.words), c, aud);
	}
	diag_release(&d);
	buf_release(&ptext);
	buf_release(&phtml);
	arena_release(&a);
	buf_release(&html);
	buf_release(&text);
	buf_release(&abody);
	buf_release(&ids_b);
	buf_release(&pdf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	unsigned flags = data[0];
	enum visibility vis = flags & 1 ? VIS_PRACTICES : VIS_PUBLIC;
	bool strict = flags & 2, unsafe = flags & 4;
	uint64_t h = hash64(data, size, 0x9e3779b97f4a7c15ull);

	struct buf body = BUF_INIT;
	struct canary cs[2 * MAX_HIDDEN];
	size_t nc = 0, nhidden = 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1, at = 0;
	for (size_t part = 0;; part++) {
		const char *z = memchr(s + at, '\0', n - at);
		size_t end = z ? (size_t)(z - s) : n;
		if (part % 2 == 0 || nhidden == MAX_HIDDEN) {
			put_part(&body, s + at, end - at, strict);
		} else {
			const char *p = s + at;
			size_t len = end - at;
			enum visibility v = len && (p[0] & 1) ? VIS_CONFIDENTIAL : VIS_PRACTICES;
			if (len) {
				p++;
				len--;
			}
			if (body.len && body.ptr[body.len - 1] != '\n')
				buf_putc(&body, '\n');
			buf_printf(&body, "<!-- visibility: %s -->\n", visibility_name(v));
			struct canary *ca = &cs[nc++], *cb = &cs[nc++];
			snprintf(ca->word, sizeof(ca->word), "zq%012llxa%02zuq",
				 (unsigned long long)(h & 0xffffffffffffull), nhidden);
			snprintf(cb->word, sizeof(cb->word), "zq%012llxb%02zuq",
				 (unsigned long long)(h & 0xffffffffffffull), nhidden);
			ca->vis = cb->vis = v;
			buf_printf(&body, "%s ", ca->word);
			put_part(&body, p, len, strict);
			buf_putc(&body, '\n');
			buf_printf(&body, "%s\n<!-- /visibility -->\n", cb->word);
			nhidden++;
		}
		if (!z)
			break;
		at = end + 1;
	}
	/* as the loader has it: LF only, in its own allocation */
	size_t blen;
	char *raw = buf_detach(&body, &blen);
	char *b = fuzz_copy(raw, blen);
	free(raw);
	blen = text_newlines(b, blen);
	/* the canaries' lines, as the body now counts them (a lone CR was a
	 * line break) */
	for (size_t i = 0; i < nc; i++) {
		const char *w = memmem(b, blen, cs[i].word, strlen(cs[i].word));
		if (!w)
			fuzz_fail("fences: canary %s not in the body", cs[i].word);
		cs[i].line = 4;
		for (const char *q = b; q < w; q++)
			cs[i].line += *q == '\n';
	}

	struct arena a = {0};
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct doc doc;
	doc_init(&doc, b, blen, vis);
	markdown_scan(&a, &doc, &d);
	fuzz_check_findings(&d, PATH);
	if (getenv("FUZZ_DEBUG")) {
		fprintf(stderr, "-- body (from line 4):\n%s\n-- fences:\n", b);
		for (size_t i = 0; i < doc.nfences; i++)
			fprintf(stderr, "%u-%u %s\n", (unsigned)doc.fences[i].open_line,
				(unsigned)doc.fences[i].close_line, visibility_name(doc.fences[i].vis));
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%u:%u: %s [%s]\n", (unsigned)d.items[i].pos.line,
				(unsigned)d.items[i].pos.col, d.items[i].message, d.items[i].code);
	}
	/* a link in a fence is as narrow as the fence */
	for (size_t i = 0; i < doc.nlinks; i++)
		if (doc.links[i].vis < line_vis(&doc, doc.links[i].pos.line))
			fuzz_fail("fences: link '%s' at line %u is %s in a %s fence", doc.links[i].url,
				  (unsigned)doc.links[i].pos.line, visibility_name(doc.links[i].vis),
				  visibility_name(line_vis(&doc, doc.links[i].pos.line)));
	bool strict_ok = strict && d.errors == 0;
	audience_pass(&doc, b, blen, unsafe, VIS_PUBLIC, cs, nc, strict_ok);
	audience_pass(&doc, b, blen, unsafe, VIS_PRACTICES, cs, nc, strict_ok);
	diag_release(&d);
	arena_release(&a);
	free(b);
	return 0;
}
