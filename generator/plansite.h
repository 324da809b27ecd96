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

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Allocation that never returns NULL: on failure it prints and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
NORETURN void die(const char *fmt, ...) PRINTF_LIKE(1, 2);

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
void arena_release(struct arena *a);

/* Edit distance (Levenshtein, bytes) between two strings, stopping early:
 * returns max+1 when the distance exceeds max. */
size_t edit_distance(const char *a, const char *b, size_t max);

/* Checks that [s, s+n) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF). Returns n when valid, else the offset of the first bad
 * byte. */
size_t utf8_check(const char *s, size_t n);

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
void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
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

/* ---------------------------------------------------------------- diag.c */

/*
 * Finding codes are stable: tests, editors' scripts and docs/diagnostics.md
 * rely on them. Never renumber; retire a code rather than reuse it.
 *
 * E001 YAML or front matter does not parse (syntax, more than one document,
 *      a key that is not plain text)
 * E002 duplicate map key
 * E003 alias expansion or nesting past the limit
 * E004 file is not valid UTF-8 (message names the byte offset)
 * E005 required field missing
 * E006 wrong type or a value outside its allowed set
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
 * E040 template syntax error
 * E041 unknown partial or parent template
 *
 * W001 open action past its due date
 * W002 milestone target in the past and not reached
 * W003 milestone target breaks the window
 * W004 objective past its due date and not achieved
 * W005 unknown field
 * W006 document over 1 MiB
 * W007 uncommitted changes under content/ are not in this build
 * W008 no version information (outside git, or no commit yet)
 * W009 file that plansite does not read
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
	enum diag_format format;
	void *lock; /* pthread_mutex_t, hidden */
};

void diag_init(struct diag *d, enum diag_format format);
void diag_release(struct diag *d);
void diag_error(struct diag *d, struct pos pos, const char *code, const char *fmt,
		...) PRINTF_LIKE(4, 5);
void diag_warning(struct diag *d, struct pos pos, const char *code, const char *fmt,
		  ...) PRINTF_LIKE(4, 5);
void diag_report(struct diag *d, enum diag_severity sev, struct pos pos,
		 const char *code, const char *fmt, va_list ap);
/* Prints every finding to f (sorted), then forgets them; counts are kept. */
void diag_flush(struct diag *d, FILE *f);
/* Prints "N errors, M warnings" (text format) to f. */
void diag_summary(const struct diag *d, FILE *f);

/*
 * Appends " (did you mean 'x'?)" to b when one of the n candidates is within
 * edit distance 2 of word, or has word as a prefix (or is a prefix of word);
 * the closest wins, ties to the earliest. Returns true when it appended.
 */
bool diag_suggest(struct buf *b, const char *word, const char *const *cands, size_t n);

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

/* Limits that protect against hostile YAML. */
struct yaml_limits {
	size_t max_nodes;  /* nodes after alias expansion (default 100000) */
	size_t max_depth;  /* nesting depth (default 64) */
};
extern const struct yaml_limits yaml_default_limits;

/*
 * Parses one YAML document from [s, s+n) into a value allocated in a.
 * Positions are reported as (line0 + line, col), with file as given, so a
 * front matter block can report the lines of its file. Duplicate map keys,
 * alias expansion past the limits, more than one document and syntax errors
 * are reported to d (E001, E002, E003) and give NULL. An empty document gives
 * a VALUE_NULL value.
 */
struct value *yaml_parse(struct arena *a, const char *s, size_t n, const char *file,
			 uint32_t line0, const struct yaml_limits *lim, struct diag *d);

/* ------------------------------------------------------------- source.c */

/* One file read from the site: a path relative to the site root
 * ("site.yaml", "content/plan.yaml", "themes/default/templates/page.mustache")
 * and its bytes. */
struct source_file {
	char *path;
	char *data;
	size_t len;
};

enum source_mode {
	SOURCE_GIT,      /* the tree of a commit */
	SOURCE_WORKTREE, /* files on disk inside a git repository (--worktree) */
	SOURCE_FILES,    /* files on disk, no git repository */
};

struct source_opts {
	const char *ref;  /* NULL: HEAD */
	bool worktree;    /* --worktree */
};

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
void source_release(struct source *s);
/* The file at path, or NULL. */
const struct source_file *source_get(const struct source *s, const char *path);

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
/* Appends "2007-04-12". */
void date_iso(struct buf *b, struct date a);
/* Appends "12 April 2007". */
void date_long(struct buf *b, struct date a);
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

#endif
