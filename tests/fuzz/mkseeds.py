#!/usr/bin/env python3
# Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/TARGET/:
# a handful of small inputs each, valid ones and near misses (a length one
# too long, a checksum off by one, a terminator missing), in the layout
# each target's comment describes.  The seeds are kept in the tree; this
# script is only needed to make them again after a layout changes:
#   python3 tests/fuzz/mkseeds.py
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# --- xs_wire: 0, header, wanted type and id, payload; or 1, ring ------
XS_DIRECTORY, XS_READ, XS_TRANSACTION_START, XS_WRITE, XS_WATCH_EVENT, XS_ERROR = 1, 2, 6, 11, 15, 16


def xs_msg(type_, req, body, length=None):
    return struct.pack("<IIII", type_, req, 0, len(body) if length is None else length) + body


def xs_one(type_, body, want=None, req=7, length=None):
    return b"\0" + xs_msg(type_, req, body, length) + struct.pack("<II", want or type_, req) + b""


def xs_reply(type_, body, want=None, req=7, length=None):
    m = xs_msg(type_, req, body, length)
    return b"\0" + m[:16] + struct.pack("<II", want or type_, req) + m[16:]


put("xs_wire", "read", xs_reply(XS_READ, b"value"))
put("xs_wire", "error", xs_reply(XS_ERROR, b"ENOENT\0", want=XS_READ))
put("xs_wire", "error-unterminated", xs_reply(XS_ERROR, b"EACCES", want=XS_READ))
put("xs_wire", "ok", xs_reply(XS_WRITE, b"OK\0"))
put("xs_wire", "tx-id", xs_reply(XS_TRANSACTION_START, b"42\0"))
put("xs_wire", "watch-event", xs_reply(XS_WATCH_EVENT, b"device/vif/0\0tok\0"))
put("xs_wire", "directory", xs_reply(XS_DIRECTORY, b"a\0b\0c\0"))
put("xs_wire", "perms", xs_reply(XS_READ, b"n0\0r1\0"))
put("xs_wire", "path", xs_reply(XS_READ, b"/local/domain/1/device"))
put("xs_wire", "too-long", xs_reply(XS_READ, b"x", length=4097))
put("xs_wire", "state", xs_reply(XS_READ, b"4"))
put("xs_wire", "state-beyond", xs_reply(XS_READ, b"9"))
put("xs_wire", "ok-unterminated", xs_reply(XS_WRITE, b"OK"))
put("xs_wire", "error-unknown", xs_reply(XS_ERROR, b"EWHATEVER\0", want=XS_READ))
ring = xs_msg(XS_WATCH_EVENT, 0, b"a/b\0t\0") + xs_msg(XS_READ, 7, b"hello")
put("xs_wire", "ring-two", b"\1" + struct.pack("<II", 0, len(ring)) + bytes(16) + ring)
put("xs_wire", "ring-wrap", b"\1" + struct.pack("<II", 1020, 1020 + 16) + bytes([2] + [0] * 15)
    + (b"hello" + bytes(1015) + xs_msg(XS_READ, 7, b"hello")[:4])[:1024])
put("xs_wire", "ring-overrun", b"\1" + struct.pack("<II", 0, 1025) + bytes(16) + ring)

# --- cmdline: the line ---------------------------------------------------
put("cmdline", "plain", "console=ttyS0 loglevel=7 selftest=on,a")
put("cmdline", "quoted", 'ip="10.0.0.2::10.0.0.1:255.0.0.0" selftest="a,on" x')
put("cmdline", "unterminated", 'console=hvc0 a="b c')
put("cmdline", "bad-words", '=x "q a"b b="c"d loglevel=x\t\r\n unknown')

# --- memmap: records of op (bit 0: mark; type above it), base, len ---------


def mm(op, type_, base, length):
    return struct.pack("<BQQ", (type_ << 1) | op, base, length)


e820 = (mm(0, 1, 0, 0x9fc00) + mm(0, 2, 0x9fc00, 0x400) + mm(0, 2, 0xf0000, 0x10000)
        + mm(0, 1, 0x100000, 0x7ee0000) + mm(0, 3, 0x7fe0000, 0x20000) + mm(0, 2, 0xfffc0000, 0x40000))
put("memmap", "e820", e820)
put("memmap", "e820-marked", e820 + mm(1, 6, 0, 0x200000) + mm(1, 7, 0x8000000, 0x8000000))
put("memmap", "overlaps", mm(0, 1, 0, 1 << 30) + mm(0, 4, 0x1000, 0x1000) + mm(0, 9, 0x2000, 0)
    + mm(0, 1, 0xfffffffffffff000, 0x2000))
put("memmap", "many", b"".join(mm(0, 1 + i % 2, i * 0x1000, 0x1000) for i in range(140)))

# --- acpi: an RSDP, a table, a MADT ---------------------------------------


def checksummed(b, at):
    b = bytearray(b)
    b[at] = (-sum(b)) & 0xff
    return bytes(b)


def sdt(sig, body):
    hdr = bytearray(sig + struct.pack("<I", 36 + len(body)) + b"\1\0AMPHI AMPHITBL" + bytes(12))
    return checksummed(bytes(hdr) + body, 9)


rsdp1 = checksummed(b"RSD PTR \0AMPHI\0" + struct.pack("<I", 0xe0000), 8)
put("acpi", "rsdp-v1", rsdp1)
rsdp2 = bytearray(b"RSD PTR \0AMPHI\2" + struct.pack("<IIQ", 0xe0000, 36, 0xe1000) + bytes(4))
rsdp2 = checksummed(bytes(rsdp2[:20]), 8) + bytes(rsdp2[20:])
put("acpi", "rsdp-v2", checksummed(rsdp2, 32))
put("acpi", "rsdt", sdt(b"RSDT", struct.pack("<II", 0xe2000, 0xe3000)))
madt = struct.pack("<II", 0xfee00000, 1) + bytes([0, 8, 0, 0, 1, 0, 0, 0, 0, 8, 1, 1, 2, 0, 0, 0,
                                                   0, 8, 2, 0xff, 1, 0, 0, 0])
madt += struct.pack("<BBHIII", 9, 16, 0, 7, 1, 3) + struct.pack("<BBHQ", 5, 12, 0, 0xfee10000)
put("acpi", "madt", sdt(b"APIC", madt))
put("acpi", "madt-short-entry", sdt(b"APIC", madt[:8] + bytes([0, 7, 0, 0, 1, 0, 0, 0])))
put("acpi", "madt-bad-sum", sdt(b"APIC", madt)[:9] + b"\0" + sdt(b"APIC", madt)[10:])

# --- ipconfig: the value of ip= -------------------------------------------
put("ipconfig", "static", "10.0.0.2::10.0.0.1:255.255.255.0:amphi:eth0:off")
put("ipconfig", "all-fields", "10.0.0.2:10.0.0.9:10.0.0.1:255.255.255.0:h:eth1:none:8.8.8.8:8.8.4.4:1.1.1.1")
put("ipconfig", "off", "off")
put("ipconfig", "dhcp", "dhcp")
put("ipconfig", "gateway-outside", "10.0.0.2::10.0.1.1:255.255.255.0")
put("ipconfig", "bad-mask", "192.168.1.2::192.168.1.1:255.0.255.0")

# --- multiboot2: total size, reserved, 8-byte aligned tags -----------------


def mb2_tag(type_, body):
    t = struct.pack("<II", type_, 8 + len(body)) + body
    return t + bytes(-len(t) % 8)


def mb2(*tags, total=None):
    body = b"".join(tags) + mb2_tag(0, b"")
    return struct.pack("<II", total if total is not None else 8 + len(body), 0) + body


mb2_mmap = mb2_tag(6, struct.pack("<II", 24, 0) + b"".join(
    struct.pack("<QQII", b, l, t, 0) for b, l, t in
    [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0x100000, 0x7ee0000, 1), (0x7fe0000, 0x20000, 3)]))
put("multiboot2", "grub", mb2(mb2_tag(1, b"console=ttyS0 selftest\0"), mb2_tag(2, b"GRUB 2.06\0"),
                              mb2_mmap, mb2_tag(14, rsdp1)))
put("multiboot2", "acpi-new", mb2(mb2_tag(15, rsdp2), mb2_tag(1, b"x\0")))
put("multiboot2", "mmap-small-entries", mb2(mb2_tag(6, struct.pack("<II", 16, 0) + bytes(32))))
put("multiboot2", "cmdline-unterminated", mb2(mb2_tag(1, b"a" * 40)))
put("multiboot2", "tag-past-total", mb2(mb2_tag(1, b"abc\0"), total=20))
put("multiboot2", "module", mb2(mb2_tag(3, struct.pack("<II", 0x200000, 0x212345) + b"initrd\0")))
put("multiboot2", "modules-backwards", mb2(mb2_tag(3, struct.pack("<II", 0x300000, 0x200000)),
                                           mb2_tag(3, struct.pack("<II", 0x400000, 0x401000) + b"x"),
                                           mb2_tag(3, struct.pack("<I", 1))))

# --- pvh: memory from 0x1000, hvm_start_info at its start ------------------
PVH_BASE = 0x1000


def pvh(version=1, cmdline=b"console=ttyS0\0", entries=None, count=None, cmd_at=None, map_at=None,
        modules=None, nr_modules=None):
    entries = entries if entries is not None else [(0, 0x9fc00, 1), (0x100000, 0x7f00000, 1),
                                                   (0xfeffc000, 0x4000, 2)]
    table = b"".join(struct.pack("<QQII", a, l, t, 0) for a, l, t in entries)
    cmd_off, map_off = 72, 72 + len(cmdline) + (-len(cmdline) % 8)
    mods = b"".join(struct.pack("<QQQQ", a, l, c, 0) for a, l, c in (modules or []))
    mod_off = map_off + len(table)
    si = struct.pack("<IIIIQQQQII", 0x336ec578, version, 0,
                     len(modules or []) if nr_modules is None else nr_modules,
                     PVH_BASE + mod_off if modules else 0,
                     cmd_at if cmd_at is not None else PVH_BASE + cmd_off, 0xe0000,
                     map_at if map_at is not None else PVH_BASE + map_off,
                     len(entries) if count is None else count, 0)
    return si + cmdline + bytes(-len(cmdline) % 8) + table + mods


put("pvh", "qemu", pvh())
put("pvh", "dom0-v0", pvh(version=0, entries=[]))
put("pvh", "cmdline-unterminated", pvh(cmdline=b"x" * 64, entries=[]))
put("pvh", "map-count-too-big", pvh(count=0xffffffff))
put("pvh", "map-nowhere", pvh(map_at=0x100000000))
put("pvh", "bad-magic", b"\0" * 72)
put("pvh", "initrd", pvh(modules=[(0x7f00000, 0x12345, PVH_BASE + 72)]))
put("pvh", "modules-three", pvh(modules=[(0x7f00000, 0, 0), (1, 2, 3)], nr_modules=3))
put("pvh", "module-wraps", pvh(modules=[(0xfffffffffffff000, 0x2000, 0x100000000)]))

# --- start_info: the structure, then its address, console and store pfns ---


def start_info(nr_pages=32768, flags=0, pt_base=0x400000, nr_pt=8, mfn_list=0x300000,
               mod_start=0, mod_len=0, cmdline=b"console=hvc0 selftest", store=1, console=2):
    s = b"xen-3.0-x86_64".ljust(32, b"\0")
    s += struct.pack("<QQIxxxxQIxxxxQIxxxx", nr_pages, 0x12345000, flags, 0x9999, 1, 0x8888, 2)
    s += struct.pack("<QQQQQ", pt_base, nr_pt, mfn_list, mod_start, mod_len)
    s += cmdline.ljust(1024, b"\0") + struct.pack("<QQ", 0, 0)
    return s + struct.pack("<QQQ", 0x40c000, console, store)


put("start_info", "domu", start_info())
put("start_info", "dom0", start_info(flags=3, nr_pages=0x20000))
put("start_info", "module", start_info(mod_start=0x500000, mod_len=0x123456))
put("start_info", "wrapping", start_info(nr_pt=1 << 52, mod_start=0xfffffffffffff000, mod_len=0x2000))
put("start_info", "no-pages", start_info(nr_pages=0, cmdline=b"y" * 1024))
put("start_info", "module-pfn", start_info(flags=1 << 3, mod_start=0x500, mod_len=0x1000))
put("start_info", "module-empty", start_info(mod_start=0x500000, mod_len=0))

# --- cpio: a newc archive ---------------------------------------------------


def cpio_entry(name, data=b"", mode=0o100644, ino=1, nlink=1, magic=b"070701", check=None,
               namesize=None, filesize=None):
    name = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 1700000000, len(data) if filesize is None else filesize,
              0, 0, 5, 1, len(name) if namesize is None else namesize,
              (sum(data) & 0xffffffff if magic == b"070702" else 0) if check is None else check]
    h = magic + b"".join(b"%08X" % f for f in fields) + name
    h += bytes(-len(h) % 4)
    return h + data + bytes(-len(data) % 4)


CPIO_TRAILER = cpio_entry("TRAILER!!!")
put("cpio", "tree", cpio_entry(".", mode=0o40755, nlink=2) + cpio_entry("bin", mode=0o40755, nlink=2)
    + cpio_entry("bin/busybox", b"\x7fELF...") + cpio_entry("bin/sh", b"busybox", mode=0o120777)
    + cpio_entry("dev/console", mode=0o20600) + cpio_entry("a", ino=7, nlink=2)
    + cpio_entry("b", b"linked", ino=7, nlink=2) + CPIO_TRAILER)
put("cpio", "two-archives", cpio_entry("x", b"1") + CPIO_TRAILER + bytes(512)
    + cpio_entry("y", b"abc", magic=b"070702") + CPIO_TRAILER + bytes(8))
put("cpio", "crc-wrong", cpio_entry("y", b"abc", magic=b"070702", check=1) + CPIO_TRAILER)
put("cpio", "dotdot", cpio_entry("a/../b") + CPIO_TRAILER)
put("cpio", "no-trailer", cpio_entry("a", b"1"))
put("cpio", "data-past-end", cpio_entry("a", b"1", filesize=0xffffffff))
put("cpio", "name-no-nul", cpio_entry("ab", namesize=2) + CPIO_TRAILER)
put("cpio", "non-hex", b"070701" + b"G" * 104)

# --- fs: operations, each a byte, two NUL-terminated paths, offset, length ----
FS_MKDIR, FS_CREAT, FS_SYMLINK, FS_LINK, FS_UNLINK, FS_RMDIR, FS_RENAME, FS_WRITE, FS_TRUNC, \
    FS_READ, FS_READLINK, FS_LINKAT, FS_LIST = range(13)


def fs_op(op, a, b="", off=0, length=0, nofollow=False):
    return bytes([op | (0x80 if nofollow else 0)]) + a.encode() + b"\0" + b.encode() + b"\0" \
        + struct.pack("<HH", off, length)


put("fs", "tree", fs_op(FS_MKDIR, "/bin") + fs_op(FS_CREAT, "/bin/busybox")
    + fs_op(FS_WRITE, "/bin/busybox", off=4000, length=9000) + fs_op(FS_SYMLINK, "/bin/sh", "busybox")
    + fs_op(FS_READ, "/bin/sh", off=4090, length=20) + fs_op(FS_READLINK, "/bin/sh", nofollow=True)
    + fs_op(FS_LINK, "/bin/busybox", "/bb") + fs_op(FS_LINKAT, "/bb", "/bin/bb2")
    + fs_op(FS_LIST, "/bin", off=1, length=2) + fs_op(FS_LIST, "/bb"))
put("fs", "loops", fs_op(FS_SYMLINK, "/a", "b") + fs_op(FS_SYMLINK, "/b", "a")
    + fs_op(FS_READ, "/a/x/..//.", length=1) + fs_op(FS_SYMLINK, "/d", ".")
    + fs_op(FS_CREAT, "/d/d/d/./f") + fs_op(FS_UNLINK, "/d/"))
put("fs", "rename", fs_op(FS_MKDIR, "/m") + fs_op(FS_MKDIR, "/m/d") + fs_op(FS_MKDIR, "/m/d/s")
    + fs_op(FS_RENAME, "/m/d", "/m/d/s/x") + fs_op(FS_RENAME, "/m/d/s", "/m/e")
    + fs_op(FS_CREAT, "/m/f") + fs_op(FS_RENAME, "/m/f", "/m/e") + fs_op(FS_RMDIR, "/m/d/.."))
put("fs", "truncate", fs_op(FS_CREAT, "f") + fs_op(FS_WRITE, "f", off=100, length=8000)
    + fs_op(FS_TRUNC, "f", off=5000) + fs_op(FS_WRITE, "f", off=9000, length=10)
    + fs_op(FS_READ, "f", off=0, length=65535))
put("fs", "long-name", fs_op(FS_CREAT, "/" + "n" * 256) + fs_op(FS_CREAT, "/" + "n" * 255))

# --- blkif_rsp: ring size byte, then commands (see fuzz_blkif_rsp.c) -------
BLKIF_READ, BLKIF_WRITE, BLKIF_FLUSH, BLKIF_INDIRECT = 0, 1, 3, 6


def rsp_send(slot, opsel):
    return bytes([0, slot, opsel])


def rsp_answer(id_, op, status):
    return bytes([1]) + struct.pack("<QBh", id_, op, status)


def rsp_publish(cons_back, prod_back):
    return bytes([2]) + struct.pack("<II", cons_back, prod_back)


put("blkif_rsp", "good", bytes([5]) + rsp_send(0, 0) + rsp_send(1, 1) + rsp_publish(2, 0)
    + rsp_answer(0, BLKIF_READ, 0) + rsp_answer(1, BLKIF_WRITE, -1))
put("blkif_rsp", "duplicate", bytes([5]) + rsp_send(3, 0) + rsp_answer(3, BLKIF_READ, 0)
    + rsp_answer(3, BLKIF_READ, 0))
put("blkif_rsp", "wrong-id", bytes([5]) + rsp_send(0, 0) + rsp_answer(32, BLKIF_READ, 0)
    + rsp_answer(1 << 40, BLKIF_READ, 0) + rsp_answer(7, BLKIF_READ, 0))
put("blkif_rsp", "wrong-op-status", bytes([5]) + rsp_send(0, 0) + rsp_send(1, 5 | 0x80)
    + rsp_answer(0, BLKIF_WRITE, 0) + rsp_answer(1, BLKIF_WRITE, 7))
put("blkif_rsp", "indices", bytes([0xff]) + rsp_send(0, 0) + rsp_publish(1, 0)
    + rsp_publish(1, 0xffffffff) + rsp_publish(0, 0x80000000) + rsp_publish(40, 0))
put("blkif_rsp", "shorthand", bytes([3]) + bytes([0, 2, 3, 0, 4, 1, 3 | 8 * 4, 2, 7, 4]))

# --- blkif_be: records of sel, value, cap, sel2, value2 ---------------------


def be(node, rc, v, cap=2, rc2=1, v2=0):
    return struct.pack("<BQBBQ", node << 4 | rc, v, cap, rc2, v2)


put("blkif_be", "linux", be(0, 0, 4) + be(1, 0, 16) + be(2, 0, 256, 32) + be(3, 0, 1)
    + be(4, 0, 2097152, 0, 0, 512))
put("blkif_be", "absent", be(0, 1, 0) + be(1, 1, 0) + be(2, 1, 0) + be(3, 1, 0) + be(4, 0, 8, 0, 1))
put("blkif_be", "nonsense", be(0, 0, 99) + be(1, 0, 0) + be(2, 0, 1000000, 32) + be(3, 0, 2)
    + be(4, 0, 1 << 60, 0, 0, 1000) + be(4, 0, 8, 0, 2) + be(5, 0, (1 << 64) - 1, 3))
put("blkif_be", "not-numbers", be(0, 2, 0) + be(1, 2, 0) + be(2, 2, 0) + be(3, 2, 0) + be(5, 2, 0))

# --- netif_rsp: req_prod byte, then commands (see fuzz_netif_rsp.c) --------
NETRXF_VALID, NETRXF_BLANK, NETRXF_MORE, NETRXF_EXTRA = 1, 2, 4, 8


def nt_send(slot):
    return bytes([0, slot])


def nt_answer(id_, status):
    return bytes([1]) + struct.pack("<Hh", id_, status)


def nt_publish(cons_back, prod_back):
    return bytes([2]) + struct.pack("<II", cons_back, prod_back)


def nt_rsp(slot, off, status, flags, id_=None):
    return struct.pack("<HHHh", slot if id_ is None else id_, off, flags, status)


def nt_extra(type_, more):
    return struct.pack("<BB6x", type_, 1 if more else 0)


TCP_HDR = bytes(12) + b"\x08\x00\x45" + bytes(8) + b"\x06"


def nt_rx(start, entries, nslots, hdr=TCP_HDR):
    return (bytes([3]) + struct.pack("<HB", len(entries), start) + b"".join(entries)
            + struct.pack("<BH", start, nslots) + hdr)


put("netif_rsp", "tx-good", bytes([0]) + nt_send(0) + nt_send(1) + nt_publish(2, 0)
    + nt_answer(0, 0) + nt_answer(1, -2))
put("netif_rsp", "tx-wrong", bytes([0]) + nt_send(3) + nt_answer(3, 0) + nt_answer(3, 0)
    + nt_answer(999, 0) + nt_answer(7, 1) + nt_send(4) + nt_answer(4, 77))
put("netif_rsp", "indices", bytes([0xff]) + nt_send(0) + nt_publish(1, 0)
    + nt_publish(1, 0xffffffff) + nt_publish(0, 0x80000000) + nt_publish(300, 0))
put("netif_rsp", "rx-frame", bytes([1]) + nt_rx(10, [nt_rsp(10, 0, 60, NETRXF_VALID)], 1))
put("netif_rsp", "rx-csum", bytes([1]) + nt_rx(10, [nt_rsp(10, 0, 60, NETRXF_BLANK)], 1))
put("netif_rsp", "rx-span", bytes([2]) + nt_rx(254, [nt_rsp(254, 0, 4096, NETRXF_MORE),
                                                     nt_rsp(255, 0, 4096, NETRXF_MORE),
                                                     nt_rsp(0, 100, 10, 0)], 3))
put("netif_rsp", "rx-span-bad-middle", bytes([2]) + nt_rx(0, [nt_rsp(0, 0, 4096, NETRXF_MORE),
                                                              nt_rsp(1, 4000, 200, NETRXF_MORE),
                                                              nt_rsp(2, 0, 100, 0)], 3))
put("netif_rsp", "rx-extras", bytes([2]) + nt_rx(5, [nt_rsp(5, 0, 4096, NETRXF_EXTRA | NETRXF_MORE),
                                                     nt_extra(1, True), nt_extra(4, False),
                                                     nt_rsp(8, 0, 100, 0)], 4))
put("netif_rsp", "rx-extra-bad-type", bytes([2]) + nt_rx(5, [nt_rsp(5, 0, 60, NETRXF_EXTRA),
                                                             nt_extra(9, False)], 2))
put("netif_rsp", "rx-partial-wrong-slot", bytes([2]) + nt_rx(0, [nt_rsp(0, 0, 4096, NETRXF_MORE)], 1)
    + nt_rx(0, [nt_rsp(0, 0, 4096, NETRXF_MORE), nt_rsp(1, 0, 100, 0, id_=7)], 2))

# --- netif_be: records of sel, value, cap (MAC: a length and the string) ----


def nb(node, rc, v, cap=2, absent=0, refused=0):
    return struct.pack("<BQB", rc | node << 2 | absent << 4 | refused << 5, v, cap)


def nb_mac(s):
    return nb(3, 0, len(s)) + s


put("netif_be", "linux", nb(0, 0, 1) + nb(0, 0, 0) + nb(1, 0, 8) + nb(2, 1, 0) + nb(2, 0, 9000)
    + nb_mac(b"00:16:3e:01:02:03"))
put("netif_be", "absent", nb(0, 1, 0, absent=1) + nb(1, 1, 0) + nb(2, 1, 0))
put("netif_be", "nonsense", nb(0, 0, 2, refused=1) + nb(0, 2, 0) + nb(1, 0, 0) + nb(1, 0, 1 << 40)
    + nb(2, 0, 67) + nb(2, 0, 70000) + nb(2, 2, 0))
put("netif_be", "macs", nb_mac(b"00:16:3E:AB:cd:09") + nb_mac(b"01:16:3e:01:02:03")
    + nb_mac(b"00:00:00:00:00:00") + nb_mac(b"00:16:3e:01:02") + nb_mac(b"0") + nb_mac(b"")
    + nb_mac(b"00:16:3e:01:02:03:"))

# --- console_ring: start index, then moves of 1 + 4 bytes -------------------


def cr(inp, back, n):
    return struct.pack("<BI", (n << 1) | inp, back & 0xffffffff)


put("console_ring", "sane", struct.pack("<I", 0) + cr(0, 0, 100) + cr(0, 50, 10) + cr(1, 10, 5)
    + cr(1, 0, 127))
put("console_ring", "wrap", struct.pack("<I", 0xfffffff0) + cr(0, 0, 127) + cr(1, 30, 100)
    + cr(0, 2000, 127))
put("console_ring", "nonsense", struct.pack("<I", 5) + cr(0, -1, 10) + cr(0, 3000, 10)
    + cr(1, 1025, 10) + cr(1, -3, 10) + cr(1, 0x80000000, 1))
# Frames only many consistent slots make: too many fragments, a frame and
# an extra-info chain as long as the ring.
put("netif_rsp", "rx-too-many-frags", bytes([2]) + nt_rx(0, [nt_rsp(i, 0, 100, NETRXF_MORE) for i in range(18)]
                                                     + [nt_rsp(18, 0, 100, 0)], 19))
put("netif_rsp", "rx-frame-as-long-as-ring", bytes([2]) + nt_rx(0, [nt_rsp(i, 0, 10, NETRXF_MORE)
                                                                    for i in range(256)], 256))
put("netif_rsp", "rx-endless-extras", bytes([2]) + nt_rx(0, [nt_rsp(0, 0, 60, NETRXF_EXTRA)]
                                                     + [nt_extra(1, True)] * 255, 256))

# --- elf: a whole image -----------------------------------------------------
# A small static program (headers and rodata, text, data with bss, TLS),
# as ET_EXEC in the user range and as ET_DYN, and near misses.
EL_LO = 0x600000400000


def elf_image(etype=2, lo=EL_LO, entry_off=0x1010, interp=False, phnum=None, overlap=False):
    phs = [(1, 4, 0, lo, 0x400, 0x400), (1, 5, 0x1000, lo + 0x1000, 0x800, 0x800),
           (1, 6, 0x2000, lo + (0x1000 if overlap else 0x2000), 0x100, 0x5000),
           (3 if interp else 7, 4, 0x2000, lo + 0x2000, 0x10, 0x20)]
    eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", etype, 62, 1, lo + entry_off, 64, 0, 0, 64, 56,
        len(phs) if phnum is None else phnum, 0, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, 0x1000) for t, f, o, v, fs, ms in phs)
    img = bytearray(eh + ph)
    img += bytes(0x3000 - len(img))
    img[0x1010] = 0xc3
    return bytes(img)


put("elf", "exec", elf_image())
put("elf", "dyn", elf_image(etype=3, lo=0))
put("elf", "interp", elf_image(interp=True))
put("elf", "entry-in-data", elf_image(entry_off=0x2010))
put("elf", "overlap", elf_image(overlap=True))
put("elf", "phnum-past-end", elf_image(phnum=200))
put("elf", "truncated", elf_image()[:0x1800])
