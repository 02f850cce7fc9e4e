/*
 * ws.c - libwebsockets glue: context, vhost, TLS, and the protocol
 * callback. The callback is a switch of one-line delegations; each
 * on_*() handler is small. Nothing here knows what a frame means.
 *
 * Invariants:
 *   - a reassembled message never exceeds WO_MAX_FRAME; the peer that
 *     tries is closed with 1009 before more is buffered;
 *   - we write only from the writeable callback, one frame per callback,
 *     with LWS_PRE headroom, and re-arm while the queue is not empty;
 *   - a session is in the registry from authentication until CLOSED;
 *   - HTTP requests on this port are refused (we serve no HTTP, and 4.1.6
 *     mishandles some request bodies: docs/architecture.md).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "commit.h"
#include "desk.h"
#include "wo_msgq.h"
#include "dispatch.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "ws.h"

#define MAX_QUEUED_BYTES (64u * 1024 * 1024) /* a peer this far behind goes */
#define AUTH_TIMEOUT_S 20

struct session {
    struct lws *wsi;
    uint64_t id;
    int authed;
    int live;
    struct session_auth auth;
    uint8_t nonce[32];
    int strikes;            /* malformed frames in a row */
    struct wo_inbuf rx;
    struct wo_outq out;
    int close_status;       /* nonzero: close once the queue is written */
    char close_why[64];
};

static struct lws_context *g_ctx;
static struct srv *g_srv;
static lws_sorted_usec_list_t g_flush_sul;
static int g_flush_armed;
static volatile sig_atomic_t g_stop;
static uint64_t g_next_sid = 1;

/* ---- session API (session.h) ------------------------------------------ */

uint64_t session_id(const struct session *s) { return s->id; }

const struct session_auth *session_auth(const struct session *s)
{
    return s->authed ? &s->auth : NULL;
}

void session_set_auth(struct session *s, const struct session_auth *a)
{
    s->auth = *a;
    s->authed = 1;
    sessreg_add(s, s->id, a->user_id, a->device_id);
    lws_set_timeout(s->wsi, NO_PENDING_TIMEOUT, 0);
}

const uint8_t *session_nonce(struct session *s) { return s->nonce; }
void session_set_live(struct session *s) { s->live = 1; }
int session_is_live(const struct session *s) { return s->live; }

int session_send(struct session *s, int type, const void *body)
{
    int rc = wo_outq_push(&s->out, type, body);
    if (rc)
        return rc;
    if (s->out.bytes > MAX_QUEUED_BYTES) {
        session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                      "peer is not reading");
        return WO_EIO;
    }
    lws_callback_on_writable(s->wsi);
    return 0;
}

int session_strike(struct session *s, int bad)
{
    return s->strikes = bad ? s->strikes + 1 : 0;
}

void session_error(struct session *s, int code, int64_t req, const char *fmt,
                   ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    struct wo_error e = {.status = wo_err_status(code), .reason = reason,
                         .req = req};
    session_send(s, WO_F_ERROR, &e);
}

void session_close(struct session *s, int ws_status, const char *why)
{
    if (s->close_status)
        return;
    s->close_status = ws_status;
    snprintf(s->close_why, sizeof s->close_why, "%s", why);
    lws_callback_on_writable(s->wsi);
}

/* ---- callback handlers ------------------------------------------------- */

static int on_established(struct session *s, struct lws *wsi)
{
    memset(s, 0, sizeof *s);
    wo_outq_init(&s->out, LWS_PRE);
    s->wsi = wsi;
    s->id = g_next_sid++;
    /* an unauthenticated connection gets a short life */
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, AUTH_TIMEOUT_S);
    return dispatch_connected(g_srv, s);
}

static int on_receive(struct session *s, struct lws *wsi, const void *in,
                      size_t len)
{
    if (s->close_status)
        return 0; /* ignore input from a peer we are closing */
    int rc = wo_inbuf_append(&s->rx, in, len, WO_MAX_FRAME);
    if (rc == WO_ETOOBIG) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)"message too large", 17);
        return -1;
    }
    if (rc)
        return -1;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    dispatch_frame(g_srv, s, s->rx.data, s->rx.len, lws_frame_is_binary(wsi));
    wo_inbuf_reset(&s->rx);
    return 0;
}

static int on_writeable(struct session *s, struct lws *wsi)
{
    struct wo_outframe *f = wo_outq_pop(&s->out);
    if (f) {
        int w = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_BINARY);
        free(f);
        if (w < 0)
            return -1;
        if (s->out.head) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    if (s->close_status) {
        lws_close_reason(wsi, (enum lws_close_status)s->close_status,
                         (unsigned char *)s->close_why, strlen(s->close_why));
        return -1;
    }
    return 0;
}

static void on_closed(struct session *s)
{
    if (!s->wsi)
        return; /* never established */
    if (s->authed)
        sessreg_remove(s->id);
    wo_outq_cleanup(&s->out);
    wo_inbuf_cleanup(&s->rx);
    s->wsi = NULL;
}

static int cb_wo(struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
    struct session *s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: return on_established(s, wsi);
    case LWS_CALLBACK_RECEIVE: return on_receive(s, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return on_writeable(s, wsi);
    case LWS_CALLBACK_CLOSED: on_closed(s); return 0;
    default: return 0;
    }
}

/*
 * Protocol 0 gets every plain HTTP request and any WebSocket upgrade that
 * names no subprotocol. We refuse both: the client must ask for
 * WO_SUBPROTOCOL, which carries the protocol version.
 */
static int cb_refuse(struct lws *wsi, enum lws_callback_reasons reason,
                     void *user, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
        return -1;
    case LWS_CALLBACK_ESTABLISHED:
        lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR,
                         (unsigned char *)"use subprotocol " WO_SUBPROTOCOL,
                         strlen("use subprotocol " WO_SUBPROTOCOL));
        return -1;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"refuse", cb_refuse, 0, 0, 0, NULL, 0},
    {WO_SUBPROTOCOL, cb_wo, sizeof(struct session), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- group commit timer ------------------------------------------------ */

static void flush_cb(lws_sorted_usec_list_t *sul)
{
    g_flush_armed = 0;
    commit_flush(g_srv);
}

void ws_request_flush(struct srv *srv)
{
    if (g_flush_armed || !g_ctx)
        return;
    g_flush_armed = 1;
    lws_sul_schedule(g_ctx, 0, &g_flush_sul, flush_cb,
                     srv->commit_window_us);
}

/* ---- run ----------------------------------------------------------------- */

static void on_signal(int sig)
{
    g_stop = 1;
    if (g_ctx)
        lws_cancel_service(g_ctx);
}

/*
 * With an event library, lws_service() runs the library's loop and does
 * not return on its own; the loop is ended from inside by starting the
 * context's destruction. This timer checks the stop flag set by the
 * signal handler (which may not call lws itself).
 */
static lws_sorted_usec_list_t g_stop_sul;
static int g_destroying;

/* SLA alerts and the 24 h closure (desk.c), twice a second */
static lws_sorted_usec_list_t g_desk_sul;

static void desk_cb(lws_sorted_usec_list_t *sul)
{
    desk_tick(g_srv);
    lws_sul_schedule(g_ctx, 0, &g_desk_sul, desk_cb, 500 * LWS_US_PER_MS);
}

static void stop_check(lws_sorted_usec_list_t *sul)
{
    if (!g_stop) {
        lws_sul_schedule(g_ctx, 0, &g_stop_sul, stop_check,
                         100 * LWS_US_PER_MS);
        return;
    }
    commit_flush(g_srv);
    g_destroying = 1;
    lws_context_destroy(g_ctx);
}

/* AEAD suites only for TLS 1.2 (a CBC suite draws LUCKY13 findings). */
static const char *tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* A peer that vanished (laptop asleep, cable pulled) must not hold its
 * session forever: ping after 30 s of silence, drop after 60 s without a
 * valid frame. Watching clients answer pings and stay connected. */
static const lws_retry_bo_t keepalive = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 60,
};

static struct lws_context *make_context(struct srv *srv,
                                        const struct ws_config *cfg, int ev)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->port;
    info.iface = cfg->host;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_DISABLE_IPV6;
    if (ev)
        info.options |= LWS_SERVER_OPTION_LIBEV;
    info.ssl_cert_filepath = cfg->cert;
    info.ssl_private_key_filepath = cfg->key;
    info.ssl_cipher_list = tls12_ciphers;
    info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                           SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE;
    info.alpn = "http/1.1"; /* no h2: WebSocket over HTTP/1.1 only */
    info.timeout_secs = 30;
    info.retry_and_idle_policy = &keepalive;
    info.user = srv;
    return lws_create_context(&info);
}

int ws_run(struct srv *srv, const struct ws_config *cfg)
{
    int ev = !cfg->event_lib || strcmp(cfg->event_lib, "poll") != 0;

    lws_set_log_level(LLL_ERR, NULL);
    g_srv = srv;
    g_ctx = make_context(srv, cfg, ev);
    if (!g_ctx && ev) {
        fprintf(stderr, "wo-server: libev event library unavailable, "
                        "falling back to poll()\n");
        g_ctx = make_context(srv, cfg, 0);
    }
    if (!g_ctx) {
        fprintf(stderr, "wo-server: cannot listen on %s:%d (is the port in "
                        "use, or the certificate unreadable?)\n",
                cfg->host, cfg->port);
        return WO_ENET;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "wo-server: listening on wss://%s:%d (%s)\n", cfg->host,
            cfg->port, ev ? "epoll via libev" : "poll");
    fflush(stderr);
    lws_sul_schedule(g_ctx, 0, &g_stop_sul, stop_check, 100 * LWS_US_PER_MS);
    lws_sul_schedule(g_ctx, 0, &g_desk_sul, desk_cb, 0);
    while (!g_destroying)
        if (lws_service(g_ctx, 0) < 0)
            break;
    /* flush what is queued so no received op waits for a restart */
    commit_flush(srv);
    lws_context_destroy(g_ctx);
    g_ctx = NULL;
    return 0;
}
