/*
 * handle_console.h - what the web console asks that the terminal client
 * does not: a filtered page of the order list, and a live feed of every
 * order change (docs/protocol.md, "The web console").
 */
#ifndef HANDLE_CONSOLE_H
#define HANDLE_CONSOLE_H

#include "call.h"

/* cmd orders: one page of orders matching the filters (status, priority,
 * assignee, site, asset, text; limit 1..200, default 50; offset), in the
 * board's order, each without its records, and `total`. */
int handle_console_orders(struct call *c);

/* cmd watch: from now on every committed change of any order comes to
 * this session as a `changes` frame holding the order without records
 * (push_order). Answers the activity feed's last 50 events (`feed`), or
 * at most 50 after `since` (the last event id a reconnecting console
 * saw). */
int handle_console_watch(struct call *c);

#endif
