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

#include "exedir.h"
#include "i18n.h"

#ifndef WO_LOCALEDIR
#define WO_LOCALEDIR "/usr/local/share/locale"
#endif

/* DIR/../share/locale of the running binary, if it holds catalogues. */
static int locale_dir_of_binary(char *out, size_t cap)
{
    if (exedir_join("../share/locale", out, cap))
        return -1;
    return access(out, R_OK) == 0 ? 0 : -1;
}

void i18n_init(void)
{
    char dir[PATH_MAX + 32];
    /* messages only: a decimal comma or a translated month must never
     * reach a CSV, JSON or a parsed time */
    if (!setlocale(LC_MESSAGES, "")) {
        /* the asked-for locale is not installed (id_ID.UTF-8 on a fresh
         * system): its language still chooses the messages, through
         * LANGUAGE, which gettext reads in any locale but plain "C" */
        const char *want = getenv("LC_ALL");
        if (!want || !*want)
            want = getenv("LC_MESSAGES");
        if (!want || !*want)
            want = getenv("LANG");
        const char *lang = getenv("LANGUAGE");
        if (want && *want && (!lang || !*lang)) {
            char l[64];
            size_t n = strcspn(want, ".@");
            snprintf(l, sizeof l, "%.*s:%.*s", (int)n, want,
                     (int)strcspn(want, "_.@"), want);
            setenv("LANGUAGE", l, 1);
        }
        setlocale(LC_MESSAGES, "C.UTF-8");
    }
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
