/*
 * ref_server.c - the reference the load benchmark compares wo-server
 * with: a plain TLS WebSocket echo server, built from the same libraries
 * (libwebsockets 4.1.6 with libev, OpenSSL 3) with wo-server's TLS
 * settings (certificate, TLS 1.2+ with AEAD suites, ALPN http/1.1) and
 * its subprotocol name, so the same load client drives both. It does
 * nothing else: no authentication, no store, no keep-alive, no timers.
 *
 *   ref_server HOST PORT CERT KEY
 *
 * Each whole message is sent back on the connection it came from.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

struct echo {
    unsigned char *buf;     /* LWS_PRE, then the message */
    size_t len, cap;
    int pending;            /* a whole message waits to go back */
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = 1; }

static int add(struct echo *e, const void *in, size_t len)
{
    if (LWS_PRE + e->len + len > e->cap) {
        size_t cap = (LWS_PRE + e->len + len) * 2;
        unsigned char *b = realloc(e->buf, cap);
        if (!b)
            return -1;
        e->buf = b;
        e->cap = cap;
    }
    memcpy(e->buf + LWS_PRE + e->len, in, len);
    e->len += len;
    return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
    struct echo *e = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(e, 0, sizeof *e);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (e->pending || add(e, in, len))
            return -1; /* one message at a time, as the load client sends */
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            e->pending = 1;
            lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!e->pending)
            return 0;
        e->pending = 0;
        if (lws_write(wsi, e->buf + LWS_PRE, e->len, LWS_WRITE_BINARY) < 0)
            return -1;
        e->len = 0;
        return 0;
    case LWS_CALLBACK_CLOSED:
        free(e->buf);
        e->buf = NULL;
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", lws_callback_http_dummy, 0, 0, 0, NULL, 0},
    {"wo.v1", cb, sizeof(struct echo), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void stop_check(lws_sorted_usec_list_t *sul);

struct loop {
    lws_sorted_usec_list_t sul;
    struct lws_context *ctx;
};

static void stop_check(lws_sorted_usec_list_t *sul)
{
    struct loop *l = lws_container_of(sul, struct loop, sul);
    if (g_stop) {
        lws_context_destroy(l->ctx);
        return;
    }
    lws_sul_schedule(l->ctx, 0, &l->sul, stop_check, 100 * LWS_US_PER_MS);
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    struct rlimit rl;
    struct loop l = {0};
    if (argc != 5) {
        fprintf(stderr, "usage: ref_server HOST PORT CERT KEY\n");
        return 2;
    }
    /* the same descriptor limit wo-server takes */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.iface = argv[1];
    info.port = atoi(argv[2]);
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_LIBEV;
    info.ssl_cert_filepath = argv[3];
    info.ssl_private_key_filepath = argv[4];
    info.ssl_cipher_list =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                           SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE;
    info.alpn = "http/1.1";
    info.timeout_secs = 30;
    if (!(l.ctx = lws_create_context(&info))) {
        fprintf(stderr, "ref_server: cannot listen on %s:%s\n", argv[1],
                argv[2]);
        return 1;
    }
    fprintf(stderr, "ref_server: listening on wss://%s:%s\n", argv[1],
            argv[2]);
    lws_sul_schedule(l.ctx, 0, &l.sul, stop_check, 100 * LWS_US_PER_MS);
    while (!g_stop)
        if (lws_service(l.ctx, 0) < 0)
            break;
    return 0;
}
