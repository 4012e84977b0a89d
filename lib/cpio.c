/*
 * newc cpio archives (include/amphi/cpio.h), the initramfs's format.
 *
 * Pure code (the host tests it, tests/host/test_cpio.c, and fuzzes it,
 * tests/fuzz/fuzz_cpio.c): the archive comes from whoever built the boot
 * module, so every field is checked before it is used.  Header fields are
 * exactly eight hex digits; offsets are counted from the start of the
 * buffer, in 64 bits, so a size of 0xffffffff cannot wrap them; the name
 * must end with its NUL exactly where namesize says, and hold no '..'
 * component (an archive may not reach out of the root it is unpacked
 * into); the data must lie within the buffer.  What is refused stops the
 * walk there, with what came before given to the caller, as Linux keeps
 * the good part of a bad initramfs.
 */
#include <amphi/cpio.h>
#include <amphi/string.h>

#define CPIO_FIELDS 13
#define CPIO_TRAILER "TRAILER!!!"

enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
};

/* The thirteen fields after the magic: false on a non-hex digit. */
static bool cpio_fields(const char *h, uint32_t f[CPIO_FIELDS])
{
	for (int i = 0; i < CPIO_FIELDS; i++) {
		uint32_t v = 0;

		for (int k = 0; k < 8; k++) {
			int d = digit_value(h[6 + 8 * i + k]);

			if (d > 15)
				return false;
			v = v << 4 | (uint32_t)d;
		}
		f[i] = v;
	}
	return true;
}

/* A path the unpacker may create: not empty, no ".." component. */
static bool cpio_path_ok(const char *name, size_t len)
{
	size_t start = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		if (i - start == 2 && name[start] == '.' && name[start + 1] == '.')
			return false;
		start = i + 1;
	}
	return true;
}

static uint32_t cpio_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

struct cpio_walk {
	const uint8_t *buf;
	uint64_t len, off;
	bool crc;
};

/* The header at w->off into *e; NULL or why not. */
static const char *cpio_header(struct cpio_walk *w, struct cpio_entry *e, uint32_t f[CPIO_FIELDS])
{
	const char *h = (const char *)w->buf + w->off;

	if (w->len - w->off < CPIO_HEADER_SIZE)
		return "cpio: truncated header";
	if (memcmp(h, "07070", 5) || (h[5] != '1' && h[5] != '2'))
		return "cpio: bad magic (not newc 070701 or 070702)";
	w->crc = h[5] == '2';
	if (!cpio_fields(h, f))
		return "cpio: a header field holds a non-hex digit";
	*e = (struct cpio_entry){
	    .ino = f[F_INO],
	    .mode = f[F_MODE],
	    .uid = f[F_UID],
	    .gid = f[F_GID],
	    .nlink = f[F_NLINK],
	    .mtime = f[F_MTIME],
	    .devmajor = f[F_DEVMAJOR],
	    .devminor = f[F_DEVMINOR],
	    .rdevmajor = f[F_RDEVMAJOR],
	    .rdevminor = f[F_RDEVMINOR],
	    .size = f[F_FILESIZE],
	    .offset = w->off,
	};
	return NULL;
}

/* The name and data after the header; moves w->off past them. */
static const char *cpio_body(struct cpio_walk *w, struct cpio_entry *e, const uint32_t *f)
{
	uint64_t name_at = w->off + CPIO_HEADER_SIZE, namesize = f[F_NAMESIZE];
	uint64_t data_at = ALIGN_UP(name_at + namesize, 4);

	if (namesize == 0)
		return "cpio: namesize is 0 (it counts the name's NUL)";
	if (namesize > w->len - name_at)
		return "cpio: the name runs past the end of the archive";
	if (e->size == 0) /* the last entry's padding may be cut off */
		data_at = MIN(data_at, w->len);
	e->name = (const char *)w->buf + name_at;
	e->namelen = namesize - 1;
	if (e->name[e->namelen] != '\0' || strnlen(e->name, e->namelen) != e->namelen)
		return "cpio: the name does not end with its NUL where namesize says";
	if (data_at > w->len || e->size > w->len - data_at)
		return "cpio: the file's data runs past the end of the archive";
	e->data = w->buf + data_at;
	w->off = data_at + e->size;
	if (w->crc && cpio_sum(e->data, e->size) != f[F_CHECK])
		return "cpio: 070702 checksum does not match the data";
	if (!cpio_path_ok(e->name, e->namelen))
		return "cpio: empty path, or a path with a '..' component";
	return NULL;
}

/* Zero padding between archives (and after the last), up to the next
 * 4-aligned header.  False at the end of the buffer. */
static bool cpio_skip_padding(struct cpio_walk *w)
{
	while (w->off < w->len && w->buf[w->off] == 0)
		w->off++;
	return w->off < w->len;
}

const char *cpio_parse(const void *buf, size_t len, cpio_fn fn, void *arg, size_t *where)
{
	struct cpio_walk w = {.buf = buf, .len = len};
	bool in_archive = false;
	uint32_t f[CPIO_FIELDS];
	struct cpio_entry e;
	const char *why;

	for (;;) {
		if (!in_archive && !cpio_skip_padding(&w))
			return NULL;
		*where = w.off;
		if (w.off % 4)
			return "cpio: a header is not 4-byte aligned";
		if (in_archive && w.off == w.len)
			return "cpio: the archive ends without TRAILER!!!";
		if ((why = cpio_header(&w, &e, f)) || (why = cpio_body(&w, &e, f)))
			return why;
		w.off = MIN(ALIGN_UP(w.off, 4), w.len);
		in_archive = strcmp(e.name, CPIO_TRAILER) != 0;
		if (in_archive)
			fn(&e, arg);
	}
}
