/*
 * clock.h - the server's notion of now.
 *
 * Everything time-dependent asks clock_now_ms(), never time() directly, so
 * that tests can move time (SLA, 24 h closure) without sleeping: with
 * --test-clock FILE, the file holds an offset in ms added to real time,
 * re-read on each call when it changed.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Use FILE as the test clock offset (NULL: real time only). */
void clock_use_offset_file(const char *path);

/* Milliseconds since the epoch, plus the test offset if any. */
int64_t clock_now_ms(void);

#endif
