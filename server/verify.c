/* verify.c - signature and statement checks (see verify.h). */
#include <stdio.h>
#include <string.h>

#include "session.h"
#include "store.h"
#include "verify.h"
#include "wo_crypto.h"
#include "wo_statement.h"

int verify_anchor_make(const uint8_t key[32], int64_t device, int64_t t,
                       uint8_t mac[32])
{
    char text[64];
    int n = snprintf(text, sizeof text, "wo-anchor/1\n%lld\n%lld",
                     (long long)device, (long long)t);
    return wo_hmac(key, text, (size_t)n, mac);
}

int verify_anchor_ok(const uint8_t key[32], int64_t device, int64_t t,
                     const uint8_t *mac, size_t mac_len)
{
    uint8_t want[32];
    return mac && mac_len == 32 && !verify_anchor_make(key, device, t, want) &&
           wo_equal(want, mac, 32);
}

int verify_code_new(char code[VERIFY_CODE_LEN + 1], struct store_code *kept)
{
    uint8_t r[4];
    int rc = wo_random(r, sizeof r);
    if (!rc)
        rc = wo_random(kept->salt, sizeof kept->salt);
    if (rc)
        return rc;
    snprintf(code, VERIFY_CODE_LEN + 1, "%08u",
             (unsigned)(((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
                         (uint32_t)r[2] << 8 | r[3]) % 100000000u));
    return wo_code_hash(code, kept->salt, kept->hash);
}

int verify_code_matches(const struct store_code *kept, const char *code)
{
    uint8_t h[32];
    int rc = wo_code_hash(code ? code : "", kept->salt, h);
    return rc ? rc : wo_equal(h, kept->hash, sizeof h);
}

int verify_signing_op(struct store *st, const struct session_auth *a,
                      const struct wo_op *op, const char *role,
                      const char *signer, char *reason, size_t len)
{
    struct wo_order o;
    uint8_t pub[32];
    char err[256];
    int rc = store_order_load(st, op->wo, STORE_LOAD_TECH, &o, NULL);
    if (rc)
        return rc;
    if ((rc = store_device_pubkey(st, a->device_id, pub))) {
        /* a storage failure, not a verdict */
    } else if (wo_verify(pub, op->statement, strlen(op->statement), op->sig)) {
        snprintf(reason, len, "%s signature does not verify against device "
                 "%lld's key: the statement was altered after signing", role,
                 (long long)a->device_id);
        rc = WO_ECRYPTO;
    } else {
        struct wo_stmt_meta m = {.role = role, .signer = signer,
                                 .device_id = a->device_id,
                                 .signed_at = op->at,
                                 .satisfied = op->satisfied,
                                 .comment = op->comment};
        rc = wo_statement_check(op->statement, &o, &m, err, sizeof err);
        if (!rc)
            rc = wo_statement_covers(op->statement, &o, &m, err, sizeof err);
        if (rc && rc != WO_ENOMEM) {
            snprintf(reason, len, "%s signature rejected: %s", role, err);
            rc = WO_ECRYPTO;
        }
    }
    wo_order_cleanup(&o);
    return rc;
}

void verify_order(struct store *st, struct wo_order *o)
{
    for (size_t i = 0; i < o->n_sigs; i++) {
        struct wo_sig *g = &o->sigs[i];
        uint8_t pub[32];
        char err[256];
        g->verified = false;
        if (g->sig_len != 64 || store_device_pubkey(st, g->device_id, pub) ||
            wo_verify(pub, g->statement, strlen(g->statement), g->sig))
            continue;
        struct wo_stmt_meta m = {.role = g->role, .signer = g->signer,
                                 .device_id = g->device_id,
                                 .signed_at = g->signed_at,
                                 .satisfied = g->satisfied,
                                 .comment = g->comment};
        g->verified = wo_statement_check(g->statement, o, &m, err,
                                         sizeof err) == 0;
    }
}
