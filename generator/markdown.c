/*
 * markdown.c: with markdown_html.c and markdown_pdf.c, the only files that
 * include cmark-gfm. Finds a body's visibility fences, parses it (tables,
 * task lists, strikethrough, autolinks) and records its links and headings
 * with file positions.
 *
 * Bodies come with LF line endings only (text_newlines). Where the fences
 * are is decided by cmark's parse of the whole body; their lines are then
 * blanked and the body parsed again, so cmark's line numbers plus the
 * front matter's are the file's lines.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "markdown_int.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ lines */


bool md_next_line(const char *body, size_t n, size_t off, struct line *l)
{
	if (off >= n)
		return false;
	const char *nl = memchr(body + off, '\n', n - off);
	size_t end = nl ? (size_t)(nl - body) : n;
	l->s = body + off;
	l->len = end - off;
	l->next = nl ? end + 1 : n;
	return true;
}

/* ----------------------------------------------------------- fences */

/*
 * Where the fences are is cmark's decision, not a second scanner's: a fence
 * is an HTML block at the top level of the body that is exactly one line,
 * "<!-- visibility: WORD -->" or "<!-- /visibility -->". Any other HTML
 * comment whose first word is, or nearly is, 'visibility' (any case, an
 * edit or two, invisible characters, split by a space or punctuation),
 * wherever it stands (in a list item, a quote, a table, a paragraph,
 * another HTML block, after a no-break space), is an error: it looks like
 * a fence but hides nothing. Code is code: a fence in a code block or span
 * is its literal text.
 */

/* The body's lines: where each begins, for positions without rescanning. */
struct lines {
	size_t *at; /* at[i]: offset of body line i + 1; at[n] = the length */
	size_t n;
};

static void lines_index(struct lines *ls, const char *s, size_t n)
{
	size_t cap = 64;
	ls->at = xmalloc(cap * sizeof(*ls->at));
	ls->n = 0;
	size_t off = 0;
	while (off < n) {
		if (ls->n + 2 > cap) {
			cap *= 2;
			ls->at = xrealloc(ls->at, cap * sizeof(*ls->at));
		}
		ls->at[ls->n++] = off;
		const char *nl = memchr(s + off, '\n', n - off);
		off = nl ? (size_t)(nl - s) + 1 : n;
	}
	ls->at[ls->n] = n;
}

/* Body line k (1-based, as cmark counts) without its line break. */
static struct line line_of(const struct lines *ls, const char *s, uint32_t k)
{
	struct line l = {s, 0, 0};
	if (k < 1 || k > ls->n)
		return l;
	l.s = s + ls->at[k - 1];
	l.len = ls->at[k] - ls->at[k - 1];
	if (l.len && l.s[l.len - 1] == '\n')
		l.len--;
	l.next = ls->at[k];
	return l;
}

static size_t skip_spaces(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

enum fence_line { FENCE_OPEN, FENCE_CLOSE, FENCE_BAD };

/*
 * Classifies a top-level HTML block's one line l whose comment starts
 * with a word near 'visibility': "<!-- visibility: X -->" opens (X in
 * *word), "<!-- /visibility -->" closes, anything else is FENCE_BAD.
 */
static enum fence_line fence_kind(const struct line *l, const char **word, size_t *wlen)
{
	size_t i = skip_spaces(l->s, 0, l->len);
	size_t end = l->len;
	while (end > i && (l->s[end - 1] == ' ' || l->s[end - 1] == '\t'))
		end--;
	if (end - i < 7 || memcmp(l->s + i, "<!--", 4) != 0 || memcmp(l->s + end - 3, "-->", 3) != 0)
		return FENCE_BAD;
	size_t p = skip_spaces(l->s, i + 4, end - 3);
	size_t q = end - 3;
	while (q > p && (l->s[q - 1] == ' ' || l->s[q - 1] == '\t'))
		q--;
	const char *in = l->s + p;
	size_t inlen = q - p;
	if (inlen == 11 && memcmp(in, "/visibility", 11) == 0)
		return FENCE_CLOSE;
	if (inlen > 11 && memcmp(in, "visibility:", 11) == 0) {
		size_t w = skip_spaces(in, 11, inlen);
		*word = in + w;
		*wlen = inlen - w;
		if (*wlen && !memchr(*word, ' ', *wlen) && !memchr(*word, '\t', *wlen) &&
		    !memchr(*word, '-', *wlen))
			return FENCE_OPEN;
	}
	return FENCE_BAD;
}

/* What finding the fences keeps. */
struct fences {
	struct arena *a;
	struct doc *doc;
	struct diag *d;
	const struct lines *ls;
	struct fence *v;
	size_t n, cap;
	bool open;
	unsigned nested; /* fences opened inside the open one */
	struct fence cur;
	size_t open_col;
	uint32_t cut;   /* file line from which a stray fence hides the rest; 0: none */
	bool any;       /* a fence line or a stray one: the text to parse differs */
};

static struct pos line_pos(const struct doc *doc, uint32_t line, size_t col0)
{
	struct pos p = {doc->path, line, (uint32_t)col0 + 1};
	return p;
}

static void fence_push(struct fences *fs, struct fence f)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 4;
		struct fence *nf = arena_alloc(fs->a, fs->cap * sizeof(*nf));
		if (fs->n)
			memcpy(nf, fs->v, fs->n * sizeof(*nf));
		fs->v = nf;
	}
	fs->v[fs->n++] = f;
}

/* The fence line at file line lineno (col0: where its "<!--" is). */
static void fence_line(struct fences *fs, const struct line *l, uint32_t lineno, size_t col0)
{
	struct doc *doc = fs->doc;
	struct diag *d = fs->d;
	const char *word = NULL;
	size_t wlen = 0;
	bool quiet = false; /* already reported */
	struct pos pos = line_pos(doc, lineno, col0);
	enum fence_line kind = fence_kind(l, &word, &wlen);
	fs->any = true;
	if (kind == FENCE_BAD) {
		diag_error(d, pos, "E022",
			   "comments that start with 'visibility' (or 'confidential', 'practices') "
			   "are fences, and this one is malformed; write '<!-- visibility: practices "
			   "-->' or '<!-- /visibility -->' on a line of its own");
		/* Read it as what it most likely meant, narrowing when unsure:
		 * a line with '/' closes, anything else opens a confidential
		 * part. A misspelt fence must never publish what it hid. */
		if (memchr(l->s, '/', l->len) && (fs->open || fs->nested)) {
			kind = FENCE_CLOSE;
		} else {
			kind = FENCE_OPEN;
			word = "confidential";
			wlen = 12;
			quiet = true;
		}
	}
	if (kind == FENCE_CLOSE) {
		if (fs->nested) {
			fs->nested--;
			return;
		}
		if (!fs->open) {
			if (!fs->cut) /* after a stray one it is no news */
				diag_error(d, pos, "E022",
					   "'<!-- /visibility -->' closes no fence; remove it or add "
					   "'<!-- visibility: ... -->' above");
			return;
		}
		fs->cur.close_line = lineno;
		fence_push(fs, fs->cur);
		fs->open = false;
		return;
	}
	/* FENCE_OPEN */
	char vis_word[16] = "";
	snprintf(vis_word, sizeof(vis_word), "%.*s", (int)(wlen < 15 ? wlen : 15), word);
	enum visibility vis;
	if (fs->open) {
		if (!quiet)
			diag_error(d, pos, "E022",
				   "nested visibility fence: the fence opened at line %u is still "
				   "open; close it with '<!-- /visibility -->' first",
				   (unsigned)fs->cur.open_line);
		/* Its closing line belongs to it; the outer fence goes on, and
		 * is at least as narrow as the nested one. */
		fs->nested++;
		if (quiet)
			fs->cur.vis = VIS_CONFIDENTIAL;
		else if (visibility_parse(vis_word, &vis) && vis > fs->cur.vis)
			fs->cur.vis = vis;
		return;
	}
	if (quiet) {
		vis = VIS_CONFIDENTIAL;
	} else if (wlen >= 15 || !visibility_parse(vis_word, &vis)) {
		static const char *const names[] = {"public", "practices", "confidential"};
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "unknown visibility '%.*s' in fence; use practices or confidential",
			   (int)wlen, word);
		diag_suggest(&msg, vis_word, names, 3);
		diag_error(d, pos, "E022", "%s", msg.ptr);
		buf_release(&msg);
		vis = VIS_CONFIDENTIAL; /* never widen what cannot be read */
	} else if (vis < doc->vis) {
		diag_error(d, pos, "E022",
			   "fence '%s' is wider than its %s document: a fence may only narrow "
			   "visibility",
			   visibility_name(vis), visibility_name(doc->vis));
		vis = doc->vis;
	}
	fs->open = true;
	fs->open_col = col0;
	fs->cur.open_line = lineno;
	fs->cur.close_line = 0;
	fs->cur.vis = vis;
}

/* Where "<!--" is on line l (the first from byte from), as a byte offset. */
static size_t comment_at(const struct line *l, size_t from)
{
	for (size_t i = from; i + 4 <= l->len; i++)
		if (l->s[i] == '<' && memcmp(l->s + i, "<!--", 4) == 0)
			return i;
	return from < l->len ? from : 0;
}

/* Body line k holds a stray fence, its "<!--" at byte *from or after
 * (moved past it): where it is, for its E022. The rest of the body is
 * hidden from its line on, from every audience but the narrowest, so
 * nothing it meant to hide is published. */
static struct pos stray_at(struct fences *fs, uint32_t k, size_t *from)
{
	struct line l = line_of(fs->ls, fs->doc->body, k);
	size_t at = comment_at(&l, *from);
	*from = at + 4;
	uint32_t lineno = fs->doc->body_line + k - 1;
	if (!fs->cut || lineno < fs->cut)
		fs->cut = lineno;
	fs->any = true;
	return line_pos(fs->doc, lineno, utf8_count(l.s, at));
}

/* Each comment in a literal (a node's text, which began at body line
 * first) whose first word is near 'visibility' but that is not a fence. */
static void stray_fences(struct fences *fs, const char *lit, uint32_t first)
{
	size_t n = strlen(lit);
	uint32_t k = first;
	size_t from = 0; /* where on the source line the search goes on */
	for (size_t i = 0; i + 4 <= n; i++) {
		if (lit[i] == '\n') {
			k++;
			from = 0;
			continue;
		}
		if (lit[i] != '<' || memcmp(lit + i, "<!--", 4) != 0 ||
		    !visibility_comment_near(lit + i + 4, n - i - 4))
			continue;
		diag_error(fs->d, stray_at(fs, k, &from), "E022",
			   "comments that start with 'visibility' (or 'confidential', 'practices') "
			   "are fences, and a fence must be a line of its own at the top level of "
			   "the body, not inside a list, a quote, a table, a paragraph or other HTML; "
			   "move it to a line of its own, or reword the comment");
	}
}

/* The first line of a code block's literal lit (whose first line is body
 * line first) that is a comment near a fence's after spaces or tabs, as a
 * body line, or 0; *after: the body line after lit's last. */
static uint32_t fence_in_code(const char *lit, uint32_t first, uint32_t *after)
{
	uint32_t k = first, at = 0;
	for (const char *l = lit; *l; k++) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		size_t i = 0;
		while (i < len && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (!at && len - i >= 4 && memcmp(l + i, "<!--", 4) == 0 &&
		    visibility_comment_near(l + i + 4, len - i - 4))
			at = k;
		if (!nl)
			break;
		l = nl + 1;
	}
	*after = k;
	return at;
}

/*
 * Code is code, but a fence in a code block is an error in two cases, at
 * the first such line, which hides the rest:
 *   - an indented code block (four spaces or a tab): a fence indented by
 *     mistake would publish as code what it meant to hide (the text
 *     between two such lines is not even code); a page that shows a fence
 *     as code uses a fenced code block (```);
 *   - a fenced code block that is never closed runs to the end of what
 *     holds it, and a fence line after its opening is then code. One that
 *     is closed may show fences (a page about writing them). Whether it
 *     was closed: the line after its text holds the closing run (cmark-gfm
 *     0.29 gives no reliable end line).
 */
static void fence_as_code(struct fences *fs, cmark_node *node)
{
	int flen = 0, foff = 0;
	char fch = 0;
	const char *lit = cmark_node_get_literal(node);
	if (!lit)
		return;
	bool fenced = cmark_node_get_fenced(node, &flen, &foff, &fch);
	if (fenced && flen < 3)
		return;
	uint32_t first = (uint32_t)cmark_node_get_start_line(node), after;
	/* a fenced block's text begins on the line after its opening */
	uint32_t at = fence_in_code(lit, fenced ? first + 1 : first, &after);
	if (!at)
		return;
	size_t from = 0;
	if (!fenced) {
		diag_error(fs->d, stray_at(fs, at, &from), "E022",
			   "this fence is indented by four spaces or a tab, which makes it a code "
			   "block, published as it is; start the fence at the beginning of its line "
			   "(to show a fence as code, put it in a ``` code block)");
		return;
	}
	struct line close = line_of(fs->ls, fs->doc->body, after);
	size_t i = 0, run = 0;
	while (i < close.len && close.s[i] == ' ')
		i++;
	while (i < close.len && close.s[i] == fch)
		i++, run++;
	if (run >= (size_t)flen)
		return; /* closed */
	diag_error(fs->d, stray_at(fs, at, &from), "E022",
		   "this fence is inside the code block opened at line %u, which is not closed, "
		   "so it would be published as code; close the code block above it",
		   (unsigned)(fs->doc->body_line + first - 1));
}

/* The paragraph node is in (node itself, or an inline of it), when cmark
 * gave that paragraph no position: cmark-gfm 0.29's table extension, when
 * a table's header row ends a paragraph, splits the lines before it off
 * into a new paragraph with no position (0), counts its inlines' lines from
 * 0, and gives the table the paragraph's first line. NULL otherwise. */
static cmark_node *split_paragraph(cmark_node *node)
{
	for (cmark_node *n = node; n; n = cmark_node_parent(n)) {
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_PARAGRAPH)
			return cmark_node_get_start_line(n) == 0 ? n : NULL;
		if (((unsigned)t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK)
			return NULL;
	}
	return NULL;
}

/* The body lines [*first, *last] a node is on, as near as cmark tells. For
 * a node of a split paragraph (split_paragraph), the table's lines, which
 * hold the paragraph's too: the first is the table's first plus the line
 * cmark counted in the paragraph, at most the table's last (a reference
 * definition taken out of the paragraph can put it a line or two early;
 * never outside the block, so never in another fence's lines). Else a node
 * cmark gives no line (0: the text nodes the autolink extension makes
 * around a link it finds) takes the lines of the nearest node above it
 * that has one, else line 1. *last is 0 when cmark gives no end. */
static void node_lines(cmark_node *node, uint32_t *first, uint32_t *last)
{
	cmark_node *para = split_paragraph(node);
	cmark_node *table = para ? cmark_node_next(para) : NULL;
	int tf = table ? cmark_node_get_start_line(table) : 0;
	int tl = table ? cmark_node_get_end_line(table) : 0;
	if (tf > 0) {
		int rel = node == para ? 0 : cmark_node_get_start_line(node);
		long f = (long)tf + (rel > 0 ? rel : 0);
		if (tl >= tf && f > tl)
			f = tl;
		*first = (uint32_t)f;
		*last = tl >= tf ? (uint32_t)tl : 0;
		return;
	}
	for (cmark_node *n = para ? cmark_node_parent(para) : node; n; n = cmark_node_parent(n)) {
		int l = cmark_node_get_start_line(n);
		if (l > 0) {
			int e = cmark_node_get_end_line(n);
			*first = (uint32_t)l;
			*last = e >= l ? (uint32_t)e : 0;
			return;
		}
	}
	*first = 1;
	*last = 0;
}

/* The body line a node starts on (node_lines). */
static uint32_t start_line(cmark_node *node)
{
	uint32_t first, last;
	node_lines(node, &first, &last);
	return first;
}

/*
 * Finds the fences of doc's body in root (cmark's parse of the body) and
 * records them in doc->fences. Reports E022. Returns whether the text to
 * parse for the scan differs from the body (a fence line, or a stray one).
 */
static bool find_fences(struct arena *a, struct doc *doc, struct diag *d, cmark_node *root,
			const struct lines *ls)
{
	struct fences fs = {.a = a, .doc = doc, .d = d, .ls = ls};
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (t == CMARK_NODE_CODE_BLOCK) {
			fence_as_code(&fs, node);
			continue;
		}
		if (t != CMARK_NODE_HTML_BLOCK && t != CMARK_NODE_HTML_INLINE && t != CMARK_NODE_TEXT)
			continue;
		const char *lit = cmark_node_get_literal(node);
		if (!lit || !strstr(lit, "<!--"))
			continue;
		uint32_t first = start_line(node);
		if (t == CMARK_NODE_HTML_BLOCK && cmark_node_parent(node) == root) {
			const char *c = lit + strspn(lit, " ");
			/* one line (cmark-gfm 0.29's end line of an HTML block is
			 * not always right: its text says): a fence, or a malformed
			 * one; a comment over several lines is a stray, below */
			const char *nl = strchr(lit, '\n');
			if ((!nl || !nl[1]) && strncmp(c, "<!--", 4) == 0 &&
			    visibility_comment_near(c + 4, strlen(c + 4))) {
				struct line l = line_of(ls, doc->body, first);
				fence_line(&fs, &l, doc->body_line + first - 1, comment_at(&l, 0));
				continue;
			}
		}
		stray_fences(&fs, lit, first);
	}
	cmark_iter_free(it);
	uint32_t end = doc->body_line + (uint32_t)ls->n; /* past the last line */
	if (fs.open) {
		diag_error(d, line_pos(doc, fs.cur.open_line, fs.open_col), "E022",
			   "visibility fence is not closed; add '<!-- /visibility -->' on a line of its "
			   "own where the %s part ends",
			   visibility_name(fs.cur.vis));
		/* Treat the rest of the body as fenced, so nothing leaks. */
		fs.cur.close_line = end;
		fence_push(&fs, fs.cur);
	}
	if (fs.cut) {
		/* A stray fence: from its line on, the body is hidden, as the
		 * narrowest part; the fences after it go with it. */
		size_t keep = 0;
		while (keep < fs.n && fs.v[keep].close_line < fs.cut)
			keep++;
		if (keep < fs.n && fs.v[keep].open_line < fs.cut) {
			/* in a fence: it runs to the end, as narrow as can be */
			fs.v[keep].close_line = end;
			fs.v[keep].vis = VIS_CONFIDENTIAL;
			fs.n = keep + 1;
		} else {
			struct fence rest = {fs.cut, end, VIS_CONFIDENTIAL};
			fs.n = keep;
			fence_push(&fs, rest);
		}
	}
	doc->fences = fs.v;
	doc->nfences = fs.n;
	return fs.any;
}

/* --------------------------------------------------------- cmark */

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

/*
 * Memory. cmark allocates every node, literal and buffer on its own and
 * frees them one by one: a 4 KB body makes thousands of malloc and free
 * calls, a large part of parsing. Instead each parse allocates from a bump
 * arena of its thread and the whole tree is dropped at once: free is a
 * no-op, the arena is reset after the parse, and its memory serves the
 * next parse of that thread. cmark's allocator has no context pointer, so
 * the arena is found through a thread-local variable; a parse started while
 * another is open on the same thread (a link callback rendering Markdown)
 * uses the default allocator.
 */
struct bump_block {
	struct bump_block *next;
	size_t size;
	max_align_t align[];
};

struct bump {
	struct bump_block *blocks; /* the one in use first */
	char *p, *end;
	size_t used;               /* bytes of the blocks before the current one */
	bool busy;
};

#define BUMP_HDR 16 /* each allocation's size, before it: for realloc */
#define BUMP_BLOCK ((size_t)256 * 1024)
#define BUMP_KEEP ((size_t)8 * 1024 * 1024) /* at most this much is kept between parses */

static _Thread_local struct bump *tl_bump;
static pthread_key_t bump_key;

static void bump_free_blocks(struct bump_block *b)
{
	while (b) {
		struct bump_block *next = b->next;
		free(b);
		b = next;
	}
}

/* At the exit of a thread (not the main one, whose arena lives to the end). */
static void bump_destroy(void *arg)
{
	struct bump *b = arg;
	bump_free_blocks(b->blocks);
	free(b);
}

static void bump_block_new(struct bump *b, size_t need)
{
	size_t size = need + sizeof(struct bump_block) > BUMP_BLOCK
			      ? need + sizeof(struct bump_block)
			      : BUMP_BLOCK;
	if (b->blocks)
		b->used += (size_t)(b->p - (char *)b->blocks->align);
	struct bump_block *blk = xmalloc(size);
	blk->size = size;
	blk->next = b->blocks;
	b->blocks = blk;
	b->p = (char *)blk->align;
	b->end = (char *)blk + size;
}

static void *bump_alloc(size_t n)
{
	struct bump *b = tl_bump;
	size_t need = BUMP_HDR + ((n + 15) & ~(size_t)15);
	if (need < n || (size_t)(b->end - b->p) < need) {
		if (need < n)
			die("out of memory");
		bump_block_new(b, need);
	}
	char *q = b->p;
	b->p += need;
	memcpy(q, &n, sizeof(n));
	return q + BUMP_HDR;
}

static void *bump_calloc(size_t k, size_t n)
{
	if (n && k > SIZE_MAX / n)
		die("out of memory");
	void *p = bump_alloc(k * n);
	memset(p, 0, k * n);
	return p;
}

static void *bump_realloc(void *old, size_t n)
{
	if (!old)
		return bump_alloc(n);
	struct bump *b = tl_bump;
	char *q = (char *)old - BUMP_HDR;
	size_t had;
	memcpy(&had, q, sizeof(had));
	size_t want = (n + 15) & ~(size_t)15;
	/* The last allocation grows (or shrinks) in place when it can. */
	if ((char *)old + ((had + 15) & ~(size_t)15) == b->p && want >= n &&
	    (size_t)(b->end - (char *)old) >= want) {
		b->p = (char *)old + want;
		memcpy(q, &n, sizeof(n));
		return old;
	}
	if (n <= had)
		return old;
	void *p = bump_alloc(n);
	memcpy(p, old, had);
	return p;
}

static void bump_nofree(void *p)
{
	(void)p;
}

static cmark_mem bump_mem = {bump_calloc, bump_realloc, bump_nofree};

/* Starts a parse in the thread's arena; false when it is taken. */
static bool bump_begin(void)
{
	if (!tl_bump) {
		tl_bump = xcalloc(1, sizeof(*tl_bump));
		pthread_setspecific(bump_key, tl_bump);
	}
	if (tl_bump->busy)
		return false;
	tl_bump->busy = true;
	return true;
}

/* Drops everything the parse allocated. A parse that needed more than one
 * block leaves one block big enough for it all (up to BUMP_KEEP). */
static void bump_end(void)
{
	struct bump *b = tl_bump;
	b->busy = false;
	if (b->blocks && b->blocks->next) {
		size_t total = b->used + (size_t)(b->p - (char *)b->blocks->align);
		bump_free_blocks(b->blocks);
		b->blocks = NULL;
		b->p = b->end = NULL; /* nothing is left to allocate from */
		b->used = 0;
		if (total > BUMP_KEEP)
			return;
		bump_block_new(b, total);
	}
	if (b->blocks) {
		if (b->blocks->size > BUMP_KEEP) {
			bump_free_blocks(b->blocks);
			b->blocks = NULL;
			b->p = b->end = NULL;
			return;
		}
		b->p = (char *)b->blocks->align;
	}
}

/*
 * Parsing on many threads. cmark-gfm 0.29 keeps the characters that start
 * inline syntax in one table for the whole process: every parse adds its
 * extensions' characters ('~' for strikethrough, ':' and 'w' for autolinks)
 * when it starts on inlines and takes them away when it ends, so a parse
 * that ends on one thread takes '~' from a parse still running on another,
 * whose "~~struck~~" then stays as it is written. libcmark-gfm makes those
 * calls through its exported cmark_manage_extensions_special_characters,
 * by way of its PLT, so the function below takes its place: the characters
 * are added once, before any parse, and never taken away (every parser here
 * has the same extensions). Should a build of the library bind the call
 * inside itself, the check in register_extensions sees that ours is not
 * called and parses one at a time instead.
 */
static atomic_bool manage_called;
static bool parse_serially;
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

void cmark_manage_extensions_special_characters(cmark_parser *parser, int add)
{
	(void)parser;
	(void)add;
	atomic_store(&manage_called, true);
}

static void attach_extensions(cmark_parser *p)
{
	static const char *const exts[] = {"table", "tasklist", "strikethrough", "autolink"};
	for (size_t i = 0; i < 4; i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
		if (e)
			cmark_parser_attach_syntax_extension(p, e);
	}
}

/* cmark-gfm's own allocator aborts when memory runs out (SIGABRT, with a
 * message of its own); the library's default allocator, which every parser
 * not given one uses and the extensions' registry too, goes through
 * xcalloc and xrealloc instead, so that plansite says so and exits 3 as
 * for any allocation. */
static void *md_calloc(size_t n, size_t size)
{
	return xcalloc(n, size);
}

static void *md_realloc(void *p, size_t n)
{
	return xrealloc(p, n);
}

static void register_extensions(void)
{
	cmark_mem *mem = cmark_get_default_mem_allocator();
	mem->calloc = md_calloc;
	mem->realloc = md_realloc;
	mem->free = free;
	cmark_gfm_core_extensions_ensure_registered();
	if (pthread_key_create(&bump_key, bump_destroy) != 0)
		die("cannot make a thread key");
	/* The characters, once for all, by the library's own function. */
	void (*manage)(cmark_parser *, int);
	*(void **)&manage = dlsym(RTLD_NEXT, "cmark_manage_extensions_special_characters");
	cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
	attach_extensions(p);
	if (manage)
		manage(p, 1);
	cmark_parser_feed(p, "~~a~~", 5);
	cmark_node *root = cmark_parser_finish(p);
	cmark_node_free(root);
	cmark_parser_free(p);
	parse_serially = !manage || !atomic_load(&manage_called);
}


#ifdef PLANSITE_TEST_HOOKS
bool md_test_malloc;
#endif

/* Parses [s, s+n) with the table, task list, strikethrough and autolink
 * extensions; free with parse_done. */
cmark_node *md_parse_text(struct parse *ps, int options, const char *s, size_t n)
{
	pthread_once(&ext_once, register_extensions);
#ifdef PLANSITE_TEST_HOOKS
	ps->bump = !md_test_malloc && bump_begin();
#else
	ps->bump = bump_begin();
#endif
	ps->p = ps->bump ? cmark_parser_new_with_mem(options, &bump_mem) : cmark_parser_new(options);
	attach_extensions(ps->p);
	if (parse_serially)
		pthread_mutex_lock(&parse_lock);
	cmark_parser_feed(ps->p, s, n);
	ps->root = cmark_parser_finish(ps->p);
	if (parse_serially)
		pthread_mutex_unlock(&parse_lock);
	return ps->root;
}

void md_parse_done(struct parse *ps)
{
	if (ps->bump) {
		bump_end(); /* the tree and the parser go with the arena */
	} else {
		cmark_node_free(ps->root);
		cmark_parser_free(ps->p);
	}
}

/* Appends the plain text of a node's inline content. */
void md_plain_text(cmark_node *node, struct buf *b)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *cur = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type t = cmark_node_get_type(cur);
		if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
			const char *lit = cmark_node_get_literal(cur);
			if (lit)
				buf_puts(b, lit);
		} else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
			buf_putc(b, ' ');
		}
	}
	cmark_iter_free(it);
}

void markdown_slug(struct buf *b, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 'A' && c <= 'Z')
			buf_putc(b, (char)(c + 32));
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			 c >= 0x80)
			buf_putc(b, (char)c);
		else if (c == ' ')
			buf_putc(b, '-');
	}
}

const char *const md_reserved_ids[] = {"main"};
const size_t md_nreserved_ids = sizeof(md_reserved_ids) / sizeof(*md_reserved_ids);

static void md_ids_start(struct md_ids *ids)
{
	if (!ids->used.cap) {
		idmap_init(&ids->used, 16);
		idmap_init(&ids->next, 16);
	}
}

void md_ids_reserve(struct md_ids *ids)
{
	md_ids_start(ids);
	for (size_t i = 0; i < md_nreserved_ids; i++)
		idmap_put(&ids->used, md_reserved_ids[i], 0);
}

const char *md_ids_take(struct md_ids *ids, const char *s, size_t n)
{
	md_ids_start(ids);
	if (!n) {
		s = "section";
		n = 7;
	}
	char *base = arena_strndup(&ids->a, s, n);
	if (idmap_put(&ids->used, base, 0))
		return base;
	size_t k = 1;
	idmap_get(&ids->next, base, &k);
	for (;; k++) {
		char *id = arena_printf(&ids->a, "%s-%zu", base, k);
		if (idmap_put(&ids->used, id, 0)) {
			idmap_set(&ids->next, base, k + 1);
			return id;
		}
	}
}

void md_ids_release(struct md_ids *ids)
{
	if (ids->used.cap) {
		idmap_release(&ids->used);
		idmap_release(&ids->next);
	}
	arena_release(&ids->a);
}

enum visibility markdown_vis_at(const struct doc *doc, uint32_t line)
{
	for (size_t i = 0; i < doc->nfences; i++)
		if (line >= doc->fences[i].open_line && line <= doc->fences[i].close_line)
			return doc->fences[i].vis;
	return doc->vis;
}

/*
 * Finds where a link's url is written in the file: from the line cmark
 * gives the link (its columns are not the file's in every case: a
 * paragraph's continuation lines, autolinks), forward through its block,
 * after the previous link found there (so repeated links are found in
 * turn). Each search goes from where the last one in the block ended, and
 * all of them together read at most a budget of bytes, a few times the
 * body: past it (urls that are not written as they are read, such as
 * reference links, in a huge block) a link has cmark's position. So a body
 * costs time in proportion to its size.
 */
struct cursor {
	const struct lines *ls;
	cmark_node *block;
	size_t off;    /* where the search in the block goes on */
	size_t budget; /* bytes left to read */
};

static cmark_node *block_of(cmark_node *n)
{
	cmark_node *p = cmark_node_parent(n);
	while (p && ((unsigned)cmark_node_get_type(p) & CMARK_NODE_TYPE_MASK) != CMARK_NODE_TYPE_BLOCK)
		p = cmark_node_parent(p);
	return p;
}

static struct pos link_pos(const struct doc *doc, const char *body, size_t n, cmark_node *link,
			   const char *url, struct cursor *cur, uint32_t first_line)
{
	const struct lines *ls = cur->ls;
	cmark_node *block = block_of(link);
	int lstart, bend;
	uint32_t f, l;
	if (split_paragraph(link)) {
		node_lines(link, &f, &l);
		lstart = (int)f;
		bend = (int)l;
	} else {
		lstart = cmark_node_get_start_line(link);
		bend = block ? cmark_node_get_end_line(block) : lstart;
		if (lstart < 1 || (size_t)lstart > ls->n)
			lstart = block ? cmark_node_get_start_line(block) : 1;
	}
	if (lstart < 1 || (size_t)lstart > ls->n)
		lstart = 1;
	if (bend < lstart || (size_t)bend > ls->n)
		bend = (int)ls->n;
	size_t from = ls->at[lstart - 1];
	if (cur->block == block && cur->off > from)
		from = cur->off;
	cur->block = block;
	size_t to = ls->at[bend];
	size_t ulen = strlen(url);
	if (ulen && from < to && to <= n && to - from >= ulen) {
		size_t span = to - from;
		if (span > cur->budget)
			span = cur->budget;
		cur->budget -= span;
		const char *hit = memmem(body + from, span, url, ulen);
		if (hit) {
			size_t at = (size_t)(hit - body);
			cur->off = at + ulen;
			/* the line it is on: a binary search of the index */
			size_t lo = (size_t)lstart - 1, hi = (size_t)bend;
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				if (ls->at[mid] <= at)
					lo = mid;
				else
					hi = mid;
			}
			struct pos p = {doc->path, (uint32_t)lo + first_line,
					(uint32_t)utf8_count(body + ls->at[lo], at - ls->at[lo]) + 1};
			return p;
		}
	}
	struct pos p = {doc->path, (uint32_t)lstart + first_line - 1,
			(uint32_t)cmark_node_get_start_column(link)};
	if (p.col < 1)
		p.col = 1;
	return p;
}

/* --------------------------------------------- links in front matter */

void markdown_fields_begin(struct md_fields *mf, const struct doc *doc)
{
	memset(mf, 0, sizeof(*mf));
	mf->doc = doc;
	const char *f = doc->file ? doc->file->data : NULL;
	if (!f)
		return;
	/* the front matter's lines: the file up to the body */
	size_t n = doc->file->len;
	if (doc->body && doc->body >= f && doc->body <= f + n)
		n = (size_t)(doc->body - f);
	mf->text = f;
	mf->len = n;
	size_t cap = 64;
	mf->at = xmalloc(cap * sizeof(*mf->at));
	for (size_t off = 0;;) {
		if (mf->n + 2 > cap) {
			cap *= 2;
			mf->at = xrealloc(mf->at, cap * sizeof(*mf->at));
		}
		mf->at[mf->n++] = off;
		const char *nl = off < n ? memchr(f + off, '\n', n - off) : NULL;
		if (!nl)
			break;
		off = (size_t)(nl - f) + 1;
	}
	mf->at[mf->n] = n;
}

void markdown_fields_end(struct md_fields *mf)
{
	free(mf->at);
	memset(mf, 0, sizeof(*mf));
}

/* The byte offset of a file position in the front matter; mf->len when
 * it is not in it. Columns are counted on from the last position asked
 * for when it was earlier on the same line (the values of a list come in
 * order), so a line of many values costs its length, not its length for
 * each. */
static size_t field_offset(struct md_fields *mf, struct pos p)
{
	if (!mf->at || p.line < 1 || p.line > mf->n)
		return mf->len;
	size_t off = mf->at[p.line - 1], end = mf->at[p.line];
	uint32_t col = 1;
	if (mf->col_line == p.line && mf->col_col <= p.col) {
		off = mf->col_off;
		col = mf->col_col;
	}
	for (; col < p.col && off < end; col++) {
		off++;
		while (off < end && ((unsigned char)mf->text[off] & 0xc0) == 0x80)
			off++;
	}
	mf->col_line = p.line;
	mf->col_col = col;
	mf->col_off = off;
	return off;
}

/* The file position of byte offset at of the front matter; like
 * field_offset, counting on from the last one on the same line. */
static struct pos field_pos(struct md_fields *mf, size_t at)
{
	size_t lo = 0, hi = mf->n; /* at[lo] <= at < at[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (mf->at[mid] <= at)
			lo = mid;
		else
			hi = mid;
	}
	size_t from = mf->at[lo];
	size_t chars = 0;
	if (mf->pos_line == lo + 1 && mf->pos_at <= at && mf->pos_at >= from) {
		from = mf->pos_at;
		chars = mf->pos_chars;
	}
	chars += utf8_count(mf->text + from, at - from);
	mf->pos_line = lo + 1;
	mf->pos_at = at;
	mf->pos_chars = chars;
	struct pos p = {mf->doc->path, (uint32_t)lo + 1, (uint32_t)chars + 1};
	return p;
}

size_t markdown_text_links(struct arena *a, struct md_fields *mf, const char *s,
			   struct pos pos, enum visibility vis, struct md_link **out)
{
	*out = NULL;
	size_t n = s ? strlen(s) : 0;
	/* what markdown_inline renders without a parse has no link */
	if (n == 0 || md_plain_inline(s, n))
		return 0;
	/* Where the value is written, and how far it can reach: a YAML
	 * scalar's source is never shorter than its text (escapes and folded
	 * lines only shorten it), and twice the text, with its indentation,
	 * is as far as it goes; never into the body. */
	size_t from = field_offset(mf, pos), end = mf->len;
	if (from < end && end - from > 2 * n + 256)
		end = from + 2 * n + 256;
	size_t cap = 4, k = 0;
	struct md_link *v = arena_alloc(a, cap * sizeof(*v));
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_DEFAULT, s, n);
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE))
			continue;
		const char *url = cmark_node_get_url(node);
		if (!url)
			continue;
		if (k == cap) {
			struct md_link *nv = arena_alloc(a, 2 * cap * sizeof(*nv));
			memcpy(nv, v, cap * sizeof(*v));
			v = nv;
			cap *= 2;
		}
		struct md_link *lk = &v[k++];
		lk->url = arena_strdup(a, url);
		lk->vis = vis;
		lk->pos = pos;
		/* the url as written, after the one found before it; else
		 * (written with escapes) the value's own position */
		size_t ulen = strlen(url);
		const char *hit = ulen && from < end && end - from >= ulen
					  ? memmem(mf->text + from, end - from, url, ulen)
					  : NULL;
		if (hit) {
			size_t at = (size_t)(hit - mf->text);
			lk->pos = field_pos(mf, at);
			from = at + ulen;
		}
	}
	cmark_iter_free(it);
	md_parse_done(&ps);
	*out = v;
	return k;
}

/* Whether s[0..n) holds "<!--" ('<' is rare in Markdown: memchr, far
 * quicker than memmem, finds each): a body without one has no fence. */
static bool has_comment(const char *s, size_t n)
{
	if (!s || n < 4)
		return false;
	const char *end = s + n;
	while (end - s >= 4) {
		s = memchr(s, '<', (size_t)(end - s) - 3);
		if (!s)
			return false;
		if (s[1] == '!' && s[2] == '-' && s[3] == '-')
			return true;
		s++;
	}
	return false;
}

static void scan(struct arena *a, struct doc *doc, struct diag *d, const struct prep_opts *po)
{
	const char *text = doc->body;
	size_t len = doc->body_len;
	doc->fences = NULL;
	doc->nfences = 0;
	struct lines ls;
	lines_index(&ls, text, len);

	/* cmark's parse of the whole body says where the fences are; the
	 * scan reads the body with their lines blank, parsed again */
	struct buf fenced = BUF_INIT;
	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_SOURCEPOS, text, len);
	if (has_comment(text, len) && find_fences(a, doc, d, root, &ls)) {
		md_parse_done(&ps);
		/* every fence line blank (a stray one's too), every part kept:
		 * the body as the widest audience reads it */
		md_body_for(doc, VIS_CONFIDENTIAL, &fenced);
		text = fenced.ptr;
		len = fenced.len;
		root = md_parse_text(&ps, CMARK_OPT_SOURCEPOS, text, len);
		/* the same lines, but a blank fence line is shorter: link
		 * positions are found in this text, by its own offsets */
		free(ls.at);
		lines_index(&ls, text, len);
	}
	size_t nlinks = 0, capl = 0, nheads = 0, caph = 0;
	struct md_link *links = NULL;
	struct md_heading *heads = NULL;
	struct cursor cur = {&ls, NULL, 0, 4 * len + 65536};
	struct buf htext = BUF_INIT, slug = BUF_INIT;
	struct md_ids ids = MD_IDS_INIT;
	md_ids_reserve(&ids);

	/* and, in the same walk, the deepest nesting of blocks that hold
	 * others (lists and quotes in each other) */
	unsigned depth = 0, most = 0;
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (((unsigned)t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK &&
		    cmark_node_first_child(node)) {
			if (ev == CMARK_EVENT_EXIT)
				depth--;
			else if (++depth > most)
				most = depth;
		}
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
			const char *url = cmark_node_get_url(node);
			if (!url)
				continue;
			if (nlinks == capl) {
				capl = capl ? capl * 2 : 8;
				struct md_link *nl = arena_alloc(a, capl * sizeof(*nl));
				if (nlinks)
					memcpy(nl, links, nlinks * sizeof(*nl));
				links = nl;
			}
			struct md_link *lk = &links[nlinks++];
			lk->url = arena_strdup(a, url);
			lk->pos = link_pos(doc, text, len, node, url, &cur, doc->body_line);
			lk->vis = markdown_vis_at(doc, lk->pos.line);
		} else if (t == CMARK_NODE_HEADING) {
			buf_truncate(&htext, 0);
			buf_truncate(&slug, 0);
			md_plain_text(node, &htext);
			markdown_slug(&slug, htext.ptr, htext.len);
			if (nheads == caph) {
				caph = caph ? caph * 2 : 8;
				struct md_heading *nh = arena_alloc(a, caph * sizeof(*nh));
				if (nheads)
					memcpy(nh, heads, nheads * sizeof(*nh));
				heads = nh;
			}
			struct md_heading *h = &heads[nheads];
			h->id = arena_strdup(a, md_ids_take(&ids, slug.ptr, slug.len));
			h->text = arena_strndup(a, htext.ptr, htext.len);
			h->level = cmark_node_get_heading_level(node);
			h->line = (uint32_t)cmark_node_get_start_line(node) + doc->body_line - 1;
			nheads++;
		}
	}
	cmark_iter_free(it);
	if (most > MARKDOWN_MAX_DEPTH) {
		struct pos p = {doc->path, doc->body_line, 1};
		diag_error(d, p, "E027",
			   "the body nests lists and quotes %u deep, more than the limit of %u; "
			   "flatten it",
			   most, (unsigned)MARKDOWN_MAX_DEPTH);
		po = NULL; /* not rendered: the build fails */
	}
	if (po)
		md_prepare(a, doc, root, text, len, po);
	md_parse_done(&ps);
	md_ids_release(&ids);
	free(ls.at);
	buf_release(&htext);
	buf_release(&slug);
	buf_release(&fenced);
	doc->links = links;
	doc->nlinks = nlinks;
	doc->headings = heads;
	doc->nheadings = nheads;
}

void markdown_heading_ids(struct arena *a, const struct doc *doc, enum visibility audience,
			  const char **ids)
{
	struct md_ids m = MD_IDS_INIT;
	struct buf slug = BUF_INIT;
	md_ids_reserve(&m);
	for (size_t i = 0; i < doc->nheadings; i++) {
		const struct md_heading *h = &doc->headings[i];
		ids[i] = NULL;
		/* what an audience reads (a confidential part, linking, reads
		 * every part); no page is ever built for confidential */
		if (markdown_vis_at(doc, h->line) > audience)
			continue;
		buf_truncate(&slug, 0);
		markdown_slug(&slug, h->text, strlen(h->text));
		ids[i] = arena_strdup(a, md_ids_take(&m, slug.ptr, slug.len));
	}
	buf_release(&slug);
	md_ids_release(&m);
}

void markdown_scan(struct arena *a, struct doc *doc, struct diag *d)
{
	scan(a, doc, d, NULL);
}

void markdown_scan_prepare(struct arena *a, struct doc *doc, struct diag *d,
			   enum visibility audience, bool unsafe_html, struct buf *text)
{
	struct prep_opts po = {audience, unsafe_html, text};
	scan(a, doc, d, &po);
}

