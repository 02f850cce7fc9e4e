/*
 * dispatch.h - from a received message to a handler.
 *
 * dispatch_frame() decodes, then looks the frame type up in a route table
 * {type, handler, who may send it}. The cross-cutting checks live here and
 * nowhere else: authenticated?, role allowed?, and turning a handler's
 * error code into an error frame. A peer that sends garbage again and
 * again is closed with 1007/1008.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stddef.h>
#include <stdint.h>

struct srv;
struct session;

/* What a handler fills in when it fails: the reason a peer sees. */
struct reply {
    int64_t req;
    char reason[512];
};

typedef int (*handler_fn)(struct srv *srv, struct session *s, void *body,
                          struct reply *r);

/* A new connection: send the challenge. */
int dispatch_connected(struct srv *srv, struct session *s);

/* One reassembled message. Never fails the connection except by
 * session_close(). */
void dispatch_frame(struct srv *srv, struct session *s, const uint8_t *data,
                    size_t len, int binary);

#endif
