"""Where dutyctl may write, and how: one rule for every file it writes.

* ``--output FILE`` (exports and reports) never names the plan, a file the plan pulls
  in (a roster file), anything under the repository's ``logs/``, ``.dutyctl-cache/``
  or a ``.git/`` folder, nor a symlink: real paths and file identities are compared,
  so ``./plan.yaml``, ``../team/plan.yaml`` or a hard link all count. The file is
  written to a temporary file in the same folder and renamed over the old one, so a
  failed export leaves the old file whole.
* The log and the plan are written only as regular files reached without a symlink
  (:func:`refuse_link`, and ``O_NOFOLLOW`` where a file is opened).
* What dutyctl reads whole (the plan, a roster file, an import file, its own config
  and state) is read by :func:`read_regular`: a regular file only, never a named pipe,
  a device or a folder (opened without blocking, so a pipe cannot hang a command),
  and no more than a stated number of bytes.

Only os and os.path here: `dutyctl today -o FILE` runs this on the cron path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from dutyctl.errors import InputError, Location, UsageError

if TYPE_CHECKING:
    from dutyctl.store.repo import Repo

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
MAX_PLAN_BYTES = 20 * 1024 * 1024  # the plan, and a roster file


def _refused(path: Path | str, why: str, hint: str | None = None) -> UsageError:
    suffix = Path(path).suffix
    suffix = suffix if suffix in (".csv", ".json", ".md", ".html", ".svg", ".ics") else ".txt"
    return UsageError(
        f"refusing to write --output {path}: {why}",
        hint=hint or f"write elsewhere, e.g. report{suffix}; --output never replaces the "
        "plan, its roster, the log, git's files or dutyctl's cache",
    )


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _protected_folders(root: Path) -> list[tuple[str, str]]:
    """(real path, what it is) of the folders under which no export may land."""
    real_root = os.path.realpath(root)
    folders = [
        (os.path.realpath(os.path.join(real_root, name)), why)
        for name, why in (
            ("logs", "it is inside the KPI log folder logs/"),
            (".dutyctl-cache", "it is inside dutyctl's cache .dutyctl-cache/"),
        )
    ]
    # The git folder of the repository holding the plan, wherever .git points (a worktree).
    folder = real_root
    while True:
        dot_git = os.path.join(folder, ".git")
        if os.path.isdir(dot_git):
            folders.append((os.path.realpath(dot_git), "it is inside git's folder .git/"))
            break
        if os.path.isfile(dot_git):
            try:
                with open(dot_git, encoding="utf-8", errors="replace") as handle:
                    line = handle.readline().strip()
            except OSError:
                line = ""
            if line.startswith("gitdir:"):
                gitdir = os.path.join(folder, line[len("gitdir:") :].strip())
                folders.append((os.path.realpath(gitdir), "it is inside git's folder .git/"))
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folders


def _under(real: str, folder: str, folder_id: tuple[int, int] | None) -> bool:
    """Whether the real path ``real`` is ``folder`` or inside it (by name or identity)."""
    if real == folder or real.startswith(folder.rstrip(os.sep) + os.sep):
        return True
    if folder_id is None:
        return False
    current = os.path.dirname(real)
    while True:
        if _identity(current) == folder_id:
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def check_output(output: Path | str, repo: Repo) -> Path:
    """``--output`` as given, once it is known to be a file dutyctl may replace.

    Raises a UsageError (exit 2) naming the path and why otherwise.
    """
    path = Path(output)
    shown = str(output)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as error:
        raise _refused(shown, error.strerror or str(error)) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise _refused(shown, "it is a symlink; dutyctl does not write through symlinks")
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(
            f"--output {shown} is a folder", hint="name a file, e.g. report.txt"
        )
    if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise _refused(shown, "it is not a regular file")
    parent = os.path.dirname(str(path)) or "."
    if not os.path.isdir(parent):
        raise UsageError(
            f"--output {shown}: the folder {parent} does not exist",
            hint="create the folder first, or write elsewhere",
        )
    real = os.path.realpath(path)
    if any(part == ".git" for part in Path(real).parts):
        raise _refused(shown, "it is inside a git folder .git/")
    for folder, why in _protected_folders(repo.root):
        if _under(real, folder, _identity(folder)):
            raise _refused(shown, why)
    target = _identity(real) if st is not None else None
    plan = os.path.realpath(repo.plan_path)
    if real == plan or (target is not None and target == _identity(plan)):
        raise _refused(shown, f"it is the plan ({repo.relative(repo.plan_path)})")
    inside = _under(real, os.path.realpath(repo.root), None)  # where the plan's files are
    if inside and target is not None and stat.S_ISREG(st.st_mode):  # type: ignore[union-attr]
        from dutyctl.app.load import included_files

        for included in included_files(repo):
            if real == os.path.realpath(included) or target == _identity(str(included)):
                raise _refused(
                    shown, f"it is {repo.relative(included)}, a file the plan pulls in"
                )
    return path


def _write_failed(path: Path, error: OSError) -> InputError:
    return InputError(
        f"could not write {path}: {error.strerror or error}; {path} is as it was",
        hint="free some disk space or make the folder writable, or write elsewhere",
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def output_file(path: Path, *, binary: bool = False) -> Iterator[IO]:
    """A handle on a new version of ``path`` (checked by :func:`check_output`): written to
    a temporary file beside it and renamed over it once complete; on any failure the old
    file is left whole. A device (/dev/null) is written directly."""
    mode = "wb" if binary else "w"
    text = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as error:
        raise _write_failed(path, error) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise _refused(path, "it is a symlink; dutyctl does not write through symlinks")
    if st is not None and stat.S_ISCHR(st.st_mode):
        try:
            fd = os.open(path, os.O_WRONLY | NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, mode, **text) as handle:  # type: ignore[call-overload]
                yield handle
        except OSError as error:
            raise _write_failed(path, error) from None
        return
    # A new name beside the file (not tempfile: `dutyctl today -o FILE` need not load it).
    temp = os.path.join(
        os.path.dirname(str(path)), f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    )
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise _write_failed(path, error) from None
    try:
        with os.fdopen(fd, mode, **text) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, (st.st_mode & 0o7777) if st is not None else 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException as error:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise _write_failed(path, error) from None
        raise


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(
    path: Path | str, shown: str, what: str, limit: int, error: type[InputError] = InputError
) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (``what`` says what
    it is, such as "plan"); ``error`` (exit 2) naming ``shown`` otherwise.

    Opened with ``O_NONBLOCK`` and checked with ``fstat`` before anything is read, so a
    named pipe or a device ends the command at once instead of hanging it or reading
    without end. A missing file raises the ``OSError`` of ``open`` (the caller says
    what to do about it)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(
                f"{shown} is {_kind(info.st_mode)}, not a regular file",
                hint=f"dutyctl reads the {what} only from a regular file: give the path of one",
            )
        too_large = error(
            f"{shown} is larger than {_size(limit)}; the {what} may be at most {_size(limit)}",
            hint="split it into smaller files" if what == "import file" else "check the file",
        )
        if info.st_size > limit:
            raise too_large
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise too_large
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def refuse_link(path: Path, shown: str, what: str, error=InputError) -> None:
    """Refuse to write ``path`` (shown as ``shown``) when it is a symlink or exists as
    anything but a regular file (``what`` says what it should be: "log file")."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as failure:
        raise error(f"cannot write {shown}: {failure.strerror}", location=Location(shown)) from None
    kind = "folder" if what.endswith("folder") else "file"
    if stat.S_ISLNK(st.st_mode):
        raise error(
            f"{shown} is a symlink; dutyctl writes the {what} only as a real {kind}, "
            "never through a link: nothing was written",
            location=Location(shown),
            hint=f"replace the symlink with a real {kind} (or remove it), then run the "
            "command again",
        )
    if kind == "folder":
        if not stat.S_ISDIR(st.st_mode):
            raise error(
                f"{shown} is not a folder: nothing was written", location=Location(shown),
                hint=f"move it aside so that dutyctl can keep the {what} there",
            )
    elif not stat.S_ISREG(st.st_mode):
        raise error(
            f"{shown} is not a regular file; dutyctl writes the {what} only as a real file: "
            "nothing was written",
            location=Location(shown),
            hint=f"move it aside so that dutyctl can write the {what} there",
        )
