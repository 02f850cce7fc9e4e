/*
 * push.h - sending committed changes to the live sessions that hold them:
 * a technician's orders, past resolutions of their assets, SLA alerts to
 * the office, and disconnecting a revoked device. Only sessions that have
 * finished their catch-up of a feed (session_wants) get its pushes; the
 * others get the change on their next catch-up.
 */
#ifndef PUSH_H
#define PUSH_H

#include <stddef.h>
#include <stdint.h>

struct srv;
struct wo_changes;

/*
 * After a committed change to order id: send its new state to every live
 * session of the assignee (or a revocation if the order left their scope),
 * and a revocation to prev_assignee's sessions when the order moved away
 * from them (0: none). A closed order also goes, as a past resolution,
 * to the technicians holding an open order on the same asset.
 */
void push_order(struct srv *srv, int64_t id, int64_t prev_assignee);

/* One session's own ops on an order in a group commit: the records they
 * made or changed (op ids, and a visit end's visit), and whether one of
 * them was rejected (the replica dropped its record of it: it needs the
 * whole order back). */
struct push_own {
    uint64_t sid;
    const char **rec;
    size_t n_rec;
    int rejected;
};

/*
 * push_order after a group commit of technicians' ops on order id, all
 * sent by the sessions in own[0..n_own) (commit.c calls it for one: with
 * two, each would lack the other's records): one that merges partial
 * orders (its sync said so) and had nothing rejected gets back only its
 * own records with the order's fields (a partial order), not the whole
 * order it already has; every other live session of the holder gets the
 * whole order. A session whose partial order cannot be loaded is marked
 * rejected in own, and so gets the whole order too.
 */
void push_order_own(struct srv *srv, int64_t id, struct push_own *own,
                    size_t n_own);

/* Whether any session watches the board (the web console). */
int push_board_watched(struct srv *srv);

/* The list rows of orders ids[0..n) (distinct) to every session watching
 * the board, as few frames as fit: what changed is not the order (its seq
 * stays) but what the office sees of it, such as a delivery receipt. */
void push_board_rows(struct srv *srv, const int64_t *ids, size_t n);

/* After order id reached its assignee (create, assign, escalate): send
 * the past resolutions of its asset to the assignee's live sessions. */
void push_past(struct srv *srv, int64_t id);

/* A frame of alerts to every session subscribed to the alert feed. */
void push_alerts(struct srv *srv, const struct wo_changes *ch);

/* A frame of activity-feed events to every session subscribed to the
 * alert feed (the office). */
void push_feed(struct srv *srv, const struct wo_changes *ch);

/* Revoked device: close its sessions now. */
void push_disconnect_device(struct srv *srv, int64_t device);

/* Load the past resolutions ids[0..n) into ch->past (for catch-up too);
 * release with push_past_free(). 0 or a WO_E* code. */
int push_past_load(struct srv *srv, const int64_t *ids, size_t n,
                   struct wo_changes *ch);
void push_past_free(struct wo_changes *ch);

#endif
