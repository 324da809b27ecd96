/*
 * markdown_html.c: a parsed body as HTML for a page, links into the site
 * resolved for it (markdown_render); the same rendered ahead, from the
 * scan's parse, with holes for those links (md_prepare, markdown_fill);
 * short texts (markdown_inline).
 */
#include "markdown_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ render */

/* The body as a given audience sees it: fence lines and the lines of fences
 * it may not see become blank lines (so line numbers stay the file's). */
void md_body_for(const struct doc *doc, enum visibility audience, struct buf *out)
{
	struct line l;
	uint32_t lineno = doc->body_line;
	size_t f = 0;
	for (size_t off = 0; md_next_line(doc->body, doc->body_len, off, &l); off = l.next, lineno++) {
		while (f < doc->nfences && doc->fences[f].close_line < lineno)
			f++;
		bool blank = false;
		if (f < doc->nfences && lineno >= doc->fences[f].open_line) {
			const struct fence *fe = &doc->fences[f];
			if (lineno == fe->open_line || lineno == fe->close_line || fe->vis > audience)
				blank = true;
		}
		if (blank)
			buf_putc(out, '\n');
		else
			buf_put(out, doc->body + off, l.next - off);
	}
}

void markdown_audience_body(const struct doc *doc, enum visibility audience, struct buf *out)
{
	md_body_for(doc, audience, out);
}

bool md_is_type(cmark_node *n, const char *name)
{
	const char *t = cmark_node_get_type_string(n);
	return t && strcmp(t, name) == 0;
}

static void put_text(struct html *h, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	escape_html(h->out, s, n);
	if (h->r->text)
		buf_put(h->r->text, s, n);
}

/* Resolves a link for this page into h->href; false when it is dropped. */
bool md_resolve_href(struct html *h, const char *url)
{
	const char *frag = NULL;
	buf_truncate(&h->href, 0);
	enum link_kind kind = link_classify(h->from_path, url, &h->path, &frag);
	switch (kind) {
	case LINK_EXTERNAL:
	case LINK_OTHER:
		escape_href(&h->href, url);
		return true;
	case LINK_DOC:
	case LINK_DATA:
	case LINK_ANCHOR: {
		struct buf raw = BUF_INIT;
		bool ok = h->r->link && h->r->link(h->r->ctx, kind, kind == LINK_ANCHOR ? NULL : h->path.ptr,
						    frag, &raw);
		if (ok)
			escape_href(&h->href, raw.ptr);
		buf_release(&raw);
		return ok;
	}
	default:
		return false; /* unsafe schemes; files and paths outside the site */
	}
}

/* The rest of an <a> tag after its href: the title, and '>'. */
static void link_tail(struct buf *o, cmark_node *n)
{
	const char *title = cmark_node_get_title(n);
	if (title && *title) {
		buf_puts(o, " title=\"");
		escape_html(o, title, strlen(title));
		buf_putc(o, '"');
	}
	buf_putc(o, '>');
}

/* While preparing, a link into the site becomes a hole: sets *link to its
 * index and returns true. Other links are written as ever. */
static bool prep_link(struct html *h, const char *url, size_t *link)
{
	struct prep *p = h->prep;
	if (!p || !url)
		return false;
	const char *frag = NULL;
	enum link_kind kind = link_classify(h->from_path, url, &h->path, &frag);
	if (kind != LINK_DOC && kind != LINK_DATA && kind != LINK_ANCHOR)
		return false;
	GROW_FROM(p->links, p->nlinks, p->caplinks, 8);
	struct plink *l = &p->links[p->nlinks];
	l->kind = kind;
	l->path = kind == LINK_ANCHOR ? NULL : arena_strndup(p->a, h->path.ptr, h->path.len);
	l->frag = frag ? arena_strdup(p->a, frag) : NULL;
	*link = p->nlinks++;
	return true;
}

static void prep_hole(struct html *h, enum hole_kind kind, size_t link, const struct buf *tail)
{
	struct prep *p = h->prep;
	GROW_FROM(p->holes, p->nholes, p->capholes, 16);
	p->holes[p->nholes++] = (struct hole){h->out->len, kind, link,
					       tail ? arena_strndup(p->a, tail->ptr, tail->len) : NULL};
}

static const char *heading_id(struct html *h, const char *text, size_t n)
{
	buf_truncate(&h->slug, 0);
	markdown_slug(&h->slug, text, n);
	return md_ids_take(&h->ids, h->slug.ptr, h->slug.len);
}

static void cr(struct buf *b)
{
	if (b->len && b->ptr[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

/* Renders the tree under root (iteratively: nesting depth cannot exhaust
 * the C stack). */
void md_render_tree(struct html *h, cmark_node *root)
{
	struct buf *o = h->out;
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		bool in = ev == CMARK_EVENT_ENTER;
		cmark_node_type t = cmark_node_get_type(n);
		cmark_node *parent = cmark_node_parent(n);
		switch (t) {
		case CMARK_NODE_DOCUMENT:
			break;
		case CMARK_NODE_BLOCK_QUOTE:
			cr(o);
			buf_puts(o, in ? "<blockquote>\n" : "</blockquote>\n");
			break;
		case CMARK_NODE_LIST: {
			bool ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
			cr(o);
			if (!in) {
				buf_puts(o, ordered ? "</ol>\n" : "</ul>\n");
			} else if (ordered && cmark_node_get_list_start(n) != 1) {
				buf_printf(o, "<ol start=\"%d\">\n", cmark_node_get_list_start(n));
			} else {
				buf_puts(o, ordered ? "<ol>\n" : "<ul>\n");
			}
			break;
		}
		case CMARK_NODE_ITEM:
			if (!in) {
				buf_puts(o, "</li>\n");
			} else if (md_is_type(n, "tasklist")) {
				bool done = cmark_gfm_extensions_get_tasklist_item_checked(n);
				cr(o);
				buf_puts(o, done ? "<li class=\"task done\"><span class=\"task-mark\" "
						   "aria-hidden=\"true\">&#x2611;</span><span "
						   "class=\"visually-hidden\">Done: </span>"
						 : "<li class=\"task\"><span class=\"task-mark\" "
						   "aria-hidden=\"true\">&#x2610;</span><span "
						   "class=\"visually-hidden\">To do: </span>");
			} else {
				cr(o);
				buf_puts(o, "<li>");
			}
			break;
		case CMARK_NODE_CODE_BLOCK: {
			const char *info = cmark_node_get_fence_info(n);
			cr(o);
			buf_puts(o, "<pre><code");
			if (info && *info) {
				size_t len = strcspn(info, " \t");
				buf_puts(o, " class=\"language-");
				escape_html(o, info, len);
				buf_putc(o, '"');
			}
			buf_putc(o, '>');
			put_text(h, cmark_node_get_literal(n));
			buf_puts(o, "</code></pre>\n");
			break;
		}
		case CMARK_NODE_HTML_BLOCK: {
			const char *lit = cmark_node_get_literal(n);
			cr(o);
			if (h->r->unsafe_html) {
				buf_puts(o, lit ? lit : "");
			} else {
				size_t len = lit ? strlen(lit) : 0;
				while (len && (lit[len - 1] == '\n' || lit[len - 1] == '\r'))
					len--;
				buf_puts(o, "<p class=\"raw-html\">");
				escape_html(o, lit ? lit : "", len);
				buf_puts(o, "</p>\n");
			}
			break;
		}
		case CMARK_NODE_PARAGRAPH: {
			cmark_node *gp = parent ? cmark_node_parent(parent) : NULL;
			bool tight = parent && cmark_node_get_type(parent) == CMARK_NODE_ITEM && gp &&
				     cmark_node_get_list_tight(gp);
			if (tight)
				break;
			if (in) {
				cr(o);
				buf_puts(o, "<p>");
			} else {
				buf_puts(o, "</p>\n");
			}
			if (h->r->text)
				buf_putc(h->r->text, '\n');
			break;
		}
		case CMARK_NODE_HEADING: {
			int level = cmark_node_get_heading_level(n);
			if (in) {
				buf_truncate(&h->text, 0);
				md_plain_text(n, &h->text);
				const char *id = heading_id(h, h->text.ptr, h->text.len);
				cr(o);
				buf_puts(o, "<h");
				buf_putc(o, (char)('0' + level)); /* 1 to 6 */
				buf_puts(o, " id=\"");
				escape_html(o, id, strlen(id));
				buf_puts(o, "\">");
			} else {
				buf_puts(o, "</h");
				buf_putc(o, (char)('0' + level));
				buf_puts(o, ">\n");
				if (h->r->text)
					buf_putc(h->r->text, '\n');
			}
			break;
		}
		case CMARK_NODE_THEMATIC_BREAK:
			cr(o);
			buf_puts(o, "<hr>\n");
			break;
		case CMARK_NODE_TEXT:
			put_text(h, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
			buf_putc(o, '\n');
			if (h->r->text)
				buf_putc(h->r->text, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			buf_puts(o, "<br>\n");
			if (h->r->text)
				buf_putc(h->r->text, ' ');
			break;
		case CMARK_NODE_CODE:
			buf_puts(o, "<code>");
			put_text(h, cmark_node_get_literal(n));
			buf_puts(o, "</code>");
			break;
		case CMARK_NODE_HTML_INLINE:
			if (h->r->unsafe_html)
				buf_puts(o, cmark_node_get_literal(n));
			else
				put_text(h, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_EMPH:
			buf_puts(o, in ? "<em>" : "</em>");
			break;
		case CMARK_NODE_STRONG:
			buf_puts(o, in ? "<strong>" : "</strong>");
			break;
		case CMARK_NODE_LINK: {
			/* A dropped link keeps its text: remember on entry whether the
			 * <a> was opened, in the node's user data (1; a hole: its
			 * link's index + 2). */
			if (in) {
				size_t link;
				if (prep_link(h, cmark_node_get_url(n), &link)) {
					struct buf tail = BUF_INIT;
					link_tail(&tail, n);
					prep_hole(h, HOLE_OPEN, link, &tail);
					buf_release(&tail);
					cmark_node_set_user_data(n, (void *)(uintptr_t)(link + 2));
					break;
				}
				bool ok = md_resolve_href(h, cmark_node_get_url(n));
				cmark_node_set_user_data(n, ok ? (void *)1 : NULL);
				if (ok) {
					buf_puts(o, "<a href=\"");
					buf_put(o, h->href.ptr, h->href.len);
					buf_putc(o, '"');
					link_tail(o, n);
				}
			} else if ((uintptr_t)cmark_node_get_user_data(n) == 1) {
				buf_puts(o, "</a>");
			} else if (cmark_node_get_user_data(n)) {
				prep_hole(h, HOLE_CLOSE, (uintptr_t)cmark_node_get_user_data(n) - 2, NULL);
			}
			break;
		}
		case CMARK_NODE_IMAGE: {
			/* Written whole on entry: alt is the plain text of the children. */
			buf_truncate(&h->text, 0);
			md_plain_text(n, &h->text);
			size_t link;
			if (prep_link(h, cmark_node_get_url(n), &link)) {
				struct buf alt = BUF_INIT;
				escape_html(&alt, h->text.ptr, h->text.len);
				prep_hole(h, HOLE_IMAGE, link, &alt);
				buf_release(&alt);
			} else if (md_resolve_href(h, cmark_node_get_url(n))) {
				buf_puts(o, "<img src=\"");
				buf_put(o, h->href.ptr, h->href.len);
				buf_puts(o, "\" alt=\"");
				escape_html(o, h->text.ptr, h->text.len);
				buf_puts(o, "\">");
			} else {
				escape_html(o, h->text.ptr, h->text.len);
			}
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
			break;
		}
		default:
			if (md_is_type(n, "strikethrough")) {
				buf_puts(o, in ? "<del>" : "</del>");
			} else if (md_is_type(n, "table")) {
				cr(o);
				if (in) {
					h->tables++;
					buf_printf(o, "<div class=\"table-wrap\" role=\"region\" "
						      "tabindex=\"0\" aria-label=\"Table %u\">\n<table>\n",
						   h->tables);
				} else {
					buf_puts(o, "</tbody>\n</table>\n</div>\n");
				}
			} else if (md_is_type(n, "table_header")) {
				cr(o);
				buf_puts(o, in ? "<thead>\n<tr>\n" : "</tr>\n</thead>\n<tbody>\n");
			} else if (md_is_type(n, "table_row")) {
				cr(o);
				buf_puts(o, in ? "<tr>\n" : "</tr>\n");
			} else if (md_is_type(n, "table_cell")) {
				bool head = parent && md_is_type(parent, "table_header");
				if (in) {
					/* column index for the alignment */
					int col = 0;
					for (cmark_node *p = cmark_node_previous(n); p; p = cmark_node_previous(p))
						col++;
					cmark_node *table = parent ? cmark_node_parent(parent) : NULL;
					uint8_t *al = table ? cmark_gfm_extensions_get_table_alignments(table)
							    : NULL;
					int ncols = table ? cmark_gfm_extensions_get_table_columns(table) : 0;
					char a = al && col < ncols ? (char)al[col] : 0;
					buf_puts(o, head ? "<th" : "<td");
					if (head)
						buf_puts(o, " scope=\"col\"");
					if (a == 'l')
						buf_puts(o, " class=\"left\"");
					else if (a == 'c')
						buf_puts(o, " class=\"center\"");
					else if (a == 'r')
						buf_puts(o, " class=\"right\"");
					buf_putc(o, '>');
				} else {
					buf_puts(o, head ? "</th>\n" : "</td>\n");
					if (h->r->text)
						buf_putc(h->r->text, ' ');
				}
			}
			break;
		}
	}
	cmark_iter_free(it);
}

void md_reserve_ids(struct html *h)
{
	md_ids_reserve(&h->ids);
}

void md_html_release(struct html *h)
{
	buf_release(&h->path);
	buf_release(&h->href);
	buf_release(&h->text);
	buf_release(&h->slug);
	md_ids_release(&h->ids);
}

void markdown_render(const struct doc *doc, const struct md_render *r, struct buf *out)
{
	struct buf body = BUF_INIT;
	md_body_for(doc, r->audience, &body);
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_DEFAULT, body.ptr, body.len);
	struct html h = {r, doc->path, out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, MD_IDS_INIT, 0, NULL};
	md_reserve_ids(&h);
	md_render_tree(&h, root);
	md_html_release(&h);
	md_parse_done(&ps);
	buf_release(&body);
}

/* Renders the scanned tree for the audience, links into the site left as
 * holes, when the audience reads the lines the scan read. */
void md_prepare(struct arena *a, struct doc *doc, cmark_node *root, const char *text, size_t len,
		const struct prep_opts *po)
{
	bool same;
	if (doc->nfences == 0) {
		/* what md_body_for would give: the body as it is */
		same = len == doc->body_len && (text == doc->body || memcmp(text, doc->body, len) == 0);
	} else {
		struct buf seen = BUF_INIT;
		md_body_for(doc, po->audience, &seen);
		same = seen.len == len && memcmp(seen.ptr, text, len) == 0;
		buf_release(&seen);
	}
	if (!same)
		return;
	struct md_render r = {po->audience, po->unsafe_html, NULL, NULL, po->text};
	struct prep p = {a, NULL, 0, 0, NULL, 0, 0};
	struct buf out = BUF_INIT;
	struct html h = {&r, doc->path, &out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, MD_IDS_INIT, 0, &p};
	md_reserve_ids(&h);
	md_render_tree(&h, root);
	md_html_release(&h);
	struct md_prepared *mp = arena_alloc(a, sizeof(*mp));
	mp->html = arena_strndup(a, out.ptr, out.len);
	mp->len = out.len;
	mp->nlinks = p.nlinks;
	mp->links = arena_alloc(a, (p.nlinks + 1) * sizeof(*mp->links));
	if (p.nlinks)
		memcpy(mp->links, p.links, p.nlinks * sizeof(*p.links));
	mp->nholes = p.nholes;
	mp->holes = arena_alloc(a, (p.nholes + 1) * sizeof(*mp->holes));
	if (p.nholes)
		memcpy(mp->holes, p.holes, p.nholes * sizeof(*p.holes));
	free(p.links);
	free(p.holes);
	buf_release(&out);
	doc->prepared = mp;
}

void markdown_fill(const struct doc *doc, const struct md_render *r, struct buf *out)
{
	const struct md_prepared *mp = doc->prepared;
	if (!mp) {
		markdown_render(doc, r, out);
		return;
	}
	bool *ok = xcalloc(mp->nlinks + 1, sizeof(*ok));
	struct buf raw = BUF_INIT;
	size_t from = 0;
	buf_grow(out, mp->len + mp->nholes * 64);
	for (size_t i = 0; i < mp->nholes; i++) {
		const struct hole *ho = &mp->holes[i];
		buf_put(out, mp->html + from, ho->at - from);
		from = ho->at;
		const struct plink *l = &mp->links[ho->link];
		if (ho->kind == HOLE_CLOSE) {
			if (ok[ho->link])
				buf_puts(out, "</a>");
			continue;
		}
		buf_truncate(&raw, 0);
		ok[ho->link] = r->link && r->link(r->ctx, l->kind, l->path, l->frag, &raw);
		if (ho->kind == HOLE_OPEN) {
			if (ok[ho->link]) {
				buf_puts(out, "<a href=\"");
				escape_href(out, raw.ptr);
				buf_putc(out, '"');
				buf_puts(out, ho->tail);
			}
		} else if (ok[ho->link]) {
			buf_puts(out, "<img src=\"");
			escape_href(out, raw.ptr);
			buf_puts(out, "\" alt=\"");
			buf_puts(out, ho->tail);
			buf_puts(out, "\">");
		} else {
			buf_puts(out, ho->tail);
		}
	}
	buf_put(out, mp->html + from, mp->len - from);
	buf_release(&raw);
	free(ok);
}

bool md_plain_inline(const char *s, size_t n)
{
	/* a letter first: no list, heading, quote, code block or break */
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) ||
	    s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c >= 0x80)
			continue;
		switch (c) {
		case ' ':
		case ',':
		case ';':
		case '(':
		case ')':
		case '?':
		case '\'':
		case '-':
		case '/':
			continue;
		case '.':
			/* "www." starts an autolink (GFM) */
			if (i >= 3 && (s[i - 1] | 0x20) == 'w' && (s[i - 2] | 0x20) == 'w' &&
			    (s[i - 3] | 0x20) == 'w')
				return false;
			continue;
		default:
			return false;
		}
	}
	return utf8_check(s, n) == n;
}

void markdown_inline(const char *from_path, const char *s, size_t n, const struct md_render *r,
		     struct buf *out)
{
	/* Most decisions and actions are plain sentences: their HTML is their
	 * text, escaped, without a parse (test_markdown checks the two agree). */
	if (md_plain_inline(s, n)) {
		escape_html(out, s, n);
		if (r->text)
			buf_put(r->text, s, n);
		return;
	}
	md_inline_parsed(from_path, s, n, r, out);
}

void md_inline_parsed(const char *from_path, const char *s, size_t n, const struct md_render *r,
		      struct buf *out)
{
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_DEFAULT, s, n);
	struct html h = {r, from_path, out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, MD_IDS_INIT, 0, NULL};
	/* One paragraph: render its inline children only. Anything else (a
	 * list, a heading) is rendered as blocks. */
	cmark_node *first = cmark_node_first_child(root);
	if (first && !cmark_node_next(first) && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
		for (cmark_node *c = cmark_node_first_child(first); c; c = cmark_node_next(c))
			md_render_tree(&h, c);
	} else {
		md_render_tree(&h, root);
	}
	md_html_release(&h);
	md_parse_done(&ps);
}

