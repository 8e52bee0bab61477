"""A throw-away PostgreSQL cluster from Debian's packages, for the store tests and bench/bench_store.py.

The server refuses to run as root, so as root it runs as the 'postgres' user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from deploy.cluster import free_port


@contextmanager
def temporary_cluster() -> Iterator[str]:
    """Start a fresh cluster on a free loopback port with trust authentication; yield its SQLAlchemy URL; stop it."""
    initdbs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not initdbs:
        raise RuntimeError("PostgreSQL is not installed: run tests/install_test_deps.sh")
    bindir = initdbs[-1].parent
    home = Path(tempfile.mkdtemp(prefix="virtlab-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(home, user.pw_uid, user.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = home / "data", free_port()
    subprocess.run(as_postgres + [str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True, cwd=home)
    subprocess.run(as_postgres + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60", "-o",
                                  f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"],
                   check=True, capture_output=True, cwd=home)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_postgres + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=home)
        shutil.rmtree(home, ignore_errors=True)
