/*
 * The call-site patcher (see include/amphi/pvpatch.h).  Pure code over a
 * byte buffer: it knows the few encodings it writes and reads, nothing of
 * the kernel, so the same file runs at boot and in the host tests.
 */
#include <amphi/pvpatch.h>
#include <amphi/string.h>

#define PREFIX_DS 0x3e
#define OP_CALL_REL32 0xe8
#define OP_JMP_REL32 0xe9
#define OP_INDIRECT 0xff
#define MODRM_CALL_RIP 0x15
#define MODRM_JMP_RIP 0x25

/* Canonical NOPs of 1 to 9 bytes, each one instruction. */
static const uint8_t nops[10][9] = {
    {0},
    {0x90},
    {0x66, 0x90},
    {0x0f, 0x1f, 0x00},
    {0x0f, 0x1f, 0x40, 0x00},
    {0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
};

const char *pv_patch_how_name(enum pv_patch_how how)
{
	static const char *const names[] = {"indirect", "inline", "direct", "nop"};
	return how <= PV_PATCH_NOP ? names[how] : "?";
}

enum pv_patch_how pv_patch_choose(uint64_t impl, uint64_t native_impl, uint64_t nop_impl,
				  bool has_template, enum pv_site_kind kind)
{
	if (impl == nop_impl && kind == PV_KIND_CALL)
		return PV_PATCH_NOP;
	if (impl == native_impl && has_template)
		return PV_PATCH_INLINE;
	return PV_PATCH_DIRECT;
}

static unsigned skip_ds(const uint8_t *code, unsigned len)
{
	unsigned i = 0;

	while (i < len && code[i] == PREFIX_DS)
		i++;
	return i;
}

static bool is_indirect(const uint8_t *code, unsigned len)
{
	unsigned i = skip_ds(code, len);

	return len - i == 6 && code[i] == OP_INDIRECT &&
	       (code[i + 1] == MODRM_CALL_RIP || code[i + 1] == MODRM_JMP_RIP);
}

static void pad(uint8_t *code, unsigned n)
{
	memset(code, PREFIX_DS, n);
}

static int patch_direct(uint8_t *code, uint64_t addr, unsigned len, enum pv_site_kind kind,
			uint64_t target, const char **why)
{
	int64_t rel = (int64_t)(target - (addr + len));

	if (len < 5) {
		*why = "site too short for a direct call";
		return -1;
	}
	if (rel != (int32_t)rel) {
		*why = "target out of rel32 range";
		return -1;
	}
	pad(code, len - 5);
	code[len - 5] = kind == PV_KIND_JMP ? OP_JMP_REL32 : OP_CALL_REL32;
	int32_t r = (int32_t)rel;
	memcpy(code + len - 4, &r, 4);
	return 0;
}

int pv_patch_site(uint8_t *code, uint64_t addr, unsigned int len, enum pv_site_kind kind,
		  enum pv_patch_how how, const uint8_t *insn, unsigned int insn_len,
		  uint64_t target, const char **why)
{
	*why = NULL;
	if (len < 6 || len > PV_SITE_MAX_LEN || !is_indirect(code, len)) {
		*why = "not an indirect call or jump site";
		return -1;
	}
	switch (how) {
	case PV_PATCH_INDIRECT:
		return 0;
	case PV_PATCH_INLINE:
		if (!insn || insn_len == 0 || insn_len > len) {
			*why = "template does not fit the site";
			return -1;
		}
		pad(code, len - insn_len);
		memcpy(code + len - insn_len, insn, insn_len);
		return 0;
	case PV_PATCH_DIRECT:
		return patch_direct(code, addr, len, kind, target, why);
	case PV_PATCH_NOP:
		if (kind != PV_KIND_CALL || len > 9) {
			*why = "only a call site of up to 9 bytes can become a NOP";
			return -1;
		}
		memcpy(code, nops[len], len);
		return 0;
	}
	*why = "unknown patch kind";
	return -1;
}

enum pv_patch_how pv_site_classify(const uint8_t *code, uint64_t addr, unsigned int len,
				   uint64_t *target)
{
	unsigned i = skip_ds(code, len);

	if (is_indirect(code, len))
		return PV_PATCH_INDIRECT;
	if (len <= 9 && !memcmp(code, nops[len], len))
		return PV_PATCH_NOP;
	if (len - i == 5 && (code[i] == OP_CALL_REL32 || code[i] == OP_JMP_REL32)) {
		int32_t rel;
		memcpy(&rel, code + i + 1, 4);
		if (target)
			*target = addr + len + (int64_t)rel;
		return PV_PATCH_DIRECT;
	}
	return PV_PATCH_INLINE;
}
