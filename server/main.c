/*
 * main.c - wo-server's command line: init, user, device, run.
 * Each subcommand is a small function picked from a table; each bad
 * argument gets a message saying what is wrong and how to fix it, and a
 * non-zero exit (2 for usage, 1 for failures).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "desk.h"
#include "dispatch.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "tlsgen.h"
#include "wo_clock.h"
#include "ws.h"

static const char usage[] =
    "usage: wo-server COMMAND [options]\n"
    "\n"
    "  init --data DIR                      create the store and dev TLS files\n"
    "  user add NAME --role ROLE --data DIR [--quiet]\n"
    "                                       add a user (technician, dispatcher,\n"
    "                                       admin); prints a one-time enrolment\n"
    "                                       code\n"
    "  user code NAME --data DIR [--quiet]  a new enrolment code for NAME\n"
    "  device list --data DIR [--json]      enrolled devices\n"
    "  device revoke ID --data DIR          refuse device ID from now on\n"
    "  run --data DIR --listen HOST:PORT [--event-lib ev|poll]\n"
    "      [--commit-window-us N] [--max-conns-per-user N]\n"
    "      [--cert FILE --key FILE] [--test-clock FILE]\n";

struct opts {
    const char *data, *role, *listen, *event_lib, *cert, *key, *test_clock;
    int quiet, json;
    long commit_window_us, max_conns;
    int npos;
    char *pos[4];
};

static int die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "wo-server: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"data", required_argument, 0, 'd'},
        {"role", required_argument, 0, 'r'},
        {"listen", required_argument, 0, 'l'},
        {"event-lib", required_argument, 0, 'e'},
        {"commit-window-us", required_argument, 0, 'w'},
        {"max-conns-per-user", required_argument, 0, 'm'},
        {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},
        {"test-clock", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    char *end;
    memset(o, 0, sizeof *o);
    o->commit_window_us = 2000;
    o->max_conns = 16;
    o->event_lib = "ev";
    opterr = 0;
    /* GNU getopt permutes: options may come before or after NAME/ID */
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case 'r': o->role = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'e': o->event_lib = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        case 't': o->test_clock = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'j': o->json = 1; break;
        case 'w':
        case 'm': {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 0 || v > 10000000)
                return die_usage("'%s' is not a valid number", optarg);
            *(c == 'w' ? &o->commit_window_us : &o->max_conns) = v;
            break;
        }
        case 'h': fputs(usage, stdout); exit(0);
        case ':': return die_usage("option %s needs a value", argv[optind - 1]);
        default: return die_usage("unknown option %s", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (o->npos == 4)
            return die_usage("unexpected argument %s", argv[optind]);
        o->pos[o->npos++] = argv[optind];
    }
    return 0;
}

static int need_data(const struct opts *o)
{
    if (!o->data) {
        fprintf(stderr, "wo-server: --data DIR is required (the directory "
                        "made by 'wo-server init')\n");
        return 2;
    }
    return 0;
}

static int open_store(const struct opts *o, struct store **st)
{
    char path[4096], err[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/server.db", o->data);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "wo-server: no store at %s: run 'wo-server init "
                        "--data %s' first\n", path, o->data);
        return 1;
    }
    if (store_open(path, st, err, sizeof err)) {
        fprintf(stderr, "wo-server: %s\n", err);
        return 1;
    }
    return 0;
}

static int64_t now_ms(void) { return wo_clock_now_ms(); }

static int valid_name(const char *n)
{
    size_t l = strlen(n);
    if (l == 0 || l > WO_MAX_ID)
        return 0;
    for (; *n; n++)
        if (!(('a' <= *n && *n <= 'z') || ('A' <= *n && *n <= 'Z') ||
              ('0' <= *n && *n <= '9') || *n == '.' || *n == '_' ||
              *n == '-'))
            return 0;
    return 1;
}

static int cmd_init(struct opts *o)
{
    char path[4096], err[512];
    struct store *st;
    struct stat sb;
    int rc;
    if ((rc = need_data(o)))
        return rc;
    if (mkdir(o->data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "wo-server: cannot create %s: %s\n", o->data,
                strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/tls", o->data);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "wo-server: cannot create %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/tls/server.pem", o->data);
    if (stat(path, &sb) != 0) {
        snprintf(path, sizeof path, "%s/tls", o->data);
        if (tlsgen_dev(path, err, sizeof err)) {
            fprintf(stderr, "wo-server: %s\n", err);
            return 1;
        }
    }
    snprintf(path, sizeof path, "%s/server.db", o->data);
    if (store_open(path, &st, err, sizeof err)) {
        fprintf(stderr, "wo-server: %s\n", err);
        return 1;
    }
    store_close(st);
    printf("initialised %s\n  store:  %s/server.db\n  CA:     %s/tls/ca.pem "
           "(give this file to clients: wo enroll --ca)\n",
           o->data, o->data, o->data);
    return 0;
}

static int cmd_user(struct opts *o)
{
    struct store *st;
    char code[STORE_CODE_LEN];
    int rc;
    if (o->npos < 2)
        return die_usage("%s", "user needs: add NAME --role ROLE, or "
                               "code NAME");
    const char *name = o->pos[1];
    if ((rc = need_data(o)))
        return rc;
    if (!valid_name(name)) {
        fprintf(stderr, "wo-server: user name '%s' must be 1-64 letters, "
                        "digits, '.', '_' or '-'\n", name);
        return 2;
    }
    if (!strcmp(o->pos[0], "add")) {
        if (!o->role || (strcmp(o->role, "technician") &&
                         strcmp(o->role, "dispatcher") &&
                         strcmp(o->role, "admin"))) {
            fprintf(stderr, "wo-server: --role must be technician, "
                            "dispatcher or admin\n");
            return 2;
        }
    } else if (strcmp(o->pos[0], "code")) {
        return die_usage("unknown user command '%s'", o->pos[0]);
    }
    if ((rc = open_store(o, &st)))
        return rc;
    if (!strcmp(o->pos[0], "add"))
        rc = store_user_add(st, name, o->role, now_ms(), code);
    else
        rc = store_user_code(st, name, now_ms(), code);
    store_close(st);
    if (rc == WO_EEXIST) {
        fprintf(stderr, "wo-server: user '%s' already exists; for a new "
                        "enrolment code use 'wo-server user code %s'\n",
                name, name);
        return 1;
    }
    if (rc == WO_ENOTFOUND) {
        fprintf(stderr, "wo-server: no user '%s'\n", name);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "wo-server: %s\n", wo_strerror(rc));
        return 1;
    }
    if (o->quiet)
        printf("%s\n", code);
    else
        printf("enrolment code for %s: %s\n(one use; on the laptop run: wo "
               "enroll --server wss://HOST:PORT --ca %s/tls/ca.pem --code "
               "%s)\n", name, code, o->data, code);
    return 0;
}

struct device_print {
    int json;
    int count;
};

/* User names are [A-Za-z0-9._-] and roles a fixed list (valid_name, the
 * CHECK in schema/), so they need no JSON escaping. */
static void print_device(void *arg, int64_t id, const char *user,
                         const char *role, const char *name, int64_t enrolled,
                         int64_t revoked)
{
    struct device_print *p = arg;
    if (p->json)
        printf("%s{\"id\":%lld,\"user\":\"%s\",\"role\":\"%s\","
               "\"enrolled_at\":%lld,\"revoked\":%s}",
               p->count ? "," : "", (long long)id, user, role,
               (long long)enrolled, revoked ? "true" : "false");
    else
        printf("%-6lld %-20s %-11s %s\n", (long long)id, user, role,
               revoked ? "revoked" : "active");
    p->count++;
    (void)name;
}

static int cmd_device(struct opts *o)
{
    struct store *st;
    int rc;
    if (o->npos < 1)
        return die_usage("%s", "device needs: list, or revoke ID");
    if ((rc = need_data(o)) || (rc = open_store(o, &st)))
        return rc;
    if (!strcmp(o->pos[0], "list")) {
        struct device_print p = {.json = o->json};
        if (o->json)
            printf("[");
        rc = store_device_list(st, print_device, &p);
        if (o->json)
            printf("]\n");
    } else if (!strcmp(o->pos[0], "revoke") && o->npos == 2) {
        char *end;
        long long id = strtoll(o->pos[1], &end, 10);
        if (*end || id <= 0) {
            store_close(st);
            return die_usage("device id '%s' must be a positive number",
                             o->pos[1]);
        }
        rc = store_device_revoke(st, id, now_ms());
        if (rc == WO_ENOTFOUND)
            fprintf(stderr, "wo-server: no device %lld ('wo-server device "
                            "list' shows them)\n", id);
        else if (!rc)
            printf("device %lld revoked (a running server refuses it at its "
                   "next connection; 'wo device revoke' also disconnects it "
                   "now)\n", id);
    } else {
        store_close(st);
        return die_usage("unknown device command '%s'", o->pos[0]);
    }
    store_close(st);
    return rc ? 1 : 0;
}

/* ---- run: the loop's owner ------------------------------------------------ */

/*
 * The one file-scope variable of the server: a signal handler gets no
 * context, so SIGINT/SIGTERM set this flag and a timer acts on it.
 */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = 1; }

/* What the running server's loop drives: the server context, the
 * listener, and the application's timers. */
struct run {
    struct srv srv;
    struct ws *ws;
    struct ws_timer *flush, *tick, *stop;
    int64_t commit_window_us;
    int64_t tick_logged;        /* test clock: last tick time logged */
};

static struct session *app_open(void *arg, const struct transport *tp,
                                void *conn, size_t headroom)
{
    struct run *r = arg;
    struct session *s = session_create(r->srv.sessions, tp, conn, headroom);
    if (s && dispatch_connected(&r->srv, s)) {
        session_destroy(s);
        s = NULL;
    }
    return s;
}

static void app_message(void *arg, struct session *s, const uint8_t *data,
                        size_t len, int binary)
{
    dispatch_frame(&((struct run *)arg)->srv, s, data, len, binary);
}

static void app_closed(void *arg, struct session *s) { session_destroy(s); }

/* The group commit's queue woke up: flush after the window. */
static void flush_wake(void *arg)
{
    struct run *r = arg;
    if (!ws_timer_armed(r->flush))
        ws_timer_arm(r->flush, r->commit_window_us);
}

static void flush_fire(void *arg) { commit_flush(&((struct run *)arg)->srv); }

/* SLA alerts and the 24 h closure (desk.c), twice a second. */
static void tick_fire(void *arg)
{
    struct run *r = arg;
    int64_t at = wo_clock_now_ms();
    desk_tick(&r->srv);
    /* Under a test clock, say once per clock time that a whole tick ran
     * at it: a test that moved the clock waits for this line instead of
     * sleeping and hoping a tick came (tests/integration/harness.py).
     * `at` is read before the tick, so the line never claims a time the
     * tick did not see. */
    if (wo_clock_is_test() && at != r->tick_logged) {
        fprintf(stderr, "wo-server: test clock: desk tick at %lld pid %ld\n",
                (long long)at, (long)getpid());
        r->tick_logged = at;
    }
    ws_timer_arm(r->tick, 500 * 1000);
}

/* Flush what is queued so no received op waits for a restart, then end
 * the loop. */
static void stop_fire(void *arg)
{
    struct run *r = arg;
    if (!g_stop) {
        ws_timer_arm(r->stop, 100 * 1000);
        return;
    }
    commit_flush(&r->srv);
    ws_stop(r->ws);
}

static int serve(struct run *r, const struct ws_config *cfg)
{
    const struct ws_app app = {.arg = r, .open = app_open,
                               .message = app_message, .closed = app_closed};
    if (!(r->ws = ws_create(cfg, &app)))
        return 1;
    r->flush = ws_timer_create(r->ws, flush_fire, r);
    r->tick = ws_timer_create(r->ws, tick_fire, r);
    r->stop = ws_timer_create(r->ws, stop_fire, r);
    if (r->flush && r->tick && r->stop) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        ws_timer_arm(r->stop, 100 * 1000);
        ws_timer_arm(r->tick, 0);
        ws_run(r->ws);
        commit_flush(&r->srv);
    }
    ws_timer_destroy(r->flush);
    ws_timer_destroy(r->tick);
    ws_timer_destroy(r->stop);
    ws_destroy(r->ws);
    return r->flush && r->tick && r->stop ? 0 : 1;
}

static int cmd_run(struct opts *o)
{
    struct run r = {.srv = {.alerts_pushed = -1}};
    struct ws_config cfg = {0};
    char host[256], cert[4096], key[4096];
    int rc;
    if ((rc = need_data(o)))
        return rc;
    if (!o->listen)
        return die_usage("%s", "run needs --listen HOST:PORT, e.g. "
                               "--listen 127.0.0.1:8443");
    const char *colon = strrchr(o->listen, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || *end || port < 1 || port > 65535 ||
        (size_t)(colon - o->listen) >= sizeof host || colon == o->listen)
        return die_usage("--listen '%s' must be HOST:PORT with a port from "
                         "1 to 65535", o->listen);
    memcpy(host, o->listen, (size_t)(colon - o->listen));
    host[colon - o->listen] = 0;
    if (strcmp(o->event_lib, "ev") && strcmp(o->event_lib, "poll"))
        return die_usage("--event-lib '%s' must be ev or poll", o->event_lib);
    if (o->test_clock)
        wo_clock_use_offset_file(o->test_clock);
    snprintf(cert, sizeof cert, "%s/tls/server.pem", o->data);
    snprintf(key, sizeof key, "%s/tls/server.key", o->data);
    cfg.host = host;
    cfg.port = (int)port;
    cfg.cert = o->cert ? o->cert : cert;
    cfg.key = o->key ? o->key : key;
    cfg.event_lib = o->event_lib;
    if ((rc = open_store(o, &r.srv.store)))
        return rc;
    r.commit_window_us = o->commit_window_us;
    r.srv.max_conns_per_user = (int)o->max_conns;
    r.srv.commit = commit_create(flush_wake, &r);
    r.srv.sessions = sessreg_create();
    rc = r.srv.commit && r.srv.sessions ? serve(&r, &cfg) : 1;
    commit_destroy(r.srv.commit);
    sessreg_destroy(r.srv.sessions);
    store_close(r.srv.store);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    optind = 1;
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc)
        return rc;
    if (!strcmp(cmd, "init"))
        return cmd_init(&o);
    if (!strcmp(cmd, "user"))
        return cmd_user(&o);
    if (!strcmp(cmd, "device"))
        return cmd_device(&o);
    if (!strcmp(cmd, "run"))
        return cmd_run(&o);
    return die_usage("unknown command '%s'", cmd);
}
