/*
 * sessreg.h - the live authenticated sessions of one server, by session
 * id, by user and by device, for acks after a group commit, live pushes
 * and revocations. Pointers handed out are valid until the session is
 * destroyed (the loop is single-threaded), so callers never keep them
 * across callbacks: they keep the 64-bit id and look it up again.
 */
#ifndef SESSREG_H
#define SESSREG_H

#include <stdint.h>

struct session;
struct sessreg;

/* NULL when out of memory. */
struct sessreg *sessreg_create(void);
/* The sessions themselves are not freed; NULL is accepted. */
void sessreg_destroy(struct sessreg *reg);

/* Sessions subscribed to a feed (bits of enum session_feed, session.h),
 * counted as session.c subscribes, unsubscribes and destroys them: a
 * broadcast learns whether anyone listens without walking every session.
 * bits joined (1) or left (0); sessreg_feed_count takes one bit. */
void sessreg_feeds_changed(struct sessreg *reg, unsigned bits, int joined);
size_t sessreg_feed_count(const struct sessreg *reg, unsigned bit);

/* A fresh session id, never reused while the server runs. */
uint64_t sessreg_next_id(struct sessreg *reg);

/* 0 or WO_ENOMEM. */
int sessreg_add(struct sessreg *reg, struct session *s, uint64_t sid,
                int64_t user, int64_t dev);
void sessreg_remove(struct sessreg *reg, uint64_t sid);
struct session *sessreg_find(struct sessreg *reg, uint64_t sid);
int sessreg_count_user(struct sessreg *reg, int64_t user);
/* Sessions of device dev of user (presence, docs/protocol.md "Field
 * data"): a walk of that user's sessions, not of every session. */
int sessreg_count_device(struct sessreg *reg, int64_t user, int64_t dev);

/* Call fn for each matching session; fn may close (not destroy) it. */
typedef void (*sessreg_fn)(struct session *s, void *arg);
void sessreg_foreach_user(struct sessreg *reg, int64_t user, sessreg_fn fn,
                          void *arg);
void sessreg_foreach_device(struct sessreg *reg, int64_t device, sessreg_fn fn,
                            void *arg);
void sessreg_foreach(struct sessreg *reg, sessreg_fn fn, void *arg);

#endif
