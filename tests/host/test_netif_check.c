/* Unit tests of drivers/xen/netif_check.c: netfront's judgement of its
 * backend's transmit and receive responses, published indexes and
 * xenstore values, and of the toolstack's MAC and MTU.  Each case is
 * something a buggy or hostile backend or toolstack can do. */
#include "amphi_test.h"
#include <amphi/errno.h>
#include <drivers/xen/netif_check.h>

#define NR 256

static bool busy[NR];
static union netif_rx_sring_entry ring[NR];

static int setup(void **state)
{
	memset(busy, 0, sizeof(busy));
	memset(ring, 0, sizeof(ring));
	return 0;
}

/* The backend answers rx slot `idx`. */
static void rx(uint32_t idx, uint16_t off, int16_t status, uint16_t flags)
{
	ring[idx % NR].rsp = (netif_rx_response_t){
	    .id = (uint16_t)(idx % NR), .offset = off, .flags = flags, .status = status};
}

static void extra(uint32_t idx, uint8_t type, uint8_t flags)
{
	struct netif_extra_info *x = (struct netif_extra_info *)&ring[idx % NR];

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->flags = flags;
}

static enum netif_rx_verdict frame(uint32_t cons, uint32_t prod, struct netif_rx_frame *f)
{
	return netif_rx_frame_check(ring, NR, cons, prod, f);
}

static void test_tx(void **state)
{
	const char *why;

	busy[0] = busy[1] = busy[2] = busy[3] = true;
	assert_int_equal(netif_tx_rsp_check(busy, NR, 0, NETIF_RSP_OKAY, &why), NETIF_TX_DONE);
	assert_null(why);
	assert_false(busy[0]);
	assert_int_equal(netif_tx_rsp_check(busy, NR, 1, NETIF_RSP_DROPPED, &why), NETIF_TX_FAILED);
	assert_null(why);
	assert_int_equal(netif_tx_rsp_check(busy, NR, 2, NETIF_RSP_ERROR, &why), NETIF_TX_FAILED);
	/* A status the protocol does not have: the slot is done, said. */
	assert_int_equal(netif_tx_rsp_check(busy, NR, 3, 77, &why), NETIF_TX_FAILED);
	assert_non_null(why);
	assert_false(busy[3]);
	/* A NULL response names no slot. */
	assert_int_equal(netif_tx_rsp_check(busy, NR, 999, NETIF_RSP_NULL, &why), NETIF_TX_NULL);
}

static void test_tx_wrong_ids(void **state)
{
	const char *why;

	busy[5] = true;
	assert_int_equal(netif_tx_rsp_check(busy, NR, NR, 0, &why), NETIF_TX_BREACH);
	assert_non_null(why);
	assert_int_equal(netif_tx_rsp_check(busy, NR, 0xffff, 0, &why), NETIF_TX_BREACH);
	assert_int_equal(netif_tx_rsp_check(busy, NR, 4, 0, &why), NETIF_TX_BREACH);
	assert_int_equal(netif_tx_rsp_check(busy, NR, 5, 0, &why), NETIF_TX_DONE);
	/* Answered twice. */
	assert_int_equal(netif_tx_rsp_check(busy, NR, 5, 0, &why), NETIF_TX_BREACH);
	assert_non_null(why);
}

static void test_rx_good(void **state)
{
	struct netif_rx_frame f;

	rx(0, 0, 60, NETRXF_data_validated);
	assert_int_equal(frame(0, 1, &f), NETIF_RX_FRAME);
	assert_int_equal(f.next, 1);
	assert_int_equal(f.nfrags, 1);
	assert_int_equal(f.len, 60);
	assert_int_equal(f.flags, NETRXF_data_validated);
	/* Three slots, the last at an offset; across the index wrap. */
	rx(0xfffffffeu, 0, 4096, NETRXF_more_data);
	rx(0xffffffffu, 0, 4096, NETRXF_more_data);
	rx(0, 100, 10, 0);
	assert_int_equal(frame(0xfffffffeu, 1, &f), NETIF_RX_FRAME);
	assert_int_equal(f.next, 1);
	assert_int_equal(f.nfrags, 3);
	assert_int_equal(f.len, 8202);
	assert_int_equal(f.frag[2].slot, 0);
	assert_int_equal(f.frag[2].offset, 100);
	assert_int_equal(f.frag[1].slot, NR - 1);
}

static void test_rx_partial(void **state)
{
	struct netif_rx_frame f;

	assert_int_equal(frame(3, 3, &f), NETIF_RX_PARTIAL);
	rx(3, 0, 4096, NETRXF_more_data);
	assert_int_equal(frame(3, 4, &f), NETIF_RX_PARTIAL);
	assert_int_equal(f.next, 3);
	/* An extra-info chain not all published. */
	rx(4, 0, 60, NETRXF_extra_info);
	extra(5, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
	assert_int_equal(frame(4, 6, &f), NETIF_RX_PARTIAL);
}

/* A frame spanning slots with a bad size in the middle is dropped
 * whole, every one of its slots taken. */
static void test_rx_bad_middle(void **state)
{
	struct netif_rx_frame f;

	rx(0, 0, 4096, NETRXF_more_data);
	rx(1, 4000, 200, NETRXF_more_data);
	rx(2, 0, 100, 0);
	assert_int_equal(frame(0, 3, &f), NETIF_RX_DROP);
	assert_int_equal(f.next, 3);
	assert_non_null(f.why);
	assert_int_equal(f.value, 4200);
	assert_int_equal(f.at, 1);
	rx(1, 0, -1, NETRXF_more_data);
	assert_int_equal(frame(0, 3, &f), NETIF_RX_DROP);
	assert_int_equal(f.value, -1);
	/* An offset alone past the page. */
	rx(1, 5000, 0, NETRXF_more_data);
	assert_int_equal(frame(0, 3, &f), NETIF_RX_DROP);
	/* Too short for an Ethernet header. */
	rx(5, 0, 13, 0);
	assert_int_equal(frame(5, 6, &f), NETIF_RX_DROP);
	assert_int_equal(f.next, 6);
}

static void test_rx_too_many_frags(void **state)
{
	struct netif_rx_frame f;

	for (uint32_t i = 0; i < NETIF_RX_MAX_FRAGS; i++)
		rx(i, 0, 100, NETRXF_more_data);
	rx(NETIF_RX_MAX_FRAGS, 0, 100, 0);
	assert_int_equal(frame(0, NETIF_RX_MAX_FRAGS + 1, &f), NETIF_RX_DROP);
	assert_int_equal(f.next, NETIF_RX_MAX_FRAGS + 1);
	assert_int_equal(frame(1, NETIF_RX_MAX_FRAGS + 1, &f), NETIF_RX_FRAME);
	assert_int_equal(f.nfrags, NETIF_RX_MAX_FRAGS);
}

static void test_rx_wrong_slot(void **state)
{
	struct netif_rx_frame f;

	rx(0, 0, 4096, NETRXF_more_data);
	rx(1, 0, 100, 0);
	ring[1].rsp.id = 7;
	assert_int_equal(frame(0, 2, &f), NETIF_RX_BREACH);
	assert_int_equal(f.value, 7);
	assert_int_equal(f.at, 1);
	assert_non_null(f.why);
}

/* Extra-info follows the first response only; known types are skipped,
 * a type the protocol does not have costs the frame. */
static void test_rx_extras(void **state)
{
	struct netif_rx_frame f;

	rx(0, 0, 4096, NETRXF_extra_info | NETRXF_more_data);
	extra(1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
	extra(2, XEN_NETIF_EXTRA_TYPE_HASH, 0);
	rx(3, 0, 100, 0);
	assert_int_equal(frame(0, 4, &f), NETIF_RX_FRAME);
	assert_int_equal(f.next, 4);
	assert_int_equal(f.nfrags, 2);
	assert_int_equal(f.len, 4196);
	extra(2, XEN_NETIF_EXTRA_TYPE_MAX, 0);
	assert_int_equal(frame(0, 4, &f), NETIF_RX_DROP);
	assert_int_equal(f.next, 4);
	assert_int_equal(f.value, XEN_NETIF_EXTRA_TYPE_MAX);
	extra(2, XEN_NETIF_EXTRA_TYPE_NONE, 0);
	assert_int_equal(frame(0, 4, &f), NETIF_RX_DROP);
}

/* A chain or a frame that fills every posted buffer and still wants
 * more can never end: a breach, not a wait. */
static void test_rx_endless(void **state)
{
	struct netif_rx_frame f;

	rx(0, 0, 60, NETRXF_extra_info);
	for (uint32_t i = 1; i < NR; i++)
		extra(i, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE);
	assert_int_equal(frame(0, NR, &f), NETIF_RX_BREACH);
	assert_non_null(f.why);
	for (uint32_t i = 0; i < NR; i++)
		rx(i, 0, 10, NETRXF_more_data);
	assert_int_equal(frame(0, NR, &f), NETIF_RX_BREACH);
	assert_int_equal(frame(5, 5 + NR, &f), NETIF_RX_BREACH);
}

static void test_csum(void **state)
{
	uint8_t h[24] = {0};
	uint16_t start = 0, off = 0;
	const char *why;

	h[12] = 0x08;
	h[14] = 0x45;
	h[23] = 6;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), 0);
	assert_int_equal(start, 34);
	assert_int_equal(off, 16);
	h[23] = 17;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), 0);
	assert_int_equal(off, 6);
	/* The checksum field past the frame's end. */
	assert_int_equal(netif_rx_csum(h, 24, 41, &start, &off, &why), -1);
	assert_non_null(why);
	h[14] = 0x4f;
	assert_int_equal(netif_rx_csum(h, 24, 200, &start, &off, &why), 0);
	assert_int_equal(start, 74);
	assert_int_equal(netif_rx_csum(h, 24, 74 + 7, &start, &off, &why), -1);
	h[14] = 0x44;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), -1);
	h[14] = 0x65;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), -1);
	h[14] = 0x45;
	h[23] = 1;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), -1);
	h[23] = 6;
	h[13] = 0xdd;
	assert_int_equal(netif_rx_csum(h, 24, 60, &start, &off, &why), -1);
	h[13] = 0;
	assert_int_equal(netif_rx_csum(h, 23, 23, &start, &off, &why), -1);
}

static void test_flags(void **state)
{
	const char *why;

	assert_false(netif_be_flag(-ENOENT, 0, false, true, &why));
	assert_null(why);
	assert_true(netif_be_flag(-ENOENT, 0, true, false, &why));
	assert_true(netif_be_flag(0, 1, false, false, &why));
	assert_null(why);
	assert_false(netif_be_flag(0, 0, true, true, &why));
	assert_null(why);
	assert_true(netif_be_flag(0, 2, false, true, &why));
	assert_non_null(why);
	assert_false(netif_be_flag(0, ~0ull, true, false, &why));
	assert_non_null(why);
	assert_false(netif_be_flag(-EINVAL, 0, true, false, &why));
	assert_non_null(why);
}

static void test_queues_mtu(void **state)
{
	const char *why;

	assert_int_equal(netif_be_queues(-ENOENT, 0, 2, &why), 1);
	assert_null(why);
	assert_int_equal(netif_be_queues(0, 8, 2, &why), 2);
	assert_null(why);
	assert_int_equal(netif_be_queues(0, 1, 2, &why), 1);
	assert_int_equal(netif_be_queues(0, 0, 2, &why), 1);
	assert_non_null(why);
	assert_int_equal(netif_be_queues(0, 4294967298ull, 2, &why), 1);
	assert_non_null(why);
	assert_int_equal(netif_be_queues(-EINVAL, 0, 2, &why), 1);
	assert_non_null(why);
	assert_int_equal(netif_be_queues(0, 4, 0, &why), 1);
	assert_int_equal(netif_fe_mtu(-ENOENT, 0, &why), 1500);
	assert_null(why);
	assert_int_equal(netif_fe_mtu(0, 9000, &why), 9000);
	assert_int_equal(netif_fe_mtu(0, 67, &why), 1500);
	assert_non_null(why);
	assert_int_equal(netif_fe_mtu(0, 65522, &why), 1500);
	assert_int_equal(netif_fe_mtu(0, 65536 + 1500, &why), 1500);
	assert_int_equal(netif_fe_mtu(-EINVAL, 0, &why), 1500);
	assert_non_null(why);
}

/* The MAC is parsed from a heap string of exactly its length, so the
 * address sanitizer sees a read past its end. */
static int mac(const char *s, uint8_t *out)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	int rc;

	memcpy(copy, s, n);
	rc = netif_parse_mac(copy, out);
	free(copy);
	return rc;
}

static void test_mac(void **state)
{
	static const char *const bad[] = {
	    "00:16:3e:01:02",	 "00:16:3e:01:02:03:", "00-16-3e-01-02-03", "0:16:3e:01:02:03",
	    "00:16:3e:01:02:0g", "01:16:3e:01:02:03",  "00:00:00:00:00:00", "00:16:3e:01:02:03 ",
	};
	static const uint8_t want[6] = {0x00, 0x16, 0x3e, 0xab, 0xcd, 0x09};
	uint8_t m[6];

	assert_int_equal(mac("00:16:3e:ab:CD:09", m), 0);
	assert_memory_equal(m, want, 6);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mac(bad[i], m), -EINVAL);
}

/* A MAC cut short ("", "0", "00:1") ends before its separator: nothing
 * past the terminator may be read. */
static void test_mac_short(void **state)
{
	static const char *const cut[] = {"", "0", "00", "00:", "00:1", "00:16:3e:01:02:0"};
	uint8_t m[6];

	for (unsigned i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		assert_int_equal(mac(cut[i], m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_tx, setup),
	    cmocka_unit_test_setup(test_tx_wrong_ids, setup),
	    cmocka_unit_test_setup(test_rx_good, setup),
	    cmocka_unit_test_setup(test_rx_partial, setup),
	    cmocka_unit_test_setup(test_rx_bad_middle, setup),
	    cmocka_unit_test_setup(test_rx_too_many_frags, setup),
	    cmocka_unit_test_setup(test_rx_wrong_slot, setup),
	    cmocka_unit_test_setup(test_rx_extras, setup),
	    cmocka_unit_test_setup(test_rx_endless, setup),
	    cmocka_unit_test(test_csum),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_queues_mtu),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_mac_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
