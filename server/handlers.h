/*
 * handlers.h - one handler per frame or command (handle_*.c), called only
 * by dispatch.c after its checks: the session is authenticated with a
 * role the route allows, and a handler of a write route runs inside the
 * transaction dispatch opened. Each returns 0 or a WO_E* code and, on
 * failure, may put the reason for the peer in c->reason.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "dispatch.h"
#include "wo_proto.h"

struct srv;
struct session;

/* handle_auth.c: the challenge, enrolment, proof-of-possession auth. */
int handle_connect(struct srv *srv, struct session *s);
int handle_enroll(struct call *c);
int handle_auth(struct call *c);

/* handle_ops.c: a technician's ops, queued for the next group commit. */
int handle_ops(struct call *c);

/* handle_sync.c: a technician's catch-up of orders; the office's of
 * alerts. Both end with the session subscribed to its live feed. */
int handle_sync_tech(struct call *c);
int handle_sync_office(struct call *c);

/* handle_cmd.c: dispatcher and admin commands. */
int handle_cmd_create(struct call *c);
int handle_cmd_assign(struct call *c);
int handle_cmd_move(struct call *c);        /* cancel, dispute */
int handle_cmd_escalate(struct call *c);
int handle_cmd_schedule(struct call *c);
int handle_cmd_sla_set(struct call *c);
int handle_cmd_sla_show(struct call *c);
int handle_cmd_tier(struct call *c);
int handle_cmd_revoke(struct call *c);
int handle_cmd_show(struct call *c);
int handle_cmd_board(struct call *c);
int handle_cmd_history(struct call *c);
int handle_cmd_alerts(struct call *c);
int handle_cmd_search(struct call *c);
int handle_cmd_report(struct call *c);

#endif
