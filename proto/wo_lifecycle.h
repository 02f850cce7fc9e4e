/*
 * wo_lifecycle.h - the work order state machine (docs/lifecycle.md).
 *
 * Pure rules, no I/O: given the current status and an event, say the next
 * status or why the event does not fit. The server is authoritative and
 * checks every op and dispatcher command here; the client runs the same
 * table offline so a technician hears "no" at once, not at the next sync.
 */
#ifndef WO_LIFECYCLE_H
#define WO_LIFECYCLE_H

#include <stddef.h>

/*
 * Next status for event `ev` ("accept", "visit.start", "assign", ...) with
 * argument `arg` (visit outcome, recipient verdict "satisfied" or
 * "unsatisfied", else NULL) from `status`. Returns a static string, or
 * NULL with a reason naming the state and the events it allows.
 * Events that do not change the status (note.add, part.add) return the
 * current status unchanged when allowed.
 */
const char *wo_lifecycle_next(const char *status, const char *ev, const char *arg,
                           char *reason, size_t len);

/* Every status, space-separated, for messages. */
#define WO_STATUSES "awaiting_authorisation new assigned accepted en_route " \
                    "on_site on_hold_parts on_hold_customer completed " \
                    "closed disputed reopened cancelled"

/* 1 if s names a status (one of WO_STATUSES), else 0. */
int wo_lifecycle_is_status(const char *s);

/* 1 if p names a priority (P1, P2 or P3), else 0; NULL is none. */
int wo_lifecycle_is_priority(const char *p);

/* 1 if the order is out of every technician's scope in this status. */
int wo_lifecycle_is_terminal(const char *status);

#endif
