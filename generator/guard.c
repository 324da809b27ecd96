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
 * general punctuation blocks are not; invisible characters such as the soft
 * hyphen and zero-width spaces are nothing, so they join what is either
 * side of them). Markdown link destinations are dropped; character
 * references, JSON strings' escapes and iCalendar folding and escapes are
 * decoded. HTML's attribute values, comments and what <script> and <style>
 * hold are read as texts of their own. Block boundaries (a paragraph's
 * end, an item's, a table cell's, a JSON string's, an iCalendar line's; any
 * tag but an inline one) are kept on both sides: no run crosses one, so
 * text that only meets across one (a body's last words and the theme's
 * footer) is no run. Shown text and outputs are read two ways at once
 * (struct scan): with inline tags and emphasis marks ending words and
 * without, so that conf<b>id</b>ential is read as a browser shows it too.
 *
 * Each block of a hidden part of 8 words or more gives every run of 8
 * consecutive words (a shingle); a shorter one of at least 3 words, with a
 * letter, gives itself whole. A shingle that also occurs in text the
 * audience may see (shown documents as it reads them, shown items, the
 * site's data files) is shared and no hit: "Executive committee" in a
 * hidden meeting and a shown one is not a leak. A search entry's list of
 * words is no text (distinct words, in no order): there a word that hidden
 * parts have and no shown text has is a hit.
 *
 * Shingles are 64-bit keys of a polynomial of their words' hashes (each
 * word hashed 8 bytes at a time, found 8 bytes at a time), kept in one
 * open-addressing table; a bit filter of the keys (after the seal, of those
 * no shown text has) spares the table most lookups, and one of the last
 * three words of the short parts (after the seal, of those no shown text
 * has) spares the short windows. Plain ASCII words between separators,
 * the bulk of any text, are read by one loop with the scan's state in
 * registers (run_fast); the rest byte by byte. Hidden parts
 * are read on every core and go in the table in path order, so the
 * position a hit names is the first in the site; the shown text and the
 * outputs are scanned on every core, and a chunk of HTML met before with
 * no hit (the theme's header and footer, a report's project table) is
 * skipped: the memo below, shared by the threads; so is an attribute's
 * value, a comment or a script met before with no hit. A hidden part's
 * keys say where they were found as the part and a byte offset: the line
 * and column are counted only for a hit. While shown text is read, each
 * thread remembers the last keys and words it looked up, and the hidden
 * parts' keys just put in the table are not looked up again (the table
 * does not change meanwhile, so what is skipped would do nothing). Cost
 * is linear in the bytes scanned.
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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { RUN = 8, SHORT_MIN = 3 };

/* How a text is read. */
enum gfmt { GF_PLAIN, GF_MD, GF_HTML, GF_JSON, GF_ICS };

#define KBITS 22 /* the shingle filter: 4 Mbit, 512 KiB */
#define TBITS 20 /* the short parts' last three words: 1 Mbit */
#define WBITS 18 /* the hidden parts' words: 256 Kbit */
#define MULT 0x9E3779B97F4A7C15ULL

struct source_name {
	const char *path; /* in the guard's arena */
};

struct guard {
	enum visibility audience;
	uint64_t gen; /* a number no other guard of the process has */
	uint64_t *put_k, *put_w; /* the last keys and words put in the tables */
	struct arena arena;
	/* the table: keys (0 empty), where each was first found, shared */
	uint64_t *keys;
	uint64_t *where;   /* source index << 40 | line << 16 | col */
	unsigned char *shared;
	size_t cap, used;
	unsigned shorts;   /* bit k: some hidden part has exactly k words (3..7) */
	bool tany;         /* tfilter has a bit set */
	uint64_t *kfilter; /* 1 << KBITS bits: the keys in the table; once sealed,
			      those no shown text has */
	size_t unshared;   /* keys no shown text has (once sealed) */
	size_t hits;       /* outputs guard_scan found holding hidden text */
	uint64_t *tfilter; /* 1 << TBITS bits: the key of the last three words of
			      each short part; once sealed, of those no shown
			      text has */
	unsigned char *tmask; /* 1 << TBITS: by the same bit, the lengths (bit k)
				 of the short parts it stands for */
	struct short_part {
		uint64_t key; /* its window's */
		uint64_t tbit; /* its bit in tfilter */
		unsigned k;    /* its words */
	} *shortv;
	size_t nshort, capshort;
	/* the words of hidden parts (a search entry's words are looked up
	 * one by one): hash (0 empty), where each was first found, whether
	 * shown text has it; a bit filter of the hashes */
	uint64_t *wkeys, *wwhere;
	unsigned char *wshown;
	size_t wcap, wused;
	uint64_t *wfilter;
	uint64_t *ufilter; /* once sealed: the words no shown text has */
	size_t unshown;    /* how many (once sealed) */
	uint64_t *memo; /* 1 << MEMO_BITS keys of chunks of output (scan_html) */
	uint64_t *amemo; /* 1 << AMEMO_BITS keys of side texts with no hit */
	struct source_name *names;
	size_t nnames, capnames;
	/* the hidden parts in the table, in order: a key's where is the part
	 * (its index << 32) and the offset of the window's first word in its
	 * text, made a line and column only for a hit (where_pos) */
	struct gpart {
		uint64_t src; /* index in names */
		const char *text;
		char *own; /* text, when the guard keeps its copy */
		uint32_t line, col;
	} *gparts;
	size_t ngparts, capgparts;
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

/*
 * What a byte is to the word reader, one table a format: a separator, an
 * ASCII letter or digit, the first byte of a UTF-8 sequence (or a stray
 * one: decoded, a bad byte is a separator), or a byte the format reads
 * itself ('<' and '&' in HTML, '"' and '\' in JSON, ...).
 */
enum { T_SEP, T_WORD, T_UTF, T_SPEC };
enum ttab { TT_PLAIN, TT_MD, TT_HTML, TT_RAW, TT_ATTR, TT_JSON, TT_ICS, TT_N };
static unsigned char ttab[TT_N][256], lower[256];
static uint64_t powers[RUN + 1];
/* The names of HTML's inline elements, by length (1 to 6 letters), each
 * as an integer of its bytes; 0 ends a list. */
static const char *const inline_names[7] = {
	"", "a b i q s u ", "br em ", "bdi bdo del dfn ins kbd sub sup var wbr ",
	"abbr cite code font mark ruby samp span time ", "small ", "strong "};
static uint64_t inline_keys[7][11];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	powers[0] = 1;
	for (int i = 1; i <= RUN; i++)
		powers[i] = powers[i - 1] * MULT;
	for (int c = 0; c < 256; c++) {
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		for (int t = 0; t < TT_N; t++)
			ttab[t][c] = alnum ? T_WORD : c >= 0x80 ? T_UTF : T_SEP;
	}
	for (size_t len = 1; len < 7; len++) {
		size_t k = 0;
		for (const char *q = inline_names[len]; *q; q += len + 1) {
			uint64_t v = 0;
			for (size_t b = 0; b < len; b++)
				v |= (uint64_t)(unsigned char)q[b] << (8 * b);
			inline_keys[len][k++] = v;
		}
	}
	static const char *const spec[TT_N] = {"\n", "\n]&|*_~`", "<&\n", "", "&", "\"\\", "\\\r\n"};
	for (int t = 0; t < TT_N; t++)
		for (const char *q = spec[t]; *q; q++)
			ttab[t][(unsigned char)*q] = T_SPEC;
}

/* Whether code point u prints nothing and joins what is either side of
 * it into one word: the soft hyphen, zero-width spaces and joiners, the
 * word joiner and invisible operators, bidirectional marks, variation
 * selectors, the BOM, tag characters. "secr&shy;et" is "secret". */
static bool cp_ignorable(uint32_t u)
{
	if (u < 0xAD)
		return false;
	return u == 0xAD || u == 0x34F || u == 0x61C || u == 0x180E || (u >= 0x200B && u <= 0x200F) ||
	       (u >= 0x202A && u <= 0x202E) || (u >= 0x2060 && u <= 0x206F) ||
	       (u >= 0xFE00 && u <= 0xFE0F) || u == 0xFEFF || (u >= 0xE0000 && u <= 0xE0FFF) ||
	       (u >= 0x1D173 && u <= 0x1D17A);
}

/* Whether code point u is a letter or a digit to the guard: anything but
 * the C1 controls, Latin-1 punctuation and symbols, × and ÷, the general
 * punctuation, super/subscript and currency blocks, CJK punctuation and
 * specials (what cp_ignorable takes is asked first). */
static bool cp_word(uint32_t u)
{
	if (u < 0x80)
		return ttab[TT_PLAIN][u] == T_WORD;
	if (u < 0xC0)
		return u == 0xAA || u == 0xB5 || u == 0xBA;
	if (u == 0xD7 || u == 0xF7)
		return false;
	if (u >= 0x2000 && u <= 0x2BFF)
		return false;
	if (u >= 0x3000 && u <= 0x303F)
		return false;
	if (u >= 0xFFF0 && u <= 0xFFFF)
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
 * to the next (chunk_end), and a chunk that starts where
 * no window reaches back (run 0) gives what it gave before: the same bytes,
 * the same windows, the same end state. A memo, shared by the threads (a
 * slot a key, written and read whole), keeps the keys of chunks that held
 * no hit and end where no window reaches on (run 0 again, in both
 * readings): such a chunk, met again where run is 0, is skipped.
 */
#define MEMO_BITS 18
#define AMEMO_BITS 16
enum { SEEN_K = 4096, SEEN_W = 1024 };
/* shown_one's caches of what this thread looked up, of guard seen_gen */
static __thread uint64_t seen_k[SEEN_K], seen_w[SEEN_W];
static __thread uint64_t seen_gen;
static uint64_t guard_gens;

/* A hidden part read: its words are the scan's from w0, its blocks end at
 * the scan's breaks[b0..b1). */
struct hpart {
	const char *file;
	const char *src; /* the text read (outlives the guard's use, or own) */
	char *own;	 /* src, when it is a copy the guard keeps */
	char *text; /* PLANSITE_TEST_HOOKS: a copy, for plant_text; else NULL */
	size_t n;
	int f;
	uint32_t line, col;
	size_t w0, b0, b1;
};

/* What a scan does with each window (GM_WORDS: with each word, of a
 * search entry's list of words). */
enum gmode { GM_COLLECT, GM_SHOWN, GM_SCAN, GM_WORDS };

/*
 * A scan in progress: the words so far (their hashes, the last RUN of them
 * in a ring), the word being read, and where it began.
 *
 * Shown text and outputs (GM_SHOWN, GM_SCAN) are read two ways at once:
 * split, where an inline tag (<b>, <span>, <a>, a comment) or a Markdown
 * emphasis or code mark ends a word, as the guard always read them; and
 * joined, where it does not, as a browser shows it: conf<b>id</b>ential is
 * "conf id ential" to the first and "confidential" to the second. A
 * window of either is looked up. The joined reading is the split one but
 * for the words that ran on across such a mark, so it is kept as a ring of
 * its words' hashes, and its windows are looked up only for the RUN words
 * after a joined one.
 */
struct scan {
	const struct guard *g;
	enum gmode mode;
	/* the word being read (split reading) */
	uint64_t acc, h;
	unsigned len, nacc;
	size_t start; /* offset of its first byte */
	/* the words so far as a polynomial of their hashes, P = P * MULT + h,
	 * and its last values: the window of the last k words is
	 * P - P(k words before) * MULT^k, whatever came before */
	uint64_t P, pr[16];
	size_t offs[RUN], ends[RUN];
	uint64_t nw;
	unsigned run; /* consecutive words the filter has (GM_SHOWN, GM_SCAN) */
	/* the joined reading: the word that runs on across a mark (jact; jcut:
	 * a mark since its last byte; jmerged: it did run on), the ring of its
	 * words, words since a block began, and windows still to look up */
	bool jact, jcut, jmerged;
	uint64_t jacc, jh;
	unsigned jlen, jnacc;
	size_t jstart;
	uint64_t jring[16];
	size_t joffs[RUN], jends[RUN];
	uint64_t jn;
	unsigned jrun, jpend;
	/* GM_SCAN of HTML and JSON: attribute values, comments, scripts, a
	 * search entry's words: each a text of its own, read by this scan
	 * (made on first use) */
	struct scan *side;
	/* GM_COLLECT: every word of the part */
	uint64_t *wh;
	size_t *woff, *wend; /* its bytes in the text */
	size_t nwh, capwh;
	size_t *breaks; /* word counts at each block boundary */
	size_t nbreaks, capbreaks;
	/* GM_COLLECT: the parts read, kept for guard_add_site to put in the
	 * table in order when defer (read on another thread), else put at once */
	struct hpart *parts;
	size_t nparts, capparts;
	bool defer;
	bool copy; /* GM_COLLECT: the texts do not outlive the call (copied) */
	/* GM_SCAN: the first hit */
	bool hit;
	bool hit_word; /* a word of a search entry's list (hit_key its hash) */
	uint64_t hit_key;
	size_t hit_from, hit_to; /* bytes of the text holding its words */
	/* GM_SCAN: where each window's words are (rec), for a hit's excerpt;
	 * without, a hit is found again with (scan_text) */
	bool rec;
	/* GM_SCAN of HTML: the chunks of output that held no hit (scan_html) */
	uint64_t *memo;
	/* GM_SHOWN in run_fast: the last keys and words this thread looked up
	 * (a second look finds what the first did: the table does not change
	 * while shown text is read), SEEN_K and SEEN_W slots, per thread */
	uint64_t *seen, *wseen;
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

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

/* The key of the window of the k words ending before wh[end]: the same
 * as the scan makes. */
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

/* The word table's slot of the word of hash h (its key: h, never 0). */
static size_t wslot_of(const struct guard *g, uint64_t h)
{
	uint64_t key = h ? h : 1;
	size_t i = (size_t)(key >> 7) & (g->wcap - 1);
	while (g->wkeys[i] && g->wkeys[i] != key)
		i = (i + 1) & (g->wcap - 1);
	return i;
}

static inline bool wfilter_has(const uint64_t *f, uint64_t h)
{
	uint64_t b = h >> (64 - WBITS);
	return (f[b >> 6] >> (b & 63)) & 1;
}

/* Shown text has the word of hash h: a hidden word that is no hit. */
static inline void word_shown(const struct scan *s, uint64_t h)
{
	const struct guard *g = s->g;
	if (!g->wcap || !wfilter_has(g->wfilter, h))
		return;
	size_t i = wslot_of(g, h);
	if (g->wkeys[i] && !g->wshown[i])
		__atomic_store_n(&((struct guard *)g)->wshown[i], 1, __ATOMIC_RELAXED);
}

/* Shown text has the window of key key: shared, if a hidden part has it
 * (window_probe's GM_SHOWN case, inline). */
static inline void shown_probe(struct scan *s, uint64_t key)
{
	const struct guard *g = s->g;
	uint64_t *seen = &s->seen[(key >> 20) & (SEEN_K - 1)];
	if (*seen == key)
		return; /* looked up on this thread already */
	*seen = key;
	size_t i = (size_t)key & (g->cap - 1);
	while (g->keys[i] && g->keys[i] != key)
		i = (i + 1) & (g->cap - 1);
	if (g->keys[i] && !g->shared[i])
		__atomic_store_n(&((struct guard *)g)->shared[i], 1, __ATOMIC_RELAXED);
}

/* The window of key key, of the words at bytes [from, to): looked up. */
static void window_probe(struct scan *s, uint64_t key, size_t from, size_t to)
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
	s->hit_word = false;
	s->hit_key = key;
	s->hit_from = from;
	s->hit_to = to;
}

/* The window of the last k words (split reading), of key key: looked up
 * when the filter has it. */
static inline void window(struct scan *s, unsigned k, uint64_t key)
{
	if (kfilter_has(s->g->kfilter, key))
		window_probe(s, key, s->rec ? s->offs[(s->nw - k) % RUN] : 0,
			     s->rec ? s->ends[(s->nw - 1) % RUN] : 0);
}

/* The windows of the joined reading that end at its last word. */
static void join_windows(struct scan *s)
{
	const struct guard *g = s->g;
	uint64_t wh[RUN];
	unsigned have = s->jrun < RUN ? s->jrun : RUN;
	for (unsigned i = 0; i < have; i++)
		wh[RUN - 1 - i] = s->jring[(s->jn - 1 - i) % 16];
	for (unsigned k = SHORT_MIN; k <= have; k++) {
		if (k < RUN && !(g->shorts >> k & 1))
			continue;
		uint64_t key = key_of(wh, RUN, k);
		if (kfilter_has(g->kfilter, key))
			window_probe(s, key, s->rec ? s->joffs[(s->jn - k) % RUN] : 0,
				     s->rec ? s->jends[(s->jn - 1) % RUN] : 0);
	}
}

/* The joined reading's windows, for the RUN words after a joined one. */
static void jpush_pend(struct scan *s)
{
	s->jpend--;
	if (s->jrun >= SHORT_MIN && !(s->mode == GM_SCAN && s->hit))
		join_windows(s);
}

/* A word of the joined reading, of hash h, at bytes [from, to); merged:
 * it ran on across a mark (else it is the split reading's last word). */
static inline void jpush(struct scan *s, uint64_t h, size_t from, size_t to, bool merged)
{
	s->jring[s->jn % 16] = h;
	if (s->rec) {
		s->joffs[s->jn % RUN] = from;
		s->jends[s->jn % RUN] = to;
	}
	s->jn++;
	if (s->jrun < RUN)
		s->jrun++;
	if (merged) {
		s->jpend = RUN;
		if (s->mode == GM_SHOWN)
			word_shown(s, h);
	}
	if (s->jpend)
		jpush_pend(s);
}

static inline uint64_t word_fin(uint64_t h, uint64_t acc, unsigned len)
{
	h = (h ^ acc ^ (uint64_t)len << 58) * MULT;
	return h ^ (h >> 32);
}

/* A word of the split reading, of hash h, at bytes [start, end): kept
 * (GM_COLLECT), looked up alone (GM_WORDS), or marked as shown and the
 * windows it ends looked up. */
static inline void push(struct scan *s, uint64_t h, size_t start, size_t end)
{
	const struct guard *g = s->g;
	if (s->mode == GM_COLLECT) {
		if (s->nwh == s->capwh) {
			s->capwh = s->capwh ? s->capwh * 2 : 256;
			s->wh = xrealloc(s->wh, s->capwh * sizeof(*s->wh));
			s->woff = xrealloc(s->woff, s->capwh * sizeof(*s->woff));
			s->wend = xrealloc(s->wend, s->capwh * sizeof(*s->wend));
		}
		s->woff[s->nwh] = start;
		s->wend[s->nwh] = end;
		s->wh[s->nwh++] = h;
		return;
	}
	if (s->mode == GM_WORDS) {
		size_t i;
		if (!s->hit && g->ufilter && wfilter_has(g->ufilter, h) &&
		    g->wkeys[i = wslot_of(g, h)] && !g->wshown[i]) {
			s->hit = true;
			s->hit_word = true;
			s->hit_key = h;
			s->hit_from = start;
			s->hit_to = end;
		}
		return;
	}
	if (s->mode == GM_SHOWN)
		word_shown(s, h);
	s->P = s->P * MULT + h;
	s->pr[s->nw % 16] = s->P;
	if (s->rec) {
		s->offs[s->nw % RUN] = start;
		s->ends[s->nw % RUN] = end;
	}
	s->nw++;
	if (s->run < RUN)
		s->run++;
	if (s->run < SHORT_MIN || (s->mode == GM_SCAN && s->hit))
		return;
	/* the window of 8 words, and the short ones only when the last three
	 * words end a short part */
	if (s->run == RUN)
		window(s, RUN, key_fin(s->P - s->pr[(s->nw - 1 - RUN) % 16] * powers[RUN], RUN));
	if (!g->shorts || !g->tany)
		return;
	uint64_t w3 = s->P - s->pr[(s->nw - 1 - SHORT_MIN) % 16] * powers[SHORT_MIN];
	uint64_t t = key_fin(w3, 0) >> (64 - TBITS);
	if (!((g->tfilter[t >> 6] >> (t & 63)) & 1))
		return;
	unsigned km = g->tmask[t];
	for (unsigned k = SHORT_MIN; k < RUN && k <= s->run; k++)
		if (km >> k & 1)
			window(s, k, key_fin(s->P - s->pr[(s->nw - 1 - k) % 16] * powers[k], k));
}

/* word_end but for its most common case. */
static void word_end_slow(struct scan *s, size_t end, bool join)
{
	bool two = s->mode == GM_SHOWN || s->mode == GM_SCAN;
	if (s->len) {
		uint64_t h = word_fin(s->h, s->acc, s->len);
		if (join && two && !s->jact) {
			/* the joined reading's word runs on from this one */
			s->jact = true;
			s->jmerged = false;
			s->jh = s->h;
			s->jacc = s->acc;
			s->jlen = s->len;
			s->jnacc = s->nacc;
			s->jstart = s->start;
		}
		s->len = 0;
		s->acc = 0;
		s->nacc = 0;
		s->h = 0;
		push(s, h, s->start, end);
		if (two && !s->jact)
			jpush(s, h, s->start, end, false);
	}
	if (!s->jact)
		return;
	if (join) {
		s->jcut = true;
		return;
	}
	s->jact = false;
	jpush(s, word_fin(s->jh, s->jacc, s->jlen), s->jstart, end, s->jmerged);
}

/* The word read so far ends (at offset end). join: at a mark that ends a
 * word of the split reading only (an inline tag, an emphasis mark). */
static inline void word_end(struct scan *s, size_t end, bool join)
{
	if (join || s->jact || !s->len) {
		if (join || s->jact)
			word_end_slow(s, end, join);
		return;
	}
	uint64_t h = word_fin(s->h, s->acc, s->len);
	s->len = 0;
	s->acc = 0;
	s->nacc = 0;
	s->h = 0;
	push(s, h, s->start, end);
	if (s->mode == GM_SHOWN || s->mode == GM_SCAN) {
		/* the joined reading's word is this one */
		s->jring[s->jn % 16] = h;
		if (s->rec) {
			s->joffs[s->jn % RUN] = s->start;
			s->jends[s->jn % RUN] = end;
		}
		s->jn++;
		if (s->jrun < RUN)
			s->jrun++;
		if (s->jpend)
			jpush_pend(s);
	}
}

/* A block boundary (a paragraph's end, a table cell's, a JSON string's):
 * no run goes across it, in the outputs as in the sources. */
static void hard(struct scan *s, size_t off)
{
	word_end(s, off, false);
	if (s->mode != GM_COLLECT) {
		s->run = 0;
		s->jrun = 0;
		s->jpend = 0;
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

/* A word byte c (already lowercased) at offset off, to the word being
 * read and to the joined reading's when that runs on. */
static inline void word_byte(struct scan *s, unsigned char c, size_t off)
{
	if (!s->len)
		s->start = off;
	s->acc = s->acc << 8 | c;
	s->len++;
	if (++s->nacc == 8) {
		s->h = (s->h ^ s->acc) * MULT;
		s->h ^= s->h >> 29;
		s->acc = 0;
		s->nacc = 0;
	}
	if (!s->jact)
		return;
	if (s->jcut) {
		s->jmerged = true;
		s->jcut = false;
	}
	s->jacc = s->jacc << 8 | c;
	s->jlen++;
	if (++s->jnacc == 8) {
		s->jh = (s->jh ^ s->jacc) * MULT;
		s->jh ^= s->jh >> 29;
		s->jacc = 0;
		s->jnacc = 0;
	}
}

/* Each byte's top bit: whether it is an ASCII letter or digit. */
static inline uint64_t alnum8(uint64_t v)
{
	const uint64_t H = 0x8080808080808080ULL, L = 0x0101010101010101ULL;
	uint64_t hx = v | 0x2020202020202020ULL | H, hv = v | H;
	uint64_t let = (hx - 0x61 * L) & ~(hx - 0x7B * L);
	uint64_t dig = (hv - 0x30 * L) & ~(hv - 0x3A * L);
	return (let | dig) & ~v & H;
}

/* The ASCII letters and digits from p[i] on, into the word being read:
 * eight bytes a load while the word's hash is at a multiple of eight
 * bytes (lowercased by setting bit 0x20, which letters and digits take as
 * their lowercase), else a byte at a time: the same hash either way.
 * Returns where they end. */
static inline size_t word_ascii(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	if (!s->nacc && !s->jact) {
		if (!s->len)
			s->start = i;
		while (i + 8 <= n) {
			uint64_t v;
			memcpy(&v, p + i, 8);
			uint64_t m = alnum8(v);
			uint64_t x = __builtin_bswap64(v | 0x2020202020202020ULL);
			if (m == 0x8080808080808080ULL) {
				s->h = (s->h ^ x) * MULT;
				s->h ^= s->h >> 29;
				s->len += 8;
				i += 8;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctzll(~m & 0x8080808080808080ULL) / 8;
			if (k) {
				s->acc = x >> (64 - 8 * k);
				s->nacc = k;
				s->len += k;
			}
			return i + k;
		}
	}
	while (i < n && ttab[TT_PLAIN][p[i]] == T_WORD) {
		word_byte(s, lower[p[i]], i);
		i++;
	}
	return i;
}

/* The UTF-8 sequence at p[i]: word bytes, nothing (cp_ignorable) or a
 * separator. Returns where it ends. */
static size_t word_utf8(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	uint32_t u;
	size_t len = utf8_at(p + i, n - i, &u);
	if (cp_ignorable(u))
		return i + len;
	if (!cp_word(u)) {
		word_end(s, i, false);
		return i + len;
	}
	for (size_t j = 0; j < len; j++)
		word_byte(s, p[i + j], i);
	return i + len;
}

/* Code point u (of a character reference at off) as word bytes, nothing
 * or a separator. */
static void word_cp(struct scan *s, uint32_t u, size_t off)
{
	if (cp_ignorable(u))
		return;
	if (!cp_word(u)) {
		word_end(s, off, false);
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
}

/*
 * The common case of text_run, in one loop with the scan's state in
 * registers, made once for each mode (mode is a constant where it is
 * inlined): ASCII words between separators, read while no word is under
 * way and the joined reading runs on none (no mark inside a word), in a
 * scan that keeps no positions (!rec) and, in GM_SCAN, has no hit yet. It
 * does what word_ascii, word_end and push do, word for word, and stops at
 * the first byte it does not take (a UTF-8 sequence, a byte the format
 * reads itself), leaving a word cut there under way in s as word_ascii
 * would.
 */
static inline __attribute__((always_inline)) size_t
run_fast(struct scan *s, const unsigned char *p, size_t i, size_t n, const unsigned char *t,
	 enum gmode mode)
{
	const struct guard *g = s->g;
	const uint64_t H = 0x8080808080808080ULL;
	uint64_t P = s->P, nw = s->nw, jn = s->jn;
	unsigned run = s->run, jrun = s->jrun;
	const unsigned shorts = g->tany ? g->shorts : 0;
	const uint64_t *kf = g->kfilter, *tf = g->tfilter;
	size_t nwh = s->nwh;
	while (i < n) {
		unsigned a = t[p[i]];
		if (a == T_SEP) {
			i++;
			continue;
		}
		if (a != T_WORD)
			break;
		/* a word: eight bytes a load, the rest a byte at a time */
		size_t start = i;
		uint64_t h = 0, acc = 0;
		unsigned len = 0, nacc = 0;
		bool done = false;
		while (i + 8 <= n) {
			uint64_t v;
			memcpy(&v, p + i, 8);
			uint64_t m = alnum8(v);
			uint64_t x = __builtin_bswap64(v | 0x2020202020202020ULL);
			if (m == H) {
				h = (h ^ x) * MULT;
				h ^= h >> 29;
				len += 8;
				i += 8;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctzll(~m & H) / 8;
			if (k) {
				acc = x >> (64 - 8 * k);
				nacc = k;
				len += k;
			}
			i += k;
			done = true;
			break;
		}
		if (!done)
			for (; i < n && t[p[i]] == T_WORD; i++) {
				acc = acc << 8 | lower[p[i]];
				len++;
				if (++nacc == 8) {
					h = (h ^ acc) * MULT;
					h ^= h >> 29;
					acc = 0;
					nacc = 0;
				}
			}
		if (i >= n || t[p[i]] != T_SEP) {
			/* cut by a byte the general reader takes: under way */
			s->h = h;
			s->acc = acc;
			s->len = len;
			s->nacc = nacc;
			s->start = start;
			break;
		}
		uint64_t hw = word_fin(h, acc, len);
		i++; /* the separator */
		if (mode == GM_COLLECT) {
			if (nwh == s->capwh) {
				s->capwh = s->capwh ? s->capwh * 2 : 256;
				s->wh = xrealloc(s->wh, s->capwh * sizeof(*s->wh));
					s->woff = xrealloc(s->woff, s->capwh * sizeof(*s->woff));
				s->wend = xrealloc(s->wend, s->capwh * sizeof(*s->wend));
			}
			s->woff[nwh] = start;
			s->wend[nwh] = i - 1;
			s->wh[nwh++] = hw;
			continue;
		}
		if (mode == GM_WORDS) {
			/* a search entry's word, looked up alone (push) */
			size_t wi;
			if (!s->hit && g->ufilter && wfilter_has(g->ufilter, hw) &&
			    g->wkeys[wi = wslot_of(g, hw)] && !g->wshown[wi]) {
				s->hit = true;
				s->hit_word = true;
				s->hit_key = hw;
				s->hit_from = start;
				s->hit_to = i - 1;
			}
			continue;
		}
		/* push's work, then the joined reading's word (this one) */
		if (mode == GM_SHOWN && (!hw || s->wseen[hw & (SEEN_W - 1)] != hw)) {
			word_shown(s, hw);
			s->wseen[hw & (SEEN_W - 1)] = hw;
		}
		P = P * MULT + hw;
		s->pr[nw % 16] = P;
		nw++;
		if (run < RUN)
			run++;
		bool probe = false;
		if (run >= SHORT_MIN) {
			if (run == RUN) {
				uint64_t key = key_fin(P - s->pr[(nw - 1 - RUN) % 16] * powers[RUN], RUN);
				if (kfilter_has(kf, key)) {
					if (mode == GM_SHOWN)
						shown_probe(s, key);
					else
						window_probe(s, key, 0, 0);
					probe = true;
				}
			}
			if (shorts) {
				uint64_t w3 = P - s->pr[(nw - 1 - SHORT_MIN) % 16] * powers[SHORT_MIN];
				uint64_t tt = key_fin(w3, 0) >> (64 - TBITS);
				if ((tf[tt >> 6] >> (tt & 63)) & 1) {
					unsigned km = g->tmask[tt];
					for (unsigned k = SHORT_MIN; k < RUN && k <= run; k++) {
						if (!(km >> k & 1))
							continue;
						uint64_t key = key_fin(P - s->pr[(nw - 1 - k) % 16] * powers[k], k);
						if (kfilter_has(kf, key) && !(mode == GM_SCAN && s->hit)) {
							if (mode == GM_SHOWN)
								shown_probe(s, key);
							else
								window_probe(s, key, 0, 0);
							probe = true;
						}
					}
				}
			}
		}
		s->jring[jn % 16] = hw;
		jn++;
		if (jrun < RUN)
			jrun++;
		if (s->jpend || (probe && mode == GM_SCAN && s->hit)) {
			/* the general reader's: store the state, go on there */
			s->P = P;
			s->nw = nw;
			s->run = run;
			s->jn = jn;
			s->jrun = jrun;
			s->nwh = nwh;
			if (s->jpend)
				jpush_pend(s);
			return i;
		}
	}
	s->P = P;
	s->nw = nw;
	s->run = run;
	s->jn = jn;
	s->jrun = jrun;
	s->nwh = nwh;
	return i;
}

/* Text from p[i] to the first byte the format reads itself (table t), or
 * to n: words and separators. Returns where it stopped. */
static inline size_t text_run(struct scan *s, const unsigned char *p, size_t i, size_t n,
			      const unsigned char *t)
{
	while (i < n) {
		unsigned a = t[p[i]];
		if (a == T_WORD) {
			/* the common case, a loop for each mode (run_fast) */
			bool fast = !s->len && !s->jact && !s->rec;
			if (fast && s->mode == GM_SCAN && !s->hit)
				i = run_fast(s, p, i, n, t, GM_SCAN);
			else if (fast && s->mode == GM_SHOWN && s->seen)
				i = run_fast(s, p, i, n, t, GM_SHOWN);
			else if (fast && s->mode == GM_COLLECT)
				i = run_fast(s, p, i, n, t, GM_COLLECT);
			else if (fast && s->mode == GM_WORDS)
				i = run_fast(s, p, i, n, t, GM_WORDS);
			else
				i = word_ascii(s, p, i, n);
		} else if (a == T_SEP) {
			if (s->len || s->jact)
				word_end(s, i, false);
			i++;
		} else if (a == T_UTF) {
			i = word_utf8(s, p, i, n);
		} else {
			break;
		}
	}
	return i;
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The code point of the named character reference p[0..n) (its name):
 * the markup ones (read as separators), the invisible ones (as nothing:
 * cp_ignorable) and the letters of Latin-1 and Latin Extended-A that HTML
 * 4 names. Any other name is a separator (' '). */
static uint32_t named_entity(const unsigned char *p, size_t n)
{
	static const struct {
		const char *name;
		uint32_t u;
	} names[] = {
		{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
		{"shy", 0xAD}, {"zwj", 0x200D}, {"zwnj", 0x200C}, {"ZeroWidthSpace", 0x200B},
		{"NoBreak", 0x2060}, {"lrm", 0x200E}, {"rlm", 0x200F}, {"ordf", 0xAA}, {"micro", 0xB5},
		{"ordm", 0xBA}, {"Agrave", 0xC0}, {"Aacute", 0xC1}, {"Acirc", 0xC2}, {"Atilde", 0xC3},
		{"Auml", 0xC4}, {"Aring", 0xC5}, {"AElig", 0xC6}, {"Ccedil", 0xC7}, {"Egrave", 0xC8},
		{"Eacute", 0xC9}, {"Ecirc", 0xCA}, {"Euml", 0xCB}, {"Igrave", 0xCC}, {"Iacute", 0xCD},
		{"Icirc", 0xCE}, {"Iuml", 0xCF}, {"ETH", 0xD0}, {"Ntilde", 0xD1}, {"Ograve", 0xD2},
		{"Oacute", 0xD3}, {"Ocirc", 0xD4}, {"Otilde", 0xD5}, {"Ouml", 0xD6}, {"Oslash", 0xD8},
		{"Ugrave", 0xD9}, {"Uacute", 0xDA}, {"Ucirc", 0xDB}, {"Uuml", 0xDC}, {"Yacute", 0xDD},
		{"THORN", 0xDE}, {"szlig", 0xDF}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2},
		{"atilde", 0xE3}, {"auml", 0xE4}, {"aring", 0xE5}, {"aelig", 0xE6}, {"ccedil", 0xE7},
		{"egrave", 0xE8}, {"eacute", 0xE9}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"igrave", 0xEC},
		{"iacute", 0xED}, {"icirc", 0xEE}, {"iuml", 0xEF}, {"eth", 0xF0}, {"ntilde", 0xF1},
		{"ograve", 0xF2}, {"oacute", 0xF3}, {"ocirc", 0xF4}, {"otilde", 0xF5}, {"ouml", 0xF6},
		{"oslash", 0xF8}, {"ugrave", 0xF9}, {"uacute", 0xFA}, {"ucirc", 0xFB}, {"uuml", 0xFC},
		{"yacute", 0xFD}, {"thorn", 0xFE}, {"yuml", 0xFF}, {"OElig", 0x152}, {"oelig", 0x153},
		{"Scaron", 0x160}, {"scaron", 0x161}, {"Yuml", 0x178}, {"fnof", 0x192},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, p, n) == 0)
			return names[i].u;
	return ' ';
}

/* An HTML character reference at p[i] ('&'): its code point as a word
 * byte, nothing or a separator; returns the bytes taken. A name must end
 * with ';' but for "&shy", which browsers read without. */
static size_t entity_at(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	size_t j = i + 1;
	uint32_t u = 0;
	if (j < n && p[j] == '#') {
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
			word_end(s, i, false);
			return 1;
		}
	} else {
		while (j < n && j - i < 32 && ttab[TT_PLAIN][p[j]] == T_WORD)
			j++;
		if (j == i + 1) {
			word_end(s, i, false);
			return 1;
		}
		u = named_entity(p + i + 1, j - i - 1);
		if ((j == n || p[j] != ';') && u != 0xAD)
			u = ' ';
	}
	if (j < n && p[j] == ';')
		j++;
	word_cp(s, u, i);
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
 * destinations ("](...)"); character references decoded. Emphasis and
 * code marks (* _ ~ `) end a word of the split reading only, as the
 * inline tags cmark makes of them do in the output. */
static void scan_md(struct scan *s, const unsigned char *p, size_t n)
{
	const unsigned char *t = ttab[TT_MD];
	size_t i = 0;
	bool bol = true;
	while (i < n) {
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
			i += k;
			continue;
		}
		i = text_run(s, p, i, n, t);
		if (i >= n)
			break;
		unsigned char c = p[i];
		if (c == '\n') {
			word_end(s, i, false);
			bol = true;
			i++;
		} else if (c == ']' && i + 1 < n && p[i + 1] == '(') {
			word_end(s, i, false);
			size_t j = i + 2;
			int depth = 1;
			while (j < n && p[j] != '\n' && depth) {
				if (p[j] == '(')
					depth++;
				else if (p[j] == ')')
					depth--;
				j++;
			}
			i = j;
		} else if (c == '&') {
			i += entity_at(s, p, i, n);
		} else if (c == '|') {
			hard(s, i);
			i++;
		} else if (c == ']') {
			word_end(s, i, false);
			i++;
		} else {
			word_end(s, i, true);
			i++;
		}
	}
}

/* Whether the tag whose name is p[0..n) is one of HTML's inline elements,
 * inside a block; any other tag (of XML too) is a block boundary. The
 * name, lowercased, is compared as one integer with those of its length
 * (inline_keys, made by tables_init). */
static bool inline_tag(const unsigned char *p, size_t n)
{
	if (!n || n > 6)
		return false;
	uint64_t v = 0;
	for (size_t k = 0; k < n; k++)
		v |= (uint64_t)lower[p[k]] << (8 * k);
	for (const uint64_t *q = inline_keys[n]; *q; q++)
		if (*q == v)
			return true;
	return false;
}

/* s's side scan, made on first use, reset to read a text of its own. */
static struct scan *side_of(struct scan *s, enum gmode mode)
{
	if (!s->side) {
		s->side = xcalloc(1, sizeof(*s->side));
		s->side->g = s->g;
	}
	struct scan *a = s->side;
	a->mode = mode;
	a->len = a->nacc = 0;
	a->acc = a->h = 0;
	a->jact = false;
	a->run = a->jrun = a->jpend = 0;
	a->hit = false;
	return a;
}

/* A hit of s's side scan a is s's. */
static void side_hit(struct scan *s, const struct scan *a)
{
	if (!a->hit)
		return;
	s->hit = true;
	s->hit_word = a->hit_word;
	s->hit_key = a->hit_key;
	s->hit_from = a->hit_from;
	s->hit_to = a->hit_to;
}

/* The key of a side text: its bytes, its length and how it is read. */
static uint64_t side_key(const unsigned char *p, size_t n, enum ttab tt)
{
	uint64_t h = 0x5bd1e995ULL ^ (uint64_t)tt << 56;
	size_t q = 0;
	for (; q + 8 <= n; q += 8) {
		uint64_t v;
		memcpy(&v, p + q, 8);
		h = rotl64((h ^ v) * MULT, 31);
	}
	uint64_t v = 0;
	for (size_t k = 0; q < n; q++, k++)
		v |= (uint64_t)p[q] << (8 * k);
	h = (h ^ v ^ (uint64_t)n << 40) * 0xD6E8FEB86659FD93ULL;
	h ^= h >> 32;
	h *= MULT;
	return (h ^ h >> 29) | 1;
}

/* Text of its own at p[from..to) (an attribute's value, a comment, a
 * script): read by s's side scan, so that it neither ends nor joins the
 * words around it, with character references (table TT_ATTR) or without
 * (TT_RAW). */
static void side_text(struct scan *s, const unsigned char *p, size_t from, size_t to, enum ttab tt)
{
	if (from >= to || s->hit)
		return;
	if (s->mode == GM_COLLECT) {
		hard(s, from);
		for (size_t i = from; i < to;) {
			i = text_run(s, p, i, to, ttab[tt]);
			if (i < to)
				i += entity_at(s, p, i, to);
		}
		hard(s, to);
		return;
	}
	/* outputs repeat their attributes (class="status", href="...") as
	 * they do their chunks: one that held no hit, read alone as it is,
	 * holds none again (the memo of side texts) */
	uint64_t key = 0, *slot = NULL;
	if (s->mode == GM_SCAN && s->g->amemo) {
		key = side_key(p + from, to - from, tt);
		slot = &s->g->amemo[key & ((1u << AMEMO_BITS) - 1)];
		if (__atomic_load_n(slot, __ATOMIC_RELAXED) == key)
			return;
	}
	struct scan *a = side_of(s, s->mode);
	const unsigned char *t = ttab[tt];
	for (size_t i = from; i < to;) {
		i = text_run(a, p, i, to, t);
		if (i < to)
			i += entity_at(a, p, i, to);
	}
	word_end(a, to, false);
	if (slot && !a->hit)
		__atomic_store_n(slot, key, __ATOMIC_RELAXED);
	side_hit(s, a);
}

static inline bool html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Where the element whose content starts at p[i] ends: at its end tag
 * "</name" (any case), or n. */
static size_t raw_end(const unsigned char *p, size_t i, size_t n, const unsigned char *name,
		      size_t len)
{
	while (i < n) {
		const unsigned char *q = memmem(p + i, n - i, "</", 2);
		if (!q)
			return n;
		size_t at = (size_t)(q - p);
		if (n - at - 2 >= len && strncasecmp((const char *)q + 2, (const char *)name, len) == 0)
			return at;
		i = at + 2;
	}
	return n;
}

/*
 * A tag, comment or declaration at p[i] ('<'); returns where it ends. What
 * it holds is read too, each a text of its own (side_text): an attribute's
 * value, a comment, what a <script> or <style> holds; a CDATA section is
 * text. An inline tag or a comment ends a word of the split reading only;
 * a <br> ends a word but not the block (a Markdown hard line break, whose
 * words run on in the Markdown reading of a hidden part); any other tag is
 * a block boundary. A '<' that starts none of these is text.
 */
static size_t html_tag(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	size_t j = i + 1;
	if (j < n && (p[j] == '!' || p[j] == '?')) {
		if (n - j >= 3 && p[j] == '!' && p[j + 1] == '-' && p[j + 2] == '-') {
			word_end(s, i, true);
			const unsigned char *e = memmem(p + j + 3, n - j - 3, "-->", 3);
			size_t end = e ? (size_t)(e - p) : n;
			side_text(s, p, j + 3, end, TT_RAW);
			return e ? end + 3 : n;
		}
		hard(s, i);
		if (n - j >= 8 && memcmp(p + j, "![CDATA[", 8) == 0) {
			const unsigned char *e = memmem(p + j + 8, n - j - 8, "]]>", 3);
			size_t end = e ? (size_t)(e - p) : n;
			text_run(s, p, j + 8, end, ttab[TT_RAW]);
			hard(s, end);
			return e ? end + 3 : n;
		}
		const unsigned char *e = memchr(p + j, '>', n - j);
		return e ? (size_t)(e - p) + 1 : n;
	}
	bool close = j < n && p[j] == '/';
	if (close)
		j++;
	size_t name = j;
	if (j >= n || !((p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z')) {
		if (!close) { /* "a < b": text */
			word_end(s, i, false);
			return i + 1;
		}
		hard(s, i); /* "</ ...>": a bogus comment */
		const unsigned char *e = memchr(p + j, '>', n - j);
		return e ? (size_t)(e - p) + 1 : n;
	}
	while (j < n && !html_space(p[j]) && p[j] != '>' && p[j] != '/')
		j++;
	size_t nlen = j - name;
	if (nlen == 2 && (p[name] | 0x20) == 'b' && (p[name + 1] | 0x20) == 'r')
		word_end(s, i, false);
	else if (inline_tag(p + name, nlen))
		word_end(s, i, true);
	else
		hard(s, i);
	/* its attributes */
	for (;;) {
		while (j < n && (html_space(p[j]) || p[j] == '/'))
			j++;
		if (j >= n)
			return n;
		if (p[j] == '>') {
			j++;
			break;
		}
		while (j < n && !html_space(p[j]) && p[j] != '=' && p[j] != '>' &&
		       !(p[j] == '/' && j + 1 < n && p[j + 1] == '>'))
			j++;
		size_t k = j;
		while (k < n && html_space(p[k]))
			k++;
		if (k >= n || p[k] != '=')
			continue;
		k++;
		while (k < n && html_space(p[k]))
			k++;
		if (k >= n)
			return n;
		size_t v0 = k, v1;
		if (p[k] == '"' || p[k] == '\'') {
			const unsigned char *q = memchr(p + k + 1, p[k], n - k - 1);
			v0 = k + 1;
			v1 = q ? (size_t)(q - p) : n;
			j = q ? v1 + 1 : n;
		} else {
			while (k < n && !html_space(p[k]) && p[k] != '>')
				k++;
			v1 = j = k;
		}
		side_text(s, p, v0, v1, TT_ATTR);
	}
	if (!close && ((nlen == 6 && strncasecmp((const char *)p + name, "script", 6) == 0) ||
		       (nlen == 5 && strncasecmp((const char *)p + name, "style", 5) == 0))) {
		size_t end = raw_end(p, j, n, p + name, nlen);
		side_text(s, p, j, end, TT_RAW);
		return end;
	}
	return j;
}

/* Where the chunk that starts at from ends: at the first line break after
 * a '>' at least 24 bytes on (the same bytes give the same chunks,
 * wherever they start), or n; and its key, of its bytes and length. The
 * line breaks are found sixteen bytes a compare (SSE2) or eight (SWAR),
 * and the bytes hashed in two lanes of eight on the way. */

static size_t chunk_end(const unsigned char *p, size_t from, size_t n, uint64_t *key)
{
	const uint64_t M1 = MULT, M2 = 0xD6E8FEB86659FD93ULL;
	uint64_t h1 = 0x9ad5ULL, h2 = 0x51ed27ULL;
	size_t q = from, e = n;
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	for (; q + 16 <= n; q += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + q));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		for (; m; m &= m - 1) {
			size_t at = q + (size_t)__builtin_ctz(m);
			if (at >= from + 24 && p[at - 1] == '>') {
				e = at;
				goto tail;
			}
		}
		uint64_t a, b;
		memcpy(&a, p + q, 8);
		memcpy(&b, p + q + 8, 8);
		h1 = rotl64((h1 ^ a) * M1, 31);
		h2 = rotl64((h2 ^ b) * M2, 29);
	}
#else
	const uint64_t L = 0x0101010101010101ULL, H = 0x8080808080808080ULL;
	for (; q + 16 <= n; q += 16) {
		uint64_t a, b;
		memcpy(&a, p + q, 8);
		memcpy(&b, p + q + 8, 8);
		uint64_t xa = a ^ (L * '\n'), xb = b ^ (L * '\n');
		if (((xa - L) & ~xa & H) | ((xb - L) & ~xb & H)) {
			for (size_t at = q; at < q + 16; at++)
				if (p[at] == '\n' && at >= from + 24 && p[at - 1] == '>') {
					e = at;
					goto tail;
				}
		}
		h1 = rotl64((h1 ^ a) * M1, 31);
		h2 = rotl64((h2 ^ b) * M2, 29);
	}
#endif
	for (size_t r = q; r < n; r++)
		if (p[r] == '\n' && r >= from + 24 && p[r - 1] == '>') {
			e = r;
			break;
		}
tail:
	/* the bytes from q to e: whole pieces of sixteen, then the rest */
	for (; q + 16 <= e; q += 16) {
		uint64_t a, b;
		memcpy(&a, p + q, 8);
		memcpy(&b, p + q + 8, 8);
		h1 = rotl64((h1 ^ a) * M1, 31);
		h2 = rotl64((h2 ^ b) * M2, 29);
	}
	if (q < e) {
		unsigned char rest[16] = {0};
		memcpy(rest, p + q, e - q);
		uint64_t a, b;
		memcpy(&a, rest, 8);
		memcpy(&b, rest + 8, 8);
		h1 = rotl64((h1 ^ a) * M1, 31);
		h2 = rotl64((h2 ^ b) * M2, 29);
	}
	uint64_t h = (h1 ^ rotl64(h2, 17) ^ (e - from)) * M2;
	h ^= h >> 32;
	h *= M1;
	*key = (h ^ h >> 29) | 1;
	return e;
}

/* The chunk just scanned held no hit: kept, when it ends where no window
 * reaches on. */
static void memo_put(struct scan *s)
{
	if (!s->run && !s->jrun && !s->jact)
		__atomic_store_n(&s->memo[s->pend_key & ((1u << MEMO_BITS) - 1)], s->pend_key,
				 __ATOMIC_RELAXED);
	s->pend = false;
}

/* At the line break p[i] after a tag, in GM_SCAN with a memo and run 0:
 * skips the chunk that follows when the memo has it (returns where it
 * ends), or marks it to be kept once scanned (returns i + 1). */
static size_t memo_chunk(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	uint64_t key;
	size_t e = chunk_end(p, i + 1, n, &key);
	if (__atomic_load_n(&s->memo[key & ((1u << MEMO_BITS) - 1)], __ATOMIC_RELAXED) == key) {
		return e;
	}
	s->pend = true;
	s->pend_key = key;
	s->pend_end = e;
	return i + 1;
}

/* HTML and XML: text between tags, character references decoded, and
 * what tags hold (html_tag). */
static void scan_html(struct scan *s, const unsigned char *p, size_t n)
{

	const unsigned char *t = ttab[TT_HTML];
	size_t i = 0;
	while (i < n) {
		i = text_run(s, p, i, n, t);
		if (s->pend && i >= s->pend_end) {
			word_end(s, i, false);
			if (i == s->pend_end && !s->hit)
				memo_put(s);
			s->pend = false;
		}
		if (i >= n)
			break;
		unsigned char c = p[i];
		if (c == '\n') {
			word_end(s, i, false);
			if (s->memo && !s->pend && !s->run && !s->hit && i && p[i - 1] == '>')
				i = memo_chunk(s, p, i, n);
			else
				i++;
		} else if (c == '&') {
			i += entity_at(s, p, i, n);
		} else {
			i = html_tag(s, p, i, n);
		}
	}
	word_end(s, n, false);
	if (s->pend && i == s->pend_end && !s->hit)
		memo_put(s);
	s->pend = false;
}

/* The text of a JSON string from p[i] (after its '"'), escapes decoded;
 * returns where its closing '"' is (or n). */
static size_t json_string(struct scan *s, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *t = ttab[TT_JSON];
	while (i < n) {
		i = text_run(s, p, i, n, t);
		if (i >= n || p[i] == '"')
			break;
		/* '\\' */
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
				word_cp(s, u, i);
			else
				word_end(s, i, false);
			i += len;
			continue;
		}
		word_end(s, i, false);
		i += 2;
	}
	if (i > n)
		i = n;
	word_end(s, i, false);
	return i;
}

/* Where the JSON string from p[i] (after its '"') ends, as json_string
 * reads it, without reading its words. */
static size_t json_string_end(const unsigned char *p, size_t i, size_t n)
{
	while (i < n) {
#ifdef __SSE2__
		/* sixteen bytes a compare to the next '"' or '\\' */
		const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
		for (; i + 16 <= n; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)));
			if (m) {
				i += (size_t)__builtin_ctz(m);
				break;
			}
		}
#endif
		while (i < n && p[i] != '"' && p[i] != '\\')
			i++;
		if (i >= n || p[i] == '"')
			break;
		/* '\\': the escape's length as json_string takes it */
		if (i + 1 < n && p[i + 1] == 'u' && i + 6 <= n) {
			bool ok = true;
			uint32_t u = 0;
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
				if (lo >= 0xDC00 && lo < 0xE000)
					len = 12;
			}
			i += len;
			continue;
		}
		i += 2;
	}
	return i > n ? n : i;
}

/* JSON: the text of strings, escapes decoded. The "words" of a search
 * entry (its distinct words, in no order of the text) make no runs: each
 * word is looked up alone, and one that hidden parts have and no shown
 * text has is a hit; when hidden parts have no such word, none can be,
 * and the list is passed over. */
static void scan_json(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const unsigned char *q = memchr(p + i, '"', n - i);
		if (!q)
			break;
		i = (size_t)(q - p);
		if (i + 9 <= n && memcmp(p + i, "\"words\":\"", 9) == 0) {
			i += 9;
			if (s->mode == GM_SCAN && !s->g->unshown) {
				i = json_string_end(p, i, n) + 1;
				continue;
			}
			struct scan *a = side_of(s, GM_WORDS);
			i = json_string(a, p, i, n) + 1;
			if (s->mode == GM_SCAN && !s->hit)
				side_hit(s, a);
			continue;
		}
		i++;
		hard(s, i);
		i = json_string(s, p, i, n) + 1;
	}
	word_end(s, n, false);
}

/* iCalendar: lines unfolded (a line break and a space or tab join the
 * lines), escapes (\\ \; \, \n) as separators. */
static void scan_ics(struct scan *s, const unsigned char *p, size_t n)
{
	const unsigned char *t = ttab[TT_ICS];
	size_t i = 0;
	while (i < n) {
		i = text_run(s, p, i, n, t);
		if (i >= n)
			break;
		unsigned char c = p[i];
		if (c == '\r' && i + 2 < n && p[i + 1] == '\n' && (p[i + 2] == ' ' || p[i + 2] == '\t')) {
			i += 3;
		} else if (c == '\n' && i + 1 < n && (p[i + 1] == ' ' || p[i + 1] == '\t')) {
			i += 2;
		} else if (c == '\\') {
			word_end(s, i, false);
			i += 2;
		} else if (c == '\n') {
			hard(s, i);
			i++;
		} else {
			word_end(s, i, false);
			i++;
		}
	}
	word_end(s, n, false);
}

/* Plain text (a front-matter string, a PDF's text): a blank line is a
 * block boundary. */
static void scan_plain(struct scan *s, const unsigned char *p, size_t n)
{
	const unsigned char *t = ttab[TT_PLAIN];
	size_t i = 0;
	while (i < n) {
		i = text_run(s, p, i, n, t);
		if (i >= n)
			break;
		/* '\n' */
		if (i + 1 < n && p[i + 1] == '\n')
			hard(s, i);
		else
			word_end(s, i, false);
		i++;
	}
	word_end(s, n, false);
}

static void scan_init(struct scan *s, const struct guard *g, enum gmode mode)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
	s->mode = mode;
}

static void scan_release(struct scan *s)
{
	free(s->wh);
	free(s->woff);
	free(s->wend);
	free(s->breaks);
	free(s->parts);
	free(s->side);
}

static void scan_run(struct scan *s, const char *text, size_t n, enum gfmt f)
{
	pthread_once(&tables_once, tables_init);
	const unsigned char *p = (const unsigned char *)text;
	switch (f) {
	case GF_MD:
		scan_md(s, p, n);
		word_end(s, n, false);
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
		scan_plain(s, p, n);
		break;
	}
}

/* The line and column of offset at of text, whose first byte is at
 * line:col: lines counted at '\n', columns in characters. */
static void text_pos(const char *text, size_t at, uint32_t *line, uint32_t *col)
{
	uint32_t l = *line, c = *col;
	for (size_t i = 0; i < at; i++) {
		unsigned char b = (unsigned char)text[i];
		if (b == '\n') {
			l++;
			c = 1;
		} else if ((b & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
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
	uint64_t *put = &g->put_k[(key >> 20) & (SEEN_K - 1)];
	if (*put == key)
		return; /* put a moment ago: the first place it was found stays */
	*put = key;
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

static void wtable_grow(struct guard *g)
{
	size_t ocap = g->wcap;
	uint64_t *ok = g->wkeys, *ow = g->wwhere;
	g->wcap = ocap ? ocap * 2 : 1u << 12;
	g->wkeys = xcalloc(g->wcap, sizeof(*g->wkeys));
	g->wwhere = xmalloc(g->wcap * sizeof(*g->wwhere));
	for (size_t i = 0; i < ocap; i++) {
		if (!ok[i])
			continue;
		size_t j = wslot_of(g, ok[i]);
		g->wkeys[j] = ok[i];
		g->wwhere[j] = ow[i];
	}
	free(ok);
	free(ow);
}

/* A word of a hidden part, of hash h, first found at where. */
static void wtable_put(struct guard *g, uint64_t h, uint64_t where)
{
	uint64_t *put = &g->put_w[(h >> 20) & (SEEN_W - 1)];
	if (h && *put == h)
		return;
	*put = h;
	if ((g->wused + 1) * 2 > g->wcap)
		wtable_grow(g);
	size_t i = wslot_of(g, h);
	if (g->wkeys[i])
		return;
	g->wkeys[i] = h ? h : 1;
	g->wwhere[i] = where;
	g->wused++;
	uint64_t b = h >> (64 - WBITS);
	g->wfilter[b >> 6] |= 1ULL << (b & 63);
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
	if (g->ngparts == g->capgparts) {
		g->capgparts = g->capgparts ? g->capgparts * 2 : 256;
		g->gparts = xrealloc(g->gparts, g->capgparts * sizeof(*g->gparts));
	}
	uint64_t pi = (uint64_t)g->ngparts << 32;
	g->gparts[g->ngparts++] = (struct gpart){src, part->src, part->own, part->line, part->col};
	/* (a part is at most limits.document_max_bytes long: an offset fits) */
	/* its words, for a search entry's */
	size_t last = part->b1 > part->b0 ? s->breaks[part->b1 - 1] : part->w0;
	for (size_t i = part->w0; i < last; i++)
		wtable_put(g, s->wh[i], pi | (uint32_t)s->woff[i]);
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
				g->tmask[t] |= (unsigned char)(1u << k);
				g->tany = true;
				if (g->nshort == g->capshort) {
					g->capshort = g->capshort ? g->capshort * 2 : 256;
					g->shortv = xrealloc(g->shortv, g->capshort * sizeof(*g->shortv));
				}
				uint64_t pk = 0;
				for (unsigned q = 0; q < k; q++)
					pk += s->wh[hi - 1 - q] * powers[q];
				g->shortv[g->nshort++] = (struct short_part){key_fin(pk, k), t, k};
			}
			/* the windows' keys from the block's polynomial (as a scan
			 * makes them): P(i) - P(i - k) * MULT^k */
			uint64_t pp[16], P = 0;
			pp[0] = 0;
			for (size_t i = lo; i < hi; i++) {
				P = P * MULT + s->wh[i];
				size_t j = i + 1 - lo;
				pp[j % 16] = P;
				if (j >= k)
					table_put(g, key_fin(P - pp[(j - k) % 16] * powers[k], k),
						  pi | (uint32_t)s->woff[i + 1 - k]);
			}
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
	uint32_t tl = part->line, tc = part->col;
	text_pos(part->src, s->woff[part->w0], &tl, &tc);
	g->text_where[g->ntexts++] = src << 40 | (uint64_t)tl << 16 | (tc > 0xFFFF ? 0xFFFF : tc);
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
	char *own = s->copy ? xstrndup(text, n) : NULL;
	/* (a front matter's strings go with their parse before a deferred
	 * part is put in the table: what the plant needs is copied) */
	char *copy = NULL;
#ifdef PLANSITE_TEST_HOOKS
	copy = xstrndup(text, n);
#endif
	s->parts[s->nparts++] =
		(struct hpart){file, own ? own : text, own, copy, n, f, line, col, w0, b0, s->nbreaks};
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
	bool was = s->copy;
	s->copy = true; /* the strings go with the parse */
	add_hidden_value(g, s, v, 0);
	s->copy = was;
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
	g->gen = __atomic_add_fetch(&guard_gens, 1, __ATOMIC_RELAXED);
	g->put_k = xcalloc(SEEN_K, sizeof(uint64_t));
	g->put_w = xcalloc(SEEN_W, sizeof(uint64_t));
	g->kfilter = xcalloc((1u << KBITS) / 64, sizeof(uint64_t));
	g->tfilter = xcalloc((1u << TBITS) / 64, sizeof(uint64_t));
	g->tmask = xcalloc(1u << TBITS, 1);
	g->wfilter = xcalloc((1u << WBITS) / 64, sizeof(uint64_t));
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
		if (doc->has_strings)
			for (size_t i = 0; i < doc->nstrings; i++) {
				const struct doc_string *v = &doc->strings[i];
				add_hidden(g, s, v->pos.file, v->pos.line, v->pos.col, v->str, v->len,
					   GF_PLAIN);
			}
		else
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
		/* as pages print them, side by side: "Director of Commissioning,
		 * Vale Mental Health Partnership" (and the name before, when
		 * shown) */
		bool named = vis_shown(p->vis, aud) && p->name;
		if (p->role && p->organisation) {
			if (named) {
				buf_puts(&shown, p->name);
				buf_putc(&shown, ' ');
			}
			buf_puts(&shown, p->role);
			buf_putc(&shown, ' ');
			shown_field(&shown, p->organisation);
		}
		if (named && p->organisation) {
			buf_puts(&shown, p->name);
			buf_putc(&shown, ' ');
			shown_field(&shown, p->organisation);
		}
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
	if (seen_gen != g->gen) {
		memset(seen_k, 0, sizeof(seen_k));
		memset(seen_w, 0, sizeof(seen_w));
		seen_gen = g->gen;
	}
	s.seen = seen_k;
	s.wseen = seen_w;
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
	g->memo = xcalloc(1u << MEMO_BITS, sizeof(*g->memo));
	g->amemo = xcalloc(1u << AMEMO_BITS, sizeof(*g->amemo));
	g->wshown = xcalloc(g->wcap ? g->wcap : 1, 1);
	struct shown_job j = {g};
	if (g->used) /* nothing hidden, nothing to compare */
		run_each(g->nshown, (size_t)plansite_jobs(), shown_one, &j);
	for (size_t i = 0; i < g->nshown; i++)
		free(g->shown[i].own);
	free(g->shown);
	g->shown = NULL;
	g->nshown = g->capshown = 0;
	g->ufilter = xcalloc((1u << WBITS) / 64, sizeof(uint64_t));
	for (size_t i = 0; i < g->wcap; i++)
		if (g->wkeys[i] && !g->wshown[i]) {
			g->unshown++;
			uint64_t b = g->wkeys[i] >> (64 - WBITS);
			g->ufilter[b >> 6] |= 1ULL << (b & 63);
		}
	/* from now on the filters hold only what can be a hit */
	memset(g->kfilter, 0, (1u << KBITS) / 8);
	for (size_t i = 0; i < g->cap; i++)
		if (g->keys[i] && !g->shared[i]) {
			kfilter_set(g->kfilter, g->keys[i]);
			g->unshared++;
		}
	memset(g->tfilter, 0, (1u << TBITS) / 8);
	memset(g->tmask, 0, 1u << TBITS);
	g->tany = false;
	for (size_t i = 0; i < g->nshort; i++) {
		const struct short_part *sp = &g->shortv[i];
		size_t slot = slot_of(g, sp->key);
		if (g->keys[slot] && !g->shared[slot]) {
			g->tfilter[sp->tbit >> 6] |= 1ULL << (sp->tbit & 63);
			g->tmask[sp->tbit] |= (unsigned char)(1u << sp->k);
			g->tany = true;
		}
	}
	free(g->shortv);
	g->shortv = NULL;
	g->nshort = g->capshort = 0;
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

/* Scans one text (HTML with the memo); a hit is looked for again without
 * it, keeping where words are, for the excerpt's bytes. */
static void scan_text(struct guard *g, const char *p, size_t n, enum gfmt f, struct hit *h)
{
	struct scan s;
	scan_init(&s, g, GM_SCAN);
	s.memo = f == GF_HTML ? g->memo : NULL;
	scan_run(&s, p, n, f);
	if (s.hit) {
		scan_release(&s);
		scan_init(&s, g, GM_SCAN);
		s.rec = true;
		scan_run(&s, p, n, f);
	}
	if (s.hit) {
		h->found = true;
		h->where = s.hit_word ? g->wwhere[wslot_of(g, s.hit_key)]
				      : g->where[slot_of(g, s.hit_key)];
		h->excerpt = excerpt_of(p + s.hit_from, s.hit_to - s.hit_from);
	}
	scan_release(&s);
}

static void scan_one(struct scan_job *j, size_t i)
{
	struct guard *g = j->g;
	if (i >= j->nfiles) {
		const struct guard_text *t = &g->pdfs[i - j->nfiles];
		scan_text(g, t->text, t->len, GF_PLAIN, &j->hits[i]);
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
			scan_text(g, m, (size_t)st.st_size, f, &j->hits[i]);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
}

/* One scanning thread: the next file while there is one. */
static void *scan_worker(void *ctx)
{
	struct scan_job *j = ctx;
	for (;;) {
		size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		if (i >= j->total)
			break;
		scan_one(j, i);
	}
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

/* The first word of the build's hidden parts that no shown text has, as
 * a search entry's list of words. Tests only. */
static bool plant_word(struct guard *g, struct buf *out)
{
	struct scan s;
	scan_init(&s, g, GM_COLLECT);
	bool found = false;
	for (size_t t = 0; t < g->ntexts && !found; t++) {
		const char *p = g->texts[t];
		s.nwh = 0;
		s.nbreaks = 0;
		scan_run(&s, p, strlen(p), g->text_fmt[t]);
		for (size_t i = 0; i < s.nwh && !found; i++) {
			size_t slot = wslot_of(g, s.wh[i]);
			if (!g->wkeys[slot] || g->wshown[slot])
				continue;
			buf_puts(out, "\n{\"words\":\"");
			buf_put(out, p + s.woff[i], s.wend[i] - s.woff[i]);
			buf_puts(out, "\"}\n");
			found = true;
		}
	}
	scan_release(&s);
	return found;
}

/* PLANSITE_TEST_PLANT=rel: the first hidden run put into rel (a file of
 * the staging folder, or a PDF's text) before the scan; rel#words: the
 * first hidden word no shown text has, as a search entry's words. */
static void plant(struct guard *g, int sfd)
{
	const char *rel = getenv("PLANSITE_TEST_PLANT");
	if (!rel || !*rel)
		return;
	const char *hash = strchr(rel, '#');
	if (hash && !strcmp(hash, "#words")) {
		char *file = xstrndup(rel, (size_t)(hash - rel));
		struct buf b = BUF_INIT;
		int fd = openat(sfd, file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && plant_word(g, &b) && write(fd, b.ptr, b.len) != (ssize_t)b.len)
			fprintf(stderr, "plansite: cannot plant into '%s'\n", file);
		if (fd >= 0)
			close(fd);
		buf_release(&b);
		free(file);
		return;
	}
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
		const struct gpart *gp = &g->gparts[h->where >> 32];
		uint32_t line = gp->line, col = gp->col;
		text_pos(gp->text, (size_t)(h->where & 0xFFFFFFFF), &line, &col);
		struct pos p = {diag_keep(d, g->names[gp->src].path), line & 0xFFFFFF,
				col > 0xFFFF ? 0xFFFF : col};
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
	free(g->tmask);
	free(g->shortv);
	free(g->memo);
	free(g->amemo);
	free(g->wkeys);
	free(g->wwhere);
	free(g->wshown);
	free(g->wfilter);
	free(g->ufilter);
	for (size_t i = 0; i < g->ngparts; i++)
		free(g->gparts[i].own);
	free(g->gparts);
	free(g->put_k);
	free(g->put_w);
	free(g->names);
	arena_release(&g->arena);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
