"""`folioscope lab` exit statuses that need no QEMU: 2 for a line without a
route (before any download), 3 for a missing kernel or QEMU."""

from pathlib import Path

from folioscope.cli import main
from folioscope.lab import qemu

from test_lab_routes import B2


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.fs"
    path.write_text(text)
    return str(path)


def test_a_line_without_a_route_exits_2_naming_it(tmp_path, capsys):
    path = write(tmp_path, "folio F anon zone=movable\ncpu0 drain\ncpu1 activate F\n")
    assert main(["lab", path, "--kernel-image", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: the lab cannot run this line" in err
    assert "folio_activate" in err


def test_a_missing_kernel_image_exits_3(tmp_path, capsys):
    assert main(["lab", str(B2), "--kernel-image", str(tmp_path / "bzImage"),
                 "--variant", "v6.11", "--cache-dir", str(tmp_path / "cache")]) == 3
    assert "no kernel image" in capsys.readouterr().err


def test_missing_qemu_exits_3_with_the_install_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(qemu, "QEMU", "qemu-system-folioscope-none")
    image = tmp_path / "bzImage"
    image.write_bytes(b"\0" * 1024)
    code = main(["lab", str(B2), "--kernel-image", str(image), "--variant", "v6.11",
                 "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    if "gcc is not installed" in err:   # no compiler here: also exit 3, with its install line
        assert code == 3 and "apt-get install -y gcc libc6-dev" in err
        return
    assert code == 3
    assert "apt-get install -y qemu-system-x86" in err


def test_bad_input_is_still_exit_2(tmp_path, capsys):
    path = write(tmp_path, "folio F anon zone=movable\ncpu0 mlokc F\n")
    assert main(["lab", path, "--debian", "6.16.3"]) == 2
    assert "mlokc" in capsys.readouterr().err
