"""Debian's kernel packages: changelog entries, and which package is which
upstream version."""

import pytest

from folioscope.lab.debian import changelog_entries, pick_package, sources_list, upstream
from folioscope.lab.errors import LabMissing

CHANGELOG = """\
linux (6.1.155-1) bookworm-security; urgency=high

  * New upstream stable update:
    https://www.kernel.org/pub/linux/kernel/v6.x/ChangeLog-6.1.155
    - IB/mlx5: Fix obj_type mismatch for SRQ event subscriptions
    - mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"
    - mm/gup: check ref_count instead of lru before migration
    - mm/gup: local lru_add_drain() to avoid lru_add_drain_all()
    - mm: folio_may_be_lru_cached() unless folio_test_large()
    - Fix ext4 regression in 6.16.1 (Closes: #1111670):
      + ext4: process folios writeback in bytes
    - [x86] arch/x86/kvm/svm/sev.c: change flag passed to GUP fast in
      sev_pin_memory()

  [ Ben Hutchings ]
  * d/salsa-ci.yml: set RELEASE

 -- Salvatore Bonaccorso <carnil@debian.org>  Sat, 04 Oct 2025 10:00:00 +0200
"""


def test_changelog_entries_are_the_listed_commits():
    entries = changelog_entries(CHANGELOG)
    assert "mm/gup: check ref_count instead of lru before migration" in entries
    assert 'mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"' in entries
    assert "ext4: process folios writeback in bytes" in entries
    # a subject wrapped onto the next line is joined
    assert "[x86] arch/x86/kvm/svm/sev.c: change flag passed to GUP fast in sev_pin_memory()" in entries
    assert not any(e.startswith(("http", "d/salsa")) for e in entries)


def test_upstream_version_of_a_debian_version():
    assert upstream("6.16.3-1~bpo13+1") == "6.16.3"
    assert upstream("6.1.192-3") == "6.1.192"


NAMES = ["linux-image-6.1.0-55-cloud-amd64", "linux-image-6.1.0-57-cloud-amd64",
         "linux-image-6.16.3+deb13-cloud-amd64", "linux-image-6.12.43+deb12-cloud-amd64"]
VERSIONS = {"linux-image-6.1.0-55-cloud-amd64": ["6.1.192-1"],
            "linux-image-6.1.0-57-cloud-amd64": ["6.1.192-3"],
            "linux-image-6.16.3+deb13-cloud-amd64": ["6.16.3-1~bpo13+1"],
            "linux-image-6.12.43+deb12-cloud-amd64": ["6.12.43-1~bpo12+1"]}


def test_pick_package_by_name_or_behind_the_abi_number():
    assert pick_package("6.16.3", NAMES, VERSIONS.get) == \
        ("linux-image-6.16.3+deb13-cloud-amd64", "6.16.3-1~bpo13+1")
    # 6.1.192 is two ABI packages: the newest Debian revision wins
    assert pick_package("6.1.192", NAMES, VERSIONS.get) == \
        ("linux-image-6.1.0-57-cloud-amd64", "6.1.192-3")


def test_a_version_debian_does_not_have_says_how_to_find_one():
    with pytest.raises(LabMissing) as err:
        pick_package("6.16.4", NAMES, VERSIONS.get)
    assert "apt-cache search" in err.value.install


def test_private_sources_use_the_archive_keyring():
    text = sources_list()
    assert "trixie-backports" in text and "bookworm-backports" in text
    assert all("signed-by=/usr/share/keyrings/debian-archive-keyring.gpg" in line
               for line in text.splitlines())
