/*
 * handle_cmd.h - dispatcher and admin commands, one handler each. Called
 * only by dispatch.c, which has checked the role and, for a write
 * command, opened the transaction it commits afterwards.
 */
#ifndef HANDLE_CMD_H
#define HANDLE_CMD_H

#include "call.h"

int handle_cmd_create(struct call *c);
int handle_cmd_assign(struct call *c);
int handle_cmd_move(struct call *c);        /* cancel, dispute */
int handle_cmd_escalate(struct call *c);
int handle_cmd_schedule(struct call *c);
int handle_cmd_code(struct call *c);        /* a new recipient code */
int handle_cmd_sla_set(struct call *c);
int handle_cmd_sla_show(struct call *c);
int handle_cmd_tier(struct call *c);
int handle_cmd_revoke(struct call *c);
int handle_cmd_show(struct call *c);
int handle_cmd_board(struct call *c);
int handle_cmd_history(struct call *c);
int handle_cmd_alerts(struct call *c);
int handle_cmd_search(struct call *c);
int handle_cmd_report(struct call *c);
int handle_cmd_techs(struct call *c);       /* presence and sync health */
int handle_cmd_feed(struct call *c);        /* the stored activity feed */

#endif
