/*
 * fuzz_decoder.c - libFuzzer target for the frame codec (proto/wo_proto.c).
 *
 * Each input is one WebSocket message as a peer could send it. It goes
 * through wo_frame_decode() and, as the client's outbox storage reads it,
 * wo_op_decode(). Beyond "no crash, no leak, no undefined behaviour" (the
 * sanitizers), a frame that decodes must survive the trip back: encoding
 * it must succeed, the encoding must decode to a frame that encodes to
 * the same bytes, and a deep copy of every order must encode like the
 * original. A difference aborts, so libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wo_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_decoder: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    abort();
}

/* An order encoded alone, as the only entry of a changes frame. */
static void encode_order(const struct wo_order *o, struct wo_buf *out)
{
    struct wo_changes ch = {.orders = (struct wo_order *)o, .n_orders = 1};
    if (wo_frame_encode(WO_F_CHANGES, &ch, out))
        die("an order that decoded does not encode", NULL);
}

/* A deep copy of each order must encode exactly like the original. */
static void check_copies(const struct wo_order *orders, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct wo_order copy;
        struct wo_buf a = {0}, b = {0};
        if (wo_order_copy(&copy, &orders[i]))
            return; /* out of memory: nothing to compare */
        encode_order(&orders[i], &a);
        encode_order(&copy, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len))
            die("a copied order encodes differently", NULL);
        wo_order_cleanup(&copy);
        wo_buf_cleanup(&a);
        wo_buf_cleanup(&b);
    }
}

static void round_trip_frame(int type, const void *body)
{
    struct wo_buf once = {0}, twice = {0};
    char err[256];
    int type2;
    void *body2;
    if (wo_frame_encode(type, body, &once))
        die("a decoded frame does not encode", NULL);
    if (wo_frame_decode(once.data, once.len, &type2, &body2, err, sizeof err))
        die("our own encoding does not decode", err);
    if (type2 != type)
        die("the frame type changed on the way back", NULL);
    if (wo_frame_encode(type2, body2, &twice))
        die("a re-decoded frame does not encode", NULL);
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len))
        die("encode(decode(encode(x))) differs from encode(x)", NULL);
    wo_frame_free(type2, body2);
    wo_buf_cleanup(&once);
    wo_buf_cleanup(&twice);
}

static void round_trip_op(const struct wo_op *op)
{
    struct wo_buf once = {0}, twice = {0};
    struct wo_op op2;
    char err[256];
    if (wo_op_encode(op, &once))
        die("a decoded op does not encode", NULL);
    if (wo_op_decode(once.data, once.len, &op2, err, sizeof err))
        die("our own op encoding does not decode", err);
    if (wo_op_encode(&op2, &twice))
        die("a re-decoded op does not encode", NULL);
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len))
        die("an op's encoding changed on the way back", NULL);
    wo_op_cleanup(&op2);
    wo_buf_cleanup(&once);
    wo_buf_cleanup(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int type;
    void *body;
    if (wo_frame_decode(data, size, &type, &body, err, sizeof err) == 0) {
        if (!body || !wo_ftype_name(type))
            die("decode succeeded without a frame", NULL);
        round_trip_frame(type, body);
        if (type == WO_F_CHANGES) {
            const struct wo_changes *ch = body;
            check_copies(ch->orders, ch->n_orders);
            check_copies(ch->past, ch->n_past);
        } else if (type == WO_F_RESULT) {
            const struct wo_result *r = body;
            check_copies(r->orders, r->n_orders);
        }
        wo_frame_free(type, body);
    } else if (body) {
        die("a failed decode left a frame", err);
    }
    struct wo_op op;
    if (wo_op_decode(data, size, &op, err, sizeof err) == 0) {
        round_trip_op(&op);
        wo_op_cleanup(&op);
    }
    return 0;
}
