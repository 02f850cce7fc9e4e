/*
 * mailer.c - the worker that sends the mail queue (see mailer.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailer.h"
#include "smtp.h"
#include "store.h"
#include "svcreport.h"
#include "wo_err.h"

#define BATCH 20
#define BACKOFF_FIRST_MS 30000LL
#define BACKOFF_MAX_MS 3600000LL

struct mailer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int64_t now;            /* the latest time handed over, 0: none new */
    struct store *st;       /* the worker's own connection */
    struct store *ro;       /* and a read-only one, for service reports */
    struct smtp *smtp;
    int drew;               /* a report was drawn: free the fonts at exit */
};

/* The service report one batch attaches (both recipients of an order get
 * the same one, drawn once). */
struct report {
    int64_t order;
    int rc;                 /* -1: none drawn yet */
    uint8_t *pdf;
    size_t len;
    int signed_by;          /* SVCREPORT_TECH | SVCREPORT_RECIP */
    char why[300];
};

/* Whether event's message carries the service report. */
static int with_report(const char *event)
{
    return !strcmp(event, "completed") || !strcmp(event, "closed");
}

static void report_for(struct mailer *m, struct report *r, int64_t order,
                       int64_t now)
{
    if (r->rc != -1 && r->order == order)
        return;
    free(r->pdf);
    r->pdf = NULL;
    r->order = order;
    m->drew = 1;
    /* how long drawing takes, for the log (a duration, not server time) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r->rc = svcreport_pdf(m->ro, order, now, &r->pdf, &r->len, &r->signed_by,
                          r->why,
                          sizeof r->why);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!r->rc)
        fprintf(stderr, "wo-server: service report of order %lld drawn and "
                "checked in %lld ms (%zu bytes)\n", (long long)order,
                (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
                            (t1.tv_nsec - t0.tv_nsec) / 1000000),
                r->len);
    else
        fprintf(stderr, "wo-server: the service report of order %lld could "
                "not be made (%s): its messages go without it\n",
                (long long)order, r->why);
}

/* The message's text and what it says of the report attached as name:
 * signed by both parties, it verifies; else it is a draft with only the
 * signatures made, which `wo verify` lists. */
static void report_words(int signed_by, const char *name, char *out,
                         size_t len, const char *text)
{
    const int both = SVCREPORT_TECH | SVCREPORT_RECIP;
    if ((signed_by & both) == both) {
        snprintf(out, len, "%s\r\nThe service report is attached (%s), "
                 "signed by the technician and the recipient. Check it with "
                 "'wo verify %s'.\r\n", text, name, name);
        return;
    }
    snprintf(out, len, "%s\r\nThe service report is attached (%s). It is a "
             "draft: it carries only the signatures made (%s), not both "
             "parties'. 'wo verify %s' shows which signatures it carries."
             "\r\n", text, name,
             signed_by & SVCREPORT_TECH ? "the technician's, not the "
                                          "recipient's"
             : signed_by & SVCREPORT_RECIP ? "the recipient's, not the "
                                             "technician's"
                                           : "none: neither the technician's "
                                             "nor the recipient's",
             name);
}

/* Send q[i], with the service report when its event has one. */
static int send_one(struct mailer *m, const struct store_mail *q,
                    struct report *r, int64_t now, char *err, size_t errlen)
{
    char name[64], *body = NULL;
    struct smtp_file f = {0};
    const char *text = q->body;
    if (with_report(q->event)) {
        report_for(m, r, q->order, now);
        size_t n = strlen(q->body) + sizeof r->why + 500;
        if (!(body = malloc(n))) {
            snprintf(err, errlen, "out of memory");
            return WO_ENOMEM;
        }
        svcreport_filename(q->order, name, sizeof name);
        if (!r->rc) {
            f = (struct smtp_file){.name = name, .mime = "application/pdf",
                                   .data = r->pdf, .len = r->len};
            report_words(r->signed_by, name, body, n, q->body);
        } else {
            snprintf(body, n, "%s\r\nThe service report could not be "
                     "attached (%s); ask the service desk for it.\r\n",
                     q->body, r->why);
        }
        text = body;
    }
    int rc = smtp_send(m->smtp, q->rcpt, q->subject, text, f.data ? &f : NULL,
                       now, q->id, err, errlen);
    free(body);
    return rc;
}

static int64_t backoff(int64_t attempts)
{
    int64_t d = BACKOFF_FIRST_MS;
    while (attempts-- > 0 && d < BACKOFF_MAX_MS)
        d *= 2;
    return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

/* Send what is due at now; stop at the first failure (the relay is
 * likely down: the rest wait for the next kick). */
static void send_due(struct mailer *m, int64_t now)
{
    struct store_mail *q;
    struct report r = {.rc = -1};
    size_t n;
    char err[600];
    if (store_mail_due(m->st, now, BATCH, &q, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        int rc = send_one(m, &q[i], &r, now, err, sizeof err);
        if (!rc) {
            store_mail_sent(m->st, q[i].id, now);
            fprintf(stderr, "wo-server: mail %lld to %s sent\n",
                    (long long)q[i].id, q[i].rcpt);
            continue;
        }
        int64_t wait = backoff(q[i].attempts);
        store_mail_retry(m->st, q[i].id, now + wait, err);
        fprintf(stderr, "wo-server: mail %lld to %s not sent (%s); next try "
                "in %lld s\n", (long long)q[i].id, q[i].rcpt, err,
                (long long)(wait / 1000));
        break;
    }
    store_mail_free(q, n);
    free(r.pdf);
}

static void *run(void *arg)
{
    struct mailer *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->stop && !m->now)
            pthread_cond_wait(&m->cv, &m->mu);
        if (m->stop)
            break;
        int64_t now = m->now;
        m->now = 0;
        pthread_mutex_unlock(&m->mu);
        send_due(m, now);
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    /* pango's font map is this thread's: free it here, for leak checkers */
    if (m->drew)
        svcreport_shutdown();
    return NULL;
}

struct mailer *mailer_create(struct store *st, const char *path)
{
    char *relay = NULL, *from = NULL, *tls = NULL, *ca = NULL, *user = NULL,
         *pwfile = NULL, err[600];
    struct mailer *m = NULL;
    if (store_setting_get(st, MAILER_RELAY, &relay) || !relay) {
        fprintf(stderr, "wo-server: no SMTP relay set (wo-server init --smtp "
                        "HOST:PORT --smtp-from ADDR): messages to requesters "
                        "are queued, not sent\n");
        goto out;
    }
    store_setting_get(st, MAILER_FROM, &from);
    store_setting_get(st, MAILER_STARTTLS, &tls);
    store_setting_get(st, MAILER_CA, &ca);
    store_setting_get(st, MAILER_USER, &user);
    store_setting_get(st, MAILER_PASSWORD_FILE, &pwfile);
    if (!(m = calloc(1, sizeof *m)))
        goto out;
    m->smtp = smtp_create(relay, from, tls && !strcmp(tls, "on"),
                          ca && *ca ? ca : NULL, user && *user ? user : NULL,
                          pwfile && *pwfile ? pwfile : NULL, err, sizeof err);
    if (!m->smtp) {
        fprintf(stderr, "wo-server: mail is not sent: %s\n", err);
        goto fail;
    }
    if (store_open(path, &m->st, err, sizeof err) ||
        store_open_readonly(path, &m->ro, err, sizeof err)) {
        fprintf(stderr, "wo-server: mail is not sent: %s\n", err);
        goto fail;
    }
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (pthread_create(&m->thread, NULL, run, m)) {
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->mu);
        fprintf(stderr, "wo-server: mail is not sent: no thread\n");
        goto fail;
    }
    fprintf(stderr, "wo-server: mail goes through %s%s%s%s\n", relay,
            m->smtp && tls && !strcmp(tls, "on") ? " (STARTTLS)" : "",
            user && *user ? " as " : "", user && *user ? user : "");
    goto out;
fail:
    store_close(m->ro);
    store_close(m->st);
    smtp_destroy(m->smtp);
    free(m);
    m = NULL;
out:
    free(relay);
    free(from);
    free(tls);
    free(ca);
    free(user);
    free(pwfile);
    return m;
}

void mailer_kick(struct mailer *m, int64_t now)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->now = now ? now : 1;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

void mailer_destroy(struct mailer *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stop = 1;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    store_close(m->ro);
    store_close(m->st);
    smtp_destroy(m->smtp);
    free(m);
}
