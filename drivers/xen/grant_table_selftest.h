/* Between the selftests that read our own pages through Xen
 * (grant_table_use_selftest.c, where these live) and the drivers' tests
 * of the pages they share or give back: a page granted to our own domain,
 * or any frame of ours, can be read with GNTTABOP_copy, and so seen as a
 * backend, or Xen, sees it. */
#ifndef DRIVERS_XEN_GRANT_TABLE_SELFTEST_H
#define DRIVERS_XEN_GRANT_TABLE_SELFTEST_H
#include <amphi/selftest.h>
#include <drivers/xen/grant_table.h>

#define GNTTAB_DIRTY_MAX 16
#define GNTTAB_DIRTY_BYTE 0xa5

/* SKIP natively or while our domain id is unknown; else *domid. */
enum selftest_result gnttab_need_self_grants(struct selftest_ctx *ctx, int *domid);
/* Takes up to n (at most GNTTAB_DIRTY_MAX) pages, fills them with
 * GNTTAB_DIRTY_BYTE and frees them: the allocator hands out the lowest
 * free frame first, so the next pages taken are these.  Their pfns go to
 * pfns; how many. */
unsigned gnttab_dirty_frames(uint64_t *pfns, unsigned n);
/* SUCCESS when `page`, one of the dirty frames, reads as 4096 zero bytes
 * through grant ref of domid; FAILURE when it does not; ERROR when it is
 * not one of them (the test would prove nothing) or Xen cannot copy. */
enum selftest_result gnttab_expect_zero(struct selftest_ctx *ctx, const char *what,
					const void *page, grant_ref_t ref, int domid,
					const uint64_t *dirty, unsigned ndirty);
/* The same for a frame of our own, named as Xen knows it (PV: machine
 * frame; PVH: guest frame), whether or not the kernel still maps it. */
enum selftest_result gnttab_expect_zero_frame(struct selftest_ctx *ctx, const char *what,
					      uint64_t gmfn);
#endif
