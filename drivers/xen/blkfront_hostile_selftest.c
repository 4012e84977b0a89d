/*
 * blkfront against a backend that breaks the protocol: this test plays
 * the backend, reading requests from the ring and writing responses
 * into it, on a queue whose ring and data pages are plain memory (the
 * pool is filled with pages marked granted and persistent, so nothing
 * is granted and no event channel is needed).  It therefore runs
 * wherever the kernel runs, natively too, like netfront_hostile.
 *
 * Each case sends reads, answers them badly and checks that the driver
 * said what was wrong (one error report each), failed the requests
 * concerned with -EIO (all of them when the connection can no longer be
 * trusted), completed every request exactly once, and got every data
 * page back into its pool exactly once.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>
#include "blkfront.h"

#define HOSTILE_POOL 8
#define HOSTILE_RQS 3

struct blkfront_hostile {
	struct blkfront_info info;
	struct blkdev_request rq[HOSTILE_RQS];
	unsigned done[HOSTILE_RQS]; /* completions of each request */
	char buf[HOSTILE_RQS][512];
	RING_IDX rsp_prod; /* what the backend has written so far */
};

static void hostile_done(struct blkdev_request *rq)
{
	(*(unsigned *)rq->priv)++;
}

static void hostile_free(struct blkfront_hostile *h)
{
	struct blkfront_queue *q = &h->info.queue[0];

	while (q->free_gpages) {
		struct blkfront_gpage *g = q->free_gpages;

		q->free_gpages = g->next;
		mm_page_free(g->page);
		kfree(g);
	}
	if (q->ring_mem)
		mm_page_free(q->ring_mem);
	kfree(q->shadow);
	kfree(q->sent);
	kfree(h);
}

static bool hostile_pool(struct blkfront_queue *q)
{
	for (unsigned i = 0; i < HOSTILE_POOL; i++) {
		struct blkfront_gpage *g = kmalloc(sizeof(*g));

		if (!g)
			return false;
		*g = (struct blkfront_gpage){.granted = true, .pooled = true};
		if (!(g->page = mm_page_alloc())) {
			kfree(g);
			return false;
		}
		g->next = q->free_gpages;
		q->free_gpages = g;
		q->pooled++;
	}
	return true;
}

/* A connected one-queue disk of 512-byte sectors, one ring page. */
static struct blkfront_hostile *hostile_new(void)
{
	struct blkfront_hostile *h = kmalloc(sizeof(*h));
	struct blkfront_info *info;
	struct blkfront_queue *q;

	if (!h)
		return NULL;
	memset(h, 0, sizeof(*h));
	info = &h->info;
	q = &info->queue[0];
	strlcpy(info->bdev.name, "hostile", sizeof(info->bdev.name));
	info->bdev.sector_size = 512;
	info->bdev.priv = info;
	info->nr_queues = info->ring_pages = 1;
	info->max_segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	info->persistent = info->connected = info->registered = info->rings_up = true;
	q->info = info;
	q->evtchn = -1;
	if (!(q->ring_mem = mm_page_alloc()) || !hostile_pool(q)) {
		hostile_free(h);
		return NULL;
	}
	SHARED_RING_INIT((blkif_sring_t *)q->ring_mem);
	FRONT_RING_INIT(&q->ring, (blkif_sring_t *)q->ring_mem, 4096);
	q->nr_shadow = RING_SIZE(&q->ring);
	q->shadow = kmalloc(q->nr_shadow * sizeof(*q->shadow));
	q->sent = kmalloc(q->nr_shadow * sizeof(*q->sent));
	if (!q->shadow || !q->sent) {
		hostile_free(h);
		return NULL;
	}
	memset(q->shadow, 0, q->nr_shadow * sizeof(*q->shadow));
	memset(q->sent, 0, q->nr_shadow * sizeof(*q->sent));
	return h;
}

/* Submits n one-sector reads (sectors 0..n-1). */
static void hostile_read(struct blkfront_hostile *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		h->rq[i] = (struct blkdev_request){.op = BLKDEV_READ,
						   .sector = i,
						   .count = 1,
						   .buf = h->buf[i],
						   .done = hostile_done,
						   .priv = &h->done[i]};
		blkfront_blkdev_ops.submit(&h->info.bdev, &h->rq[i]);
	}
}

/* The backend's answer in the next response slot; the data of a read
 * it answers as sent is the sector number in every byte. */
static void hostile_answer(struct blkfront_hostile *h, uint64_t id, uint8_t op, int16_t status)
{
	struct blkfront_queue *q = &h->info.queue[0];
	blkif_response_t *r = RING_GET_RESPONSE(&q->ring, h->rsp_prod);

	if (id < q->nr_shadow && q->shadow[id].rq && q->shadow[id].nseg)
		memset(q->shadow[id].data[0]->page, 0xa0 + (int)q->shadow[id].rq->sector, 512);
	r->id = id;
	r->operation = op;
	r->status = status;
	h->rsp_prod++;
}

/* Publishes rsp_prod and raises the "interrupt". */
static void hostile_publish(struct blkfront_hostile *h, RING_IDX prod)
{
	struct blkfront_queue *q = &h->info.queue[0];

	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->ring.sring->rsp_prod = prod;
	blkfront_interrupt(0, q);
}

/* Every request done once with its status, every page back once. */
static const char *hostile_check(struct blkfront_hostile *h, unsigned n, const int *status,
				 bool broken)
{
	struct blkfront_queue *q = &h->info.queue[0];
	unsigned pages = 0;

	for (unsigned i = 0; i < n; i++) {
		if (h->done[i] != 1)
			return "a request was not completed exactly once";
		if (h->rq[i].status != status[i])
			return "a request completed with the wrong status";
		if (!status[i] && (uint8_t)h->buf[i][0] != 0xa0 + i)
			return "a good read did not bring its data";
	}
	if (h->info.broken != broken)
		return broken ? "the device went on after a protocol breach"
			      : "the device stopped for a bad response";
	for (struct blkfront_gpage *g = q->free_gpages; g && pages <= HOSTILE_POOL; g = g->next)
		pages++;
	if (pages != HOSTILE_POOL || q->pooled != HOSTILE_POOL)
		return "the pool did not get every page back exactly once";
	for (unsigned i = 0; i < q->nr_shadow; i++)
		if (q->shadow[i].rq || q->sent[i].in_flight)
			return "a slot is still in flight";
	return NULL;
}

struct hostile_case {
	const char *name;
	unsigned reads;
	void (*play)(struct blkfront_hostile *h);
	int status[HOSTILE_RQS];
	bool broken;
	unsigned reports;
};

static void play_good(struct blkfront_hostile *h)
{
	hostile_answer(h, 1, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_answer(h, 0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static void play_wrong_op_status(struct blkfront_hostile *h)
{
	hostile_answer(h, 0, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	hostile_answer(h, 1, BLKIF_OP_READ, 7);
	hostile_answer(h, 2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static void play_id_beyond(struct blkfront_hostile *h)
{
	hostile_answer(h, 0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_answer(h, 1000, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static void play_duplicate(struct blkfront_hostile *h)
{
	hostile_answer(h, 0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_answer(h, 0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static void play_unasked(struct blkfront_hostile *h)
{
	hostile_answer(h, 5, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static void play_beyond_ring(struct blkfront_hostile *h)
{
	hostile_publish(h, h->info.queue[0].ring.rsp_cons + 33);
}

static void play_backwards(struct blkfront_hostile *h)
{
	play_good(h);
	hostile_publish(h, h->rsp_prod - 1);
}

/* The backend closes with three reads in flight (what blkfront_disconnect
 * does at its Closing), then answers one of them anyway. */
static void play_close(struct blkfront_hostile *h)
{
	blkfront_set_live(&h->info, false, false);
	blkfront_fail_all(&h->info, -EIO);
	hostile_answer(h, 0, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	hostile_publish(h, h->rsp_prod);
}

static const struct hostile_case hostile_cases[] = {
    {"good answers, out of order", 2, play_good, {0, 0}, false, 0},
    {"a wrong operation and an unknown status", 3, play_wrong_op_status, {-EIO, -EIO, 0}, false, 2},
    {"an id beyond the ring", 2, play_id_beyond, {0, -EIO}, true, 1},
    {"a duplicate", 2, play_duplicate, {0, -EIO}, true, 1},
    {"a response nobody asked for", 1, play_unasked, {-EIO}, true, 1},
    {"an index beyond the ring", 1, play_beyond_ring, {-EIO}, true, 1},
    {"an index going backwards", 2, play_backwards, {0, 0}, true, 1},
    {"a close with requests in flight", 3, play_close, {-EIO, -EIO, -EIO}, false, 0},
};

static enum selftest_result hostile_run(struct selftest_ctx *ctx, const struct hostile_case *c)
{
	struct blkfront_hostile *h = hostile_new();
	unsigned long reports;
	const char *why;

	if (!h)
		return selftest_error(ctx, "out of memory");
	reports = printk_error_reports(true);
	hostile_read(h, c->reads);
	c->play(h);
	reports = printk_error_reports(true) - reports;
	why = hostile_check(h, c->reads, c->status, c->broken);
	hostile_free(h);
	if (why)
		return selftest_fail(ctx, "%s: %s", c->name, why);
	if (reports != c->reports)
		return selftest_fail(ctx, "%s: %lu error reports, expected %u", c->name, reports,
				     c->reports);
	return SELFTEST_SUCCESS;
}

SELFTEST(blkfront_hostile)
{
	enum selftest_result r = SELFTEST_SUCCESS;
	unsigned n = sizeof(hostile_cases) / sizeof(hostile_cases[0]);

	printk_expect_errors(true);
	for (unsigned i = 0; i < n && !r; i++)
		r = hostile_run(ctx, &hostile_cases[i]);
	printk_expect_errors(false);
	if (r)
		return r;
	return selftest_pass(ctx,
			     "%u cases: bad operations and statuses fail their request; wrong "
			     "ids, duplicates, unasked answers and runaway indexes stop the "
			     "device, reported; a close fails what was in flight; every request "
			     "done once, every page back once",
			     n);
}
