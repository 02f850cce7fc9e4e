/*
 * dispatch.h - from a received message to a handler, and back.
 *
 * dispatch_frame() decodes, then looks the frame up in one route table
 * keyed by frame type and, for commands, command name: {handler, roles
 * allowed, flags}. The cross-cutting work lives here and nowhere else:
 * authenticated?, role allowed?, a write handler's transaction (opened
 * before it runs, committed after, rolled back on any error), pushing the
 * orders it changed once the commit is durable, the command's answer, and
 * turning an error code into an error frame that carries the frame's req.
 * A handler sees one frame as a struct call (call.h).
 * A peer that sends garbage again and again is closed.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct srv;

/* A new connection: send the challenge. 0 or a WO_E* code. */
int dispatch_connected(struct srv *srv, struct session *s);

/* One reassembled message. Never fails the connection except by
 * session_close(). An error answering a frame that carried a `req`
 * carries it, even when the frame did not decode. */
void dispatch_frame(struct srv *srv, struct session *s, const uint8_t *data,
                    size_t len, int binary);

/* The transport wrote frames and s is hungry (session_hungry): the next
 * frames of its paced catch-up; a failure becomes an error frame. */
/* Session s is closing (before it is destroyed): its presence. */
void dispatch_closed(struct srv *srv, struct session *s);

void dispatch_drained(struct srv *srv, struct session *s);

/* The catch-up worker finished frames (catchup.h): each goes to its
 * session, if that is still open, and its catch-up goes on. */
void dispatch_woken(struct srv *srv);

#endif
