/*
 * A domU's hvc0: the console page shared with xenconsoled in dom0 (struct
 * xencons_interface), an output ring we produce into and an input ring we
 * consume from, each followed by a kick on the console event channel.  The
 * indexes are written by the other side, so they are read once and checked:
 * a backend claiming more data than the ring holds is ignored, and a full
 * output ring that never drains drops output instead of hanging the kernel.
 */
#include <amphi/console.h>
#include <amphi/printk.h>
#include <asm/x86.h>
#include <asm/xen/hypercall.h>
#include <xen/io/console.h>
#include <drivers/xen/console.h>

static struct xencons_interface *ring;
static uint32_t ring_evtchn;
static unsigned long dropped;

#define OUT_SIZE sizeof(ring->out)
#define IN_SIZE sizeof(ring->in)

static bool ring_wait_space(void)
{
	for (long spins = 0; spins < 20000000; spins++) {
		XENCONS_RING_IDX used = ring->out_prod - READ_ONCE(ring->out_cons);

		if (used < OUT_SIZE)
			return true;
		if (used > OUT_SIZE) /* nonsense from the other side */
			return false;
		if ((spins & 0xfff) == 0)
			xen_evtchn_send(ring_evtchn);
		cpu_relax();
	}
	return false;
}

static void ring_publish(XENCONS_RING_IDX prod)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring->out_prod = prod;
	xen_evtchn_send(ring_evtchn);
}

static bool ring_put(XENCONS_RING_IDX *prod, char c)
{
	if (*prod - READ_ONCE(ring->out_cons) >= OUT_SIZE) {
		ring_publish(*prod);
		if (!ring_wait_space())
			return false;
	}
	ring->out[MASK_XENCONS_IDX(*prod, ring->out)] = c;
	(*prod)++;
	return true;
}

/* A terminal on the other side (xl console) wants CR LF, as a tty's ONLCR
 * would give it. */
static void ring_write(const char *s, size_t n)
{
	XENCONS_RING_IDX prod = ring->out_prod;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] == '\n' && !ring_put(&prod, '\r')) || !ring_put(&prod, s[i])) {
			dropped += n - i;
			break;
		}
	}
	ring_publish(prod);
}

static int ring_getc(void)
{
	XENCONS_RING_IDX cons = ring->in_cons;
	XENCONS_RING_IDX prod = READ_ONCE(ring->in_prod);
	int c;

	if (cons == prod || prod - cons > IN_SIZE)
		return -1;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c = (unsigned char)ring->in[MASK_XENCONS_IDX(cons, ring->in)];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring->in_cons = cons + 1;
	xen_evtchn_send(ring_evtchn);
	return c;
}

static struct console hvc0_ring_console = {
	.name = "hvc0",
	.write = ring_write,
	.getc = ring_getc,
};

void xen_console_ring_register(void *page, uint32_t evtchn)
{
	ring = page;
	ring_evtchn = evtchn;
	console_register(&hvc0_ring_console);
}
