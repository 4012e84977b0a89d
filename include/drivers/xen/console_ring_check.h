/*
 * The judgement of the Xen console ring's indexes (struct
 * xencons_interface), which the other side (xenconsoled, or whatever
 * plays it) writes: the consumer index of our output ring and the
 * producer index of our input ring.  Pure code
 * (drivers/xen/console_ring_check.c), no state and no printing, so that
 * the host tests and a fuzzer give it any indexes at all; console_ring.c
 * reports what `why` says (never from inside a console write) and drops
 * output or ignores input rather than believe it.
 */
#ifndef DRIVERS_XEN_CONSOLE_RING_CHECK_H
#define DRIVERS_XEN_CONSOLE_RING_CHECK_H
#include <amphi/types.h>

/* Free bytes in an output ring of `size` (a power of two) into which we
 * have produced up to `prod` and the other side says it consumed up to
 * `cons`: 0 to size, or -1 with *why when cons is beyond prod or more
 * than a ring behind it. */
long console_ring_out_space(uint32_t prod, uint32_t cons, uint32_t size, const char **why);
/* Bytes waiting in an input ring of `size` that the other side filled up
 * to `prod` and we consumed up to `cons`: 0 to size, or 0 with *why when
 * prod is behind cons or more than a ring ahead. */
uint32_t console_ring_in_avail(uint32_t prod, uint32_t cons, uint32_t size, const char **why);
#endif
