/*
 * pdf.c: a small typesetter from a flat block document (headings,
 * paragraphs, list items, tables, rules, page breaks) to an A4 PDF, for the
 * monthly report. The only file that includes cairo, pango and fontconfig:
 * every object of theirs is made and freed inside pdf_render (pdf_shutdown
 * frees fontconfig's caches, which leak checkers would report).
 *
 * How it works:
 *   - Inline markup goes through our own small parser (rich_parse) into
 *     plain text plus styled runs, which Pango gets as attributes. No text
 *     ever reaches Pango's markup parser, so no input can make it fail or
 *     drop text.
 *   - A text is laid out as a "box": its lines, each with its top, bottom and
 *     baseline. Long texts are cut into chunks of at most CHUNK bytes, each
 *     its own PangoLayout, so that hostile input costs linear time.
 *   - The whole document is typeset twice by the same code: the first pass
 *     only counts pages, the second draws them knowing the total for
 *     "Page N of M". Boxes are made and freed block by block (table row by
 *     row), so memory stays small however long the document.
 *   - Breaking: a box that does not fit breaks between lines, keeping two
 *     lines together at either end where it can; a heading moves to the next
 *     page unless the start of the next block fits under it; a table row
 *     moves whole to the next page unless it is taller than a page, and the
 *     header row is repeated on every page the table continues on. Something
 *     is always placed on an empty page, so breaking never loops.
 */
#include "plansite.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ geometry */

/* Points. A4 portrait; the text block is 451 pt wide. */
#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN_X 72.0
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define HEADER_TOP 36.0 /* top of the running header's line */
#define HEADER_RULE 52.0
#define BODY_TOP 76.0
#define BODY_BOTTOM (PAGE_H - 68.0)
#define BODY_H (BODY_BOTTOM - BODY_TOP)
#define FOOTER_TOP (PAGE_H - 46.0)
#define INDENT 20.0 /* per list level */
#define MARKER_GAP 6.0
#define CELL_PAD_X 6.0
#define CELL_PAD_Y 4.5

/* Limits against hostile input. */
#define MAX_DEPTH 8     /* list nesting: deeper items indent no further */
#define MAX_COLS 24
#define MAX_PAGES 5000
#define CHUNK 4096       /* bytes of text per PangoLayout */
#define WORD_CHUNK 256   /* ... when cutting a word longer than that */
#define MAX_TAG_DEPTH 16 /* open <b>, <i> or <code> tags of one kind */
#define MAX_HREF 2048
#define MAX_OUTLINE 200 /* bytes of a heading's text in the outline */

struct rgb {
	double r, g, b;
};
static const struct rgb C_TEXT = {0.11, 0.13, 0.16};
static const struct rgb C_HEADING = {0.07, 0.20, 0.36};
static const struct rgb C_MUTED = {0.40, 0.44, 0.49};
static const struct rgb C_LINK = {0.09, 0.33, 0.62};
static const struct rgb C_RULE = {0.80, 0.83, 0.87};
static const struct rgb C_RULE_DARK = {0.45, 0.51, 0.58};
static const struct rgb C_HEAD_FILL = {0.91, 0.93, 0.955};

enum font { F_BODY, F_H1, F_H2, F_H3, F_CELL, F_CELL_HEAD, F_SMALL, F_N };

static const struct {
	const char *family;
	double size;
	bool bold;
} font_specs[F_N] = {
	[F_BODY] = {"DejaVu Serif", 10.5, false},
	[F_H1] = {"DejaVu Sans", 17.0, true},
	[F_H2] = {"DejaVu Sans", 13.0, true},
	[F_H3] = {"DejaVu Sans", 10.5, true},
	[F_CELL] = {"DejaVu Sans", 8.5, false},
	[F_CELL_HEAD] = {"DejaVu Sans", 8.5, true},
	[F_SMALL] = {"DejaVu Sans", 7.5, false},
};

/* How a text is set: font, extra space between its lines, colour. */
struct style {
	enum font font;
	double spacing;
	const struct rgb *color;
	PangoAlignment align;
};

static const struct style S_BODY = {F_BODY, 4.4, &C_TEXT, PANGO_ALIGN_LEFT};
static const struct style S_HEADING[3] = {
	{F_H1, 3.0, &C_HEADING, PANGO_ALIGN_LEFT},
	{F_H2, 2.5, &C_HEADING, PANGO_ALIGN_LEFT},
	{F_H3, 2.0, &C_HEADING, PANGO_ALIGN_LEFT},
};
static const struct style S_SMALL = {F_SMALL, 0.0, &C_MUTED, PANGO_ALIGN_LEFT};

/* Space above and below each kind of block; between two blocks the larger
 * of the two applies, and none at the top of a page. */
static const double heading_before[3] = {22.0, 17.0, 13.0};
static const double heading_after[3] = {9.0, 7.0, 5.0};
#define PARA_BEFORE 8.0
#define PARA_AFTER 8.0
#define ITEM_BEFORE 3.5
#define ITEM_AFTER 3.5
#define TABLE_BEFORE 10.0
#define TABLE_AFTER 14.0
#define RULE_SPACE 12.0

/* ------------------------------------------------------- inline markup */

enum { R_BOLD = 1, R_ITALIC = 2, R_CODE = 4 };

/* A styled stretch [start, end) of a rich text's bytes; link indexes hrefs
 * (-1: not a link). Runs are in order and do not overlap; unstyled text has
 * no run. */
struct run {
	size_t start, end;
	unsigned flags;
	int link;
};

struct rich {
	struct buf text;
	struct run *runs;
	size_t nruns, cap;
	char **hrefs;
	size_t nhrefs, hrefs_cap;
};

static void rich_release(struct rich *r)
{
	buf_release(&r->text);
	free(r->runs);
	for (size_t i = 0; i < r->nhrefs; i++)
		free(r->hrefs[i]);
	free(r->hrefs);
	memset(r, 0, sizeof(*r));
	buf_init(&r->text);
}

static void put_cp(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	buf_put(b, u, n);
}

/* Appends the character at s (n bytes left, n > 0) as plain text and returns
 * the bytes it took: tabs and line breaks become spaces, other control
 * characters and bad UTF-8 (one byte at a time) U+FFFD. */
static size_t put_char(struct buf *b, const char *s, size_t n)
{
	unsigned char c = (unsigned char)*s;
	if (c == '\t' || c == '\n' || c == '\r') {
		buf_putc(b, ' ');
		return 1;
	}
	if (c < 0x20 || c == 0x7f) {
		put_cp(b, 0xfffd);
		return 1;
	}
	if (c < 0x80) {
		buf_putc(b, (char)c);
		return 1;
	}
	size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len > n || utf8_check(s, len) != len) {
		put_cp(b, 0xfffd);
		return 1;
	}
	/* C1 controls (U+0080..U+009F) print as U+FFFD too */
	if (c == 0xc2 && (unsigned char)s[1] < 0xa0)
		put_cp(b, 0xfffd);
	else
		buf_put(b, s, len);
	return len;
}

/* Appends s as plain text (see put_char). */
static void put_plain(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;)
		i += put_char(b, s + i, n - i);
}

static bool prefix_ci(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	return n >= k && strncasecmp(s, word, k) == 0;
}

/* Decodes the entity at s ('&'; n bytes left) into *cp and returns its
 * length, or 0 when it is not one we know. */
static size_t parse_entity(const char *s, size_t n, unsigned *cp)
{
	static const struct {
		const char *name;
		unsigned cp;
	} named[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},     {"&quot;", '"'},
		     {"&apos;", '\''}, {"&#39;", '\''}, {"&nbsp;", 0xa0}};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (prefix_ci(s, n, named[i].name)) {
			*cp = named[i].cp;
			return strlen(named[i].name);
		}
	if (n < 4 || s[1] != '#')
		return 0;
	size_t i = 2;
	bool hex = s[i] == 'x' || s[i] == 'X';
	if (hex)
		i++;
	unsigned long v = 0;
	size_t digits = 0;
	for (; i < n && digits < 8; i++, digits++) {
		int dv;
		char c = s[i];
		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (hex && c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else if (hex && c >= 'A' && c <= 'F')
			dv = c - 'A' + 10;
		else
			break;
		v = v * (hex ? 16 : 10) + (unsigned long)dv;
	}
	if (digits == 0 || i >= n || s[i] != ';' || v == 0 || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	/* a numeric control character prints as U+FFFD, like a raw one */
	*cp = (v < 0x20 && v != '\t' && v != '\n') || (v >= 0x7f && v < 0xa0) ? 0xfffd
	      : v == '\t' || v == '\n'                                          ? ' '
										: (unsigned)v;
	return i + 1;
}

enum tag { T_NONE, T_B, T_I, T_CODE, T_A, T_BR };

/* Recognises the tag at s ('<'; n bytes left): one of ours, exactly. Sets
 * *closing, and for <a href="..."> the (still encoded) value in *href, *hlen.
 * Returns its length, or 0 when it is not a tag we know. */
static size_t parse_tag(const char *s, size_t n, enum tag *tag, bool *closing,
			const char **href, size_t *hlen)
{
	static const struct {
		const char *name;
		enum tag tag;
	} names[] = {{"strong", T_B}, {"code", T_CODE}, {"em", T_I}, {"br", T_BR},
		     {"b", T_B},      {"i", T_I},       {"a", T_A}};
	size_t i = 1;
	*closing = i < n && s[i] == '/';
	if (*closing)
		i++;
	size_t name_start = i;
	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
		i++;
	size_t name_len = i - name_start;
	*tag = T_NONE;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k].name) == name_len &&
		    strncasecmp(s + name_start, names[k].name, name_len) == 0)
			*tag = names[k].tag;
	if (*tag == T_NONE || (*closing && *tag == T_BR))
		return 0;
	if (*tag == T_A && !*closing) {
		size_t ws = i;
		while (i < n && s[i] == ' ')
			i++;
		if (i == ws || !prefix_ci(s + i, n - i, "href"))
			return 0;
		i += 4;
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n || s[i] != '=')
			return 0;
		i++;
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n || (s[i] != '"' && s[i] != '\''))
			return 0;
		char q = s[i++];
		size_t start = i;
		while (i < n && s[i] != q && i - start <= MAX_HREF)
			i++;
		if (i >= n || s[i] != q)
			return 0;
		*href = s + start;
		*hlen = i - start;
		i++;
	}
	while (i < n && s[i] == ' ')
		i++;
	if (*tag == T_BR && i < n && s[i] == '/') {
		i++;
	}
	if (i >= n || s[i] != '>')
		return 0;
	return i + 1;
}

/* True for hrefs that may become clickable links: http:, https:, mailto:. */
static bool href_safe(const char *h)
{
	size_t n = strlen(h);
	if (!(prefix_ci(h, n, "http://") || prefix_ci(h, n, "https://") ||
	      prefix_ci(h, n, "mailto:")))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f)
			return false;
	return true;
}

/* Decodes the entities of an href and, when it is safe, adds it to r's
 * links. Returns its index, or -1. */
static int add_href(struct rich *r, const char *s, size_t n)
{
	struct buf h = BUF_INIT;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t len = s[i] == '&' ? parse_entity(s + i, n - i, &cp) : 0;
		if (len) {
			put_cp(&h, cp);
			i += len;
		} else {
			i += put_char(&h, s + i, n - i);
		}
	}
	int link = -1;
	if (href_safe(h.ptr)) {
		if (r->nhrefs == r->hrefs_cap) {
			r->hrefs_cap = r->hrefs_cap ? 2 * r->hrefs_cap : 4;
			r->hrefs = xrealloc(r->hrefs, r->hrefs_cap * sizeof(char *));
		}
		r->hrefs[r->nhrefs] = buf_detach(&h, NULL);
		link = (int)r->nhrefs++;
	}
	buf_release(&h);
	return link;
}

static unsigned run_flags(const unsigned depth[3])
{
	return (depth[0] ? R_BOLD : 0) | (depth[1] ? R_ITALIC : 0) | (depth[2] ? R_CODE : 0);
}

static void rich_close_run(struct rich *r, size_t *start, unsigned flags, int link)
{
	size_t end = r->text.len;
	if (end > *start && (flags || link >= 0)) {
		if (r->nruns == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 8;
			r->runs = xrealloc(r->runs, r->cap * sizeof(*r->runs));
		}
		r->runs[r->nruns++] = (struct run){*start, end, flags, link};
	}
	*start = end;
}

/* Parses inline markup s (NULL: "") into r, which must be empty. */
static void rich_parse(struct rich *r, const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s), run_start = 0;
	unsigned depth[3] = {0, 0, 0}; /* open b, i, code */
	int link = -1;
	bool in_link = false;
	for (size_t i = 0; i < n;) {
		if (s[i] == '&') {
			unsigned cp;
			size_t len = parse_entity(s + i, n - i, &cp);
			if (len) {
				put_cp(&r->text, cp);
				i += len;
				continue;
			}
		} else if (s[i] == '<') {
			enum tag tag;
			bool closing;
			const char *href = NULL;
			size_t hlen = 0;
			size_t len = parse_tag(s + i, n - i, &tag, &closing, &href, &hlen);
			unsigned flags = run_flags(depth);
			bool ok = len > 0;
			if (ok && tag == T_BR) {
				buf_putc(&r->text, '\n');
			} else if (ok && tag == T_A) {
				ok = closing == in_link;
				if (ok) {
					rich_close_run(r, &run_start, flags, link);
					in_link = !closing;
					link = -1;
					if (!closing)
						link = add_href(r, href, hlen);
				}
			} else if (ok) {
				unsigned *dp = &depth[tag == T_B ? 0 : tag == T_I ? 1 : 2];
				ok = closing ? *dp > 0 : *dp < MAX_TAG_DEPTH;
				if (ok) {
					rich_close_run(r, &run_start, flags, link);
					if (closing)
						(*dp)--;
					else
						(*dp)++;
				}
			}
			if (ok) {
				i += len;
				continue;
			}
		}
		i += put_char(&r->text, s + i, n - i);
	}
	rich_close_run(r, &run_start, run_flags(depth), link);
}

void pdf_inline_text(struct buf *out, const char *s)
{
	struct rich r = {BUF_INIT, NULL, 0, 0, NULL, 0, 0};
	rich_parse(&r, s);
	buf_put(out, r.text.ptr, r.text.len);
	rich_release(&r);
}

/* ----------------------------------------------------------- typesetter */

/* One laid-out line of a box, in the box's coordinates (points, 0 at the
 * top of its first line). top and bottom split the box's height between its
 * lines, so lines [a, b) take bottom[b-1] - top[a]. */
struct line {
	PangoLayoutLine *pl; /* owned by the box's layouts */
	size_t chunk;
	double top, bottom, baseline, x;
};

/* A text laid out at a width: chunks of the rich text, each a PangoLayout,
 * and all their lines. */
struct box {
	struct rich rich;
	PangoLayout **chunks;
	size_t *chunk_off; /* byte offset of each chunk in rich.text */
	size_t nchunks, chunks_cap;
	struct line *lines;
	size_t nlines, lines_cap;
	double next_gap; /* between the last line and the next chunk's first */
	const struct rgb *color;
};

/* The state of one pass over the document. */
struct ts {
	const struct pdf_doc *doc;
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *pc;
	PangoFontDescription *font[F_N];
	bool draw;      /* false: the counting pass */
	int page;       /* current page, 1-based */
	int npages;     /* known in the drawing pass */
	double y;       /* where the next block may start */
	bool empty;     /* nothing placed on this page yet */
	double after;   /* space owed below the last block */
	int outline[3]; /* outline ids of the last heading of each level; 0: none */
	bool too_long;  /* more than MAX_PAGES pages */
	bool font_lost; /* a run whose font cairo could not make (fonts_ok) */
};

static double box_h(const struct box *b, size_t a, size_t z)
{
	return z > a ? b->lines[z - 1].bottom - b->lines[a].top : 0;
}

/* Where to end the chunk that starts at cs: after the last space within
 * CHUNK bytes; or, inside a word longer than that, WORD_CHUNK bytes on (on a
 * character boundary), because Pango takes time quadratic in the length of
 * a word that it must break between characters. */
static size_t chunk_end(const char *s, size_t n, size_t cs)
{
	if (n - cs <= CHUNK)
		return n;
	for (size_t i = cs + CHUNK; i > cs; i--)
		if (s[i - 1] == ' ' || s[i - 1] == '\n')
			return i;
	size_t lim = cs + WORD_CHUNK;
	while (lim > cs + 1 && ((unsigned char)s[lim] & 0xc0) == 0x80)
		lim--;
	return lim;
}

static void set_color(struct ts *t, const struct rgb *c)
{
	cairo_set_source_rgb(t->cr, c->r, c->g, c->b);
}

/* Whether every run of line has a font that cairo could make. When memory
 * runs short in FreeType or cairo, the font is in an error state and its
 * glyphs are not drawn: a PDF with text missing, and no word of it from
 * pango. Such a PDF is an error (fonts_ok is checked for every line laid
 * out, in both passes). */
static bool fonts_ok(PangoLayoutLine *line)
{
	for (GSList *r = line->runs; r; r = r->next) {
		const PangoGlyphItem *gi = r->data;
		PangoFont *f = gi->item ? gi->item->analysis.font : NULL;
		cairo_scaled_font_t *sf = f ? pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(f)) : NULL;
		if (!sf || cairo_scaled_font_status(sf) != CAIRO_STATUS_SUCCESS)
			return false;
	}
	return true;
}

/* Lays out the chunk [cs, ce) of b's text as b's next layout, its runs
 * starting at b->rich.runs[*run], and adds its lines to b. When more text
 * follows (ce < n), the chunk's last line, which the cut may have made
 * short, is left out: the next chunk starts with its text. Returns where the
 * next chunk starts. */
static size_t box_add_chunk(struct ts *t, struct box *b, const struct style *st, double width,
			    size_t cs, size_t ce, size_t n, size_t *run)
{
	PangoLayout *l = pango_layout_new(t->pc);
	pango_layout_set_font_description(l, t->font[st->font]);
	pango_layout_set_width(l, (int)(fmax(width, 1.0) * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_spacing(l, (int)(st->spacing * PANGO_SCALE));
	pango_layout_set_alignment(l, st->align);
	pango_layout_set_text(l, b->rich.text.ptr + cs, (int)(ce - cs));

	PangoAttrList *al = pango_attr_list_new();
	const struct run *runs = b->rich.runs;
	while (*run < b->rich.nruns && runs[*run].end <= cs)
		(*run)++;
	for (size_t k = *run; k < b->rich.nruns && runs[k].start < ce; k++) {
		guint s = (guint)((runs[k].start > cs ? runs[k].start : cs) - cs);
		guint e = (guint)((runs[k].end < ce ? runs[k].end : ce) - cs);
		PangoAttribute *a[5];
		size_t na = 0;
		if (runs[k].flags & R_BOLD)
			a[na++] = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
		if (runs[k].flags & R_ITALIC)
			a[na++] = pango_attr_style_new(PANGO_STYLE_ITALIC);
		if (runs[k].flags & R_CODE) {
			a[na++] = pango_attr_family_new("DejaVu Sans Mono");
			a[na++] = pango_attr_scale_new(0.9);
		}
		if (runs[k].link >= 0)
			a[na++] = pango_attr_foreground_new((guint16)(C_LINK.r * 65535),
							    (guint16)(C_LINK.g * 65535),
							    (guint16)(C_LINK.b * 65535));
		for (size_t j = 0; j < na; j++) {
			a[j]->start_index = s;
			a[j]->end_index = e;
			pango_attr_list_insert(al, a[j]);
		}
	}
	pango_layout_set_attributes(l, al);
	pango_attr_list_unref(al);

	/* Pango puts no spacing above a layout's first line, half of it below
	 * each line but the last, and none below the last. */
	int sp = (int)(st->spacing * PANGO_SCALE);
	double off = b->nlines ? b->lines[b->nlines - 1].bottom + b->next_gap : 0;
	int nl = pango_layout_get_line_count(l);
	bool drop = ce < n && nl > 1;
	b->next_gap = (double)(drop ? sp - sp / 2 : sp) / PANGO_SCALE;
	size_t next = ce;
	PangoLayoutIter *it = pango_layout_get_iter(l);
	for (int i = 0; i < nl; i++, pango_layout_iter_next_line(it)) {
		if (drop && i == nl - 1) {
			next = cs + (size_t)pango_layout_iter_get_line_readonly(it)->start_index;
			break;
		}
		int y0, y1;
		PangoRectangle lg;
		if (!fonts_ok(pango_layout_iter_get_line_readonly(it)))
			t->font_lost = true;
		pango_layout_iter_get_line_yrange(it, &y0, &y1);
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		if (b->nlines == b->lines_cap) {
			b->lines_cap = b->lines_cap ? 2 * b->lines_cap : 8;
			b->lines = xrealloc(b->lines, b->lines_cap * sizeof(*b->lines));
		}
		b->lines[b->nlines++] = (struct line){
			.pl = pango_layout_iter_get_line_readonly(it),
			.chunk = b->nchunks,
			.top = off + (double)y0 / PANGO_SCALE,
			.bottom = off + (double)y1 / PANGO_SCALE,
			.baseline = off + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE,
			.x = (double)lg.x / PANGO_SCALE,
		};
	}
	pango_layout_iter_free(it);

	if (b->nchunks == b->chunks_cap) {
		b->chunks_cap = b->chunks_cap ? 2 * b->chunks_cap : 1;
		b->chunks = xrealloc(b->chunks, b->chunks_cap * sizeof(*b->chunks));
		b->chunk_off = xrealloc(b->chunk_off, b->chunks_cap * sizeof(*b->chunk_off));
	}
	b->chunks[b->nchunks] = l;
	b->chunk_off[b->nchunks++] = cs;
	return next;
}

/* Lays out markup in style st at width into b (at least one line, even for
 * no text). max_chunks > 0 lays out only the start of a long text, enough to
 * measure its first lines. Free b with box_release. */
static void box_make(struct ts *t, struct box *b, const char *markup, const struct style *st,
		     double width, size_t max_chunks)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->rich.text);
	b->color = st->color;
	rich_parse(&b->rich, markup);
	size_t n = b->rich.text.len, cs = 0, run = 0;
	do {
		size_t ce = chunk_end(b->rich.text.ptr, n, cs);
		cs = box_add_chunk(t, b, st, width, cs, ce, n, &run);
	} while (cs < n && (max_chunks == 0 || b->nchunks < max_chunks));
}

static void box_release(struct box *b)
{
	for (size_t i = 0; i < b->nchunks; i++)
		g_object_unref(b->chunks[i]);
	free(b->chunks);
	free(b->chunk_off);
	free(b->lines);
	rich_release(&b->rich);
	memset(b, 0, sizeof(*b));
}

/* Makes the parts of line l (drawn with its box's left edge at x) that are
 * links clickable. */
static void draw_links(struct ts *t, const struct box *b, const struct line *l, double x,
		       double dy)
{
	const struct rich *r = &b->rich;
	size_t cs = b->chunk_off[l->chunk];
	size_t ls = cs + (size_t)l->pl->start_index, le = ls + (size_t)l->pl->length;
	/* first run ending after the line's start: runs are sorted */
	size_t lo = 0, hi = r->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->runs[mid].end <= ls)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < r->nruns && r->runs[k].start < le; k++) {
		if (r->runs[k].link < 0)
			continue;
		int s = (int)((r->runs[k].start > ls ? r->runs[k].start : ls) - cs);
		int e = (int)((r->runs[k].end < le ? r->runs[k].end : le) - cs);
		int *ranges = NULL, nranges = 0;
		pango_layout_line_get_x_ranges(l->pl, s, e, &ranges, &nranges);
		struct buf attrs = BUF_INIT;
		buf_puts(&attrs, "rect=[");
		for (int i = 0; i < nranges; i++)
			buf_printf(&attrs, "%s%.2f %.2f %.2f %.2f", i ? " " : "",
				   x + (double)ranges[2 * i] / PANGO_SCALE, dy + l->top,
				   (double)(ranges[2 * i + 1] - ranges[2 * i]) / PANGO_SCALE,
				   l->bottom - l->top);
		buf_puts(&attrs, "] uri='");
		for (const char *h = r->hrefs[r->runs[k].link]; *h; h++) {
			if (*h == '\'' || *h == '\\')
				buf_putc(&attrs, '\\');
			buf_putc(&attrs, *h);
		}
		buf_putc(&attrs, '\'');
		if (nranges > 0) {
			cairo_tag_begin(t->cr, CAIRO_TAG_LINK, attrs.ptr);
			cairo_tag_end(t->cr, CAIRO_TAG_LINK);
		}
		buf_release(&attrs);
		g_free(ranges);
	}
}

/* Draws lines [a, z) of b with its left edge at x and line a's top at y. */
static void draw_lines(struct ts *t, const struct box *b, size_t a, size_t z, double x,
		       double y)
{
	if (!t->draw || a >= z)
		return;
	double dy = y - b->lines[a].top;
	set_color(t, b->color);
	for (size_t i = a; i < z; i++) {
		const struct line *l = &b->lines[i];
		cairo_move_to(t->cr, x + l->x, dy + l->baseline);
		pango_cairo_show_layout_line(t->cr, l->pl);
		if (b->rich.nhrefs)
			draw_links(t, b, l, x, dy);
	}
}

static void hline(struct ts *t, double x0, double x1, double y, double w, const struct rgb *c)
{
	if (!t->draw)
		return;
	set_color(t, c);
	cairo_set_line_width(t->cr, w);
	cairo_move_to(t->cr, x0, y);
	cairo_line_to(t->cr, x1, y);
	cairo_stroke(t->cr);
}

/* ---------------------------------------------------------------- pages */

static void page_begin(struct ts *t)
{
	t->page++;
	t->y = BODY_TOP;
	t->empty = true;
	t->after = 0;
	if (t->page > MAX_PAGES)
		t->too_long = true;
	if (!t->draw)
		return;
	struct box h;
	box_make(t, &h, t->doc->header, &S_SMALL, TEXT_W, 1);
	draw_lines(t, &h, 0, 1, MARGIN_X, HEADER_TOP);
	box_release(&h);
	hline(t, MARGIN_X, MARGIN_X + TEXT_W, HEADER_RULE, 0.5, &C_RULE);
}

static void page_end(struct ts *t)
{
	if (!t->draw)
		return;
	char text[64];
	snprintf(text, sizeof(text), "Page %d of %d", t->page, t->npages);
	struct style st = S_SMALL;
	st.align = PANGO_ALIGN_RIGHT;
	struct box f;
	box_make(t, &f, text, &st, TEXT_W, 1);
	draw_lines(t, &f, 0, 1, MARGIN_X, FOOTER_TOP);
	box_release(&f);
	cairo_show_page(t->cr);
}

static void page_break(struct ts *t)
{
	page_end(t);
	page_begin(t);
}

/* The space to leave before a block that wants `before`. */
static double gap(const struct ts *t, double before)
{
	return t->empty ? 0 : fmax(t->after, before);
}

/* Adds a heading's outline entry (bookmark) pointing at y on this page. */
static void add_outline(struct ts *t, const struct box *b, int level, double y)
{
	if (!t->draw)
		return;
	struct buf name = BUF_INIT;
	const char *s = b->rich.text.ptr;
	size_t n = b->rich.text.len;
	if (n > MAX_OUTLINE) {
		n = MAX_OUTLINE;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		buf_putc(&name, s[i] == '\n' ? ' ' : s[i]);
	int parent = 0;
	for (int l = level - 1; l >= 1 && !parent; l--)
		parent = t->outline[l - 1];
	char dest[64];
	snprintf(dest, sizeof(dest), "page=%d pos=[%.2f %.2f]", t->page, MARGIN_X, y);
	t->outline[level - 1] = cairo_pdf_surface_add_outline(
		t->surface, parent, name.ptr, dest, level == 1 ? CAIRO_PDF_OUTLINE_FLAG_OPEN : 0);
	for (int l = level; l < 3; l++)
		t->outline[l] = 0;
	buf_release(&name);
}

/*
 * Places box b with its left edge at x, after a gap of `before`, breaking it
 * across pages between lines: at least two lines at the bottom of a page and
 * two at the top of the next where the box has them, and always at least one
 * line on an empty page. marker (may be NULL) is drawn with its right edge at
 * marker_right on the first line's baseline; outline > 0 adds the box as a
 * heading of that level to the outline.
 */
static void place_box(struct ts *t, const struct box *b, double x, double before, double after,
		      const struct box *marker, double marker_right, int outline)
{
	size_t i = 0, n = b->nlines;
	while (i < n) {
		double g = i == 0 ? gap(t, before) : 0;
		double avail = BODY_BOTTOM - t->y - g;
		size_t k = 0;
		while (i + k < n && box_h(b, i, i + k + 1) <= avail)
			k++;
		if (k < n - i) {
			if (n - i - k == 1 && k > 1)
				k--; /* no single line at the top of the next page */
			if (!t->empty && (k == 0 || (i == 0 && k < 2))) {
				page_break(t);
				continue;
			}
			if (k == 0)
				k = 1;
		}
		double y = t->y + g;
		if (i == 0 && outline)
			add_outline(t, b, outline, y);
		draw_lines(t, b, i, i + k, x, y);
		if (i == 0 && marker && t->draw) {
			const struct line *ml = &marker->lines[0];
			PangoRectangle lg;
			pango_layout_line_get_extents(ml->pl, NULL, &lg);
			double w = (double)lg.width / PANGO_SCALE;
			double base = y + b->lines[0].baseline - b->lines[0].top;
			draw_lines(t, marker, 0, 1, marker_right - w,
				   base - (ml->baseline - ml->top));
		}
		t->y = y + box_h(b, i, i + k);
		t->empty = false;
		i += k;
		if (i < n)
			page_break(t);
	}
	t->after = after;
}

/* ---------------------------------------------------------------- tables */

struct row {
	struct box cells[MAX_COLS];
	size_t cur[MAX_COLS]; /* next line of each cell to place */
};

struct table {
	const struct pdf_table *src;
	double x[MAX_COLS], w[MAX_COLS], width;
	struct style cell[MAX_COLS], head[MAX_COLS];
	struct row header;
	double header_h;
	bool repeat;       /* repeat the header row on later pages */
	bool last;         /* placing the last row: a dark rule closes the table */
	int header_page;   /* page and y below the last repeated header */
	double header_y;
};

static void row_make(struct ts *t, struct table *tb, size_t r, struct row *row, size_t max_chunks)
{
	const struct pdf_table *src = tb->src;
	for (size_t c = 0; c < src->ncols; c++) {
		box_make(t, &row->cells[c], src->cells[r * src->ncols + c],
			 r == 0 ? &tb->head[c] : &tb->cell[c], tb->w[c] - 2 * CELL_PAD_X,
			 max_chunks);
		row->cur[c] = 0;
	}
}

static void row_release(struct table *tb, struct row *row)
{
	for (size_t c = 0; c < tb->src->ncols; c++)
		box_release(&row->cells[c]);
}

/* The height of what is left of row, padding included. */
static double row_rest(const struct table *tb, const struct row *row)
{
	double h = 0;
	for (size_t c = 0; c < tb->src->ncols; c++)
		h = fmax(h, box_h(&row->cells[c], row->cur[c], row->cells[c].nlines));
	return h + 2 * CELL_PAD_Y;
}

/* Draws lines cur..cur+k[c] of each cell of row at t->y and moves down. */
static void row_fragment(struct ts *t, struct table *tb, struct row *row, const size_t *k,
			 bool is_header)
{
	double h = 0;
	for (size_t c = 0; c < tb->src->ncols; c++)
		h = fmax(h, box_h(&row->cells[c], row->cur[c], row->cur[c] + k[c]));
	h += 2 * CELL_PAD_Y;
	if (t->draw && is_header) {
		set_color(t, &C_HEAD_FILL);
		cairo_rectangle(t->cr, tb->x[0], t->y, tb->width, h);
		cairo_fill(t->cr);
	}
	for (size_t c = 0; c < tb->src->ncols; c++) {
		draw_lines(t, &row->cells[c], row->cur[c], row->cur[c] + k[c],
			   tb->x[c] + CELL_PAD_X, t->y + CELL_PAD_Y);
		row->cur[c] += k[c];
	}
	t->y += h;
	t->empty = false;
	bool closing = tb->last && !is_header;
	for (size_t c = 0; closing && c < tb->src->ncols; c++)
		closing = row->cur[c] >= row->cells[c].nlines;
	if (is_header || closing)
		hline(t, tb->x[0], tb->x[0] + tb->width, t->y, 0.8, &C_RULE_DARK);
	else
		hline(t, tb->x[0], tb->x[0] + tb->width, t->y, 0.5, &C_RULE);
}

/* Starts a new page inside a table, with the header row repeated. */
static void table_break(struct ts *t, struct table *tb)
{
	page_break(t);
	if (!tb->repeat)
		return;
	size_t k[MAX_COLS];
	for (size_t c = 0; c < tb->src->ncols; c++) {
		tb->header.cur[c] = 0;
		k[c] = tb->header.cells[c].nlines;
	}
	row_fragment(t, tb, &tb->header, k, true);
	tb->header_page = t->page;
	tb->header_y = t->y;
}

/* Places row (the header row when is_header), whole when it fits on a page,
 * else in fragments of lines. */
static void place_row(struct ts *t, struct table *tb, struct row *row, bool is_header)
{
	size_t ncols = tb->src->ncols;
	double room = BODY_H - (tb->repeat ? tb->header_h : 0);
	for (;;) {
		bool fresh = t->empty || (t->page == tb->header_page && t->y == tb->header_y);
		double avail = BODY_BOTTOM - t->y - 2 * CELL_PAD_Y;
		double rest = row_rest(tb, row);
		size_t k[MAX_COLS];
		bool done = true, any = false;
		if (rest - 2 * CELL_PAD_Y <= avail) {
			for (size_t c = 0; c < ncols; c++)
				k[c] = row->cells[c].nlines - row->cur[c];
			row_fragment(t, tb, row, k, is_header);
			return;
		}
		if (!fresh && rest <= room) {
			table_break(t, tb);
			continue;
		}
		for (size_t c = 0; c < ncols; c++) {
			const struct box *b = &row->cells[c];
			k[c] = 0;
			while (row->cur[c] + k[c] < b->nlines &&
			       box_h(b, row->cur[c], row->cur[c] + k[c] + 1) <= avail)
				k[c]++;
			any |= k[c] > 0;
		}
		if (!any) {
			if (!fresh) {
				table_break(t, tb);
				continue;
			}
			for (size_t c = 0; c < ncols; c++)
				k[c] = row->cur[c] < row->cells[c].nlines;
		}
		row_fragment(t, tb, row, k, is_header);
		for (size_t c = 0; c < ncols; c++)
			done &= row->cur[c] >= row->cells[c].nlines;
		if (done || t->too_long)
			return;
		table_break(t, tb);
	}
}

static void table_setup(struct table *tb, const struct pdf_table *src)
{
	memset(tb, 0, sizeof(*tb));
	tb->src = src;
	tb->header_page = -1;
	double sum = 0;
	bool ok = src->widths != NULL;
	for (size_t c = 0; ok && c < src->ncols; c++) {
		ok = isfinite(src->widths[c]) && src->widths[c] > 0;
		sum += ok ? src->widths[c] : 0;
	}
	ok = ok && isfinite(sum) && sum > 0;
	double x = MARGIN_X;
	const char *align = src->align ? src->align : "";
	tb->width = TEXT_W;
	for (size_t c = 0; c < src->ncols; c++) {
		tb->w[c] = TEXT_W * (ok ? src->widths[c] / sum : 1.0 / (double)src->ncols);
		tb->x[c] = x;
		x += tb->w[c];
		char a = *align ? *align++ : 'l'; /* a short string: the rest are left */
		PangoAlignment pa = a == 'r' ? PANGO_ALIGN_RIGHT
				    : a == 'c' ? PANGO_ALIGN_CENTER
					       : PANGO_ALIGN_LEFT;
		tb->cell[c] = (struct style){F_CELL, 2.2, &C_TEXT, pa};
		tb->head[c] = (struct style){F_CELL_HEAD, 2.2, &C_TEXT, pa};
	}
}

/* The height the start of a table needs at the foot of a page: its header
 * row and up to KEEP_ROWS rows, or the first two lines of a long first row. */
#define KEEP_ROWS 3
static double table_start_h(struct ts *t, const struct pdf_table *src)
{
	struct table tb;
	table_setup(&tb, src);
	double h = 0;
	for (size_t r = 0; r <= KEEP_ROWS && r < src->nrows; r++) {
		struct row row;
		row_make(t, &tb, r, &row, 1);
		double whole = 0, two = 0; /* the row; its first two lines */
		for (size_t c = 0; c < src->ncols; c++) {
			const struct box *b = &row.cells[c];
			whole = fmax(whole, box_h(b, 0, b->nlines));
			two = fmax(two, box_h(b, 0, b->nlines < 2 ? b->nlines : 2));
		}
		row_release(&tb, &row);
		if (h + whole + 2 * CELL_PAD_Y > BODY_H / 2) {
			if (r <= 1)
				h += two + 2 * CELL_PAD_Y;
			break;
		}
		h += whole + 2 * CELL_PAD_Y;
	}
	return h;
}

static void place_table(struct ts *t, const struct pdf_table *src)
{
	if (src->nrows == 0)
		return;
	struct table tb;
	table_setup(&tb, src);
	row_make(t, &tb, 0, &tb.header, 0);
	tb.header_h = row_rest(&tb, &tb.header);
	tb.repeat = src->nrows > 1 && tb.header_h <= BODY_H / 4;

	double g = gap(t, TABLE_BEFORE);
	double need = fmin(table_start_h(t, src), BODY_H);
	if (!t->empty && t->y + g + need > BODY_BOTTOM)
		page_break(t);
	else
		t->y += g;
	bool repeat = tb.repeat;
	tb.repeat = false; /* the first header row is placed like any row */
	place_row(t, &tb, &tb.header, true);
	tb.repeat = repeat;
	for (size_t r = 1; r < src->nrows && !t->too_long; r++) {
		struct row row;
		tb.last = r == src->nrows - 1;
		row_make(t, &tb, r, &row, 0);
		place_row(t, &tb, &row, false);
		row_release(&tb, &row);
	}
	row_release(&tb, &tb.header);
	t->after = TABLE_AFTER;
}

/* ---------------------------------------------------------------- blocks */

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The indentation of a list item's (or indented paragraph's) text. */
static double indent(int level)
{
	return clamp(level, 0, MAX_DEPTH) * INDENT;
}

/* The height that must fit below a heading for it to stay on this page:
 * the gap and the first lines of the next block (blocks[j]). */
static double next_start_h(struct ts *t, size_t j, double after)
{
	if (j >= t->doc->nblocks)
		return 0;
	const struct pdf_block *b = &t->doc->blocks[j];
	struct box box;
	double h = 0;
	switch (b->kind) {
	case PDF_HEADING: {
		int lv = clamp(b->level, 1, 3);
		box_make(t, &box, b->text, &S_HEADING[lv - 1], TEXT_W, 1);
		h = fmax(after, heading_before[lv - 1]) + fmin(box_h(&box, 0, box.nlines), BODY_H / 4) +
		    heading_after[lv - 1] + 2 * 14.0;
		box_release(&box);
		break;
	}
	case PDF_PARAGRAPH:
	case PDF_ITEM:
		box_make(t, &box, b->text, &S_BODY, TEXT_W - indent(b->level), 1);
		/* place_box's rules: two lines at the foot of the page, and
		 * two at the top of the next, so all of a text of three */
		h = fmax(after, b->kind == PDF_ITEM ? ITEM_BEFORE : PARA_BEFORE) +
		    box_h(&box, 0, box.nlines <= 3 ? box.nlines : 2);
		box_release(&box);
		break;
	case PDF_TABLE:
		h = fmax(after, TABLE_BEFORE) + table_start_h(t, &b->table);
		break;
	case PDF_RULE:
	case PDF_PAGEBREAK:
		break;
	}
	return h;
}

static void place_heading(struct ts *t, size_t i)
{
	const struct pdf_block *b = &t->doc->blocks[i];
	int lv = clamp(b->level, 1, 3);
	struct box box;
	box_make(t, &box, b->text, &S_HEADING[lv - 1], TEXT_W, 0);
	double g = gap(t, heading_before[lv - 1]);
	double need = box_h(&box, 0, box.nlines) + next_start_h(t, i + 1, heading_after[lv - 1]);
	if (!t->empty && t->y + g + need > BODY_BOTTOM && need <= BODY_H)
		page_break(t);
	place_box(t, &box, MARGIN_X, heading_before[lv - 1], heading_after[lv - 1], NULL, 0, lv);
	box_release(&box);
}

static void place_text(struct ts *t, const struct pdf_block *b)
{
	bool item = b->kind == PDF_ITEM;
	int level = clamp(b->level, item ? 1 : 0, MAX_DEPTH);
	double x = MARGIN_X + indent(level);
	struct box box, marker;
	box_make(t, &box, b->text, &S_BODY, TEXT_W - indent(level), 0);
	if (item) {
		static const char *const bullets[] = {"\u2022", "\u2013", "\u25e6"};
		char num[32];
		snprintf(num, sizeof(num), "%d.", b->number);
		struct style st = S_BODY;
		if (!b->ordered)
			st.color = &C_MUTED;
		box_make(t, &marker, b->ordered ? num : bullets[(level - 1) % 3], &st, INDENT * 3,
			 1);
	}
	place_box(t, &box, x, item ? ITEM_BEFORE : PARA_BEFORE, item ? ITEM_AFTER : PARA_AFTER,
		  item ? &marker : NULL, x - MARKER_GAP, 0);
	if (item)
		box_release(&marker);
	box_release(&box);
}

static void typeset(struct ts *t)
{
	t->page = 0;
	t->too_long = false;
	memset(t->outline, 0, sizeof(t->outline));
	page_begin(t);
	bool pending_break = false; /* so that a final page break adds no page */
	for (size_t i = 0; i < t->doc->nblocks && !t->too_long; i++) {
		const struct pdf_block *b = &t->doc->blocks[i];
		if (pending_break && b->kind != PDF_PAGEBREAK) {
			if (!t->empty)
				page_break(t);
			pending_break = false;
		}
		switch (b->kind) {
		case PDF_HEADING:
			place_heading(t, i);
			break;
		case PDF_PARAGRAPH:
		case PDF_ITEM:
			place_text(t, b);
			break;
		case PDF_TABLE:
			place_table(t, &b->table);
			break;
		case PDF_RULE:
			if (t->empty)
				break;
			t->y += gap(t, RULE_SPACE);
			if (t->y > BODY_BOTTOM) {
				page_break(t);
				break;
			}
			hline(t, MARGIN_X, MARGIN_X + TEXT_W, t->y, 0.6, &C_RULE);
			t->after = RULE_SPACE;
			break;
		case PDF_PAGEBREAK:
			pending_break = true;
			break;
		}
	}
	page_end(t);
}

/* --------------------------------------------------------------- driver */

/* True for "YYYY-MM-DDTHH:MM:SS" and "Z", "+HH:MM" or "-HH:MM". */
static bool date_ok(const char *s)
{
	struct date dt;
	int mins;
	size_t n = strlen(s);
	if (n < 20 || !date_parse(s, 10, &dt) || s[10] != 'T' || !time_parse(s + 11, 5, &mins) ||
	    s[16] != ':' || s[17] < '0' || s[17] > '5' || s[18] < '0' || s[18] > '9')
		return false;
	if (n == 20)
		return s[19] == 'Z';
	return n == 25 && (s[19] == '+' || s[19] == '-') && time_parse(s + 20, 5, &mins);
}

/* Checks what the typesetter cannot make sense of; reports E026. */
static bool doc_ok(const struct pdf_doc *doc, struct diag *d)
{
	struct pos none = {NULL, 0, 0};
	if (!doc->date || !date_ok(doc->date)) {
		diag_error(d, none, "E026",
			   "pdf: date '%s' is not of the form 2007-04-30T00:00:00Z",
			   doc->date ? doc->date : "");
		return false;
	}
	for (size_t i = 0; i < doc->nblocks; i++) {
		const struct pdf_block *b = &doc->blocks[i];
		if ((unsigned)b->kind > PDF_PAGEBREAK) {
			diag_error(d, none, "E026", "pdf: block %zu has an unknown kind %d", i + 1,
				   (int)b->kind);
			return false;
		}
		if (b->kind != PDF_TABLE)
			continue;
		const struct pdf_table *tb = &b->table;
		if (tb->ncols == 0 || tb->ncols > MAX_COLS) {
			diag_error(d, none, "E026",
				   "pdf: table in block %zu has %zu columns (1 to %d allowed)", i + 1,
				   tb->ncols, MAX_COLS);
			return false;
		}
		if (tb->nrows > 0 && !tb->cells) {
			diag_error(d, none, "E026", "pdf: table in block %zu has no cells", i + 1);
			return false;
		}
	}
	return true;
}

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	buf_put(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Sets a metadata field to plain text s (skipped when NULL). */
static void set_meta(cairo_surface_t *s, cairo_pdf_metadata_t key, const char *v)
{
	if (!v)
		return;
	struct buf b = BUF_INIT;
	put_plain(&b, v);
	cairo_pdf_surface_set_metadata(s, key, b.ptr);
	buf_release(&b);
}

/* Pango, fontconfig and harfbuzz share caches between font maps that
 * ThreadSanitizer shows being written from two threads at once (found when
 * the build began rendering pages on every core): one PDF at a time. PDFs
 * are few and cached, so this costs little. */
static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

static int pdf_render_locked(const struct pdf_doc *doc, struct buf *out, struct diag *d);

/*
 * Font maps not finalized yet. Pango hands a new font map's fontconfig
 * start-up ("[pango] FcInit") and its font matching to threads of its own,
 * which hold references to the map, so our g_object_unref may not be the
 * last: the map is finalized (its patterns, fontsets and cairo faces let
 * go) by whichever thread drops the last reference, maybe after the build
 * has ended. FcFini must come after that, or it finds fontconfig's caches
 * still referenced and asserts (an abort at exit, exit status 134, seen
 * when a build failed right after typesetting a PDF). Each map carries a
 * datum whose destroy notify runs at the end of its finalize.
 */
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t maps_gone = PTHREAD_COND_INITIALIZER;
static int maps_alive;

static void font_map_finalized(gpointer data)
{
	(void)data;
	pthread_mutex_lock(&maps_lock);
	maps_alive--;
	pthread_cond_broadcast(&maps_gone);
	pthread_mutex_unlock(&maps_lock);
}

/* A new pango font map, counted in maps_alive until it is finalized. */
static PangoFontMap *font_map_new(void)
{
	PangoFontMap *map = pango_cairo_font_map_new();
	pthread_mutex_lock(&maps_lock);
	maps_alive++;
	pthread_mutex_unlock(&maps_lock);
	g_object_set_data_full(G_OBJECT(map), "plansite-alive", &maps_alive, font_map_finalized);
	return map;
}

/*
 * Pango's warnings. Pango says what went wrong on its own log ("failed to
 * create cairo scaled font, expect ugly output", a font it could not
 * choose, as when memory ran short in fontconfig) and goes on with boxes
 * for glyphs or another font: a PDF that is not the one asked for, made
 * with exit status 0. Each warning during a PDF fails that PDF (E026, with
 * the warning's text). The log writer is the process's (pango's own
 * threads may log too, hence the lock); it passes every other message on
 * to GLib's default writer.
 */
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static char pango_warning[256]; /* the first since pango_warning_take */
static pthread_once_t warn_once = PTHREAD_ONCE_INIT;

static GLogWriterOutput on_log(GLogLevelFlags level, const GLogField *fields, gsize n,
			       gpointer data)
{
	const char *domain = NULL, *msg = NULL;
	for (gsize i = 0; i < n; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
			msg = fields[i].value;
	}
	if (domain && strcmp(domain, "Pango") == 0 &&
	    (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))) {
		pthread_mutex_lock(&warn_lock);
		if (!pango_warning[0])
			snprintf(pango_warning, sizeof(pango_warning), "%s", msg ? msg : "a warning");
		pthread_mutex_unlock(&warn_lock);
		return G_LOG_WRITER_HANDLED; /* it becomes the PDF's E026 */
	}
	return g_log_writer_default(level, fields, n, data);
}

/* Pango logs through GLib's structured logging (g_log_structured), which
 * g_log_set_handler does not see: the process's log writer, set once. */
static void warn_handler_set(void)
{
	g_log_set_writer_func(on_log, NULL, NULL);
}

/* Copies the first warning since the last call into w (empty: none) and
 * forgets it. */
static void pango_warning_take(char *w, size_t n)
{
	pthread_mutex_lock(&warn_lock);
	snprintf(w, n, "%s", pango_warning);
	pango_warning[0] = '\0';
	pthread_mutex_unlock(&warn_lock);
}

int pdf_render(const struct pdf_doc *doc, struct buf *out, struct diag *d)
{
	pthread_once(&warn_once, warn_handler_set);
	pthread_mutex_lock(&pdf_lock);
	char w[256];
	size_t had = out->len;
	pango_warning_take(w, sizeof(w)); /* one from before this PDF is not its */
	int rc = pdf_render_locked(doc, out, d);
	pango_warning_take(w, sizeof(w));
	if (rc == 0 && w[0]) {
		diag_error(d, (struct pos){NULL, 0, 0}, "E026", "pdf: pango: %s", w);
		buf_truncate(out, had);
		rc = -1;
	}
	pthread_mutex_unlock(&pdf_lock);
	return rc;
}

static int pdf_render_locked(const struct pdf_doc *doc, struct buf *out, struct diag *d)
{
	int rc = -1;
	struct buf pdf = BUF_INIT;
	struct ts t;
	PangoFontMap *fontmap = NULL;
	cairo_font_options_t *fo = NULL;
	struct pos none = {NULL, 0, 0};

	memset(&t, 0, sizeof(t));
	t.doc = doc;
	if (!doc_ok(doc, d))
		goto out;

	t.surface = cairo_pdf_surface_create_for_stream(write_cb, &pdf, PAGE_W, PAGE_H);
	set_meta(t.surface, CAIRO_PDF_METADATA_TITLE, doc->title);
	set_meta(t.surface, CAIRO_PDF_METADATA_AUTHOR, doc->author);
	set_meta(t.surface, CAIRO_PDF_METADATA_SUBJECT, doc->subject);
	set_meta(t.surface, CAIRO_PDF_METADATA_CREATOR, "plansite " PLANSITE_VERSION);
	set_meta(t.surface, CAIRO_PDF_METADATA_CREATE_DATE, doc->date);
	set_meta(t.surface, CAIRO_PDF_METADATA_MOD_DATE, doc->date);
	t.cr = cairo_create(t.surface);

	/* Our own font map, so that nothing is shared with other threads and
	 * everything is freed below. Points are user units (72 dpi); no
	 * hinting, so that measures do not depend on a device. */
	fontmap = font_map_new();
	t.pc = pango_font_map_create_context(fontmap);
	pango_cairo_update_context(t.cr, t.pc);
	pango_cairo_context_set_resolution(t.pc, 72.0);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(t.pc, fo);
	pango_context_set_round_glyph_positions(t.pc, FALSE);
	for (int f = 0; f < F_N; f++) {
		t.font[f] = pango_font_description_new();
		pango_font_description_set_family(t.font[f], font_specs[f].family);
		pango_font_description_set_size(t.font[f],
						(gint)(font_specs[f].size * PANGO_SCALE));
		if (font_specs[f].bold)
			pango_font_description_set_weight(t.font[f], PANGO_WEIGHT_BOLD);
	}

	t.draw = false;
	typeset(&t);
	if (t.too_long) {
		diag_error(d, none, "E026", "pdf: the document runs to more than %d pages",
			   MAX_PAGES);
		goto out;
	}
	t.npages = t.page;
	t.draw = true;
	typeset(&t);
	if (t.font_lost) {
		diag_error(d, none, "E026",
			   "pdf: a font could not be made (out of memory in FreeType or cairo?): "
			   "its text would be missing");
		goto out;
	}

	/* a drawing error (a bad link tag) stops the context, not the surface */
	cairo_status_t st = cairo_status(t.cr);
	cairo_destroy(t.cr);
	t.cr = NULL;
	cairo_surface_finish(t.surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(t.surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		diag_error(d, none, "E026", "pdf: cairo failed: %s", cairo_status_to_string(st));
		goto out;
	}
	buf_put(out, pdf.ptr, pdf.len);
	rc = 0;
out:
	for (int f = 0; f < F_N; f++)
		if (t.font[f])
			pango_font_description_free(t.font[f]);
	if (fo)
		cairo_font_options_destroy(fo);
	if (t.pc)
		g_object_unref(t.pc);
	if (fontmap)
		g_object_unref(fontmap);
	if (t.cr)
		cairo_destroy(t.cr);
	if (t.surface)
		cairo_surface_destroy(t.surface);
	buf_release(&pdf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

uint64_t pdf_environment(void)
{
	struct buf b = BUF_INIT;
	pthread_mutex_lock(&pdf_lock);
	buf_printf(&b, "cairo %s\npango %s\nfontconfig %d\n", cairo_version_string(),
		   pango_version_string(), FcGetVersion());
	FcConfig *cfg = FcConfigGetCurrent(); /* loads the configuration when needed */
	FcFontSet *sets[2] = {cfg ? FcConfigGetFonts(cfg, FcSetSystem) : NULL,
			      cfg ? FcConfigGetFonts(cfg, FcSetApplication) : NULL};
	char **lines = NULL;
	size_t n = 0, cap = 0;
	for (int k = 0; k < 2; k++) {
		for (int i = 0; sets[k] && i < sets[k]->nfont; i++) {
			FcChar8 *file = NULL;
			int index = 0;
			if (FcPatternGetString(sets[k]->fonts[i], FC_FILE, 0, &file) != FcResultMatch)
				continue;
			FcPatternGetInteger(sets[k]->fonts[i], FC_INDEX, 0, &index);
			struct stat st;
			struct buf l = BUF_INIT;
			if (stat((const char *)file, &st) == 0)
				buf_printf(&l, "font %s %d %lld %lld.%09ld\n", (const char *)file, index,
					   (long long)st.st_size, (long long)st.st_mtim.tv_sec,
					   st.st_mtim.tv_nsec);
			else
				buf_printf(&l, "font %s %d gone\n", (const char *)file, index);
			GROW_FROM(lines, n, cap, 256);
			lines[n++] = buf_detach(&l, NULL);
		}
	}
	pthread_mutex_unlock(&pdf_lock);
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, lines[i]);
		free(lines[i]);
	}
	free(lines);
	uint64_t h = hash64(b.ptr, b.len, 0x666f6e7473ull);
	buf_release(&b);
	return h;
}

void pdf_shutdown(void)
{
	/* Every font map finalized first (see maps_alive); should pango's
	 * threads hold one for more than 10 s, fontconfig is left as it is
	 * (a leak at exit rather than an abort). Not
	 * cairo_debug_reset_static_data: its caches are reachable (no leak to
	 * LeakSanitizer or valgrind), and it asserts that no font face is
	 * alive. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&maps_lock);
	int rc = 0;
	while (maps_alive > 0 && rc == 0)
		rc = pthread_cond_timedwait(&maps_gone, &maps_lock, &until);
	bool gone = maps_alive == 0;
	pthread_mutex_unlock(&maps_lock);
	if (gone)
		FcFini();
}
