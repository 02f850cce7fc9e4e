/*
 * cmd.h - the commands of wo, one function each, run from main.c's table
 * with the command's own argv (argv[0] is its name; --json is already
 * taken out into c->json). Each returns the process exit code: 0 ok,
 * 1 failure, 2 bad usage, 3 sync finished with rejected or quarantined
 * ops.
 *
 * cmd_tech.c: technician commands, offline against the replica.
 * cmd_disp.c: dispatcher and admin commands, one request each, and show.
 * cmd_desk.c: the service desk (dispute, escalate, schedule, history,
 *             alerts, SLA policy, tiers).
 * cmd_know.c: search of past resolutions, and reports.
 */
#ifndef CMD_H
#define CMD_H

#include <stdint.h>

struct client;
struct wo_cmd;

int cmd_list(struct client *c, int argc, char **argv);
int cmd_accept(struct client *c, int argc, char **argv);
int cmd_depart(struct client *c, int argc, char **argv);
int cmd_visit(struct client *c, int argc, char **argv);
int cmd_note(struct client *c, int argc, char **argv);
int cmd_part(struct client *c, int argc, char **argv);
int cmd_sign(struct client *c, int argc, char **argv);
int cmd_cosign(struct client *c, int argc, char **argv);
int cmd_outbox(struct client *c, int argc, char **argv);

int cmd_show(struct client *c, int argc, char **argv);
int cmd_create(struct client *c, int argc, char **argv);
int cmd_assign(struct client *c, int argc, char **argv);
int cmd_board(struct client *c, int argc, char **argv);
int cmd_techs(struct client *c, int argc, char **argv);
int cmd_feed(struct client *c, int argc, char **argv);
int cmd_cancel(struct client *c, int argc, char **argv);
int cmd_code(struct client *c, int argc, char **argv);
int cmd_device(struct client *c, int argc, char **argv);

int cmd_dispute(struct client *c, int argc, char **argv);
int cmd_escalate(struct client *c, int argc, char **argv);
int cmd_schedule(struct client *c, int argc, char **argv);
int cmd_history(struct client *c, int argc, char **argv);
int cmd_alerts(struct client *c, int argc, char **argv);
int cmd_sla(struct client *c, int argc, char **argv);
int cmd_tier(struct client *c, int argc, char **argv);

int cmd_search(struct client *c, int argc, char **argv);
int cmd_report(struct client *c, int argc, char **argv);

/* cmd_svc.c: the service desk of issue 14 */
int cmd_authorise(struct client *c, int argc, char **argv);
int cmd_edit(struct client *c, int argc, char **argv);
int cmd_agreement(struct client *c, int argc, char **argv);
int cmd_customer(struct client *c, int argc, char **argv);
int cmd_category(struct client *c, int argc, char **argv);
int cmd_matrix(struct client *c, int argc, char **argv);
int cmd_price(struct client *c, int argc, char **argv);
int cmd_resolve(struct client *c, int argc, char **argv);
int cmd_void(struct client *c, int argc, char **argv);

/* ---- shared between the cmd_*.c files only (cmd_disp.c) ---------------- */

/* cmd_svc.c: the office's side of `wo resolve --remote`, `wo note` and
 * `wo sla WO` (one request each; the exit code). */
int cmd__resolve_office(struct client *c, int64_t wo, const char *note);
int cmd__note_office(struct client *c, int64_t wo, const char *text);
int cmd__sla_order(struct client *c, int64_t wo);

/* 1 if c is enrolled as a dispatcher or admin; otherwise 0 after saying
 * so on stderr. */
int cmd__is_office(const struct client *c);

/* Send cmd and print the orders of its result: the board as a table,
 * create's new id, one order (all its records with full in --json), or
 * "done". Returns the exit code: 0, or 1 when the request failed. */
int cmd__run(struct client *c, struct wo_cmd *cmd, int full);

#endif
