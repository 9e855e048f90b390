"""Wheel build hook: compile the TOML knowledge base in data/ into one JSON bundle.

An installed backpain reads the bundle (one json.loads, about 1 ms) instead of parsing some
forty TOML files on every start (about 50 ms). The bundle is made fresh at every build from the
same files, so it cannot go stale; a source checkout keeps reading the TOML directly.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "backpain_cli/data/bundle.json"


def compile_bundle(data: Path) -> dict[str, Any]:
    files = {}
    for path in sorted(data.rglob("*.toml")):
        files[path.relative_to(data).as_posix()] = tomllib.loads(path.read_text(encoding="utf-8"))
    return {"format": 1, "files": files}


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        bundle = compile_bundle(Path(self.root) / "data")
        out = Path(tempfile.mkdtemp()) / "bundle.json"
        out.write_text(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")))
        build_data["force_include"][str(out)] = BUNDLE
