/*
 * markdown.c: with markdown_html.c and markdown_pdf.c, the only files that
 * include cmark-gfm. Finds a body's visibility fences, parses it (tables,
 * task lists, strikethrough, autolinks) and records its links and headings
 * with file positions.
 *
 * Fence lines are replaced by blank lines before cmark sees the body, so
 * cmark's line numbers plus the front matter's are the file's lines.
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
	for (size_t off = 0; md_next_line(doc->body, doc->body_len, off, &l); off = l.next, lineno++) {
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


/* Parses [s, s+n) with the table, task list, strikethrough and autolink
 * extensions; free with parse_done. */
cmark_node *md_parse_text(struct parse *ps, int options, const char *s, size_t n)
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

/* Makes id unique among the headings found so far (GitHub's -1, -2). */
static const char *unique_id(struct arena *a, struct md_heading *hs, size_t n, const char *base)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, base);
	for (unsigned k = 1;; k++) {
		bool clash = false;
		for (size_t i = 0; i < n && !clash; i++)
			clash = strcmp(hs[i].id, b.ptr) == 0;
		for (size_t i = 0; i < md_nreserved_ids && !clash; i++)
			clash = strcmp(md_reserved_ids[i], b.ptr) == 0;
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
	for (size_t off = 0; ulen && md_next_line(body, n, off, &l); off = l.next, lineno++) {
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



/* Whether s[0..n) holds "<!--" ('<' is rare in Markdown: memchr, far
 * quicker than memmem, finds each). */
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
	/* A fence is a line holding "<!--": a body without one is parsed as
	 * it is, without a copy */
	struct buf fenced = BUF_INIT;
	const char *text = doc->body;
	size_t len = doc->body_len;
	doc->fences = NULL;
	doc->nfences = 0;
	if (has_comment(text, len)) {
		scan_fences(a, doc, d, &fenced);
		text = fenced.ptr;
		len = fenced.len;
	}

	struct parse ps;
	cmark_node *root = md_parse_text(&ps, CMARK_OPT_SOURCEPOS, text, len);

	size_t nlinks = 0, capl = 0, nheads = 0, caph = 0;
	struct md_link *links = NULL;
	struct md_heading *heads = NULL;
	struct cursor cur = {0};
	struct buf htext = BUF_INIT, slug = BUF_INIT;

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
			lk->pos = link_pos(doc, text, len, node, url, &cur, doc->body_line);
			lk->vis = vis_at(doc, lk->pos.line);
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
			h->id = unique_id(a, heads, nheads, slug.len ? slug.ptr : "section");
			h->text = arena_strndup(a, htext.ptr, htext.len);
			h->level = cmark_node_get_heading_level(node);
			h->line = (uint32_t)cmark_node_get_start_line(node) + doc->body_line - 1;
			nheads++;
		}
	}
	cmark_iter_free(it);
	if (po)
		md_prepare(a, doc, root, text, len, po);
	md_parse_done(&ps);
	buf_release(&htext);
	buf_release(&slug);
	buf_release(&fenced);
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

