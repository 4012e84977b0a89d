/*
 * Selftests of the Xen network frontend.  The MAC parser is pure and runs
 * everywhere; the connection test needs a vif in the domain's config
 * (tests/vm/net-scenarios.sh gives one on dom0's bridge) and skips, saying
 * why, without one.  Moving data is tested from dom0 by that scenario:
 * ping and TCP both ways, checksummed.
 */
#include <amphi/netdev.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include "netfront.h"

SELFTEST(netfront_mac)
{
	static const char *const bad[] = {
	    "",		     "00:16:3e:01:02",	  "00:16:3e:01:02:03:", "00-16-3e-01-02-03",
	    "0:16:3e:01:02:03", "00:16:3e:01:02:0g", "01:16:3e:01:02:03", "00:00:00:00:00:00",
	};
	static const uint8_t want[ETH_ALEN] = {0x00, 0x16, 0x3e, 0xab, 0xCD, 0x09};
	uint8_t mac[ETH_ALEN];

	if (netfront_parse_mac("00:16:3e:ab:CD:09", mac) || memcmp(mac, want, ETH_ALEN))
		return selftest_fail(ctx, "a good address was not parsed");
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (netfront_parse_mac(bad[i], mac) == 0)
			return selftest_fail(ctx, "'%s' was taken as an address", bad[i]);
	return selftest_pass(ctx, "1 address parsed, %u malformed ones refused",
			     (unsigned)(sizeof(bad) / sizeof(bad[0])));
}

/* Every vif becomes a network device with its link up, using what the
 * backend offers: Linux's netback offers all of it, so all of it must be
 * in use. */
SELFTEST(netfront_connect)
{
	unsigned total, connected = 0;
	struct netdev *d;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: no vifs natively");
	if (hypervisor.xen_dom0)
		return selftest_skip(ctx, "dom0 has no vif frontends");
	if (!(total = netfront_count(&connected)))
		return selftest_skip(ctx, "this domain has no vif (no vif in its config)");
	for (int i = 0; i < 200 && connected < total; i++) {
		sleep_ns(50000000);
		total = netfront_count(&connected);
	}
	if (connected < total)
		return selftest_fail(ctx, "only %u of %u vifs connected within 10 s", connected,
				     total);
	if (!(d = netdev_find("eth0")))
		return selftest_fail(ctx, "no eth0 although a vif connected");
	for (int i = 0; i < 100 && !d->link_up; i++)
		sleep_ns(50000000);
	if (!d->link_up)
		return selftest_fail(ctx, "eth0's link is down");
	if (d->nqueues != NETFRONT_MAX_QUEUES)
		return selftest_fail(ctx, "eth0 has %u queues, netback offers %u or more",
				     d->nqueues, NETFRONT_MAX_QUEUES);
	if ((d->features & (NETDEV_F_SG | NETDEV_F_TX_CSUM)) != (NETDEV_F_SG | NETDEV_F_TX_CSUM))
		return selftest_fail(ctx, "eth0 lacks scatter-gather or checksum offload");
	if (d->ops != &netfront_netdev_ops || !((struct netfront_info *)d->priv)->split_evtchn)
		return selftest_fail(ctx, "eth0 does not use split event channels");
	return selftest_pass(ctx, "%u vif%s; eth0 %02x:%02x:%02x:%02x:%02x:%02x link up, %u queues, "
			     "split event channels, sg, tx-csum",
			     total, total == 1 ? "" : "s", d->mac[0], d->mac[1], d->mac[2],
			     d->mac[3], d->mac[4], d->mac[5], d->nqueues);
}
