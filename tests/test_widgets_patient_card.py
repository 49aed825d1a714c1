"""The patient card builds, updates with the patient, and degrades to a PNG with stable text."""

import base64

import pytest

import m3h_lite as m3h
from m3h_lite.widgets import PatientCard, patient_card

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cohort(small_cohort):
    return small_cohort.subset(list(range(40)))


def test_builds_and_bundle_has_png_and_stable_text(cohort):
    card = patient_card(cohort, patient="P000003")
    assert isinstance(card, PatientCard)
    bundle = card._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_MAGIC)
    text = bundle["text/plain"]
    assert text.startswith("Patient card for P000003:")
    assert "0x" not in text and "model_id" not in text
    again = patient_card(cohort, patient="P000003")._repr_mimebundle_()["text/plain"]
    assert again == text


def test_changing_the_patient_updates_the_content(cohort):
    card = patient_card(cohort, patient=0)
    before_png, before_html = card.image.value, card.tables.value
    card.slider.value = 7
    assert card.patient_id == str(cohort.patient_ids[7]) == card.id_box.value
    assert card.image.value != before_png and card.tables.value != before_html
    assert str(cohort.patient_ids[7]) in card._repr_mimebundle_()["text/plain"]
    card.id_box.value = str(cohort.patient_ids[2])
    assert card.position == 2
    card.show(5)
    assert card.position == 5


def test_tables_show_flags_and_recorded_vs_true(cohort):
    card = patient_card(cohort, patient=0)
    html = card.tables.value
    assert "reference" in html and "flag" in html and "recorded" in html
    assert cohort.notes.iloc[0][:20] in html


def test_unknown_typed_id_shows_a_message_and_keeps_the_patient(cohort):
    card = patient_card(cohort, patient=4)
    card.id_box.value = "P999999"
    assert card.position == 4
    assert "Unknown patient id &#x27;P999999&#x27;" in card.status.value


@pytest.mark.parametrize(
    ("patient", "error", "match"),
    [
        ("P999999", KeyError, "Unknown patient id"),
        (10_000, IndexError, "out of range"),
        (-1, IndexError, "out of range"),
        (2.5, TypeError, "row position"),
    ],
)
def test_bad_patient_gives_clear_error(cohort, patient, error, match):
    with pytest.raises(error, match=match):
        patient_card(cohort, patient=patient)


def test_patient_record_lists_missed_diagnoses(cohort):
    for position in range(len(cohort)):
        record = m3h.patient_record(cohort, position)
        d = record.diagnoses
        missed = list(d.index[(d["true"] == 1) & (d["recorded"] == 0)])
        assert record.missed_diagnoses == missed
        assert set(record.measurements["flag"]) <= {"", "L", "H", "not done"}


def test_reference_flags_match_ranges(cohort):
    flags = m3h.reference_flags(cohort)
    info = cohort.feature_info
    values = cohort.tabular[list(info.index)]
    assert ((flags == "H") == values.gt(info["reference_high"], axis="columns")).all().all()
    assert ((flags == "L") == values.lt(info["reference_low"], axis="columns")).all().all()
    assert (flags[values.isna()].fillna("") == "").all().all()
