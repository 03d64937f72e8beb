"""The imports page in headless Chromium, against the real server and worker: log in, watch a
running import move, open its failed rows, download its report.

Chromium comes from Debian (`make test` installs it); playwright drives that executable and
never downloads a browser. `DOCLOAD_SCREENSHOT=docs/imports-page.png` also copies the list's
screenshot there (the README's).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from pathlib import Path

import pytest

from docload.imports.report import NOT_IMPORTED
from tests.e2e.deployment import Deployment
from tests.factories import csv_text, metadata_row, write_files

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Enough rows, in small batches, that the import runs through several polls of the page.
ROWS = 15000
BAD_EVERY = 500  # every so many rows names a file that does not exist
PASSWORD = "an operator's password"


def start_import(deployment: Deployment, rows: list[dict]) -> str:
    urls: dict[str, str] = deployment.json("POST", "/documenten/api/v1/import/create")
    status, body = deployment.request(
        "POST", urls["uploadUrl"], csv_text(rows).encode(), "text/csv"
    )
    assert status == 200, body
    return urls["statusUrl"].rstrip("/").split("/")[-2]


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium: `make test` installs it with apt-get "
    "(apt-get install chromium) where apt is available",
)
def test_staff_watch_an_import_and_download_its_report(
    deployment: Deployment, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    deployment.env["IMPORT_DOCUMENTEN_BATCH_SIZE"] = "20"
    deployment.env["DJANGO_SUPERUSER_PASSWORD"] = PASSWORD
    deployment.docload(
        "createsuperuser", "--no-input", "--username", "operator", "--email", "o@x.nl"
    )
    deployment.serve()
    type_url = deployment.published_type()
    paths = write_files(deployment.import_dir, ROWS, size=1024)
    rows = [
        metadata_row(type_url, bestandspad=p if n % BAD_EVERY else f"missing/{n}.bin", titel=p)
        for n, p in enumerate(paths)
    ]
    bad = len(range(0, ROWS, BAD_EVERY))
    earlier = start_import(deployment, rows[:300])
    deployment.wait_for(f"/documenten/api/v1/import/{earlier}/status", {"finished"})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            accept_downloads=True,
            viewport={"width": 1280, "height": 320},
        )
        page = browser.new_page()
        page.goto(f"{deployment.base_url}/imports/")
        assert "/imports/login/" in page.url
        page.fill("input[name=username]", "operator")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{deployment.base_url}/imports/")
        earlier_row = page.locator(f'tr[data-job="{earlier}"]')
        assert earlier_row.get_attribute("data-state") == "finished"
        assert earlier_row.locator("a.report").count() == 1

        # Started while the page is open: it appears, and its progress moves, by polling alone.
        job = start_import(deployment, rows)
        row = page.locator(f'tr[data-job="{job}"]')
        row.wait_for(timeout=15_000)
        seen: list[int] = []
        deadline = time.monotonic() + 180
        while row.get_attribute("data-state") != "finished":
            assert time.monotonic() < deadline, f"still {row.get_attribute('data-state')}: {seen}"
            processed = int(row.get_attribute("data-processed") or 0)
            if 0 < processed < ROWS and processed not in seen:
                seen.append(processed)
                page.screenshot(path=tmp_path / f"imports-page-{processed}.png")
            time.sleep(0.1)
        assert seen, "the page never showed the import part-way"
        halfway = min(seen, key=lambda processed: abs(processed - ROWS / 2))
        shutil.copyfile(tmp_path / f"imports-page-{halfway}.png", tmp_path / "imports-page.png")
        assert row.get_attribute("data-processed") == str(ROWS)
        assert f"{ROWS} / {ROWS} rows" in row.inner_text()
        if os.environ.get("DOCLOAD_SCREENSHOT"):
            shutil.copyfile(tmp_path / "imports-page.png", os.environ["DOCLOAD_SCREENSHOT"])

        row.locator("a.uuid").click()
        page.wait_for_url(f"{deployment.base_url}/imports/{job}/")
        assert f"Failed rows ({bad})" in page.inner_text("#failed")
        failed = page.locator("table.failed-rows tbody tr")
        assert failed.count() == bad
        assert failed.first.locator("td").first.inner_text() == "2"  # the header is row 1
        assert "missing/0.bin" in failed.first.inner_text()
        page.screenshot(path=tmp_path / "import-detail.png", full_page=True)

        with page.expect_download() as download:
            page.click("a.report")
        report_path = tmp_path / "report.csv"
        download.value.save_as(report_path)
        browser.close()

    report = list(csv.DictReader(io.StringIO(report_path.read_text("utf-8"))))
    assert len(report) == ROWS
    assert [n for n, line in enumerate(report) if line["resultaat"] == NOT_IMPORTED] == list(
        range(0, ROWS, BAD_EVERY)
    )
