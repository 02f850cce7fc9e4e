/*
 * agree.c - SLA agreements applied to orders (see agree.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agree.h"
#include "store.h"
#include "wo_hours.h"

void agree_targets(const struct wo_agreement *a, const char *priority,
                   int64_t *response_ms, int64_t *resolve_ms)
{
    if (!strcmp(priority, "P1")) {
        *response_ms = a->p1_response;
        *resolve_ms = a->p1_resolve;
    } else if (!strcmp(priority, "P2")) {
        *response_ms = a->p2_response;
        *resolve_ms = a->p2_resolve;
    } else {
        *response_ms = a->p3_response;
        *resolve_ms = a->p3_resolve;
    }
}

int agree_apply(struct store *st, const struct wo_order *o,
                const char *priority, int64_t from, int keep_global,
                char *err, size_t errlen)
{
    struct wo_agreement a;
    struct wo_hours h;
    int64_t resp, res, version, agreement = 0;
    int rc = store_agreement_in_force(st, o->customer, from, &a);
    if (rc == WO_ENOTFOUND) {
        if (keep_global)
            return 0;
        if ((rc = store_sla_policy_of(st, priority, &version, &resp, &res)))
            return rc;
        rc = wo_hours_parse(&h, "UTC", "24x7", NULL, err, errlen);
    } else if (!rc) {
        agreement = a.id;
        agree_targets(&a, priority, &resp, &res);
        rc = wo_hours_parse(&h, a.tz, a.hours, a.holidays, err, errlen);
        wo_agreement_cleanup(&a);
    }
    if (rc)
        return rc;
    int64_t rdue = wo_hours_add(&h, from, resp),
            rwarn = wo_hours_add(&h, from, resp - resp / 4),
            sdue = wo_hours_add(&h, from, res),
            swarn = wo_hours_add(&h, from, res - res / 4);
    if (rdue < 0 || sdue < 0) {
        snprintf(err, errlen, "the agreement's hours leave no time to count "
                 "in: fix them with 'wo agreement set'");
        return WO_EINVAL;
    }
    if (o->responded_at) {
        rdue = o->response_due;
        rwarn = 0;
    }
    return store_order_sla_set(st, o->id, agreement, rdue, sdue, rwarn,
                               swarn);
}

int agree_resume(struct store *st, const struct wo_order *o, int64_t t,
                 int64_t now)
{
    struct wo_agreement a;
    struct wo_hours h;
    char err[200];
    int64_t resp, res;
    if (!o->agreement_id || !o->paused_at)
        return 0;
    int rc = store_agreement_get(st, o->agreement_id, &a);
    if (rc)
        return rc;
    agree_targets(&a, o->priority, &resp, &res);
    rc = wo_hours_parse(&h, a.tz, a.hours, a.holidays, err, sizeof err);
    wo_agreement_cleanup(&a);
    if (rc)
        return rc;
    /* the same clamp as the resume itself (queries.sql, sla_resume) */
    int64_t at = t < now ? t : now;
    if (at < o->created_at)
        at = o->created_at;
    if (at < o->paused_at)
        at = o->paused_at;
    int64_t left = wo_hours_between(&h, o->paused_at, o->resolve_due);
    int64_t due = wo_hours_add(&h, at, left);
    int64_t warn = left > res / 4 ? wo_hours_add(&h, at, left - res / 4) : at;
    if (due < 0 || warn < 0)
        return 0; /* no counted time ahead: keep the wall-clock shift */
    return store_order_sla_set(st, o->id, o->agreement_id, o->response_due,
                               due, 0, warn);
}

static void fmt_time(int64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 40, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, 40, "%lld ms", (long long)ms);
}

static void fmt_dur(int64_t ms, char out[24])
{
    if (ms % 86400000 == 0)
        snprintf(out, 24, "%lldd", (long long)(ms / 86400000));
    else if (ms % 3600000 == 0)
        snprintf(out, 24, "%lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(out, 24, "%lldm", (long long)(ms / 60000));
    else
        snprintf(out, 24, "%llds", (long long)(ms / 1000));
}

/* When the order's SLA clock started, as the explanation says it. */
static void clock_start(const struct wo_order *o, int64_t approved,
                        char *out, size_t len)
{
    char t[40];
    fmt_time(approved ? approved : o->created_at, t);
    snprintf(out, len, approved ? "at its approval, %s" : "the order opened "
             "at %s", t);
}

/* An order awaiting authorisation: no clock, no agreement yet. */
static int explain_waiting(const struct wo_order *o, struct wo_agreement *a)
{
    char why[400];
    snprintf(why, sizeof why, "order %lld (%s, customer %s) waits for "
             "authorisation by %s: no SLA clock runs and it has no due "
             "times until it is approved; then the agreement in force at "
             "the approval governs it, counted from that moment.",
             (long long)o->id, o->priority,
             o->customer ? o->customer : "none",
             o->authoriser ? o->authoriser : "its authoriser");
    a->customer = strdup(o->customer ? o->customer : "");
    a->tz = strdup("UTC");
    a->hours = strdup("24x7");
    a->wo = o->id;
    a->why = strdup(why);
    if (!a->customer || !a->tz || !a->hours || !a->why) {
        wo_agreement_cleanup(a);
        return WO_ENOMEM;
    }
    return 0;
}

int agree_explain(struct store *st, const struct wo_order *o,
                  struct wo_agreement *a)
{
    char why[1400], from[40], opened[64], r1[24], r2[24], nextfrom[40],
        review[80] = "";
    int64_t resp, res, version, approved = 0, start;
    int rc;
    memset(a, 0, sizeof *a);
    if (!strcmp(o->status, "awaiting_authorisation"))
        return explain_waiting(o, a);
    if ((rc = store_order_approved_at(st, o->id, &approved)))
        return rc;
    /* the clock starts at the approval of an order that waited for it */
    start = approved ? approved : o->created_at;
    clock_start(o, approved, opened, sizeof opened);
    if (o->agreement_id) {
        struct wo_agreement next;
        if ((rc = store_agreement_get(st, o->agreement_id, a)))
            return rc;
        agree_targets(a, o->priority, &resp, &res);
        fmt_time(a->effective_from, from);
        fmt_dur(resp, r1);
        fmt_dur(res, r2);
        if (a->review_at) {
            char rv[40];
            fmt_time(a->review_at, rv);
            snprintf(review, sizeof review, "; the agreement is to be "
                     "reviewed on %s", rv);
        }
        int own = o->customer && !strcmp(a->customer, o->customer);
        int n = snprintf(why, sizeof why,
            "order %lld (%s, customer %s) is governed by version %lld of %s%s%s,"
            " in force from %s: the version in force when its SLA clock "
            "started (%s)%s. Its %s targets: respond "
            "within %s, resolve within %s, counted in %s (%s)%s%s.",
            (long long)o->id, o->priority,
            o->customer ? o->customer : "none", (long long)a->version,
            own ? "the agreement of " : "the default agreement",
            own ? a->customer : "",
            !own && o->customer ? " (the customer has no agreement of its "
                                  "own in force)" : "",
            from, opened, review, o->priority, r1, r2,
            a->hours, a->tz, a->holidays && *a->holidays ? ", except "
            "holidays " : "", a->holidays ? a->holidays : "");
        if (n < 0)
            n = 0;
        if (!store_agreement_latest(st, a->customer, &next)) {
            if (next.version > a->version &&
                (size_t)n < sizeof why) {
                fmt_time(next.effective_from, nextfrom);
                snprintf(why + n, sizeof why - (size_t)n, " Version %lld, in "
                         "force from %s, governs orders whose clock starts "
                         "from then; this order keeps its version.",
                         (long long)next.version, nextfrom);
            }
            wo_agreement_cleanup(&next);
        }
    } else {
        if ((rc = store_sla_policy_of(st, o->priority, &version, &resp, &res)))
            return rc;
        version = o->sla_version;
        a->customer = strdup(o->customer ? o->customer : "");
        a->tz = strdup("UTC");
        a->hours = strdup("24x7");
        a->version = 0;
        a->p1_response = a->p2_response = a->p3_response = 0;
        fmt_dur(o->response_due - start, r1);
        fmt_dur(o->resolve_due - start, r2);
        snprintf(why, sizeof why, "order %lld (%s, customer %s) is governed "
                 "by no agreement: %s, so the global SLA policy (version "
                 "%lld) applies and every hour counts: respond within %s, "
                 "resolve within %s of its clock's start (%s).",
                 (long long)o->id, o->priority,
                 o->customer ? o->customer : "none",
                 o->customer ? "neither its customer nor the desk had an "
                               "agreement in force when its clock started"
                             : "it has no customer and there was no default "
                               "agreement in force when its clock started",
                 (long long)version, r1, r2, opened);
        if (!a->customer || !a->tz || !a->hours) {
            wo_agreement_cleanup(a);
            return WO_ENOMEM;
        }
    }
    a->wo = o->id;
    if (!(a->why = strdup(why))) {
        wo_agreement_cleanup(a);
        return WO_ENOMEM;
    }
    return 0;
}

/* "15m", "4h", "2d", "90s" to ms; -1 if malformed. */
static int64_t duration(const char *s, size_t len)
{
    char buf[24];
    char *end;
    if (!len || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    long long v = strtoll(buf, &end, 10);
    /* at most about ten years of days: no product below overflows */
    if (end == buf || v <= 0 || v > 100000000 || end[0] == 0 || end[1])
        return -1;
    switch (*end) {
    case 's': return v * 1000;
    case 'm': return v * 60000;
    case 'h': return v * 3600000;
    case 'd': return v * 86400000;
    default: return -1;
    }
}

int agree_parse_targets(const char *text, struct wo_agreement *a, char *err,
                        size_t errlen)
{
    const char *p = text;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = p + strcspn(p, " ,");
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *sl = eq ? memchr(eq, '/', (size_t)(end - eq)) : NULL;
        int64_t r = sl ? duration(eq + 1, (size_t)(sl - eq - 1)) : -1;
        int64_t s = sl ? duration(sl + 1, (size_t)(end - sl - 1)) : -1;
        if (!eq || eq - p != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '3' ||
            r < 0 || s < 0) {
            snprintf(err, errlen, "a target must look like P1=15m/4h "
                     "(priority=response/resolution; s, m, h, d): '%.*s'",
                     (int)(end - p), p);
            return WO_EINVAL;
        }
        if (r > s) {
            snprintf(err, errlen, "%.2s: the response target must not be "
                     "longer than the resolution target", p);
            return WO_EINVAL;
        }
        int64_t *pr = p[1] == '1' ? &a->p1_response
                      : p[1] == '2' ? &a->p2_response : &a->p3_response;
        pr[0] = r;
        pr[1] = s;
        p = end;
    }
    return 0;
}
