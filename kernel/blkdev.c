/*
 * The generic block layer: a list of devices and the checks every request
 * passes before a driver sees it.  Checking here, once, means a driver
 * can trust a request's bounds, and a write to a read-only disk is
 * refused before it reaches any backend.  The synchronous helper copies
 * through its own buffer so that a request abandoned after a timeout can
 * still complete later without writing into memory its caller reused.
 *
 * Requests come from threads on any CPU and complete in interrupt
 * handlers on any other (a queue's event channel is bound where its
 * driver chose), so what a submitter and a completion share is under a
 * spinlock taken with interrupts off: the device list under blkdev_lock,
 * and each synchronous request's done/abandoned pair under its own lock.
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

/* Lock held. */
static struct blkdev *blkdev_lookup(const char *name)
{
	struct blkdev *d;

	for (d = blkdev_head; d && strcmp(d->name, name); d = d->next)
		;
	return d;
}

int blkdev_register(struct blkdev *dev)
{
	unsigned long flags;
	bool taken;

	if (!dev->ops || !dev->sector_size || dev->sector_size % 512 || !dev->max_sectors)
		return -EINVAL;
	flags = spin_lock_irqsave(&blkdev_lock);
	taken = blkdev_lookup(dev->name) != NULL;
	if (!taken) {
		dev->next = blkdev_head;
		/* Its fields before the pointer that makes it reachable. */
		__atomic_store_n(&blkdev_head, dev, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&blkdev_lock, flags);
	if (taken)
		return -EEXIST;
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
	struct blkdev *d = blkdev_lookup(name);

	spin_unlock_irqrestore(&blkdev_lock, flags);
	return d;
}

struct blkdev *blkdev_get(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&blkdev_lock);
	struct blkdev *d = blkdev_lookup(name);

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

/* A glance, as blkdev_find is: the shell walks it without the lock. */
struct blkdev *blkdev_list(void)
{
	return __atomic_load_n(&blkdev_head, __ATOMIC_ACQUIRE);
}

void blkdev_set_capacity(struct blkdev *dev, uint64_t sectors)
{
	if (sectors == dev->sectors)
		return;
	pr_info("blk: %s: resized from %llu to %llu sectors\n", dev->name,
		(unsigned long long)dev->sectors, (unsigned long long)sectors);
	WRITE_ONCE(dev->sectors, sectors);
	__atomic_fetch_add(&blkdev_resizes, 1, __ATOMIC_RELAXED);
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
 * the waiter and the completion comes last: the completion may run on
 * another CPU at the very moment the waiter gives up, so the pair of
 * flags that decides it is under the request's lock. */
struct blkdev_sync {
	struct blkdev_request rq;
	struct spinlock lock;
	struct wait_queue wq;
	bool done, abandoned;
};

/* Any context.  The wake-up is under the lock: the waiter takes the lock
 * once more before it frees s, so it cannot free s between the flag and
 * the wake-up. */
static void blkdev_sync_done(struct blkdev_request *rq)
{
	struct blkdev_sync *s = rq->priv;
	unsigned long flags = spin_lock_irqsave(&s->lock);
	bool abandoned = s->abandoned;

	if (!abandoned) {
		WRITE_ONCE(s->done, true);
		wq_wake_all(&s->wq);
	}
	spin_unlock_irqrestore(&s->lock, flags);
	if (abandoned) {
		kfree(rq->buf);
		kfree(s);
	}
}

/* Waits for s; false (and s handed over to the completion) on timeout. */
static bool blkdev_sync_wait(struct blkdev_sync *s)
{
	unsigned long flags;
	bool ok;

	wait_event_deadline(&s->wq, READ_ONCE(s->done), time_now_ns() + BLKDEV_SYNC_TIMEOUT_NS);
	flags = spin_lock_irqsave(&s->lock);
	ok = s->done;
	if (!ok)
		s->abandoned = true;
	spin_unlock_irqrestore(&s->lock, flags);
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
	*s = (struct blkdev_sync){
	    .rq = {.op = op, .sector = sector, .count = count, .done = blkdev_sync_done, .priv = s},
	    .lock = SPINLOCK_INIT,
	    .wq = WAIT_QUEUE_INIT};
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
