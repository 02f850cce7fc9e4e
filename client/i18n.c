/*
 * i18n.c - gettext set-up and the display time zone (i18n.h).
 */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"

#ifndef WO_LOCALEDIR
#define WO_LOCALEDIR "/usr/local/share/locale"
#endif

/* DIR/../share/locale of the running binary, if it holds catalogues. */
static int locale_dir_of_binary(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = 0;
    snprintf(out, cap, "%s/../share/locale", exe);
    return access(out, R_OK) == 0 ? 0 : -1;
}

void i18n_init(void)
{
    char dir[PATH_MAX + 32];
    /* messages only: a decimal comma or a translated month must never
     * reach a CSV, JSON or a parsed time */
    setlocale(LC_MESSAGES, "");
    if (locale_dir_of_binary(dir, sizeof dir))
        snprintf(dir, sizeof dir, "%s", WO_LOCALEDIR);
    bindtextdomain("wo", dir);
    bind_textdomain_codeset("wo", "UTF-8");
    textdomain("wo");
}

void i18n_zone(const char *zone)
{
    const char *tz = getenv("TZ");
    /* the laptop's user said which zone: it wins */
    if ((!tz || !*tz) && zone && *zone) {
        char spec[128];
        /* ":" + name: a zone file of the system's database */
        snprintf(spec, sizeof spec, ":%s", zone);
        setenv("TZ", spec, 1);
    }
    tzset();
}
