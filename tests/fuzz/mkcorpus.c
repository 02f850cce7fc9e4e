/*
 * mkcorpus.c - writes the seed corpus of the fuzz targets: real frames
 * made by the real encoder (wo_frame_encode), as the server and the client
 * send them, so that the fuzzer starts from inputs that pass the decoder
 * and reach the code behind it.
 *
 *   mkcorpus DIR      writes DIR/decoder, DIR/dispatch, DIR/statement,
 *                     DIR/replica (the directories must exist)
 *
 * The output is deterministic: running it again rewrites the same files,
 * so the committed corpus (tests/fuzz/corpus/) can be checked against it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "wo_proto.h"
#include "wo_statement.h"

static const char *outdir;

static void write_file(const char *target, const char *name,
                       const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* Write a frame, after `prefix` bytes (the dispatch and statement targets
 * take a leading byte). */
static void frame(const char *target, const char *name, const void *prefix,
                  size_t plen, int type, const void *body)
{
    struct wo_buf b = {0};
    if (plen && (b.data = malloc(plen + 1))) {
        memcpy(b.data, prefix, plen);
        b.len = b.cap = plen;
    }
    if (wo_frame_encode(type, body, &b)) {
        fprintf(stderr, "mkcorpus: %s/%s does not encode\n", target, name);
        exit(1);
    }
    write_file(target, name, b.data, b.len);
    wo_buf_cleanup(&b);
}

/* ---- sample frames ------------------------------------------------------ */

static uint8_t key32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static uint8_t sig64[64] = {64, 63, 62, 61};

static char *serials[] = {"SN-0042", "SN-0043"};

/* Every kind of op the technician's laptop sends, on order wo. */
static struct wo_op ops_for(int64_t wo, int k)
{
    static char stmt[] = "wo-statement/1\norder 1\nrole technician\n"
                         "signer tech1\ndevice 2\nsigned-at 1700000009000\n";
    struct wo_op all[] = {
        {.id = "a1", .wo = wo, .kind = "accept", .at = 1700000001000},
        {.id = "d1", .wo = wo, .kind = "depart", .at = 1700000002000},
        {.id = "v1", .wo = wo, .kind = "visit.start", .at = 1700000003000},
        {.id = "n1", .wo = wo, .kind = "note.add", .at = 1700000004000,
         .text = "Relief valve seized; replaced"},
        {.id = "p1", .wo = wo, .kind = "part.add", .at = 1700000005000,
         .part_no = "VLV-22", .qty = 1, .desc = "relief valve",
         .serials = serials, .n_serials = 2},
        {.id = "e1", .wo = wo, .kind = "visit.end", .at = 1700000006000,
         .ref = "v1", .outcome = "done"},
        {.id = "s1", .wo = wo, .kind = "sign.technician",
         .at = 1700000009000, .statement = stmt, .sig = sig64,
         .sig_len = 64},
        {.id = "r1", .wo = wo, .kind = "sign.recipient",
         .at = 1700000010000, .name = "Ann Lee", .code = "12345678",
         .satisfied = false, .comment = "still drips", .statement = stmt,
         .sig = sig64, .sig_len = 64},
        {.id = "x1", .wo = wo, .kind = "record.void", .at = 1700000011000,
         .ref = "p1", .text = "wrong part"},
        {.id = "m1", .wo = wo, .kind = "resolve.remote",
         .at = 1700000012000, .text = "fixed over remote support"},
    };
    return all[k];
}
#define N_OPKINDS 10

static struct wo_visit visits[] = {
    {.id = "v1", .tech = "tech1", .started_at = 1700000003000,
     .ended_at = 1700000006000, .outcome = "done"},
    {.id = "v2", .tech = "tech1", .started_at = 1700000007000},
};
static struct wo_part parts[] = {
    {.id = "p1", .author = "tech1", .at = 1700000005000, .part_no = "VLV-22",
     .qty = 1, .desc = "relief valve", .serials = serials, .n_serials = 2},
    {.id = "p2", .author = "tech2", .at = 1700000005500, .part_no = "GB-9",
     .qty = 2, .late = true},
};
static struct wo_note notes[] = {
    {.id = "n1", .author = "tech1", .at = 1700000004000,
     .text = "Relief valve seized; replaced"},
    {.id = "n2", .author = "tech1", .at = 1700000004500,
     .text = "Tekanan stabil pada 1,5 bar"},
};
static struct wo_sig sigs[] = {
    {.id = "s1", .role = "technician", .signer = "tech1", .device_id = 2,
     .signed_at = 1700000009000, .satisfied = true,
     .statement = "wo-statement/1\norder 1\nrole technician\n", .sig = sig64,
     .sig_len = 64, .verified = true, .pubkey = key32, .pubkey_len = 32},
    {.id = "r1", .role = "recipient", .signer = "Ann Lee", .device_id = 2,
     .signed_at = 1700000010000, .comment = "still drips",
     .statement = "wo-statement/1\norder 1\nrole recipient\n", .sig = sig64,
     .sig_len = 64},
};
static struct wo_rejection rejections[] = {
    {.op = "x1", .kind = "accept", .by = "tech2", .at = 1700000001000,
     .reason = "order 1 is no longer assigned to you"},
};

static struct wo_order order(int64_t id, const char *status, int full)
{
    struct wo_order o = {
        .id = id, .seq = id + 10, .title = "Boiler leaking",
        .description = "Leaks at the relief valve", .site = "Plant 3",
        .asset = "B-7", .requester = "Ann Lee", .contact = "555-0100",
        .priority = "P1", .status = (char *)status, .assignee = "tech1",
        .created_at = 1700000000000, .updated_at = 1700000010000,
        .tier = "L1", .sla_version = 1, .response_due = 1700000900000,
        .resolve_due = 1700014400000, .sla = "resolve", .due_in = 3600000,
    };
    if (full) {
        o.recipient_code = "12345678";
        o.visits = visits, o.n_visits = 2;
        o.parts = parts, o.n_parts = 2;
        o.notes = notes, o.n_notes = 2;
        o.sigs = sigs, o.n_sigs = 2;
        o.rejections = rejections, o.n_rejections = 1;
        o.responded_at = 1700000001000;
        o.paused_at = 1700000006000;
        o.visit_start = 1700086400000, o.visit_end = 1700093600000;
    }
    return o;
}

/* ---- per target --------------------------------------------------------- */

static void decoder(void)
{
    const char *t = "decoder";
    struct wo_challenge ch = {.nonce = key32, .nonce_len = 32,
                              .server_time = 1700000000000};
    frame(t, "challenge", NULL, 0, WO_F_CHALLENGE, &ch);
    struct wo_enroll en = {.code = "ABCD-1234-EFGH", .pubkey = key32,
                           .pubkey_len = 32, .device_name = "laptop"};
    frame(t, "enroll", NULL, 0, WO_F_ENROLL, &en);
    struct wo_enrolled ed = {.device_id = 3, .user = "tech1",
                             .role = "technician"};
    frame(t, "enrolled", NULL, 0, WO_F_ENROLLED, &ed);
    struct wo_auth au = {.device_id = 3, .sig = sig64, .sig_len = 64,
                         .client_time = 1700000000000};
    frame(t, "auth", NULL, 0, WO_F_AUTH, &au);
    struct wo_welcome we = {.user = "tech1", .role = "technician",
                            .device_id = 3, .server_time = 1700000000000,
                            .clock_offset = -2400000};
    frame(t, "welcome", NULL, 0, WO_F_WELCOME, &we);
    struct wo_op ops[N_OPKINDS];
    for (int k = 0; k < N_OPKINDS; k++)
        ops[k] = ops_for(1, k);
    struct wo_ops os = {.ops = ops, .n_ops = N_OPKINDS};
    frame(t, "ops", NULL, 0, WO_F_OPS, &os);
    struct wo_ack ak[] = {{.id = "a1", .result = "applied"},
                          {.id = "d1", .result = "duplicate"},
                          {.id = "x1", .result = "rejected",
                           .reason = "order 1 is closed"}};
    struct wo_acks as = {.acks = ak, .n_acks = 3};
    frame(t, "acks", NULL, 0, WO_F_ACKS, &as);
    int64_t have[] = {1, 2, 5};
    struct wo_sync sy = {.cursor = 17, .have = have, .n_have = 3};
    frame(t, "sync", NULL, 0, WO_F_SYNC, &sy);
    struct wo_order os2[] = {order(1, "on_site", 1), order(2, "assigned", 0)};
    struct wo_order past[] = {order(9, "closed", 1)};
    struct wo_alert al[] = {{.id = 4, .wo = 1, .kind = "response.75",
                             .at = 1700000675000, .title = "Boiler leaking",
                             .priority = "P1"}};
    int64_t revoked[] = {3, 4};
    struct wo_changes cg = {.orders = os2, .n_orders = 2, .revoked = revoked,
                            .n_revoked = 2, .cursor = 18, .final = true,
                            .alerts = al, .n_alerts = 1, .past = past,
                            .n_past = 1};
    frame(t, "changes", NULL, 0, WO_F_CHANGES, &cg);
    struct wo_cmd cm = {.req = 7, .name = "create", .title = "Boiler",
                        .priority = "P1", .description = "leaks",
                        .site = "Plant 3", .asset = "B-7",
                        .requester = "Ann Lee", .contact = "555-0100",
                        .assignee = "tech1"};
    frame(t, "cmd-create", NULL, 0, WO_F_CMD, &cm);
    struct wo_cmd rp = {.req = 8, .name = "report", .report = "assets",
                        .since = 1690000000000, .until = 1710000000000,
                        .limit = 10};
    frame(t, "cmd-report", NULL, 0, WO_F_CMD, &rp);
    struct wo_change hi[] = {{.seq = 1, .kind = "create", .actor = "disp",
                              .at = 1700000000000, .detail = "P1"},
                             {.seq = 2, .kind = "accept", .actor = "tech1",
                              .device_id = 3, .at = 1700000001000,
                              .client_at = 1700000000900}};
    struct wo_sla sl[] = {{.version = 1, .priority = "P1",
                           .response_ms = 900000, .resolve_ms = 14400000,
                           .created_at = 1, .created_by = "root",
                           .escalate = true}};
    struct wo_hit ht[] = {{.wo = 9, .title = "Boiler", .asset = "B-7",
                           .site = "Plant 3", .closed_at = 1700000000000,
                           .snippet = "[relief] [valve] seized"}};
    struct wo_row rw[] = {{.key = "B-7", .orders = 3, .open = 1, .done = 2,
                           .visits = 4, .response_met = 2,
                           .response_missed = 1, .resolve_met = 2,
                           .response_ms = 600000, .resolve_ms = 7200000}};
    struct wo_result rs = {.req = 7, .orders = os2, .n_orders = 1,
                           .history = hi, .n_history = 2, .alerts = al,
                           .n_alerts = 1, .sla = sl, .n_sla = 1, .hits = ht,
                           .n_hits = 1, .rows = rw, .n_rows = 1};
    frame(t, "result", NULL, 0, WO_F_RESULT, &rs);
    struct wo_error er = {.status = 409, .reason = "order 1 is closed",
                          .req = 7};
    frame(t, "error", NULL, 0, WO_F_ERROR, &er);
    /* a lone op, as the client's outbox stores it */
    struct wo_buf b = {0};
    struct wo_op p = ops_for(1, 4);
    if (wo_op_encode(&p, &b))
        exit(1);
    write_file(t, "outbox-op", b.data, b.len);
    wo_buf_cleanup(&b);
}

static void dispatch(void)
{
    const char *t = "dispatch";
    const uint8_t DISP = 0, TECH = 1, ADMIN = 2, ANON = 3;
    static const struct {
        const char *file;
        uint8_t who;
        struct wo_cmd c;
    } cmds[] = {
        {"disp-create", 0, {.req = 1, .name = "create", .title = "Pump",
                            .priority = "P1", .asset = "B-7",
                            .site = "Plant 3", .assignee = "tech1"}},
        {"disp-assign", 0, {.req = 2, .name = "assign", .wo = 3,
                            .assignee = "tech1"}},
        {"disp-cancel", 0, {.req = 3, .name = "cancel", .wo = 3,
                            .reason = "duplicate"}},
        {"disp-dispute", 0, {.req = 4, .name = "dispute", .wo = 1,
                             .reason = "still leaks"}},
        {"disp-escalate", 0, {.req = 5, .name = "escalate", .wo = 1,
                              .reason = "needs a specialist", .tier = "L2"}},
        {"disp-schedule", 0, {.req = 6, .name = "schedule", .wo = 1,
                              .start = 1900000000000,
                              .end = 1900007200000}},
        {"disp-show", 0, {.req = 7, .name = "show", .wo = 1}},
        {"disp-board", 0, {.req = 8, .name = "board"}},
        {"disp-history", 0, {.req = 9, .name = "history", .wo = 1}},
        {"disp-alerts", 0, {.req = 10, .name = "alerts"}},
        {"disp-sla-show", 0, {.req = 11, .name = "sla.show"}},
        {"disp-search", 0, {.req = 12, .name = "search",
                            .text = "relief valve", .asset = "B-7",
                            .limit = 5}},
        {"disp-report-assets", 0, {.req = 13, .name = "report",
                                   .report = "assets", .limit = 3}},
        {"disp-report-sla", 0, {.req = 14, .name = "report",
                                .report = "sla", .since = 1,
                                .until = 4000000000000}},
        {"disp-report-times", 0, {.req = 15, .name = "report",
                                  .report = "times"}},
        {"disp-report-workload", 0, {.req = 16, .name = "report",
                                     .report = "workload"}},
        {"admin-sla-set", 2, {.req = 17, .name = "sla.set", .priority = "P1",
                              .response_ms = 1800000,
                              .resolve_ms = 21600000, .escalate = "on"}},
        {"admin-tier", 2, {.req = 18, .name = "tier", .assignee = "tech1",
                           .tier = "L2"}},
        {"admin-revoke", 2, {.req = 19, .name = "revoke", .device = 99}},
        {"tech-cmd", 1, {.req = 20, .name = "create", .title = "x",
                         .priority = "P3"}},
        {"disp-board-filtered", 0, {.req = 21, .name = "board",
                                    .status = "assigned",
                                    .assignee = "tech1", .priority = "P1",
                                    .site = "Plant 3", .all = true}},
        {"disp-techs", 0, {.req = 22, .name = "techs"}},
        {"disp-feed", 0, {.req = 23, .name = "feed", .since = 1,
                          .limit = 10}},
        /* the service desk of issue 14 */
        {"disp-create-intake", 0, {.req = 41, .name = "create",
                                   .title = "Teller PC", .impact = "low",
                                   .urgency = "medium", .type = "request",
                                   .category = "hardware",
                                   .department = "Teller",
                                   .requester_email = "sari@bank.example",
                                   .needs_authorisation = true,
                                   .authoriser = "Budi",
                                   .deadline = 1900000000000}},
        {"disp-edit", 0, {.req = 42, .name = "edit", .wo = 1,
                          .priority = "P1", .title = "Down",
                          .reason = "worse"}},
        {"disp-note", 0, {.req = 43, .name = "note", .wo = 1,
                          .text = "call first"}},
        {"disp-resolve", 0, {.req = 24, .name = "resolve", .wo = 1,
                             .remote = true, .text = "reset remotely"}},
        {"disp-authorise", 0, {.req = 25, .name = "authorise", .wo = 1,
                               .authoriser = "Budi", .code = "12345678",
                               .refuse = true, .reason = "no",
                               .start = 1700000000000,
                               .statement = "wo-authorisation/1\norder 1\n",
                               .sig = sig64, .sig_len = 64}},
        {"disp-sla-order", 0, {.req = 26, .name = "sla.order", .wo = 1}},
        {"disp-agreement-show", 0, {.req = 27, .name = "agreement.show"}},
        {"disp-report-customers", 0, {.req = 28, .name = "report",
                                      .report = "customers",
                                      .customer = "ACME"}},
        {"disp-mail", 0, {.req = 29, .name = "mail", .wo = 1}},
        {"admin-agreement-set", 2, {.req = 30, .name = "agreement.set",
                                    .tz = "Asia/Jakarta",
                                    .hours = "Mon-Fri 08:00-17:00",
                                    .holidays = "2027-01-11",
                                    .targets = "P1=15m/4h P3=4h/16h",
                                    .start = 1700000000000}},
        {"admin-customer-set", 2, {.req = 31, .name = "customer.set",
                                   .customer = "ACME", .kind = "external",
                                   .escalate = "on"}},
        {"admin-matrix-set", 2, {.req = 32, .name = "matrix.set",
                                 .impact = "high", .urgency = "low",
                                 .priority = "P1"}},
        /* the web console's page and live feed */
        {"disp-orders", 0, {.req = 24, .name = "orders", .status = "open",
                            .priority = "P1", .assignee = "tech1",
                            .site = "Plant", .asset = "B-7",
                            .text = "boiler", .limit = 50, .offset = 50}},
        {"disp-orders-all", 0, {.req = 25, .name = "orders",
                                .status = "all", .limit = 1}},
        {"disp-watch", 0, {.req = 26, .name = "watch", .since = 1}},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        frame(t, cmds[i].file, &cmds[i].who, 1, WO_F_CMD, &cmds[i].c);

    int64_t have[] = {1, 2};
    struct wo_sync sy = {.cursor = 0, .have = have, .n_have = 2};
    frame(t, "tech-sync", &TECH, 1, WO_F_SYNC, &sy);
    frame(t, "disp-sync", &DISP, 1, WO_F_SYNC, &sy);
    frame(t, "anon-sync", &ANON, 1, WO_F_SYNC, &sy);
    /* field data: a sync with its health, delivery receipts */
    struct wo_sync sh = {.cursor = 2, .have = have, .n_have = 2,
                         .unsent = 3, .unsent_age = 1800000,
                         .version = "1.12.0"};
    frame(t, "tech-sync-health", &TECH, 1, WO_F_SYNC, &sh);
    struct wo_receipt st[] = {{.wo = 1, .seq = 2}, {.wo = 2, .seq = 5}};
    struct wo_receipt op[] = {{.wo = 1, .at = 1700000000000}};
    struct wo_receipts rc = {.stored = st, .n_stored = 2, .opened = op,
                             .n_opened = 1};
    frame(t, "tech-receipts", &TECH, 1, WO_F_RECEIPTS, &rc);
    frame(t, "disp-receipts", &DISP, 1, WO_F_RECEIPTS, &rc);
    /* the technician's day on order 1, one frame; then each op alone */
    struct wo_op ops[N_OPKINDS];
    for (int k = 0; k < N_OPKINDS; k++)
        ops[k] = ops_for(1, k);
    struct wo_ops os = {.ops = ops, .n_ops = N_OPKINDS};
    frame(t, "tech-ops-day", &TECH, 1, WO_F_OPS, &os);
    for (int k = 0; k < N_OPKINDS; k++) {
        char name[64];
        struct wo_op one = ops_for(2, k);
        struct wo_ops o1 = {.ops = &one, .n_ops = 1};
        snprintf(name, sizeof name, "tech-op-%s", one.kind);
        frame(t, name, &TECH, 1, WO_F_OPS, &o1);
    }
    frame(t, "disp-ops", &DISP, 1, WO_F_OPS, &os);
    struct wo_enroll en = {.code = "ABCD-1234-EFGH", .pubkey = key32,
                           .pubkey_len = 32, .device_name = "laptop"};
    frame(t, "anon-enroll", &ANON, 1, WO_F_ENROLL, &en);
    struct wo_auth au = {.device_id = 1, .sig = sig64, .sig_len = 64,
                         .client_time = 1700000000000};
    frame(t, "anon-auth", &ANON, 1, WO_F_AUTH, &au);
    struct wo_error er = {.status = 400, .reason = "no", .req = 1};
    frame(t, "tech-error", &TECH, 1, WO_F_ERROR, &er);
    (void)ADMIN;
}

static void statement(void)
{
    const char *t = "statement";
    for (uint8_t i = 0; i < FX_N_META; i++) {
        char *text, name[32];
        if (wo_statement_build(&fx_order, &fx_meta[i], &text))
            exit(1);
        snprintf(name, sizeof name, "built-%s-%u", fx_meta[i].role, i);
        struct wo_buf b = {0};
        b.data = malloc(strlen(text) + 2);
        b.data[0] = i;
        memcpy(b.data + 1, text, strlen(text));
        write_file(t, name, b.data, strlen(text) + 1);
        /* the same text, then a NUL and the order as a changes frame */
        b.len = b.cap = strlen(text) + 2;
        b.data[b.len - 1] = 0;
        struct wo_changes ch = {.orders = (struct wo_order *)&fx_order,
                                .n_orders = 1, .cursor = 1};
        if (wo_frame_encode(WO_F_CHANGES, &ch, &b))
            exit(1);
        snprintf(name, sizeof name, "with-order-%u", i);
        write_file(t, name, b.data, b.len);
        wo_buf_cleanup(&b);
        free(text);
    }
}

static void replica(void)
{
    const char *t = "replica";
    struct wo_order os[] = {order(1, "on_site", 1), order(2, "accepted", 0),
                            order(3, "assigned", 1)};
    struct wo_order past[] = {order(9, "closed", 1)};
    int64_t revoked[] = {2};
    struct wo_changes full = {.orders = os, .n_orders = 3, .cursor = 30,
                              .final = true, .past = past, .n_past = 1};
    frame(t, "catch-up", NULL, 0, WO_F_CHANGES, &full);
    struct wo_changes push = {.orders = os, .n_orders = 1, .cursor = 31,
                              .final = true};
    frame(t, "push", NULL, 0, WO_F_CHANGES, &push);
    struct wo_changes gone = {.revoked = revoked, .n_revoked = 1,
                              .cursor = 32, .final = true};
    frame(t, "revoked", NULL, 0, WO_F_CHANGES, &gone);
    struct wo_alert al[] = {{.id = 4, .wo = 1, .kind = "resolve.breach",
                             .at = 1700000675000}};
    struct wo_changes alerts = {.alerts = al, .n_alerts = 1, .cursor = 4};
    frame(t, "alerts", NULL, 0, WO_F_CHANGES, &alerts);
    struct wo_changes partial = {.orders = os + 2, .n_orders = 1,
                                 .cursor = 33, .final = false};
    frame(t, "partial", NULL, 0, WO_F_CHANGES, &partial);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkcorpus DIR\n");
        return 2;
    }
    outdir = argv[1];
    decoder();
    dispatch();
    statement();
    replica();
    return 0;
}
