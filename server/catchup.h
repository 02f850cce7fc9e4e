/*
 * catchup.h - making the frames of a technician's catch-up: the orders
 * loaded from the store and encoded, as many as fit in a frame; on the
 * loop (catchup_job_run), or on a worker thread with a read-only
 * connection of its own (struct catchup_worker), so that a large
 * catch-up's loading and encoding take the second core instead of the
 * loop's, and pushes and acks to every other session do not wait behind
 * them.
 *
 * The worker never touches a session: the loop hands it a job (the ids
 * and the seqs it listed, who asked), the worker fills in the frame, and
 * the loop takes finished jobs after the worker's wake callback and
 * looks the session up again by id (sessreg.h): one that closed or began
 * another catch-up meanwhile is simply not sent the frame.
 *
 * The worker sends only orders as the loop listed them: one whose seq
 * moved since (reassigned away, a note added) is left out, since a
 * later step lists it again with its scope as it is then. So, as on the
 * loop, every order in a frame is at or below the frame's cursor (the
 * seq listed for its last order), and the cursor never passes an order
 * that was not sent.
 */
#ifndef CATCHUP_H
#define CATCHUP_H

#include <stddef.h>
#include <stdint.h>

#include "wo_proto.h"

struct store;

/*
 * Encode a changes frame of the first k of o[0..n) (n > 0) with cursor
 * seqs[k - 1]: all n if the frame is at most `budget` bytes, else the
 * first half, and so on; one order alone may take up to `max`. 0 with
 * *out and *k set; WO_ETOOBIG (nothing in *out) when o[0] alone is over
 * `max`; WO_ENOMEM.
 */
int catchup_encode_fit(const struct wo_order *o, const int64_t *seqs,
                       size_t n, size_t budget, size_t max,
                       struct wo_buf *out, size_t *k);

/* One page of a catch-up: listed by the loop, made on the worker (or
 * at once on the loop, catchup_job_run), sent by the loop. */
struct catchup_job {
    uint64_t sid;           /* the session (sessreg_find) */
    uint64_t gen;           /* which of its catch-ups asked */
    int64_t *ids, *seqs;    /* listed: malloc'd, owned by the job */
    size_t n;
    size_t budget, max;     /* catchup_encode_fit's */
    /* filled in by the worker, which also drops from ids, seqs and n
     * the orders changed since they were listed */
    int rc;                 /* 0, or what went wrong */
    struct wo_buf frame;    /* the changes frame: orders ids[0..sent) */
    size_t sent;            /* 0: every order had changed, no frame */
    int64_t cursor;         /* seqs[sent - 1] */
    struct catchup_job *next;
};

/* Frees the job, its lists and its frame; NULL is accepted. */
void catchup_job_free(struct catchup_job *j);

/*
 * Make j's frame from st: load ids[0..n), leave out those whose seq is
 * no longer the one listed (n shrinks to what is kept), encode as many
 * as fit (catchup_encode_fit). The worker runs it in a read transaction
 * of its own connection; the loop, with no worker, on its connection
 * in the step that listed the ids. Sets rc, frame, sent and cursor.
 */
void catchup_job_run(struct store *st, struct catchup_job *j);

struct catchup_worker;

/*
 * Start the worker on its own read-only connection to the store at
 * path. wake(arg) is called from the worker's thread each time a job is
 * done; it must only make the loop call catchup_worker_take() soon. NULL,
 * with err set, when the store cannot be opened or the thread started.
 */
struct catchup_worker *catchup_worker_start(const char *path,
                                            void (*wake)(void *arg),
                                            void *arg, char *err,
                                            size_t errlen);

/* Stop and join the thread; jobs not taken are freed. NULL is accepted. */
void catchup_worker_stop(struct catchup_worker *w);

/* Queue j (the worker owns it until catchup_worker_take returns it). */
void catchup_worker_submit(struct catchup_worker *w, struct catchup_job *j);

/* For tests: while hold is 1 the worker takes no job (one it is making
 * is finished), so a test can change the store between a listing and
 * the load. */
void catchup_worker_hold(struct catchup_worker *w, int hold);

/* The jobs done so far, oldest first (a list through ->next), or NULL. */
struct catchup_job *catchup_worker_take(struct catchup_worker *w);

#endif
