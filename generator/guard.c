/*
 * guard.c: the leak guard. Before a build's staging folder is swapped in,
 * every output file (HTML, XML, ICS, JSON, and each PDF's text as it was
 * given to the typesetter) is scanned for the text of every part the
 * audience may not see: hidden documents' bodies and front-matter strings,
 * the hidden fences of shown documents, and hidden actions, decisions and
 * people's names. A hit fails the build (E030) and nothing is published.
 *
 * All text is normalised to words: ASCII lowercased, split on anything that
 * is not a letter or a digit (UTF-8 letters are word bytes; the Latin-1 and
 * general punctuation blocks are not). Markdown link destinations are
 * dropped; HTML tags, comments and entities, JSON strings' escapes and
 * iCalendar folding and escapes are decoded. Block boundaries (a
 * paragraph's end, an item's, a table cell's, a JSON string's, an iCalendar
 * line's; any tag but an inline one) are kept on both sides: no run
 * crosses one, so text that only meets across one (a body's last words and
 * the theme's footer) is no run. Each block of a hidden part of 8 words or
 * more gives every run of 8 consecutive words (a shingle); a shorter one of
 * at least 3 words, with a letter, gives itself whole. A shingle that also occurs in text
 * the audience may see (shown documents as it reads them, shown items, the
 * site's data files) is shared and no hit: "Executive committee" in a hidden
 * meeting and a shown one is not a leak.
 *
 * Shingles are 64-bit keys of a polynomial of their words' hashes (each
 * word hashed 8 bytes at a time), kept in one open-addressing table; a bit
 * filter of the keys (after the seal, of those no shown text has) spares
 * the table most lookups, and one of the last three words of the short
 * parts spares the short windows. Hidden parts go in on one thread, in path
 * order, so the position a hit names is the first in the site; the shown
 * text and the outputs are scanned on every core, repeated chunks of HTML
 * once a thread (the memo below). Cost is linear in the bytes scanned.
 */
#define _GNU_SOURCE /* memmem */
#include "plansite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { RUN = 8, SHORT_MIN = 3 };

/* How a text is read. */
enum gfmt { GF_PLAIN, GF_MD, GF_HTML, GF_JSON, GF_ICS };

#define KBITS 22 /* the shingle filter: 4 Mbit, 512 KiB */
#define TBITS 20 /* the short parts' last three words: 1 Mbit */
#define MULT 0x9E3779B97F4A7C15ULL

struct source_name {
	const char *path; /* in the guard's arena */
};

struct guard {
	enum visibility audience;
	struct arena arena;
	/* the table: keys (0 empty), where each was first found, shared */
	uint64_t *keys;
	uint64_t *where;   /* source index << 40 | line << 16 | col */
	unsigned char *shared;
	size_t cap, used;
	unsigned shorts;   /* bit k: some hidden part has exactly k words (3..7) */
	uint64_t *kfilter; /* 1 << KBITS bits: the keys in the table; once sealed,
			      those no shown text has */
	size_t unshared;   /* keys no shown text has (once sealed) */
	size_t hits;       /* outputs guard_scan found holding hidden text */
	uint64_t *tfilter; /* 1 << TBITS bits: the key of the last three words of
			      each short part */
	struct source_name *names;
	size_t nnames, capnames;
	/* shown text, scanned when sealed */
	struct shown {
		const char *p; /* the text: own, or borrowed from a site that
				  outlives the seal */
		size_t n;
		enum gfmt f;
		char *own;
	} *shown;
	size_t nshown, capshown;
	bool sealed;
	double seconds; /* spent in guard_add_site, guard_seal, guard_scan */
#ifdef PLANSITE_TEST_HOOKS
	/* the hidden text of each part, to plant the first run (tests only) */
	char **texts;
	enum gfmt *text_fmt;
	uint64_t *text_where;
	size_t ntexts, captexts;
#endif
	/* PDF texts given by the writer (rel, text) */
	struct guard_text {
		char *rel;
		char *text;
		size_t len;
	} *pdfs;
	size_t npdfs, cappdfs;
	pthread_mutex_t lock;
};

/* -------------------------------------------------------------- words */

/* Byte classes: 0 separator, 1 ASCII word byte, 2 a UTF-8 lead or
 * continuation byte (decided by guard_utf8). Lowercase in lower[]. */
static unsigned char cls[256], lower[256];
static uint64_t powers[RUN + 1];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	powers[0] = 1;
	for (int i = 1; i <= RUN; i++)
		powers[i] = powers[i - 1] * MULT;
	for (int c = 0; c < 256; c++) {
		lower[c] = (unsigned char)c;
		if (c >= 'A' && c <= 'Z') {
			cls[c] = 1;
			lower[c] = (unsigned char)(c - 'A' + 'a');
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			cls[c] = 1;
		} else if (c >= 0x80) {
			cls[c] = 2;
		}
	}
}

/* Whether code point u is a letter or a digit to the guard: anything but
 * the C1 controls, Latin-1 punctuation and symbols, × and ÷, the general
 * punctuation, super/subscript and currency blocks, CJK punctuation,
 * variation selectors, the BOM and specials. */
static bool cp_word(uint32_t u)
{
	if (u < 0x80)
		return u < 256 && cls[u] == 1;
	if (u < 0xC0)
		return u == 0xAA || u == 0xB5 || u == 0xBA;
	if (u == 0xD7 || u == 0xF7)
		return false;
	if (u >= 0x2000 && u <= 0x2BFF)
		return false;
	if (u >= 0x3000 && u <= 0x303F)
		return false;
	if ((u >= 0xFE00 && u <= 0xFE0F) || u == 0xFEFF || (u >= 0xFFF0 && u <= 0xFFFF))
		return false;
	return true;
}

/* The length of the UTF-8 sequence at s (at most n bytes) and its code
 * point; a bad byte is one separator byte. */
static size_t utf8_at(const unsigned char *s, size_t n, uint32_t *u)
{
	unsigned c = s[0];
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (len == 1 || len > n) {
		*u = 0xFFFD;
		return 1;
	}
	uint32_t v = c & (0x3F >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*u = 0xFFFD;
			return 1;
		}
		v = v << 6 | (s[i] & 0x3F);
	}
	*u = v;
	return len;
}

/*
 * Outputs repeat themselves: a report's project table is the same on every
 * report made from the same data, every page has the same header and
 * footer. So HTML is scanned in chunks, each from a line break after a tag
 * to a later one (chosen by the bytes before it, so that the same text
 * gives the same chunks wherever it starts), and a chunk that starts where
 * no window reaches back (run 0) gives what it gave before: the same bytes,
 * the same windows, the same end state. A memo (one a thread, a slot a
 * key) keeps the end state of chunks that held no hit.
 */
#define MEMO_BITS 15
struct memo_entry {
	uint64_t key;
	uint64_t pr[RUN + 1];
	unsigned run;
};

/* A hidden part read: its words are the scan's from w0, its blocks end at
 * the scan's breaks[b0..b1). */
struct hpart {
	const char *file;
	char *text; /* PLANSITE_TEST_HOOKS: a copy, for plant_text; else NULL */
	size_t n;
	int f;
	uint32_t line, col;
	size_t w0, b0, b1;
};

/* What a scan does with each window. */
enum gmode { GM_COLLECT, GM_SHOWN, GM_SCAN };

/* A scan in progress: the words so far (their hashes, the last RUN of them
 * in a ring), the word being read, and where it began. */
struct scan {
	const struct guard *g;
	enum gmode mode;
	/* the word being read */
	uint64_t acc, h;
	unsigned len, nacc;
	size_t start; /* offset of its first byte */
	uint32_t sline, scol;
	/* the words so far as a polynomial of their hashes, P = P * MULT + h,
	 * and its last values: the window of the last k words is
	 * P - P(k words before) * MULT^k, whatever came before */
	uint64_t P, pr[16];
	size_t offs[RUN], ends[RUN];
	uint64_t nw;
	unsigned run; /* consecutive words the filter has (GM_SHOWN, GM_SCAN) */
	/* position in the text read (GM_COLLECT, GF_MD) */
	uint32_t line, col;
	/* GM_COLLECT: every word of the part */
	uint64_t *wh;
	uint64_t *wpos; /* line << 16 | col */
	size_t *woff, *wend; /* its bytes in the text */
	size_t nwh, capwh;
	size_t *breaks; /* word counts at each block boundary */
	size_t nbreaks, capbreaks;
	/* GM_COLLECT: the parts read, kept for guard_add_site to put in the
	 * table in order when defer (read on another thread), else put at once */
	struct hpart *parts;
	size_t nparts, capparts;
	bool defer;
	/* GM_SCAN: the first hit */
	bool hit;
	uint64_t hit_key;
	size_t hit_from, hit_to; /* bytes of the text holding its words */
	/* GM_SCAN of HTML: what chunks of output gave before (scan_html) */
	struct memo_entry *memo;
	bool pend;
	uint64_t pend_key;
	size_t pend_end;
};

static inline bool kfilter_has(const uint64_t *f, uint64_t key)
{
	uint64_t b = key >> (64 - KBITS);
	return (f[b >> 6] >> (b & 63)) & 1;
}

static inline void kfilter_set(uint64_t *f, uint64_t key)
{
	uint64_t b = key >> (64 - KBITS);
	f[b >> 6] |= 1ULL << (b & 63);
}

static inline uint64_t key_fin(uint64_t acc, unsigned k)
{
	uint64_t x = (acc + k) * 0xD6E8FEB86659FD93ULL;
	x ^= x >> 31;
	return x ? x : 1;
}

/* The key of the window of the k words ending before wh[end]: the same
 * as word_end makes. */
static inline uint64_t key_of(const uint64_t *wh, size_t end, unsigned k)
{
	uint64_t acc = 0;
	for (unsigned i = 0; i < k; i++)
		acc += wh[end - 1 - i] * powers[i];
	return key_fin(acc, k);
}

static size_t slot_of(const struct guard *g, uint64_t key)
{
	size_t i = (size_t)key & (g->cap - 1);
	while (g->keys[i] && g->keys[i] != key)
		i = (i + 1) & (g->cap - 1);
	return i;
}

static void window_probe(struct scan *s, unsigned k, uint64_t key)
{
	const struct guard *g = s->g;
	size_t i = slot_of(g, key);
	if (!g->keys[i])
		return;
	if (s->mode == GM_SHOWN) {
		if (!g->shared[i])
			__atomic_store_n(&((struct guard *)g)->shared[i], 1, __ATOMIC_RELAXED);
		return;
	}
	if (g->shared[i] || s->hit)
		return;
	s->hit = true;
	s->hit_key = key;
	s->hit_from = s->offs[(s->nw - k) % RUN];
	s->hit_to = s->ends[(s->nw - 1) % RUN];
}

/* The window of the last k words, of key key: looked up when the filter
 * has it. */
static inline void window(struct scan *s, unsigned k, uint64_t key)
{
	if (kfilter_has(s->g->kfilter, key))
		window_probe(s, k, key);
}

/* The word read so far ends (at offset end). */
static inline void word_end(struct scan *s, size_t end)
{
	if (!s->len)
		return;
	uint64_t h = (s->h ^ s->acc ^ (uint64_t)s->len << 58) * MULT;
	h ^= h >> 32;
	s->len = 0;
	s->acc = 0;
	s->nacc = 0;
	s->h = 0;
	if (s->mode == GM_COLLECT) {
		if (s->nwh == s->capwh) {
			s->capwh = s->capwh ? s->capwh * 2 : 256;
			s->wh = xrealloc(s->wh, s->capwh * sizeof(*s->wh));
			s->wpos = xrealloc(s->wpos, s->capwh * sizeof(*s->wpos));
			s->woff = xrealloc(s->woff, s->capwh * sizeof(*s->woff));
			s->wend = xrealloc(s->wend, s->capwh * sizeof(*s->wend));
		}
		s->woff[s->nwh] = s->start;
		s->wend[s->nwh] = end;
		s->wpos[s->nwh] = (uint64_t)s->sline << 16 | (s->scol > 0xFFFF ? 0xFFFF : s->scol);
		s->wh[s->nwh++] = h;
		return;
	}
	s->P = s->P * MULT + h;
	s->pr[s->nw % 16] = s->P;
	s->offs[s->nw % RUN] = s->start;
	s->ends[s->nw % RUN] = end;
	s->nw++;
	if (s->run < RUN)
		s->run++;
	if (s->run < SHORT_MIN || (s->mode == GM_SCAN && s->hit))
		return;
	const struct guard *g = s->g;
	/* the window of 8 words, and the short ones only when the last three
	 * words end a short part */
	if (s->run == RUN)
		window(s, RUN, key_fin(s->P - s->pr[(s->nw - 1 - RUN) % 16] * powers[RUN], RUN));
	if (!g->shorts)
		return;
	uint64_t w3 = s->P - s->pr[(s->nw - 1 - SHORT_MIN) % 16] * powers[SHORT_MIN];
	uint64_t t = key_fin(w3, 0) >> (64 - TBITS);
	if (!((g->tfilter[t >> 6] >> (t & 63)) & 1))
		return;
	for (unsigned k = SHORT_MIN; k < RUN && k <= s->run; k++)
		if (g->shorts >> k & 1)
			window(s, k, key_fin(s->P - s->pr[(s->nw - 1 - k) % 16] * powers[k], k));
}

/* A block boundary (a paragraph's end, a table cell's, a JSON string's):
 * no run goes across it, in the outputs as in the sources. */
static inline void hard(struct scan *s, size_t off)
{
	word_end(s, off);
	if (s->mode != GM_COLLECT) {
		s->run = 0;
		return;
	}
	if (s->nbreaks && s->breaks[s->nbreaks - 1] == s->nwh)
		return;
	if (s->nbreaks == s->capbreaks) {
		s->capbreaks = s->capbreaks ? s->capbreaks * 2 : 64;
		s->breaks = xrealloc(s->breaks, s->capbreaks * sizeof(*s->breaks));
	}
	s->breaks[s->nbreaks++] = s->nwh;
}

/* A word byte c (already lowercased) at offset off. */
static inline void word_byte(struct scan *s, unsigned char c, size_t off)
{
	if (!s->len) {
		s->start = off;
		s->sline = s->line;
		s->scol = s->col;
	}
	s->acc = s->acc << 8 | c;
	s->len++;
	if (++s->nacc == 8) {
		s->h = (s->h ^ s->acc) * MULT;
		s->h ^= s->h >> 29;
		s->acc = 0;
		s->nacc = 0;
	}
}

/* The ASCII word bytes from p[i] on, all at once when a word starts there
 * and ends before a separator (8 bytes a load, lowercased by setting bit
 * 0x20, which letters and digits take as their lowercase), else the first
 * byte alone: the same hash either way. Returns the bytes taken. */
static inline size_t ascii_run(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	size_t j = i;
	if (s->len == 0) {
		while (j < n && cls[p[j]] == 1)
			j++;
		if (j == n || cls[p[j]] == 0) {
			s->start = i;
			s->sline = s->line;
			s->scol = s->col;
			size_t len = j - i, q = i;
			uint64_t h = 0, v;
			for (; q + 8 <= j; q += 8) {
				memcpy(&v, p + q, 8);
				v = __builtin_bswap64(v | 0x2020202020202020ULL);
				h = (h ^ v) * MULT;
				h ^= h >> 29;
			}
			uint64_t acc = 0;
			for (; q < j; q++)
				acc = acc << 8 | (p[q] | 0x20);
			s->h = h;
			s->acc = acc;
			s->nacc = (unsigned)(len % 8);
			s->len = (unsigned)len;
			return len;
		}
	}
	word_byte(s, lower[p[i]], i);
	return 1;
}

/* Code point u as word bytes, or a separator. */
static void word_cp(struct scan *s, uint32_t u, size_t off, size_t end)
{
	if (!cp_word(u)) {
		word_end(s, off);
		return;
	}
	unsigned char b[4];
	size_t n;
	if (u < 0x80) {
		b[0] = lower[u];
		n = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xC0 | u >> 6);
		b[1] = (unsigned char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (unsigned char)(0xE0 | u >> 12);
		b[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | u >> 18);
		b[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (u & 0x3F));
		n = 4;
	}
	for (size_t i = 0; i < n; i++)
		word_byte(s, b[i], off);
	(void)end;
}

/* One byte or UTF-8 sequence of text at p[i]; returns the bytes taken. */
static inline size_t text_at(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	unsigned char c = p[i];
	unsigned k = cls[c];
	if (k == 1) {
		size_t len = ascii_run(s, p, i, n);
		s->col += (uint32_t)len;
		return len;
	}
	if (k == 0) {
		word_end(s, i);
		if (c == '\n') {
			s->line++;
			s->col = 1;
		} else {
			s->col++;
		}
		return 1;
	}
	uint32_t u;
	size_t len = utf8_at(p + i, n - i, &u);
	if (cp_word(u)) {
		for (size_t j = 0; j < len; j++)
			word_byte(s, p[i + j], i);
	} else {
		word_end(s, i);
	}
	s->col++;
	return len;
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* An HTML character reference at p[i] ('&'): its code point as a word or a
 * separator; returns the bytes taken. */
static size_t entity_at(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	size_t j = i + 1;
	uint32_t u = 0;
	bool num = j < n && p[j] == '#';
	if (num) {
		j++;
		bool hex = j < n && (p[j] == 'x' || p[j] == 'X');
		if (hex)
			j++;
		size_t d0 = j;
		while (j < n && j - d0 < 8 && (hex ? hexval(p[j]) >= 0 : p[j] >= '0' && p[j] <= '9')) {
			u = u * (hex ? 16 : 10) + (uint32_t)hexval(p[j]);
			j++;
		}
		if (j == d0) {
			word_end(s, i);
			return 1;
		}
	} else {
		while (j < n && j - i < 12 && cls[p[j]] == 1)
			j++;
	}
	if (j < n && p[j] == ';')
		j++;
	if (num)
		word_cp(s, u, i, j);
	else
		word_end(s, i);
	return j - i;
}

/* At the start of a Markdown line p[i..e): the bytes of block syntax that
 * print no word (quote and list markers, a task's box, an ordered item's
 * number), or the whole line when it opens or closes a code fence (its
 * info string) or is a link reference definition. */
static size_t md_block_syntax(const unsigned char *p, size_t i, size_t e)
{
	size_t j = i;
	while (j < e && (p[j] == ' ' || p[j] == '\t' || p[j] == '>'))
		j++;
	if (j + 2 < e + 1 && j + 3 <= e &&
	    ((p[j] == '`' && p[j + 1] == '`' && p[j + 2] == '`') ||
	     (p[j] == '~' && p[j + 1] == '~' && p[j + 2] == '~')))
		return e - i;
	if (j < e && p[j] == '[') {
		const unsigned char *q = memchr(p + j, ']', e - j);
		if (q && (size_t)(q - p) + 1 < e && q[1] == ':')
			return e - i;
	}
	size_t d = j;
	while (d < e && d - j < 9 && p[d] >= '0' && p[d] <= '9')
		d++;
	if (d > j && d < e && (p[d] == '.' || p[d] == ')') && (d + 1 == e || p[d + 1] == ' '))
		j = d + 1;
	else if (j < e && (p[j] == '-' || p[j] == '*' || p[j] == '+') && j + 1 < e && p[j + 1] == ' ')
		j += 2;
	else
		return j - i;
	while (j < e && p[j] == ' ')
		j++;
	if (j + 2 < e && p[j] == '[' && (p[j + 1] == ' ' || p[j + 1] == 'x' || p[j + 1] == 'X') &&
	    p[j + 2] == ']')
		j += 3;
	return j - i;
}

/* Markdown: text, less block syntax (md_block_syntax) and link
 * destinations ("](...)"); character references decoded. */
static void scan_md(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i = 0;
	bool bol = true;
	while (i < n) {
		unsigned char c = p[i];
		if (bol) {
			bol = false;
			const unsigned char *nl = memchr(p + i, '\n', n - i);
			size_t e = nl ? (size_t)(nl - p) : n;
			size_t k = md_block_syntax(p, i, e);
			size_t j = i + k;
			while (j < e && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r'))
				j++;
			/* a blank line, a heading, an item, a quote, a table row, a
			 * fence: a new block */
			if (k || j == e || p[j] == '#' || p[j] == '|' || p[j] == '<')
				hard(s, i);
			if (k) {
				s->col += (uint32_t)k;
				i += k;
				continue;
			}
		}
		if (c == ']' && i + 1 < n && p[i + 1] == '(') {
			word_end(s, i);
			size_t j = i + 2;
			int depth = 1;
			while (j < n && p[j] != '\n' && depth) {
				if (p[j] == '(')
					depth++;
				else if (p[j] == ')')
					depth--;
				j++;
			}
			s->col += (uint32_t)(j - i);
			i = j;
			continue;
		}
		if (c == '&') {
			size_t k = entity_at(s, p, i, n);
			s->col += (uint32_t)k;
			i += k;
			continue;
		}
		if (c == '\n')
			bol = true;
		if (c == '|') {
			hard(s, i);
			s->col++;
			i++;
			continue;
		}
		i += text_at(s, p, i, n);
	}
}

/* Whether the tag whose name (after an optional '/') starts at p is one
 * of HTML's inline elements, inside a block; any other tag (of XML too)
 * is a block boundary. A <br> is inline: a Markdown hard line break, whose
 * words run on in the Markdown reading of a hidden part. */
static bool inline_tag(const unsigned char *p, size_t n)
{
	/* by length: the names of 1 to 6 letters, each ended by a space */
	static const char *const names[7] = {
		"", "a b i q s u ", "br em ", "bdi del dfn ins kbd sub sup var wbr ",
		"abbr cite code mark samp span time ", "small ", "strong "};
	size_t i = n && p[0] == '/' ? 1 : 0, j = i;
	while (j < n && j - i < 8 && cls[p[j]] == 1)
		j++;
	size_t len = j - i;
	if (!len || len > 6 || (j < n && cls[p[j]] == 1))
		return false;
	char name[8];
	for (size_t k = 0; k < len; k++)
		name[k] = (char)lower[p[i + k]];
	for (const char *q = names[len]; *q; q += len + 1)
		if (memcmp(q, name, len) == 0)
			return true;
	return false;
}

/* HTML and XML: text between tags, entities decoded; tags, comments and
 * what <script> and <style> hold are separators, and tags but inline
 * ones block boundaries. */
/* Where the chunk that starts at from ends: at the next line break after
 * a '>' whose bytes before it pick it (one in four), or after 4 KiB. */
static size_t chunk_end(const unsigned char *p, size_t from, size_t n)
{
	size_t q = from;
	for (;;) {
		const unsigned char *nl = memchr(p + q, '\n', n - q);
		if (!nl)
			return n;
		q = (size_t)(nl - p);
		if (q > from && p[q - 1] == '>') {
			if (q - from > 4096)
				return q;
			if (q >= from + 24) {
				uint64_t v;
				memcpy(&v, p + q - 24, 8);
				if ((v * MULT) >> 62 == 0)
					return q;
			}
		}
		q++;
	}
}

static void memo_put(struct scan *s)
{
	struct memo_entry *m = &s->memo[s->pend_key & ((1u << MEMO_BITS) - 1)];
	m->key = s->pend_key;
	m->run = s->run;
	for (unsigned k = 0; k <= RUN; k++)
		m->pr[k] = s->pr[(s->nw - 1 - RUN + k) % 16];
	s->pend = false;
}

/* At the line break p[i] after a tag, in GM_SCAN with a memo: skips the
 * chunk that follows when the memo has it (returns where it ends), or
 * marks it to be kept once scanned (returns i + 1). */
static size_t memo_chunk(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	size_t e = chunk_end(p, i + 1, n);
	uint64_t key = hash64(p + i + 1, e - i - 1, 0x9ad) | 1;
	struct memo_entry *m = &s->memo[key & ((1u << MEMO_BITS) - 1)];
	if (m->key == key) {
		s->nw += 16;
		for (unsigned k = 0; k <= RUN; k++)
			s->pr[(s->nw - 1 - RUN + k) % 16] = m->pr[k];
		s->P = m->pr[RUN];
		s->run = m->run;
		return e;
	}
	s->pend = true;
	s->pend_key = key;
	s->pend_end = e;
	return i + 1;
}

static void scan_html(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (s->pend && i >= s->pend_end) {
			if (i == s->pend_end && !s->hit)
				memo_put(s);
			s->pend = false;
		}
		if (c == '\n' && s->memo && !s->pend && !s->run && !s->hit && i && p[i - 1] == '>') {
			i = memo_chunk(s, p, i, n);
			continue;
		}
		if (cls[c] == 1) {
			i += ascii_run(s, p, i, n);
			continue;
		}
		if (c == '<') {
			word_end(s, i);
			if (i + 3 < n && p[i + 1] == '!' && p[i + 2] == '-' && p[i + 3] == '-') {
				const unsigned char *e = memmem(p + i + 4, n - i - 4, "-->", 3);
				i = e ? (size_t)(e - p) + 3 : n;
				continue;
			}
			const char *tag = (const char *)p + i + 1;
			bool script = i + 7 < n && (p[i + 1] | 0x20) == 's' &&
				      (strncasecmp(tag, "script", 6) == 0 || strncasecmp(tag, "style", 5) == 0);
			if (!inline_tag(p + i + 1, n - i - 1))
				hard(s, i);
			const unsigned char *e = memchr(p + i, '>', n - i);
			i = e ? (size_t)(e - p) + 1 : n;
			if (script) {
				const unsigned char *q = memmem(p + i, n - i, "</", 2);
				i = q ? (size_t)(q - p) : n;
			}
			continue;
		}
		if (c == '&') {
			i += entity_at(s, p, i, n);
			continue;
		}
		i += text_at(s, p, i, n);
	}
	word_end(s, n);
	if (s->pend && i == s->pend_end && !s->hit)
		memo_put(s);
	s->pend = false;
}

/* JSON: the text of strings, escapes decoded; the "words" of a search
 * entry (its distinct words, in no order of the text) are left out. */
static void scan_json(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] != '"') {
			i++;
			continue;
		}
		bool skip = i + 9 <= n && memcmp(p + i, "\"words\":\"", 9) == 0;
		if (skip)
			i += 8;
		i++;
		hard(s, i);
		while (i < n && p[i] != '"') {
			unsigned char c = p[i];
			if (skip) {
				i += c == '\\' ? 2 : 1;
				continue;
			}
			if (c != '\\') {
				i += text_at(s, p, i, n);
				continue;
			}
			if (i + 1 < n && p[i + 1] == 'u' && i + 6 <= n) {
				uint32_t u = 0;
				bool ok = true;
				for (int k = 0; k < 4; k++) {
					int v = hexval(p[i + 2 + k]);
					ok = ok && v >= 0;
					u = u << 4 | (uint32_t)(v < 0 ? 0 : v);
				}
				size_t len = 6;
				if (ok && u >= 0xD800 && u < 0xDC00 && i + 12 <= n && p[i + 6] == '\\' &&
				    p[i + 7] == 'u') {
					uint32_t lo = 0;
					for (int k = 0; k < 4; k++) {
						int v = hexval(p[i + 8 + k]);
						lo = lo << 4 | (uint32_t)(v < 0 ? 0 : v);
					}
					if (lo >= 0xDC00 && lo < 0xE000) {
						u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
						len = 12;
					}
				}
				if (ok)
					word_cp(s, u, i, i + len);
				else
					word_end(s, i);
				i += len;
				continue;
			}
			word_end(s, i);
			i += 2;
		}
		word_end(s, i);
		i++;
	}
	word_end(s, n);
}

/* iCalendar: lines unfolded (a line break and a space or tab join the
 * lines), escapes (\\ \; \, \n) as separators. */
static void scan_ics(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == '\r' && i + 2 < n && p[i + 1] == '\n' && (p[i + 2] == ' ' || p[i + 2] == '\t')) {
			i += 3;
			continue;
		}
		if (c == '\n' && i + 1 < n && (p[i + 1] == ' ' || p[i + 1] == '\t')) {
			i += 2;
			continue;
		}
		if (c == '\\') {
			word_end(s, i);
			i += 2;
			continue;
		}
		if (c == '\n')
			hard(s, i);
		i += text_at(s, p, i, n);
	}
	word_end(s, n);
}

static void scan_init(struct scan *s, const struct guard *g, enum gmode mode)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
	s->mode = mode;
	s->line = 1;
	s->col = 1;
}

static void scan_release(struct scan *s)
{
	free(s->wh);
	free(s->wpos);
	free(s->woff);
	free(s->wend);
	free(s->breaks);
	free(s->parts);
}

static void scan_run(struct scan *s, const char *text, size_t n, enum gfmt f)
{
	pthread_once(&tables_once, tables_init);
	const unsigned char *p = (const unsigned char *)text;
	switch (f) {
	case GF_MD:
		scan_md(s, p, n);
		word_end(s, n);
		break;
	case GF_HTML:
		scan_html(s, p, n);
		break;
	case GF_JSON:
		scan_json(s, p, n);
		break;
	case GF_ICS:
		scan_ics(s, p, n);
		break;
	case GF_PLAIN:
		for (size_t i = 0; i < n;) {
			if (p[i] == '\n' && i + 1 < n && p[i + 1] == '\n')
				hard(s, i);
			i += text_at(s, p, i, n);
		}
		word_end(s, n);
		break;
	}
}

/* ------------------------------------------------------- hidden parts */

static void table_grow(struct guard *g)
{
	size_t ocap = g->cap;
	uint64_t *ok = g->keys, *ow = g->where;
	g->cap = ocap ? ocap * 2 : 1u << 12;
	g->keys = xcalloc(g->cap, sizeof(*g->keys));
	g->where = xmalloc(g->cap * sizeof(*g->where));
	for (size_t i = 0; i < ocap; i++) {
		if (!ok[i])
			continue;
		size_t j = slot_of(g, ok[i]);
		g->keys[j] = ok[i];
		g->where[j] = ow[i];
	}
	free(ok);
	free(ow);
}

static void table_put(struct guard *g, uint64_t key, uint64_t where)
{
	if ((g->used + 1) * 2 > g->cap)
		table_grow(g);
	size_t i = slot_of(g, key);
	if (g->keys[i])
		return; /* the first place it was found stays */
	g->keys[i] = key;
	g->where[i] = where;
	g->used++;
	kfilter_set(g->kfilter, key);
}

/* The index of path in the guard's names (copied). */
static uint64_t name_index(struct guard *g, const char *path)
{
	if (g->nnames && strcmp(g->names[g->nnames - 1].path, path) == 0)
		return g->nnames - 1;
	if (g->nnames == g->capnames) {
		g->capnames = g->capnames ? g->capnames * 2 : 64;
		g->names = xrealloc(g->names, g->capnames * sizeof(*g->names));
	}
	g->names[g->nnames].path = arena_strdup(&g->arena, path ? path : "");
	return g->nnames++;
}

/* Puts the windows of part (read by s) in the table. */
static void insert_part(struct guard *g, const struct scan *s, const struct hpart *part)
{
	uint64_t src = name_index(g, part->file);
	size_t lo = part->w0;
	for (size_t bi = part->b0; bi < part->b1; bi++) {
		size_t hi = s->breaks[bi];
		if (hi >= lo + SHORT_MIN) {
			unsigned k = hi - lo >= RUN ? RUN : (unsigned)(hi - lo);
			if (k < RUN) {
				g->shorts |= 1u << k;
				uint64_t acc = 0;
				for (unsigned q = 0; q < SHORT_MIN; q++)
					acc += s->wh[hi - 1 - q] * powers[q];
				uint64_t t = key_fin(acc, 0) >> (64 - TBITS);
				g->tfilter[t >> 6] |= 1ULL << (t & 63);
			}
			for (size_t i = lo + k; i <= hi; i++)
				table_put(g, key_of(s->wh, i, k), src << 40 | s->wpos[i - k]);
		}
		if (hi > lo)
			lo = hi;
	}
#ifdef PLANSITE_TEST_HOOKS
	if (g->ntexts == g->captexts) {
		g->captexts = g->captexts ? g->captexts * 2 : 64;
		g->texts = xrealloc(g->texts, g->captexts * sizeof(*g->texts));
		g->text_fmt = xrealloc(g->text_fmt, g->captexts * sizeof(*g->text_fmt));
		g->text_where = xrealloc(g->text_where, g->captexts * sizeof(*g->text_where));
	}
	g->texts[g->ntexts] = part->text; /* taken over */
	g->text_fmt[g->ntexts] = (enum gfmt)part->f;
	g->text_where[g->ntexts++] = src << 40 | s->wpos[part->w0];
#endif
}

/* Reads the hidden part text (of format f) found at file:line:col into s,
 * and puts it in the table unless s defers. No thread but guard_add_site's
 * touches g here when s defers. */
static void add_hidden(struct guard *g, struct scan *s, const char *file, uint32_t line,
		       uint32_t col, const char *text, size_t n, enum gfmt f)
{
	if (!text || !n)
		return;
	size_t w0 = s->nwh, b0 = s->nbreaks;
	hard(s, 0); /* its own first block */
	s->line = line;
	s->col = col;
	scan_run(s, text, n, f);
	hard(s, n);
	/* a part without a letter (a date, a time, a number) is not text */
	bool letter = false;
	for (size_t i = 0; i < n && !letter && s->nwh >= w0 + SHORT_MIN; i++) {
		unsigned char c = (unsigned char)text[i];
		letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
		letter = letter || c >= 0xC0;
	}
	if (!letter) {
		s->nwh = w0;
		s->nbreaks = b0;
		return;
	}
	if (s->nparts == s->capparts) {
		s->capparts = s->capparts ? s->capparts * 2 : 16;
		s->parts = xrealloc(s->parts, s->capparts * sizeof(*s->parts));
	}
	/* (a front matter's strings go with their parse before a deferred
	 * part is put in the table: what the plant needs is copied) */
	char *copy = NULL;
#ifdef PLANSITE_TEST_HOOKS
	copy = xstrndup(text, n);
#endif
	s->parts[s->nparts++] = (struct hpart){file, copy, n, f, line, col, w0, b0, s->nbreaks};
	if (s->defer)
		return;
	insert_part(g, s, &s->parts[0]);
	s->nwh = s->nbreaks = s->nparts = 0;
}

/* Every string scalar of v, each a hidden part. */
static void add_hidden_value(struct guard *g, struct scan *s, const struct value *v, int depth)
{
	if (!v || depth > 64)
		return;
	if (v->kind == VALUE_LIST) {
		for (size_t i = 0; i < v->n; i++)
			add_hidden_value(g, s, v->u.items[i], depth + 1);
	} else if (v->kind == VALUE_MAP) {
		for (size_t i = 0; i < v->n; i++)
			add_hidden_value(g, s, v->u.pairs[i].val, depth + 1);
	} else if (v->kind == VALUE_STRING && v->str && !id_valid(v->str)) {
		/* (an id names something else: a person, a project) */
		add_hidden(g, s, v->pos.file, v->pos.line, v->pos.col, v->str, v->len, GF_PLAIN);
	}
}

/* The text of lines [from, to] (1-based, of the file) of doc's body. */
static bool body_lines(const struct doc *doc, uint32_t from, uint32_t to, const char **p,
		       size_t *n)
{
	if (!doc->body || from > to || from < doc->body_line)
		return false;
	const char *s = doc->body, *e = doc->body + doc->body_len;
	for (uint32_t l = doc->body_line; l < from && s < e; l++) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		s = nl ? nl + 1 : e;
	}
	const char *t = s;
	for (uint32_t l = from; l <= to && t < e; l++) {
		const char *nl = memchr(t, '\n', (size_t)(e - t));
		t = nl ? nl + 1 : e;
	}
	*p = s;
	*n = (size_t)(t - s);
	return t > s;
}

/* A hidden document's front matter, every string of it. */
static void add_hidden_front(struct guard *g, struct scan *s, const struct doc *doc)
{
	const struct source_file *f = doc->file;
	if (!f || !f->data)
		return;
	struct frontmatter fm;
	const char *err;
	uint32_t err_line;
	if (!frontmatter_split(f->data, f->len, &fm, &err, &err_line))
		return;
	struct arena a = ARENA_INIT;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	struct value *v = yaml_parse(&a, fm.yaml, fm.yaml_len, doc->path, fm.yaml_line,
				     &yaml_default_limits, &d);
	add_hidden_value(g, s, v, 0);
	diag_release(&d);
	arena_release(&a);
}

/* Appends shown text: s[0..n) as a format f text of its own. */
static void add_shown(struct guard *g, const char *text, size_t n, enum gfmt f, char *own)
{
	if (!text || !n) {
		free(own);
		return;
	}
	if (g->nshown == g->capshown) {
		g->capshown = g->capshown ? g->capshown * 2 : 16;
		g->shown = xrealloc(g->shown, g->capshown * sizeof(*g->shown));
	}
	g->shown[g->nshown++] = (struct shown){text, n, f, own};
}

/* Shown text of one short field, into a shown buffer of fields (each
 * field its own run: separated by a line the scan cannot join across). */
static void shown_field(struct buf *b, const char *s)
{
	if (!s)
		return;
	buf_puts(b, s);
	buf_puts(b, "\n\x01\n");
}

/* An item's text (a person's name, a decision, an action): shown text when
 * the audience may see the item, else hidden text at its position. */
static void item_field(struct guard *g, struct scan *sc, struct buf *shown, enum visibility vis,
		       struct pos pos, const char *text)
{
	if (vis_shown(vis, g->audience))
		shown_field(shown, text);
	else if (text)
		add_hidden(g, sc, pos.file, pos.line, pos.col, text, strlen(text), GF_PLAIN);
}

struct guard *guard_new(enum visibility audience)
{
	struct guard *g = xcalloc(1, sizeof(*g));
	g->audience = audience;
	g->kfilter = xcalloc((1u << KBITS) / 64, sizeof(uint64_t));
	g->tfilter = xcalloc((1u << TBITS) / 64, sizeof(uint64_t));
	pthread_mutex_init(&g->lock, NULL);
	table_grow(g);
	return g;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What of document doc (of site s) the audience may see is shown text;
 * what it may not is hidden. */
/* Whether the audience may see doc whole: nothing of it is hidden. */
static bool doc_whole(const struct guard *g, const struct doc *doc)
{
	if (!vis_shown(doc->vis, g->audience) || doc->flawed)
		return false;
	for (size_t i = 0; i < doc->nfences; i++)
		if (!vis_shown(doc->fences[i].vis, g->audience))
			return false;
	return true;
}

/* What of document doc the audience may not see, read into s. */
static void add_doc_hidden(struct guard *g, struct scan *s, const struct doc *doc)
{
	enum visibility aud = g->audience;
	if (!vis_shown(doc->vis, aud) || doc->flawed) {
		/* the whole of it: its body and every string of its front matter */
		add_hidden(g, s, doc->path, doc->body_line, 1, doc->body, doc->body_len, GF_MD);
		add_hidden_front(g, s, doc);
		if (doc->title)
			add_hidden(g, s, doc->path, 1, 1, doc->title, strlen(doc->title), GF_PLAIN);
		return;
	}
	for (size_t i = 0; i < doc->nfences; i++) {
		const struct fence *fc = &doc->fences[i];
		const char *p;
		size_t n;
		if (!vis_shown(fc->vis, aud) && fc->close_line > fc->open_line + 1 &&
		    body_lines(doc, fc->open_line + 1, fc->close_line - 1, &p, &n))
			add_hidden(g, s, doc->path, fc->open_line + 1, 1, p, n, GF_MD);
	}
}

/* What of document doc the audience may see, as shown text. */
static void add_doc_shown(struct guard *g, const struct doc *doc, struct buf *shown)
{
	enum visibility aud = g->audience;
	if (!vis_shown(doc->vis, aud) || doc->flawed)
		return;
	bool cut = false;
	for (size_t i = 0; i < doc->nfences && !cut; i++)
		cut = !vis_shown(doc->fences[i].vis, aud);
	if (doc->body && !cut) {
		/* read as it is (the site outlives the seal): fence lines are
		 * comments, which print no word the output has not */
		add_shown(g, doc->body, doc->body_len, GF_MD, NULL);
	} else if (doc->body) {
		struct buf b = BUF_INIT;
		markdown_audience_body(doc, aud, &b);
		size_t len = b.len;
		char *own = buf_detach(&b, NULL);
		add_shown(g, own, len, GF_MD, own);
	}
	shown_field(shown, doc->title);
	shown_field(shown, doc->summary);
}

/* The hidden parts of a batch of documents, read on every core, each
 * into a scan of its own. */
struct hidden_job {
	struct guard *g;
	const struct doc **docs;
	struct scan *scans;
};

static void hidden_one(void *ctx, size_t i)
{
	struct hidden_job *j = ctx;
	add_doc_hidden(j->g, &j->scans[i], j->docs[i]);
}

/* Every document's hidden parts into the table, in path order (the first
 * place a run is found is the one a hit names), read in batches on every
 * core. */
static void add_docs_hidden(struct guard *g, const struct site *site)
{
	enum { BATCH = 256 };
	const struct doc *docs[BATCH];
	struct scan scans[BATCH];
	struct hidden_job j = {g, docs, scans};
	size_t i = 0;
	while (i < site->ndocs) {
		size_t nb = 0;
		for (; i < site->ndocs && nb < BATCH; i++)
			if (!doc_whole(g, site->docs[i]))
				docs[nb++] = site->docs[i];
		for (size_t k = 0; k < nb; k++) {
			scan_init(&scans[k], g, GM_COLLECT);
			scans[k].defer = true;
		}
		run_each(nb, (size_t)plansite_jobs(), hidden_one, &j);
		for (size_t k = 0; k < nb; k++) {
			for (size_t q = 0; q < scans[k].nparts; q++)
				insert_part(g, &scans[k], &scans[k].parts[q]);
			scan_release(&scans[k]);
		}
	}
}

void guard_add_site(struct guard *g, const struct site *site)
{
	double t0 = now_s();
	enum visibility aud = g->audience;
	struct scan s;
	scan_init(&s, g, GM_COLLECT);
	struct buf shown = BUF_INIT;
	const struct site_config *c = &site->config;
	shown_field(&shown, c->title);
	shown_field(&shown, c->tagline);
	shown_field(&shown, c->organisation);
	shown_field(&shown, c->contact_email);
	shown_field(&shown, c->contact_address);
	const struct plan *pl = &site->plan;
	shown_field(&shown, pl->title);
	for (size_t i = 0; i < pl->nlevels; i++)
		shown_field(&shown, pl->levels[i].name);
	for (size_t i = 0; i < pl->nareas; i++)
		shown_field(&shown, pl->areas[i].name);
	for (size_t i = 0; i < pl->nmilestones; i++) {
		shown_field(&shown, pl->milestones[i].name);
		for (size_t k = 0; k < pl->milestones[i].nchecks; k++)
			shown_field(&shown, pl->milestones[i].checks[k].text);
	}
	for (size_t i = 0; i < pl->nfunding; i++)
		shown_field(&shown, pl->funding[i].name);
	for (size_t i = 0; i < pl->nobjectives; i++)
		shown_field(&shown, pl->objectives[i].text);
	for (size_t i = 0; i < site->npractices; i++) {
		const struct practice *p = &site->practices[i];
		shown_field(&shown, p->name);
		shown_field(&shown, p->town);
		shown_field(&shown, p->address);
	}
	for (size_t i = 0; i < site->npeople; i++) {
		const struct person *p = &site->people[i];
		/* a person it may not see is named by their role alone */
		item_field(g, &s, &shown, p->vis, p->pos, p->name);
		shown_field(&shown, p->role);
		shown_field(&shown, p->organisation);
	}
	for (size_t i = 0; i < site->ndocs; i++)
		add_doc_shown(g, site->docs[i], &shown);
	add_docs_hidden(g, site);
	for (size_t i = 0; i < site->nprojects; i++) {
		const struct project *p = &site->projects[i];
		if (!vis_shown(p->doc.vis, aud))
			continue;
		for (size_t k = 0; k < p->napprovals; k++)
			shown_field(&shown, p->approvals[k].by);
	}
	for (size_t i = 0; i < site->nmeetings; i++) {
		const struct meeting *m = &site->meetings[i];
		if (!vis_shown(m->doc.vis, aud) || m->doc.flawed)
			continue;
		shown_field(&shown, m->venue);
		shown_field(&shown, m->next.venue);
		shown_field(&shown, m->next.note);
		for (size_t k = 0; k < m->nguests; k++)
			shown_field(&shown, m->guests[k]);
		for (size_t k = 0; k < m->ndecisions; k++) {
			const struct decision *dc = &m->decisions[k];
			item_field(g, &s, &shown, dc->vis, dc->pos, dc->text);
		}
		for (size_t k = 0; k < m->nactions; k++) {
			const struct action *ac = &m->actions[k];
			item_field(g, &s, &shown, ac->vis, ac->pos, ac->text);
		}
	}
	size_t len = shown.len;
	char *own = buf_detach(&shown, NULL);
	add_shown(g, own, len, GF_PLAIN, own);
	scan_release(&s);
	g->seconds += now_s() - t0;
}

/* --------------------------------------------------------- sealing */

struct shown_job {
	struct guard *g;
};

static void shown_one(void *ctx, size_t i)
{
	struct guard *g = ((struct shown_job *)ctx)->g;
	const struct shown *b = &g->shown[i];
	struct scan s;
	scan_init(&s, g, GM_SHOWN);
	/* fields are kept apart by the \x01 lines: a run of no words */
	const char *p = b->p, *e = b->p + b->n;
	enum gfmt f = b->f;
	while (p < e) {
		const char *q = f == GF_PLAIN ? memmem(p, (size_t)(e - p), "\n\x01\n", 3) : NULL;
		size_t n = q ? (size_t)(q - p) : (size_t)(e - p);
		s.run = 0;
		scan_run(&s, p, n, f);
		p += n + (q ? 3 : 0);
	}
	scan_release(&s);
}

void guard_seal(struct guard *g)
{
	if (g->sealed)
		return;
	double t0 = now_s();
	g->shared = xcalloc(g->cap, 1);
	struct shown_job j = {g};
	if (g->used) /* nothing hidden, nothing to compare */
		run_each(g->nshown, (size_t)plansite_jobs(), shown_one, &j);
	for (size_t i = 0; i < g->nshown; i++)
		free(g->shown[i].own);
	free(g->shown);
	g->shown = NULL;
	g->nshown = g->capshown = 0;
	/* from now on the filter holds only what can be a hit */
	memset(g->kfilter, 0, (1u << KBITS) / 8);
	for (size_t i = 0; i < g->cap; i++)
		if (g->keys[i] && !g->shared[i]) {
			kfilter_set(g->kfilter, g->keys[i]);
			g->unshared++;
		}
	g->sealed = true;
	g->seconds += now_s() - t0;
}

/* ------------------------------------------------------------ scanning */

static enum gfmt format_of(const char *rel)
{
	const char *dot = strrchr(rel, '.');
	const char *slash = strrchr(rel, '/');
	if (!dot || (slash && dot < slash))
		return (enum gfmt)-1;
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm") || !strcmp(dot, ".xml"))
		return GF_HTML;
	if (!strcmp(dot, ".json"))
		return GF_JSON;
	if (!strcmp(dot, ".ics"))
		return GF_ICS;
	return (enum gfmt)-1;
}

void guard_pdf_text(struct guard *g, const char *rel, const struct pdf_doc *doc)
{
	if (!g)
		return;
	struct buf b = BUF_INIT;
	const char *meta[] = {doc->title, doc->author, doc->subject, doc->header};
	for (size_t i = 0; i < 4; i++)
		if (meta[i]) {
			pdf_inline_text(&b, meta[i]);
			buf_putc(&b, '\n');
		}
	for (size_t i = 0; i < doc->nblocks; i++) {
		const struct pdf_block *k = &doc->blocks[i];
		if (k->text) {
			pdf_inline_text(&b, k->text);
			buf_putc(&b, '\n');
		}
		const struct pdf_table *t = &k->table;
		for (size_t c = 0; t->cells && c < t->ncols * t->nrows; c++)
			if (t->cells[c]) {
				pdf_inline_text(&b, t->cells[c]);
				buf_putc(&b, '\n');
			}
	}
	pthread_mutex_lock(&g->lock);
	if (g->npdfs == g->cappdfs) {
		g->cappdfs = g->cappdfs ? g->cappdfs * 2 : 16;
		g->pdfs = xrealloc(g->pdfs, g->cappdfs * sizeof(*g->pdfs));
	}
	struct guard_text *gt = &g->pdfs[g->npdfs++];
	gt->rel = xstrdup(rel);
	gt->len = b.len;
	gt->text = buf_detach(&b, NULL);
	pthread_mutex_unlock(&g->lock);
}

/* Whether rel is a file of a published version (versions/<slug>/...):
 * each was guarded as an output of its own when it was rendered, against
 * its own tree (render_version), which may show what today's hides in a
 * fence (withdrawal takes documents and items, not fences, out of old
 * versions). versions/index.html is today's. */
static bool old_version(const char *rel)
{
	return strncmp(rel, "versions/", 9) == 0 && strchr(rel + 9, '/') != NULL;
}

/* One output scanned: where its first hit is. */
struct hit {
	bool found;
	uint64_t where;
	char *excerpt;
};

struct scan_job {
	struct guard *g;
	int sfd;
	const struct written_file *files;
	size_t nfiles;
	struct hit *hits; /* nfiles + npdfs */
	int rc;
	size_t next, total;
};

/* The words of a hit, as a short excerpt: its text with tags and
 * entities as spaces, at most 60 bytes, cut at a character. */
static char *excerpt_of(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	bool in_tag = false, sp = false;
	for (size_t i = 0; i < n && b.len < 60; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '<')
			in_tag = true;
		if (c == '&' && !in_tag) { /* a character reference: a space */
			const char *semi = memchr(p + i, ';', n - i < 12 ? n - i : 12);
			if (semi)
				i = (size_t)(semi - p);
		}
		bool blank = in_tag || c < 0x20 || c == ' ' || c == '\\' || c == '&';
		if (c == '>')
			in_tag = false;
		if (blank) {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			buf_putc(&b, ' ');
		sp = false;
		buf_putc(&b, (char)c);
	}
	size_t len = b.len;
	while (len > 0 && ((unsigned char)b.ptr[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0 && (unsigned char)b.ptr[len - 1] >= 0xC0)
		len--;
	else
		len = b.len;
	buf_truncate(&b, len);
	return buf_detach(&b, NULL);
}

/* Scans one text; with a memo (HTML), a hit is looked for again without
 * it, for the excerpt's bytes. */
static void scan_text(struct guard *g, const char *p, size_t n, enum gfmt f, struct hit *h,
		      struct memo_entry *memo)
{
	struct scan s;
	scan_init(&s, g, GM_SCAN);
	s.memo = f == GF_HTML ? memo : NULL;
	scan_run(&s, p, n, f);
	if (s.hit && s.memo) {
		scan_release(&s);
		scan_init(&s, g, GM_SCAN);
		scan_run(&s, p, n, f);
	}
	if (s.hit) {
		h->found = true;
		h->where = g->where[slot_of(g, s.hit_key)];
		h->excerpt = excerpt_of(p + s.hit_from, s.hit_to - s.hit_from);
	}
	scan_release(&s);
}

static void scan_one(struct scan_job *j, size_t i, struct memo_entry *memo)
{
	struct guard *g = j->g;
	if (i >= j->nfiles) {
		const struct guard_text *t = &g->pdfs[i - j->nfiles];
		scan_text(g, t->text, t->len, GF_PLAIN, &j->hits[i], NULL);
		return;
	}
	const char *rel = j->files[i].path;
	enum gfmt f = format_of(rel);
	if ((int)f < 0 || old_version(rel))
		return;
	int fd = openat(j->sfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		__atomic_store_n(&j->rc, -1, __ATOMIC_RELAXED);
		return;
	}
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			__atomic_store_n(&j->rc, -1, __ATOMIC_RELAXED);
		} else {
			scan_text(g, m, (size_t)st.st_size, f, &j->hits[i], memo);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
}

/* One scanning thread: the next file while there is one, with a memo of
 * its own. */
static void *scan_worker(void *ctx)
{
	struct scan_job *j = ctx;
	struct memo_entry *memo = xcalloc(1u << MEMO_BITS, sizeof(*memo));
	for (;;) {
		size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		if (i >= j->total)
			break;
		scan_one(j, i, memo);
	}
	free(memo);
	return NULL;
}

#ifdef PLANSITE_TEST_HOOKS
/* The first hidden run of the build that is no shared one: its words,
 * written as format f would write them. Tests only. */
static bool plant_text(struct guard *g, enum gfmt f, struct buf *out)
{
	size_t best = SIZE_MAX;
	struct scan s;
	scan_init(&s, g, GM_COLLECT);
	size_t from = 0, k = 0;
	for (size_t t = 0; t < g->ntexts; t++) {
		if (best != SIZE_MAX && g->text_where[t] >= g->text_where[best])
			continue;
		s.nwh = 0;
		s.nbreaks = 0;
		scan_run(&s, g->texts[t], strlen(g->texts[t]), g->text_fmt[t]);
		hard(&s, 0);
		size_t lo = 0;
		for (size_t bi = 0; bi < s.nbreaks && best != t; bi++) {
			size_t hi = s.breaks[bi];
			unsigned kk = hi - lo >= RUN ? RUN : (unsigned)(hi - lo);
			for (size_t i = lo + kk; kk >= SHORT_MIN && i <= hi; i++) {
				size_t slot = slot_of(g, key_of(s.wh, i, kk));
				if (g->keys[slot] && !g->shared[slot]) {
					best = t;
					from = i - kk;
					k = kk;
					break;
				}
			}
			lo = hi;
		}
	}
	if (best == SIZE_MAX) {
		scan_release(&s);
		return false;
	}
	/* the words again, as text */
	const char *p = g->texts[best];
	s.nwh = 0;
	s.nbreaks = 0;
	scan_run(&s, p, strlen(p), g->text_fmt[best]);
	struct buf words = BUF_INIT;
	for (size_t i = from; i < from + k && i < s.nwh; i++) {
		if (words.len)
			buf_putc(&words, ' ');
		buf_put(&words, p + s.woff[i], s.wend[i] - s.woff[i]);
	}
	scan_release(&s);
	/* as the format writes it: markup between the words, a fold */
	switch (f) {
	case GF_HTML:
		buf_puts(out, "\n<p><em>");
		for (size_t i = 0; i < words.len; i++)
			if (words.ptr[i] == ' ')
				buf_puts(out, i % 2 ? "</em> <b>" : "&#32;");
			else
				buf_putc(out, words.ptr[i]);
		buf_puts(out, "</b></p>\n");
		break;
	case GF_JSON:
		buf_puts(out, "\n{\"summary\":\"");
		for (size_t i = 0; i < words.len; i++)
			buf_puts(out, words.ptr[i] == ' ' ? "\\u0020" : (char[]){words.ptr[i], 0});
		buf_puts(out, "\"}\n");
		break;
	case GF_ICS:
		buf_puts(out, "DESCRIPTION:");
		for (size_t i = 0; i < words.len; i++) {
			if (i == words.len / 2)
				buf_puts(out, "\r\n ");
			buf_puts(out, words.ptr[i] == ' ' ? "\\, " : (char[]){words.ptr[i], 0});
		}
		buf_puts(out, "\r\n");
		break;
	default:
		buf_putc(out, '\n');
		buf_put(out, words.ptr, words.len);
		buf_putc(out, '\n');
	}
	buf_release(&words);
	return true;
}

/* PLANSITE_TEST_PLANT=rel: the first hidden run put into rel (a file of
 * the staging folder, or a PDF's text) before the scan. */
static void plant(struct guard *g, int sfd)
{
	const char *rel = getenv("PLANSITE_TEST_PLANT");
	if (!rel || !*rel)
		return;
	for (size_t i = 0; i < g->npdfs; i++)
		if (!strcmp(g->pdfs[i].rel, rel)) {
			struct buf b = BUF_INIT;
			buf_put(&b, g->pdfs[i].text, g->pdfs[i].len);
			if (plant_text(g, GF_PLAIN, &b)) {
				free(g->pdfs[i].text);
				g->pdfs[i].len = b.len;
				g->pdfs[i].text = buf_detach(&b, NULL);
			}
			buf_release(&b);
			return;
		}
	enum gfmt f = format_of(rel);
	struct buf b = BUF_INIT;
	int fd = openat(sfd, rel, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && plant_text(g, (int)f < 0 ? GF_PLAIN : f, &b) &&
	    write(fd, b.ptr, b.len) != (ssize_t)b.len)
		fprintf(stderr, "plansite: cannot plant into '%s'\n", rel);
	if (fd >= 0)
		close(fd);
	buf_release(&b);
}
#endif

int guard_scan(struct guard *g, int sfd, const char *out, const struct written_file *files,
	       size_t n, struct diag *d)
{
	guard_seal(g);
	double t0 = now_s();
#ifdef PLANSITE_TEST_HOOKS
	plant(g, sfd);
#endif
	/* the table keeps only what can be a hit: a hidden part's shingles
	 * that no shown text has */
	size_t total = n + g->npdfs;
	struct scan_job j = {g, sfd, files, n, xcalloc(total ? total : 1, sizeof(struct hit)), 0,
			     0, total};
	if (g->unshared) {
		pthread_t th[RUN_EACH_MAX];
		size_t nt = (size_t)plansite_jobs(), started = 0;
		for (size_t t = 1; t < nt && t < RUN_EACH_MAX; t++)
			if (pthread_create(&th[started], NULL, scan_worker, &j) == 0)
				started++;
		scan_worker(&j);
		for (size_t t = 0; t < started; t++)
			pthread_join(th[t], NULL);
	}
	int hits = 0;
	for (size_t i = 0; i < total; i++) {
		struct hit *h = &j.hits[i];
		if (!h->found)
			continue;
		const char *rel = i < n ? files[i].path : g->pdfs[i - n].rel;
		uint64_t src = h->where >> 40;
		struct pos p = {diag_keep(d, g->names[src].path), (uint32_t)((h->where >> 16) & 0xFFFFFF),
				(uint32_t)(h->where & 0xFFFF)};
		diag_error(d, p, "E030",
			   "text hidden from the %s build appears in %s/%s (\"%s\u2026\"); nothing "
			   "was published: if the text is meant for this audience, widen the "
			   "visibility of its part, else the theme or plansite leaks it",
			   visibility_name(g->audience), out, rel, h->excerpt);
		free(h->excerpt);
		hits++;
	}
	free(j.hits);
	g->hits += (size_t)hits;
	g->seconds += now_s() - t0;
	if (j.rc < 0) {
		struct pos none = {NULL, 0, 0};
		diag_error(d, none, "E026", "cannot read the output to check it for hidden text: %s",
			   strerror(errno));
		return -1;
	}
	return hits ? -1 : 0;
}

bool guard_hit(const struct guard *g)
{
	return g && g->hits;
}

double guard_seconds(const struct guard *g)
{
	return g ? g->seconds : 0;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nshown; i++)
		free(g->shown[i].own);
	free(g->shown);
	for (size_t i = 0; i < g->npdfs; i++) {
		free(g->pdfs[i].rel);
		free(g->pdfs[i].text);
	}
	free(g->pdfs);
#ifdef PLANSITE_TEST_HOOKS
	for (size_t i = 0; i < g->ntexts; i++)
		free(g->texts[i]);
	free(g->texts);
	free(g->text_fmt);
	free(g->text_where);
#endif
	free(g->keys);
	free(g->where);
	free(g->shared);
	free(g->kfilter);
	free(g->tfilter);
	free(g->names);
	arena_release(&g->arena);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
