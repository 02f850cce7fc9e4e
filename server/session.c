/*
 * session.c - the session object (see session.h).
 *
 * Invariants:
 *   - a session is in the registry from authentication until destroyed;
 *   - a frame is queued only while less than SESSION_QUEUE_CAP bytes
 *     wait, so a peer holds at most the cap plus one frame: a peer that
 *     stops reading is closed, its queue dropped, rather than buffered
 *     without end;
 *   - once closing, its input is ignored; frames queued before the queue
 *     drains (the error that explains the close) still go out, and the
 *     close frame is the last thing the peer gets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "sessreg.h"
#include "wo_crypto.h"
#include "wo_msgq.h"

struct session {
    struct sessreg *reg;
    const struct transport *tp;
    void *conn;
    uint64_t id;
    int authed;
    unsigned feeds;             /* enum session_feed bits */
    struct session_auth auth;
    uint8_t nonce[WO_NONCE_LEN];
    int strikes;                /* malformed frames in a row */
    struct wo_outq out;
    int dropped;                /* queue dropped: a peer too far behind */
    int close_code;             /* nonzero: close once the queue is written */
    char close_why[64];
    void *job;                  /* paced work resumed as the queue drains */
    void (*free_job)(void *job);
    uint64_t heard;             /* input and pongs received */
};

struct session *session_create(struct sessreg *reg, const struct transport *tp,
                               void *conn, size_t headroom)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->reg = reg;
    s->tp = tp;
    s->conn = conn;
    s->id = sessreg_next_id(reg);
    wo_outq_init(&s->out, headroom);
    return s;
}

void session_destroy(struct session *s)
{
    if (!s)
        return;
    if (s->authed)
        sessreg_remove(s->reg, s->id);
    if (s->feeds)
        sessreg_feeds_changed(s->reg, s->feeds, 0);
    session_set_job(s, NULL, NULL);
    wo_outq_cleanup(&s->out);
    free(s);
}

uint64_t session_id(const struct session *s) { return s->id; }

const struct session_auth *session_auth(const struct session *s)
{
    return s->authed ? &s->auth : NULL;
}

int session_set_auth(struct session *s, const struct session_auth *a)
{
    int rc = sessreg_add(s->reg, s, s->id, a->user_id, a->device_id);
    if (rc)
        return rc;
    s->auth = *a;
    s->authed = 1;
    if (s->tp->authenticated)
        s->tp->authenticated(s->conn);
    return 0;
}

void session_subscribe(struct session *s, enum session_feed f)
{
    unsigned joined = (unsigned)f & ~s->feeds;
    s->feeds |= (unsigned)f;
    if (joined)
        sessreg_feeds_changed(s->reg, joined, 1);
}

void session_unsubscribe(struct session *s, enum session_feed f)
{
    unsigned left = (unsigned)f & s->feeds;
    s->feeds &= ~(unsigned)f;
    if (left)
        sessreg_feeds_changed(s->reg, left, 0);
}

int session_wants(const struct session *s, enum session_feed f)
{
    return (s->feeds & (unsigned)f) != 0;
}

void session_set_job(struct session *s, void *job, void (*free_job)(void *))
{
    if (s->job && s->free_job)
        s->free_job(s->job);
    s->job = job;
    s->free_job = free_job;
}

void *session_job(const struct session *s) { return s->job; }

int session_hungry(const struct session *s)
{
    return s->job && !s->close_code && s->out.bytes < SESSION_QUEUE_LOW;
}

size_t session_queued_bytes(const struct session *s) { return s->out.bytes; }

const char *session_peer(const struct session *s)
{
    const char *p = s->tp->peer ? s->tp->peer(s->conn) : NULL;
    return p ? p : "";
}

void session_heard(struct session *s) { s->heard++; }

uint64_t session_heard_count(const struct session *s) { return s->heard; }

void session_ping(struct session *s)
{
    if (s->tp->ping)
        s->tp->ping(s->conn);
}

void session_drop(struct session *s)
{
    if (s->tp->drop)
        s->tp->drop(s->conn);
}

uint8_t *session_nonce(struct session *s) { return s->nonce; }

/* Room for one more frame, or the session is closing (session_send). */
static int room(struct session *s)
{
    if (s->dropped)
        return WO_EIO; /* closing already: see below */
    if (s->out.bytes >= SESSION_QUEUE_CAP) {
        /* it has not read what it was sent: free that now, and tell it
         * why in the close frame, the one thing still sent */
        fprintf(stderr, "wo-server: session %llu (%s) is not reading: "
                "%zu bytes queued; closing it\n", (unsigned long long)s->id,
                session_peer(s), s->out.bytes);
        wo_outq_cleanup(&s->out);
        s->dropped = 1;
        session_close(s, WO_CLOSE_POLICY, "peer is not reading: over 4 MiB "
                      "queued");
        return WO_EIO;
    }
    return 0;
}

/* After queueing a frame: rc from the queue, as session_send says. */
static int queued(struct session *s, int rc)
{
    if (rc) {
        /* the peer would miss a frame: better it reconnects and catches
         * up than goes on with a gap */
        session_close(s, WO_CLOSE_INTERNAL, "server could not send a frame");
        return rc;
    }
    s->tp->want_write(s->conn);
    return 0;
}

int session_send(struct session *s, int type, const void *body)
{
    int rc = room(s);
    return rc ? rc : queued(s, wo_outq_push(&s->out, type, body));
}

int session_send_buf(struct session *s, const void *data, size_t len)
{
    int rc = room(s);
    return rc ? rc : queued(s, wo_outq_push_raw(&s->out, data, len));
}

int session_error(struct session *s, int code, int64_t req, const char *fmt,
                  ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    /* the one place every error reason passes: it may quote a peer's
     * bytes, or be cut inside a character */
    wo_utf8_clean(reason);
    struct wo_error e = {.status = wo_err_status(code), .reason = reason,
                         .req = req};
    return session_send(s, WO_F_ERROR, &e);
}

int session_strike(struct session *s, int bad)
{
    return s->strikes = bad ? s->strikes + 1 : 0;
}

void session_close(struct session *s, int code, const char *why)
{
    if (s->close_code)
        return;
    s->close_code = code;
    snprintf(s->close_why, sizeof s->close_why, "%s", why);
    s->tp->want_write(s->conn);
}

struct wo_outframe *session_next_frame(struct session *s)
{
    return wo_outq_pop(&s->out);
}

int session_queued(const struct session *s) { return s->out.head != NULL; }

int session_closing(const struct session *s, const char **why)
{
    *why = s->close_why;
    return s->close_code;
}
