/*
 * net.h - one client WebSocket connection over TLS to wo-server.
 * net.c is the only client file that includes <libwebsockets.h>.
 *
 * The caller drives it: net_create() connects, net_run() services the
 * loop until net_stop() is called from a handler, the connection closes,
 * or the deadline passes. Received messages are decoded (proto/) and given
 * to on_frame; the body is freed after the callback returns.
 *
 * The socket is served by a thread of net's own, started by net_run():
 * it reads and decodes the next frames while the handlers, which run on
 * net_run()'s caller's thread, deal with the one before. net_send() and
 * net_stop() are for that thread (the handlers); nothing of a handler
 * runs on the other.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

struct net;

struct net_handlers {
    /* A decoded frame arrived. */
    void (*on_frame)(void *ud, int type, void *body);
    /* Called every ~200 ms while connected (outbox polling, deadlines). */
    void (*on_tick)(void *ud);
};

/* What this laptop's clock was off by (laptop minus server, ms) at the
 * last sync, so that a TLS failure caused by time can say so; 0 unknown. */
void net_clock_hint(struct net *n, int64_t laptop_minus_server_ms);

/*
 * Connect to url ("wss://host:port[/path]") trusting only the CA in
 * ca_file. session_file (NULL: none) keeps the server's last TLS session
 * ticket between runs (written mode 0600), so that the next connection
 * resumes: no certificate chain to check, no signature for the server to
 * make. A ticket the server no longer takes only costs a full handshake.
 * Returns NULL with err set when the URL is bad or the context cannot be
 * made; connection failures are reported by net_run().
 */
struct net *net_create(const char *url, const char *ca_file,
                       const char *session_file,
                       const struct net_handlers *h, void *ud, char *err,
                       size_t errlen);

/* Encode and queue a frame. 0 or a WO_E* code. */
int net_send(struct net *n, int type, const void *body);

/*
 * Service the connection until net_stop(), close, or timeout_ms (0: no
 * limit) elapses. Returns 0 after net_stop(), WO_ENET when the connection
 * failed or closed (err says why), WO_ETIMEDOUT on the deadline.
 */
int net_run(struct net *n, int64_t timeout_ms, char *err, size_t errlen);

void net_stop(struct net *n);
void net_destroy(struct net *n);

/* Set by SIGINT/SIGTERM handlers: makes net_run() return. */
void net_interrupt(void);
int net_interrupted(void);

#endif
