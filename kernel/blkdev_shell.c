/*
 * The `blk` shell command: look at block devices and move test patterns
 * through them by hand.  The pattern is blkdev_pattern_fill()'s, so what
 * the guest writes here dom0 can check in the image, and the reverse.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <amphi/time.h>

static bool blk_num(const char *s, uint64_t *out)
{
	size_t len = strlen(s);

	return len && parse_u64(s, len, out) == len;
}

static void blk_list(void)
{
	struct blkdev *d = blkdev_list();

	if (!d)
		kprintf("no block devices\n");
	for (; d; d = d->next)
		kprintf("%-8s %10llu sectors x %4u bytes  %s%s%s\n", d->name,
			(unsigned long long)d->sectors, d->sector_size, d->read_only ? "ro" : "rw",
			d->can_flush ? " flush" : "", d->can_discard ? " discard" : "");
}

static int blk_read(struct blkdev *d, uint64_t sector)
{
	uint8_t *buf = kmalloc(d->sector_size);
	int rc;

	if (!buf)
		return -ENOMEM;
	if (!(rc = blkdev_io_sync(d, BLKDEV_READ, sector, 1, buf))) {
		for (uint32_t off = 0; off < 512; off += 16) {
			kprintf("%04x:", off);
			for (unsigned i = 0; i < 16; i++)
				kprintf(" %02x", buf[off + i]);
			kprintf("\n");
		}
	}
	kfree(buf);
	return rc;
}

/* Writes or verifies the pattern over count sectors, one request size at
 * a time so that any count fits in memory. */
static int blk_pattern(struct blkdev *d, bool write, uint64_t sector, uint64_t count, uint32_t seed)
{
	uint32_t per = d->sector_size / 512;
	void *buf = kmalloc((size_t)d->max_sectors * d->sector_size);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (count && !rc) {
		uint32_t n = count < d->max_sectors ? (uint32_t)count : d->max_sectors;
		int64_t bad;

		if (write) {
			blkdev_pattern_fill(buf, sector * per, n * per, seed);
			rc = blkdev_io_sync(d, BLKDEV_WRITE, sector, n, buf);
		} else if (!(rc = blkdev_io_sync(d, BLKDEV_READ, sector, n, buf)) &&
			   (bad = blkdev_pattern_check(buf, sector * per, n * per, seed)) >= 0) {
			kprintf("blk: mismatch at 512-byte unit %lld\n", (long long)bad);
			rc = -EIO;
		}
		sector += n;
		count -= n;
	}
	kfree(buf);
	return rc;
}

static int blk_usage(void)
{
	kprintf("usage: blk list | read DEV SECTOR | write|verify DEV SECTOR COUNT SEED [PASSES] | "
		"flush DEV | bench DEV [REQ-KIB DEPTH [COUNT]]\n");
	return 1;
}

/* Reads the device sequentially (up to 64 MiB), then random 4 KiB reads
 * in that span, and reports both rates.  By default the sequential reads
 * are the device's largest and 1024 random ones go 16 at a time; make
 * bench asks for REQ-KIB reads and DEPTH and COUNT of its own, the ones
 * its Linux guest makes with tools/dom0/blkbench.c. */
static int blk_bench(struct blkdev *d, int argc, char **argv)
{
	struct blkdev_bench b = {.rand_reads = 1024, .depth = 16};
	uint64_t kib = 0, depth = 16, count = 1024;
	int rc;

	if (argc != 3 && argc != 5 && argc != 6)
		return blk_usage();
	if (argc >= 5 &&
	    (!blk_num(argv[3], &kib) || !kib || kib > 1024 || !blk_num(argv[4], &depth) || !depth ||
	     depth > 32 || (argc == 6 && (!blk_num(argv[5], &count) || !count || count > 65536)))) {
		kprintf("blk bench: REQ-KIB is 1 to 1024, DEPTH 1 to 32, COUNT 1 to 65536\n");
		return 1;
	}
	b.seq_req_bytes = (uint32_t)(kib << 10);
	b.depth = (unsigned)depth;
	b.rand_reads = (unsigned)count;
	if (b.seq_req_bytes % d->sector_size) {
		kprintf("blk bench: %s: %llu KiB is not a whole number of sectors\n", d->name,
			(unsigned long long)kib);
		return 1;
	}
	if (!(rc = blkdev_bench(d, 64ull << 20, &b)))
		blkdev_bench_print(d, NULL, &b);
	return rc;
}

static int blk_dev_cmd(struct blkdev *d, int argc, char **argv)
{
	uint64_t a = 0, b = 0, seed = 0, passes = 1;
	bool w = !strcmp(argv[1], "write");
	int rc = 0;

	if (!strcmp(argv[1], "bench"))
		return blk_bench(d, argc, argv);
	if (!strcmp(argv[1], "flush"))
		return blkdev_io_sync(d, BLKDEV_FLUSH, 0, 0, NULL);
	if (!strcmp(argv[1], "read") && argc == 4 && blk_num(argv[3], &a))
		return blk_read(d, a);
	if (!(w || !strcmp(argv[1], "verify")) || (argc != 6 && argc != 7) ||
	    !blk_num(argv[3], &a) || !blk_num(argv[4], &b) || !blk_num(argv[5], &seed) ||
	    seed > 0xffffffffull ||
	    (argc == 7 && (!blk_num(argv[6], &passes) || !passes || passes > 1000)))
		return blk_usage();
	/* Passes over the same sectors: traffic that lasts, for tests that
	 * change things under it. */
	while (passes-- && !rc)
		rc = blk_pattern(d, w, a, b, (uint32_t)seed);
	return rc;
}

SHELL_CMD(blk, "block devices: blk list | read | write | verify | flush | bench")
{
	struct blkdev *d;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "list")) {
		blk_list();
		return 0;
	}
	if (argc < 3)
		return blk_usage();
	if (!(d = blkdev_get(argv[2]))) {
		kprintf("blk: no device %s\n", argv[2]);
		return 1;
	}
	if ((rc = blk_dev_cmd(d, argc, argv)) < 0)
		kprintf("blk: %s: error %d\n", d->name, rc);
	else if (rc == 0 && strcmp(argv[1], "read"))
		kprintf("blk: %s: ok\n", d->name);
	blkdev_put(d);
	return rc ? 1 : 0;
}
