/*
 * The character devices, by Linux's major and minor numbers, which is how
 * an open of a device node reaches its driver: 1,3 /dev/null, 1,5
 * /dev/zero, 1,9 /dev/urandom (the generator getrandom uses: xorshift
 * from the TSC, not cryptographic), 5,1 /dev/console and 5,0 /dev/tty
 * (the console too: there is no controlling terminal yet).  Any other
 * number is -ENXIO, as Linux answers for a node with no driver.
 *
 * The console writes what it is given to the console, and to the writing
 * process's capture buffer when its spawner keeps its output (the
 * selftests do).  It has no input yet: a read is at end of file at once,
 * until the tty (a later step) brings a line discipline.  TCGETS answers
 * as a fresh terminal in cooked mode would, so isatty() is true, and
 * TIOCGWINSZ says 80x24.
 */
#include <amphi/console.h>
#include <amphi/errno.h>
#include <amphi/file.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/syscall.h>
#include <amphi/time.h>
#include <amphi/uaccess.h>
#include <asm/paravirt.h>

#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413

/* --- the console --- */

static long console_read(struct file *f, void *buf, size_t n, uint64_t *pos, bool nonblock)
{
	(void)f, (void)buf, (void)n, (void)pos, (void)nonblock;
	return 0; /* end of file: no tty input yet */
}

static long console_dev_write(struct file *f, const void *buf, size_t n, uint64_t *pos,
			      bool nonblock)
{
	struct process *p = current_process();

	(void)f, (void)pos, (void)nonblock;
	if (!p || !p->spec.quiet)
		console_write(buf, n);
	if (p && p->out && p->out_len < p->spec.capture) {
		size_t room = p->spec.capture - p->out_len;

		memcpy(p->out + p->out_len, buf, MIN(n, room));
		p->out_len += MIN(n, room);
	}
	return (long)n;
}

/* struct termios as the kernel hands it out (36 bytes): a console in
 * cooked mode with echo, as a fresh tty is. */
struct kernel_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};

static long console_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	(void)f;
	if (cmd == TCGETS) {
		struct kernel_termios t = {
		    .c_iflag = 0x500,  /* ICRNL | IXON */
		    .c_oflag = 0x5,    /* OPOST | ONLCR */
		    .c_cflag = 0xbf,   /* B38400 | CS8 | CREAD */
		    .c_lflag = 0x8a3b, /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
		    .c_cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22},
		};
		return copy_to_user(arg, &t, sizeof(t));
	}
	if (cmd == TIOCGWINSZ) {
		uint16_t ws[4] = {24, 80, 0, 0};
		return copy_to_user(arg, ws, sizeof(ws));
	}
	return -ENOTTY;
}

/* A read is at end of file at once, so it never blocks: readable. */
static unsigned int console_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static const struct file_ops console_ops = {
    .read = console_read,
    .write = console_dev_write,
    .ioctl = console_ioctl,
    .poll = console_poll,
    .seek = FILE_SEEK_NONE,
};

struct file *console_file_new(void)
{
	return file_alloc(&console_ops, O_RDWR);
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
    {1, 3, &null_ops},	  {1, 5, &zero_ops},	{1, 9, &urandom_ops},
    {5, 0, &console_ops}, {5, 1, &console_ops},
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
