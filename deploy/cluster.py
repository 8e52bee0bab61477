"""Several VirtLab app processes behind nginx, sharing one PostgreSQL database.

One Streamlit process runs its scripts on one core, so a class that clicks at once queues behind it. This starts
``--processes`` copies of ``streamlit run app.py`` on loopback ports and nginx in front of them (Debian's ``nginx``
package) with sticky sessions (deploy/nginx.conf says how), all pointed at the same database through
``VIRTLAB_DATABASE_URL``, so progress and live rooms are shared: a vote cast through one process is counted in the
room the lecturer sees through another.

    python3 deploy/cluster.py --processes 2 --port 8080 --database-url postgresql+psycopg://virtlab@127.0.0.1/virtlab

It runs until Ctrl-C or SIGTERM, then stops nginx and the app processes. The tests (tests/test_deploy_nginx.py) and
the load test (bench/bench_live.py --via-nginx) use :class:`Cluster` directly.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "nginx.conf"
NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    """A free TCP port on loopback (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60.0, poll_s: float = 0.3) -> None:
    """Wait until ``url`` answers 200, asking every ``poll_s`` seconds; RuntimeError with the process's output if it
    exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(poll_s)
    proc.kill()
    output = proc.stdout.read() if proc.stdout else ""
    raise RuntimeError(f"{url} did not come up:\n{output}")


@dataclass
class AppProcess:
    """``streamlit run <script>`` (the app by default) on a loopback port with extra environment; :meth:`start` waits
    for its health check."""

    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    script: str = "app.py"
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, poll_s: float = 0.3) -> "AppProcess":
        """Launch it and wait for its health check (asked every ``poll_s`` seconds: bench_pages times the start)."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", self.script, "--server.port", str(self.port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             # run the code as it was at start: an edit saved mid-run must not rerun half-edited files
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        wait_healthy(f"{self.url}/_stcore/health", self.proc, poll_s=poll_s)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


def nginx_config(listen: str, backends: list[int], prefix: Path) -> str:
    """deploy/nginx.conf with its fields filled in: ``listen`` (``host:port``), one upstream server per backend port."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in backends)
    # As root, nginx's workers would drop to 'nobody', who cannot write the temporary folders made here.
    user = "user root;" if os.geteuid() == 0 else ""
    text = CONFIG.read_text(encoding="utf-8")
    for name, value in {"@USER@": user, "@PREFIX@": str(prefix), "@SERVERS@": servers, "@LISTEN@": listen}.items():
        text = text.replace(name, value)
    return text


@dataclass
class Cluster:
    """``processes`` app processes and nginx on ``host:port``, all on ``database_url``; a context manager.

    ``url`` is nginx's address; ``apps`` are the processes (their ``url`` reaches one directly). Raises RuntimeError
    when nginx is not installed (``apt-get install nginx``) or a process does not start.
    """

    database_url: str
    processes: int = 2
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    apps: list[AppProcess] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    prefix: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{'127.0.0.1' if self.host == '0.0.0.0' else self.host}:{self.port}"

    def start(self) -> "Cluster":
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed: apt-get install nginx (tests/install_test_deps.sh does)")
        # One cookie secret for all processes, so a browser's XSRF cookie is accepted by whichever process it reaches.
        env = {"VIRTLAB_DATABASE_URL": self.database_url, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        try:
            for _ in range(self.processes):
                self.apps.append(AppProcess(env=env).start())
            self.prefix = Path(tempfile.mkdtemp(prefix="virtlab-nginx-"))
            conf = self.prefix / "nginx.conf"
            conf.write_text(nginx_config(f"{self.host}:{self.port}", [a.port for a in self.apps], self.prefix))
            self.nginx = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            wait_healthy(f"{self.url}/_stcore/health", self.nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
            self.nginx = None
        for app in self.apps:
            app.stop()
        self.apps.clear()
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
            self.prefix = None

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="app processes (default: one per core)")
    parser.add_argument("--host", default="0.0.0.0", help="address nginx listens on (default: all)")
    parser.add_argument("--port", type=int, default=8080, help="port nginx listens on (default: 8080)")
    parser.add_argument("--database-url", default=os.environ.get("VIRTLAB_DATABASE_URL"),
                        help="SQLAlchemy URL of the shared PostgreSQL database (default: $VIRTLAB_DATABASE_URL)")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        parser.error("several processes need a shared PostgreSQL database: --database-url postgresql+psycopg://…")
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    cluster = Cluster(args.database_url, args.processes, args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with cluster:
        print(f"VirtLab: {args.processes} app processes behind nginx at http://{args.host}:{args.port}", flush=True)
        try:
            while all(a.proc and a.proc.poll() is None for a in cluster.apps) and cluster.nginx.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        print("VirtLab: stopping", flush=True)


if __name__ == "__main__":
    main()
