"""The wheel a user installs, which carries the knowledge base inside the package, and the
sdist, from which the tests run."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

import advisor

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # .ci/run checks the wheel it built from the sdist, the one a user would install.
    if given := os.environ.get("ADVISOR_WHEEL"):
        return Path(given)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("advisor-*.whl")
    return built


def test_wheel_holds_the_rules_and_no_cache(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    rules = sorted(n.removeprefix("advisor/rules/") for n in names if "/rules/" in n)
    assert rules == sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert not [n for n in names if ".advisor-cache" in n or "__pycache__" in n]
    assert not [n for n in names if n.endswith((".pyc", ".pyo"))]
    assert "advisor/py.typed" in names
    assert "advisor/web/static/widget.js" in names


def test_wheel_says_its_version_licence_and_classifiers(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    info = f"advisor-{advisor.__version__}.dist-info"
    assert wheel.name.startswith(f"advisor-{advisor.__version__}-")  # advisor/version.py's
    metadata = HeaderParser().parsestr(archive.read(f"{info}/METADATA").decode())
    assert metadata["Version"] == advisor.__version__
    assert metadata["License-Expression"] == "MIT"
    assert "Programming Language :: Python :: 3.11" in metadata.get_all("Classifier")
    assert metadata.get_all("Project-URL")
    licence = archive.read(f"{info}/licenses/LICENSE").decode()
    assert licence == (ROOT / "LICENSE").read_text()
    assert "MIT License" in licence


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("advisor-*.tar.gz")
    top = f"advisor-{advisor.__version__}/"
    with tarfile.open(built) as archive:
        return [n.removeprefix(top) for n in archive.getnames()]


def test_sdist_holds_what_the_tests_read(sdist: list[str]) -> None:
    chats = sorted(n for n in sdist if n.startswith("transcripts/") and n.endswith(".chat"))
    assert chats == sorted(f"transcripts/{p.name}" for p in (ROOT / "transcripts").glob("*.chat"))
    assert "LICENSE" in sdist
    needed = ["tests/conftest.py", "rules/Q194068.yaml", "docs/authoring.md"]
    needed += ["benchmarks/synthetic.py", "deploy/haproxy.cfg"]
    assert [n for n in needed if n not in sdist] == []
    assert not [n for n in sdist if "__pycache__" in n or ".advisor-cache" in n]


def test_installed_package_finds_its_rules_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    program = (
        "import advisor\n"
        "s = advisor.load().new_session()\n"
        "s.start()\n"
        "print(advisor.__file__)\n"
        "print(s.send('0x800CCC0F').question.id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=elsewhere,
        env={"PYTHONPATH": str(site), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    where, asked = done.stdout.split()
    assert Path(where).is_relative_to(site)
    assert asked == "mail_service"
