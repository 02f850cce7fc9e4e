/* wo_clock.c - real time plus an optional test-controlled offset, or a
 * test-controlled fixed time (see wo_clock.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wo_clock.h"

static const char *offset_path;
static int64_t offset_ms;
static int frozen;              /* offset_ms is the time itself */
static struct stat offset_st;   /* the file as last read */

void wo_clock_use_offset_file(const char *path) { offset_path = path; }

int wo_clock_is_test(void) { return offset_path != NULL; }

static void reload_offset(void)
{
    struct stat st;
    if (!offset_path || stat(offset_path, &st) != 0)
        return;
    /* a test replaces the file (new inode) or rewrites it in place; two
     * writes within one tick of the file system's clock share an mtime,
     * so the inode and size are compared too */
    if (st.st_ino == offset_st.st_ino && st.st_size == offset_st.st_size &&
        st.st_mtim.tv_sec == offset_st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == offset_st.st_mtim.tv_nsec)
        return;
    FILE *f = fopen(offset_path, "r");
    if (!f)
        return;
    long long v;
    int at = fgetc(f) == '@';
    if (!at)
        rewind(f);
    if (fscanf(f, "%lld", &v) == 1) {
        offset_ms = v;
        frozen = at;
    }
    fclose(f);
    offset_st = st;
}

/* A test's skew of this process's wall clock (a laptop set wrong). */
static int64_t skew_ms(void)
{
    const char *s = offset_path ? getenv("WO_TEST_SKEW_MS") : NULL;
    return s ? strtoll(s, NULL, 10) : 0;
}

int64_t wo_clock_now_ms(void)
{
    struct timespec ts;
    reload_offset();
    if (frozen)
        return offset_ms + skew_ms();
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms +
           skew_ms();
}

int64_t wo_clock_boot_ms(void)
{
    struct timespec ts;
    if (offset_path)
        return wo_clock_now_ms() - skew_ms();
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wo_clock_boot_id(char out[40])
{
    const char *t = getenv("WO_TEST_BOOT_ID");
    out[0] = 0;
    if (t) {
        snprintf(out, 40, "%s", t);
        return;
    }
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (!fgets(out, 40, f))
        out[0] = 0;
    out[strcspn(out, "\n")] = 0;
    fclose(f);
}

int64_t wo_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
