"""Language modality: a short admission note per patient, built from templates.

Symptoms are mentioned, negated ("denies chest pain") or left out with probabilities driven
by the latent factors; each site has its own writing habits (abbreviations, phrasing). The
neurological factor, and the private cause of stroke, show most clearly here.
Introduced in notebook 01.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from .config import FACTORS, SiteSpec
from .tasks import DIAGNOSES


@dataclass(frozen=True)
class Symptom:
    full: str
    short: str
    weights: dict[str, float]
    private: dict[str, float] = field(default_factory=dict)
    base_logit: float = -1.6


# fmt: off
SYMPTOMS: tuple[Symptom, ...] = (
    Symptom("shortness of breath", "SOB", {"respiratory": 0.9, "cardiovascular": 0.5}),
    Symptom("cough", "cough", {"respiratory": 0.8, "infection": 0.4}),
    Symptom("chest pain", "CP", {"cardiovascular": 0.6}, {"myocardial_infarction": 0.6}),
    Symptom("palpitations", "palpitations", {"cardiovascular": 0.4},
            {"atrial_fibrillation": 0.5}, -2.2),
    Symptom("leg swelling", "LE edema", {"cardiovascular": 0.7, "renal": 0.3}),
    Symptom("fever", "fevers", {"infection": 0.9}),
    Symptom("chills", "chills", {"infection": 0.7}),
    Symptom("painful urination", "dysuria", {"infection": 0.5, "renal": 0.3}, base_logit=-2.2),
    Symptom("decreased urine output", "dec UOP", {"renal": 0.6}, base_logit=-2.2),
    Symptom("excessive urination", "polyuria", {"metabolic": 0.7}, base_logit=-2.2),
    Symptom("excessive thirst", "polydipsia", {"metabolic": 0.6}, base_logit=-2.4),
    Symptom("confusion", "AMS", {"neurological": 1.5, "infection": 0.3}),
    Symptom("memory problems", "memory loss", {"neurological": 1.5}, base_logit=-1.9),
    Symptom("falls at home", "falls", {"neurological": 1.1}, base_logit=-1.9),
    Symptom("one-sided weakness", "focal weakness", {"neurological": 0.5},
            {"ischemic_stroke": 1.6}, -3.0),
    Symptom("slurred speech", "dysarthria", {"neurological": 0.5},
            {"ischemic_stroke": 1.4}, -3.0),
    Symptom("headache", "HA", {"neurological": 0.4}, base_logit=-2.0),
    Symptom("nausea", "N/V", {"metabolic": 0.3, "infection": 0.3}, base_logit=-1.8),
    Symptom("fatigue", "fatigue", {}, base_logit=-0.8),
)
# fmt: on
MENTION_IF_PRESENT = 0.9
NEGATE_IF_ABSENT = 0.3
_DX = {t.name: j for j, t in enumerate(DIAGNOSES)}

_OPENINGS = (
    ("{age}-year-old {sexword} presenting with {first}.", "{age}yo {sex} w/ {first}."),
    ("{age}-year-old {sexword} admitted for {first}.", "{age}{sex} adm for {first}."),
)
_NEGATIONS = (("Denies {items}.", "Denies {items}."), ("No {items}.", "No {items}."))
_ALSO = ("Also reports {items}.", "Also c/o {items}.")
_NOTHING = ("No other complaints.", "No other c/o.")


def _join(items: list[str], conjunction: str = "and") -> str:
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def symptom_probabilities(z: np.ndarray, private: np.ndarray) -> np.ndarray:
    """(n, len(SYMPTOMS)) probability that each symptom is present."""
    logits = np.stack(
        [
            np.full(len(z), s.base_logit)
            + sum(w * z[:, FACTORS.index(f)] for f, w in s.weights.items())
            + sum(w * private[:, _DX[d]] for d, w in s.private.items())
            for s in SYMPTOMS
        ],
        axis=1,
    )
    return expit(logits)


def write_notes(
    z: np.ndarray,
    private: np.ndarray,
    ages: np.ndarray,
    sexes: np.ndarray,
    site_index: np.ndarray,
    sites: tuple[SiteSpec, ...],
    rng: np.random.Generator,
) -> list[str]:
    """One note per patient: opening, positive findings, pertinent negatives."""
    n = len(z)
    present = rng.random((n, len(SYMPTOMS))) < symptom_probabilities(z, private)
    mention_u = rng.random((n, len(SYMPTOMS)))
    positive = present & (mention_u < MENTION_IF_PRESENT)
    negated = ~present & (mention_u < NEGATE_IF_ABSENT)
    abbreviation_rate = np.array([s.abbreviation_rate for s in sites])[site_index]
    short = rng.random(n) < abbreviation_rate
    opening = rng.integers(0, len(_OPENINGS), n)
    negation = rng.integers(0, len(_NEGATIONS), n)
    order = np.argsort(rng.random((n, len(SYMPTOMS))), axis=1)
    # Plain Python lists: element access is far faster than numpy scalar indexing here.
    positive = np.take_along_axis(positive, order, axis=1).tolist()
    negated = np.take_along_axis(negated, order, axis=1).tolist()
    order, short, opening, negation = (
        order.tolist(),
        short.tolist(),
        opening.tolist(),
        negation.tolist(),
    )
    ages, sexes = ages.tolist(), list(sexes)
    names = ([sym.full for sym in SYMPTOMS], [sym.short for sym in SYMPTOMS])

    notes = []
    for i in range(n):
        s = int(short[i])
        words = [names[s][j] for j in order[i]]
        pos = [w for w, flag in zip(words, positive[i], strict=True) if flag]
        neg = [w for w, flag in zip(words, negated[i], strict=True) if flag][:4]
        first = pos[0] if pos else ("generalised weakness" if not s else "weakness")
        sex = sexes[i]
        parts = [
            _OPENINGS[opening[i]][s].format(
                age=ages[i], sex=sex, sexword="woman" if sex == "F" else "man", first=first
            )
        ]
        parts.append(_ALSO[s].format(items=_join(pos[1:4])) if len(pos) > 1 else _NOTHING[s])
        if neg:
            parts.append(_NEGATIONS[negation[i]][s].format(items=_join(neg, "or")))
        notes.append(" ".join(parts))
    return notes
