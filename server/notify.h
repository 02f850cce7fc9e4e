/*
 * notify.h - keeping the requester informed: the message an order's
 * requester (and its authoriser) get when it is accepted, scheduled,
 * completed, closed (and authorised or refused), queued durably in the
 * store inside the transaction of the change it tells about. The mailer
 * (mailer.h) sends the queue; nothing here touches the network, so the
 * desk never waits on a relay.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

struct store;

/* Inside an open transaction: queue the message of event ("accepted",
 * "scheduled", "completed", "closed", "authorised", "refused") of order id
 * to each address the order has. 0 or a WO_E* code. */
int notify_event(struct store *st, int64_t id, const char *event,
                 int64_t now);

#endif
