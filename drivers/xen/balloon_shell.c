/*
 * The balloon at the console: `balloon` shows it in xl's units (KiB, as
 * memory/target and xl list count), `balloon KIB` sets a target as the
 * toolstack would, and `balloon fill` / `balloon check` keep a pattern in
 * pages the kernel holds, so that a person or a test at the console can
 * see that ballooning around them leaves them alone.
 */
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include <amphi/time.h>
#include <drivers/xen/balloon.h>

#define SHELL_PAGES 64
static uint64_t shell_pages[SHELL_PAGES];
static unsigned shell_npages;

static uint64_t shell_word(uint64_t pfn, unsigned i)
{
	return ~(pfn << 32) ^ i;
}

static int balloon_shell_fill(void)
{
	while (shell_npages < SHELL_PAGES) {
		int64_t pfn = mm_frame_alloc();

		if (pfn < 0)
			break;
		shell_pages[shell_npages++] = pfn;
	}
	for (unsigned k = 0; k < shell_npages; k++) {
		uint64_t *p = (uint64_t *)pfn_to_virt(shell_pages[k]);

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			p[i] = shell_word(shell_pages[k], i);
	}
	kprintf("pattern written in %u pages\n", shell_npages);
	return shell_npages == SHELL_PAGES ? 0 : 1;
}

static int balloon_shell_check(void)
{
	unsigned bad = 0;

	for (unsigned k = 0; k < shell_npages; k++) {
		const uint64_t *p = (const uint64_t *)pfn_to_virt(shell_pages[k]);

		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			if (p[i] != shell_word(shell_pages[k], i)) {
				bad++;
				break;
			}
	}
	if (!shell_npages)
		kprintf("no pattern: 'balloon fill' first\n");
	else
		kprintf("pattern %s: %u of %u pages differ\n", bad ? "BROKEN" : "intact", bad,
			shell_npages);
	return bad || !shell_npages;
}

static int balloon_shell_target(const char *arg)
{
	uint64_t kib;
	size_t len = strlen(arg);

	if (!len || parse_u64(arg, len, &kib) != len) {
		kprintf("balloon: '%s' is not a number of KiB\n", arg);
		return 1;
	}
	balloon_set_target_kib(kib, "the shell's");
	if (!balloon_wait_settled(10 * NSEC_PER_SEC))
		kprintf("balloon: the target was not met (see the log)\n");
	return 0;
}

SHELL_CMD(balloon, "Xen balloon: show; `balloon KIB` sets a target; fill/check a pattern")
{
	struct balloon_stats st;
	int rc = 0;

	if (!balloon_running()) {
		kprintf("no balloon (not a Xen domU, or no store)\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "fill"))
		return balloon_shell_fill();
	if (argc > 1 && !strcmp(argv[1], "check"))
		return balloon_shell_check();
	if (argc > 1)
		rc = balloon_shell_target(argv[1]);
	balloon_get_stats(&st);
	kprintf("current %lu KiB, target %lu KiB, ballooned %lu KiB, static-max %lu KiB, "
		"minimum %lu KiB, xen reservation %ld pages, errors %lu\n",
		(st.current_pages - st.slack) * 4, (st.target_pages - st.slack) * 4,
		st.ballooned_pages * 4, st.static_max_pages * 4, (st.min_pages - st.slack) * 4,
		balloon_xen_reservation(), st.errors);
	return rc;
}
