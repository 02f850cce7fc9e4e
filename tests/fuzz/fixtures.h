/*
 * fixtures.h - the sample order and signers shared by fuzz_statement.c
 * and mkcorpus.c, so that the seed statements mkcorpus writes match the
 * order the target checks them against (a valid seed reaches the end of
 * wo_statement_check, which is where mutations are worth most).
 *
 * Records are static data: nothing here is freed.
 */
#ifndef FUZZ_FIXTURES_H
#define FUZZ_FIXTURES_H

#include "wo_statement.h"

static char *fx_serials[] = {"SN-0042", "SN-0043"};

static struct wo_visit fx_visits[] = {
    {.id = "0190a1b2-0000-7000-8000-000000000001", .tech = "tech1",
     .started_at = 1700000000000, .ended_at = 1700000360000,
     .outcome = "needs-parts"},
    {.id = "0190a1b2-0000-7000-8000-000000000002", .tech = "tech1",
     .started_at = 1700090000000},
};

static struct wo_part fx_parts[] = {
    {.id = "0190a1b2-0000-7000-8000-000000000003", .author = "tech1",
     .at = 1700000100000, .part_no = "VLV-22", .qty = 2,
     .desc = "relief valve", .serials = fx_serials, .n_serials = 2},
    {.id = "0190a1b2-0000-7000-8000-000000000004", .author = "tech1",
     .at = 1700000200000, .part_no = "GB-9", .qty = 1, .late = true},
};

static struct wo_note fx_notes[] = {
    {.id = "0190a1b2-0000-7000-8000-000000000005", .author = "tech1",
     .at = 1700000300000, .text = "Relief valve seized; replaced"},
    {.id = "0190a1b2-0000-7000-8000-000000000006", .author = "tech1",
     .at = 1700000300001, .text = "Tekanan stabil pada 1,5 bar"},
};

static const struct wo_order fx_order = {
    .id = 42, .seq = 9, .title = "Boiler leaking", .priority = "P1",
    .status = "on_site", .assignee = "tech1", .created_at = 1699990000000,
    .visits = fx_visits, .n_visits = 2, .parts = fx_parts, .n_parts = 2,
    .notes = fx_notes, .n_notes = 2,
};

/* The signers the target picks from (first input byte). */
static const struct wo_stmt_meta fx_meta[] = {
    {.role = "technician", .signer = "tech1", .device_id = 7,
     .signed_at = 1700090100000},
    {.role = "recipient", .signer = "Ann Lee", .device_id = 7,
     .signed_at = 1700090200000, .satisfied = true},
    {.role = "recipient", .signer = "Ann Lee", .device_id = 7,
     .signed_at = 1700090200000, .satisfied = false,
     .comment = "still drips\nat night"},
};

#define FX_N_META (sizeof fx_meta / sizeof fx_meta[0])

#endif
