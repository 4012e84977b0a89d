/*
 * The Xen console ring's indexes from the other side, judged
 * (console_ring_check.h).  Both rings use free-running 32-bit indexes,
 * so what lies between two of them is their difference modulo 2^32: it
 * can never be more than the ring, whatever the wrap, and anything more
 * is an index gone backwards or running ahead.  Pure code, shared by the
 * kernel, the host tests and the fuzz target.
 */
#include <drivers/xen/console_ring_check.h>

long console_ring_out_space(uint32_t prod, uint32_t cons, uint32_t size, const char **why)
{
	uint32_t used = prod - cons;

	*why = NULL;
	if (used <= size)
		return (long)(size - used);
	*why = used > 0x7fffffffu ? "a consumer index beyond what was produced"
				  : "a consumer index more than a ring behind";
	return -1;
}

uint32_t console_ring_in_avail(uint32_t prod, uint32_t cons, uint32_t size, const char **why)
{
	uint32_t avail = prod - cons;

	*why = NULL;
	if (avail <= size)
		return avail;
	*why = avail > 0x7fffffffu ? "a producer index behind what was consumed"
				   : "a producer index more than a ring ahead";
	return 0;
}
