"""The package installs like any Python package: a wheel built from the repository, installed into a
fresh virtualenv, ingests a file and answers a query from its own installed files (vocabularies,
manifest, open bundle, Cypher, explorer pages), never from the checkout.

Offline: the wheel is built without build isolation, installed with ``--no-index --no-deps``; the
new environment then reaches the dependencies through a path to this test environment's
site-packages (a plain path: its editable-install hook does not run there). Slow (a build), so it is
marked ``slow``: it runs in CI, handed out first under parallel workers.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
from tierwatch.graph.settings import REPO_ROOT

pytestmark = pytest.mark.slow

ITUC_FILE = "risk/ituc_global_rights_index_excerpt.csv"  # an open file of the demo bundle
NOT_SOURCES = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "test-artifacts", ".store")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_ingests_and_answers_from_its_own_files(tmp_path: Path):
    # only TIERWATCH_STORE_DIR: everything else comes from the installed package's defaults
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERWATCH_", "PYTHON"))}
    env["TIERWATCH_STORE_DIR"] = str(tmp_path / "store")
    work = tmp_path / "elsewhere"  # not the checkout: nothing may resolve from it
    work.mkdir()

    source = tmp_path / "source"  # a copy: the build writes build/ and *.egg-info next to setup.py
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), "."],
        source,
        env,
    )
    (wheel,) = wheels.glob("tierwatch-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work, env)
    python = venv / "bin" / "python"
    # installed before the dependencies' path is added, so that pip sees no other tierwatch
    _run([*pip, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)], work, env)
    installed = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], work, env).strip()
    )
    (installed / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")

    where = _run(
        [
            str(python),
            "-c",
            "import tierwatch.graph.settings as s, tierwatch.ingest.reference as r; "
            "from importlib import resources; "
            "print(s.__file__); print(r.VOCAB); print(s.Settings().manifest_file); "
            "print(sum(f.name.endswith('.cypher') for f in resources.files('tierwatch.cypher').iterdir()))",
        ],
        work,
        env,
    ).split()
    assert all(p.startswith(str(installed)) for p in where[:3]), where
    assert int(where[3]) == len(list((REPO_ROOT / "cypher").glob("*.cypher"))), (
        "every Cypher file is installed"
    )
    package = installed / "tierwatch"
    for shipped in (
        "ingest/vocab/commodities.toml",
        "ingest/ituc/source.toml",
        "data/manifest.toml",
        "data/aliases.toml",
        "explorer/app.py",
        "explorer/views/search.py",
        "explorer/graph_component.js",
        f"data/open/{ITUC_FILE}",
    ):
        assert (package / shipped).is_file(), f"{shipped} is not in the wheel"

    tierwatch = str(venv / "bin" / "tierwatch")
    out = _run(
        [
            tierwatch,
            "ingest",
            "ituc",
            str(package / "data" / "open" / ITUC_FILE),
            "--dataset",
            "ituc-gri-excerpt-ew2024",
        ],
        work,
        env,
    )
    assert "edition 2024" in out
    answer = json.loads(_run([tierwatch, "entity", "country:CN", "--json"], work, env))
    findings = {f["finding"]["id"]: f["finding"] for f in answer["findings"]}
    china = findings["ituc:finding:CHN:2024"]  # the file's row: CN, China, 5, No guarantee of rights
    assert china["category"] == "freedom_of_association"
    assert "China rated 5 (No guarantee of rights)" in china["evidence"]
    assert china["datasets"] == ["ituc-gri-excerpt-ew2024"]
