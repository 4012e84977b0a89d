/* Common prelude of the fuzz targets.
 *
 * As tests/host/amphi_test.h does for the unit tests: the C library
 * first, then the kernel headers read under tests/host/host_rename.h (so
 * they declare the amphi_ names the kernel objects were built with), and
 * the renaming dropped again, so memcpy here means the host's.
 *
 * A target does more than call its parser: it checks what the parser
 * promises of a result it accepted (a pointer inside the input, a string
 * terminated, a count within its bounds).  A broken promise aborts
 * through FUZZ_CHECK, which libFuzzer reports as a crash like any
 * sanitizer's, input kept. */
#ifndef AMPHI_FUZZ_H
#define AMPHI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/host_rename.h"
#include <amphi/types.h>
#include <amphi/string.h>

#include "../host/host_unrename.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* What every boot parser promises of the module it took: not empty, no
 * end past 2^64, its string terminated, and counted. */
#define FUZZ_CHECK_MODULE(bi)                                                                      \
	do {                                                                                       \
		FUZZ_CHECK(memchr((bi).module.cmdline, 0, sizeof((bi).module.cmdline)) != NULL);  \
		if ((bi).module.len)                                                               \
			FUZZ_CHECK((bi).module.paddr + (bi).module.len > (bi).module.paddr &&     \
				   (bi).nmodules >= 1);                                            \
		FUZZ_CHECK((bi).nmodules <= 1 || (bi).nproblems > 0);                             \
		fuzz_check_module_place(&(bi));                                                    \
	} while (0)

/* The kernel's second look at the module, once the memory map is known
 * (mm/mm.c): where the image lies is the test's choice, 1 to 4 MiB.  A
 * module it lets through has bytes, lies past page 0, in RAM and off the
 * image; one it refuses has bytes.  (A macro: boot.h comes after this.) */
#define FUZZ_KSTART 0x100000ULL
#define FUZZ_KEND 0x400000ULL
#define fuzz_check_module_place(bi)                                                                \
	do {                                                                                       \
		const struct boot_module *m_ = &(bi)->module;                                      \
		const char *why_ = boot_module_check((bi), FUZZ_KSTART, FUZZ_KEND);                \
		uint32_t ram_ = MEMMAP_TYPE_BIT(MEMMAP_RAM) | MEMMAP_TYPE_BIT(MEMMAP_KERNEL);      \
		if (why_)                                                                          \
			FUZZ_CHECK(m_->len != 0);                                                  \
		else if (m_->len)                                                                  \
			FUZZ_CHECK(m_->paddr >= 4096 && m_->paddr + m_->len > m_->paddr &&        \
				   (m_->paddr >= FUZZ_KEND || m_->paddr + m_->len <= FUZZ_KSTART) &&  \
				   memmap_covers(&(bi)->memmap, m_->paddr, m_->len, ram_));        \
	} while (0)

/* Takes n bytes off the front of the input (fewer if it runs out, the
 * rest zero): for the numbers a target needs besides the bytes it
 * parses. */
static inline void fuzz_take(const uint8_t **data, size_t *size, void *out, size_t n)
{
	size_t k = n < *size ? n : *size;

	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
}

/* The input as a NUL-terminated string in a buffer of exactly its size
 * plus one, so the address sanitizer sees a read past the end. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
