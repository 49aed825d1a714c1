"""Tabular modality: admission vital signs and laboratory results, with units and gaps.

Each measurement is a noisy function of the latent factors (and, for troponin, of the
private cause of myocardial infarction), clipped to a physiologically plausible range and
rounded as a laboratory would report it. Optional labs are often not ordered; the planted
missingness bias orders them even less often for some groups (notebook 08).
Introduced in notebook 01.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import FACTORS, MISSINGNESS_MAX_FACTOR, BiasConfig
from .outcomes import membership_count
from .tasks import DIAGNOSES


@dataclass(frozen=True)
class Measurement:
    """One tabular variable: how it is generated and how it is reported."""

    column: str
    label: str
    unit: str
    kind: str  # "vital" or "lab"
    baseline: float
    log_scale: bool
    weights: dict[str, float]
    noise_sd: float
    plausible: tuple[float, float]
    reference: tuple[float, float]
    decimals: int
    missing_rate: float = 0.0
    private: dict[str, float] = field(default_factory=dict)
    female_shift: float = 0.0


# fmt: off
MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("heart_rate_bpm", "Heart rate", "beats/min", "vital", 84, False,
                {"cardiovascular": 4, "infection": 5, "respiratory": 2}, 11, (30, 200), (60, 100), 0),
    Measurement("sbp_mmHg", "Systolic blood pressure", "mmHg", "vital", 128, False,
                {"infection": -7, "cardiovascular": 3}, 17, (60, 240), (90, 140), 0),
    Measurement("dbp_mmHg", "Diastolic blood pressure", "mmHg", "vital", 74, False,
                {"infection": -4}, 10, (30, 140), (60, 90), 0),
    Measurement("resp_rate_per_min", "Respiratory rate", "breaths/min", "vital", 17, False,
                {"respiratory": 1.5, "infection": 1.0}, 3, (6, 50), (12, 20), 0),
    Measurement("temp_c", "Temperature", "°C", "vital", 36.9, False,
                {"infection": 0.35}, 0.4, (34.0, 42.0), (36.1, 37.8), 1),
    Measurement("spo2_pct", "Oxygen saturation", "%", "vital", 96, False,
                {"respiratory": -1.2, "cardiovascular": -0.3}, 2, (70, 100), (94, 100), 0),
    Measurement("bmi_kg_m2", "Body-mass index", "kg/m²", "vital", 28, False,
                {"metabolic": 3.0}, 5, (14.0, 70.0), (18.5, 25.0), 1, 0.08),
    Measurement("creatinine_mg_dL", "Creatinine", "mg/dL", "lab", 1.0, True,
                {"renal": 0.35, "cardiovascular": 0.04}, 0.14, (0.3, 15.0), (0.6, 1.2), 2, 0.03,
                female_shift=-0.15),
    Measurement("bun_mg_dL", "Blood urea nitrogen", "mg/dL", "lab", 16, True,
                {"renal": 0.3, "infection": 0.05}, 0.2, (2, 150), (7, 20), 0, 0.03),
    Measurement("sodium_mmol_L", "Sodium", "mmol/L", "lab", 139, False,
                {"infection": -1.0, "neurological": -0.8}, 3, (110, 170), (135, 145), 0, 0.03),
    Measurement("potassium_mmol_L", "Potassium", "mmol/L", "lab", 4.2, False,
                {"renal": 0.3}, 0.4, (2.0, 8.0), (3.5, 5.0), 1, 0.03),
    Measurement("glucose_mg_dL", "Glucose", "mg/dL", "lab", 108, True,
                {"metabolic": 0.25, "infection": 0.04}, 0.17, (30, 900), (70, 140), 0, 0.03),
    Measurement("hba1c_pct", "Haemoglobin A1c", "%", "lab", 5.9, False,
                {"metabolic": 1.0}, 0.5, (4.0, 16.0), (4.0, 5.6), 1, 0.45),
    Measurement("wbc_10e9_L", "White blood cells", "10⁹/L", "lab", 7.5, True,
                {"infection": 0.22}, 0.2, (0.5, 60.0), (4.5, 11.0), 1, 0.03),
    Measurement("hemoglobin_g_dL", "Haemoglobin", "g/dL", "lab", 14.0, False,
                {"renal": -0.7}, 1.3, (4.0, 20.0), (12.0, 17.5), 1, 0.03, female_shift=-1.3),
    Measurement("platelets_10e9_L", "Platelets", "10⁹/L", "lab", 250, False,
                {"infection": -18}, 60, (10, 900), (150, 400), 0, 0.03),
    Measurement("lactate_mmol_L", "Lactate", "mmol/L", "lab", 1.3, True,
                {"infection": 0.2, "cardiovascular": 0.05}, 0.22, (0.3, 20.0), (0.5, 2.0), 1, 0.35),
    Measurement("crp_mg_L", "C-reactive protein", "mg/L", "lab", 8.0, True,
                {"infection": 0.6}, 0.6, (0.1, 500.0), (0.0, 10.0), 1, 0.30),
    Measurement("bnp_pg_mL", "B-type natriuretic peptide", "pg/mL", "lab", 80, True,
                {"cardiovascular": 0.3, "renal": 0.1}, 0.6, (5, 35000), (0, 100), 0, 0.40),
    Measurement("troponin_ng_L", "High-sensitivity troponin", "ng/L", "lab", 8, True,
                {"cardiovascular": 0.12, "renal": 0.08}, 0.4, (1, 50000), (0, 14), 0, 0.25,
                private={"myocardial_infarction": 0.9}),
    Measurement("albumin_g_dL", "Albumin", "g/dL", "lab", 3.8, False,
                {"infection": -0.22, "renal": -0.1}, 0.4, (1.0, 5.5), (3.5, 5.0), 1, 0.05),
)
# fmt: on

DIAGNOSIS_INDEX = {t.name: j for j, t in enumerate(DIAGNOSES)}


def feature_info() -> pd.DataFrame:
    """Units, reference and plausible ranges of every tabular measurement (a data card)."""
    return pd.DataFrame(
        [
            {
                "column": m.column,
                "label": m.label,
                "unit": m.unit,
                "kind": m.kind,
                "reference_low": m.reference[0],
                "reference_high": m.reference[1],
                "plausible_min": m.plausible[0],
                "plausible_max": m.plausible[1],
                "base_missing_rate": m.missing_rate,
            }
            for m in MEASUREMENTS
        ]
    ).set_index("column")


def simulate_measurements(
    z: np.ndarray, private: np.ndarray, female: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Complete (no missing values) admission measurements, one column per variable."""
    noise = rng.normal(size=(len(z), len(MEASUREMENTS)))
    columns = {}
    for j, m in enumerate(MEASUREMENTS):
        signal = sum(w * z[:, FACTORS.index(f)] for f, w in m.weights.items())
        signal = signal + sum(w * private[:, DIAGNOSIS_INDEX[d]] for d, w in m.private.items())
        signal = signal + m.female_shift * female
        if m.log_scale:
            value = m.baseline * np.exp(signal + m.noise_sd * noise[:, j])
        else:
            value = m.baseline + signal + m.noise_sd * noise[:, j]
        columns[m.column] = np.round(np.clip(value, *m.plausible), m.decimals)
    return pd.DataFrame(columns)


def apply_missingness(
    values: pd.DataFrame,
    demographics: pd.DataFrame,
    biases: BiasConfig,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Blank out labs that were not ordered; more often for the planted groups.

    Returns the table with NaNs and the per-patient missingness multiplier.
    """
    k = membership_count(demographics, biases.missingness_groups)
    multiplier = 1.0 + MISSINGNESS_MAX_FACTOR * biases.missingness * k
    u = rng.random(values.shape)
    out = values.copy()
    for j, m in enumerate(MEASUREMENTS):
        if m.missing_rate > 0:
            rate = np.minimum(m.missing_rate * multiplier, 0.95)
            out.loc[u[:, j] < rate, m.column] = np.nan
    return out, multiplier
