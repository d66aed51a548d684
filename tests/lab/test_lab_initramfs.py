"""The initramfs is a cpio newc archive the kernel can unpack."""

import stat

from folioscope.lab.initramfs import lab_initramfs, newc


def read_newc(data: bytes):
    """A reader written from the format (cpio(5), "New ASCII Format")."""
    pos, out = 0, []
    while True:
        head = data[pos:pos + 110]
        assert head[:6] == b"070701"
        f = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        body = data[pos:pos + size]
        pos += size + (-size % 4)
        if name == "TRAILER!!!":
            return out
        out.append((name, mode, body, (rmaj, rmin)))


def test_entries_round_trip():
    entries = read_newc(lab_initramfs(b"\x7fELF agent", "cpus 2\n"))
    by_name = {e[0]: e for e in entries}
    assert by_name["init"][2] == b"\x7fELF agent"
    assert by_name["init"][1] & 0o111 and stat.S_ISREG(by_name["init"][1])
    assert by_name["lab/program"][2] == b"cpus 2\n"
    assert stat.S_ISCHR(by_name["dev/console"][1]) and by_name["dev/console"][3] == (5, 1)
    assert by_name["dev/ttyS1"][3] == (4, 65)


def test_archive_is_padded_to_four_bytes():
    assert len(newc([])) % 4 == 0
    assert len(lab_initramfs(b"x" * 5, "y")) % 4 == 0
