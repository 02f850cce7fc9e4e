/*
 * handle_ops.c - a technician's ops frame: queued whole for the next group
 * commit (commit.h), where ops.c applies each op and the acks follow the
 * durable commit.
 */
#include <stdio.h>

#include "commit.h"
#include "handle_ops.h"
#include "server.h"
#include "session.h"

int handle_ops(struct call *c)
{
    int rc = commit_enqueue(c->srv, session_id(c->s), c->a, c->body);
    if (rc) {
        snprintf(c->reason, sizeof c->reason, "server is out of memory; "
                 "retry later");
        /* its next frame may be on its way already: applied without this
         * one, ops that build on these would be rejected for good. Nothing
         * more from this connection; the client resends in order */
        session_close(c->s, WO_CLOSE_INTERNAL, "ops not queued");
    } else
        c->body = NULL; /* the queue owns it now */
    return rc;
}
