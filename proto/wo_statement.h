/*
 * wo_statement.h - the canonical statement of work that signatures cover.
 *
 * Both sides build it with the same code from a struct wo_order: the
 * client from its replica when the technician or the recipient signs, the
 * server from its own records when it verifies. The exact bytes are given
 * in docs/protocol.md ("Signed statements") so another client can build
 * them too.
 *
 * Each visit, part and note is named by id and by the SHA-256 of its
 * canonical encoding, so a record changed after signing no longer matches.
 */
#ifndef WO_STATEMENT_H
#define WO_STATEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct wo_stmt_meta {
    const char *role;       /* "technician" | "recipient" */
    const char *signer;     /* user name, or the recipient's name */
    int64_t device_id;
    int64_t signed_at;      /* device clock, ms */
    bool satisfied;         /* recipient only */
    const char *comment;    /* recipient only; may be NULL */
};

/* Hex SHA-256 (64 chars + NUL) of one record's canonical encoding. */
void wo_hash_visit(int64_t wo, const struct wo_visit *v, char out[65]);
void wo_hash_part(int64_t wo, const struct wo_part *p, char out[65]);
void wo_hash_note(int64_t wo, const struct wo_note *n, char out[65]);
void wo_hash_void(int64_t wo, const struct wo_void *v, char out[65]);

/*
 * Build the statement for order o signed as described by m. *out is
 * malloc'd and NUL-terminated; caller frees. Returns 0, WO_EINVAL (a name
 * with a control character, unknown role) or WO_ENOMEM.
 */
int wo_statement_build(const struct wo_order *o, const struct wo_stmt_meta *m,
                       char **out);

/*
 * Check a received statement against the records in o and the metadata the
 * op claims: same order, every listed record present in o with the same
 * hash, same role, signer, device, time, verdict and comment. Returns 0 or
 * WO_ECRYPTO with a reason in err naming the first mismatch.
 */
int wo_statement_check(const char *text, const struct wo_order *o,
                       const struct wo_stmt_meta *m, char *err, size_t errlen);

/* 1 if statement text lists the record (kind "visit", "part" or "note",
 * and its id), else 0. */
int wo_statement_lists(const char *text, const char *kind, const char *id);

/*
 * What a signature must cover (docs/protocol.md, "Signed statements"): a
 * technician's statement lists every visit, part and note that signer
 * recorded on o; a recipient's lists every record the technician's
 * signature on o lists. 0, or WO_ECRYPTO with the first record missing
 * named in err.
 */
int wo_statement_covers(const char *text, const struct wo_order *o,
                        const struct wo_stmt_meta *m, char *err,
                        size_t errlen);

/* 1 if some signature on o lists the record. */
int wo_record_signed(const struct wo_order *o, const char *kind,
                     const char *id);

/*
 * The statement of an authorisation (docs/protocol.md, "Authorisation"):
 *
 *   wo-authorisation/1
 *   order <id>
 *   authoriser <name>
 *   verdict approved|refused
 *   reason <hex of the UTF-8 reason>        refused only
 *   device <device id>
 *   signed-at <ms>
 *
 * signed by the device that recorded it. *out is malloc'd; 0, WO_EINVAL
 * (a name with a control character) or WO_ENOMEM.
 */
int wo_statement_authorisation(int64_t wo, const char *name, int approved,
                               const char *reason, int64_t device,
                               int64_t at, char **out);

#endif
