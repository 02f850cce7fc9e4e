/*
 * ws.c - libwebsockets glue: context, vhost, TLS, timers, and the protocol
 * callback. The callback is a switch of one-line delegations; each on_*()
 * handler is small. Nothing here knows what a frame means: messages go to
 * the application through struct ws_app, and frames come back from the
 * session's queue.
 *
 * Invariants:
 *   - a reassembled message never exceeds WO_MAX_FRAME; the peer that
 *     tries is closed with 1009 before more is buffered;
 *   - we write only from the writeable callback, one frame per callback,
 *     with LWS_PRE headroom, and re-arm while the queue is not empty;
 *   - plain HTTP serves the web console's files (web.h) to GET requests
 *     with no body, each with the console's security headers; every other
 *     request is refused, as 4.1.6 mishandles some request bodies
 *     (docs/architecture.md, "Choices");
 *   - an upgrade from a browser page of another origin gets HTTP 403; one
 *     that offers subprotocols but not ours gets HTTP 400;
 *   - no per-connection lws timer: deadlines, idle pings and hang-ups are
 *     the application's one timer (gate.h), which closes with a close
 *     frame; lws's own timeouts close without one, and its sorted timer
 *     list does not scale (docs/architecture.md, "Choices").
 *
 * All state lives in struct ws, reached from a callback through the
 * context's user pointer; there are no file-scope variables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#include "session.h"
#include "web.h"
#include "wo_msgq.h"
#include "ws.h"

/* Descriptors kept for everything but connections: the store and its
 * WAL and shm, stdio, the event loop's own, a file opened now and then.
 * Never more than a quarter of a small limit. */
#define FD_RESERVE 64
/* Connections accepted whose WebSocket is not yet open: at this many the
 * listener stops being polled, and it is polled again below half. */
#define PENDING_MAX 256
/* At the descriptor limit, say so at most once per this many ms. */
#define FULL_LOG_MS 10000
/* lws's receive buffer, one per connection for its whole life: most
 * frames are small, and a larger one arrives in pieces that on_receive()
 * joins (a 64 KiB buffer would be 64 KiB of address space per peer and
 * several touched pages). */
#define RX_CHUNK 1024
/* What lws hands the TLS layer in one go when it sends: a whole TLS
 * record. Left at 0, lws would cut sends to RX_CHUNK: a catch-up went out
 * in 1 KiB records, each a read, a MAC and a turn of the peer's loop. */
#define TX_CHUNK (16 * 1024)
/* A peer that vanished (laptop off, network gone) is noticed by the
 * kernel, at no cost to the loop: TCP keep-alive probes after KA_IDLE_S
 * of silence, every KA_INTERVAL_S, KA_PROBES of them; and data left
 * unacknowledged for KA_USER_TIMEOUT_MS ends the connection too. Either
 * way the socket errors and lws closes it: within 90 s. */
#define KA_IDLE_S 60
#define KA_INTERVAL_S 10
#define KA_PROBES 3
#define KA_USER_TIMEOUT_MS 90000

struct ws {
    struct lws_context *ctx;
    struct ws_app app;
    char *origins;          /* allowed Origin values, comma-separated */
    int stopping;
    int fd_ceiling;         /* a connection on a descriptor this high or
                             * higher is refused */
    int64_t full_logged_ms; /* when "at the limit" was last logged */
    long full_refused;      /* refused since then */
    uint8_t ticket_secret[32];
    int has_ticket_secret;
    struct lws *listener;   /* the listening socket, once seen */
    struct lws *pending[PENDING_MAX + 8]; /* accepted, not yet open */
    int n_pending, paused;
};

struct ws_timer {
    lws_sorted_usec_list_t sul;
    struct ws *w;
    void (*fn)(void *arg);
    void *arg;
    int armed;
};

/* lws's per-session data of an HTTP request: the file being sent. */
struct http_conn {
    const struct web_asset *a;
    size_t off;
};

/* lws's per-session data: the connection and its reassembly buffer. */
struct conn {
    struct lws *wsi;
    struct session *s;
    struct wo_inbuf rx;
    int want_ping;          /* send a ping at the next writeable */
    int close_sent;         /* our close frame is lws's to send now */
    char peer[64];          /* the peer's address */
};

static struct ws *ws_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* ---- the transport sessions use ------------------------------------------ */

static void tp_want_write(void *conn)
{
    lws_callback_on_writable(((struct conn *)conn)->wsi);
}

static const char *tp_peer(void *conn) { return ((struct conn *)conn)->peer; }

static void tp_ping(void *conn)
{
    struct conn *c = conn;
    c->want_ping = 1;
    lws_callback_on_writable(c->wsi);
}

/* lws closes a wsi whose timeout is LWS_TO_KILL_ASYNC at its next
 * service, from outside our callback. */
static void tp_drop(void *conn)
{
    lws_set_timeout(((struct conn *)conn)->wsi, PENDING_TIMEOUT_USER_OK,
                    LWS_TO_KILL_ASYNC);
}

static void pending_done(struct ws *w, struct lws *wsi);

/* Authenticated: this connection no longer counts against admission. */
static void tp_authenticated(void *conn)
{
    struct conn *c = conn;
    pending_done(ws_of(c->wsi), c->wsi);
}

static const struct transport transport = {
    .authenticated = tp_authenticated,
    .want_write = tp_want_write,
    .peer = tp_peer,
    .ping = tp_ping,
    .drop = tp_drop,
};

/* ---- callback handlers ------------------------------------------------- */

/*
 * Admission. During a handshake lws 4.1.6 keeps a timeout for the
 * connection in its one sorted timer list, re-inserted at each stage, and
 * each insert walks the list: with 10,000 clients reconnecting at once
 * that walk was 90 % of the server's CPU (docs/performance.md), and
 * connections that had opened but waited behind it for their turn to
 * authenticate met the gate's deadline and were closed, to retry. So at
 * most PENDING_MAX connections are between accept and authentication at
 * a time; the rest wait in the kernel's listen queue (their clients see
 * a slower connect, not a failure) until half of those are through.
 * lws re-enables the listener whenever a descriptor closes; the next
 * accept pauses it again if still over.
 */
static void pending_add(struct ws *w, struct lws *wsi)
{
    if (w->n_pending < PENDING_MAX + 8)
        w->pending[w->n_pending++] = wsi;
    if (w->n_pending >= PENDING_MAX && w->listener && !w->paused) {
        w->paused = 1;
        lws_rx_flow_control(w->listener, 0);
    }
}

static void pending_done(struct ws *w, struct lws *wsi)
{
    for (int i = 0; i < w->n_pending; i++)
        if (w->pending[i] == wsi) {
            w->pending[i] = w->pending[--w->n_pending];
            break;
        }
    if (w->paused && w->n_pending < PENDING_MAX / 2 && !w->stopping) {
        w->paused = 0;
        lws_rx_flow_control(w->listener, 1);
    }
}

static int on_established(struct ws *w, struct conn *c, struct lws *wsi)
{
    unsigned ut = KA_USER_TIMEOUT_MS;
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    /* best effort: without it a dead peer is still the gate's to drop */
    (void)setsockopt(lws_get_socket_fd(wsi), IPPROTO_TCP, TCP_USER_TIMEOUT,
                     &ut, sizeof ut);
    lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
    c->s = w->app.open(w->app.arg, &transport, c, LWS_PRE);
    return c->s ? 0 : -1;
}

static int on_receive(struct ws *w, struct conn *c, struct lws *wsi,
                      const void *in, size_t len)
{
    const char *why;
    session_heard(c->s);
    if (session_closing(c->s, &why))
        return 0; /* ignore input from a peer we are closing */
    int whole = c->rx.len == 0 && lws_is_final_fragment(wsi) &&
                !lws_remaining_packet_payload(wsi);
    if (whole && len <= WO_MAX_FRAME) {
        /* the usual case: handled from lws's buffer, nothing copied */
        w->app.message(w->app.arg, c->s, in, len, lws_frame_is_binary(wsi));
        return 0;
    }
    int rc = wo_inbuf_append(&c->rx, in, len, WO_MAX_FRAME);
    if (rc == WO_ETOOBIG) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)"message too large", 17);
        return -1;
    }
    if (rc)
        return -1;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    w->app.message(w->app.arg, c->s, c->rx.data, c->rx.len,
                   lws_frame_is_binary(wsi));
    /* nothing kept between messages: 10,000 idle peers would each hold
     * a buffer as large as their largest message */
    wo_inbuf_cleanup(&c->rx);
    return 0;
}

static int on_writeable(struct ws *w, struct conn *c, struct lws *wsi)
{
    const char *why;
    /* lws may call again while it sends our close frame and waits for
     * the peer's: a -1 then would cut the close short, and with it what
     * the peer has still to read */
    if (c->close_sent)
        return 0;
    if (c->want_ping) {
        /* not empty: 4.1.6 tells us of a pong only when it has a payload
         * (and a pong echoes its ping's) */
        uint8_t ping[LWS_PRE + 2] = {[LWS_PRE] = 'w', [LWS_PRE + 1] = 'o'};
        c->want_ping = 0;
        if (lws_write(wsi, ping + LWS_PRE, 2, LWS_WRITE_PING) < 0)
            return -1;
        lws_callback_on_writable(wsi); /* frames may wait too */
        return 0;
    }
    struct wo_outframe *f = session_next_frame(c->s);
    if (f) {
        int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_BINARY);
        free(f);
        if (n < 0)
            return -1;
    }
    /* a paced catch-up makes its next frames as the peer reads */
    if (w->app.drained && session_hungry(c->s))
        w->app.drained(w->app.arg, c->s);
    if (session_queued(c->s)) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    int code = session_closing(c->s, &why);
    if (code) {
        lws_close_reason(wsi, (enum lws_close_status)code,
                         (unsigned char *)why, strlen(why));
        c->close_sent = 1;
        return -1;
    }
    return 0;
}

static void on_closed(struct ws *w, struct conn *c)
{
    if (!c->wsi)
        return; /* never established */
    w->app.closed(w->app.arg, c->s);
    wo_inbuf_cleanup(&c->rx);
    c->s = NULL;
    c->wsi = NULL;
}

/* ws_wake() from another thread (lws_cancel_service): lws tells every
 * protocol of the vhost; this one passes it on. */
static void on_woken(struct lws *wsi)
{
    struct ws *w = ws_of(wsi);
    if (w && !w->stopping && w->app.woken)
        w->app.woken(w->app.arg);
}

static int cb_wo(struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: return on_established(ws_of(wsi), c, wsi);
    case LWS_CALLBACK_RECEIVE: return on_receive(ws_of(wsi), c, wsi, in, len);
    case LWS_CALLBACK_RECEIVE_PONG: session_heard(c->s); return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: return on_writeable(ws_of(wsi), c, wsi);
    case LWS_CALLBACK_CLOSED: on_closed(ws_of(wsi), c); return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: on_woken(wsi); return 0;
    default: return 0;
    }
}

/* ---- HTTP: the console's files, and upgrades ------------------------- */

/* 0 when the request may be answered: a GET with no body. */
static int http_acceptable(struct lws *wsi)
{
    return lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 &&
           !lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) &&
           !lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING)
               ? 0 : -1;
}

/* A refusal with a status: lws writes it, then we hang up. */
static int http_refuse(struct lws *wsi, unsigned status, const char *why)
{
    lws_return_http_status(wsi, status, why);
    return -1;
}

/* The status line and headers of an asset; the body follows in
 * on_http_writeable, one piece per writeable callback. */
static int on_http(struct http_conn *h, struct lws *wsi, const char *path)
{
    uint8_t buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
            *end = buf + sizeof buf - 1;
    const char *name, *value;
    if (http_acceptable(wsi))
        return http_refuse(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
                           "only GET with no body is served here");
    h->a = web_find(path);
    h->off = 0;
    if (!h->a)
        return http_refuse(wsi, HTTP_STATUS_NOT_FOUND, "no such file");
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, h->a->type,
                                    h->a->len, &p, end))
        return -1;
    for (size_t i = 0; web_header(i, &name, &value); i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                        (const unsigned char *)value,
                                        (int)strlen(value), &p, end))
            return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_http_writeable(struct http_conn *h, struct lws *wsi)
{
    uint8_t buf[LWS_PRE + 16384];
    if (!h->a)
        return 0;
    size_t n = h->a->len - h->off;
    if (n > sizeof buf - LWS_PRE)
        n = sizeof buf - LWS_PRE;
    memcpy(buf + LWS_PRE, h->a->data + h->off, n);
    h->off += n;
    int last = h->off == h->a->len;
    if (lws_write(wsi, buf + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    h->a = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* 1 when the upgrade's Sec-WebSocket-Protocol header lists ours or is
 * absent (then lws binds protocol 0, which closes with 1002). Reads the
 * header table, never the callback's `in` (see on_upgrade). */
static int offers_ours(struct lws *wsi)
{
    char list[256];
    int n = lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL);
    if (n == 0)
        return 1;
    if (n < 0)
        return 0; /* longer than any list naming ours needs */
    for (char *save, *t = strtok_r(list, ", \t", &save); t;
         t = strtok_r(NULL, ", \t", &save))
        if (!strcmp(t, WO_SUBPROTOCOL))
            return 1;
    return 0;
}

/* 1 when the upgrade carries no Origin or an allowed one (web.h); a
 * refusal is logged. */
static int origin_allowed(struct ws *w, struct lws *wsi)
{
    char origin[256], peer[64];
    int n = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (n >= 0 && web_origin_ok(n ? origin : NULL, w->origins))
        return 1;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    fprintf(stderr, "wo-server: refused a WebSocket from %s: origin %s is "
            "not one of %s\n", peer, n < 0 ? "(too long)" : origin,
            w->origins);
    return 0;
}

/*
 * An upgrade. An Origin header names the page that opened the socket: a
 * page of another origin gets 403, so no other site can drive a signed-in
 * dispatcher's browser. An upgrade offering only other subprotocols would
 * be dropped by 4.1.6 with no answer at all (it cannot bind a name it
 * does not know), so it is answered here, before lws tries: HTTP 400
 * naming ours. `in` is not read: 4.1.6 passes freed memory after a bad
 * Upgrade header (then the header table is gone too, and offers_ours()
 * finds no list and lets lws go on as before).
 */
static int on_upgrade(struct ws *w, struct lws *wsi)
{
    /* >0: "headers sent"; lws then ends the HTTP transaction */
    if (!origin_allowed(w, wsi))
        return lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN,
                                      "this page's origin may not connect "
                                      "here (wo-server run --origin)")
                   ? -1 : 1;
    if (offers_ours(wsi))
        return 0;
    return lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST,
                                  "this server speaks WebSocket "
                                  "subprotocol " WO_SUBPROTOCOL " only")
               ? -1 : 1;
}

/*
 * At the descriptor limit. make_context() sizes lws's table of
 * descriptors (max_fds, which lws indexes by descriptor number) below
 * the process's limit, so accept() never meets EMFILE, which 4.1.6 logs
 * and retries at once, spinning. A socket accepted with a number at the
 * table's end is closed at once (lws would refuse it with an error line
 * per connection); this says so at most once per FULL_LOG_MS, with how
 * many were refused.
 */
static int refuse_at_limit(struct ws *w, int fd)
{
    if (fd < w->fd_ceiling)
        return 0;
    int64_t now = (int64_t)(lws_now_usecs() / 1000);
    w->full_refused++;
    if (!w->full_logged_ms || now - w->full_logged_ms >= FULL_LOG_MS) {
        fprintf(stderr, "wo-server: at the descriptor limit: refused %ld "
                "new connection%s since the last such line; the others "
                "are served (raise 'ulimit -Hn' to hold more)\n",
                w->full_refused, w->full_refused == 1 ? "" : "s");
        fflush(stderr);
        w->full_logged_ms = now;
        w->full_refused = 0;
    }
    return 1;
}

/*
 * TLS session tickets (resumption: no certificate signature, and on the
 * client no chain to verify) that survive a restart, so that a reconnect
 * storm after one resumes. The keys are made from the store's secret,
 * the certificate and the UTC day the process started: a ticket resumes
 * until its lifetime ends, the certificate changes, or a restart falls
 * on another day (the keys do not rotate while the process runs).
 * One ticket per handshake instead of OpenSSL's two.
 */
static int set_tickets(struct ws *w, SSL_CTX *ctx)
{
    static const char *const part[] = {"name", "hmac", "aes"};
    static const size_t at[] = {0, 16, 48}, len[] = {16, 32, 32};
    uint8_t keys[80], mac[32];
    char label[64];
    unsigned n;
    SSL_CTX_set_num_tickets(ctx, 1);
    if (!w->has_ticket_secret)
        return 0;
    /* lws names the session context by its context's address, which
     * differs in each process: a ticket would never resume after a
     * restart */
    if (SSL_CTX_set_session_id_context(ctx, (const uint8_t *)WO_SUBPROTOCOL,
                                       sizeof WO_SUBPROTOCOL - 1) != 1)
        return -1;
    /* bound to the certificate too: after a certificate change a client
     * must see (and check) the new one, not resume past it */
    uint8_t cert_md[EVP_MAX_MD_SIZE + sizeof label];
    unsigned md_len = 0;
    X509 *cert = SSL_CTX_get0_certificate(ctx);
    if (!cert || !X509_digest(cert, EVP_sha256(), cert_md, &md_len))
        return -1;
    for (int i = 0; i < 3; i++) {
        int l = snprintf(label, sizeof label, "wo tls ticket %s %lld",
                         part[i], (long long)(time(NULL) / 86400));
        memcpy(cert_md + md_len, label, (size_t)l);
        if (!HMAC(EVP_sha256(), w->ticket_secret, 32, cert_md,
                  md_len + (size_t)l, mac, &n))
            return -1;
        memcpy(keys + at[i], mac, len[i]);
    }
    int ok = SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof keys) == 1;
    OPENSSL_cleanse(keys, sizeof keys);
    OPENSSL_cleanse(mac, sizeof mac);
    return ok ? 0 : -1;
}

/* The server's TLS context, once lws made it: tickets, and record
 * buffers an idle connection does not keep (OpenSSL frees them while
 * nothing is in them; lws may already ask for it: asking twice is
 * harmless, and no saving of ours was measurable on its own). */
static int setup_tls(struct ws *w, SSL_CTX *ctx)
{
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return set_tickets(w, ctx);
}

/*
 * Protocol 0 gets every plain HTTP request and any WebSocket upgrade that
 * names no subprotocol. HTTP GETs get the console's files; an upgrade
 * with no subprotocol is accepted and closed with 1002: the client must
 * ask for WO_SUBPROTOCOL, which carries the protocol version.
 */
static int cb_http(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len)
{
    static const char why[] = "use subprotocol " WO_SUBPROTOCOL;
    switch (reason) {
    case LWS_CALLBACK_HTTP: return on_http(user, wsi, in);
    case LWS_CALLBACK_HTTP_WRITEABLE: return on_http_writeable(user, wsi);
    case LWS_CALLBACK_HTTP_BODY: return -1;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return on_upgrade(ws_of(wsi), wsi);
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        return setup_tls(ws_of(wsi), user);
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        ws_of(wsi)->listener = wsi; /* the listening socket's wsi */
        return refuse_at_limit(ws_of(wsi), (int)(intptr_t)in);
    case LWS_CALLBACK_WSI_CREATE:
        pending_add(ws_of(wsi), wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        pending_done(ws_of(wsi), wsi);
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        pending_done(ws_of(wsi), wsi);
        lws_close_reason(wsi, (enum lws_close_status)WO_CLOSE_PROTOCOL,
                         (unsigned char *)why, sizeof why - 1);
        return -1;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", cb_http, sizeof(struct http_conn), 0, 0, NULL, 0},
    {WO_SUBPROTOCOL, cb_wo, sizeof(struct conn), RX_CHUNK, 0, NULL,
     TX_CHUNK},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- timers -------------------------------------------------------------- */

static void timer_cb(lws_sorted_usec_list_t *sul)
{
    struct ws_timer *t = lws_container_of(sul, struct ws_timer, sul);
    t->armed = 0;
    t->fn(t->arg);
}

struct ws_timer *ws_timer_create(struct ws *w, void (*fn)(void *arg),
                                 void *arg)
{
    struct ws_timer *t = calloc(1, sizeof *t);
    if (t) {
        t->w = w;
        t->fn = fn;
        t->arg = arg;
    }
    return t;
}

void ws_timer_arm(struct ws_timer *t, int64_t us)
{
    t->armed = 1;
    lws_sul_schedule(t->w->ctx, 0, &t->sul, timer_cb, us);
}

int ws_timer_armed(const struct ws_timer *t) { return t->armed; }

void ws_timer_destroy(struct ws_timer *t)
{
    if (!t)
        return;
    /* once stopping, the context's destruction drops every timer */
    if (t->armed && !t->w->stopping)
        lws_sul_schedule(t->w->ctx, 0, &t->sul, timer_cb,
                         LWS_SET_TIMER_USEC_CANCEL);
    free(t);
}

/* ---- context ------------------------------------------------------------ */

/* secs_since_valid_hangup 0: lws schedules no validity timer at all */
static const lws_retry_bo_t no_validity = {.secs_since_valid_ping = 0,
                                           .secs_since_valid_hangup = 0};

/* AEAD suites only for TLS 1.2 (a CBC suite draws LUCKY13 findings). */
static const char *tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static struct lws_context *make_context(struct ws *w,
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
    /* bounds the TLS and HTTP stages before a WebSocket exists; a peer
     * that vanishes later is the gate's (pings, then a close frame) */
    info.timeout_secs = 30;
    info.user = w;
    /* no lws keep-alive: without a policy lws applies its default (ping
     * after 300 s) and re-inserts every connection's timer into its one
     * sorted list at each pong; the gate does keep-alive instead */
    info.retry_and_idle_policy = &no_validity;
    /* liveness of the TCP connection is the kernel's (KA_*); lws sets
     * these on every accepted socket */
    info.ka_time = KA_IDLE_S;
    info.ka_interval = KA_INTERVAL_S;
    info.ka_probes = KA_PROBES;
    /* lws sizes its descriptor table (max_fds, indexed by descriptor
     * number: a smaller table set through fd_limit_per_thread is
     * searched linearly on every event) from the soft limit it finds:
     * create the context under a soft limit FD_RESERVE below the hard
     * one, then give the process the whole hard limit back, so that the
     * store and the loop always have descriptors above lws's table */
    struct rlimit rl, low;
    int lowered = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < 10000000) {
        low = rl;
        rlim_t reserve = rl.rlim_cur / 4 < FD_RESERVE ? rl.rlim_cur / 4
                                                       : FD_RESERVE;
        low.rlim_cur = rl.rlim_cur - reserve;
        lowered = setrlimit(RLIMIT_NOFILE, &low) == 0;
        /* the listener and lws's pipe are in the table too */
        w->fd_ceiling = (int)low.rlim_cur - 2;
    } else {
        w->fd_ceiling = 10000000;
    }
    struct lws_context *ctx = lws_create_context(&info);
    if (lowered)
        setrlimit(RLIMIT_NOFILE, &rl);
    return ctx;

}

struct ws *ws_create(const struct ws_config *cfg, const struct ws_app *app)
{
    int ev = !cfg->event_lib || strcmp(cfg->event_lib, "poll") != 0;
    struct ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->app = *app;
    if (!(w->origins = strdup(cfg->origins ? cfg->origins : ""))) {
        free(w);
        return NULL;
    }
    if (cfg->ticket_secret) {
        memcpy(w->ticket_secret, cfg->ticket_secret, 32);
        w->has_ticket_secret = 1;
    }
    lws_set_log_level(LLL_ERR, NULL);
    w->ctx = make_context(w, cfg, ev);
    if (!w->ctx && ev) {
        fprintf(stderr, "wo-server: libev event library unavailable, "
                        "falling back to poll()\n");
        ev = 0;
        w->ctx = make_context(w, cfg, 0);
    }
    if (!w->ctx) {
        fprintf(stderr, "wo-server: cannot listen on %s:%d (is the port in "
                        "use, or the certificate unreadable?)\n",
                cfg->host, cfg->port);
        free(w->origins);
        free(w);
        return NULL;
    }
    fprintf(stderr, "wo-server: listening on wss://%s:%d (%s); web console "
            "at https://%s:%d/ for origins %s\n", cfg->host, cfg->port,
            ev ? "epoll via libev" : "poll", cfg->host, cfg->port,
            w->origins);
    fflush(stderr);
    return w;
}

/*
 * With an event library, lws_service() runs the library's loop and does
 * not return on its own; the loop is ended from inside by starting the
 * context's destruction (ws_stop, from a timer).
 */
int ws_run(struct ws *w)
{
    while (!w->stopping)
        if (lws_service(w->ctx, 0) < 0)
            break;
    return 0;
}

void ws_wake(struct ws *w) { lws_cancel_service(w->ctx); }

void ws_stop(struct ws *w)
{
    w->stopping = 1;
    lws_context_destroy(w->ctx);
}

void ws_destroy(struct ws *w)
{
    if (!w)
        return;
    lws_context_destroy(w->ctx);
    free(w->origins);
    free(w);
}
