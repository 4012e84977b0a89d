/*
 * The balloon driven from every CPU at once: two threads per CPU set
 * targets between the boot memory and 8 MiB below it, as several
 * toolstack writes, shell commands and tests could, while they take
 * frames from the allocator, fill them with a pattern of their own and
 * check it (a frame the balloon also took would be cleared or unmapped
 * under them, and none may be one given back to Xen), and read the
 * balloon's counts, which must always add up.  The worker, on whichever
 * CPU, chases the targets meanwhile.  Then a last target must be met
 * exactly, with every frame out held from the allocator, and after the
 * boot target Xen's count must equal the balloon's.
 */
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <drivers/xen/balloon.h>

#define BM_PER_CPU 2
#define BM_ITERS 40
#define BM_FRAMES 8
#define BM_STEP_KIB (4 * 1024)
#define BM_SETTLE_NS (30 * NSEC_PER_SEC)
#define BM_TIMEOUT_NS (120 * NSEC_PER_SEC)

struct bm_worker {
	uint64_t pfn[BM_FRAMES];
	/* What went wrong, the first time. */
	const char *err;
	uint64_t err_val;
	unsigned int iters;
};

static struct bm_worker bm[BM_PER_CPU * NR_CPUS];
static uint64_t bm_base_kib;

static void bm_note(struct bm_worker *w, const char *err, uint64_t val)
{
	if (!w->err) {
		w->err = err;
		w->err_val = val;
	}
}

static uint64_t bm_word(unsigned int idx, uint64_t pfn, unsigned int i)
{
	return ((uint64_t)idx << 56) ^ (pfn << 16) ^ i;
}

/* Takes frames, none of them out, and fills them. */
static unsigned int bm_take(struct bm_worker *w, unsigned int idx)
{
	unsigned int n;

	for (n = 0; n < BM_FRAMES; n++) {
		int64_t pfn = mm_frame_alloc();

		if (pfn < 0)
			break;
		w->pfn[n] = (uint64_t)pfn;
		if (balloon_is_out((uint64_t)pfn))
			bm_note(w, "the allocator handed out a frame given back to Xen", pfn);
		uint64_t *p = (uint64_t *)pfn_to_virt((uint64_t)pfn);
		for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
			p[i] = bm_word(idx, (uint64_t)pfn, i);
	}
	return n;
}

/* Checks the frames' patterns and frees them. */
static void bm_give(struct bm_worker *w, unsigned int idx, unsigned int n)
{
	while (n--) {
		const uint64_t *p = (const uint64_t *)pfn_to_virt(w->pfn[n]);

		for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
			if (p[i] != bm_word(idx, w->pfn[n], i)) {
				bm_note(w, "a frame held by a thread lost its pattern", w->pfn[n]);
				break;
			}
		mm_frame_free(w->pfn[n]);
	}
}

/* The counts add up, and the target is within the limits. */
static void bm_check_stats(struct bm_worker *w)
{
	struct balloon_stats s;

	balloon_get_stats(&s);
	if (s.current_pages + s.ballooned_pages != s.map_pages)
		bm_note(w, "current + ballooned pages differ from the map's pages",
			s.current_pages + s.ballooned_pages);
	if (s.target_pages < s.min_pages || s.target_pages > s.map_pages)
		bm_note(w, "the target is outside the limits", s.target_pages);
}

static void bm_thread(unsigned int idx, void *arg)
{
	struct bm_worker *w = &bm[idx];
	uint64_t x = idx * 0x9e3779b97f4a7c15ULL + 1;

	(void)arg;
	for (unsigned int i = 0; i < BM_ITERS && !w->err; i++, w->iters++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		balloon_set_target_kib(bm_base_kib - (x % 3) * BM_STEP_KIB, "a selftest's");
		unsigned int n = bm_take(w, idx);
		bm_check_stats(w);
		sleep_ns((x % 4 + 1) * NSEC_PER_MSEC);
		bm_give(w, idx, n);
	}
}

/* Every frame out is held from the allocator; how many are out. */
static bool bm_out_held(uint64_t *count, uint64_t *bad)
{
	*count = 0;
	for (uint64_t pfn = 0; pfn < frames.nframes; pfn++) {
		if (!balloon_is_out(pfn))
			continue;
		++*count;
		if (frame_is_free(&frames, pfn)) {
			*bad = pfn;
			return false;
		}
	}
	return true;
}

/* A last target below the boot memory, met exactly; then the boot one,
 * where Xen must count what the balloon counts. */
static enum selftest_result bm_finish(struct selftest_ctx *ctx)
{
	struct balloon_stats s;
	uint64_t out, bad;

	balloon_set_target_kib(bm_base_kib - BM_STEP_KIB, "a selftest's");
	if (!balloon_wait_settled(BM_SETTLE_NS))
		return selftest_fail(ctx, "the last target below boot was not met within 30 s");
	balloon_get_stats(&s);
	if (!bm_out_held(&out, &bad))
		return selftest_fail(ctx, "frame %#lx is given back, yet free in the allocator",
				     bad);
	if (out != s.ballooned_pages)
		return selftest_fail(ctx, "%lu frames out, the balloon counts %lu", out,
				     s.ballooned_pages);
	balloon_set_target_kib(bm_base_kib, "a selftest's");
	if (!balloon_wait_settled(BM_SETTLE_NS))
		return selftest_fail(ctx, "the boot target was not met again within 30 s");
	balloon_get_stats(&s);
	long res = balloon_xen_reservation();
	if (res != (long)s.current_pages || s.current_pages != s.target_pages)
		return selftest_fail(ctx,
				     "Xen reports %ld pages, the balloon counts %lu (target "
				     "%lu)",
				     res, s.current_pages, s.target_pages);
	return SELFTEST_SUCCESS;
}

SELFTEST(balloon_smp)
{
	struct balloon_stats s;
	enum selftest_result r;
	int n;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not on Xen: nothing to give memory back to");
	if (!balloon_running())
		return selftest_skip(ctx, "the balloon does not run here (dom0, or no store)");
	if (!balloon_wait_settled(10 * NSEC_PER_SEC))
		return selftest_error(ctx, "the balloon is not at its first target");
	balloon_get_stats(&s);
	if (s.current_pages != s.boot_pages)
		return selftest_skip(ctx,
				     "the toolstack already moved the target (%lu pages, "
				     "booted with %lu)",
				     s.current_pages, s.boot_pages);
	bm_base_kib = balloon_base_kib();
	for (unsigned int i = 0; i < ARRAY_SIZE(bm); i++)
		bm[i] = (struct bm_worker){0};
	n = selftest_on_every_cpu("balloon-smp", bm_thread, NULL, BM_PER_CPU, BM_TIMEOUT_NS);
	if (n == -2)
		return selftest_fail(ctx, "the threads did not finish within 120 s");
	for (int i = 0; i < n; i++)
		if (bm[i].err)
			return selftest_fail(ctx, "thread %d, iteration %u: %s (%#lx)", i,
					     bm[i].iters, bm[i].err, bm[i].err_val);
	if (n != (int)(BM_PER_CPU * nr_cpus_online()))
		return selftest_error(ctx, "%d of %u threads started", n,
				      BM_PER_CPU * nr_cpus_online());
	if ((r = bm_finish(ctx)))
		return r;
	return selftest_pass(ctx,
			     "%d threads on %u CPUs set %u targets within 8 MiB of boot "
			     "while holding patterned frames; last targets met, Xen agrees",
			     n, nr_cpus_online(), n * BM_ITERS);
}
