/*
 * The xenstore wire protocol as pure functions (xs_wire.c): building a
 * request, checking and taking apart a reply, and moving bytes through the
 * shared rings.  Nothing here touches the kernel (no allocation, no
 * sleeping, no shared memory read twice), so the host tests can feed it
 * every malformed message the other side could send.
 *
 * The other side is not trusted: every length and index it gives is
 * checked here, and the answer to anything malformed is an error code,
 * -EBADMSG for a message that is wrong and -EIO for a ring whose indexes
 * make no sense.
 */
#ifndef XENBUS_XS_WIRE_H
#define XENBUS_XS_WIRE_H
#include <amphi/types.h>
#include <amphi/errno.h>
#include <xen/io/xs_wire.h>

#define XS_HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))
/* The longest message either way: a header and the largest payload. */
#define XS_MSG_MAX (XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX)

/* One piece of a request's payload, copied as is (a string's NUL is a
 * piece of its own length when the protocol wants it). */
struct xs_seg {
	const void *data;
	size_t len;
};

/* Header and payload into buf: the message's length, or -E2BIG when the
 * payload exceeds XENSTORE_PAYLOAD_MAX or buf. */
int xs_wire_build(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const struct xs_seg *segs, unsigned int nsegs);

/* A header whose length the stream can follow: 0, or -EBADMSG. */
int xs_wire_check_header(const struct xsd_sockmsg *hdr);
/* Judges a whole reply against its request: 0 when it is of the wanted
 * type and id and its payload has the shape that type requires (the
 * terminated "OK" of a write, a list of terminated names, a terminated
 * transaction id...), the error an XS_ERROR reply names (as -errno; -EIO
 * for a name we do not know), or -EBADMSG.  *why says what the store did
 * wrong (NULL for a good reply or a known error).  body holds hdr->len
 * bytes. */
int xs_wire_judge_reply(const struct xsd_sockmsg *hdr, const char *body, uint32_t want_type,
			uint32_t want_req_id, const char **why);
/* xs_wire_judge_reply without the why. */
int xs_wire_check_reply(const struct xsd_sockmsg *hdr, const char *body, uint32_t want_type,
			uint32_t want_req_id);
/* An XS_ERROR payload ("ENOENT\0") as -errno; -EIO for a name we do not
 * know, -EBADMSG when it is not one NUL-terminated string. */
int xs_wire_error(const char *body, uint32_t len);
/* The "OK\0" that acknowledges a write, mkdir, rm, watch...: 0 or -EBADMSG. */
int xs_wire_ok(const char *body, uint32_t len);
/* A list of non-empty NUL-terminated strings (a directory, permissions):
 * their number in *count, or -EBADMSG.  An empty payload is an empty list. */
int xs_wire_strings(const char *body, uint32_t len, unsigned int *count);
/* A transaction id: one decimal number, NUL-terminated, not 0. */
int xs_wire_tx_id(const char *body, uint32_t len, uint32_t *out);
/* A watch event, "<path>\0<token>\0": pointers into body, or -EBADMSG. */
int xs_wire_watch_event(const char *body, uint32_t len, const char **path, const char **token);
/* Permission entries, each a letter (r w b n) and a domain id. */
bool xs_wire_perms_ok(const char *perms, size_t len);
/* A path the store accepts: relative or absolute, no empty components, no
 * trailing slash except "/", only [A-Za-z0-9-/_@], at most
 * XENSTORE_ABS_PATH_MAX bytes. */
bool xs_wire_path_ok(const char *path);

/* Ring arithmetic.  The indexes run freely and are masked when used; the
 * distance prod - cons is what must stay within the ring. */
/* Bytes waiting between cons and prod, or -EIO when that exceeds the ring. */
int xs_ring_used(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod);
/* Copies up to len bytes out of ring at *cons (advancing it): the count
 * copied, or -EIO for impossible indexes. */
int xs_ring_read(const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod, void *dst,
		 size_t len);
/* Copies up to len bytes into ring at *prod (advancing it) as far as the
 * consumer allows: the count copied, or -EIO for impossible indexes. */
int xs_ring_write(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX *prod, const void *src,
		  size_t len);

/* A message being assembled from the response ring, which may deliver it
 * a piece at a time (a message can be four times the ring's size). */
struct xs_rx {
	struct xsd_sockmsg hdr;
	uint32_t got; /* bytes of header and body so far */
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

void xs_rx_reset(struct xs_rx *rx);
/* Takes what the ring holds, up to the end of one message: 1 when rx has a
 * whole message (body NUL-terminated at hdr.len), 0 when it needs more, or
 * -EBADMSG / -EIO when the stream cannot be followed any further. */
int xs_rx_feed(struct xs_rx *rx, const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod);

#endif
