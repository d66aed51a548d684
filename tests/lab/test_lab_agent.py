"""The guest agent ships in the package and compiles as the lab builds it."""

import shutil
import subprocess

import pytest

from folioscope.lab.agent_build import SOURCE, agent_key, build_agent


def test_the_agent_source_is_inside_the_package():
    assert SOURCE.is_file()
    assert "folioscope/lab/guest/agent.c" in SOURCE.as_posix()


def test_a_new_source_or_compiler_builds_a_new_agent():
    assert agent_key(b"a", "gcc 12") != agent_key(b"b", "gcc 12")
    assert agent_key(b"a", "gcc 12") != agent_key(b"a", "gcc 13")


@pytest.mark.skipif(not shutil.which("gcc"), reason="needs gcc and a static libc")
def test_the_agent_builds_statically_into_the_cache(tmp_path):
    if subprocess.run(["gcc", "-static", "-x", "c", "-o", str(tmp_path / "t"), "-"],
                      input="int main(void){return 0;}", text=True, capture_output=True).returncode:
        pytest.skip("no static libc (libc6-dev)")
    binary = build_agent(tmp_path)
    assert binary[:4] == b"\x7fELF"
    built = list((tmp_path / "agent").iterdir())
    assert len(built) == 1
    assert build_agent(tmp_path) == binary   # cached: built once
