/*
 * wo_clock.h - the one notion of now, on both sides.
 *
 * Everything time-dependent asks wo_clock_now_ms(), never time() directly,
 * so that tests can move time (SLA, 24 h closure, work done offline)
 * without sleeping: with a test clock file (wo-server --test-clock FILE;
 * the client's WO_TEST_CLOCK=FILE), the file holds an offset in ms added
 * to real time, re-read on each call when it changed.
 */
#ifndef WO_CLOCK_H
#define WO_CLOCK_H

#include <stdint.h>

/* Use FILE as the test clock offset (NULL: real time only). */
void wo_clock_use_offset_file(const char *path);

/* Milliseconds since the epoch, plus the test offset if any. */
int64_t wo_clock_now_ms(void);

/*
 * Milliseconds on a monotonic clock from an arbitrary start, for
 * intervals (timeouts, rate limits): never moved by the test offset nor
 * by a change of the system time, so moving a test clock a day ahead
 * does not time out every connection.
 */
int64_t wo_clock_mono_ms(void);

#endif
