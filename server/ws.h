/*
 * ws.h - the server's WebSocket/TLS listener on libwebsockets 4.1.
 *
 * ws.c is the only server file that includes <libwebsockets.h>. It owns
 * the event loop, TLS settings, per-connection state, fragment reassembly
 * with the message size limit, and the per-session send queue; frames go
 * to dispatch.c, which routes them to handlers.
 */
#ifndef WS_H
#define WS_H

#include <stdint.h>

struct srv;

struct ws_config {
    const char *host;       /* address to bind, e.g. 127.0.0.1 */
    int port;
    const char *cert;       /* PEM server certificate (chain) */
    const char *key;        /* PEM private key */
    const char *event_lib;  /* "ev" (epoll through libev) or "poll" */
};

/* Run until SIGINT/SIGTERM. 0 on a clean stop, else a WO_E* code. */
int ws_run(struct srv *srv, const struct ws_config *cfg);

/* Ask the loop to run commit_flush() after the group-commit window. */
void ws_request_flush(struct srv *srv);

#endif
