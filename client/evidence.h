/*
 * evidence.h - the evidence a service report carries: the order as
 * recorded, every signed statement with its Ed25519 signature and the
 * signing device's public key, as one JSON document (format
 * "wo-evidence/1", docs/report.md).
 *
 * A report is always drawn from parsed evidence, never from the order
 * directly: generation goes order -> evidence JSON -> struct evidence ->
 * pages, and `wo verify` goes PDF attachment -> struct evidence -> the
 * text the pages must show. So what the pages say is a function of the
 * evidence alone, and the verifier can re-derive it on another machine.
 *
 * Parsing re-checks everything that can be checked offline: each
 * statement's SHA-256, each signature against its key, each statement
 * against the records (wo_statement_check), each record's SHA-256 and each
 * key's fingerprint. The results are in struct ev_sig; parsing fails only
 * when the JSON is not evidence at all.
 */
#ifndef EVIDENCE_H
#define EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

#define EVIDENCE_FORMAT "wo-evidence/1"
#define EVIDENCE_NAME "wo-evidence.json"   /* the attachment's file name */

/* Where a time the report shows came from. */
enum ev_src { EV_NONE, EV_SERVER, EV_DEVICE };

struct ev_sig {
    char digest[65];        /* SHA-256 of the statement bytes (recomputed) */
    char fpr[65];           /* SHA-256 of the raw public key; "" if none */
    bool ok;                /* signature, digest and statement all check */
    char why[320];          /* when !ok: the first check that failed */
    size_t cov_visits, cov_parts, cov_notes;  /* records the statement
                                                  lists that the evidence
                                                  holds with that hash */
};

struct evidence {
    struct wo_order o;      /* header, SLA, records; o.sigs[i] with pubkey */
    struct ev_sig *sigs;    /* o.n_sigs results, same order */
    int64_t generated_at;   /* ms; the report's own generation time */
    char lang[8];           /* "en" | "id": the labels the pages use */
    enum ev_src responded_src, resolved_src;
    bool complete;          /* a valid technician and a valid recipient
                             * signature: not a draft */
    bool signed_tech;       /* a valid technician's signature */
    bool signed_recip;      /* a valid recipient's signature */
    char problem[320];      /* a record whose fields do not give its
                             * recorded SHA-256; "" when none */
    char *json;             /* the exact bytes parsed (owned) */
    size_t json_len;
};

/* What the caller knows beyond the order when it makes evidence. */
struct ev_context {
    int64_t generated_at;
    const char *lang;       /* "en" | "id" */
    enum ev_src responded_src, resolved_src;
};

/*
 * Build the evidence JSON of order o (its records, its signatures and the
 * public keys set in o->sigs[i].pubkey; a signature without a key is kept
 * and will not verify). *out is malloc'd and NUL-terminated. 0, WO_ENOMEM
 * or WO_ECRYPTO (a key OpenSSL refuses).
 */
int evidence_build(const struct wo_order *o, const struct ev_context *x,
                   char **out, size_t *outlen);

/*
 * Parse and check evidence JSON (len bytes, need not be NUL-terminated).
 * On success ev is filled (release with evidence_cleanup) and each
 * signature's result is in ev->sigs. Returns 0, WO_ENOMEM, or WO_EPROTO
 * with err saying what is malformed (not JSON, missing field, wrong type,
 * bad base64 or PEM).
 */
int evidence_parse(const char *json, size_t len, struct evidence *ev,
                   char *err, size_t errlen);

void evidence_cleanup(struct evidence *ev);

/* "en" or "id" from LC_ALL, LC_MESSAGES or LANG (id_* is Indonesian). */
const char *evidence_lang_from_env(void);

/*
 * Check the signatures of o on this device, with the keys set in
 * o->sigs[i].pubkey: sets o->sigs[i].verified for those that pass the same
 * checks as evidence_parse. Returns how many verified.
 */
size_t evidence_verify_order(struct wo_order *o);

#endif
