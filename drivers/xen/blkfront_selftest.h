/* Between the blkfront selftest files only: what dom0 wrote, what the
 * guest writes, and the checks both files use. */
#ifndef DRIVERS_XEN_BLKFRONT_SELFTEST_H
#define DRIVERS_XEN_BLKFRONT_SELFTEST_H
#include <amphi/blkdev.h>
#include <amphi/selftest.h>

#define BLKFRONT_TEST_DOM0_SEED 0x00d0d0d0u
#define BLKFRONT_TEST_GUEST_SEED 0x0a3f1e5du
#define DOM0_UNITS 2048	 /* dom0's pattern: the first MiB */
#define GUEST_UNIT 4096	 /* the guest's region: 2 MiB in ... */
#define GUEST_UNITS 1024 /* ... 512 KiB long */

/* SKIP unless this domain has vbds, all of them connected. */
enum selftest_result blkfront_need_vbds(struct selftest_ctx *ctx);
/* Reads `units` 512-byte units at `unit` and checks them against seed. */
enum selftest_result blkfront_expect(struct selftest_ctx *ctx, struct blkdev *d, uint64_t unit,
				     uint32_t units, uint32_t seed);
/* Writes the guest's seed over its region, flushes, reads it back. */
enum selftest_result blkfront_write_region(struct selftest_ctx *ctx, struct blkdev *d);
/* Every negotiated feature carried requests; blkfront_use says how. */
enum selftest_result blkfront_features_used(struct selftest_ctx *ctx, const char *name);
extern char blkfront_use[160];
#endif
