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

#endif
