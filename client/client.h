/*
 * client.h - what every wo command gets: the home directory, the opened
 * replica, the enrolled identity, and output flags.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdint.h>

#include "wo_proto.h"

struct replica;

struct client {
    const char *home;
    struct replica *r;
    char *server, *ca, *user, *role;
    int64_t device;
    int json;
};

/* sync.c ------------------------------------------------------------------ */

/* Make the device key, trade the code for its registration, save config. */
int sync_enroll(struct client *c, const char *url, const char *ca,
                const char *code);

/* What a sync reports as it goes, to whoever runs it. */
struct sync_events {
    /* An SLA alert arrived (dispatchers), after its frame was applied. */
    void (*on_alert)(void *arg, const struct wo_alert *a);
    void *arg;
};

/* Push the outbox, catch up; with watch, stay connected, apply pushes,
 * and reconnect with capped exponential backoff and jitter. ev may be
 * NULL. */
int sync_run(struct client *c, int watch, const struct sync_events *ev);

/* Dispatcher/admin: send one command, wait for its result. On success
 * *res is owned by the caller (wo_frame_free(WO_F_RESULT, *res)). */
int sync_cmd(struct client *c, struct wo_cmd *cmd, struct wo_result **res);

/* Load the device key (HOME/device.key). */
int client_key(struct client *c, uint8_t priv[32], uint8_t pub[32]);

/* jsonout.c --------------------------------------------------------------- */
void jsonout_order(const struct wo_order *o, int full);
void jsonout_orders(const struct wo_order *o, size_t n);
void jsonout_history(const struct wo_change *h, size_t n);
void jsonout_alerts(const struct wo_alert *a, size_t n);
void jsonout_sla(const struct wo_sla *p, size_t n);
void jsonout_hits(const struct wo_hit *h, size_t n);

struct report_table;
void jsonout_table(const struct report_table *t);

/* cmd_tech.c / cmd_disp.c: each returns the process exit code. */
int cmd_list(struct client *c, int argc, char **argv);
int cmd_show(struct client *c, int argc, char **argv);
int cmd_accept(struct client *c, int argc, char **argv);
int cmd_depart(struct client *c, int argc, char **argv);
int cmd_visit(struct client *c, int argc, char **argv);
int cmd_note(struct client *c, int argc, char **argv);
int cmd_part(struct client *c, int argc, char **argv);
int cmd_sign(struct client *c, int argc, char **argv);
int cmd_cosign(struct client *c, int argc, char **argv);
int cmd_outbox(struct client *c, int argc, char **argv);
int cmd_create(struct client *c, int argc, char **argv);
int cmd_assign(struct client *c, int argc, char **argv);
int cmd_board(struct client *c, int argc, char **argv);
int cmd_cancel(struct client *c, int argc, char **argv);
int cmd_dispute(struct client *c, int argc, char **argv);
int cmd_escalate(struct client *c, int argc, char **argv);
int cmd_history(struct client *c, int argc, char **argv);
int cmd_alerts(struct client *c, int argc, char **argv);
int cmd_sla(struct client *c, int argc, char **argv);
int cmd_tier(struct client *c, int argc, char **argv);
int cmd_schedule(struct client *c, int argc, char **argv);
int cmd_search(struct client *c, int argc, char **argv);
int cmd_report(struct client *c, int argc, char **argv);

/* cmd_disp.c, for cmd_desk.c: office-role check, one request whose
 * orders are printed, and a time in UTC. */
int disp_is_office(struct client *c);
int disp_run(struct client *c, struct wo_cmd *cmd, int full);
int cmd_device(struct client *c, int argc, char **argv);

#endif
