"""Sending the announcement: stdout, a chat webhook, e-mail; retries; the sent-state file.

Secrets (the webhook URL, the SMTP password) come from the environment or from a
user config file outside the repository, never from the plan, and never appear in
output or errors: a webhook URL is shown as its scheme and host only, and every
message built from a failure is scrubbed of them.

The state file records each announcement sent, per date and target, so that a
second run on the same day sends nothing. It lives outside git
(``$XDG_STATE_HOME/dutyctl/`` or ``~/.local/state/dutyctl/``), one JSON file per
repository, mode 0600, written atomically (temporary file, fsync, rename); a lock
next to it keeps two runs at the same time from both sending.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import smtplib
import socket
import ssl
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

from dutyctl.errors import DutyctlError, InputError, Location, UsageError

TARGETS = ("stdout", "webhook", "email")
TRIES = 3
DELAYS = (1.0, 2.0)  # seconds before the 2nd and 3rd try, times DUTYCTL_RETRY_DELAY
TIMEOUT = 10.0  # seconds a socket waits for the server (to connect, for each answer)
DEADLINE = 5.0  # seconds for all tries of one target together, pauses included
DEADLINE_ENV = "DUTYCTL_SEND_TIMEOUT"
MAX_DEADLINE = 300.0
KEEP_DAYS = 400  # state older than this is dropped when the file is written
LOCK_TIMEOUT = 120.0
TLS_MODES = ("starttls", "ssl", "none")
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SendFailed(DutyctlError):
    """A target could not be reached or refused the message (exit 1, for cron to report)."""

    exit_code = 1


class _Transient(Exception):
    """A failure worth another try (connection refused, timeout, HTTP 5xx, SMTP 4xx)."""


class _Permanent(Exception):
    """A failure another try will not fix (HTTP 4xx, SMTP 5xx, a refused login)."""


# --- Writing to stdout, whatever the locale ------------------------------------------------


def write_text(text: str, stream: IO[str] | None = None) -> None:
    """Write text; when the stream cannot encode it (an ASCII locale), write UTF-8 bytes
    with errors replaced instead of crashing on a name like Zoë."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            buffer.write(text.encode("utf-8", "replace"))
            buffer.flush()
            return
        text = text.encode(encoding, "replace").decode(encoding)
    stream.write(text)
    stream.flush()


# --- Configuration and secrets ------------------------------------------------------------


def _xdg(variable: str, default: str, env: Mapping[str, str]) -> Path:
    value = env.get(variable, "")
    # The XDG spec: a relative path is invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / default


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _xdg("XDG_CONFIG_HOME", ".config", env) / "dutyctl" / "config.toml"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return _xdg("XDG_STATE_HOME", ".local/state", env) / "dutyctl"


def mask_url(url: str) -> str:
    """A URL as it may be shown: scheme and host (and port), never its path or query."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(a webhook URL that cannot be parsed)"
    return f"{parts.scheme or '?'}://{host}{port}/…"


def _control(text: str) -> str | None:
    """The first control character in ``text`` (C0, DEL, C1, line and paragraph
    separators) shown as an escape, or None."""
    for char in text:
        if char < " " or "\x7f" <= char <= "\x9f" or char in "\u2028\u2029":
            return repr(char)[1:-1]
    return None


def check_header(value: str, what: str, location: Location | None = None) -> str:
    """``value`` once it is known to fit in one mail header line; a UsageError (exit 2)
    naming ``what`` otherwise: a line break in a header would let it add headers of its
    own (a Bcc to anyone)."""
    found = _control(value)
    if found is not None:
        raise UsageError(
            f"{what} holds the control character {found}; a mail header cannot carry it",
            location=location,
            hint="remove line breaks and other control characters from it",
        )
    return value


def read_config(env: Mapping[str, str] | None = None) -> dict:
    """The user's config file, refused unless readable by its owner only; {} when absent."""
    import tomllib

    path = config_path(env)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UsageError(
            f"{path} is {what}; dutyctl's config is a file",
            hint="move it aside, and write the settings into a file of that name (chmod 600)",
        )
    with os.fdopen(fd, "rb") as handle:
        if info.st_mode & 0o077 or info.st_uid != os.getuid():
            mode = stat.S_IMODE(info.st_mode)
            raise UsageError(
                f"{path} may be read by others (mode {mode:04o}); it holds secrets, "
                "so dutyctl refuses to use it",
                hint=f"make it readable by you only: chmod 600 {path}",
            )
        data = handle.read(1024 * 1024)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        # The decoder's message names a line and column, never the values.
        raise InputError(
            f"{path} is not valid TOML: {error}",
            hint='write it as: webhook_url = "https://hooks.example.com/..."',
        ) from None


def webhook_url(env: Mapping[str, str] | None = None) -> str:
    """``DUTYCTL_WEBHOOK_URL``, else ``webhook_url`` in the user's config file."""
    env = os.environ if env is None else env
    url = env.get("DUTYCTL_WEBHOOK_URL", "").strip()
    origin = "DUTYCTL_WEBHOOK_URL"
    if not url:
        value = read_config(env).get("webhook_url")
        origin = f"webhook_url in {config_path(env)}"
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{origin} must be a string")
        url = (value or "").strip()
    if not url:
        raise UsageError(
            "no webhook URL: --to webhook needs one",
            hint=f"set DUTYCTL_WEBHOOK_URL, or write webhook_url = \"...\" in "
            f"{config_path(env)} (chmod 600); never put it in plan.yaml",
        )
    found = _control(url) or (" " if " " in url else None)
    if found is not None:
        raise UsageError(
            f"{origin} holds the character '{found}', which a URL cannot carry "
            f"({mask_url(url)})",
            hint="a webhook URL is one line without spaces or control characters: "
            "copy it again from the chat's settings",
        )
    try:
        parts = urllib.parse.urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise UsageError(
            f"{origin} is not an http(s) URL ({mask_url(url)})",
            hint="a chat webhook URL looks like https://hooks.slack.com/services/...",
        )
    return url


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        login = f", as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.tls}{login})"


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """The SMTP server from ``DUTYCTL_SMTP_*``."""
    env = os.environ if env is None else env
    host = env.get("DUTYCTL_SMTP_HOST", "").strip()
    sender = env.get("DUTYCTL_SMTP_FROM", "").strip()
    tls = (env.get("DUTYCTL_SMTP_TLS", "") or "starttls").strip().lower()
    if not host:
        raise UsageError(
            "no SMTP server: --to email needs DUTYCTL_SMTP_HOST",
            hint="set DUTYCTL_SMTP_HOST, DUTYCTL_SMTP_FROM and, if the server wants a "
            "login, DUTYCTL_SMTP_USER and DUTYCTL_SMTP_PASSWORD (see docs/cron.md)",
        )
    if not sender or "@" not in sender:
        raise UsageError(
            "no sender address: --to email needs DUTYCTL_SMTP_FROM",
            hint="for example DUTYCTL_SMTP_FROM=duties@example.com",
        )
    check_header(host, "DUTYCTL_SMTP_HOST")
    check_header(sender, "DUTYCTL_SMTP_FROM")
    if tls not in TLS_MODES:
        raise UsageError(
            f"DUTYCTL_SMTP_TLS='{tls}' is not one of {', '.join(TLS_MODES)}",
            hint="starttls (port 587, the default), ssl (port 465) or none (port 25)",
        )
    port_text = env.get("DUTYCTL_SMTP_PORT", "").strip()
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else 0
    if not port_text:
        port = _DEFAULT_PORTS[tls]
    elif not 0 < port < 65536:
        raise UsageError(
            f"DUTYCTL_SMTP_PORT='{_shown(port_text)}' is not a port number from 1 to 65535",
            hint="leave it unset for the usual port of DUTYCTL_SMTP_TLS (587, 465 or 25)",
        )
    user = env.get("DUTYCTL_SMTP_USER", "").strip() or None
    if user:
        check_header(user, "DUTYCTL_SMTP_USER")
    password = env.get("DUTYCTL_SMTP_PASSWORD") or None
    if password and not user:
        raise UsageError("DUTYCTL_SMTP_PASSWORD is set but DUTYCTL_SMTP_USER is not")
    return SmtpSettings(host, port, tls, sender, user, password)


def _shown(text: str, limit: int = 40) -> str:
    """A value from the environment as a message may show it: escaped, and cut short."""
    text = text if len(text) <= limit else text[:limit] + "..."
    return text.encode("unicode_escape").decode("ascii") if _control(text) else text


def scrub(text: str, secrets: list[str]) -> str:
    """Text with every secret (and a URL's path and query) replaced by ***."""
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, "***")
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            text = text.replace(quoted, "***")
    return text


def url_secrets(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    pieces = [url, parts.path, parts.query, parts.password or "", parts.username or ""]
    pieces += [p for p in parts.path.split("/") if len(p) >= 8]
    return pieces


# --- Sending ------------------------------------------------------------------------------


def post_webhook(url: str, text: str, timeout: float = TIMEOUT) -> None:
    """POST ``{"text": ...}`` (Slack-compatible); redirects are not followed."""
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "dutyctl"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
    except urllib.error.HTTPError as error:
        code = error.code
        error.close()
        if code >= 500 or code == 429:
            raise _Transient(f"HTTP {code}") from None
        if 300 <= code < 400:
            raise _Permanent(f"HTTP {code} (a redirect; give the final URL)") from None
        raise _Permanent(f"HTTP {code}") from None
    except urllib.error.URLError as error:
        raise _transient(error.reason, timeout) from None
    except (OSError, TimeoutError) as error:
        raise _transient(error, timeout) from None
    except ValueError:
        raise _Permanent("the URL cannot be used") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def _transient(reason: object, timeout: float) -> _Transient:
    """A failure worth another try. A socket's timeout is said as the deadline says it
    (:func:`_within`): they end the same wait, and which comes first is up to the
    scheduler when the timeout is the deadline."""
    if isinstance(reason, socket.timeout | TimeoutError):
        return _Transient(f"no answer within {timeout:.1f}s")
    return _Transient(_reason(reason))


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    if isinstance(reason, OSError):
        return type(reason).__name__
    return "connection failed"


def send_mail(
    settings: SmtpSettings,
    to: list[str],
    cc: list[str],
    subject: str,
    body: str,
    timeout: float = TIMEOUT,
) -> None:
    """One mail, To the people on duty, Cc the coordinator."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    try:
        message["From"] = settings.sender
        message["To"] = ", ".join(to)
        if cc:
            message["Cc"] = ", ".join(cc)
        message["Subject"] = subject
    except ValueError:  # a line break in a header (the callers check them first)
        raise _Permanent("a mail header holds a line break") from None
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    try:
        if settings.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        code = error.smtp_code
        raise _Permanent(f"the server refused the login of {settings.user} ({code})") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(sorted(error.recipients))
        raise _Permanent(f"the server refused the recipients {refused}") from None
    except smtplib.SMTPNotSupportedError:
        raise _Permanent("the server does not support STARTTLS or AUTH") from None
    except smtplib.SMTPResponseException as error:
        kind = _Transient if 400 <= error.smtp_code < 500 else _Permanent
        raise kind(f"the server answered {error.smtp_code}") from None
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, TimeoutError):  # smtplib's word for no answer
            raise _transient(error.__context__, timeout) from None
        raise _Transient("the server closed the connection") from None
    except ssl.SSLError as error:
        raise _Permanent(f"TLS failed ({error.reason or type(error).__name__})") from None
    except smtplib.SMTPException as error:
        raise _Permanent(type(error).__name__) from None
    except (OSError, TimeoutError) as error:
        raise _transient(error, timeout) from None


def retry_scale(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    text = env.get("DUTYCTL_RETRY_DELAY", "").strip()
    if not text:
        return 1.0
    value = _decimal(text)
    if value is None or not 0 <= value <= 60:
        raise UsageError(
            f"DUTYCTL_RETRY_DELAY='{_shown(text)}' is not a number from 0 to 60",
            hint="it scales the pauses between tries (1 s, then 2 s): 0.01 makes them short",
        )
    return value


def _decimal(text: str) -> float | None:
    """``text`` as a number when it is ASCII digits with an optional point and digits."""
    whole, point, fraction = text.partition(".")
    if text.isascii() and (whole.isdigit() or point) and (not point or fraction.isdigit()):
        return float(text)
    return None


def send_deadline(env: Mapping[str, str] | None = None) -> float:
    """``DUTYCTL_SEND_TIMEOUT``: the seconds all tries of one target may take together."""
    env = os.environ if env is None else env
    text = env.get(DEADLINE_ENV, "").strip()
    if not text:
        return DEADLINE
    value = _decimal(text)
    if value is None or not 0 < value <= MAX_DEADLINE:
        raise UsageError(
            f"{DEADLINE_ENV}='{_shown(text)}' is not a number of seconds from 0 to "
            f"{MAX_DEADLINE:g}",
            hint=f"it bounds each target's sending, all tries together (default {DEADLINE:g})",
        )
    return value


def _within(seconds: float, send: Callable[[], None]) -> None:
    """``send()``, given up on after ``seconds`` as a timeout (_Transient).

    The socket timeouts bound each wait for the server, not a whole exchange (a server
    may answer a byte at a time), so the call runs in a daemon thread that is left
    behind at the deadline; its own socket timeout ends it soon after."""
    import threading

    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            send()
            outcome.append(None)
        except BaseException as error:  # handed to the caller below
            outcome.append(error)

    worker = threading.Thread(target=run, name="dutyctl-send", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise _Transient(f"no answer within {seconds:.1f}s")
    if outcome[0] is not None:
        raise outcome[0]


def with_retries(
    send: Callable[[], None],
    *,
    what: str,
    secrets: list[str],
    tries: int = TRIES,
    delays: tuple[float, ...] = DELAYS,
    scale: float = 1.0,
    deadline: float = DEADLINE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    warn: Callable[[str], None] = lambda text: None,
) -> None:
    """Call ``send`` up to ``tries`` times while it fails transiently, all tries and the
    pauses between them within ``deadline`` seconds; SendFailed at the end."""
    end = clock() + deadline
    for attempt in range(1, tries + 1):
        try:
            _within(max(end - clock(), 0.001), send)
            return
        except _Permanent as error:
            raise SendFailed(
                scrub(f"{what}: {error}", secrets),
                hint="not retried: fix the configuration and run again",
            ) from None
        except _Transient as error:
            reason = scrub(str(error), secrets)
            pause = delays[min(attempt - 1, len(delays) - 1)] * scale
            if attempt == tries or clock() + pause >= end:
                tried = f"tried {attempt} time{'s' if attempt > 1 else ''}"
                if attempt < tries:
                    tried += f" in the {deadline:g}s that {DEADLINE_ENV} allows"
                raise SendFailed(
                    f"{what}: {reason} ({tried})",
                    hint="not recorded as sent: the next run sends it",
                ) from None
            warn(f"{what}: try {attempt} of {tries} failed ({reason}); retrying in {pause:g}s")
            sleep(pause)


# --- The state file -----------------------------------------------------------------------


STATE_MAX_BYTES = 16 * 1024 * 1024
_STATE_HINT = (
    "XDG_STATE_HOME (else ~/.local/state) must be a folder dutyctl can write; "
    "point it at one, or move what is in the way aside"
)


def _state_shape(data: object) -> bool:
    """Whether ``data`` is what :class:`SentState` writes: {"sent": {day: {target: {...}}}}."""
    if not isinstance(data, dict):
        return False
    sent = data.get("sent", {})
    return isinstance(sent, dict) and all(
        isinstance(targets, dict) and all(isinstance(r, dict) for r in targets.values())
        for targets in sent.values()
    )


def _state_folder(folder: Path) -> None:
    """Create the state folder (owner only), or say clearly why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not folder.is_dir():
            raise NotADirectoryError(20, "Not a directory")
    except OSError as error:
        raise InputError(
            f"cannot use the state folder {folder}: {error.strerror or error}",
            hint=_STATE_HINT,
        ) from None


def state_key(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:24]


class SentState:
    """What was announced for one repository: ``{"sent": {date: {target: record}}}``."""

    def __init__(self, source: str, shown: str, env: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.shown = shown  # what the file says the repository is (a masked URL or a path)
        self.path = state_dir(env) / f"{state_key(source)}.json"
        self._data: dict = {"repository": shown, "sent": {}}

    def load(self) -> SentState:
        from dutyctl.store.safefiles import read_regular

        try:
            raw = read_regular(self.path, str(self.path), "state file", STATE_MAX_BYTES)
        except FileNotFoundError:
            return self
        except OSError as error:
            raise InputError(
                f"cannot read the state file {self.path}: {error.strerror}",
                hint=_STATE_HINT,
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            if not _state_shape(data):
                raise ValueError
        except (ValueError, RecursionError):
            raise InputError(
                f"the state file {self.path} is damaged (not the JSON dutyctl writes)",
                hint="move it aside; the next run may then announce today again",
            ) from None
        data.setdefault("sent", {})
        self._data = data
        return self

    def sent(self, day: date, target: str) -> dict | None:
        record = self._data["sent"].get(day.isoformat(), {}).get(target)
        return record if isinstance(record, dict) else None

    def record(self, day: date, target: str, digest: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._data["sent"].setdefault(day.isoformat(), {})[target] = {
            "at": stamp,
            "sha256": digest,
        }
        self._data["repository"] = self.shown
        # Kept from whichever is earlier: a day announced late (--date, or a pinned day)
        # must not be pruned the moment it is recorded, or the next run sends it again.
        self.save(min(now.date(), day))

    def save(self, today: date) -> None:
        oldest = (today - timedelta(days=KEEP_DAYS)).isoformat()
        self._data["sent"] = {d: v for d, v in sorted(self._data["sent"].items()) if d >= oldest}
        write_atomic(self.path, json.dumps(self._data, indent=2, sort_keys=True) + "\n")

    @contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT) -> Iterator[SentState]:
        """Hold the repository's lock while sending and recording; reload under it."""
        _state_folder(self.path.parent)
        lock_path = self.path.with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SendFailed(
                            f"another dutyctl announce holds {lock_path} (waited {timeout:g}s)",
                            hint="wait for it to finish; nothing was sent by this run",
                        ) from None
                    time.sleep(0.05)
            yield self.load()
        finally:
            os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write a file readable by its owner only, all or nothing (temp file + fsync + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
