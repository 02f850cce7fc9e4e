/*
 * wo_msgq.h - message buffers both WebSocket ends need: a queue of
 * encoded outbound frames with headroom for the transport's header (lws
 * wants LWS_PRE bytes before each payload), and reassembly of an inbound
 * message from fragments under a size limit. No socket code here.
 */
#ifndef WO_MSGQ_H
#define WO_MSGQ_H

#include <stddef.h>
#include <stdint.h>

struct wo_outframe {
    struct wo_outframe *next;
    size_t len;             /* payload bytes, after the headroom */
    uint8_t buf[];          /* headroom, then the payload */
};

struct wo_outq {
    struct wo_outframe *head, *tail;
    size_t bytes;           /* payload bytes queued */
    size_t headroom;
};

void wo_outq_init(struct wo_outq *q, size_t headroom);

/* Encode a frame (wo_proto.h) and append it. 0 or a WO_E* code. */
int wo_outq_push(struct wo_outq *q, int type, const void *body);

/* Append len bytes as they are (an already encoded frame). 0 or
 * WO_ENOMEM. */
int wo_outq_push_raw(struct wo_outq *q, const void *data, size_t len);

/* Take the oldest frame (caller frees it), or NULL. Its payload starts at
 * f->buf + q->headroom. */
struct wo_outframe *wo_outq_pop(struct wo_outq *q);

void wo_outq_cleanup(struct wo_outq *q);

struct wo_inbuf {
    uint8_t *data;
    size_t len, cap;
};

/* Append a fragment; WO_ETOOBIG if the message would exceed max bytes,
 * WO_ENOMEM. */
int wo_inbuf_append(struct wo_inbuf *b, const void *p, size_t n, size_t max);

/* After a complete message: keep a small buffer, give back a large one. */
void wo_inbuf_reset(struct wo_inbuf *b);
void wo_inbuf_cleanup(struct wo_inbuf *b);

#endif
