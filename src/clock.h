/* clock.h — the monotonic clock every deadline is measured on. */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds: deadlines never move with the wall
 * clock. */
long long monotonic_ms(void);

#endif
