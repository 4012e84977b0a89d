/*
 * The byte pattern `net source` sends (include/amphi/net.h): SplitMix64,
 * chosen because it is a few lines anyone can rewrite in a test harness,
 * has no bad seeds (0 included), and its 64-bit outputs fill a buffer
 * eight bytes at a time.  Pure code, host-tested against vectors computed
 * independently.
 */
#include <amphi/net.h>

void net_pattern_fill(struct net_pattern *p, uint8_t *buf, size_t len)
{
	while (len) {
		uint64_t z = (p->state += 0x9e3779b97f4a7c15ull);
		size_t n = MIN(len, 8);

		z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ z >> 27) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(z >> (8 * i));
		buf += n;
		len -= n;
	}
}
