/*
 * net.c - libwebsockets client glue. One context per connection (a CLI
 * command makes one or a few), TLS with the server certificate checked
 * against the given CA and host name or IP.
 *
 * Two threads. The I/O thread runs the lws loop: it reads, decrypts and
 * decodes frames, and writes what is queued. The caller's thread (net_run)
 * takes the decoded frames in order and hands them to the handlers, which
 * write the replica and queue answers (net_send). So a catch-up is read
 * and decoded while the frame before it is written to SQLite. lws is
 * touched by the I/O thread only: the other wakes it with
 * lws_cancel_service(), the one lws call safe from another thread. At most
 * NET_IN_MAX decoded frames wait; beyond that the I/O thread stops reading
 * (lws_rx_flow_control) until the handlers catch up.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "net.h"
#include "wo_msgq.h"
#include "wo_proto.h"

/* Decoded frames waiting for the handlers: past NET_IN_MAX, reading stops
 * until no more than NET_IN_LOW wait. */
#define NET_IN_MAX 4
#define NET_IN_LOW 1
#define NET_TICK_MS 200

struct net_in {
    struct net_in *next;
    int type;
    void *body;
};

struct net {
    struct lws_context *ctx;
    struct lws *wsi;        /* the I/O thread's */
    const struct net_handlers *h;
    void *ud;
    pthread_t io;
    int io_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a frame came, or the connection ended */
    /* under mu: */
    int state;              /* 0 connecting, 1 open, 2 closed, 3 stopped */
    char why[512];
    struct wo_outq out;
    struct net_in *in_head, **in_tail;
    size_t n_in;
    int paused;             /* reading stopped: NET_IN_MAX frames wait */
    int gone;               /* the connection is closed (wsi NULL) */
    int quit;               /* net_destroy: the I/O thread ends */
    /* the I/O thread's: */
    struct wo_inbuf rx;
    char host[256], path[256];
    int port;
    int64_t clock_off;      /* this laptop minus the server, ms, as last
                             * measured (net_clock_hint); 0: unknown */
    int tls_time;           /* the server's certificate failed on time */
    char *session_file;     /* where the TLS session ticket is kept */
    SSL_SESSION *sess;      /* the ticket read from it, offered once */
    char hint[200];
};

static volatile sig_atomic_t g_interrupted;

void net_clock_hint(struct net *n, int64_t laptop_minus_server_ms)
{
    n->clock_off = laptop_minus_server_ms;
}

/* During the TLS handshake: note whether the server's certificate failed
 * verification on time (not valid yet, or no more, on this laptop's
 * clock); lws 4.1.6 reports only an opaque line when the handshake ends.
 * OpenSSL's own verdict stands. */
static void note_verify(struct net *n, X509_STORE_CTX *x, int ok)
{
    int e = ok || !x ? X509_V_OK : X509_STORE_CTX_get_error(x);
    if (e == X509_V_ERR_CERT_NOT_YET_VALID || e == X509_V_ERR_CERT_HAS_EXPIRED)
        n->tls_time = 1;
}

/* What to tell a user whose clock is the likely cause. */
static const char *time_hint(struct net *n)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%d %H:%M",
                                        &tm))
        snprintf(now, sizeof now, "?");
    int64_t off = n->clock_off < 0 ? -n->clock_off : n->clock_off;
    int64_t min = (off + 30000) / 60000; /* to the nearest minute */
    if (off >= 60000)
        snprintf(n->hint, sizeof n->hint, "\nthis laptop's clock says %s "
                 "UTC; your clock is off by %lld h %lld min (%s) against the "
                 "server's at the last sync: set it right and try again",
                 now, (long long)(min / 60), (long long)(min % 60),
                 n->clock_off > 0 ? "ahead" : "behind");
    else
        snprintf(n->hint, sizeof n->hint, "\nthis laptop's clock says %s "
                 "UTC, at which the server's certificate is not valid: check "
                 "the date and time, then try again", now);
    return n->hint;
}

void net_interrupt(void) { g_interrupted = 1; }
int net_interrupted(void) { return g_interrupted; }

static int on_receive(struct net *n, struct lws *wsi, const void *in,
                      size_t len)
{
    char err[256];
    int type;
    void *body;
    if (wo_inbuf_append(&n->rx, in, len, WO_MAX_FRAME)) {
        pthread_mutex_lock(&n->mu);
        snprintf(n->why, sizeof n->why, "server sent a message over the "
                 "size limit");
        pthread_mutex_unlock(&n->mu);
        return -1;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    int rc = wo_frame_decode(n->rx.data, n->rx.len, &type, &body, err,
                             sizeof err);
    wo_inbuf_reset(&n->rx);
    struct net_in *q = rc ? NULL : malloc(sizeof *q);
    if (!q) {
        if (!rc)
            wo_frame_free(type, body);
        pthread_mutex_lock(&n->mu);
        snprintf(n->why, sizeof n->why, "server sent a bad frame: %s",
                 rc ? err : "out of memory");
        pthread_mutex_unlock(&n->mu);
        return -1;
    }
    q->next = NULL;
    q->type = type;
    q->body = body;
    pthread_mutex_lock(&n->mu);
    *n->in_tail = q;
    n->in_tail = &q->next;
    int pause = ++n->n_in >= NET_IN_MAX && !n->paused;
    if (pause)
        n->paused = 1;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
    if (pause)
        lws_rx_flow_control(wsi, 0);
    return 0;
}

static int on_writeable(struct net *n, struct lws *wsi)
{
    pthread_mutex_lock(&n->mu);
    /* stopping: what is queued (a delivery receipt, say) goes first,
     * then the close */
    if (n->state == 3 && !n->out.head) {
        pthread_mutex_unlock(&n->mu);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye",
                         3);
        return -1;
    }
    struct wo_outframe *f = wo_outq_pop(&n->out);
    int more = n->out.head || n->state == 3;
    pthread_mutex_unlock(&n->mu);
    if (!f)
        return 0;
    int w = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_BINARY);
    free(f);
    if (w < 0)
        return -1;
    if (more)
        lws_callback_on_writable(wsi);
    return 0;
}

/* The caller's thread queued a frame, asked to stop, or took frames off a
 * full queue (lws_cancel_service woke the loop). */
static void on_wakeup(struct net *n)
{
    pthread_mutex_lock(&n->mu);
    int write = n->wsi && n->state >= 1 && (n->out.head || n->state == 3);
    int resume = n->wsi && n->paused && n->n_in <= NET_IN_LOW;
    if (resume)
        n->paused = 0;
    pthread_mutex_unlock(&n->mu);
    if (write)
        lws_callback_on_writable(n->wsi);
    if (resume)
        lws_rx_flow_control(n->wsi, 1);
}

static void on_peer_close(struct net *n, const uint8_t *in, size_t len)
{
    if (len >= 2) {
        int code = in[0] << 8 | in[1];
        pthread_mutex_lock(&n->mu);
        snprintf(n->why, sizeof n->why, "server closed the connection (%d: "
                 "%.*s)", code, (int)(len - 2 > 200 ? 200 : len - 2),
                 (const char *)in + 2);
        pthread_mutex_unlock(&n->mu);
    }
}

/* The connection ended (error or close): state 2 unless the caller
 * stopped it. */
static void on_gone(struct net *n, const char *why)
{
    pthread_mutex_lock(&n->mu);
    if (!n->why[0])
        snprintf(n->why, sizeof n->why, "%s", why);
    if (n->state != 3)
        n->state = 2;
    n->gone = 1;
    n->wsi = NULL;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

/* ---- TLS resumption ------------------------------------------------------
 * One context per connection, so the client SSL_CTX's app data is the
 * net. lws 4.1.6 cannot deliver OpenSSL's info callback to a client
 * connection (it looks the connection up through ex_data that holds
 * something else there), so the SSL_CTX gets its own.
 */

/* The handshake starts: offer the kept ticket. */
static void tls_info(const SSL *ssl, int where, int ret)
{
    struct net *n = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (n && n->sess && (where & SSL_CB_HANDSHAKE_START)) {
        SSL_set_session((SSL *)ssl, n->sess);
        SSL_SESSION_free(n->sess);
        n->sess = NULL;
    }
}

/* A new ticket: replace the file's, 0600, by rename. */
static int tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct net *n = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    char tmp[4200];
    if (!n || !n->session_file || !SSL_SESSION_is_resumable(sess))
        return 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", n->session_file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int ok = PEM_write_SSL_SESSION(f, sess) == 1;
    if (fclose(f) == 0 && ok)
        rename(tmp, n->session_file);
    else
        unlink(tmp);
    return 0;
}

static void tls_setup(struct net *n, SSL_CTX *ctx)
{
    if (!n->session_file)
        return;
    SSL_CTX_set_app_data(ctx, n);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
                                            SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, tls_new_session);
    SSL_CTX_set_info_callback(ctx, tls_info);
    FILE *f = fopen(n->session_file, "r");
    if (f) {
        n->sess = PEM_read_SSL_SESSION(f, NULL, NULL, NULL);
        fclose(f);
    }
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
    struct net *n = lws_get_opaque_user_data(wsi);
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
        tls_setup(lws_context_user(lws_get_context(wsi)), user);
        return 0;
    }
    if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
        on_wakeup(lws_context_user(lws_get_context(wsi)));
        return 0;
    }
    if (!n)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        note_verify(n, user, (int)len);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[sizeof n->why];
        snprintf(why, sizeof why, "cannot connect to %s:%d: %s%s", n->host,
                 n->port, in ? (const char *)in : "unknown error",
                 n->tls_time ? time_hint(n) : "");
        pthread_mutex_lock(&n->mu);
        snprintf(n->why, sizeof n->why, "%s", why);
        pthread_mutex_unlock(&n->mu);
        on_gone(n, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        pthread_mutex_lock(&n->mu);
        if (n->state == 0)
            n->state = 1;
        int write = n->out.head || n->state == 3;
        pthread_mutex_unlock(&n->mu);
        if (write)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(n, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(n, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        on_peer_close(n, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        on_gone(n, "connection closed");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {WO_SUBPROTOCOL, cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int parse_url(struct net *n, const char *url, char *err, size_t len)
{
    const char *p;
    if (strncmp(url, "wss://", 6)) {
        snprintf(err, len, "server URL '%s' must start with wss:// (TLS is "
                 "required)", url);
        return -1;
    }
    p = url + 6;
    const char *slash = strchr(p, '/');
    const char *colon = strrchr(p, ':');
    if (slash && colon > slash)
        colon = NULL;
    size_t hl = colon ? (size_t)(colon - p)
                      : slash ? (size_t)(slash - p) : strlen(p);
    if (hl == 0 || hl >= sizeof n->host) {
        snprintf(err, len, "server URL '%s' has no host", url);
        return -1;
    }
    memcpy(n->host, p, hl);
    n->host[hl] = 0;
    n->port = 443;
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || (*end && *end != '/') || v < 1 || v > 65535) {
            snprintf(err, len, "server URL '%s' has a bad port", url);
            return -1;
        }
        n->port = (int)v;
    }
    snprintf(n->path, sizeof n->path, "%s", slash ? slash : "/");
    return 0;
}

/* A laptop that sleeps or loses its network mid-connection leaves a TCP
 * connection that never closes. A server or path that vanished is the
 * kernel's to notice (TCP keep-alive below); a path that still answers
 * TCP but passes nothing (a stalled proxy) is found by a ping after 45 s
 * of silence and a hang-up 60 s after the last valid frame, and sync.c
 * reconnects. Every ping is work for a server holding thousands of
 * laptops, so they are rare. */
static const lws_retry_bo_t keepalive = {
    .secs_since_valid_ping = 45,
    .secs_since_valid_hangup = 60,
};

struct net *net_create(const char *url, const char *ca_file,
                       const char *session_file,
                       const struct net_handlers *h, void *ud, char *err,
                       size_t errlen)
{
    struct lws_context_creation_info info;
    struct lws_client_connect_info ci;
    struct net *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->h = h;
    n->ud = ud;
    n->in_tail = &n->in_head;
    wo_outq_init(&n->out, LWS_PRE);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (session_file && !(n->session_file = strdup(session_file))) {
        snprintf(err, errlen, "out of memory");
        net_destroy(n);
        return NULL;
    }
    if (parse_url(n, url, err, errlen))
        goto fail;
    lws_set_log_level(0, NULL);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    /* with our own CA, the system's bundle (some 140 certificates) is not
     * read: OpenSSL 3 takes about 30 ms to parse it, at every start */
    if (ca_file)
        info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    info.client_ssl_ca_filepath = ca_file;
    /* lws reads the socket into a buffer of this size, one read per turn
     * of its loop: at its 4 KiB default, a catch-up of 2 MB took some
     * 3,000 reads and 1,500 polls */
    info.pt_serv_buf_size = 64 * 1024;
    info.connect_timeout_secs = 10;
    info.timeout_secs = 20;
    info.user = n; /* for tls_setup(), before any connection exists */
    /* a vanished server or network: probes after 30 s of silence, three
     * 10 s apart, and the connection is gone within a minute */
    info.ka_time = 30;
    info.ka_interval = 10;
    info.ka_probes = 3;
    n->ctx = lws_create_context(&info);
    if (!n->ctx) {
        snprintf(err, errlen, "cannot set up TLS (is the CA file %s "
                 "readable?)", ca_file);
        goto fail;
    }
    memset(&ci, 0, sizeof ci);
    ci.context = n->ctx;
    ci.address = n->host;
    ci.port = n->port;
    ci.path = n->path;
    ci.host = n->host;
    /* no Origin: wo is not a browser page, and lws would send
     * "http://HOST", which the server takes for one (and refuses) */
    ci.origin = NULL;
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.protocol = WO_SUBPROTOCOL;
    ci.pwsi = &n->wsi;
    ci.opaque_user_data = n;
    ci.retry_and_idle_policy = &keepalive;
    if (!lws_client_connect_via_info(&ci)) {
        /* the connection error callback may have said why already */
        if (!n->why[0])
            snprintf(n->why, sizeof n->why, "cannot connect to %s:%d",
                     n->host, n->port);
        snprintf(err, errlen, "%s", n->why);
        n->state = 2;
        n->gone = 1;
    }
    return n;
fail:
    net_destroy(n);
    return NULL;
}

int net_send(struct net *n, int type, const void *body)
{
    pthread_mutex_lock(&n->mu);
    int rc = wo_outq_push(&n->out, type, body);
    pthread_mutex_unlock(&n->mu);
    if (!rc && n->io_started)
        lws_cancel_service(n->ctx);
    return rc;
}

void net_stop(struct net *n)
{
    pthread_mutex_lock(&n->mu);
    n->state = 3;
    pthread_mutex_unlock(&n->mu);
    if (n->io_started)
        lws_cancel_service(n->ctx);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *io_main(void *arg)
{
    struct net *n = arg;
    pthread_setname_np(pthread_self(), "wo-net"); /* in top, perf */
    for (;;) {
        pthread_mutex_lock(&n->mu);
        int quit = n->quit;
        pthread_mutex_unlock(&n->mu);
        if (quit)
            break;
        if (lws_service(n->ctx, 0) < 0) {
            on_gone(n, "the network loop failed");
            break;
        }
    }
    return NULL;
}

/* The I/O thread, with SIGINT and SIGTERM left to the caller's. */
static int io_start(struct net *n)
{
    sigset_t all, old;
    sigemptyset(&all);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&n->io, NULL, io_main, n);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    n->io_started = !rc;
    return rc;
}

/* Take the oldest decoded frame off the queue; mu held. */
static struct net_in *take(struct net *n)
{
    struct net_in *q = n->in_head;
    if (!q)
        return NULL;
    if (!(n->in_head = q->next))
        n->in_tail = &n->in_head;
    n->n_in--;
    return q;
}

/* Hand at most max waiting frames to the handlers, in order; mu held,
 * and held again on return. */
static void deliver(struct net *n, size_t max)
{
    struct net_in *q = NULL;
    while (max-- && (q = take(n)) && !g_interrupted) {
        int wake = n->paused && n->n_in <= NET_IN_LOW;
        pthread_mutex_unlock(&n->mu);
        if (wake)
            lws_cancel_service(n->ctx);
        n->h->on_frame(n->ud, q->type, q->body);
        wo_frame_free(q->type, q->body);
        free(q);
        q = NULL;
        pthread_mutex_lock(&n->mu);
    }
    if (q) { /* interrupted: dropped, as an unread frame would be */
        wo_frame_free(q->type, q->body);
        free(q);
    }
}

/* Wait on cv until a frame or an end, or until the clock reaches `until`
 * (ms, monotonic); mu held. */
static void wait_until(struct net *n, int64_t until)
{
    struct timespec ts = {(time_t)(until / 1000),
                          (long)(until % 1000) * 1000000};
    pthread_cond_timedwait(&n->cv, &n->mu, &ts);
}

int net_run(struct net *n, int64_t timeout_ms, char *err, size_t errlen)
{
    int64_t end = timeout_ms ? mono_ms() + timeout_ms : 0;
    int64_t tick = mono_ms() + NET_TICK_MS;
    int rc = 0;
    if (!n->io_started && !n->gone && io_start(n)) {
        snprintf(err, errlen, "cannot start the network thread");
        return WO_ENET;
    }
    pthread_mutex_lock(&n->mu);
    for (;;) {
        /* a few at a time: a long catch-up keeps the queue full, and the
         * deadline and the tick are still looked at between */
        deliver(n, NET_IN_MAX);
        if (g_interrupted || (n->state >= 2 && !n->in_head))
            break;
        int64_t now = mono_ms();
        if (end && now > end) {
            snprintf(err, errlen, "timed out talking to %s:%d", n->host,
                     n->port);
            rc = WO_ETIMEDOUT;
            break;
        }
        if (now >= tick) {
            tick = now + NET_TICK_MS;
            if (n->state == 1 && n->h->on_tick) {
                pthread_mutex_unlock(&n->mu);
                n->h->on_tick(n->ud);
                pthread_mutex_lock(&n->mu);
            }
            continue;
        }
        /* a signal lands on this thread: seen within a tick */
        if (!n->in_head)
            wait_until(n, end && end < tick ? end : tick);
    }
    if (!rc && n->state == 3) {
        /* let the close frame and queued writes go out, briefly; frames
         * that come meanwhile are still handed over */
        int64_t stop = mono_ms() + 500;
        while (!n->gone && mono_ms() < stop && !g_interrupted) {
            if (!n->in_head)
                wait_until(n, stop);
            deliver(n, NET_IN_MAX);
        }
        deliver(n, SIZE_MAX);
    } else if (!rc && g_interrupted) {
        snprintf(err, errlen, "interrupted");
        rc = WO_ENET;
    } else if (!rc) {
        snprintf(err, errlen, "%s", n->why[0] ? n->why : "connection closed");
        rc = WO_ENET;
    }
    pthread_mutex_unlock(&n->mu);
    return rc;
}

void net_destroy(struct net *n)
{
    if (!n)
        return;
    if (n->io_started) {
        pthread_mutex_lock(&n->mu);
        n->quit = 1;
        pthread_mutex_unlock(&n->mu);
        lws_cancel_service(n->ctx);
        pthread_join(n->io, NULL);
    }
    /* the I/O thread is gone: lws is this thread's now */
    if (n->ctx)
        lws_context_destroy(n->ctx);
    for (struct net_in *q; (q = take(n));) {
        wo_frame_free(q->type, q->body);
        free(q);
    }
    wo_outq_cleanup(&n->out);
    wo_inbuf_cleanup(&n->rx);
    SSL_SESSION_free(n->sess);
    free(n->session_file);
    pthread_cond_destroy(&n->cv);
    pthread_mutex_destroy(&n->mu);
    free(n);
}
