"""A small image (+ labs) network for fast fairness experiments.

The fairness notebooks train families of a dozen or more models in seconds on one core, so
they use this small multitask network rather than the full M3H model: per-image normalised
chest images (and optionally the standardised vitals and labs, never demographics) -> a
hidden layer (the penultimate features a probe reads) -> one logit per diagnosis. It has the
same interface as the course's bigger models (``fit``, ``predict_proba``, ``embed``) and the
same mitigation hooks (:mod:`m3h_lite.fairness.mitigation`), so audits and probes work on either.
Introduced in notebook 09.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import NotFittedError

from ..hospital.cohort import Cohort
from ..numerics import one_thread
from ..validation import (
    Constraint,
    Flag,
    Interval,
    as_name_list,
    check_mitigation,
    validate,
)

IMAGE_TASKS: tuple[str, ...] = (
    "heart_failure",
    "pneumonia",
    "copd_exacerbation",
    "pulmonary_embolism",
)
"""Diagnoses a chest image shows (heart size, opacities, effusions, hyper-inflation)."""

_MODALITIES = ("images", "tabular")


def image_features(cohort: Cohort, *, per_image: bool = True) -> np.ndarray:
    """Flattened images; with ``per_image`` each is normalised to mean 0 and s.d. 1, which
    removes most of a scanner's brightness and contrast (a standard preprocessing step)."""
    x = cohort.images.reshape(len(cohort), -1).astype(np.float32)
    if not per_image:
        return x
    x = x - x.mean(axis=1, keepdims=True)
    return x / np.maximum(x.std(axis=1, keepdims=True), 1e-6)


class SmallNet:
    """Small multitask network: inputs -> ReLU layer of ``hidden`` units -> one logit per task.

    Parameters
    ----------
    tasks : binary diagnoses to predict (default: the image-visible ones).
    modalities : ``("images",)`` or ``("images", "tabular")`` (measurements only).
    hidden : width of the penultimate layer: the capacity knob.
    mitigation : an object from :mod:`m3h_lite.fairness.mitigation` (default: plain ERM).
    epochs, batch_size, lr : training settings.
    weight_decay : L2 penalty (Adam). The default 0.03 is strong on purpose: group-balanced
        training (ReSample, GroupDRO) of an over-parameterised network lowers a group's gap
        only with strong regularisation; with weak decay the network memorises the few
        patients a small (label, group) cell repeats and the gap grows instead (Sagawa et
        al., ICLR 2020; notebook 10 shows both).
    seed : seeds initialisation and batch order.
    per_image : normalise each image by its own mean and s.d. before the shared scaling.
    """

    _parameter_constraints: dict[str, Constraint] = {
        "hidden": Interval(int, 1, None),
        "epochs": Interval(int, 1, None),
        "batch_size": Interval(int, 1, None),
        "lr": Interval(float, 0, None, closed="neither"),
        "weight_decay": Interval(float, 0, None),
        "seed": Interval(int, 0, None),
        "per_image": Flag(),
    }

    def __init__(
        self,
        *,
        tasks: Sequence[str] = IMAGE_TASKS,
        modalities: Sequence[str] = ("images",),
        hidden: int = 32,
        mitigation: object | None = None,
        epochs: int = 8,
        batch_size: int = 128,
        lr: float = 3e-3,
        weight_decay: float = 3e-2,
        seed: int = 0,
        per_image: bool = True,
    ) -> None:
        self.tasks = tuple(as_name_list(tasks, owner="SmallNet", name="tasks"))
        self.modalities = tuple(as_name_list(modalities, owner="SmallNet", name="modalities"))
        unknown = [m for m in self.modalities if m not in _MODALITIES]
        if unknown:
            raise ValueError(
                f"SmallNet: unknown modalities {unknown}; SmallNet reads {list(_MODALITIES)}."
            )
        settings = validate("SmallNet", locals(), self._parameter_constraints)
        for name, value in settings.items():
            setattr(self, name, value)
        self.mitigation = check_mitigation("SmallNet", mitigation)
        self._net = None

    def __repr__(self) -> str:
        method = "ERM"
        if self.mitigation is not None:
            describe = getattr(self.mitigation, "describe", None)
            method = describe() if callable(describe) else type(self.mitigation).__name__
        return f"SmallNet({'+'.join(self.modalities)}, hidden={self.hidden}, {method})"

    # ------------------------------------------------------------------ features
    def _inputs(self, cohort: Cohort, *, fit: bool = False) -> np.ndarray:
        parts = []
        if "images" in self.modalities:
            parts.append(image_features(cohort, per_image=self.per_image))
        if "tabular" in self.modalities:
            tab = cohort.tabular[cohort.measurement_columns].to_numpy(dtype=np.float32)
            parts.append(np.isnan(tab).astype(np.float32))
            parts.append(tab)
        x = np.concatenate(parts, axis=1)
        if fit:
            self._mean = np.nanmean(x, axis=0)
            self._std = np.nanstd(x, axis=0) + 1e-3
        x = (x - self._mean) / self._std
        return np.nan_to_num(x, nan=0.0).astype(np.float32)

    # ------------------------------------------------------------------ training
    def fit(self, cohort: Cohort) -> SmallNet:
        """Train on the recorded labels of ``cohort`` (what a hospital would train on)."""
        if not isinstance(cohort, Cohort):
            raise TypeError(
                f"SmallNet.fit: cohort must be a Cohort (e.g. cohort.subset(split.train)), "
                f"got {type(cohort).__name__}."
            )
        import torch  # noqa: F401  (loaded first, so one_thread pins its threads too)

        with one_thread():
            return self._fit(cohort)

    def _fit(self, cohort: Cohort) -> SmallNet:
        import torch
        from torch import nn

        from ..training import Trainer  # imports torch: only when a model is trained

        binary = cohort.tasks.of_class("binary")
        unknown = [t for t in self.tasks if t not in binary]
        if unknown:
            raise KeyError(f"Unknown binary task(s) {unknown}; binary tasks: {binary}.")
        positives = cohort.labels[list(self.tasks)].sum()
        if (positives == 0).any():
            raise ValueError(
                f"SmallNet.fit: no recorded positives for {list(positives[positives == 0].index)} "
                "in the training cohort; a network cannot learn a diagnosis it never sees. "
                "Use more patients or drop the task."
            )
        torch.manual_seed(self.seed)
        self._image_shape = cohort.images.shape[1:]
        x = torch.from_numpy(self._inputs(cohort, fit=True))
        y_np = cohort.labels[list(self.tasks)].to_numpy(dtype=np.float32)
        y = torch.from_numpy(y_np.copy())
        self._net = nn.ModuleDict(
            {
                "encoder": nn.Sequential(nn.Linear(x.shape[1], self.hidden), nn.ReLU()),
                "head": nn.Linear(self.hidden, len(self.tasks)),
            }
        )

        def batch_loss(index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            features = self._net["encoder"](x[index])
            logits = self._net["head"](features)
            per_sample = nn.functional.binary_cross_entropy_with_logits(
                logits, y[index], reduction="none"
            ).mean(dim=1)
            return per_sample, features

        trainer = Trainer(
            list(self._net.parameters()),
            n=len(x),
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            seed=self.seed,
            mitigation=self.mitigation,
            group_ids=None
            if self.mitigation is None
            else cohort.group_codes(self.mitigation.attribute),
            labels=y_np,
            feature_dim=self.hidden,
        )
        for _ in range(self.epochs):
            trainer.epoch(batch_loss)
        return self

    # ------------------------------------------------------------------ outputs
    def _forward(self, cohort: Cohort) -> tuple[np.ndarray, np.ndarray]:
        import torch

        if self._net is None:
            raise NotFittedError("This SmallNet is not fitted yet: call model.fit(train_cohort).")
        if not isinstance(cohort, Cohort):
            raise TypeError(f"Expected a Cohort, got {type(cohort).__name__}.")
        if cohort.images.shape[1:] != self._image_shape:
            raise ValueError(
                f"SmallNet was trained on {self._image_shape} images, got "
                f"{cohort.images.shape[1:]}: use a cohort generated with the same image_size."
            )
        with torch.no_grad(), one_thread():
            features = self._net["encoder"](torch.from_numpy(self._inputs(cohort)))
            prob = torch.sigmoid(self._net["head"](features))
        return features.numpy(), prob.numpy()

    def predict_proba(self, cohort: Cohort) -> dict[str, np.ndarray]:
        """Probability of each task: task -> (n,) array."""
        prob = self._forward(cohort)[1]
        return {task: prob[:, j].astype(float) for j, task in enumerate(self.tasks)}

    def embed(self, cohort: Cohort) -> np.ndarray:
        """The penultimate features (n, hidden): what a probe reads."""
        return self._forward(cohort)[0]
