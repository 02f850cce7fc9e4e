/*
 * i18n.h - the languages wo speaks (English, Bahasa Indonesia) through
 * gettext, and the time zone it shows and reads times in.
 *
 * Messages are marked _("...") and looked up in the text domain "wo";
 * the catalogues (po/LANG.po, compiled to LANG/LC_MESSAGES/wo.mo) are
 * found relative to the binary (BIN/../share/locale: the build tree and
 * an install alike), else in WO_LOCALEDIR. docs/i18n.md says how to add a
 * language.
 */
#ifndef I18N_H
#define I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* Choose the language from the environment (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG) and find the catalogues. Only messages follow the
 * locale: numbers and times keep their C forms. */
void i18n_init(void);

/* Show and read times in zone (an IANA name) unless the user set TZ;
 * NULL or "": the laptop's own zone. */
void i18n_zone(const char *zone);

#endif
