/*
 * markdown_pdf.c: a parsed body as pdf.c's blocks (markdown_pdf), and short
 * texts as its inline markup (markdown_inline_pdf).
 */
#include "markdown_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ to PDF */

/*
 * The PDF typesetter (pdf.c) takes a flat list of blocks whose text is a
 * small inline markup (<b>, <i>, <code>, <br>, <a href>). This walks the
 * same tree as the HTML renderer and builds those blocks.
 */
struct pdfw {
	struct arena *a;
	const struct md_render *r;
	const char *from_path;
	struct pdf_block *v;
	size_t n, cap;
	struct buf text;  /* the inline markup of the block being built */
	struct buf path, href;
	int depth;        /* list nesting */
	int numbers[16];  /* next number of each open ordered list, 0 for bullets */
	bool first_para;  /* the next paragraph is the first of a list item */
	/* the table being built */
	const char **cells;
	size_t ncells, capcells, ncols;
	char align[32];
	bool in_table;
};

static struct pdf_block *pdf_push(struct pdfw *w, enum pdf_kind kind)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		struct pdf_block *nv = arena_alloc(w->a, w->cap * sizeof(*nv));
		if (w->n)
			memcpy(nv, w->v, w->n * sizeof(*nv));
		w->v = nv;
	}
	struct pdf_block *b = &w->v[w->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	return b;
}

static const char *pdf_take(struct pdfw *w)
{
	const char *s = arena_strndup(w->a, w->text.ptr, w->text.len);
	buf_truncate(&w->text, 0);
	return s;
}

static void pdf_esc(struct buf *b, const char *s)
{
	if (s)
		escape_html(b, s, strlen(s));
}

/* Ends a paragraph: a list item's first paragraph is the item itself. */
static void pdf_paragraph(struct pdfw *w)
{
	if (w->in_table)
		return;
	struct pdf_block *b;
	if (w->first_para && w->depth > 0) {
		b = pdf_push(w, PDF_ITEM);
		b->level = w->depth;
		int d = w->depth < 16 ? w->depth - 1 : 15;
		if (w->numbers[d]) {
			b->ordered = true;
			b->number = w->numbers[d]++;
		}
		w->first_para = false;
	} else {
		b = pdf_push(w, PDF_PARAGRAPH);
		b->level = w->depth;
	}
	b->text = pdf_take(w);
}

static void pdf_cell(struct pdfw *w, const char *cell)
{
	GROW_FROM(w->cells, w->ncells, w->capcells, 64);
	w->cells[w->ncells++] = cell;
}

static void pdf_tree(struct pdfw *w, cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		bool in = ev == CMARK_EVENT_ENTER;
		cmark_node_type t = cmark_node_get_type(n);
		struct buf *o = &w->text;
		switch (t) {
		case CMARK_NODE_LIST: {
			if (in) {
				int d = w->depth < 16 ? w->depth : 15;
				w->numbers[d] = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST
							? cmark_node_get_list_start(n)
							: 0;
				w->depth++;
			} else {
				w->depth--;
			}
			break;
		}
		case CMARK_NODE_ITEM:
			if (in) {
				w->first_para = true;
				if (md_is_type(n, "tasklist"))
					buf_puts(o, cmark_gfm_extensions_get_tasklist_item_checked(n)
							    ? "\u2611 "
							    : "\u2610 ");
			} else if (w->first_para) {
				pdf_paragraph(w); /* an empty item */
			}
			break;
		case CMARK_NODE_PARAGRAPH:
			if (!in)
				pdf_paragraph(w);
			break;
		case CMARK_NODE_HEADING:
			if (!in) {
				struct pdf_block *b = pdf_push(w, PDF_HEADING);
				int level = cmark_node_get_heading_level(n);
				b->level = level < 2 ? 2 : level > 3 ? 3 : level;
				b->text = pdf_take(w);
			}
			break;
		case CMARK_NODE_CODE_BLOCK: {
			const char *lit = cmark_node_get_literal(n);
			buf_puts(o, "<code>");
			for (const char *c = lit ? lit : ""; *c; c++) {
				if (*c == '\n') {
					if (c[1])
						buf_puts(o, "<br>");
				} else {
					char ch[2] = {*c, 0};
					pdf_esc(o, ch);
				}
			}
			buf_puts(o, "</code>");
			pdf_paragraph(w);
			break;
		}
		case CMARK_NODE_HTML_BLOCK:
			pdf_esc(o, cmark_node_get_literal(n));
			pdf_paragraph(w);
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			pdf_push(w, PDF_RULE);
			break;
		case CMARK_NODE_TEXT:
		case CMARK_NODE_HTML_INLINE:
			pdf_esc(o, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_CODE:
			buf_puts(o, "<code>");
			pdf_esc(o, cmark_node_get_literal(n));
			buf_puts(o, "</code>");
			break;
		case CMARK_NODE_SOFTBREAK:
			buf_putc(o, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			buf_puts(o, "<br>");
			break;
		case CMARK_NODE_EMPH:
			buf_puts(o, in ? "<i>" : "</i>");
			break;
		case CMARK_NODE_STRONG:
			buf_puts(o, in ? "<b>" : "</b>");
			break;
		case CMARK_NODE_LINK: {
			if (in) {
				struct html h = {w->r, w->from_path, NULL, BUF_INIT, BUF_INIT,
						 BUF_INIT, BUF_INIT, MD_IDS_INIT, 0, NULL};
				bool ok = md_resolve_href(&h, cmark_node_get_url(n));
				cmark_node_set_user_data(n, ok ? (void *)1 : NULL);
				if (ok) {
					buf_puts(o, "<a href=\"");
					buf_put(o, h.href.ptr, h.href.len);
					buf_puts(o, "\">");
				}
				md_html_release(&h);
			} else if (cmark_node_get_user_data(n)) {
				buf_puts(o, "</a>");
			}
			break;
		}
		case CMARK_NODE_IMAGE: {
			struct buf alt = BUF_INIT;
			md_plain_text(n, &alt);
			pdf_esc(o, alt.ptr);
			buf_release(&alt);
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
			break;
		}
		default:
			if (md_is_type(n, "table")) {
				if (in) {
					w->in_table = true;
					w->ncells = 0;
					w->ncols = cmark_gfm_extensions_get_table_columns(n);
					uint8_t *al = cmark_gfm_extensions_get_table_alignments(n);
					for (size_t k = 0; k < w->ncols && k < sizeof(w->align); k++)
						w->align[k] = al && al[k] ? (char)al[k] : 'l';
				} else {
					w->in_table = false;
					if (w->ncols == 0 || w->ncols > 24 || w->ncells == 0)
						break;
					struct pdf_block *b = pdf_push(w, PDF_TABLE);
					b->table.ncols = w->ncols;
					b->table.nrows = w->ncells / w->ncols;
					const char **cells = arena_alloc(w->a, w->ncells * sizeof(*cells));
					memcpy(cells, w->cells, w->ncells * sizeof(*cells));
					b->table.cells = cells;
					b->table.align = arena_strndup(w->a, w->align, w->ncols);
				}
			} else if (md_is_type(n, "table_cell")) {
				if (!in)
					pdf_cell(w, pdf_take(w));
			} else if (md_is_type(n, "table_row") || md_is_type(n, "table_header")) {
				/* pad a short row so the grid stays whole */
				while (!in && w->ncols && w->ncells % w->ncols)
					pdf_cell(w, "");
			}
			break;
		}
	}
	cmark_iter_free(it);
}

/* The blocks of the tree root, in a. Release w with pdfw_release. */
static void pdfw_run(struct pdfw *w, struct arena *a, const struct md_render *r,
		     const char *from_path, cmark_node *root)
{
	memset(w, 0, sizeof(*w));
	w->a = a;
	w->r = r;
	w->from_path = from_path;
	buf_init(&w->text);
	buf_init(&w->path);
	buf_init(&w->href);
	pdf_tree(w, root);
}

static void pdfw_release(struct pdfw *w)
{
	free(w->cells);
	buf_release(&w->text);
	buf_release(&w->path);
	buf_release(&w->href);
}

const char *markdown_inline_pdf(struct arena *a, const char *from_path, const char *s, size_t n,
				const struct md_render *r)
{
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_DEFAULT, s, n);
	struct pdfw w;
	pdfw_run(&w, a, r, from_path, root);
	/* the blocks' markup, one after another: a short text is one */
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < w.n; i++) {
		if (!w.v[i].text)
			continue;
		if (out.len)
			buf_putc(&out, ' ');
		buf_puts(&out, w.v[i].text);
	}
	const char *markup = arena_strndup(a, out.ptr, out.len);
	buf_release(&out);
	pdfw_release(&w);
	md_parse_done(&ps);
	return markup;
}

struct pdf_block *markdown_pdf(struct arena *a, const struct doc *doc, const struct md_render *r,
			       size_t *n)
{
	struct buf body = BUF_INIT;
	md_body_for(doc, r->audience, &body);
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_DEFAULT, body.ptr, body.len);
	struct pdfw w;
	pdfw_run(&w, a, r, doc->path, root);
	pdfw_release(&w);
	md_parse_done(&ps);
	buf_release(&body);
	*n = w.n;
	return w.v;
}
