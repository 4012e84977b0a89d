/*
 * Which descriptor numbers are in use, as a bitmap (fs/fdbits.c), apart
 * from the descriptor table (fs/file.c) so that the host tests can run
 * Linux's rule: a new descriptor is the lowest free number at or above
 * where the call starts (0 for open, pipe and dup; the argument for
 * fcntl's F_DUPFD), below the process's limit.
 */
#ifndef AMPHI_FDBITS_H
#define AMPHI_FDBITS_H
#include <amphi/types.h>

/* The lowest clear bit in [from, limit) of bits, or -1 if none. */
int fdbits_lowest_free(const uint64_t *bits, unsigned int from, unsigned int limit);

static inline bool fdbits_test(const uint64_t *bits, unsigned int fd)
{
	return bits[fd / 64] >> (fd % 64) & 1;
}

static inline void fdbits_set(uint64_t *bits, unsigned int fd, bool on)
{
	if (on)
		bits[fd / 64] |= 1ULL << (fd % 64);
	else
		bits[fd / 64] &= ~(1ULL << (fd % 64));
}

#endif
