/*
 * handle_auth.h - the challenge sent on connect, enrolment, and
 * proof-of-possession authentication. Like every handle_*.h, called only
 * by dispatch.c after its checks; a handler returns 0 or a WO_E* code and
 * may put the peer's reason in c->reason.
 */
#ifndef HANDLE_AUTH_H
#define HANDLE_AUTH_H

#include "call.h"

struct srv;
struct session;

/* Wrong enrolment codes a user name may take in a window. */
#define ENROL_TRIES 5
#define ENROL_WINDOW_MIN 15
/* Wrong enrolment codes one source address may send in that window. */
#define ENROL_ADDR_TRIES 20

int handle_connect(struct srv *srv, struct session *s);
int handle_enroll(struct call *c);
int handle_auth(struct call *c);

#endif
