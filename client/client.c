/*
 * client.c - the command context (see client.h): where the device's key
 * lives in the home directory, and the time anchor ops are timed from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "replica.h"
#include "wo_clock.h"
#include "wo_crypto.h"
#include "wo_proto.h"

int client_key(const struct client *c, uint8_t priv[32], uint8_t pub[32])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/device.key", c->home);
    return wo_key_load(path, priv, pub);
}

int client_anchor_set(struct client *c, int64_t server_time,
                      const uint8_t mac[32])
{
    char t[24], mono[24], hex[65], boot[40];
    snprintf(t, sizeof t, "%lld", (long long)server_time);
    snprintf(mono, sizeof mono, "%lld", (long long)wo_clock_boot_ms());
    wo_hex(mac, 32, hex);
    wo_clock_boot_id(boot);
    /* together or not at all: a MAC of another time is no anchor */
    const char *kv[] = {"anchor_server", t, "anchor_mono", mono,
                        "anchor_mac", hex, "anchor_boot", boot};
    return !replica_config_set_all(c->r, kv, 4);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return s[2 * n] ? -1 : 0;
}

void client_anchor_stamp(struct client *c, struct wo_op *op, uint8_t mac[32])
{
    char *hex = NULL, *boot = NULL, now_boot[40];
    int64_t t = replica_config_int(c->r, "anchor_server");
    replica_config_get(c->r, "anchor_mac", &hex);
    replica_config_get(c->r, "anchor_boot", &boot);
    if (t > 0 && hex && strlen(hex) == 64 && !unhex(hex, mac, 32)) {
        wo_clock_boot_id(now_boot);
        op->anchor = t;
        op->anchor_mac = mac;
        op->anchor_mac_len = 32;
        /* the boot clock counts from this boot only: after a restart the
         * server falls back to the wall clock, kept within bounds */
        op->elapsed = boot && now_boot[0] && !strcmp(boot, now_boot)
                          ? wo_clock_boot_ms() -
                                replica_config_int(c->r, "anchor_mono")
                          : -1;
        if (op->elapsed < -1)
            op->elapsed = -1;
    }
    free(hex);
    free(boot);
}
