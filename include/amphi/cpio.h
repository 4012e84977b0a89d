/*
 * The newc cpio format (lib/cpio.c, pure code: the host tests and fuzzes
 * it), as the Linux initramfs uses it: "070701" headers of thirteen
 * 8-digit hex fields (or "070702", the same with a checksum of the data),
 * then the name with its NUL, then the data, each padded to 4 bytes; an
 * archive ends with "TRAILER!!!", and several may follow one another with
 * zero padding between them.
 */
#ifndef AMPHI_CPIO_H
#define AMPHI_CPIO_H
#include <amphi/types.h>

#define CPIO_HEADER_SIZE 110

struct cpio_entry {
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor;   /* the device the file was on */
	uint32_t rdevmajor, rdevminor; /* a device node's own numbers */
	const char *name;	       /* NUL-terminated, within the archive */
	size_t namelen;		       /* without the NUL */
	const uint8_t *data;	       /* within the archive */
	size_t size;
	size_t offset; /* the header's offset in the buffer */
};

/* Called for each entry but the trailers, in archive order. */
typedef void (*cpio_fn)(const struct cpio_entry *e, void *arg);

/* Walks every archive in [buf, buf+len), calling fn per entry.  NULL when
 * all of it was good; else why not (a static string), with *where the
 * offset of the problem: the entries before it have been given to fn, the
 * rest not. */
const char *cpio_parse(const void *buf, size_t len, cpio_fn fn, void *arg, size_t *where);

#endif
