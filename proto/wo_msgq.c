/* wo_msgq.c - outbound frame queue and inbound reassembly buffer. */
#include <stdlib.h>
#include <string.h>

#include "wo_msgq.h"
#include "wo_proto.h"

#define KEEP_RX_BYTES 65536

void wo_outq_init(struct wo_outq *q, size_t headroom)
{
    memset(q, 0, sizeof *q);
    q->headroom = headroom;
}

int wo_outq_push(struct wo_outq *q, int type, const void *body)
{
    struct wo_buf b = {0};
    int rc = wo_frame_encode(type, body, &b);
    if (rc)
        return rc;
    rc = wo_outq_push_raw(q, b.data, b.len);
    wo_buf_cleanup(&b);
    return rc;
}

int wo_outq_push_raw(struct wo_outq *q, const void *data, size_t len)
{
    struct wo_outframe *f = malloc(sizeof *f + q->headroom + len);
    if (!f)
        return WO_ENOMEM;
    f->next = NULL;
    f->len = len;
    memcpy(f->buf + q->headroom, data, len);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->bytes += f->len;
    return 0;
}

struct wo_outframe *wo_outq_pop(struct wo_outq *q)
{
    struct wo_outframe *f = q->head;
    if (!f)
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->bytes -= f->len;
    return f;
}

void wo_outq_cleanup(struct wo_outq *q)
{
    struct wo_outframe *f;
    while ((f = wo_outq_pop(q)))
        free(f);
}

int wo_inbuf_append(struct wo_inbuf *b, const void *p, size_t n, size_t max)
{
    if (b->len + n > max)
        return WO_ETOOBIG;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *nd = realloc(b->data, cap);
        if (!nd)
            return WO_ENOMEM;
        b->data = nd;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void wo_inbuf_reset(struct wo_inbuf *b)
{
    b->len = 0;
    if (b->cap > KEEP_RX_BYTES) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

void wo_inbuf_cleanup(struct wo_inbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
