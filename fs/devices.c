/*
 * The character devices, by Linux's major and minor numbers, which is how
 * an open of a device node reaches its driver: 1,3 /dev/null, 1,5
 * /dev/zero, 1,9 /dev/urandom (the generator getrandom uses: xorshift
 * from the TSC, not cryptographic), 5,1 /dev/console and 5,0 /dev/tty
 * (both the console's terminal, drivers/tty/tty.c: there is one).  Any
 * other number is -ENXIO, as Linux answers for a node with no driver.
 */
#include <amphi/console.h>
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/tty.h>
#include <amphi/uaccess.h>
#include <asm/paravirt.h>

/* --- the console: the tty (drivers/tty/tty.c) --- */

struct file *console_file_new(void)
{
	return file_alloc(&tty_file_ops, O_RDWR);
}

/* --- null, zero, urandom --- */

static long null_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	(void)f, (void)buf, (void)n, (void)pos, (void)nonblock;
	return 0;
}

static long null_write(struct file *f, const void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	(void)f, (void)buf, (void)pos, (void)nonblock;
	return (long)n;
}

static long zero_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	(void)f, (void)pos, (void)nonblock;
	memset(buf, 0, n);
	return (long)n;
}

static long urandom_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	uint64_t x = rdtsc() ^ (sched_clock() << 7) ^ (uintptr_t)buf ^ 1;

	(void)f, (void)pos, (void)nonblock;
	for (size_t done = 0; done < n; done += sizeof(uint64_t)) {
		uint64_t v = random_next(&x);

		memcpy((uint8_t *)buf + done, &v, MIN(n - done, sizeof(v)));
	}
	return (long)n;
}

static const struct file_ops null_ops = {
    .read = null_read, .write = null_write, .seek = FILE_SEEK_ZERO};
static const struct file_ops zero_ops = {
    .read = zero_read, .write = null_write, .seek = FILE_SEEK_ZERO};
static const struct file_ops urandom_ops = {
    .read = urandom_read, .write = null_write, .seek = FILE_SEEK_ZERO};

static const struct {
	uint32_t major, minor;
	const struct file_ops *ops;
} chardevs[] = {
    {1, 3, &null_ops},	   {1, 5, &zero_ops},	  {1, 9, &urandom_ops},
    {5, 0, &tty_file_ops}, {5, 1, &tty_file_ops},
};

int chardev_open(struct inode *ip, unsigned int flags, struct file **out)
{
	for (size_t i = 0; i < ARRAY_SIZE(chardevs); i++) {
		struct file *f;

		if (chardevs[i].major != ip->rdev_major || chardevs[i].minor != ip->rdev_minor)
			continue;
		if (!(f = file_alloc(chardevs[i].ops, flags)))
			return -ENOMEM;
		inode_get(ip);
		f->inode = ip;
		*out = f;
		return 0;
	}
	return -ENXIO;
}
