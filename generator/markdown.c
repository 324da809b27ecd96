/*
 * markdown.c: the only file that includes cmark-gfm. Finds a body's
 * visibility fences, parses it (tables, task lists, strikethrough,
 * autolinks) and records its links and headings with file positions.
 *
 * Fence lines are replaced by blank lines before cmark sees the body, so
 * cmark's line numbers plus the front matter's are the file's lines.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "plansite.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ lines */

struct line {
	const char *s;
	size_t len; /* without the line break and any '\r' */
	size_t next; /* offset of the next line in the body */
};

static bool next_line(const char *body, size_t n, size_t off, struct line *l)
{
	if (off >= n)
		return false;
	const char *nl = memchr(body + off, '\n', n - off);
	size_t end = nl ? (size_t)(nl - body) : n;
	l->s = body + off;
	l->len = end - off;
	if (l->len && l->s[l->len - 1] == '\r')
		l->len--;
	l->next = nl ? end + 1 : n;
	return true;
}

static size_t skip_spaces(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* The start of a fenced code block (``` or ~~~), or its end. Returns the
 * fence character and sets *len to the run length and *bare to whether
 * nothing but spaces follows it (as a closing fence needs); 0 when not a
 * fence. */
static char code_fence(const struct line *l, size_t *len, bool *bare)
{
	size_t i = 0;
	while (i < l->len && i < 3 && l->s[i] == ' ')
		i++;
	if (i >= l->len || (l->s[i] != '`' && l->s[i] != '~'))
		return 0;
	char c = l->s[i];
	size_t j = i;
	while (j < l->len && l->s[j] == c)
		j++;
	if (j - i < 3)
		return 0;
	if (c == '`' && memchr(l->s + j, '`', l->len - j))
		return 0;
	*len = j - i;
	*bare = skip_spaces(l->s, j, l->len) == l->len;
	return c;
}

enum fence_line { NOT_FENCE, FENCE_OPEN, FENCE_CLOSE, FENCE_BAD };

/*
 * Classifies a line: "<!-- visibility: X -->" opens (X in *word),
 * "<!-- /visibility -->" closes; an HTML comment line that mentions
 * visibility but is neither is FENCE_BAD, because a misspelt fence would
 * publish what it meant to hide.
 */
static enum fence_line fence_kind(const struct line *l, const char **word, size_t *wlen,
				  size_t *col)
{
	size_t i = skip_spaces(l->s, 0, l->len);
	*col = i;
	if (l->len - i < 4 || memcmp(l->s + i, "<!--", 4) != 0)
		return NOT_FENCE;
	bool mentions = false;
	for (size_t k = i; k + 5 <= l->len; k++) {
		if ((l->s[k] | 0x20) == 'v' && strncasecmp(l->s + k, "visib", 5) == 0) {
			mentions = true;
			break;
		}
	}
	if (!mentions)
		return NOT_FENCE;
	size_t end = l->len;
	while (end > i && (l->s[end - 1] == ' ' || l->s[end - 1] == '\t'))
		end--;
	if (end - i < 7 || memcmp(l->s + end - 3, "-->", 3) != 0)
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
		if (*wlen && !memchr(*word, ' ', *wlen))
			return FENCE_OPEN;
	}
	return FENCE_BAD;
}

static struct pos line_pos(const struct doc *doc, uint32_t line, size_t col0)
{
	struct pos p = {doc->path, line, (uint32_t)col0 + 1};
	return p;
}

/*
 * Records the fences of doc's body and writes the body, with fence lines
 * blanked, to out. Reports E022.
 */
static void scan_fences(struct arena *a, struct doc *doc, struct diag *d, struct buf *out)
{
	struct fence *fences = NULL;
	size_t n = 0, cap = 0;
	bool open = false;
	unsigned nested = 0;   /* fences opened inside the open one */
	struct fence cur = {0};
	size_t open_col = 0;
	char in_code = 0;
	size_t code_len = 0;
	struct line l;
	uint32_t lineno = doc->body_line;
	for (size_t off = 0; next_line(doc->body, doc->body_len, off, &l); off = l.next, lineno++) {
		size_t flen = 0;
		bool bare = false;
		char fc = code_fence(&l, &flen, &bare);
		if (in_code) {
			if (fc == in_code && flen >= code_len && bare)
				in_code = 0;
			buf_put(out, doc->body + off, l.next - off);
			continue;
		}
		if (fc) {
			in_code = fc;
			code_len = flen;
			buf_put(out, doc->body + off, l.next - off);
			continue;
		}
		const char *word = NULL;
		size_t wlen = 0, col;
		bool quiet = false; /* already reported */
		enum fence_line kind = fence_kind(&l, &word, &wlen, &col);
		if (kind == NOT_FENCE) {
			buf_put(out, doc->body + off, l.next - off);
			continue;
		}
		buf_putc(out, '\n'); /* the fence line itself becomes blank */
		struct pos pos = line_pos(doc, lineno, col);
		if (kind == FENCE_BAD) {
			diag_error(d, pos, "E022",
				   "malformed visibility fence; write '<!-- visibility: practices -->' "
				   "or '<!-- /visibility -->' on a line of its own");
			/* Read it as what it most likely meant, narrowing when unsure:
			 * a line with '/' closes, anything else opens a confidential
			 * part. A misspelt fence must never publish what it hid. */
			if (memchr(l.s, '/', l.len) && (open || nested)) {
				kind = FENCE_CLOSE;
			} else {
				kind = FENCE_OPEN;
				word = "confidential";
				wlen = 12;
				quiet = true;
			}
		}
		if (kind == FENCE_CLOSE) {
			if (nested) {
				nested--;
				continue;
			}
			if (!open) {
				diag_error(d, pos, "E022",
					   "'<!-- /visibility -->' closes no fence; remove it or add "
					   "'<!-- visibility: ... -->' above");
				continue;
			}
			cur.close_line = lineno;
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				struct fence *nf = arena_alloc(a, cap * sizeof(*nf));
				if (n)
					memcpy(nf, fences, n * sizeof(*nf));
				fences = nf;
			}
			fences[n++] = cur;
			open = false;
			continue;
		}
		/* FENCE_OPEN */
		char vis_word[16] = "";
		snprintf(vis_word, sizeof(vis_word), "%.*s", (int)(wlen < 15 ? wlen : 15), word);
		enum visibility vis;
		if (open) {
			if (!quiet)
				diag_error(d, pos, "E022",
					   "nested visibility fence: the fence opened at line %u is still "
					   "open; close it with '<!-- /visibility -->' first",
					   (unsigned)cur.open_line);
			/* Its closing line belongs to it; the outer fence goes on, and
			 * is at least as narrow as the nested one. */
			nested++;
			if (visibility_parse(vis_word, &vis) && vis > cur.vis)
				cur.vis = vis;
			continue;
		}
		if (quiet) {
			vis = VIS_CONFIDENTIAL;
		} else if (wlen >= 15 || !visibility_parse(vis_word, &vis)) {
			static const char *const names[] = {"public", "practices", "confidential"};
			struct buf msg = BUF_INIT;
			buf_printf(&msg,
				   "unknown visibility '%.*s' in fence; use practices or confidential",
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
		open = true;
		open_col = col;
		cur.open_line = lineno;
		cur.close_line = 0;
		cur.vis = vis;
	}
	if (open) {
		diag_error(d, line_pos(doc, cur.open_line, open_col), "E022",
			   "visibility fence is not closed; add '<!-- /visibility -->' on a line of its "
			   "own where the %s part ends",
			   visibility_name(cur.vis));
		/* Treat the rest of the body as fenced, so nothing leaks. */
		cur.close_line = lineno;
		if (n == cap) {
			struct fence *nf = arena_alloc(a, (n + 1) * sizeof(*nf));
			if (n)
				memcpy(nf, fences, n * sizeof(*nf));
			fences = nf;
		}
		fences[n++] = cur;
	}
	doc->fences = fences;
	doc->nfences = n;
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

static void register_extensions(void)
{
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

/* One parse: the parser, its tree, and where their memory comes from. */
struct parse {
	cmark_parser *p;
	cmark_node *root;
	bool bump;
};

/* Parses [s, s+n) with the table, task list, strikethrough and autolink
 * extensions; free with parse_done. */
static cmark_node *parse_text(struct parse *ps, int options, const char *s, size_t n)
{
	pthread_once(&ext_once, register_extensions);
	ps->bump = bump_begin();
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

static void parse_done(struct parse *ps)
{
	if (ps->bump) {
		bump_end(); /* the tree and the parser go with the arena */
	} else {
		cmark_node_free(ps->root);
		cmark_parser_free(ps->p);
	}
}

/* Appends the plain text of a node's inline content. */
static void plain_text(cmark_node *node, struct buf *b)
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

/* Ids the page around a body already uses (the skip link's target): a
 * heading may not take them, in markdown_scan or in markdown_render. */
static const char *const reserved_ids[] = {"main"};

/* Makes id unique among the headings found so far (GitHub's -1, -2). */
static const char *unique_id(struct arena *a, struct md_heading *hs, size_t n, const char *base)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, base);
	for (unsigned k = 1;; k++) {
		bool clash = false;
		for (size_t i = 0; i < n && !clash; i++)
			clash = strcmp(hs[i].id, b.ptr) == 0;
		for (size_t i = 0; i < sizeof(reserved_ids) / sizeof(*reserved_ids) && !clash; i++)
			clash = strcmp(reserved_ids[i], b.ptr) == 0;
		if (!clash)
			break;
		buf_truncate(&b, 0);
		buf_printf(&b, "%s-%u", base, k);
	}
	const char *id = arena_strndup(a, b.ptr, b.len);
	buf_release(&b);
	return id;
}

/* The visibility in force at a file line: the document's, or its fence's. */
static enum visibility vis_at(const struct doc *doc, uint32_t line)
{
	for (size_t i = 0; i < doc->nfences; i++)
		if (line > doc->fences[i].open_line && line < doc->fences[i].close_line)
			return doc->fences[i].vis;
	return doc->vis;
}

/* The nearest block ancestor of an inline node (a paragraph, heading or
 * table cell). */
static cmark_node *block_of(cmark_node *n)
{
	cmark_node *p = cmark_node_parent(n);
	while (p && ((unsigned)cmark_node_get_type(p) & CMARK_NODE_TYPE_MASK) != CMARK_NODE_TYPE_BLOCK)
		p = cmark_node_parent(p);
	return p;
}

/*
 * Finds where url is written in the file, searching the lines of its block
 * from a cursor (so repeated links are found in turn). Falls back to the
 * node's own position.
 */
struct cursor {
	cmark_node *block;
	uint32_t line;
	size_t col0; /* byte offset in the line where the search resumes */
};

static struct pos link_pos(const struct doc *doc, const char *body, size_t n, cmark_node *link,
			   const char *url, struct cursor *cur, uint32_t first_line)
{
	cmark_node *block = block_of(link);
	int start = block ? cmark_node_get_start_line(block) : cmark_node_get_start_line(link);
	int end = block ? cmark_node_get_end_line(block) : start;
	if (cur->block != block) {
		cur->block = block;
		cur->line = (uint32_t)start;
		cur->col0 = 0;
	}
	size_t ulen = strlen(url);
	struct line l;
	uint32_t lineno = 1;
	for (size_t off = 0; ulen && next_line(body, n, off, &l); off = l.next, lineno++) {
		if (lineno < cur->line)
			continue;
		if (lineno > (uint32_t)end)
			break;
		size_t from = lineno == cur->line ? cur->col0 : 0;
		for (size_t i = from; i + ulen <= l.len; i++) {
			if (memcmp(l.s + i, url, ulen) == 0) {
				cur->line = lineno;
				cur->col0 = i + ulen;
				struct pos p = {doc->path, lineno + first_line - 1,
						(uint32_t)utf8_count(l.s, i) + 1};
				return p;
			}
		}
	}
	struct pos p = {doc->path, (uint32_t)cmark_node_get_start_line(link) + first_line - 1,
			(uint32_t)cmark_node_get_start_column(link)};
	if (p.line < first_line)
		p.line = (uint32_t)start + first_line - 1;
	return p;
}

/* What markdown_scan_prepare asks of the scan. */
struct prep_opts {
	enum visibility audience;
	bool unsafe_html;
	struct buf *text;
};

static void prepare(struct arena *a, struct doc *doc, cmark_node *root, const struct buf *body,
		    const struct prep_opts *po);

static void scan(struct arena *a, struct doc *doc, struct diag *d, const struct prep_opts *po)
{
	struct buf body = BUF_INIT;
	scan_fences(a, doc, d, &body);

	struct parse ps;
	cmark_node *root = parse_text(&ps, CMARK_OPT_SOURCEPOS, body.ptr, body.len);

	size_t nlinks = 0, capl = 0, nheads = 0, caph = 0;
	struct md_link *links = NULL;
	struct md_heading *heads = NULL;
	struct cursor cur = {0};
	struct buf text = BUF_INIT, slug = BUF_INIT;

	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
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
			lk->pos = link_pos(doc, body.ptr, body.len, node, url, &cur, doc->body_line);
			lk->vis = vis_at(doc, lk->pos.line);
		} else if (t == CMARK_NODE_HEADING) {
			buf_truncate(&text, 0);
			buf_truncate(&slug, 0);
			plain_text(node, &text);
			markdown_slug(&slug, text.ptr, text.len);
			if (nheads == caph) {
				caph = caph ? caph * 2 : 8;
				struct md_heading *nh = arena_alloc(a, caph * sizeof(*nh));
				if (nheads)
					memcpy(nh, heads, nheads * sizeof(*nh));
				heads = nh;
			}
			struct md_heading *h = &heads[nheads];
			h->id = unique_id(a, heads, nheads, slug.len ? slug.ptr : "section");
			h->text = arena_strndup(a, text.ptr, text.len);
			h->level = cmark_node_get_heading_level(node);
			h->line = (uint32_t)cmark_node_get_start_line(node) + doc->body_line - 1;
			nheads++;
		}
	}
	cmark_iter_free(it);
	if (po)
		prepare(a, doc, root, &body, po);
	parse_done(&ps);
	buf_release(&text);
	buf_release(&slug);
	buf_release(&body);
	doc->links = links;
	doc->nlinks = nlinks;
	doc->headings = heads;
	doc->nheadings = nheads;
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

/* ------------------------------------------------------------ render */

/* The body as a given audience sees it: fence lines and the lines of fences
 * it may not see become blank lines (so line numbers stay the file's). */
static void body_for(const struct doc *doc, enum visibility audience, struct buf *out)
{
	struct line l;
	uint32_t lineno = doc->body_line;
	size_t f = 0;
	for (size_t off = 0; next_line(doc->body, doc->body_len, off, &l); off = l.next, lineno++) {
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

/* Escapes a URL for an href: keeps what is already percent-encoded,
 * encodes bytes that may not appear raw, then HTML-escapes. */
static void escape_href(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			buf_puts(b, "&amp;");
		else if (c == '\'')
			buf_puts(b, "&#39;");
		else if (c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' ||
			 c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		} else
			buf_putc(b, (char)c);
	}
}

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

struct html {
	const struct md_render *r;
	const char *from_path;
	struct buf *out;
	struct buf path, href, text, slug;
	const char **ids; /* heading ids used so far */
	size_t nids, capids;
	unsigned tables;
	struct prep *prep; /* preparing: links into the site become holes */
};

static bool is_type(cmark_node *n, const char *name)
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
static bool resolve_href(struct html *h, const char *url)
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
	if (p->nlinks == p->caplinks) {
		p->caplinks = p->caplinks ? p->caplinks * 2 : 8;
		p->links = xrealloc(p->links, p->caplinks * sizeof(*p->links));
	}
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
	if (p->nholes == p->capholes) {
		p->capholes = p->capholes ? p->capholes * 2 : 16;
		p->holes = xrealloc(p->holes, p->capholes * sizeof(*p->holes));
	}
	p->holes[p->nholes++] = (struct hole){h->out->len, kind, link,
					       tail ? arena_strndup(p->a, tail->ptr, tail->len) : NULL};
}

static const char *heading_id(struct html *h, const char *text, size_t n)
{
	buf_truncate(&h->slug, 0);
	markdown_slug(&h->slug, text, n);
	if (!h->slug.len)
		buf_puts(&h->slug, "section");
	size_t base = h->slug.len;
	for (unsigned k = 1;; k++) {
		bool clash = false;
		for (size_t i = 0; i < h->nids && !clash; i++)
			clash = strcmp(h->ids[i], h->slug.ptr) == 0;
		if (!clash)
			break;
		buf_truncate(&h->slug, base);
		buf_printf(&h->slug, "-%u", k);
	}
	if (h->nids == h->capids) {
		h->capids = h->capids ? h->capids * 2 : 8;
		h->ids = xrealloc(h->ids, h->capids * sizeof(*h->ids));
	}
	h->ids[h->nids++] = xstrndup(h->slug.ptr, h->slug.len);
	return h->ids[h->nids - 1];
}

static void cr(struct buf *b)
{
	if (b->len && b->ptr[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

/* Renders the tree under root (iteratively: nesting depth cannot exhaust
 * the C stack). */
static void render_tree(struct html *h, cmark_node *root)
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
			} else if (is_type(n, "tasklist")) {
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
				plain_text(n, &h->text);
				const char *id = heading_id(h, h->text.ptr, h->text.len);
				cr(o);
				buf_printf(o, "<h%d id=\"", level);
				escape_html(o, id, strlen(id));
				buf_puts(o, "\">");
			} else {
				buf_printf(o, "</h%d>\n", level);
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
				bool ok = resolve_href(h, cmark_node_get_url(n));
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
			plain_text(n, &h->text);
			size_t link;
			if (prep_link(h, cmark_node_get_url(n), &link)) {
				struct buf alt = BUF_INIT;
				escape_html(&alt, h->text.ptr, h->text.len);
				prep_hole(h, HOLE_IMAGE, link, &alt);
				buf_release(&alt);
			} else if (resolve_href(h, cmark_node_get_url(n))) {
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
			if (is_type(n, "strikethrough")) {
				buf_puts(o, in ? "<del>" : "</del>");
			} else if (is_type(n, "table")) {
				cr(o);
				if (in) {
					h->tables++;
					buf_printf(o, "<div class=\"table-wrap\" role=\"region\" "
						      "tabindex=\"0\" aria-label=\"Table %u\">\n<table>\n",
						   h->tables);
				} else {
					buf_puts(o, "</tbody>\n</table>\n</div>\n");
				}
			} else if (is_type(n, "table_header")) {
				cr(o);
				buf_puts(o, in ? "<thead>\n<tr>\n" : "</tr>\n</thead>\n<tbody>\n");
			} else if (is_type(n, "table_row")) {
				cr(o);
				buf_puts(o, in ? "<tr>\n" : "</tr>\n");
			} else if (is_type(n, "table_cell")) {
				bool head = parent && is_type(parent, "table_header");
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

static void reserve_ids(struct html *h)
{
	for (size_t i = 0; i < sizeof(reserved_ids) / sizeof(*reserved_ids); i++) {
		if (h->nids == h->capids) {
			h->capids = h->capids ? h->capids * 2 : 8;
			h->ids = xrealloc(h->ids, h->capids * sizeof(*h->ids));
		}
		h->ids[h->nids++] = xstrdup(reserved_ids[i]);
	}
}

static void html_release(struct html *h)
{
	buf_release(&h->path);
	buf_release(&h->href);
	buf_release(&h->text);
	buf_release(&h->slug);
	for (size_t i = 0; i < h->nids; i++)
		free((void *)h->ids[i]);
	free(h->ids);
}

void markdown_render(const struct doc *doc, const struct md_render *r, struct buf *out)
{
	struct buf body = BUF_INIT;
	body_for(doc, r->audience, &body);
	struct parse ps;
	cmark_node *root = parse_text(&ps, CMARK_OPT_DEFAULT, body.ptr, body.len);
	struct html h = {r, doc->path, out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, 0, 0, NULL};
	reserve_ids(&h);
	render_tree(&h, root);
	html_release(&h);
	parse_done(&ps);
	buf_release(&body);
}

/* Renders the scanned tree for the audience, links into the site left as
 * holes, when the audience reads the lines the scan read. */
static void prepare(struct arena *a, struct doc *doc, cmark_node *root, const struct buf *body,
		    const struct prep_opts *po)
{
	struct buf seen = BUF_INIT;
	body_for(doc, po->audience, &seen);
	bool same = seen.len == body->len && memcmp(seen.ptr, body->ptr, seen.len) == 0;
	buf_release(&seen);
	if (!same)
		return;
	struct md_render r = {po->audience, po->unsafe_html, NULL, NULL, po->text};
	struct prep p = {a, NULL, 0, 0, NULL, 0, 0};
	struct buf out = BUF_INIT;
	struct html h = {&r, doc->path, &out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, 0, 0, &p};
	reserve_ids(&h);
	render_tree(&h, root);
	html_release(&h);
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

void markdown_inline(const char *from_path, const char *s, size_t n, const struct md_render *r,
		     struct buf *out)
{
	struct parse ps;
	cmark_node *root = parse_text(&ps, CMARK_OPT_DEFAULT, s, n);
	struct html h = {r, from_path, out, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, 0, 0, NULL};
	/* One paragraph: render its inline children only. Anything else (a
	 * list, a heading) is rendered as blocks. */
	cmark_node *first = cmark_node_first_child(root);
	if (first && !cmark_node_next(first) && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH) {
		for (cmark_node *c = cmark_node_first_child(first); c; c = cmark_node_next(c))
			render_tree(&h, c);
	} else {
		render_tree(&h, root);
	}
	html_release(&h);
	parse_done(&ps);
}

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
	if (w->ncells == w->capcells) {
		w->capcells = w->capcells ? w->capcells * 2 : 64;
		w->cells = xrealloc(w->cells, w->capcells * sizeof(*w->cells));
	}
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
				if (is_type(n, "tasklist"))
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
						 BUF_INIT, BUF_INIT, NULL, 0, 0, 0, NULL};
				bool ok = resolve_href(&h, cmark_node_get_url(n));
				cmark_node_set_user_data(n, ok ? (void *)1 : NULL);
				if (ok) {
					buf_puts(o, "<a href=\"");
					buf_put(o, h.href.ptr, h.href.len);
					buf_puts(o, "\">");
				}
				html_release(&h);
			} else if (cmark_node_get_user_data(n)) {
				buf_puts(o, "</a>");
			}
			break;
		}
		case CMARK_NODE_IMAGE: {
			struct buf alt = BUF_INIT;
			plain_text(n, &alt);
			pdf_esc(o, alt.ptr);
			buf_release(&alt);
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
			break;
		}
		default:
			if (is_type(n, "table")) {
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
			} else if (is_type(n, "table_cell")) {
				if (!in)
					pdf_cell(w, pdf_take(w));
			} else if (is_type(n, "table_row") || is_type(n, "table_header")) {
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
	cmark_node *root = parse_text(&ps, CMARK_OPT_DEFAULT, s, n);
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
	parse_done(&ps);
	return markup;
}

struct pdf_block *markdown_pdf(struct arena *a, const struct doc *doc, const struct md_render *r,
			       size_t *n)
{
	struct buf body = BUF_INIT;
	body_for(doc, r->audience, &body);
	struct parse ps;
	cmark_node *root = parse_text(&ps, CMARK_OPT_DEFAULT, body.ptr, body.len);
	struct pdfw w;
	pdfw_run(&w, a, r, doc->path, root);
	pdfw_release(&w);
	parse_done(&ps);
	buf_release(&body);
	*n = w.n;
	return w.v;
}
