"""``scripts/serve.sh`` supervises each process on its own (issue 12 item 9): kill -9 of the job
worker no longer stops the web server; the worker comes back; logs are appended."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.mark.skipif(not (ROOT / ".venv/bin/gunicorn").exists(), reason="needs the project's virtual environment")
def test_a_killed_worker_is_restarted_and_the_web_server_keeps_serving(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "MEANINGFLOW_VAR_DIR": str(tmp_path),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    (tmp_path / "worker.log").write_text("from an earlier run\n")
    serve = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/openapi.json"
    try:
        _wait_for(lambda: _answers(url))
        worker = _wait_for(lambda: _pid(tmp_path / "worker.pid"))
        web = _pid(tmp_path / "web.pid")
        os.kill(worker, signal.SIGKILL)
        restarted = _wait_for(lambda: (pid := _pid(tmp_path / "worker.pid")) != worker and pid and _alive(pid) and pid)
        assert restarted != worker
        assert _pid(tmp_path / "web.pid") == web and _answers(url)  # the web server was left alone
        log = (tmp_path / "worker.log").read_text()
        assert log.startswith("from an earlier run\n") and "tasks failed 0" in log  # appended; recovery ran
        assert "worker stopped (exit 137)" in (tmp_path / "serve.log").read_text()
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)
    _wait_for(lambda: not _alive(restarted), 30)  # Ctrl-C / TERM stops the worker too
