/*
 * util.c: allocation that cannot fail, the arena, edit distance and UTF-8
 * checks. Small helpers every stage uses.
 */
#include "plansite.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prints the message and exits with status 3 (EXIT_IO), as for any failure
 * that is not the user's mistake. The message is formatted on the stack
 * and written with write(2): stdio may need memory, and die is what runs
 * when there is none. _exit, not exit: other threads may still be at work,
 * and the atexit handlers (libgit2's and fontconfig's shutdown) would pull
 * their libraries from under them. What the build staged is left as a
 * killed build leaves it (the next build removes the staging folder); the
 * previous output is untouched. */
void die(const char *fmt, ...)
{
	char msg[512];
	static const char head[] = "plansite: fatal: ";
	size_t n = sizeof(head) - 1;
	memcpy(msg, head, n);
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k < sizeof(msg) - n - 1 ? (size_t)k : sizeof(msg) - n - 2;
	msg[n++] = '\n';
	if (write(STDERR_FILENO, msg, n) < 0)
		n = 0; /* nowhere left to say it */
	_exit(EXIT_IO);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory allocating %zu bytes", n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* ------------------------------------------------------------- arena */

struct arena_block {
	struct arena_block *next;
	size_t size;
	/* data follows, 16-byte aligned */
	_Alignas(16) char data[];
};

#define ARENA_BLOCK (64 * 1024)

/* n bytes of a, 16-byte aligned, not cleared. */
static void *arena_take(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if ((size_t)(a->end - a->next) < n || !a->next) {
		size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
		struct arena_block *b = xmalloc(sizeof(*b) + size);
		b->size = size;
		if (size == n && a->head) {
			/* A large allocation gets a block of its own, kept behind
			 * the current one so the current block's space stays usable. */
			b->next = a->head->next;
			a->head->next = b;
			return b->data;
		}
		b->next = a->head;
		a->head = b;
		a->next = b->data;
		a->end = b->data + size;
	}
	void *p = a->next;
	a->next += n;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_take(a, n);
	memset(p, 0, n);
	return p;
}

/* Copies are written whole: no need to clear them first (most of a
 * build's rendered HTML passes through here). */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	/* most are short: formatted once, on the stack, then copied */
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t)n < sizeof(small))
		return arena_strndup(a, small, (size_t)n);
	char *p = arena_take(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *arena_cat(struct arena *a, ...)
{
	size_t n = 0;
	va_list ap;
	va_start(ap, a);
	for (const char *s; (s = va_arg(ap, const char *));)
		n += strlen(s);
	va_end(ap);
	char *p = arena_take(a, n + 1), *q = p;
	va_start(ap, a);
	for (const char *s; (s = va_arg(ap, const char *));) {
		size_t l = strlen(s);
		memcpy(q, s, l);
		q += l;
	}
	va_end(ap);
	*q = '\0';
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->next = a->end = NULL;
}

void arena_reset(struct arena *a)
{
	struct arena_block *keep = NULL, *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		if (!keep && b->size == ARENA_BLOCK)
			keep = b;
		else
			free(b);
		b = next;
	}
	a->head = keep;
	if (keep) {
		keep->next = NULL;
		a->next = keep->data;
		a->end = keep->data + keep->size;
	} else {
		a->next = a->end = NULL;
	}
}

/* The words seen are kept as (hash, offset, length) into the output, in a
 * table that doubles when half full. */
/* For each byte: itself lowercased when it belongs to a word (ASCII
 * letters and digits, and any byte of a UTF-8 sequence), else 0. */
static unsigned char word_map[256];
static pthread_once_t word_once = PTHREAD_ONCE_INIT;

static void word_map_init(void)
{
	for (int c = 0; c < 256; c++) {
		if (c >= 'A' && c <= 'Z')
			word_map[c] = (unsigned char)(c + 32);
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
			word_map[c] = (unsigned char)c;
	}
}

/* A hash of the n bytes at p, eight at a time. The bytes after them, up to
 * the next multiple of eight, must be readable: they are read and masked
 * off (text_words leaves room). */
static uint64_t word_hash(const char *p, size_t n)
{
	uint64_t h = n * 0x9E3779B97F4A7C15ULL;
	while (n >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		h = (h ^ x) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t x;
		memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		x &= ~(uint64_t)0 >> (64 - 8 * n); /* the first n bytes */
#else
		x &= ~(uint64_t)0 << (64 - 8 * n);
#endif
		h = (h ^ x) * 0xC4CEB9FE1A85EC53ULL;
		h ^= h >> 32;
	}
	return h;
}

/* How many of the 8 bytes at p, from the first, are a to z. */
static size_t lower_run(const unsigned char *p)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t v;
	memcpy(&v, p, 8);
	/* with each byte's top bit set first, no subtraction borrows from the
	 * next byte: the top bit says whether the low seven bits reach 'a',
	 * and 'z' + 1 */
	uint64_t from_a = (v | high) - 0x6161616161616161ULL;
	uint64_t past_z = (v | high) - 0x7B7B7B7B7B7B7B7BULL;
	uint64_t other = ~(from_a & ~past_z & ~v) & high;
	if (!other)
		return 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(other) / 8;
#else
	return (size_t)__builtin_clzll(other) / 8;
#endif
}

/* Whether the len bytes at x and y are the same; words are short, and a
 * call to memcmp costs more than comparing them here. */
static bool same_word(const char *x, const char *y, size_t len)
{
	while (len >= 8) {
		uint64_t u, v;
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		if (u != v)
			return false;
		x += 8;
		y += 8;
		len -= 8;
	}
	while (len--)
		if (*x++ != *y++)
			return false;
	return true;
}

size_t text_newlines(char *s, size_t n)
{
	char *cr = s ? memchr(s, '\r', n) : NULL;
	if (!cr)
		return n;
	size_t w = (size_t)(cr - s);
	for (size_t r = w; r < n; r++) {
		if (s[r] != '\r') {
			s[w++] = s[r];
			continue;
		}
		s[w++] = '\n';
		if (r + 1 < n && s[r + 1] == '\n')
			r++;
	}
	if (w < n)
		s[w] = '\0';
	return w;
}

const char *text_words(struct arena *a, const char *text, size_t n)
{
	struct seen {
		uint64_t hash;
		uint32_t off, len;
	};
	pthread_once(&word_once, word_map_init);
	/* most documents have a few hundred distinct words: a table on the
	 * stack, moved to the heap only when it must grow */
	struct seen small[512];
	size_t cap = sizeof(small) / sizeof(small[0]), used = 0;
	struct seen *tab = small;
	memset(small, 0, sizeof(small));
	/* the words and a space between each never outgrow the text; eight
	 * bytes more for word_hash to read past the last */
	char *out = xmalloc(n + 9);
	size_t len_out = 0;
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0;
	while (i < n) {
		while (i < n && !word_map[t[i]])
			i++;
		/* lowercased where it would go, then kept if not seen */
		size_t at = len_out + (len_out ? 1 : 0), len = 0;
		char *dst = out + at;
		for (;;) {
			if (n - i >= 8) {
				/* a run of lowercase letters goes as it is */
				size_t k = lower_run(t + i);
				memcpy(dst + len, t + i, 8); /* out has room for 8 */
				len += k;
				i += k;
				if (k == 8)
					continue;
			}
			if (i < n && word_map[t[i]]) {
				dst[len++] = (char)word_map[t[i++]];
				continue;
			}
			break;
		}
		if (len < 2 || len >= UINT32_MAX)
			continue;
		uint64_t h = word_hash(dst, len);
		size_t slot = h & (cap - 1);
		bool seen = false;
		for (; tab[slot].len; slot = (slot + 1) & (cap - 1))
			if (tab[slot].hash == h && tab[slot].len == len &&
			    same_word(out + tab[slot].off, dst, len)) {
				seen = true;
				break;
			}
		if (seen)
			continue;
		if (len_out)
			out[len_out] = ' ';
		len_out = at + len;
		tab[slot] = (struct seen){h, (uint32_t)at, (uint32_t)len};
		if (++used * 2 > cap) {
			size_t ncap = cap * 2;
			struct seen *nt = xcalloc(ncap, sizeof(*nt));
			for (size_t j = 0; j < cap; j++) {
				if (!tab[j].len)
					continue;
				size_t m = tab[j].hash & (ncap - 1);
				while (nt[m].len)
					m = (m + 1) & (ncap - 1);
				nt[m] = tab[j];
			}
			if (tab != small)
				free(tab);
			tab = nt;
			cap = ncap;
		}
	}
	const char *s = arena_strndup(a, out, len_out);
	if (tab != small)
		free(tab);
	free(out);
	return s;
}

/* ------------------------------------------------------ edit distance */

size_t edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	if (lb > 255)
		return max + 1; /* ids are short; this bound keeps the row on the stack */
	size_t row[256];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[lb] > max ? max + 1 : row[lb];
}

/* -------------------------------------------------------------- UTF-8 */

size_t utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* Mostly ASCII: eight bytes a step while no byte has its top bit. */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i < len)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

size_t utf8_count(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* ---------------------------------------------------------------- ids */

bool id_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* ------------------------------------------------------------ id index */

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* XXH64 (Yann Collet's xxHash, 64 bits): eight bytes a step, for hashing
 * whole files (a no-op rebuild hashes every source file). */
#define XXH_P1 0x9E3779B185EBCA87ull
#define XXH_P2 0xC2B2AE3D27D4EB4Full
#define XXH_P3 0x165667B19E3779F9ull
#define XXH_P4 0x85EBCA77C2B2AE63ull
#define XXH_P5 0x27D4EB2F165667C5ull

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t read64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* host order: the hash is for this machine's caches only */
}

static uint64_t read32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t xxh_round(uint64_t acc, uint64_t input)
{
	acc += input * XXH_P2;
	acc = rotl64(acc, 31);
	return acc * XXH_P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t val)
{
	acc ^= xxh_round(0, val);
	return acc * XXH_P1 + XXH_P4;
}

uint64_t hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t h;
	if (n >= 32) {
		uint64_t v1 = seed + XXH_P1 + XXH_P2, v2 = seed + XXH_P2, v3 = seed,
			 v4 = seed - XXH_P1;
		for (; p + 32 <= end; p += 32) {
			v1 = xxh_round(v1, read64(p));
			v2 = xxh_round(v2, read64(p + 8));
			v3 = xxh_round(v3, read64(p + 16));
			v4 = xxh_round(v4, read64(p + 24));
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = seed + XXH_P5;
	}
	h += (uint64_t)n;
	for (; p + 8 <= end; p += 8)
		h = rotl64(h ^ xxh_round(0, read64(p)), 27) * XXH_P1 + XXH_P4;
	if (p + 4 <= end) {
		h = rotl64(h ^ (read32(p) * XXH_P1), 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ (*p * XXH_P5), 11) * XXH_P1;
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}

static uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

void idmap_init(struct idmap *m, size_t expected)
{
	size_t cap = 16;
	while (cap < expected * 2 + 1)
		cap *= 2;
	m->cap = cap;
	m->n = 0;
	m->keys = xcalloc(cap, sizeof(*m->keys));
	m->vals = xcalloc(cap, sizeof(*m->vals));
	m->hashes = xcalloc(cap, sizeof(*m->hashes));
}

void idmap_release(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}

/* The slot of key (hash h), or the empty slot where it would go. */
static size_t idmap_slot(const struct idmap *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);
	while (m->keys[i] && (m->hashes[i] != h || strcmp(m->keys[i], key) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void idmap_grow(struct idmap *m)
{
	struct idmap bigger;
	idmap_init(&bigger, m->cap);
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = m->hashes[i] & (bigger.cap - 1);
		while (bigger.keys[j])
			j = (j + 1) & (bigger.cap - 1);
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
		bigger.hashes[j] = m->hashes[i];
		bigger.n++;
	}
	idmap_release(m);
	*m = bigger;
}

bool idmap_put(struct idmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap)
		idmap_grow(m);
	uint64_t h = hash_str(key);
	size_t i = idmap_slot(m, key, h);
	if (m->keys[i])
		return false;
	m->keys[i] = key;
	m->vals[i] = val;
	m->hashes[i] = h;
	m->n++;
	return true;
}

void idmap_set(struct idmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap)
		idmap_grow(m);
	uint64_t h = hash_str(key);
	size_t i = idmap_slot(m, key, h);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->hashes[i] = h;
		m->n++;
	}
	m->vals[i] = val;
}

bool idmap_get(const struct idmap *m, const char *key, size_t *val)
{
	if (!m->cap || !key)
		return false;
	size_t i = idmap_slot(m, key, hash_str(key));
	if (!m->keys[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

/* ------------------------------------------------------------- threads */

int plansite_jobs(void)
{
	const char *env = getenv("PLANSITE_JOBS");
	if (env && *env) {
		long n = strtol(env, NULL, 10);
		if (n >= 1 && n <= 64)
			return (int)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

struct each {
	size_t n, next; /* next: taken with __atomic_fetch_add */
	void (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *each_work(void *arg)
{
	struct each *e = arg;
	for (;;) {
		size_t i = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED);
		if (i >= e->n)
			return NULL;
		e->fn(e->ctx, i);
	}
}

void run_each(size_t n, size_t threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct each e = {n, 0, fn, ctx};
	pthread_t th[RUN_EACH_MAX];
	size_t started = 0;
	if (threads > RUN_EACH_MAX)
		threads = RUN_EACH_MAX;
	for (size_t t = 1; t < threads; t++)
		if (pthread_create(&th[started], NULL, each_work, &e) == 0)
			started++;
	each_work(&e);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* ------------------------------------------------------- object ids */

bool id_from_hex(const char *hex, unsigned char id[20])
{
	for (int i = 0; i < 20; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + k];
			int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (x < 0)
				return false;
			v = v * 16 + x;
		}
		id[i] = (unsigned char)v;
	}
	return true;
}

void id_to_hex(const unsigned char id[20], char hex[41])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 20; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[40] = '\0';
}
