/*
 * Grant tables driven from every CPU at once: two threads per CPU each
 * grant a batch of references to dom0 (enough between them that the
 * table has to grow while they do, unless it is near its largest), check every shared entry names
 * its own page, and end them again, round after round; some ends go through the deferred path
 * (which ends a grant nobody maps at once).  A reference is claimed in a table of owners the moment
 * it is handed out and released just before it is ended: a reference handed to two threads at once,
 * an entry that names another thread's page, or an end that fails is a failure, and afterwards the
 * free count must be what it was plus the frames the table grew by.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/sched.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/time.h>
#include <asm/xen/grant_table.h>
#include <drivers/xen/grant_table.h>
#include <drivers/xen/hypervisor.h>

#define GS_PER_CPU 2
#define GS_BATCH_MAX 512
#define GS_OVER 64 /* per worker, beyond an even share of the free list */
#define GS_ROUNDS 6
#define GS_TIMEOUT_NS (60 * NSEC_PER_SEC)
#define GS_MAX_REFS 32768 /* owners tracked; a reference beyond is an error */

struct gs_worker {
	void *page;
	uint64_t frame;
	grant_ref_t refs[GS_BATCH_MAX];
	unsigned int granted, ended, deferred;
	int err, err_ref, err_other;
};

static struct gs_worker gs[GS_PER_CPU * NR_CPUS];
/* References each worker holds at once: together more than are free, so
 * the table grows while they run.  Every worker holds its batch before
 * any ends it (gs_barrier). */
static unsigned int gs_batch, gs_workers, gs_arrived;
/* 1 + the worker holding each reference, 0 when none does. */
static uint16_t gs_owner[GS_MAX_REFS];

enum { GS_OK, GS_GRANT, GS_TWICE, GS_RANGE, GS_ENTRY, GS_END, GS_LOST, GS_BARRIER };

static void gs_note(struct gs_worker *w, int err, int ref, int other)
{
	if (!w->err) {
		w->err = err;
		w->err_ref = ref;
		w->err_other = other;
	}
}

/* Claims ref for worker idx: false (and the holder noted) if another
 * worker holds it. */
static bool gs_claim(struct gs_worker *w, unsigned int idx, int ref)
{
	uint16_t none = 0;

	if (ref >= GS_MAX_REFS) {
		gs_note(w, GS_RANGE, ref, 0);
		return false;
	}
	if (!__atomic_compare_exchange_n(&gs_owner[ref], &none, (uint16_t)(idx + 1), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		gs_note(w, GS_TWICE, ref, none - 1);
		return false;
	}
	return true;
}

static void gs_grant_batch(struct gs_worker *w, unsigned int idx, bool ro)
{
	uint16_t want = GTF_permit_access | (ro ? GTF_readonly : 0);

	for (w->granted = 0; w->granted < gs_batch && !w->err; w->granted++) {
		int ref = gnttab_grant_access(0, w->page, ro);
		const grant_entry_v1_t *e;

		if (ref < 0) {
			gs_note(w, GS_GRANT, ref, 0);
			break;
		}
		w->refs[w->granted] = (grant_ref_t)ref;
		if (!gs_claim(w, idx, ref))
			break;
		e = gnttab_shared_entry((grant_ref_t)ref);
		if (!e || e->frame != w->frame || e->domid != 0 || e->flags != want)
			gs_note(w, GS_ENTRY, ref, e ? (int)e->frame : -1);
	}
}

/* Ends the batch, newest first; every fifth through the deferred path. */
static void gs_end_batch(struct gs_worker *w, unsigned int idx)
{
	while (w->granted) {
		grant_ref_t ref = w->refs[--w->granted];
		uint16_t me = (uint16_t)(idx + 1);

		if (ref < GS_MAX_REFS &&
		    !__atomic_compare_exchange_n(&gs_owner[ref], &me, 0, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			gs_note(w, GS_LOST, (int)ref, me - 1);
		if (w->granted % 5 == 0) {
			gnttab_end_access_deferred(ref, NULL);
			w->deferred++;
		} else if (gnttab_end_access(ref)) {
			gs_note(w, GS_END, (int)ref, 0);
		} else {
			w->ended++;
		}
	}
}

/* Waits (yielding, 10 s at most) until every worker arrived in round r. */
static void gs_barrier(struct gs_worker *w, unsigned int r)
{
	unsigned int want = (r + 1) * gs_workers;
	uint64_t end = sched_clock() + 10 * NSEC_PER_SEC;

	__atomic_add_fetch(&gs_arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&gs_arrived, __ATOMIC_ACQUIRE) < want)
		if (sched_clock() > end) {
			gs_note(w, GS_BARRIER, -1, (int)__atomic_load_n(&gs_arrived, 0));
			return;
		} else {
			yield();
		}
}

/* Every round reaches the barrier, even after an error, so that no
 * other worker waits for this one in vain. */
static void gs_thread(unsigned int idx, void *arg)
{
	struct gs_worker *w = &gs[idx];

	(void)arg;
	for (unsigned int r = 0; r < GS_ROUNDS; r++) {
		if (!w->err)
			gs_grant_batch(w, idx, (r + idx) % 2);
		gs_barrier(w, r);
		gs_end_batch(w, idx);
	}
}

static const char *const gs_what[] = {
    [GS_GRANT] = "gnttab_grant_access failed",
    [GS_TWICE] = "handed out while another worker held it",
    [GS_RANGE] = "beyond what the test tracks",
    [GS_ENTRY] = "its shared entry does not name the worker's page (frame in 'other')",
    [GS_END] = "gnttab_end_access refused it",
    [GS_LOST] = "another worker held it when it was ended",
    [GS_BARRIER] = "the other workers did not all arrive in 10 s (arrived: 'other')",
};

static enum selftest_result gs_verdict(struct selftest_ctx *ctx, int n, unsigned int free0,
				       unsigned int frames0)
{
	unsigned int grants = 0, grown = gnttab_nr_frames() - frames0;
	unsigned int free_now = gnttab_free_count() + gnttab_deferred_count();

	for (int i = 0; i < n; i++) {
		if (gs[i].err)
			return selftest_fail(ctx, "worker %d, grant %d (other %d): %s", i,
					     gs[i].err_ref, gs[i].err_other, gs_what[gs[i].err]);
		grants += gs[i].ended + gs[i].deferred;
	}
	if (free_now != free0 + grown * GNTTAB_ENTRIES_PER_FRAME)
		return selftest_fail(ctx,
				     "%u free or deferred grants after, %u before and %u "
				     "frames grown",
				     free_now, free0, grown);
	if (gs_batch * (unsigned int)n > free0 && !grown)
		return selftest_fail(ctx,
				     "%u references held at once, at most %u were free, and "
				     "the table did not grow",
				     gs_batch * n, free0);
	return selftest_pass(ctx,
			     "%d workers on %u CPUs granted and ended %u references, %u at a "
			     "time each, none twice; the table grew from %u to %u frames "
			     "meanwhile",
			     n, nr_cpus_online(), grants, gs_batch, frames0, frames0 + grown);
}

/* Each worker's page, and how many references each holds at once: an
 * even share of the free list and GS_OVER more, where the table can
 * still grow by that much. */
static bool gs_plan(unsigned int workers, unsigned int frames0)
{
	unsigned int room = (gnttab_max_frames() - frames0) * GNTTAB_ENTRIES_PER_FRAME;

	__builtin_memset(gs_owner, 0, sizeof(gs_owner));
	for (unsigned int i = 0; i < ARRAY_SIZE(gs); i++)
		gs[i] = (struct gs_worker){0};
	for (unsigned int i = 0; i < workers; i++) {
		if (!(gs[i].page = mm_page_alloc_zeroed()))
			return false;
		gs[i].frame = gnttab_frame_of(gs[i].page);
	}
	gs_workers = workers;
	gs_arrived = 0;
	gs_batch = MIN(gnttab_free_count() / workers + MIN((unsigned)GS_OVER, room / workers),
		       (unsigned)GS_BATCH_MAX);
	return true;
}

SELFTEST(gnttab_smp)
{
	unsigned int workers = GS_PER_CPU * nr_cpus_online(), free0, frames0;
	int n, rc;

	if (!hypervisor.is_xen)
		return selftest_skip(ctx, "not running on Xen: there is no grant table natively");
	if ((rc = gnttab_init()))
		return selftest_error(ctx, "gnttab_init failed (%d)", rc);
	frames0 = gnttab_nr_frames();
	free0 = gnttab_free_count() + gnttab_deferred_count();
	if (!gs_plan(workers, frames0))
		return selftest_error(ctx, "no page for every worker"); /* leaks the others */
	n = selftest_on_every_cpu("gnttab-smp", gs_thread, NULL, GS_PER_CPU, GS_TIMEOUT_NS);
	if (n == -2)
		return selftest_fail(ctx, "the workers did not finish within 60 s");
	for (unsigned int i = 0; i < workers; i++)
		mm_page_free(gs[i].page);
	if (n != (int)workers)
		return selftest_error(ctx, "%d of %u workers started", n, workers);
	return gs_verdict(ctx, n, free0, frames0);
}
