/*
 * blkbench DEV: the reads of Amphi's `blk bench DEV 64 1 4096`
 * (kernel/blkdev_bench.c) from Linux user space, so that make bench can
 * set a Linux guest's numbers beside Amphi's on the same backend: the
 * first 64 MiB in 64 KiB reads, then 4096 random 4 KiB reads within them
 * (offsets xorshift64 from seed 1), one at a time.  O_DIRECT keeps Linux's
 * page cache out of it, so every read reaches the frontend.  Prints the
 * kernel command's "blk bench:" line in the same words, and exits 0 only
 * when every read was whole.
 * Static: the guest it runs in has only busybox.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_SPAN (64ull << 20)
#define BENCH_SEQ_BYTES (64u << 10)
#define BENCH_RAND_BYTES 4096u
#define BENCH_RAND_COUNT 4096u
#define BENCH_SEED 1ull

static uint64_t bench_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t got = pread(fd, buf, len, (off_t)off);

	if (got == (ssize_t)len)
		return 0;
	fprintf(stderr, "blkbench: read of %zu bytes at %" PRIu64 ": %s\n", len, off,
		got < 0 ? "error" : "short");
	return -1;
}

/* The time the sequential pass took in ns, or 0 on a failed read. */
static uint64_t bench_seq(int fd, void *buf, uint64_t span)
{
	uint64_t t0 = now_ns();

	for (uint64_t off = 0; off < span; off += BENCH_SEQ_BYTES)
		if (read_at(fd, buf, BENCH_SEQ_BYTES, off))
			return 0;
	return now_ns() - t0 + 1;
}

static uint64_t bench_rand(int fd, void *buf, uint64_t span)
{
	uint64_t blocks = span / BENCH_RAND_BYTES, seed = BENCH_SEED, t0 = now_ns();

	for (uint32_t i = 0; i < BENCH_RAND_COUNT; i++)
		if (read_at(fd, buf, BENCH_RAND_BYTES, bench_next(&seed) % blocks * BENCH_RAND_BYTES))
			return 0;
	return now_ns() - t0 + 1;
}

int main(int argc, char **argv)
{
	uint64_t span, seq_ns, rand_ns;
	const char *name;
	off_t end;
	void *buf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: blkbench DEV\n");
		return 2;
	}
	/* The end of a block device is its size, as of a file. */
	if ((fd = open(argv[1], O_RDONLY | O_DIRECT)) < 0 || (end = lseek(fd, 0, SEEK_END)) < 0) {
		perror("blkbench: open");
		return 1;
	}
	span = (uint64_t)end;
	span = (span < BENCH_SPAN ? span : BENCH_SPAN) / BENCH_SEQ_BYTES * BENCH_SEQ_BYTES;
	if (!span) {
		fprintf(stderr, "blkbench: %s: smaller than 64 KiB\n", argv[1]);
		return 1;
	}
	/* O_DIRECT wants buffers aligned to the logical block size. */
	if (posix_memalign(&buf, 4096, BENCH_SEQ_BYTES)) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!(seq_ns = bench_seq(fd, buf, span)) || !(rand_ns = bench_rand(fd, buf, span)))
		return 1;
	name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	printf("blk bench: %s: sequential %" PRIu64 " KiB in %u KiB reads, %" PRIu64 " ms (%" PRIu64
	       " KiB/s); random 4 KiB x%u at depth 1 in %" PRIu64 " ms (%" PRIu64 " IOPS)\n",
	       name, span >> 10, BENCH_SEQ_BYTES >> 10, seq_ns / 1000000,
	       (uint64_t)((span >> 10) * 1000000000ull / seq_ns), BENCH_RAND_COUNT, rand_ns / 1000000,
	       (uint64_t)(BENCH_RAND_COUNT * 1000000000ull / rand_ns));
	return 0;
}
