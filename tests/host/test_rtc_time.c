/* Unit tests of the CMOS RTC's registers turned into a time
 * (lib/rtc_time.c): BCD and binary, 24 and 12 hours (12 AM, 12 PM, the
 * PM bit), the century byte and the window without it, leap days, and
 * fields out of range refused.  Expected values are from the host's
 * timegm(). */
#include "amphi_test.h"
#include <amphi/rtc_time.h>

#define BCD_24H RTC_B_24H
#define BIN_24H (RTC_B_24H | RTC_B_BINARY)

static int64_t epoch(struct rtc_regs r)
{
	int64_t t = -12345;

	assert_int_equal(rtc_regs_to_epoch(&r, &t), 0);
	return t;
}

static void refused(struct rtc_regs r)
{
	int64_t t = -12345;

	assert_int_equal(rtc_regs_to_epoch(&r, &t), -1);
	assert_int_equal(t, -12345);
}

static void test_bcd_24h(void **state)
{
	/* 2026-12-07 09:50:27 */
	assert_int_equal(epoch((struct rtc_regs){0x27, 0x50, 0x09, 0x07, 0x12, 0x26, 0x20, BCD_24H}),
			 1796637027);
	assert_int_equal(epoch((struct rtc_regs){0x00, 0x00, 0x00, 0x01, 0x01, 0x70, 0x19, BCD_24H}),
			 0);
	/* 1999-12-31 12:00:00 */
	assert_int_equal(epoch((struct rtc_regs){0x00, 0x00, 0x12, 0x31, 0x12, 0x99, 0x19, BCD_24H}),
			 946641600);
}

static void test_binary(void **state)
{
	assert_int_equal(epoch((struct rtc_regs){27, 50, 9, 7, 12, 26, 20, BIN_24H}), 1796637027);
	/* 2000-02-29 23:59:59, a leap day of a year divisible by 400 */
	assert_int_equal(epoch((struct rtc_regs){59, 59, 23, 29, 2, 0, 20, BIN_24H}), 951868799);
	/* 2024-02-29 00:00:01 */
	assert_int_equal(epoch((struct rtc_regs){1, 0, 0, 29, 2, 24, 20, BIN_24H}), 1709164801);
}

static void test_12h(void **state)
{
	/* 09:50:27 AM, BCD and binary */
	assert_int_equal(epoch((struct rtc_regs){0x27, 0x50, 0x09, 0x07, 0x12, 0x26, 0x20, 0}),
			 1796637027);
	assert_int_equal(epoch((struct rtc_regs){27, 50, 9, 7, 12, 26, 20, RTC_B_BINARY}),
			 1796637027);
	/* 12 PM is noon, 12 AM midnight */
	assert_int_equal(epoch((struct rtc_regs){0x00, 0x00, 0x92, 0x31, 0x12, 0x99, 0x19, 0}),
			 946641600);
	assert_int_equal(epoch((struct rtc_regs){0x00, 0x00, 0x12, 0x01, 0x01, 0x70, 0x19, 0}), 0);
	/* 9 PM = 21:00 */
	assert_int_equal(epoch((struct rtc_regs){0, 0, 0x80 | 9, 1, 1, 70, 19, RTC_B_BINARY}),
			 21 * 3600);
	/* Hour 0 or 13 does not exist on a 12-hour clock. */
	refused((struct rtc_regs){0, 0, 0, 1, 1, 70, 19, RTC_B_BINARY});
	refused((struct rtc_regs){0, 0, 0x13, 1, 1, 70, 0x19, 0});
}

static void test_century(void **state)
{
	/* No century byte (0 or junk): 69 is 2069, 80 is 1980. */
	assert_int_equal(epoch((struct rtc_regs){0, 0, 0, 1, 1, 0x69, 0x00, BCD_24H}), 3124224000);
	assert_int_equal(epoch((struct rtc_regs){0, 0x30, 0, 0x15, 0x06, 0x80, 0xff, BCD_24H}),
			 329877000);
	/* The century byte wins over the window: 19|69 is 1969, before the epoch. */
	assert_int_equal(epoch((struct rtc_regs){0, 0, 0, 1, 1, 0x69, 0x19, BCD_24H}),
			 -365 * 86400);
	/* 2100 is not a leap year: no 29 February. */
	refused((struct rtc_regs){0, 0, 0, 29, 2, 0, 21, BIN_24H});
}

static void test_out_of_range(void **state)
{
	refused((struct rtc_regs){0x60, 0, 0, 1, 1, 0x26, 0x20, BCD_24H});	  /* second 60 */
	refused((struct rtc_regs){0, 0x5a, 0, 1, 1, 0x26, 0x20, BCD_24H});	  /* not BCD */
	refused((struct rtc_regs){0, 0, 0x24, 1, 1, 0x26, 0x20, BCD_24H});	  /* hour 24 */
	refused((struct rtc_regs){0, 0, 0, 0, 1, 0x26, 0x20, BCD_24H});	  /* day 0 */
	refused((struct rtc_regs){0, 0, 0, 0x31, 0x04, 0x26, 0x20, BCD_24H}); /* 31 April */
	refused((struct rtc_regs){0, 0, 0, 1, 0x13, 0x26, 0x20, BCD_24H});	  /* month 13 */
	refused((struct rtc_regs){0, 0, 0, 1, 1, 100, 20, BIN_24H});		  /* year 100 */
	refused((struct rtc_regs){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); /* no chip */
}

static void test_days(void **state)
{
	assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rtc_days_from_civil(2100, 3, 1), 4107542400 / 86400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bcd_24h),	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_12h),		    cmocka_unit_test(test_century),
	    cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
