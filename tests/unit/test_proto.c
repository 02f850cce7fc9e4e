/* Unit tests for proto/: codec round trips and every rejection path,
 * canonical signed statements, and the lifecycle table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "wo_crypto.h"
#include "wo_lifecycle.h"
#include "wo_msgq.h"
#include "wo_proto.h"
#include "wo_statement.h"

static void test_roundtrip_ops(void **st)
{
    char *serials[] = {"SN1", "SN2"};
    uint8_t sig[64] = {7};
    struct wo_op op = {.id = "op-1", .wo = 42, .kind = "part.add", .at = 5,
                       .part_no = "PX", .qty = 3, .serials = serials,
                       .n_serials = 2, .satisfied = true, .sig = sig,
                       .sig_len = 64, .text = "h\xc3\xa9llo"};
    struct wo_ops ops = {.ops = &op, .n_ops = 1};
    struct wo_buf b = {0};
    assert_int_equal(wo_frame_encode(WO_F_OPS, &ops, &b), 0);
    int type;
    void *body;
    char err[128];
    assert_int_equal(wo_frame_decode(b.data, b.len, &type, &body, err,
                                     sizeof err), 0);
    assert_int_equal(type, WO_F_OPS);
    struct wo_ops *d = body;
    assert_int_equal(d->n_ops, 1);
    assert_string_equal(d->ops[0].id, "op-1");
    assert_int_equal(d->ops[0].wo, 42);
    assert_int_equal(d->ops[0].qty, 3);
    assert_int_equal(d->ops[0].n_serials, 2);
    assert_string_equal(d->ops[0].serials[1], "SN2");
    assert_true(d->ops[0].satisfied);
    assert_memory_equal(d->ops[0].sig, sig, 64);
    assert_string_equal(d->ops[0].text, "h\xc3\xa9llo");
    assert_null(d->ops[0].ref);
    wo_frame_free(type, body);
    wo_buf_cleanup(&b);
}

static void test_roundtrip_changes(void **st)
{
    struct wo_visit v = {.id = "v1", .tech = "al", .started_at = 1};
    struct wo_order o = {.id = 9, .seq = 3, .title = "t", .priority = "P1",
                         .status = "assigned", .created_at = 1,
                         .visits = &v, .n_visits = 1};
    int64_t rev[] = {4, 5};
    struct wo_changes ch = {.orders = &o, .n_orders = 1, .revoked = rev,
                            .n_revoked = 2, .cursor = 77, .final = true};
    struct wo_buf b = {0};
    assert_int_equal(wo_frame_encode(WO_F_CHANGES, &ch, &b), 0);
    int type;
    void *body;
    assert_int_equal(wo_frame_decode(b.data, b.len, &type, &body, NULL, 0), 0);
    struct wo_changes *d = body;
    assert_int_equal(d->cursor, 77);
    assert_true(d->final);
    assert_int_equal(d->n_revoked, 2);
    assert_int_equal(d->revoked[1], 5);
    assert_string_equal(d->orders[0].visits[0].tech, "al");
    struct wo_order copy;
    assert_int_equal(wo_order_copy(&copy, &d->orders[0]), 0);
    assert_string_equal(copy.visits[0].id, "v1");
    wo_order_cleanup(&copy);
    wo_frame_free(type, body);
    wo_buf_cleanup(&b);
}

/* Search hits, report rows, past resolutions and the new cmd fields. */
static void test_roundtrip_knowledge(void **st)
{
    struct wo_hit h = {.wo = 4, .title = "Chiller", .asset = "CH-7",
                       .closed_at = 99, .snippet = "[fan] motor"};
    struct wo_row r = {.key = "P1", .orders = 2, .response_met = 1,
                       .response_missed = 1, .resolve_ms = 3600000};
    struct wo_result res = {.req = 5, .hits = &h, .n_hits = 1, .rows = &r,
                            .n_rows = 1};
    struct wo_buf b = {0};
    int type;
    void *body;
    assert_int_equal(wo_frame_encode(WO_F_RESULT, &res, &b), 0);
    assert_int_equal(wo_frame_decode(b.data, b.len, &type, &body, NULL, 0), 0);
    struct wo_result *d = body;
    assert_int_equal(d->n_hits, 1);
    assert_string_equal(d->hits[0].snippet, "[fan] motor");
    assert_int_equal(d->hits[0].closed_at, 99);
    assert_null(d->hits[0].site);
    assert_string_equal(d->rows[0].key, "P1");
    assert_int_equal(d->rows[0].response_missed, 1);
    assert_int_equal(d->rows[0].resolve_ms, 3600000);
    wo_frame_free(type, body);
    wo_buf_cleanup(&b);

    struct wo_note n = {.id = "n1", .author = "al", .at = 1, .text = "coil"};
    struct wo_order past = {.id = 3, .seq = 8, .title = "t", .priority = "P2",
                            .status = "closed", .created_at = 1,
                            .notes = &n, .n_notes = 1, .visit_start = 10,
                            .visit_end = 20};
    struct wo_changes ch = {.cursor = 8, .past = &past, .n_past = 1};
    assert_int_equal(wo_frame_encode(WO_F_CHANGES, &ch, &b), 0);
    assert_int_equal(wo_frame_decode(b.data, b.len, &type, &body, NULL, 0), 0);
    struct wo_changes *dc = body;
    assert_int_equal(dc->n_orders, 0);
    assert_int_equal(dc->n_past, 1);
    assert_string_equal(dc->past[0].notes[0].text, "coil");
    assert_int_equal(dc->past[0].visit_end, 20);
    wo_frame_free(type, body);
    wo_buf_cleanup(&b);

    struct wo_cmd c = {.req = 1, .name = "report", .report = "sla",
                       .since = 5, .until = 6, .limit = 3, .escalate = "on",
                       .start = 7, .end = 8, .text = "fan motor"};
    assert_int_equal(wo_frame_encode(WO_F_CMD, &c, &b), 0);
    assert_int_equal(wo_frame_decode(b.data, b.len, &type, &body, NULL, 0), 0);
    struct wo_cmd *dm = body;
    assert_string_equal(dm->report, "sla");
    assert_string_equal(dm->escalate, "on");
    assert_string_equal(dm->text, "fan motor");
    assert_int_equal(dm->since + dm->until + dm->limit + dm->start + dm->end,
                     29);
    wo_frame_free(type, body);
    wo_buf_cleanup(&b);
}

/* Build a map from (key, msgpack-packer callback) by hand to reach every
 * rejection path. */
static struct wo_buf raw;
static msgpack_packer pk;
static int wr(void *d, const char *p, size_t n)
{
    struct wo_buf *b = d;
    b->data = realloc(b->data, b->len + n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static void begin(size_t n)
{
    wo_buf_cleanup(&raw);
    msgpack_packer_init(&pk, &raw, wr);
    msgpack_pack_map(&pk, n);
}
static void key(const char *k)
{
    msgpack_pack_str(&pk, strlen(k));
    msgpack_pack_str_body(&pk, k, strlen(k));
}
static void sval(const char *s) { key(s); }

static int decode_err(char *err)
{
    int type;
    void *body = NULL;
    int rc = wo_frame_decode(raw.data, raw.len, &type, &body, err, 200);
    assert_null(body);
    return rc;
}

static void test_rejections(void **st)
{
    char err[200];
    /* not a map */
    wo_buf_cleanup(&raw);
    msgpack_packer_init(&pk, &raw, wr);
    msgpack_pack_array(&pk, 0);
    assert_int_equal(decode_err(err), WO_EPROTO);
    /* no type */
    begin(1);
    key("cursor");
    msgpack_pack_int(&pk, 1);
    assert_int_equal(decode_err(err), WO_EPROTO);
    assert_non_null(strstr(err, "'t'"));
    /* unknown type */
    begin(1);
    key("t");
    sval("nope");
    assert_int_equal(decode_err(err), WO_EUNKNOWN);
    /* missing required */
    begin(1);
    key("t");
    sval("sync");
    assert_int_equal(decode_err(err), WO_EPROTO);
    assert_non_null(strstr(err, "cursor"));
    /* wrong type */
    begin(2);
    key("t");
    sval("sync");
    key("cursor");
    sval("x");
    assert_int_equal(decode_err(err), WO_EPROTO);
    assert_non_null(strstr(err, "integer"));
    /* duplicate key */
    begin(3);
    key("t");
    sval("sync");
    key("cursor");
    msgpack_pack_int(&pk, 1);
    key("cursor");
    msgpack_pack_int(&pk, 2);
    assert_int_equal(decode_err(err), WO_EPROTO);
    assert_non_null(strstr(err, "twice"));
    /* string too long */
    begin(3);
    key("t");
    sval("enroll");
    key("code");
    char big[WO_MAX_ID + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    sval(big);
    key("pubkey");
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, big, 32);
    assert_int_equal(decode_err(err), WO_EPROTO);
    assert_non_null(strstr(err, "longer"));
    /* invalid UTF-8 and embedded NUL */
    const char *bads[] = {"\xc3\x28", "a\0b", "\xed\xa0\x80", "\xc0\xaf"};
    size_t lens[] = {2, 3, 3, 2};
    for (int i = 0; i < 4; i++) {
        begin(3);
        key("t");
        sval("enroll");
        key("code");
        msgpack_pack_str(&pk, lens[i]);
        msgpack_pack_str_body(&pk, bads[i], lens[i]);
        key("pubkey");
        msgpack_pack_bin(&pk, 32);
        msgpack_pack_bin_body(&pk, big, 32);
        assert_int_equal(decode_err(err), WO_EPROTO);
        assert_non_null(strstr(err, "UTF-8"));
    }
    /* binary of the wrong size */
    begin(3);
    key("t");
    sval("enroll");
    key("code");
    sval("c");
    key("pubkey");
    msgpack_pack_bin(&pk, 31);
    msgpack_pack_bin_body(&pk, big, 31);
    assert_int_equal(decode_err(err), WO_EPROTO);
    /* too many array entries */
    begin(3);
    key("t");
    sval("sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    key("have");
    msgpack_pack_array(&pk, WO_MAX_ITEMS + 1);
    for (int i = 0; i <= WO_MAX_ITEMS; i++)
        msgpack_pack_int(&pk, i);
    assert_int_equal(decode_err(err), WO_EPROTO);
    /* trailing bytes, truncated input, oversize */
    begin(2);
    key("t");
    sval("sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    wr(&raw, "\x01", 1);
    assert_int_equal(decode_err(err), WO_EPROTO);
    raw.len -= 3;
    assert_int_equal(decode_err(err), WO_EPROTO);
    int type;
    void *body;
    uint8_t one = 0x80;
    assert_int_equal(wo_frame_decode(&one, WO_MAX_FRAME + 1, &type, &body,
                                     err, 200), WO_ETOOBIG);
    /* a bad element deep inside an array frees everything (ASan checks) */
    begin(2);
    key("t");
    sval("ops");
    key("ops");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 4);
    key("id"); sval("a");
    key("wo"); msgpack_pack_int(&pk, 1);
    key("kind"); sval("accept");
    key("at"); msgpack_pack_int(&pk, 1);
    msgpack_pack_map(&pk, 1);
    key("id");
    msgpack_pack_int(&pk, 5);
    assert_int_equal(decode_err(err), WO_EPROTO);
    wo_buf_cleanup(&raw);
}

static void test_statement(void **st)
{
    uint8_t priv[32], pub[32], sig[64];
    char *s = NULL, err[256];
    struct wo_note n = {.id = "n1", .author = "al", .at = 3, .text = "fixed"};
    struct wo_visit v = {.id = "v1", .tech = "al", .started_at = 1,
                         .ended_at = 2, .outcome = "done"};
    struct wo_order o = {.id = 5, .notes = &n, .n_notes = 1, .visits = &v,
                         .n_visits = 1};
    struct wo_stmt_meta m = {.role = "technician", .signer = "al",
                             .device_id = 2, .signed_at = 9};
    assert_int_equal(wo_statement_build(&o, &m, &s), 0);
    assert_non_null(strstr(s, "wo-statement/1\norder 5\nnote n1 "));
    assert_non_null(strstr(s, "\nvisit v1 "));
    assert_int_equal(wo_key_generate(priv, pub), 0);
    assert_int_equal(wo_sign(priv, s, strlen(s), sig), 0);
    assert_int_equal(wo_verify(pub, s, strlen(s), sig), 0);
    assert_int_equal(wo_statement_check(s, &o, &m, err, sizeof err), 0);
    /* the server has one more note the signer never saw: still fine */
    struct wo_note two[2] = {n, {.id = "n2", .author = "bo", .at = 4,
                                 .text = "later"}};
    struct wo_order more = o;
    more.notes = two;
    more.n_notes = 2;
    assert_int_equal(wo_statement_check(s, &more, &m, err, sizeof err), 0);
    /* a record changed after signing */
    struct wo_note changed = n;
    changed.text = "not fixed";
    struct wo_order o2 = o;
    o2.notes = &changed;
    assert_int_equal(wo_statement_check(s, &o2, &m, err, sizeof err),
                     WO_ECRYPTO);
    assert_non_null(strstr(err, "differs"));
    /* claims that do not match the op */
    struct wo_stmt_meta m2 = m;
    m2.signed_at = 10;
    assert_int_equal(wo_statement_check(s, &o, &m2, err, sizeof err),
                     WO_ECRYPTO);
    /* a flipped byte breaks the signature */
    s[20] ^= 1;
    assert_int_equal(wo_verify(pub, s, strlen(s), sig), WO_ECRYPTO);
    free(s);
    /* control characters are refused in signer names */
    m.signer = "a\nrole admin";
    assert_int_equal(wo_statement_build(&o, &m, &s), WO_EINVAL);
}

static void test_lifecycle(void **st)
{
    char r[256];
    assert_string_equal(wo_lifecycle_next("assigned", "accept", NULL, r, 256),
                        "accepted");
    assert_string_equal(wo_lifecycle_next("on_site", "visit.end",
                                          "needs-parts", r, 256),
                        "on_hold_parts");
    assert_string_equal(wo_lifecycle_next("completed", "sign.recipient",
                                          "unsatisfied", r, 256),
                        "disputed");
    assert_null(wo_lifecycle_next("new", "accept", NULL, r, 256));
    assert_non_null(strstr(r, "order is new"));
    assert_null(wo_lifecycle_next("closed", "assign", NULL, r, 256));
    assert_null(wo_lifecycle_next("assigned", "fly", NULL, r, 256));
    assert_non_null(strstr(r, "unknown"));
    /* a record on a closed order would stand outside both signatures */
    assert_null(wo_lifecycle_next("closed", "note.add", NULL, r, 256));
    assert_string_equal(wo_lifecycle_next("completed", "part.add", NULL, r,
                                          256),
                        "completed");
    assert_true(wo_lifecycle_is_terminal("cancelled"));
}

static void test_msgq(void **st)
{
    struct wo_outq q;
    struct wo_sync a = {.cursor = 1}, b = {.cursor = 2};
    wo_outq_init(&q, 16);
    assert_int_equal(wo_outq_push(&q, WO_F_SYNC, &a), 0);
    assert_int_equal(wo_outq_push(&q, WO_F_SYNC, &b), 0);
    assert_true(q.bytes > 0);
    int64_t want[] = {1, 2};
    for (int i = 0; i < 2; i++) {
        struct wo_outframe *f = wo_outq_pop(&q);
        int type;
        void *body;
        assert_non_null(f);
        assert_int_equal(wo_frame_decode(f->buf + 16, f->len, &type, &body,
                                         NULL, 0), 0);
        assert_int_equal(((struct wo_sync *)body)->cursor, want[i]);
        wo_frame_free(type, body);
        free(f);
    }
    assert_null(wo_outq_pop(&q));
    assert_int_equal(q.bytes, 0);
    assert_int_equal(wo_outq_push(&q, WO_F_SYNC, &a), 0);
    wo_outq_cleanup(&q); /* frees what is left (ASan checks) */

    struct wo_inbuf in = {0};
    assert_int_equal(wo_inbuf_append(&in, "abc", 3, 5), 0);
    assert_int_equal(wo_inbuf_append(&in, "de", 2, 5), 0);
    assert_int_equal(wo_inbuf_append(&in, "f", 1, 5), WO_ETOOBIG);
    assert_int_equal(in.len, 5);
    assert_memory_equal(in.data, "abcde", 5);
    wo_inbuf_reset(&in);
    assert_int_equal(in.len, 0);
    wo_inbuf_cleanup(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_ops),
        cmocka_unit_test(test_roundtrip_changes),
        cmocka_unit_test(test_roundtrip_knowledge),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_statement),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_msgq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
