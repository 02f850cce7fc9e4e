/*
 * wo_opkind.h - the one table of outbox op kinds.
 *
 * Each kind a technician's laptop records is described once here: its wire
 * name, the fields it must carry, the record table it creates a row in,
 * whether a former holder of the order may still send it, and which of its
 * fields picks the lifecycle move (wo_lifecycle.h holds the target
 * statuses). The server's checks and apply, the replica's apply and the
 * client's commands all go through this table, so a kind is never spelled
 * or string-compared anywhere else.
 *
 * Pure rules, no I/O: this module knows nothing of sockets or SQLite.
 */
#ifndef WO_OPKIND_H
#define WO_OPKIND_H

#include <stddef.h>

#include "wo_proto.h"

enum wo_opk {
    WO_OP_ACCEPT,
    WO_OP_DEPART,
    WO_OP_VISIT_START,
    WO_OP_VISIT_END,
    WO_OP_NOTE_ADD,
    WO_OP_PART_ADD,
    WO_OP_SIGN_TECH,
    WO_OP_SIGN_RECIPIENT,
    WO_OP_RESOLVE_REMOTE,   /* resolved with no site visit: a note, then
                             * completed (issue 14) */
    WO_OP_RECORD_VOID,      /* a part or note declared wrong (issue 14) */
    WO_OP__COUNT
};

/* The record table an op creates a row in. */
enum wo_rec {
    WO_REC_NONE,    /* accept, depart, visit.end: a status move only */
    WO_REC_VISIT,
    WO_REC_PART,
    WO_REC_NOTE,
    WO_REC_SIG,
    WO_REC_VOID
};

struct wo_opkind {
    enum wo_opk id;
    const char *name;       /* on the wire and in the outbox */
    enum wo_rec record;
    int appends;            /* a former holder's op is kept (marked late) */
    const char *role;       /* sign.*: the signer's role, else NULL */
};

/* The entry for a wire name, or NULL for a kind this build does not know. */
const struct wo_opkind *wo_opkind_find(const char *name);

/* The entry for an id (id < WO_OP__COUNT). */
const struct wo_opkind *wo_opkind_get(enum wo_opk id);

/*
 * The argument that picks op's lifecycle move (wo_lifecycle_next's arg):
 * the visit outcome, the recipient's verdict, or NULL.
 */
const char *wo_opkind_move_arg(const struct wo_opkind *k,
                               const struct wo_op *op);

/*
 * The field checks an op needs before anything else looks at it: a valid
 * order id, a known kind, and the fields the kind requires within their
 * bounds. 0, or WO_EINVAL with a reason naming the field and what it
 * must hold. Both ends run it: the client before it records, the server
 * before it applies.
 */
int wo_opkind_check(const struct wo_op *op, char *reason, size_t len);

/* Visit outcomes, in the one place they are listed. */
int wo_outcome_valid(const char *outcome);
#define WO_OUTCOMES "done|needs-parts|customer-absent"

#endif
