/*
 * markdown_int.h: what the three files around cmark-gfm share (markdown.c:
 * fences, parsing, scanning; markdown_html.c: HTML and prepared bodies;
 * markdown_pdf.c: blocks for the PDF). Only they include it, and cmark-gfm.
 */
#ifndef MARKDOWN_INT_H
#define MARKDOWN_INT_H

#include "plansite.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

/* A line of a body. */
struct line {
	const char *s;
	size_t len; /* without the line break */
	size_t next; /* offset of the next line in the body */
};

bool md_next_line(const char *body, size_t n, size_t off, struct line *l);

/* One parse: the parser, its tree, and where their memory comes from. */
struct parse {
	cmark_parser *p;
	cmark_node *root;
	bool bump;
};

/* Parses [s, s+n) with the table, task list, strikethrough and autolink
 * extensions; free with md_parse_done. */
cmark_node *md_parse_text(struct parse *ps, int options, const char *s, size_t n);
void md_parse_done(struct parse *ps);
/* Appends the plain text of a node's inline content. */
void md_plain_text(cmark_node *node, struct buf *b);
bool md_is_type(cmark_node *n, const char *name);
/* Ids the page around a body already uses (the skip link's target): a
 * heading may not take them, in markdown_scan or in markdown_render. */
extern const char *const md_reserved_ids[];
extern const size_t md_nreserved_ids;

/* What markdown_scan_prepare asks of the scan. */
struct prep_opts {
	enum visibility audience;
	bool unsafe_html;
	struct buf *text;
};

/* Renders the scanned tree root of doc (text, len: what was parsed) into
 * doc->prepared when the audience reads the same lines. */
void md_prepare(struct arena *a, struct doc *doc, cmark_node *root, const char *text, size_t len,
		const struct prep_opts *po);

/* The body as a given audience sees it (fence lines and unseen fences
 * blank). */
void md_body_for(const struct doc *doc, enum visibility audience, struct buf *out);

/* A link into the site whose href waits for the page (a prepared body). */
struct plink {
	enum link_kind kind;
	const char *path; /* NULL for an anchor */
	const char *frag;
};

enum hole_kind { HOLE_OPEN, HOLE_CLOSE, HOLE_IMAGE };

/* A place in the prepared HTML where a link's markup goes: the <a ...>
 * (tail: its title attribute and the '>'), the </a>, or an image (tail:
 * its escaped alt text). */
struct hole {
	size_t at;
	enum hole_kind kind;
	size_t link;
	const char *tail;
};

struct md_prepared {
	const char *html;
	size_t len;
	struct plink *links;
	size_t nlinks;
	struct hole *holes;
	size_t nholes;
};

/* While preparing: what the holes and links are made in. */
struct prep {
	struct arena *a;
	struct plink *links;
	size_t nlinks, caplinks;
	struct hole *holes;
	size_t nholes, capholes;
};

/*
 * Heading ids, unique in a page as GitHub makes them ("a", "a-1", "a-2"),
 * each in constant time: the ids given, and for each slug the suffix to
 * try next (every smaller one is taken, as ids are never given back).
 * Zeroed (MD_IDS_INIT) it is empty; md_ids_reserve adds the ids the page
 * around a body uses.
 */
struct md_ids {
	struct arena a; /* the ids' text */
	struct idmap used, next;
};
#define MD_IDS_INIT {ARENA_INIT, {0}, {0}}
void md_ids_reserve(struct md_ids *ids);
/* A unique id for the slug [s, s+n) ("section" when empty); it lives as
 * long as ids. */
const char *md_ids_take(struct md_ids *ids, const char *s, size_t n);
void md_ids_release(struct md_ids *ids);

struct html {
	const struct md_render *r;
	const char *from_path;
	struct buf *out;
	struct buf path, href, text, slug;
	struct md_ids ids; /* heading ids used so far */
	unsigned tables;
	struct prep *prep; /* preparing: links into the site become holes */
};

/* Resolves a link for this page into h->href; false when it is dropped. */
bool md_resolve_href(struct html *h, const char *url);
void md_reserve_ids(struct html *h);
void md_render_tree(struct html *h, cmark_node *root);
void md_html_release(struct html *h);

/* Whether s renders, inline, as itself escaped: one line of words and
 * plain punctuation that no Markdown or GFM rule acts on (markdown_inline
 * then skips the parse). */
bool md_plain_inline(const char *s, size_t n);
/* markdown_inline by parsing, always. */
void md_inline_parsed(const char *from_path, const char *s, size_t n, const struct md_render *r,
		      struct buf *out);

#endif
