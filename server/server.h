/*
 * server.h - the server context handed to every handler: the store, the
 * group-commit queue, the live sessions, and the few settings and
 * counters that belong to the whole server rather than to one module's
 * file scope.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdint.h>

struct catchup_worker;
struct commit;
struct feed_presence;
struct sessreg;
struct store;
struct throttle;

struct srv {
    struct store *store;
    struct commit *commit;
    struct sessreg *sessions;
    int max_conns_per_user;     /* per-user connection cap */
    struct throttle *enrol_users;   /* wrong enrolment codes per user */
    struct throttle *enrol_addrs;   /* ... and per source address */
    uint8_t anchor_key[32];     /* MACs the time anchors (verify.h) */
    int64_t alerts_pushed;      /* desk.c: last alert id pushed live;
                                 * -1 until read from the store */
    int64_t feed_pushed;        /* feed.c: last feed event pushed live;
                                 * -1 until read from the store */
    struct feed_presence *presence; /* feed.c: presence not yet written */
    struct catchup_worker *catchup; /* catchup.h: frames of catch-ups made
                                     * on the second core; NULL: on the
                                     * loop */
    struct codepool *codes;     /* codepool.h: recipient codes made ahead;
                                 * NULL: each made on the loop */
};

#endif
