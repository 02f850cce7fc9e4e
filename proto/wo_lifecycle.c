/*
 * wo_lifecycle.c - transition table of the work order state machine.
 * Each row: event, argument (or NULL for any), allowed source statuses,
 * target status (NULL = unchanged). The first row that matches wins.
 * docs/lifecycle.md draws it and names who makes each move.
 */
#include <stdio.h>
#include <string.h>

#include "wo_lifecycle.h"

#define ACTIVE "assigned accepted en_route on_site on_hold_parts " \
               "on_hold_customer reopened"
#define OFF_SITE "assigned accepted en_route on_hold_parts " \
                 "on_hold_customer reopened"

static const struct rule {
    const char *ev;
    const char *arg;
    const char *from; /* space-separated; "*" = any */
    const char *to;
} rules[] = {
    {"assign", NULL, "disputed", "reopened"},
    {"assign", NULL, "new " ACTIVE, "assigned"},
    {"escalate", NULL, "disputed", "reopened"},
    {"escalate", NULL, "new " ACTIVE, "assigned"},
    {"cancel", NULL, "awaiting_authorisation new disputed " ACTIVE,
     "cancelled"},
    {"accept", NULL, "assigned reopened", "accepted"},
    {"depart", NULL, "accepted on_hold_parts on_hold_customer", "en_route"},
    {"visit.start", NULL, "accepted en_route on_hold_parts on_hold_customer",
     "on_site"},
    {"visit.end", "done", "on_site", "accepted"},
    {"visit.end", "needs-parts", "on_site", "on_hold_parts"},
    {"visit.end", "customer-absent", "on_site", "on_hold_customer"},
    {"sign.technician", NULL, "accepted", "completed"},
    {"sign.recipient", "satisfied", "completed", "closed"},
    {"sign.recipient", "unsatisfied", "completed", "disputed"},
    {"dispute", NULL, "completed", "disputed"},
    {"close.auto", NULL, "completed", "closed"},
    {"schedule", NULL, ACTIVE, NULL},
    /* a record on a closed order would stand outside both signatures */
    {"note.add", NULL, "awaiting_authorisation new completed disputed "
     ACTIVE, NULL},
    {"part.add", NULL, "new completed disputed " ACTIVE, NULL},
    /* the service desk of issue 14: approval before dispatch, and work
     * resolved with no site visit (technician, or the desk itself) */
    {"authorise", NULL, "awaiting_authorisation", "new"},
    {"refuse", NULL, "awaiting_authorisation", "cancelled"},
    /* not while someone is on site: that visit ends, then it is signed */
    {"resolve.remote", NULL, OFF_SITE, "completed"},
    {"resolve.desk", NULL, "new " OFF_SITE, "completed"},
    {"record.void", NULL, "new completed disputed " ACTIVE, NULL},
};

static int in_list(const char *list, const char *s)
{
    size_t n = strlen(s);
    if (!strcmp(list, "*"))
        return 1;
    for (const char *p = list; (p = strstr(p, s)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

const char *wo_lifecycle_next(const char *status, const char *ev, const char *arg,
                           char *reason, size_t len)
{
    int known = 0;
    char allowed[256] = "", moves[256] = "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        if (strcmp(r->ev, ev))
            continue;
        known = 1;
        if (r->arg && (!arg || strcmp(r->arg, arg)))
            continue;
        if (in_list(r->from, status))
            return r->to ? r->to : status;
        snprintf(allowed, sizeof allowed, "%s", r->from);
    }
    /* what can be done from here */
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        size_t m = strlen(moves);
        if (!in_list(r->from, status) || !r->to || !strcmp(r->ev, "close.auto") ||
            (i && !strcmp(rules[i - 1].ev, r->ev) &&
             in_list(rules[i - 1].from, status)))
            continue;
        snprintf(moves + m, sizeof moves - m, "%s%s", m ? ", " : "", r->ev);
    }
    if (!known)
        snprintf(reason, len, "unknown operation '%s'", ev);
    else if (!allowed[0])
        snprintf(reason, len, "'%s' does not accept '%s'", ev,
                 arg ? arg : "(nothing)");
    else
        snprintf(reason, len, "order is %s, where %s is not allowed (it is "
                 "allowed from: %s); allowed moves now: %s", status, ev,
                 allowed, moves[0] ? moves : "none");
    return NULL;
}

int wo_lifecycle_is_terminal(const char *status)
{
    return !strcmp(status, "closed") || !strcmp(status, "cancelled");
}

int wo_lifecycle_is_priority(const char *p)
{
    return p && (!strcmp(p, "P1") || !strcmp(p, "P2") || !strcmp(p, "P3"));
}

int wo_lifecycle_is_status(const char *s)
{
    static const char all[] = WO_STATUSES;
    const char *p = all;
    size_t n = s ? strlen(s) : 0;
    if (!n)
        return 0;
    while ((p = strstr(p, s))) {
        if ((p == all || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return 1;
        p += n;
    }
    return 0;
}
