/*
 * The generic block layer: a list of devices and the checks every request
 * passes before a driver sees it.  Checking here, once, means a driver
 * can trust a request's bounds, and a write to a read-only disk is
 * refused before it reaches any backend.  The synchronous helper copies
 * through its own buffer so that a request abandoned after a timeout can
 * still complete later without writing into memory its caller reused.
 */
#include <amphi/blkdev.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <amphi/time.h>

#define BLKDEV_SYNC_TIMEOUT_NS (30ull * 1000000000ull)

static struct blkdev *blkdev_head;
static struct spinlock blkdev_lock = SPINLOCK_INIT;
unsigned blkdev_resizes;

int blkdev_register(struct blkdev *dev)
{
	unsigned long flags;

	if (!dev->ops || !dev->sector_size || dev->sector_size % 512 || !dev->max_sectors)
		return -EINVAL;
	if (blkdev_find(dev->name))
		return -EEXIST;
	flags = spin_lock_irqsave(&blkdev_lock);
	dev->next = blkdev_head;
	blkdev_head = dev;
	spin_unlock_irqrestore(&blkdev_lock, flags);
	pr_info("blk: %s: %llu sectors of %u bytes%s%s%s\n", dev->name,
		(unsigned long long)dev->sectors, dev->sector_size,
		dev->read_only ? ", read-only" : "", dev->can_flush ? ", flush" : "",
		dev->can_discard ? ", discard" : "");
	return 0;
}

void blkdev_unregister(struct blkdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	struct blkdev **p;

	for (p = &blkdev_head; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	spin_unlock_irqrestore(&blkdev_lock, flags);
	pr_info("blk: %s: removed\n", dev->name);
}

struct blkdev *blkdev_find(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	struct blkdev *d;

	for (d = blkdev_head; d && strcmp(d->name, name); d = d->next)
		;
	spin_unlock_irqrestore(&blkdev_lock, flags);
	return d;
}

struct blkdev *blkdev_get(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	struct blkdev *d;

	for (d = blkdev_head; d && strcmp(d->name, name); d = d->next)
		;
	if (d)
		d->refs++;
	spin_unlock_irqrestore(&blkdev_lock, flags);
	return d;
}

/* Lock held: does the last user of a retired device release it? */
static bool blkdev_last(struct blkdev *dev)
{
	return dev->retired && !dev->refs;
}

void blkdev_put(struct blkdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	bool release;

	dev->refs--;
	release = blkdev_last(dev);
	spin_unlock_irqrestore(&blkdev_lock, flags);
	if (release && dev->ops->release)
		dev->ops->release(dev);
}

void blkdev_retire(struct blkdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	bool release;

	dev->retired = true;
	release = blkdev_last(dev);
	spin_unlock_irqrestore(&blkdev_lock, flags);
	if (release && dev->ops && dev->ops->release)
		dev->ops->release(dev);
}

struct blkdev *blkdev_list(void)
{
	return blkdev_head;
}

void blkdev_set_capacity(struct blkdev *dev, uint64_t sectors)
{
	if (sectors == dev->sectors)
		return;
	pr_info("blk: %s: resized from %llu to %llu sectors\n", dev->name,
		(unsigned long long)dev->sectors, (unsigned long long)sectors);
	WRITE_ONCE(dev->sectors, sectors);
	blkdev_resizes++;
}

static int blkdev_check(struct blkdev *dev, struct blkdev_request *rq)
{
	switch (rq->op) {
	case BLKDEV_READ:
		break;
	case BLKDEV_WRITE:
		if (dev->read_only)
			return -EROFS;
		break;
	case BLKDEV_FLUSH:
		return dev->can_flush ? 0 : -ENOSYS;
	case BLKDEV_DISCARD:
		if (dev->read_only)
			return -EROFS;
		if (!dev->can_discard)
			return -ENOSYS;
		break;
	default:
		return -EINVAL;
	}
	if (!rq->count || (rq->op != BLKDEV_DISCARD && (rq->count > dev->max_sectors || !rq->buf)))
		return -EINVAL;
	if (rq->sector >= dev->sectors || rq->count > dev->sectors - rq->sector)
		return -ERANGE;
	return 0;
}

int blkdev_submit(struct blkdev *dev, struct blkdev_request *rq)
{
	int rc = blkdev_check(dev, rq);

	if (rc)
		return rc;
	rq->status = 0;
	rq->next = NULL;
	dev->ops->submit(dev, rq);
	return 0;
}

/* One synchronous request and its bounce buffer, freed by whichever of
 * the waiter and the completion comes last. */
struct blkdev_sync {
	struct blkdev_request rq;
	struct wait_queue wq;
	struct wq_deadline deadline;
	volatile bool done, abandoned;
};

/* Completions may run in a thread: with interrupts off, the waiter cannot
 * see `done`, return and free s between the flag and the wake-up. */
static void blkdev_sync_done(struct blkdev_request *rq)
{
	struct blkdev_sync *s = rq->priv;
	unsigned long flags = local_irq_save();

	if (s->abandoned) {
		local_irq_restore(flags);
		kfree(rq->buf);
		kfree(s);
		return;
	}
	s->done = true;
	wq_wake_all(&s->wq);
	local_irq_restore(flags);
}

/* Waits for s; false (and s handed over to the completion) on timeout. */
static bool blkdev_sync_wait(struct blkdev_sync *s)
{
	unsigned long flags = local_irq_save();
	bool ok;

	wq_deadline_start(&s->deadline, &s->wq, time_now_ns() + BLKDEV_SYNC_TIMEOUT_NS);
	while (!s->done && !s->deadline.expired)
		wq_wait(&s->wq);
	wq_deadline_stop(&s->deadline);
	ok = s->done;
	if (!ok)
		s->abandoned = true;
	local_irq_restore(flags);
	return ok;
}

static int blkdev_io_one(struct blkdev *dev, enum blkdev_op op, uint64_t sector, uint32_t count,
			 void *buf)
{
	size_t len = (size_t)count * dev->sector_size;
	struct blkdev_sync *s = kmalloc(sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->rq = (struct blkdev_request){
	    .op = op, .sector = sector, .count = count, .done = blkdev_sync_done, .priv = s};
	if (buf && len && !(s->rq.buf = kmalloc(len))) {
		kfree(s);
		return -ENOMEM;
	}
	if (op == BLKDEV_WRITE)
		memcpy(s->rq.buf, buf, len);
	if ((rc = blkdev_submit(dev, &s->rq)))
		goto out;
	if (!blkdev_sync_wait(s)) {
		pr_err("blk: %s: request at sector %llu did not complete in 30 s\n", dev->name,
		       (unsigned long long)sector);
		return -ETIMEDOUT;
	}
	rc = s->rq.status;
	if (!rc && op == BLKDEV_READ)
		memcpy(buf, s->rq.buf, len);
out:
	kfree(s->rq.buf);
	kfree(s);
	return rc;
}

int blkdev_io_sync(struct blkdev *dev, enum blkdev_op op, uint64_t sector, uint32_t count,
		   void *buf)
{
	uint32_t step = (op == BLKDEV_READ || op == BLKDEV_WRITE) ? dev->max_sectors : count;
	int rc = 0;

	if (op == BLKDEV_FLUSH)
		return blkdev_io_one(dev, op, 0, 1, NULL);
	while (count && !rc) {
		uint32_t n = count < step ? count : step;

		rc = blkdev_io_one(dev, op, sector, n, buf);
		sector += n;
		count -= n;
		if (buf)
			buf = (char *)buf + (size_t)n * dev->sector_size;
	}
	return rc;
}

static void blkdev_pattern_unit(char *p, uint64_t unit, uint32_t seed)
{
	for (unsigned k = 0; k < 16; k++) {
		char line[40];

		snprintf(line, sizeof(line), "amphi %08x %014llx %x\n", seed,
			 (unsigned long long)unit, k);
		memcpy(p + 32 * k, line, 32);
	}
}

void blkdev_pattern_fill(void *buf, uint64_t unit512, uint32_t units, uint32_t seed)
{
	for (uint32_t i = 0; i < units; i++)
		blkdev_pattern_unit((char *)buf + 512 * (size_t)i, unit512 + i, seed);
}

int64_t blkdev_pattern_check(const void *buf, uint64_t unit512, uint32_t units, uint32_t seed)
{
	char want[512];

	for (uint32_t i = 0; i < units; i++) {
		blkdev_pattern_unit(want, unit512 + i, seed);
		if (memcmp(want, (const char *)buf + 512 * (size_t)i, 512))
			return (int64_t)(unit512 + i);
	}
	return -1;
}
