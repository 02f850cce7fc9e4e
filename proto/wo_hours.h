/*
 * wo_hours.h - business hours: the time an SLA agreement counts in.
 *
 * An agreement says in which hours its targets count: "24x7", or working
 * days with opening hours ("Mon-Fri 08:00-17:00", several groups joined
 * by ';': "Mon-Fri 08:00-17:00; Sat 09:00-12:00"), in the customer's time
 * zone (an IANA name, "Asia/Jakarta"), minus holidays (local dates). A P3
 * opened on Friday evening in Jakarta under Mon-Fri 08:00-17:00 starts
 * counting on Monday at 08:00 local time.
 *
 * Time-zone arithmetic is the C library's (tzdata through TZ, mktime and
 * localtime_r), so daylight saving time is handled as the zone's rules
 * say. The functions set TZ for the call and put it back: not for use
 * from two threads at once (the server calls them from its loop only).
 * Nothing here allocates.
 */
#ifndef WO_HOURS_H
#define WO_HOURS_H

#include <stddef.h>
#include <stdint.h>

#define WO_HOURS_MAX_HOLIDAYS 64
#define WO_HOURS_TZ_MAX 64

struct wo_hours {
    char tz[WO_HOURS_TZ_MAX];   /* IANA zone name; "UTC" by default */
    int always;                 /* 24x7: every hour counts */
    int open_min[7];            /* per weekday (0 = Sunday): minutes after */
    int close_min[7];           /* local midnight; open == close: closed */
    int32_t holidays[WO_HOURS_MAX_HOLIDAYS]; /* local dates, yyyymmdd */
    size_t n_holidays;
};

/*
 * Parse an agreement's hours into h. tz NULL or "" means UTC; spec NULL,
 * "" or "24x7" means every hour; holidays is NULL or dates "YYYY-MM-DD"
 * separated by ',' or spaces. 0, or WO_EINVAL with what is wrong in err
 * (an unknown zone, a malformed group, a bad date).
 */
int wo_hours_parse(struct wo_hours *h, const char *tz, const char *spec,
                   const char *holidays, char *err, size_t errlen);

/* The moment `dur_ms` of counted time after start_ms (both ms since the
 * epoch). dur 0 gives the first counted moment at or after start. -1 if
 * no counted time lies within ten years. */
int64_t wo_hours_add(const struct wo_hours *h, int64_t start_ms,
                     int64_t dur_ms);

/* Counted time in [from_ms, to_ms), ms (0 when to <= from). */
int64_t wo_hours_between(const struct wo_hours *h, int64_t from_ms,
                         int64_t to_ms);

/* The hours as text again ("Mon-Fri 08:00-17:00", or "24x7") into out. */
void wo_hours_describe(const struct wo_hours *h, char *out, size_t len);

#endif
