/*
 * The time of day from the CMOS RTC, read once at boot (kernel/
 * time_wall.c).  The registers may be read only while no update is in
 * progress: UIP in register A is raised at least 244 us before the chip
 * changes them, so after a read of A that shows it clear, all of them are
 * read with interrupts off, and the whole is read again until two rounds
 * agree (an update that began anyway, or a vCPU descheduled between the
 * reads, shows as a difference).  Turning them into a time is pure code
 * with its own host tests (lib/rtc_time.c).  The RTC keeps UTC here, as
 * QEMU's does by default; one that keeps local time would be off by its
 * zone.  Only whole seconds: the time of day is up to a second behind.
 */
#include <amphi/printk.h>
#include <amphi/rtc_time.h>
#include <amphi/time.h>
#include <asm/paravirt.h>
#include <asm/rtc.h>

#define CMOS_SEC 0x00
#define CMOS_MIN 0x02
#define CMOS_HOUR 0x04
#define CMOS_MDAY 0x07
#define CMOS_MON 0x08
#define CMOS_YEAR 0x09
#define CMOS_REG_A 0x0a
#define CMOS_REG_B 0x0b
#define CMOS_REG_D 0x0d
#define CMOS_CENTURY 0x32
#define CMOS_A_UIP 0x80
#define CMOS_D_VALID 0x80
/* Reads of register A while waiting for UIP to clear (it stays set for
 * about 2 ms), and rounds until two agree. */
#define RTC_UIP_READS (1UL << 20)
#define RTC_ROUNDS 10

/* One round of registers, read with UIP clear: false if it stayed set. */
static bool rtc_read_regs(struct rtc_regs *r)
{
	unsigned long flags;
	bool ok = false;

	for (unsigned long i = 0; i < RTC_UIP_READS && !ok; i++) {
		flags = local_irq_save();
		if (!(cmos_read(CMOS_REG_A) & CMOS_A_UIP)) {
			*r = (struct rtc_regs){cmos_read(CMOS_SEC),	cmos_read(CMOS_MIN),
					       cmos_read(CMOS_HOUR),	cmos_read(CMOS_MDAY),
					       cmos_read(CMOS_MON),	cmos_read(CMOS_YEAR),
					       cmos_read(CMOS_CENTURY), cmos_read(CMOS_REG_B)};
			ok = true;
		}
		local_irq_restore(flags);
	}
	return ok;
}

static bool rtc_regs_equal(const struct rtc_regs *a, const struct rtc_regs *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->mday == b->mday &&
	       a->mon == b->mon && a->year == b->year && a->century == b->century &&
	       a->reg_b == b->reg_b;
}

uint64_t native_rtc_wallclock_ns(void)
{
	struct rtc_regs r, again;
	int64_t sec;

	if (cmos_read(CMOS_REG_A) == 0xff && cmos_read(CMOS_REG_D) == 0xff)
		return 0; /* no chip */
	if (!(cmos_read(CMOS_REG_D) & CMOS_D_VALID))
		pr_warn("rtc: its battery did not hold (register D): the date may be wrong\n");
	for (int round = 0; round < RTC_ROUNDS; round++) {
		if (!rtc_read_regs(&r) || !rtc_read_regs(&again))
			break;
		if (!rtc_regs_equal(&r, &again))
			continue;
		if (rtc_regs_to_epoch(&r, &sec) || sec < 0)
			break;
		return (uint64_t)sec * NSEC_PER_SEC;
	}
	pr_warn("rtc: no valid date read\n");
	return 0;
}
