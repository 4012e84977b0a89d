/*
 * The call-site patcher (lib/pvpatch.c, pure code): rewrites one recorded
 * paravirt site in a byte buffer, and tells what a site currently is.  The
 * kernel runs it over its own text at boot; the host tests and the host
 * site check run it over buffers and over build/amphi.elf.
 *
 * A site is `call *disp32(%rip)` (ff 15) or `jmp *disp32(%rip)` (ff 25), six
 * bytes.  It becomes one of:
 *   inline:   the native instruction, padded at the front with ds (0x3e)
 *             prefixes so that it stays ONE instruction (x86 decoders ignore
 *             a segment override that has no memory operand to act on);
 *   direct:   `call rel32` / `jmp rel32`, padded the same way;
 *   nop:      one NOP instruction of the site's length;
 *   indirect: left as it was (nopvpatch, or nothing better known).
 */
#ifndef AMPHI_PVPATCH_H
#define AMPHI_PVPATCH_H
#include <amphi/types.h>

enum pv_site_kind { PV_KIND_CALL = 0, PV_KIND_JMP = 1 };
enum pv_patch_how { PV_PATCH_INDIRECT, PV_PATCH_INLINE, PV_PATCH_DIRECT, PV_PATCH_NOP };

/* One record of the .pv_sites section (8 bytes). */
struct pv_site {
	int32_t rel;	 /* site address minus the address of this field */
	uint16_t op_off; /* offsetof(struct pv_ops, op) */
	uint8_t len;
	uint8_t kind;
};

#define PV_SITE_MAX_LEN 15

/* How a site should become, given the op's implementation now, its native
 * implementation, the named no-op, and whether the native one has an
 * inline template. */
enum pv_patch_how pv_patch_choose(uint64_t impl, uint64_t native_impl, uint64_t nop_impl,
				  bool has_template, enum pv_site_kind kind);

/* Rewrites the `len` bytes at `code` (which run at address `addr`).
 * insn/insn_len: the template (inline); target: the direct destination.
 * Returns 0, or -1 with *why set: the bytes are not an indirect site, the
 * template does not fit, or the target is beyond rel32. */
int pv_patch_site(uint8_t *code, uint64_t addr, unsigned int len, enum pv_site_kind kind,
		  enum pv_patch_how how, const uint8_t *insn, unsigned int insn_len,
		  uint64_t target, const char **why);

/* What the site at `code` is now; for direct sites *target is set. */
enum pv_patch_how pv_site_classify(const uint8_t *code, uint64_t addr, unsigned int len,
				   uint64_t *target);

const char *pv_patch_how_name(enum pv_patch_how how);

#endif
