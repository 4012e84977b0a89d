/*
 * The lowest free descriptor (amphi/fdbits.h): a word at a time, the
 * first word masked below `from`.  Pure, host-tested.
 */
#include <amphi/fdbits.h>

int fdbits_lowest_free(const uint64_t *bits, unsigned int from, unsigned int limit)
{
	for (unsigned int w = from / 64; w * 64 < limit; w++) {
		uint64_t taken = bits[w];
		unsigned int fd;

		if (w == from / 64 && from % 64)
			taken |= (1ULL << (from % 64)) - 1;
		if (taken == ~0ULL)
			continue;
		fd = w * 64 + (unsigned int)__builtin_ctzll(~taken);
		return fd < limit ? (int)fd : -1;
	}
	return -1;
}
