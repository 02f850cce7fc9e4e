/*
 * fuzz_env.h - what the stateful fuzz targets share: a scratch directory
 * for their SQLite files, and its removal.
 *
 * The directory is made on tmpfs (/dev/shm) when there is one: the
 * server store and the replica commit with synchronous=FULL, and an
 * fsync on a real disk would make each write-path input cost
 * milliseconds, most of the fuzzer's time spent waiting for the disk
 * rather than running the code under test. Everything SQLite does is the
 * same on tmpfs but the wait.
 */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Make a fresh directory "<tmpfs or /tmp>/<prefix>-XXXXXX" into dir
 * (cap bytes); aborts when it cannot: a target with no scratch space
 * would only report false crashes. */
static inline void fuzz_scratch_dir(const char *prefix, char *dir, size_t cap)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, cap, "%s/%s-XXXXXX", base, prefix);
    if (!mkdtemp(dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
}

/* Remove the SQLite database `name` of dir with its WAL, shared-memory
 * and journal files; missing files are not an error. */
static inline void fuzz_remove_db(const char *dir, const char *name)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[256];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix[i]);
        unlink(path);
    }
}

#endif
