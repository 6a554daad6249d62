"""The wheel a user installs: it carries the knowledge base inside the package, and not
the cache that loading the repository's rules leaves beside them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import advisor

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A cache beside the rules, as any run from the repository leaves one.
    advisor.load(ROOT / "rules")
    assert any((ROOT / "rules" / ".advisor-cache").iterdir())
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
    assert not [n for n in names if ".advisor-cache" in n]
    assert "advisor/py.typed" in names
    assert "advisor/web/static/widget.js" in names


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
