/*
 * gate.c - admission, deadlines and frame rate (see gate.h).
 *
 * One record per session, in a list the sweep walks and a hash by session
 * id; one counter per source address in a hash by the address's text.
 *
 * Invariants:
 *   - an admitted record counts once in its address's counter, and in
 *     g->unauth until its session authenticates; a refused record counts
 *     nowhere (addr == NULL);
 *   - every close decided here goes through session_close(), so the peer
 *     gets a close frame with a code; only a peer that has not read even
 *     that for GATE_CLOSE_GRACE_MS is dropped without one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "session.h"

#define NB 4096
/* A sweep walks a slice; every session is visited within PASS_MS (or
 * less, for short limits) and at least SLICE_MIN sessions a sweep. */
#define PASS_MS 2000
#define SLICE_MIN 256

struct addr {
    struct addr *next;
    int count;              /* admitted sessions open from here */
    char text[64];
};

struct node {
    struct node *prev, *next;   /* every session, for the sweep */
    struct node *hnext;         /* same bucket of by_sid */
    struct session *s;
    uint64_t sid;
    struct addr *addr;          /* NULL: refused, counted nowhere */
    int authed;
    int closing, dropped;
    int64_t opened, heard_at, pinged_at, closing_at;
    uint64_t heard;             /* session_heard_count() when last seen */
    int64_t tokens;             /* frame tokens, in thousandths */
    int64_t refill_at;
};

struct gate {
    struct gate_limits lim;
    struct node *all;
    struct node *cursor;        /* where the next sweep goes on; NULL: the
                                 * head */
    int64_t count;              /* nodes in all */
    int64_t swept_at;           /* the last sweep's now; 0: none yet */
    struct node *by_sid[NB];
    struct addr *by_addr[NB];
    int unauth;
};

static unsigned h_sid(uint64_t v)
{
    return (unsigned)((v * 0x9E3779B97F4A7C15ull) >> 52) % NB;
}

static unsigned h_addr(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NB;
}

struct gate *gate_create(const struct gate_limits *lim)
{
    struct gate *g = calloc(1, sizeof *g);
    if (g)
        g->lim = *lim;
    return g;
}

void gate_destroy(struct gate *g)
{
    if (!g)
        return;
    while (g->all) {
        struct node *n = g->all;
        g->all = n->next;
        free(n);
    }
    for (unsigned b = 0; b < NB; b++)
        while (g->by_addr[b]) {
            struct addr *a = g->by_addr[b];
            g->by_addr[b] = a->next;
            free(a);
        }
    free(g);
}

static struct node *find(const struct gate *g, const struct session *s)
{
    uint64_t sid = session_id(s);
    for (struct node *n = g->by_sid[h_sid(sid)]; n; n = n->hnext)
        if (n->sid == sid)
            return n;
    return NULL;
}

static struct addr *addr_find(const struct gate *g, const char *text)
{
    for (struct addr *a = g->by_addr[h_addr(text)]; a; a = a->next)
        if (!strcmp(a->text, text))
            return a;
    return NULL;
}

/* The bucket's size in thousandths of a frame: at least one frame. */
static int64_t bucket(const struct gate *g)
{
    return (g->lim.burst > 1 ? g->lim.burst : 1) * 1000;
}

int gate_open(struct gate *g, struct session *s, int64_t now)
{
    const char *text = session_peer(s);
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return WO_ENOMEM;
    n->s = s;
    n->sid = session_id(s);
    n->opened = n->heard_at = n->pinged_at = n->refill_at = now;
    n->heard = session_heard_count(s);
    n->tokens = bucket(g);
    struct addr *a = addr_find(g, text);
    int rc = 0;
    if (g->lim.per_addr > 0 && a && a->count >= g->lim.per_addr) {
        session_close(s, WO_CLOSE_BUSY, "too many connections from your "
                      "address; try again later");
        rc = WO_EPERM;
    } else if (g->lim.unauth > 0 && g->unauth >= g->lim.unauth) {
        session_close(s, WO_CLOSE_BUSY, "too many connections waiting to "
                      "authenticate; try again later");
        rc = WO_EPERM;
    } else if (!a) {
        if (!(a = calloc(1, sizeof *a))) {
            free(n);
            return WO_ENOMEM;
        }
        snprintf(a->text, sizeof a->text, "%s", text);
        a->next = g->by_addr[h_addr(text)];
        g->by_addr[h_addr(text)] = a;
    }
    if (!rc) {
        n->addr = a;
        a->count++;
        g->unauth++;
    }
    n->hnext = g->by_sid[h_sid(n->sid)];
    g->by_sid[h_sid(n->sid)] = n;
    n->next = g->all;
    if (g->all)
        g->all->prev = n;
    g->all = n;
    g->count++;
    return rc;
}

static void addr_release(struct gate *g, struct addr *a)
{
    if (--a->count > 0)
        return;
    for (struct addr **pp = &g->by_addr[h_addr(a->text)]; *pp;
         pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    free(a);
}

void gate_closed(struct gate *g, struct session *s)
{
    struct node *n = find(g, s);
    if (!n)
        return; /* never tracked (out of memory at its opening) */
    if (n->addr) {
        if (!n->authed)
            g->unauth--;
        addr_release(g, n->addr);
    }
    for (struct node **pp = &g->by_sid[h_sid(n->sid)]; *pp;
         pp = &(*pp)->hnext)
        if (*pp == n) {
            *pp = n->hnext;
            break;
        }
    if (g->cursor == n)
        g->cursor = n->next;
    if (n->prev)
        n->prev->next = n->next;
    else
        g->all = n->next;
    if (n->next)
        n->next->prev = n->prev;
    g->count--;
    free(n);
}

/*
 * A token bucket: `rate` frames a second flow in, up to `burst`; a frame
 * takes one. In thousandths of a frame, so a rate below one frame per
 * millisecond still refills between frames.
 */
int gate_frame(struct gate *g, struct session *s, int64_t now)
{
    struct node *n = find(g, s);
    if (!n || g->lim.rate <= 0)
        return 0;
    if (now > n->refill_at) {
        n->tokens += (now - n->refill_at) * g->lim.rate;
        if (n->tokens > bucket(g))
            n->tokens = bucket(g);
        n->refill_at = now;
    }
    if (n->tokens < 1000) {
        char why[64];
        snprintf(why, sizeof why, "over %lld frames a second",
                 (long long)g->lim.rate);
        session_close(s, WO_CLOSE_RATE, why);
        return WO_EPERM;
    }
    n->tokens -= 1000;
    return 0;
}

static void mark_authed(struct gate *g, struct node *n)
{
    if (n->authed || !session_auth(n->s))
        return;
    n->authed = 1;
    if (n->addr)
        g->unauth--;
}

void gate_handled(struct gate *g, struct session *s)
{
    struct node *n = find(g, s);
    if (n)
        mark_authed(g, n);
}

/* Whether n is closing; the grace for its close frame runs from the
 * first sweep that finds it so (or closes it). */
static int note_closing(struct node *n, int64_t now)
{
    const char *ignored;
    if (!n->closing && session_closing(n->s, &ignored)) {
        n->closing = 1;
        n->closing_at = now;
    }
    return n->closing;
}

static void sweep_one(struct gate *g, struct node *n, int64_t now)
{
    const struct gate_limits *l = &g->lim;
    struct session *s = n->s;
    char why[64];
    uint64_t heard = session_heard_count(s);
    if (heard != n->heard) {
        n->heard = heard;
        n->heard_at = now;
    }
    if (note_closing(n, now)) {
        if (!n->dropped && now - n->closing_at >= GATE_CLOSE_GRACE_MS) {
            n->dropped = 1;
            session_drop(s);
        }
        return;
    }
    mark_authed(g, n);
    if (!n->authed) {
        if (l->auth_ms > 0 && now - n->opened >= l->auth_ms) {
            snprintf(why, sizeof why, "no authentication within %lld ms",
                     (long long)l->auth_ms);
            session_close(s, WO_CLOSE_TIMEOUT, why);
        }
        return;
    }
    if (l->idle_ms <= 0)
        return;
    int64_t quiet = now - n->heard_at;
    if (quiet >= l->idle_ms) {
        snprintf(why, sizeof why, "nothing heard for %lld ms",
                 (long long)quiet);
        session_close(s, WO_CLOSE_TIMEOUT, why);
    } else if (quiet >= l->idle_ms / 2 && n->pinged_at <= n->heard_at) {
        /* once per silence: its pong moves heard_at past pinged_at */
        n->pinged_at = now;
        session_ping(s);
    }
}

/* How long one pass over every session may take: each limit is checked
 * within a quarter of itself, and none later than PASS_MS. */
static int64_t pass_ms(const struct gate_limits *l)
{
    int64_t p = PASS_MS;
    if (l->auth_ms > 0 && l->auth_ms / 4 < p)
        p = l->auth_ms / 4;
    if (l->idle_ms > 0 && l->idle_ms / 4 < p)
        p = l->idle_ms / 4;
    return p > 1 ? p : 1;
}

void gate_sweep(struct gate *g, int64_t now)
{
    /* a slice of the sessions, in proportion to the time since the last
     * call (and never fewer than SLICE_MIN): 10,000 idle sessions cost a
     * walk of 2,500 records a tick at 500 ms, not of all of them */
    int64_t since = g->swept_at ? now - g->swept_at : pass_ms(&g->lim);
    int64_t k = g->count * (since > 0 ? since : 0) / pass_ms(&g->lim) + 1;
    if (k < SLICE_MIN)
        k = SLICE_MIN;
    if (k > g->count)
        k = g->count;
    g->swept_at = now;
    /* a close only marks the session; none is freed during the walk */
    for (; k > 0; k--) {
        struct node *n = g->cursor ? g->cursor : g->all;
        g->cursor = n->next;
        sweep_one(g, n, now);
        note_closing(n, now);
    }
}

int gate_unauth(const struct gate *g) { return g->unauth; }

int gate_from(const struct gate *g, const char *addr)
{
    const struct addr *a = addr_find(g, addr);
    return a ? a->count : 0;
}
