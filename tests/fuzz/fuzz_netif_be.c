/* Fuzz target: netfront's judgement of the xenstore values
 * (drivers/xen/netif_check.c): the backend's feature flags and queue
 * count, the toolstack's MTU and MAC.
 *
 * The input is records: a selector byte (low two bits: 0 for a number,
 * 1 for -ENOENT, else another error; bits 2-3 choose the node; bits 4-5
 * the flag's absent and refused values), an 8-byte value and a cap byte;
 * for the MAC (node 3) the value's low byte is the length of the string
 * that follows instead.  Whatever the value, what is used must lie within
 * the protocol and the cap, a refusal must say why and give the plain
 * protocol's value, and a MAC taken must print back as the string read. */
#include "fuzz.h"
#include <amphi/errno.h>
#include <ctype.h>
#include <drivers/xen/netif_check.h>

static int rc_of(uint8_t b)
{
	return (b & 3) == 0 ? 0 : (b & 3) == 1 ? -ENOENT : -EINVAL;
}

static void flag(int rc, uint64_t v, bool absent, bool refused)
{
	const char *why = (const char *)1;
	bool on = netif_be_flag(rc, v, absent, refused, &why);

	if (rc == -ENOENT)
		FUZZ_CHECK(on == absent && !why);
	else if (rc || v > 1)
		FUZZ_CHECK(on == refused && why);
	else
		FUZZ_CHECK(on == (v == 1) && !why);
}

static void queues(int rc, uint64_t v, unsigned cap)
{
	const char *why = (const char *)1;
	unsigned n = netif_be_queues(rc, v, cap, &why);

	FUZZ_CHECK(n >= 1 && n <= 256 && n <= (cap ? cap : 1));
	FUZZ_CHECK(!why || n == 1);
	FUZZ_CHECK(why || rc || n == (v < cap ? v : cap ? cap : 1));
	FUZZ_CHECK(!why == (rc == -ENOENT || (rc == 0 && v >= 1 && v <= 256)));
}

static void mtu(int rc, uint64_t v)
{
	const char *why = (const char *)1;
	unsigned m = netif_fe_mtu(rc, v, &why);

	FUZZ_CHECK(m >= 68 && m <= 65521);
	FUZZ_CHECK(why ? m == 1500 : rc ? m == 1500 : m == v);
}

static void mac(const uint8_t *d, size_t n)
{
	char *s = fuzz_string(d, n), back[18];
	uint8_t m[6];

	if (netif_parse_mac(s, m) == 0) {
		FUZZ_CHECK(strlen(s) == 17 && !(m[0] & 1) &&
			   (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]));
		snprintf(back, sizeof(back), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
		for (int i = 0; i < 17; i++)
			FUZZ_CHECK(tolower((unsigned char)s[i]) == back[i]);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size) {
		uint8_t sel, cap;
		uint64_t v;
		size_t len;

		fuzz_take(&data, &size, &sel, 1);
		fuzz_take(&data, &size, &v, 8);
		fuzz_take(&data, &size, &cap, 1);
		switch ((sel >> 2) & 3) {
		case 0:
			flag(rc_of(sel), v, sel & 16, sel & 32);
			break;
		case 1:
			queues(rc_of(sel), v, cap);
			break;
		case 2:
			mtu(rc_of(sel), v);
			break;
		default:
			len = (uint8_t)v < size ? (uint8_t)v : size;
			mac(data, len);
			data += len;
			size -= len;
		}
	}
	return 0;
}
