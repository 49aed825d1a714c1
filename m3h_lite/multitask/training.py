"""Training the M3H network: per-task losses, loss weighting, early stopping, mitigation hook.

The loop is deliberately plain so a learner can read it: mini-batches from a seeded
generator, one weighted sum of task losses per patient, Adam, and early stopping on the
validation loss. With ``torch`` on one CPU thread and fixed seeds, two runs give identical
numbers. Introduced in notebook 04.

Early stopping comes in two forms (``EARLY_STOPPING``):

* ``"joint"``: stop when the *summed* validation loss has not improved for ``patience``
  epochs and keep the weights of its best epoch.
* ``"per_task"``: keep training while *any* task's validation loss still improves, and
  remember, for every task, the weights of the epoch where its own validation loss was
  lowest. Rare tasks overfit within a few epochs while common ones are still learning, so
  one joint stopping point would serve neither; a single-task model gets its own stopping
  point for free, and per-task selection gives the multitask model the same.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..training import Trainer

LOSS_WEIGHTINGS: tuple[str, ...] = ("uniform", "inverse_prevalence", "uncertainty")
EARLY_STOPPING: tuple[str, ...] = ("per_task", "joint")


@dataclass
class History:
    """What happened during training, epoch by epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_task_loss: list[list[float]] = field(default_factory=list)
    best_epoch: int = 0
    task_best_epoch: list[int] = field(default_factory=list)
    stopped_early: bool = False


def per_task_losses(
    outputs: Sequence[torch.Tensor], targets: torch.Tensor, kinds: Sequence[str]
) -> torch.Tensor:
    """Loss of every patient on every task, shape (batch, T).

    Binary: cross-entropy on the logit; multiclass: cross-entropy over classes (targets hold
    the class index); regression: squared error on the standardised target.
    """
    columns = []
    for j, (out, kind) in enumerate(zip(outputs, kinds, strict=True)):
        y = targets[:, j]
        if kind == "binary":
            columns.append(F.binary_cross_entropy_with_logits(out[:, 0], y, reduction="none"))
        elif kind == "multiclass":
            columns.append(F.cross_entropy(out, y.long(), reduction="none"))
        else:
            columns.append(0.5 * (out[:, 0] - y) ** 2)
    return torch.stack(columns, dim=1)


def loss_weights(
    weighting: str, kinds: Sequence[str], prevalences: Sequence[float | None]
) -> np.ndarray:
    """Fixed task weights: ``uniform`` (all 1) or ``inverse_prevalence``.

    Inverse prevalence up-weights rare binary tasks (weight ∝ 1/prevalence, scaled so the
    binary tasks average 1; other tasks keep 1). ``uncertainty`` starts from 1 and is learned
    during training (Kendall, Gal & Cipolla, CVPR 2018).
    """
    if weighting not in LOSS_WEIGHTINGS:
        raise ValueError(f"Unknown loss_weighting {weighting!r}; choose from {LOSS_WEIGHTINGS}.")
    weights = np.ones(len(kinds))
    if weighting == "inverse_prevalence":
        binary = [j for j, k in enumerate(kinds) if k == "binary"]
        if binary:
            inverse = np.array([1.0 / prevalences[j] for j in binary])
            weights[binary] = inverse / inverse.mean()
    return weights


def combine_losses(
    losses: torch.Tensor, weights: torch.Tensor, log_vars: torch.Tensor | None
) -> torch.Tensor:
    """Weighted sum over tasks, per patient (batch,).

    With learned uncertainty weights ``s_t = log σ_t²``, each task contributes
    ``exp(-s_t) · L_t + s_t / 2``: a noisy task earns a small weight, the ``s_t`` term
    stops every weight from collapsing to zero.
    """
    if log_vars is not None:
        return (torch.exp(-log_vars) * losses + 0.5 * log_vars).sum(dim=1)
    return (losses * weights).sum(dim=1)


def train_network(
    network: nn.Module,
    train_inputs: dict[str, torch.Tensor],
    train_targets: torch.Tensor,
    val_inputs: dict[str, torch.Tensor],
    val_targets: torch.Tensor,
    *,
    kinds: Sequence[str],
    task_weights: np.ndarray,
    learn_uncertainty: bool,
    max_epochs: int,
    patience: int | None,
    batch_size: int,
    lr: float,
    weight_decay: float,
    seed: int,
    early_stopping: str = "joint",
    independent: bool = False,
    mitigation: Any = None,
    group_ids: np.ndarray | None = None,
    feature_dim: int = 0,
    verbose: bool = True,
    description: str = "M3H",
) -> tuple[History, dict[int, dict[str, torch.Tensor]]]:
    """Train ``network`` in place; restore the weights of the best validation epoch.

    Returns the :class:`History` and the weight snapshots each task's predictions should
    use, keyed by epoch (``history.task_best_epoch[t]`` names task ``t``'s epoch). With
    ``early_stopping="joint"`` every task uses the restored weights; with ``"per_task"``
    (see the module docstring) the network ends with the weights of the best *summed*
    validation loss, which serve the shared representation and the attention maps.

    ``independent=True`` says the tasks are separate networks trained side by side (the
    single-task ensemble, :mod:`m3h_lite.multitask.ensemble`): with ``"per_task"`` stopping,
    a task whose patience has run out is finished, as it would have stopped training alone,
    and a later dip of its validation loss is ignored.

    ``patience=None`` switches early stopping off: exactly ``max_epochs`` epochs, last
    weights kept for every task (a fixed training budget, used by TIM to compare task sets
    fairly).

    ``network(inputs)`` must return ``(outputs, attention, features)`` as
    :class:`~m3h_lite.multitask.model.M3HNetwork` does. Batches, the optimiser and the
    ``mitigation`` hooks (group sampling weights, ``reduce``, an adversarial loss on the
    ``feature_dim``-wide features) are the shared loop's, :class:`m3h_lite.training.Trainer`.
    """
    from tqdm.auto import tqdm

    if early_stopping not in EARLY_STOPPING:
        raise ValueError(
            f"Unknown early_stopping {early_stopping!r}; choose from {EARLY_STOPPING}."
        )
    device = next(network.parameters()).device
    weights = torch.as_tensor(task_weights, dtype=torch.float32, device=device)
    log_vars = getattr(network, "log_vars", None) if learn_uncertainty else None
    # Only binary columns are labels y for (label, group) cells: multiclass codes and
    # standardised regression targets are not findings.
    binary = [j for j, kind in enumerate(kinds) if kind == "binary"]
    trainer = Trainer(
        list(network.parameters()),
        n=len(train_targets),
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        seed=seed,
        mitigation=mitigation,
        group_ids=group_ids,
        labels=None if mitigation is None else train_targets[:, binary].cpu().numpy(),
        feature_dim=feature_dim,
        device=device,
    )

    def batch_loss(index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch = {m: x[index] for m, x in train_inputs.items()}
        outputs, _, features = network(batch)
        per_task = per_task_losses(outputs, train_targets[index], kinds)
        return combine_losses(per_task, weights, log_vars), features

    history = History()
    n_tasks = len(kinds)
    best_loss, best_state, bad_epochs = float("inf"), None, 0
    task_best = np.full(n_tasks, np.inf)
    task_bad = np.zeros(n_tasks, dtype=int)
    task_epoch = np.zeros(n_tasks, dtype=int)
    task_state: list[dict[str, torch.Tensor] | None] = [None] * n_tasks
    bar = tqdm(range(max_epochs), desc=description, disable=not verbose, leave=False)
    for epoch in bar:
        network.train()
        train_loss = trainer.epoch(batch_loss)
        task_losses = evaluate_task_losses(network, val_inputs, val_targets, kinds)
        val_loss = float(task_losses.sum())
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        history.val_task_loss.append(task_losses.tolist())
        bar.set_postfix(val_loss=f"{val_loss:.4f}")
        if patience is None:  # fixed budget: keep the last epoch's weights
            history.best_epoch = epoch
            continue
        snapshot = None
        if val_loss < best_loss - 1e-5:
            snapshot = copy.deepcopy(network.state_dict())
            best_loss, best_state, bad_epochs = val_loss, snapshot, 0
            history.best_epoch = epoch
        else:
            bad_epochs += 1
        improved = task_losses < task_best - 1e-5
        if independent:  # a finished network would have stopped training by now
            improved &= task_bad < patience
        if improved.any() and early_stopping == "per_task":
            if snapshot is None:  # tasks that improved together share one copy
                snapshot = copy.deepcopy(network.state_dict())
            for t in np.flatnonzero(improved):
                task_state[t] = snapshot
        task_best = np.where(improved, task_losses, task_best)
        task_epoch = np.where(improved, epoch, task_epoch)
        task_bad = np.where(improved, 0, task_bad + 1)
        done = bad_epochs >= patience if early_stopping == "joint" else task_bad.min() >= patience
        if done:
            history.stopped_early = True
            break
    bar.close()
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    if patience is None or early_stopping == "joint":
        history.task_best_epoch = [history.best_epoch] * n_tasks
    else:
        history.task_best_epoch = [int(e) for e in task_epoch]
        for t, epoch in enumerate(history.task_best_epoch):
            if epoch != history.best_epoch:
                snapshots[epoch] = task_state[t]
    return history, snapshots


@torch.no_grad()
def evaluate_task_losses(
    network: nn.Module,
    inputs: dict[str, torch.Tensor],
    targets: torch.Tensor,
    kinds: Sequence[str],
    *,
    batch_size: int = 1024,
) -> np.ndarray:
    """Mean validation loss of each task, shape (T,)."""
    network.eval()
    total, n = torch.zeros(len(kinds)), len(targets)
    for start in range(0, n, batch_size):
        batch = {m: x[start : start + batch_size] for m, x in inputs.items()}
        outputs, _, _ = network(batch)
        losses = per_task_losses(outputs, targets[start : start + batch_size], kinds)
        total += losses.sum(dim=0).cpu()
    return (total / n).numpy()
