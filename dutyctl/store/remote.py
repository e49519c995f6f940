"""A duty repository read from a git URL: a private clone in the user's cache, fetched
before each read, with the last fetched copy as a fallback when the remote is away.

The clone lives in ``$XDG_CACHE_HOME/dutyctl/remotes/<sha256 of the URL>`` (else
``~/.cache/...``). Each read runs ``git fetch origin HEAD`` and ``git reset --hard
FETCH_HEAD`` there: the clone is dutyctl's own, never edited by hand, so nothing
is lost. Git is always called with an argument list, with no terminal prompts, the
``ext::`` transport off, and a URL that cannot be taken for an option.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dutyctl.errors import InputError, UsageError
from dutyctl.store.repo import expand_user

GIT_TIMEOUT = 300.0
STAMP = "dutyctl-fetched"  # in the clone's .git: the time of the last good fetch
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:")


class RemoteUnavailable(InputError):
    """The remote could not be fetched and no copy was ever fetched (exit 2)."""


@dataclass(frozen=True)
class Checkout:
    root: Path  # the working tree of the cached clone
    url: str
    shown: str  # the URL without credentials, for messages
    warning: str | None  # set when the fetch failed and an older copy is used


def looks_remote(text: str) -> bool:
    """A git URL (``scheme://``, ``user@host:path``) or a local bare repository."""
    if "://" in text or _SCP_LIKE.match(text):
        return True
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~nosuchuser: not a repository of any kind (find_repo says so)
        return False
    return (
        path.is_dir()
        and not (path / "plan.yaml").exists()
        and (path / "HEAD").is_file()
        and (path / "objects").is_dir()
    )


def shown_url(url: str) -> str:
    """The URL without a user name or password."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(a URL that cannot be parsed)"
    if parts.scheme and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urllib.parse.urlunsplit(parts._replace(netloc=host))
    return url


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    value = env.get("XDG_CACHE_HOME", "")
    if value and os.path.isabs(value):
        base = Path(value)
    else:  # unset, or relative (which the XDG spec says to ignore)
        base = Path(env.get("HOME") or Path.home()) / ".cache"
    return base / "dutyctl" / "remotes"


def clone_path(url: str, env: Mapping[str, str] | None = None) -> Path:
    return cache_root(env) / hashlib.sha256(url.encode("utf-8")).hexdigest()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # cron has no terminal: fail instead of asking
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    env["LC_ALL"] = "C"
    return env


def _git(cwd: Path, *args: str) -> tuple[bool, str]:
    """Run git; (ok, the last line git wrote on stderr)."""
    try:
        result = subprocess.run(
            ["git", "-c", "protocol.ext.allow=never", *args],
            cwd=cwd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=_environment(),
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH", hint="install git") from None
    except subprocess.TimeoutExpired:
        return False, f"git {args[0]} took longer than {GIT_TIMEOUT:g}s"
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return result.returncode == 0, (lines[-1] if lines else f"exit {result.returncode}")


def age_text(seconds: float) -> str:
    """``just now``, ``12 minutes ago``, ``3 hours ago``, ``2 days ago``."""
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def checkout(url: str, env: Mapping[str, str] | None = None, now: float | None = None) -> Checkout:
    """The cached clone of ``url``, fetched now if the remote answers, else as last fetched."""
    url = url.strip()
    if not url or url.startswith("-"):
        raise UsageError(
            f"'{url}' is not a git URL",
            hint="give a URL such as https://git.example.com/team/duties.git, "
            "file:///srv/git/duties.git or a path to a bare repository",
        )
    if "://" not in url and not _SCP_LIKE.match(url):
        url = str(expand_user(url, "--repo").resolve())  # a local bare repository
    shown = shown_url(url)
    target = clone_path(url, env)
    secrets = [url] if shown != url else []

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, shown)
        return text

    if not (target / ".git").is_dir():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".clone-"))
        ok, message = _git(temp, "clone", "--quiet", "--no-tags", "--", url, "tree")
        if not ok:
            shutil.rmtree(temp, ignore_errors=True)
            raise RemoteUnavailable(
                f"could not fetch {shown}: {clean(message)}; and there is no copy fetched before",
                hint="check the URL and that this user can reach it (ssh keys, credentials "
                "helper, network); the first run must fetch it",
            )
        try:
            os.replace(temp / "tree", target)
        except OSError:
            if not (target / ".git").is_dir():  # else another run cloned it meanwhile
                raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        _stamp(target)
        return Checkout(target, url, shown, None)
    ok, message = _git(target, "fetch", "--quiet", "--no-tags", "origin", "HEAD")
    if ok:
        ok, message = _git(target, "reset", "--quiet", "--hard", "FETCH_HEAD")
    if ok:
        _stamp(target)
        return Checkout(target, url, shown, None)
    fetched = _fetched_at(target)
    when = age_text((now or time.time()) - fetched) if fetched else "at an unknown time"
    warning = f"could not fetch {shown} ({clean(message)}); using the copy fetched {when}"
    return Checkout(target, url, shown, warning)


def _stamp(target: Path) -> None:
    (target / ".git" / STAMP).write_text(f"{time.time():.0f}\n", encoding="ascii")


def _fetched_at(target: Path) -> float | None:
    try:
        return float((target / ".git" / STAMP).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
