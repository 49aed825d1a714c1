"""Claims of notebook 00 (welcome): mostly logistics; the few countable ones are checked here."""

import re

from claims_support import NOTEBOOKS, says

from m3h_lite.exercises import ex00


def test_eleven_core_notebooks():
    says("00", "Eleven core notebooks, each with one idea.")
    numbered = sorted(p.name[:2] for p in NOTEBOOKS.glob("*.ipynb") if re.match(r"\d\d_", p.name))
    assert numbered == [f"{i:02d}" for i in range(11)], numbered


def test_one_cohort_from_four_hospitals(world):
    says("00", "one synthetic cohort of patients from four hospitals")
    cohort = world("shipped")
    assert cohort.groups["site"].nunique() == 4, cohort.groups["site"].unique()


def test_wrong_answer_earns_an_explanation_not_an_error():
    says("00", "A wrong answer earns an explanation, not an error.")
    message = str(ex00.q0.check(10))
    assert message.startswith("Incorrect") and len(message) > len("Incorrect: "), message
