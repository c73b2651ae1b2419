"""A throwaway PostgreSQL cluster on a free loopback port, for tests and benchmarks.

``initdb`` refuses to run as root (CI runs as root), so when we are root the cluster is
created and run by an unprivileged system user (``postgres`` if it exists, else one we
create). The data directory lives under /tmp and is removed when the cluster stops.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> str:
    for name in ("postgres", "mfpg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "mfpg"], check=True)
    return "mfpg"


class ThrowawayPostgres:
    def __init__(self, *, settings: dict[str, str] | None = None):
        self.bindir = find_bindir()
        self.port = free_port()
        self.basedir = Path(tempfile.mkdtemp(prefix="mf-pg-"))
        self.datadir = self.basedir / "data"
        self.sockdir = self.basedir
        self.user = "postgres"
        self.settings = {
            # Durability is irrelevant for a throwaway cluster; speed is not.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "300",
            "shared_buffers": "256MB",
            **(settings or {}),
        }
        self._run_as = None

    def _cmd(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def start(self) -> "ThrowawayPostgres":
        if os.geteuid() == 0:
            self._run_as = _unprivileged_user()
            shutil.chown(self.basedir, user=self._run_as)
        os.chmod(self.basedir, 0o755)  # noqa: S103 - the server user must traverse it
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                self.user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        options = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.sockdir}"]
            + [f"-c {k}={v}" for k, v in self.settings.items()]
        )
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "-l",
                str(self.basedir / "server.log"),
                "start",
            ),
            check=True,
            capture_output=True,
        )
        return self

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.datadir.exists():
            subprocess.run(
                self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"),
                capture_output=True,
            )
            time.sleep(0.1)
        shutil.rmtree(self.basedir, ignore_errors=True)
