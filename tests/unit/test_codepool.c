/*
 * Unit tests for the recipient codes made ahead (server/codepool.c): a
 * code taken from the pool is a fresh code whose kept hash verifies it
 * and nothing else, each with its own salt; the pool fills once the
 * first code is asked for (that one is made by the caller); a pool that
 * was full serves
 * as many codes as it held without the caller making any; a burst beyond
 * it, and no pool at all, still get valid codes, made on the caller's
 * thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "codepool.h"
#include "store.h"
#include "wo_crypto.h"

/* Until the pool holds n codes; the thread makes one in a few ms, so
 * this waits for a state, not for a time (it gives up after a minute). */
static void wait_ready(struct codepool *p, size_t n)
{
    struct timespec tick = {0, 2 * 1000 * 1000};
    for (int i = 0; i < 30000 && codepool_ready(p) < n; i++)
        nanosleep(&tick, NULL);
    assert_int_equal(codepool_ready(p), n);
}

/* code is 8 digits, kept verifies it and not a neighbour. */
static void assert_fresh(const char *code, const struct store_code *kept)
{
    char other[VERIFY_CODE_LEN + 1];
    assert_int_equal(strlen(code), VERIFY_CODE_LEN);
    assert_int_equal(strspn(code, "0123456789"), VERIFY_CODE_LEN);
    assert_int_equal(verify_code_matches(kept, code), 1);
    memcpy(other, code, sizeof other);
    other[0] = other[0] == '9' ? '0' : (char)(other[0] + 1);
    assert_int_equal(verify_code_matches(kept, other), 0);
}

#define CAP 4

static void test_taken_from_the_pool(void **st)
{
    (void)st;
    char err[128], code[2 * CAP][VERIFY_CODE_LEN + 1];
    struct store_code kept[2 * CAP];
    struct codepool *p = codepool_start(CAP, NULL, NULL, err, sizeof err);
    assert_non_null(p);
    /* nothing is made before a code is asked for: the first is the
     * caller's own, and the pool fills after it */
    assert_int_equal(codepool_new(p, code[0], &kept[0]), 0);
    assert_fresh(code[0], &kept[0]);
    assert_int_equal(codepool_missed(p), 1);
    wait_ready(p, CAP);
    /* only this thread takes: each of these finds one ready */
    for (int i = 0; i < CAP; i++)
        assert_int_equal(codepool_new(p, code[i], &kept[i]), 0);
    assert_int_equal(codepool_missed(p), 1);
    /* and it fills again */
    wait_ready(p, CAP);
    for (int i = CAP; i < 2 * CAP; i++)
        assert_int_equal(codepool_new(p, code[i], &kept[i]), 0);
    assert_int_equal(codepool_missed(p), 1);
    for (int i = 0; i < 2 * CAP; i++) {
        assert_fresh(code[i], &kept[i]);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(kept[i].salt, kept[j].salt,
                                    sizeof kept[i].salt);
    }
    codepool_stop(p);
}

static void test_beyond_the_pool_and_without_one(void **st)
{
    (void)st;
    char err[128], code[VERIFY_CODE_LEN + 1];
    struct store_code kept;
    struct codepool *p = codepool_start(1, NULL, NULL, err, sizeof err);
    assert_non_null(p);
    /* a burst: whatever is not ready is made here, and is as good */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(codepool_new(p, code, &kept), 0);
        assert_fresh(code, &kept);
    }
    codepool_stop(p);   /* with codes not taken: wiped and freed */
    assert_int_equal(codepool_new(NULL, code, &kept), 0);
    assert_fresh(code, &kept);
    assert_int_equal(codepool_ready(NULL), 0);
}

static int woken;   /* from the pool's thread: read with __atomic */

static void on_wake(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
}

/* Codes to check come back hashed as wo_code_hash() hashes them, in the
 * order they went, each with a wake. */
static void test_checks_come_back_hashed(void **st)
{
    (void)st;
    char err[128];
    const char *codes[] = {"12345678", "00000000", ""};
    uint8_t salt[16] = {1, 2, 3}, want[32];
    struct codepool *p = codepool_start(2, on_wake, NULL, err, sizeof err);
    assert_non_null(p);
    for (uint64_t i = 0; i < 3; i++) {
        salt[15] = (uint8_t)i;
        struct codecheck *c = codecheck_new(i + 1, codes[i], salt);
        assert_non_null(c);
        codepool_check(p, c);
    }
    struct codecheck *got = NULL, **tail = &got;
    struct timespec tick = {0, 2 * 1000 * 1000};
    for (int i = 0; i < 30000 && __atomic_load_n(&woken, __ATOMIC_SEQ_CST) <
                                     3; i++)
        nanosleep(&tick, NULL);
    assert_int_equal(__atomic_load_n(&woken, __ATOMIC_SEQ_CST), 3);
    *tail = codepool_checked(p);
    assert_null(codepool_checked(p));
    uint64_t id = 1;
    for (struct codecheck *c = got; c; c = c->next, id++) {
        assert_int_equal(c->id, id);
        assert_int_equal(c->rc, 0);
        assert_int_equal(wo_code_hash(codes[id - 1], c->salt, want), 0);
        assert_memory_equal(c->hash, want, sizeof want);
    }
    assert_int_equal(id, 4);
    while (got) {
        struct codecheck *next = got->next;
        codecheck_free(got);
        got = next;
    }
    /* checks still queued at a stop are freed with the pool */
    struct codecheck *left = codecheck_new(9, "1", salt);
    assert_non_null(left);
    codepool_check(p, left);
    codepool_stop(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken_from_the_pool),
        cmocka_unit_test(test_beyond_the_pool_and_without_one),
        cmocka_unit_test(test_checks_come_back_hashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
