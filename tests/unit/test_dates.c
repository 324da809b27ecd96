/* test_dates.c: dates, months, times and calendar arithmetic (dates.c). */
#include "unit.h"

#include <stdlib.h>

static bool parse_date(const char *s, struct date *d)
{
	return date_parse(s, strlen(s), d);
}

static struct date D(int y, int m, int d)
{
	struct date r = {y, m, d};
	return r;
}

#define assert_date(got, yy, mm, dd)                                                            \
	do {                                                                                    \
		struct date g_ = (got);                                                         \
		assert_int_equal(g_.y, yy);                                                     \
		assert_int_equal(g_.m, mm);                                                     \
		assert_int_equal(g_.d, dd);                                                     \
	} while (0)

static void test_date_parse(void **state)
{
	struct date d;
	assert_true(parse_date("2007-01-17", &d));
	assert_date(d, 2007, 1, 17);
	assert_true(parse_date("2008-02-29", &d)); /* leap year */
	assert_date(d, 2008, 2, 29);
	assert_true(parse_date("2000-02-29", &d)); /* divisible by 400 */
	assert_true(parse_date("2007-12-31", &d));
	assert_true(parse_date("0001-01-01", &d));

	static const char *const bad[] = {
		"2007-02-30", /* no such day */
		"2007-02-29", /* not a leap year */
		"1900-02-29", /* divisible by 100, not by 400 */
		"2007-04-31", "2007-13-01", "2007-00-10", "2007-01-00", "2007-01-32",
		"0000-01-01", "2007-1-17", "2007-01-7", "07-01-17", "2007-01-170",
		"20070117", "2007/01/17", "2007-01-17 ", " 2007-01-17", "2007-01-1a",
		"+007-01-17", "2007--1-17", "", "17 January 2007",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = D(1, 2, 3);
		if (parse_date(bad[i], &d))
			fail_msg("'%s' parsed", bad[i]);
		assert_date(d, 1, 2, 3); /* out untouched on failure */
	}
	/* exactly n bytes are read */
	assert_true(date_parse("2007-01-17T13:00", 10, &d));
	assert_false(date_parse("2007-01-17", 9, &d));
}

static void test_month_parse(void **state)
{
	struct date d;
	assert_true(month_parse("2007-04", 7, &d));
	assert_date(d, 2007, 4, 1);
	assert_true(month_parse("2008-12", 7, &d));
	static const char *const bad[] = {"2007-4", "2007-13", "2007-00", "2007-04-01", "200704",
					  "2007_04", "0000-01", "abcd-01", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (month_parse(bad[i], strlen(bad[i]), &d))
			fail_msg("'%s' parsed", bad[i]);
}

static void test_time_parse(void **state)
{
	int m = -1;
	assert_true(time_parse("13:00", 5, &m));
	assert_int_equal(m, 13 * 60);
	assert_true(time_parse("00:00", 5, &m));
	assert_int_equal(m, 0);
	assert_true(time_parse("23:59", 5, &m));
	assert_int_equal(m, 23 * 60 + 59);
	assert_true(time_parse("09:05", 5, &m));
	assert_int_equal(m, 9 * 60 + 5);
	static const char *const bad[] = {"24:00", "12:60", "9:00", "09:5", "0900",
					  "09.00", "09:00:00", "-1:00", "ab:cd", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse(bad[i], strlen(bad[i]), &m))
			fail_msg("'%s' parsed", bad[i]);
}

static void test_cmp(void **state)
{
	assert_int_equal(date_cmp(D(2007, 1, 17), D(2007, 1, 17)), 0);
	assert_true(date_cmp(D(2007, 1, 17), D(2007, 1, 18)) < 0);
	assert_true(date_cmp(D(2007, 2, 1), D(2007, 1, 31)) > 0);
	assert_true(date_cmp(D(2006, 12, 31), D(2007, 1, 1)) < 0);
}

static void test_days_in_month(void **state)
{
	assert_int_equal(date_days_in_month(2007, 1), 31);
	assert_int_equal(date_days_in_month(2007, 2), 28);
	assert_int_equal(date_days_in_month(2008, 2), 29);
	assert_int_equal(date_days_in_month(1900, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2007, 4), 30);
	assert_int_equal(date_days_in_month(2007, 12), 31);
}

static void test_add_months(void **state)
{
	/* the day is clamped: 31 Jan + 1 month = 28/29 Feb */
	assert_date(date_add_months(D(2007, 1, 31), 1), 2007, 2, 28);
	assert_date(date_add_months(D(2008, 1, 31), 1), 2008, 2, 29);
	assert_date(date_add_months(D(2007, 3, 31), 1), 2007, 4, 30);
	assert_date(date_add_months(D(2007, 3, 14), 6), 2007, 9, 14);
	assert_date(date_add_months(D(2007, 9, 30), 6), 2008, 3, 30);
	assert_date(date_add_months(D(2007, 11, 15), 2), 2008, 1, 15);
	assert_date(date_add_months(D(2007, 3, 14), 12), 2008, 3, 14);
	assert_date(date_add_months(D(2008, 2, 29), 12), 2009, 2, 28);
	assert_date(date_add_months(D(2007, 3, 31), -1), 2007, 2, 28);
	assert_date(date_add_months(D(2007, 1, 15), -1), 2006, 12, 15);
	assert_date(date_add_months(D(2007, 1, 15), 0), 2007, 1, 15);
}

static void test_days(void **state)
{
	assert_int_equal(date_to_days(D(1970, 1, 1)), 0);
	assert_int_equal(date_to_days(D(1970, 1, 2)), 1);
	assert_int_equal(date_to_days(D(1969, 12, 31)), -1);
	assert_int_equal(date_to_days(D(2000, 3, 1)), 11017);
	assert_int_equal(date_to_days(D(2007, 1, 17)), 13530);
	assert_date(date_from_days(13530), 2007, 1, 17);
	assert_date(date_from_days(-1), 1969, 12, 31);

	/* every day from 1899 to 2101 round-trips and follows the one before */
	struct date prev = date_from_days(date_to_days(D(1899, 1, 1)) - 1);
	for (int64_t n = date_to_days(D(1899, 1, 1)); n <= date_to_days(D(2101, 12, 31)); n++) {
		struct date d = date_from_days(n);
		assert_int_equal(date_to_days(d), n);
		assert_true(d.d >= 1 && d.d <= date_days_in_month(d.y, d.m));
		assert_true(date_cmp(prev, d) < 0);
		assert_date(date_add_days(prev, 1), d.y, d.m, d.d);
		prev = d;
	}
	assert_date(date_add_days(D(2007, 12, 31), 1), 2008, 1, 1);
	assert_date(date_add_days(D(2008, 3, 1), -1), 2008, 2, 29);
	assert_date(date_add_days(D(2007, 1, 17), 365), 2008, 1, 17);
}

static void test_from_unix(void **state)
{
	assert_date(date_from_unix(0, 0), 1970, 1, 1);
	assert_date(date_from_unix(-1, 0), 1969, 12, 31);
	/* 2007-04-30 23:30 UTC is already 1 May at UTC+01:00 */
	int64_t t = date_to_days(D(2007, 4, 30)) * 86400 + 23 * 3600 + 30 * 60;
	assert_date(date_from_unix(t, 0), 2007, 4, 30);
	assert_date(date_from_unix(t, 60), 2007, 5, 1);
	assert_date(date_from_unix(t - 23 * 3600, -60), 2007, 4, 29);
}

static void test_weekday(void **state)
{
	assert_string_equal(date_weekday_name(D(1970, 1, 1)), "Thursday");
	assert_string_equal(date_weekday_name(D(2006, 12, 19)), "Tuesday");
	assert_string_equal(date_weekday_name(D(2007, 1, 17)), "Wednesday");
	assert_string_equal(date_weekday_name(D(2007, 4, 12)), "Thursday");
	assert_string_equal(date_weekday_name(D(2008, 2, 29)), "Friday");
	assert_string_equal(date_weekday_name(D(1969, 12, 31)), "Wednesday");
	assert_string_equal(date_weekday_name(D(1900, 1, 1)), "Monday");
}

/* Summer time in London: 2007 ran from 25 March, 01:00 GMT, to 28 October,
 * 02:00 BST; 2008 from 30 March to 26 October. */
static void test_london(void **state)
{
	(void)state;
	struct date mar25 = {2007, 3, 25}, oct28 = {2007, 10, 28};
	assert_int_equal(london_offset(mar25, 59), 0);
	assert_int_equal(london_offset(mar25, 60), 60);
	assert_int_equal(london_offset((struct date){2007, 3, 24}, 23 * 60), 0);
	assert_int_equal(london_offset((struct date){2007, 3, 31}, 0), 60);
	assert_int_equal(london_offset((struct date){2007, 4, 30}, 23 * 60 + 59), 60);
	assert_int_equal(london_offset(oct28, 119), 60);
	assert_int_equal(london_offset(oct28, 120), 0);
	assert_int_equal(london_offset((struct date){2007, 10, 27}, 23 * 60 + 59), 60);
	assert_int_equal(london_offset((struct date){2007, 12, 31}, 23 * 60 + 59), 0);
	assert_int_equal(london_offset((struct date){2008, 3, 30}, 60), 60);
	assert_int_equal(london_offset((struct date){2008, 3, 29}, 12 * 60), 0);
	assert_int_equal(london_offset((struct date){2008, 10, 26}, 120), 0);
	/* 30 April 2007, 23:59 BST is 22:59 UTC: 1177973940 */
	assert_int_equal(london_time((struct date){2007, 4, 30}, 23 * 60 + 59), 1177973940);
	/* 31 January 2007, 23:59 GMT: 1170287940 */
	assert_int_equal(london_time((struct date){2007, 1, 31}, 23 * 60 + 59), 1170287940);
}

static void test_format(void **state)
{
	struct buf b = BUF_INIT;
	date_long(&b, D(2007, 4, 12));
	assert_string_equal(b.ptr, "12 April 2007");
	buf_truncate(&b, 0);
	date_long(&b, D(2006, 12, 1));
	assert_string_equal(b.ptr, "1 December 2006");
	buf_truncate(&b, 0);
	date_iso(&b, D(2007, 4, 2));
	assert_string_equal(b.ptr, "2007-04-02");
	buf_truncate(&b, 0);
	date_iso(&b, D(1, 1, 1));
	assert_string_equal(b.ptr, "0001-01-01");
	buf_release(&b);
	assert_string_equal(date_month_name(1), "January");
	assert_string_equal(date_month_name(12), "December");
	assert_string_equal(date_month_name(0), "?");
	assert_string_equal(date_month_name(13), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_month_parse),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_add_months),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_from_unix),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_london),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
