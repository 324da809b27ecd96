/*
 * dates.c: calendar dates, months and times of day, as the content model
 * writes them (ISO YYYY-MM-DD, YYYY-MM, HH:MM), and calendar arithmetic.
 * No time zones here: a date is a day on the calendar.
 */
#include "plansite.h"

static const char *const month_names[] = {
	"January", "February", "March",     "April",   "May",      "June",
	"July",    "August",   "September", "October", "November", "December",
};

static const char *const weekday_names[] = {
	"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday",
};

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && leap(y))
		return 29;
	return days[m - 1];
}

bool month_parse(const char *s, size_t n, struct date *out)
{
	int y, m;
	if (n != 7 || s[4] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m))
		return false;
	if (y < 1 || m < 1 || m > 12)
		return false;
	out->y = y, out->m = m, out->d = 1;
	return true;
}

bool date_parse(const char *s, size_t n, struct date *out)
{
	int d;
	struct date t;
	if (n != 10 || s[7] != '-' || !month_parse(s, 7, &t) || !digits(s + 8, 2, &d))
		return false;
	if (d < 1 || d > date_days_in_month(t.y, t.m))
		return false;
	t.d = d;
	*out = t;
	return true;
}

bool time_parse(const char *s, size_t n, int *minutes)
{
	int h, m;
	if (n != 5 || s[2] != ':' || !digits(s, 2, &h) || !digits(s + 3, 2, &m))
		return false;
	if (h > 23 || m > 59)
		return false;
	*minutes = h * 60 + m;
	return true;
}

int date_cmp(struct date a, struct date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

struct date date_add_months(struct date a, int n)
{
	int total = a.y * 12 + (a.m - 1) + n;
	struct date r = {total / 12, total % 12 + 1, a.d};
	int dim = date_days_in_month(r.y, r.m);
	if (r.d > dim)
		r.d = dim;
	return r;
}

/* Days from civil, after Howard Hinnant's public-domain algorithm. */
int64_t date_to_days(struct date a)
{
	int64_t y = a.y - (a.m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (a.m + (a.m > 2 ? -3 : 9)) + 2) / 5 + a.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct date date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	struct date r = {(int)(y + (m <= 2)), m, d};
	return r;
}

struct date date_add_days(struct date a, int n)
{
	return date_from_days(date_to_days(a) + n);
}

struct date date_from_unix(int64_t t, int offset_minutes)
{
	t += (int64_t)offset_minutes * 60;
	int64_t days = t / 86400;
	if (t % 86400 < 0)
		days--;
	return date_from_days(days);
}

void date_iso(struct buf *b, struct date a)
{
	buf_printf(b, "%04d-%02d-%02d", a.y, a.m, a.d);
}

const char *date_month_name(int m)
{
	return m >= 1 && m <= 12 ? month_names[m - 1] : "?";
}

/* Writes n (0 to 9999) in decimal, at least width digits, at p; returns
 * the end. Dates are formatted by hand: a build formats tens of thousands,
 * and vsnprintf costs a thousand instructions each. */
static char *put_digits(char *p, int n, int width)
{
	char t[4];
	int k = 0;
	do {
		t[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n && k < 4);
	while (k < width)
		t[k++] = '0';
	while (k)
		*p++ = t[--k];
	return p;
}

static bool plain_date(struct date d)
{
	return d.y >= 0 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31;
}

/* "12 April 2007" into t; its length. */
static size_t long_chars(char t[32], struct date d)
{
	char *p = put_digits(t, d.d, 1);
	const char *m = date_month_name(d.m);
	size_t ml = strlen(m);
	*p++ = ' ';
	memcpy(p, m, ml);
	p += ml;
	*p++ = ' ';
	p = put_digits(p, d.y, 1);
	return (size_t)(p - t);
}

void date_long(struct buf *b, struct date a)
{
	if (!plain_date(a)) {
		buf_printf(b, "%d %s %d", a.d, date_month_name(a.m), a.y);
		return;
	}
	char t[32];
	buf_put(b, t, long_chars(t, a));
}

const char *date_long_s(struct arena *a, struct date d)
{
	if (!plain_date(d))
		return arena_printf(a, "%d %s %d", d.d, date_month_name(d.m), d.y);
	char t[32];
	return arena_strndup(a, t, long_chars(t, d));
}

const char *date_iso_s(struct arena *a, struct date d)
{
	if (!plain_date(d))
		return arena_printf(a, "%04d-%02d-%02d", d.y, d.m, d.d);
	char t[16], *p = put_digits(t, d.y, 4);
	*p++ = '-';
	p = put_digits(p, d.m, 2);
	*p++ = '-';
	p = put_digits(p, d.d, 2);
	return arena_strndup(a, t, (size_t)(p - t));
}

const char *date_month_s(struct arena *a, struct date d)
{
	return arena_printf(a, "%s %d", date_month_name(d.m), d.y);
}

const char *date_weekday_name(struct date a)
{
	int64_t days = date_to_days(a);
	int64_t w = days % 7;
	if (w < 0)
		w += 7;
	return weekday_names[w];
}

/* The last Sunday of a month. */
static int last_sunday(int y, int m)
{
	struct date d = {y, m, date_days_in_month(y, m)};
	int64_t days = date_to_days(d);
	int64_t w = ((days % 7) + 7 + 4) % 7; /* 0 = Sunday: 1970-01-01 was a Thursday */
	return d.d - (int)w;
}

int london_offset(struct date d, int minute)
{
	if (d.m > 3 && d.m < 10)
		return 60;
	if (d.m < 3 || d.m > 10)
		return 0;
	int ls = last_sunday(d.y, d.m);
	if (d.m == 3) /* summer time from 01:00 GMT on the last Sunday of March */
		return d.d > ls || (d.d == ls && minute >= 60) ? 60 : 0;
	/* until 02:00 BST on the last Sunday of October */
	return d.d < ls || (d.d == ls && minute < 120) ? 60 : 0;
}

int64_t london_time(struct date d, int minute)
{
	return date_to_days(d) * 86400 + (int64_t)minute * 60 - (int64_t)london_offset(d, minute) * 60;
}
