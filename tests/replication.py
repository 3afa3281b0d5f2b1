"""A throwaway PostgreSQL primary and its streaming replica, for the tests of reads off the
primary (tests/test_read_replicas.py).

`streaming_pair()` makes a cluster with `initdb`, starts it on a free local port, copies it
with `pg_basebackup --write-recovery-conf` (so the copy starts as a hot standby that streams
the primary's log), starts the copy on another port, and removes both afterwards. It needs
PostgreSQL's server programs (Debian's `postgresql` package; `.ci/run` installs it); as root
the servers run as the `postgres` user, since `initdb` refuses to run as root. Durability is
off (`fsync=off`): these clusters live for one test module.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Pair:
    primary_url: str
    replica_url: str
    replica_data: Path
    _run: tuple[str, ...]
    _bin: Path
    _sockets: Path
    replica_port: int

    def replica_sql(self, sql: str) -> str:
        """Runs `sql` on the replica as the superuser; its output."""
        return self._psql(self.replica_port, sql)

    def stop_replica(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start_replica(self) -> None:
        self._ctl("start", "-o", f"-p {self.replica_port}")

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [
                *self._run,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.replica_data),
                "-w",
                "-l",
                str(self.replica_data.parent / "replica.log"),
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def _psql(self, port: int, sql: str) -> str:
        done = subprocess.run(
            [
                *self._run,
                str(self._bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-At",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()


def _server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streaming_pair() -> Iterator[Pair]:
    """A started primary and its started hot standby; both stopped and removed afterwards."""
    pgbin = _server_bin()
    if pgbin is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI must run the replica tests: PostgreSQL's initdb is missing")
        pytest.skip("PostgreSQL's server programs (initdb) are not installed")
    run: tuple[str, ...] = ()
    # Not under pytest's own temporary directory: as root that is private to root, and the
    # servers run as `postgres`.
    home = Path(tempfile.mkdtemp(prefix="hub-replication-"))
    if os.geteuid() == 0:
        run = ("runuser", "-u", "postgres", "--")
        shutil.chown(home, "postgres")
    primary, replica = home / "primary", home / "replica"
    primary_port, replica_port = _free_port(), _free_port()

    def sh(*args: str) -> None:
        subprocess.run([*run, *args], check=True, capture_output=True)

    def ctl(data: Path, port: int, action: str) -> None:
        sh(
            str(pgbin / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            f"{data}.log",
            "-o",
            f"-p {port}",
            action,
        )

    started: list[Path] = []
    try:
        sh(
            str(pgbin / "initdb"),
            "-D",
            str(primary),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{home}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 32MB\nmax_connections = 60\n"
            )
        ctl(primary, primary_port, "start")
        started.append(primary)
        sh(
            str(pgbin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        ctl(replica, replica_port, "start")
        started.append(replica)
        pair = Pair(
            primary_url=f"postgresql+asyncpg://postgres@127.0.0.1:{primary_port}/postgres",
            replica_url=f"postgresql+asyncpg://postgres@127.0.0.1:{replica_port}/postgres",
            replica_data=replica,
            _run=run,
            _bin=pgbin,
            _sockets=home,
            replica_port=replica_port,
        )
        deadline = time.monotonic() + 30
        while pair.replica_sql("SELECT pg_is_in_recovery()") != "t":
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not start in recovery")
            time.sleep(0.1)
        yield pair
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):
                subprocess.run(
                    [*run, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                    capture_output=True,
                )
        shutil.rmtree(home, ignore_errors=True)
