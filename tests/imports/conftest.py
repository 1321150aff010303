"""Fixtures for the CSV import tests: uploads are stored in a temporary
MEDIA_ROOT, files are built in memory, and the real X Education export is
read from ``../shared/data/`` (or ``LEADCOURT_SHARED_DATA``)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

SHARED_DATA = Path(os.environ.get("LEADCOURT_SHARED_DATA", settings.BASE_DIR.parent / "shared" / "data"))
REAL_EXPORT = SHARED_DATA / "x-education-leads.csv"
REAL_EXPORT_ROWS = 9237


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def real_export() -> Path:
    if not REAL_EXPORT.is_file():
        pytest.skip(
            f"the real export {REAL_EXPORT} is absent: put x-education-leads.csv there "
            f"or point LEADCOURT_SHARED_DATA at its folder"
        )
    return REAL_EXPORT


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
