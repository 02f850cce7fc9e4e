/*
 * userfile.h - user names, and `wo-server user import FILE`: many users
 * from one CSV file in one transaction, their enrolment codes written to
 * a file only its owner can read.
 *
 * The CSV has one user a line: name, role, tier (tier may be left out or
 * empty: L1). A first line "name,role,tier" is a header and skipped. Any
 * bad line refuses the whole file: nothing is added and no codes file is
 * left behind, and the message names the line.
 */
#ifndef USERFILE_H
#define USERFILE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* 1 when name is 1-64 letters, digits, '.', '_' or '-'. */
int userfile_name_ok(const char *name);

/* Import the users of csv_path into st with codes valid for ttl_ms (0:
 * no expiry), writing "name,code" lines to codes_path, which must not
 * exist (created 0600). Returns 0 and the count in *added, or a WO_E*
 * code with what went wrong and what to do in err (nothing changed). */
int userfile_import(struct store *st, const char *csv_path,
                    const char *codes_path, int64_t now, int64_t ttl_ms,
                    size_t *added, char *err, size_t errlen);

#endif
