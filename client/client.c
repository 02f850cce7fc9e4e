/*
 * client.c - the command context (see client.h): where the device's key
 * lives in the home directory.
 */
#include <stdio.h>

#include "client.h"
#include "wo_crypto.h"

int client_key(const struct client *c, uint8_t priv[32], uint8_t pub[32])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/device.key", c->home);
    return wo_key_load(path, priv, pub);
}
