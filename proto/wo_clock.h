/*
 * wo_clock.h - the one notion of now, on both sides.
 *
 * Everything time-dependent asks wo_clock_now_ms(), never time() directly,
 * so that tests can move time (SLA, 24 h closure, work done offline)
 * without sleeping: with a test clock file (wo-server --test-clock FILE;
 * the client's WO_TEST_CLOCK=FILE), re-read on each call when it changed,
 * the file holds either an offset in ms added to real time ("3600000"),
 * or "@" and a time in ms since the epoch ("@1700000000000"): then the
 * clock stands still at that time until the file changes, so that a test
 * can assert exact times however slowly a loaded machine runs it.
 */
#ifndef WO_CLOCK_H
#define WO_CLOCK_H

#include <stdint.h>

/* Use FILE as the test clock (NULL: real time only). */
void wo_clock_use_offset_file(const char *path);

/* 1 when a test clock file is in use. */
int wo_clock_is_test(void);

/* Milliseconds since the epoch: real time plus the test offset, or the
 * test clock's fixed time. */
int64_t wo_clock_now_ms(void);

/*
 * A clock the user cannot set: milliseconds since boot, suspend included
 * (CLOCK_BOOTTIME). Ops are timed by it against an anchor, the server's
 * time at the last sync (docs/sync.md, "Device time"). Under a test clock
 * it is the test clock's time without WO_TEST_SKEW_MS, so a test moves
 * it with advance() and skews only the wall clock.
 */
int64_t wo_clock_boot_ms(void);

/* The boot the boot clock counts from (/proc/sys/kernel/random/boot_id,
 * or WO_TEST_BOOT_ID): into out (40 bytes); "" when unknown. */
void wo_clock_boot_id(char out[40]);

/*
 * Milliseconds on a monotonic clock from an arbitrary start, for
 * intervals (timeouts, rate limits): never moved by the test offset nor
 * by a change of the system time, so moving a test clock a day ahead
 * does not time out every connection.
 */
int64_t wo_clock_mono_ms(void);

#endif
