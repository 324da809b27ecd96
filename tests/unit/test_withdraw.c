/* test_withdraw.c: the withdrawal rule (withdraw.c) on sites made here, its
 * items included (an action by meeting and id, a decision by meeting and
 * text, a person by id), the copies of shared records, the fingerprint; and
 * what an audience reads of a document (audience.c). Renames are followed
 * through the history walk: tests/run-withdrawal.sh. */
#include "unit.h"

#include <stdlib.h>

/* A site of documents loaded from texts: paths[i] holds texts[i]. */
struct made {
	struct source src;
	struct site site;
	struct diag d;
};

/* paths in path order, as a source keeps them. */
static void make(struct made *m, const char *const *paths, const char *const *texts, size_t n)
{
	memset(m, 0, sizeof(*m));
	diag_init(&m->d, DIAG_TEXT);
	m->src.files = calloc(n + 1, sizeof(*m->src.files));
	m->src.n = n;
	for (size_t i = 0; i < n; i++) {
		m->src.files[i].path = (char *)paths[i];
		m->src.files[i].data = strdup(texts[i]);
		m->src.files[i].len = strlen(texts[i]);
	}
	site_load(&m->site, &m->src, &m->d);
}

static void unmake(struct made *m)
{
	site_release(&m->site);
	for (size_t i = 0; i < m->src.n; i++)
		free(m->src.files[i].data);
	free(m->src.files);
	diag_release(&m->d);
}

static const char board_path[] = "content/meetings/2007-02-14-board.md";
static const char board[] = "---\n"
			    "title: Board\n"
			    "date: 2007-02-14\n"
			    "start: \"10:00\"\n"
			    "end: \"11:00\"\n"
			    "venue: South Surgery\n"
			    "visibility: public\n"
			    "attendees: [alee]\n"
			    "decisions:\n"
			    "  - Adopt plan A.\n"
			    "  - Adopt plan B.\n"
			    "  - Adopt plan C.\n"
			    "actions:\n"
			    "  - { id: 1, text: One, owner: alee, due: 2007-02-20 }\n"
			    "  - { id: 2, text: Two, owner: alee, due: 2007-02-20 }\n"
			    "  - { id: 3, text: Three, owner: alee, due: 2007-02-20 }\n"
			    "---\n"
			    "Minutes.\n";

static const char *project(const char *title, const char *vis)
{
	static char b[4][512];
	static int k;
	char *s = b[k++ % 4];
	snprintf(s, 512,
		 "---\ntitle: %s\narea: outpatients\nstatus: green\nsummary: S.\n"
		 "clinical_leads: [alee]\nproject_manager: pm\nfunding: [les]\n"
		 "milestones:\n  1: { reached: 2007-02-10 }\nvisibility: %s\n---\nBody.\n",
		 title, vis);
	return s;
}

static struct meeting *meeting_of(struct made *m)
{
	assert_int_equal(m->site.nmeetings, 1);
	return &m->site.meetings[0];
}

/* Today's tree: action 2 and decision B hidden, project x hidden, person
 * bkhan confidential; the old tree has them all public, and also a
 * project deleted since. */
static void test_apply(void **state)
{
	/* (in path order, as a source is) */
	const char *people = "- { id: alee, name: A Lee, practice: north }\n"
			     "- { id: bkhan, name: B Khan, practice: north }\n";
	const char *tp[] = {board_path, "content/people.yaml", "content/projects/x.md"};
	const char *tt[] = {board, people, project("X", "confidential")};
	const char *op[] = {board_path, "content/people.yaml", "content/projects/gone.md",
			    "content/projects/x.md"};
	const char *ot[] = {board, people, project("Gone", "public"), project("X", "public")};
	struct made today, old;
	make(&today, tp, tt, 3);
	make(&old, op, ot, 4);
	struct meeting *tm = meeting_of(&today);
	assert_int_equal(tm->nactions, 3);
	assert_int_equal(tm->ndecisions, 3);
	tm->actions[1].vis = VIS_CONFIDENTIAL;
	tm->decisions[1].vis = VIS_PRACTICES;
	assert_int_equal(today.site.npeople, 2);
	today.site.people[1].vis = VIS_CONFIDENTIAL;

	struct withdrawals w;
	withdrawals_init(&w, &today.site, VIS_PUBLIC, NULL, NULL);
	uint64_t fp = withdrawals_fingerprint(&w, NULL);

	/* a pooled record: narrowed into a copy, the shared one untouched */
	struct arena a = ARENA_INIT;
	struct meeting *om = meeting_of(&old);
	const struct meeting *rec = withdrawals_record(&w, SIZE_MAX, DOC_MEETING, om, &a);
	assert_ptr_not_equal(rec, om);
	assert_int_equal(rec->actions[1].vis, VIS_CONFIDENTIAL);
	assert_int_equal(rec->actions[0].vis, VIS_PUBLIC);
	assert_int_equal(rec->decisions[1].vis, VIS_PRACTICES);
	assert_int_equal(om->actions[1].vis, VIS_PUBLIC);
	assert_int_equal(om->decisions[1].vis, VIS_PUBLIC);
	const struct doc *x = site_doc_by_path(&old.site, "content/projects/x.md");
	const struct doc *xr = withdrawals_record(&w, SIZE_MAX, DOC_PROJECT, x, &a);
	assert_int_equal(xr->vis, VIS_CONFIDENTIAL);
	assert_int_equal(x->vis, VIS_PUBLIC);
	const struct doc *gone = site_doc_by_path(&old.site, "content/projects/gone.md");
	assert_ptr_equal(withdrawals_record(&w, SIZE_MAX, DOC_PROJECT, gone, &a), gone);

	/* a whole site, in place */
	withdrawals_apply(&w, NULL, &old.site);
	assert_int_equal(om->actions[0].vis, VIS_PUBLIC);
	assert_int_equal(om->actions[1].vis, VIS_CONFIDENTIAL);
	assert_int_equal(om->actions[2].vis, VIS_PUBLIC);
	assert_int_equal(om->decisions[0].vis, VIS_PUBLIC);
	assert_int_equal(om->decisions[1].vis, VIS_PRACTICES);
	assert_int_equal(om->decisions[2].vis, VIS_PUBLIC);
	assert_int_equal(x->vis, VIS_CONFIDENTIAL);
	assert_int_equal(gone->vis, VIS_PUBLIC); /* deleting is not withdrawing */
	assert_int_equal(old.site.people[0].vis, VIS_PUBLIC);
	assert_int_equal(old.site.people[1].vis, VIS_CONFIDENTIAL);
	withdrawals_release(&w);

	/* the practices see decision B still; the fingerprint is theirs */
	withdrawals_init(&w, &today.site, VIS_PRACTICES, NULL, NULL);
	assert_true(withdrawals_fingerprint(&w, NULL) != fp);
	withdrawals_release(&w);

	/* what is hidden, not from whom: B confidential instead of practices
	 * changes nothing for the public, and showing action 2 does */
	tm->decisions[1].vis = VIS_CONFIDENTIAL;
	withdrawals_init(&w, &today.site, VIS_PUBLIC, NULL, NULL);
	assert_true(withdrawals_fingerprint(&w, NULL) == fp);
	withdrawals_release(&w);
	tm->actions[1].vis = VIS_PUBLIC;
	withdrawals_init(&w, &today.site, VIS_PUBLIC, NULL, NULL);
	assert_true(withdrawals_fingerprint(&w, NULL) != fp);
	withdrawals_release(&w);

	arena_release(&a);
	unmake(&old);
	unmake(&today);
}

/* Never wider: what was hidden then stays hidden when it is shown today. */
static void test_never_wider(void **state)
{
	const char *p[] = {board_path};
	const char *t[] = {board};
	struct made today, old;
	make(&today, p, t, 1);
	make(&old, p, t, 1);
	struct meeting *om = meeting_of(&old);
	om->actions[0].vis = VIS_CONFIDENTIAL;
	om->doc.vis = VIS_PRACTICES;
	struct withdrawals w;
	withdrawals_init(&w, &today.site, VIS_PRACTICES, NULL, NULL);
	struct arena a = ARENA_INIT;
	assert_ptr_equal(withdrawals_record(&w, SIZE_MAX, DOC_MEETING, om, &a), om);
	withdrawals_apply(&w, NULL, &old.site);
	assert_int_equal(om->actions[0].vis, VIS_CONFIDENTIAL);
	assert_int_equal(om->doc.vis, VIS_PRACTICES);
	withdrawals_release(&w);
	arena_release(&a);
	unmake(&old);
	unmake(&today);
}

/* Two decisions of the same text today, one hidden: the old one is hidden
 * (matched by text, the match fails closed). */
static void test_same_text(void **state)
{
	const char *p[] = {board_path};
	const char *t[] = {board};
	struct made today, old;
	make(&today, p, t, 1);
	make(&old, p, t, 1);
	struct meeting *tm = meeting_of(&today);
	tm->decisions[2].text = tm->decisions[0].text;
	tm->decisions[2].vis = VIS_CONFIDENTIAL;
	struct withdrawals w;
	withdrawals_init(&w, &today.site, VIS_PRACTICES, NULL, NULL);
	withdrawals_apply(&w, NULL, &old.site);
	struct meeting *om = meeting_of(&old);
	assert_int_equal(om->decisions[0].vis, VIS_CONFIDENTIAL);
	assert_int_equal(om->decisions[1].vis, VIS_PUBLIC);
	withdrawals_release(&w);
	unmake(&old);
	unmake(&today);
}

/* The hash of what audience reads of the one document of text at path;
 * false when it reads nothing. Fences scanned. */
static bool read_hash(const char *path, const char *text, enum visibility audience, uint64_t *h,
		      void (*adjust)(struct doc *))
{
	const char *p[] = {path};
	const char *t[] = {text};
	struct made m;
	make(&m, p, t, 1);
	assert_int_equal(m.site.ndocs, 1);
	struct doc *doc = m.site.docs[0];
	if (adjust)
		adjust(doc);
	bool r = audience_hash(doc, audience, h);
	unmake(&m);
	return r;
}

static const char page_path[] = "content/pages/news.md";

static void test_audience_hash(void **state)
{
	uint64_t a, b;
	const char *plain = "---\ntitle: News\n---\nFirst.\n\nSecond.\n";
	const char *fenced = "---\ntitle: News\n---\nFirst.\n\n<!-- visibility: practices -->\n"
			     "Hidden one.\n<!-- /visibility -->\n\nSecond.\n";
	const char *edited = "---\ntitle: News\n---\nFirst.\n\n<!-- visibility: practices -->\n"
			     "Hidden two,\nlonger.\n<!-- /visibility -->\n\nSecond.\n";
	const char *at_end = "---\ntitle: News\n---\nFirst.\n\nSecond.\n\n"
			     "<!-- visibility: practices -->\nHidden.\n<!-- /visibility -->\n";
	const char *crlf = "---\r\ntitle: News\r\n---\r\nFirst.\r\n\r\nSecond.\r\n";
	const char *said = "---\ntitle: News\nvisibility: public\n---\nFirst.\n\nSecond.\n";
	const char *other = "---\ntitle: News\n---\nFirst.\n\nThird.\n";
	assert_true(read_hash(page_path, plain, VIS_PUBLIC, &a, NULL));
	/* a hidden part, wherever it is and however long, reads as nothing */
	assert_true(read_hash(page_path, fenced, VIS_PUBLIC, &b, NULL));
	assert_true(a == b);
	assert_true(read_hash(page_path, edited, VIS_PUBLIC, &b, NULL));
	assert_true(a == b);
	assert_true(read_hash(page_path, at_end, VIS_PUBLIC, &b, NULL));
	assert_true(a == b);
	/* line endings and the visibility field are not the text */
	assert_true(read_hash(page_path, crlf, VIS_PUBLIC, &b, NULL));
	assert_true(a == b);
	assert_true(read_hash(page_path, said, VIS_PUBLIC, &b, NULL));
	assert_true(a == b);
	/* the text is */
	assert_true(read_hash(page_path, other, VIS_PUBLIC, &b, NULL));
	assert_true(a != b);
	assert_true(read_hash("content/pages/other.md", plain, VIS_PUBLIC, &b, NULL));
	assert_true(a != b);
	/* the practices read the fenced part */
	uint64_t c, e;
	assert_true(read_hash(page_path, fenced, VIS_PRACTICES, &c, NULL));
	assert_true(read_hash(page_path, edited, VIS_PRACTICES, &e, NULL));
	assert_true(c != e);
	/* a hidden document, or a broken one, reads as nothing */
	assert_false(read_hash(page_path, "---\ntitle: News\nvisibility: confidential\n---\nX.\n",
			       VIS_PRACTICES, &b, NULL));
	assert_false(read_hash(page_path, "---\ntitle: [News\n---\nX.\n", VIS_PUBLIC, &b, NULL));
}

static void hide_action_two(struct doc *d)
{
	((struct meeting *)d)->actions[1].vis = VIS_CONFIDENTIAL;
}

static void hide_and_edit(struct doc *d)
{
	struct meeting *m = (struct meeting *)d;
	m->actions[1].vis = VIS_CONFIDENTIAL;
	m->actions[1].text = "Two, reworded";
}

/* A hidden item reads as nothing; a shown one is read. */
static void test_items_hash(void **state)
{
	uint64_t all, hidden, edited;
	assert_true(read_hash(board_path, board, VIS_PUBLIC, &all, NULL));
	assert_true(read_hash(board_path, board, VIS_PUBLIC, &hidden, hide_action_two));
	assert_true(all != hidden);
	assert_true(read_hash(board_path, board, VIS_PUBLIC, &edited, hide_and_edit));
	assert_true(hidden == edited);
}

/* A person gone from today's people file keeps the visibility of the last
 * version that had them: hidden there, hidden in every old tree; shown
 * there (deleting is not withdrawing), as the old tree has them. */
static void test_person_gone(void **state)
{
	const char *today_people = "- { id: alee, name: A Lee, practice: north }\n";
	const char *then = "- { id: alee, name: A Lee, practice: north }\n"
			   "- { id: bkhan, name: B Khan, practice: north }\n"
			   "- { id: cdoe, name: C Doe, practice: north }\n";
	const char *tp[] = {"content/people.yaml"};
	const char *tt[] = {today_people};
	const char *tt2[] = {then};
	struct made today, last, old;
	make(&today, tp, tt, 1);
	make(&last, tp, tt2, 1);
	make(&old, tp, tt2, 1);
	assert_int_equal(last.site.npeople, 3);
	last.site.people[1].vis = VIS_CONFIDENTIAL; /* bkhan, when he went */
	const struct person *pv[] = {last.site.people};
	size_t npv[] = {last.site.npeople};
	struct withdrawal_sources src = {.people = pv, .npeople = npv, .nversions = 1};
	struct withdrawals w;
	withdrawals_init(&w, &today.site, VIS_PUBLIC, NULL, &src);
	uint64_t fp = withdrawals_fingerprint(&w, NULL);
	withdrawals_apply(&w, NULL, &old.site);
	assert_int_equal(old.site.people[0].vis, VIS_PUBLIC);
	assert_int_equal(old.site.people[1].vis, VIS_CONFIDENTIAL);
	assert_int_equal(old.site.people[2].vis, VIS_PUBLIC);
	withdrawals_release(&w);
	/* without the old version, nothing is known of him: as the tree was */
	withdrawals_init(&w, &today.site, VIS_PUBLIC, NULL, NULL);
	assert_true(withdrawals_fingerprint(&w, NULL) != fp);
	withdrawals_release(&w);
	unmake(&today);
	unmake(&last);
	unmake(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_person_gone),
		cmocka_unit_test(test_never_wider),
		cmocka_unit_test(test_same_text),
		cmocka_unit_test(test_audience_hash),
		cmocka_unit_test(test_items_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
