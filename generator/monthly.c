/*
 * monthly.c: what each monthly report is made from. The narrative is the
 * report file of the tree being built; the data (projects, meetings, plan)
 * is the site as it stood at the month's end: the last commit on the branch
 * at or before the last day of the month, 23:59 Europe/London. So a report
 * regenerated a year later says exactly what it said then. Where no commit
 * is that old (content imported later, or no git), the data is the tree
 * being built and the report says "data as of" its date.
 *
 * Which commit each report's data comes from is found once, in one walk
 * down the first-parent line. Those commits, oldest first, make a chain;
 * before any page, on every core, the files that differ at each step of it
 * are found (or taken from the cache's file months), their blobs
 * read and parsed into a pool of documents parsed once per blob (which
 * starts with the site's own), and the oldest commit's data is loaded. The
 * old data is made when a page needs it, into one of MONTHLY_SLOTS slots:
 * only the projects and meetings matter, as pointers into the pool, and a
 * month's data is made from the one held last and the changes of the
 * steps between them (loaded whole when the plan, the people or the
 * practices changed); its index too. That is a merge, one thread at a
 * time; computing a report's sections from it is not. The computed
 * sections live as long as the report's pages.
 */
#include "plansite.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void base_unref(struct data_base *b)
{
	if (!b || --b->refs > 0)
		return;
	site_release(&b->site);
	source_release(&b->src);
	diag_release(&b->d);
	free(b);
}

static void data_release(struct data_site *ds)
{
	if (!ds->loaded)
		return;
	report_index_release(&ds->ix);
	base_unref(ds->base);
	free(ds->files);
	arena_release(&ds->arena);
	memset(ds, 0, sizeof(*ds));
}

static bool data_file_kind(const char *path, int *kind)
{
	static const char *const dirs[] = {"content/projects/", "content/meetings/"};
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(dirs[k]), len = strlen(path);
		if (strncmp(path, dirs[k], n) == 0 && len > n + 3 && !strchr(path + n, '/') &&
		    strcmp(path + len - 3, ".md") == 0) {
			*kind = k == 0 ? DOC_PROJECT : DOC_MEETING;
			return true;
		}
	}
	return false;
}

static void files_push(struct data_site *ds, size_t *cap, const struct data_file *f)
{
	GROW_FROM(ds->files, ds->nfiles, *cap, 1024);
	ds->files[ds->nfiles++] = *f;
}

/* The site the report index reads: the base's plan and people, with this
 * data site's projects and meetings. */
static void data_view(struct data_site *ds)
{
	size_t np = 0, nm = 0;
	for (size_t i = 0; i < ds->nfiles; i++)
		np += ds->files[i].kind == DOC_PROJECT;
	nm = ds->nfiles - np;
	const struct project **ps = arena_alloc(&ds->arena, (np + 1) * sizeof(*ps));
	const struct meeting **ms = arena_alloc(&ds->arena, (nm + 1) * sizeof(*ms));
	np = nm = 0;
	for (size_t i = 0; i < ds->nfiles; i++) {
		if (ds->files[i].kind == DOC_PROJECT)
			ps[np++] = ds->files[i].shown;
		else
			ms[nm++] = ds->files[i].shown;
	}
	ds->view = ds->base->site; /* shallow: the base outlives this site */
	ds->view.pool_projects = ps;
	ds->view.npool_projects = np;
	ds->view.pool_meetings = ms;
	ds->view.npool_meetings = nm;
}

/* The record of file f of the data at point as the audience may still
 * see it: withdrawals narrow the shared record into a copy, which lives as
 * long as the set (data sites made from this one take it over). */
static const void *shown_record(struct monthly_set *ms, size_t point, const struct data_file *f)
{
	if (!ms->withdrawals)
		return f->rec;
	return withdrawals_record(ms->withdrawals, point, (enum doc_kind)f->kind, f->rec,
				  &ms->arena);
}

/* Loads the data of commit whole: the files not in the pool are read and
 * parsed into it. */
static int data_load(struct data_site *ds, struct monthly_set *ms, const char *commit)
{
	const char *root = ms->site->src->root;
	struct doc_pool *pool = ms->pool;
	size_t point = ms->withdrawals ? lineage_point(ms->withdrawals->lineage, commit) : SIZE_MAX;
	memset(ds, 0, sizeof(*ds));
	ds->loaded = true;
	snprintf(ds->commit, sizeof(ds->commit), "%s", commit);
	struct data_base *b = ds->base = xcalloc(1, sizeof(*b));
	b->refs = 1;
	diag_init(&b->d, DIAG_TEXT);
	struct source_opts so = {commit, false};
	if (source_begin(&b->src, root, &so, &b->d) < 0)
		return -1;
	/* Successive months share most files: parse each blob once. */
	b->src.known = doc_pool_known;
	b->src.known_ctx = pool;
	if (source_read(&b->src, &b->d) < 0)
		return -1;
	b->site.no_bodies = true;
	b->site.pool = pool;
	site_load(&b->site, &b->src, &b->d);
	if (ms->withdrawals)
		withdrawals_apply(ms->withdrawals, commit, &b->site); /* its people */
	size_t cap = 0;
	for (size_t i = 0; i < b->src.n; i++) {
		const struct source_file *f = &b->src.files[i];
		int kind;
		if (!f->has_oid || !data_file_kind(f->path, &kind))
			continue;
		const void *rec = doc_pool_get(pool, f->path, f->oid, NULL, &b->d);
		if (!rec)
			continue;
		struct data_file df = {((const struct doc *)rec)->path, kind, rec, rec};
		df.shown = shown_record(ms, point, &df);
		files_push(ds, &cap, &df);
	}
	data_view(ds);
	return 0;
}

/* Where commit is in the chain of data commits; -1 when it is not. */
static ptrdiff_t chain_find(const struct monthly_set *ms, const char *commit)
{
	for (size_t i = 0; i < ms->nchain; i++)
		if (strcmp(ms->chain[i], commit) == 0)
			return (ptrdiff_t)i;
	return -1;
}

/* A change of one step of the chain, for sorting by path, then step. */
struct step_ref {
	const struct blob_change *c;
	size_t step;
};

static int cmp_step_ref(const void *x, const void *y)
{
	const struct step_ref *a = x, *b = y;
	int c = strcmp(a->c->path, b->c->path);
	return c ? c : (a->step > b->step) - (a->step < b->step);
}

/* The files that differ between chain[from] and chain[to], in path order,
 * from the steps between them: a file's first step says what it was, its
 * last what it became (the other way round when to is the older); a file
 * that came back as it was is no change. Allocated in a. */
static struct blob_change *chain_changes(const struct monthly_set *ms, size_t from, size_t to,
					 struct arena *a, size_t *nout)
{
	size_t lo = from < to ? from : to, hi = from < to ? to : from, n = 0;
	for (size_t s = lo; s < hi; s++)
		n += ms->steps[s].n;
	struct step_ref *refs = xcalloc(n + 1, sizeof(*refs));
	n = 0;
	for (size_t s = lo; s < hi; s++)
		for (size_t i = 0; i < ms->steps[s].n; i++)
			refs[n++] = (struct step_ref){&ms->steps[s].v[i], s};
	if (n)
		qsort(refs, n, sizeof(*refs), cmp_step_ref);
	struct blob_change *v = arena_alloc(a, (n + 1) * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(refs[j].c->path, refs[i].c->path) == 0; j++)
			;
		const struct blob_change *first = refs[i].c, *last = refs[j - 1].c;
		struct blob_change c = {first->path, {0}, {0}, first->has_old, last->has_new};
		memcpy(c.old_id, first->old_id, 20);
		memcpy(c.new_id, last->new_id, 20);
		if (from > to) {
			bool h = c.has_old;
			c.has_old = c.has_new;
			c.has_new = h;
			unsigned char t[20];
			memcpy(t, c.old_id, 20);
			memcpy(c.old_id, c.new_id, 20);
			memcpy(c.new_id, t, 20);
		}
		if (c.has_old == c.has_new && (!c.has_old || memcmp(c.old_id, c.new_id, 20) == 0))
			continue;
		v[k++] = c;
	}
	free(refs);
	*nout = k;
	return v;
}

static int cmp_file_path(const void *x, const void *y)
{
	return strcmp(((const struct data_file *)x)->path, ((const struct data_file *)y)->path);
}

/* The index of the file at path among ds's (in path order), or SIZE_MAX. */
static size_t file_at(const struct data_site *ds, const char *path)
{
	struct data_file key = {path, 0, NULL, NULL};
	const struct data_file *f =
		ds->nfiles ? bsearch(&key, ds->files, ds->nfiles, sizeof(key), cmp_file_path) : NULL;
	return f ? (size_t)(f - ds->files) : SIZE_MAX;
}

static int cmp_size(const void *x, const void *y)
{
	const size_t *a = x, *b = y;
	return (*a > *b) - (*a < *b);
}

/* Makes the data of commit from the data of another commit, from and the
 * files that differ between the two (from the chain's steps when both are
 * in it): 1 made, 0 not (the plan, the people or the practices changed:
 * load it whole), -1 after reporting. Fills mv with where from's meetings
 * went, for report_index_derive. */
static int data_derive(struct data_site *ds, const struct data_site *from, const char *commit,
		       struct monthly_set *ms, struct meeting_moves *mv, struct diag *d)
{
	memset(ds, 0, sizeof(*ds));
	ds->loaded = true;
	snprintf(ds->commit, sizeof(ds->commit), "%s", commit);
	struct doc_pool *pool = ms->pool;
	struct repo *repo = ms->repo;
	struct blob_change *ch;
	size_t nch;
	ptrdiff_t cf = chain_find(ms, from->commit), ct = chain_find(ms, commit);
	if (cf >= 0 && ct >= 0)
		ch = chain_changes(ms, (size_t)cf, (size_t)ct, &ds->arena, &nch);
	else if (repo_diff_blobs(repo, from->commit, commit, &ds->arena, &ch, &nch, d) < 0)
		return -1;
	for (size_t i = 0; i < nch; i++)
		if (strcmp(ch[i].path, "content/plan.yaml") == 0 ||
		    strcmp(ch[i].path, "content/people.yaml") == 0 ||
		    strcmp(ch[i].path, "content/practices.yaml") == 0)
			return 0;
	ds->base = from->base;
	ds->base->refs++;
	/* the files whose match in the tree being built may differ between the
	 * two commits (a rename or an add between them) are narrowed again */
	const struct withdrawals *w = ms->withdrawals;
	size_t point = w ? lineage_point(w->lineage, commit) : SIZE_MAX;
	size_t nmoved = 0, nagain = 0, next_again = 0;
	const struct lineage_event *moved =
		w ? lineage_between(w->lineage, lineage_point(w->lineage, from->commit), point,
				    &nmoved)
		  : NULL;
	size_t *again = xcalloc(nmoved + 1, sizeof(*again)); /* indexes in from->files */
	for (size_t k = 0; k < nmoved; k++) {
		size_t at = file_at(from, moved[k].path);
		if (at != SIZE_MAX)
			again[nagain++] = at;
	}
	if (nagain)
		qsort(again, nagain, sizeof(*again), cmp_size);
	/* both lists are in path order: merge them, noting where each old
	 * meeting went (its index among the meetings), or that it went */
	size_t cap = from->nfiles + nch + 1, i = 0, j = 0;
	size_t old_m = 0, new_m = 0; /* meetings seen in from, made in ds */
	ds->files = xcalloc(cap, sizeof(*ds->files));
	mv->to = xcalloc(from->nfiles + 1, sizeof(*mv->to));
	mv->added = xcalloc(nch + from->nfiles + 1, sizeof(*mv->added));
	while (i < from->nfiles || j < nch) {
		int c = i == from->nfiles ? 1 : j == nch ? -1 : strcmp(from->files[i].path, ch[j].path);
		if (c < 0) {
			while (next_again < nagain && again[next_again] < i)
				next_again++;
			bool recheck = next_again < nagain && again[next_again] == i;
			struct data_file f = from->files[i++];
			if (recheck) {
				const void *was = f.shown;
				f.shown = shown_record(ms, point, &f);
				if (f.shown != was && f.kind == DOC_MEETING) {
					/* narrowed otherwise: a changed meeting */
					mv->to[old_m++] = SIZE_MAX;
					mv->added[mv->nadded++] = new_m++;
					ds->files[ds->nfiles++] = f;
					continue;
				}
			}
			if (f.kind == DOC_MEETING)
				mv->to[old_m++] = new_m++;
			ds->files[ds->nfiles++] = f;
			continue;
		}
		const struct blob_change *b = &ch[j++];
		if (c == 0) {
			/* changed or deleted: the old one goes */
			if (from->files[i].kind == DOC_MEETING)
				mv->to[old_m++] = SIZE_MAX;
			i++;
		}
		int kind;
		if (!b->has_new || !data_file_kind(b->path, &kind))
			continue;
		if (kind == DOC_MEETING)
			mv->added[mv->nadded++] = new_m++;
		const void *rec = doc_pool_get(pool, b->path, b->new_id, repo, d);
		if (!rec) {
			free(again);
			return -1;
		}
		struct data_file df = {((const struct doc *)rec)->path, kind, rec, rec};
		df.shown = shown_record(ms, point, &df);
		if (ds->nfiles == cap)
			die("data_derive: more files than counted");
		ds->files[ds->nfiles++] = df;
	}
	free(again);
	data_view(ds);
	return 1;
}

static int cmp_report_month(const void *x, const void *y)
{
	const struct report *const *a = x, *const *b = y;
	return date_cmp((*a)->month, (*b)->month);
}

/* The date of the tree being built, for "data as of". */
static struct date built_date(const struct site *site)
{
	const struct source *src = site->src;
	if (src && src->mode == SOURCE_GIT)
		return date_from_unix(src->commit_time, src->commit_offset);
	return site->today;
}

/* --------------------------------------------------- the steps' cache */

/*
 * The changes of each step of the chain are the same on every build (two
 * commits never change), and finding them reads each month's trees, which
 * git stores as deltas on deltas: the cache's file months keeps them. After
 * a first line naming the format, plansite's version and the site's path
 * in the repository, a step is a line "<from> <to> <n>" and n lines
 * "<old blob|-> <new blob|-> <path>", in path order. Anything unexpected
 * makes the whole file ignored.
 */
static const char *const steps_magic = "plansite-months 1";

/* "<40 hex> " or "- " at *p into id; false when neither. */
static bool take_id(char **p, const char *end, bool *has, unsigned char id[20])
{
	if (end - *p >= 2 && (*p)[0] == '-' && (*p)[1] == ' ') {
		*has = false;
		memset(id, 0, 20);
		*p += 2;
		return true;
	}
	if (end - *p < 41 || (*p)[40] != ' ' || !id_from_hex(*p, id))
		return false;
	*has = true;
	*p += 41;
	return true;
}

static void put_id(struct buf *b, bool has, const unsigned char id[20])
{
	if (!has) {
		buf_puts(b, "- ");
		return;
	}
	char hex[41];
	id_to_hex(id, hex);
	buf_put(b, hex, 40);
	buf_putc(b, ' ');
}

/* The header line of the cache for the site at prefix, by this plansite. */
static void steps_head(struct buf *b, const struct cache *c, const char *prefix)
{
	buf_printf(b, "%s %s %s\n", steps_magic, c->plansite, prefix);
}

/* Fills steps[i] and have[i] for the steps of the chain the cache holds. */
static void steps_cache_read(struct monthly_set *ms, const char *prefix, bool *have)
{
	size_t nsteps = ms->nchain - 1;
	struct buf b = BUF_INIT, head = BUF_INIT, key = BUF_INIT;
	struct idmap at;
	idmap_init(&at, nsteps);
	struct arena *a = &ms->arena;
	for (size_t i = 0; i < nsteps; i++) {
		buf_truncate(&key, 0);
		buf_printf(&key, "%s %s", ms->chain[i], ms->chain[i + 1]);
		idmap_set(&at, arena_strdup(a, key.ptr), i);
	}
	if (!cache_read(ms->cache, "months", &b))
		goto out;
	steps_head(&head, ms->cache, prefix);
	if (b.len < head.len || memcmp(b.ptr, head.ptr, head.len) != 0)
		goto out;
	char *p = b.ptr + head.len, *end = b.ptr + b.len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char from[41], to[41];
		unsigned long n;
		if (!nl)
			goto bad;
		*nl = '\0';
		if (sscanf(p, "%40s %40s %lu", from, to, &n) != 3 || n > 10000000)
			goto bad;
		p = nl + 1;
		buf_truncate(&key, 0);
		buf_printf(&key, "%s %s", from, to);
		size_t i;
		bool want = idmap_get(&at, key.ptr, &i) && !have[i];
		struct blob_change *v = want ? arena_alloc(a, (n + 1) * sizeof(*v)) : NULL;
		for (size_t k = 0; k < n; k++) {
			nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
			if (!nl)
				goto bad;
			*nl = '\0';
			struct blob_change c;
			if (!take_id(&p, nl, &c.has_old, c.old_id) ||
			    !take_id(&p, nl, &c.has_new, c.new_id) || p == nl ||
			    (!c.has_old && !c.has_new))
				goto bad;
			c.path = p;
			if (want) {
				if (k > 0 && strcmp(v[k - 1].path, p) >= 0)
					goto bad;
				c.path = arena_strdup(a, p);
				v[k] = c;
			}
			p = nl + 1;
		}
		if (want) {
			ms->steps[i] = (struct blob_changes){v, n};
			have[i] = true;
		}
	}
	goto out;
bad:
	memset(have, 0, nsteps * sizeof(*have));
out:
	idmap_release(&at);
	buf_release(&b);
	buf_release(&head);
	buf_release(&key);
}

static bool path_storable(const char *p)
{
	return !strpbrk(p, "\n\r");
}

static void steps_cache_write(const struct monthly_set *ms, const char *prefix)
{
	struct buf b = BUF_INIT;
	steps_head(&b, ms->cache, prefix);
	for (size_t i = 0; i + 1 < ms->nchain; i++) {
		const struct blob_changes *st = &ms->steps[i];
		bool ok = true;
		for (size_t k = 0; k < st->n && ok; k++)
			ok = path_storable(st->v[k].path);
		if (!ok)
			continue; /* found again next time */
		buf_printf(&b, "%s %s %zu\n", ms->chain[i], ms->chain[i + 1], st->n);
		for (size_t k = 0; k < st->n; k++) {
			put_id(&b, st->v[k].has_old, st->v[k].old_id);
			put_id(&b, st->v[k].has_new, st->v[k].new_id);
			buf_puts(&b, st->v[k].path);
			buf_putc(&b, '\n');
		}
	}
	cache_write(ms->cache, "months", b.ptr, b.len); /* failing to keep it costs time only */
	buf_release(&b);
}

/* The chain's steps: from the cache, and those it lacks from git (on
 * every core), then kept. Returns 0, or -1 after reporting. */
static int chain_steps(struct monthly_set *ms, const char *root, const char *prefix,
		       struct diag *d)
{
	size_t nsteps = ms->nchain - 1, nmiss = 0;
	ms->steps = arena_alloc(&ms->arena, (nsteps + 1) * sizeof(*ms->steps));
	bool *have = xcalloc(nsteps + 1, sizeof(*have));
	bool cached = cache_usable(ms->cache);
	if (cached)
		steps_cache_read(ms, prefix, have);
	const char **from = xcalloc(nsteps + 1, sizeof(*from));
	const char **to = xcalloc(nsteps + 1, sizeof(*to));
	size_t *at = xcalloc(nsteps + 1, sizeof(*at));
	for (size_t i = 0; i < nsteps; i++)
		if (!have[i]) {
			from[nmiss] = ms->chain[i];
			to[nmiss] = ms->chain[i + 1];
			at[nmiss++] = i;
		}
	struct blob_changes *got = xcalloc(nmiss + 1, sizeof(*got));
	int rc = repo_diff_pairs(root, from, to, nmiss, got, &ms->step_arenas, &ms->nstep_arenas,
				 d);
	if (rc == 0) {
		for (size_t j = 0; j < nmiss; j++)
			ms->steps[at[j]] = got[j];
		if (cached && nmiss)
			steps_cache_write(ms, prefix);
	}
	free(got);
	free(at);
	free(to);
	free(from);
	free(have);
	return rc;
}

/*
 * Makes ready, on every core, what the months' data are made from: the
 * chain of data commits, the files that differ at each step of it, those
 * files parsed into the pool, and the oldest commit's data whole, in the
 * first slot. Making a month's data is then a merge. Returns 0, or -1 after
 * reporting.
 */
static int chain_prepare(struct monthly_set *ms, struct diag *d)
{
	const char *root = ms->site->src->root;
	ms->chain = arena_alloc(&ms->arena, (2 * ms->n + 1) * sizeof(*ms->chain));
	for (size_t i = 0; i < ms->n; i++) {
		const struct monthly *m = &ms->v[i];
		const char *cs[2] = {m->has_prev ? m->prev_commit : NULL, m->commit};
		for (int k = 0; k < 2; k++)
			if (cs[k] && (ms->nchain == 0 || strcmp(ms->chain[ms->nchain - 1], cs[k]) != 0))
				ms->chain[ms->nchain++] = cs[k];
	}
	if (ms->nchain < 2)
		return 0;
	if (repo_open(&ms->repo, root, d) != 0 ||
	    chain_steps(ms, root, repo_prefix(ms->repo), d) < 0)
		return -1;
	ms->pool = doc_pool_new();
	doc_pool_seed(ms->pool, ms->site);
	struct data_site *first = &ms->slots[0];
	if (data_load(first, ms, ms->chain[0]) < 0) {
		data_release(first);
		diag_error(d, (struct pos){NULL, 0, 0}, "E026", "cannot read the data of commit %.7s",
			   ms->chain[0]);
		return -1;
	}
	report_index_init(&first->ix, &first->view, ms->audience, false);
	first->tick = ++ms->tick;
	return doc_pool_fill(ms->pool, ms->repo, ms->steps, ms->nchain - 1, d);
}

static void *line_work(void *arg)
{
	struct monthly_set *ms = arg;
	struct repo *r = NULL;
	ms->line_rc = -1;
	if (repo_open(&r, ms->line_root, &ms->line_d) == 0 &&
	    repo_first_parent_line(r, ms->line_start, &ms->line, &ms->line_d) == 0)
		ms->line_rc = 0;
	repo_free(r);
	return NULL;
}

void monthly_begin(struct monthly_set *ms, const struct source *src)
{
	if (!src || src->mode != SOURCE_GIT)
		return;
	diag_init(&ms->line_d, DIAG_TEXT);
	ms->line_root = src->root;
	ms->line_start = src->commit;
	ms->line_started = pthread_create(&ms->line_thread, NULL, line_work, ms) == 0;
	if (!ms->line_started)
		diag_release(&ms->line_d);
}

void monthly_use_line(struct monthly_set *ms, const char *start, struct commit_line *line)
{
	commit_line_release(&ms->line);
	ms->line = *line;
	memset(line, 0, sizeof(*line));
	ms->line_start = start;
	ms->line_read = true;
}

/* Waits for monthly_begin's thread; its findings go to d. */
static int line_join(struct monthly_set *ms, struct diag *d)
{
	if (!ms->line_started)
		return 0;
	pthread_join(ms->line_thread, NULL);
	ms->line_started = false;
	for (size_t i = 0; d && i < ms->line_d.n; i++) {
		const struct finding *f = &ms->line_d.items[i];
		if (f->severity == DIAG_ERROR)
			diag_error(d, f->pos, f->code, "%s", f->message);
	}
	diag_release(&ms->line_d);
	ms->line_read = ms->line_rc == 0;
	return ms->line_rc;
}

int monthly_compute(struct monthly_set *ms, const struct site *site, enum visibility audience,
		    const char *only, struct diag *d)
{
	struct arena *a = &ms->arena;
	const struct source *src = site->src;
	struct repo *repo = NULL;
	int rc = -1;

	ms->site = site;
	ms->audience = audience;
	pthread_mutex_init(&ms->lock, NULL);
	pthread_cond_init(&ms->freed, NULL);
	ms->lock_made = true;
	size_t n = 0;
	const struct report **rs = xcalloc(site->nreports + 1, sizeof(*rs));
	for (size_t i = 0; i < site->nreports; i++) {
		const struct report *r = &site->reports[i];
		if (r->has_month && doc_shown(&r->doc, audience))
			rs[n++] = r;
	}
	qsort(rs, n, sizeof(*rs), cmp_report_month);
	ms->v = arena_alloc(a, (n + 1) * sizeof(*ms->v));
	ms->n = 0;

	/* The history the data comes from: the commit being built, or, for the
	 * files on disk of a repository (drafts), its HEAD. */
	const char *start = NULL;
	struct commit_info head;
	if (src && src->mode != SOURCE_FILES) {
		if (repo_open(&repo, src->root, d) < 0)
			goto out;
		if (src->mode == SOURCE_GIT) {
			start = src->commit;
		} else if (repo && repo_head_unborn(repo, d) == 0) {
			if (repo_resolve(repo, "HEAD", a, &head, d) < 0)
				goto out;
			start = head.id;
		}
	}

	/* Which commit each month's data comes from. Nothing is loaded here:
	 * monthly_sections loads old data when a page needs it. */
	const char *prev_commit = NULL;
	bool prev_found = false;
	struct commit_info *cis = xcalloc(n + 1, sizeof(*cis));
	bool *founds = xcalloc(n + 1, sizeof(*founds));
	if (start) {
		int64_t *cutoffs = xcalloc(n + 1, sizeof(*cutoffs));
		for (size_t i = 0; i < n; i++) {
			struct date end = rs[i]->month;
			end.d = date_days_in_month(end.y, end.m);
			cutoffs[i] = london_time(end, 23 * 60 + 59) + 59;
		}
		/* the line monthly_begin read, when it read this one */
		bool same = ms->line_start && strcmp(ms->line_start, start) == 0;
		int k = line_join(ms, d);
		if (k == 0 && (!ms->line_read || !same)) {
			commit_line_release(&ms->line);
			k = repo_first_parent_line(repo, start, &ms->line, d);
			ms->line_read = k == 0;
		}
		if (k == 0)
			k = repo_commits_before(repo, &ms->line, cutoffs, n, a, cis, founds, d);
		free(cutoffs);
		if (k < 0) {
			free(cis);
			free(founds);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct report *r = rs[i];
		struct monthly *m = &ms->v[ms->n];
		memset(m, 0, sizeof(*m));
		m->report = r;
		if (i > 0)
			m->prev_month = date_month_s(a, rs[i - 1]->month);
		bool found = false;
		if (start && founds[i]) {
			const struct commit_info *ci = &cis[i];
			found = true;
			m->data_commit = arena_strdup(a, ci->short_id);
			m->data_date = date_long_s(a, date_from_unix(ci->time, ci->offset));
			/* the tree being built serves as its own data */
			if (src->mode != SOURCE_GIT || strcmp(ci->id, src->commit) != 0)
				m->commit = arena_strdup(a, ci->id);
		}
		if (!found)
			m->as_of = date_long_s(a, built_date(site));
		m->prev_missing = i > 0 && !prev_found;
		m->has_prev = i > 0 && prev_found;
		m->prev_commit = prev_commit;
		prev_commit = m->commit;
		prev_found = found;
		if (!only || strcmp(only, r->doc.id) == 0)
			ms->n++;
	}
	free(cis);
	free(founds);
	rc = start ? chain_prepare(ms, d) : 0;
out:
	repo_free(repo);
	free(rs);
	return rc;
}

/* The index of the site being built, made when first needed. Called with
 * the lock held. */
static const struct report_index *site_index(struct monthly_set *ms)
{
	if (!ms->site_ix_made) {
		report_index_init(&ms->site_ix, ms->site, ms->audience, true);
		ms->site_ix_made = true;
	}
	return &ms->site_ix;
}

/*
 * The slot holding the data of commit, made when needed: from a slot held
 * (the most recently used) and the files that differ, or loaded whole, into
 * a slot no page is using (the least recently used). The caller uses it,
 * then calls data_done. -1 after reporting; -2 when every slot is in use.
 * Called with the lock held.
 */
static int data_take(struct monthly_set *ms, const char *commit, struct diag *d)
{
	for (int k = 0; k < MONTHLY_SLOTS; k++)
		if (ms->slots[k].loaded && strcmp(ms->slots[k].commit, commit) == 0) {
			ms->slots[k].users++;
			ms->slots[k].tick = ++ms->tick;
			return k;
		}
	if (!ms->pool)
		ms->pool = doc_pool_new();
	if (!ms->repo && repo_open(&ms->repo, ms->site->src->root, d) < 0)
		return -1;
	int k = -1;
	for (int i = 0; i < MONTHLY_SLOTS; i++) {
		const struct data_site *sl = &ms->slots[i];
		if (sl->users)
			continue;
		if (k < 0 || !sl->loaded || (ms->slots[k].loaded && sl->tick < ms->slots[k].tick))
			k = i;
		if (!sl->loaded)
			break;
	}
	if (k < 0)
		return -2;
	const struct data_site *from = NULL;
	for (int i = 0; i < MONTHLY_SLOTS; i++)
		if (ms->slots[i].loaded && (!from || ms->slots[i].tick > from->tick))
			from = &ms->slots[i];
	struct data_site made;
	struct meeting_moves mv = {NULL, NULL, 0};
	int got = 0;
	if (from) {
		got = data_derive(&made, from, commit, ms, &mv, d);
		if (got <= 0)
			data_release(&made);
	}
	if (got == 0 && data_load(&made, ms, commit) < 0) {
		data_release(&made);
		got = -1;
	}
	if (got < 0) {
		free(mv.to);
		free(mv.added);
		diag_error(d, (struct pos){NULL, 0, 0}, "E026", "cannot read the data of commit %.7s",
			   commit);
		return -1;
	}
	/* Indexed before the slot is replaced (from may be that slot): from
	 * from's index and the moves when derived, else whole. Evicted before
	 * the pages that show it end, so its table is not shared. */
	if (got == 1)
		report_index_derive(&made.ix, &made.view, &from->ix, &mv);
	else
		report_index_init(&made.ix, &made.view, ms->audience, false);
	free(mv.to);
	free(mv.added);
	data_release(&ms->slots[k]);
	ms->slots[k] = made;
	ms->slots[k].ix.s = &ms->slots[k].view; /* the view moved with the slot */
	ms->slots[k].users = 1;
	ms->slots[k].tick = ++ms->tick;
	return k;
}

/* Gives slot k back (none when k < 0). Called with the lock held. */
static void data_give(struct monthly_set *ms, int k)
{
	if (k >= 0 && --ms->slots[k].users == 0)
		pthread_cond_broadcast(&ms->freed);
}

struct value *monthly_sections(struct monthly_set *ms, const struct monthly *m, struct arena *a,
			       struct diag *d)
{
	/* The site's own index is made once, under the lock; the sections are
	 * computed outside it, from slots held for the time (a page on another
	 * core may make other months' data meanwhile). */
	const struct report_index *data = NULL, *prev = NULL;
	int dk = -1, pk = -1;
	bool failed = false;
	pthread_mutex_lock(&ms->lock);
	/* Both slots, or none held while waiting for one: a page never
	 * waits holding a slot another waits for. */
	for (;;) {
		dk = m->commit ? data_take(ms, m->commit, d) : -1;
		pk = dk >= -1 && m->has_prev && m->prev_commit ? data_take(ms, m->prev_commit, d) : -1;
		if (dk != -2 && pk != -2)
			break;
		data_give(ms, dk);
		data_give(ms, pk);
		pthread_cond_wait(&ms->freed, &ms->lock);
	}
	failed = (m->commit && dk < 0) || (m->has_prev && m->prev_commit && pk < 0);
	if (!failed) {
		data = m->commit ? &ms->slots[dk].ix : site_index(ms);
		if (m->has_prev)
			prev = m->prev_commit ? &ms->slots[pk].ix : site_index(ms);
	}
	pthread_mutex_unlock(&ms->lock);
	struct value *v = failed ? NULL : report_sections(a, data, prev, m->report->month);
	if (dk >= 0 || pk >= 0) {
		pthread_mutex_lock(&ms->lock);
		data_give(ms, dk);
		data_give(ms, pk);
		pthread_mutex_unlock(&ms->lock);
	}
	return v;
}

const struct monthly *monthly_of(const struct monthly_set *ms, const struct report *r)
{
	for (size_t i = 0; ms && i < ms->n; i++)
		if (ms->v[i].report == r)
			return &ms->v[i];
	return NULL;
}

void monthly_release(struct monthly_set *ms)
{
	for (int k = 0; k < MONTHLY_SLOTS; k++)
		data_release(&ms->slots[k]);
	if (ms->site_ix_made)
		report_index_release(&ms->site_ix);
	doc_pool_free(ms->pool);
	repo_free(ms->repo);
	line_join(ms, NULL);
	commit_line_release(&ms->line);
	for (size_t i = 0; i < ms->nstep_arenas; i++)
		arena_release(&ms->step_arenas[i]);
	free(ms->step_arenas);
	if (ms->lock_made) {
		pthread_mutex_destroy(&ms->lock);
		pthread_cond_destroy(&ms->freed);
	}
	arena_release(&ms->arena);
	memset(ms, 0, sizeof(*ms));
}
