/*
 * A regular file's data in the ramfs: an array of pages, grown as the file
 * is written, a page left NULL where nothing was ever written (it reads as
 * zeros, as a hole does).  Whole pages rather than one buffer, so that a
 * file of megabytes (busybox is two) never needs that much contiguous
 * memory, and so that execve can map a program's pages into the process
 * (fs_map_page): a page a process maps is never written in place, the
 * file takes a copy of it first (ramfs_page_own).  Called with the fs lock held (fs/vfs.c); pure
 * enough for the host tests (pages come from fs_page_alloc).
 */
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/mm.h>
#include <amphi/string.h>

/* Room in pages[] for n pages at least. */
static int ramfs_reserve(struct inode *ip, size_t n)
{
	size_t room = MAX(ip->file.npages, (size_t)8);
	uint8_t **pages;

	if (n <= ip->file.npages)
		return 0;
	while (room < n)
		room *= 2;
	if (!(pages = kmalloc(room * sizeof(*pages))))
		return -ENOMEM;
	memset(pages, 0, room * sizeof(*pages));
	if (ip->file.pages)
		memcpy(pages, ip->file.pages, ip->file.npages * sizeof(*pages));
	kfree(ip->file.pages);
	ip->file.pages = pages;
	ip->file.npages = room;
	return 0;
}

/* Page i of the file, NULL for zeros: truncate may have set the size
 * past the pages the array has room for. */
static const uint8_t *ramfs_page(const struct inode *ip, uint64_t i)
{
	return i < ip->file.npages ? ip->file.pages[i] : NULL;
}

long ramfs_read(struct inode *ip, uint64_t off, void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;

	if (off >= ip->size)
		return 0;
	len = (size_t)MIN((uint64_t)len, ip->size - off);
	while (done < len) {
		uint64_t at = off + done;
		size_t in = at % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - in);
		const uint8_t *page = ramfs_page(ip, at / PAGE_SIZE);

		if (page)
			memcpy(out + done, page + in, n);
		else
			memset(out + done, 0, n);
		done += n;
	}
	return (long)done;
}

void *ramfs_page_at(struct inode *ip, uint64_t i)
{
	return (void *)ramfs_page(ip, i);
}

/* Page i to write into: made if it was a hole, copied if a process maps
 * it (the mapping keeps what it had); NULL without memory. */
static uint8_t *ramfs_page_own(struct inode *ip, uint64_t i)
{
	uint8_t **page = &ip->file.pages[i], *copy;

	if (!*page)
		return *page = fs_page_alloc();
	if (!fs_page_shared(*page))
		return *page;
	if (!(copy = fs_page_alloc()))
		return NULL;
	memcpy(copy, *page, PAGE_SIZE);
	fs_page_free(*page);
	return *page = copy;
}

long ramfs_write(struct inode *ip, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	size_t done = 0;

	if (off > FS_FILE_MAX || len > FS_FILE_MAX - off)
		return -EFBIG;
	if (len && ramfs_reserve(ip, (size_t)((off + len + PAGE_SIZE - 1) / PAGE_SIZE)))
		return -ENOMEM;
	while (done < len) {
		uint64_t at = off + done;
		size_t inpage = at % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - inpage);
		uint8_t *page = ramfs_page_own(ip, at / PAGE_SIZE);

		if (!page)
			break;
		memcpy(page + inpage, in + done, n);
		done += n;
		ip->size = MAX(ip->size, at + n);
	}
	return done || !len ? (long)done : -ENOMEM;
}

int ramfs_truncate(struct inode *ip, uint64_t size)
{
	uint64_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (size > FS_FILE_MAX)
		return -EFBIG;
	for (uint64_t i = keep; i < ip->file.npages; i++) {
		fs_page_free(ip->file.pages[i]);
		ip->file.pages[i] = NULL;
	}
	/* What lay past the new end reads as zeros if the file grows again. */
	if (size % PAGE_SIZE && keep <= ip->file.npages && ip->file.pages[keep - 1]) {
		uint8_t *last = ramfs_page_own(ip, keep - 1);

		if (!last)
			return -ENOMEM;
		memset(last + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
	}
	ip->size = size;
	return 0;
}

void ramfs_free_data(struct inode *ip)
{
	ramfs_truncate(ip, 0);
	kfree(ip->file.pages);
	ip->file.pages = NULL;
	ip->file.npages = 0;
}
