"""Targets, retries, secrets and the sent-state file, against real servers on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import threading
from datetime import UTC, date, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from dutyctl.errors import InputError, UsageError
from dutyctl.store import delivery

TOKEN = "T0KEN-s3cr3t-abcdef123456"
PASSWORD = "pa55-w0rd-never-shown"


# --- Servers ------------------------------------------------------------------------------


class WebhookServer:
    """http.server in a thread on 127.0.0.1, port 0; answers each POST with the next status."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[str, dict, bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                owner.requests.append((self.path, dict(self.headers), body))
                status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/services/{TOKEN}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def texts(self) -> list[str]:
        return [json.loads(body)["text"] for _, _, body in self.requests]


class _Controller(Controller):
    def _trigger_server(self):
        # Port 0: learn the port the system chose before aiosmtpd connects to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailServer:
    """aiosmtpd on 127.0.0.1, port 0; keeps every message; optional login and 4xx answers."""

    def __init__(self, password: str | None = None, data_replies: list[str] | None = None):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        self.data_replies = list(data_replies or [])
        owner = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                if owner.data_replies:
                    return owner.data_replies.pop(0)
                owner.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                       envelope.original_content or envelope.content))
                return "250 OK"

        options = {}
        if password is not None:

            def authenticator(server, session, envelope, mechanism, auth_data):
                login = auth_data.login.decode()
                owner.logins.append(login)
                return AuthResult(success=auth_data.password.decode() == password, handled=False)

            options = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = _Controller(Handler(), hostname="127.0.0.1", port=0, **options)

    def __enter__(self) -> MailServer:
        self.controller.start()
        self.port = self.controller.port
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def parsed(self, index: int = -1):
        return message_from_bytes(self.messages[index][2])


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- stdout -------------------------------------------------------------------------------


def test_write_text_falls_back_to_utf8_bytes_when_the_stream_is_ascii():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    delivery.write_text("Zoë Ünal\n", stream)
    assert raw.getvalue() == "Zoë Ünal\n".encode()
    delivery.write_text("plain\n", stream)
    assert raw.getvalue().endswith(b"plain\n")


# --- Webhook ------------------------------------------------------------------------------


def test_webhook_posts_slack_json():
    with WebhookServer() as server:
        delivery.post_webhook(server.url, "*Acme*\n- Today Zoë is on duty\n")
    (path, headers, body), = server.requests
    assert path == f"/services/{TOKEN}"
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"text": "*Acme*\n- Today Zoë is on duty\n"}


@pytest.mark.parametrize(("status", "kind"), [(500, "_Transient"), (429, "_Transient"),
                                              (404, "_Permanent"), (302, "_Permanent")])
def test_webhook_errors_are_transient_or_permanent(status, kind):
    with WebhookServer([status]) as server:
        with pytest.raises(getattr(delivery, kind)) as caught:
            delivery.post_webhook(server.url, "x")
    assert len(server.requests) == 1  # a redirect is not followed
    assert TOKEN not in str(caught.value)


def test_webhook_url_from_env_first_then_private_config(tmp_path):
    env = {"HOME": str(tmp_path), "DUTYCTL_WEBHOOK_URL": "https://hooks.example.com/a/b"}
    assert delivery.webhook_url(env) == "https://hooks.example.com/a/b"
    config = tmp_path / ".config" / "dutyctl" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'webhook_url = "https://chat.example.com/hooks/{TOKEN}"\n')
    config.chmod(0o600)
    env = {"HOME": str(tmp_path)}
    assert delivery.webhook_url(env).endswith(TOKEN)
    config.chmod(0o640)
    with pytest.raises(UsageError) as caught:
        delivery.webhook_url(env)
    assert "mode 0640" in str(caught.value) and "chmod 600" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_webhook_config_follows_xdg_config_home(tmp_path):
    config = tmp_path / "xdg" / "dutyctl" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('webhook_url = "https://x.example.com/h"\n')
    config.chmod(0o600)
    env = {"HOME": str(tmp_path / "nohome"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert delivery.webhook_url(env) == "https://x.example.com/h"


def test_missing_or_bad_webhook_url_is_a_usage_error_that_hides_it(tmp_path):
    with pytest.raises(UsageError, match="no webhook URL"):
        delivery.webhook_url({"HOME": str(tmp_path)})
    with pytest.raises(UsageError) as caught:
        delivery.webhook_url({"HOME": str(tmp_path), "DUTYCTL_WEBHOOK_URL": f"ftp://h/{TOKEN}"})
    assert TOKEN not in str(caught.value)


def test_mask_url_keeps_scheme_and_host_only():
    shown = delivery.mask_url(f"https://user:{TOKEN}@hooks.example.com:8443/services/{TOKEN}?k=1")
    assert shown == "https://hooks.example.com:8443/…"


# --- Retries ------------------------------------------------------------------------------


def test_retries_transient_failures_with_scaled_backoff_then_succeeds():
    calls, sleeps, warnings = [], [], []

    def send():
        calls.append(1)
        if len(calls) < 3:
            raise delivery._Transient("HTTP 500")

    delivery.with_retries(send, what="webhook", secrets=[], scale=0.5, sleep=sleeps.append,
                        warn=warnings.append)
    assert len(calls) == 3 and sleeps == [0.5, 1.0]
    assert warnings[0] == "webhook: try 1 of 3 failed (HTTP 500); retrying in 0.5s"


def test_retries_are_bounded_and_permanent_failures_are_not_retried():
    calls = []

    def down():
        calls.append(1)
        raise delivery._Transient(f"refused by {TOKEN}")

    with pytest.raises(delivery.SendFailed) as caught:
        delivery.with_retries(down, what="webhook", secrets=[TOKEN], sleep=lambda s: None)
    assert len(calls) == 3 and caught.value.exit_code == 1
    assert TOKEN not in str(caught.value) and "tried 3 times" in str(caught.value)

    calls.clear()

    def refused():
        calls.append(1)
        raise delivery._Permanent("HTTP 404")

    with pytest.raises(delivery.SendFailed):
        delivery.with_retries(refused, what="webhook", secrets=[], sleep=lambda s: None)
    assert len(calls) == 1


def test_retry_delay_scale_from_env():
    assert delivery.retry_scale({}) == 1.0
    assert delivery.retry_scale({"DUTYCTL_RETRY_DELAY": "0.01"}) == 0.01
    with pytest.raises(UsageError):
        delivery.retry_scale({"DUTYCTL_RETRY_DELAY": "soon"})


# --- E-mail -------------------------------------------------------------------------------


def settings(port: int, **extra) -> delivery.SmtpSettings:
    env = {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_PORT": str(port),
           "DUTYCTL_SMTP_TLS": "none", "DUTYCTL_SMTP_FROM": "duties@example.com", **extra}
    return delivery.smtp_settings(env)


def test_mail_goes_to_the_people_on_duty_with_copy_to_the_coordinator():
    with MailServer() as server:
        delivery.send_mail(settings(server.port), ["farid@example.com", "emma@example.com"],
                         ["anna@example.com"], "Acme: duties", "Today Fárid is on duty\n")
    sender, recipients, _ = server.messages[0]
    assert sender == "duties@example.com"
    assert sorted(recipients) == ["anna@example.com", "emma@example.com", "farid@example.com"]
    mail = server.parsed()
    assert mail["To"] == "farid@example.com, emma@example.com"
    assert mail["Cc"] == "anna@example.com"
    assert mail["Subject"] == "Acme: duties"
    body = mail.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert body == "Today Fárid is on duty\n"


def test_mail_login_and_a_refused_password_is_never_shown():
    with MailServer(password=PASSWORD) as server:
        good = settings(server.port, DUTYCTL_SMTP_USER="bot", DUTYCTL_SMTP_PASSWORD=PASSWORD)
        delivery.send_mail(good, ["a@example.com"], [], "s", "b\n")
        assert server.logins == ["bot"] and len(server.messages) == 1
        bad = settings(
            server.port, DUTYCTL_SMTP_USER="bot", DUTYCTL_SMTP_PASSWORD="wrong-" + PASSWORD
        )
        with pytest.raises(delivery.SendFailed) as caught:
            delivery.with_retries(
                lambda: delivery.send_mail(bad, ["a@example.com"], [], "s", "b\n"),
                what="email", secrets=[bad.password], sleep=lambda s: None,
            )
    assert "refused the login of bot" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(bad) and PASSWORD not in bad.describe()


def test_mail_4xx_is_retried():
    with MailServer(data_replies=["451 try again later"]) as server:
        sleeps = []
        delivery.with_retries(
            lambda: delivery.send_mail(settings(server.port), ["a@example.com"], [], "s", "b\n"),
            what="email", secrets=[], sleep=sleeps.append,
        )
    assert len(server.messages) == 1 and sleeps == [1.0]


def test_mail_server_down_is_transient():
    with pytest.raises(delivery._Transient, match="refused"):
        delivery.send_mail(settings(closed_port()), ["a@example.com"], [], "s", "b\n")


def test_smtp_settings_are_checked():
    base = {"DUTYCTL_SMTP_HOST": "mail.example.com", "DUTYCTL_SMTP_FROM": "d@example.com"}
    assert delivery.smtp_settings(base).port == 587
    assert delivery.smtp_settings({**base, "DUTYCTL_SMTP_TLS": "ssl"}).port == 465
    for broken in (
        {},
        {"DUTYCTL_SMTP_HOST": "mail.example.com"},
        {**base, "DUTYCTL_SMTP_TLS": "maybe"},
        {**base, "DUTYCTL_SMTP_PORT": "http"},
        {**base, "DUTYCTL_SMTP_PASSWORD": PASSWORD},
    ):
        with pytest.raises(UsageError) as caught:
            delivery.smtp_settings(broken)
        assert PASSWORD not in str(caught.value)


# --- The state file -----------------------------------------------------------------------


def test_state_records_per_date_and_target_in_a_private_file(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    state = delivery.SentState("path:/srv/duties", "/srv/duties", env).load()
    day = date(2026, 11, 24)
    assert state.sent(day, "webhook") is None
    with state.locked() as held:
        held.record(day, "webhook", "abc", now=datetime(2026, 11, 24, 6, tzinfo=UTC))
    assert state.path.parent == tmp_path / "state" / "dutyctl"
    assert stat.S_IMODE(state.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.path.parent.stat().st_mode) == 0o700
    again = delivery.SentState("path:/srv/duties", "/srv/duties", env).load()
    assert again.sent(day, "webhook") == {"at": "2026-11-24T06:00:00Z", "sha256": "abc"}
    assert again.sent(day, "email") is None and again.sent(date(2026, 11, 25), "webhook") is None
    other = delivery.SentState("path:/srv/other", "/srv/other", env)
    assert other.path != state.path
    assert [p.name for p in state.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_state_default_folder_and_damaged_file(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": "relative/ignored"}
    state = delivery.SentState("k", "k", env)
    assert state.path.parent == tmp_path / ".local" / "state" / "dutyctl"
    state.path.parent.mkdir(parents=True)
    state.path.write_text("{not json")
    with pytest.raises(InputError, match="damaged"):
        state.load()


def test_state_drops_records_older_than_a_year(tmp_path):
    env = {"HOME": str(tmp_path)}
    state = delivery.SentState("k", "k", env).load()
    state.record(date(2025, 1, 2), "stdout", "x", now=datetime(2025, 1, 2, tzinfo=UTC))
    state.record(date(2026, 11, 24), "stdout", "y", now=datetime(2026, 11, 24, tzinfo=UTC))
    data = json.loads(state.path.read_text())
    assert list(data["sent"]) == ["2026-11-24"]


def test_a_day_announced_late_is_kept_however_old(tmp_path):
    """Found running the suite with the clock in 2028: a day announced with --date over a
    year back was pruned as it was recorded, so the next run sent it again."""
    env = {"HOME": str(tmp_path)}
    state = delivery.SentState("k", "k", env).load()
    state.record(date(2026, 11, 24), "stdout", "x", now=datetime(2028, 2, 29, tzinfo=UTC))
    again = delivery.SentState("k", "k", env).load()
    assert again.sent(date(2026, 11, 24), "stdout") is not None


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    delivery.write_atomic(path, "old")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        delivery.write_atomic(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]
