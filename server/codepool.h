/*
 * codepool.h - recipient and authorisation codes made ahead, and the
 * codes recipients type hashed for checking, on a thread of their own.
 *
 * A fresh code is kept as a PBKDF2 hash (verify.h, WO_CODE_ITER rounds:
 * a few milliseconds of CPU). Made on the loop, each order created held
 * every push and ack to every other session for that long. The pool's
 * thread keeps a few codes ready, each with its salt and hash, and the
 * loop takes one in a few microseconds; when a burst has taken them all
 * the loop makes the next one itself, as before, and the thread catches
 * up on the second core. The pool fills from the first code asked for
 * on: a server where nobody creates orders spends nothing on it.
 *
 * A code made ahead is random and tied to nothing until it is taken: it
 * goes to exactly one order, its slot is wiped as it leaves, and the
 * pool lives only in the server's memory (a restart makes new ones).
 *
 * The other way round, a co-sign carries the code the recipient typed,
 * and checking it is the same PBKDF2 rounds: the group commit hands the
 * code and the order's salt to the thread (codepool_check), holds that
 * session's ops meanwhile, and applies them once the hash is back
 * (codepool_checked, after the wake); the comparison with the kept hash
 * stays in the group commit's transaction (ops.c). Checks go before
 * codes made ahead.
 */
#ifndef CODEPOOL_H
#define CODEPOOL_H

#include <stddef.h>

#include "verify.h"

struct store_code;
struct codepool;

/* Start the thread that keeps `cap` codes ready (cap > 0). wake(arg) is
 * called from that thread each time a check is done; it must only make
 * the loop call codepool_checked() soon (NULL: the caller polls). NULL,
 * with err set, when the thread cannot start or memory is short. */
struct codepool *codepool_start(size_t cap, void (*wake)(void *arg),
                                void *arg, char *err, size_t errlen);

/* Stop and join the thread, wiping the codes not taken. NULL is
 * accepted. */
void codepool_stop(struct codepool *p);

/* A fresh code into code and its salt and hash into kept, as
 * verify_code_new() makes: one made ahead if one is ready, else made
 * now, on the caller's thread. p may be NULL (always made now). 0 or a
 * WO_E* code. */
int codepool_new(struct codepool *p, char code[VERIFY_CODE_LEN + 1],
                 struct store_code *kept);

/* A code to hash with a salt: PBKDF2 as wo_code_hash(). */
struct codecheck {
    uint64_t id;            /* the caller's: which op it is for */
    char *code;             /* malloc'd, owned by the check */
    uint8_t salt[16];
    uint8_t hash[32];       /* filled in when rc is 0 */
    int rc;
    struct codecheck *next;
};

/* A check made by the caller: a copy of code with salt, or NULL when
 * memory is short. */
struct codecheck *codecheck_new(uint64_t id, const char *code,
                                const uint8_t salt[16]);
/* Wipes the code and the hash; NULL is accepted. */
void codecheck_free(struct codecheck *c);

/* Queue c (the thread owns it until codepool_checked returns it). */
void codepool_check(struct codepool *p, struct codecheck *c);
/* The checks done so far, oldest first (a list through ->next), or
 * NULL. */
struct codecheck *codepool_checked(struct codepool *p);

/* Codes ready now, and codes codepool_new() found none ready for and
 * made on the caller's thread so far. */
size_t codepool_ready(struct codepool *p);
size_t codepool_missed(struct codepool *p);
/* Checks hashed so far. */
size_t codepool_checks(struct codepool *p);

#endif
