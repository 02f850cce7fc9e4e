/*
 * sessreg.h - live sessions by id, by user and by device, for acks after a
 * group commit, live pushes and revocations. Pointers handed out are valid
 * until the session closes (ws.c removes it in the close callback, and the
 * loop is single-threaded), so callers never keep them across callbacks:
 * they keep the 64-bit id and look it up again.
 */
#ifndef SESSREG_H
#define SESSREG_H

#include <stdint.h>

struct session;

int sessreg_add(struct session *s, uint64_t sid, int64_t user, int64_t dev);
void sessreg_remove(uint64_t sid);
struct session *sessreg_find(uint64_t sid);
int sessreg_count_user(int64_t user);

typedef void (*sessreg_fn)(struct session *s, void *arg);
void sessreg_foreach_user(int64_t user, sessreg_fn fn, void *arg);
void sessreg_foreach_device(int64_t device, sessreg_fn fn, void *arg);
void sessreg_foreach(sessreg_fn fn, void *arg);

#endif
