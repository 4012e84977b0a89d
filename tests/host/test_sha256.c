/* Unit tests of lib/sha256.c against FIPS 180-4's examples (and the NIST
 * long-message vector), fed whole and in awkward pieces, since the kernel
 * hashes TCP data in whatever sizes the network delivers it. */
#include "amphi_test.h"
#include <amphi/sha256.h>

static void hash_hex(const void *data, size_t len, size_t piece, char out[65])
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];
	const uint8_t *p = data;

	sha256_init(&s);
	while (len) {
		size_t n = piece && piece < len ? piece : len;

		sha256_update(&s, p, n);
		p += n;
		len -= n;
	}
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void test_empty(void **state)
{
	char hex[65];

	hash_hex("", 0, 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	char hex[65];

	hash_hex("abc", 3, 0, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_hex("abc", 3, 1, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* 56 bytes: the padding no longer fits the block, a second one is needed. */
static void test_two_blocks(void **state)
{
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	for (size_t piece = 0; piece < 64; piece++) {
		hash_hex(m, strlen(m), piece, hex);
		assert_string_equal(
		    hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}

static void test_896_bits(void **state)
{
	static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[65];

	hash_hex(m, strlen(m), 7, hex);
	assert_string_equal(hex,
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	size_t len = 1000000;
	char *m = malloc(len), hex[65];

	assert_non_null(m);
	memset(m, 'a', len);
	hash_hex(m, len, 0, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hash_hex(m, len, 1000, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

/* Lengths around the block and padding edges hash the same whole and
 * byte by byte. */
static void test_edges(void **state)
{
	uint8_t m[130];
	char a[65], b[65];

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7 + 1);
	for (size_t len = 50; len <= sizeof(m); len++) {
		hash_hex(m, len, 0, a);
		hash_hex(m, len, 1, b);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),      cmocka_unit_test(test_abc),
	    cmocka_unit_test(test_two_blocks), cmocka_unit_test(test_896_bits),
	    cmocka_unit_test(test_million_a),  cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
