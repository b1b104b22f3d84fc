"""`make demo` ends by writing the demo topic's Markdown dossier and saying where it is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv/bin/dossier").exists(),
                    reason="needs make and the .venv that `make test` builds")
def test_make_demo_writes_the_markdown_dossier_and_prints_its_path(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    proc = subprocess.run(
        ["make", "-s", "-o", ".venv/bin/.installed", "demo", f"DEMO_DIR={out_dir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    dossier = out_dir / "microsoft-imod.md"
    assert proc.stdout.rstrip().splitlines()[-1] == f"The demo topic's dossier (Markdown): {dossier}"
    text = dossier.read_text(encoding="utf-8")
    assert text.startswith("# Dossier: ") and "applied by auto" in text and "#### Timeline" in text
