/*
 * wo_load.c - the load client of the scale benchmark (bench/load.py
 * drives it): N connections held in one process, one libwebsockets
 * context on libev, TLS checked against the CA like `wo` does.
 *
 *   wo_load wo  URL CA CODES N R     against wo-server
 *   wo_load ref URL CA -     N R     against bench/ref_server
 *
 * CODES is what `wo-server user import` wrote ("name,code" lines): the
 * line whose name starts with "disp" is the dispatcher, the others N
 * technicians. It runs these phases and prints key=value lines as each
 * ends; where a line ends in "-ready" it waits for a line on standard
 * input (the driver measures the server meanwhile, or restarts it):
 *
 *   join      enrol each device (wo: enrol, then auth on the same
 *             connection, then a catch-up; ref: the WebSocket opens),
 *             at most JOIN_INFLIGHT at a time   -> join_s, idle-ready
 *   reassign  R times: the dispatcher creates an order for technician a,
 *             then assigns it to technician b; the time from sending
 *             `assign` to b's connection receiving the order (ref: the
 *             time a 64-byte message takes there and back on one
 *             connection)                       -> push_p50_ms, p99, max
 *   storm     storm-ready: the driver kills the server, waits for
 *             storm-down (every connection saw its end), starts it
 *             again and writes a line; then every client reconnects
 *             (STORM_INFLIGHT connecting at a time from this process),
 *             authenticates and catches up from its cursor; a client
 *             whose attempt fails tries again after 1 s
 *                                   -> storm_s, attempts, failed_attempts
 *
 * Nothing here asserts: figures go to docs/performance.md.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "wo_crypto.h"
#include "wo_msgq.h"
#include "wo_proto.h"

#define JOIN_INFLIGHT 64
#define MAX_CONNS 50000
#define STORM_MAX_S 180
#define STORM_INFLIGHT 256

enum phase { P_JOIN, P_IDLE, P_REASSIGN, P_STORM_WAIT, P_STORM_DOWN,
             P_STORM, P_DONE };
enum cstate { C_OFF, C_CONNECTING, C_OPEN, C_AUTHED, C_LIVE };

struct lc {
    struct load *L;
    int idx;                /* -1: the dispatcher */
    struct lws *wsi;
    enum cstate st;
    char name[72], code[32];
    uint8_t priv[32], pub[32], nonce[32];
    int64_t device, cursor;
    int attempts, failed, retry_at_ms, ended;
    struct wo_inbuf rx;
    struct wo_outq out;
    SSL_SESSION *sess;      /* the last TLS session ticket it was given */
    int resumed;            /* its last handshake resumed one */
};

struct load {
    struct lws_context *ctx;
    int ref, n, r;
    char host[256], path[64];
    int port;
    struct lc *c, disp;
    enum phase ph;
    int next, inflight, live;
    int64_t t0;
    /* reassign */
    int round, step;
    int64_t order, t_send, req;
    double *lat;
    lws_sorted_usec_list_t tick;
    int stop, retry_scan_ms;
    int no_resume;          /* WO_LOAD_NO_RESUME: full handshakes only */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
    fprintf(stderr, "wo_load: %s\n", what);
    exit(1);
}

/* ---- connections ------------------------------------------------------- */

/* no lws keep-alive timers on the client side either (ws.c says why) */
static const lws_retry_bo_t no_validity = {0};

static void ended(struct load *L, struct lc *c);

static void start(struct load *L, struct lc *c)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = L->ctx;
    ci.address = L->host;
    ci.port = L->port;
    ci.path = L->path;
    ci.host = L->host;
    ci.origin = NULL;   /* not a browser: no Origin header, as `wo` */
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.protocol = WO_SUBPROTOCOL;
    ci.pwsi = &c->wsi;
    ci.opaque_user_data = c;
    ci.retry_and_idle_policy = &no_validity;
    c->st = C_CONNECTING;
    c->attempts++;
    c->ended = 0;
    if (c->idx >= 0)
        L->inflight++;
    /* lws may have reported the failure already (CONNECTION_ERROR):
     * ended() counts it once either way */
    if (!lws_client_connect_via_info(&ci))
        ended(L, c);
}

static void send_frame(struct lc *c, int type, const void *body)
{
    if (wo_outq_push(&c->out, type, body))
        die("cannot encode a frame");
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

static void send_auth(struct lc *c)
{
    char text[160];
    uint8_t sig[64];
    size_t len = wo_auth_text(c->nonce, c->device, text, sizeof text);
    if (wo_sign(c->priv, text, len, sig))
        die("cannot sign");
    struct wo_auth a = {.device_id = c->device, .sig = sig, .sig_len = 64,
                        .client_time = 0};
    send_frame(c, WO_F_AUTH, &a);
}

/* The connection is where its phase wants it: count it. */
static void became_live(struct load *L, struct lc *c)
{
    c->st = C_LIVE;
    if (c->idx >= 0) {
        L->live++;
        L->inflight--;
    }
}

static void on_challenge(struct lc *c, struct wo_challenge *ch)
{
    memcpy(c->nonce, ch->nonce, 32);
    if (c->device) {
        send_auth(c);
        return;
    }
    struct wo_enroll e = {.code = c->code, .pubkey = c->pub,
                          .pubkey_len = 32, .device_name = "load",
                          .user = c->name};
    send_frame(c, WO_F_ENROLL, &e);
}

static void on_changes(struct load *L, struct lc *c, struct wo_changes *ch)
{
    if (ch->cursor > c->cursor)
        c->cursor = ch->cursor;
    if (c->st == C_AUTHED && ch->final) {
        became_live(L, c);
        return;
    }
    if (L->ph != P_REASSIGN || c->idx < 0)
        return;
    for (size_t i = 0; i < ch->n_orders; i++) {
        if (ch->orders[i].id != L->order)
            continue;
        int a = L->round % L->n, b = (a + 1 + L->round * 7919 % (L->n - 1)) %
                                     L->n;
        if (L->step == 3 && c->idx == b) {
            L->lat[L->round] = (double)(now_us() - L->t_send) / 1000.0;
            L->round++;
            L->step = 0;
        }
    }
}

static void on_frame(struct load *L, struct lc *c, int type, void *body)
{
    switch (type) {
    case WO_F_CHALLENGE: on_challenge(c, body); break;
    case WO_F_ENROLLED:
        c->device = ((struct wo_enrolled *)body)->device_id;
        send_auth(c); /* the challenge's nonce still stands */
        break;
    case WO_F_WELCOME: {
        struct wo_sync s = {.cursor = c->cursor};
        c->st = C_AUTHED;
        if (c->idx < 0) {
            c->st = C_LIVE;
            break;
        }
        send_frame(c, WO_F_SYNC, &s);
        break;
    }
    case WO_F_CHANGES: on_changes(L, c, body); break;
    case WO_F_RESULT: {
        struct wo_result *r = body;
        if (c->idx < 0 && L->step == 1 && r->n_orders) {
            L->order = r->orders[0].id; /* created for a: now move it */
            L->step = 2;
        }
        break;
    }
    case WO_F_ERROR:
        fprintf(stderr, "wo_load: %s: error %lld: %s\n", c->name,
                (long long)((struct wo_error *)body)->status,
                ((struct wo_error *)body)->reason);
        break;
    default: break;
    }
}

static int on_receive(struct load *L, struct lc *c, struct lws *wsi,
                      const void *in, size_t len)
{
    char err[256];
    int type;
    void *body = NULL;
    if (wo_inbuf_append(&c->rx, in, len, WO_MAX_FRAME))
        return -1;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    if (L->ref) {
        if (c->idx >= 0 && c->st != C_LIVE)
            became_live(L, c);
        else if (L->ph == P_REASSIGN && c->idx == L->round % L->n) {
            L->lat[L->round] = (double)(now_us() - L->t_send) / 1000.0;
            L->round++;
            L->step = 0;
        }
        wo_inbuf_reset(&c->rx);
        return 0;
    }
    int rc = wo_frame_decode(c->rx.data, c->rx.len, &type, &body, err,
                             sizeof err);
    wo_inbuf_reset(&c->rx);
    if (rc)
        die(err);
    on_frame(L, c, type, body);
    wo_frame_free(type, body);
    return 0;
}

static int on_writeable(struct lc *c, struct lws *wsi)
{
    struct wo_outframe *f = wo_outq_pop(&c->out);
    if (!f)
        return 0;
    int w = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_BINARY);
    free(f);
    if (w < 0)
        return -1;
    if (c->out.head)
        lws_callback_on_writable(wsi);
    return 0;
}

/* The connection ended (refused, failed or closed). */
static void ended(struct load *L, struct lc *c)
{
    if (c->ended)
        return;
    c->ended = 1;
    c->wsi = NULL;
    wo_outq_cleanup(&c->out);
    wo_outq_init(&c->out, LWS_PRE);
    wo_inbuf_reset(&c->rx);
    if (c->st == C_LIVE && c->idx >= 0)
        L->live--;
    else if (c->idx >= 0 && c->st != C_OFF) {
        /* an attempt that never got there */
        L->inflight--;
        c->failed++;
        c->retry_at_ms = (int)(now_us() / 1000) + 1000;
    }
    c->st = C_OFF;
}

/*
 * TLS resumption on the client. lws 4.1.6 cannot pass OpenSSL's info
 * callback to a client connection (it looks the connection up through
 * the SSL_CTX's ex_data, which for a client context holds something
 * else, and crashes), so the load client sets its own on the client
 * SSL_CTX and finds the connection by its socket. The callback has no
 * argument: the one load is reached through this file-scope pointer.
 */
static struct load *g_load;

static struct lc *lc_of_ssl(const SSL *ssl)
{
    struct load *L = g_load;
    int fd = SSL_get_fd(ssl);
    if (fd < 0)
        return NULL;
    for (int i = -1; i < L->n; i++) {
        struct lc *c = i < 0 ? &L->disp : &L->c[i];
        if (c->st == C_CONNECTING && c->wsi &&
            lws_get_socket_fd(c->wsi) == fd)
            return c;
    }
    return NULL;
}

/* The handshake starts: offer the ticket this client kept; at its end,
 * note whether it resumed. */
static void info_cb(const SSL *cssl, int where, int ret)
{
    SSL *ssl = (SSL *)cssl;
    struct lc *c = SSL_get_app_data(ssl);
    if ((where & SSL_CB_HANDSHAKE_START) && !c &&
        (c = lc_of_ssl(ssl))) {
        SSL_set_app_data(ssl, c);
        if (c->sess && !c->L->no_resume)
            SSL_set_session(ssl, c->sess);
    }
    if (c && (where & SSL_CB_HANDSHAKE_DONE))
        c->resumed = SSL_session_reused(ssl);
}

/* OpenSSL has a new session ticket for the connection ssl belongs to. */
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct lc *c = SSL_get_app_data(ssl);
    if (!c || c->L->no_resume || !SSL_SESSION_is_resumable(sess))
        return 0;
    /* a copy: OpenSSL marks the session its connection holds as not
     * resumable when that connection ends without a TLS close, which is
     * how every connection ends when the server is killed */
    SSL_SESSION_free(c->sess);
    c->sess = SSL_SESSION_dup(sess);
    return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t len)
{
    struct lc *c = lws_get_opaque_user_data(wsi);
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
        /* tickets come to new_session(), not to OpenSSL's cache */
        SSL_CTX_set_session_cache_mode(user, SSL_SESS_CACHE_CLIENT |
                                                 SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(user, new_session);
        SSL_CTX_set_info_callback(user, info_cb);
        return 0;
    }
    if (!c)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    struct load *L = c->L;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        ended(L, c);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->st = C_OPEN;
        if (L->ref && c->idx >= 0) {
            /* the reference has no handshake of its own: a first echo
             * shows the connection works end to end */
            static const uint8_t hello[8] = {0};
            if (wo_outq_push_raw(&c->out, hello, sizeof hello))
                return -1;
        }
        if (c->out.head)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(L, c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (L->stop)
            return -1;
        return on_writeable(c, wsi);
    case LWS_CALLBACK_CLIENT_CLOSED:
        ended(L, c);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {WO_SUBPROTOCOL, cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- phases ------------------------------------------------------------- */

static int stdin_line(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    char buf[256];
    if (poll(&p, 1, 0) <= 0)
        return 0;
    return read(0, buf, sizeof buf) > 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

/* Start what may start: new joins up to the cap, retries that are due
 * (looked for every 100 ms: a walk of every connection each tick was
 * the load client's own bottleneck). */
static void admit(struct load *L, int cap)
{
    int now_ms = (int)(now_us() / 1000);
    if (now_ms - L->retry_scan_ms >= 100) {
        L->retry_scan_ms = now_ms;
        for (int i = 0; i < L->n && (cap <= 0 || L->inflight < cap); i++) {
            struct lc *c = &L->c[i];
            if (c->st == C_OFF && c->attempts && c->retry_at_ms <= now_ms)
                start(L, c);
        }
    }
    while (L->next < L->n && (cap <= 0 || L->inflight < cap))
        start(L, &L->c[L->next++]);
}

static void reassign_step(struct load *L)
{
    if (L->round == L->r) {
        double *v = L->lat;
        qsort(v, (size_t)L->r, sizeof *v, cmp_double);
        say("push_rounds=%d\npush_p50_ms=%.3f\npush_p99_ms=%.3f\n"
            "push_max_ms=%.3f\nreassign_s=%.3f\nstorm-ready\n", L->r,
            v[L->r / 2], v[(L->r * 99) / 100 < L->r ? (L->r * 99) / 100
                                                    : L->r - 1],
            v[L->r - 1], (double)(now_us() - L->t0) / 1e6);
        L->ph = P_STORM_WAIT;
        return;
    }
    int a = L->round % L->n;
    int b = (a + 1 + L->round * 7919 % (L->n - 1)) % L->n;
    if (L->ref && L->step == 0) {
        static const uint8_t msg[64] = {0};
        L->step = 3;
        L->t_send = now_us();
        struct lc *c = &L->c[a];
        if (wo_outq_push_raw(&c->out, msg, sizeof msg))
            die("out of memory");
        lws_callback_on_writable(c->wsi);
        return;
    }
    if (L->ref)
        return;
    char title[32];
    if (L->step == 0) {
        snprintf(title, sizeof title, "load %d", L->round);
        struct wo_cmd m = {.req = ++L->req, .name = "create",
                           .title = title, .priority = "P3",
                           .assignee = L->c[a].name};
        L->order = 0;
        L->step = 1;
        send_frame(&L->disp, WO_F_CMD, &m);
    } else if (L->step == 2) {
        struct wo_cmd m = {.req = ++L->req, .name = "assign", .wo = L->order,
                           .assignee = L->c[b].name};
        L->step = 3;
        L->t_send = now_us();
        send_frame(&L->disp, WO_F_CMD, &m);
    }
}

static void tick(lws_sorted_usec_list_t *sul)
{
    struct load *L = lws_container_of(sul, struct load, tick);
    switch (L->ph) {
    case P_JOIN:
        admit(L, JOIN_INFLIGHT);
        if (!L->ref && L->disp.st == C_OFF && !L->disp.attempts)
            start(L, &L->disp);
        if (L->live == L->n && (L->ref || L->disp.st == C_LIVE)) {
            say("join_n=%d\njoin_s=%.3f\nidle-ready\n", L->n,
                (double)(now_us() - L->t0) / 1e6);
            L->ph = P_IDLE;
        }
        break;
    case P_IDLE:
        if (stdin_line()) {
            L->ph = P_REASSIGN;
            L->t0 = now_us();
        }
        break;
    case P_REASSIGN:
        reassign_step(L);
        break;
    case P_STORM_WAIT:
        /* the driver kills the server: wait until every end is seen */
        if (L->live == 0 && (L->ref || L->disp.st == C_OFF)) {
            say("storm-down\n");
            L->ph = P_STORM_DOWN;
        }
        break;
    case P_STORM_DOWN:
        if (stdin_line()) {
            int held = 0;
            for (int i = 0; i < L->n; i++)
                held += L->c[i].sess != NULL;
            say("storm_tickets_held=%d\n", held);
            L->ph = P_STORM;
            L->t0 = now_us();
            L->inflight = 0;
            L->next = 0;
            for (int i = 0; i < L->n; i++)
                L->c[i].attempts = L->c[i].failed = L->c[i].resumed = 0;
        }
        break;
    case P_STORM: {
        /* every client wants back at once, but this one process keeps
         * STORM_INFLIGHT connects going: lws keeps each connect's timeout
         * in one sorted list per process, and 10,000 at once made the
         * load client, not the server, the bottleneck (real laptops
         * each have their own) */
        admit(L, STORM_INFLIGHT);
        /* a storm that has not settled in STORM_MAX_S is reported as it
         * stands rather than waited for */
        int late = now_us() - L->t0 > (int64_t)STORM_MAX_S * 1000000;
        if (late)
            say("storm_unfinished_live=%d\n", L->live);
        if (L->live == L->n || late) {
            long att = 0, fail = 0, retried = 0, resumed = 0;
            for (int i = 0; i < L->n; i++) {
                resumed += L->c[i].resumed;
                att += L->c[i].attempts;
                fail += L->c[i].failed;
                retried += L->c[i].attempts > 1;
            }
            say("storm_s=%.3f\nstorm_attempts=%ld\nstorm_failed_attempts=%ld"
                "\nstorm_clients_retried=%ld\nstorm_resumed=%ld\ndone\n",
                (double)(now_us() - L->t0) / 1e6, att, fail, retried,
                resumed);
            L->ph = P_DONE;
        }
        break;
    }
    case P_DONE:
        L->stop = 1;
        lws_context_destroy(L->ctx);
        return;
    }
    /* 1 ms while reassigning (the next round starts at once), else 5 */
    lws_sul_schedule(L->ctx, 0, &L->tick, tick,
                     L->ph == P_REASSIGN ? 1000 : 5000);
}

static void read_codes(struct load *L, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int k = 0;
    if (!f)
        die("cannot read the codes file");
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        if (!comma || !strncmp(line, "name,", 5))
            continue;
        *comma = 0;
        comma[strcspn(comma + 1, "\r\n") + 1] = 0;
        struct lc *c = !strncmp(line, "disp", 4) ? &L->disp
                     : k < L->n ? &L->c[k++] : NULL;
        if (!c)
            continue;
        snprintf(c->name, sizeof c->name, "%.64s", line);
        snprintf(c->code, sizeof c->code, "%s", comma + 1);
    }
    fclose(f);
    if (k < L->n || !L->disp.name[0])
        die("the codes file has fewer technicians than N, or no disp*");
}

int main(int argc, char **argv)
{
    static struct load L;
    struct lws_context_creation_info info;
    struct rlimit rl;
    if (argc != 7 || (strcmp(argv[1], "wo") && strcmp(argv[1], "ref")))
        die("usage: wo_load wo|ref wss://HOST:PORT CA CODES|- N R");
    L.ref = !strcmp(argv[1], "ref");
    L.n = atoi(argv[5]);
    L.r = atoi(argv[6]);
    if (L.n < 2 || L.n > MAX_CONNS || L.r < 1)
        die("N must be 2..50000 and R at least 1");
    if (sscanf(argv[2], "wss://%255[^:]:%d", L.host, &L.port) != 2)
        die("URL must be wss://HOST:PORT");
    snprintf(L.path, sizeof L.path, "/");
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((long)rl.rlim_cur < L.n + 64)
        die("the descriptor limit is below N + 64: raise ulimit -Hn");
    L.c = calloc((size_t)L.n, sizeof *L.c);
    L.lat = calloc((size_t)L.r, sizeof *L.lat);
    if (!L.c || !L.lat)
        die("out of memory");
    for (int i = 0; i < L.n; i++) {
        L.c[i].L = &L;
        L.c[i].idx = i;
        wo_outq_init(&L.c[i].out, LWS_PRE);
        if (wo_key_generate(L.c[i].priv, L.c[i].pub))
            die("cannot make a key");
    }
    L.disp.L = &L;
    L.disp.idx = -1;
    wo_outq_init(&L.disp.out, LWS_PRE);
    if (wo_key_generate(L.disp.priv, L.disp.pub))
        die("cannot make a key");
    if (!L.ref)
        read_codes(&L, argv[4]);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_LIBEV;
    info.client_ssl_ca_filepath = argv[3];
    L.no_resume = getenv("WO_LOAD_NO_RESUME") != NULL;
    info.connect_timeout_secs = 60;
    info.timeout_secs = 60;
    g_load = &L;
    if (!(L.ctx = lws_create_context(&info)))
        die("cannot make the lws context");
    L.t0 = now_us();
    lws_sul_schedule(L.ctx, 0, &L.tick, tick, 1000);
    while (!L.stop)
        if (lws_service(L.ctx, 0) < 0)
            break;
    return 0;
}
