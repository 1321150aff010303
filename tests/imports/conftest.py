"""Fixtures for the CSV import tests: uploads are stored in a temporary
MEDIA_ROOT, files are built in memory, the real X Education export is read
from ``../shared/data/`` (or ``LEADCOURT_SHARED_DATA``, or beside the
repository this one was cloned from), and ``import_path``
runs a test once per way of writing the rows (the portable ORM path and
PostgreSQL's COPY path)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.imports import services
from tests.conftest import REQUIRE_SERVICES


def _shared_data_candidates() -> list[Path]:
    """Where the shared data folder may be: ``LEADCOURT_SHARED_DATA``; beside
    this checkout; beside the repository it was cloned from (a CI run works in
    a fresh clone elsewhere, whose ``origin`` is the working repository)."""
    if os.environ.get("LEADCOURT_SHARED_DATA"):
        return [Path(os.environ["LEADCOURT_SHARED_DATA"])]
    candidates = [settings.BASE_DIR.parent / "shared" / "data"]
    origin = subprocess.run(  # noqa: S603 - git, with fixed arguments
        ["git", "-C", str(settings.BASE_DIR), "config", "--get", "remote.origin.url"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin and "://" not in origin and ":" not in origin.split("/")[0]:
        candidates.append(Path(origin).resolve().parent / "shared" / "data")
    return candidates


SHARED_DATA = next(
    (path for path in _shared_data_candidates() if (path / "x-education-leads.csv").is_file()),
    _shared_data_candidates()[0],
)
REAL_EXPORT = SHARED_DATA / "x-education-leads.csv"
REAL_EXPORT_ROWS = 9237


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def real_export() -> Path:
    if not REAL_EXPORT.is_file():
        why = (
            f"the real export {REAL_EXPORT} is absent: put x-education-leads.csv there "
            f"or point LEADCOURT_SHARED_DATA at its folder"
        )
        if REQUIRE_SERVICES:
            pytest.fail(f"{why} (LEADCOURT_REQUIRE_SERVICES=1: a missing export is a failure)")
        pytest.skip(why)
    return REAL_EXPORT


IMPORT_PATHS = {"orm": services.ORM_WRITER, "copy": services.COPY_WRITER}


def import_path_forced(name: str):
    """Every chunk written the ``name`` way, whatever the database."""
    return mock.patch.object(services, "_chunk_writer", return_value=IMPORT_PATHS[name])


@pytest.fixture(params=sorted(IMPORT_PATHS))
def import_path(request) -> str:
    """Run the test once with each way of writing a chunk ("copy" needs
    PostgreSQL, as every test of this package does)."""
    with import_path_forced(request.param):
        yield request.param


def csv_bytes(header: list[str], rows: list[list[str]], *, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(content: bytes, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


SALESFORCE_HEADER = ["Id", "FirstName", "LastName", "Company", "Email", "LeadSource", "Phone"]


def salesforce_rows(count: int, *, start: int = 1) -> list[list[str]]:
    return [
        [
            f"00Q{n:06d}",
            f"First{n}",
            f"Last{n}",
            f"Company {n}",
            f"person{n}@example.com",
            "Web",
            "+44 20 7946 0000",
        ]
        for n in range(start, start + count)
    ]
