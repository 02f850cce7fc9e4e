/*
 * throttle.h - counting failures per key (a user name, a source address)
 * in a fixed window, to stop guessing: once a key has `max` failures in
 * the current window it is blocked until the window ends. Memory is fixed
 * (a table of `slots` keys); when it is full the entry whose window ended
 * first is reused, so a flood of new keys costs no memory, only the
 * forgetting of old ones.
 */
#ifndef THROTTLE_H
#define THROTTLE_H

#include <stddef.h>
#include <stdint.h>

struct throttle;

/* NULL when out of memory. */
struct throttle *throttle_create(int max, int64_t window_ms, size_t slots);
void throttle_destroy(struct throttle *t);

/* 1 if key has used up its failures in the window running at now. A NULL
 * throttle never blocks (and counts nothing). */
int throttle_blocked(struct throttle *t, const char *key, int64_t now);

/* One more failure of key at now; returns its count in this window. */
int throttle_fail(struct throttle *t, const char *key, int64_t now);

#endif
