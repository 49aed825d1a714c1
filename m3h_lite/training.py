"""The one training loop every torch model of the package runs, with the mitigation hooks.

Why one loop: the multitask model (``multitask/model.py``, notebooks 04-07) and the small
image networks of the fairness notebooks (``fairness/smallnet.py``, 08-10) must sample
batches, weight groups and add adversarial losses in exactly the same way, or a fairness
result could come from the plumbing rather than the method. A model supplies a function
from a batch of patient positions to ``(per_patient_loss, features)``; this module owns
everything else: the seeded batch order (or group-weighted sampling), the four mitigation
hooks (``reset``, ``sampling_weights``, ``reduce``, ``adversary_loss``; see
``fairness/mitigation.py``) and the optimiser step. Early stopping, which only the
multitask model uses, stays in ``multitask/training.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import WeightedRandomSampler

__all__ = ["Trainer", "batches"]

BatchLoss = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
"""positions of a batch -> (per-patient loss (b,), penultimate features (b, h))."""


def batches(
    n: int,
    batch_size: int,
    generator: torch.Generator,
    sample_weights: np.ndarray | None = None,
) -> Iterator[torch.Tensor]:
    """One epoch of batches: a seeded shuffle, or ``n`` draws with replacement weighted by
    ``sample_weights`` (group-balanced resampling)."""
    if sample_weights is None:
        order = torch.randperm(n, generator=generator)
    else:
        sampler = WeightedRandomSampler(
            torch.as_tensor(sample_weights, dtype=torch.double),
            num_samples=n,
            replacement=True,
            generator=generator,
        )
        order = torch.tensor(list(sampler))
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@dataclass
class Trainer:
    """Adam over a network's (and a mitigation's) parameters, epoch by epoch.

    Parameters
    ----------
    parameters : the network's parameters (a mitigation's are added here).
    n : training patients. batch_size, lr, weight_decay, seed : training settings.
    mitigation : ``None`` (plain mean loss) or an object with the four hooks.
    group_ids : (n,) integer group of each training patient (needed with a mitigation).
    labels : (n, k) 0/1 training labels, for the (label, group) cells of resampling.
    feature_dim : width of the features an adversary reads.
    """

    parameters: list[nn.Parameter]
    n: int
    batch_size: int
    lr: float
    weight_decay: float
    seed: int
    mitigation: Any = None
    group_ids: np.ndarray | None = None
    labels: np.ndarray | None = None
    feature_dim: int = 0
    device: torch.device | str = "cpu"

    def __post_init__(self) -> None:
        self.sample_weights = None
        self.groups = None
        parameters = list(self.parameters)
        if self.mitigation is not None:
            if self.group_ids is None or len(self.group_ids) != self.n:
                raise ValueError("A mitigation needs the group id of every training patient.")
            n_groups = int(np.max(self.group_ids)) + 1 if len(self.group_ids) else 0
            self.mitigation.reset(n_groups=n_groups, feature_dim=self.feature_dim)
            if isinstance(self.mitigation, nn.Module):
                self.mitigation.to(self.device)
                parameters += list(self.mitigation.parameters())
            self.groups = torch.as_tensor(self.group_ids, dtype=torch.long, device=self.device)
            self.sample_weights = self.mitigation.sampling_weights(self.group_ids, self.labels)
        self.optimiser = torch.optim.Adam(parameters, lr=self.lr, weight_decay=self.weight_decay)
        self.generator = torch.Generator().manual_seed(self.seed)

    def epoch(self, batch_loss: BatchLoss) -> float:
        """Train one epoch; return the mean training loss per patient."""
        total = 0.0
        for index in batches(self.n, self.batch_size, self.generator, self.sample_weights):
            index = index.to(self.device)
            per_sample, features = batch_loss(index)
            if self.mitigation is None:
                loss = per_sample.mean()
            else:
                loss = self.mitigation.reduce(per_sample, self.groups[index])
                extra = self.mitigation.adversary_loss(features, self.groups[index])
                if extra is not None:
                    loss = loss + extra
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            total += float(loss.detach()) * len(index)
        return total / self.n
