/* Unit tests of lib/ipconfig.c: the forms of ip= people use (Linux's
 * nfsroot syntax), and the mistakes they make, each with its message. */
#include "amphi_test.h"
#include <amphi/ipconfig.h>

static int parse(const char *s, struct ipconfig *c, const char **why)
{
	return ipconfig_parse(s, s ? strlen(s) : 0, c, why);
}

static void test_full(void **state)
{
	struct ipconfig c;
	const char *why;

	assert_int_equal(parse("169.254.1.2::169.254.0.1:255.255.0.0:amphi:vif0:off", &c, &why), 0);
	assert_true(c.configured);
	assert_int_equal(c.addr, 0xa9fe0102);
	assert_int_equal(c.gateway, 0xa9fe0001);
	assert_int_equal(c.netmask, 0xffff0000);
	assert_string_equal(c.hostname, "amphi");
	assert_string_equal(c.device, "vif0");
}

static void test_short_forms(void **state)
{
	struct ipconfig c;
	const char *why;

	assert_int_equal(parse("10.0.0.5:::255.0.0.0", &c, &why), 0);
	assert_int_equal(c.addr, 0x0a000005);
	assert_int_equal(c.gateway, 0);
	assert_string_equal(c.device, "");
	assert_int_equal(parse("10.0.0.5:10.0.0.9:10.0.0.1:255.255.255.0::eth0", &c, &why), 0);
	assert_string_equal(c.hostname, "");
	assert_string_equal(c.device, "eth0");
	assert_int_equal(
	    parse("10.0.0.5::10.0.0.1:255.255.255.0:h:eth0:static:1.1.1.1::", &c, &why), 0);
	assert_int_equal(parse("off", &c, &why), 0);
	assert_false(c.configured);
	assert_int_equal(parse("none", &c, &why), 0);
	assert_false(c.configured);
}

static void expect_bad(const char *s, const char *why_part)
{
	struct ipconfig c;
	const char *why = NULL;

	assert_int_equal(parse(s, &c, &why), -1);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("ip=%s: '%s' does not mention '%s'", s ? s : "(null)", why, why_part);
}

static void test_mistakes(void **state)
{
	expect_bad(NULL, "expects");
	expect_bad("", "expects");
	expect_bad("dhcp", "not supported");
	expect_bad("10.0.0.5::10.0.0.1:255.0.0.0:h:eth0:dhcp", "not supported");
	expect_bad("10.0.0.5::10.0.0.1:255.0.0.0:h:eth0:maybe", "autoconf");
	expect_bad("10.0.0.5", "netmask is missing");
	expect_bad("10.0.0.5::10.0.0.1", "netmask is missing");
	expect_bad("10.0.0.5::10.0.0.1:", "netmask is missing");
	expect_bad("10.0.0.256:::255.0.0.0", "client address");
	expect_bad("10.0.0:::255.0.0.0", "client address");
	expect_bad("10.0.0.5.6:::255.0.0.0", "client address");
	expect_bad(" 10.0.0.5:::255.0.0.0", "client address");
	expect_bad("0010.0.0.5:::255.0.0.0", "client address");
	expect_bad(":::255.0.0.0", "client address is missing");
	expect_bad("0.0.0.0:::255.0.0.0", "unicast");
	expect_bad("224.0.0.1:::255.0.0.0", "unicast");
	expect_bad("10.0.0.5::x:255.0.0.0", "gateway");
	expect_bad("10.0.0.5::11.0.0.1:255.0.0.0", "subnet");
	expect_bad("10.0.0.5::10.0.0.5:255.0.0.0", "own address");
	expect_bad("10.0.0.5:::255.0.255.0", "contiguous");
	expect_bad("10.0.0.5:::0.0.0.0", "contiguous");
	expect_bad("10.0.0.5:::255.255.255.0:bad_name", "hostname");
	expect_bad("10.0.0.5:::255.255.255.0:h:a-very-long-device-name", "device");
	expect_bad("10.0.0.5:nope::255.255.255.0", "dotted quad");
	expect_bad("10.0.0.5:::255.255.255.0:h:d:off:1.1.1.1:2.2.2.2:3.3.3.3:x", "too many");
}

static void test_addr(void **state)
{
	uint32_t a;

	assert_true(ipconfig_parse_addr("127.0.0.1", 9, &a));
	assert_int_equal(a, 0x7f000001);
	assert_true(ipconfig_parse_addr("255.255.255.255", 15, &a));
	assert_false(ipconfig_parse_addr("1.2.3.4x", 8, &a));
	assert_false(ipconfig_parse_addr("1.2.3.", 6, &a));
	assert_false(ipconfig_parse_addr("1..3.4", 6, &a));
	assert_false(ipconfig_parse_addr("", 0, &a));
	/* The length bounds the parse: "1.2.3.45" cut to 7 is "1.2.3.4". */
	assert_true(ipconfig_parse_addr("1.2.3.45", 7, &a));
	assert_int_equal(a, 0x01020304);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_short_forms),
	    cmocka_unit_test(test_mistakes),
	    cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
