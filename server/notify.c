/*
 * notify.c - the messages to an order's requester and authoriser (see
 * notify.h). Plain text, one per address and event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify.h"
#include "store.h"

static const struct {
    const char *event;
    const char *what;   /* "Your work order N <what>." */
} texts[] = {
    {"accepted", "has been accepted by a technician"},
    {"scheduled", "has a visit scheduled"},
    {"completed", "has been completed; please check the work: without an "
                  "objection within 24 hours the order closes by itself"},
    {"closed", "is closed"},
    {"authorised", "has been authorised and will now be dispatched"},
    {"refused", "was refused by its authoriser and will not be carried out"},
};

static void fmt_utc(int64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 40, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, 40, "-");
}

int notify_event(struct store *st, int64_t id, const char *event, int64_t now)
{
    struct wo_order o;
    const char *what = NULL;
    char subject[400], body[2048], when[40], from[40], to[40];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!strcmp(texts[i].event, event))
            what = texts[i].what;
    if (!what)
        return WO_EINVAL;
    int rc = store_order_load(st, id, STORE_LOAD_TECH, &o, NULL);
    if (rc)
        return rc;
    if (!o.requester_email && !o.authoriser_email) {
        wo_order_cleanup(&o);
        return 0;
    }
    fmt_utc(now, when);
    snprintf(subject, sizeof subject, "Work order %lld %s: %s",
             (long long)o.id, event, o.title);
    int n = snprintf(body, sizeof body,
                     "Your work order %lld %s.\r\n\r\n"
                     "Order:     %lld %s\r\n"
                     "Type:      %s, category %s, priority %s\r\n"
                     "Requester: %s%s%s\r\n"
                     "Status:    %s (as of %s)\r\n",
                     (long long)o.id, what, (long long)o.id, o.title, o.type,
                     o.category, o.priority,
                     o.requester ? o.requester : "-",
                     o.department ? ", " : "",
                     o.department ? o.department : "", o.status, when);
    if (!strcmp(event, "scheduled") && o.visit_start && n > 0 &&
        (size_t)n < sizeof body) {
        fmt_utc(o.visit_start, from);
        fmt_utc(o.visit_end, to);
        n += snprintf(body + n, sizeof body - (size_t)n,
                      "Next visit: %s to %s\r\n", from, to);
    }
    if (n > 0 && (size_t)n < sizeof body)
        snprintf(body + n, sizeof body - (size_t)n,
                 "\r\nThis message was sent by the service desk; reply to "
                 "the desk, not to this address.\r\n");
    if (o.requester_email)
        rc = store_mail_add(st, id, event, o.requester_email, subject, body,
                            now);
    if (!rc && o.authoriser_email &&
        (!o.requester_email || strcmp(o.requester_email, o.authoriser_email)))
        rc = store_mail_add(st, id, event, o.authoriser_email, subject, body,
                            now);
    wo_order_cleanup(&o);
    return rc;
}
