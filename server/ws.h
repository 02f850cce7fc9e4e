/*
 * ws.h - the server's WebSocket/TLS listener and event loop, on
 * libwebsockets 4.1.
 *
 * ws.c is the only server file that includes <libwebsockets.h>. It owns
 * the lws context, the TLS settings, fragment reassembly under the message
 * size limit, and writing queued frames; it knows nothing of what a frame
 * means. The application plugs in through `struct ws_app` (what to do on
 * a connection, a message, a close) and drives its own periodic work with
 * ws timers; ws.c includes only session.h of the application, and web.h
 * for the web console's files, which it serves over plain HTTPS GETs.
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct transport;
struct ws;
struct ws_timer;

struct ws_config {
    const char *host;       /* address to bind, e.g. 127.0.0.1 */
    int port;
    const char *cert;       /* PEM server certificate (chain) */
    const char *key;        /* PEM private key */
    const char *event_lib;  /* "ev" (epoll through libev) or "poll" */
    /* Origins whose pages may open a WebSocket, comma-separated
     * ("https://127.0.0.1:8443,https://localhost:8443"); an upgrade with
     * no Origin header (not a browser) is always let through. */
    const char *origins;
    /* 32 secret bytes the TLS session-ticket keys are made from (one set
     * per UTC day), so that tickets outlive a restart; NULL: OpenSSL's
     * own key, new in each process */
    const uint8_t *ticket_secret;
};

struct ws_app {
    void *arg;
    /* A WebSocket opened: make its session on conn (NULL refuses it). */
    struct session *(*open)(void *arg, const struct transport *tp,
                            void *conn, size_t headroom);
    /* One whole message of at most WO_MAX_FRAME bytes. */
    void (*message)(void *arg, struct session *s, const uint8_t *data,
                    size_t len, int binary);
    /* The connection is gone: the application frees the session. */
    void (*closed)(void *arg, struct session *s);
    /* A frame was written and the session is hungry (session.h): make
     * its next frames (the next step of a paced catch-up). May be NULL
     * for an application with no paced work. */
    void (*drained)(void *arg, struct session *s);
    /* On the loop, soon after any thread called ws_wake(). May be NULL. */
    void (*woken)(void *arg);
};

/* Listen as cfg says; NULL (with the reason on stderr) on failure. */
struct ws *ws_create(const struct ws_config *cfg, const struct ws_app *app);

/* Serve until ws_stop(); 0. */
int ws_run(struct ws *w);

/* From inside the loop (a timer): close every connection and make
 * ws_run() return. */
void ws_stop(struct ws *w);

/* From any thread: have the loop call app.woken soon (several calls may
 * make one). */
void ws_wake(struct ws *w);

/* After ws_run() returned; NULL is accepted. */
void ws_destroy(struct ws *w);

/* A timer on the loop that calls fn(arg) once each time it is armed. */
struct ws_timer *ws_timer_create(struct ws *w, void (*fn)(void *arg),
                                 void *arg);
/* Call fn after us microseconds; re-arming an armed timer moves it. */
void ws_timer_arm(struct ws_timer *t, int64_t us);
int ws_timer_armed(const struct ws_timer *t);
/* Before ws_destroy(); NULL is accepted. */
void ws_timer_destroy(struct ws_timer *t);

#endif
