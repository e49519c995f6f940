"""`dutyctl announce` through the real CLI: targets on 127.0.0.1, never twice, retries,
secrets, remote repositories, and a cron-like run under `env -i` with the C locale."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dutyctl.core.entries import Entry, format_recorded_at, new_entry_id
from dutyctl.store.logfile import append_entries
from tests.conftest import git, init_git, run_cli
from tests.test_notify import PASSWORD, TOKEN, MailServer, WebhookServer, closed_port

TUESDAY = "2026-11-24"  # Greta on social duty; the blog (Dana, Emma) is due; Bruno was yesterday


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """Private XDG folders, fast retries, and no secret from the developer's environment."""
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "DUTYCTL_RETRY_DELAY": "0.001",
        "DUTYCTL_TODAY": TUESDAY,
        "DUTYCTL_WEBHOOK_URL": None,
        "DUTYCTL_SMTP_HOST": None,
        "DUTYCTL_SMTP_USER": None,
        "DUTYCTL_SMTP_PASSWORD": None,
        "http_proxy": None,
        "HTTP_PROXY": None,
    }


def announce(repo: Path | str, env: dict, *args: str, **more: str | None):
    return run_cli("announce", "--repo", str(repo), *args, env={**env, **more})


def entry(day: str, person: str, metric: str, duty: str = "social") -> Entry:
    now = datetime(2026, 11, 24, 8, tzinfo=UTC)
    return Entry(new_entry_id(now, os.urandom(10)),
                 format_recorded_at(now), date.fromisoformat(day), person, duty, "", metric, 1,
                 None, "", "")


def state_records(env: dict) -> dict:
    folder = Path(env["XDG_STATE_HOME"]) / "dutyctl"
    files = list(folder.glob("*.json")) if folder.exists() else []
    return json.loads(files[0].read_text())["sent"] if files else {}


# --- stdout, once -------------------------------------------------------------------------


def test_stdout_once_a_day_unless_forced(example_repo, env):
    first = announce(example_repo, env)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "Acme Marketing: Tuesday 2026-11-24",
        "Today Greta Lind is on social media duty: photo 1, repost 1, news 1",
        "Due today on blog duty: Dana Kim and Emma Fischer",
        "Yesterday: social (Bruno Costa) missed photo 1, repost 1, news 1",
    ]
    assert "\x1b" not in first.output
    second = announce(example_repo, env)
    assert second.exit_code == 0 and second.stdout == ""
    assert "already announced to stdout on 2026-11-24; --force to send again" in second.stderr
    forced = announce(example_repo, env, "--force")
    assert forced.exit_code == 0 and forced.stdout == first.stdout
    assert list(state_records(env)) == [TUESDAY]
    # Another date is another announcement.
    assert "Dave Ng" in announce(example_repo, env, "--date", "2026-11-25").stdout


def test_nothing_to_announce_on_a_weekend_and_bad_input_is_exit_2(example_repo, env):
    weekend = announce(example_repo, env, "--date", "2026-11-28")
    assert weekend.exit_code == 0 and weekend.stdout == ""
    assert "nothing to announce on Saturday 2026-11-28" in weekend.stderr
    assert state_records(env) == {}
    assert announce(example_repo, env, "--date", "someday").exit_code == 2
    assert announce(example_repo, env, "--to", "pigeon").exit_code == 2
    assert announce(example_repo / "missing", env).exit_code == 2


def test_review_award_and_yesterdays_results_on_their_dates(example_repo, env):
    append_entries(example_repo, [
        entry("2026-11-23", "bruno", "photo"),  # Bruno: repost and news missing
        *(entry(day, "greta", m)  # Greta meets her November slots: the award
          for day in ("2026-11-02", "2026-11-06", "2026-11-12", "2026-11-18", "2026-11-24",
                      "2026-11-30")
          for m in ("photo", "repost", "news")),
    ])

    def message(day: str) -> str:
        result = announce(example_repo, env, "--dry-run", "--date", day)
        assert result.exit_code == 0, result.output
        return result.stdout

    tuesday = message("2026-11-24")
    assert "Yesterday: social (Bruno Costa) missed repost 1, news 1" in tuesday
    assert "Reminder" not in tuesday and "Best on duty" not in tuesday
    assert "Yesterday: social (Greta Lind) met" in message("2026-11-25")
    friday = message("2026-11-27")
    assert "Reminder: Monthly duty review today" in friday
    assert "Yesterday: social (Farid Haddad) missed photo 1, repost 1, news 1" in friday
    first = message("2026-12-01")
    assert "Best on duty of the month, November 2026: Greta Lind (36 points)" in first
    assert "Reminder" not in first
    assert "Best on duty" not in message("2026-12-02")
    assert state_records(env) == {}  # --dry-run records nothing


# --- Webhook ------------------------------------------------------------------------------


def test_webhook_gets_markdown_json_once_and_its_url_is_never_shown(example_repo, env):
    with WebhookServer() as server:
        first = announce(example_repo, env, "--to", "webhook", DUTYCTL_WEBHOOK_URL=server.url)
        second = announce(example_repo, env, "--to", "webhook", DUTYCTL_WEBHOOK_URL=server.url)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert server.texts() == [
        "*Acme Marketing: Tuesday 2026-11-24*\n"
        "- Today *Greta Lind* is on social media duty: photo 1, repost 1, news 1\n"
        "- Due today on blog duty: *Dana Kim* and *Emma Fischer*\n"
        "- Yesterday: social (Bruno Costa) missed photo 1, repost 1, news 1\n"
    ]
    assert f"announced to webhook (http://127.0.0.1:{server.port}/…)" in first.stderr
    assert "already announced to webhook on 2026-11-24; --force to send again" in second.stderr
    for out in (first, second):
        assert TOKEN not in out.output and "/services" not in out.output
    assert list(state_records(env)[TUESDAY]) == ["webhook"]


def test_webhook_500_is_retried_fails_with_exit_1_is_not_recorded_and_next_run_sends(
    example_repo, env
):
    with WebhookServer([500, 500, 500]) as server:
        failed = announce(example_repo, env, "--to", "webhook", DUTYCTL_WEBHOOK_URL=server.url)
        assert failed.exit_code == 1
        assert len(server.requests) == 3
        assert "webhook: try 1 of 3 failed (HTTP 500)" in failed.stderr
        assert "webhook: HTTP 500 (tried 3 times)" in failed.stderr
        assert state_records(env) == {}
        again = announce(example_repo, env, "--to", "webhook", DUTYCTL_WEBHOOK_URL=server.url)
    assert again.exit_code == 0 and len(server.requests) == 4
    assert TOKEN not in failed.output + again.output
    assert "webhook" in state_records(env)[TUESDAY]


def test_a_target_that_is_down_fails_alone(example_repo, env):
    down = f"http://127.0.0.1:{closed_port()}/services/{TOKEN}"
    result = announce(example_repo, env, "--to", "stdout", "--to", "webhook",
                      DUTYCTL_WEBHOOK_URL=down)
    assert result.exit_code == 1
    assert "Today Greta Lind" in result.stdout  # stdout went out and is recorded
    assert "(tried 3 times)" in result.stderr and TOKEN not in result.output
    assert list(state_records(env)[TUESDAY]) == ["stdout"]
    with WebhookServer() as server:
        later = announce(example_repo, env, "--to", "stdout", "--to", "webhook",
                         DUTYCTL_WEBHOOK_URL=server.url)
    assert later.exit_code == 0 and later.stdout == "" and len(server.requests) == 1
    assert "already announced to stdout" in later.stderr


def test_webhook_url_from_a_private_config_file_only(example_repo, env):
    config = Path(env["XDG_CONFIG_HOME"]) / "dutyctl" / "config.toml"
    config.parent.mkdir(parents=True)
    with WebhookServer() as server:
        config.write_text(f'webhook_url = "{server.url}"\n')
        config.chmod(0o644)
        refused = announce(example_repo, env, "--to", "webhook")
        assert refused.exit_code == 2 and server.requests == []
        assert "may be read by others (mode 0644)" in refused.stderr
        assert "chmod 600" in refused.stderr
        config.chmod(0o600)
        sent = announce(example_repo, env, "--to", "webhook")
    assert sent.exit_code == 0 and len(server.requests) == 1
    assert TOKEN not in refused.output + sent.output


def test_dry_run_shows_each_target_and_no_secret(example_repo, env):
    with WebhookServer() as server:
        result = announce(
            example_repo, env, "--dry-run", "--to", "webhook", "--to", "email",
            DUTYCTL_WEBHOOK_URL=server.url, DUTYCTL_SMTP_HOST="127.0.0.1",
            DUTYCTL_SMTP_FROM="duties@example.com", DUTYCTL_SMTP_USER="bot",
            DUTYCTL_SMTP_PASSWORD=PASSWORD,
        )
    assert result.exit_code == 0, result.output
    assert server.requests == [] and state_records(env) == {}
    assert f"--- would send to webhook: http://127.0.0.1:{server.port}/… (markdown) ---" in (
        result.stdout
    )
    assert ("--- would send to email: greta@example.com, dana@example.com, emma@example.com; "
            'cc anna@example.com; subject "Acme Marketing: duties for Tuesday 2026-11-24"; '
            "via 127.0.0.1:587 (starttls, as bot) (text) ---") in result.stdout
    assert TOKEN not in result.output and PASSWORD not in result.output


# --- E-mail -------------------------------------------------------------------------------


def smtp_env(port: int, **more: str) -> dict[str, str]:
    return {"DUTYCTL_SMTP_HOST": "127.0.0.1", "DUTYCTL_SMTP_PORT": str(port),
            "DUTYCTL_SMTP_TLS": "none", "DUTYCTL_SMTP_FROM": "duties@example.com", **more}


def test_email_to_the_people_on_duty_with_copy_to_the_coordinator(example_repo, env):
    with MailServer() as server:
        result = announce(example_repo, env, "--to", "email", "--date", "2026-11-25",
                          **smtp_env(server.port))
    assert result.exit_code == 0, result.output
    mail = server.parsed()
    assert mail["To"] == "dave@example.com" and mail["Cc"] == "anna@example.com"
    assert mail["Subject"] == "Acme Marketing: duties for Wednesday 2026-11-25"
    body = mail.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert body.startswith("Acme Marketing: Wednesday 2026-11-25\n"
                           "Today Dave Ng is on social media duty: photo 1, repost 1, news 1\n")
    assert "announced to email (dave@example.com; cc anna@example.com;" in result.stderr


def test_smtp_password_is_never_printed(example_repo, env):
    with MailServer(password=PASSWORD) as server:
        wrong = announce(example_repo, env, "--to", "email",
                         **smtp_env(server.port, DUTYCTL_SMTP_USER="bot",
                                    DUTYCTL_SMTP_PASSWORD="x" + PASSWORD))
        right = announce(example_repo, env, "--to", "email",
                         **smtp_env(server.port, DUTYCTL_SMTP_USER="bot",
                                    DUTYCTL_SMTP_PASSWORD=PASSWORD))
    assert wrong.exit_code == 1 and "refused the login of bot" in wrong.stderr
    assert right.exit_code == 0 and len(server.messages) == 1
    assert PASSWORD not in wrong.output + right.output
    down = announce(example_repo, env, "--to", "email", "--force",
                    **smtp_env(closed_port(), DUTYCTL_SMTP_USER="bot",
                               DUTYCTL_SMTP_PASSWORD=PASSWORD))
    assert down.exit_code == 1 and PASSWORD not in down.output


# --- Remote repositories ------------------------------------------------------------------


@pytest.fixture
def bare(example_repo: Path, tmp_path: Path) -> Path:
    """A bare repository cloned from a committed example repository."""
    init_git(example_repo)
    (example_repo / "logs" / ".gitkeep").write_text("")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "--quiet", "-m", "plan")
    target = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(example_repo), str(target))
    git(example_repo, "remote", "add", "origin", str(target))
    return target


def rename_team(repo: Path, name: str) -> None:
    plan = repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("team: Acme Marketing", f"team: {name}"))
    git(repo, "commit", "--quiet", "-am", "rename")
    git(repo, "push", "--quiet", "origin", "HEAD:main")


def test_remote_is_cloned_fetched_and_its_copy_used_when_away(example_repo, bare, env):
    url = bare.as_uri()
    first = announce(url, env, "--dry-run")
    assert first.exit_code == 0 and "Acme Marketing: Tuesday" in first.stdout, first.output
    clones = list((Path(env["XDG_CACHE_HOME"]) / "dutyctl" / "remotes").iterdir())
    assert len(clones) == 1 and len(clones[0].name) == 64
    rename_team(example_repo, "Acme Sales")
    assert "Acme Sales: Tuesday" in announce(url, env, "--dry-run").stdout
    bare.rename(bare.with_name("moved.git"))
    away = announce(url, env, "--dry-run")
    assert away.exit_code == 0 and "Acme Sales: Tuesday" in away.stdout
    assert f"warning: could not fetch {url} (" in away.stderr
    assert "using the copy fetched just now" in away.stderr


def test_a_bare_repository_path_is_a_remote_too(bare, env):
    result = announce(bare, env)
    assert result.exit_code == 0 and "Today Greta Lind" in result.stdout, result.output


def test_no_copy_at_all_is_exit_2_and_bad_urls_are_refused(tmp_path, env):
    missing = announce((tmp_path / "nothing.git").as_uri(), env)
    assert missing.exit_code == 2
    assert "could not fetch" in missing.stderr and "no copy fetched before" in missing.stderr
    dash = announce("-oProxyCommand@host:duties.git", env)
    assert dash.exit_code == 2 and "is not a git URL" in dash.stderr
    secret = announce(f"https://bot:{TOKEN}@127.0.0.1:{closed_port()}/duties.git", env)
    assert secret.exit_code == 2 and TOKEN not in secret.output


def test_age_text():
    from dutyctl.store.remote import age_text

    assert age_text(5) == "just now"
    assert age_text(60) == "1 minute ago"
    assert age_text(3 * 3600 + 59) == "3 hours ago"
    assert age_text(2 * 86400) == "2 days ago"


# --- Like cron: env -i, C locale, a subprocess ----------------------------------------------


def cron(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """`env -i PATH=/usr/bin:/bin HOME=... LANG=C python -m dutyctl announce ...`."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C", **extra}
    return subprocess.run(
        [sys.executable, "-m", "dutyctl", "announce", *args],
        env=env, cwd=home, capture_output=True, stdin=subprocess.DEVNULL, timeout=60,
        encoding="utf-8", errors="replace",
    )


def test_cron_run_from_a_file_url_with_a_minimal_environment(example_repo, tmp_path):
    if shutil.which("git", path="/usr/bin:/bin") is None:
        pytest.skip("git is not in /usr/bin or /bin")
    plan = example_repo / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("Greta Lind", "Grëta Lindé"),
                    encoding="utf-8")
    init_git(example_repo)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "--quiet", "-m", "plan")
    bare = tmp_path / "duties.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(example_repo), str(bare))
    home = tmp_path / "cronhome"
    home.mkdir()
    url = bare.as_uri()

    first = cron(home, "--repo", url, DUTYCTL_TODAY=TUESDAY)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:2] == [
        "Acme Marketing: Tuesday 2026-11-24",
        "Today Grëta Lindé is on social media duty: photo 1, repost 1, news 1",
    ]
    assert first.stderr == ""
    state = list((home / ".local" / "state" / "dutyctl").glob("*.json"))
    assert len(state) == 1 and (state[0].stat().st_mode & 0o777) == 0o600

    second = cron(home, "--repo", url, DUTYCTL_TODAY=TUESDAY)
    assert second.returncode == 0 and second.stdout == ""
    assert "already announced to stdout on 2026-11-24; --force to send again" in second.stderr

    # A stdout that cannot encode the name still gets it, as UTF-8.
    ascii_out = cron(home, "--repo", url, "--dry-run", DUTYCTL_TODAY=TUESDAY,
                     PYTHONIOENCODING="ascii")
    assert ascii_out.returncode == 0 and "Grëta Lindé" in ascii_out.stdout

    bare.rename(tmp_path / "moved.git")
    away = cron(home, "--repo", url, DUTYCTL_TODAY="2026-11-25")
    assert away.returncode == 0
    assert "Today Dave Ng is on social media duty" in away.stdout
    assert "Yesterday: social (Grëta Lindé) missed photo 1, repost 1, news 1" in away.stdout
    assert f"could not fetch {url}" in away.stderr
    assert "using the copy fetched just now" in away.stderr
