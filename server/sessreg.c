/* sessreg.c - two chained hash tables (by session id, by user id). */
#include <stdlib.h>

#include "sessreg.h"
#include "wo_err.h"

#define NB 4096

struct node {
    struct session *s;
    uint64_t sid;
    int64_t user, dev;
    struct node *next_sid, *next_user;
};

#define FEED_BITS 16

struct sessreg {
    uint64_t next_sid;
    struct node *by_sid[NB], *by_user[NB];
    size_t feeds[FEED_BITS];    /* sessions subscribed to each feed bit */
};

static unsigned hs(uint64_t v)
{
    return (unsigned)((v * 0x9E3779B97F4A7C15ull) >> 52) % NB;
}

struct sessreg *sessreg_create(void)
{
    struct sessreg *reg = calloc(1, sizeof *reg);
    if (reg)
        reg->next_sid = 1;
    return reg;
}

void sessreg_destroy(struct sessreg *reg)
{
    if (!reg)
        return;
    for (unsigned b = 0; b < NB; b++)
        while (reg->by_sid[b]) {
            struct node *n = reg->by_sid[b];
            reg->by_sid[b] = n->next_sid;
            free(n);
        }
    free(reg);
}

void sessreg_feeds_changed(struct sessreg *reg, unsigned bits, int joined)
{
    for (unsigned i = 0; reg && i < FEED_BITS; i++)
        if (bits & (1u << i))
            reg->feeds[i] += joined ? 1 : (size_t)-1;
}

size_t sessreg_feed_count(const struct sessreg *reg, unsigned bit)
{
    for (unsigned i = 0; reg && i < FEED_BITS; i++)
        if (bit == 1u << i)
            return reg->feeds[i];
    return 0;
}

uint64_t sessreg_next_id(struct sessreg *reg) { return reg->next_sid++; }

int sessreg_add(struct sessreg *reg, struct session *s, uint64_t sid,
                int64_t user, int64_t dev)
{
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return WO_ENOMEM;
    n->s = s, n->sid = sid, n->user = user, n->dev = dev;
    n->next_sid = reg->by_sid[hs(sid)];
    reg->by_sid[hs(sid)] = n;
    n->next_user = reg->by_user[hs((uint64_t)user)];
    reg->by_user[hs((uint64_t)user)] = n;
    return 0;
}

void sessreg_remove(struct sessreg *reg, uint64_t sid)
{
    struct node **pp, *n = NULL;
    for (pp = &reg->by_sid[hs(sid)]; *pp; pp = &(*pp)->next_sid)
        if ((*pp)->sid == sid) {
            n = *pp;
            *pp = n->next_sid;
            break;
        }
    if (!n)
        return;
    for (pp = &reg->by_user[hs((uint64_t)n->user)]; *pp;
         pp = &(*pp)->next_user)
        if (*pp == n) {
            *pp = n->next_user;
            break;
        }
    free(n);
}

struct session *sessreg_find(struct sessreg *reg, uint64_t sid)
{
    for (struct node *n = reg->by_sid[hs(sid)]; n; n = n->next_sid)
        if (n->sid == sid)
            return n->s;
    return NULL;
}

int sessreg_count_user(struct sessreg *reg, int64_t user)
{
    int c = 0;
    for (struct node *n = reg->by_user[hs((uint64_t)user)]; n;
         n = n->next_user)
        c += n->user == user;
    return c;
}

void sessreg_foreach_user(struct sessreg *reg, int64_t user, sessreg_fn fn,
                          void *arg)
{
    struct node *n = reg->by_user[hs((uint64_t)user)], *next;
    for (; n; n = next) {
        next = n->next_user;
        if (n->user == user)
            fn(n->s, arg);
    }
}

static void foreach_where(struct sessreg *reg, int any, int64_t dev,
                          sessreg_fn fn, void *arg)
{
    for (unsigned b = 0; b < NB; b++) {
        struct node *n = reg->by_sid[b], *next;
        for (; n; n = next) {
            next = n->next_sid;
            if (any || n->dev == dev)
                fn(n->s, arg);
        }
    }
}

void sessreg_foreach(struct sessreg *reg, sessreg_fn fn, void *arg)
{
    foreach_where(reg, 1, 0, fn, arg);
}

void sessreg_foreach_device(struct sessreg *reg, int64_t dev, sessreg_fn fn,
                            void *arg)
{
    foreach_where(reg, 0, dev, fn, arg);
}

int sessreg_count_device(struct sessreg *reg, int64_t user, int64_t dev)
{
    int c = 0;
    for (struct node *n = reg->by_user[hs((uint64_t)user)]; n;
         n = n->next_user)
        c += n->user == user && n->dev == dev;
    return c;
}
