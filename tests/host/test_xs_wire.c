/* Unit tests of the xenstore wire code (drivers/xen/xenbus/xs_wire.c).
 *
 * The store is the other side of a trust boundary, so most of these feed
 * in what a broken or hostile store could send: short and overlong
 * headers, replies to someone else's request, strings without their NUL,
 * empty names in a directory, error names nobody defined, ring indexes
 * further apart than the ring is long.  Each must come back as an error,
 * never as a read outside the buffers (the sanitizers watch that).  The
 * ring tests run across the end of the ring and across the wrap of the
 * 32-bit indexes. */
#include "amphi_test.h"
#include "../../drivers/xen/xenbus/xs_wire.h"

static char ring[XENSTORE_RING_SIZE];
static struct xs_rx rx;

static struct xsd_sockmsg hdr_of(uint32_t type, uint32_t req_id, uint32_t len)
{
	return (struct xsd_sockmsg){.type = type, .req_id = req_id, .tx_id = 0, .len = len};
}

/* --- building requests --------------------------------------------- */

static void test_build_layout(void **state)
{
	char buf[64];
	struct xs_seg segs[] = {{"a/b", 4}, {"value", 5}};
	struct xsd_sockmsg hdr;
	int n = xs_wire_build(buf, sizeof(buf), XS_WRITE, 7, 3, segs, 2);

	assert_int_equal(n, 16 + 9);
	memcpy(&hdr, buf, sizeof(hdr));
	assert_int_equal(hdr.type, XS_WRITE);
	assert_int_equal(hdr.req_id, 7);
	assert_int_equal(hdr.tx_id, 3);
	assert_int_equal(hdr.len, 9);
	assert_memory_equal(buf + 16, "a/b\0value", 9);
}

/* The payload limit is the protocol's, whatever the buffer. */
static void test_build_limits(void **state)
{
	static char big[XENSTORE_PAYLOAD_MAX + 1], buf[XS_MSG_MAX + 64];
	struct xs_seg max = {big, XENSTORE_PAYLOAD_MAX};
	struct xs_seg over[] = {{big, XENSTORE_PAYLOAD_MAX}, {"x", 1}};
	struct xs_seg huge = {big, SIZE_MAX};

	assert_int_equal(xs_wire_build(buf, sizeof(buf), XS_WRITE, 1, 0, &max, 1), XS_MSG_MAX);
	assert_int_equal(xs_wire_build(buf, sizeof(buf), XS_WRITE, 1, 0, over, 2), -E2BIG);
	assert_int_equal(xs_wire_build(buf, sizeof(buf), XS_WRITE, 1, 0, &huge, 1), -E2BIG);
	assert_int_equal(xs_wire_build(buf, 16 + 10, XS_WRITE, 1, 0, &max, 1), -E2BIG);
	assert_int_equal(xs_wire_build(buf, 8, XS_WRITE, 1, 0, NULL, 0), -E2BIG);
	assert_int_equal(xs_wire_build(buf, 16, XS_WRITE, 1, 0, NULL, 0), 16);
}

/* --- checking replies ------------------------------------------------ */

static void test_reply_ok(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_READ, 5, 3);

	assert_int_equal(xs_wire_check_reply(&h, "abc", XS_READ, 5), 0);
}

static void test_reply_wrong_id_or_type(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_READ, 5, 3);

	assert_int_equal(xs_wire_check_reply(&h, "abc", XS_READ, 6), -EBADMSG);
	assert_int_equal(xs_wire_check_reply(&h, "abc", XS_WRITE, 5), -EBADMSG);
	h = hdr_of(XS_TYPE_COUNT + 7, 5, 3);
	assert_int_equal(xs_wire_check_reply(&h, "abc", XS_READ, 5), -EBADMSG);
	/* An error for another request is still not ours. */
	h = hdr_of(XS_ERROR, 6, 7);
	assert_int_equal(xs_wire_check_reply(&h, "ENOENT", XS_READ, 5), -EBADMSG);
}

static void test_reply_len_beyond_message(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_READ, 5, XENSTORE_PAYLOAD_MAX + 1);

	assert_int_equal(xs_wire_check_header(&h), -EBADMSG);
	assert_int_equal(xs_wire_check_reply(&h, "", XS_READ, 5), -EBADMSG);
	h.len = UINT32_MAX;
	assert_int_equal(xs_wire_check_header(&h), -EBADMSG);
	h.len = XENSTORE_PAYLOAD_MAX;
	assert_int_equal(xs_wire_check_header(&h), 0);
}

/* Each reply as the store might send it, judged as the client does: the
 * verdict and whether a reason is given (what the client reports). */
static void judge(uint32_t type, uint32_t id, const char *body, uint32_t len, uint32_t want, int rc,
		  bool why_given)
{
	struct xsd_sockmsg h = hdr_of(type, id, len);
	const char *why = "unset";

	assert_int_equal(xs_wire_judge_reply(&h, body, want, 5, &why), rc);
	assert_int_equal(why != NULL, why_given);
	assert_int_equal(xs_wire_check_reply(&h, body, want, 5), rc);
}

static void test_judge_reply(void **state)
{
	judge(XS_READ, 5, "abc", 3, XS_READ, 0, false);
	judge(XS_READ, 5, "", 0, XS_READ, 0, false);
	judge(XS_ERROR, 5, "ENOENT", 7, XS_READ, -ENOENT, false);
	judge(XS_READ, 5, "abc", XENSTORE_PAYLOAD_MAX + 1, XS_READ, -EBADMSG, true);
	judge(XS_READ, 6, "abc", 3, XS_READ, -EBADMSG, true);
	judge(XS_DIRECTORY, 5, "a\0b", 4, XS_READ, -EBADMSG, true);
	judge(XS_ERROR, 5, "ENOENT", 6, XS_READ, -EBADMSG, true);
	judge(XS_ERROR, 5, "EWHATEVER", 10, XS_READ, -EIO, true);
	/* Each type's payload: with and without its terminator. */
	judge(XS_WRITE, 5, "OK", 3, XS_WRITE, 0, false);
	judge(XS_WRITE, 5, "OK", 2, XS_WRITE, -EBADMSG, true);
	judge(XS_WATCH, 5, "NO", 3, XS_WATCH, -EBADMSG, true);
	judge(XS_TRANSACTION_END, 5, "OK", 3, XS_TRANSACTION_END, 0, false);
	judge(XS_TRANSACTION_START, 5, "12", 3, XS_TRANSACTION_START, 0, false);
	judge(XS_TRANSACTION_START, 5, "12", 2, XS_TRANSACTION_START, -EBADMSG, true);
	judge(XS_DIRECTORY, 5, "a\0b", 3, XS_DIRECTORY, -EBADMSG, true);
	judge(XS_DIRECTORY, 5, "a\0b", 4, XS_DIRECTORY, 0, false);
	judge(XS_DIRECTORY, 5, "", 0, XS_DIRECTORY, 0, false);
	judge(XS_GET_PERMS, 5, "n0", 3, XS_GET_PERMS, 0, false);
	judge(XS_GET_PERMS, 5, "n0", 2, XS_GET_PERMS, -EBADMSG, true);
}

static void test_error_names(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_ERROR, 9, 7);

	assert_int_equal(xs_wire_check_reply(&h, "ENOENT", XS_READ, 9), -ENOENT);
	assert_int_equal(xs_wire_error("EAGAIN", 7), -EAGAIN);
	assert_int_equal(xs_wire_error("EACCES", 7), -EACCES);
	assert_int_equal(xs_wire_error("E2BIG", 6), -E2BIG);
	assert_int_equal(xs_wire_error("EISDIR", 7), -EISDIR);
	assert_int_equal(xs_wire_error("EWHATEVER", 10), -EIO);
	assert_int_equal(xs_wire_error("", 1), -EIO);
	/* Not exactly one NUL-terminated string. */
	assert_int_equal(xs_wire_error("ENOENT", 6), -EBADMSG);
	assert_int_equal(xs_wire_error("ENOENT\0x", 9), -EBADMSG);
	assert_int_equal(xs_wire_error("", 0), -EBADMSG);
}

static void test_ok(void **state)
{
	assert_int_equal(xs_wire_ok("OK", 3), 0);
	assert_int_equal(xs_wire_ok("OK", 2), -EBADMSG);
	assert_int_equal(xs_wire_ok("NO", 3), -EBADMSG);
	assert_int_equal(xs_wire_ok("OK\0\0", 4), -EBADMSG);
	assert_int_equal(xs_wire_ok("", 0), -EBADMSG);
}

static void test_directory(void **state)
{
	unsigned int n = 99;

	assert_int_equal(xs_wire_strings("vbd\0vif\0console", 16, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(xs_wire_strings("", 0, &n), 0);
	assert_int_equal(n, 0);
	/* A missing terminator, or an empty name anywhere. */
	assert_int_equal(xs_wire_strings("vbd\0vif", 7, &n), -EBADMSG);
	assert_int_equal(xs_wire_strings("vbd\0\0vif", 9, &n), -EBADMSG);
	assert_int_equal(xs_wire_strings("\0vbd", 5, &n), -EBADMSG);
	assert_int_equal(xs_wire_strings("vbd\0", 5, &n), -EBADMSG);
	assert_int_equal(xs_wire_strings("", 1, &n), -EBADMSG);
}

static void test_tx_id(void **state)
{
	uint32_t id = 0;

	assert_int_equal(xs_wire_tx_id("42", 3, &id), 0);
	assert_int_equal(id, 42);
	assert_int_equal(xs_wire_tx_id("4294967295", 11, &id), 0);
	assert_int_equal(id, UINT32_MAX);
	assert_int_equal(xs_wire_tx_id("4294967296", 11, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("0", 2, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("0x10", 5, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("-1", 3, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("12", 2, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("", 1, &id), -EBADMSG);
	assert_int_equal(xs_wire_tx_id("12345678901", 12, &id), -EBADMSG);
}

static void test_watch_event(void **state)
{
	const char *path = NULL, *token = NULL;

	assert_int_equal(xs_wire_watch_event("device/vif\0007", 13, &path, &token), 0);
	assert_string_equal(path, "device/vif");
	assert_string_equal(token, "7");
	assert_int_equal(xs_wire_watch_event("device", 7, &path, &token), -EBADMSG);
	assert_int_equal(xs_wire_watch_event("a\0b\0c", 6, &path, &token), -EBADMSG);
	assert_int_equal(xs_wire_watch_event("a\0b", 3, &path, &token), -EBADMSG);
	assert_int_equal(xs_wire_watch_event("a\0\0", 3, &path, &token), -EBADMSG);
}

static void test_perms(void **state)
{
	assert_true(xs_wire_perms_ok("n0\0r5", 6));
	assert_true(xs_wire_perms_ok("b65535", 7));
	assert_false(xs_wire_perms_ok("x0", 3));
	assert_false(xs_wire_perms_ok("n", 2));
	assert_false(xs_wire_perms_ok("n65536", 7));
	assert_false(xs_wire_perms_ok("n0x1", 5));
	assert_false(xs_wire_perms_ok("n0", 2));
	assert_false(xs_wire_perms_ok("", 0));
	assert_false(xs_wire_perms_ok("n0\0\0", 4));
}

static void test_paths(void **state)
{
	static char longest[XENSTORE_ABS_PATH_MAX + 2];

	assert_true(xs_wire_path_ok("/"));
	assert_true(xs_wire_path_ok("device/vbd/51712"));
	assert_true(xs_wire_path_ok("/local/domain/1/data/a-b_c"));
	assert_true(xs_wire_path_ok("@releaseDomain"));
	assert_false(xs_wire_path_ok(""));
	assert_false(xs_wire_path_ok("a//b"));
	assert_false(xs_wire_path_ok("a/"));
	assert_false(xs_wire_path_ok("//"));
	assert_false(xs_wire_path_ok("a b"));
	assert_false(xs_wire_path_ok("a\nb"));
	memset(longest, 'a', XENSTORE_ABS_PATH_MAX);
	assert_true(xs_wire_path_ok(longest));
	longest[XENSTORE_ABS_PATH_MAX] = 'a';
	assert_false(xs_wire_path_ok(longest));
}

/* --- the rings ------------------------------------------------------- */

static void test_ring_used(void **state)
{
	assert_int_equal(xs_ring_used(5, 5), 0);
	assert_int_equal(xs_ring_used(0, XENSTORE_RING_SIZE), XENSTORE_RING_SIZE);
	assert_int_equal(xs_ring_used(0, XENSTORE_RING_SIZE + 1), -EIO);
	assert_int_equal(xs_ring_used(10, 9), -EIO);
	assert_int_equal(xs_ring_used(0xfffffff0u, 0x10), 0x20);
}

/* Bytes written across the ring's end land at the masked offsets and
 * come back in order; the indexes also cross 2^32. */
static void test_ring_wrap(void **state)
{
	XENSTORE_RING_IDX cons = 0xfffffff0u - 8, prod = cons;
	char in[100], out[100];

	for (int i = 0; i < 100; i++)
		in[i] = (char)(i + 1);
	memset(ring, 0, sizeof(ring));
	assert_int_equal(xs_ring_write(ring, cons, &prod, in, 100), 100);
	assert_int_equal(prod, cons + 100);
	assert_int_equal(ring[MASK_XENSTORE_IDX(cons)], 1);
	assert_int_equal(ring[XENSTORE_RING_SIZE - 1],
			 in[XENSTORE_RING_SIZE - 1 - MASK_XENSTORE_IDX(cons)]);
	assert_int_equal(ring[0], in[XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons)]);
	assert_int_equal(xs_ring_read(ring, &cons, prod, out, 60), 60);
	assert_int_equal(xs_ring_read(ring, &cons, prod, out + 60, 100), 40);
	assert_memory_equal(in, out, 100);
	assert_int_equal(cons, prod);
}

static void test_ring_full_and_bogus(void **state)
{
	static char in[XENSTORE_RING_SIZE + 10];
	XENSTORE_RING_IDX cons = 3, prod = 3;
	char out[4];

	assert_int_equal(xs_ring_write(ring, cons, &prod, in, sizeof(in)), XENSTORE_RING_SIZE);
	assert_int_equal(xs_ring_write(ring, cons, &prod, in, 1), 0);
	/* A consumer index past our producer, or a producer a whole ring
	 * and more ahead: nonsense, and nothing moves. */
	prod = 3;
	assert_int_equal(xs_ring_write(ring, 4, &prod, in, 1), -EIO);
	assert_int_equal(prod, 3);
	assert_int_equal(xs_ring_read(ring, &cons, cons + XENSTORE_RING_SIZE + 1, out, 4), -EIO);
	assert_int_equal(cons, 3);
}

/* --- assembling messages from the response ring ---------------------- */

/* A producer that hands the ring over in pieces of `step` bytes. */
static int feed_in_steps(const char *msg, size_t len, size_t step, XENSTORE_RING_IDX *cons,
			 XENSTORE_RING_IDX *prod)
{
	int rc = 0;

	for (size_t off = 0; off < len;) {
		int n = xs_ring_write(ring, *cons, prod, msg + off, MIN(step, len - off));

		assert_true(n > 0);
		off += (size_t)n;
		rc = xs_rx_feed(&rx, ring, cons, *prod);
		if (rc)
			return off == len ? rc : -1000;
	}
	return rc;
}

static void test_rx_in_pieces(void **state)
{
	static char msg[XS_MSG_MAX];
	static char payload[XENSTORE_PAYLOAD_MAX];
	struct xs_seg seg = {payload, sizeof(payload)};
	XENSTORE_RING_IDX cons = 0xffffff00u, prod = cons;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)('a' + i % 26);
	assert_int_equal(xs_wire_build(msg, sizeof(msg), XS_READ, 3, 0, &seg, 1), XS_MSG_MAX);
	for (size_t step = 1; step <= XENSTORE_RING_SIZE; step = step * 3 + 2) {
		xs_rx_reset(&rx);
		assert_int_equal(feed_in_steps(msg, XS_MSG_MAX, step, &cons, &prod), 1);
		assert_int_equal(rx.hdr.len, XENSTORE_PAYLOAD_MAX);
		assert_int_equal(rx.hdr.req_id, 3);
		assert_memory_equal(rx.body, payload, sizeof(payload));
		assert_int_equal(rx.body[XENSTORE_PAYLOAD_MAX], '\0');
	}
}

/* Two messages back to back: the first feed stops at the first's end. */
static void test_rx_two_messages(void **state)
{
	char a[32], b[32];
	struct xs_seg sa = {"OK", 3}, sb = {"vbd\0vif", 8};
	int la = xs_wire_build(a, sizeof(a), XS_WRITE, 1, 0, &sa, 1);
	int lb = xs_wire_build(b, sizeof(b), XS_DIRECTORY, 2, 0, &sb, 1);
	XENSTORE_RING_IDX cons = XENSTORE_RING_SIZE - 20, prod = cons;

	xs_ring_write(ring, cons, &prod, a, (size_t)la);
	xs_ring_write(ring, cons, &prod, b, (size_t)lb);
	xs_rx_reset(&rx);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 1);
	assert_int_equal(rx.hdr.req_id, 1);
	assert_int_equal(xs_wire_ok(rx.body, rx.hdr.len), 0);
	assert_int_equal(prod - cons, (XENSTORE_RING_IDX)lb);
	xs_rx_reset(&rx);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 1);
	assert_int_equal(rx.hdr.type, XS_DIRECTORY);
	assert_int_equal(cons, prod);
}

static void test_rx_short_header_waits(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_READ, 4, 2);
	XENSTORE_RING_IDX cons = 0, prod = 0;

	xs_rx_reset(&rx);
	xs_ring_write(ring, cons, &prod, &h, 10);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 0);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 0);
	xs_ring_write(ring, cons, &prod, (char *)&h + 10, 6);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 0);
	xs_ring_write(ring, cons, &prod, "hi", 2);
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), 1);
	assert_string_equal(rx.body, "hi");
}

static void test_rx_oversize_and_bogus_ring(void **state)
{
	struct xsd_sockmsg h = hdr_of(XS_READ, 4, XENSTORE_PAYLOAD_MAX + 1);
	XENSTORE_RING_IDX cons = 0, prod = 0;

	xs_rx_reset(&rx);
	xs_ring_write(ring, cons, &prod, &h, sizeof(h));
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, prod), -EBADMSG);
	xs_rx_reset(&rx);
	cons = 0;
	assert_int_equal(xs_rx_feed(&rx, ring, &cons, XENSTORE_RING_SIZE * 2), -EIO);
	assert_int_equal(cons, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_layout),
	    cmocka_unit_test(test_build_limits),
	    cmocka_unit_test(test_reply_ok),
	    cmocka_unit_test(test_reply_wrong_id_or_type),
	    cmocka_unit_test(test_reply_len_beyond_message),
	    cmocka_unit_test(test_judge_reply),
	    cmocka_unit_test(test_error_names),
	    cmocka_unit_test(test_ok),
	    cmocka_unit_test(test_directory),
	    cmocka_unit_test(test_tx_id),
	    cmocka_unit_test(test_watch_event),
	    cmocka_unit_test(test_perms),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_ring_used),
	    cmocka_unit_test(test_ring_wrap),
	    cmocka_unit_test(test_ring_full_and_bogus),
	    cmocka_unit_test(test_rx_in_pieces),
	    cmocka_unit_test(test_rx_two_messages),
	    cmocka_unit_test(test_rx_short_header_waits),
	    cmocka_unit_test(test_rx_oversize_and_bogus_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
