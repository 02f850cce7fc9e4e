/*
 * cli.c - command line parsing for every wo command (see cli.h).
 * getopt_long does the reading, so abbreviations, "--opt=value" and the
 * diagnostics are the same for every command; the option table says
 * where each value goes.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "wo_clock.h"

/* No command has more; a longer table is a programming error. */
#define CLI_MAX_OPTS 32

/* getopt_long returns this plus the option's index in the table; above
 * every character getopt itself returns ('?', ':'). */
#define CLI_VAL 256

int cli_usage(const char *usage)
{
    fprintf(stderr, "wo: usage: %s\n", usage);
    return 2;
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wo: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return 2;
}

/* Store one option's value as it arrives, so that a bad value is reported
 * before anything that follows it on the line. 0 or 2 (printed). */
static int store(const struct cli_opt *o, char *arg)
{
    switch (o->kind) {
    case CLI_FLAG:
        *(int *)o->out = 1;
        return 0;
    case CLI_STR:
        *(const char **)o->out = arg;
        return 0;
    case CLI_LIST: {
        struct cli_list *l = o->out;
        if ((int64_t)l->n >= o->max)
            return cli_error("%s", o->full);
        l->v[l->n++] = arg;
        return 0;
    }
    case CLI_COUNT: {
        char *end;
        long long v = strtoll(arg, &end, 10);
        if (*end || v <= 0 || v > o->max)
            return cli_error("--%s '%s' must be a whole number from 1 to "
                             "%lld", o->name, arg, (long long)o->max);
        *(int64_t *)o->out = v;
        return 0;
    }
    }
    return 2;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv,
              int *first)
{
    int i = 1;
    if (spec->opts) {
        struct option lo[CLI_MAX_OPTS + 1];
        size_t n = 0;
        int ch;
        for (; spec->opts[n].name; n++) {
            if (n == CLI_MAX_OPTS)
                abort();
            lo[n] = (struct option){spec->opts[n].name,
                                    spec->opts[n].kind == CLI_FLAG
                                        ? no_argument
                                        : required_argument,
                                    NULL, CLI_VAL + (int)n};
        }
        lo[n] = (struct option){0, 0, 0, 0};
        optind = 1;
        while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
            if (ch < CLI_VAL || ch >= CLI_VAL + (int)n)
                return cli_usage(spec->usage);
            if (store(&spec->opts[ch - CLI_VAL], optarg))
                return 2;
        }
        i = optind;
    }
    if (argc - i < spec->min_args ||
        (spec->max_args != CLI_ANY && argc - i > spec->max_args))
        return cli_usage(spec->usage);
    *first = i;
    return 0;
}

int cli_take_flag(int argc, char **argv, const char *flag, int *set)
{
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], flag))
            *set = 1;
        else
            argv[k++] = argv[i];
    }
    return k;
}

int cli_parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || *end || v <= 0)
        return -1;
    *id = v;
    return 0;
}

int64_t cli_duration(const char *s)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : -1;
    if (!s || end == s || v <= 0)
        return -1;
    switch (*end) {
    case 0: return v;
    case 's': v *= 1000; break;
    case 'm': v *= 60000; break;
    case 'h': v *= 3600000; break;
    case 'd': v *= 86400000; break;
    default: return -1;
    }
    return end[1] ? -1 : v;
}

int cli_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, n = 0, m = 0;
    char sep;
    if (!strcmp(s, "now")) {
        *ms = wo_clock_now_ms();
        return 0;
    }
    if (*s == '+' || *s == '-') {
        int64_t delta = cli_duration(s + 1);
        if (delta < 0)
            return -1;
        *ms = wo_clock_now_ms() + (*s == '+' ? delta : -delta);
        return 0;
    }
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    if (s[n] && (sscanf(s + n, "%c%2d:%2d%n", &sep, &h, &mi, &m) != 3 ||
                 (sep != 'T' && sep != ' ') || s[n + m]))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi};
    /* local time of the zone i18n_zone() chose (UTC unless set) */
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

/* SIGINT while a secret is typed: only interrupt the read (no
 * SA_RESTART), so the terminal gets its echo back before wo exits. */
static void secret_interrupt(int sig) { (void)sig; }

int cli_read_secret(const char *what, char *buf, size_t cap)
{
    struct termios old, quiet;
    struct sigaction sa = {0}, prev;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    char *got;
    size_t len;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL; /* Enter still ends the line visibly */
        sa.sa_handler = secret_interrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &prev);
        /* echo off before the question: what is typed once it shows is
         * never echoed (TCSAFLUSH drops what was typed ahead of it) */
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        fprintf(stderr, "%s (not shown as you type): ", what);
        fflush(stderr);
    }
    got = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        sigaction(SIGINT, &prev, NULL);
    }
    if (!got) {
        int intr = ferror(stdin) && errno == EINTR;
        clearerr(stdin);
        if (tty && intr)
            fputc('\n', stderr);
        return cli_error("no %s was given: %s", what,
                         tty ? "type it when asked"
                             : "give it as one line on standard input");
    }
    len = strlen(buf);
    if (len && buf[len - 1] == '\n')
        buf[--len] = 0;
    else if (len == cap - 1) {
        /* no line end within cap: the rest of the line is still unread */
        memset(buf, 0, cap);
        return cli_error("the %s is too long (at most %zu characters)", what,
                         cap - 2);
    }
    if (len && buf[len - 1] == '\r')
        buf[--len] = 0;
    if (!len)
        return cli_error("no %s was given (an empty line)", what);
    return 0;
}
