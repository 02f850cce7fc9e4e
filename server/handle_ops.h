/*
 * handle_ops.h - a technician's ops frame, queued whole for the next group
 * commit (commit.h). Called only by dispatch.c.
 */
#ifndef HANDLE_OPS_H
#define HANDLE_OPS_H

#include "call.h"

int handle_ops(struct call *c);

#endif
