"""The command line: parse options, call the library, print. No clinical logic lives here.

Annotations here are evaluated when the module loads, not postponed (no `from __future__ import
annotations`): typer reads them on every run, and reading postponed ones means compiling each
as a string, about 5 ms of a 20 ms start.
"""

import contextlib
import enum
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from .report import FORMATS

if TYPE_CHECKING:
    from .answers import Answers

# The answers parser, the knowledge base, the engine and the renderers are imported inside the
# commands that use them, so that `backpain --help` starts as fast as typer itself.


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader went away, as shell tools report it


REGIONS = ("uk", "us", "eu", "au", "nz", "in")

app = typer.Typer(
    name="backpain",
    help="A calm, cited self-assessment for back pain, with special care for pain on the left "
    "side.\n\nIt tells you how soon to get help, what might be causing the pain, and what may "
    "help. It is not a diagnosis.\n\nIf you have numbness around your genitals or bottom, "
    "chest pain, or cannot walk, call your emergency number now.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fail(message: str, status: ExitStatus) -> NoReturn:
    sys.stderr.write(f"backpain: {message}\n")
    raise typer.Exit(int(status))


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """The one place where failures become messages and exit statuses."""
    from .answers import AnswersError
    from .knowledge import KnowledgeError

    try:
        yield
    except typer.Exit:
        raise
    except AnswersError as error:
        _fail(f"error: {error}", ExitStatus.BAD_INPUT)
    except KeyboardInterrupt:
        sys.stderr.write("\nbackpain: stopped. Nothing was saved.\n")
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KnowledgeError as error:
        if debug:
            raise
        _fail(f"internal error: the knowledge base is broken: {error}", ExitStatus.ERROR)
    except Exception as error:
        if debug:
            raise
        _fail(
            f"internal error: {type(error).__name__}. This is a bug in backpain, not something "
            "you did. Run again with --debug to see the details.",
            ExitStatus.ERROR,
        )


def _quiet_broken_pipe() -> NoReturn:
    """The reader went away (`| head`): stop without a traceback, as other tools do."""
    _detach_stdout()
    raise typer.Exit(int(ExitStatus.BROKEN_PIPE))


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as error:
        _detach_stdout()
        _fail(f"error: cannot write the report: {error.strerror}", ExitStatus.ERROR)


def _read_answers(source: str) -> "Answers":
    from .answers import MAX_FILE_BYTES, loads_answers_json, parse_answers, read_answers_file

    if source != "-":
        return read_answers_file(Path(source))
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    return parse_answers(loads_answers_json(data))


#: Country codes of locales (en_GB.UTF-8 -> GB) and the region whose numbers they use.
LOCALE_REGIONS = {"GB": "uk", "US": "us", "CA": "us", "AU": "au", "NZ": "nz", "IN": "in"}
# fmt: off
EU_COUNTRIES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}
# fmt: on


def _region_from_locale() -> str:
    """The region of the user's locale (LC_ALL, LC_MESSAGES, LANG), or 'default' (112)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            country = value.split(".")[0].split("@")[0].partition("_")[2].upper()
            if country in LOCALE_REGIONS:
                return LOCALE_REGIONS[country]
            return "eu" if country in EU_COUNTRIES else "default"
    return "default"


def _region(value: str | None) -> str:
    if value is None or value == "":
        return _region_from_locale()
    value = value.lower()
    if value not in REGIONS:
        _fail(
            f"error: unknown region {value!r}; choose one of {', '.join(REGIONS)}",
            ExitStatus.BAD_INPUT,
        )
    return value


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"backpain {version('backpain')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    pass


@app.command()
def assess(
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            "-a",
            metavar="FILE",
            help="Read the answers from a JSON file ('-' for standard input) instead of asking.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}."),
    ] = "text",
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            envvar="BACKPAIN_REGION",
            metavar="REGION",
            help=f"Emergency numbers for: {', '.join(REGIONS)}. Default: from your locale, "
            "else 112.",
        ),
    ] = None,
    save_answers: Annotated[
        Path | None,
        typer.Option(
            "--save-answers",
            metavar="FILE",
            help="Save your answers to FILE (readable by you alone) when you finish, or when "
            "the questions stop part way (Ctrl-C, Ctrl-D, the terminal closing), to replay "
            "with --answers or carry on with --resume.",
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="FILE",
            help="Carry on from the answers saved in FILE, asking only what is missing; the "
            "answers are saved back to FILE unless --save-answers names another.",
        ),
    ] = None,
    line_mode: Annotated[
        bool,
        typer.Option(
            "--line-mode",
            help="Ask with numbered options that you answer by typing numbers: no arrow keys, "
            "for screen readers. On by itself when TERM=dumb, and with --plain.",
        ),
    ] = False,
    plain: Annotated[
        bool,
        typer.Option("--plain", help="Plain text: no colour, no boxes (screen readers, copying)."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the report to FILE (readable by you alone) instead of the screen.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --output replace a file.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Assess your back pain: how soon to get help, possible causes, what may help.

    With no --answers, asks you the questions in the terminal.

    Example: backpain assess --save-answers my-answers.json

    Example: backpain assess --answers my-answers.json --format json
    """
    if fmt not in FORMATS:
        _fail(
            f"error: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}",
            ExitStatus.BAD_INPUT,
        )
    place = _region(region)
    with _errors(debug):
        if answers is not None and resume is not None:
            _fail("error: use --answers or --resume, not both", ExitStatus.BAD_INPUT)
        if output is not None:
            _check_writable(output, "the report", force)
        if answers is None:
            lines = line_mode or plain or os.environ.get("TERM") == "dumb"
            given = _ask(place, resume, save_answers, lines)
        else:
            given = _read_answers(answers)
        from .engine import assess as run_assessment
        from .report import render

        result = run_assessment(given, region=place)
        color = fmt == "text" and not plain and output is None and _color_wanted()
        width = min(shutil.get_terminal_size((80, 24)).columns, 100) if color else 80
        report = render(result, fmt, color=color, width=width)
        if output is None:
            _write(report)
        else:
            _write_output(output, report, force)


def _write_output(path: Path, text: str, force: bool) -> None:
    from .files import OutputExistsError, write_private

    try:
        write_private(path, text, overwrite=force)
    except OutputExistsError:
        _fail(f"error: {path} already exists; add --force to replace it", ExitStatus.BAD_INPUT)
    except OSError as error:
        _fail(f"error: cannot write {path}: {error.strerror or error}", ExitStatus.ERROR)
    sys.stderr.write(f"backpain: the report is in {path}\n")


def _color_wanted() -> bool:
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def _check_writable(path: Path, what: str, replace: bool = True) -> None:
    """Refuse, before the first question, a file that could not be written at the end."""
    if path.is_dir():
        _fail(f"error: {path} is a directory; name a file for {what}", ExitStatus.BAD_INPUT)
    if not replace and path.exists():
        _fail(f"error: {path} already exists; add --force to replace it", ExitStatus.BAD_INPUT)
    folder = path.parent
    if not folder.is_dir():
        _fail(f"error: cannot write {what} to {path}: no folder {folder}", ExitStatus.BAD_INPUT)
    if not os.access(folder, os.W_OK | os.X_OK):
        _fail(f"error: cannot write {what} to {path}: permission denied", ExitStatus.BAD_INPUT)


def _ask(region: str, resume: Path | None, save: Path | None, lines: bool) -> "Answers":
    """Run the interactive questions; save the answers when done, and when they stop part way
    (Ctrl-C, Ctrl-D, SIGTERM, SIGHUP), to `save` or else back to the file resumed from."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        _fail(
            "error: no answers given and no terminal to ask in. Pass the answers as a file: "
            "backpain assess --answers FILE (see 'backpain schema' for the format).",
            ExitStatus.BAD_INPUT,
        )
    target = save if save is not None else resume
    initial = _read_saved(resume) if resume is not None else None
    if target is not None:
        _check_writable(target, "the answers")
    from . import wizard

    started: list[wizard.Wizard] = []
    try:
        answers = wizard.run(
            initial,
            region=region,
            on_start=started.append,
            lines=lines,
            resuming=str(resume) if resume is not None else "",
        )
    except (KeyboardInterrupt, EOFError, wizard.Stopped) as stop:
        kept = _keep_partial(started[0] if started else None, target)
        if isinstance(stop, EOFError):
            _stopped(
                "the input ended before the questions were answered. "
                + (
                    kept
                    or "To run without questions, pass the answers as a file: "
                    "backpain assess --answers FILE."
                ),
                ExitStatus.BAD_INPUT,
                "error: ",
            )
        status = 128 + stop.signum if isinstance(stop, wizard.Stopped) else 130
        _stopped("stopped. " + (kept or "Nothing was saved."), status)
    if target is not None:
        _save(target, answers.to_dict())
        sys.stderr.write(f"backpain: your answers are saved in {target}\n")
    return answers


def _keep_partial(asked: object, target: Path | None) -> str:
    """Save the answers given so far, if there is a file for them; what to tell the person."""
    saved = asked.saved() if asked is not None else None  # type: ignore[attr-defined]
    if target is None or saved is None:
        return ""
    _save(target, saved)
    return (
        f"Your answers so far are saved in {target}.\n"
        f"Carry on later with: backpain assess --resume {target}"
    )


def _stopped(message: str, status: int, kind: str = "") -> NoReturn:
    """The last words after the questions stopped part way; writing may fail if the terminal
    has gone (SIGHUP), which changes nothing."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"\nbackpain: {kind}{message}\n")
        sys.stderr.flush()
    raise typer.Exit(int(status))


def _read_saved(path: Path) -> dict[str, Any]:
    """Answers saved part way (by --save-answers or --resume): checked like any answers file,
    except that the required answers may still be missing."""
    from .answers import MAX_FILE_BYTES, loads_answers_json, open_input, parse_answers
    from .knowledge import load_questions

    with open_input(path) as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    lenient = load_questions()._replace(required=())
    return parse_answers(loads_answers_json(data), lenient).to_dict()


def _save(path: Path, answers: dict[str, Any]) -> None:
    import json

    from .files import write_private

    try:
        write_private(path, json.dumps(answers, indent=2) + "\n")
    except OSError as error:
        _fail(
            f"error: cannot save the answers to {path}: {error.strerror or error}", ExitStatus.ERROR
        )


@app.command()
def validate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Answers file, or '-' for stdin.")],
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Check an answers file without assessing it: exit 0 when good, 2 when not.

    Example: backpain validate my-answers.json
    """
    with _errors(debug):
        _read_answers(file)
        sys.stderr.write(f"backpain: {file} is a valid answers file (format v1)\n")


@app.command()
def batch(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="JSON Lines of answers, or '-' for stdin.")
    ],
    full: Annotated[
        bool,
        typer.Option("--full", help="Write the whole report for each line, as --format json."),
    ] = False,
    region: Annotated[
        str | None,
        typer.Option("--region", envvar="BACKPAIN_REGION", metavar="REGION", help="As for assess."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Assess many answers at once: one JSON object per line in, one result per line out.

    Each output line is a summary (urgency, rule ids, causes with their reasons, advice ids);
    --full writes the whole report instead. A bad line gives {"line": N, "error": "..."} in its
    place and the rest go on. Exit 0 when every line was good, 2 when any was bad.

    Example: backpain batch cohort.jsonl > results.jsonl
    """
    from .batch import BatchCounts, write_results

    place = _region(region)
    counts = BatchCounts()
    with _errors(debug):
        from .answers import open_input

        source = sys.stdin.buffer if file == "-" else open_input(Path(file), "a JSON Lines file")
        out = sys.stdout.buffer
        try:
            write_results(source, out, counts, full=full, region=place)
            out.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as error:
            _detach_stdout()
            _fail(f"error: cannot write the results: {error.strerror}", ExitStatus.ERROR)
    bad = counts.bad_lines
    shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
    sys.stderr.write(
        f"backpain: {counts.assessed} assessed, {len(bad)} bad"
        + (f" (lines {shown})" if bad else "")
        + "\n"
    )
    if bad:
        raise typer.Exit(int(ExitStatus.BAD_INPUT))


@app.command()
def questions(
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help="text, json or fhir."),
    ] = "text",
) -> None:
    """List the questions and every answer id they accept (the answers format).

    Example: backpain questions --format json
    """
    import json

    from .docs import question_json
    from .knowledge import load_questions

    defined = load_questions()
    if fmt == "json":
        _write(json.dumps([question_json(q) for q in defined.questions], indent=2) + "\n")
    elif fmt == "fhir":
        from .report.fhir import questionnaire

        _write(json.dumps(questionnaire(defined), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "text":
        lines = []
        for q in defined.questions:
            if not q.wizard:
                continue
            required = ", required" if q.required else ""
            lines.append(f"{q.short} ({q.key}{required}): {q.prompt}")
            if q.when is not None:
                lines.append(f"    asked only when: {q.when.text}")
            if q.type in ("int", "number"):
                lines.append(f"    {q.expected()}")
            lines += [f"    {c.id:<40} {c.label}" for c in q.choices]
        _write("\n".join(lines) + "\n")
    else:
        _fail(f"error: unknown format {fmt!r}; choose text, json or fhir", ExitStatus.BAD_INPUT)


@app.command()
def conditions(
    condition: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="One condition id; all when left out.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")
    ] = "text",
) -> None:
    """Show the possible causes the tool knows, or everything about one of them.

    Example: backpain conditions kidney_stone
    """
    import json

    from .docs import condition_page
    from .knowledge import load_knowledge

    kb = load_knowledge()
    if fmt not in ("text", "json"):
        _fail(f"error: unknown format {fmt!r}; choose text or json", ExitStatus.BAD_INPUT)
    if condition is None:
        if fmt == "json":
            listed = [
                {"id": c.id, "name": c.name, "group": c.group, "urgency": c.urgency}
                for c in kb.conditions.values()
            ]
            _write(json.dumps(listed, indent=2) + "\n")
        else:
            width = max(len(cid) for cid in kb.conditions)
            _write(
                "".join(
                    f"{c.id:<{width}}  {c.name} ({c.urgency})\n" for c in kb.conditions.values()
                )
            )
        return
    if condition not in kb.conditions:
        import difflib

        close = difflib.get_close_matches(condition, list(kb.conditions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; see 'backpain conditions'"
        _fail(f"error: unknown condition {condition!r}{hint}", ExitStatus.BAD_INPUT)
    found = kb.conditions[condition]
    if fmt == "json":
        detail = {
            "id": found.id,
            "name": found.name,
            "group": found.group,
            "summary": found.summary,
            "urgency": found.urgency,
            "see_doctor": found.see_doctor,
            "doctor_checks": list(found.doctor_checks),
            "advice": list(found.advice),
            "sources": {sid: kb.sources[sid].citation for sid in found.sources},
        }
        _write(json.dumps(detail, indent=2) + "\n")
    elif sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.markdown import Markdown

        Console(width=min(shutil.get_terminal_size((80, 24)).columns, 100)).print(
            Markdown(condition_page(found, kb))
        )
    else:
        _write(condition_page(found, kb))


@app.command()
def schema() -> None:
    """Print the JSON Schema (2020-12) of the answers format.

    Example: backpain schema > answers.schema.json
    """
    import json

    from .answers import json_schema

    _write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    """Console entry point."""
    every = app.registered_commands
    try:
        _register_only(sys.argv[1:2])
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\nbackpain: stopped.\n")
        sys.exit(int(ExitStatus.INTERRUPTED))
    finally:
        app.registered_commands = every


def _register_only(first: list[str]) -> None:
    """typer builds the options of every command on every run; when the first argument names a
    command, keep only that one, as nothing else can run (`backpain --help`, a mistyped command
    and shell completion still see them all)."""
    named = [
        command
        for command in app.registered_commands
        if first and (command.name or getattr(command.callback, "__name__", "")) == first[0]
    ]
    if named:
        app.registered_commands = named
