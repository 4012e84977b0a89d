/*
 * The ip= parameter (include/amphi/ipconfig.h).  A value people type at a
 * boot prompt: every field is checked, and each kind of mistake gets its
 * own message rather than a configuration that quietly does not work.
 */
#include <amphi/ipconfig.h>
#include <amphi/string.h>

#define IPCONFIG_FIELDS 10

bool ipconfig_parse_addr(const char *s, size_t len, uint32_t *out)
{
	uint32_t addr = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		uint32_t v = 0;
		size_t digits = 0;

		if (part) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(s[i++] - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return false;
		addr = addr << 8 | v;
	}
	if (i != len)
		return false;
	*out = addr;
	return true;
}

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/* A netmask is ones then zeros: its complement plus one is a power of 2. */
static bool mask_ok(uint32_t m)
{
	uint32_t host = ~m;

	return m && (host & (host + 1)) == 0;
}

static bool same(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(s, word, len);
}

static bool hostname_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Checks and stores one field; *why says what is wrong with it. */
static int take_field(int i, const char *f, size_t n, struct ipconfig *c, const char **why)
{
	uint32_t a;

	switch (i) {
	case 0:
		if (!n)
			return bad(why, "the client address is missing");
		if (!ipconfig_parse_addr(f, n, &c->addr))
			return bad(why, "the client address is not a dotted quad");
		if (!c->addr || c->addr == 0xffffffffu || (c->addr >> 28) == 0xe)
			return bad(why, "the client address must be a unicast address");
		return 0;
	case 1: /* server: only checked */
	case 7: /* dns0 */
	case 8: /* dns1 */
	case 9: /* ntp0 */
		if (n && !ipconfig_parse_addr(f, n, &a))
			return bad(why, "a server, DNS or NTP field is not a dotted quad");
		return 0;
	case 2:
		if (n && !ipconfig_parse_addr(f, n, &c->gateway))
			return bad(why, "the gateway is not a dotted quad");
		return 0;
	case 3:
		if (!n)
			return bad(why, "the netmask is missing");
		if (!ipconfig_parse_addr(f, n, &c->netmask) || !mask_ok(c->netmask))
			return bad(why, "the netmask is not a contiguous mask such as 255.255.0.0");
		return 0;
	case 4:
		if (n >= sizeof(c->hostname) || !hostname_ok(f, n))
			return bad(why,
				   "the hostname must be up to 63 letters, digits, '-' or '.'");
		memcpy(c->hostname, f, n);
		c->hostname[n] = '\0';
		return 0;
	case 5:
		if (n >= sizeof(c->device))
			return bad(why, "the device name is longer than 15 characters");
		memcpy(c->device, f, n);
		c->device[n] = '\0';
		return 0;
	case 6:
		if (!n || same(f, n, "off") || same(f, n, "none") || same(f, n, "static"))
			return 0;
		if (same(f, n, "dhcp") || same(f, n, "bootp") || same(f, n, "rarp") ||
		    same(f, n, "both") || same(f, n, "any") || same(f, n, "on"))
			return bad(why,
				   "automatic configuration (DHCP, BOOTP, RARP) is not supported");
		return bad(why, "autoconf must be off, none or static");
	}
	return bad(why, "too many fields (at most 10)");
}

int ipconfig_parse(const char *s, size_t len, struct ipconfig *out, const char **why)
{
	struct ipconfig c;
	size_t start = 0;
	int field = 0;

	memset(&c, 0, sizeof(c));
	*why = NULL;
	if (!s || !len)
		return bad(why, "expects client::gateway:netmask[:hostname[:device]] or off");
	if (same(s, len, "off") || same(s, len, "none")) {
		*out = c;
		return 0;
	}
	if (same(s, len, "dhcp") || same(s, len, "bootp") || same(s, len, "rarp") ||
	    same(s, len, "on") || same(s, len, "any") || same(s, len, "both"))
		return bad(why, "automatic configuration (DHCP, BOOTP, RARP) is not supported");
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (field >= IPCONFIG_FIELDS)
			return bad(why, "too many fields (at most 10)");
		if (take_field(field++, s + start, i - start, &c, why))
			return -1;
		start = i + 1;
	}
	if (field < 4)
		return bad(why, "expects client::gateway:netmask (the netmask is missing)");
	if (c.gateway && (c.gateway & c.netmask) != (c.addr & c.netmask))
		return bad(why, "the gateway is not in the client's subnet");
	if (c.gateway == c.addr && c.gateway)
		return bad(why, "the gateway is the client's own address");
	c.configured = true;
	*out = c;
	return 0;
}
