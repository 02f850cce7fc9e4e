/*
 * sync.h - the client's side of a connection to wo-server (sync.c): enrol
 * a device, sync the replica (push the outbox, catch up, optionally stay
 * and apply pushes), or send one dispatcher/admin command.
 *
 * Each call makes its own connection and returns when done; progress and
 * errors go to stderr, and what a caller may want to show as it happens
 * (alerts) goes to the struct sync_events it registers.
 */
#ifndef SYNC_H
#define SYNC_H

#include "wo_proto.h"

struct client;

/* What a sync reports as it goes, to whoever runs it. */
struct sync_events {
    /* An SLA alert arrived (dispatchers), after its frame was applied to
     * the replica. a is valid only during the call. */
    void (*on_alert)(void *arg, const struct wo_alert *a);
    void *arg;
    /* An event of the activity feed arrived (dispatchers, live); e is
     * valid only during the call. May be NULL. */
    void (*on_event)(void *arg, const struct wo_event *e);
};

/* Make the device key, trade the one-time code for the device's
 * registration at url (trusting only the CA file ca), and save key and
 * settings in c's home and replica. Returns the exit code: 0 or 1. */
int sync_enroll(struct client *c, const char *url, const char *ca,
                const char *code, const char *user);

/* Push the outbox, catch up; with watch, stay connected, apply pushes,
 * and reconnect with capped exponential backoff and jitter until
 * SIGINT/SIGTERM. ev may be NULL. Returns the exit code: 0, 1 on
 * failure, 3 when the server rejected ops or outbox rows that cannot be
 * decoded were quarantined (replica_outbox_pending). */
int sync_run(struct client *c, int watch, const struct sync_events *ev);

/* Dispatcher/admin: send one command, wait for its result. 0, or 1 after
 * printing why (c->refused: the server's wire status, when it refused).
 * On success *res is owned by the caller
 * (wo_frame_free(WO_F_RESULT, *res)). */
int sync_cmd(struct client *c, struct wo_cmd *cmd, struct wo_result **res);

#endif
