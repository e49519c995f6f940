"""Issue 19's bounds: every read is of a regular file of bounded size, every send has a
total deadline, mail headers and URLs carry no control characters, numbers and ids are
what they look like; each refusal is a clear exit 2 that changes nothing.

Files, pipes, git repositories and servers here are real (a FIFO made with mkfifo, a
socket server on 127.0.0.1 that accepts and never answers). A subprocess that hangs
fails by its timeout; no assertion is on how long anything took.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest

from dutyctl.errors import InputError, UsageError
from dutyctl.store import delivery
from dutyctl.store.safefiles import read_regular
from tests.conftest import git, init_git, run_cli, run_process

TODAY = {"DUTYCTL_TODAY": "2026-11-24"}


def split_roster(repo: Path) -> None:
    """Move the example plan's roster into people.yaml (``roster: people.yaml``)."""
    text = (repo / "plan.yaml").read_text(encoding="utf-8")
    start, end = text.index("roster:\n"), text.index("duties:")
    (repo / "people.yaml").write_text(text[start:end], encoding="utf-8")
    (repo / "plan.yaml").write_text(
        text[:start] + "roster: people.yaml\n\n" + text[end:], encoding="utf-8"
    )


def snapshot(repo: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and not p.is_symlink()
        and not {".git", ".dutyctl-cache"} & set(p.parts)
    }


# --- reads: regular files only, of bounded size --------------------------------------------


@pytest.mark.parametrize("which", ["plan.yaml", "people.yaml"])
def test_a_named_pipe_as_the_plan_or_roster_is_refused_without_hanging(example_repo, which):
    split_roster(example_repo)
    (example_repo / which).unlink()
    os.mkfifo(example_repo / which)
    for args in (["today"], ["plan", "check"], ["rotate", "--month", "2026-12"]):
        # A read that blocked on the pipe would end in subprocess.TimeoutExpired.
        done = run_process(*args, cwd=example_repo, env=TODAY, timeout=60)
        assert done.returncode == 2, done.stderr
        assert f"{which} is a named pipe (FIFO), not a regular file" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "fifo.csv", "folder"])
def test_import_refuses_what_is_not_a_regular_file(example_repo, path):
    if path == "fifo.csv":
        os.mkfifo(example_repo / path)
    elif path == "folder":
        (example_repo / path).mkdir()
    before = snapshot(example_repo)
    done = run_process("import", path, "--person", "farid", cwd=example_repo, env=TODAY)
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(example_repo) == before


def test_read_regular_stops_at_the_limit(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2049)
    with pytest.raises(UsageError, match="big.csv is larger than 2 KiB; the import file may"):
        read_regular(big, "big.csv", "import file", 2048, UsageError)
    assert read_regular(big, "big.csv", "import file", 2049) == b"x" * 2049
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "none", "none", "plan", 10)


def test_a_plan_larger_than_the_limit_is_refused_before_it_is_parsed(example_repo):
    with open(example_repo / "plan.yaml", "ab") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: the size is all that matters
    result = run_cli("plan", "check", "--repo", str(example_repo), env=TODAY)
    assert result.exit_code == 2
    assert "plan.yaml is larger than 20 MiB; the plan may be at most 20 MiB" in result.output


def test_an_unclosed_quote_names_the_line_it_opens_on(example_repo):
    sheet = example_repo / "sheet.csv"
    sheet.write_text(
        "date,person,metric,value,note\n"
        '2026-11-20,farid,photo,1,"fine, quoted"\n'
        '2026-11-23,farid,photo,1,"never closed\n'
        "2026-11-24,farid,photo,1,ok\n"
        "2026-11-24,farid,repost,1,ok\n",
        encoding="utf-8",
    )
    result = run_cli("import", str(sheet), "--repo", str(example_repo), env=TODAY)
    assert result.exit_code == 2
    assert "sheet.csv:3: a quoted cell opened on this line is never closed" in result.output
    assert not any((example_repo / "logs").iterdir())


# --- sending: a total deadline ------------------------------------------------------------


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def announce_env(tmp_path):
    return {
        **TODAY,
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DUTYCTL_RETRY_DELAY": "0.001",
        "DUTYCTL_SEND_TIMEOUT": "1",
        "http_proxy": None,
        "HTTP_PROXY": None,
    }


@pytest.mark.parametrize("target", ["webhook", "email"])
def test_a_server_that_accepts_and_never_answers_is_given_up_on(example_repo, announce_env, target):
    with SilentServer() as server:
        settings = {
            "webhook": {"DUTYCTL_WEBHOOK_URL": f"http://127.0.0.1:{server.port}/hook"},
            "email": {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_PORT": str(server.port),
                      "DUTYCTL_SMTP_TLS": "none", "DUTYCTL_SMTP_FROM": "duties@example.com"},
        }[target]
        result = run_cli(
            "announce", "--repo", str(example_repo), "--to", target,
            env={**announce_env, **settings},
        )
        assert server.accepted, "the server was reached"
    assert result.exit_code == 1, result.output
    assert f"error: {target}: no answer within 1.0s (tried 1 time in the 1s that " \
        "DUTYCTL_SEND_TIMEOUT allows)" in result.output
    assert "not recorded as sent" in result.output
    assert not list((Path(announce_env["XDG_STATE_HOME"]) / "dutyctl").glob("*.json"))


@pytest.mark.parametrize("target", ["webhook", "email"])
def test_a_socket_timeout_before_the_deadline_is_said_as_the_deadline_says_it(target):
    """The socket's own timeout and the deadline end the same wait; under load either may
    come first (CI once said "timed out" here), and the error must read the same."""
    def send(port: int) -> None:
        if target == "webhook":
            delivery.post_webhook(f"http://127.0.0.1:{port}/hook", "hi", timeout=0.2)
        else:
            settings = delivery.SmtpSettings("127.0.0.1", port, "none", "duties@example.com")
            delivery.send_mail(settings, ["anna@example.com"], [], "duty", "hi", timeout=0.2)

    with SilentServer() as server, pytest.raises(delivery.SendFailed) as caught:
        delivery.with_retries(lambda: send(server.port), what=target, secrets=[], tries=1,
                              deadline=30.0)
    assert caught.value.message == f"{target}: no answer within 0.2s (tried 1 time)"


def test_retries_stop_at_the_deadline_pauses_included():
    now = [0.0]
    calls = []

    def down():
        calls.append(now[0])
        now[0] += 4.0  # each try takes 4 s of the clock
        raise delivery._Transient("timed out")

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(delivery.SendFailed) as caught:
        delivery.with_retries(down, what="webhook", secrets=[], deadline=6.0, sleep=sleep,
                              clock=lambda: now[0])
    # 4 s, a pause of 1 s, then a second try would start at 5 s and its 2 s pause end past 6 s.
    assert calls == [0.0, 5.0]
    assert "tried 2 times in the 6s that DUTYCTL_SEND_TIMEOUT allows" in str(caught.value)


def test_send_deadline_is_ascii_seconds_within_bounds():
    assert delivery.send_deadline({}) == delivery.DEADLINE
    assert delivery.send_deadline({"DUTYCTL_SEND_TIMEOUT": "2.5"}) == 2.5
    for bad in ("0", "301", "１", "1e1", "inf", "nan", "-1", "soon"):
        with pytest.raises(UsageError, match="DUTYCTL_SEND_TIMEOUT"):
            delivery.send_deadline({"DUTYCTL_SEND_TIMEOUT": bad})


# --- headers and URLs ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a@b.c\r\nBcc: v@x.y", "a@b.c\nBcc: v@x.y", "a\x00b@c.d",
                                   "a@b.c\x1b[2J", "a@b.c\u2028Bcc: v@x.y", "a@b\x85.c"])
def test_control_characters_never_reach_a_mail_header(value):
    with pytest.raises(UsageError, match="holds the control character"):
        delivery.check_header(value, "DUTYCTL_SMTP_FROM")
    env = {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_FROM": value}
    with pytest.raises(UsageError, match="DUTYCTL_SMTP_FROM holds the control character"):
        delivery.smtp_settings(env)
    assert delivery.check_header("Acme: duties for Tuesday", "s") == "Acme: duties for Tuesday"


@pytest.mark.parametrize("url", ["https://hooks.example.com/a\r\nX-Evil: 1",
                                 "https://hooks.example.com/a\tb", "https://hooks.example.com/a b",
                                 "https://hooks.example.com/\x7f"])
def test_a_webhook_url_with_a_control_character_or_space_is_refused(url):
    with pytest.raises(UsageError, match="which a URL cannot carry") as caught:
        delivery.webhook_url({"DUTYCTL_WEBHOOK_URL": url})
    assert "/a" not in str(caught.value)  # the path (the secret) is never shown


def test_a_roster_address_with_a_header_in_it_stops_the_mail(example_repo, announce_env):
    plan = example_repo / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(
        text.replace("email: greta@example.com", 'email: "greta@example.com\\r\\nBcc: x@y.z"'),
        encoding="utf-8",
    )
    smtp = {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_FROM": "d@example.com",
            "DUTYCTL_SMTP_TLS": "none", "DUTYCTL_SMTP_PORT": "9"}
    result = run_cli("announce", "--repo", str(example_repo), "--to", "email",
                     env={**announce_env, **smtp})
    assert result.exit_code == 2
    assert "plan.yaml:55:" in result.output  # Greta is on duty that day
    assert "the e-mail address of greta holds the control character \\r" in result.output


@pytest.mark.parametrize(("port", "ok"), [("25", True), ("65535", True), ("70000", False),
                                          ("0", False), ("５８７", False), ("+25", False),
                                          ("2 5", False)])
def test_smtp_port_is_an_ascii_port_number(port, ok):
    env = {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_FROM": "d@example.com",
           "DUTYCTL_SMTP_PORT": port}
    if ok:
        assert delivery.smtp_settings(env).port == int(port)
    else:
        with pytest.raises(UsageError, match="is not a port number from 1 to 65535"):
            delivery.smtp_settings(env)


# --- config and state files ---------------------------------------------------------------


def test_config_toml_as_a_folder_is_a_clear_error(example_repo, announce_env):
    (Path(announce_env["XDG_CONFIG_HOME"]) / "dutyctl" / "config.toml").mkdir(parents=True)
    result = run_cli("announce", "--repo", str(example_repo), "--to", "webhook", env=announce_env)
    assert result.exit_code == 2
    assert "config.toml is a folder; dutyctl's config is a file" in result.output


def test_xdg_state_home_as_a_file_is_a_clear_error(example_repo, announce_env):
    Path(announce_env["XDG_STATE_HOME"]).write_text("not a folder\n")
    result = run_cli("announce", "--repo", str(example_repo), env=announce_env)
    assert result.exit_code == 2
    assert "cannot use the state folder" in result.output
    assert "XDG_STATE_HOME (else ~/.local/state) must be a folder" in result.output
    assert Path(announce_env["XDG_STATE_HOME"]).read_text() == "not a folder\n"


@pytest.mark.parametrize("content", ['[1, 2]', '{"sent": [1]}', '{"sent": {"2026-11-24": [1]}}',
                                     '{"sent": {"2026-11-24": {"stdout": 3}}}', '"sent"',
                                     '{"sent": {"2026-11-24": null}}'])
def test_a_state_file_of_another_shape_is_damaged_not_a_crash(example_repo, announce_env, content):
    first = run_cli("announce", "--repo", str(example_repo), env=announce_env)
    assert first.exit_code == 0, first.output
    (state,) = (Path(announce_env["XDG_STATE_HOME"]) / "dutyctl").glob("*.json")
    state.write_text(content)
    again = run_cli("announce", "--repo", str(example_repo), env=announce_env)
    assert again.exit_code == 2, again.output
    assert "is damaged (not the JSON dutyctl writes)" in again.output
    assert "hint: move it aside" in again.output
    assert state.read_text() == content


# --- plans, swaps and init ----------------------------------------------------------------


@pytest.mark.parametrize(("written", "read_as"), [("true", "'true' (true/false)"),
                                                  ("007", "the number 7"),
                                                  ("1e3", "the number 1000.0"),
                                                  ("0x1F", "the number 31"),
                                                  ("no", None), ("'007'", None)])
def test_an_id_is_text_as_written_or_a_located_error(write_plan, written, read_as):
    repo = write_plan(
        "team: T\nstart: 2026-01-05\nroster:\n  - {id: anna}\n"
        f"  - {{id: {written}}}\nduties:\n  social: {{every: weekday}}\n"
    )
    result = run_cli("plan", "check", "--repo", str(repo), env=TODAY)
    if read_as is None:
        assert result.exit_code == 0, result.output  # YAML 1.2: `no` is text; quoted is text
    else:
        assert result.exit_code == 2
        assert f"plan.yaml:5:10: error: roster[1].id: YAML reads this value as {read_as}" \
            in result.output


def test_swap_with_the_roster_in_its_own_file_adds_one_line(example_repo):
    split_roster(example_repo)
    init_git(example_repo)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "--quiet", "-m", "plan")
    roster = (example_repo / "people.yaml").read_bytes()
    before = (example_repo / "plan.yaml").read_text(encoding="utf-8").splitlines()
    result = run_cli("swap", "2026-11-25", "social", "dave", "carl", "--repo",
                     str(example_repo), env=TODAY)
    assert result.exit_code == 0, result.output
    after = (example_repo / "plan.yaml").read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["  - {date: 2026-11-25, duty: social, from: dave, to: carl}"]
    assert len(after) == len(before) + 1
    assert (example_repo / "people.yaml").read_bytes() == roster
    check = run_cli("plan", "check", "--repo", str(example_repo), env=TODAY)
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("team", ["true", "False", "null", "yes", "007", "1e3"])
def test_init_writes_a_team_yaml_would_misread_as_text(tmp_path, team):
    made = run_cli("init", str(tmp_path / "d"), "--team", team, env=TODAY)
    assert made.exit_code == 0, made.output
    shown = run_cli("plan", "show", "--format", "json", "--repo", str(tmp_path / "d"), env=TODAY)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["team"] == team


@pytest.mark.parametrize("inner", [".", "sub", "logs/team", "sub/deeper"])
def test_init_inside_a_duty_repository_is_refused_and_writes_nothing(example_repo, inner,
                                                                     monkeypatch):
    (example_repo / "sub").mkdir()
    before = snapshot(example_repo)
    monkeypatch.chdir(example_repo / "sub")
    result = run_cli("init", inner, env=TODAY)
    assert result.exit_code == 2
    assert "is inside the duty repository" in result.output or "already has" in result.output
    assert snapshot(example_repo) == before
    assert sorted(p.name for p in (example_repo / "sub").iterdir()) == []


def test_a_long_note_is_refused_and_nothing_is_logged(example_repo):
    note = "n" * (117 * 1024)
    result = run_cli("log", "photo=1", "--person", "farid", "--note", note, "--repo",
                     str(example_repo), env=TODAY)
    assert result.exit_code == 2
    assert "--note is 119808 characters long; a note may be at most 2000" in result.output
    assert not any((example_repo / "logs").iterdir())
    fits = run_cli("log", "photo=1", "--person", "farid", "--note", "n" * 2000, "--repo",
                   str(example_repo), env=TODAY)
    assert fits.exit_code == 0, fits.output


def test_input_error_is_the_base_of_read_refusals(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError, match="pipe is a named pipe"):
        read_regular(tmp_path / "pipe", "pipe", "plan", 10)


def test_an_escape_sequence_in_a_name_is_shown_by_announce_not_obeyed(example_repo,
                                                                      announce_env):
    plan = example_repo / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("name: Greta Lind", 'name: "Greta\\e]0;pwned\\a\\e[2J"'),
                    encoding="utf-8")
    for args in ([], ["--dry-run"]):
        result = run_cli("announce", "--repo", str(example_repo), *args, env=announce_env)
        assert result.exit_code == 0, result.output
        assert "Today Greta\\x1b]0;pwned\\x07\\x1b[2J is on social media duty" in result.stdout
        assert "\x1b" not in result.output and "\x07" not in result.output
