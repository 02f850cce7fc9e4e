/*
 * handle_sync.h - catch-up: a technician's orders after its cursor, the
 * office's SLA alerts after its cursor. Both are paced by what the peer
 * reads (a job the session keeps, resumed when it is hungry) and end with
 * the session subscribed to its live feed. Called only by dispatch.c.
 */
#ifndef HANDLE_SYNC_H
#define HANDLE_SYNC_H

#include "call.h"

/* A sync frame: start a catch-up (replacing one in progress) and make
 * its first frames. 0 or a WO_E* code with c->reason. */
int handle_sync_tech(struct call *c);
int handle_sync_office(struct call *c);
/* A technician's delivery receipts: orders stored, orders first opened
 * (docs/protocol.md, "Field data"). No answer. */
int handle_receipts(struct call *c);

/* c->s is hungry (session.h): the next frames of its catch-up, if one
 * is in progress. 0 or a WO_E* code with c->reason; on failure the
 * catch-up is abandoned (the peer reconnects to retry). */
int handle_sync_resume(struct call *c);

/* A frame of c->s's catch-up came back from the catch-up worker
 * (catchup.h): send it and take the next steps; nothing if the catch-up
 * that asked for it was since replaced. 0 or a WO_E* code with
 * c->reason, as handle_sync_resume. */
struct catchup_job;
int handle_sync_loaded(struct call *c, const struct catchup_job *j);

#endif
