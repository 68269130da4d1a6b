"""`warclaw build decode` as a person runs it: a real process, stdout, stderr, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from warclaw.chatcode import decode_build
from warclaw.cli import main
from warclaw.cli.chatcode_cmds import decoded_mapping

RANGER_2023 = "[&DQQZGggqHiYlD3kAvQAAALkAAAC8AAAAlwEAABYAAAAAAAAAAAAAAAAAAAACMwAjAARn9wAA3fYAAJv2AADo9gAA]"
NECRO_LEGACY = "[&DQg1KTIlIjbBEgAAgQB1AUABgQB1AUABlQCVAAAAAAAAAAAAAAAAAAAAAAA=]"
REVENANT = "[&DQkAAAAARQDcEdwRAAAAACsSAADUEQAAAAAAAAQCAwDUESsSAAAAAAAAAAA=]"


BAD = [
    ("[&DQ*Q]", "is not base64"),
    ("AgGqtgAA", "not a build template link"),
]
# Each process pays for importing the whole CLI (the solver included): few runs, side by side.
RUNS = [(RANGER_2023, "--json"), (REVENANT,), *((code,) for code, _ in BAD)]


def _run(args: tuple[str, ...]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "PATH", "PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_CONFIG_HOME"] = "/nonexistent-warclaw-test"
    return subprocess.run([sys.executable, "-m", "warclaw", "build", "decode", *args],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        return dict(zip(RUNS, pool.map(_run, RUNS), strict=True))


def test_json_of_a_2023_code(results):
    out = results[RANGER_2023, "--json"]
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "profession": "Ranger",
        "specializations": [{"id": 25, "name": "Nature Magic", "traits": [2, 2, 1]},
                            {"id": 8, "name": "Marksmanship", "traits": [2, 2, 2]},
                            {"id": 30, "name": "Skirmishing", "traits": [2, 1, 2]}],
        "elite_spec": None,
        "skills": {"terrestrial": [3877, 189, 185, 188, 407], "aquatic": [121, 0, 0, 0, 0]},
        "weapons": [{"id": 51, "name": "Hammer"}, {"id": 35, "name": "Longbow"}],
        "skill_variants": [63335, 63197, 63131, 63208],
        "pets": {"terrestrial": [22, 0], "aquatic": [0, 0]},
        "legends": None,
        "catalog_build": "ranger-dps",
        "match": {"build": "ranger-dps", "confidence": 0.6, "reason": (
            "ranger (third line 30 is not an elite spec the catalog knows): the only catalog build of the spec "
            "→ ranger-dps (mixed evidence: Nature Magic, Water Spirit, Spirit of Nature, Marksmanship, Skirmishing)")},
    }


def test_json_of_a_legacy_code_with_an_elite_spec(catalog):
    got = decoded_mapping(decode_build(NECRO_LEGACY), catalog)
    assert got["elite_spec"] == "Reaper" and got["catalog_build"] == "reaper-dps"
    assert [s["name"] for s in got["specializations"]] == ["Spite", "Soul Reaping", "Reaper"]
    assert got["weapons"] == [] and got["skill_variants"] == []
    assert json.loads(json.dumps(got)) == got


def test_json_carries_legends_and_the_match_the_text_shows(catalog):
    got = decoded_mapping(decode_build(REVENANT), catalog)
    assert got["pets"] is None
    assert got["legends"]["terrestrial"] == [{"code": 4, "name": "Legendary Demon Stance (Mallyx)"},
                                             {"code": 2, "name": "Legendary Assassin Stance (Shiro)"}]
    assert got["match"] == {"build": "vindicator-dps", "confidence": 0.6,
                            "reason": "vindicator: the only catalog build of the spec → vindicator-dps"}


def test_truncated_code_in_process(capsys):
    code = "DQQZGggqHiYlD3kAvQAAALkAAAC8AAAAlwEAABYAAAAAAAAAAAAAAAAAAAACMwAjAARn9w=="
    assert main(["build", "decode", code]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["warclaw: build template link is truncated: 4 skill variants need 16 bytes at offset 50, "
                   "only 2 left"]


def test_readable_summary_names_skills_and_legends(results):
    out = results[(REVENANT,)]
    assert out.returncode == 0, out.stderr
    assert "Revenant" in out.stdout and "Vindicator" in out.stdout
    assert "Empowering Misery" in out.stdout and "Mallyx" in out.stdout
    assert "vindicator-dps" in out.stdout


@pytest.mark.parametrize(("code", "message"), BAD)
def test_bad_code_is_one_line_and_exit_1(code, message, results):
    out = results[(code,)]
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("warclaw: ")
    assert "Traceback" not in out.stderr
