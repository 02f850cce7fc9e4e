/*
 * catchup.c - catch-up frames, made on the loop or on a worker thread
 * (catchup.h).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catchup.h"
#include "store.h"
#include "wo_err.h"

int catchup_encode_fit(const struct wo_order *o, const int64_t *seqs,
                       size_t n, size_t budget, size_t max,
                       struct wo_buf *out, size_t *k)
{
    memset(out, 0, sizeof *out);
    for (*k = n;; *k = (*k + 1) / 2) {
        /* the frame only reads the orders */
        struct wo_changes ch = {.orders = (struct wo_order *)o,
                                .n_orders = *k, .cursor = seqs[*k - 1]};
        int rc = wo_frame_encode(WO_F_CHANGES, &ch, out);
        if (rc) {
            wo_buf_cleanup(out);
            memset(out, 0, sizeof *out);
            return rc;
        }
        if (out->len <= (*k > 1 ? budget : max))
            return 0;
        wo_buf_cleanup(out);
        memset(out, 0, sizeof *out);
        if (*k == 1)
            return WO_ETOOBIG;
    }
}

void catchup_job_free(struct catchup_job *j)
{
    if (!j)
        return;
    free(j->ids);
    free(j->seqs);
    wo_buf_cleanup(&j->frame);
    free(j);
}

struct catchup_worker {
    struct store *ro;
    void (*wake)(void *arg);
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int held;               /* catchup_worker_hold (tests) */
    struct catchup_job *todo, **todo_tail;  /* FIFO */
    struct catchup_job *done, **done_tail;
};

/*
 * Keep in o[0..n) only the orders as the loop listed them (same seq),
 * with their ids and seqs: one changed since then (reassigned away, a
 * note added) has a seq above the listing now, so a later step lists it
 * again, in its scope as it is then. Returns how many are kept.
 */
static size_t as_listed(struct wo_order *o, struct catchup_job *j)
{
    size_t m = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (o[i].seq != j->seqs[i]) {
            wo_order_cleanup(&o[i]);
            continue;
        }
        o[m] = o[i];        /* moved: o[i] is not cleaned up again */
        j->ids[m] = j->ids[i];
        j->seqs[m++] = j->seqs[i];
    }
    return m;
}

void catchup_job_run(struct store *st, struct catchup_job *j)
{
    struct wo_order *o = calloc(j->n, sizeof *o);
    size_t m = 0;
    int rc = o ? store_orders_load(st, j->ids, j->n, STORE_LOAD_TECH, o,
                                   NULL)
               : WO_ENOMEM;
    if (!rc)
        m = j->n = as_listed(o, j);
    if (!rc && m)
        rc = catchup_encode_fit(o, j->seqs, m, j->budget, j->max, &j->frame,
                                &j->sent);
    for (size_t i = 0; i < m; i++)
        wo_order_cleanup(&o[i]);
    free(o);
    j->rc = rc;
    if (!rc && j->sent)
        j->cursor = j->seqs[j->sent - 1];
}

/* A job on the worker: its orders and their records read in one read
 * transaction, as of one moment at least as new as the loop's listing. */
static void run(struct catchup_worker *w, struct catchup_job *j)
{
    if ((j->rc = store_read_begin(w->ro)))
        return;
    catchup_job_run(w->ro, j);
    store_read_end(w->ro);
}

static void *main_of(void *arg)
{
    struct catchup_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while ((!w->todo || w->held) && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        struct catchup_job *j = w->todo;
        if (!(w->todo = j->next))
            w->todo_tail = &w->todo;
        j->next = NULL;
        pthread_mutex_unlock(&w->mu);
        run(w, j);
        pthread_mutex_lock(&w->mu);
        *w->done_tail = j;
        w->done_tail = &j->next;
        pthread_mutex_unlock(&w->mu);
        w->wake(w->arg);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct catchup_worker *catchup_worker_start(const char *path,
                                            void (*wake)(void *arg),
                                            void *arg, char *err,
                                            size_t errlen)
{
    struct catchup_worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (store_open_readonly(path, &w->ro, err, errlen)) {
        free(w);
        return NULL;
    }
    w->wake = wake;
    w->arg = arg;
    w->todo_tail = &w->todo;
    w->done_tail = &w->done;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    int e = pthread_create(&w->thread, NULL, main_of, w);
    if (!e) /* seen in top -H and /proc/PID/task/TID/comm */
        pthread_setname_np(w->thread, "wo-catchup");
    if (e) {
        snprintf(err, errlen, "cannot start its thread: %s", strerror(e));
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        store_close(w->ro);
        free(w);
        return NULL;
    }
    return w;
}

static void free_list(struct catchup_job *j)
{
    while (j) {
        struct catchup_job *next = j->next;
        catchup_job_free(j);
        j = next;
    }
}

void catchup_worker_stop(struct catchup_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    free_list(w->todo);
    free_list(w->done);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    store_close(w->ro);
    free(w);
}

void catchup_worker_submit(struct catchup_worker *w, struct catchup_job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&w->mu);
    *w->todo_tail = j;
    w->todo_tail = &j->next;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void catchup_worker_hold(struct catchup_worker *w, int hold)
{
    pthread_mutex_lock(&w->mu);
    w->held = hold;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

struct catchup_job *catchup_worker_take(struct catchup_worker *w)
{
    pthread_mutex_lock(&w->mu);
    struct catchup_job *j = w->done;
    w->done = NULL;
    w->done_tail = &w->done;
    pthread_mutex_unlock(&w->mu);
    return j;
}
