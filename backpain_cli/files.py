"""Writing the files the user asked for (`--output`, `--save-answers`).

What is at the path decides how it is written:

- **Nothing** (a new file): the data goes to a temporary file beside it, which is then linked
  into place, so a reader never sees half a file and a file that appeared meanwhile is never
  replaced. The file has mode 0600 (health data), whatever the umask.
- **A regular file**: refused unless `overwrite` (`--force`); then replaced the same way, by
  renaming the temporary file over it, so a reader sees the old file or the new one.
- **A symbolic link** is followed: the file it points to is written and the link stays. A link
  to a file that does not exist is refused unless `overwrite` (someone may have planted it).
- **A character device or a FIFO** (`/dev/null`, a terminal, a named pipe) is written through,
  as a shell's `>` does, never replaced by a file. A path that is this program's own standard
  output or error (`/dev/stdout`, `/proc/self/fd/1`) is written to that stream.
- **A directory, a block device or a socket** is refused (`UnwritableError`).

Temporary files are named `.backpain-XXXXXXXX.tmp`, short whatever the target's name, and are
removed whatever stops the write: an error, Ctrl-C, SIGTERM or SIGHUP (see signals.py).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from .echo import shown
from .signals import held

#: link() is not supported here (FAT, some network drives): take the name by renaming instead.
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


class OutputExistsError(FileExistsError):
    """The target exists and the caller did not allow replacing it."""


class DanglingLinkError(OutputExistsError):
    """The target is a symbolic link to a file that does not exist."""


class UnwritableError(OSError):
    """The target is something a report must not be written to (a directory, a block device,
    a socket); the message says what it is."""


def check_target(path: Path, *, overwrite: bool) -> None:
    """Raise now what `write_private` would raise before writing (the target exists, or is not
    writable), so that nobody answers the questions only to find their answers cannot be kept."""
    _plan(Path(path), overwrite)


def write_private(path: Path, text: str | bytes, *, overwrite: bool = False) -> bool:
    """Write `text` (UTF-8) to `path` as the module docstring says. True when a regular file
    was written, False when the data went through a device, a FIFO or a standard stream."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    how, target = _plan(Path(path), overwrite)
    if how == "stdout" or how == "stderr":
        _write_all(1 if how == "stdout" else 2, data)
        return False
    if how == "through":
        _write_through(target, data)
        return False
    _write_atomically(target, data, replace=how == "replace")
    return True


def _plan(
    path: Path, overwrite: bool
) -> tuple[Literal["new", "replace", "through", "stdout", "stderr"], Path]:
    """How to write `path`, and the path to write (a link's target)."""
    try:
        status = path.stat()  # follows symbolic links
    except FileNotFoundError:
        if not path.is_symlink():
            folder = path.parent
            if not folder.exists():
                raise UnwritableError(errno.ENOENT, f"no folder {shown(folder)}") from None
            if not folder.is_dir():
                raise UnwritableError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
            if not os.access(folder, os.W_OK | os.X_OK):
                raise UnwritableError(errno.EACCES, "permission denied") from None
            return "new", path
        if not overwrite:
            raise DanglingLinkError(
                f"{shown(path)} is a symbolic link to a file that does not exist"
            ) from None
        return "new", Path(os.path.realpath(path))
    if _same_file(status, 1):
        return "stdout", path
    if _same_file(status, 2):
        return "stderr", path
    mode = status.st_mode
    if stat.S_ISREG(mode):
        if not overwrite:
            raise OutputExistsError(f"{shown(path)} already exists")
        return "replace", Path(os.path.realpath(path))
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "through", path
    if stat.S_ISDIR(mode):
        raise UnwritableError(errno.EISDIR, "it is a directory")
    what = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else None
    raise UnwritableError(errno.EINVAL, f"it is {what or 'not a regular file'}")


def _same_file(status: os.stat_result, fd: int) -> bool:
    try:
        other = os.fstat(fd)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) == (other.st_dev, other.st_ino)


def _write_atomically(target: Path, data: bytes, *, replace: bool) -> None:
    temporary: Path | None = None
    try:
        with held():  # no signal between creating the file and noting its name for removal
            fd, name = tempfile.mkstemp(prefix=".backpain-", suffix=".tmp", dir=target.parent)
            temporary = Path(name)
        with os.fdopen(fd, "wb") as handle:  # mkstemp makes it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            temporary.replace(target)
            temporary = None
        else:
            _take_name(temporary, target)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _take_name(temporary: Path, target: Path) -> None:
    """Give the temporary file the target's name only if nothing has that name (a race)."""
    try:
        target.hardlink_to(temporary)  # fails if the name exists, even as a dangling link
    except FileExistsError:
        raise OutputExistsError(f"{shown(target)} already exists") from None
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        if os.path.lexists(target):
            raise OutputExistsError(f"{shown(target)} already exists") from None
        temporary.replace(target)


def _write_through(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)  # a FIFO waits for a reader
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # it changed since we looked
            raise OutputExistsError(f"{shown(path)} already exists")
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
