/*
 * store_ops.c - every op ever received, by its client-made id (the
 * idempotency key), with the verdict it got: a replay is answered from
 * here with the same verdict, and the row is evidence of what the device
 * sent and when.
 */
#include "store_int.h"

int store_op_seen(struct store *s, const char *id, char result[16],
                  char **reason)
{
    sqlite3_stmt *q = ST(op_get);
    wo_db_bind_text(q, ":id", id);
    int r = store__row(q);
    if (r <= 0)
        return r;
    store__copy_col(q, 0, result, 16);
    *reason = DUP(1);
    sqlite3_reset(q);
    return 1;
}

int store_op_record(struct store *s, const struct wo_op *op, int64_t device,
                    int64_t clock_offset, const char *result,
                    const char *reason, int64_t now)
{
    sqlite3_stmt *q = ST(op_insert);
    wo_db_bind_text(q, ":id", op->id);
    wo_db_bind_int(q, ":device", device);
    wo_db_bind_int(q, ":order", op->wo);
    wo_db_bind_text(q, ":kind", op->kind);
    wo_db_bind_int(q, ":client_at", op->at);
    wo_db_bind_int(q, ":now", now);
    wo_db_bind_text(q, ":result", result);
    wo_db_bind_text(q, ":reason", reason);
    wo_db_bind_int(q, ":offset", clock_offset);
    return wo_db_exec(q);
}
