/*
 * main.c - wo-server's command line: init, user, device, check, run.
 * Each subcommand is a small function picked from a table; each bad
 * argument gets a message saying what is wrong and how to fix it, and a
 * non-zero exit (2 for usage, 1 for failures).
 *
 * Files: only init creates a store; every other command opens one that
 * must exist and be a store (a damaged or emptied file is named, never
 * replaced). The CA's private key lives outside the data directory.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "catchup.h"
#include "codepool.h"
#include "commit.h"
#include "desk.h"
#include "dispatch.h"
#include "feed.h"
#include "handle_auth.h"
#include "gate.h"
#include "server.h"
#include "session.h"
#include "sessreg.h"
#include "store.h"
#include "mailer.h"
#include "smtp.h"
#include "throttle.h"
#include "tlsgen.h"
#include "userfile.h"
#include "wo_clock.h"
#include "ws.h"

static const char usage[] =
    "usage: wo-server COMMAND [options]\n"
    "\n"
    "  init --data DIR [--ca-dir DIR]       create the store and dev TLS files;\n"
    "                                       the CA's key goes to --ca-dir\n"
    "                                       (default: DATA-ca, beside DATA),\n"
    "                                       never into DATA\n"
    "      [--smtp HOST:PORT --smtp-from ADDR [--smtp-starttls]\n"
    "       [--smtp-ca FILE] [--smtp-user USER --smtp-password-file FILE]]\n"
    "                                        the relay that mails requesters\n"
    "                                       (again on an existing DATA: changes\n"
    "                                       it; read when run starts)\n"
    "  user add NAME --role ROLE --data DIR [--code-ttl 7d] [--quiet]\n"
    "                                       add a user (technician, dispatcher,\n"
    "                                       admin); prints a one-time enrolment\n"
    "                                       code, valid for --code-ttl (7d;\n"
    "                                       30m, 12h, 0 = no expiry)\n"
    "  user code NAME --data DIR [--code-ttl 7d] [--quiet]\n"
    "                                       a new enrolment code for NAME\n"
    "  user tz NAME --tz ZONE --data DIR    NAME's time zone (--tz \"\": the\n"
    "                                       server's); user add takes --tz too\n"
    "  tz ZONE --data DIR                   the server's default time zone\n"
    "                                       (init takes --tz ZONE too), e.g.\n"
    "                                       Asia/Jakarta; times on the wire\n"
    "                                       stay UTC\n"
    "  user import FILE --data DIR [--codes OUT] [--code-ttl 7d]\n"
    "                                       add every user of a CSV file\n"
    "                                       (name,role,tier a line) in one\n"
    "                                       transaction; their codes go to\n"
    "                                       OUT (default FILE.codes, new,\n"
    "                                       mode 0600); a bad line adds none\n"
    "  device list --data DIR [--json]      enrolled devices\n"
    "  device revoke ID --data DIR          refuse device ID from now on\n"
    "  check --data DIR                     check the whole store for damage\n"
    "                                       (exit 1 with what is wrong)\n"
    "  run --data DIR --listen HOST:PORT [--event-lib ev|poll]\n"
    "      [--catchup-thread on|off] [--commit-window-us N]\n"
    "      [--max-conns-per-user N]\n"
    "      [--max-conns-per-addr N] [--max-unauth N] [--auth-timeout-s N]\n"
    "      [--idle-timeout-s N] [--frame-rate N] [--frame-burst N]\n"
    "      [--cert FILE --key FILE] [--test-clock FILE]\n"
    "      [--origin https://HOST:PORT[,...]]\n"
    "                                       the web console is at\n"
    "                                       https://HOST:PORT/; --origin lists\n"
    "                                       the origins whose pages may open\n"
    "                                       a WebSocket (default: the listen\n"
    "                                       address, and localhost beside\n"
    "                                       127.0.0.1; on 0.0.0.0 the\n"
    "                                       machine's name and localhost)\n"
    "                                       limits (0 turns one off): per\n"
    "                                       user 16, per address 256,\n"
    "                                       unauthenticated 1024, 20 s to\n"
    "                                       authenticate, 600 s idle, 100\n"
    "                                       frames/s with bursts of 1000;\n"
    "                                       --catchup-thread off makes large\n"
    "                                       catch-ups on the event loop's\n"
    "                                       thread instead of a second one\n";

struct opts {
    const char *data, *role, *listen, *event_lib, *catchup, *cert, *key,
        *test_clock, *ca_dir, *tz, *smtp, *smtp_from, *smtp_ca, *codes,
        *origins, *smtp_user, *smtp_pwfile;
    int smtp_starttls;
    int quiet, json;
    int64_t code_ttl_ms;
    long commit_window_us, max_conns;
    long per_addr, unauth, auth_s, idle_s, rate, burst;
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

/* "30m", "12h", "7d", "90s" or plain ms, to ms; -1 if malformed. */
static int64_t parse_duration(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int64_t unit = !*end ? 1 : !strcmp(end, "s") ? 1000
                 : !strcmp(end, "m") ? 60000 : !strcmp(end, "h") ? 3600000
                 : !strcmp(end, "d") ? 86400000 : -1;
    if (errno || end == s || v < 0 || unit < 0 || v > 3650LL * 86400000)
        return -1;
    return v * unit;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"data", required_argument, 0, 'd'},
        {"role", required_argument, 0, 'r'},
        {"listen", required_argument, 0, 'l'},
        {"event-lib", required_argument, 0, 'e'},
        {"catchup-thread", required_argument, 0, 'H'},
        {"commit-window-us", required_argument, 0, 'w'},
        {"max-conns-per-user", required_argument, 0, 'm'},
        {"max-conns-per-addr", required_argument, 0, 'A'},
        {"max-unauth", required_argument, 0, 'U'},
        {"auth-timeout-s", required_argument, 0, 'T'},
        {"idle-timeout-s", required_argument, 0, 'I'},
        {"frame-rate", required_argument, 0, 'R'},
        {"frame-burst", required_argument, 0, 'B'},
        {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},
        {"test-clock", required_argument, 0, 't'},
        {"code-ttl", required_argument, 0, 'L'},
        {"ca-dir", required_argument, 0, 'a'},
        {"origin", required_argument, 0, 'O'},
        {"tz", required_argument, 0, 'z'},
        {"smtp", required_argument, 0, 'S'},
        {"smtp-from", required_argument, 0, 'F'},
        {"smtp-ca", required_argument, 0, 'C'},
        {"smtp-starttls", no_argument, 0, 'X'},
        {"smtp-user", required_argument, 0, 'V'},
        {"smtp-password-file", required_argument, 0, 'W'},
        /* named only to be refused (and not taken as an abbreviation of
         * --smtp-password-file) */
        {"smtp-password", required_argument, 0, 'Y'},
        {"codes", required_argument, 0, 'K'},
        {"quiet", no_argument, 0, 'q'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    char *end;
    memset(o, 0, sizeof *o);
    o->code_ttl_ms = STORE_CODE_TTL_MS;
    o->commit_window_us = 2000;
    o->max_conns = 16;
    o->per_addr = GATE_PER_ADDR;
    o->unauth = GATE_UNAUTH;
    o->auth_s = GATE_AUTH_MS / 1000;
    o->idle_s = GATE_IDLE_MS / 1000;
    o->rate = GATE_RATE;
    o->burst = GATE_BURST;
    o->event_lib = "ev";
    o->catchup = "on";
    opterr = 0;
    /* GNU getopt permutes: options may come before or after NAME/ID */
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case 'r': o->role = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'e': o->event_lib = optarg; break;
        case 'H': o->catchup = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        case 't': o->test_clock = optarg; break;
        case 'L':
            if ((o->code_ttl_ms = parse_duration(optarg)) < 0)
                return die_usage("--code-ttl '%s' must be a duration such as "
                                 "30m, 12h or 7d (0: no expiry)", optarg);
            break;
        case 'a': o->ca_dir = optarg; break;
        case 'O': o->origins = optarg; break;
        case 'z': o->tz = optarg; break;
        case 'S': o->smtp = optarg; break;
        case 'F': o->smtp_from = optarg; break;
        case 'C': o->smtp_ca = optarg; break;
        case 'X': o->smtp_starttls = 1; break;
        case 'V': o->smtp_user = optarg; break;
        case 'W': o->smtp_pwfile = optarg; break;
        case 'Y':
            return die_usage("%s: a password on the command line can be "
                             "read by anyone on this machine; put it in a "
                             "file only you can read (chmod 600) and give "
                             "--smtp-password-file FILE",
                             "--smtp-password is not accepted");
        case 'K': o->codes = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'j': o->json = 1; break;
        case 'w':
        case 'm':
        case 'A':
        case 'U':
        case 'T':
        case 'I':
        case 'R':
        case 'B': {
            /* where each of the letters "wmAUTIRB" puts its number */
            long *to[] = {&o->commit_window_us, &o->max_conns, &o->per_addr,
                          &o->unauth, &o->auth_s, &o->idle_s, &o->rate,
                          &o->burst};
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 0 || v > 10000000)
                return die_usage("'%s' is not a valid number", optarg);
            *to[strchr("wmAUTIRB", c) - "wmAUTIRB"] = v;
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

/* What to do about a store that is there but cannot be used. */
static void say_damaged(const struct opts *o)
{
    fprintf(stderr,
            "wo-server: nothing was started and nothing was written. If the "
            "store is damaged, stop every wo-server on it and restore "
            "%s/server.db from a backup; 'wo-server check --data %s' lists "
            "what is wrong. Only to start over as a new, empty server: move "
            "the file away and run 'wo-server init --data %s'.\n",
            o->data, o->data, o->data);
}

static int open_store(const struct opts *o, struct store **st)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/server.db", o->data);
    int rc = store_open(path, st, err, sizeof err);
    if (rc == WO_ENOTFOUND) {
        fprintf(stderr, "wo-server: no store at %s: run 'wo-server init "
                        "--data %s' first\n", path, o->data);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "wo-server: %s\n", err);
        if (rc == WO_EEXIST || rc == WO_EIO)
            say_damaged(o);
        return 1;
    }
    return 0;
}

static int64_t now_ms(void) { return wo_clock_now_ms(); }

/* The directory for the CA's key: --ca-dir, or DATA-ca beside DATA.
 * 0, or 1 after saying why there is none. */
static int ca_dir_of(const struct opts *o, char *out, size_t cap)
{
    if (o->ca_dir) {
        snprintf(out, cap, "%s", o->ca_dir);
        return 0;
    }
    char *abs = realpath(o->data, NULL);
    int ok = abs && strcmp(abs, "/") &&
             (size_t)snprintf(out, cap, "%s-ca", abs) < cap;
    free(abs);
    if (!ok) {
        fprintf(stderr, "wo-server: cannot name a CA directory beside %s: "
                        "give one with --ca-dir DIR\n", o->data);
        return 1;
    }
    return 0;
}

/* Make dir (0700) unless it exists; refuse one others can write. */
static int private_dir(const char *dir)
{
    struct stat sb;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "wo-server: cannot create %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "wo-server: %s is not a directory\n", dir);
        return 1;
    }
    if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
        fprintf(stderr, "wo-server: %s is writable by other users (mode "
                        "%04o): use a directory only you can write ('chmod "
                        "700 %s', or another one)\n", dir,
                (unsigned)(sb.st_mode & 07777), dir);
        return 1;
    }
    return 0;
}

/* An older init left the CA's key in DATA/tls: move it to ca_dir. */
static int move_old_ca_key(const struct opts *o, const char *ca_dir)
{
    char from[4096], to[4200];
    struct stat sb;
    snprintf(from, sizeof from, "%s/tls/ca.key", o->data);
    if (stat(from, &sb) != 0)
        return 0;
    if (private_dir(ca_dir))
        return 1;
    snprintf(to, sizeof to, "%s/ca.key", ca_dir);
    if (stat(to, &sb) == 0 || rename(from, to) != 0) {
        fprintf(stderr, "wo-server: %s is the CA's private key and does not "
                        "belong in the data directory, but it cannot be "
                        "moved to %s (%s): move it yourself, to a place the "
                        "server does not read\n", from, to,
                stat(to, &sb) == 0 ? "a key is already there"
                                   : strerror(errno));
        return 1;
    }
    chmod(to, 0600);
    printf("moved the CA's key out of the data directory: %s\n", to);
    return 0;
}

/* 1 when zone names a zone of the system's time zone database (tzdata):
 * a relative path under /usr/share/zoneinfo without "..". */
static int valid_zone(const char *zone)
{
    char path[512];
    struct stat sb;
    if (!zone || !*zone || zone[0] == '/' || strstr(zone, "..") ||
        strlen(zone) > WO_MAX_ID)
        return 0;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int bad_zone(const char *zone)
{
    fprintf(stderr, "wo-server: '%s' is not a time zone this machine knows "
                    "(an IANA name such as Asia/Jakarta or UTC; install the "
                    "tzdata package)\n", zone);
    return 2;
}

/* Set the default zone of the store at DATA (init, tz). */
static int set_default_tz(struct opts *o, const char *zone)
{
    struct store *st;
    int rc = open_store(o, &st);
    if (rc)
        return rc;
    rc = store_default_tz(st, zone);
    if (rc)
        fprintf(stderr, "wo-server: cannot set the time zone: %s (%s)\n",
                wo_strerror(rc), store_errmsg(st));
    store_close(st);
    if (!rc && !o->quiet)
        printf("time zone: %s (users without their own zone see times "
               "in it)\n", zone);
    return rc ? 1 : 0;
}

static int cmd_tz(struct opts *o)
{
    int rc;
    if (o->npos < 1)
        return die_usage("%s", "tz needs a zone, e.g. Asia/Jakarta");
    if ((rc = need_data(o)))
        return rc;
    if (!valid_zone(o->pos[0]))
        return bad_zone(o->pos[0]);
    return set_default_tz(o, o->pos[0]);
}

/* init --smtp: the relay that mails requesters (mailer.h). */
static int set_smtp(const struct opts *o, struct store *st)
{
    char ca[4096], pwfile[4096] = "", pw[SMTP_PASSWORD_MAX + 1], err[600];
    int rc = 0;
    if (!o->smtp && !o->smtp_from && !o->smtp_ca && !o->smtp_starttls &&
        !o->smtp_user && !o->smtp_pwfile)
        return 0;
    if (!o->smtp || !o->smtp_from) {
        fprintf(stderr, "wo-server: --smtp HOST:PORT needs --smtp-from "
                        "ADDRESS (and the other way round)\n");
        return 1;
    }
    if (o->smtp_ca && !realpath(o->smtp_ca, ca)) {
        fprintf(stderr, "wo-server: cannot read the relay's CA %s: %s\n",
                o->smtp_ca, strerror(errno));
        return 1;
    }
    /* AUTH: the password stays in its file, which must be private; the
     * store keeps the file's path and the mailer reads it at start */
    if (!o->smtp_user != !o->smtp_pwfile) {
        fprintf(stderr, "wo-server: --smtp-user USER needs "
                        "--smtp-password-file FILE (and the other way "
                        "round); the password is never given on the "
                        "command line\n");
        return 1;
    }
    if (o->smtp_user && !o->smtp_starttls) {
        fprintf(stderr, "wo-server: --smtp-user needs --smtp-starttls: a "
                        "password never goes over a plain connection\n");
        return 1;
    }
    if (o->smtp_user && (!*o->smtp_user ||
                         strlen(o->smtp_user) > SMTP_USER_MAX ||
                         strpbrk(o->smtp_user, "\r\n"))) {
        fprintf(stderr, "wo-server: --smtp-user must be one line of 1 to %d "
                        "bytes\n", SMTP_USER_MAX);
        return 1;
    }
    if (o->smtp_pwfile) {
        if (!realpath(o->smtp_pwfile, pwfile)) {
            fprintf(stderr, "wo-server: cannot read the SMTP password file "
                            "%s: %s\n", o->smtp_pwfile, strerror(errno));
            return 1;
        }
        if (smtp_password_read(pwfile, pw, sizeof pw, err, sizeof err)) {
            fprintf(stderr, "wo-server: %s\n", err);
            return 1;
        }
        OPENSSL_cleanse(pw, sizeof pw);
    }
    /* the mailer checks them again when the server starts */
    if (!strrchr(o->smtp, ':') || !strchr(o->smtp_from, '@')) {
        fprintf(stderr, "wo-server: --smtp takes HOST:PORT and --smtp-from "
                        "an address such as desk@example.com\n");
        return 1;
    }
    /* all the relay's settings or none */
    if (!(rc = store_begin(st)) &&
        !(rc = store_setting_set(st, MAILER_RELAY, o->smtp)) &&
        !(rc = store_setting_set(st, MAILER_FROM, o->smtp_from)) &&
        !(rc = store_setting_set(st, MAILER_STARTTLS,
                                 o->smtp_starttls ? "on" : "off")) &&
        !(rc = store_setting_set(st, MAILER_CA, o->smtp_ca ? ca : "")) &&
        !(rc = store_setting_set(st, MAILER_USER,
                                 o->smtp_user ? o->smtp_user : "")) &&
        !(rc = store_setting_set(st, MAILER_PASSWORD_FILE, pwfile)))
        rc = store_commit(st);
    if (rc) {
        store_rollback(st);
        fprintf(stderr, "wo-server: cannot save the SMTP settings: %s\n",
                wo_strerror(rc));
        return 1;
    }
    printf("  mail:   through %s as %s%s%s%s\n", o->smtp, o->smtp_from,
           o->smtp_starttls ? " with STARTTLS" : "",
           o->smtp_user ? ", logging in as " : "",
           o->smtp_user ? o->smtp_user : "");
    return 0;
}

static int cmd_init(struct opts *o)
{
    char path[4096], tls[4096], ca_dir[4096], err[1024];
    struct store *st;
    struct stat sb;
    int rc, made_ca = 0;
    if ((rc = need_data(o)))
        return rc;
    if (o->tz && !valid_zone(o->tz))    /* as tz and user tz check it */
        return bad_zone(o->tz);
    if (private_dir(o->data) || ca_dir_of(o, ca_dir, sizeof ca_dir))
        return 1;
    /* the store first: it refuses a file that is there and not a store,
     * before anything else is written */
    snprintf(path, sizeof path, "%s/server.db", o->data);
    if ((rc = store_create(path, &st, err, sizeof err))) {
        fprintf(stderr, "wo-server: %s\n", err);
        if (rc == WO_EEXIST || rc == WO_EIO)
            fprintf(stderr, "wo-server: init never writes over a file that "
                            "is not a store. Restore it from a backup, or "
                            "move it away to start a new, empty server.\n");
        return 1;
    }
    rc = set_smtp(o, st);
    store_close(st);
    if (rc || (o->tz && set_default_tz(o, o->tz)))
        return 1;
    snprintf(tls, sizeof tls, "%s/tls", o->data);
    if (private_dir(tls))
        return 1;
    snprintf(path, sizeof path, "%s/tls/server.pem", o->data);
    if (stat(path, &sb) != 0) {
        if (private_dir(ca_dir))
            return 1;
        if (tlsgen_dev(tls, ca_dir, err, sizeof err)) {
            fprintf(stderr, "wo-server: %s\n", err);
            return 1;
        }
        made_ca = 1;
    } else if (move_old_ca_key(o, ca_dir)) {
        return 1;
    }
    printf("initialised %s\n  store:  %s/server.db\n  CA:     %s/tls/ca.pem "
           "(give this file to clients: wo enroll --ca)\n",
           o->data, o->data, o->data);
    if (made_ca)
        printf("  CA key: %s/ca.key (kept out of the data directory: the "
               "server never needs it, and whoever has it can make "
               "certificates your clients trust)\n", ca_dir);
    return 0;
}

/* user import FILE: every user of the file, or none. */
static int cmd_user_import(struct opts *o, const char *file)
{
    struct store *st;
    char codes[4096], err[1024];
    size_t added;
    int rc;
    if ((size_t)snprintf(codes, sizeof codes, "%s", o->codes ? o->codes : file)
            >= sizeof codes - 8)
        return die_usage("path '%s' is too long", file);
    if (!o->codes)
        strcat(codes, ".codes");
    if ((rc = open_store(o, &st)))
        return rc;
    rc = userfile_import(st, file, codes, now_ms(), o->code_ttl_ms, &added,
                         err, sizeof err);
    store_close(st);
    if (rc) {
        fprintf(stderr, "wo-server: %s: %s; nothing was imported\n", file,
                err);
        return rc == WO_EINVAL ? 2 : 1;
    }
    printf("imported %zu users from %s; their one-time enrolment codes are "
           "in %s (mode 0600: give each user theirs, then delete the "
           "file)\n", added, file, codes);
    return 0;
}

static int cmd_user(struct opts *o)
{
    struct store *st;
    char code[STORE_CODE_LEN];
    int rc;
    if (o->npos < 2)
        return die_usage("%s", "user needs: add NAME --role ROLE, "
                               "code NAME, or import FILE");
    const char *name = o->pos[1];
    if ((rc = need_data(o)))
        return rc;
    if (o->tz && *o->tz && !valid_zone(o->tz))
        return bad_zone(o->tz);
    if (!strcmp(o->pos[0], "tz")) {
        if (!o->tz)
            return die_usage("%s", "user tz NAME needs --tz ZONE (\"\": the "
                                   "server's default)");
        if ((rc = open_store(o, &st)))
            return rc;
        rc = store_user_set_tz(st, name, o->tz);
        store_close(st);
        if (rc == WO_ENOTFOUND)
            fprintf(stderr, "wo-server: no user '%s'\n", name);
        else if (rc)
            fprintf(stderr, "wo-server: cannot set the time zone: %s\n",
                    wo_strerror(rc));
        return rc ? 1 : 0;
    }
    if (!strcmp(o->pos[0], "import"))
        return cmd_user_import(o, name);
    if (!userfile_name_ok(name)) {
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
    if (!strcmp(o->pos[0], "add")) {
        rc = store_user_add(st, name, o->role, now_ms(), o->code_ttl_ms,
                            code);
        if (!rc && o->tz)
            rc = store_user_set_tz(st, name, o->tz);
    }
    else
        rc = store_user_code(st, name, now_ms(), o->code_ttl_ms, code);
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
               "enroll --server wss://HOST:PORT --ca %s/tls/ca.pem, and type "
               "the code when it asks)\n", name, code, o->data);
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

/* ---- check: the store's pages -------------------------------------------- */

struct findings {
    FILE *to; /* check: stdout, its answer; run: stderr, the log */
    int n;
};

/* Findings are SQLite's own lines ("Tree 7 page 7: btree page type
 * invalid ..."); all of them, for whoever restores or repairs. */
static void print_finding(void *arg, const char *finding)
{
    struct findings *f = arg;
    fprintf(f->to, "  %s\n", finding);
    f->n++;
}

/* Check the open store; full: every index against its table too. 0, or
 * 1 after printing what is wrong and what to do. */
static int check_store(const struct opts *o, struct store *st, int full)
{
    struct findings f = {full ? stdout : stderr, 0};
    if (!store_check(st, full, print_finding, &f))
        return 0;
    fprintf(stderr, "wo-server: %s/server.db is damaged: the %s check found "
                    "%d problem%s (listed %s).\n", o->data,
            full ? "full" : "quick", f.n, f.n == 1 ? "" : "s",
            full ? "on standard output" : "above");
    say_damaged(o);
    return 1;
}

static int cmd_check(struct opts *o)
{
    struct store *st;
    int rc;
    if ((rc = need_data(o)) || (rc = open_store(o, &st)))
        return rc;
    rc = check_store(o, st, 1);
    store_close(st);
    if (!rc)
        printf("%s/server.db: no damage found (PRAGMA integrity_check)\n",
               o->data);
    return rc;
}

/* ---- run: the loop's owner ------------------------------------------------ */

/*
 * The one file-scope variable of the server: a signal handler gets no
 * context, so SIGINT/SIGTERM set this flag and a timer acts on it.
 */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = 1; }

static void catch_signals(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
}

/* What the running server's loop drives: the server context, the
 * listener, and the application's timers. */
struct run {
    struct srv srv;
    char db[4096];              /* the store's path (the catch-up worker's) */
    int catchup_thread;         /* --catchup-thread on */
    struct gate *gate;
    struct ws *ws;
    struct ws_timer *flush, *tick, *stop, *sweep;
    struct mailer *mailer;      /* NULL: no relay set */
    int64_t commit_window_us;
    int64_t tick_logged;        /* test clock: last tick time logged */
    int tick_skipped;           /* ticks in a row the store was locked */
    int64_t opened, opened_at;  /* sessions opened since the last trim,
                                 * and when the last one did */
};

/* The walk of every session for deadlines and pings (gate.h). */
#define SWEEP_US (500 * 1000)
/* recipient codes kept ready (codepool.h): a burst of creations beyond
 * them makes its own until the thread catches up, some 250 a second */
#define CODES_AHEAD 64

/* A session over a gate cap is kept only to send its close frame. */
static struct session *app_open(void *arg, const struct transport *tp,
                                void *conn, size_t headroom)
{
    struct run *r = arg;
    struct session *s = session_create(r->srv.sessions, tp, conn, headroom);
    if (!s)
        return NULL;
    r->opened++;
    r->opened_at = wo_clock_mono_ms();
    int rc = gate_open(r->gate, s, wo_clock_mono_ms());
    if (rc == WO_EPERM)
        return s;
    if (rc || dispatch_connected(&r->srv, s)) {
        if (!rc)
            gate_closed(r->gate, s);
        session_destroy(s);
        return NULL;
    }
    return s;
}

static void app_message(void *arg, struct session *s, const uint8_t *data,
                        size_t len, int binary)
{
    struct run *r = arg;
    if (gate_frame(r->gate, s, wo_clock_mono_ms()))
        return; /* over the frame rate: closing */
    dispatch_frame(&r->srv, s, data, len, binary);
    gate_handled(r->gate, s);
}

static void app_closed(void *arg, struct session *s)
{
    dispatch_closed(&((struct run *)arg)->srv, s);
    gate_closed(((struct run *)arg)->gate, s);
    session_destroy(s);
}

static void app_drained(void *arg, struct session *s)
{
    dispatch_drained(&((struct run *)arg)->srv, s);
}

/*
 * A burst of connections (a restart's reconnect storm, a morning's
 * logins) leaves the heap holding what their handshakes needed only for
 * a moment, scattered between what the sessions keep: once the burst is
 * over, give the free pages back to the system.
 */
#define TRIM_AFTER_OPENS 256
#define TRIM_QUIET_MS 1000

static void trim_after_burst(struct run *r, int64_t now)
{
    if (r->opened < TRIM_AFTER_OPENS || now - r->opened_at < TRIM_QUIET_MS)
        return;
    r->opened = 0;
    malloc_trim(0);
}

static void sweep_fire(void *arg)
{
    struct run *r = arg;
    int64_t now = wo_clock_mono_ms();
    gate_sweep(r->gate, now);
    trim_after_burst(r, now);
    ws_timer_arm(r->sweep, SWEEP_US);
}

/* The group commit's queue woke up: flush after the window. */
static void flush_wake(void *arg)
{
    struct run *r = arg;
    if (!ws_timer_armed(r->flush))
        ws_timer_arm(r->flush, r->commit_window_us);
}

static void flush_fire(void *arg) { commit_flush(&((struct run *)arg)->srv); }

/* Ticks skipped in a row (the store locked elsewhere) before the log says
 * so: 2 s, far longer than any write of the server's own mailer. */
#define TICK_SKIPS_TOLD 4

/* SLA alerts and the 24 h closure (desk.c), twice a second. */
static void tick_fire(void *arg)
{
    struct run *r = arg;
    int64_t at = wo_clock_now_ms();
    commit_settle(&r->srv); /* the lazy commits since the last tick */
    enum desk_tick_result t = desk_tick(&r->srv);
    /* the mailer's short writes may skip a tick now and then; an
     * operator who keeps the store locked hears once what waits on it */
    if (t == DESK_TICK_SKIPPED && ++r->tick_skipped == TICK_SKIPS_TOLD)
        fprintf(stderr, "wo-server: the store's write lock is held by "
                "another connection (%s): SLA alerts and closures wait "
                "until it is free\n", store_errmsg(r->srv.store));
    else if (t != DESK_TICK_SKIPPED) {
        if (t == DESK_TICK_RAN && r->tick_skipped >= TICK_SKIPS_TOLD)
            fprintf(stderr, "wo-server: the store is free again: SLA "
                    "alerts and closures go on\n");
        r->tick_skipped = 0;
    }
    mailer_kick(r->mailer, at); /* what the tick queued, and retries */
    /* Under a test clock, say once per clock time that a whole tick ran
     * at it: a test that moved the clock waits for this line instead of
     * sleeping and hoping a tick came (tests/integration/harness.py).
     * `at` is read before the tick, so the line never claims a time the
     * tick did not see. */
    if (t == DESK_TICK_RAN && wo_clock_is_test() && at != r->tick_logged) {
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
    /* before the context goes: the workers wake the loop through it */
    catchup_worker_stop(r->srv.catchup);
    r->srv.catchup = NULL;
    codepool_stop(r->srv.codes);
    r->srv.codes = NULL;
    commit_drain(&r->srv);  /* a code still on that thread: hashed here */
    ws_stop(r->ws);
}

/* A worker (catch-ups, codes) has something for the loop: wake it. */
static void loop_wake(void *arg) { ws_wake(((struct run *)arg)->ws); }

static void app_woken(void *arg) { dispatch_woken(&((struct run *)arg)->srv); }

static int serve(struct run *r, const struct ws_config *cfg)
{
    const struct ws_app app = {.arg = r, .open = app_open,
                               .message = app_message, .closed = app_closed,
                               .drained = app_drained, .woken = app_woken};
    /* before the port listens: a stop asked for as soon as it does (a
     * supervisor, a test) must end the loop cleanly, not kill the process;
     * and again after, over any handler the event library set */
    catch_signals();
    if (!(r->ws = ws_create(cfg, &app)))
        return 1;
    catch_signals();
    r->flush = ws_timer_create(r->ws, flush_fire, r);
    r->tick = ws_timer_create(r->ws, tick_fire, r);
    r->stop = ws_timer_create(r->ws, stop_fire, r);
    r->sweep = ws_timer_create(r->ws, sweep_fire, r);
    int ok = r->flush && r->tick && r->stop && r->sweep;
    /* the second core: large catch-ups are loaded and encoded there, on
     * a read-only connection of the worker's own */
    char err[512];
    if (ok && r->catchup_thread &&
        !(r->srv.catchup = catchup_worker_start(r->db, loop_wake, r, err,
                                                sizeof err))) {
        fprintf(stderr, "wo-server: cannot start the catch-up thread: %s; "
                        "'--catchup-thread off' makes catch-ups on the "
                        "loop's thread\n", err);
        ok = 0;
    }
    /* an order's recipient code is a PBKDF2 hash: made ahead there, so
     * that creating an order does not hold every push for its rounds */
    if (ok && !(r->srv.codes = codepool_start(CODES_AHEAD, loop_wake, r, err,
                                              sizeof err)))
        fprintf(stderr, "wo-server: cannot make recipient codes ahead: %s; "
                        "each is made as its order is created\n", err);
    if (ok) {
        ws_timer_arm(r->stop, 100 * 1000);
        ws_timer_arm(r->tick, 0);
        ws_timer_arm(r->sweep, SWEEP_US);
        ws_run(r->ws);
        commit_drain(&r->srv);
    }
    catchup_worker_stop(r->srv.catchup);
    r->srv.catchup = NULL;
    codepool_stop(r->srv.codes);
    r->srv.codes = NULL;
    ws_timer_destroy(r->flush);
    ws_timer_destroy(r->tick);
    ws_timer_destroy(r->stop);
    ws_timer_destroy(r->sweep);
    ws_destroy(r->ws);
    return ok ? 0 : 1;
}

/* A data directory from an older init still holds the CA's key. */
static void warn_ca_key(const struct opts *o)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/tls/ca.key", o->data);
    if (stat(path, &sb) == 0)
        fprintf(stderr, "wo-server: warning: %s is the CA's private key; "
                        "the server does not need it and should not hold "
                        "it: 'wo-server init --data %s' moves it out of the "
                        "data directory\n", path, o->data);
}

/* Connections are descriptors: take the most the system allows this
 * process (the hard limit), and say what that is. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    if (rl.rlim_cur != was)
        fprintf(stderr, "wo-server: descriptor limit raised from %llu to "
                "%llu (the hard limit; 'ulimit -Hn' as root raises it)\n",
                (unsigned long long)was, (unsigned long long)rl.rlim_cur);
    else
        fprintf(stderr, "wo-server: descriptor limit %llu (the hard limit)\n",
                (unsigned long long)rl.rlim_cur);
}

static int cmd_run(struct opts *o)
{
    struct run r = {.srv = {.alerts_pushed = -1, .feed_pushed = -1}};
    struct ws_config cfg = {0};
    char host[256], cert[4096], key[4096], origins[600];
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
    if (strcmp(o->catchup, "on") && strcmp(o->catchup, "off"))
        return die_usage("--catchup-thread '%s' must be on or off",
                         o->catchup);
    if (o->test_clock)
        wo_clock_use_offset_file(o->test_clock);
    snprintf(cert, sizeof cert, "%s/tls/server.pem", o->data);
    snprintf(key, sizeof key, "%s/tls/server.key", o->data);
    cfg.host = host;
    cfg.port = (int)port;
    cfg.cert = o->cert ? o->cert : cert;
    cfg.key = o->key ? o->key : key;
    cfg.event_lib = o->event_lib;
    if (o->origins && strncmp(o->origins, "https://", 8))
        return die_usage("--origin '%s' must list origins such as "
                         "https://dispatch.example.com:8443", o->origins);
    /* the browser's Origin is the address it loaded the console from;
     * on every address, the machine's name is the likely one */
    char name[128] = "localhost";
    if (!strcmp(host, "127.0.0.1") || !strcmp(host, "localhost"))
        snprintf(origins, sizeof origins, "https://127.0.0.1:%ld,"
                 "https://localhost:%ld", port, port);
    else if (!strcmp(host, "0.0.0.0") && !gethostname(name, sizeof name - 1))
        snprintf(origins, sizeof origins, "https://%s:%ld,"
                 "https://localhost:%ld", name, port, port);
    else
        snprintf(origins, sizeof origins, "https://%s:%ld", host, port);
    cfg.origins = o->origins ? o->origins : origins;
    if ((rc = open_store(o, &r.srv.store)))
        return rc;
    /* a damaged page found now stops the start; found mid-sync it would
     * fail ops one by one, with the server looking healthy */
    if (check_store(o, r.srv.store, 0)) {
        store_close(r.srv.store);
        return 1;
    }
    if ((rc = store_secret(r.srv.store, "anchor", r.srv.anchor_key))) {
        fprintf(stderr, "wo-server: cannot read or make the anchor key: %s "
                        "(%s)\n", wo_strerror(rc), store_errmsg(r.srv.store));
        store_close(r.srv.store);
        return 1;
    }
    uint8_t tickets[32];
    if ((rc = store_secret(r.srv.store, "tls-tickets", tickets))) {
        fprintf(stderr, "wo-server: cannot read or make the TLS ticket key: "
                        "%s (%s)\n", wo_strerror(rc),
                store_errmsg(r.srv.store));
        store_close(r.srv.store);
        return 1;
    }
    cfg.ticket_secret = tickets;
    if ((rc = store_hash_clear_codes(r.srv.store))) {
        fprintf(stderr, "wo-server: cannot hash the recipient codes of an "
                        "older store: %s (%s)\n", wo_strerror(rc),
                store_errmsg(r.srv.store));
        store_close(r.srv.store);
        return 1;
    }
    warn_ca_key(o);
    /* events made before this start reach the office by the feed command */
    if (store_feed_max(r.srv.store, &r.srv.feed_pushed))
        r.srv.feed_pushed = -1;
    raise_fd_limit();
    r.commit_window_us = o->commit_window_us;
    r.srv.max_conns_per_user = (int)o->max_conns;
    r.srv.commit = commit_create(flush_wake, &r);
    r.srv.sessions = sessreg_create();
    r.srv.enrol_users = throttle_create(ENROL_TRIES, ENROL_WINDOW_MIN * 60000LL,
                                        4096);
    r.srv.enrol_addrs = throttle_create(ENROL_ADDR_TRIES,
                                        ENROL_WINDOW_MIN * 60000LL, 4096);
    const struct gate_limits lim = {
        .per_addr = (int)o->per_addr, .unauth = (int)o->unauth,
        .auth_ms = o->auth_s * 1000, .idle_ms = o->idle_s * 1000,
        .rate = o->rate, .burst = o->burst};
    r.gate = gate_create(&lim);
    char *db = r.db;
    snprintf(r.db, sizeof r.db, "%s/server.db", o->data);
    r.catchup_thread = !strcmp(o->catchup, "on");
    /* TZ exists before the mailer's thread does: the business hours
     * (proto/wo_hours.c) only ever replace its value from then on */
    if (!getenv("TZ"))
        setenv("TZ", ":/etc/localtime", 1);
    r.mailer = mailer_create(r.srv.store, db);
    rc = r.srv.commit && r.srv.sessions && r.srv.enrol_users &&
                 r.srv.enrol_addrs && r.gate
             ? serve(&r, &cfg) : 1;
    mailer_destroy(r.mailer);
    gate_destroy(r.gate);
    throttle_destroy(r.srv.enrol_addrs);
    /* the last connections' presence, closed as the loop ended */
    feed_presence_flush(&r.srv);
    feed_cleanup(&r.srv);
    commit_destroy(r.srv.commit);
    sessreg_destroy(r.srv.sessions);
    throttle_destroy(r.srv.enrol_users);
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
    /* tests move time through a file (wo_clock.h), as for wo; run also
     * takes --test-clock; never set in use */
    if (getenv("WO_TEST_CLOCK"))
        wo_clock_use_offset_file(getenv("WO_TEST_CLOCK"));
    if (!strcmp(cmd, "init"))
        return cmd_init(&o);
    if (!strcmp(cmd, "user"))
        return cmd_user(&o);
    if (!strcmp(cmd, "tz"))
        return cmd_tz(&o);
    if (!strcmp(cmd, "device"))
        return cmd_device(&o);
    if (!strcmp(cmd, "check"))
        return cmd_check(&o);
    if (!strcmp(cmd, "run"))
        return cmd_run(&o);
    return die_usage("unknown command '%s'", cmd);
}
