"""axe-core for the accessibility tests: from ``FIELDAPP_AXE_JS``, the worktree's node_modules, or npm.

axe-core is an npm package, not a Python one: it is never committed. The tests take the file
``FIELDAPP_AXE_JS`` names, else ``node_modules/axe-core/axe.min.js`` at the repository's top
(git ignores node_modules/), installing it there with npm when missing. Without npm they skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PACKAGE = "axe-core@4"
# The WCAG 2.1 A and AA rules (contrast, labels, names, structure); best practices are not failures.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
    v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", "));
}"""


def axe_path() -> Path | None:
    """The axe.min.js to inject, installing it with npm when needed; None when there is no npm."""
    named = os.environ.get("FIELDAPP_AXE_JS")
    if named and Path(named).is_file():
        return Path(named)
    if LOCAL.is_file():
        return LOCAL
    npm = shutil.which("npm")
    if npm is None:
        return None
    subprocess.run(
        [
            npm,
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(ROOT),
            PACKAGE,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return LOCAL if LOCAL.is_file() else None


def violations(page: object, script: str) -> list[str]:
    """axe's WCAG 2.1 AA violations on the page as it is now, one line each."""
    page.add_script_tag(content=script)  # type: ignore[attr-defined]
    return list(page.evaluate(RUN, TAGS))  # type: ignore[attr-defined]
