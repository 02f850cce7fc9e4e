/*
 * push.h - sending work-order state down to technicians (handle_sync.c).
 */
#ifndef PUSH_H
#define PUSH_H

#include <stdint.h>

struct srv;

/*
 * After a committed change to order id: send its new state to every live
 * session of the assignee (or a revocation if the order left their scope),
 * and a revocation to prev_assignee's sessions when the order moved away
 * from them (0: none). A closed order also goes, as a past resolution,
 * to the technicians holding an open order on the same asset.
 */
void push_order(struct srv *srv, int64_t id, int64_t prev_assignee);

/* After order id reached its assignee (create, assign, escalate): send
 * the past resolutions of its asset to the assignee's live sessions. */
void push_past(struct srv *srv, int64_t id);

/* Revoke device: close its sessions now (handle_cmd.c). */
void push_disconnect_device(int64_t device);

#endif
