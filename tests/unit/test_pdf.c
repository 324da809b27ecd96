/*
 * test_pdf.c: pdf.c, the typesetter. The same document gives the same bytes,
 * also when rendered in several threads at once; page counts of known
 * documents; hostile documents (a million-character word, 10,000 table rows,
 * deep nesting, runaway markup) finish; bad markup prints as written; bad
 * input is an E026 error that leaves the output as it was. It also writes
 * sample PDFs to tests/out/pdf/ (report.pdf, stress.pdf, keep.pdf,
 * markup.pdf), which tests/run-pdf.sh checks with poppler-utils and renders
 * to PNG. With PDF_SAMPLES_ONLY=1 in the environment only the samples are
 * written (run-pdf.sh does that).
 */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define OUT_DIR "tests/out/pdf"
#define DATE "2007-04-30T00:00:00Z"

/* ------------------------------------------------------------ helpers */

/* A document under construction; its strings live in the arena. */
struct docb {
	struct arena a;
	struct pdf_block *v;
	size_t n, cap;
};

static struct pdf_block *add(struct docb *d, enum pdf_kind kind, int level, const char *text)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	struct pdf_block *b = &d->v[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->level = level;
	b->text = text ? arena_strdup(&d->a, text) : NULL;
	return b;
}

static void h(struct docb *d, int level, const char *text)
{
	add(d, PDF_HEADING, level, text);
}

static void p(struct docb *d, const char *text)
{
	add(d, PDF_PARAGRAPH, 0, text);
}

static void bullet(struct docb *d, int level, const char *text)
{
	add(d, PDF_ITEM, level, text);
}

static void numbered(struct docb *d, int level, int number, const char *text)
{
	struct pdf_block *b = add(d, PDF_ITEM, level, text);
	b->ordered = true;
	b->number = number;
}

/* Adds a table of ncols columns from cells (header row first, NULL-ended). */
static struct pdf_block *table(struct docb *d, size_t ncols, const char *const *cells,
			       const double *widths, const char *align)
{
	size_t n = 0;
	while (cells[n])
		n++;
	assert_int_equal(n % ncols, 0);
	struct pdf_block *b = add(d, PDF_TABLE, 0, NULL);
	const char **c = arena_alloc(&d->a, n * sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c[i] = arena_strdup(&d->a, cells[i]);
	b->table.ncols = ncols;
	b->table.nrows = n / ncols;
	b->table.cells = c;
	if (widths) {
		double *w = arena_alloc(&d->a, ncols * sizeof(*w));
		memcpy(w, widths, ncols * sizeof(*w));
		b->table.widths = w;
	}
	b->table.align = align;
	return b;
}

static struct pdf_doc doc_of(const struct docb *d)
{
	struct pdf_doc doc = {
		.title = "DacCom programme status report, April 2007",
		.author = "DacCom Ltd",
		.subject = "Practice based commissioning in Dacorum: where every project stands",
		.header = "DacCom Ltd \u00b7 Programme status report, April 2007",
		.date = DATE,
		.blocks = d->v,
		.nblocks = d->n,
	};
	return doc;
}

static void docb_release(struct docb *d)
{
	free(d->v);
	arena_release(&d->a);
	memset(d, 0, sizeof(*d));
}

/* Renders doc; the test fails unless that works. */
static void render_ok(const struct pdf_doc *doc, struct buf *out)
{
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	int rc = pdf_render(doc, out, &d);
	if (rc != 0)
		diag_flush(&d, stderr);
	assert_int_equal(rc, 0);
	assert_int_equal(d.errors, 0);
	diag_release(&d);
	assert_true(out->len > 100);
	assert_memory_equal(out->ptr, "%PDF-1.", 7);
}

static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* The page count of a PDF written by cairo: /Count of the /Pages object. */
static int page_count(const struct buf *pdf)
{
	const char *pages = find(pdf->ptr, pdf->len, "/Type /Pages");
	assert_non_null(pages);
	const char *count = find(pages, pdf->len - (size_t)(pages - pdf->ptr), "/Count ");
	assert_non_null(count);
	return atoi(count + 7);
}

static void write_sample(const char *name, const struct buf *pdf)
{
	assert_true(mkdir("tests/out", 0777) == 0 || errno == EEXIST);
	assert_true(mkdir(OUT_DIR, 0777) == 0 || errno == EEXIST);
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", OUT_DIR, name);
	FILE *f = fopen(path.ptr, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf->ptr, 1, pdf->len, f), pdf->len);
	assert_int_equal(fclose(f), 0);
	buf_release(&path);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------- the sample report */

static const char *const projects[][6] = {
	{"Community nursing", "Community nursing", "Dr S. Patel; J. Moss", "1 Business case",
	 "2 Approval (31 May 2007)", "Amber"},
	{"Chronic obstructive pulmonary disease (COPD)", "Outpatients", "Dr A. Hughes; K. Lane",
	 "1 Business case", "2 Approval (30 June 2007)", "Amber"},
	{"Counselling", "Mental health and counselling", "Dr R. Shah; J. Moss",
	 "2 Approval", "3 Service starts (1 July 2007)", "Green"},
	{"Diabetes", "Outpatients", "Dr M. O'Neill; K. Lane", "2 Approval",
	 "3 Service starts (1 June 2007)", "Green"},
	{"Heart failure", "Outpatients", "Dr P. Grant; K. Lane", "1 Business case",
	 "2 Approval (31 May 2007)", "Green"},
	{"Local enhanced services", "Diagnostics", "Dr S. Patel; T. Webb", "3 Service starts",
	 "4 Review (31 October 2007)", "Green"},
	{"New Dacorum hospital", "Inpatients", "Dr G. Bulger; T. Webb", "\u2014",
	 "1 Business case (30 September 2007)", "Amber"},
	{"Physiotherapy", "Outpatients", "Dr L. Adams; J. Moss", "2 Approval",
	 "3 Service starts (1 August 2007)", "Green"},
	{"Prescribing", "Prescribing", "Dr H. Khan; T. Webb", "3 Service starts",
	 "4 Review (30 September 2007)", "Green"},
	{"Referral management", "Outpatients", "Dr G. Bulger; K. Lane", "2 Approval",
	 "3 Service starts (1 June 2007)", "Green"},
	{"Urgent care", "Urgent care", "Dr R. Shah; T. Webb", "\u2014",
	 "1 Business case (31 July 2007)", "Red"},
};
#define NPROJECTS (sizeof(projects) / sizeof(projects[0]))

static const char *const milestone_names[] = {"Business case", "Approval", "Service starts",
					      "Review"};

/* The April 2007 report: the narrative of content/reports/2007-04.md, then
 * the computed sections, and an appendix whose table runs over pages. */
static void sample_report(struct docb *d)
{
	h(d, 1, "Programme status report: April 2007");
	p(d, "<i>DacCom Ltd, practice based commissioning for the GP practices of Dacorum. "
	     "Data as of 30 April 2007, 23:59.</i>");
	h(d, 2, "Summary");
	p(d, "April 2007 was the first month of our <a "
	     "href=\"https://www.daccom.example/plan/vision/\">commissioning plan for "
	     "2007/8</a>, and this is the first monthly status report. It is presented to "
	     "practices at the Dacorum Locality Meeting and published on our website for "
	     "everyone.");
	p(d, "The main news this month:");
	bullet(d, 1, "practices will receive an achievement payment for the work of 2006/7;");
	bullet(d, 1, "the PCT will fund DacCom at level 3 of its framework until the end of June;");
	bullet(d, 1, "the sign-up documents for the 2007/8 Local Enhanced Service are being "
		     "prepared;");
	bullet(d, 1, "three projects passed a milestone:");
	bullet(d, 2, "<a href=\"https://www.daccom.example/projects/counselling/\">counselling</a> "
		     "(milestone 2);");
	bullet(d, 2, "<a href=\"https://www.daccom.example/projects/community-nursing/\">community "
		     "nursing</a> and <a "
		     "href=\"https://www.daccom.example/projects/heart-failure/\">heart "
		     "failure</a> (both milestone 1).");

	h(d, 2, "Achievement payment for 2006/7");
	p(d, "In 2006/7 practice based commissioning was paid for through a Directed Enhanced "
	     "Service (DES): a national scheme under which the PCT pays practices for extra "
	     "work. The PCT has now agreed the achievement payment due under it.");
	p(d, "The payment is worth up to <b>£0.95</b> for each registered patient, in two parts:");
	static const char *const pay[] = {
		"Part", "Amount per patient", "What it is for",
		"First part", "£0.64", "The targets in our 2006/7 business plan that were met",
		"Second part", "£0.31", "Work towards the 2007/8 plan",
		"<b>Total</b>", "<b>£0.95</b>", "",
		NULL};
	static const double pay_w[] = {0.18, 0.24, 0.58};
	table(d, 3, pay, pay_w, "lrl");
	p(d, "The second part recognises that some 2006/7 targets were missed because the "
	     "support we expected from the PCT was not available.");
	h(d, 3, "How the payment is made");
	p(d, "A quarter (25%) of the payment will be held back to pay DacCom's outstanding "
	     "invoices. The rest will be paid to practices &amp; shown on their statements as "
	     "&quot;PBC achievement 2006/7&quot;.");

	h(d, 2, "Funding for April to June 2007");
	p(d, "The PCT assesses commissioning groups against a governance framework with several "
	     "levels. It has agreed to fund DacCom at level 3 for an interim period of three "
	     "months, to the end of June 2007. By then we must show that we have met the targets "
	     "for that level. Reaching level 3 is one of our <a "
	     "href=\"https://www.daccom.example/plan/objectives/#level-3\">corporate "
	     "objectives</a>.");
	p(d, "To qualify for funding at any level, a group must meet two targets in each area of "
	     "the framework and have plans in place for the others.");

	h(d, 2, "Signing up to the Local Enhanced Service");
	p(d, "From April, commissioning work is paid for through the 2007/8 Local Enhanced "
	     "Service (LES) for practice based commissioning. The sign-up pack is being prepared "
	     "and will contain:");
	numbered(d, 1, 1, "the LES specification, which sets out what practices agree to do;");
	numbered(d, 1, 2, "the governance framework;");
	numbered(d, 1, 3, "an agreement between each practice and DacCom;");
	numbered(d, 1, 4, "the DacCom business plan.");
	p(d, "Each practice is free to decide whether to take part. DacCom recommends that every "
	     "practice signs up.");

	h(d, 2, "How a project starts");
	numbered(d, 1, 1, "A clinical lead and a management lead are named for the idea.");
	numbered(d, 1, 2, "The project enters the milestone process, starting with milestone 1, "
			  "the business case, which covers:");
	bullet(d, 2, "the need, with <i>activity and cost</i> figures from the PCT;");
	bullet(d, 2, "the proposed service and who would provide it;");
	bullet(d, 3, "for services in practices, which practices and on what terms.");
	numbered(d, 1, 3, "The business case is approved by the PCT's Governance Committee "
			  "before the new service goes ahead.");
	p(d, "GPs with an idea for a new project are welcome to get in touch with the programme "
	     "manager.");

	h(d, 2, "Projects this month");
	p(d, "The table of projects in this report is produced from the project pages. Four "
	     "projects are not green:");
	bullet(d, 1, "<b>Urgent care</b> is red while the county-wide urgent care review "
		     "continues.");
	bullet(d, 1, "<b>COPD</b> is amber until it is clear how the respiratory nurses it needs "
		     "will be found.");
	bullet(d, 1, "<b>Community nursing</b> is amber because the PCT is reorganising "
		     "community nursing services.");
	bullet(d, 1, "<b>New Dacorum hospital</b> is amber while the options for a diagnostic and "
		     "treatment centre are worked out.");

	h(d, 2, "Project table");
	{
		const char *cells[(NPROJECTS + 1) * 6 + 1];
		size_t n = 0;
		static const char *const head[] = {"Project", "Area", "Leads",
						   "Milestone reached", "Next milestone (target)",
						   "Status"};
		for (size_t c = 0; c < 6; c++)
			cells[n++] = head[c];
		for (size_t r = 0; r < NPROJECTS; r++)
			for (size_t c = 0; c < 6; c++)
				cells[n++] = projects[r][c];
		cells[n] = NULL;
		static const double w[] = {0.22, 0.16, 0.17, 0.14, 0.21, 0.10};
		table(d, 6, cells, w, NULL);
	}

	h(d, 2, "Milestones reached in April 2007");
	static const char *const reached[] = {
		"Project", "Milestone", "Reached",
		"Counselling", "2 Approval", "12 April 2007",
		"Community nursing", "1 Business case", "19 April 2007",
		"Heart failure", "1 Business case", "26 April 2007",
		NULL};
	static const double reached_w[] = {0.4, 0.35, 0.25};
	table(d, 3, reached, reached_w, NULL);

	h(d, 2, "Milestones due in May 2007");
	static const char *const due[] = {
		"Project", "Milestone", "Target",
		"Community nursing", "2 Approval", "31 May 2007",
		"Heart failure", "2 Approval", "31 May 2007",
		NULL};
	table(d, 3, due, reached_w, NULL);

	h(d, 2, "Status changes since the previous report");
	p(d, "This is the first report: there is no previous report to compare with.");

	h(d, 2, "Open actions overdue at 30 April 2007");
	static const char *const actions[] = {
		"Action", "Owner", "Due", "Meeting",
		"14. Circulate the draft COPD business case to practices", "K. Lane", "20 April 2007",
		"Executive, 14 March 2007",
		"17. Ask the PCT for referral data by practice for 2006/7", "T. Webb", "27 April 2007",
		"Executive, 14 March 2007",
		NULL};
	static const double actions_w[] = {0.5, 0.14, 0.16, 0.2};
	table(d, 4, actions, actions_w, NULL);

	h(d, 2, "Decisions of April's meetings");
	bullet(d, 1, "The Executive approved the counselling business case (milestone 2).");
	bullet(d, 1, "Practices will be asked to sign up to the LES by 31 May 2007.");

	h(d, 2, "Corporate objectives due or overdue");
	static const char *const obj[] = {
		"Objective", "Due", "State",
		"Reach level 3 of the commissioning framework", "30 June 2007", "Due",
		NULL};
	static const double obj_w[] = {0.6, 0.2, 0.2};
	table(d, 3, obj, obj_w, NULL);

	add(d, PDF_PAGEBREAK, 0, NULL);
	h(d, 1, "Appendix: milestone register");
	p(d, "Every milestone of every project, as recorded on the project pages at the end of "
	     "the month. Dates in <i>italics</i> are targets.");
	{
		size_t rows = NPROJECTS * 4;
		const char **cells = arena_alloc(&d->a, ((rows + 1) * 4 + 1) * sizeof(char *));
		size_t n = 0;
		cells[n++] = "Project";
		cells[n++] = "Milestone";
		cells[n++] = "Date";
		cells[n++] = "Checks";
		for (size_t r = 0; r < NPROJECTS; r++)
			for (int m = 0; m < 4; m++) {
				bool done = m < 2 && strcmp(projects[r][5], "Red") != 0;
				cells[n++] = projects[r][0];
				cells[n++] = arena_printf(&d->a, "%d %s", m + 1, milestone_names[m]);
				cells[n++] = arena_printf(&d->a, done ? "%d %s 2007" : "<i>%d %s 2007</i>",
							  1 + (int)(r * 7 + (size_t)m * 3) % 28,
							  date_month_name(3 + m * 2));
				cells[n++] = done ? "Business case agreed by the Executive; "
						    "finance checked by the PCT"
						  : "\u2014";
			}
		cells[n] = NULL;
		static const double w[] = {0.28, 0.2, 0.2, 0.32};
		table(d, 4, cells, w, NULL);
	}
	add(d, PDF_RULE, 0, NULL);
	p(d, "<i>Produced by plansite from the DacCom website's repository.</i>");
}

/* A document that exercises breaking: a paragraph longer than a page, deep
 * lists, a table with rows that break, headings near the foot of a page. */
static void sample_stress(struct docb *d)
{
	struct buf long_text = BUF_INIT;
	for (int i = 0; i < 90; i++)
		buf_printf(&long_text, "Sentence %d of a paragraph longer than a page, which must "
				       "break between lines and carry on at the top of the next. ",
			   i + 1);
	h(d, 1, "Breaking across pages");
	p(d, long_text.ptr);
	h(d, 2, "Deep lists");
	for (int l = 1; l <= 10; l++)
		bullet(d, l, "An item nested one level deeper than the last; past level 8 the "
			     "indent stops growing.");
	for (int i = 1; i <= 12; i++)
		numbered(d, 1, i, "A numbered item, with a number of one or two digits.");
	h(d, 2, "A table whose rows break");
	struct buf cell = BUF_INIT;
	for (int i = 0; i < 160; i++)
		buf_printf(&cell, "Line %d of a long cell. ", i + 1);
	const char *cells[] = {"Heading A", "Heading B", "Heading C",
			       "short", cell.ptr, "short too",
			       "after", "the long", "row",
			       NULL};
	table(d, 3, cells, NULL, "lcr");
	for (int i = 0; i < 14; i++)
		p(d, "A filler paragraph to bring the next heading near the foot of a page, "
		     "where it must not be left alone.");
	h(d, 2, "A heading kept with its paragraph");
	p(d, "This paragraph follows its heading onto the same page.");
	buf_release(&cell);
	buf_release(&long_text);
}

/* Many headings of varied heights and spacing, with paragraphs of 1 to 4
 * lines and some tables: some of them fall near the foot of a page, where
 * run-pdf.sh checks that no page ends with a heading or a lone header row. */
static void sample_keep(struct docb *d)
{
	static const char *const sentence =
		"Text that follows the heading, long enough to fill about one line of the page. ";
	unsigned seed = 7;
	for (int k = 1; k <= 150; k++) {
		char title[64];
		snprintf(title, sizeof(title), "Keep heading %d", k);
		seed = seed * 1103515245u + 12345u;
		h(d, 1 + (int)(seed >> 16) % 3, title);
		struct buf text = BUF_INIT;
		for (unsigned i = 0; i < 1 + (seed >> 20) % 6; i++)
			buf_puts(&text, sentence);
		p(d, text.ptr);
		buf_release(&text);
		if (k % 9 == 0) {
			static const char *const cells[] = {
				"Col A", "Col B", "Col C", "a1", "b1", "c1", "a2", "b2", "c2",
				"a3",    "b3",    "c3",    "a4", "b4", "c4", NULL};
			table(d, 3, cells, NULL, NULL);
		}
	}
}

/* Inline markup that is not ours, or is broken: all of it prints. */
static const char *const bad_markup[] = {
	"<script>alert(1)</script> prints as written",
	"an <b>unclosed bold runs to the end",
	"a stray </i> closing tag and a bare < and & and &bogus; entity",
	"<span foreground=\"red\">pango markup is not ours</span>",
	"<a href=\"javascript:alert(1)\">a javascript link prints its text</a>",
	"<a href='https://example.org/?a=1&amp;b=2'>a safe link</a> and <a>no href</a>",
	"nested <b><i><code>b i code</code></i></b> and &lt;b&gt; as text",
	"bad UTF-8 \xff\xfe and a control \x01 character",
	"<b attr=\"x\">a tag with an attribute</b>",
	"<a href=\"https://example.org/a'b\\c d\">a link with a quote, a backslash and a space</a>",
	"<a href=\"https://example.org/it's\">a link with a quote</a>",
	NULL,
};

/* ------------------------------------------------------------- tests */

static void test_determinism(void **state)
{
	(void)state;
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	sample_report(&d);
	struct pdf_doc doc = doc_of(&d);
	struct buf a = BUF_INIT, b = BUF_INIT;
	render_ok(&doc, &a);
	render_ok(&doc, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	/* the date is the document's, not the wall clock's */
	assert_non_null(find(a.ptr, a.len, "/CreationDate (20070430000000Z)"));
	assert_non_null(find(a.ptr, a.len, "/ModDate (20070430000000Z)"));
	/* another date gives other bytes */
	doc.date = "2007-05-31T23:59:00+01:00";
	struct buf c = BUF_INIT;
	render_ok(&doc, &c);
	assert_true(c.len != a.len || memcmp(c.ptr, a.ptr, a.len) != 0);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
	docb_release(&d);
}

struct job {
	const struct pdf_doc *doc;
	struct buf out;
	int rc;
};

static void *render_job(void *arg)
{
	struct job *j = arg;
	struct diag d;
	diag_init(&d, DIAG_TEXT);
	j->rc = pdf_render(j->doc, &j->out, &d);
	diag_release(&d);
	return NULL;
}

/* Renders in several threads at once (as a build does): each gives the
 * bytes of a render alone. */
static void test_threads(void **state)
{
	(void)state;
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	sample_report(&d);
	struct pdf_doc doc = doc_of(&d);
	struct buf alone = BUF_INIT;
	render_ok(&doc, &alone);
	enum { N = 4 };
	struct job jobs[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){&doc, BUF_INIT, -1};
		assert_int_equal(pthread_create(&th[i], NULL, render_job, &jobs[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].rc, 0);
		assert_int_equal(jobs[i].out.len, alone.len);
		assert_memory_equal(jobs[i].out.ptr, alone.ptr, alone.len);
		buf_release(&jobs[i].out);
	}
	buf_release(&alone);
	docb_release(&d);
}

static void test_page_count(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;

	/* no blocks: one page, with its header and footer */
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	struct pdf_doc doc = doc_of(&d);
	render_ok(&doc, &out);
	assert_int_equal(page_count(&out), 1);
	buf_release(&out);

	/* 30 sections separated by page breaks; leading, doubled and final
	 * breaks make no blank page */
	add(&d, PDF_PAGEBREAK, 0, NULL);
	for (int i = 0; i < 30; i++) {
		h(&d, 1, "Section");
		p(&d, "Text.");
		add(&d, PDF_PAGEBREAK, 0, NULL);
		add(&d, PDF_PAGEBREAK, 0, NULL);
	}
	doc = doc_of(&d);
	render_ok(&doc, &out);
	assert_int_equal(page_count(&out), 30);
	buf_release(&out);
	docb_release(&d);

	/* 600 one-line paragraphs. A line of DejaVu Serif at 10.5 pt is
	 * 12.2 pt high (ascent and descent: 1.164 em) and paragraphs are 8 pt
	 * apart, so 34 fit in the 698 pt of a page's body: 18 pages. This
	 * number changes with the page geometry or the type, on purpose. */
	for (int i = 0; i < 600; i++)
		p(&d, "One line.");
	doc = doc_of(&d);
	render_ok(&doc, &out);
	assert_int_equal(page_count(&out), 18);
	buf_release(&out);
	docb_release(&d);

	/* the sample report: narrative and computed sections on 4 pages, and
	 * the appendix, whose table runs over 3 */
	sample_report(&d);
	doc = doc_of(&d);
	render_ok(&doc, &out);
	assert_int_equal(page_count(&out), 7);
	buf_release(&out);
	docb_release(&d);
}

/* Renders a hostile document: it must finish, and within limits. */
static void hostile(struct docb *d, const char *what, double max_seconds)
{
	struct pdf_doc doc = doc_of(d);
	struct buf out = BUF_INIT;
	double t0 = seconds();
	render_ok(&doc, &out);
	double dt = seconds() - t0;
	print_message("  %-40s %5d pages %8zu bytes %6.2f s\n", what, page_count(&out), out.len,
		      dt);
	assert_true(dt < max_seconds);
	buf_release(&out);
	docb_release(d);
}

static void test_hostile(void **state)
{
	(void)state;
	struct docb d = {ARENA_INIT, NULL, 0, 0};

	/* a word of a million characters, as a paragraph, a heading and a cell */
	size_t n = 1000 * 1000;
	char *word = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		word[i] = (char)('a' + i % 26);
	word[n] = '\0';
	p(&d, word);
	hostile(&d, "million-character word", 120);
	word[100 * 1000] = '\0';
	h(&d, 1, word);
	const char *cells[] = {word, "b", "c", word, NULL};
	table(&d, 2, cells, NULL, NULL);
	hostile(&d, "long heading, header cell and cell", 120);
	free(word);

	/* 10,000 table rows, and another table with silly widths */
	size_t rows = 10000;
	const char **many = xmalloc((rows * 3 + 1) * sizeof(*many));
	for (size_t i = 0; i < rows * 3; i++)
		many[i] = i % 3 == 0 ? "Row" : i % 3 == 1 ? "£0.95" : "a cell that wraps onto two lines "
								     "in a narrow column";
	many[rows * 3] = NULL;
	static const double silly[] = {NAN, -1, INFINITY};
	table(&d, 3, many, silly, "rrrrrrrrrrrr");
	free(many);
	hostile(&d, "10,000 table rows", 120);

	/* deep and silly nesting levels, headings in a row, runaway markup */
	int levels[] = {INT_MIN, -1, 0, 1, 9, 100, 1000000, INT_MAX};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		bullet(&d, levels[i], "item");
		numbered(&d, levels[i], levels[i], "numbered item");
		add(&d, PDF_PARAGRAPH, levels[i], "paragraph");
		h(&d, levels[i], "heading");
	}
	for (int i = 0; i < 3000; i++)
		h(&d, 1 + i % 3, "A heading followed by a heading");
	for (int i = 0; i < 2000; i++)
		bullet(&d, 1 + i, "nesting deeper and deeper");
	struct buf m = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_puts(&m, "<b><i><code><a href=\"https://x.example/\">");
	buf_puts(&m, "deep");
	for (int i = 0; i < 5000; i++)
		buf_puts(&m, "<a href=\"https://example.org/\">link</a> &amp;&#x1F600;&#0;&#xD800; ");
	p(&d, m.ptr);
	buf_release(&m);
	add(&d, PDF_PARAGRAPH, 0, NULL);
	add(&d, PDF_ITEM, 1, NULL);
	h(&d, 2, NULL);
	const char *null_cells[] = {NULL, NULL};
	struct pdf_block *t = add(&d, PDF_TABLE, 0, NULL);
	t->table.ncols = 2;
	t->table.nrows = 1;
	t->table.cells = null_cells;
	add(&d, PDF_TABLE, 0, NULL)->table.ncols = 3; /* no rows: nothing */
	for (int i = 0; i < 20000; i++)
		add(&d, i % 2 ? PDF_RULE : PDF_PAGEBREAK, 0, NULL);
	hostile(&d, "nesting, heading runs, markup, NULLs", 120);
}

static void test_errors(void **state)
{
	(void)state;
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	p(&d, "text");
	struct pdf_block *t = add(&d, PDF_TABLE, 0, NULL);
	const char *cells[] = {"a"};
	t->table.cells = cells;
	t->table.nrows = 1;
	t->table.ncols = 1;
	struct pdf_doc doc = doc_of(&d);

	struct {
		const char *date;
		size_t ncols;
		const char **cells;
		const char *message;
	} cases[] = {
		{NULL, 1, cells, "date '' is not"},
		{"2007-04-30", 1, cells, "date '2007-04-30' is not"},
		{"2007-02-30T00:00:00Z", 1, cells, "is not of the form"},
		{"2007-04-30T24:00:00Z", 1, cells, "is not of the form"},
		{"2007-04-30T00:00:00+0100", 1, cells, "is not of the form"},
		{DATE, 0, cells, "table in block 2 has 0 columns"},
		{DATE, 25, cells, "table in block 2 has 25 columns (1 to 24 allowed)"},
		{DATE, 1, NULL, "table in block 2 has no cells"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		doc.date = cases[i].date;
		t->table.ncols = cases[i].ncols;
		t->table.cells = cases[i].cells;
		struct diag dg;
		diag_init(&dg, DIAG_TEXT);
		struct buf out = BUF_INIT;
		buf_puts(&out, "kept");
		assert_int_equal(pdf_render(&doc, &out, &dg), -1);
		assert_int_equal(dg.errors, 1);
		assert_string_equal(dg.items[0].code, "E026");
		if (!strstr(dg.items[0].message, cases[i].message))
			fail_msg("case %zu: message '%s'", i, dg.items[0].message);
		assert_string_equal(out.ptr, "kept");
		buf_release(&out);
		diag_release(&dg);
	}
	docb_release(&d);

	/* more pages than the limit */
	for (int i = 0; i < 5001; i++) {
		p(&d, "page");
		add(&d, PDF_PAGEBREAK, 0, NULL);
	}
	doc = doc_of(&d);
	struct diag dg;
	diag_init(&dg, DIAG_TEXT);
	struct buf out = BUF_INIT;
	assert_int_equal(pdf_render(&doc, &out, &dg), -1);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(dg.items[0].message, "more than 5000 pages"));
	diag_release(&dg);
	docb_release(&d);
}

static void test_inline(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"plain £0.95 · ü", "plain £0.95 · ü"},
		{"<b>bold</b>, <i>italic</i>, <strong>s</strong> <em>e</em> <code>c</code>",
		 "bold, italic, s e c"},
		{"<B>upper</B> <I >space</I >", "upper space"},
		{"<a href=\"https://example.org/\">link</a>", "link"},
		{"<a href='javascript:alert(1)'>js</a>", "js"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"},
		{"<span foreground=\"red\">x</span>", "<span foreground=\"red\">x</span>"},
		{"<b attr=\"x\">y</b>", "<b attr=\"x\">y</b>"},
		{"</b>stray</i>", "</b>stray</i>"},
		{"<b>unclosed", "unclosed"},
		{"<a>no href</a>", "<a>no href</a>"},
		{"<a href=\"x\">one <a href=\"y\">two</a></a>", "one <a href=\"y\">two</a>"},
		{"a < b & c > d", "a < b & c > d"},
		{"&amp;&lt;&gt;&quot;&#39;&apos;&AMP;", "&<>\"''&"},
		{"&bogus; &amp &#; &#x; &#xZZ; &#0; &#xD800; &#x110000;",
		 "&bogus; &amp &#; &#x; &#xZZ; &#0; &#xD800; &#x110000;"},
		{"&#163;&#xA3;&nbsp;&#1;&#x7f;", "££\u00a0\ufffd\ufffd"},
		{"tab\tnew\nline\r", "tab new line "},
		{"line<br>break<br/>and<br />more", "line\nbreak\nand\nmore"},
		{"bad \xff \xc3( \xed\xa0\x80 \xf0\x9f\x98", "bad \ufffd \ufffd( \ufffd\ufffd\ufffd "
							     "\ufffd\ufffd\ufffd"},
		{"control \x01\x7f \xc2\x85", "control \ufffd\ufffd \ufffd"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		pdf_inline_text(&b, cases[i][0]);
		if (strcmp(b.ptr, cases[i][1]) != 0)
			fail_msg("case %zu: '%s' gave '%s', wanted '%s'", i, cases[i][0], b.ptr,
				 cases[i][1]);
		buf_release(&b);
	}
	struct buf b = BUF_INIT;
	pdf_inline_text(&b, NULL);
	assert_int_equal(b.len, 0);
	buf_release(&b);

	/* and bad markup typesets without trouble */
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	for (size_t i = 0; bad_markup[i]; i++)
		p(&d, bad_markup[i]);
	struct pdf_doc doc = doc_of(&d);
	doc.header = "<b>header</i> <script>";
	doc.title = "title \xff with bad UTF-8";
	struct buf out = BUF_INIT;
	render_ok(&doc, &out);
	buf_release(&out);
	docb_release(&d);
}

/* Writes the samples that tests/run-pdf.sh checks and renders. */
static void test_samples(void **state)
{
	(void)state;
	struct docb d = {ARENA_INIT, NULL, 0, 0};
	struct buf out = BUF_INIT;
	sample_report(&d);
	struct pdf_doc doc = doc_of(&d);
	render_ok(&doc, &out);
	write_sample("report.pdf", &out);
	buf_release(&out);
	docb_release(&d);

	sample_stress(&d);
	doc = doc_of(&d);
	doc.title = "Breaking across pages";
	render_ok(&doc, &out);
	write_sample("stress.pdf", &out);
	buf_release(&out);
	docb_release(&d);

	sample_keep(&d);
	doc = doc_of(&d);
	doc.title = "Keeping headings with what follows";
	render_ok(&doc, &out);
	write_sample("keep.pdf", &out);
	buf_release(&out);
	docb_release(&d);

	h(&d, 1, "Bad markup");
	for (size_t i = 0; bad_markup[i]; i++)
		bullet(&d, 1, bad_markup[i]);
	doc = doc_of(&d);
	doc.title = "Bad markup";
	render_ok(&doc, &out);
	write_sample("markup.pdf", &out);
	buf_release(&out);
	docb_release(&d);
}

int main(void)
{
	const struct CMUnitTest samples[] = {cmocka_unit_test(test_samples)};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline),     cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_page_count), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile),    cmocka_unit_test(test_samples),
	};
	int rc = getenv("PDF_SAMPLES_ONLY") ? cmocka_run_group_tests(samples, NULL, NULL)
					     : cmocka_run_group_tests(tests, NULL, NULL);
	pdf_shutdown(); /* fontconfig's caches would look like leaks */
	return rc;
}
