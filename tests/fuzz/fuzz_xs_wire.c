/* Fuzz target: the xenstore wire format (drivers/xen/xenbus/xs_wire.c),
 * everything the store sends.
 *
 * The first byte chooses what the rest is.  Even: one message as the
 * client holds it after reading (a header, then the payload its length
 * claims, when the input has that much), checked as a reply to a request
 * and taken apart as each kind of payload: an error name, "OK", a list of
 * strings, a transaction id, a watch event, permissions, a path, a xenbus
 * state node's value (drivers/xen/xenbus/xenbus_state.c).  Odd: a response
 * ring (1 KiB, from the input) with free-running indexes from the input,
 * read message after message as the store moves its producer index on by
 * steps the input gives.  Each accepted result is checked
 * against what xs_wire.h promises. */
#include "fuzz.h"
#include "../../drivers/xen/xenbus/xs_wire.h"
#include <drivers/xen/xenbus_state.h>

/* A reason is given exactly for what the store did wrong: a malformed
 * reply, or an error name we do not know; a good reply or a known error
 * has none. */
static void judge_reply(const struct xsd_sockmsg *hdr, const char *body, uint32_t type, uint32_t id)
{
	const char *why;
	int rc = xs_wire_judge_reply(hdr, body, type, id, &why);

	FUZZ_CHECK(rc == xs_wire_check_reply(hdr, body, type, id));
	if (rc == 0)
		FUZZ_CHECK(!why && hdr->type == type && hdr->req_id == id);
	else if (rc == -EBADMSG || rc == -EIO)
		FUZZ_CHECK(why != NULL);
	else
		FUZZ_CHECK(!why && hdr->type == XS_ERROR);
}

/* A read of a xenbus state node: a state of the protocol, or refused
 * with a reason. */
static void state_node(const char *body, uint32_t len)
{
	enum xenbus_state state = (enum xenbus_state) - 1;
	const char *why;

	if (!xenbus_state_parse(body, len, &state, &why))
		FUZZ_CHECK(!why && state <= XenbusStateReconfigured && len > 0);
	else
		FUZZ_CHECK(why && state == (enum xenbus_state) - 1);
}

static void one_message(const uint8_t *data, size_t size)
{
	struct xsd_sockmsg hdr;
	uint32_t want[2], tx;
	unsigned int n;
	const char *path, *token;
	char *body, *s;

	fuzz_take(&data, &size, &hdr, sizeof(hdr));
	fuzz_take(&data, &size, want, sizeof(want));
	if (xs_wire_check_header(&hdr) || hdr.len > size) {
		FUZZ_CHECK(hdr.len > XENSTORE_PAYLOAD_MAX || hdr.len > size);
		return;
	}
	body = malloc(hdr.len ? hdr.len : 1);
	memcpy(body, data, hdr.len);
	judge_reply(&hdr, body, want[0] % 32, want[1]);
	xs_wire_error(body, hdr.len);
	xs_wire_ok(body, hdr.len);
	if (!xs_wire_strings(body, hdr.len, &n))
		FUZZ_CHECK(n <= hdr.len / 2 && (hdr.len == 0 || body[hdr.len - 1] == '\0'));
	if (!xs_wire_tx_id(body, hdr.len, &tx))
		FUZZ_CHECK(tx != 0);
	if (!xs_wire_watch_event(body, hdr.len, &path, &token)) {
		FUZZ_CHECK(path == body && token > path && token < body + hdr.len);
		FUZZ_CHECK(token + strlen(token) == body + hdr.len - 1 && *path && *token);
	}
	xs_wire_perms_ok(body, hdr.len);
	state_node(body, hdr.len);
	s = fuzz_string((const uint8_t *)body, hdr.len);
	if (xs_wire_path_ok(s))
		FUZZ_CHECK(strlen(s) <= XENSTORE_ABS_PATH_MAX && strlen(s) > 0);
	free(s);
	free(body);
}

static struct xs_rx rx;

/* Reads messages until the ring is empty, an error, or 64 of them. */
static void ring_stream(const uint8_t *data, size_t size)
{
	static char ring[XENSTORE_RING_SIZE];
	XENSTORE_RING_IDX cons, prod;
	uint8_t steps[16];

	fuzz_take(&data, &size, &cons, sizeof(cons));
	fuzz_take(&data, &size, &prod, sizeof(prod));
	fuzz_take(&data, &size, steps, sizeof(steps));
	fuzz_take(&data, &size, ring, sizeof(ring));
	xs_rx_reset(&rx);
	for (unsigned int i = 0, step = 0; i < 64; i++) {
		XENSTORE_RING_IDX before = cons;
		int rc = xs_rx_feed(&rx, ring, &cons, prod);

		if (rc < 0)
			return;
		FUZZ_CHECK(cons - before <= XENSTORE_RING_SIZE &&
			   prod - cons <= XENSTORE_RING_SIZE);
		if (rc == 1) {
			FUZZ_CHECK(rx.hdr.len <= XENSTORE_PAYLOAD_MAX &&
				   rx.body[rx.hdr.len] == '\0');
			FUZZ_CHECK(rx.got == XS_HDR_SIZE + rx.hdr.len);
			xs_rx_reset(&rx);
			continue;
		}
		FUZZ_CHECK(cons == prod); /* "needs more" only once it took all there was */
		if (step == sizeof(steps) || !steps[step])
			return;
		prod += steps[step++] * 4u; /* the store writes some more */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		ring_stream(data + 1, size - 1);
	else
		one_message(data + 1, size - 1);
	return 0;
}
