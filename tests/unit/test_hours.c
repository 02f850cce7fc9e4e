/* test_hours.c - business hours in a time zone (proto/wo_hours.c): the
 * counted time of an SLA agreement across evenings, weekends, holidays
 * and a daylight-saving change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wo_err.h"
#include "wo_hours.h"

#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)

/* ms of a UTC time */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static void jakarta(struct wo_hours *h, const char *holidays)
{
    char err[200];
    assert_int_equal(wo_hours_parse(h, "Asia/Jakarta", "Mon-Fri 08:00-17:00",
                                    holidays, err, sizeof err), 0);
}

/* Friday 2026-12-04 19:00 in Jakarta (UTC+7) is 12:00 UTC: a 4 h target
 * counts from Monday 08:00 local and ends Monday 12:00 local. */
static void test_friday_evening_counts_from_monday(void **state)
{
    (void)state;
    struct wo_hours h;
    jakarta(&h, NULL);
    int64_t fri = utc(2026, 12, 4, 12, 0);
    assert_int_equal(wo_hours_add(&h, fri, 0), utc(2026, 12, 7, 1, 0));
    assert_int_equal(wo_hours_add(&h, fri, 4 * HOUR), utc(2026, 12, 7, 5, 0));
    /* 48 h of business time: five whole 9 h days and 3 h more */
    assert_int_equal(wo_hours_add(&h, fri, 48 * HOUR),
                     utc(2026, 12, 14, 4, 0));
    assert_int_equal(wo_hours_between(&h, fri, utc(2026, 12, 7, 5, 0)),
                     4 * HOUR);
    /* within the day: a plain addition */
    int64_t tue10 = utc(2026, 12, 8, 3, 0);
    assert_int_equal(wo_hours_add(&h, tue10, 15 * MIN), tue10 + 15 * MIN);
    /* past closing it runs over to the next morning */
    assert_int_equal(wo_hours_add(&h, utc(2026, 12, 8, 9, 0), 2 * HOUR),
                     utc(2026, 12, 9, 2, 0));
}

static void test_holiday_is_skipped(void **state)
{
    (void)state;
    struct wo_hours h;
    jakarta(&h, "2026-12-07, 2026-12-25");
    int64_t fri = utc(2026, 12, 4, 12, 0);
    assert_int_equal(wo_hours_add(&h, fri, 4 * HOUR), utc(2026, 12, 8, 5, 0));
    assert_int_equal(wo_hours_between(&h, fri, utc(2026, 12, 8, 5, 0)),
                     4 * HOUR);
}

/* Berlin changes to summer time on Sunday 2026-03-29: Friday 16:00 CET
 * (15:00 UTC) plus 2 h is Monday 09:00 CEST, 07:00 UTC. */
static void test_dst_zone(void **state)
{
    (void)state;
    struct wo_hours h;
    char err[200];
    assert_int_equal(wo_hours_parse(&h, "Europe/Berlin", "Mon-Fri 08:00-17:00",
                                    NULL, err, sizeof err), 0);
    assert_int_equal(wo_hours_add(&h, utc(2026, 3, 27, 15, 0), 2 * HOUR),
                     utc(2026, 3, 30, 7, 0));
    /* and back to winter time on 2026-10-25 */
    assert_int_equal(wo_hours_add(&h, utc(2026, 10, 23, 14, 0), 2 * HOUR),
                     utc(2026, 10, 26, 8, 0));
    /* TZ is put back */
    assert_null(getenv("TZ"));
}

static void test_parse(void **state)
{
    (void)state;
    struct wo_hours h;
    char err[200], text[128];
    assert_int_equal(wo_hours_parse(&h, "Mars/Olympus", NULL, NULL, err,
                                    sizeof err), WO_EINVAL);
    assert_non_null(strstr(err, "time zone"));
    assert_int_equal(wo_hours_parse(&h, "UTC", "Mon-Fri 17:00-08:00", NULL,
                                    err, sizeof err), WO_EINVAL);
    assert_int_equal(wo_hours_parse(&h, "UTC", "Someday 08:00-17:00", NULL,
                                    err, sizeof err), WO_EINVAL);
    assert_int_equal(wo_hours_parse(&h, "UTC", "24x7", "2026-13-01", err,
                                    sizeof err), WO_EINVAL);
    assert_int_equal(wo_hours_parse(&h, "UTC", "24x7", NULL, err,
                                    sizeof err), 0);
    assert_int_equal(wo_hours_add(&h, 1000, 5000), 6000);
    assert_int_equal(wo_hours_parse(&h, "Asia/Jakarta",
                                    "Mon-Fri 08:00-17:00; Sat 09:00-12:00",
                                    NULL, err, sizeof err), 0);
    wo_hours_describe(&h, text, sizeof text);
    assert_string_equal(text, "Mon-Fri 08:00-17:00; Sat 09:00-12:00");
    /* Saturday morning counts now: Fri 19:00 + 1 h = Sat 10:00 local */
    assert_int_equal(wo_hours_add(&h, utc(2026, 12, 4, 12, 0), HOUR),
                     utc(2026, 12, 5, 3, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_friday_evening_counts_from_monday),
        cmocka_unit_test(test_holiday_is_skipped),
        cmocka_unit_test(test_dst_zone),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
