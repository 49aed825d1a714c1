"""Many single-task networks trained side by side: one vectorised pass, each its own stopping.

The single-task baseline of notebook 04 is one copy of the M3H architecture per diagnosis,
each trained on its diagnosis alone. Trained one after another, T diagnoses cost T full
training loops, and with networks this small most of that time is Python overhead per
mini-batch. Here the T networks' weights are stacked (``torch.func.stack_module_state``) and
one batched call (``torch.func.vmap`` over ``functional_call``) runs all of them on the same
mini-batch. Measured on one CPU core (``benchmarks/bench_ensemble.py``), the batched call
is not yet faster than lone runs for these small networks (the convolutions dominate, and
every network trains until the last one stops) and holds every network's activations at
once, so notebook 04 still trains lone networks; the equality is what this module offers.

Why this is the same as training them one by one: every network starts from the weights a
lone run would draw (same seed), sees the same batches in the same order and the same
dropout masks (``randomness="same"``: a lone run would draw exactly these), and shares no
weight with any other. The summed loss's gradient with respect to network t's weights is
network t's own gradient; Adam updates each weight on its own; and each network keeps the
weights of its own best validation epoch and is finished when its own patience runs out
(``train_network(independent=True)``). ``tests/test_ensemble.py`` checks that the
predictions equal those of lone runs. Not used by a notebook yet.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from ..hospital.cohort import Cohort
from ..numerics import one_thread
from ..validation import as_name_list
from .model import M3HModel
from .training import History, train_network

__all__ = ["StackedNetworks", "fit_single_task_models"]


def _safe(name: str) -> str:
    return "stacked__" + name.replace(".", "__")


class StackedNetworks(nn.Module):
    """T networks of one architecture evaluated in one vectorised call.

    ``forward(inputs)`` returns ``(outputs, None, features)`` like
    :class:`~m3h_lite.multitask.model.M3HNetwork`: ``outputs[t]`` is network t's output for
    its one task (batch, k), ``features`` network 0's shared representation (unused: no
    mitigation trains an ensemble).
    """

    def __init__(self, networks: Sequence[nn.Module]):
        super().__init__()
        if len({n.__class__ for n in networks}) != 1:
            raise ValueError("StackedNetworks needs networks of one architecture.")
        params, buffers = stack_module_state(list(networks))
        self.parameter_names = list(params)
        self.buffer_names = list(buffers)
        for name, value in params.items():  # (T, *shape) leaves, optimised in place
            self.register_parameter(_safe(name), nn.Parameter(value.detach().clone()))
        for name, value in buffers.items():
            self.register_buffer(_safe(name), value, persistent=False)
        # The template's own weights must not count as parameters: kept off the module tree.
        self.__dict__["_template"] = copy.deepcopy(networks[0]).to("meta")

    @property
    def log_vars(self) -> torch.Tensor:
        """Each network's learned task-uncertainty weight, shape (T,)."""
        return getattr(self, _safe("log_vars"))[:, 0]

    def forward(self, inputs: dict[str, torch.Tensor]):
        template = self.__dict__["_template"]
        template.train(self.training)  # dropout on while training, off for validation
        params = {n: getattr(self, _safe(n)) for n in self.parameter_names}
        buffers = {n: getattr(self, _safe(n)) for n in self.buffer_names}

        def one(p: dict, b: dict, x: dict) -> tuple[torch.Tensor, torch.Tensor]:
            outputs, _, features = functional_call(template, (p, b), (x,))
            return outputs[0], features

        outputs, features = vmap(one, in_dims=(0, 0, None), randomness="same")(
            params, buffers, inputs
        )  # (T, batch, k), (T, batch, hidden)
        return list(outputs.unbind(0)), None, features[0]

    def network_state(self, state: dict[str, torch.Tensor], t: int) -> dict[str, torch.Tensor]:
        """Network t's own ``state_dict`` out of a stacked one."""
        return {n: state[_safe(n)][t].clone() for n in self.parameter_names}


def fit_single_task_models(
    cohort: Cohort,
    *,
    tasks: Sequence[str],
    val_cohort: Cohort | None = None,
    **options: Any,
) -> dict[str, M3HModel]:
    """One fitted ``M3HModel(tasks=[t], **options)`` per task, trained side by side.

    Equal to ``{t: M3HModel(tasks=[t], **options).fit(cohort, val_cohort=val_cohort)}`` (up
    to the last digits of floating point). ``options`` are
    :class:`~m3h_lite.multitask.model.M3HModel`'s, validated there; every task must have a
    one-column output (binary or regression), and no mitigation is allowed (a mitigation
    couples the patients' losses, so the networks would no longer be independent).
    Each returned model's ``history_`` holds its own validation losses up to the epoch it
    would have stopped alone; ``train_loss`` is left empty (only the ensemble's summed
    training loss is measured).
    """
    names = as_name_list(tasks, owner="fit_single_task_models", name="tasks")
    if options.get("mitigation") is not None:
        raise ValueError(
            "fit_single_task_models: a mitigation couples the patients' losses, so the "
            "networks would not train independently. Fit M3HModel(tasks=[t], mitigation=...) "
            "one task at a time instead."
        )
    models = {t: M3HModel(tasks=[t], **options) for t in names}
    first = models[names[0]]
    train, val = first._prepare(cohort, val_cohort)
    for model in list(models.values())[1:]:
        model._prepare(cohort, val_cohort, preprocessor=first.preprocessor_)
    wide = [t for t, m in models.items() if m.kinds_[0] == "multiclass"]
    if wide:
        raise ValueError(
            f"fit_single_task_models stacks one-column outputs; {wide} are multiclass. "
            "Fit those with M3HModel one at a time."
        )
    device = first._device()
    with one_thread():
        networks = []
        for model in models.values():
            torch.manual_seed(model.seed)  # the initial weights a lone run would draw
            networks.append(model._build_network().to(device))
        stacked = StackedNetworks(networks)
        history, snapshots = train_network(
            stacked,
            first._tensors(train, device),
            torch.cat([m._targets(train, device) for m in models.values()], dim=1),
            first._tensors(val, device),
            torch.cat([m._targets(val, device) for m in models.values()], dim=1),
            kinds=[m.kinds_[0] for m in models.values()],
            task_weights=np.concatenate([m._task_weights() for m in models.values()]),
            early_stopping="per_task",
            independent=True,
            description=f"{len(names)} single-task networks",
            **first._loop_settings(),
        )
        final = stacked.state_dict()
        for t, (model, network) in enumerate(zip(models.values(), networks, strict=True)):
            best = history.task_best_epoch[t]
            state = final if best == history.best_epoch else snapshots[best]
            network.load_state_dict(stacked.network_state(state, t), strict=False)
            network.eval()
            last = len(history.val_loss) if first.patience is None else best + first.patience + 1
            own = [row[t] for row in history.val_task_loss[:last]]
            model.network_ = network
            model.history_ = History(
                val_loss=own,
                val_task_loss=[[v] for v in own],
                best_epoch=best,
                task_best_epoch=[best],
                stopped_early=first.patience is not None and last <= first.max_epochs - 1,
            )
            model.snapshots_ = {}
            model.kmeans_ = None
    return models
