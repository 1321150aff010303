"""The arrows between the apps (kernel ← leads ← adjudication ← metrics, and
demo on top) are import-linter contracts in pyproject.toml, run by
``make test``. These tests show the contracts hold on the tree as it is, and
that each one breaks when a wrong-way import is added to a scratch copy:
a contract that could not fail would guard nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("leadcourt", "leads", "adjudication", "metrics", "demo")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own linter on our own copy
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def scratch_tree(tmp_path_factory) -> Path:
    """A copy of the apps' source and of pyproject.toml, to break on purpose."""
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_every_contract_holds_on_the_tree_as_it_is(scratch_tree):
    result = lint_imports(scratch_tree)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("leads/wrong_way.py", "import adjudication.services", "leads does not import the court"),
        ("leads/wrong_way.py", "from metrics import periods", "leads does not import metrics"),
        ("adjudication/wrong_way.py", "import metrics.snapshots", "adjudication does not import metrics"),
        ("leadcourt/wrong_way.py", "from leads.models import Lead", "the kernel (leadcourt) imports no"),
        ("metrics/wrong_way.py", "import demo.data", "no app imports the demo seed"),
    ],
)
def test_a_wrong_way_import_breaks_its_contract(scratch_tree, module, wrong_import, contract):
    added = scratch_tree / module
    added.write_text(f'"""Added by the test: an import against the arrows."""\n\n{wrong_import}\n')
    try:
        result = lint_imports(scratch_tree)
    finally:
        added.unlink()

    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert len(broken) == 1 and broken[0].startswith(contract), result.stdout
