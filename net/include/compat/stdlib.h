/* lwIP includes <stdlib.h> for atoi alone (netif_find parses "en0"). */
#ifndef AMPHI_LWIP_COMPAT_STDLIB_H
#define AMPHI_LWIP_COMPAT_STDLIB_H
#include <amphi/types.h>

static inline int atoi(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}
#endif
