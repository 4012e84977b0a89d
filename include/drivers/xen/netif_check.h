/*
 * Every decision netfront takes on what its backend and the toolstack
 * hand it: the transmit responses, the receive responses a frame is made
 * of (fragments, extra-info chains, a frame over several slots), the
 * response indexes the backend publishes, and the xenstore values (the
 * backend's feature flags and queue count, the MAC and MTU the toolstack
 * wrote).  Pure code (drivers/xen/netif_check.c), with no state of its
 * own and no printing, so that the host tests and a fuzzer give it any
 * input at all; the driver prints what `why` says and acts on the verdict.
 */
#ifndef DRIVERS_XEN_NETIF_CHECK_H
#define DRIVERS_XEN_NETIF_CHECK_H
#include <amphi/types.h>
#include <drivers/xen/ring.h>
#include <xen/io/netif.h>

/* Fragments one received frame may have (the netdev's NETDEV_MAX_FRAGS,
 * netif.h's XEN_NETIF_NR_SLOTS_MIN). */
#define NETIF_RX_MAX_FRAGS 18

/* Response indexes: ring_rsp_prod_check (drivers/xen/ring.h). */

enum netif_tx_verdict {
	NETIF_TX_DONE,	 /* slot `id` sent */
	NETIF_TX_FAILED, /* slot `id` finished, the frame not sent (or a status we do not know) */
	NETIF_TX_NULL,	 /* a NULL response, which answers no slot: skipped */
	NETIF_TX_BREACH, /* answers no slot in flight: the connection cannot be trusted */
};
/* Judges one transmit response against `busy` (nr slots; busy[id]: sent
 * and not answered yet), which it clears for the slot it finishes, so a
 * second response to it is a breach.  *why: what was wrong, NULL for an
 * answer the protocol has (a frame the backend dropped included). */
enum netif_tx_verdict netif_tx_rsp_check(bool *busy, unsigned nr, uint16_t id, int16_t status,
					 const char **why);

/* One fragment of a received frame: `len` bytes at `offset` in the
 * buffer of ring slot `slot`. */
struct netif_rx_frag {
	uint16_t slot, offset, len;
};

struct netif_rx_frame {
	uint32_t next; /* the response after the frame (cons for PARTIAL) */
	unsigned nfrags;
	struct netif_rx_frag frag[NETIF_RX_MAX_FRAGS];
	uint32_t len;	/* bytes in all fragments */
	uint16_t flags; /* its first response's NETRXF_ */
	const char *why;
	long value;  /* what was wrong, for the message */
	uint32_t at; /* the response index it was in */
};

enum netif_rx_verdict {
	NETIF_RX_FRAME,	  /* a frame, ready for the stack */
	NETIF_RX_DROP,	  /* a frame that cannot be used: its responses are taken, it is not */
	NETIF_RX_PARTIAL, /* the rest of the frame is not published yet */
	NETIF_RX_BREACH,  /* the backend broke the protocol: stop */
};
/* Reads the frame whose first response is `cons` from the response ring
 * `ring` (`size` slots, a power of two, every one with a posted buffer:
 * request i sits in slot i % size), of which [cons, prod) is published.
 * Reads each response once. */
enum netif_rx_verdict netif_rx_frame_check(const union netif_rx_sring_entry *ring, unsigned size,
					   uint32_t cons, uint32_t prod, struct netif_rx_frame *f);

/* Where the checksum of a frame the backend left blank (NETRXF_csum_blank)
 * goes, read from its first `n` bytes `hdr` (at most 24 are looked at) of
 * `len`: only IPv4 TCP and UDP, all we let the backend offload.  0 with
 * *start and *offset, or -1 with *why. */
int netif_rx_csum(const uint8_t *hdr, uint32_t n, uint32_t len, uint16_t *start, uint16_t *offset,
		  const char **why);

/* xenstore values.  Each takes the result of reading the node (rc 0 with
 * `v`, -ENOENT when nobody wrote it, another error when what was written
 * is not a number) and returns what to use, with *why set for a refused
 * value (NULL when it is taken or simply absent). */
/* A 0-or-1 flag: `absent` when it was not written, `refused` when it is
 * anything else (the value that trusts the backend least). */
bool netif_be_flag(int rc, uint64_t v, bool absent, bool refused, const char **why);
/* multi-queue-max-queues: 1 when absent or refused, never above `cap`. */
unsigned netif_be_queues(int rc, uint64_t v, unsigned cap, const char **why);
/* The toolstack's mtu: 1500 when absent or refused. */
unsigned netif_fe_mtu(int rc, uint64_t v, const char **why);
/* "00:16:3e:01:02:03" into mac: 0, or -EINVAL for anything else (also for a
 * multicast or all-zero address). */
int netif_parse_mac(const char *s, uint8_t *mac);
#endif
