"""`docload serve` supervises its processes: a killed task worker is replaced while the API stays
up, and SIGTERM stops everything with the running import handed back for the next start."""

import datetime
import signal
import subprocess
import time
import urllib.error
import uuid

import psutil
import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.test_openzaak_e2e import ROWS, report_rows, start_import
from tests.factories import metadata_row, write_files

pytestmark = pytest.mark.e2e
BATCH = 50
DOCUMENTS = "/documenten/api/v1/enkelvoudiginformatieobjecten"


def task_workers(serve: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The live task worker processes supervised by `serve` (not gunicorn, not copy processes)."""
    found = []
    for child in psutil.Process(serve.pid).children():
        try:
            if "worker" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_until(condition, timeout: float = 30, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not {what} after {timeout}s"
        time.sleep(0.05)


def import_rows(deployment: Deployment, count: int) -> tuple[dict[str, str], list[str]]:
    """Start an import of `count` rows with known uuids; return its urls and the uuids."""
    type_url = deployment.published_type()
    paths = write_files(deployment.import_dir, count, size=4096)
    uuids = [str(uuid.uuid4()) for _ in paths]
    rows = [
        metadata_row(type_url, bestandspad=p, uuid=u) for p, u in zip(paths, uuids, strict=True)
    ]
    return start_import(deployment, rows), uuids


def processed(deployment: Deployment, urls: dict[str, str]) -> int:
    return int(deployment.json("GET", urls["statusUrl"])["processed"])


def assert_every_row_once(deployment: Deployment, urls: dict[str, str], uuids: list[str]) -> None:
    final = deployment.wait_for(urls["statusUrl"], {"finished", "error"})
    rows = len(uuids)
    assert (final["status"], final["total"], final["processed"]) == ("finished", rows, rows)
    assert final["processedSuccessfully"] == rows
    report = report_rows(deployment, urls["reportUrl"])
    assert [row["uuid"] for row in report] == uuids
    assert {row["resultaat"] for row in report} == {"Geïmporteerd"}
    stored = [
        uuid.UUID(str(value))
        for (value,) in deployment.sql("SELECT uuid FROM documents_enkelvoudiginformatieobject")
    ]
    (results,) = deployment.sql(
        "SELECT COUNT(*), COUNT(DISTINCT row_number) FROM imports_rowresult"
    )
    assert sorted(stored) == sorted(uuid.UUID(value) for value in uuids)
    assert results == (rows, rows)


def test_a_killed_task_worker_is_restarted_while_the_api_stays_up(
    deployment: Deployment,
) -> None:
    deployment.env["IMPORT_DOCUMENTEN_BATCH_SIZE"] = str(BATCH)
    serve = deployment.serve()
    urls, uuids = import_rows(deployment, ROWS)
    wait_until(lambda: processed(deployment, urls) >= 300, 60, "importing")
    (first,) = task_workers(serve)
    first.send_signal(signal.SIGKILL)
    killed_at = processed(deployment, urls)
    assert killed_at < ROWS

    # The API answers all along: from the kill until the import has finished.
    answers, refused = 0, []
    replacement: list[psutil.Process] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            status, body = deployment.request("GET", urls["statusUrl"])
            assert status == 200, body
            answers += 1
        except (urllib.error.URLError, ConnectionError) as error:
            refused.append(error)
        replacement = replacement or [w for w in task_workers(serve) if w.pid != first.pid]
        if replacement and deployment.json("GET", urls["statusUrl"])["status"] != "active":
            break
        time.sleep(0.1)
    assert refused == []
    assert answers > 10
    assert len(replacement) == 1 and replacement[0].pid != first.pid
    assert_every_row_once(deployment, urls, uuids)

    log = deployment.logs[serve.pid].read_text()
    assert f"task worker 1 (pid {first.pid}) was killed by SIGKILL; restarting it in 1 s" in log


def test_sigterm_stops_everything_and_the_next_serve_finishes_the_import(
    deployment: Deployment,
) -> None:
    deployment.env["IMPORT_DOCUMENTEN_BATCH_SIZE"] = str(BATCH)
    # A lease far longer than the test waits: the job continues at once only if it was released.
    deployment.env["IMPORT_LEASE_SECONDS"] = "120"
    serve = deployment.serve()
    urls, uuids = import_rows(deployment, ROWS)
    wait_until(lambda: processed(deployment, urls) >= 300, 60, "importing")
    children = psutil.Process(serve.pid).children(recursive=True)
    assert len(task_workers(serve)) == 1

    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=15)
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []

    ((status, done, owner, expires),) = deployment.sql(
        "SELECT status, processed, lease_owner, lease_expires FROM imports_job"
    )
    # In parts (PostgreSQL), the part that was being written holds the lease.
    for owner, expires in deployment.sql(
        "SELECT lease_owner, lease_expires FROM imports_jobpart WHERE processed > 0 AND NOT done"
    ):
        assert owner == "" and expires is not None
    # Stopped after a committed batch, handed back: the next worker takes it at once.
    assert status == "active"
    assert 0 < done < ROWS and done % BATCH == 0
    assert owner == ""
    if isinstance(expires, str):  # SQLite keeps text; PostgreSQL gives an aware datetime
        expires = datetime.datetime.fromisoformat(expires).replace(tzinfo=datetime.UTC)
    released_at = expires
    assert released_at <= datetime.datetime.now(datetime.UTC)

    started = time.monotonic()
    deployment.serve()
    wait_until(lambda: processed(deployment, urls) > done, 10, "continued without a lease delay")
    assert time.monotonic() - started < 10
    assert_every_row_once(deployment, urls, uuids)


def test_sigkill_of_server_and_worker_together_then_serve_again_finishes_every_row_once(
    deployment: Deployment,
) -> None:
    deployment.env["IMPORT_DOCUMENTEN_BATCH_SIZE"] = str(BATCH)
    serve = deployment.serve()
    urls, uuids = import_rows(deployment, ROWS)
    wait_until(lambda: processed(deployment, urls) >= 300, 60, "importing")
    family = [psutil.Process(serve.pid), *psutil.Process(serve.pid).children(recursive=True)]
    for process in family:  # everything at once, as a power cut would
        process.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)

    deployment.serve()  # `make run` again: its worker takes the job once the dead lease runs out
    assert_every_row_once(deployment, urls, uuids)
    assert len(deployment.stored_sizes("documenten")) == ROWS  # no half batch left


def test_a_killed_http_server_is_restarted(deployment: Deployment) -> None:
    serve = deployment.serve()
    (server,) = [p for p in psutil.Process(serve.pid).children() if "gunicorn" in p.cmdline()]
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=5)

    def answers() -> bool:
        try:
            return deployment.request("GET", DOCUMENTS)[0] == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    wait_until(answers, 30, "serving again")
    log = deployment.logs[serve.pid].read_text()
    assert f"gunicorn (pid {server.pid}) was killed by SIGKILL; restarting it in 1 s" in log


def test_task_workers_option_starts_that_many(deployment: Deployment) -> None:
    serve = deployment.serve(True, "--task-workers", "2")
    wait_until(lambda: len(task_workers(serve)) == 2, 30, "two task workers")
    assert deployment.json("GET", DOCUMENTS)["count"] == 0


def test_a_rollback_whose_worker_is_killed_finishes_when_it_comes_back(
    deployment: Deployment,
) -> None:
    serve = deployment.serve(True, "--task-workers", "1")
    urls, uuids = import_rows(deployment, 6000)
    assert_every_row_once(deployment, urls, uuids)
    assert len(deployment.stored_sizes("documenten")) == 6000

    rollback = urls["statusUrl"].replace("/status", "/rollback")
    deployment.json("POST", rollback)
    count = deployment.json("GET", DOCUMENTS)["count"]
    wait_until(
        lambda: deployment.json("GET", DOCUMENTS)["count"] < count,
        what="removing documents",
    )
    (worker,) = task_workers(serve)
    worker.send_signal(signal.SIGKILL)  # mid-rollback: some chunks removed, most not

    status = deployment.wait_for(urls["statusUrl"], {"finished"}, timeout=5)
    assert status["rollback"] == "rolling_back"
    wait_until(
        lambda: deployment.json("GET", urls["statusUrl"])["rollback"] == "rolled_back",
        timeout=120,
        what="rolled back after the restart",
    )
    assert deployment.json("GET", DOCUMENTS)["count"] == 0
    assert not deployment.stored_sizes("documenten")
