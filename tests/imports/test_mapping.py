"""Presets and explicit mappings turn a file's header row into lead fields."""

from __future__ import annotations

import pytest

from leadcourt.errors import InvalidInput
from leads.imports.mapping import mapping_resolve

X_EDUCATION_HEADER = [
    "Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Converted", "Country", "Tags",
]  # fmt: skip


def test_x_education_preset_maps_the_prospect_id_source_origin_and_country():
    assert mapping_resolve(X_EDUCATION_HEADER, preset="x-education") == {
        "external_id": "Prospect ID",
        "source": "Lead Source",
        "origin": "Lead Origin",
        "country": "Country",
    }


def test_auto_detects_the_x_education_export_too():
    mapping = mapping_resolve(X_EDUCATION_HEADER, preset="auto")
    assert mapping["external_id"] == "Prospect ID"
    assert mapping["source"] == "Lead Source"
    assert mapping["origin"] == "Lead Origin"
    assert mapping["country"] == "Country"


@pytest.mark.parametrize(
    "header",
    [
        ["Id", "FirstName", "LastName", "Company", "Email", "LeadSource", "Title", "Phone", "Country"],
        [
            "Lead ID",
            "First Name",
            "Last Name",
            "Company",
            "Email",
            "Lead Source",
            "Title",
            "Phone",
            "Country",
        ],
    ],
)
def test_salesforce_preset_accepts_api_names_and_labels(header):
    mapping = mapping_resolve(header, preset="salesforce")
    assert mapping == {
        "external_id": header[0],
        "first_name": header[1],
        "last_name": header[2],
        "company": "Company",
        "email": "Email",
        "source": header[5],
        "title": "Title",
        "phone": "Phone",
        "country": "Country",
    }


def test_hubspot_preset_maps_its_own_headers():
    header = ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Job Title", "Country/Region"]
    assert mapping_resolve(header, preset="hubspot") == {
        "external_id": "Record ID",
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "company": "Company Name",
        "title": "Job Title",
        "country": "Country/Region",
    }


def test_headers_match_ignoring_case_spaces_and_punctuation():
    mapping = mapping_resolve([" first_name ", "LAST-NAME", "e-mail"], preset="auto")
    assert mapping == {"first_name": " first_name ", "last_name": "LAST-NAME", "email": "e-mail"}


def test_an_explicit_mapping_overrides_the_preset_field_by_field():
    header = ["Id", "FirstName", "Account", "Email"]
    mapping = mapping_resolve(header, preset="salesforce", overrides={"company": "account", "email": ""})
    assert mapping == {"external_id": "Id", "first_name": "FirstName", "company": "Account"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shoe_size": "Id"}, "'shoe_size' is not a lead field"),
        ({"company": "Organisation"}, "The file has no column 'Organisation' (for company)."),
        (["company"], 'Give the mapping as {"lead field": "CSV header"}.'),
    ],
)
def test_a_bad_mapping_is_refused_with_a_message(overrides, message):
    with pytest.raises(InvalidInput) as refused:
        mapping_resolve(["Id", "Company"], preset="auto", overrides=overrides)
    assert message in refused.value.errors["mapping"][0]


def test_a_file_whose_columns_match_no_lead_field_is_refused():
    with pytest.raises(InvalidInput) as refused:
        mapping_resolve(["Colour", "Size"], preset="auto")
    assert "None of the columns (Colour, Size) matches a lead field" in refused.value.errors["file"][0]


def test_an_unknown_preset_is_refused():
    with pytest.raises(InvalidInput) as refused:
        mapping_resolve(["Id"], preset="pipedrive")
    assert "Unknown preset 'pipedrive'" in refused.value.errors["preset"][0]
