/*
 * The TCP/IP stack (net/): lwIP on the kernel scheduler, attached to every
 * struct netdev, plus the loopback interface 127.0.0.1.
 */
#ifndef AMPHI_NET_H
#define AMPHI_NET_H
#include <amphi/sha256.h>
#include <amphi/types.h>

/* Starts the stack (its thread, loopback, the UDP echo service on port 7)
 * and attaches it to network devices, those already registered and those
 * to come.  Thread context, after sched_init. */
void net_init(void);
bool net_is_up(void);

/* The pattern `net source` sends: the bytes of SplitMix64 outputs, each
 * little-endian, from the state `seed`.  Each output adds
 * 0x9e3779b97f4a7c15 to the state z, then returns
 *   z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
 *   z = (z ^ z >> 27) * 0x94d049bb133111eb;
 *   z ^ z >> 31.
 * Tests compare the sha256 digests the two ends print. */
struct net_pattern {
	uint64_t state;
};
/* The next len bytes (lib/net_pattern.c).  An output is split only at the
 * end of a call: chunks that are multiples of 8 continue the stream
 * exactly, and only the last may be shorter. */
void net_pattern_fill(struct net_pattern *p, uint8_t *buf, size_t len);

/* A finished transfer. */
struct net_xfer {
	uint64_t bytes;
	uint64_t ns;
	uint8_t digest[SHA256_DIGEST_SIZE];
};

struct netconn;
/* Sink, in two steps so that a caller can connect only once it listens:
 * a listener on `port` (any address), then one connection accepted within
 * accept_ms and read until the peer closes, giving up after stall_ms
 * without data.  0, or -1 with *why set. */
struct netconn *net_sink_listen(uint16_t port, const char **why);
int net_sink_serve(struct netconn *listener, uint32_t accept_ms, uint32_t stall_ms,
		   struct net_xfer *x, const char **why);
/* Connects to addr:port (addr in host byte order), sends `bytes` of the
 * pattern from `seed`, closes.  0, or -1 with *why set. */
int net_source(uint32_t addr, uint16_t port, uint64_t bytes, uint64_t seed, uint32_t stall_ms,
	       struct net_xfer *x, const char **why);
/* ICMP echo: `count` requests (at most 1023), one a second, each waiting
 * up to wait_ms for its reply (1 s at the shell), a late reply to an
 * earlier one counting too; after the last, while replies are missing, up
 * to linger_ms from its sending for them (0: no more than wait_ms).
 * Prints each reply unless quiet.  The replies, or -1 with *why set when
 * nothing could be sent (no route, for one). */
int net_ping(uint32_t addr, unsigned count, uint32_t wait_ms, uint32_t linger_ms, bool quiet,
	     const char **why);

/* For TX checksum offload (net/netif_glue.c, exposed for the selftest):
 * when the frame is IPv4 TCP or UDP, stores the pseudo-header sum in its
 * checksum field and sets *start and *offset as NETDEV_FRAME_CSUM_PARTIAL
 * wants them.  `hdr` holds at least the first `len` bytes of the frame,
 * `frame_len` is the whole frame's length.  false when the frame is
 * something else (it then goes as it is). */
bool net_csum_partial_prepare(uint8_t *hdr, uint32_t len, uint32_t frame_len, uint16_t *start,
			      uint16_t *offset);
/* Bytes of a frame net_csum_partial_prepare may need to see. */
#define NET_CSUM_HDR_MAX (14 + 60 + 18)

/* The address of ip=, and where it went (for `net show`). */
const char *net_ip_param_state(void);
#endif
