/* call.c - what a handler leaves for dispatch (see call.h). */
#include "call.h"

void call_push(struct call *c, int64_t id, int64_t prev, int past)
{
    for (size_t i = 0; i < c->n_pushes; i++)
        if (c->pushes[i].id == id) {
            c->pushes[i].prev = prev ? prev : c->pushes[i].prev;
            c->pushes[i].past |= past;
            return;
        }
    /* a command changes one order; the table has room to spare */
    if (c->n_pushes < CALL_MAX_PUSHES) {
        c->pushes[c->n_pushes].id = id;
        c->pushes[c->n_pushes].prev = prev;
        c->pushes[c->n_pushes++].past = past;
    }
}

void call_reply_order(struct call *c, int64_t id)
{
    c->one = id;
    c->ids = &c->one;
    c->n_ids = 1;
}

void call_reply_orders(struct call *c, int64_t *ids, size_t n)
{
    c->ids = ids;
    c->n_ids = n;
}
