"""Wheel build hook: compile the TOML knowledge base in data/ for a fast start.

The hook loads data/ with the package's own loader, which checks every id, source and rule,
and ships the result pickled as backpain_cli/data/knowledge.pickle. An installed backpain loads
that instead of reading, checking and parsing some forty TOML files on every start. A broken
knowledge base fails the build. The file is made fresh at every build from the same files, so
it cannot go stale; the TOML ships beside it for reading, and a source checkout keeps reading
the TOML directly.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMPILED = "backpain_cli/data/knowledge.pickle"


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        sys.path.insert(0, self.root)  # the package being built, not one installed
        try:
            from backpain_cli.knowledge import compile_knowledge

            compiled = compile_knowledge(Path(self.root) / "data")
        finally:
            sys.path.remove(self.root)
        out = Path(tempfile.mkdtemp()) / "knowledge.pickle"
        out.write_bytes(compiled)
        build_data["force_include"][str(out)] = COMPILED
