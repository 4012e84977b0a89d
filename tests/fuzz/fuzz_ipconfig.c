/* Fuzz target: the ip= parameter (lib/ipconfig.c), as typed at a boot
 * prompt or written into a guest's configuration.
 *
 * The input is the value.  What the parser accepts must be what
 * ipconfig.h says: a unicast client address, a contiguous netmask, a
 * gateway in the client's subnet and not the client, hostname and device
 * terminated within their arrays; and a dotted quad it reads must print
 * back as the same text. */
#include "fuzz.h"
#include <amphi/ipconfig.h>

static void dotted_quad(const char *s, size_t len)
{
	uint32_t a;
	char back[16];

	if (!ipconfig_parse_addr(s, len, &a))
		return;
	snprintf(back, sizeof(back), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
	/* Leading zeros ("010") are read, so compare numbers, not text. */
	FUZZ_CHECK(len <= 15 && strlen(back) <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	struct ipconfig c;
	const char *why = NULL;

	memcpy(s, data, size);
	dotted_quad(s, size);
	if (ipconfig_parse(s, size, &c, &why)) {
		FUZZ_CHECK(why != NULL);
	} else if (c.configured) {
		uint32_t host = ~c.netmask;

		FUZZ_CHECK(c.addr && c.addr != 0xffffffffu && (c.addr >> 28) != 0xe);
		FUZZ_CHECK(c.netmask && (host & (host + 1)) == 0);
		FUZZ_CHECK(!c.gateway ||
			   ((c.gateway ^ c.addr) & c.netmask) == 0 && c.gateway != c.addr);
		FUZZ_CHECK(memchr(c.hostname, 0, sizeof(c.hostname)) &&
			   memchr(c.device, 0, sizeof(c.device)));
	}
	free(s);
	return 0;
}
