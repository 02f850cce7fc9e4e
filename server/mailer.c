/*
 * mailer.c - the worker that sends the mail queue (see mailer.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailer.h"
#include "smtp.h"
#include "store.h"

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
    struct smtp *smtp;
};

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
    size_t n;
    char err[600];
    if (store_mail_due(m->st, now, BATCH, &q, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        int rc = smtp_send(m->smtp, q[i].rcpt, q[i].subject, q[i].body, now,
                           q[i].id, err, sizeof err);
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
    return NULL;
}

struct mailer *mailer_create(struct store *st, const char *path)
{
    char *relay = NULL, *from = NULL, *tls = NULL, *ca = NULL, err[600];
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
    if (!(m = calloc(1, sizeof *m)))
        goto out;
    m->smtp = smtp_create(relay, from, tls && !strcmp(tls, "on"),
                          ca && *ca ? ca : NULL, err, sizeof err);
    if (!m->smtp) {
        fprintf(stderr, "wo-server: mail is not sent: %s\n", err);
        goto fail;
    }
    if (store_open(path, &m->st, err, sizeof err)) {
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
    fprintf(stderr, "wo-server: mail goes through %s%s\n", relay,
            m->smtp && tls && !strcmp(tls, "on") ? " (STARTTLS)" : "");
    goto out;
fail:
    store_close(m->st);
    smtp_destroy(m->smtp);
    free(m);
    m = NULL;
out:
    free(relay);
    free(from);
    free(tls);
    free(ca);
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
    store_close(m->st);
    smtp_destroy(m->smtp);
    free(m);
}
