/* Unit tests of lib/acpi.c: tables as QEMU's and real firmware lay them
 * out, and the ways a firmware (or a fuzzer) gets them wrong: checksums,
 * lengths that run past the buffer, entries of length 0, duplicate IDs. */
#include "amphi_test.h"
#include <amphi/acpi.h>
#include <amphi/errno.h>

static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static size_t rsdp(uint8_t *b, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(b, 0, ACPI_RSDP_V2_LEN);
	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, "BOCHS ", 6);
	b[15] = rev;
	put32(b + 16, rsdt);
	fix_sum(b, ACPI_RSDP_V1_LEN, 8);
	if (rev < 2)
		return ACPI_RSDP_V1_LEN;
	put32(b + 20, ACPI_RSDP_V2_LEN);
	put64(b + 24, xsdt);
	fix_sum(b, ACPI_RSDP_V2_LEN, 32);
	return ACPI_RSDP_V2_LEN;
}

static void test_rsdp(void **state)
{
	uint8_t b[64];
	struct acpi_rsdp_info r;
	const char *why;
	size_t n = rsdp(b, 0, 0x7fe1234, 0);

	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), 0);
	assert_int_equal(r.sdt, 0x7fe1234);
	assert_false(r.xsdt);
	assert_string_equal(r.oem, "BOCHS ");
	n = rsdp(b, 2, 0x7fe1234, 0x100007fe5678ULL);
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), 0);
	assert_true(r.xsdt);
	assert_int_equal(r.sdt, 0x100007fe5678ULL);
	/* An ACPI 2 RSDP without an XSDT falls back to the RSDT. */
	n = rsdp(b, 2, 0x7fe1234, 0);
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), 0);
	assert_false(r.xsdt);
	/* Cut short, a bad checksum, a bad extended checksum, no signature. */
	assert_int_equal(acpi_rsdp_parse(b, 19, &r, &why), -EINVAL);
	assert_int_equal(acpi_rsdp_parse(b, 30, &r, &why), -EINVAL);
	b[10] ^= 1;
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), -EINVAL);
	n = rsdp(b, 2, 0x7fe1234, 0x1000);
	b[30] ^= 1;
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), -EINVAL);
	assert_string_equal(why, "RSDP extended checksum wrong");
	n = rsdp(b, 2, 0x7fe1234, 0x1000);
	put32(b + 20, 4000); /* a length beyond the bytes given */
	fix_sum(b, ACPI_RSDP_V2_LEN, 32);
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), -EINVAL);
	b[0] = 'X';
	assert_int_equal(acpi_rsdp_parse(b, n, &r, &why), -EINVAL);
}

/* A table of `len` bytes with signature sig, its checksum made right. */
static void sdt(uint8_t *b, const char *sig, uint32_t len)
{
	memcpy(b, sig, 4);
	put32(b + 4, len);
	b[8] = 1;
	fix_sum(b, len, 9);
}

static void test_sdt(void **state)
{
	uint8_t b[128] = {0};
	uint64_t e[4];
	const char *why;

	put32(b + 36, 0x7fe0000);
	put32(b + 40, 0x7fe1000);
	put32(b + 44, 0x7fe2000);
	sdt(b, "RSDT", 48);
	assert_int_equal(acpi_sdt_check(b, sizeof(b), "RSDT", &why), 48);
	assert_int_equal(acpi_sdt_check(b, sizeof(b), NULL, &why), 48);
	assert_int_equal(acpi_sdt_entries(b, 48, false, e, 4), 3);
	assert_int_equal(e[1], 0x7fe1000);
	/* Only as many as asked for are written; all are counted. */
	e[1] = 0;
	assert_int_equal(acpi_sdt_entries(b, 48, false, e, 1), 3);
	assert_int_equal(e[1], 0);
	assert_int_equal(acpi_sdt_check(b, sizeof(b), "XSDT", &why), -EINVAL);
	assert_int_equal(acpi_sdt_check(b, 47, "RSDT", &why), -EINVAL);
	assert_string_equal(why, "table length out of bounds");
	assert_int_equal(acpi_sdt_check(b, 20, "RSDT", &why), -EINVAL);
	b[40] ^= 0x10;
	assert_int_equal(acpi_sdt_check(b, sizeof(b), "RSDT", &why), -EINVAL);
	assert_string_equal(why, "table checksum wrong");
	sdt(b, "RSDT", 10); /* shorter than its own header */
	assert_int_equal(acpi_sdt_check(b, sizeof(b), "RSDT", &why), -EINVAL);
}

/* A MADT built entry by entry. */
struct madt {
	uint8_t b[512];
	size_t len;
};

static void madt_start(struct madt *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "APIC", 4);
	put32(m->b + 36, 0xfee00000);
	put32(m->b + 40, 1); /* PC-AT compatible */
	m->len = 44;
}

static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = m->b + m->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
	m->len += 8;
}

static void madt_x2apic(struct madt *m, uint32_t uid, uint32_t id, uint32_t flags)
{
	uint8_t *e = m->b + m->len;

	memset(e, 0, 16);
	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	m->len += 16;
}

static void madt_raw(struct madt *m, uint8_t type, uint8_t len)
{
	m->b[m->len] = type;
	m->b[m->len + 1] = len;
	m->len += len ? len : 2;
}

static int parse(struct madt *m, struct acpi_cpu *c, unsigned int max,
		 struct acpi_madt_info *info, const char **why)
{
	sdt(m->b, "APIC", (uint32_t)m->len);
	assert_int_equal(acpi_sdt_check(m->b, sizeof(m->b), "APIC", why), (long)m->len);
	return acpi_madt_parse(m->b, m->len, c, max, info, why);
}

static void test_madt_qemu(void **state)
{
	struct madt m;
	struct acpi_cpu c[8];
	struct acpi_madt_info info;
	const char *why;

	/* QEMU with -smp 4: four enabled local APICs, an I/O APIC, overrides. */
	madt_start(&m);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(&m, i, i, 1);
	madt_raw(&m, 1, 12);  /* I/O APIC */
	madt_raw(&m, 2, 10);  /* interrupt source override */
	madt_raw(&m, 4, 6);   /* local APIC NMI */
	madt_raw(&m, 99, 5);  /* a type from the future: stepped over */
	assert_int_equal(parse(&m, c, 8, &info, &why), 0);
	assert_int_equal(info.found, 4);
	assert_int_equal(info.stored, 4);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_int_equal(c[3].apic_id, 3);
	assert_true(c[3].enabled);
	assert_false(c[3].x2apic);
}

static void test_madt_kinds(void **state)
{
	struct madt m;
	struct acpi_cpu c[8];
	struct acpi_madt_info info;
	const char *why;
	uint8_t *ovr;

	madt_start(&m);
	madt_lapic(&m, 0, 0, 1);
	madt_lapic(&m, 1, 2, 0);	   /* disabled for good */
	madt_lapic(&m, 2, 4, 2);	   /* online-capable: hot-pluggable */
	madt_lapic(&m, 3, 0xff, 1);	   /* the broadcast ID */
	madt_x2apic(&m, 10, 0x1234, 1);	   /* beyond 8 bits */
	madt_x2apic(&m, 11, 0, 1);	   /* the same CPU again */
	ovr = m.b + m.len;
	madt_raw(&m, 5, 12);
	put64(ovr + 4, 0xfed00000ULL);
	assert_int_equal(parse(&m, c, 8, &info, &why), 0);
	assert_int_equal(info.found, 3);
	assert_int_equal(info.skipped, 3);
	assert_int_equal(info.lapic_addr, 0xfed00000ULL);
	assert_false(c[1].enabled);
	assert_int_equal(c[1].apic_id, 4);
	assert_true(c[2].x2apic);
	assert_int_equal(c[2].apic_id, 0x1234);
	assert_int_equal(c[2].uid, 10);
	/* Room for two: three found, two kept. */
	assert_int_equal(parse(&m, c, 2, &info, &why), 0);
	assert_int_equal(info.found, 3);
	assert_int_equal(info.stored, 2);
}

static void test_madt_broken(void **state)
{
	struct madt m;
	struct acpi_cpu c[8];
	struct acpi_madt_info info;
	const char *why;

	madt_start(&m);
	madt_lapic(&m, 0, 0, 1);
	madt_raw(&m, 0, 0); /* length 0 would loop for ever */
	assert_int_equal(parse(&m, c, 8, &info, &why), -EINVAL);
	madt_start(&m);
	madt_lapic(&m, 0, 0, 1);
	madt_raw(&m, 0, 6); /* a local APIC entry too short for its fields */
	assert_int_equal(parse(&m, c, 8, &info, &why), -EINVAL);
	assert_string_equal(why, "local APIC entry shorter than 8 bytes");
	madt_start(&m);
	madt_raw(&m, 9, 8); /* an x2APIC entry too short */
	assert_int_equal(parse(&m, c, 8, &info, &why), -EINVAL);
	madt_start(&m);
	madt_lapic(&m, 0, 0, 1);
	m.b[m.len] = 0;
	m.b[m.len + 1] = 40; /* runs past the table */
	m.len += 4;
	assert_int_equal(parse(&m, c, 8, &info, &why), -EINVAL);
	assert_string_equal(why, "MADT entry length runs past the table or is below 2");
	madt_start(&m);
	m.len = 43;
	assert_int_equal(acpi_madt_parse(m.b, m.len, c, 8, &info, &why), -EINVAL);
	/* One byte of an entry left at the end. */
	madt_start(&m);
	madt_lapic(&m, 0, 0, 1);
	m.len += 1;
	assert_int_equal(parse(&m, c, 8, &info, &why), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rsdp),	  cmocka_unit_test(test_sdt),
	    cmocka_unit_test(test_madt_qemu),	  cmocka_unit_test(test_madt_kinds),
	    cmocka_unit_test(test_madt_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
