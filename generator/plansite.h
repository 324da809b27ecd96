/*
 * plansite.h: the internal types and prototypes of plansite, one section per
 * pipeline stage, in pipeline order. Each library (libgit2, libyaml,
 * cmark-gfm, cairo/pango) is wrapped by exactly one .c file; none of their
 * types appears here.
 *
 * Conventions (see ../shared/design/style.md):
 *   - struct S goes with S_init / S_release (free what it holds) / S_free.
 *   - <pointer, length> in that order.
 *   - Out of memory aborts (xmalloc); error paths handle only the user's
 *     mistakes and I/O failures.
 *   - Positions are 1-based; columns count Unicode characters.
 */
#ifndef PLANSITE_H
#define PLANSITE_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PLANSITE_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* Exit statuses, as in the design README. */
enum {
	EXIT_OK = 0,      /* fine; warnings allowed */
	EXIT_CONTENT = 1, /* content errors */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_IO = 3,      /* I/O or git failure */
};

/* ---------------------------------------------------------------- util.c */

/* Allocation that never returns NULL: on failure it prints and exits with
 * status 3 (die). libgit2 and cmark-gfm allocate through these too. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Prints "plansite: fatal: ..." and exits with status 3, at once. */
NORETURN void die(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Makes room for one more element in array p, of which n are used and cap
 * allocated (xrealloc): cap doubles when full, from first when the array is
 * empty. GROW starts at 16. The one growth rule for arrays. */
#define GROW_FROM(p, n, cap, first)                                                             \
	do {                                                                                    \
		if ((n) == (cap)) {                                                             \
			(cap) = (cap) ? (cap) * 2 : (first);                                    \
			(p) = xrealloc((p), (cap) * sizeof(*(p)));                              \
		}                                                                               \
	} while (0)
#define GROW(p, n, cap) GROW_FROM(p, n, cap, 16)

/*
 * An arena: many small allocations freed together. Used for values, the
 * model and per-page render state. Memory from arena_alloc is zeroed and
 * 16-byte aligned. arena_release frees every block; the arena may be reused
 * after it.
 */
struct arena {
	struct arena_block *head;
	char *next, *end;
};
#define ARENA_INIT {NULL, NULL, NULL}
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* The strings given, up to a NULL, one after another. */
char *arena_cat(struct arena *a, ...) __attribute__((sentinel));
/* Frees everything allocated in a, keeping one block for what comes next. */
void arena_reset(struct arena *a);
void arena_release(struct arena *a);

/* FNV-1a, 64 bits: a fast hash for tables and cache names, not for security. */
uint64_t hash_bytes(const void *p, size_t n);
/* XXH64: a fast hash of many bytes (whole files), also not for security. */
uint64_t hash64(const void *p, size_t n, uint64_t seed);

/*
 * A map from strings (not copied: they must outlive the map) to indexes,
 * for looking ids up in constant time.
 */
struct idmap {
	const char **keys;
	size_t *vals;
	size_t n, cap;
	uint64_t *hashes; /* of each key: most probes compare these only */
};
void idmap_init(struct idmap *m, size_t expected);
void idmap_release(struct idmap *m);
/* Adds key → val; returns false (and changes nothing) if key is there. */
bool idmap_put(struct idmap *m, const char *key, size_t val);
bool idmap_get(const struct idmap *m, const char *key, size_t *val);
/* Adds key → val, or changes the value of key when it is there. */
void idmap_set(struct idmap *m, const char *key, size_t val);

/* The distinct words of a text, lowercased, space-separated: what the
 * search page matches against, far smaller than the text itself. Words are
 * runs of ASCII letters and digits and non-ASCII bytes, two bytes or more. */
const char *text_words(struct arena *a, const char *text, size_t n);

/*
 * Whether a key is 'visibility' (1), differs from it only by case, by
 * invisible characters or by an edit distance of at most 2 counted in
 * characters (2: 'Visibility', 'visiblity', 'vis1bility'), or neither (0).
 */
int visibility_near(const char *key, size_t len);
/* The same of the first word of an HTML comment, s being what follows its
 * "<!--": past spaces (odd ones too), invisible characters and one '/';
 * also 2 when that word is near "confidential" (two edits) or "practices"
 * (one), which an editor may take for a fence, and 2 when the first words
 * joined are near one of the three ("visi bility", "Visi-bility"), up to
 * the comment's end. */
int visibility_comment_near(const char *s, size_t n);
/* Reports (E022) each string of a front matter tree v that holds a comment
 * whose first word is near 'visibility': a fence there hides nothing, the
 * string is shown whole. Returns whether there was one. */
struct diag;
struct value;
bool fences_in_values(struct diag *d, const struct value *v);

/* Line endings as LF only, in place: CRLF and a lone CR become LF (cmark
 * and libyaml read a lone CR as a line break, so every reader of a body
 * must count the same lines). Returns the new length; a shorter text is
 * NUL-terminated at it. */
size_t text_newlines(char *s, size_t n);

/* How many threads to use: the online cores (at most 8), or PLANSITE_JOBS
 * when set (1 makes everything single-threaded). */
int plansite_jobs(void);

/* Calls fn(ctx, i) for every i below n, on up to threads threads (the
 * caller's one of them; at most RUN_EACH_MAX), each taking the next i as
 * it is free; returns when all are done. */
#define RUN_EACH_MAX 32
void run_each(size_t n, size_t threads, void (*fn)(void *ctx, size_t i), void *ctx);

/* True when s is a valid id: one or more of [a-z0-9-]. */
bool id_valid(const char *s);

/* Edit distance (Levenshtein, bytes) between two strings, stopping early:
 * returns max+1 when the distance exceeds max. */
size_t edit_distance(const char *a, const char *b, size_t max);

/* Checks that [s, s+n) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF). Returns n when valid, else the offset of the first bad
 * byte. */
size_t utf8_check(const char *s, size_t n);
/* A git object id (20 bytes) from its 40 lowercase hex digits; false when
 * they are not that. And back, NUL-terminated. */
bool id_from_hex(const char *hex, unsigned char id[20]);
void id_to_hex(const unsigned char id[20], char hex[41]);

/* Number of Unicode characters in [s, s+n) of valid UTF-8 (the bytes that
 * are not continuation bytes). */
size_t utf8_count(const char *s, size_t n);

/* ----------------------------------------------------------------- buf.c */

/*
 * One growable byte buffer. Invariants: ptr is never NULL and ptr[len] is
 * always '\0' (an empty buffer points at a static ""); buf_detach is the only
 * way to take ownership of the bytes; after buf_release the buffer is empty
 * and reusable.
 */
struct buf {
	char *ptr;
	size_t len, cap;
};
extern char buf_empty[1];
#define BUF_INIT {buf_empty, 0, 0}

void buf_init(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_puts(struct buf *b, const char *s);
/* buf_put and buf_putc are inline: pages are built a few bytes at a time. */
static inline void buf_put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n + 1 > b->cap || b->len + n < b->len)
		buf_grow(b, n);
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}
static inline void buf_putc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
}
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* v in decimal, as printf's %lld would write it. */
void buf_put_int(struct buf *b, long long v);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_truncate(struct buf *b, size_t len);
char *buf_detach(struct buf *b, size_t *len);
void buf_release(struct buf *b);

/* -------------------------------------------------------------- escape.c */

/* Appends s escaped for HTML text and attribute values (& < > " '). */
void escape_html(struct buf *b, const char *s, size_t n);
/* Appends s escaped for the inside of a JSON string (also < > & as \u00XX,
 * so the result is safe inside a <script> element). */
void escape_json(struct buf *b, const char *s, size_t n);
/* Appends URL s for an href attribute: what is already percent-encoded is
 * kept, bytes that may not stand raw in a URL are percent-encoded, and & and
 * ' are HTML-escaped. */
void escape_href(struct buf *b, const char *s);
/* Appends s as an iCalendar TEXT value (RFC 5545 3.3.11): backslash, ';' and
 * ',' escaped, a newline as \n, CR dropped; s may be NULL. */
void escape_ics_text(struct buf *b, const char *s);

/* ---------------------------------------------------------------- diag.c */

/*
 * Finding codes are stable: tests, editors' scripts and docs/diagnostics.md
 * rely on them. Never renumber; retire a code rather than reuse it.
 *
 * E001 YAML or front matter does not parse (syntax, more than one document,
 *      a key that is not plain text)
 * E002 duplicate map key (reported; the first value is kept and the file
 *      still checked)
 * E003 alias expansion or nesting past the limit
 * E004 file is not valid UTF-8 (message names the byte offset)
 * E005 required field missing
 * E006 wrong type or a value outside its allowed set (a visibility that
 *      cannot be read, which then counts as confidential); a merge key
 * E007 bad date, month or time
 * E008 id does not match the file name
 * E009 duplicate id
 * E010 reference to something unknown (area, person, practice, project,
 *      funding stream, milestone number, check id, level)
 * E011 level used but not defined, or defined twice
 * E012 project in an area whose level does not allow projects
 * E013 role count outside plan.yaml's roles
 * E014 milestones out of sequence (gap, more than one in progress, dates
 *      going backwards)
 * E015 reached milestone lacks one of its checks
 * E016 milestone window broken
 * E017 funding does not cover the milestones worked toward
 * E018 meeting end not after start; next meeting not after the meeting
 * E019 report month differs from its file name
 * E020 link to a missing file or anchor
 * E021 link to a less visible document
 * E022 bad visibility fence (unclosed, nested, wider than its document)
 * E023 page id takes a reserved name
 * E024 symbolic link or other non-regular file in the site
 * E025 malformed id or file name
 * E026 cannot read the site (I/O or git failure; exit status 3)
 * E027 a limit of site.yaml's limits: passed (document size, documents,
 *      path or name length; Markdown nesting)
 * E028 an item (action, decision) wider than its document
 * E029 a key that is nearly 'visibility', or 'visibility' where it cannot be
 *      set
 * E030 text hidden from the build's audience found in an output (the leak
 *      guard): nothing is published
 * E040 template syntax error
 * E041 unknown partial or parent template
 * E042 a template's render past a limit (bytes, expansions, nesting)
 *
 * W001 open action past its due date
 * W002 milestone target in the past and not reached
 * W003 milestone target breaks the window
 * W004 objective past its due date and not achieved
 * W005 unknown field
 * W006 document over limits.document_bytes (1 MiB)
 * W007 uncommitted changes under content/ are not in this build
 * W008 no version information (outside git, or no commit yet)
 * W009 file that plansite does not read
 * W010 history is incomplete (a shallow clone): dates come from what there is
 * W011 a published version is left out (its content fails check, its tag
 *      names no commit, or its slug is unusable or taken)
 * W012 the cache folder cannot be used (not makable or writable, a link, a
 *      file, another user's or anyone's); a temporary one is used instead
 */

/* A position in a source file. file is a path relative to the site root
 * (e.g. "content/projects/copd.md") that outlives the diagnostics sink; it
 * may be NULL for findings that belong to no file. line and col are 1-based;
 * 0 means unknown. */
struct pos {
	const char *file;
	uint32_t line, col;
};

enum diag_format { DIAG_TEXT, DIAG_JSON };
enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct finding {
	struct pos pos;
	enum diag_severity severity;
	char code[8]; /* "E013", "W005"; "" for none */
	char *message;
	size_t seq; /* order of reporting, to keep the sort stable */
};

/*
 * The one diagnostics sink. Findings are collected (never printed at once),
 * then diag_flush prints them sorted by file, line and column, so that output
 * does not depend on the order in which stages ran. Thread-safe: reporting
 * takes a lock.
 */
struct diag {
	struct finding *items;
	size_t n, cap;
	size_t errors, warnings;
	size_t io_errors; /* of the errors, failures to read or write (E026) */
	enum diag_format format;
	void *lock; /* pthread_mutex_t, hidden */
	struct arena names; /* diag_keep's copies */
};

void diag_init(struct diag *d, enum diag_format format);
void diag_release(struct diag *d);
void diag_error(struct diag *d, struct pos pos, const char *code, const char *fmt,
		...) PRINTF_LIKE(4, 5);
void diag_warning(struct diag *d, struct pos pos, const char *code, const char *fmt,
		  ...) PRINTF_LIKE(4, 5);
void diag_report(struct diag *d, enum diag_severity sev, struct pos pos,
		 const char *code, const char *fmt, va_list ap);
/* A copy of s that lives as long as d: the file of a finding whose own
 * name goes before the findings are printed (an old tree's). Thread-safe. */
const char *diag_keep(struct diag *d, const char *s);
/* Prints every finding to f (sorted), then forgets them; counts are kept. */
void diag_flush(struct diag *d, FILE *f);
/* Takes back the findings reported since there were n (none printed since):
 * for work that is done again from the start. */
void diag_forget_since(struct diag *d, size_t n);
/* Whether a finding with code is held (reported and not yet printed). */
bool diag_has(const struct diag *d, const char *code);
/* Prints "N errors, M warnings" (text format) to f. */
void diag_summary(const struct diag *d, FILE *f);

/*
 * Appends " (did you mean 'x'?)" to b when one of the n candidates is within
 * edit distance 2 of word, or has word as a prefix (or is a prefix of word);
 * the closest wins, ties to the earliest. Returns true when it appended.
 */
bool diag_suggest(struct buf *b, const char *word, const char *const *cands, size_t n);
/* The candidate diag_suggest would name, or NULL. */
const char *diag_closest(const char *word, const char *const *cands, size_t n);

/* --------------------------------------------------------------- value.c */

/*
 * The one positioned value type: YAML carries it into the model, the model
 * carries it into templates. Every node knows where it came from (pos.file
 * NULL for values built by the program). Scalars keep their source text in
 * str (also for numbers, booleans and null), so a scalar can always be read
 * as text. Maps keep their keys in order; keys are strings with positions.
 * Values live in an arena and are never freed one by one.
 */
enum value_kind {
	VALUE_NULL,
	VALUE_STRING,
	VALUE_NUMBER,
	VALUE_BOOL,
	VALUE_LIST,
	VALUE_MAP,
};

struct value;

struct value_pair {
	const char *key;
	size_t key_len;
	struct pos key_pos;
	struct value *val;
};

struct value {
	enum value_kind kind;
	bool quoted; /* scalar written in quotes or as a block scalar */
	bool shared; /* a list that lives as long as the build and is the same
			for every page showing it (see mustache_memo) */
	bool flawed; /* a map in which yaml_parse reported a duplicate key (it
			holds the first value), and the root of its document:
			the parse had errors, so a load whose findings nobody
			reads must not take it */
	struct pos pos;
	const char *str; /* scalars: NUL-terminated text; NULL for list and map */
	size_t len;
	double num;      /* VALUE_NUMBER */
	bool b;          /* VALUE_BOOL */
	size_t n, cap;   /* list items or map pairs */
	union {
		struct value **items;     /* VALUE_LIST */
		struct value_pair *pairs; /* VALUE_MAP */
	} u;
};

struct value *value_new(struct arena *a, enum value_kind kind, struct pos pos);
struct value *value_string(struct arena *a, const char *s, size_t n, struct pos pos);
struct value *value_cstr(struct arena *a, const char *s); /* copies s; no position */
struct value *value_number(struct arena *a, double d);
struct value *value_bool(struct arena *a, bool b);
void value_list_push(struct arena *a, struct value *list, struct value *item);
/* Appends key → val (copies key). Does not check for duplicates. */
void value_map_put(struct arena *a, struct value *map, const char *key, struct value *val);
/* The same without copying key, which must live as long as map (a string
 * literal, say): pages put thousands of keys. */
void value_map_put_lasting(struct arena *a, struct value *map, const char *key,
			   struct value *val);
/* The value under key in a map, or NULL (also when m is NULL or not a map). */
struct value *value_get(const struct value *m, const char *key);
struct value_pair *value_get_pair(const struct value *m, const char *key);
/* True for null, false, empty string, empty list: Mustache's falsey. */
bool value_falsey(const struct value *v);
/* Appends the text of a scalar (numbers in shortest form, e.g. 1.21). */
void value_text(struct buf *b, const struct value *v);
/* Name of a kind for messages: "a string", "a list", ... */
const char *value_kind_name(enum value_kind k);
/* Deterministic debug/JSON form, used by tests. */
void value_to_json(struct buf *b, const struct value *v);

/* ---------------------------------------------------------------- yaml.c */

/* Limits that protect against hostile YAML (E003). */
#define YAML_DEFAULT_NODES 100000
#define YAML_DEFAULT_DEPTH 64
struct yaml_limits {
	size_t max_nodes;  /* nodes after alias expansion (default 100000) */
	size_t max_depth;  /* nesting depth (default 64) */
};
extern const struct yaml_limits yaml_default_limits;

/*
 * Parses one YAML document from [s, s+n) into a value allocated in a.
 * Positions are reported as (line0 + line, col), with file as given, so a
 * front matter block can report the lines of its file. Alias expansion or
 * nesting past the limits (E003), more than one document and syntax errors
 * (E001) are reported to d and give NULL. A duplicate map key (E002, at the
 * later key) is reported too, but the parse goes on: the first value is
 * kept, and the tree is returned with flawed set on that map and on the
 * root, so that the caller checks the rest of the file in the same run. A
 * merge key '<<' is a plain key (the loaders refuse it, E006). An empty
 * document gives a VALUE_NULL value.
 */
struct value *yaml_parse(struct arena *a, const char *s, size_t n, const char *file,
			 uint32_t line0, const struct yaml_limits *lim, struct diag *d);
/* The same, with the text of scalars in strs and everything else in a: a
 * loader that keeps strings but not the tree frees a, keeps strs. */
struct value *yaml_parse_split(struct arena *a, struct arena *strs, const char *s, size_t n,
			       const char *file, uint32_t line0, const struct yaml_limits *lim,
			       struct diag *d);
/* For the tests: the parse events of s[0..n) as text, from yaml.c's fast
 * path (false when it leaves the text to libyaml) or from libyaml (false on
 * a syntax error); the same text for the same events. */
bool yaml_fast_dump(const char *s, size_t n, struct buf *out);
bool yaml_libyaml_dump(const char *s, size_t n, struct buf *out);

/* ------------------------------------------------------------- source.c */

/* One file read from the site: a path relative to the site root
 * ("site.yaml", "content/plan.yaml", "themes/default/templates/page.mustache")
 * and its bytes. */
/* What a file on disk looked like when it was read (from fstat): a file
 * whose stamp is unchanged has not been written since (git's index trusts
 * the same fields). */
struct file_stamp {
	int64_t size, mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint64_t ino, dev;
};

struct source_file {
	char *path;
	char *data; /* NULL when not read: a known blob (source.known) */
	size_t len;
	unsigned char oid[20]; /* the blob's id, when read from git */
	bool has_oid;
	/* From disk: the stamp as the file was read, and whether it is old
	 * enough to be trusted by a later build (stamped); hash64 (seed 0) of
	 * its bytes; unread when the caller's source.stamp_known vouched for
	 * it, which gave the hash (data NULL, len its size). */
	struct file_stamp stamp;
	bool stamped, unread;
	uint64_t hash;
};

/* Tells a reader of git trees that it need not read the blob oid at path:
 * the caller has what it needs from it already. */
typedef bool source_known_fn(void *ctx, const char *path, const unsigned char oid[20]);
/* Tells a reader of the disk that the file at path, stamped st now, has
 * not changed since a build read it, and what hash64 (seed 0) its bytes
 * had then. Called from several threads at once. */
typedef bool source_stamp_fn(void *ctx, const char *path, const struct file_stamp *st,
			     uint64_t *hash);

enum source_mode {
	SOURCE_GIT,      /* the tree of a commit */
	SOURCE_WORKTREE, /* files on disk inside a git repository (--worktree) */
	SOURCE_FILES,    /* files on disk, no git repository */
};

struct source_opts {
	const char *ref;  /* NULL: HEAD */
	bool worktree;    /* --worktree */
};

struct repo; /* git.c */

/* What was read, sorted by path, plus where it came from. */
struct source {
	char *root;               /* absolute path of the site root */
	enum source_mode mode;
	struct source_file *files;
	size_t n;
	/* SOURCE_GIT only: */
	char commit[41];          /* full commit id */
	char short_id[13];
	char *ref_name;           /* as given, or "HEAD" */
	int64_t commit_time;      /* committer time, seconds since the epoch */
	int commit_offset;        /* committer's offset from UTC, minutes */
	/* Every path above, and those of skipped files named by findings: the
	 * findings of source_open point here, so release s after printing them. */
	struct arena names;
	/* Between source_begin and source_read: the repository (NULL outside
	 * git), and whether a default run warns of uncommitted changes. */
	struct repo *repo;
	bool check_uncommitted;
	/* Set between source_begin and source_read to skip known blobs, or
	 * (from disk) files whose stamp is known. */
	source_known_fn *known;
	void *known_ctx;
	source_stamp_fn *stamp_known;
	void *stamp_ctx;
};

/*
 * Finds the site root: dir itself if it holds site.yaml, else its nearest
 * ancestor that does. Returns a malloc'd absolute path, or NULL after
 * reporting to d.
 */
char *source_find_root(const char *dir, struct diag *d);

/*
 * Reads site.yaml, content/ and themes/ (recursively) at the site root: from the tree
 * of opts->ref (default HEAD) at the root's path in its repository, without
 * checking anything out; or from disk with --worktree or outside git (with a
 * warning). Symlinks are reported (E024) and skipped. A default build that
 * sees uncommitted changes under content/ warns (W007). Returns 0, or -1
 * after reporting an I/O or git failure (exit status 3).
 */
int source_open(struct source *s, const char *root, const struct source_opts *opts,
		struct diag *d);
/* source_open in two steps, for a build that may find its output up to date
 * before reading anything: source_begin finds the mode and resolves the
 * commit (W008, E026), source_read then reads the files (E024, E026, W007).
 * source_uncommitted is the W007 check alone (a default run from git; no
 * operation otherwise), for a build that reads nothing. */
int source_begin(struct source *s, const char *root, const struct source_opts *opts,
		 struct diag *d);
int source_read(struct source *s, struct diag *d);
/* Forgets the files source_read read, so that it may read them again. */
void source_drop_files(struct source *s);
int source_uncommitted(struct source *s, struct diag *d);
/* Frees what s holds; call it after every source_open, even one that failed. */
void source_release(struct source *s);
/* The file at path, or NULL. */
const struct source_file *source_get(const struct source *s, const char *path);

/*
 * Limits on what a site may hold and what a template may make: site.yaml's
 * `limits:` (docs/diagnostics.md, "Limits"). Each is a finding that names
 * it when passed, never a silent cut; the defaults are far above what the
 * 100,000-document bench corpus needs.
 */
#define LIMIT_DOCUMENT_BYTES (1u << 20)     /* W006 above */
#define LIMIT_DOCUMENT_MAX_BYTES (16u << 20) /* E027 above */
#define LIMIT_DOCUMENTS 1000000u            /* files under content/ */
#define LIMIT_PATH_BYTES 1024u              /* a path from the site root */
#define LIMIT_NAME_BYTES 255u               /* one name of a path */
#define LIMIT_TEMPLATE_BYTES (256u << 20)   /* what one render appends */
#define MARKDOWN_MAX_DEPTH 100u            /* blocks in blocks: E027 above */
#define LIMIT_TEMPLATE_EXPANSIONS 20000000u /* interpolations, sections, items, calls */

/* Bounds on one render of a template (E042). 0 in mustache_set_limits
 * keeps the default. */
struct mustache_limits {
	size_t max_bytes;      /* bytes one render appends */
	size_t max_expansions; /* interpolations, sections and their list items,
				  partials, parents and block overrides */
};

struct site_limits {
	size_t document_bytes;     /* W006: a file of the site larger than this */
	size_t document_max_bytes; /* E027: ... and not read past this */
	size_t documents;          /* E027: more files under content/ */
	size_t path_bytes;         /* E027: a longer path (from the site root) */
	size_t name_bytes;         /* E027: a longer file or folder name */
	struct yaml_limits yaml;   /* E003 */
	struct mustache_limits templates; /* E042 */
};
extern const struct site_limits site_default_limits;

/*
 * Reports (E027) every path of s longer than lim->path_bytes or with a name
 * longer than lim->name_bytes, and more files under content/ than
 * lim->documents. False when content/ holds too many files: its documents
 * are then not to be loaded (reading them is the cost the limit bounds).
 */
bool source_check_limits(const struct source *s, const struct site_limits *lim,
			 struct diag *d);
/*
 * Whether f may be parsed: warns (W006) above lim->document_bytes, and
 * reports (E027) and gives false above lim->document_max_bytes.
 */
bool source_file_size_ok(const struct source_file *f, const struct site_limits *lim,
			 struct diag *d);

/*
 * What the two site readers (the disk in source.c, a git tree in git.c)
 * share: the files read so far (paths copied into names) and where findings
 * go. Only site.yaml, content/ and themes/ are read at the site root, no
 * name beginning with '.', and nothing nested deeper than SITE_MAX_DEPTH.
 */
#define SITE_MAX_DEPTH 32
struct site_reader {
	struct source_file *files;
	size_t n, cap;
	struct arena *names;
	struct diag *d;
	source_known_fn *known; /* git only: blobs not to read (NULL: read all) */
	void *known_ctx;
	source_stamp_fn *stamp_known; /* disk only: files not to read */
	void *stamp_ctx;
	int64_t trust_before; /* disk: stamps older than this (s) are stamped */
};
enum odd_kind { ODD_LINK, ODD_SUBMODULE, ODD_OTHER };
/* Adds a file; takes data (malloc'd, NUL-terminated after len bytes). */
void site_reader_add(struct site_reader *r, const char *path, char *data, size_t len);
/* The same for a file of a git tree, with its blob id; data may be NULL
 * (not read: known). */
void site_reader_add_blob(struct site_reader *r, const char *path, char *data, size_t len,
			  const unsigned char oid[20]);
/* Reports (E024) a file that is not read because it is not a regular file. */
void site_reader_odd(struct site_reader *r, const char *path, enum odd_kind kind);
/* Reports (E026) folders nested deeper than SITE_MAX_DEPTH at path. */
void site_reader_too_deep(struct site_reader *r, const char *path);
/* Which entries of the site root are read: the file site.yaml, and the
 * folders content/ and themes/. */
bool site_entry_file(const char *name);
bool site_entry_dir(const char *name);

/* ----------------------------------------------------------------- git.c */

/*
 * The libgit2 wrapper (git.c, gitdiff.c, gitlog.c: the only files that
 * include git2.h). A repo is the
 * git repository around a site root. Every function reports its failures
 * (E026) to d and returns -1; nothing of libgit2 escapes. Not thread-safe:
 * each thread opens its own repo.
 */
struct repo;

/* A commit as plansite shows it. */
struct commit_info {
	char id[41];         /* full id */
	char short_id[8];    /* its first seven digits */
	int64_t time;        /* committer time, seconds since the epoch */
	int offset;          /* the committer's offset from UTC, minutes */
	const char *subject; /* the message's first paragraph, whitespace squashed */
};

/* Opens the repository whose work tree holds root (an absolute, real path).
 * Returns 0, 1 when root is in no work tree (nothing is reported), or -1. */
int repo_open(struct repo **out, const char *root, struct diag *d);
/* No operation when r is NULL. */
void repo_free(struct repo *r);
/* The folders of the repository around root, found as repo_open finds it
 * (a bare repository too): its git folder and the common git folder (of a
 * linked work tree) appended to git_dirs, and its work tree (none when
 * bare) to work_tree, each as a real path ending in NUL. Returns 1, or 0
 * outside git. Nothing is reported. */
int repo_folders(const char *root, struct buf *git_dirs, struct buf *work_tree);
/* The site root's path in the work tree: "" at its top, or "sites/daccom". */
const char *repo_prefix(const struct repo *r);
/* 1 when HEAD has no commit yet, 0 when it has, -1 on failure. */
int repo_head_unborn(struct repo *r, struct diag *d);
/* Resolves a branch, tag, commit id, HEAD~2 ... to a commit; an unknown one
 * is reported with the closest branch or tag name. Subject copied into a. */
int repo_resolve(struct repo *r, const char *spec, struct arena *a, struct commit_info *out,
		 struct diag *d);
/* The first-parent line from a commit: ids and committer times, newest
 * first, down to the first commit or a missing parent (a shallow clone). */
struct commit_line {
	unsigned char (*ids)[20];
	int64_t *times;
	size_t n;
};
/* Reads the first-parent line from start (a full id). Returns 0, or -1
 * after reporting. */
int repo_first_parent_line(struct repo *r, const char *start, struct commit_line *out,
			   struct diag *d);
void commit_line_release(struct commit_line *l);
/* For each ts[i] (seconds since the epoch), the newest commit of line with
 * a committer time at or before it: out[i], and found[i] false when none
 * is that old. Returns 0, or -1 after reporting. */
int repo_commits_before(struct repo *r, const struct commit_line *line, const int64_t *ts,
			size_t n, struct arena *a, struct commit_info *out, bool *found,
			struct diag *d);
/* A file under the site's content/ whose blob differs between two commits. */
struct blob_change {
	const char *path; /* relative to the site root: "content/meetings/x.md" */
	unsigned char old_id[20], new_id[20];
	bool has_old, has_new; /* false: added, or deleted */
};
/* The files under content/ that differ between commits from and to (full
 * ids), in path order, without pairing renames. Allocates in a. */
int repo_diff_blobs(struct repo *r, const char *from, const char *to, struct arena *a,
		    struct blob_change **out, size_t *n, struct diag *d);
/* The changes of one step of a chain of commits. */
struct blob_changes {
	struct blob_change *v;
	size_t n;
};
/* Runs fn(r, i, a, ctx) for every i < n on every core, in runs of at least
 * min_run: each thread takes items lo..hi-1 in order, with a repository of
 * its own (opened at root; libgit2's are not to be shared) and an arena
 * (*arenas, *narenas of them, for the caller to release). Returns 0, or -1
 * when fn failed (after reporting) or a repository could not be opened. */
int repo_run_ranges(const char *root, size_t n, size_t min_run,
		    int (*fn)(struct repo *r, size_t i, struct arena *a, void *ctx), void *ctx,
		    struct arena **arenas, size_t *narenas, struct diag *d);
/* repo_diff_blobs for each pair of commits from[i], to[i] (i < n): into
 * out[i], on every core (each thread with a repository of its own, opened
 * at root; a thread takes a run of pairs in order, so a chain of commits
 * reads each tree once). The lists are allocated in *arenas (*narenas of
 * them, for the caller to release). Returns 0, or -1 after reporting. */
int repo_diff_pairs(const char *root, const char *const *from, const char *const *to, size_t n,
		    struct blob_changes *out, struct arena **arenas, size_t *narenas,
		    struct diag *d);
/* Reads the blobs of the files[0..n) that have an id and no data yet (each
 * data malloc'd and NUL-terminated), in the packs' order, on every core.
 * Returns 0, or -1 after reporting. */
int repo_read_blobs(struct repo *r, struct source_file *files, size_t n, struct diag *d);
/* The bytes of blob id: malloc'd, NUL-terminated after *len bytes. */
int repo_read_blob(struct repo *r, const unsigned char id[20], char **data, size_t *len,
		   struct diag *d);
/* Reads site.yaml, content/ and themes/ from the tree of commit (a full id)
 * at the site root's path, without checking anything out. Returns 1 when
 * read, 0 when that tree has no site.yaml there (nothing is reported), -1. */
int repo_read_site(struct repo *r, const char *commit, struct site_reader *rd);
/* Warns (W007) when the working tree differs from HEAD under content/ or in
 * site.yaml: modified, deleted or untracked files, staged or not. */
int repo_check_uncommitted(struct repo *r, struct diag *d);

/* A tag and the commit it points at. */
struct tag_info {
	const char *name;     /* "publish/2007-04" */
	char object[41];      /* the tag object's id (annotated tags), else the commit's */
	struct commit_info commit;
	int64_t time;         /* the tagger's date; the commit's for a lightweight tag */
	int offset;
	const char *message;  /* an annotated tag's message, trimmed, without a
				 signature; "" for a lightweight tag */
};
/* The tags whose names match the glob pattern as `git tag -l` matches ('*'
 * also matches '/'), in name order. A tag that does not point at a commit
 * is left out with a warning (W011). Everything is allocated in a. */
int repo_tags(struct repo *r, const char *pattern, struct arena *a, struct tag_info **out,
	      size_t *n, struct diag *d);

/* Appends what a build depends on in the repository besides the commit it
 * reads: with head, HEAD's commit ("head none" when unborn); a shallow
 * clone's boundary; with tags, every tag and what it points at, in name
 * order. Returns 0, or -1 (nothing reported) when something cannot be read. */
int repo_key(struct repo *r, bool head, bool tags, struct buf *out);
/* Appends "shallow <size> <hash>\n" of a shallow clone's boundary (its
 * .git/shallow file), or "shallow none\n": what history there is. */
void repo_shallow_key(struct repo *r, struct buf *out);

/* What one commit did to a file under the site's content/. Paths are
 * relative to the site root ("content/projects/copd.md"). */
enum change_kind { CHANGE_ADDED, CHANGE_MODIFIED, CHANGE_DELETED, CHANGE_RENAMED };
struct change {
	enum change_kind kind;
	const char *path;     /* the file after the commit (before it, for CHANGE_DELETED) */
	const char *old_path; /* CHANGE_RENAMED: the file before the commit; else NULL */
	unsigned char id[20]; /* the file's blob after the commit (before it, for
				 CHANGE_DELETED) */
};

struct log_commit {
	struct commit_info info;
	size_t *parents; /* indexes in the log */
	size_t nparents;
	bool boundary;   /* its parents are not in the repository (a shallow clone) */
};

/* A stretch of history: every commit reachable from some starting points,
 * each once, newest first, every commit before its parents. */
struct log {
	struct arena arena;
	struct log_commit *commits;
	size_t n;
	bool shallow;             /* some commit is a boundary */
	struct log_trees *trees;  /* private to git.c */
};

/*
 * Walks the history from the commits starts (full ids): one walk, each
 * commit loaded once. The commits listed in .git/shallow, and any commit
 * whose parents are missing, are roots (boundary). Free with log_release,
 * also after a failure.
 */
int repo_log(struct repo *r, const char *const *starts, size_t nstarts, struct log *out,
	     struct diag *d);
void log_release(struct log *l);
/*
 * The changes commit l->commits[i] made under the site's content/, sorted
 * by path, allocated in a: against its parent; for a merge, only the files
 * that differ from every parent; for a root, every file, added. Deleted and
 * added files are paired into renames (same content, or similar content as
 * libgit2 finds it). Cheapest when called for i = 0, 1, 2 ... in order: the
 * trees of one call are kept for the next.
 */
int repo_changes(struct repo *r, const struct log *l, size_t i, struct arena *a,
		 struct change **out, size_t *n, struct diag *d);

/* --------------------------------------------------------------- dates.c */

/* A calendar date. Validity is checked by date_parse. */
struct date {
	int y, m, d;
};

/* Parses exactly "YYYY-MM-DD" (a real date of the Gregorian calendar). */
bool date_parse(const char *s, size_t n, struct date *out);
/* Parses exactly "YYYY-MM" into y, m (d = 1). */
bool month_parse(const char *s, size_t n, struct date *out);
/* Parses exactly "HH:MM" (00:00 to 23:59) into minutes since midnight. */
bool time_parse(const char *s, size_t n, int *minutes);
int date_cmp(struct date a, struct date b);
/* Adds n calendar months, clamping the day: 31 Jan + 1 month = 28/29 Feb. */
struct date date_add_months(struct date a, int n);
struct date date_add_days(struct date a, int n);
int date_days_in_month(int y, int m);
/* Days since 1970-01-01 (negative before). */
int64_t date_to_days(struct date a);
struct date date_from_days(int64_t days);
/* The date of a Unix time shifted by offset minutes. */
struct date date_from_unix(int64_t t, int offset_minutes);
/* The offset of Europe/London from UTC, in minutes (0 or 60), at minute of
 * the local day d (summer time from the last Sunday of March, 01:00 GMT, to
 * the last Sunday of October, 02:00 BST). */
int london_offset(struct date d, int minute);
/* Seconds since the epoch of local London time d, minute. */
int64_t london_time(struct date d, int minute);
/* Appends "2007-04-12". */
void date_iso(struct buf *b, struct date a);
/* Appends "12 April 2007". */
void date_long(struct buf *b, struct date a);
/* "12 April 2007", "2007-04-12" and "April 2007", allocated in a. */
const char *date_long_s(struct arena *a, struct date d);
const char *date_iso_s(struct arena *a, struct date d);
const char *date_month_s(struct arena *a, struct date d);
/* Appends "Thursday". */
const char *date_weekday_name(struct date a);
const char *date_month_name(int m);

/* ---------------------------------------------------------- frontmatter.c */

/*
 * Splits a Markdown document into its YAML front matter and its body. The
 * document must start (after an optional UTF-8 BOM) with a line "---" and
 * the front matter ends at the next line that is "---" or "..."; CRLF line
 * endings are accepted. On success fills the out fields and returns true:
 * yaml/yaml_len is the text between the delimiter lines, yaml_line the
 * 1-based file line of its first line, body/body_len what follows the closing
 * line, body_line the file line where the body starts. On failure returns
 * false and sets *err to a message and *err_line to a line.
 */
struct frontmatter {
	const char *yaml;
	size_t yaml_len;
	uint32_t yaml_line;
	const char *body;
	size_t body_len;
	uint32_t body_line;
};
bool frontmatter_split(const char *s, size_t n, struct frontmatter *out, const char **err,
		       uint32_t *err_line);


/* --------------------------------------------------------------- model.c */

/* Who may see a document or a part of one. A build for audience A contains
 * what has visibility <= A; VIS_CONFIDENTIAL is never rendered. */
enum visibility {
	VIS_PUBLIC = 0,
	VIS_PRACTICES = 1,
	VIS_CONFIDENTIAL = 2,
};
const char *visibility_name(enum visibility v);
bool visibility_parse(const char *s, enum visibility *out);
/* The one visibility rule: whether something of visibility v may appear in
 * a build for audience. Confidential is never shown, whatever the audience. */
static inline bool vis_shown(enum visibility v, enum visibility audience)
{
	return v <= audience && v != VIS_CONFIDENTIAL;
}

enum doc_kind {
	DOC_SECTION, /* content/plan/<id>.md */
	DOC_PROJECT, /* content/projects/<id>.md */
	DOC_MEETING, /* content/meetings/<date>-<id>.md */
	DOC_REPORT,  /* content/reports/<YYYY-MM>.md */
	DOC_PAGE,    /* content/pages/<id>.md */
	DOC_KINDS
};
/* "plan", "projects", "meetings", "reports", "pages": the content folder. */
const char *doc_kind_folder(enum doc_kind k);

/* A reference to something by id, with where it was written. */
struct ref {
	const char *id;
	struct pos pos;
};

struct refs {
	struct ref *v;
	size_t n;
	bool ok; /* written as a list (possibly empty); false when absent or malformed */
};

/* A part of a body narrowed by <!-- visibility: X --> ... <!-- /visibility -->,
 * as file lines (the fence lines themselves included). */
struct fence {
	uint32_t open_line, close_line;
	enum visibility vis;
};

/* A link found in a body, as written (url), with its effective visibility
 * (the document's, narrowed by any fence around it). */
struct md_link {
	const char *url;
	struct pos pos;
	enum visibility vis;
};

struct md_heading {
	const char *id; /* stable, unique within the document */
	const char *text;
	int level;
	uint32_t line;
};

/* What every Markdown document has. */
struct doc_string {
	struct pos pos;
	const char *str;
	size_t len;
};

struct doc {
	enum doc_kind kind;
	const char *path; /* "content/projects/copd.md" */
	const char *id;   /* the file stem: "copd", "2006-12-19-executive", "2007-04" */
	const struct source_file *file;
	const char *body;
	size_t body_len;
	uint32_t body_line; /* file line of the body's first line */
	const char *title;
	const char *summary; /* may be NULL */
	enum visibility vis;
	struct pos vis_pos;
	struct fence *fences;
	size_t nfences;
	struct md_link *links;
	size_t nlinks;
	struct md_heading *headings;
	size_t nheadings;
	/* The body rendered while it was scanned, for the build's audience
	 * (markdown_scan_prepare), and the distinct words of its text and
	 * summary; NULL when not prepared. */
	const struct md_prepared *prepared;
	const char *words;
	/* A document hidden from the build's audience, loaded with keep_text:
	 * every string of its front matter but ids, for the leak guard (which
	 * reads the front matter again when has_strings is false). */
	const struct doc_string *strings;
	size_t nstrings;
	bool has_strings;
	bool ok; /* the front matter parsed; typed fields are filled as far as valid */
	/* Its front matter had a duplicate key (E002): the first value was
	 * read, so who may see it is in doubt. A build fails on the error; a
	 * reader of an old tree that drops findings must treat it as hidden. */
	bool flawed;
};

/* Whether a build for audience shows doc: it was read, and its visibility
 * is shown (vis_shown). The one rule for a whole document, wherever a list,
 * a page, a feed or a report takes documents; a part of one is shown by its
 * fence's visibility. */
static inline bool doc_shown(const struct doc *doc, enum visibility audience)
{
	return doc->ok && vis_shown(doc->vis, audience);
}

/* The one rule for a document's URL: its folder in the site, relative to the
 * root, is its kind's folder and its id, "projects/copd/", but a page's
 * stands at the root, "about/"; its page is the folder's index.html.
 * doc_dir and doc_href copy them into a; doc_dir_put appends the folder. */
const char *doc_dir(struct arena *a, const struct doc *doc);
const char *doc_href(struct arena *a, const struct doc *doc);
void doc_dir_put(struct buf *b, const struct doc *doc);

struct level {
	int number;
	const char *name;
	bool projects;
	struct pos pos;
};

struct area {
	const char *id;
	const char *name;
	int level;
	struct pos pos, level_pos;
};

struct role {
	const char *field; /* "clinical_leads", "project_manager" */
	int min, max;
	struct pos pos;
};

struct check {
	const char *id;
	const char *text;
	struct pos pos;
};

struct milestone_def {
	int number;
	const char *name;
	struct check *checks;
	size_t nchecks;
	bool has_window;
	int after, min_months, max_months;
	struct pos pos, window_pos;
};

struct funding {
	const char *id;
	const char *name;
	int from, to; /* milestones covered, inclusive */
	bool needs_approval;
	struct pos pos;
};

struct objective {
	const char *id;
	const char *text;
	struct date due;
	bool achieved;
	struct date achieved_on;
	struct pos pos, due_pos;
};

struct plan {
	bool ok; /* plan.yaml parsed */
	const char *title;
	struct date start, end;
	struct level *levels;
	size_t nlevels;
	struct area *areas;
	size_t nareas;
	struct role *roles;
	size_t nroles;
	struct milestone_def *milestones;
	size_t nmilestones;
	struct funding *funding;
	size_t nfunding;
	struct objective *objectives;
	size_t nobjectives;
};

struct person {
	const char *id;
	const char *name;
	const char *role;
	struct ref practice; /* id NULL when none */
	const char *organisation;
	/* Who may see the person named (default public): for an audience that
	 * may not, pages name them by their role alone. */
	enum visibility vis;
	struct pos pos;
};

/* How a person is named to audience: by name when it may see them (vis_shown
 * of their visibility), else by their role alone: the role, else the
 * organisation, else PERSON_WITHHELD. Never their name or id. */
#define PERSON_WITHHELD "Name withheld"
const char *person_shown_name(const struct person *p, enum visibility audience);

struct practice {
	const char *id;
	const char *name;
	const char *town;
	const char *address;
	struct pos pos;
};

struct section {
	struct doc doc;
	int number;
	struct pos number_pos;
};

enum status { STATUS_GREEN, STATUS_AMBER, STATUS_RED, STATUS_CLOSED };
const char *status_name(enum status s);

/* A project's entry for one milestone: reached on a date, or in progress
 * toward a target date. */
struct milestone {
	int number;
	bool reached;      /* else in progress (target) */
	bool has_date;
	struct date date;  /* reached or target */
	struct pos pos;    /* of the number key */
	struct pos date_pos;
	struct refs checks;
	struct pos checks_pos; /* of the checks list, or of the entry */
};

struct approval {
	struct ref funding;
	struct date date;
	const char *by;
	struct pos pos;
};

struct project {
	struct doc doc;
	struct ref area;
	enum status status;
	struct pos status_pos;
	struct refs clinical_leads;
	struct pos clinical_leads_pos;
	struct ref project_manager;
	struct refs funding;
	struct pos funding_pos;
	struct milestone *milestones; /* in the order written */
	size_t nmilestones;
	struct pos milestones_pos;
	struct approval *approvals;
	size_t napprovals;
};

struct action {
	int id;
	const char *text;
	struct ref owner;
	struct date due;
	struct ref project; /* id NULL when none */
	bool done;
	/* Who may see the action: its meeting's visibility unless narrowed. */
	enum visibility vis;
	struct pos pos, id_pos, due_pos, text_pos; /* text_pos: its text's value */
};

/* A decision of a meeting: a string in the front matter, or a map
 * { text, visibility }. */
struct decision {
	const char *text;
	enum visibility vis; /* its meeting's unless narrowed */
	struct pos pos, text_pos; /* the item; its text's value */
};

struct next_meeting {
	bool present;
	struct date date;
	int start, end; /* minutes since midnight; -1 when missing */
	const char *venue;
	const char *note;
	struct pos pos, date_pos, end_pos;
};

struct meeting {
	struct doc doc;
	const char *committee; /* the id part after the date: "executive" */
	struct date date;
	struct pos date_pos;
	int start, end; /* minutes since midnight; -1 when missing or bad */
	struct pos start_pos, end_pos;
	const char *venue;
	struct refs attendees, apologies;
	const char **guests;
	size_t nguests;
	struct decision *decisions;
	size_t ndecisions;
	struct action *actions;
	size_t nactions;
	struct next_meeting next;
};

struct report {
	struct doc doc;
	struct date month; /* day 1 */
	bool has_month;
	struct pos month_pos;
};

struct page {
	struct doc doc;
};

struct site_config {
	const char *title, *tagline, *organisation, *base_url, *language, *timezone, *theme,
		*publish_tags, *contact_email, *contact_address;
	bool unsafe_html;
	struct site_limits limits; /* site_default_limits, changed by limits: */
};

/*
 * The whole site as typed structs. Everything (strings, arrays) lives in the
 * site's arena; site_release frees it all at once. Arrays of documents are in
 * path order.
 */
struct site {
	struct arena arena;
	const struct source *src;
	struct site_config config;
	struct plan plan;
	struct person *people;
	size_t npeople;
	struct practice *practices;
	size_t npractices;
	struct section *sections;
	size_t nsections;
	struct project *projects;
	size_t nprojects;
	struct meeting *meetings;
	size_t nmeetings;
	struct report *reports;
	size_t nreports;
	struct page *pages;
	size_t npages;
	struct doc **docs; /* every document, in path order */
	size_t ndocs;
	struct date today;
	/* Which shared files parsed, so that a broken one does not make every
	 * reference to it an error too. */
	bool people_ok, practices_ok;
	/* Set before site_load to skip the Markdown bodies: a load for the data
	 * alone (a monthly report's as-of data). */
	bool no_bodies;
	/* Set before site_load by a build: render each body for this audience
	 * from the parse that scans it (doc.prepared, doc.words). */
	bool prepare;
	/* Set before site_load to keep every file's bytes (a prepared body's
	 * are freed otherwise): the leak guard reads them. */
	bool keep_text;
	enum visibility prepare_audience;
	/* Set before site_load (with no_bodies) to reuse and keep the parsed
	 * documents of a pool shared by many loads: such a site is loaded for
	 * its data alone. Its projects and meetings are these pointers into
	 * the pool, in path order, and the arrays above stay empty. */
	struct doc_pool *pool;
	const struct project **pool_projects;
	size_t npool_projects;
	const struct meeting **pool_meetings;
	size_t npool_meetings;
	/* Documents loaded by worker threads live in these arenas. */
	struct arena *worker_arenas;
	size_t nworker_arenas;
};

/*
 * Builds the typed site from what source_open read: splits front matter,
 * parses YAML, fills the structs, and reports what is malformed within one
 * file (E001-E008, E022, E023, E025, W005, W006, W009). Never fails as a
 * whole: a document that does not parse is kept with ok = false so later
 * rules can skip it. Markdown bodies are scanned for fences, links and
 * headings (markdown_scan).
 */
void site_load(struct site *site, const struct source *src, struct diag *d);
void site_release(struct site *site);

/* Parsed documents kept across the loads of many commits' sites for their
 * data (monthly reports): a document whose file (path and blob) was parsed
 * by an earlier load is taken from the pool, not read or parsed again. The
 * findings of a pooled document are those of its first load only, so use
 * it only where findings are dropped. Not thread-safe; a load may use
 * threads of its own. */
struct doc_pool;
struct doc_pool *doc_pool_new(void);
void doc_pool_free(struct doc_pool *p);
/* A source_known_fn: true for a document file in the pool, and for theme
 * files (a data site renders nothing). */
bool doc_pool_known(void *pool, const char *path, const unsigned char oid[20]);
/* The record (struct project or struct meeting) of the file path with blob
 * oid: from the pool, else read from repo and parsed into it. NULL for
 * another kind of file, or after reporting a failure to read. */
const void *doc_pool_get(struct doc_pool *p, const char *path, const unsigned char oid[20],
			 struct repo *repo, struct diag *d);
/* Puts site's own projects and meetings (read from git) into the pool, as
 * the records of their files' blobs: the fields a data site reads are
 * those of the same bytes parsed again. The site must outlive the pool. */
void doc_pool_seed(struct doc_pool *p, const struct site *site);
/* Reads and parses into the pool, on every core, the new blobs of the
 * project and meeting files of lists[0..nlists) that it does not hold.
 * Returns 0, or -1 after reporting a failure to read. */
int doc_pool_fill(struct doc_pool *p, struct repo *repo, const struct blob_changes *lists,
		  size_t nlists, struct diag *d);
/* Reads and parses into the pool, on every core, the documents of any kind
 * files[0..n) name (path and blob) that it does not hold. Returns 0, or -1
 * after reporting a failure to read. */
int doc_pool_read(struct doc_pool *p, struct repo *repo, const struct source_file *files,
		  size_t n, struct diag *d);
/* The document of file path with blob oid in the pool, or NULL. */
const struct doc *doc_pool_doc(const struct doc_pool *p, const char *path,
			       const unsigned char oid[20]);
/* Which kind of document a path holds (content/<folder>/<name>.md), from
 * its folder; -1 for none. */
int doc_path_kind(const char *path);
/* The index in site->docs of the document at path, or SIZE_MAX. */
size_t site_doc_index(const struct site *site, const char *path);
/* Lookups by id; NULL when unknown. */
const struct doc *site_doc_by_path(const struct site *site, const char *path);

/* --------------------------------------------------------------- links.c */

enum link_kind {
	LINK_EXTERNAL, /* has a scheme (https:, mailto:) or starts with // */
	LINK_UNSAFE,   /* javascript:, vbscript: or data: scheme: always dropped */
	LINK_ANCHOR,   /* "#id" within the same document */
	LINK_DOC,      /* a relative link to a .md file under content/ */
	LINK_DATA,     /* a relative link to content/people.yaml or content/plan.yaml */
	LINK_OUTSIDE,  /* a relative link that climbs out of the site root */
	LINK_FILE,     /* a relative link to anything else: not a page of the site */
	LINK_OTHER,    /* an absolute path, a query, or empty: left as written */
};

/*
 * Classifies a link written in the document at from_path. For relative
 * links, writes the percent-decoded, normalised path relative to the site
 * root into path ("content/projects/copd.md") and points *frag at the
 * fragment after '#' inside url (NULL when none).
 */
enum link_kind link_classify(const char *from_path, const char *url, struct buf *path,
			     const char **frag);

/* ------------------------------------------------------------ markdown.c */

/*
 * Finds the visibility fences of a body (E022 for unclosed, nested, unknown
 * or wider-than-document fences, and stray closers), then parses it with
 * cmark-gfm (tables, task lists, strikethrough, autolinks) and records its
 * links (with file positions and effective visibility) and headings (with
 * stable ids). Allocates in a.
 */
void markdown_scan(struct arena *a, struct doc *doc, struct diag *d);

#ifdef PLANSITE_TEST_HOOKS
/* For the fuzzers: cmark allocates with malloc, not from the thread's
 * arena, so that AddressSanitizer sees each node and literal (a read past
 * one, or one used after its parse, which the arena would hide). */
extern bool md_test_malloc;
#endif

/*
 * A body rendered ahead of its page: its HTML, with holes where the links
 * into the site go (their hrefs depend on the page), filled for each page
 * by markdown_fill.
 */
struct md_prepared;
/*
 * markdown_scan, and, from the same parse, the body rendered for audience
 * (unsafe_html as in md_render) into doc->prepared, with its plain text
 * appended to text. Nothing is prepared (doc->prepared stays NULL) when the
 * audience would read other lines than the scan did (a fence it may not
 * see): markdown_render then parses for itself.
 */
void markdown_scan_prepare(struct arena *a, struct doc *doc, struct diag *d,
			   enum visibility audience, bool unsafe_html, struct buf *text);

/*
 * How a body is rendered. link is called for every link into the site
 * (LINK_DOC, LINK_DATA, LINK_ANCHOR) with the target's path (NULL for an
 * anchor) and fragment (NULL when none); it appends the href to write and
 * returns true, or returns false to drop the link and keep its text.
 * External links are written as they are; javascript:, vbscript: and data:
 * links are always dropped. When text is not NULL, the plain text of what
 * was rendered is appended to it (for the search index).
 */
struct md_render {
	enum visibility audience;
	bool unsafe_html;
	bool (*link)(void *ctx, enum link_kind kind, const char *path, const char *frag,
		     struct buf *href);
	void *ctx;
	struct buf *text;
};

/*
 * Renders doc's body as HTML for an audience: fence lines, and the parts of
 * fences the audience may not see, are blanked before parsing, so nothing of
 * them reaches the output. Headings get the ids markdown_scan found; raw HTML
 * is shown as text unless r->unsafe_html.
 */
void markdown_render(const struct doc *doc, const struct md_render *r, struct buf *out);
/* The same bytes from doc's prepared body (markdown_scan_prepare), its
 * holes filled by r->link; markdown_render itself when there is none. */
void markdown_fill(const struct doc *doc, const struct md_render *r, struct buf *out);

/* Renders a short text (a decision, an action) as inline HTML: the contents
 * of one paragraph, without the <p>. from_path resolves relative links. */
void markdown_inline(const char *from_path, const char *s, size_t n, const struct md_render *r,
		     struct buf *out);

struct pdf_block;
/* A short text (a decision, an action) in pdf.c's inline markup, for a
 * table cell or a list item: markdown_inline for paper. Allocates in a. */
const char *markdown_inline_pdf(struct arena *a, const char *from_path, const char *s, size_t n,
				const struct md_render *r);
/*
 * Converts doc's body, as r->audience sees it, into PDF blocks (pdf.c's
 * inline markup) allocated in a: ## and ### headings as levels 2 and 3,
 * paragraphs, list items, tables, rules. Links are resolved as for HTML
 * (r->link), so the caller decides how they read on paper. Sets *n.
 */
struct pdf_block *markdown_pdf(struct arena *a, const struct doc *doc, const struct md_render *r,
			       size_t *n);

/* Appends doc's body as audience reads it: the fence lines, and the lines
 * of fences the audience may not see, as blank lines (so line numbers stay
 * the file's). What a page for that audience is rendered from. */
void markdown_audience_body(const struct doc *doc, enum visibility audience, struct buf *out);
/* The ids of doc's headings as audience's page gives them (ids[i] for
 * doc->headings[i], NULL for a heading it may not see): a hidden heading
 * takes no id, so "budget-1" may be the scan's "budget-2". For
 * VIS_CONFIDENTIAL (a confidential part's links) every heading. In a. */
/* The visibility in force at a file line of doc: its fence's, from the
 * opening line to the closing one (a line a stray fence hides from is
 * the first of its fence), else the document's. The one rule for links,
 * headings and everything else placed by line. */
enum visibility markdown_vis_at(const struct doc *doc, uint32_t line);
void markdown_heading_ids(struct arena *a, const struct doc *doc, enum visibility audience,
			  const char **ids);

/*
 * The links of the short texts of a document's front matter (decisions,
 * actions), which markdown_inline renders as Markdown: each with the file
 * position where its url is written. begin indexes the front matter's
 * lines once; end frees them.
 */
struct md_fields {
	const struct doc *doc;
	const char *text; /* the file, up to the body */
	size_t len;
	size_t *at;       /* at[i]: where file line i + 1 starts; at[n] = len */
	size_t n;
	/* the last position looked up each way, to count on from */
	size_t col_line, col_off, pos_line, pos_at, pos_chars;
	uint32_t col_col;
};
void markdown_fields_begin(struct md_fields *mf, const struct doc *doc);
void markdown_fields_end(struct md_fields *mf);
/* The links of text s, a YAML value of mf's document at pos, into *out
 * (allocated in a), each seen by vis, at the position of its url in the
 * file (searched from pos on, as far as the value can reach; pos itself
 * when it is written otherwise, with escapes). Returns how many. */
size_t markdown_text_links(struct arena *a, struct md_fields *mf, const char *s,
			   struct pos pos, enum visibility vis, struct md_link **out);

/* Appends the GitHub-style id of a heading text: lowercase, punctuation
 * dropped, spaces to '-'. */
void markdown_slug(struct buf *b, const char *text, size_t n);

/* ------------------------------------------------------------ validate.c */

/*
 * Every cross-document rule of content-model.md's "Validation": references,
 * duplicates, levels, roles, milestones, windows, funding, meetings, reports,
 * links, and the date warnings as of site->today. Reports to d.
 */
void site_validate(const struct site *site, struct diag *d);

/* ------------------------------------------------------------ mustache.c */

/*
 * Mustache templates: the core spec, template inheritance (parents
 * {{<name}} and blocks {{$name}}) and dynamic names ({{>*name}}); no lambdas.
 * Variables are HTML-escaped (escape_html) unless written {{{x}}} or {{&x}}.
 *
 * A set holds named templates (a theme's templates/NAME.mustache, keyed by
 * NAME); partials and parents name other templates of the set. Use: mustache_set_new; mustache_set_add for each template;
 * mustache_set_link once; then mustache_render as often as needed, from any
 * number of threads at once; mustache_set_free.
 *
 * Strict sets (themes) report an unknown partial or parent as E041 at the
 * tag that names it; spec sets (the conformance tests) render it as nothing.
 */
struct mustache_set;

/* A new, empty set; strict as above. Free it with mustache_set_free. */
struct mustache_set *mustache_set_new(bool strict);

/*
 * Compiles src[0..n) as the template called name (non-empty; copied) and adds
 * it to s, replacing any template of that name. file is the path used in
 * diagnostics; it is kept, not copied, and must outlive s and d. Syntax
 * errors (unclosed tag or section, a closing tag that does not match, a bad
 * delimiter change, a bad tag name, nesting deeper than 100) are reported
 * to d as E040 at file:line:col, and then nothing is added and the result
 * is false. Adding unlinks the set.
 */
bool mustache_set_add(struct mustache_set *s, const char *name, const char *file,
		      const char *src, size_t n, struct diag *d);

/*
 * Resolves the partials and parents named in the templates of s. In a
 * strict set each unknown name is reported to d (E041, at the tag) and the
 * result is false; the set is usable either way, an unknown name rendering
 * as nothing. Call it after the last mustache_set_add, before rendering.
 */
bool mustache_set_link(struct mustache_set *s, struct diag *d);

/*
 * Sets the bounds of every render from s (a field of 0 keeps the default:
 * LIMIT_TEMPLATE_BYTES, LIMIT_TEMPLATE_EXPANSIONS). Call it before
 * rendering, not while renders run.
 */
void mustache_set_limits(struct mustache_set *s, const struct mustache_limits *lim);

/*
 * Renders template name of the linked set s with ctx (may be NULL) at the
 * bottom of the context stack, appending to out. Reads s and ctx only, so
 * calls may run in parallel on one set. Returns false after reporting to d
 * when name is unknown or, in a strict set, when a dynamic name gives an
 * unknown template (E041); and when the render goes past a limit (E042, at
 * the tag where it stopped, naming the template and the partials it was
 * in): more bytes or expansions than mustache_set_limits allows, or
 * partials, parents and block overrides nested deeper than 64 (a partial
 * that includes itself on self-referential data). out is then left as it
 * was. Memory and time are bounded by the limits, whatever the templates.
 */
bool mustache_render(const struct mustache_set *s, const char *name, const struct value *ctx,
		     struct buf *out, struct diag *d);

/* Where and why a render stopped at a limit (E042), for a caller that
 * reports it itself (mustache_render_memo). msg is malloc'd. */
struct mustache_stop {
	bool hit;
	struct pos pos;
	char *msg;
};
void mustache_stop_release(struct mustache_stop *st);

/* Frees s and its templates. No operation when s is NULL. */
/*
 * What sections over shared lists (value.shared) rendered to, kept across
 * pages: the second page that renders the same template section over the
 * same list, with the same values for every name the section looked up
 * outside the list, gets the bytes of the first without rendering them
 * again. A shared list must outlive the memo. Safe for any number of
 * threads at once.
 */
struct mustache_memo;
struct mustache_memo *mustache_memo_new(void);
void mustache_memo_free(struct mustache_memo *m);
/* How many sections the memo gave (for tests). */
size_t mustache_memo_hits(struct mustache_memo *m);
/* mustache_render, with memo (NULL: none). A render stopped by a limit
 * fills *stop instead of reporting E042, when stop is not NULL (it must
 * start zeroed; release it with mustache_stop_release). Whether a limit is
 * reached, and where, never depends on what the memo holds. */
bool mustache_render_memo(const struct mustache_set *s, const char *name, const struct value *ctx,
			  struct buf *out, struct mustache_memo *memo, struct mustache_stop *stop,
			  struct diag *d);
void mustache_set_free(struct mustache_set *s);

/* -------------------------------------------------------------- output.c */

/*
 * The folders plansite may replace with an output (see output.c): never the
 * site root, a folder above it, inside content/, themes/ or a git folder, a
 * symbolic link or a file; and only a folder that is absent, empty, marked
 * (OUTPUT_MARKER at its top, which writer_open writes into every output) or
 * named by the build record.
 */
#define OUTPUT_MARKER ".plansite-output"
/* The marker's bytes: the same in every output, so outputs stay
 * reproducible. */
extern const char output_marker_text[];

struct output_rules {
	const char *root; /* the site root, absolute and real */
	/* whether the build record names the output abs (NULL: none does) */
	bool (*recorded)(void *ctx, const char *abs);
	void *ctx;
};

/* An output claimed: its real path, and the lock beside it, held. */
struct output_claim {
	char *path;
	char *lock; /* <parent>/.<name>.lock */
	int lock_fd;
};

/*
 * Checks that out may be replaced by this build's output, then takes the
 * lock beside it (waiting, with a line on stderr, while another build holds
 * it) and checks again. Nothing is written when refused. Returns 0 (release
 * c when done), 1 when refused (E031 reported: exit status 2), -1 after an
 * I/O failure (E026: exit status 3).
 */
int output_claim(struct output_claim *c, const char *out, const struct output_rules *r,
		 struct diag *d);
/* Removes the lock and forgets c; no operation on a zeroed claim. */
void output_release(struct output_claim *c);
/* Whether the folder dfd holds a marker: a regular file (not a link) that
 * starts as output_marker_text does. */
bool output_marked(int dfd);
/* The absolute path of out as the kernel reaches it, malloc'd: every
 * symbolic link and '..' resolved, except a last component that is a link
 * (kept as named, as a rename would take it); components that do not exist
 * are taken as named. NULL with errno set when it cannot be resolved. */
char *output_path(const char *out);

/* --------------------------------------------------------------- write.c */

/*
 * The one writer of output files. writer_open makes a staging folder beside
 * out (removing those left by killed builds, when they are plansite's) and
 * writes the marker (OUTPUT_MARKER) into it; a build checks out first with
 * output_claim. writer_put writes one file
 * (rel: a plain relative path such as "projects/copd/index.html"; anything
 * else is refused) and is safe to call from several threads; writer_commit
 * swaps the staging folder into place in one rename. writer_free removes an
 * uncommitted staging folder, so a failed build leaves out as it was. Errors
 * are E026 and make every later call fail.
 */
struct writer;
struct writer *writer_open(const char *out, struct diag *d);
int writer_put(struct writer *w, const char *rel, const void *data, size_t n);
/* A large file written in pieces: append to the buffer wstream_buf gives
 * (it is written out as it fills), then wstream_close (-1 after reporting,
 * as writer_put). One thread per stream. */
struct wstream;
struct wstream *writer_stream(struct writer *w, const char *rel);
struct buf *wstream_buf(struct wstream *st);
int wstream_close(struct wstream *st);
/* Puts every file under the open folder sfd (taken: closed here; names
 * beginning with '.' left out, and anything but the user's regular files
 * and folders: no link is followed) at rel/ in the output, as hard links
 * (copies across file systems, a short copy an error): how cached output
 * is reused. Counts the files. */
int writer_link(struct writer *w, const char *rel, int sfd);
size_t writer_count(const struct writer *w);
/* A file written: its path relative to the output, and, when known (the
 * writing thread looked), its size and modification time. */
struct written_file {
	const char *path;
	bool known;
	uint64_t size;
	int64_t sec;
	long nsec;
};
/* Every file written (writer_put, writer_link), in path order; they live as
 * long as w. */
const struct written_file *writer_files(struct writer *w, size_t *n);
struct guard;
/* Has writer_commit scan every file written through w with the leak guard
 * g first (guard_scan); g must outlive w. NULL: no guard. */
void writer_set_guard(struct writer *w, struct guard *g);
/* The guard of w, or NULL: for a PDF's text (guard_pdf_text). */
struct guard *writer_guard(const struct writer *w);
int writer_commit(struct writer *w);
void writer_free(struct writer *w);
/* Removes the staging folders that killed builds into out left (as
 * writer_open does), for a build that writes nothing: only folders named as
 * a staging folder of out is, whose process is gone, holding the marker (or
 * nothing). */
void writer_tidy(const char *out);

/* Files outside the output (the cache): writes path whole through a
 * temporary file and a rename; makes a folder and its parents; removes a
 * folder tree. Return 0, or -1 with errno set; nothing is reported. */
int file_replace(const char *path, const void *data, size_t n);
/* Appends the whole file at path to b; false when it cannot be read. */
bool file_read(const char *path, struct buf *b);
int dir_make(const char *path);
int dir_remove(const char *path);

/* --------------------------------------------------------------- cache.c */

/*
 * The cache folder: outside the work tree, at --cache DIR, else
 * $PLANSITE_CACHE, else $XDG_CACHE_HOME/plansite/<site>-<key> (default
 * ~/.cache/plansite/...), the key naming the repository's common git
 * folder and the site's path in it (the site root outside git). Files in
 * it are opened without following links, and used only when they are
 * regular files of this user's; deleting it is always safe.
 */
struct cache {
	char *dir;      /* absolute; NULL: no cache at all */
	int dfd;        /* the folder, open; -1 until cache_open, or when none */
	int lock_fd;    /* <dir>/lock, flock'd shared while the cache is used */
	bool temporary; /* made because the folder could not be used: removed at the end */
	/* What plansite is, as 32 hex digits (its version, the bytes of its
	 * executable, the shared libraries it runs with): part of the key of
	 * every entry, so an upgrade never reuses what another plansite made;
	 * "" when it cannot be read (then nothing is reused). */
	char plansite[33];
};
/* Where the cache of the site at root (absolute) is, given (--cache, or
 * NULL) and the environment: fills c->dir, touching nothing, and
 * c->plansite. */
void cache_locate(struct cache *c, const char *given, const char *root);
/* Makes (when needed) and opens c->dir; one that cannot be used (not a
 * folder, a symbolic link, another user's or writable by others, not
 * writable) is replaced by a temporary one with a warning (W012), and when
 * even that fails the build keeps nothing. Returns 0. */
int cache_open(struct cache *c, struct diag *d);
/* Closes c, removing a temporary one. No operation on a zeroed cache. */
void cache_close(struct cache *c);
/* Whether c is open (cache_open gave it a folder). */
bool cache_usable(const struct cache *c);
/* Appends the file rel (a relative path: "history", "pdf/x.pdf") of the
 * cache to b: false when it is missing, not a regular file of this user's
 * (a link is never followed), or cannot be read; b is then as it was.
 * Works before cache_open too (it only reads). */
bool cache_read(const struct cache *c, const char *rel, struct buf *b);
/* Writes the file rel whole, through a temporary name and a rename,
 * making its folders. Returns 0, or -1 with errno set. */
int cache_write(const struct cache *c, const char *rel, const void *data, size_t n);
/* Makes (when needed) the folder rel of the cache, checking each folder on
 * the way is a folder (no link followed), and writes its absolute path
 * into path. Returns 0, or -1 with errno set. */
int cache_folder_path(const struct cache *c, const char *rel, struct buf *path);
/* Opens the folder rel of the cache (no link followed, the user's own).
 * Returns the descriptor, or -1 with errno set. */
int cache_open_folder(const struct cache *c, const char *rel);
/* Appends the manifest of the folder rel to out: a line "file <size>
 * <hash> <path>" for each file under it (names beginning with '.' left
 * out, as writer_link leaves them), in path order. -1 when the folder
 * holds anything but the user's regular files and folders, or a file
 * cannot be read whole: no entry. */
int cache_manifest(const struct cache *c, const char *rel, struct buf *out);
/* Moves rel out of the way, into trash/ (emptied by a build that closes
 * the cache while no other holds it): never removed under the feet of a
 * build that may be reading it. 0 when it is gone (or was not there). */
int cache_trash(const struct cache *c, const char *rel);

/* --------------------------------------------------------------- reuse.c */

/*
 * A no-op rebuild: a build whose output already holds exactly what it would
 * write reuses it. The key of everything the output depends on and the list
 * of files written (with sizes and times) are kept after each build in the
 * site's cache, builds/ (see reuse.c).
 */
struct reuse_opts {
	const char *options; /* the options that may change the output, as bytes */
	size_t options_len;
	struct date today;
	bool versions;       /* published versions are on: the tags count */
	bool verbose;        /* say why a build is not a no-op */
	bool pdf;            /* reports' PDFs are on: the fonts count (pdf_environment) */
	const struct cache *cache; /* where the record is kept (cache_locate'd) */
};

struct reuse {
	const struct cache *cache;
	char *out, *manifest;        /* the output, absolute; the record in the cache */
	char key[33];                /* hex; "" when it cannot be computed */
	size_t first;                /* the first finding after the source's */
	size_t counted;              /* errors + warnings then */
	size_t nfiles;               /* up to date: the files of the output */
	struct arena arena;          /* replayed findings' texts */
	struct buf sources;          /* from disk: the record's "source" lines */
	uint64_t fonts;              /* pdf_environment() before the build, when */
	bool fonts_known;            /* PDFs are on: the record's "fonts" line */
	bool not_kept;               /* set before reuse_commit: the build is whole but
					must not be reused (a one-off failure left
					something out): no record is written */
};

/*
 * After source_begin: reads the source (source_read) unless the output out
 * is up to date; then it reports the findings of the build that made it and
 * returns 1 without reading more than the key needs. Returns 0 when the
 * source has been read and the build must go on, -1 after an I/O failure
 * (reported, as source_read does). Release r in every case, after the
 * findings are printed.
 */
int reuse_check(struct reuse *r, struct source *src, const char *out, const struct reuse_opts *o,
		struct diag *d);
/* writer_commit(w) for a build that went on: the record of the old output
 * is removed first, and once the new output is in place (and before the
 * findings are printed) its own is written for the next build. Failures to
 * write it only cost the next build its reuse, and are not reported. */
int reuse_commit(struct reuse *r, struct writer *w, const struct diag *d);
void reuse_release(struct reuse *r);
/* Whether the build record in the cache c names the output out (an
 * absolute path, as output_path gives): a build made it, and its record is
 * whole. */
bool reuse_recorded(const struct cache *c, const char *out);

/* --------------------------------------------------------------- theme.c */

/* A file built into the plansite binary (the default theme). */
struct embedded_file {
	const char *path; /* relative to the theme folder: "templates/page.mustache" */
	const unsigned char *data;
	size_t len;
};

/* A static file of a theme, published under a name with its content hash. */
struct asset {
	const char *key; /* "style_css": templates write {{assets.style_css}} */
	const char *out; /* "static/style.0123456789.css" */
	const char *data;
	size_t len;
};

struct theme {
	struct arena arena;
	const char *name;
	bool builtin; /* the default theme built into plansite */
	struct mustache_set *templates;
	struct asset *assets;
	size_t nassets;
	uint64_t hash; /* of the names and bytes of every file it is made of */
};

/*
 * Loads site->config.theme: themes/<name>/ from the site's own files, else
 * (for "default") the built-in theme. Compiles every templates/NAME.mustache
 * strictly and links them; returns -1 after reporting E040/E041/E010.
 */
int theme_load(struct theme *t, const struct site *site, struct diag *d);
/* The hashed output path of a static file by key, or NULL. */
const char *theme_asset(const struct theme *t, const char *key);
void theme_release(struct theme *t);

/* ------------------------------------------------------------- history.c */

/*
 * When each document last changed, every published version, and what
 * changed between versions; all from git objects, through git.c.
 */

/* One change of a document, as its history page lists it. */
struct doc_change {
	const struct commit_info *commit;
	enum change_kind kind;
	const char *path;     /* the document's path after that commit */
	const char *old_path; /* CHANGE_RENAMED: its path before */
	bool boundary;        /* the oldest commit of a shallow clone: the file may be older */
	unsigned char blob[20]; /* the document's blob after that commit */
};

struct doc_history {
	const struct doc_change *v; /* newest first */
	size_t n;
};

/* The history of the documents of one commit's site. */
struct history {
	struct arena arena;
	struct idmap paths; /* document path → index in docs */
	struct doc_history *docs;
	size_t ndocs;
	bool shallow;       /* the clone is shallow: older changes are missing */
};

/* The changes of the document at path (newest first), or NULL. */
const struct doc_history *history_of(const struct history *h, const char *path);

/* A document's history page, allocated in a: {title, href (its page), changes:
 * [{date, date_iso, subject, short_id, commit, added, renamed_from, boundary}],
 * has_changes, shallow}. */
struct value *history_value(struct arena *a, const struct doc *doc, const struct doc_history *h,
			    bool shallow);

/* A published version: a tag matching site.yaml's publish_tags. */
struct version {
	const struct tag_info *tag;
	const char *slug; /* "2007-04": the tag less the pattern's literal prefix, '/' → '-' */
	bool ok;          /* published: its content passed check */
	bool cached;      /* its output came from the cache */
	size_t prev;      /* the published version before it, or SIZE_MAX */
};

struct published_opts {
	bool history;  /* last-updated dates and history pages (--no-history: false) */
	bool versions; /* published versions (--no-versions: false) */
	bool verbose;  /* say what was taken from the cache and what was rendered */
	enum visibility audience;
	const struct cache *cache; /* opened */
};

/*
 * The git side of one build: the history walk (one walk from the build's
 * commit and every publish tag, each commit's changes computed once and
 * kept in the cache), the history of the current documents, and the
 * published versions. The cache is opts->cache (cache.c); deleting it is
 * always safe.
 */
struct published {
	struct arena arena;
	struct history *current; /* NULL without history or outside git */
	struct version *versions; /* oldest first */
	size_t nversions;
	const char *tag;         /* the publish tag at the build's commit, or NULL */
	bool incomplete;         /* a version was left out for a failure that may not
				    happen again (a read error): the build is not
				    kept as a no-op's record */
	/* What has been withdrawn since old trees, for this build's audience
	 * (made by published_load; documents followed through the walk's
	 * renames from git, else matched by path). */
	const struct withdrawals *withdrawals;
	struct published_priv *priv;
};

/*
 * Starts the history walk from the commit read into src (a SOURCE_GIT build;
 * otherwise nothing is done) on a thread of its own, so that it runs while
 * the site is loaded and checked; d must be thread-safe (it is) and outlive
 * p. Then published_load(), with the loaded site, waits for the walk, reads
 * the publish tags (site.yaml's publish_tags) and finds the history of the
 * site's documents. Warnings: W010 for a shallow clone, W011 for a tag left
 * out. Both return 0, or -1 after reporting an I/O or git failure; call
 * published_release after published_start in every case.
 */
int published_start(struct published *p, const struct source *src,
		    const struct published_opts *o, struct diag *d);
int published_load(struct published *p, const struct site *site, struct diag *d);
/* The first-parent line from start (a full id) as the history walk found
 * it, for the monthly reports (so that it is not read from git twice).
 * Returns 0, or -1 when the walk did not run or does not hold start. */
int published_first_parents(const struct published *p, const char *start,
			    struct commit_line *out);
/*
 * Every published version through w under versions/<slug>/: taken from the
 * cache (keyed by tag, commit, plansite version, theme, audience and the
 * version before it) or, once, checked, rendered with theme into the cache
 * and taken from there. A version whose content fails check is left out
 * with a warning (W011) and the build goes on. Sets each version's ok.
 * Returns -1 after reporting an I/O or template failure.
 */
int published_write(struct published *p, const struct theme *theme, struct writer *w,
		    struct diag *d);
void published_release(struct published *p);

/* ------------------------------------------------------------- lineage.c */

/*
 * Where the documents of the tree being built were in the commits before
 * it, as the history walk follows them: back through a rename to the old
 * path, and nowhere before the commit that added them. Made once per build
 * from the walk (published_lineage); an old tree's documents are matched
 * with today's through it.
 *
 * A point is a commit of the walk's log (its index, newest first); the
 * state at a point is that of the walk as it reaches the commit, before
 * its own changes: the commit's tree. An event changes the state for every
 * older point: from the commits older than commit on, path holds document
 * doc, or none.
 *
 * The documents are those of the tree being built (doc is the index in
 * site->docs) and then the ghosts: ghost g, document site->ndocs + g, is one
 * the tree being built no longer has, as the walk met its deletion (newest
 * first) and followed it back like any other. Withdrawal reads each ghost's
 * last version, and every version of each meeting and of the people file,
 * so that what was hidden when it went stays hidden (deleting a hidden
 * thing, or rewording a hidden decision, does not publish it again).
 */
struct lineage_event {
	size_t commit;
	const char *path;
	size_t doc; /* SIZE_MAX: none */
};
/* A file of the walk: a document's path and blob at a commit. */
struct lineage_version {
	size_t doc, commit;
	const char *path;
	unsigned char blob[20];
};
struct lineage {
	const struct site *site;         /* the tree being built */
	const struct idmap *points;      /* commit id -> point (the walk's) */
	struct lineage_event *events;    /* in commit order */
	size_t nevents;
	struct lineage_event *by_path;   /* the same, by path, then commit */
	struct idmap paths;              /* path -> its first event in by_path */
	struct lineage_event *by_doc;    /* each document's moves (doc, commit order):
					    path is where it was from then on, NULL
					    where it did not exist yet */
	size_t *doc_first;               /* ndocs + nghosts + 1 offsets into by_doc */
	size_t ndocs;                    /* site->ndocs */
	struct lineage_version *ghosts;  /* each ghost's last version: the file its
					    deletion (at commit) removed */
	size_t nghosts;
	struct lineage_version *versions; /* every version of each meeting (today's
					     and the ghosts'), by doc, newest first */
	size_t nversions;
	struct lineage_version *people;  /* each version of content/people.yaml,
					    newest first (doc SIZE_MAX) */
	size_t npeople;
	struct arena arena;
};
/* Appends e to the events *v (*n of them, room for *cap), as the walk
 * meets them (in commit order). */
void lineage_add(struct lineage_event **v, size_t *n, size_t *cap, struct lineage_event e);
/* Appends a version to *v (*n of them, room for *cap). */
void lineage_add_version(struct lineage_version **v, size_t *n, size_t *cap,
			 struct lineage_version e);
/* Indexes l's events for the lookups below: for site (the tree being
 * built), whose documents' moves by_doc (nby_doc of them, taken over) are,
 * at the walk's points; l's ghosts, versions and people are set. */
void lineage_finish(struct lineage *l, const struct site *site, const struct idmap *points,
		    struct lineage_event *by_doc, size_t nby_doc);
void lineage_release(struct lineage *l);
/* The point of a commit, or SIZE_MAX when the walk does not know it: then
 * paths are taken as they are. No operation on l NULL (SIZE_MAX). */
size_t lineage_point(const struct lineage *l, const char *commit);
/* The document that path held at point: its index (in site->docs, or a
 * ghost's), or SIZE_MAX (none held it then, or it was deleted as it was
 * and has no ghost). Point SIZE_MAX: the document at path today. */
size_t lineage_doc(const struct lineage *l, size_t point, const char *path);
/* Where document doc (today's or a ghost) was at point; NULL when it did
 * not exist then. */
const char *lineage_path(const struct lineage *l, size_t doc, size_t point);
/* The events between two points (those that make their states differ):
 * *n of them from the returned one, in commit order. */
const struct lineage_event *lineage_between(const struct lineage *l, size_t p1, size_t p2,
					    size_t *n);

/* ------------------------------------------------------------ audience.c */

/*
 * What an audience reads of a document, as a hash (XXH64): its path, the
 * front matter it may see (fields as the YAML parser reads them, without
 * `visibility`; a meeting's hidden actions and decisions left out) and its
 * body with the hidden parts cut (markdown_audience_body, each run of cut
 * lines one blank line). Needs the document's file bytes and its fences
 * (markdown_scan). False when the audience reads nothing of it: hidden, or
 * its front matter does not parse. Two versions with the same hash read
 * the same to that audience.
 */
bool audience_hash(const struct doc *doc, enum visibility audience, uint64_t *out);

/* What one audience reads of each version of documents (a file: path and
 * blob), kept as hashes across the histories of one build: each version is
 * read from git and parsed once. */
struct audience_texts;
struct audience_texts *audience_texts_new(enum visibility audience);
void audience_texts_free(struct audience_texts *t);
/* How many versions were read and parsed (for --verbose and the tests). */
size_t audience_texts_parsed(const struct audience_texts *t);
/* What the cache file rel of c holds for t's audience is taken into t (a
 * file that is missing, of another plansite or audience, or damaged in any
 * way gives nothing); t is written back to it when it learnt anything.
 * Writing through a temporary file; a failure only costs the next build
 * time. */
void audience_texts_read(struct audience_texts *t, const struct cache *c, const char *rel);
void audience_texts_write(struct audience_texts *t, const struct cache *c, const char *rel);
/*
 * Narrows h, the history of site's documents, to what t's audience sees:
 * a document it may not see has none; of another's changes only those at
 * which what it reads (audience_hash) changed are kept, the first it reads
 * taken as the document's "added" (an earlier, hidden past does not show),
 * a rename naming its old path only when it read the version before. The
 * versions needed are read through repo. So "last updated" and the
 * history pages count, for each audience, only its own text's changes.
 * Returns 0, or -1 after reporting a read failure.
 */
int history_for_audience(struct history *h, const struct site *site, struct audience_texts *t,
			 struct repo *repo, struct diag *d);

/* ------------------------------------------------------------ withdraw.c */

/*
 * Withdrawal: something appears in a build only when its audience may see
 * it both in the tree its data comes from and in the tree being built, so
 * that marking a document or an item hidden now takes it out of every old
 * report and published version too. A withdrawals view is made once per
 * build from the tree being built; each old tree is looked at through it:
 * documents matched by path, following renames (lineage), actions by
 * meeting and id, decisions by meeting and text, people by id. Something
 * the tree being built no longer has (a deleted document, a removed or
 * reworded item, a person taken out of the people file) keeps the
 * visibility of the last version that had it: deleting is not withdrawing,
 * nor is it publishing again. Read-only once made: any number of threads
 * may use one at once.
 */
/* An action (by id) or a decision (by text) of a meeting, as withdrawal
 * matches them: a 64-bit key (withdrawal_item_key), and who may see it. */
struct item_key {
	uint64_t key;
	enum visibility vis;
};
uint64_t withdrawal_item_key(bool decision, int id, const char *text);
/* The keys of meeting m's actions and decisions, into out (room for
 * m->nactions + m->ndecisions); returns how many. */
size_t withdrawal_item_keys(const struct meeting *m, struct item_key *out);
/* One version's keys: none read (ok false) when it does not parse. */
struct item_keys {
	const struct item_key *v;
	size_t n;
	bool ok;
};
/* An item of meeting doc (today's or a ghost, in the lineage) that the
 * audience may not see in the last version that had it. */
struct withdrawn_item {
	size_t doc;
	struct item_key k;
};
struct withdrawn_person {
	const char *id;
	enum visibility vis;
};
/* The old versions withdrawal reads beside the tree being built (history.c
 * reads them from git): each ghost's last version, the keys of every
 * meeting version of the lineage (versions[i] for lineage->versions[i]),
 * and the people file's versions, newest first. */
struct withdrawal_sources {
	const struct doc *const *ghosts; /* NULL entries: unread, taken as hidden */
	const struct item_keys *versions;
	const struct person *const *people; /* [k]: version k's people */
	const size_t *npeople;
	size_t nversions;
};
struct withdrawals {
	const struct site *site;       /* the tree being built */
	enum visibility audience;
	const struct lineage *lineage; /* NULL: documents are matched by path alone */
	const struct doc *const *ghosts; /* lineage->nghosts: each one's last version,
					    NULL when unread (taken as hidden) */
	struct withdrawn_person *people; /* hidden in their last version, found in
					    that order (today's first) */
	size_t npeople;
	struct idmap people_ids;       /* id -> index in people */
	struct withdrawn_item *items;  /* by doc */
	size_t nitems;
	size_t *item_first;            /* per lineage document, + 1 */
	struct arena arena;
};
/* Makes w for site and audience: with a lineage and old (NULL: none), from
 * the last version of everything the tree being built no longer has too. */
void withdrawals_init(struct withdrawals *w, const struct site *site, enum visibility audience,
		      const struct lineage *lineage, const struct withdrawal_sources *old);
void withdrawals_release(struct withdrawals *w);
/* Narrows, in place, the site loaded from commit (NULL: not a commit the
 * walk knows) to what w's audience may still see: each document, action,
 * decision and person hidden today takes today's visibility. A site loaded
 * for its data alone (a pool's) has its people narrowed only: its records
 * go through withdrawals_record. */
void withdrawals_apply(const struct withdrawals *w, const char *commit, struct site *old);
/* A record (struct project or struct meeting) of the tree at point
 * (lineage_point) as w's audience may still see it: rec itself, or a copy
 * in a, narrowed as withdrawals_apply narrows. */
const void *withdrawals_record(const struct withdrawals *w, size_t point, enum doc_kind kind,
			       const void *rec, struct arena *a);
/* A fingerprint of every withdrawal that can change what w's audience sees
 * of the tree at commit: what exists both there and today and is hidden
 * today (documents, a visible meeting's hidden items, people). Equal
 * fingerprints, equal narrowing: for the keys of what is cached. */
uint64_t withdrawals_fingerprint(const struct withdrawals *w, const char *commit);

/* ------------------------------------------------------------- changes.c */

/* What changed between two versions of a site. */
struct project_change {
	const struct project *from, *to;
	const char **what; /* "milestone 1 → 2", "amber → green", ... */
	size_t n;
};

struct changes {
	struct arena arena;
	const struct site *from, *to;
	const struct doc **added, **removed, **changed; /* in path order; changed: of to */
	size_t nadded, nremoved, nchanged;
	struct project_change *projects;
	size_t nprojects;
	const char **plan; /* "area 'Prescribing': level 2 → 1", ... */
	size_t nplan;
};

/* Compares two loaded sites: documents added, removed and changed (bytes),
 * projects' milestone, status, leads, manager and target dates, and the
 * plan's areas, levels and milestone checks. New meetings and reports are
 * the added documents of those kinds. */
void changes_compute(struct changes *c, const struct site *from, const struct site *to);
void changes_release(struct changes *c);
/* The comparison as text, for `plansite changes`: what audience is shown,
 * filtered exactly as the changes/ page is (see changes_value).
 * from_label and to_label name the two sides. */
void changes_text(const struct changes *c, enum visibility audience, const char *from_label,
		  const char *to_label, struct buf *out);

/* What the changes/ page shows, only what audience may see, allocated in a
 * (a document on the side it is listed from: added and changed from the
 * newer site, removed from the older, a project on both; a document the
 * audience sees only in the newer is added for it; a change only to what
 * it does not read, none; both sites narrowed by withdrawals first):
 * {added, removed, changed, meetings, reports: [{title, kind, href}],
 * projects: [{title, href, summary, changes: [{text}]}], plan: [{text}],
 * has_* for each list, nothing}. hrefs are relative to the version's root;
 * removed documents link into the version before (prev_slug). */
struct value *changes_value(struct arena *a, const struct changes *c, enum visibility audience,
			    const char *prev_slug);

/* -------------------------------------------------------------- render.c */

/* What a build adds to the pages of the site. Zero for a plain build. */
struct render_opts {
	enum visibility audience;
	const struct history *history; /* "Last updated" lines and history/<kind>/<id>/
					  pages; NULL for none */
	const struct version *versions; /* versions/index.html lists the published
					   ones, newest first; NULL for none */
	size_t nversions;
	const char *tag;                /* the publish tag of the build's commit, or NULL */
	const struct version *archive;  /* this build is that old version, published under
					   versions/<slug>/: a banner on every page, no
					   feed, sitemap or calendar */
	const struct changes *changes;  /* archive only: its changes/ page */
	const char *prev_slug;          /* archive only: the version compared with */
	struct monthly_set *monthly;    /* each report's as-of data; NULL: the
					   reports use the site's own data */
	bool pdf;                       /* write each report's PDF */
	const struct cache *cache;      /* where PDFs are kept; NULL: not kept */
};

/*
 * Renders every page of the site that audience may see with the theme's
 * templates and writes them, the theme's static files and the feeds through
 * w. Returns -1 after reporting a template or write failure.
 */
int render_site(const struct site *site, const struct theme *theme, enum visibility audience,
		struct writer *w, struct diag *d);
/* The same, with history, versions or an old version's banner. */
int render_site_opts(const struct site *site, const struct theme *theme,
		     const struct render_opts *o, struct writer *w, struct diag *d);
/* Writes one report's web page (index.html), print page (print/index.html)
 * and PDF at the root of w, their links pointing at the published site
 * (base_url): what `plansite report` makes. */
int render_report_files(const struct site *site, const struct theme *theme,
			const struct render_opts *o, const struct report *rp, struct writer *w,
			struct diag *d);

/* --------------------------------------------------------------- feeds.c */

/* What the machine-readable outputs are made from: only what the audience
 * may see, already filtered and sorted (meetings and reports newest first). */
struct feeds {
	const struct site *site;
	enum visibility audience;
	const struct meeting *const *meetings;
	size_t nmeetings;
	const struct report *const *reports;
	size_t nreports;
	const char *const *search; /* the entries of search-index.json, each a JSON map
				      {title, url, kind, summary, words} */
	size_t nsearch;
	const char *base_url; /* where the site is published; NULL: site.yaml's base_url
				 (an old version is published under versions/<slug>/) */
	struct writer *w;     /* for a thread writing the feeds: where, and */
	int rc;               /* what render_feeds returned */
};

/*
 * Writes feed.xml (Atom), sitemap.xml and meetings.ics (RFC 5545,
 * Europe/London with a VTIMEZONE; every meeting and announced next meeting
 * once). Absolute URLs come from base_url; no file holds the wall-clock
 * time. Returns -1 on a write failure.
 */
int render_feeds(const struct feeds *f, struct writer *w, struct diag *d);
/* Writes search-index.json: a JSON list of f's search entries. Returns -1
 * on a write failure. */
int render_search_index(const struct feeds *f, struct writer *w);

/* ----------------------------------------------------------------- pdf.c */

/*
 * A small typesetter for the monthly report's PDF: a flat list of blocks
 * in, the bytes of an A4 portrait PDF out. Each page carries doc->header at
 * the top and "Page N of M" at the foot. Type is DejaVu Serif (text) and
 * DejaVu Sans (headings, tables), found through fontconfig.
 *
 * Text fields are "inline markup": plain UTF-8 with <b>, <i>, <code>, <br>
 * and <a href="...">text</a> (<strong> and <em> mean <b> and <i>), and the
 * entities &amp; &lt; &gt; &quot; &#39; &apos; &nbsp; and numeric ones. Tags
 * and entities are case-insensitive. Anything else, such as an unknown tag, a
 * closing tag with no opening, or a bare '<' or '&', prints as written; bad
 * UTF-8 and control characters print as U+FFFD; newlines and tabs are spaces.
 * Links print their text; http:, https: and mailto: links are also clickable
 * in the PDF (coloured), others print as plain text. NULL means "".
 */
enum pdf_kind {
	PDF_HEADING,   /* level 1..3 (others are clamped); kept with the next block */
	PDF_PARAGRAPH, /* level 0, or 1.. to indent it as a list item's second paragraph */
	PDF_ITEM,      /* a list item; level is its nesting depth 1.. */
	PDF_TABLE,
	PDF_RULE,      /* a thin line across the text; none at the top of a page */
	PDF_PAGEBREAK, /* starts a new page, unless the current one is still empty */
};

struct pdf_table {
	size_t ncols, nrows;  /* 1..24 columns; row 0 is the header row, repeated at the
				 top of every page the table runs onto */
	const char **cells;   /* nrows*ncols, row-major, inline markup; NULL entries are "" */
	const double *widths; /* ncols shares of the text width (scaled to sum to 1),
				 or NULL: equal; equal too when one is not a number > 0 */
	const char *align;    /* ncols of 'l', 'c', 'r' (others 'l'), or NULL: all left */
};

struct pdf_block {
	enum pdf_kind kind;
	int level;        /* heading level; list (or paragraph) nesting depth, clamped to 8 */
	bool ordered;     /* PDF_ITEM: numbered with number, else bulleted by depth */
	int number;
	const char *text; /* inline markup (not used by tables, rules and page breaks) */
	struct pdf_table table;
};

struct pdf_doc {
	const char *title, *author, *subject; /* PDF metadata; NULL: none */
	const char *header; /* running header, inline markup: "DacCom Ltd · Programme
			       status report, April 2007" */
	const char *date;   /* required: "2007-04-30T00:00:00Z" (or +HH:MM / -HH:MM),
			       the PDF's creation and modification date */
	const struct pdf_block *blocks;
	size_t nblocks;
};

/*
 * Typesets doc and appends the bytes of the PDF to out. The same doc gives
 * the same bytes (no wall-clock time, no addresses). Headings also become
 * the PDF's outline (bookmarks). Text wraps (a word longer than the line
 * breaks between characters); paragraphs and table rows taller than the
 * space left break across pages, keeping at least two lines together where
 * possible. Hostile input finishes in time linear in its size. Returns 0, or
 * -1 after reporting E026 to d and leaving out as it was: a missing or
 * malformed date, a table with no or more than 24 columns or without cells,
 * more than 5000 pages, or a cairo failure. Safe to call from several
 * threads at once: calls take turns (pango's caches are shared).
 */
int pdf_render(const struct pdf_doc *doc, struct buf *out, struct diag *d);

/* Appends the text that inline markup s prints, as described above (links
 * as their text, <br> as '\n'): what pdf_render typesets. */
void pdf_inline_text(struct buf *out, const char *s);

/* Frees the caches that fontconfig keeps for the whole process after
 * pdf_render (the font configuration), so that a leak checker sees nothing
 * at exit (cairo's own stay, reachable). Call it only when no pdf_render is running and none
 * will run: at exit. */
void pdf_shutdown(void);
/* A hash of what a PDF's bytes depend on besides its document: the cairo,
 * pango and fontconfig versions, and the fonts fontconfig offers (each
 * font file's path, index, size and modification time), so that a change
 * of fonts or libraries makes the PDFs again. Safe from any thread. */
uint64_t pdf_environment(void);

/* --------------------------------------------------------------- guard.c */

/*
 * The leak guard: before an output is published, every file of it (HTML,
 * XML, ICS, JSON, and each PDF's text) is scanned for text its audience may
 * not see. Hidden parts: the bodies and front-matter strings of hidden
 * documents, the hidden fences of shown ones (doc.fences), and hidden
 * actions, decisions and people's names. A hit is a run of 8 words of a
 * hidden part (all of a part of 3 to 7 words) that no text the audience may
 * see has: E030 at the hidden part, naming the output file. Use:
 * guard_new; guard_add_site for each tree whose text the output shows;
 * writer_set_guard; writer_commit calls guard_scan. Not thread-safe but
 * for guard_pdf_text.
 */
struct guard;
struct guard *guard_new(enum visibility audience);
/* Adds what site (loaded with keep_text, narrowed by withdrawals when an
 * old tree) hides from the guard's audience, and what it shows. */
void guard_add_site(struct guard *g, const struct site *site);
/* Ends adding: the shown text is compared with the hidden parts. Called
 * by guard_scan when not called before. */
void guard_seal(struct guard *g);
/* The text doc gives pango, for the PDF rel of the output (rel's bytes
 * are not scanned). No operation when g is NULL. Thread-safe. */
void guard_pdf_text(struct guard *g, const char *rel, const struct pdf_doc *doc);
/* Scans files[0..n) (relative to the folder sfd, which is out's staging
 * folder) and the PDFs' texts; reports each output with a hit (E030; its
 * first hit) to d. Returns 0, or -1 after reporting a hit or (E026) a
 * failure to read. */
int guard_scan(struct guard *g, int sfd, const char *out, const struct written_file *files,
	       size_t n, struct diag *d);
/* Whether guard_scan found hidden text in an output (E030). */
bool guard_hit(const struct guard *g);
/* Seconds the guard has taken so far (for --verbose). */
double guard_seconds(const struct guard *g);
void guard_free(struct guard *g);

/* -------------------------------------------------------------- report.c */

/*
 * The computed sections of the report for month (day 1), as a template
 * context: the project table (projects), milestones reached in the month
 * (reached) and due the next month (due_next), status changes since the
 * previous report (status_changes; first_report when prev is NULL), open
 * actions overdue at the month's end (overdue_actions), the decisions of the
 * month's meetings (decisions) and corporate objectives overdue or due by
 * the end of the next month (objectives); each list with has_<name>. data is
 * the site at the month's end, prev at the end of the previous report's
 * month. Only what audience may see is used. Allocates in a.
 */
struct report_index;
struct value *report_sections(struct arena *a, const struct report_index *data,
			      const struct report_index *prev, struct date month);

/* What report_sections looks up in one data site, made once for all the
 * reports made from it. */
struct open_action {
	size_t meeting, action; /* indices into all_meetings and the meeting's actions */
	struct date due;
};
struct dated_meeting {
	struct date date;
	size_t i; /* in all_meetings */
};
struct report_index {
	const struct site *s;
	enum visibility audience;
	const struct project **all_projects; /* every one, in path order */
	size_t nall_projects;
	const struct meeting **all_meetings; /* every one, in path order */
	size_t nall_meetings;
	const struct project **own_projects; /* all_projects when made here */
	const struct meeting **own_meetings;
	const struct project **projects;  /* visible, by title */
	size_t nprojects;
	struct idmap people, areas, ids;  /* ids: project id -> index in all_projects */
	struct dated_meeting *meetings;   /* visible, by date then path */
	size_t nmeetings;
	struct open_action *open;        /* of visible meetings, by due date */
	size_t nopen;
	struct value *rows;              /* the project table, when shared: it depends
					    on the data alone, not on the month, so it is
					    made once, and templates render it once for
					    all pages (value.shared) */
	struct arena arena;              /* for rows */
};
/* Indexes s for report_sections. shared: the index outlives every page
 * made from it, so the project table is made once and shared by them;
 * else each report_sections makes its own. */
void report_index_init(struct report_index *x, const struct site *s, enum visibility audience,
		       bool shared);
/* Where the meetings of one data site went in the next: to[i] is the new
 * index (among the meetings, in path order) of old meeting i, SIZE_MAX when
 * it changed or went; added lists the new indexes of the meetings that
 * changed or came. */
struct meeting_moves {
	size_t *to;
	size_t *added;
	size_t nadded;
};
/* report_index_init(x, s, old's audience, false) made from old, the index
 * of the data s was derived from, and the moves between them: the meetings
 * that stayed are not looked at again. */
void report_index_derive(struct report_index *x, const struct site *s,
			 const struct report_index *old, const struct meeting_moves *mv);
void report_index_release(struct report_index *x);

/*
 * Appends the computed sections s (from report_sections), in the order and
 * words of the web page, as PDF blocks to *v (n used, cap allocated, grown
 * in a). data_note (where the figures come from) and changes_note (why no
 * status changes can be shown) are printed when not NULL.
 */
void report_pdf_sections(struct arena *a, const struct value *s, const char *data_note,
			 const char *changes_note, struct pdf_block **v, size_t *n, size_t *cap);

/* ------------------------------------------------------------- monthly.c */

/* One monthly report with the data it is made from. */
struct monthly {
	const struct report *report;
	const char *commit;      /* full id of the commit the data comes from, when that
				    is not the tree being built; else NULL */
	const char *data_commit; /* short id of the commit the data comes from */
	const char *data_date;   /* that commit's date, "30 April 2007" */
	const char *as_of;       /* no commit is that old: the data is the tree's own, as
				    of this date; NULL otherwise */
	const char *prev_month;  /* the previous report's month, "March 2007", or NULL */
	bool has_prev;           /* there is data from the end of the previous report's month */
	const char *prev_commit; /* ... from this commit (NULL: the tree being built) */
	bool prev_missing;       /* there is a previous report, but no data from its month */
};

/* What a data site's yaml files make (site.yaml, the plan, the people, the
 * practices), shared by the data sites made from it. */
struct data_base {
	struct source src;
	struct site site;
	struct diag d;
	int refs;
};
/* A project or meeting file of a data site, parsed in the pool. */
struct data_file {
	const char *path;  /* the pool's */
	int kind;          /* DOC_PROJECT or DOC_MEETING */
	const void *rec;   /* struct project or struct meeting, in the pool */
	const void *shown; /* rec as the audience may still see it (withdrawals_record) */
};
/* A commit's site loaded for its data alone (no Markdown; findings dropped:
 * an old commit may break rules added since, and said what it said). */
struct data_site {
	char commit[41];
	bool loaded;
	struct data_base *base;
	struct data_file *files; /* in path order */
	size_t nfiles;
	struct site view;        /* the base's, with these projects and meetings */
	struct report_index ix;
	struct arena arena;
	int users;               /* pages computing sections from it now */
	unsigned long tick;      /* when last taken */
};

/* Old data held at once: two for each thread's report (its month and the
 * previous report's) at the most threads plansite_jobs gives, so that the
 * threads neither evict each other's nor wait for a slot for ever. */
enum { MONTHLY_SLOTS = 16 };

struct monthly_set {
	/* Set before monthly_compute: what has been withdrawn since each
	 * month's data (NULL: nothing is), and the cache that keeps the steps
	 * between months (NULL: none). */
	const struct withdrawals *withdrawals;
	const struct cache *cache;
	struct arena arena;
	struct monthly *v;
	size_t n;
	const struct site *site;
	enum visibility audience;
	struct data_site slots[MONTHLY_SLOTS];
	unsigned long tick;
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a slot's users went down */
	bool lock_made;
	struct report_index site_ix; /* of site itself, made when first needed */
	bool site_ix_made;
	struct doc_pool *pool;       /* the old data's documents, parsed once */
	struct repo *repo;           /* for old data */
	const char **chain;          /* the months' data commits, oldest first, each once */
	size_t nchain;
	struct blob_changes *steps;  /* steps[i]: the files that differ from chain[i]
					to chain[i + 1] */
	struct arena *step_arenas;
	size_t nstep_arenas;
	struct commit_line line;     /* the first-parent line of the commit being built */
	bool line_read;              /* line holds it */
	pthread_t line_thread;       /* reading it while the site loads (monthly_begin) */
	bool line_started;
	struct diag line_d;          /* what that thread found */
	const char *line_root, *line_start;
	int line_rc;
};

/* Starts reading, on a thread of its own, the first-parent line of the
 * commit src is built from (read from git), for monthly_compute, so that it
 * costs no time while the site loads. No operation for files on disk. */
void monthly_begin(struct monthly_set *ms, const struct source *src);
/* Gives monthly_compute the first-parent line from start, found already
 * (published_first_parents); it takes line over. */
void monthly_use_line(struct monthly_set *ms, const char *start, struct commit_line *line);

/*
 * Finds, for every report of site that audience may see (or only the one
 * whose id is only), the commit its data comes from: the last commit on the
 * branch at or before the month's last day, 23:59 Europe/London, and the
 * same for the previous report's month. Nothing is loaded yet. Returns 0, or
 * -1 after reporting a git failure.
 */
int monthly_compute(struct monthly_set *ms, const struct site *site, enum visibility audience,
		    const char *only, struct diag *d);
/*
 * The computed sections of m (report_sections), allocated in a, from its
 * month's data compared with the previous report's: old sites are loaded
 * when first needed. Safe to call from several threads. NULL after
 * reporting a failure to read old data.
 */
struct value *monthly_sections(struct monthly_set *ms, const struct monthly *m, struct arena *a,
			       struct diag *d);
const struct monthly *monthly_of(const struct monthly_set *ms, const struct report *r);
void monthly_release(struct monthly_set *ms);

/* --------------------------------------------------------------- build.c */

/* What `plansite build` is given: its options, parsed. */
struct build_opts {
	const char *dir;           /* the site root or a folder below it; NULL: "." */
	const char *ref;           /* the revision to read; NULL: HEAD */
	bool worktree;             /* the files on disk instead of a commit */
	const struct date *today;  /* NULL: the commit's date (the local date with
				      worktree) */
	enum visibility audience;
	const char *out;           /* NULL: public/ in the site root */
	const char *cache;         /* NULL: $PLANSITE_CACHE, else the site's default */
	bool no_history, no_versions, no_pdf, verbose;
	const char *key;           /* the options that may change what is written, as */
	size_t key_len;            /* bytes: part of the no-op rebuild's key (reuse.c) */
};

/*
 * Builds the site once, as `plansite build` does: checks it, then writes the
 * website into o->out through a staging folder (or finds it up to date),
 * printing the findings to stdout (JSON) or stderr (text) by d's format as
 * it goes, with the "wrote N files" line. Returns the exit status: EXIT_OK
 * (warnings allowed), EXIT_CONTENT, EXIT_USAGE (an --out refused, E031) or
 * EXIT_IO; d keeps the counts for the caller's summary line, and is the
 * caller's to release. Nothing is kept between calls: the same inputs give
 * the same bytes however many builds one process has made (run-memory.sh).
 */
int build_run(const struct build_opts *o, struct diag *d);
/* Sets glibc's malloc up for builds (see build.c); once, at the start of a
 * process, before any thread. */
void build_tune_malloc(void);

/* Parts of a build that `check` and `report` share: "today" for date
 * rules (given, else the commit's date in its committer's zone, else the
 * local date); the output claimed (output_claim, with the build record of
 * the cache for an old output: EXIT_OK, EXIT_USAGE when refused, E031, or
 * EXIT_IO); what the months' data takes from the history walk. */
struct date build_today(const struct date *given, const struct source *src);
int build_claim_output(const char *out, const char *root, struct cache *cache,
		       struct output_claim *c, struct diag *d);
void build_monthly_from(struct monthly_set *ms, const struct published *pub,
			const struct source *src);

#endif
