/*
 * cli.h - the command line of one wo command: options from a table,
 * positional counts, usage errors, and the values a command line carries
 * (ids, durations, times).
 *
 * Every command that takes options or checks how many arguments it got
 * parses through cli_parse() (list, outbox, accept, depart and sign read
 * at most argv[1] and check nothing), so options behave the same
 * everywhere: GNU long options anywhere on the line ("--reason T" or
 * "--reason=T", unambiguous abbreviations), getopt's own diagnostic for an
 * unknown or incomplete option, then "wo: usage: ..." and exit code 2.
 * Values point into argv: nothing here allocates.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>

/* What an option takes and where it goes (struct cli_opt.out). */
enum cli_kind {
    CLI_FLAG,  /* no value; out is an int, set to 1 */
    CLI_STR,   /* one value; out is a const char *, the last one given wins */
    CLI_LIST,  /* repeatable; out is a struct cli_list, in the order given */
    CLI_COUNT, /* a whole number from 1 to max; out is an int64_t */
};

/* Values of a repeatable option; v has room for the option's max. */
struct cli_list {
    char **v;
    size_t n;
};

struct cli_opt {
    const char *name; /* without the "--"; NULL ends a table */
    enum cli_kind kind;
    void *out;
    int64_t max;      /* CLI_LIST: room in out->v; CLI_COUNT: largest value */
    const char *full; /* CLI_LIST: the error when more than max are given */
};

/* Table rows: an option with no limit, one with a limit, the end. */
#define CLI_OPT(name, kind, out) {(name), (kind), (out), 0, NULL}
#define CLI_OPT_MAX(name, kind, out, max, full)                            \
    {(name), (kind), (out), (max), (full)}
#define CLI_END {NULL, CLI_FLAG, NULL, 0, NULL}

#define CLI_ANY (-1) /* no upper bound on positional arguments */

/* One command's grammar. */
struct cli_spec {
    const char *usage;          /* printed after "wo: usage: " */
    const struct cli_opt *opts; /* NULL: no options at all (see cli_parse) */
    int min_args, max_args;     /* positional arguments after argv[0] */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command's name, which getopt uses
 * in its diagnostics) by spec, storing each option's value as it comes.
 * With spec->opts NULL nothing is read as an option, so an argument that
 * starts with '-' (a note's text) stays positional. Returns 0 and sets
 * *first to the index of the first positional argument (getopt moves them
 * behind the options), or prints what is wrong and returns 2, the exit
 * code of a usage error.
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv,
              int *first);

/* Print "wo: usage: <usage>" to stderr; returns 2. */
int cli_usage(const char *usage);

/* Print "wo: <message>" to stderr for input that cannot be right;
 * returns 2. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);

/* Take every argument equal to flag out of argv (it may stand anywhere)
 * and set *set when there was one. Returns the new argc. */
int cli_take_flag(int argc, char **argv, const char *flag, int *set);

/* A work order or device id: a positive decimal number. 0, or -1 when s
 * is NULL or not one (*id untouched). */
int cli_parse_id(const char *s, int64_t *id);

/* "90s", "15m", "4h", "2d" (or plain ms) to ms; -1 if malformed. */
int64_t cli_duration(const char *s);

/* A time given on the command line, to server ms: "2026-11-24 09:00",
 * "2026-11-24T09:00", "2026-11-24" (UTC), "now", or now +/- a duration
 * ("+2h", "-30d"). 0, or -1 if malformed (*ms untouched). */
int cli_parse_time(const char *s, int64_t *ms);

/*
 * Read a secret (an enrolment or recipient code) from the user rather
 * than from argv, which every local user can read (ps, /proc/PID/cmdline).
 * When standard input is a terminal: ask on stderr ("<what> (not shown as
 * you type): ") and read one line with echo off, restoring the terminal
 * even on Ctrl-C. Otherwise: read one line from standard input (scripts:
 * `wo enroll ... < codefile`). The line end is dropped; buf (cap bytes)
 * holds the rest. 0, or 2 after saying what is wrong (nothing read, an
 * empty line, a line of cap - 1 bytes or more).
 */
int cli_read_secret(const char *what, char *buf, size_t cap);

#endif
