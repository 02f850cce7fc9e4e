/*
 * codepool.c - recipient and authorisation codes made ahead, and codes
 * typed by recipients hashed for checking (codepool.h).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "codepool.h"
#include "store.h"
#include "wo_crypto.h"
#include "wo_err.h"

struct ready {
    char code[VERIFY_CODE_LEN + 1];
    struct store_code kept;
};

struct codepool {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t room;    /* a code was taken, a check came, or stop */
    void (*wake)(void *arg);
    void *arg;
    int stop;
    int wanted;             /* a code was asked for: fill from then on */
    size_t cap, n;
    size_t missed;          /* codepool_new made its own */
    size_t checked;         /* checks hashed */
    struct ready *slot;     /* slot[0..n) ready, taken from the top */
    struct codecheck *todo, **todo_tail;  /* FIFO */
    struct codecheck *done, **done_tail;
};

/* One queued check, hashed off the lock; then handed back. */
static void check_one(struct codepool *p)
{
    struct codecheck *c = p->todo;
    if (!(p->todo = c->next))
        p->todo_tail = &p->todo;
    c->next = NULL;
    pthread_mutex_unlock(&p->mu);
    c->rc = wo_code_hash(c->code, c->salt, c->hash);
    pthread_mutex_lock(&p->mu);
    *p->done_tail = c;
    p->done_tail = &c->next;
    p->checked++;
    pthread_mutex_unlock(&p->mu);
    if (p->wake)
        p->wake(p->arg);
    pthread_mutex_lock(&p->mu);
}

static void *main_of(void *arg)
{
    struct codepool *p = arg;
    struct ready r;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->todo && (!p->wanted || p->n == p->cap) && !p->stop)
            pthread_cond_wait(&p->room, &p->mu);
        if (p->stop)
            break;
        if (p->todo) {      /* somebody's ops wait for it */
            check_one(p);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        /* the PBKDF2 rounds, off the lock: a taker never waits for them */
        int rc = verify_code_new(r.code, &r.kept);
        pthread_mutex_lock(&p->mu);
        if (rc) /* no randomness: the loop makes its own codes */
            p->wanted = 0;
        else
            p->slot[p->n++] = r;
    }
    pthread_mutex_unlock(&p->mu);
    OPENSSL_cleanse(&r, sizeof r);
    return NULL;
}

struct codepool *codepool_start(size_t cap, void (*wake)(void *arg),
                                void *arg, char *err, size_t errlen)
{
    struct codepool *p = calloc(1, sizeof *p);
    if (p)
        p->slot = calloc(cap, sizeof *p->slot);
    if (!p || !p->slot) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cap = cap;
    p->wake = wake;
    p->arg = arg;
    p->todo_tail = &p->todo;
    p->done_tail = &p->done;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->room, NULL);
    int e = pthread_create(&p->thread, NULL, main_of, p);
    if (e) {
        snprintf(err, errlen, "cannot start its thread: %s", strerror(e));
        pthread_cond_destroy(&p->room);
        pthread_mutex_destroy(&p->mu);
        free(p->slot);
        free(p);
        return NULL;
    }
    pthread_setname_np(p->thread, "wo-codes");
    return p;
}

struct codecheck *codecheck_new(uint64_t id, const char *code,
                                const uint8_t salt[16])
{
    struct codecheck *c = calloc(1, sizeof *c);
    if (!c || !(c->code = strdup(code ? code : ""))) {
        free(c);
        return NULL;
    }
    c->id = id;
    memcpy(c->salt, salt, sizeof c->salt);
    return c;
}

void codecheck_free(struct codecheck *c)
{
    if (!c)
        return;
    OPENSSL_cleanse(c->code, strlen(c->code));
    OPENSSL_cleanse(c->hash, sizeof c->hash);
    free(c->code);
    free(c);
}

static void free_checks(struct codecheck *c)
{
    while (c) {
        struct codecheck *next = c->next;
        codecheck_free(c);
        c = next;
    }
}

void codepool_check(struct codepool *p, struct codecheck *c)
{
    c->next = NULL;
    pthread_mutex_lock(&p->mu);
    *p->todo_tail = c;
    p->todo_tail = &c->next;
    pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->mu);
}

struct codecheck *codepool_checked(struct codepool *p)
{
    pthread_mutex_lock(&p->mu);
    struct codecheck *c = p->done;
    p->done = NULL;
    p->done_tail = &p->done;
    pthread_mutex_unlock(&p->mu);
    return c;
}

void codepool_stop(struct codepool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->room);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    free_checks(p->todo);
    free_checks(p->done);
    OPENSSL_cleanse(p->slot, p->cap * sizeof *p->slot);
    pthread_cond_destroy(&p->room);
    pthread_mutex_destroy(&p->mu);
    free(p->slot);
    free(p);
}

int codepool_new(struct codepool *p, char code[VERIFY_CODE_LEN + 1],
                 struct store_code *kept)
{
    int got = 0;
    if (p) {
        pthread_mutex_lock(&p->mu);
        p->wanted = 1;      /* the first ask starts the fill */
        if ((got = p->n > 0)) {
            struct ready *r = &p->slot[--p->n];
            memcpy(code, r->code, sizeof r->code);
            *kept = r->kept;
            OPENSSL_cleanse(r, sizeof *r);
        } else {
            p->missed++;
        }
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->mu);
    }
    return got ? 0 : verify_code_new(code, kept);
}

static size_t count(struct codepool *p, const size_t *what)
{
    pthread_mutex_lock(&p->mu);
    size_t n = *what;
    pthread_mutex_unlock(&p->mu);
    return n;
}

size_t codepool_ready(struct codepool *p)
{
    return p ? count(p, &p->n) : 0;
}

size_t codepool_missed(struct codepool *p)
{
    return p ? count(p, &p->missed) : 0;
}

size_t codepool_checks(struct codepool *p)
{
    return p ? count(p, &p->checked) : 0;
}
