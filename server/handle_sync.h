/*
 * handle_sync.h - catch-up: a technician's orders after its cursor, the
 * office's SLA alerts after its cursor. Both end with the session
 * subscribed to its live feed. Called only by dispatch.c.
 */
#ifndef HANDLE_SYNC_H
#define HANDLE_SYNC_H

#include "call.h"

int handle_sync_tech(struct call *c);
int handle_sync_office(struct call *c);

#endif
