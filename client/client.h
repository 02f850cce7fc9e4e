/*
 * client.h - what every wo command gets: the home directory, the opened
 * replica, the enrolled identity, and output flags. main.c fills it from
 * the replica's settings before it runs a command and frees it after.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdint.h>

struct replica;

struct client {
    const char *home;        /* the state directory (--home, WO_HOME) */
    struct replica *r;       /* HOME/replica.db, open for the command */
    char *server, *ca, *user, *role; /* NULL until enrolled */
    int64_t device;          /* 0 until enrolled */
    int json;                /* --json was on the command line */
    int64_t refused;         /* the wire status of the server's last
                              * refusal (400: bad arguments), else 0 */
};

/* Load this device's Ed25519 key pair from HOME/device.key. 0,
 * WO_ENOTFOUND, WO_EPERM (the file is readable by others) or
 * WO_ECRYPTO. */
int client_key(const struct client *c, uint8_t priv[32], uint8_t pub[32]);

/*
 * Time anchors (docs/sync.md, "Device time"): at each sync the laptop
 * keeps the server's time, the server's MAC over it, this boot's id and
 * its boot-clock reading; an op recorded later carries the anchor and the
 * boot-clock time elapsed since (-1 after a restart), which the user
 * cannot change by setting the wall clock.
 */
struct wo_op;
int client_anchor_set(struct client *c, int64_t server_time,
                      const uint8_t mac[32]);
/* Fill op's anchor, elapsed and anchor_mac (mac: 32 bytes of storage the
 * op points at); nothing when the laptop has no anchor yet. */
void client_anchor_stamp(struct client *c, struct wo_op *op, uint8_t mac[32]);

#endif
