/*
 * handlers.h - one handler per frame family (handle_*.c), called only by
 * dispatch.c after its checks. Each returns 0 or a WO_E* code and, on
 * failure, puts the reason for the peer in r->reason.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "dispatch.h"
#include "wo_proto.h"

struct srv;
struct session;

/* handle_auth.c */
int handle_connect(struct srv *srv, struct session *s);
int handle_enroll(struct srv *srv, struct session *s, void *body,
                  struct reply *r);
int handle_auth(struct srv *srv, struct session *s, void *body,
                struct reply *r);

/* handle_ops.c: queues the ops for the next group commit. */
int handle_ops(struct srv *srv, struct session *s, void *body,
               struct reply *r);

/* handle_sync.c */
int handle_sync(struct srv *srv, struct session *s, void *body,
                struct reply *r);

/* handle_cmd.c */
int handle_cmd(struct srv *srv, struct session *s, void *body,
               struct reply *r);

#endif
