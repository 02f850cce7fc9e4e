/*
 * call.h - one received frame being handled: what a handler reads (the
 * server, the session, who sent it, the decoded body) and what it leaves
 * for dispatch to do once its transaction is committed (the orders to
 * push, a device to disconnect, the answer to send).
 */
#ifndef CALL_H
#define CALL_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct session_auth;
struct srv;
struct wo_result;

#define CALL_MAX_PUSHES 4

/* One frame being handled: what a handler reads and what it leaves for
 * dispatch to do after the commit. */
struct call {
    struct srv *srv;
    struct session *s;
    const struct session_auth *a;   /* NULL before authentication */
    void *body;             /* the decoded frame; a handler that keeps it
                             * sets this to NULL */
    int64_t req;            /* a command's req, else 0 */
    char reason[512];       /* on failure: what the peer is told */
    /* after the commit: push these orders to their technicians */
    struct {
        int64_t id, prev;   /* prev: former holder to revoke from, or 0 */
        int past;           /* also the asset's past resolutions */
    } pushes[CALL_MAX_PUSHES];
    size_t n_pushes;
    int64_t *rows;          /* after the commit: these orders' list rows
                             * go to the sessions watching the board (a
                             * receipt changed); malloc'd, n_rows of them */
    size_t n_rows;
    int64_t disconnect;     /* after the commit: close this device's
                             * sessions (revoked), or 0 */
    /* a command's answer: res as it is, else the orders in ids (office
     * view), else an empty result */
    struct wo_result *res;
    int64_t *ids, one;
    size_t n_ids;
    int reverify;           /* re-check signatures of the answered orders */
    int brief;              /* answer the orders without their records */
    int64_t total;          /* the answer's `total` (orders: all matching) */
    char code[16];          /* a recipient code just made: shown once, in
                             * the answer, never stored in clear */
    char auth_code[16];     /* an authorisation code just made, likewise */
    int keep;               /* a failing handler's writes are kept (a
                             * wrong code counted); see dispatch.c */
};

typedef int (*handler_fn)(struct call *c);

/* After the commit, push order id (and revoke it from prev); with past,
 * the asset's past resolutions go to its holder too. */
void call_push(struct call *c, int64_t id, int64_t prev, int past);

/* Answer with one order / with ids (ownership of the malloc'd array
 * passes to the call). */
void call_reply_order(struct call *c, int64_t id);
void call_reply_orders(struct call *c, int64_t *ids, size_t n);

#endif
