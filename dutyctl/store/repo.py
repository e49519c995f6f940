"""Finding the duty repository and reading files from it, now or at a git revision.

Like git finds ``.git``: ``--repo PATH``, else ``DUTYCTL_REPO``, else the first
folder upwards from the current directory that holds ``plan.yaml``.
Git is always called with an argument list (never a shell), and revisions are
checked before they reach git so that they cannot become options.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

from dutyctl.errors import InputError, Location, RepoNotFound, UsageError

PLAN_FILE = "plan.yaml"
LOGS_DIR = "logs"
CACHE_DIR = ".dutyctl-cache"
# Compiled on first use (by re's own cache): the cron path checks no revision.
_REV_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_./@{}~^:+-]*$"


class Repo(NamedTuple):
    """A duty repository: the folder that holds ``plan.yaml`` and ``logs/``.

    A NamedTuple, immutable as a frozen dataclass and cheaper to define on the cron path.
    """

    root: Path

    @property
    def plan_path(self) -> Path:
        return self.root / PLAN_FILE

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    def relative(self, path: Path) -> str:
        """A path as the user should see it in messages: relative to the repo when inside."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def inside(self, relpath: str, *, what: str, location: Location | None = None) -> Path:
        """Resolve a path written in the plan, refusing any that leads out of the repository."""
        candidate = (self.root / relpath).resolve()
        root = self.root.resolve()
        if candidate != root and root not in candidate.parents:
            raise InputError(
                f"{what} '{relpath}' leads outside the repository",
                location=location,
                hint="keep every file the plan names inside the duty repository "
                "(no '..', no absolute paths, no symlinks out)",
            )
        return candidate


def expand_user(path: str | Path, origin: str) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded, or a UsageError naming
    ``origin`` when there is no such user (or no home folder)."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        user = str(path).split("/", 1)[0]
        raise UsageError(
            f"{origin} '{path}': cannot expand {user} (no such user or home folder)",
            hint="write the path out in full, such as /home/NAME/duties",
        ) from None


def find_repo(explicit: str | Path | None = None, cwd: Path | None = None) -> Repo:
    """The duty repository for this command, or a RepoNotFound that says how to make one."""
    if explicit is None and os.environ.get("DUTYCTL_REPO"):
        explicit = os.environ["DUTYCTL_REPO"]
        origin = "DUTYCTL_REPO"
    else:
        origin = "--repo"
    if explicit is not None:
        root = expand_user(explicit, origin)
        if not root.exists():
            raise RepoNotFound(
                f"{origin} '{explicit}' does not exist",
                hint=f"create a duty repository with: dutyctl init {explicit}",
            )
        if root.is_file() and root.name.endswith((".yaml", ".yml")):
            root = root.parent
        if not (root / PLAN_FILE).exists():
            raise RepoNotFound(
                f"{origin} '{explicit}' is not a duty repository (no {PLAN_FILE} in it)",
                hint=f"create one with: dutyctl init {explicit}",
            )
        return Repo(root.absolute())
    here = (cwd or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / PLAN_FILE).exists():
            return Repo(folder)
    raise RepoNotFound(
        f"no duty repository here: no {PLAN_FILE} in {here} or any folder above it",
        hint="create one with 'dutyctl init', or point at one with --repo PATH "
        "or the DUTYCTL_REPO environment variable",
    )


def check_rev(rev: str) -> str:
    """Refuse a revision that git could take as an option or that no revision can be."""
    if not re.match(_REV_PATTERN, rev) or ".." in rev:
        raise UsageError(
            f"'{rev}' is not a git revision",
            hint="give a commit, branch or tag such as HEAD~3, main or v1.0",
        )
    return rev


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run git with an argument list in ``root``; a missing git is a clear error."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise InputError(
            "git is not installed or not on PATH", hint="install git, or run without --rev/--commit"
        ) from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(result.returncode)}",
            hint="check that the folder is a git repository and the revision exists",
        )
    return result


def read_at_rev(repo: Repo, path: Path, rev: str) -> bytes:
    """A file's bytes as they were committed at ``rev`` (``git show``, no shell)."""
    check_rev(rev)
    top = git(repo.root, "rev-parse", "--show-toplevel").stdout.decode().strip()
    commit = git(repo.root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if commit.returncode != 0:
        raise UsageError(
            f"unknown git revision '{rev}'",
            hint="see 'git log --oneline' for the revisions of this repository",
        )
    sha = commit.stdout.decode().strip()
    relpath = Path(path).resolve().relative_to(Path(top).resolve()).as_posix()
    shown = git(repo.root, "show", f"{sha}:{relpath}", check=False)
    if shown.returncode != 0:
        raise InputError(
            f"{relpath} did not exist at revision {rev}",
            hint="pick a later revision, or run without --rev",
        )
    return shown.stdout
