"""`make test-scale`: the test suite against a throwaway PostgreSQL cluster and an S3 stand-in.

Installs PostgreSQL with apt when its server binaries are missing, starts a cluster in a temporary
directory on 127.0.0.1 as an unprivileged user, starts `moto_server` (S3) on 127.0.0.1, runs pytest
with DATABASE_URL and DOCLOAD_STORAGE=s3 pointing at them, and stops both however pytest ends.

Usage: python scripts/test_scale.py [pytest arguments]   (default: the whole suite)
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
BUCKET = "docload-test"
PG_USER = "postgres"  # the database superuser's name inside the throwaway cluster


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def postgres_bin() -> Path:
    """The directory of the PostgreSQL server binaries, installed with apt if missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version)
    if not found:
        print("test-scale: installing PostgreSQL (apt-get install postgresql)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version)
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parent.parent.name.split(".")[0])


def as_user(user: str | None, *command: str | Path) -> list[str]:
    """`command` run as `user` (initdb and pg_ctl refuse to run as root)."""
    return ["runuser", "-u", user, "--", *map(str, command)] if user else list(map(str, command))


def unprivileged_user() -> str | None:
    """Who runs the cluster: None for ourselves unless we are root, then postgres or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root, but there is no postgres or nobody user")


@contextlib.contextmanager
def postgres_cluster(workdir: Path) -> Iterator[str]:
    """A PostgreSQL cluster in `workdir` on 127.0.0.1 with a `docload` database; yields its URL."""
    pg_bin, user = postgres_bin(), unprivileged_user()
    if user:
        account = pwd.getpwnam(user)
        os.chown(workdir, account.pw_uid, account.pw_gid)
    data, log, port = workdir / "data", workdir / "postgres.log", free_port()
    subprocess.run(
        as_user(user, pg_bin / "initdb", "-D", data, "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                "--no-sync", "--no-instructions"),
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    # Durability is not under test here; speed is welcome.
    options = f"-h 127.0.0.1 -p {port} -k {workdir} -c fsync=off -c synchronous_commit=off"
    options += " -c full_page_writes=off -c max_connections=200"
    pg_ctl = as_user(user, pg_bin / "pg_ctl", "-D", data, "-l", log, "-w")
    subprocess.run([*pg_ctl, "-o", options, "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        url = f"postgres://{PG_USER}@127.0.0.1:{port}"
        import psycopg

        with psycopg.connect(f"{url}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE docload")
        print(f"test-scale: PostgreSQL {pg_bin.parent.name} on 127.0.0.1:{port}", flush=True)
        yield f"{url}/docload"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], check=False, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def s3_server(workdir: Path) -> Iterator[dict[str, str]]:
    """`moto_server` on 127.0.0.1 with the test bucket; yields the settings that reach it."""
    port = free_port()
    with open(workdir / "moto.log", "wb") as log:
        server = subprocess.Popen(
            [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
        )
    try:
        wait_for_port(port, server)
        env = {
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        import boto3

        boto3.client(
            "s3",
            endpoint_url=env["AWS_S3_ENDPOINT_URL"],
            region_name=env["AWS_S3_REGION_NAME"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=BUCKET)
        print(f"test-scale: S3 (moto_server) on 127.0.0.1:{port}", flush=True)
        yield env
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the context managers: services stop


def main(arguments: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    workdir = Path(tempfile.mkdtemp(prefix="docload-scale-"))
    started = time.monotonic()
    try:
        with postgres_cluster(workdir) as database_url, s3_server(workdir) as s3_env:
            env = {**os.environ, **s3_env, "DATABASE_URL": database_url, "DOCLOAD_STORAGE": "s3"}
            env["DOCLOAD_DATA_DIR"] = str(workdir / "var")
            tests = subprocess.run([BIN / "pytest", "-q", *arguments], env=env, check=False)
        print(f"test-scale: pytest exited {tests.returncode} after "
              f"{time.monotonic() - started:.0f}s", flush=True)  # fmt: skip
        return tests.returncode
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
