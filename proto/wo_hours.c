/*
 * wo_hours.c - business hours and holidays in a time zone (see wo_hours.h).
 *
 * Each day is walked in the zone's local time: its opening and closing
 * moments are found with mktime() (tm_isdst = -1, so the zone's rules
 * decide daylight saving), and counted time is the overlap of those
 * windows with the interval asked about. TZ is set for the call only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wo_err.h"
#include "wo_hours.h"

#define MAX_DAYS 3660   /* ten years of days: enough for any target */

static const char *const wday_names[7] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};

static int seterr(char *err, size_t len, const char *msg, const char *what)
{
    if (err && len)
        snprintf(err, len, "%s%s%s", msg, what ? ": " : "", what ? what : "");
    return WO_EINVAL;
}

/* A zone name the C library knows: a file under the tzdata directory
 * (glibc silently takes an unknown name for UTC). */
static int zone_known(const char *tz)
{
    char path[256];
    struct stat st;
    if (!strcmp(tz, "UTC"))
        return 1;
    if (tz[0] == '/' || strstr(tz, "..") || strlen(tz) >= WO_HOURS_TZ_MAX)
        return 0;
    const char *dir = getenv("TZDIR");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "/usr/share/zoneinfo",
             tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int day_index(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (!strncmp(s, wday_names[i], 3))
            return i;
    return -1;
}

/* One group: "Mon-Fri 08:00-17:00" or "Sat 09:00-12:00". */
static int parse_group(struct wo_hours *h, const char *g, char *err,
                       size_t len)
{
    char d1[4] = "", d2[4] = "";
    int oh, om, ch, cm, n = 0;
    while (*g == ' ')
        g++;
    if (sscanf(g, "%3[A-Za-z]-%3[A-Za-z] %d:%d-%d:%d%n", d1, d2, &oh, &om,
               &ch, &cm, &n) != 6) {
        n = 0;
        d2[0] = 0;
        if (sscanf(g, "%3[A-Za-z] %d:%d-%d:%d%n", d1, &oh, &om, &ch, &cm,
                   &n) != 5)
            return seterr(err, len, "hours must look like \"Mon-Fri "
                          "08:00-17:00\" (groups joined by ';') or 24x7", g);
    }
    while (g[n] == ' ')
        n++;
    int a = day_index(d1), b = d2[0] ? day_index(d2) : a;
    if (a < 0 || b < 0)
        return seterr(err, len, "unknown day (use Mon Tue Wed Thu Fri Sat "
                      "Sun)", g);
    if (g[n] || oh < 0 || oh > 24 || ch < 0 || ch > 24 || om < 0 ||
        om > 59 || cm < 0 || cm > 59 || oh * 60 + om >= ch * 60 + cm ||
        ch * 60 + cm > 24 * 60)
        return seterr(err, len, "opening hours must be HH:MM-HH:MM with the "
                      "opening before the closing", g);
    for (int d = a;; d = (d + 1) % 7) {
        h->open_min[d] = oh * 60 + om;
        h->close_min[d] = ch * 60 + cm;
        if (d == b)
            break;
    }
    return 0;
}

static int parse_holidays(struct wo_hours *h, const char *s, char *err,
                          size_t len)
{
    while (s && *s) {
        int y, m, d, n = 0;
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
            m < 1 || m > 12 || d < 1 || d > 31 ||
            (s[n] && s[n] != ',' && s[n] != ' '))
            return seterr(err, len, "a holiday must be a date YYYY-MM-DD", s);
        if (h->n_holidays == WO_HOURS_MAX_HOLIDAYS)
            return seterr(err, len, "too many holidays (at most 64)", NULL);
        h->holidays[h->n_holidays++] = y * 10000 + m * 100 + d;
        s += n;
    }
    return 0;
}

int wo_hours_parse(struct wo_hours *h, const char *tz, const char *spec,
                   const char *holidays, char *err, size_t errlen)
{
    char buf[512];
    memset(h, 0, sizeof *h);
    if (!tz || !*tz)
        tz = "UTC";
    if (!zone_known(tz))
        return seterr(err, errlen, "unknown time zone (use a name such as "
                      "Asia/Jakarta or Europe/Berlin)", tz);
    snprintf(h->tz, sizeof h->tz, "%s", tz);
    int rc = parse_holidays(h, holidays, err, errlen);
    if (rc)
        return rc;
    if (!spec || !*spec || !strcmp(spec, "24x7")) {
        h->always = 1;
        return 0;
    }
    if (strlen(spec) >= sizeof buf)
        return seterr(err, errlen, "hours are too long", NULL);
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *g = strtok_r(buf, ";", &save); g; g = strtok_r(NULL, ";", &save))
        if ((rc = parse_group(h, g, err, errlen)))
            return rc;
    for (int d = 0; d < 7; d++)
        if (h->close_min[d] > h->open_min[d])
            return 0;
    return seterr(err, errlen, "the hours open on no day", spec);
}

/* ---- local time ----------------------------------------------------------- */

struct tzsave {
    char old[256];
    int had;
};

static void tz_enter(struct tzsave *s, const char *tz)
{
    const char *o = getenv("TZ");
    s->had = o != NULL;
    snprintf(s->old, sizeof s->old, "%s", o ? o : "");
    setenv("TZ", tz, 1);
    tzset();
}

static void tz_leave(struct tzsave *s)
{
    if (s->had)
        setenv("TZ", s->old, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* ms since the epoch of local y-m-d plus min minutes (m 0-based, d may
 * run past the month: mktime normalises). */
static int64_t local_ms(int y, int m, int d, int min)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m, .tm_mday = d,
                    .tm_hour = min / 60, .tm_min = min % 60, .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

struct day {
    int y, m, d;        /* the local date, normalised */
    int wday;
};

static void day_norm(struct day *dy)
{
    struct tm tm = {.tm_year = dy->y - 1900, .tm_mon = dy->m,
                    .tm_mday = dy->d, .tm_hour = 12, .tm_isdst = -1};
    mktime(&tm);
    dy->y = tm.tm_year + 1900;
    dy->m = tm.tm_mon;
    dy->d = tm.tm_mday;
    dy->wday = tm.tm_wday;
}

static int is_holiday(const struct wo_hours *h, const struct day *dy)
{
    int32_t key = dy->y * 10000 + (dy->m + 1) * 100 + dy->d;
    for (size_t i = 0; i < h->n_holidays; i++)
        if (h->holidays[i] == key)
            return 1;
    return 0;
}

/* The counted window of one day, [*ws, *we); 0 when it has none. */
static int day_window(const struct wo_hours *h, const struct day *dy,
                      int64_t *ws, int64_t *we)
{
    int o = h->open_min[dy->wday], c = h->close_min[dy->wday];
    if (c <= o || is_holiday(h, dy))
        return 0;
    *ws = local_ms(dy->y, dy->m, dy->d, o);
    *we = local_ms(dy->y, dy->m, dy->d, c);
    return *we > *ws;
}

static void first_day(int64_t ms, struct day *dy)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    dy->y = tm.tm_year + 1900;
    dy->m = tm.tm_mon;
    dy->d = tm.tm_mday;
    day_norm(dy);
}

int64_t wo_hours_add(const struct wo_hours *h, int64_t start_ms,
                     int64_t dur_ms)
{
    struct tzsave save;
    struct day dy;
    int64_t result = -1, left = dur_ms > 0 ? dur_ms : 0;
    if (h->always)
        return start_ms + left;
    tz_enter(&save, h->tz);
    first_day(start_ms, &dy);
    for (int i = 0; i < MAX_DAYS; i++) {
        int64_t ws, we;
        if (day_window(h, &dy, &ws, &we)) {
            int64_t s = ws > start_ms ? ws : start_ms;
            if (s < we) {
                if (left <= we - s) {
                    result = s + left;
                    break;
                }
                left -= we - s;
            }
        }
        dy.d++;
        day_norm(&dy);
    }
    tz_leave(&save);
    return result;
}

int64_t wo_hours_between(const struct wo_hours *h, int64_t from_ms,
                         int64_t to_ms)
{
    struct tzsave save;
    struct day dy;
    int64_t sum = 0;
    if (to_ms <= from_ms)
        return 0;
    if (h->always)
        return to_ms - from_ms;
    tz_enter(&save, h->tz);
    first_day(from_ms, &dy);
    for (int i = 0; i < MAX_DAYS; i++) {
        int64_t ws, we;
        if (day_window(h, &dy, &ws, &we)) {
            if (ws >= to_ms)
                break;
            int64_t s = ws > from_ms ? ws : from_ms;
            int64_t e = we < to_ms ? we : to_ms;
            if (e > s)
                sum += e - s;
        } else if (local_ms(dy.y, dy.m, dy.d, 0) >= to_ms) {
            break;
        }
        dy.d++;
        day_norm(&dy);
    }
    tz_leave(&save);
    return sum;
}

void wo_hours_describe(const struct wo_hours *h, char *out, size_t len)
{
    size_t n = 0;
    if (!len)
        return;
    out[0] = 0;
    if (h->always) {
        snprintf(out, len, "24x7");
        return;
    }
    /* runs of consecutive days (Mon first) with the same hours */
    for (int k = 0; k < 7;) {
        int d = (k + 1) % 7, o = h->open_min[d], c = h->close_min[d];
        int e = k;
        while (e + 1 < 7 && h->open_min[(e + 2) % 7] == o &&
               h->close_min[(e + 2) % 7] == c)
            e++;
        if (c > o && n < len) {
            int last = (e + 1) % 7;
            n += (size_t)snprintf(out + n, len - n, "%s%s%s%s %02d:%02d-%02d:%02d",
                                  n ? "; " : "", wday_names[d],
                                  e > k ? "-" : "",
                                  e > k ? wday_names[last] : "", o / 60,
                                  o % 60, c / 60, c % 60);
        }
        k = e + 1;
    }
}
