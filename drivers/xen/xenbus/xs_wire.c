/*
 * The xenstore wire protocol, pure: see xs_wire.h.  It is kept apart from
 * the client (xs.c) so that every check on what the store sends runs on
 * the host under the sanitizers, against messages no real xenstored would
 * produce.  The ring functions take the other side's index as a value read
 * once by the caller, so a store changing it underneath cannot make a
 * check and a use disagree.
 */
#include "xs_wire.h"
#include <amphi/string.h>

int xs_wire_build(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const struct xs_seg *segs, unsigned int nsegs)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = 0};
	char *p = (char *)buf + XS_HDR_SIZE;
	size_t total = 0;

	for (unsigned int i = 0; i < nsegs; i++) {
		if (segs[i].len > XENSTORE_PAYLOAD_MAX - total)
			return -E2BIG;
		total += segs[i].len;
	}
	if (size < XS_HDR_SIZE || total > size - XS_HDR_SIZE)
		return -E2BIG;
	for (unsigned int i = 0; i < nsegs; i++) {
		memcpy(p, segs[i].data, segs[i].len);
		p += segs[i].len;
	}
	hdr.len = (uint32_t)total;
	memcpy(buf, &hdr, XS_HDR_SIZE);
	return (int)(XS_HDR_SIZE + total);
}

int xs_wire_check_header(const struct xsd_sockmsg *hdr)
{
	return hdr->len > XENSTORE_PAYLOAD_MAX ? -EBADMSG : 0;
}

/* One NUL-terminated string filling the whole payload. */
static bool xs_wire_one_string(const char *body, uint32_t len)
{
	return len > 0 && strnlen(body, len) == len - 1;
}

int xs_wire_error(const char *body, uint32_t len)
{
	if (!xs_wire_one_string(body, len))
		return -EBADMSG;
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (!strcmp(body, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -EIO;
}

/* The payload a reply of `type` must have, or why it does not. */
static const char *xs_wire_shape(uint32_t type, const char *body, uint32_t len)
{
	unsigned int n;
	uint32_t tx;

	switch (type) {
	case XS_DIRECTORY:
		return xs_wire_strings(body, len, &n) ? "not a list of terminated names" : NULL;
	case XS_GET_PERMS:
		return xs_wire_perms_ok(body, len) ? NULL : "not a list of permissions";
	case XS_TRANSACTION_START:
		return xs_wire_tx_id(body, len, &tx) ? "not one terminated transaction id" : NULL;
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
	case XS_WATCH:
	case XS_UNWATCH:
	case XS_TRANSACTION_END:
		return xs_wire_ok(body, len) ? "not the terminated \"OK\" it acknowledges with"
					     : NULL;
	default:
		return NULL; /* a read's value is any bytes */
	}
}

int xs_wire_judge_reply(const struct xsd_sockmsg *hdr, const char *body, uint32_t want_type,
			uint32_t want_req_id, const char **why)
{
	int rc;

	*why = NULL;
	if (xs_wire_check_header(hdr))
		*why = "a length beyond XENSTORE_PAYLOAD_MAX";
	else if (hdr->req_id != want_req_id)
		*why = "another request's id";
	else if (hdr->type == XS_ERROR) {
		if ((rc = xs_wire_error(body, hdr->len)) == -EBADMSG)
			*why = "an error name that is not one terminated string";
		else if (rc == -EIO)
			*why = "an error naming no errno we know";
		return rc;
	} else if (hdr->type != want_type)
		*why = "a reply of another type";
	else
		*why = xs_wire_shape(hdr->type, body, hdr->len);
	return *why ? -EBADMSG : 0;
}

int xs_wire_check_reply(const struct xsd_sockmsg *hdr, const char *body, uint32_t want_type,
			uint32_t want_req_id)
{
	const char *why;

	return xs_wire_judge_reply(hdr, body, want_type, want_req_id, &why);
}

int xs_wire_ok(const char *body, uint32_t len)
{
	return len == 3 && !memcmp(body, "OK", 3) ? 0 : -EBADMSG;
}

int xs_wire_strings(const char *body, uint32_t len, unsigned int *count)
{
	unsigned int n = 0;
	uint32_t i = 0;

	if (len && body[len - 1] != '\0')
		return -EBADMSG;
	while (i < len) {
		size_t l = strnlen(body + i, len - i);

		if (l == 0)
			return -EBADMSG;
		i += (uint32_t)l + 1;
		n++;
	}
	*count = n;
	return 0;
}

/* Plain decimal digits only (parse_u64 would also take 0x...), at most
 * `max`. */
static bool xs_wire_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return parse_u64(s, len, out) == len && *out <= max;
}

int xs_wire_tx_id(const char *body, uint32_t len, uint32_t *out)
{
	uint64_t v;

	if (!xs_wire_one_string(body, len) || !xs_wire_decimal(body, len - 1, UINT32_MAX, &v))
		return -EBADMSG;
	if (v == 0)
		return -EBADMSG;
	*out = (uint32_t)v;
	return 0;
}

int xs_wire_watch_event(const char *body, uint32_t len, const char **path, const char **token)
{
	unsigned int n;
	size_t plen;

	if (xs_wire_strings(body, len, &n) || n != 2)
		return -EBADMSG;
	plen = strlen(body);
	*path = body;
	*token = body + plen + 1;
	return 0;
}

bool xs_wire_perms_ok(const char *perms, size_t len)
{
	unsigned int n;
	uint64_t domid;

	if (len > XENSTORE_PAYLOAD_MAX || xs_wire_strings(perms, (uint32_t)len, &n) || n == 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(perms + i) + 1) {
		if (!strchr("rwbn", perms[i]))
			return false;
		if (!xs_wire_decimal(perms + i + 1, strlen(perms + i + 1), 0xffff, &domid))
			return false;
	}
	return true;
}

static bool xs_wire_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '/' || c == '_' || c == '@';
}

bool xs_wire_path_ok(const char *path)
{
	size_t len = strnlen(path, XENSTORE_ABS_PATH_MAX + 1);

	if (len == 0 || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len == 1 && path[0] == '/')
		return true;
	if (path[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!xs_wire_path_char(path[i]))
			return false;
		if (path[i] == '/' && i > 0 && path[i - 1] == '/')
			return false;
	}
	return true;
}

int xs_ring_used(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod)
{
	XENSTORE_RING_IDX used = prod - cons;

	return used > XENSTORE_RING_SIZE ? -EIO : (int)used;
}

int xs_ring_read(const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod, void *dst,
		 size_t len)
{
	int used = xs_ring_used(*cons, prod);
	size_t n, first;

	if (used < 0)
		return used;
	n = MIN(len, (size_t)used);
	first = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(*cons));
	memcpy(dst, ring + MASK_XENSTORE_IDX(*cons), first);
	memcpy((char *)dst + first, ring, n - first);
	*cons += (XENSTORE_RING_IDX)n;
	return (int)n;
}

int xs_ring_write(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX *prod, const void *src,
		  size_t len)
{
	int used = xs_ring_used(cons, *prod);
	size_t n, first;

	if (used < 0)
		return used;
	n = MIN(len, XENSTORE_RING_SIZE - (size_t)used);
	first = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(*prod));
	memcpy(ring + MASK_XENSTORE_IDX(*prod), src, first);
	memcpy(ring, (const char *)src + first, n - first);
	*prod += (XENSTORE_RING_IDX)n;
	return (int)n;
}

void xs_rx_reset(struct xs_rx *rx)
{
	rx->got = 0;
	rx->hdr.len = 0;
}

int xs_rx_feed(struct xs_rx *rx, const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod)
{
	int n;

	if (rx->got < XS_HDR_SIZE) {
		n = xs_ring_read(ring, cons, prod, (char *)&rx->hdr + rx->got,
				 XS_HDR_SIZE - rx->got);
		if (n < 0)
			return n;
		rx->got += (uint32_t)n;
		if (rx->got < XS_HDR_SIZE)
			return 0;
		if (xs_wire_check_header(&rx->hdr))
			return -EBADMSG;
	}
	n = xs_ring_read(ring, cons, prod, rx->body + (rx->got - XS_HDR_SIZE),
			 rx->hdr.len - (rx->got - XS_HDR_SIZE));
	if (n < 0)
		return n;
	rx->got += (uint32_t)n;
	if (rx->got < XS_HDR_SIZE + rx->hdr.len)
		return 0;
	rx->body[rx->hdr.len] = '\0';
	return 1;
}
