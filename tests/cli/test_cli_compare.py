"""compare (issue 8 item 4): final states and counters are compared too,
the report fits the terminal, alike variants and rows are grouped, and
--format json gives every value whole."""

from __future__ import annotations

import json
import re

from clitools import B2, REPO, run_cli, scenario

B2_BARE = (REPO / "scenarios" / "b2-will-deacon-pin-failure.fs").read_text().split("\ncpu0 gup_longterm F")[0] \
    + "\ncpu0 gup_longterm F\n"
"""B2 up to the pin, without the expectations that follow it."""


def _bare(tmp_path) -> str:
    text = "\n".join(line for line in B2_BARE.splitlines() if not line.startswith("expect"))
    return scenario(tmp_path, text + "\n", "b2-bare.fs")


def test_counters_that_differ_are_shown_even_when_every_result_is_the_same(tmp_path) -> None:
    # up to the pin, no step's result differs; after it local_drains is 0, 1 and 2
    proc = run_cli("compare", _bare(tmp_path))
    assert proc.returncode == 0
    assert "final state where variants differ" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if "stats.local_drains" in line)
    assert {"0", "1", "2"} <= set(row.split()[1:])


def test_final_folios_that_differ_are_shown_per_group(tmp_path) -> None:
    proc = run_cli("compare", _bare(tmp_path), "--kernel", "v6.11,v6.18")
    out = proc.stdout
    assert re.search(r"v6\.11\s+F \(shmem, movable\)\s+refcount 4", out)
    assert re.search(r"v6\.18\s+F\s+freed", out)
    assert re.search(r"v6\.11\s+F'\s+no such folio", out)


def test_identical_final_state_says_so(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\ncpu0 drain\nexpect F.refcount == 1\n")
    out = run_cli("compare", path).stdout
    assert "final state: the same under every variant" in out
    assert "all 9 variants behave alike" in out


def test_fits_80_columns_without_a_terminal() -> None:
    proc = run_cli("compare", B2)
    widest = max(len(line) for line in proc.stdout.splitlines())
    assert widest <= 80, widest


def test_fits_the_columns_it_is_given() -> None:
    for width in (60, 100, 160):
        out = run_cli("compare", B2, env={"COLUMNS": str(width)}).stdout
        assert max(len(line) for line in out.splitlines()) <= width, width


def test_variants_that_behave_alike_share_a_column() -> None:
    out = run_cli("compare", B2).stdout
    assert "variants (those that behave alike share a column)" in out
    assert re.search(r"^  [A-Z]  v5\.18, v6\.9, v6\.11, v6\.14$", out, re.M)
    header = next(line for line in out.splitlines() if line.lstrip().startswith("line "))
    assert header.split()[2:] == ["A", "B", "C", "D", "E"]


def test_alike_rows_are_grouped() -> None:
    out = run_cli("compare", B2, env={"COLUMNS": "200"}).stdout
    # lines 19, 20 and 21 hold everywhere: one row
    assert re.search(r"^  19–21\s+expect F\.refcount == 3 \(and 2 more\)", out, re.M)
    assert not re.search(r"^  20\s", out, re.M)


def test_failures_are_never_grouped(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\ncpu0 activate F\nexpect F.refcount == 5\n"
                              "expect F.refcount == 6\n")
    out = run_cli("compare", path).stdout
    assert re.search(r"^  3\s+expect F\.refcount == 5\s+FAIL", out, re.M)
    assert re.search(r"^  4\s+expect F\.refcount == 6\s+FAIL", out, re.M)


def test_format_json() -> None:
    proc = run_cli("compare", B2, "--format", "json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["variants"][0] == "v5.18" and len(doc["variants"]) == 9
    assert ["v5.18", "v6.9", "v6.11", "v6.14"] in doc["groups"]
    (step,) = doc["steps"]
    assert step["line"] == 23 and step["results"]["v6.11"] == "ENOMEM" and step["results"]["v6.18"] == "ok"
    final = {row["key"]: row["values"] for row in doc["final"]}
    assert final["stats.local_drains"]["v6.18"] == 2
    assert final["stats.drain_all_work"]["v6.18"] == [[1]]
    assert final["folio.F'.refcount"]["v6.11"] is None
    verdicts = {e["line"]: e["verdicts"] for e in doc["expectations"]}
    assert verdicts[24]["v6.11"] == "ok" and verdicts[24]["v6.18"] == "skip"
    assert doc["verdict"] == {"ok": True, "failed": 0, "unexpected_bugs": 0, "failing": []}


def test_format_json_failing(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\ncpu0 activate F\nexpect F.refcount == 2 @ v6.11\n"
                              "expect F.refcount == 5 @ v6.18\n")
    proc = run_cli("compare", path, "--kernel", "v6.11,v6.18", "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["verdict"]["failing"] == ["v6.18"]
