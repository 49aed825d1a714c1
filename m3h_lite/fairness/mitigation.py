"""Training algorithms that try to close fairness gaps: ERM, ReSample, ReWeight, GroupDRO, DANN.

The recipes follow Yang et al. (Nat Med 2024; code ``YyzHarry/shortcut-ood-fairness``). Each
is an object a trainer calls through four duck-typed hooks, so the same model API takes any
of them as ``mitigation=``:

* ``attribute`` - the column of ``cohort.groups`` whose groups the method protects;
* ``reset(n_groups=, feature_dim=)`` - called once when training starts;
* ``sampling_weights(group_ids, labels)`` - per-patient sampling weights, or ``None``;
* ``reduce(per_sample_loss, group_ids)`` - the scalar training loss of a batch;
* ``adversary_loss(features, group_ids)`` - an extra loss on the penultimate features, or
  ``None``.

Every class is a ``torch.nn.Module`` (DANN's discriminator has parameters the optimiser must
see). Introduced in notebook 10.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..validation import Interval, NoneOr, validate

_POWER = Interval(float, 0, 1)  # 0: plain mean, 1: full group balancing


def _check_ids(group_ids: torch.Tensor, n_groups: int) -> None:
    if group_ids.numel() and (int(group_ids.min()) < 0 or int(group_ids.max()) >= n_groups):
        raise ValueError(
            f"group ids must lie in [0, {n_groups}); got {int(group_ids.min())}.."
            f"{int(group_ids.max())}. Was reset(n_groups=...) called with the right count?"
        )


class ERM(nn.Module):
    """Empirical risk minimisation: the plain mean loss, the baseline the others are compared with."""

    name = "ERM"

    def __init__(self, *, attribute: str = "race_ethnicity") -> None:
        super().__init__()
        if not isinstance(attribute, str) or not attribute:
            raise TypeError(
                f"{type(self).__name__}: attribute must name a column of cohort.groups "
                f"(e.g. 'race_ethnicity', 'sex'), got {attribute!r}."
            )
        self.attribute = attribute
        self.n_groups = 0

    def reset(self, *, n_groups: int, feature_dim: int) -> None:
        """Start of training: remember how many groups there are."""
        self.n_groups = validate(
            f"{type(self).__name__}.reset",
            {"n_groups": n_groups, "feature_dim": feature_dim},
            {"n_groups": Interval(int, 1, None), "feature_dim": Interval(int, 0, None)},
        )["n_groups"]

    def sampling_weights(self, group_ids: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
        """Uniform sampling (``None``: the trainer shuffles as usual)."""
        return None

    def reduce(self, per_sample_loss: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
        """The batch loss: the mean over patients."""
        return per_sample_loss.mean()

    def adversary_loss(self, features: torch.Tensor, group_ids: torch.Tensor) -> None:
        """No adversary."""
        return None

    def describe(self) -> str:
        """Short label for tables and plots."""
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(attribute={self.attribute!r})"


class ReSample(ERM):
    """Group-balanced sampling: each (label, group) cell drawn equally often.

    A patient's weight is N / n_(y,a), the size of their cell. With several binary tasks,
    y is "any recorded finding" (or the task in column ``label_column``), the label whose
    "no finding" underdiagnosis gap the fairness notebooks measure; trainers pass only the
    binary task columns (with none, the groups alone are balanced). ``power`` interpolates
    from plain sampling (0) to full balancing (1): the main hyperparameter.
    """

    name = "ReSample"

    def __init__(
        self,
        *,
        attribute: str = "race_ethnicity",
        power: float = 1.0,
        label_column: int | None = None,
    ) -> None:
        super().__init__(attribute=attribute)
        settings = validate(
            "ReSample",
            {"power": power, "label_column": label_column},
            {"power": _POWER, "label_column": NoneOr(Interval(int, 0, None))},
            fixes={"label_column": "None balances 'any finding'; an int picks one task column."},
        )
        self.power, self.label_column = settings["power"], settings["label_column"]

    def sampling_weights(self, group_ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Weights N / n_(y,a) (to the power ``power``) for each patient."""
        group_ids = np.asarray(group_ids, dtype=int)
        labels = np.asarray(labels, dtype=float)
        labels = np.nan_to_num(labels, nan=0.0)
        if labels.ndim == 2 and labels.shape[1] == 0:
            y = np.zeros(len(labels))  # no binary task: balance the groups alone
        elif labels.ndim == 2:
            y = labels.max(axis=1) if self.label_column is None else labels[:, self.label_column]
        else:
            y = labels
        if len(y) != len(group_ids):
            raise ValueError(f"{len(group_ids)} group ids but {len(y)} label rows.")
        y = (y > 0.5).astype(int)
        cell = group_ids * 2 + y
        _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
        return (len(cell) / counts[inverse]) ** self.power

    def describe(self) -> str:
        return f"ReSample(power={self.power:g})"

    def __repr__(self) -> str:
        return f"ReSample(attribute={self.attribute!r}, power={self.power})"


class ReWeight(ERM):
    """Loss reweighting: each patient's loss weighted in proportion to 1 / n_g.

    Group counts are accumulated over training batches (a running estimate); ``power``
    (the main hyperparameter) goes from the plain mean (0) to full reweighting (1).
    """

    name = "ReWeight"

    def __init__(self, *, attribute: str = "race_ethnicity", power: float = 1.0) -> None:
        super().__init__(attribute=attribute)
        self.power = validate("ReWeight", {"power": power}, {"power": _POWER})["power"]
        self.register_buffer("counts", torch.zeros(0))

    def reset(self, *, n_groups: int, feature_dim: int) -> None:
        super().reset(n_groups=n_groups, feature_dim=feature_dim)
        self.counts = torch.zeros(self.n_groups)

    def reduce(self, per_sample_loss: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
        """Mean loss with weights ∝ (1 / n_g) ** power, normalised to mean 1 in the batch."""
        _check_ids(group_ids, self.n_groups)
        self.counts += torch.bincount(group_ids, minlength=self.n_groups).to(self.counts)
        weights = (self.counts.sum() / self.counts.clamp(min=1.0))[group_ids] ** self.power
        weights = weights / weights.mean()
        return (weights.detach() * per_sample_loss).mean()

    def describe(self) -> str:
        return f"ReWeight(power={self.power:g})"

    def __repr__(self) -> str:
        return f"ReWeight(attribute={self.attribute!r}, power={self.power})"


class GroupDRO(ERM):
    """Group distributionally robust optimisation (Sagawa et al., ICLR 2020).

    Keeps a weight q_g per group, raises it for groups with a high loss
    (q_g <- q_g exp(eta * mean loss_g), then normalise) and minimises sum_g q_g * mean loss_g:
    the worst groups drive training. ``eta`` (step size, about 0.01) is the main
    hyperparameter.
    """

    name = "GroupDRO"

    def __init__(self, *, attribute: str = "race_ethnicity", eta: float = 0.01) -> None:
        super().__init__(attribute=attribute)
        self.eta = validate(
            "GroupDRO", {"eta": eta}, {"eta": Interval(float, 0, None, closed="neither")}
        )["eta"]
        self.register_buffer("q", torch.zeros(0))

    def reset(self, *, n_groups: int, feature_dim: int) -> None:
        super().reset(n_groups=n_groups, feature_dim=feature_dim)
        self.q = torch.full((self.n_groups,), 1.0 / self.n_groups)

    def reduce(self, per_sample_loss: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
        """sum_g q_g * (mean loss of group g in the batch), after updating q."""
        _check_ids(group_ids, self.n_groups)
        counts = torch.bincount(group_ids, minlength=self.n_groups).to(per_sample_loss)
        sums = torch.zeros(self.n_groups, dtype=per_sample_loss.dtype).index_add(
            0, group_ids, per_sample_loss
        )
        present = counts > 0
        group_loss = torch.where(present, sums / counts.clamp(min=1.0), torch.zeros_like(sums))
        with torch.no_grad():
            q = self.q * torch.exp(self.eta * group_loss.detach() * present)
            self.q = q / q.sum()
        return (self.q * group_loss).sum()

    def describe(self) -> str:
        return f"GroupDRO(eta={self.eta:g})"

    def __repr__(self) -> str:
        return f"GroupDRO(attribute={self.attribute!r}, eta={self.eta})"


class _GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


def gradient_reversal(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Identity going forward; multiplies the gradient by ``-scale`` going back."""
    return _GradientReversal.apply(x, scale)


class DANN(ERM):
    """Adversarial removal of the attribute (Ganin et al., JMLR 2016).

    A small discriminator predicts the group from the penultimate features through a
    gradient-reversal layer: it learns to find the attribute, while the encoder receives
    the reversed gradient and learns to hide it (task loss - lambda * discriminator loss).
    ``lam`` (lambda) is the main hyperparameter.
    """

    name = "DANN"

    def __init__(
        self, *, attribute: str = "race_ethnicity", lam: float = 0.5, hidden: int = 32
    ) -> None:
        super().__init__(attribute=attribute)
        settings = validate(
            "DANN",
            {"lam": lam, "hidden": hidden},
            {"lam": Interval(float, 0, None), "hidden": Interval(int, 1, None)},
        )
        self.lam, self.hidden = settings["lam"], settings["hidden"]
        self.discriminator: nn.Module | None = None

    def reset(self, *, n_groups: int, feature_dim: int) -> None:
        """Build a fresh discriminator for ``feature_dim`` features and ``n_groups`` groups."""
        feature_dim = validate(
            "DANN.reset",
            {"feature_dim": feature_dim},
            {"feature_dim": Interval(int, 1, None)},
            fixes={"feature_dim": "The adversary reads the model's penultimate features."},
        )["feature_dim"]
        super().reset(n_groups=n_groups, feature_dim=feature_dim)
        self.discriminator = nn.Sequential(
            nn.Linear(feature_dim, self.hidden), nn.ReLU(), nn.Linear(self.hidden, self.n_groups)
        )

    def adversary_loss(self, features: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the discriminator on reversed-gradient features."""
        if self.discriminator is None:
            raise RuntimeError("Call reset(n_groups=..., feature_dim=...) before training.")
        if features.ndim != 2 or features.shape[0] != group_ids.shape[0]:
            raise ValueError(
                f"features must be (batch, d) with one row per group id; got "
                f"{tuple(features.shape)} and {tuple(group_ids.shape)}."
            )
        _check_ids(group_ids, self.n_groups)
        logits = self.discriminator(gradient_reversal(features, self.lam))
        return nn.functional.cross_entropy(logits, group_ids)

    def describe(self) -> str:
        return f"DANN(lam={self.lam:g})"

    def __repr__(self) -> str:
        return f"DANN(attribute={self.attribute!r}, lam={self.lam})"


METHODS: dict[str, type[ERM]] = {
    "erm": ERM,
    "resample": ReSample,
    "reweight": ReWeight,
    "groupdro": GroupDRO,
    "dann": DANN,
}
"""Mitigation classes by lower-case name."""


def make_mitigation(name: str | ERM | None, **options: float | str) -> ERM:
    """A mitigation object from its name (``"groupdro"``, ...) or pass one through."""
    if name is None:
        return ERM(**options)
    if isinstance(name, ERM):
        return name
    key = str(name).lower()
    if key not in METHODS:
        raise ValueError(f"Unknown mitigation {name!r}; use one of {list(METHODS)}.")
    return METHODS[key](**options)
