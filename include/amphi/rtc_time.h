/*
 * The CMOS RTC's date and time registers turned into seconds since the
 * epoch: pure code (lib/rtc_time.c), so that every encoding the chip may
 * use is tested on the host (tests/host/test_rtc_time.c).  Register B says
 * how the chip counts: BCD or binary (DM, bit 2) and 12 or 24 hours (bit
 * 1; in 12-hour mode bit 7 of the hour is PM).  The chip itself keeps two
 * digits of year; the century is in the CMOS byte the PC/AT put at 0x32
 * (ACPI's FADT can name another: Amphi does not read it).
 */
#ifndef AMPHI_RTC_TIME_H
#define AMPHI_RTC_TIME_H
#include <amphi/types.h>

#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04

/* The registers as read, while no update was in progress. */
struct rtc_regs {
	uint8_t sec, min, hour, mday, mon, year;
	uint8_t century; /* the raw century byte; see rtc_regs_to_epoch */
	uint8_t reg_b;
};

/* Days from 1970-01-01 to year-mon-mday (proleptic Gregorian). */
int64_t rtc_days_from_civil(int64_t year, unsigned int mon, unsigned int mday);

/* The registers as seconds since the epoch (UTC, as QEMU and Xen keep
 * the RTC): 0, or -1 if a field is out of its range.  A century byte
 * that does not read as 19..29 (absent, or junk) gives way to the usual
 * window: two-digit years below 70 are 20xx. */
int rtc_regs_to_epoch(const struct rtc_regs *r, int64_t *out);

#endif
