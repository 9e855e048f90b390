"""The command line: parse options, call the library, print. No clinical logic lives here.

Annotations here are evaluated when the module loads, not postponed (no `from __future__ import
annotations`): typer reads them on every run, and reading postponed ones means compiling each
as a string, about 5 ms of a 20 ms start.

Conventions, for every command: a usage error or bad input is one line on stderr,
`backpain: error: ...`, and exit 2, with nothing on stdout; exit 1 is kept for internal errors
(a bug). Every user-supplied string a message repeats goes through `echo.shown`. Text for
people is written in the output's encoding, in ASCII where it cannot hold a character; JSON and
HTML are written as UTF-8, as those formats require. Closed standard streams, a reader that goes
away (141) and SIGTERM or SIGHUP (128 + the signal; see signals.py) end cleanly.
"""

import contextlib
import enum
import gc
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

# typer 0.24-0.28 runs its own copy of click, which is where its options and errors come from.
from typer._click.core import Context, Parameter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.utils import PacifyFlushWrapper

from .echo import ASCII_FALLBACK, quoted, shown
from .report import FORMATS
from .signals import Terminated, stop_on_signals

if TYPE_CHECKING:
    from .answers import Answers, AnswersError
    from .engine import Assessment

# The answers parser, the knowledge base, the engine and the renderers are imported inside the
# commands that use them, so that `backpain --help` starts as fast as typer itself.


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader went away, as shell tools report it


REGIONS = ("uk", "us", "ca", "eu", "ie", "au", "nz", "in")
#: Formats that are UTF-8 by definition: written as UTF-8 bytes whatever the locale.
UTF8_FORMATS = ("json", "html", "fhir")
QUESTION_FORMATS = ("text", "json", "fhir")
CONDITION_FORMATS = ("text", "markdown", "json")
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _install_completion(ctx: Context, param: Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import install

    shell, path = install(shell=_shell(value), prog_name="backpain", complete_var=COMPLETE_VAR)
    _say(f"backpain: {shell} completion is installed in {shown(path)}; it works in new shells")
    raise typer.Exit()


def _show_completion(ctx: Context, param: Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script

    script = get_completion_script(
        prog_name="backpain", complete_var=COMPLETE_VAR, shell=_shell(value)
    )
    _write(script + "\n")
    raise typer.Exit()


def _shell(value: str) -> str:
    if value not in SHELLS:
        _fail(
            f"error: unknown shell {quoted(value)}; choose one of {', '.join(SHELLS)}",
            ExitStatus.BAD_INPUT,
        )
    return value


def _complete_shells(incomplete: str) -> list[str]:
    return [shell for shell in SHELLS if shell.startswith(incomplete)]


#: The environment variable shell completion scripts set to ask for completions.
COMPLETE_VAR = "_BACKPAIN_COMPLETE"

app = typer.Typer(
    name="backpain",
    help="A calm, cited self-assessment for back pain, with special care for pain on the left "
    "side.\n\nIt tells you how soon to get help, what might be causing the pain, and what may "
    "help. It is not a diagnosis.\n\nIf you have numbness around your genitals or bottom, "
    "chest pain, or cannot walk, call your emergency number now.",
    add_completion=False,  # our own options below: typer's detect the shell, ignoring a name
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _complete_formats(incomplete: str) -> list[str]:
    return [name for name in FORMATS if name.startswith(incomplete)]


def _complete_question_formats(incomplete: str) -> list[str]:
    return [name for name in QUESTION_FORMATS if name.startswith(incomplete)]


def _complete_condition_formats(incomplete: str) -> list[str]:
    return [name for name in CONDITION_FORMATS if name.startswith(incomplete)]


def _complete_regions(incomplete: str) -> list[str]:
    return [name for name in REGIONS if name.startswith(incomplete.lower())]


def _complete_conditions(incomplete: str) -> list[tuple[str, str]]:
    from .knowledge import load_knowledge

    conditions = load_knowledge().conditions.values()
    return [(c.id, c.name) for c in conditions if c.id.startswith(incomplete)]


def _say(text: str) -> None:
    """A message on stderr; nothing when stderr is closed or gone (a terminal hung up)."""
    if sys.stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _fail(message: str, status: ExitStatus) -> NoReturn:
    _say(f"backpain: {message}")
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
        _say("\nbackpain: stopped.")
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KnowledgeError as error:
        if debug:
            raise
        _fail(f"internal error: the knowledge base is broken: {error}", ExitStatus.ERROR)
    except OSError as error:  # a device, a disk or a stream failed: not a bug, not our input
        if debug:
            raise
        _fail(f"error: {_os_error(error)}", ExitStatus.BAD_INPUT)
    except Exception as error:
        if debug:
            raise
        _fail(
            f"internal error: {type(error).__name__}. This is a bug in backpain, not something "
            "you did. Run again with --debug to see the details.",
            ExitStatus.ERROR,
        )


def _os_error(error: OSError) -> str:
    what = error.strerror or type(error).__name__
    return f"{shown(error.filename)}: {what}" if error.filename else what


def _quiet_broken_pipe() -> NoReturn:
    """The reader went away (`| head`): stop without a traceback, as other tools do."""
    _detach_stdout()
    raise typer.Exit(int(ExitStatus.BROKEN_PIPE))


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


def _write(text: str, *, utf8: bool = False) -> None:
    """Write output: text for people in stdout's encoding (ASCII where it cannot hold a
    character, see main), or with `utf8` as UTF-8 bytes, whatever the locale (JSON, HTML)."""
    out = sys.stdout
    if out is None:
        _fail("error: standard output is closed; there is nowhere to write", ExitStatus.BAD_INPUT)
    binary = getattr(out, "buffer", None) if utf8 else None  # a StringIO has none
    try:
        if binary is not None:
            out.flush()
            binary.write(text.encode("utf-8"))
            binary.flush()
        else:
            out.write(text)
            out.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as error:
        _detach_stdout()
        _fail(f"error: cannot write the output: {_os_error(error)}", ExitStatus.BAD_INPUT)


def _read_answers(source: str, errors: "list[AnswersError] | None" = None) -> "Answers":
    from .answers import AnswersError, read_answers, read_answers_file

    if source != "-":
        return read_answers_file(Path(source), errors)
    if sys.stdin is None:
        raise AnswersError("", "standard input is closed; there are no answers to read")
    return read_answers(sys.stdin.buffer, "standard input", errors)


#: Country codes of locales (en_GB.UTF-8 -> GB) and the region whose numbers they use.
LOCALE_REGIONS = {
    "GB": "uk", "US": "us", "CA": "ca", "IE": "ie", "AU": "au", "NZ": "nz", "IN": "in",
}  # fmt: skip
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
            f"error: unknown region {quoted(value)}; choose one of {', '.join(REGIONS)}",
            ExitStatus.BAD_INPUT,
        )
    return value


def _version(value: bool) -> None:
    if value:
        from importlib.machinery import EXTENSION_SUFFIXES
        from importlib.metadata import version

        from . import engine  # noqa: F401 (its modules, to see how they were built)

        # built with its batch path compiled to C (hatch_build.py), or interpreted
        where = sys.modules["backpain_cli.engine.decide"].__file__ or ""
        compiled = where.endswith(tuple(EXTENSION_SUFFIXES))
        _write(f"backpain {version('backpain')}{' (compiled)' if compiled else ''}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="SHELL",
            callback=_install_completion,
            is_eager=True,
            expose_value=False,
            autocompletion=_complete_shells,
            help="Install completion of commands, options, formats, regions and condition ids "
            "for SHELL: bash, zsh, fish or powershell.",
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="SHELL",
            callback=_show_completion,
            is_eager=True,
            expose_value=False,
            autocompletion=_complete_shells,
            help="Print the completion script for SHELL, to install it yourself.",
        ),
    ] = None,
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
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            autocompletion=_complete_formats,
            help=f"One of: {', '.join(FORMATS)}.",
        ),
    ] = "text",
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            envvar="BACKPAIN_REGION",
            metavar="REGION",
            autocompletion=_complete_regions,
            help=f"Emergency numbers for: {', '.join(REGIONS)}. Default: from your locale, "
            "else 112 (the report then says so).",
        ),
    ] = None,
    save_answers: Annotated[
        Path | None,
        typer.Option(
            "--save-answers",
            metavar="FILE",
            help="Save your answers to FILE (readable by you alone) when you finish, or when "
            "the questions stop part way (Ctrl-C, Ctrl-D, the terminal closing), to replay "
            "with --answers or carry on with --resume. With --answers, saves them checked and "
            "tidied.",
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
            "for screen readers; the report then comes whole and plain, with no pager. On by "
            "itself when TERM=dumb, and with --plain.",
        ),
    ] = False,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="Plain text, all of it at once: no colour, no questions after the report "
            "(screen readers, copying).",
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Show the whole report at once. Without it, a terminal shows one screen "
            "(what to do now) and asks before the rest (not in line mode).",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the report to FILE (readable by you alone) instead of the screen; "
            "'-' for standard output.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Let --output and --save-answers replace a file (saving back to the --resume "
            "file needs no --force).",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Assess your back pain: how soon to get help, possible causes, what may help.

    With no --answers, asks you the questions in the terminal.

    Example: backpain assess --save-answers my-answers.json

    Example: backpain assess --answers my-answers.json --format json
    """
    if fmt not in FORMATS:
        _fail(
            f"error: unknown format {quoted(fmt)}; choose one of {', '.join(FORMATS)}",
            ExitStatus.BAD_INPUT,
        )
    place = _region(region)
    if output is not None and str(output) == "-":
        output = None
    # plain text, in lines: no arrow keys in the wizard, and the report whole, with no pager
    linear = line_mode or plain or os.environ.get("TERM") == "dumb"
    with _errors(debug):
        if answers is not None and resume is not None:
            _fail("error: use --answers or --resume, not both", ExitStatus.BAD_INPUT)
        _check_targets(output, save_answers, resume, force)
        if answers is None:
            given = _ask(place, resume, save_answers, linear)
        else:
            given = _read_answers(answers)
            if save_answers is not None:
                _save(save_answers, given.to_dict())
                _say(f"backpain: the answers are saved in {shown(save_answers)}")
        from .engine import assess as run_assessment
        from .report import render

        result = run_assessment(given, region=place)
        if output is not None:
            if _write_output(output, render(result, fmt), force):
                _tell_level(result, output)
        elif fmt == "text" and not (linear or full) and _interactive():
            _show_screen(result)
        else:
            color = fmt == "text" and not linear and _color_wanted()
            width = min(shutil.get_terminal_size((80, 24)).columns, 100) if color else 80
            _write(render(result, fmt, color=color, width=width), utf8=fmt in UTF8_FORMATS)


def _interactive() -> bool:
    """A person at a terminal, who can be asked before the rest of the report."""
    return (
        sys.stdout is not None
        and sys.stdin is not None
        and sys.stdout.isatty()
        and sys.stdin.isatty()
    )


def _show_screen(result: "Assessment") -> None:
    """The first screen (what to do now), then the rest if the person asks: through `less`
    where there is one (quitting it leaves the first screen in view), else printed below."""
    from .report.text import screen

    size = shutil.get_terminal_size((80, 24))
    first, rest = screen(
        result, color=_color_wanted(), width=min(size.columns, 100), height=size.lines
    )
    _write(first)
    try:
        answer = input("Press Enter for the whole report (why, what may help, sources), or q: ")
    except (EOFError, KeyboardInterrupt):
        _write("\n")
        return
    if answer.strip().lower() not in ("", "y", "yes"):
        return
    pager = shutil.which("less")
    if pager is None:
        _write(rest)
        return
    _page(pager, rest)


def _page(pager: str, text: str) -> None:
    """Show `text` in less. Ctrl-C belongs to less while it runs (as pydoc does it): killing it
    would leave the terminal in its raw mode."""
    import subprocess

    prompt = "-PsSpace for more, b to go back, q to close the report"
    try:
        process = subprocess.Popen([pager, "-R", prompt], stdin=subprocess.PIPE)
    except OSError:
        _write(text)
        return
    assert process.stdin is not None
    # OSError: less was closed before it had read everything
    with contextlib.suppress(OSError, KeyboardInterrupt), process.stdin as pipe:
        pipe.write(text.encode(getattr(sys.stdout, "encoding", None) or "utf-8", ASCII_FALLBACK))
    while True:
        try:
            process.wait()
            return
        except KeyboardInterrupt:
            continue


def _tell_level(result: "Assessment", path: Path) -> None:
    """After writing the report to a file: the level and what to do, and where the report is
    (a report written through a device or a stream is already where it is read)."""
    from .listing import wrapped
    from .report.document import build

    document = build(result)
    told = f"{document.banner}. {' '.join(document.action.split())}"
    if sys.stderr is not None and sys.stderr.isatty():  # wrapped between words, not in them
        try:
            columns = os.get_terminal_size(sys.stderr.fileno()).columns
        except (OSError, ValueError):
            columns = 80
        told = "\n".join(wrapped(told, width=max(20, columns - 1)))
    _say(told)
    _say(f"backpain: the whole report is in {shown(path)}")


#: Files this run may replace without asking: --force, the --resume file, files it wrote.
_REPLACEABLE: set[str] = set()


def _check_targets(
    output: Path | None, save: Path | None, resume: Path | None, force: bool
) -> None:
    """Refuse now, before any question is asked, a file that could not be written later."""
    _REPLACEABLE.clear()
    if save is None and resume is not None:  # the answers are saved back to the resume file
        save = resume
    if output is None and save is None:
        return
    if save is not None and str(save) == "-":
        _fail(
            "error: --save-answers needs a file name ('-' would mix the answers with the report)",
            ExitStatus.BAD_INPUT,
        )
    if output is not None and save is not None and _same_path(output, save):
        _fail("error: --output and --save-answers name the same file", ExitStatus.BAD_INPUT)
    from .files import check_target

    if save is not None:
        if force or (resume is not None and _same_path(save, resume)):
            _REPLACEABLE.add(os.path.realpath(save))
        with _writing(save):
            check_target(save, overwrite=_may_replace(save))
    if output is not None:
        with _writing(output):
            check_target(output, overwrite=force)


def _same_path(one: Path, other: Path) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)


def _may_replace(path: Path) -> bool:
    return os.path.realpath(path) in _REPLACEABLE


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn the errors of writing `path` (files.py) into messages and exit 2."""
    from .files import DanglingLinkError, OutputExistsError

    try:
        yield
    except DanglingLinkError as error:
        _fail(f"error: {error}; add --force to write to it", ExitStatus.BAD_INPUT)
    except OutputExistsError as error:
        _fail(f"error: {error}; add --force to replace it", ExitStatus.BAD_INPUT)
    except BrokenPipeError:
        raise  # standard output, through /dev/stdout: the reader went away
    except OSError as error:
        _fail(
            f"error: cannot write {shown(path)}: {error.strerror or type(error).__name__}",
            ExitStatus.BAD_INPUT,
        )


def _write_output(path: Path, text: str, force: bool) -> bool:
    """Write the report to `path`; False when it went through a device or a standard stream
    rather than into a file."""
    from .files import write_private

    with _writing(path):
        return write_private(path, text, overwrite=force)


def _color_wanted() -> bool:
    return (
        sys.stdout is not None
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
    )


def _ask(region: str, resume: Path | None, save: Path | None, lines: bool) -> "Answers":
    """Run the interactive questions; save the answers when done, and when they stop part way
    (Ctrl-C, Ctrl-D, SIGTERM, SIGHUP), to `save` or else back to the file resumed from."""
    if not (sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty()):
        _fail(
            "error: no answers given and no terminal to ask in. Pass the answers as a file: "
            "backpain assess --answers FILE (see 'backpain schema' for the format).",
            ExitStatus.BAD_INPUT,
        )
    target = save if save is not None else resume
    initial = _read_saved(resume) if resume is not None else None
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
    except (KeyboardInterrupt, EOFError, Terminated) as stop:
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
        status = stop.status if isinstance(stop, Terminated) else int(ExitStatus.INTERRUPTED)
        _stopped("stopped. " + (kept or "Nothing was saved."), status)
    if target is not None:
        _save(target, answers.to_dict())
        _say(f"backpain: your answers are saved in {shown(target)}")
    return answers


def _keep_partial(asked: object, target: Path | None) -> str:
    """Save the answers given so far, if there is a file for them; what to tell the person."""
    saved = asked.saved() if asked is not None else None  # type: ignore[attr-defined]
    if target is None or saved is None:
        return ""
    _save(target, saved)
    return (
        f"Your answers so far are saved in {shown(target)}.\n"
        f"Carry on later with: backpain assess --resume {shown(target)}"
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
    """Save answers to `path`, replacing a file only as _check_targets allowed (or one this
    run saved before)."""
    import json

    from .files import write_private

    with _writing(path):
        write_private(path, json.dumps(answers, indent=2) + "\n", overwrite=_may_replace(path))
    _REPLACEABLE.add(os.path.realpath(path))


@app.command()
def validate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Answers file, or '-' for stdin.")],
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Check an answers file without assessing it: exit 0 when good, 2 when not.

    Lists every problem it finds (up to 20), one a line, with the messages assess gives.

    Example: backpain validate my-answers.json
    """
    from .answers import MAX_ERRORS, AnswersError

    name = "standard input" if file == "-" else shown(file)
    with _errors(debug):
        errors: list[AnswersError] = []
        try:
            _read_answers(file, errors)
        except AnswersError as first:
            found = errors or [first]
            for error in found:
                _say(f"backpain: error: {error}")
            if errors and first is not errors[0]:  # checking stopped at the limit
                _say(f"backpain: {name} has more than {MAX_ERRORS} errors; the first are shown")
            elif len(found) > 1:
                _say(f"backpain: {name} has {len(found)} errors")
            raise typer.Exit(int(ExitStatus.BAD_INPUT)) from None
        _say(f"backpain: {name} is a valid answers file (format v1)")


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
        typer.Option(
            "--region",
            envvar="BACKPAIN_REGION",
            metavar="REGION",
            autocompletion=_complete_regions,
            help="As for assess.",
        ),
    ] = None,
    id_key: Annotated[
        str | None,
        typer.Option(
            "--id",
            metavar="KEY",
            help="Each line gives its record id as KEY (a text or a whole number); it is "
            'taken out before the answers are read and written back as "id".',
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Assess many answers at once: one JSON object per line in, one result per line out.

    Each output line gives the input's "line" number (and "id", with --id) and either a
    "result": the summary (urgency, rule ids, causes with their reasons, advice ids), or with
    --full the whole report; or an "error" for a bad line, in its place, and the rest go on.
    Results are written as they are ready. Exit 0 when every line was good, 2 when any was
    bad, 1 when backpain failed on one (a bug).

    Example: backpain batch cohort.jsonl > results.jsonl

    Example: backpain batch --id patient cohort.jsonl > results.jsonl
    """
    from .batch import BatchCounts, write_results

    place = _region(region)
    counts = BatchCounts()
    with _errors(debug):
        from .answers import AnswersError, open_input

        if file != "-":
            source = open_input(Path(file), "a JSON Lines file")
        elif sys.stdin is None:
            raise AnswersError("", "standard input is closed; there are no answers to read")
        else:
            source = sys.stdin.buffer
        if sys.stdout is None:
            _fail(
                "error: standard output is closed; there is nowhere to write", ExitStatus.BAD_INPUT
            )
        try:
            with source:
                write_results(
                    source,
                    sys.stdout.buffer,
                    counts,
                    full=full,
                    region=place,
                    id_key=id_key,
                    debug=debug,
                )
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as error:
            _detach_stdout()
            _fail(f"error: the batch stopped: {_os_error(error)}", ExitStatus.BAD_INPUT)
    bad = counts.bad_lines
    lines = ", ".join(map(str, bad)) + (", ..." if counts.bad > len(bad) else "")
    _say(
        f"backpain: {counts.assessed} assessed, {counts.bad} bad"
        + (f" ({'line' if counts.bad == 1 else 'lines'} {lines})" if bad else "")
        + (f", {counts.failed} failed (a bug in backpain)" if counts.failed else "")
    )
    if counts.failed:
        raise typer.Exit(int(ExitStatus.ERROR))
    if counts.bad:
        raise typer.Exit(int(ExitStatus.BAD_INPUT))


@app.command()
def questions(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            autocompletion=_complete_question_formats,
            help="text, json or fhir.",
        ),
    ] = "text",
) -> None:
    """List the questions and every answer id they accept (the answers format).

    Example: backpain questions --format json
    """
    import json

    from .docs import question_json
    from .knowledge import load_questions
    from .listing import columns, wrapped

    if fmt not in QUESTION_FORMATS:
        _fail(
            f"error: unknown format {quoted(fmt)}; choose text, json or fhir", ExitStatus.BAD_INPUT
        )
    defined = load_questions()
    if fmt == "json":
        _write(json.dumps([question_json(q) for q in defined.questions], indent=2) + "\n")
    elif fmt == "fhir":
        from .report.fhir import questionnaire

        text = json.dumps(questionnaire(defined), indent=2, ensure_ascii=False) + "\n"
        _write(text, utf8=True)
    else:
        lines = []
        for q in defined.questions:
            if not q.wizard:
                continue
            required = ", required" if q.required else ""
            lines += wrapped(f"{q.short} ({q.key}{required}): {q.prompt}", "", "    ")
            if q.when is not None:
                lines += wrapped(f"asked only when: {q.when.text}", "    ", "        ")
            if q.type in ("int", "number"):
                lines += wrapped(q.expected(), "    ", "    ")
            lines += columns([(c.id, c.label) for c in q.choices], "    ")
        _write("\n".join(lines) + "\n")


@app.command()
def conditions(
    condition: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]",
            autocompletion=_complete_conditions,
            help="One condition id; all when left out.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            autocompletion=_complete_condition_formats,
            help="text, markdown or json.",
        ),
    ] = "text",
) -> None:
    """Show the possible causes the tool knows, or everything about one of them.

    Example: backpain conditions kidney_stone
    """
    import json

    from .docs import GENERATED, condition_page
    from .knowledge import load_knowledge

    if fmt not in CONDITION_FORMATS:
        _fail(
            f"error: unknown format {quoted(fmt)}; choose text, markdown or json",
            ExitStatus.BAD_INPUT,
        )
    kb = load_knowledge()
    if condition is None:
        if fmt == "json":
            listed = [
                {"id": c.id, "name": c.name, "group": c.group, "urgency": c.urgency}
                for c in kb.conditions.values()
            ]
            _write(json.dumps(listed, indent=2) + "\n")
        else:
            from .listing import columns

            rows = [(c.id, f"{c.name} ({c.urgency})") for c in kb.conditions.values()]
            _write("\n".join(columns(rows)) + "\n")
        return
    if condition not in kb.conditions:
        import difflib

        close = difflib.get_close_matches(condition[:100], list(kb.conditions), n=1)
        hint = f"; did you mean {quoted(close[0])}?" if close else "; see 'backpain conditions'"
        _fail(f"error: unknown condition {quoted(condition)}{hint}", ExitStatus.BAD_INPUT)
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
        return
    page = condition_page(found, kb).removeprefix(GENERATED).lstrip("\n")
    if fmt == "markdown":
        _write(page)
    elif _color_wanted():
        from rich.console import Console
        from rich.markdown import Markdown

        Console(width=min(shutil.get_terminal_size((80, 24)).columns, 100)).print(
            Markdown(page, hyperlinks=False)
        )
    else:
        from .listing import markdown_text

        _write(markdown_text(page))


@app.command()
def schema() -> None:
    """Print the JSON Schema (2020-12) of the answers format.

    Example: backpain schema > answers.schema.json
    """
    import json

    from .answers import json_schema

    _write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", utf8=True)


def main() -> None:
    """Console entry point: every command runs here, with the conventions in the docstring."""
    _sane_streams()
    every = app.registered_commands
    status = int(ExitStatus.OK)
    try:
        with stop_on_signals():
            _register_only(sys.argv[1:2])
            if os.environ.get(COMPLETE_VAR):
                from typer._completion_classes import completion_init

                completion_init()
            status = _run()
    except Terminated as stop:
        on_terminal = sys.stderr is not None and sys.stderr.isatty()
        _say(("\n" if on_terminal else "") + f"backpain: stopped ({stop}).")
        status = stop.status
    except KeyboardInterrupt:
        _say("\nbackpain: stopped.")
        status = int(ExitStatus.INTERRUPTED)
    finally:
        app.registered_commands = every
    # The process is ending and every object in it goes with it: spare Python's last garbage
    # collection the walk over all of them (benchmarks/startup.py shows what it costs).
    gc.freeze()
    sys.exit(status)


def _run() -> int:
    """Run the app; usage errors in the project's style, not click's, with exit 2."""
    try:
        result = app(standalone_mode=False)
    except NoArgsIsHelpError as error:
        error.show()  # `backpain` alone: the help, on stderr
        return int(ExitStatus.BAD_INPUT)
    except UsageError as error:
        message = _click_message(error)
        hint = f"see '{_command_path(error)} --help'"
        _say(
            f"backpain: error: {message} {hint[0].upper()}{hint[1:]}."
            if message.endswith("?")
            else f"backpain: error: {message}; {hint}"
        )
        return int(ExitStatus.BAD_INPUT)
    except ClickException as error:
        _say(f"backpain: error: {_click_message(error)}")
        return int(ExitStatus.BAD_INPUT)
    except typer.Abort:
        return int(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        _detach_stdout()
        return int(ExitStatus.BROKEN_PIPE)
    except OSError as error:  # typer printing help to a full disk, say
        _detach_stdout()
        _say(f"backpain: error: cannot write the output: {_os_error(error)}")
        return int(ExitStatus.BAD_INPUT)
    except SystemExit:
        # typer ends with exit 1 when writing help (or anything it prints) to a closed pipe,
        # after wrapping stdout against the second failure: that is a reader that went away.
        if isinstance(sys.stdout, PacifyFlushWrapper):
            _detach_stdout()
            return int(ExitStatus.BROKEN_PIPE)
        raise
    return result if isinstance(result, int) else int(ExitStatus.OK)


def _command_path(error: UsageError) -> str:
    """The command whose --help would help: the one the error names, or else the one the
    command line names (the parser's errors come without a context)."""
    if error.ctx is not None:
        return error.ctx.command_path
    first = sys.argv[1:2]
    names = {
        command.name or getattr(command.callback, "__name__", "")
        for command in app.registered_commands
    }
    return f"backpain {first[0]}" if first and first[0] in names else "backpain"


def _click_message(error: ClickException) -> str:
    """click's message in our style: one line, lower case, its user text escaped."""
    message = " ".join(error.format_message().split()).rstrip(".")
    message = message.replace(". Did you mean", "; did you mean").replace(
        " Did you mean", "; did you mean"
    )
    return shown(message[:1].lower() + message[1:], 200)


def _sane_streams() -> None:
    """Give a closed standard stream (`<&-`, `>&-`, `2>&-`) /dev/null, so that no file opened
    later takes its descriptor and receives what was meant for the stream; sys.stdin, stdout
    or stderr stays None, so a command can say the stream is closed. Text written to stdout
    falls back to ASCII where its encoding cannot hold a character (°C as C, box lines as - |
    +), rather than failing."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=ASCII_FALLBACK)


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
