/* throttle.c - failure counts per key in fixed windows (see throttle.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

#define KEY_MAX 72

struct slot {
    char key[KEY_MAX];
    int64_t start;          /* this key's window began; 0: free */
    int fails;
};

struct throttle {
    int max;
    int64_t window;
    size_t n;
    struct slot *slots;
};

struct throttle *throttle_create(int max, int64_t window_ms, size_t slots)
{
    struct throttle *t = calloc(1, sizeof *t);
    if (t && !(t->slots = calloc(slots ? slots : 1, sizeof *t->slots))) {
        free(t);
        return NULL;
    }
    if (t) {
        t->max = max;
        t->window = window_ms;
        t->n = slots ? slots : 1;
    }
    return t;
}

void throttle_destroy(struct throttle *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

/* FNV-1a: keys are short and not chosen to collide with each other's
 * slot in a way that matters (a collision only shares a probe run). */
static size_t hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return (size_t)h;
}

/* The slot of key (create: or a fresh one, reusing the stalest). */
static struct slot *find(struct throttle *t, const char *key, int64_t now,
                         int create)
{
    char k[KEY_MAX];
    snprintf(k, sizeof k, "%s", key);
    size_t h = hash(k), probe = t->n < 16 ? t->n : 16;
    struct slot *stale = NULL;
    for (size_t i = 0; i < probe; i++) {
        struct slot *s = &t->slots[(h + i) % t->n];
        if (s->start && !strcmp(s->key, k)) {
            if (now - s->start < t->window)
                return s;
            s->start = 0; /* its window is over: forget it */
        }
        if (!stale || s->start < stale->start)
            stale = s;
    }
    if (!create)
        return NULL;
    memcpy(stale->key, k, sizeof k);
    stale->start = now;
    stale->fails = 0;
    return stale;
}

int throttle_blocked(struct throttle *t, const char *key, int64_t now)
{
    if (!t)
        return 0;
    struct slot *s = find(t, key, now, 0);
    return s && s->fails >= t->max;
}

int throttle_fail(struct throttle *t, const char *key, int64_t now)
{
    if (!t)
        return 0;
    struct slot *s = find(t, key, now, 1);
    return ++s->fails;
}
