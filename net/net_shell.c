/*
 * The `net` shell command: what the stack knows of each device, and
 * transfers to check it by hand or from a test harness.  Each transfer
 * ends with exactly one `net: ...` line, which a harness can match.
 */
#include <amphi/ipconfig.h>
#include <amphi/net.h>
#include <amphi/netdev.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <amphi/time.h>

#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net_priv.h"

/* After its last request, ping waits this long for replies still out. */
#define PING_LINGER_MS 5000
#define SINK_ACCEPT_MS 120000
#define STALL_MS 30000

static bool num_arg(const char *s, uint64_t max, uint64_t *out)
{
	size_t len = strlen(s);

	return len && parse_u64(s, len, out) == len && *out <= max;
}

static bool addr_arg(const char *s, uint32_t *out)
{
	if (ipconfig_parse_addr(s, strlen(s), out))
		return true;
	kprintf("net: '%s' is not an IPv4 address (a.b.c.d)\n", s);
	return false;
}

/* The addresses are read under the core lock, so none is half-changed;
 * the line is printed after it. */
static void show_addr(struct netif *n)
{
	char a[16] = "", m[16], g[16];
	bool gw = false, dflt = false;

	LOCK_TCPIP_CORE();
	if (n && !ip4_addr_isany_val(*netif_ip4_addr(n))) {
		ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
		ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
		gw = !ip4_addr_isany_val(*netif_ip4_gw(n));
		dflt = n == netif_default;
	}
	UNLOCK_TCPIP_CORE();
	if (!a[0])
		kprintf("  ipv4     unconfigured\n");
	else
		kprintf("  ipv4     %s netmask %s gateway %s%s\n", a, m, gw ? g : "none",
			dflt ? " (default route)" : "");
}

/* A netdev_for_each callback: the device stays while it runs. */
static void show_dev(struct netdev *d, void *count)
{
	const struct netdev_stats *s = &d->stats;
	const uint8_t *m = d->mac;

	kprintf("%s: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u queue%s, features%s%s%s%s, "
		"link %s\n",
		d->name, m[0], m[1], m[2], m[3], m[4], m[5], d->mtu, d->nqueues,
		d->nqueues == 1 ? "" : "s", d->features ? "" : " none",
		d->features & NETDEV_F_SG ? " sg" : "",
		d->features & NETDEV_F_TX_CSUM ? " tx-csum" : "",
		d->features & NETDEV_F_RX_CSUM ? " rx-csum" : "", d->link_up ? "up" : "down");
	++*(unsigned *)count;
	show_addr(net_glue_netif(d));
	kprintf("  rx       %llu packets %llu bytes %llu dropped %llu errors\n",
		(unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors);
	kprintf("  tx       %llu packets %llu bytes %llu dropped %llu errors\n",
		(unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
		(unsigned long long)s->tx_dropped, (unsigned long long)s->tx_errors);
}

static int net_show(void)
{
	unsigned shown = 0;

	if (!net_is_up()) {
		kprintf("net: the stack is not running\n");
		return 1;
	}
	netdev_for_each(show_dev, &shown);
	if (!shown)
		kprintf("no network devices\n");
	kprintf("lo: 127.0.0.1/8 (loopback)\n");
	kprintf("%s\n", net_ip_param_state());
	kprintf("udp echo (port 7): %s, %llu datagrams answered\n",
		net_udpecho_running ? "running" : "not running",
		(unsigned long long)net_udpecho_count);
	return 0;
}

static void print_xfer(const char *what, const char *verb, const struct net_xfer *x)
{
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	uint64_t ms = x->ns / NSEC_PER_MSEC;

	sha256_hex(x->digest, hex);
	kprintf("net: %s: %s %llu bytes sha256 %s in %llu ms (%llu KiB/s)\n", what, verb,
		(unsigned long long)x->bytes, hex, (unsigned long long)ms,
		(unsigned long long)((x->bytes >> 10) * 1000000000ull / (x->ns ? x->ns : 1)));
}

static int net_usage(void)
{
	kprintf("usage: net [show] | ping ADDR [COUNT] | sink PORT [STALL] | "
		"source ADDR PORT BYTES [SEED]\n");
	return 1;
}

static int cmd_ping(int argc, char **argv)
{
	uint64_t count = 4;
	uint32_t a;
	const char *why;
	int n;

	if (argc > 4 || !addr_arg(argv[2], &a))
		return net_usage();
	if (argc == 4 && !num_arg(argv[3], 1000, &count)) {
		kprintf("net: ping: COUNT must be 1 to 1000\n");
		return 1;
	}
	if (!count)
		count = 1;
	if ((n = net_ping(a, (unsigned)count, 1000, PING_LINGER_MS, false, &why)) < 0) {
		kprintf("net: ping %s: %s\n", argv[2], why);
		return 1;
	}
	kprintf("net: ping %s: %d/%llu replies\n", argv[2], n, (unsigned long long)count);
	return n ? 0 : 1;
}

/* STALL, when given, is how many seconds without data the sink waits
 * before it gives up: more than the default for a transfer that must
 * outlast the sender's TCP backing off, as across a save of the domain,
 * where the sender's retransmissions drift up to two minutes apart. */
static int cmd_sink(int argc, char **argv)
{
	uint64_t port, stall_s = STALL_MS / 1000;
	struct netconn *l;
	struct net_xfer x;
	const char *why;

	if (argc < 3 || argc > 4 || !num_arg(argv[2], 65535, &port) || !port ||
	    (argc == 4 && (!num_arg(argv[3], 3600, &stall_s) || !stall_s))) {
		kprintf("net: sink: PORT must be 1 to 65535, STALL 1 to 3600 seconds\n");
		return 1;
	}
	if (!(l = net_sink_listen((uint16_t)port, &why))) {
		kprintf("net: sink: port %llu: %s\n", (unsigned long long)port, why);
		return 1;
	}
	kprintf("net: sink: listening on port %llu\n", (unsigned long long)port);
	if (net_sink_serve(l, SINK_ACCEPT_MS, (uint32_t)(stall_s * 1000), &x, &why)) {
		kprintf("net: sink: failed after %llu bytes: %s\n", (unsigned long long)x.bytes,
			why);
		return 1;
	}
	print_xfer("sink", "received", &x);
	return 0;
}

static int cmd_source(int argc, char **argv)
{
	uint64_t port, bytes, seed = 0;
	struct net_xfer x;
	const char *why;
	uint32_t a;

	if (argc < 5 || argc > 6 || !addr_arg(argv[2], &a))
		return net_usage();
	if (!num_arg(argv[3], 65535, &port) || !port || !num_arg(argv[4], UINT64_MAX, &bytes) ||
	    (argc == 6 && !num_arg(argv[5], UINT64_MAX, &seed))) {
		kprintf("net: source: PORT is 1 to 65535, BYTES and SEED are numbers\n");
		return 1;
	}
	if (net_source(a, (uint16_t)port, bytes, seed, STALL_MS, &x, &why)) {
		kprintf("net: source: %s:%llu failed after %llu bytes: %s\n", argv[2],
			(unsigned long long)port, (unsigned long long)x.bytes, why);
		return 1;
	}
	print_xfer("source", "sent", &x);
	return 0;
}

SHELL_CMD(net,
	  "network: net [show] | ping ADDR [N] | sink PORT [STALL] | source ADDR PORT BYTES [SEED]")
{
	if (argc < 2 || !strcmp(argv[1], "show"))
		return argc > 2 ? net_usage() : net_show();
	if (!net_is_up()) {
		kprintf("net: the stack is not running\n");
		return 1;
	}
	if (!strcmp(argv[1], "ping") && argc >= 3)
		return cmd_ping(argc, argv);
	if (!strcmp(argv[1], "sink"))
		return cmd_sink(argc, argv);
	if (!strcmp(argv[1], "source"))
		return cmd_source(argc, argv);
	return net_usage();
}
