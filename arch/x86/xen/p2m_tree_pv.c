/*
 * The Xen PV P2M as the toolstack reads it to save or migrate the domain:
 * shared_info's arch.max_pfn (how many entries the list has) and
 * arch.pfn_to_mfn_frame_list_list, the machine frame of a page that
 * lists the machine frames of "mid" pages, each of which lists the
 * machine frames of 512 pages of the P2M list itself (the three-level
 * tree every PV guest publishes; one top page covers 512 GiB).
 *
 * The list is ours (mmu_pv.c): entries change in place as the balloon
 * gives frames back and takes others, which the tree sees, since it
 * names the list's pages, not their contents.  Only a new list, when the
 * balloon grows past every size before, needs a new tree: it is built
 * beside the old one, published under p2m_tree_lock, and the old one's
 * pages freed; a tree for a list shorter than the one published (two
 * growers racing) is dropped.  Nothing reads the tree while the domain
 * runs: the toolstack maps it once the domain is suspended.
 */
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printk.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>

#define P2M_PER_PAGE (PAGE_SIZE / sizeof(unsigned long))
#define P2M_TREE_MAX_MIDS P2M_PER_PAGE

struct p2m_tree {
	unsigned long *top;
	unsigned long **mids;
	unsigned long nr_mids, size;
};

static struct p2m_tree published;
static struct spinlock p2m_tree_lock = SPINLOCK_INIT;

static unsigned long p2m_page_mfn(const void *va)
{
	return (unsigned long)(xen_pv_virt_to_machine(va) >> PAGE_SHIFT);
}

static void p2m_tree_free(struct p2m_tree *t)
{
	for (unsigned long j = 0; t->mids && j < t->nr_mids; j++)
		if (t->mids[j])
			mm_page_free(t->mids[j]);
	kfree(t->mids);
	if (t->top)
		mm_page_free(t->top);
	*t = (struct p2m_tree){0};
}

/* The pages of a tree for `list` of `size` entries, filled in. */
static int p2m_tree_build(struct p2m_tree *t, const unsigned long *list, unsigned long size)
{
	unsigned long leaves = (size + P2M_PER_PAGE - 1) / P2M_PER_PAGE;

	t->size = size;
	t->nr_mids = (leaves + P2M_PER_PAGE - 1) / P2M_PER_PAGE;
	if (t->nr_mids > P2M_TREE_MAX_MIDS)
		return -E2BIG;
	if (!(t->top = mm_page_alloc_zeroed()) ||
	    !(t->mids = kmalloc(t->nr_mids * sizeof(*t->mids))))
		return -ENOMEM;
	memset(t->mids, 0, t->nr_mids * sizeof(*t->mids));
	for (unsigned long j = 0; j < t->nr_mids; j++) {
		if (!(t->mids[j] = mm_page_alloc_zeroed()))
			return -ENOMEM;
		t->top[j] = p2m_page_mfn(t->mids[j]);
	}
	for (unsigned long i = 0; i < leaves; i++)
		t->mids[i / P2M_PER_PAGE][i % P2M_PER_PAGE] = p2m_page_mfn(list + i * P2M_PER_PAGE);
	return 0;
}

/* Points shared_info at t, unless a longer list's tree is there: true
 * when t was taken (and the old tree is now in *t, to be freed). */
static bool p2m_tree_install(struct p2m_tree *t)
{
	unsigned long flags = spin_lock_irqsave(&p2m_tree_lock);
	bool take = t->size >= published.size;

	if (take) {
		struct p2m_tree old = published;

		published = *t;
		xen_shared_info->arch.pfn_to_mfn_frame_list_list = p2m_page_mfn(published.top);
		__atomic_store_n(&xen_shared_info->arch.max_pfn, published.size, __ATOMIC_RELEASE);
		*t = old;
	}
	spin_unlock_irqrestore(&p2m_tree_lock, flags);
	return take;
}

void xen_pv_p2m_publish(const unsigned long *list, unsigned long size)
{
	struct p2m_tree t = {0};
	int rc = p2m_tree_build(&t, list, size);

	if (rc == -E2BIG) {
		/* Past what three levels reach: say there is no tree. */
		xen_shared_info->arch.pfn_to_mfn_frame_list_list = ~(xen_pfn_t)0;
		pr_err("xen-pv: a P2M of %lu entries is beyond the 3-level tree: the domain "
		       "cannot be saved\n",
		       size);
	} else if (rc) {
		pr_err("xen-pv: no memory for the P2M tree of %lu entries: the toolstack "
		       "sees the old one\n",
		       size);
	} else if (p2m_tree_install(&t)) {
		pr_info("xen-pv: P2M published for the toolstack: %lu entries, %lu mid page%s\n",
			size, published.nr_mids, published.nr_mids == 1 ? "" : "s");
	}
	p2m_tree_free(&t);
}
