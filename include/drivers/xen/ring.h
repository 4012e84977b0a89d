/*
 * Xen's shared-ring macros (xen/io/ring.h) with the barriers they leave to
 * the includer.  x86 keeps stores in order and loads in order, so only the
 * full barrier (a store then a load, in the notify checks) needs a fence;
 * the others only stop the compiler.  Include this before any xen/io/
 * header that defines rings.
 */
#ifndef DRIVERS_XEN_RING_H
#define DRIVERS_XEN_RING_H
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif
#include <xen/io/ring.h>

/* Whether the other side's response index `prod` can be believed, from
 * ours: `cons` (consumed so far), `req_prod` (requests we sent) and the
 * ring's `size`.  0, or -1 with *why saying what is wrong: gone
 * backwards, beyond the ring, or ahead of what was asked.  Every
 * frontend's ring uses it; pure, so the host tests and fuzzers do too. */
static inline int ring_rsp_prod_check(uint32_t cons, uint32_t prod, uint32_t req_prod,
				      unsigned size, const char **why)
{
	uint32_t ahead = prod - cons;

	*why = NULL;
	if (ahead > 0x7fffffffu)
		*why = "a response index gone backwards";
	else if (ahead > size)
		*why = "a response index beyond the ring";
	else if (ahead > req_prod - cons)
		*why = "a response index ahead of the requests sent";
	return *why ? -1 : 0;
}
#endif
