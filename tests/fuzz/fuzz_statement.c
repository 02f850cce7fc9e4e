/*
 * fuzz_statement.c - libFuzzer target for the signed-statement check
 * (proto/wo_statement.c), the text the server compares a signature's
 * statement with before it accepts a signing op.
 *
 * Input: one byte that picks the signer (fixtures.h), then the statement
 * text as a peer sends it (the op's "statement" field; up to a NUL, as the
 * codec never lets a NUL through). When a NUL follows, the bytes after it
 * are decoded as a changes frame and its first order replaces the sample
 * order, so the record hashing and sorting see orders the fuzzer makes.
 *
 * Beyond the sanitizers, one property: a statement built by
 * wo_statement_build() for an order and signer passes wo_statement_check()
 * for the same order and signer, which is what a signature made on the
 * laptop relies on at the server. Ids with whitespace are left out of it:
 * the statement is whitespace-separated text and the client never makes
 * such ids (UUIDs), so only a peer's own signature could suffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "wo_proto.h"
#include "wo_statement.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int plain_id(const char *id)
{
    if (!id || !*id)
        return 0;
    for (; *id; id++)
        if ((unsigned char)*id <= ' ')
            return 0;
    return 1;
}

/* The ids of n records of `size` bytes whose id pointer is at offset 0:
 * each can travel in a statement line, and none is given twice (a store
 * keys records by id; a decoded frame may repeat one). */
static int plain_ids(const void *recs, size_t n, size_t size)
{
    const char *base = recs;
    for (size_t i = 0; i < n; i++) {
        const char *id = *(char *const *)(base + i * size);
        if (!plain_id(id))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(id, *(char *const *)(base + j * size)))
                return 0;
    }
    return 1;
}

_Static_assert(offsetof(struct wo_visit, id) == 0 &&
                   offsetof(struct wo_part, id) == 0 &&
                   offsetof(struct wo_note, id) == 0,
               "plain_ids() reads each record's id at offset 0");

static int order_plain(const struct wo_order *o)
{
    return plain_ids(o->visits, o->n_visits, sizeof *o->visits) &&
           plain_ids(o->parts, o->n_parts, sizeof *o->parts) &&
           plain_ids(o->notes, o->n_notes, sizeof *o->notes);
}

static void built_statement_checks(const struct wo_order *o,
                                   const struct wo_stmt_meta *m)
{
    char *text, err[256];
    if (!order_plain(o) || wo_statement_build(o, m, &text))
        return;
    if (wo_statement_check(text, o, m, err, sizeof err)) {
        fprintf(stderr, "fuzz_statement: a built statement fails its own "
                "check: %s\n%s", err, text);
        abort();
    }
    free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < FX_N_META; i++)
        built_statement_checks(&fx_order, &fx_meta[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct wo_stmt_meta *m = &fx_meta[data[0] % FX_N_META];
    data++, size--;
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    if (tlen > WO_MAX_STMT)
        return 0; /* the codec refuses longer statements */
    char *text = malloc(tlen + 1);
    if (!text)
        return 0;
    memcpy(text, data, tlen);
    text[tlen] = 0;

    const struct wo_order *o = &fx_order;
    void *body = NULL;
    int type = WO_F_NONE;
    if (nul) {
        char err[256];
        const uint8_t *frame = nul + 1;
        size_t flen = size - tlen - 1;
        if (wo_frame_decode(frame, flen, &type, &body, err, sizeof err) == 0 &&
            type == WO_F_CHANGES && ((struct wo_changes *)body)->n_orders)
            o = &((struct wo_changes *)body)->orders[0];
    }

    char err[256];
    (void)wo_statement_check(text, o, m, err, sizeof err);
    if (o != &fx_order) /* the sample order's were checked at start */
        built_statement_checks(o, m);

    free(text);
    wo_frame_free(type, body);
    return 0;
}
