"""Time-series modality: hourly bedside vital signs over the first hours of the stay.

Each channel has a patient-specific level set by the latent factors, a slow trend, and
autocorrelated noise. The cardiovascular and respiratory factors show most clearly here;
the private cause of atrial fibrillation shows as an irregular heart rate, and infection
as fever waves with falling blood pressure. Introduced in notebook 01.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from .config import FACTORS
from .tasks import DIAGNOSES

CHANNELS: tuple[str, ...] = (
    "heart_rate_bpm",
    "sbp_mmHg",
    "dbp_mmHg",
    "resp_rate_per_min",
    "spo2_pct",
    "temp_c",
)
# Per channel: baseline, factor weights on the level, trend weights (change over the
# window), autocorrelated noise sd, plausible range.
# fmt: off
_SPEC = {
    "heart_rate_bpm":    (80.0, {"cardiovascular": 7.0, "infection": 4.0, "respiratory": 3.0},
                          {"infection": 4.0}, 5.0, (30, 200)),
    "sbp_mmHg":          (126.0, {"cardiovascular": 6.0, "infection": -4.0},
                          {"infection": -8.0}, 6.0, (60, 240)),
    "dbp_mmHg":          (74.0, {"cardiovascular": 3.0, "infection": -3.0},
                          {"infection": -5.0}, 4.0, (30, 140)),
    "resp_rate_per_min": (17.0, {"respiratory": 3.0, "cardiovascular": 1.0, "infection": 1.0},
                          {"respiratory": 1.0}, 1.5, (6, 50)),
    "spo2_pct":          (96.5, {"respiratory": -2.2, "cardiovascular": -0.7},
                          {"respiratory": -0.8}, 0.8, (70, 100)),
    "temp_c":            (36.9, {"infection": 0.3}, {}, 0.15, (34.0, 42.0)),
}
# fmt: on
AR_COEF = 0.8
AF_INDEX = [t.name for t in DIAGNOSES].index("atrial_fibrillation")


def simulate_timeseries(
    z: np.ndarray, private: np.ndarray, n_hours: int, rng: np.random.Generator
) -> np.ndarray:
    """Vital signs as float32 (n_patients, n_hours, len(CHANNELS)), rounded to 0.1."""
    n = len(z)
    t = np.linspace(0.0, 1.0, n_hours, dtype=np.float32)[None, :]
    noise = rng.normal(size=(n, n_hours, len(CHANNELS))).astype(np.float32)
    jitter = rng.normal(size=(n, n_hours)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    # AR(1) noise along time with unit variance: x[h] = a x[h-1] + sqrt(1 - a^2) e[h].
    scale = np.sqrt(1 - AR_COEF**2)
    noise = lfilter([scale], [1.0, -AR_COEF], noise, axis=1, zi=(1 - scale) * noise[:, :1])[0]
    noise = noise.astype(np.float32)

    def factor(name: str) -> np.ndarray:
        return z[:, FACTORS.index(name)].astype(np.float32)[:, None]

    out = np.empty((n, n_hours, len(CHANNELS)), dtype=np.float32)
    for c, channel in enumerate(CHANNELS):
        base, level_w, trend_w, sd, (lo, hi) = _SPEC[channel]
        level = base + sum(w * factor(f) for f, w in level_w.items())
        trend = sum((w * factor(f) for f, w in trend_w.items()), np.zeros((n, 1), np.float32))
        series = level + trend * t + sd * noise[:, :, c]
        if channel == "temp_c":
            fever = np.clip(factor("infection"), 0, None) * 0.5
            series = series + fever * (0.5 + 0.5 * np.sin(2 * np.pi * t * n_hours / 12 + phase))
        if channel == "heart_rate_bpm":
            # Irregularly irregular rhythm: beat-to-beat variability grows with the AF cause.
            af = np.logaddexp(0, 1.5 * private[:, AF_INDEX] + 0.4 * z[:, 0] - 1.0)
            series = series + (2.0 + 6.0 * af.astype(np.float32))[:, None] * jitter
        out[:, :, c] = np.clip(series, lo, hi)
    return np.round(out, 1)
