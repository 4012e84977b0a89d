/*
 * The TSC is the native clock: it is read without a trap and, on one CPU,
 * never goes backwards.  Its rate is known exactly only when CPUID leaf
 * 0x15 gives it; otherwise it is measured against PIT channel 2, which
 * every PC (and QEMU) has and which is gated through port 0x61 so it can
 * count without raising an interrupt.  CPUID leaf 0x16 (the nominal base
 * frequency, in whole MHz) is the last resort, for machines without a PIT.
 *
 * native_sched_clock() scales TSC cycles since tsc_init() to nanoseconds
 * with a 32-bit multiplier and shift (asm/tsc.h), which stays exact enough
 * and cannot overflow for centuries of uptime.
 */
#include <amphi/clock_guard.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/tsc.h>
#include <asm/x86.h>

#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
/* Channel 2, low byte then high byte, mode 0 (OUT rises at terminal
 * count), binary. */
#define PIT_CH2_MODE0 0xb0
/* System control port B: bit 0 gates channel 2, bit 1 would connect it to
 * the speaker, bit 5 reads its OUT line. */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

/* No TSC runs faster than this: a PIT window that takes four times as long
 * as it would at this rate means the PIT is not counting. */
#define TSC_MAX_HZ 10000000000ULL
#define TSC_MIN_HZ 1000000ULL

#define CAL_TICKS ((uint32_t)(PIT_HZ / 100)) /* 10 ms */

#define CPUID_1_EDX_TSC (1u << 4)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

uint64_t tsc_hz;
static struct tsc_clock tsc_clock;
static bool tsc_ready;

static uint64_t tsc_read(void)
{
	return rdtsc();
}

bool pit_measure(uint32_t ticks, uint64_t (*clock)(void), uint64_t *elapsed)
{
	uint64_t limit = (uint64_t)ticks * (4 * TSC_MAX_HZ / PIT_HZ);
	bool counted = true;

	if (ticks == 0 || ticks > 0xffff)
		return false;
	/* An interrupt (a timer tick, a thread switch) taken inside the
	 * window would be counted as PIT time: the window runs masked. */
	unsigned long flags = local_irq_save();
	uint8_t port_b = inb(PORT_B);

	outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_COMMAND, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, ticks & 0xff);
	outb(PIT_CH2_DATA, ticks >> 8); /* the count starts here */
	uint64_t start = clock(), t0 = rdtsc();

	/* Mode 0 drives OUT low as it is programmed: high now means there
	 * is no PIT (an absent port reads all ones). */
	if (inb(PORT_B) & PORT_B_OUT2)
		counted = false;
	while (counted && !(inb(PORT_B) & PORT_B_OUT2)) {
		if (rdtsc() - t0 > limit)
			counted = false;
	}
	*elapsed = clock() - start;
	outb(PORT_B, port_b);
	local_irq_restore(flags);
	return counted;
}

static void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The smaller of the lowest two sorted values that agree, or 0. */
static uint64_t lowest_agreeing(const uint64_t *v, int n)
{
	for (int i = 0; i + 1 < n; i++)
		if ((v[i + 1] - v[i]) * 1000000 <= v[i] * CAL_AGREE_PPM)
			return v[i];
	return 0;
}

uint64_t calibrate_windows(bool (*window)(void *arg, uint64_t *value), void *arg,
			   struct calibration *cal)
{
	uint64_t v[CAL_MAX_WINDOWS];
	int n = 0;

	cal->result = 0;
	while (n < CAL_MAX_WINDOWS) {
		if (!window(arg, &v[n]))
			return 0;
		sort_u64(v, ++n);
		if (n >= CAL_MIN_WINDOWS && (cal->result = lowest_agreeing(v, n)))
			break;
	}
	cal->windows = n;
	cal->agreed = cal->result != 0;
	if (!cal->agreed)
		cal->result = v[0];
	cal->spread_ppm = (v[n - 1] - v[0]) * 1000000 / v[0];
	return cal->result;
}

static bool tsc_pit_window(void *arg, uint64_t *cycles)
{
	return pit_measure(CAL_TICKS, tsc_read, cycles);
}

static bool tsc_from_pit(uint64_t *hz, char *how, size_t len)
{
	struct calibration cal;

	if (!calibrate_windows(tsc_pit_window, NULL, &cal))
		return false;
	/* Mode 0 reaches terminal count N + 1 input clocks after the count
	 * is written, at a random phase of the first: N + 1/2 on average. */
	*hz = cal.result * 2 * PIT_HZ / (2 * CAL_TICKS + 1);
	snprintf(how, len,
		 "measured against PIT channel 2: %s of %d windows of 10 ms (%lu ppm "
		 "between shortest and longest)",
		 cal.agreed ? "lowest agreeing" : "no two agreed, shortest", cal.windows,
		 cal.spread_ppm);
	if (!cal.agreed)
		pr_warn("tsc: no two PIT windows agreed within %u ppm: the frequency may be off\n",
			CAL_AGREE_PPM);
	return true;
}

static uint32_t cpuid_max_leaf(void)
{
	return pv_cpuid(0, 0).eax;
}

/* Leaf 0x15: TSC = crystal * EBX / EAX, exact when all three are given. */
static bool tsc_from_cpuid15(uint64_t *hz, char *how, size_t len)
{
	if (cpuid_max_leaf() < 0x15)
		return false;
	struct cpuid_regs r = pv_cpuid(0x15, 0);

	if (!r.eax || !r.ebx || !r.ecx)
		return false;
	*hz = (uint64_t)r.ecx * r.ebx / r.eax;
	snprintf(how, len, "from CPUID leaf 0x15: crystal %u Hz x %u/%u", r.ecx, r.ebx, r.eax);
	return true;
}

static bool tsc_from_cpuid16(uint64_t *hz, char *how, size_t len)
{
	if (cpuid_max_leaf() < 0x16)
		return false;
	uint32_t mhz = pv_cpuid(0x16, 0).eax & 0xffff;

	if (!mhz)
		return false;
	*hz = (uint64_t)mhz * 1000000;
	snprintf(how, len, "from CPUID leaf 0x16 (nominal base frequency; no PIT to measure)");
	return true;
}

static bool tsc_invariant(void)
{
	if (pv_cpuid(0x80000000, 0).eax < 0x80000007)
		return false;
	return pv_cpuid(0x80000007, 0).edx & CPUID_80000007_EDX_INVARIANT_TSC;
}

void tsc_init(void)
{
	char how[128];
	uint64_t hz = 0;

	if (!(pv_cpuid(1, 0).edx & CPUID_1_EDX_TSC))
		panic("tsc: this CPU has no time-stamp counter (CPUID.1:EDX bit 4)");
	uint64_t base = rdtsc();

	if (!tsc_from_cpuid15(&hz, how, sizeof(how)) && !tsc_from_pit(&hz, how, sizeof(how)) &&
	    !tsc_from_cpuid16(&hz, how, sizeof(how)))
		panic("tsc: cannot tell the TSC frequency: CPUID leaves 0x15 and 0x16 do not "
		      "give it and PIT channel 2 does not count");
	if (hz < TSC_MIN_HZ || hz > TSC_MAX_HZ)
		panic("tsc: implausible frequency %lu Hz (%s)", hz, how);
	if (!tsc_clock_init(&tsc_clock, base, hz))
		panic("tsc: no fixed-point scale for %lu Hz", hz);
	tsc_hz = hz;
	barrier();
	WRITE_ONCE(tsc_ready, true);
	pr_info("tsc: %lu.%03lu MHz, %s\n", hz / 1000000, hz / 1000 % 1000, how);
	pr_info("tsc: %s; sched_clock scale %u >> %u\n",
		tsc_invariant() ? "invariant" : "not marked invariant (CPUID 0x80000007)",
		tsc_clock.to_ns.mult, tsc_clock.to_ns.shift);
}

uint64_t tsc_deadline_for(uint64_t deadline_ns, uint64_t ahead_ns)
{
	uint64_t now = rdtsc();

	return clock_deadline_forward(tsc_clock_deadline(&tsc_clock, now, deadline_ns), now,
				      clock_scale_apply(&tsc_clock.to_tsc, ahead_ns));
}

uint64_t native_sched_clock(void)
{
	if (!READ_ONCE(tsc_ready))
		return 0;
	return clocksource_filter(tsc_clock_ns(&tsc_clock, rdtsc()));
}
