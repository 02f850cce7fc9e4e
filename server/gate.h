/*
 * gate.h - what every connection may hold, whoever it is: admission
 * (connections per source address, unauthenticated connections overall),
 * deadlines (time to authenticate, time without hearing from the peer)
 * and a frame rate per session.
 *
 * The gate keeps one record per session, from its opening to its close,
 * and is driven by the loop's owner (main.c): gate_open() when a
 * WebSocket opens, gate_frame() before each whole message is handled and
 * gate_handled() after it, gate_closed() when the connection is gone, and
 * gate_sweep() from one periodic timer that walks every session. That one
 * timer replaces a timer per connection, which lws 4.1.6 keeps in a
 * sorted list that does not scale; and unlike lws's own timeouts, every
 * close it decides goes out as a WebSocket close frame with a code
 * (docs/protocol.md, "Closing").
 *
 * Times are milliseconds of a monotonic clock the caller passes
 * (wo_clock_mono_ms() in the server, made-up values in tests).
 */
#ifndef GATE_H
#define GATE_H

#include <stdint.h>

struct gate;
struct session;

/* Every limit; 0 turns that limit off. */
struct gate_limits {
    int per_addr;           /* open connections from one address */
    int unauth;             /* unauthenticated connections, all addresses */
    int64_t auth_ms;        /* to authenticate after the WebSocket opens */
    int64_t idle_ms;        /* silence (no input, no pong) before closing;
                             * a ping goes out after half of it */
    int64_t rate;           /* frames per second, sustained */
    int64_t burst;          /* frames at once, beyond the rate */
};

/* The server's defaults (wo-server run, docs/protocol.md). */
#define GATE_PER_ADDR 256
#define GATE_UNAUTH 1024
#define GATE_AUTH_MS (20 * 1000)
/* A peer that vanished is the kernel's to notice (TCP keep-alive, ws.c);
 * the idle time is for one that stays connected but says nothing (a hung
 * client), so it can be long: one ping per peer per 5 min at most. */
#define GATE_IDLE_MS (600 * 1000)
#define GATE_RATE 100
#define GATE_BURST 1000
/* A closing session whose close frame could not be written this long
 * after (a peer that reads nothing) is dropped without it. */
#define GATE_CLOSE_GRACE_MS (10 * 1000)

/* NULL when out of memory. */
struct gate *gate_create(const struct gate_limits *lim);
/* After every session was closed; NULL is accepted. */
void gate_destroy(struct gate *g);

/*
 * Session s (not yet authenticated) opened at now, from session_peer(s).
 * 0: admitted. WO_EPERM: over a cap; s is then closing with
 * WO_CLOSE_BUSY and a reason, and must get nothing else. WO_ENOMEM: not
 * tracked; the caller refuses the connection. Either way but WO_ENOMEM,
 * gate_closed() follows when the connection goes.
 */
int gate_open(struct gate *g, struct session *s, int64_t now);

/* The connection of s is gone; s is still valid. */
void gate_closed(struct gate *g, struct session *s);

/*
 * A whole message from s arrived at now. 0: handle it. WO_EPERM: over the
 * frame rate; s is closing with WO_CLOSE_RATE and the message must be
 * dropped.
 */
int gate_frame(struct gate *g, struct session *s, int64_t now);

/* A message of s was handled: notice that it authenticated s. */
void gate_handled(struct gate *g, struct session *s);

/*
 * The periodic walk, a slice of the sessions each call (every session
 * within 2 s, or a quarter of the shortest limit): close (with
 * WO_CLOSE_TIMEOUT) each session not
 * authenticated within auth_ms or not heard from within idle_ms, ping
 * those quiet for half of idle_ms, and drop those still not closed
 * GATE_CLOSE_GRACE_MS after they began to close.
 */
void gate_sweep(struct gate *g, int64_t now);

/* Unauthenticated sessions now, and open sessions from one address. */
int gate_unauth(const struct gate *g);
int gate_from(const struct gate *g, const char *addr);

#endif
