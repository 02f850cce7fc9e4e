/*
 * handle_desk.h - the service desk's commands of issue 14: the formal
 * request at creation (type, category, customer, the priority matrix,
 * authorisation), edits with their history, dispatcher notes, the desk's
 * remote resolution, authorisation by one-time code with a signed
 * statement, SLA agreements (`wo agreement`, `wo sla WO`), and the
 * configuration an admin keeps (customers, categories, the matrix, part
 * prices, the labour rate). One handler each; dispatch.c routes them and
 * runs the write ones in one transaction (handle_cmd.h says how).
 */
#ifndef HANDLE_DESK_H
#define HANDLE_DESK_H

#include <stdint.h>

#include "call.h"

/* Before an order is inserted: its priority, from the matrix (impact x
 * urgency) unless given by hand (then with a reason when both are given);
 * sets the command's priority. */
int handle_desk_priority(struct call *c);
/* Customer name is one an admin added (its kind and whether its orders
 * need authorisation), else WO_EINVAL with what to do in c->reason. */
int handle_desk_customer_known(struct call *c, const char *name,
                               char kind[16], int *needs_auth);
/* After order id is inserted, inside create's transaction: the intake
 * fields, the authorisation it may need (its code into c->auth_code), the
 * agreement's due times, the history of a priority set by hand. */
int handle_desk_intake(struct call *c, int64_t id, int64_t now);

int handle_desk_edit(struct call *c);
int handle_desk_note(struct call *c);
int handle_desk_resolve(struct call *c);
int handle_desk_authorise(struct call *c);
int handle_desk_auth_code(struct call *c);
int handle_desk_agreement_set(struct call *c);
int handle_desk_agreement_show(struct call *c);
int handle_desk_sla_order(struct call *c);
int handle_desk_customer_set(struct call *c);
int handle_desk_category_set(struct call *c);
int handle_desk_matrix_set(struct call *c);
int handle_desk_matrix_show(struct call *c);
int handle_desk_price_set(struct call *c);
int handle_desk_mail(struct call *c);
int handle_desk_entries(struct call *c);

/* Wrong authorisation codes before the order's code locks. */
#define HANDLE_DESK_AUTH_TRIES 5

#endif
