/*
 * reuse.c: a build asked to rebuild exactly what its output already holds
 * reuses it (a no-op rebuild). After a successful build, reuse_save writes a
 * manifest of the output into the site's cache, one file per output folder
 * (builds/<hash of the output's absolute path> in the cache), never into
 * the output itself: the findings it keeps may name what a public build
 * must not show.
 *
 *   plansite-build 2
 *   out     /absolute/path/of/public
 *   key     <32 hex digits>
 *   count   <files written>
 *   fonts   <16 hex digits>                                   (when PDFs are on)
 *   finding <severity> <code> <file> <line> <col> <message>   (each finding)
 *   source  <size> <mtime s> <ns> <ctime s> <ns> <inode> <device> <hash> <path>
 *   file    <size> <mtime s> <mtime ns> <path>                (each file)
 *   end
 *
 * (fields separated by tabs; '\\', tab, CR and LF escaped in text.)
 *
 * The key is a 128-bit hash of a text naming everything the output depends
 * on: this format; plansite itself (its version and the bytes of its
 * executable, which hold the built-in theme, and the shared libraries it
 * runs with, by file identity); the command-line options that
 * may change the output (all but -C, --out, --format and --verbose, so an
 * option added later counts by default); "today"; the mode; and the source.
 * From git: the commit id (which fixes the tree and its whole history), the
 * shallow boundary, and the tags with what they point at when published
 * versions are on. From disk: the path, size and bytes of every file read
 * (site.yaml, content/ and themes/, so a site's own theme counts), and in a
 * repository HEAD, the shallow boundary and the tags too (drafts take their
 * reports' data from HEAD's history). Reading ids from git costs little;
 * hashing the files costs a small part of parsing them.
 *
 * The reports' PDFs depend on more: the cairo, pango and fontconfig
 * versions and the fonts fontconfig offers, which the PDF cache is keyed by
 * (pdf_environment). The record keeps that hash too ("fonts"), taken before
 * the build; an output that holds a PDF is reused only when the fonts are
 * the same now. Only then is it computed on a no-op (fontconfig's start
 * costs more than the rest of one), so a site without PDFs pays nothing.
 *
 * From disk, the record also keeps each source file's stamp (size, times,
 * inode, device, as fstat gave them when it was read) and hash ("source"
 * lines): the next build takes the hash of a file whose stamp is the same
 * without opening it, as git's index does. Writing a file changes its
 * ctime, which no program can set back; a file changed within two seconds
 * of being read is not recorded (timestamps go by the kernel's clock tick,
 * so a change in the same tick could leave the stamp as it was), nor one
 * read when the record is not written. If the key then differs, the files
 * are read again from the start, for the build.
 *
 * A build whose key matches, and whose every listed file is still there as
 * written (same size and modification time), reports the findings of the
 * build that made the output, says the output is up to date and writes
 * nothing. Any doubt means a full build: no manifest, another key, a file
 * missing or touched, an error while reading the source, a key that cannot be
 * computed (the executable unreadable). Files added to the output by hand are
 * not noticed; the next full build removes them.
 *
 * Findings: those of reading the source are made again (the files are read
 * anyway; from git, the only one is the uncommitted-changes warning, which
 * depends on the working tree, not on the commit); every later one (model,
 * rules, theme, history, rendering) is replayed from the manifest, in the
 * order it was first reported, so the output of a no-op rebuild is that of
 * the full build, less the "wrote" line.
 */
#include "plansite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST_MAGIC "plansite-build 2"

/* ------------------------------------------------------------ escaping */

static void put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		default:
			buf_putc(b, *s);
		}
	}
}

/* Undoes put_escaped in place. */
static char *unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		*o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
	}
	*o = '\0';
	return s;
}

/* Splits line at tabs into at most max fields; returns how many. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

/* ----------------------------------------------------------------- key */

/* The text the key is the hash of, up to the source's files. False when
 * something it needs cannot be read: no reuse then. */
static bool key_text(struct buf *t, const struct source *src, const struct reuse_opts *o)
{
	bool ok = o->cache && o->cache->plansite[0];
	if (ok) {
		buf_printf(t, "%s\nplansite %s\n", MANIFEST_MAGIC, o->cache->plansite);
		buf_printf(t, "options %zu %016llx\ntoday ", o->options_len,
			   (unsigned long long)hash64(o->options, o->options_len, 0));
		date_iso(t, o->today);
		buf_printf(t, "\nmode %d\n", (int)src->mode);
		if (src->mode == SOURCE_GIT)
			buf_printf(t, "commit %s\n", src->commit);
		/* In a repository, what else the output reads of it. */
		if (src->repo && repo_key(src->repo, src->mode != SOURCE_GIT, o->versions, t) < 0)
			ok = false;
	}
	return ok;
}

static void put_hex16(struct buf *b, uint64_t h)
{
	char hex[16];
	for (int k = 15; k >= 0; k--, h >>= 4)
		hex[k] = "0123456789abcdef"[h & 15];
	buf_put(b, hex, 16);
}

/* Adds the files read from disk (each with its hash) to the key's text t,
 * and their "source" lines (those with a stamp to keep) to sources. */
static void key_files(struct buf *t, struct buf *sources, const struct source *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct source_file *f = &src->files[i];
		/* "file <path> <length> <16 hex digits>", without printf: a
		 * no-op rebuild writes one a source file */
		buf_puts(t, "file ");
		put_escaped(t, f->path);
		buf_putc(t, ' ');
		buf_put_int(t, (long long)f->len);
		buf_putc(t, ' ');
		uint64_t h = f->hash;
		put_hex16(t, h);
		buf_putc(t, '\n');
		if (!f->stamped)
			continue;
		const struct file_stamp *st = &f->stamp;
		const int64_t v[] = {st->size,     st->mtime_s,	     st->mtime_ns,
				     st->ctime_s,  st->ctime_ns,     (int64_t)st->ino,
				     (int64_t)st->dev};
		buf_puts(sources, "source");
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			buf_putc(sources, '\t');
			buf_put_int(sources, (long long)v[k]);
		}
		buf_putc(sources, '\t');
		put_hex16(sources, h);
		buf_putc(sources, '\t');
		put_escaped(sources, f->path);
		buf_putc(sources, '\n');
	}
}

/* ------------------------------------------------------------- stamps */

/* The "source" lines of an earlier record, by path. */
struct stamp_entry {
	const char *path; /* NULL: an empty slot */
	uint64_t path_hash, hash;
	struct file_stamp st;
};
struct stamps {
	struct stamp_entry *v;
	size_t n, cap; /* cap: a power of two, or 0 */
};

static uint64_t path_hash(const char *path)
{
	return hash64(path, strlen(path), 0x7374616d70ull);
}

/* Puts e into the first free slot of its chain in v (cap slots). */
static void stamp_put(struct stamp_entry *v, size_t cap, const struct stamp_entry *e)
{
	size_t m = e->path_hash & (cap - 1);
	while (v[m].path)
		m = (m + 1) & (cap - 1);
	v[m] = *e;
}

/* Adds a "source" line's fields f[1..9] (f[9] the path, unescaped in place). */
static void stamps_add(struct stamps *sp, char **f)
{
	if (strlen(f[8]) != 16)
		return;
	if (2 * (sp->n + 1) > sp->cap) {
		size_t ncap = sp->cap ? 2 * sp->cap : 1024;
		struct stamp_entry *nv = xcalloc(ncap, sizeof(*nv));
		for (size_t k = 0; k < sp->cap; k++)
			if (sp->v[k].path)
				stamp_put(nv, ncap, &sp->v[k]);
		free(sp->v);
		sp->v = nv;
		sp->cap = ncap;
	}
	struct stamp_entry e = {unescape(f[9]), 0, strtoull(f[8], NULL, 16), {0}};
	e.path_hash = path_hash(e.path);
	int64_t *v[] = {&e.st.size,    &e.st.mtime_s, &e.st.mtime_ns,	     &e.st.ctime_s,
			&e.st.ctime_ns, (int64_t *)&e.st.ino, (int64_t *)&e.st.dev};
	for (size_t k = 0; k < 7; k++)
		*v[k] = strtoll(f[1 + k], NULL, 10);
	stamp_put(sp->v, sp->cap, &e);
	sp->n++;
}

static bool stamp_known(void *ctx, const char *path, const struct file_stamp *st, uint64_t *hash)
{
	const struct stamps *sp = ctx;
	uint64_t h = path_hash(path);
	for (size_t i = h & (sp->cap - 1); sp->v[i].path; i = (i + 1) & (sp->cap - 1)) {
		const struct stamp_entry *e = &sp->v[i];
		if (e->path_hash != h || strcmp(e->path, path) != 0)
			continue;
		if (memcmp(&e->st, st, sizeof(*st)) != 0)
			return false;
		*hash = e->hash;
		return true;
	}
	return false;
}

static void stamps_release(struct stamps *sp)
{
	free(sp->v);
	memset(sp, 0, sizeof(*sp));
}

static void key_finish(struct reuse *r, const struct buf *t)
{
	snprintf(r->key, sizeof(r->key), "%016llx%016llx",
		 (unsigned long long)hash64(t->ptr, t->len, 0x706c616e73697465ull),
		 (unsigned long long)hash64(t->ptr, t->len, 0x6275696c646b6579ull));
}

/* ------------------------------------------------------------ manifest */

/* The record of the builds into the output out (absolute), as a path in
 * the cache, malloc'd. */
static char *manifest_path(const char *out)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "builds/%016llx", (unsigned long long)hash64(out, strlen(out), 0));
	return buf_detach(&p, NULL);
}

/* The output's files checked against the record, on every core. */
struct stat_share {
	int dfd;
	const struct written_file *v;
	bool differ; /* set by any thread that finds a file changed */
};

static void stat_one(void *ctx, size_t i)
{
	struct stat_share *s = ctx;
	if (__atomic_load_n(&s->differ, __ATOMIC_RELAXED))
		return; /* one is enough */
	struct stat st;
	const struct written_file *f = &s->v[i];
	if (!(fstatat(s->dfd, f->path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	      (uint64_t)st.st_size == f->size && (int64_t)st.st_mtim.tv_sec == f->sec &&
	      (long)st.st_mtim.tv_nsec == f->nsec))
		__atomic_store_n(&s->differ, true, __ATOMIC_RELAXED);
}

/* Whether every file of v[0..n) in dfd is a regular file of the size and
 * time recorded (a no-op rebuild is mostly these calls). */
static bool outputs_unchanged(int dfd, const struct written_file *v, size_t n)
{
	size_t nw = (size_t)plansite_jobs();
	if (nw > n / 512 + 1)
		nw = n / 512 + 1;
	struct stat_share s = {dfd, v, false};
	run_each(n, nw, stat_one, &s);
	return !s.differ;
}

/* What the record of the last build into the output says. */
struct record {
	char key[33];
	uint64_t fonts;             /* its "fonts" line, when fonts_known */
	bool fonts_known;
	struct written_file *files; /* the output's files */
	size_t nfiles, cap;
	struct stamps stamps;       /* the sources' */
};

static void record_release(struct record *rec)
{
	free(rec->files);
	stamps_release(&rec->stamps);
	memset(rec, 0, sizeof(*rec));
}

/* Reads the record into m (its lines NUL-terminated, kept for replay) and
 * rec. False, with *why, when there is none or it is not one of this
 * format, for this output. */
static bool record_read(struct reuse *r, struct buf *m, struct record *rec, const char **why)
{
	*why = "no record of an earlier build into this folder";
	if (!r->manifest || !cache_read(r->cache, r->manifest, m) || m->len == 0)
		return false;
	*why = "its record is unreadable";
	if (m->ptr[m->len - 1] != '\n')
		return false;
	bool seen_end = false;
	size_t lineno = 0;
	char *line = m->ptr, *next;
	for (; *line; line = next, lineno++) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (seen_end)
			return false; /* something after the end */
		if (strncmp(line, "finding\t", 8) == 0)
			continue; /* replayed once all is known to be in order */
		char *f[11];
		size_t nf = split_tabs(line, f, 11);
		if (lineno == 0) {
			if (strcmp(line, MANIFEST_MAGIC) != 0)
				return false;
		} else if (strcmp(f[0], "out") == 0 && nf == 2) {
			if (strcmp(unescape(f[1]), r->out) != 0)
				return false;
		} else if (strcmp(f[0], "key") == 0 && nf == 2) {
			snprintf(rec->key, sizeof(rec->key), "%s", f[1]);
		} else if (strcmp(f[0], "fonts") == 0 && nf == 2 && strlen(f[1]) == 16) {
			rec->fonts = strtoull(f[1], NULL, 16);
			rec->fonts_known = true;
		} else if (strcmp(f[0], "count") == 0 && nf == 2) {
			r->nfiles = (size_t)strtoull(f[1], NULL, 10);
		} else if (strcmp(f[0], "source") == 0 && nf == 10) {
			stamps_add(&rec->stamps, f);
		} else if (strcmp(f[0], "file") == 0 && nf == 5) {
			GROW_FROM(rec->files, rec->nfiles, rec->cap, 1024);
			rec->files[rec->nfiles++] = (struct written_file){
				unescape(f[4]), true, strtoull(f[1], NULL, 10), strtoll(f[2], NULL, 10),
				strtol(f[3], NULL, 10)};
		} else if (strcmp(f[0], "end") == 0 && nf == 1) {
			seen_end = true;
		} else {
			return false;
		}
	}
	return seen_end;
}

/* Whether the output holds every file of the record as it was written. */
static bool record_outputs(const struct reuse *r, const struct record *rec, const char **why)
{
	int dfd = open(r->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*why = "the output folder is missing";
		return false;
	}
	bool same = outputs_unchanged(dfd, rec->files, rec->nfiles);
	close(dfd);
	if (!same)
		*why = "a file of the output is missing or was changed";
	return same;
}


static void replay_one(struct diag *d, enum diag_severity sev, struct pos pos, const char *code,
		       const char *fmt, ...) PRINTF_LIKE(5, 6);

static void replay_one(struct diag *d, enum diag_severity sev, struct pos pos, const char *code,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(d, sev, pos, code, fmt, ap);
	va_end(ap);
}

/* Reports the findings kept in the manifest m (read by record_read: its
 * lines NUL-terminated, one after another). */
static void replay(struct reuse *r, const struct buf *m, struct diag *d)
{
	for (const char *line = m->ptr; line < m->ptr + m->len; line += strlen(line) + 1) {
		if (strncmp(line, "finding\t", 8) != 0)
			continue;
		char *copy = arena_strdup(&r->arena, line);
		char *f[7];
		if (split_tabs(copy, f, 7) != 7)
			continue;
		struct pos pos = {NULL, (uint32_t)strtoul(f[4], NULL, 10),
				  (uint32_t)strtoul(f[5], NULL, 10)};
		if (f[3][0] == '=')
			pos.file = unescape(f[3] + 1);
		int sev = atoi(f[1]);
		replay_one(d,
			   sev == DIAG_ERROR     ? DIAG_ERROR
			   : sev == DIAG_WARNING ? DIAG_WARNING
						 : DIAG_NOTE,
			   pos, unescape(f[2]), "%s", unescape(f[6]));
	}
}

/* Whether the output's PDFs, if it holds any, were made with the fonts
 * there are now (the PDF cache's key, pdf_environment). */
static bool record_fonts(const struct record *rec, const char **why)
{
	bool pdfs = false;
	for (size_t i = 0; i < rec->nfiles && !pdfs; i++) {
		size_t n = strlen(rec->files[i].path);
		pdfs = n > 4 && strcmp(rec->files[i].path + n - 4, ".pdf") == 0;
	}
	if (!pdfs)
		return true;
	if (rec->fonts_known && rec->fonts == pdf_environment())
		return true;
	*why = "the fonts changed (or the cairo, pango or fontconfig libraries)";
	return false;
}

/* -------------------------------------------------------------- public */

/* How many files of src were taken on their stamps, unread. */
static size_t count_unread(const struct source *src)
{
	size_t n = 0;
	for (size_t i = 0; i < src->n; i++)
		n += src->files[i].unread;
	return n;
}

int reuse_check(struct reuse *r, struct source *src, const char *out, const struct reuse_opts *o,
		struct diag *d)
{
	struct buf t = BUF_INIT, m = BUF_INIT;
	struct record rec = {0};
	const char *why = "its key cannot be computed";
	int rc = -1;
	memset(r, 0, sizeof(*r));
	r->out = output_path(out);
	bool can = r->out && key_text(&t, src, o);
	r->cache = o->cache;
	if (r->out)
		r->manifest = manifest_path(r->out);
	bool have = can && record_read(r, &m, &rec, &why), intact = false;
	size_t key_len = t.len, mark = d->n;
	if (src->mode != SOURCE_GIT) {
		/* From disk the key needs the bytes; when the output is as the
		 * last build left it, its record's hashes of the files whose
		 * stamps are unchanged do instead. */
		intact = have && record_outputs(r, &rec, &why);
		bool stamps = intact && rec.stamps.n;
		if (stamps) {
			src->stamp_known = stamp_known;
			src->stamp_ctx = &rec.stamps;
		}
		int read = source_read(src, d);
		src->stamp_known = NULL;
		src->stamp_ctx = NULL;
		if (read < 0)
			goto out;
		if (can)
			key_files(&t, &r->sources, src);
		if (o->verbose && d->format == DIAG_TEXT && stamps)
			fprintf(stderr,
				"plansite: %zu of %zu source files unchanged since the last build "
				"(not read)\n",
				count_unread(src), src->n);
	}
	if (can && d->errors == 0) {
		key_finish(r, &t);
		if (have && strcmp(rec.key, r->key) != 0) {
			why = "the sources, the options or plansite changed";
			have = false;
		}
		/* from git the key is nearly free: the output is looked at after */
		if (have && src->mode == SOURCE_GIT)
			intact = record_outputs(r, &rec, &why);
		/* last, as it costs the most: the PDFs' fonts */
		if (have && intact && !record_fonts(&rec, &why))
			have = false;
		if (have && intact) {
			if (src->mode == SOURCE_GIT && source_uncommitted(src, d) < 0)
				goto out;
			replay(r, &m, d);
			writer_tidy(out);
			rc = 1;
			goto out;
		}
	}
	if (src->mode != SOURCE_GIT && count_unread(src)) {
		/* The build needs every file's bytes: all read again, as if for
		 * the first time (what changed meanwhile is read as it is now). */
		diag_forget_since(d, mark);
		source_drop_files(src);
		if (source_read(src, d) < 0)
			goto out;
		if (can) {
			buf_truncate(&t, key_len);
			buf_truncate(&r->sources, 0);
			key_files(&t, &r->sources, src);
			key_finish(r, &t);
		}
	}
	if (src->mode == SOURCE_GIT && source_read(src, d) < 0)
		goto out;
	if (o->verbose && d->format == DIAG_TEXT)
		fprintf(stderr, "plansite: building %s whole: %s\n", r->out ? r->out : out, why);
	/* the fonts the PDFs will be made with, for the record: taken before
	 * the build, so fonts changed during it make the next one full */
	if (o->pdf) {
		r->fonts = pdf_environment();
		r->fonts_known = true;
	}
	r->first = d->n;
	r->counted = d->errors + d->warnings;
	if (!can)
		r->key[0] = '\0';
	rc = 0;
out:
	record_release(&rec);
	buf_release(&t);
	buf_release(&m);
	return rc;
}

bool reuse_recorded(const struct cache *c, const char *out)
{
	struct reuse r = {0};
	struct buf m = BUF_INIT;
	struct record rec = {0};
	const char *why;
	r.cache = c;
	r.out = xstrdup(out);
	r.manifest = manifest_path(out);
	bool named = record_read(&r, &m, &rec, &why);
	record_release(&rec);
	buf_release(&m);
	reuse_release(&r);
	return named;
}

static void reuse_save(struct reuse *r, struct writer *w, const struct diag *d)
{
	if (!r->key[0] || !r->manifest || d->n < r->first || r->not_kept)
		return;
	/* The findings since the source was read, in the order reported; none
	 * may have been printed (and forgotten) since. */
	size_t counted = 0;
	for (size_t i = r->first; i < d->n; i++)
		counted += d->items[i].severity != DIAG_NOTE;
	if (counted != d->errors + d->warnings - r->counted || d->errors)
		return;
	struct buf b = BUF_INIT;
	int dfd = -1;
	buf_printf(&b, "%s\nout\t", MANIFEST_MAGIC);
	put_escaped(&b, r->out);
	buf_printf(&b, "\nkey\t%s\ncount\t%zu\n", r->key, writer_count(w));
	if (r->fonts_known) {
		buf_puts(&b, "fonts\t");
		put_hex16(&b, r->fonts);
		buf_putc(&b, '\n');
	}
	for (size_t i = r->first; i < d->n; i++) {
		const struct finding *f = &d->items[i];
		buf_printf(&b, "finding\t%d\t", (int)f->severity);
		put_escaped(&b, f->code);
		buf_puts(&b, "\t");
		if (f->pos.file) {
			buf_putc(&b, '=');
			put_escaped(&b, f->pos.file);
		}
		buf_printf(&b, "\t%u\t%u\t", (unsigned)f->pos.line, (unsigned)f->pos.col);
		put_escaped(&b, f->message);
		buf_putc(&b, '\n');
	}
	if (r->sources.len)
		buf_put(&b, r->sources.ptr, r->sources.len);
	size_t n;
	const struct written_file *files = writer_files(w, &n);
	dfd = open(r->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		/* what the writing thread saw, else a look now */
		struct written_file f = files[i];
		struct stat st;
		if (!f.known) {
			if (fstatat(dfd, f.path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				goto out;
			f.size = (uint64_t)st.st_size;
			f.sec = (int64_t)st.st_mtim.tv_sec;
			f.nsec = (long)st.st_mtim.tv_nsec;
		}
		buf_puts(&b, "file\t");
		buf_put_int(&b, (long long)f.size);
		buf_putc(&b, '\t');
		buf_put_int(&b, (long long)f.sec);
		buf_putc(&b, '\t');
		buf_put_int(&b, (long long)f.nsec);
		buf_putc(&b, '\t');
		put_escaped(&b, f.path);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "end\n");
	cache_write(r->cache, r->manifest, b.ptr, b.len);
out:
	if (dfd >= 0)
		close(dfd);
	buf_release(&b);
}

int reuse_commit(struct reuse *r, struct writer *w, const struct diag *d)
{
	/* The output is about to change: its old record must not outlive it. A
	 * build that fails before this point leaves both as they were. */
	if (r->manifest && cache_usable(r->cache))
		unlinkat(r->cache->dfd, r->manifest, 0);
	if (writer_commit(w) < 0)
		return -1;
	reuse_save(r, w, d);
	return 0;
}

void reuse_release(struct reuse *r)
{
	free(r->out);
	free(r->manifest);
	buf_release(&r->sources);
	arena_release(&r->arena);
	memset(r, 0, sizeof(*r));
}
