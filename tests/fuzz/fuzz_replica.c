/*
 * fuzz_replica.c - libFuzzer target for the client's apply of a server
 * batch: a changes frame decoded as the client decodes it, then
 * replica_apply_changes() on a real replica (client/replica.c, SQLite in
 * a scratch directory), which writes the orders, their records, past
 * resolutions and revocations, and replays the outbox's pending ops on
 * top. Each applied order is then loaded back, as `wo show` would.
 *
 * The replica holds pending ops from the start (an accept, a visit, a
 * note and a part on orders 1 and 2), so the replay runs against
 * whatever state the batch leaves. State carries over between inputs as
 * on a laptop; every RESET_EVERY inputs the replica file is made anew so
 * it does not grow without bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"
#include "replica.h"
#include "wo_proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 20000   /* inputs between two fresh replicas */
#define USER "tech1"
#define DEVICE 7

static struct {
    char dir[128];
    struct replica *r;
    unsigned long runs;
} W;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_replica: %s: %s\n", what, why ? why : "");
    abort();
}

/* Two orders from the server, then local ops on them still in the
 * outbox. */
static void seed(void)
{
    struct wo_order o[2] = {
        {.id = 1, .seq = 1, .title = "Boiler", .priority = "P2",
         .status = "assigned", .assignee = USER, .asset = "B-7",
         .created_at = 1700000000000},
        {.id = 2, .seq = 2, .title = "Pump", .priority = "P1",
         .status = "accepted", .assignee = USER,
         .created_at = 1700000000001},
    };
    struct wo_changes ch = {.orders = o, .n_orders = 2, .cursor = 2,
                            .final = true};
    if (replica_apply_changes(W.r, &ch, USER, DEVICE, 0, NULL))
        die("seed", "apply");
    char *serials[] = {"SN-1"};
    struct wo_op ops[] = {
        {.id = "op-accept", .wo = 1, .kind = "accept", .at = 1700000001000},
        {.id = "op-visit", .wo = 1, .kind = "visit.start",
         .at = 1700000002000},
        {.id = "op-note", .wo = 1, .kind = "note.add", .at = 1700000003000,
         .text = "seized valve"},
        {.id = "op-part", .wo = 2, .kind = "part.add", .at = 1700000004000,
         .part_no = "VLV-22", .qty = 1, .desc = "relief valve",
         .serials = serials, .n_serials = 1},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (replica_record(W.r, &ops[i], USER, DEVICE))
            die("seed", ops[i].id);
}

static void world_open(void)
{
    char err[256];
    fuzz_scratch_dir("wo-fuzz-replica", W.dir, sizeof W.dir);
    if (replica_open(W.dir, 1, &W.r, err, sizeof err))
        die("replica_open", err);
    seed();
}

static void world_close(void)
{
    replica_close(W.r);
    W.r = NULL;
    fuzz_remove_db(W.dir, "replica.db");
    rmdir(W.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    world_open();
    atexit(world_close);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int type;
    void *body;
    if (++W.runs % RESET_EVERY == 0) {
        world_close();
        world_open();
    }
    if (wo_frame_decode(data, size, &type, &body, err, sizeof err))
        return 0;
    if (type == WO_F_CHANGES) {
        const struct wo_changes *ch = body;
        if (replica_apply_changes(W.r, ch, USER, DEVICE, 0, NULL) == 0) {
            for (size_t i = 0; i < ch->n_orders; i++) {
                struct wo_order o;
                if (replica_order_load(W.r, ch->orders[i].id, &o) == 0)
                    wo_order_cleanup(&o);
            }
        }
    }
    wo_frame_free(type, body);
    return 0;
}
