/* Unit tests of lib/net_pattern.c: the bytes `net source` sends, against
 * values computed by an independent implementation (a few lines of
 * Python), so a harness that rebuilds the pattern agrees with the kernel.
 * The digests also tie the pattern to lib/sha256.c. */
#include "amphi_test.h"
#include <amphi/net.h>

static void digest_of(uint64_t seed, size_t len, size_t piece, char hex[65])
{
	struct net_pattern p = {seed};
	uint8_t buf[4096], d[SHA256_DIGEST_SIZE];
	struct sha256 s;

	sha256_init(&s);
	while (len) {
		size_t n = MIN(len, piece);

		net_pattern_fill(&p, buf, n);
		sha256_update(&s, buf, n);
		len -= n;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
}

static void test_first_bytes(void **state)
{
	static const uint8_t want[16] = {0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2,
					 0xf4, 0x65, 0xb9, 0xa1, 0x6a, 0x9e, 0x78, 0x6e};
	struct net_pattern p = {0};
	uint8_t buf[16];

	net_pattern_fill(&p, buf, sizeof(buf));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_digests(void **state)
{
	char hex[65];

	digest_of(0, 1 << 20, 4096, hex);
	assert_string_equal(hex,
			    "bc9d1d01517351f3e2c02d32495b3bfbcba5ec54e5f1a44b06f51755d0086a01");
	/* The selftest net_loopback's transfer. */
	digest_of(20261121, 256 * 1024, 4096, hex);
	assert_string_equal(hex,
			    "4124ab05f6ffc1621bc9adb5f3e27de14be89d9b2765030d4f37d351f595d63d");
	/* A length that is no multiple of 8, in chunks that are. */
	digest_of(7, 1000003, 4096, hex);
	assert_string_equal(hex,
			    "f03d7c7d00df5cab5bd34dd56744ea16027130400f335595e64f132e37fef862");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_bytes),
	    cmocka_unit_test(test_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
