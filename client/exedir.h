/*
 * exedir.h - paths beside the running program: its catalogues
 * (DIR/../share/locale) and its PDF module (DIR/../lib/wo), found from
 * where the binary is, so the build tree and an install both work.
 */
#ifndef EXEDIR_H
#define EXEDIR_H

#include <stddef.h>

/* DIR/rel for the running DIR/wo into out (cap bytes). 0, or -1 when the
 * program's path cannot be read or the result does not fit. */
int exedir_join(const char *rel, char *out, size_t cap);

#endif
