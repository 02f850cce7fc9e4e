/*
 * Unit tests for hostile bytes at the codec (proto/wo_proto.c): headers
 * that claim more than the message holds, nesting, strings that are not
 * UTF-8, reading `req` out of a frame that does not decode, one bad op in
 * an ops frame, and the UTF-8 clean-up of text the server sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "wo_proto.h"

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

/* Start a frame: a map of n entries whose first is t = type. */
static void begin(size_t n, const char *type)
{
    wo_buf_cleanup(&raw);
    msgpack_packer_init(&pk, &raw, wr);
    msgpack_pack_map(&pk, n);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "t", 1);
    msgpack_pack_str(&pk, strlen(type));
    msgpack_pack_str_body(&pk, type, strlen(type));
}

static void str(const char *s, size_t n)
{
    msgpack_pack_str(&pk, n);
    msgpack_pack_str_body(&pk, s, n);
}

static void key(const char *k) { str(k, strlen(k)); }

static void bytes(const char *p, size_t n) { wr(&raw, p, n); }

/* Decode raw; must fail with rc and a reason holding `words`, valid UTF-8. */
static void refused(int rc, const char *words)
{
    char err[256];
    int type;
    void *body = NULL;
    assert_int_equal(wo_frame_decode(raw.data, raw.len, &type, &body, err,
                                     sizeof err), rc);
    assert_null(body);
    if (!strstr(err, words))
        fail_msg("reason '%s' lacks '%s'", err, words);
    assert_true(wo_utf8_valid(err, strlen(err)));
}

static void test_claimed_counts_are_checked(void **st)
{
    /* an array header claiming 2^32 - 1 entries, then nothing */
    begin(3, "sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    key("have");
    bytes("\xdd\xff\xff\xff\xff", 5);
    refused(WO_EPROTO, "claims 4294967295 entries");
    /* a map, at the top */
    wo_buf_cleanup(&raw);
    bytes("\xdf\xff\xff\xff\xff\xa1t", 7);
    refused(WO_EPROTO, "claims");
    /* a string longer than the message */
    begin(2, "sync");
    key("cursor");
    bytes("\xdb\x7f\xff\xff\xff", 5);
    refused(WO_EPROTO, "not a complete msgpack value");
}

static void test_nesting_is_limited(void **st)
{
    /* an unknown key's value, nested to depth d in all */
    for (int d = WO_MAX_DEPTH; d <= 32; d += 32 - WO_MAX_DEPTH) {
        begin(3, "sync");
        key("cursor");
        msgpack_pack_int(&pk, 0);
        key("extra");
        for (int i = 1; i < d; i++)
            msgpack_pack_array(&pk, 1);
        msgpack_pack_int(&pk, 1);
        char err[256];
        int type;
        void *body = NULL;
        int rc = wo_frame_decode(raw.data, raw.len, &type, &body, err,
                                 sizeof err);
        if (d == WO_MAX_DEPTH) {
            assert_int_equal(rc, 0); /* ignored, as unknown keys are */
            wo_frame_free(type, body);
        } else {
            assert_int_equal(rc, WO_EPROTO);
            assert_non_null(strstr(err, "nest deeper than 8"));
        }
    }
    begin(3, "sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    key("extra");
    for (int i = 0; i < WO_MAX_DEPTH; i++)
        msgpack_pack_map(&pk, 1), key("k");
    msgpack_pack_nil(&pk);
    refused(WO_EPROTO, "nest deeper");
}

static void test_strings_must_be_utf8(void **st)
{
    /* the frame type itself: not echoed back raw */
    begin(1, "\xff");
    refused(WO_EPROTO, "not valid UTF-8");
    /* a long unknown type is quoted cut between characters */
    char t[81];
    for (int i = 0; i < 80; i += 2)
        memcpy(t + i, "\xc3\xa9", 2);
    t[80] = 0;
    begin(1, t);
    refused(WO_EUNKNOWN, "unknown frame type");
    /* a string anywhere, even under a key nobody reads */
    begin(3, "sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    key("future");
    str("ok\xc0\xaf", 4);
    refused(WO_EPROTO, "not valid UTF-8");
    begin(3, "sync");
    key("cursor");
    msgpack_pack_int(&pk, 0);
    str("\xed\xa0\x80", 3); /* a surrogate as a key */
    msgpack_pack_int(&pk, 0);
    refused(WO_EPROTO, "not valid UTF-8");
}

static void test_req_is_read_from_a_bad_frame(void **st)
{
    char title[WO_MAX_SHORT + 2];
    memset(title, 'x', sizeof title - 1);
    title[sizeof title - 1] = 0;
    /* a 257-byte title after a deep unknown value; req last */
    begin(5, "cmd");
    key("name");
    key("create");
    key("deep");
    for (int i = 0; i < 40; i++)
        msgpack_pack_array(&pk, 1);
    msgpack_pack_int(&pk, 1);
    key("title");
    key(title);
    key("req");
    msgpack_pack_int64(&pk, 1234567890123LL);
    refused(WO_EPROTO, "nest");
    assert_int_equal(wo_frame_peek_req(raw.data, raw.len), 1234567890123LL);
    begin(4, "cmd");
    key("req");
    msgpack_pack_int(&pk, 77);
    key("name");
    key("create");
    key("title");
    key(title);
    refused(WO_EPROTO, "longer than 256");
    assert_int_equal(wo_frame_peek_req(raw.data, raw.len), 77);
    /* each integer width, and what is no req */
    const int64_t reqs[] = {5, -3, 200, -200, 70000, -70000, 5000000000LL};
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        begin(2, "cmd");
        key("req");
        msgpack_pack_int64(&pk, reqs[i]);
        assert_int_equal(wo_frame_peek_req(raw.data, raw.len), reqs[i]);
    }
    begin(2, "cmd");
    key("req");
    key("7");
    assert_int_equal(wo_frame_peek_req(raw.data, raw.len), 0);
    begin(2, "cmd");
    key("reqs");
    msgpack_pack_int(&pk, 7);
    assert_int_equal(wo_frame_peek_req(raw.data, raw.len), 0);
    /* "req" as a str 8: an encoder need not pick the shortest form */
    assert_int_equal(wo_frame_peek_req((const uint8_t *)"\x81\xd9\x03req\x2a",
                                       7), 42);
    assert_int_equal(wo_frame_peek_req((const uint8_t *)"\x93\x01", 2), 0);
    assert_int_equal(wo_frame_peek_req((const uint8_t *)"\x82\xa3req", 5), 0);
    assert_int_equal(wo_frame_peek_req(NULL, 0), 0);
}

/* op: id, wo, kind, at, then text if given (n bytes of 'a'). */
static void op(const char *id, size_t text)
{
    msgpack_pack_map(&pk, text ? 5 : 4);
    key("id");
    key(id);
    key("wo");
    msgpack_pack_int(&pk, 1);
    key("kind");
    key("note.add");
    key("at");
    msgpack_pack_int(&pk, 9);
    if (text) {
        char *t = malloc(text);
        memset(t, 'a', text);
        key("text");
        str(t, text);
        free(t);
    }
}

static void test_one_bad_op_stays_alone(void **st)
{
    begin(2, "ops");
    key("ops");
    msgpack_pack_array(&pk, 3);
    op("a", 5);
    op("b", WO_MAX_TEXT + 1);
    op("c", WO_MAX_TEXT);
    char err[256];
    int type;
    void *body = NULL;
    assert_int_equal(wo_frame_decode(raw.data, raw.len, &type, &body, err,
                                     sizeof err), 0);
    struct wo_ops *ops = body;
    assert_int_equal(ops->n_ops, 3);
    assert_null(ops->ops[0].invalid);
    assert_null(ops->ops[2].invalid);
    assert_string_equal(ops->ops[1].id, "b");
    assert_non_null(strstr(ops->ops[1].invalid, "'text' is longer than"));
    assert_null(ops->ops[1].text); /* nothing else of it is kept */
    assert_int_equal(ops->ops[1].wo, 0);
    /* never encoded: a relayed op carries no verdict */
    struct wo_buf b = {0};
    assert_int_equal(wo_op_encode(&ops->ops[1], &b), 0);
    for (size_t i = 0; i + 7 <= b.len; i++)
        assert_memory_not_equal(b.data + i, "invalid", 7);
    wo_buf_cleanup(&b);
    wo_frame_free(type, body);

    /* an op whose id cannot be read fails the frame, saying so */
    begin(2, "ops");
    key("ops");
    msgpack_pack_array(&pk, 2);
    op("a", 5);
    msgpack_pack_map(&pk, 2);
    key("id");
    msgpack_pack_int(&pk, 5);
    key("wo");
    key("x");
    refused(WO_EPROTO, "'id' must be a string");
    begin(2, "ops");
    key("ops");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 1);
    key("wo");
    msgpack_pack_int(&pk, 1);
    refused(WO_EPROTO, "'id' is missing");
    /* a bad element elsewhere still fails the whole frame */
    begin(2, "changes");
    key("cursor");
    msgpack_pack_int(&pk, 1);
    wo_buf_cleanup(&raw);
    begin(3, "changes");
    key("cursor");
    msgpack_pack_int(&pk, 1);
    key("alerts");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 1);
    key("id");
    key("x");
    refused(WO_EPROTO, "'id' must be an integer");
}

static void test_utf8_clean(void **st)
{
    char s[] = "ab\xff" "c\xc3\xa9\xe2\x82";
    wo_utf8_clean(s);
    assert_string_equal(s, "ab?c\xc3\xa9??");
    assert_true(wo_utf8_valid(s, strlen(s)));
    assert_false(wo_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_true(wo_utf8_valid("a\0b", 3)); /* NUL is UTF-8 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claimed_counts_are_checked),
        cmocka_unit_test(test_nesting_is_limited),
        cmocka_unit_test(test_strings_must_be_utf8),
        cmocka_unit_test(test_req_is_read_from_a_bad_frame),
        cmocka_unit_test(test_one_bad_op_stays_alone),
        cmocka_unit_test(test_utf8_clean),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    wo_buf_cleanup(&raw);
    return rc;
}
