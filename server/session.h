/*
 * session.h - one client connection, as the handlers see it.
 *
 * The struct lives in ws.c (it is the libwebsockets per-session data);
 * handlers use it only through these calls and never write to the socket:
 * session_send() queues an encoded frame and asks for a writeable
 * callback, and the loop writes one frame per callback.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include "wo_proto.h"

struct session;

struct session_auth {
    int64_t user_id;
    int64_t device_id;
    char user[WO_MAX_ID + 1];
    char role[16];
    int64_t clock_offset;       /* server - device clock at auth, ms */
};

uint64_t session_id(const struct session *s);

/* NULL until the session has authenticated. */
const struct session_auth *session_auth(const struct session *s);
void session_set_auth(struct session *s, const struct session_auth *a);

/* Live: catch-up was sent, so live pushes may follow on this session. */
void session_set_live(struct session *s);
int session_is_live(const struct session *s);

/* The 32-byte challenge nonce sent on connect. */
const uint8_t *session_nonce(struct session *s);

/* Encode and queue a frame. 0, WO_ENOMEM, or WO_EIO when the peer is too
 * far behind (the session is then closed). */
int session_send(struct session *s, int type, const void *body);

/* Queue an error frame: wire status from code, printf-style reason. */
void session_error(struct session *s, int code, int64_t req,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Count a malformed frame (bad != 0) or reset the count after a good
 * one; returns the count of malformed frames in a row. */
int session_strike(struct session *s, int bad);

/* Close after the frames already queued, with a WebSocket close status. */
void session_close(struct session *s, int ws_status, const char *why);

#endif
