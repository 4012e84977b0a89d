/*
 * The ip= kernel parameter, in Linux's nfsroot syntax (lib/ipconfig.c,
 * pure code):
 *
 *   ip=<client>:<server>:<gateway>:<netmask>[:<hostname>[:<device>[:<autoconf>
 *      [:<dns0>[:<dns1>[:<ntp0>]]]]]]
 *   ip=off | ip=none
 *
 * The server and the DNS and NTP fields are accepted (empty or an address)
 * and ignored: nothing here uses them.  autoconf may be empty, off, none or
 * static; the DHCP family is refused, since the stack has no DHCP.  The
 * gateway may be empty; when given it must lie in the client's subnet.
 */
#ifndef AMPHI_IPCONFIG_H
#define AMPHI_IPCONFIG_H
#include <amphi/types.h>

struct ipconfig {
	bool configured; /* false for ip=off */
	uint32_t addr;	 /* host byte order: 10.0.0.1 is 0x0a000001 */
	uint32_t netmask;
	uint32_t gateway;  /* 0 when none */
	char hostname[64]; /* "" when not given */
	char device[16];   /* "" for the first device */
};

/* Parses the value of ip= (without "ip=").  0 and *out filled, or -1 with
 * *why set to a static string naming the problem. */
int ipconfig_parse(const char *s, size_t len, struct ipconfig *out, const char **why);

/* Parses a dotted quad a.b.c.d (each 0-255, no leading garbage) into host
 * byte order; true on success.  Shared with the shell. */
bool ipconfig_parse_addr(const char *s, size_t len, uint32_t *out);
#endif
