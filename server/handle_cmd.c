/*
 * handle_cmd.c - dispatcher and admin commands. Dispatchers hold nothing
 * offline: each command runs here, in its own durable transaction, and
 * the result (or an error frame with the same req) goes back at once.
 * A change to an order is pushed to the technicians it concerns right
 * after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "commit.h"
#include "handlers.h"
#include "wo_lifecycle.h"
#include "push.h"
#include "server.h"
#include "session.h"
#include "store.h"

typedef int (*cmd_fn)(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r);

static int send_orders(struct srv *srv, struct session *s, int64_t req,
                       const int64_t *ids, size_t n)
{
    struct wo_result res = {.req = req, .n_orders = 0};
    res.orders = calloc(n ? n : 1, sizeof *res.orders);
    if (!res.orders)
        return WO_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = store_order_load(srv->store, ids[i], 1, &res.orders[i], NULL);
        if (!rc) {
            ops_verify_order(srv, &res.orders[i]);
            res.n_orders++;
        }
    }
    if (!rc)
        rc = session_send(s, WO_F_RESULT, &res);
    for (size_t i = 0; i < res.n_orders; i++)
        wo_order_cleanup(&res.orders[i]);
    free(res.orders);
    return rc;
}

static int find_tech(struct srv *srv, const char *name, struct store_user *u,
                     struct reply *r)
{
    int rc = store_user_get(srv->store, name, u);
    if (rc == WO_ENOTFOUND) {
        snprintf(r->reason, sizeof r->reason, "no user named '%s'", name);
        return WO_ENOTFOUND;
    }
    if (!rc && strcmp(u->role, "technician")) {
        snprintf(r->reason, sizeof r->reason, "'%s' is a %s, not a "
                 "technician", name, u->role);
        return WO_EINVAL;
    }
    return rc;
}

/* Inside an open transaction: assign order id to tech. */
static int do_assign(struct srv *srv, const struct session_auth *a, int64_t id,
                     const struct store_user *tech, const char *from)
{
    int64_t seq;
    char detail[160];
    snprintf(detail, sizeof detail, "to %s%s%s", tech->name,
             from ? " from " : "", from ? from : "");
    int rc = store_order_set_assignee(srv->store, id, tech->id, "assigned");
    if (!rc)
        rc = store_change(srv->store, id, "assign", a->user, a->device_id, 0,
                          detail, clock_now_ms(), &seq);
    if (!rc)
        rc = store_tech_add(srv->store, id, tech->id, seq);
    return rc;
}

static int cmd_create(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    struct store_user tech;
    int64_t id, seq;
    if (!c->title || !*c->title) {
        snprintf(r->reason, sizeof r->reason, "create needs a title");
        return WO_EINVAL;
    }
    if (!c->priority || (strcmp(c->priority, "P1") &&
                         strcmp(c->priority, "P2") &&
                         strcmp(c->priority, "P3"))) {
        snprintf(r->reason, sizeof r->reason,
                 "priority must be P1, P2 or P3");
        return WO_EINVAL;
    }
    int rc = c->assignee ? find_tech(srv, c->assignee, &tech, r) : 0;
    if (rc)
        return rc;
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = store_order_create(srv->store, c, a->user_id, clock_now_ms(), &id);
    if (!rc)
        rc = store_change(srv->store, id, "create", a->user, a->device_id, 0,
                          c->title, clock_now_ms(), &seq);
    if (!rc && c->assignee)
        rc = do_assign(srv, a, id, &tech, NULL);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    if (c->assignee)
        push_order(srv, id, 0);
    return send_orders(srv, s, c->req, &id, 1);
}

static int cmd_assign(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    struct store_user tech;
    char status[WO_MAX_ID + 1], from[WO_MAX_ID + 1] = "";
    int64_t prev;
    if (!c->assignee) {
        snprintf(r->reason, sizeof r->reason, "assign needs a technician");
        return WO_EINVAL;
    }
    int rc = store_order_head(srv->store, c->wo, status, &prev, from);
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "work order %lld does not "
                 "exist", (long long)c->wo);
    if (rc)
        return rc;
    if (!wo_lifecycle_next(status, "assign", NULL, r->reason, sizeof r->reason))
        return WO_ESTATE;
    if ((rc = find_tech(srv, c->assignee, &tech, r)))
        return rc;
    if (prev == tech.id) {
        snprintf(r->reason, sizeof r->reason, "order %lld is already "
                 "assigned to %s", (long long)c->wo, tech.name);
        return WO_EINVAL;
    }
    if ((rc = store_begin(srv->store)))
        return rc;
    rc = do_assign(srv, a, c->wo, &tech, from[0] ? from : NULL);
    if (!rc)
        rc = store_commit(srv->store);
    if (rc) {
        store_rollback(srv->store);
        return rc;
    }
    push_order(srv, c->wo, prev);
    return send_orders(srv, s, c->req, &c->wo, 1);
}

static int cmd_show(struct srv *srv, struct session *s,
                    const struct session_auth *a, struct wo_cmd *c,
                    struct reply *r)
{
    int rc = send_orders(srv, s, c->req, &c->wo, 1);
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "work order %lld does not "
                 "exist", (long long)c->wo);
    return rc;
}

struct idlist {
    int64_t *ids;
    size_t n, cap;
};

static int collect_id(void *arg, int64_t id)
{
    struct idlist *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        int64_t *ni = realloc(l->ids, l->cap * sizeof *ni);
        if (!ni)
            return WO_ENOMEM;
        l->ids = ni;
    }
    l->ids[l->n++] = id;
    return 0;
}

static int cmd_board(struct srv *srv, struct session *s,
                     const struct session_auth *a, struct wo_cmd *c,
                     struct reply *r)
{
    struct idlist l = {0};
    int rc = store_board(srv->store, collect_id, &l);
    /* a result frame holds at most WO_MAX_ITEMS orders */
    if (!rc)
        rc = send_orders(srv, s, c->req, l.ids,
                         l.n > WO_MAX_ITEMS ? WO_MAX_ITEMS : l.n);
    free(l.ids);
    return rc;
}

static int cmd_revoke(struct srv *srv, struct session *s,
                      const struct session_auth *a, struct wo_cmd *c,
                      struct reply *r)
{
    int rc = store_device_revoke(srv->store, c->device, clock_now_ms());
    if (rc == WO_ENOTFOUND)
        snprintf(r->reason, sizeof r->reason, "no device %lld",
                 (long long)c->device);
    if (rc)
        return rc;
    push_disconnect_device(c->device);
    struct wo_result res = {.req = c->req};
    return session_send(s, WO_F_RESULT, &res);
}

static const struct {
    const char *name;
    cmd_fn fn;
    int admin_only;
} cmds[] = {
    {"create", cmd_create, 0},
    {"assign", cmd_assign, 0},
    {"show", cmd_show, 0},
    {"board", cmd_board, 0},
    {"revoke", cmd_revoke, 1},
};

int handle_cmd(struct srv *srv, struct session *s, void *body,
               struct reply *r)
{
    struct wo_cmd *c = body;
    const struct session_auth *a = session_auth(s);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmds[i].name, c->name))
            continue;
        if (cmds[i].admin_only && strcmp(a->role, "admin")) {
            snprintf(r->reason, sizeof r->reason, "'%s' is for admins",
                     c->name);
            return WO_EPERM;
        }
        return cmds[i].fn(srv, s, a, c, r);
    }
    snprintf(r->reason, sizeof r->reason, "unknown command '%s'", c->name);
    return WO_EINVAL;
}
