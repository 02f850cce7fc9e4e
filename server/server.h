/*
 * server.h - the server context handed to every handler. Small on purpose:
 * the store, the group-commit queue and the run-time settings.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdint.h>

struct store;
struct commit;

struct srv {
    struct store *store;
    struct commit *commit;
    int64_t commit_window_us;   /* group-commit window */
    int max_conns_per_user;     /* per-user connection cap */
};

#endif
