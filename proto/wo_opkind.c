/*
 * wo_opkind.c - the op kind table and the shape checks it drives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wo_opkind.h"

static const struct wo_opkind kinds[WO_OP__COUNT] = {
    [WO_OP_ACCEPT] = {WO_OP_ACCEPT, "accept", WO_REC_NONE, 0, NULL},
    [WO_OP_DEPART] = {WO_OP_DEPART, "depart", WO_REC_NONE, 0, NULL},
    [WO_OP_VISIT_START] = {WO_OP_VISIT_START, "visit.start", WO_REC_VISIT, 0,
                           NULL},
    [WO_OP_VISIT_END] = {WO_OP_VISIT_END, "visit.end", WO_REC_NONE, 0, NULL},
    [WO_OP_NOTE_ADD] = {WO_OP_NOTE_ADD, "note.add", WO_REC_NOTE, 1, NULL},
    [WO_OP_PART_ADD] = {WO_OP_PART_ADD, "part.add", WO_REC_PART, 1, NULL},
    [WO_OP_SIGN_TECH] = {WO_OP_SIGN_TECH, "sign.technician", WO_REC_SIG, 0,
                         "technician"},
    [WO_OP_SIGN_RECIPIENT] = {WO_OP_SIGN_RECIPIENT, "sign.recipient",
                              WO_REC_SIG, 0, "recipient"},
    [WO_OP_RESOLVE_REMOTE] = {WO_OP_RESOLVE_REMOTE, "resolve.remote",
                              WO_REC_NOTE, 0, NULL},
    [WO_OP_RECORD_VOID] = {WO_OP_RECORD_VOID, "record.void", WO_REC_VOID, 0,
                           NULL},
};

const struct wo_opkind *wo_opkind_find(const char *name)
{
    for (size_t i = 0; name && i < WO_OP__COUNT; i++)
        if (!strcmp(kinds[i].name, name))
            return &kinds[i];
    return NULL;
}

const struct wo_opkind *wo_opkind_get(enum wo_opk id)
{
    return &kinds[id];
}

const char *wo_opkind_move_arg(const struct wo_opkind *k,
                               const struct wo_op *op)
{
    if (k->id == WO_OP_VISIT_END)
        return op->outcome;
    if (k->id == WO_OP_SIGN_RECIPIENT)
        return op->satisfied ? "satisfied" : "unsatisfied";
    return NULL;
}

int wo_outcome_valid(const char *outcome)
{
    static const char list[] = WO_OUTCOMES;
    size_t n = outcome ? strlen(outcome) : 0;
    const char *p = list;
    if (!n || strchr(outcome, '|'))
        return 0;
    for (; (p = strstr(p, outcome)); p += n)
        if ((p == list || p[-1] == '|') && (p[n] == '|' || !p[n]))
            return 1;
    return 0;
}

static int has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20)
            return 1;
    return 0;
}

static int refuse(char *reason, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *reason, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, len, fmt, ap);
    va_end(ap);
    return WO_EINVAL;
}

int wo_opkind_check(const struct wo_op *op, char *reason, size_t len)
{
    const struct wo_opkind *k = wo_opkind_find(op->kind);
    if (op->wo <= 0)
        return refuse(reason, len, "op has no valid work order id");
    if (!k)
        return refuse(reason, len, "unknown op kind '%s'",
                      op->kind ? op->kind : "");
    switch (k->id) {
    case WO_OP_ACCEPT:
    case WO_OP_DEPART:
    case WO_OP_VISIT_START:
        return 0;
    case WO_OP_VISIT_END:
        if (!op->ref)
            return refuse(reason, len, "visit.end needs 'ref', the id of the "
                          "visit");
        if (!wo_outcome_valid(op->outcome))
            return refuse(reason, len, "visit.end needs 'outcome': done, "
                          "needs-parts or customer-absent");
        return 0;
    case WO_OP_NOTE_ADD:
        return op->text && *op->text
                   ? 0 : refuse(reason, len, "note.add needs 'text'");
    case WO_OP_RECORD_VOID:
        if (!op->ref || !*op->ref)
            return refuse(reason, len, "record.void needs 'ref', the id of "
                          "the part or note");
        return op->text && *op->text
                   ? 0 : refuse(reason, len, "record.void needs 'text': "
                                "why the record is wrong");
    case WO_OP_RESOLVE_REMOTE:
        return op->text && *op->text
                   ? 0 : refuse(reason, len, "resolve.remote needs 'text': "
                                "what was done");
    case WO_OP_PART_ADD:
        if (!op->part_no || !*op->part_no || has_ctl(op->part_no))
            return refuse(reason, len, "part.add needs 'part_no'");
        if (op->qty <= 0 || op->qty > 1000000)
            return refuse(reason, len, "part.add needs 'qty' between 1 and "
                          "1000000");
        for (size_t i = 0; i < op->n_serials; i++)
            if (!*op->serials[i] || has_ctl(op->serials[i]))
                return refuse(reason, len, "serial numbers must be non-empty "
                              "text without control characters");
        return 0;
    case WO_OP_SIGN_TECH:
    case WO_OP_SIGN_RECIPIENT:
        if (!op->statement || !op->sig)
            return refuse(reason, len, "%s needs 'statement' and 'sig'",
                          k->name);
        if (k->id == WO_OP_SIGN_RECIPIENT &&
            (!op->name || !*op->name || has_ctl(op->name) || !op->code))
            return refuse(reason, len, "sign.recipient needs the recipient's "
                          "'name' and the confirmation 'code'");
        return 0;
    case WO_OP__COUNT:
        break;
    }
    return refuse(reason, len, "unknown op kind '%s'", op->kind);
}
