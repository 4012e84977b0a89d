/* Between the files of net/ only. */
#ifndef AMPHI_NET_PRIV_H
#define AMPHI_NET_PRIV_H
#include <amphi/selftest.h>
#include <amphi/types.h>

struct netif;
struct netdev;

/* netif_glue.c: attach to network devices (registers the listener). */
void net_glue_start(void);
/* The lwIP interface of a device, NULL when the stack does not use it. */
struct netif *net_glue_netif(struct netdev *dev);
/* Interfaces whose memory the glue has let go of after their removal. */
extern uint64_t net_glue_freed;
/* stack.c: datagrams the UDP echo service has answered. */
extern uint64_t net_udpecho_count;
extern bool net_udpecho_running;
/* net_selftest.c: a TCP transfer between a sink thread and a source,
 * checked end to end (also used by net_selftest_dev.c). */
enum selftest_result net_selftest_tcp(struct selftest_ctx *ctx, uint32_t addr, uint16_t port,
				      uint32_t bytes, char *said, size_t said_len);
/* net_selftest.c: one datagram to the UDP echo service at addr (host
 * order) and back, whole (also used by net_selftest_dev.c). */
enum selftest_result net_selftest_udp(struct selftest_ctx *ctx, uint32_t addr);
/* How long a selftest waits for an echo reply that must come: the answers
 * are immediate, but a PVH guest on a loaded emulated host was once seen
 * to need more than ping's 1 s. */
#define SELFTEST_PING_WAIT_MS 5000
/* A message for an lwIP error code. */
const char *net_err_str(int err);
#endif
