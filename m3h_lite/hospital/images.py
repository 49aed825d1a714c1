"""Vision modality: small chest-X-ray-like grayscale pictures.

A thorax with two dark lung fields, a bright heart whose width grows with the
cardiovascular factor (cardiomegaly), hyper-inflated lungs with the respiratory factor,
consolidation (brighter patches) with respiratory and infection factors and the private
cause of pneumonia, and pleural effusion at the bases. Each site's scanner has its own
brightness, contrast, noise and sharpness. The planted shortcut adds a faint checkerboard
texture to one group's images: a model can learn it, the eye cannot see it (notebook 09); a
blurrier scanner suppresses it, as it would any pixel-level pattern (notebook 10).
Introduced in notebook 01.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve1d
from scipy.special import expit

from .config import FACTORS, SHORTCUT_MAX_GRAY, SiteSpec
from .tasks import DIAGNOSES

_CHUNK = 4096
_PNEUMONIA = [t.name for t in DIAGNOSES].index("pneumonia")


def _ellipse(x, y, cx, cy, rx, ry, sharpness: float = 6.0):
    """Soft-edged ellipse mask in [0, 1] (broadcasts over patients; a linear ramp at the
    edge is as smooth as a sigmoid at this resolution and much cheaper)."""
    r2 = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
    return np.clip(sharpness * (1.0 - r2) + 0.5, 0.0, 1.0)


def shortcut_pattern(size: int) -> np.ndarray:
    """The planted texture: a pixel-level checkerboard of +1/-1."""
    i, j = np.indices((size, size))
    return np.where((i + j) % 2 == 0, 1.0, -1.0).astype(np.float32)


def scanner_blur(images: np.ndarray, weight: float) -> np.ndarray:
    """Blur (n, size, size) images with the separable kernel ``[w, 1 - 2w, w]``.

    Smooth anatomy passes almost unchanged; the pixel checkerboard is scaled by
    ``(1 - 4w) ** 2`` (the kernel's response at the highest spatial frequency).
    """
    kernel = np.array([weight, 1.0 - 2.0 * weight, weight], dtype=np.float32)
    out = convolve1d(images, kernel, axis=-1, mode="nearest")
    return convolve1d(out, kernel, axis=-2, mode="nearest")


def simulate_images(
    z: np.ndarray,
    private: np.ndarray,
    site_index: np.ndarray,
    sites: tuple[SiteSpec, ...],
    shortcut_member: np.ndarray,
    shortcut_strength: float,
    size: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """uint8 images (n, size, size). Drawn in chunks so 100k patients fit in memory."""
    n = len(z)
    f = {name: z[:, i] for i, name in enumerate(FACTORS)}
    # Per-patient anatomy and findings (all drawn up front: chunking must not change them).
    heart_w = 0.22 + 0.045 * f["cardiovascular"] + rng.normal(0, 0.02, n)
    lung_ry = 0.55 + 0.05 * np.tanh(f["respiratory"]) + rng.normal(0, 0.02, n)
    lung_dark = 62 + 10 * np.tanh(f["respiratory"]) + rng.normal(0, 3, n)
    opacity = 60 * expit(
        0.7 * f["respiratory"] + 0.5 * f["infection"] + 1.3 * private[:, _PNEUMONIA] - 2.5
    )
    opacity_side = np.where(rng.random(n) < 0.5, -0.38, 0.38)
    opacity_y = rng.uniform(-0.3, 0.35, n)
    effusion = 55 * expit(0.8 * f["cardiovascular"] + 0.4 * f["respiratory"] - 2.8)
    nodule = rng.random(n) < 0.05
    nodule_xy = rng.uniform(-0.45, 0.45, (n, 2))
    brightness = np.array([s.scanner_brightness for s in sites])[site_index]
    contrast = np.array([s.scanner_contrast for s in sites])[site_index]
    noise_sd = np.array([s.scanner_noise for s in sites])[site_index]
    blur = np.array([s.scanner_blur for s in sites])[site_index]
    texture = shortcut_pattern(size) * np.float32(SHORTCUT_MAX_GRAY * shortcut_strength)

    grid = np.linspace(-1, 1, size, dtype=np.float32)
    y, x = np.meshgrid(grid, grid, indexing="ij")
    # Anatomy shared by every patient: thorax, spine and mediastinum, where effusions pool.
    thorax = 18 + 105 * _ellipse(x, y, 0.0, 0.05, 0.88, 0.95)
    thorax = thorax + 50 * _ellipse(x, y, 0.0, 0.0, 0.07, 0.9, 3.0)
    bases = expit(14 * (y - 0.33)).astype(np.float32)
    out = np.empty((n, size, size), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        s = slice(start, min(start + _CHUNK, n))

        def col(a, s=s):
            return np.asarray(a[s], dtype=np.float32)[:, None, None]

        lungs = _ellipse(x, y, -0.38, -0.08, 0.27, col(lung_ry)) + _ellipse(
            x, y, 0.38, -0.08, 0.27, col(lung_ry)
        )
        img = thorax - col(lung_dark) * lungs
        img = img + 58 * _ellipse(x, y, 0.06, 0.38, col(heart_w), 0.24)
        blob = np.exp(-(((x - col(opacity_side)) ** 2 + (y - col(opacity_y)) ** 2) / 0.03))
        img = img + col(opacity) * blob * lungs
        img = img + col(effusion) * bases * lungs
        has = np.flatnonzero(nodule[s])
        if has.size:
            nx, ny = (nodule_xy[s][has, k].astype(np.float32)[:, None, None] for k in (0, 1))
            img[has] += 45 * np.exp(-(((x - nx) ** 2 + (y - ny) ** 2) / 0.004))
        img = (img - 90) * col(contrast) + 90 + col(brightness)
        noise = rng.standard_normal((s.stop - s.start, size, size), dtype=np.float32)
        sharp = img + col(noise_sd) * noise + col(shortcut_member) * texture[None]
        # A blurry scanner's detector sees the scene (texture included) through its
        # point-spread function; its noise is added afterwards.
        for weight in np.unique(blur[s][blur[s] > 0]):
            rows = np.flatnonzero(blur[s] == weight)
            scene = img[rows] + col(shortcut_member)[rows] * texture[None]
            sharp[rows] = scanner_blur(scene, float(weight)) + col(noise_sd)[rows] * noise[rows]
        out[s] = np.clip(np.rint(sharp), 0, 255).astype(np.uint8)
    return out
