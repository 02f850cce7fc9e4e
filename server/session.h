/*
 * session.h - one client connection, as the application sees it.
 *
 * session.c owns the object: who the peer is once authenticated, the
 * challenge nonce, the feeds it is subscribed to, the count of malformed
 * frames, and the queue of encoded frames waiting to be written. It knows
 * nothing of libwebsockets: it reaches its connection only through the
 * small `struct transport` that the WebSocket glue (ws.c) provides, and
 * the glue pulls queued frames with session_next_frame().
 *
 * Handlers never write to the socket: session_send() queues an encoded
 * frame and asks the transport for a writeable callback.
 *
 * The queue is bounded: a peer that lets SESSION_QUEUE_CAP bytes pile up
 * and is sent one more frame is closed (1008) and its queue dropped at
 * once. Work that would queue a lot (a catch-up) is a job the session
 * keeps and resumes in steps while the queue is below SESSION_QUEUE_LOW:
 * the transport calls back into the application when session_hungry().
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct session;
struct sessreg;
struct wo_outframe;

/* Bytes queued for one peer beyond which the next frame closes it. */
#define SESSION_QUEUE_CAP (4u * 1024 * 1024)
/* A paced job (catch-up) makes more frames only below this many bytes. */
#define SESSION_QUEUE_LOW (256u * 1024)
/* Bytes a frame of several orders stays within (a peer accepts frames up
 * to WO_MAX_FRAME; one order alone may go up to that): a catch-up step
 * queues at most one frame, so a catching-up session holds at most
 * SESSION_QUEUE_LOW plus this. */
#define SESSION_FRAME_BUDGET (512u * 1024)

/* How a session reaches its connection (ws.c fills one per server). The
 * members after want_write may be NULL (a test's transport). */
struct transport {
    /* Ask for a writeable callback, where the glue pops queued frames. */
    void (*want_write)(void *conn);
    /* The peer authenticated: ws.c admits the next connection waiting
     * (the deadlines are the gate's, gate.h). */
    void (*authenticated)(void *conn);
    /* The peer's address as text ("" when unknown). */
    const char *(*peer)(void *conn);
    /* Send a WebSocket ping; its pong counts as hearing from the peer. */
    void (*ping)(void *conn);
    /* Close at once, without a close frame: for a peer that does not
     * even read the close frame. */
    void (*drop)(void *conn);
};

struct session_auth {
    int64_t user_id;
    int64_t device_id;
    char user[WO_MAX_ID + 1];
    char role[16];
    int64_t clock_offset;       /* server - device clock at auth, ms */
};

/* What a caught-up session receives live (session_subscribe). */
enum session_feed {
    SESSION_FEED_ORDERS = 1,    /* a technician's orders (push.c) */
    SESSION_FEED_ALERTS = 2,    /* SLA alerts to the office (desk.c) */
    SESSION_FEED_BOARD = 4,     /* every order change, brief (the console) */
    SESSION_FEED_PARTIAL = 8    /* its own ops come back as partial orders
                                 * (push_order_own): its sync said it
                                 * merges them */
};

/*
 * A new session on conn, with `headroom` bytes reserved before each queued
 * frame for the transport's own header. The session joins reg when it
 * authenticates. NULL when out of memory.
 */
struct session *session_create(struct sessreg *reg, const struct transport *tp,
                               void *conn, size_t headroom);

/* Leave the registry and free everything; NULL is accepted. */
void session_destroy(struct session *s);

uint64_t session_id(const struct session *s);

/* NULL until the session has authenticated. */
const struct session_auth *session_auth(const struct session *s);

/* Authenticated as a: joins the registry. 0 or WO_ENOMEM. */
int session_set_auth(struct session *s, const struct session_auth *a);

/* Catch-up of a feed was sent, so live changes of it may follow. */
void session_subscribe(struct session *s, enum session_feed f);
/* A new catch-up of the feed begins: no live changes until its end. */
void session_unsubscribe(struct session *s, enum session_feed f);
int session_wants(const struct session *s, enum session_feed f);

/*
 * Keep `job` (a catch-up in progress) until it is replaced, cleared
 * (job NULL) or the session is destroyed; the previous job, if any, is
 * released with its own free function. free_job may be NULL.
 */
void session_set_job(struct session *s, void *job, void (*free_job)(void *));
/* The job kept, or NULL. */
void *session_job(const struct session *s);
/* 1 when a job waits and the queue is below SESSION_QUEUE_LOW (and the
 * session is not closing): time to make its next frames. */
int session_hungry(const struct session *s);

/* Payload bytes queued and not yet written. */
size_t session_queued_bytes(const struct session *s);

/* The peer's address as the transport gave it ("" when unknown). */
const char *session_peer(const struct session *s);

/* Signs of life: the transport calls session_heard() for each piece of
 * input and each pong; session_heard_count() is how many so far. */
void session_heard(struct session *s);
uint64_t session_heard_count(const struct session *s);

/* Ask the transport for a ping / to drop the connection now (no-ops on
 * a transport without them). */
void session_ping(struct session *s);
void session_drop(struct session *s);

/* The 32-byte challenge nonce sent on connect (filled by its handler). */
uint8_t *session_nonce(struct session *s);

/*
 * Encode and queue a frame. 0, or a WO_E* code: on any failure (out of
 * memory, or a peer too far behind: SESSION_QUEUE_CAP bytes or more still
 * queued) the session is already closing with a close frame, so the peer
 * reconnects and its catch-up brings what it missed; callers need not
 * close it again. A peer too far behind has its queue dropped at once.
 */
int session_send(struct session *s, int type, const void *body);

/* The same for a frame already encoded (data, len bytes: copied). */
int session_send_buf(struct session *s, const void *data, size_t len);

/* Queue an error frame: wire status from code, printf-style reason
 * (made valid UTF-8 here, whatever a peer's bytes it quotes). Returns
 * what session_send() returned. */
int session_error(struct session *s, int code, int64_t req, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* Count a malformed frame (bad != 0) or reset the count after a good
 * one; returns the count of malformed frames in a row. */
int session_strike(struct session *s, int bad);

/* Close after the frames already queued, with a close code (enum
 * wo_close) and a short reason. The first call wins. */
void session_close(struct session *s, int code, const char *why);

/* For the transport ------------------------------------------------------ */

/* The next frame to write (caller frees it with free()), or NULL; its
 * payload starts after the headroom given to session_create(). */
struct wo_outframe *session_next_frame(struct session *s);

/* 1 while frames wait to be written. */
int session_queued(const struct session *s);

/* Nonzero close code once the queue is empty and the session must close;
 * *why gets the reason. Input from a closing peer is ignored. */
int session_closing(const struct session *s, const char **why);

#endif
