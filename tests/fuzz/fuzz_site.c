/*
 * fuzz_site.c: a whole one-document check and build. The input is one file
 * of a small valid site (tests/sites/valid-minimal, copied below): a slot
 * byte, then the file's bytes. The slot (its low four bits, modulo the
 * slots) says which file it is: the site's page, project, meeting (named
 * by its own date: line), report (by its month: line), plan section,
 * people.yaml, plan.yaml, site.yaml, practices.yaml, or a page added. Bit
 * 6 of the slot byte makes the build write the reports' PDFs, bit 7 builds
 * the practices edition instead of the public one.
 *
 * `check` runs in memory: site_load, site_validate and theme_load on a
 * source made here, as cmd_check does. `build` has no in-memory writer, so
 * it writes into a folder in /dev/shm (FUZZ_TMPDIR, else TMPDIR, else /tmp
 * when there is none) as cmd_build does after its checks: the load that
 * prepares bodies, the leak guard, render_site_opts, writer_commit. Oracles:
 *   - check and build's load report the same findings;
 *   - a build of a site without errors succeeds, or fails with an error
 *     (E030, E042) reported; every finding has a message and a position.
 */
#include "fuzz.h"

#include <ftw.h>
#include <unistd.h>

struct file {
	const char *path;
	const char *text;
};

static const struct file minimal[] = {
	{"content/meetings/2007-01-17-executive.md",
	 "---\n"
	 "title: Executive committee\n"
	 "date: 2007-01-17\n"
	 "start: \"13:00\"\n"
	 "end: \"14:15\"\n"
	 "venue: North Surgery\n"
	 "attendees: [alee, bkhan]\n"
	 "decisions:\n"
	 "  - Agree the alpha business case.\n"
	 "actions:\n"
	 "  - { id: 1, text: Write the plan, owner: alee, due: 2007-06-30, project: alpha }\n"
	 "next_meeting: { date: 2007-02-21, start: \"13:00\", end: \"14:15\", venue: North Surgery }\n"
	 "---\n"
	 "## 1. Alpha\n"
	 "\n"
	 "The committee agreed the [alpha](../projects/alpha.md) business case.\n"
	},
	{"content/pages/about.md",
	 "---\n"
	 "title: About us\n"
	 "summary: Who we are.\n"
	 "---\n"
	 "We are a test group.\n"
	},
	{"content/people.yaml",
	 "- { id: alee, name: Dr A Lee, role: Clinical lead, practice: north }\n"
	 "- { id: bkhan, name: Dr B Khan, practice: south }\n"
	 "- { id: pm, name: Project manager, organisation: Test PCT }\n"
	},
	{"content/plan.yaml",
	 "title: Test plan\n"
	 "period: { start: 2007-04-01, end: 2008-03-31 }\n"
	 "levels:\n"
	 "  1: { name: Lead a redesign, projects: true }\n"
	 "  2: { name: Advise, projects: false }\n"
	 "areas:\n"
	 "  - { id: outpatients, name: Outpatients, level: 1 }\n"
	 "  - { id: tertiary, name: Tertiary care, level: 2 }\n"
	 "roles:\n"
	 "  clinical_leads: { min: 1, max: 2 }\n"
	 "  project_manager: { min: 1, max: 1 }\n"
	 "milestones:\n"
	 "  - number: 1\n"
	 "    name: Business case\n"
	 "    checks:\n"
	 "      - { id: objectives, text: Objectives defined }\n"
	 "      - { id: costs, text: Costs evaluated }\n"
	 "  - number: 2\n"
	 "    name: Plan agreed\n"
	 "    checks:\n"
	 "      - { id: resources, text: Resources identified }\n"
	 "      - { id: schedule, text: Schedule agreed }\n"
	 "  - number: 3\n"
	 "    name: Go live\n"
	 "    checks:\n"
	 "      - { id: ready, text: Service ready }\n"
	 "  - number: 4\n"
	 "    name: Did it work?\n"
	 "    window: { after: 3, min_months: 6, max_months: 12 }\n"
	 "    checks:\n"
	 "      - { id: can-close, text: Project can close }\n"
	 "funding:\n"
	 "  - { id: les, name: Local Enhanced Service, milestones: [1, 3] }\n"
	 "  - { id: invest, name: Invest to save, milestones: [4, 4], needs_approval: true }\n"
	 "objectives:\n"
	 "  - { id: process, text: Process in place, due: 2007-06-30 }\n"
	},
	{"content/plan/01-intro.md",
	 "---\n"
	 "title: Introduction\n"
	 "section: 1\n"
	 "---\n"
	 "## Our aims\n"
	 "\n"
	 "We want care close to home. See the [alpha project](../projects/alpha.md).\n"
	},
	{"content/practices.yaml",
	 "- { id: north, name: North Surgery, town: Northtown }\n"
	 "- { id: south, name: South Surgery }\n"
	},
	{"content/projects/alpha.md",
	 "---\n"
	 "title: Alpha\n"
	 "area: outpatients\n"
	 "status: green\n"
	 "summary: A test project.\n"
	 "clinical_leads: [alee]\n"
	 "project_manager: pm\n"
	 "funding: [les]\n"
	 "milestones:\n"
	 "  1: { reached: 2007-01-10, checks: [objectives, costs] }\n"
	 "  2: { target: 2007-09-30, checks: [resources] }\n"
	 "---\n"
	 "## Aims\n"
	 "\n"
	 "Part of the [plan](../plan/01-intro.md#our-aims).\n"
	},
	{"content/reports/2007-04.md",
	 "---\n"
	 "title: Programme status report\n"
	 "month: \"2007-04\"\n"
	 "---\n"
	 "## Summary\n"
	 "\n"
	 "Alpha reached milestone 1.\n"
	},
	{"site.yaml",
	 "title: Testgroup\n"
	 "organisation: Testgroup Ltd\n"
	 "base_url: https://test.example/\n"
	},
};
#define NMIN (sizeof(minimal) / sizeof(*minimal))

static char tmpdir[256], out[300];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void cleanup(void)
{
	pdf_shutdown(); /* as main does: fontconfig's state freed before the leak check at exit */
	if (tmpdir[0])
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("PLANSITE_JOBS", "1", 1);
	md_test_malloc = true;
	const char *base = getenv("FUZZ_TMPDIR");
	if (!base && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	if (!base)
		base = getenv("TMPDIR");
	if (!base)
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/plansite-fuzz-site-XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		perror("fuzz_site: mkdtemp");
		abort();
	}
	snprintf(out, sizeof(out), "%s/public", tmpdir);
	atexit(cleanup);
	/* fontconfig and pango keep what they load at first use (a
	 * configuration, caches) for the life of the process, where
	 * LeakSanitizer cannot always see it: a first input that builds a PDF
	 * was reported as leaking 256 bytes of fontconfig's. Building each
	 * edition with its PDFs once here makes that first use no input's. */
	static const char warm[] = "\x40---\ntitle: About us\nsummary: Who we are.\n---\nWe are a test group.\n";
	for (int k = 0; k < 2; k++) {
		uint8_t in[sizeof(warm)];
		memcpy(in, warm, sizeof(warm) - 1);
		in[0] = k ? 0xc0 : 0x40;
		LLVMFuzzerTestOneInput(in, sizeof(warm) - 1);
	}
	return 0;
}

/* The value of the first "key: " line of s, when it is n characters of
 * digits and '-' (quotes around it allowed), copied into v. */
static bool field_of(const char *s, size_t len, const char *key, size_t n, char *v)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k <= len; i++) {
		if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, key, k) == 0) {
			size_t j = i + k;
			if (j < len && s[j] == '"')
				j++;
			if (j + n > len)
				return false;
			for (size_t q = 0; q < n; q++)
				if (!((s[j + q] >= '0' && s[j + q] <= '9') || s[j + q] == '-'))
					return false;
			memcpy(v, s + j, n);
			v[n] = '\0';
			return true;
		}
	}
	return false;
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct source_file *)a)->path, ((const struct source_file *)b)->path);
}

/* A source of the minimal site with the input's file at path (replacing
 * the file there, or added). */
static void make_source(struct source *src, const char *path, const char *s, size_t n)
{
	memset(src, 0, sizeof(*src));
	src->root = tmpdir;
	src->mode = SOURCE_FILES;
	src->files = calloc(NMIN + 2, sizeof(*src->files));
	size_t k = 0;
	for (size_t i = 0; i < NMIN; i++) {
		if (strcmp(minimal[i].path, path) == 0)
			continue;
		src->files[k].path = (char *)minimal[i].path;
		src->files[k].len = strlen(minimal[i].text);
		src->files[k].data = fuzz_copy(minimal[i].text, src->files[k].len);
		k++;
	}
	src->files[k].path = (char *)path;
	src->files[k].data = fuzz_copy(s, n);
	src->files[k].len = n;
	k++;
	src->n = k;
	qsort(src->files, src->n, sizeof(*src->files), cmp_files);
}

static void free_source(struct source *src)
{
	for (size_t i = 0; i < src->n; i++)
		free(src->files[i].data);
	free(src->files);
}

/* d's findings as sorted lines, for comparing two runs. */
static char *findings_text(const struct diag *d)
{
	char **lines = calloc(d->n + 1, sizeof(*lines));
	for (size_t i = 0; i < d->n; i++) {
		struct buf b = BUF_INIT;
		const struct finding *f = &d->items[i];
		buf_printf(&b, "%s:%u:%u: %s [%s]\n", f->pos.file ? f->pos.file : "",
			   (unsigned)f->pos.line, (unsigned)f->pos.col, f->message, f->code);
		lines[i] = buf_detach(&b, NULL);
	}
	for (size_t i = 1; i < d->n; i++)
		for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
			char *t = lines[j];
			lines[j] = lines[j - 1];
			lines[j - 1] = t;
		}
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		buf_puts(&all, lines[i]);
		free(lines[i]);
	}
	free(lines);
	return buf_detach(&all, NULL);
}

static const struct date today = {2007, 5, 31};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	unsigned flags = data[0];
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	char path[64], v[16];
	switch ((flags & 0x0f) % 10) {
	case 0: strcpy(path, "content/pages/about.md"); break;
	case 1: strcpy(path, "content/projects/alpha.md"); break;
	case 2:
		if (!field_of(s, n, "date: ", 10, v))
			strcpy(v, "2007-01-17");
		snprintf(path, sizeof(path), "content/meetings/%s-executive.md", v);
		break;
	case 3:
		if (!field_of(s, n, "month: ", 7, v))
			strcpy(v, "2007-04");
		snprintf(path, sizeof(path), "content/reports/%s.md", v);
		break;
	case 4: strcpy(path, "content/plan/01-intro.md"); break;
	case 5: strcpy(path, "content/people.yaml"); break;
	case 6: strcpy(path, "content/plan.yaml"); break;
	case 7: strcpy(path, "site.yaml"); break;
	case 8: strcpy(path, "content/practices.yaml"); break;
	default: strcpy(path, "content/pages/fuzz.md"); break;
	}
	enum visibility aud = flags & 0x80 ? VIS_PRACTICES : VIS_PUBLIC;
	bool pdf = flags & 0x40;

	/* check, as cmd_check */
	struct source src;
	make_source(&src, path, s, n);
	struct diag dc;
	diag_init(&dc, DIAG_TEXT);
	struct site site;
	memset(&site, 0, sizeof(site));
	site.today = today;
	site_load(&site, &src, &dc);
	site_validate(&site, &dc);
	struct theme theme;
	memset(&theme, 0, sizeof(theme));
	size_t load_n = dc.n;
	theme_load(&theme, &site, &dc);
	fuzz_check_findings(&dc, path);
	theme_release(&theme);
	site_release(&site);
	free_source(&src);

	/* build, as cmd_build after its output checks */
	make_source(&src, path, s, n);
	struct diag db;
	diag_init(&db, DIAG_TEXT);
	memset(&site, 0, sizeof(site));
	site.today = today;
	site.prepare = true;
	site.prepare_audience = aud;
	site.keep_text = true;
	site_load(&site, &src, &db);
	site_validate(&site, &db);
	if (db.n != load_n) {
		fuzz_fail("check found %zu problems, the build's load %zu", load_n, db.n);
	} else {
		char *a, *b;
		size_t keep = dc.n;
		dc.n = load_n; /* the load's findings alone */
		a = findings_text(&dc);
		b = findings_text(&db);
		dc.n = keep;
		if (strcmp(a, b) != 0)
			fuzz_fail("check and build's load differ:\n-- check:\n%s-- build:\n%s", a, b);
		free(a);
		free(b);
	}
	memset(&theme, 0, sizeof(theme));
	if (db.errors == 0 && dc.errors == 0) {
		struct guard *g = guard_new(aud);
		guard_add_site(g, &site);
		if (theme_load(&theme, &site, &db) < 0)
			fuzz_fail("theme_load failed in the build, not in the check");
		struct writer *w = writer_open(out, &db);
		if (!w)
			fuzz_fail("writer_open failed");
		writer_set_guard(w, g);
		struct render_opts ro;
		memset(&ro, 0, sizeof(ro));
		ro.audience = aud;
		ro.pdf = pdf;
		if (render_site_opts(&site, &theme, &ro, w, &db) < 0) {
			if (db.errors == 0)
				fuzz_fail("render_site_opts failed with no error");
			if (diag_has(&db, "E026"))
				fuzz_fail("render_site_opts: an I/O error");
		} else if (writer_commit(w) < 0) {
			if (!diag_has(&db, "E030"))
				fuzz_fail("writer_commit failed, not on the leak guard");
		}
		fuzz_check_findings(&db, path);
		writer_free(w);
		guard_free(g);
	}
	theme_release(&theme);
	site_release(&site);
	free_source(&src);
	diag_release(&dc);
	diag_release(&db);
	return 0;
}
