/* sessreg.c - two chained hash tables (by session id, by user id). */
#include <stdlib.h>

#include "sessreg.h"

#define NB 4096

struct node {
    struct session *s;
    uint64_t sid;
    int64_t user, dev;
    struct node *next_sid, *next_user;
};

static struct node *by_sid[NB], *by_user[NB];

static unsigned hs(uint64_t v) { return (unsigned)((v * 0x9E3779B97F4A7C15ull) >> 52) % NB; }

int sessreg_add(struct session *s, uint64_t sid, int64_t user, int64_t dev)
{
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    n->s = s, n->sid = sid, n->user = user, n->dev = dev;
    n->next_sid = by_sid[hs(sid)];
    by_sid[hs(sid)] = n;
    n->next_user = by_user[hs((uint64_t)user)];
    by_user[hs((uint64_t)user)] = n;
    return 0;
}

void sessreg_remove(uint64_t sid)
{
    struct node **pp, *n = NULL;
    for (pp = &by_sid[hs(sid)]; *pp; pp = &(*pp)->next_sid)
        if ((*pp)->sid == sid) {
            n = *pp;
            *pp = n->next_sid;
            break;
        }
    if (!n)
        return;
    for (pp = &by_user[hs((uint64_t)n->user)]; *pp; pp = &(*pp)->next_user)
        if (*pp == n) {
            *pp = n->next_user;
            break;
        }
    free(n);
}

struct session *sessreg_find(uint64_t sid)
{
    for (struct node *n = by_sid[hs(sid)]; n; n = n->next_sid)
        if (n->sid == sid)
            return n->s;
    return NULL;
}

int sessreg_count_user(int64_t user)
{
    int c = 0;
    for (struct node *n = by_user[hs((uint64_t)user)]; n; n = n->next_user)
        c += n->user == user;
    return c;
}

void sessreg_foreach_user(int64_t user, sessreg_fn fn, void *arg)
{
    struct node *n = by_user[hs((uint64_t)user)], *next;
    for (; n; n = next) {
        next = n->next_user;
        if (n->user == user)
            fn(n->s, arg);
    }
}

void sessreg_foreach(sessreg_fn fn, void *arg)
{
    for (unsigned b = 0; b < NB; b++) {
        struct node *n = by_sid[b], *next;
        for (; n; n = next) {
            next = n->next_sid;
            fn(n->s, arg);
        }
    }
}

void sessreg_foreach_device(int64_t dev, sessreg_fn fn, void *arg)
{
    for (unsigned b = 0; b < NB; b++) {
        struct node *n = by_sid[b], *next;
        for (; n; n = next) {
            next = n->next_sid;
            if (n->dev == dev)
                fn(n->s, arg);
        }
    }
}
