"""Wheel build hook: compile the TOML knowledge base in data/ for a fast start, and the modules
a batch runs through to C.

The hook loads data/ with the package's own loader, which checks every id, source and rule,
and ships the result pickled as backpain_cli/data/knowledge.pickle. An installed backpain loads
that instead of reading, checking and parsing some forty TOML files on every start. A broken
knowledge base fails the build. The file is made fresh at every build from the same files, so
it cannot go stale; the TOML ships beside it for reading, and a source checkout keeps reading
the TOML directly.

The modules in MYPYC are then compiled with mypyc, as black compiles itself: the same typed
source, turned into a C extension module that Python imports in place of the .py beside it
(`benchmarks/batch.py` measures what it buys). There is one implementation: where there is no C
compiler, or compiling fails, the wheel is built without the extensions and runs the same
source, interpreted, after a warning. `backpain --version` says which.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMPILED = "backpain_cli/data/knowledge.pickle"
#: What a batch runs through for each line: checking the answers, the decision, the summary.
#: The knowledge base's own types (knowledge.py, expr.py, records.py) stay interpreted, so the
#: pickle above is read by the classes that wrote it; so does batch.py's reading loop, as Python
#: runs signal handlers (Ctrl-C, SIGTERM) only between interpreted steps, and on endless input
#: with no newline that loop would otherwise spin in C and never see one.
MYPYC = (
    "backpain_cli/answers.py",
    "backpain_cli/engine/__init__.py",
    "backpain_cli/engine/decide.py",
    "backpain_cli/engine/index.py",
)


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
        self.made = Path(tempfile.mkdtemp())  # removed in finalize, once the wheel is written
        out = self.made / "knowledge.pickle"
        out.write_bytes(compiled)
        build_data["force_include"][str(out)] = COMPILED
        built = _mypyc(Path(self.root), self.made)
        if built:
            build_data["force_include"].update(built)
            build_data["pure_python"] = False
            build_data["infer_tag"] = True  # the extensions are for this Python and platform

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        made = getattr(self, "made", None)
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _mypyc(root: Path, made: Path) -> dict[str, str]:
    """The extension modules mypyc builds from MYPYC (built file -> its place in the wheel), or
    none, with a warning, where they cannot be built. Everything it writes goes under `made`."""
    out, work = made / "lib", made / "work"
    here = Path.cwd()
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution

        os.chdir(root)  # mypycify takes the paths, and names the modules, from here
        options = [f"--cache-dir={work / 'mypy'}", *MYPYC]  # mypy's cache too, not in the tree
        extensions = mypycify(options, opt_level="3", target_dir=str(work))
        build = Distribution({"ext_modules": extensions}).get_command_obj("build_ext")
        build.build_lib = str(out)  # type: ignore[attr-defined]
        build.build_temp = str(work)  # type: ignore[attr-defined]
        build.ensure_finalized()
        build.run()
        built = {
            str(path): path.relative_to(out).as_posix()
            for path in out.rglob("*")
            if path.is_file() and path.name.endswith(tuple(EXTENSION_SUFFIXES))
        }
        if not built:
            raise RuntimeError("mypyc built no extension modules")
    # no compiler, no headers, or mypyc refusing (it exits on a type error): build interpreted
    except (Exception, SystemExit) as error:
        why = "mypyc found errors, above" if isinstance(error, SystemExit) else str(error)
        print(
            f"warning: backpain is built without its compiled modules ({why}); it runs the "
            "same, more slowly",
            file=sys.stderr,
        )
        return {}
    finally:
        os.chdir(here)
    return built
