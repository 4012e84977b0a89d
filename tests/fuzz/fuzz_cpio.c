/* Fuzz target: newc cpio archives (lib/cpio.c), the initramfs's format.
 *
 * The input is the archive, in a buffer of exactly its size.  Every entry
 * given must lie inside it (header, name with its NUL where namesize says,
 * data), in increasing order and 4-byte aligned, with a name that is not
 * empty and has no ".." component; a refusal must name a place inside the
 * buffer (or its end) at or after the last entry given. */
#include "fuzz.h"
#include "../host/host_rename.h"
#include <amphi/cpio.h>
#include "../host/host_unrename.h"

static const uint8_t *buf;
static size_t buf_len, last_offset;
static int entries;

static bool has_dotdot(const char *name, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (name[i] == '.' && name[i + 1] == '.' && (i == 0 || name[i - 1] == '/') &&
		    (i + 2 == len || name[i + 2] == '/'))
			return true;
	}
	return false;
}

static void on_entry(const struct cpio_entry *e, void *arg)
{
	const uint8_t *name = (const uint8_t *)e->name;

	FUZZ_CHECK(e->offset % 4 == 0 && (entries == 0 || e->offset > last_offset));
	FUZZ_CHECK(e->offset + CPIO_HEADER_SIZE <= buf_len);
	FUZZ_CHECK(name == buf + e->offset + CPIO_HEADER_SIZE);
	FUZZ_CHECK(e->namelen > 0 && name + e->namelen < buf + buf_len);
	FUZZ_CHECK(e->name[e->namelen] == 0 && strlen(e->name) == e->namelen);
	FUZZ_CHECK(!has_dotdot(e->name, e->namelen));
	FUZZ_CHECK(e->data >= name + e->namelen + 1 && e->data <= buf + buf_len);
	FUZZ_CHECK(e->size <= (size_t)(buf + buf_len - e->data));
	FUZZ_CHECK(strcmp(e->name, "TRAILER!!!") != 0);
	last_offset = e->offset;
	entries++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	size_t where = 0;
	const char *why;

	memcpy(copy, data, size);
	buf = copy;
	buf_len = size;
	entries = 0;
	why = cpio_parse(copy, size, on_entry, NULL, &where);
	if (why) {
		FUZZ_CHECK(!strncmp(why, "cpio: ", 6));
		FUZZ_CHECK(where <= size && (entries == 0 || where > last_offset));
	}
	free(copy);
	return 0;
}
