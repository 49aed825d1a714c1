"""M3H-lite: one multimodal multitask network with task attention, used like a scikit-learn model.

The architecture follows M3H (Bertsimas & Ma, arXiv 2404.18975) as far as it is public; the
task attention and the details are **our reconstruction** (see :mod:`m3h_lite.multitask.attention`)::

    tabular ─ MLP ─┐
    vitals ─ 1-D conv ─┤                                  ┌ head: heart failure
    notes ─ bag-of-words ─┼ concat ─ shared trunk ─ P_t ─ task attention ┼ head: sepsis
    images ─ CNN ─┘        (fusion)   (embed())        (self vs cross) └ head: disposition ...

Each task's projection ``P_t`` reads the trunk output *and* the fused embeddings (a skip
connection), so a task whose signal is private to one modality (troponin for myocardial
infarction) is not forced through the narrow trunk the other tasks shape. One head per
supervised task (binary, multiclass, regression); phenotyping (clustering) is an extra
output: k-means on the shared representation after training.
Introduced in notebook 04.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from torch import nn

from ..hospital.cohort import Cohort
from ..hospital.config import MODALITIES
from ..numerics import one_thread
from ..validation import (
    Constraint,
    Flag,
    Interval,
    NoneOr,
    Options,
    as_name_list,
    check_mitigation,
    validate,
)
from .attention import TaskAttention
from .encoders import ModalityPreprocessor, build_encoder, check_modalities
from .training import EARLY_STOPPING, LOSS_WEIGHTINGS, History, loss_weights, train_network


class M3HNetwork(nn.Module):
    """The torch module: encoders -> fusion -> trunk -> per-task projections -> attention -> heads.

    Per-task projections read ``[trunk output, fused embeddings]``.

    ``forward`` returns ``(outputs, attention, features)``: one output tensor per task,
    the attention weights (batch, T, T) and the shared representation (batch, hidden).
    """

    def __init__(
        self,
        input_shapes: dict[str, tuple[int, ...]],
        output_sizes: Sequence[int],
        *,
        embed_dim: int,
        hidden: int,
        alpha: float,
        dropout: float,
    ):
        super().__init__()
        self.modalities = list(input_shapes)
        self.encoders = nn.ModuleDict(
            {m: build_encoder(m, shape, embed_dim) for m, shape in input_shapes.items()}
        )
        self.trunk = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(embed_dim * len(input_shapes), hidden),
            nn.ReLU(),
        )
        n_tasks = len(output_sizes)
        fused_dim = embed_dim * len(input_shapes)
        self.projections = nn.Parameter(
            torch.randn(n_tasks, hidden + fused_dim, embed_dim) / (hidden + fused_dim) ** 0.5
        )
        self.projection_bias = nn.Parameter(torch.zeros(n_tasks, embed_dim))
        self.attention = TaskAttention(n_tasks, embed_dim, alpha=alpha)
        self.heads = nn.ModuleList([nn.Linear(embed_dim, k) for k in output_sizes])
        self.log_vars = nn.Parameter(torch.zeros(n_tasks))

    def fuse(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Concatenated modality embeddings (early fusion)."""
        return torch.cat([self.encoders[m](inputs[m]) for m in self.modalities], dim=1)

    def features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """The shared representation: fused embeddings through the trunk."""
        return self.trunk(self.fuse(inputs))

    def forward(self, inputs: dict[str, torch.Tensor]):
        fused = self.fuse(inputs)
        shared = self.trunk(fused)
        both = torch.cat([shared, fused], dim=1)
        per_task = torch.relu(
            torch.einsum("bh,the->bte", both, self.projections) + self.projection_bias
        )
        mixed, weights = self.attention(per_task)
        outputs = [head(mixed[:, t]) for t, head in enumerate(self.heads)]
        return outputs, weights, shared


class M3HModel:
    """Multimodal multitask model with task attention, with scikit-learn habits.

    Parameters
    ----------
    tasks : task names (default: every binary diagnosis). Any supervised task of
        ``cohort.tasks``; ``"phenotype"`` (clustering) adds a k-means output on
        :meth:`embed`.
    modalities : which inputs to use.
    alpha : cross-exploration strength of the task attention (0 = separate task towers
        on a shared trunk, i.e. plain hard parameter sharing).
    embed_dim, hidden : size of each modality/task embedding and of the shared trunk.
    loss_weighting : ``"uniform"``, ``"inverse_prevalence"`` or ``"uncertainty"``.
    mitigation : optional fairness mitigation (see ``m3h_lite.fairness.mitigation``).
    max_epochs, patience, batch_size, lr, weight_decay, dropout : training settings;
        early stopping watches the validation loss (``patience=None``: no early stopping,
        train exactly ``max_epochs`` epochs).
    early_stopping : ``"per_task"`` (default): train while any task's validation loss
        improves and predict each task with the weights of its own best epoch;
        ``"joint"``: one stopping point for all tasks, on the summed validation loss (see
        :mod:`m3h_lite.multitask.training`). The shared representation (:meth:`embed`) and the
        attention maps always come from the best summed-loss epoch. Identical for one task.
    image_pool : average-pool images by this factor first (faster CNN).
    seed : seeds the weights, the batches and the validation hold-out.
    device : ``"auto"`` (CUDA if present), ``"cpu"`` or ``"cuda"``.
    verbose : show a progress bar.

    A single-task baseline is the same class with one task: ``M3HModel(tasks=["sepsis"])``.
    Introduced in notebook 04.
    """

    _parameter_constraints: dict[str, Constraint] = {
        "alpha": Interval(float, 0, None),
        "embed_dim": Interval(int, 1, None),
        "hidden": Interval(int, 1, None),
        "loss_weighting": Options(LOSS_WEIGHTINGS),
        "max_epochs": Interval(int, 1, None),
        "patience": NoneOr(Interval(int, 1, None)),
        "early_stopping": Options(EARLY_STOPPING),
        "batch_size": Interval(int, 1, None),
        "lr": Interval(float, 0, None, closed="neither"),
        "weight_decay": Interval(float, 0, None),
        "dropout": Interval(float, 0, 1, closed="left"),
        "image_pool": Interval(int, 1, None),
        "seed": Interval(int, 0, None),
        "device": Options(("auto", "cpu", "cuda")),
        "verbose": Flag(),
    }

    def __init__(
        self,
        *,
        tasks: Sequence[str] | None = None,
        modalities: Sequence[str] = MODALITIES,
        alpha: float = 1.0,
        embed_dim: int = 32,
        hidden: int = 64,
        loss_weighting: str = "uniform",
        mitigation: Any = None,
        max_epochs: int = 60,
        patience: int | None = 4,
        early_stopping: str = "per_task",
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-3,
        dropout: float = 0.1,
        image_pool: int = 2,
        seed: int = 0,
        device: str = "auto",
        verbose: bool = True,
    ):
        self.tasks = None if tasks is None else as_name_list(tasks, owner="M3HModel", name="tasks")
        self.modalities = check_modalities(modalities)
        settings = validate(
            "M3HModel",
            locals(),
            self._parameter_constraints,
            fixes={"patience": "Use None to train exactly max_epochs epochs."},
        )
        for name, value in settings.items():
            setattr(self, name, value)
        self.mitigation = check_mitigation("M3HModel", mitigation)
        self.network_: M3HNetwork | None = None

    def __repr__(self) -> str:
        tasks = "all diagnoses" if self.tasks is None else f"{len(self.tasks)} tasks"
        state = "fitted" if self.network_ is not None else "not fitted"
        return f"M3HModel({tasks}, modalities={list(self.modalities)}, alpha={self.alpha}; {state})"

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, cohort: Cohort, *, val_cohort: Cohort | None = None) -> M3HModel:
        """Train on ``cohort``; early stopping on ``val_cohort`` (default: a seeded 20% hold-out
        of the training patients)."""
        cohort, val_cohort = self._prepare(cohort, val_cohort)
        device = self._device()
        with one_thread():
            torch.manual_seed(self.seed)
            self.network_ = self._build_network().to(device)
            train_inputs = self._tensors(cohort, device)
            self.history_, self.snapshots_ = self._train(
                train_inputs, cohort, self._tensors(val_cohort, device), val_cohort, device
            )
            self.kmeans_ = self._fit_clustering(cohort, train_inputs)
        return self

    def _prepare(
        self,
        cohort: Cohort,
        val_cohort: Cohort | None,
        *,
        preprocessor: ModalityPreprocessor | None = None,
    ) -> tuple[Cohort, Cohort]:
        """Everything before training: tasks, hold-out, label checks, inputs, target scales.

        Returns the (training, validation) cohorts. A ``preprocessor`` already fitted on the
        same training patients is reused (the single-task ensemble shares one).
        """
        supervised, self.clustering_ = self._resolve_tasks(cohort)
        if val_cohort is None:
            cohort, val_cohort = self._hold_out(cohort)
        self.task_names_ = supervised
        self.kinds_ = [cohort.tasks[t].problem_class for t in supervised]
        self._check_labels(cohort, supervised, where="training")
        self._check_labels(val_cohort, supervised, where="validation", need_positive=False)
        self.preprocessor_ = preprocessor or ModalityPreprocessor(
            modalities=self.modalities, image_pool=self.image_pool
        ).fit(cohort)
        self._learn_target_scales(cohort)
        return cohort, val_cohort

    def _hold_out(self, cohort: Cohort) -> tuple[Cohort, Cohort]:
        """(training, validation): a seeded 20% of the patients watch for early stopping."""
        order = np.random.default_rng(self.seed).permutation(len(cohort))
        n_val = max(1, int(round(0.2 * len(cohort))))
        return cohort.subset(np.sort(order[n_val:])), cohort.subset(np.sort(order[:n_val]))

    def _learn_target_scales(self, cohort: Cohort) -> None:
        """What the outputs are measured in: regression mean/sd, class order, prevalences."""
        named = list(zip(self.task_names_, self.kinds_, strict=True))
        self.regression_scale_ = {
            t: (float(cohort.labels[t].mean()), float(cohort.labels[t].std() or 1.0))
            for t, k in named
            if k == "regression"
        }
        self.classes_ = {t: list(cohort.tasks[t].classes) for t, k in named if k == "multiclass"}
        self.prevalences_ = [
            float(cohort.labels[t].mean()) if k == "binary" else None for t, k in named
        ]

    def _train(
        self,
        train_inputs: dict[str, torch.Tensor],
        cohort: Cohort,
        val_inputs: dict[str, torch.Tensor],
        val_cohort: Cohort,
        device: torch.device,
    ) -> tuple[History, dict[int, dict[str, torch.Tensor]]]:
        n = len(self.task_names_)
        return train_network(
            self.network_,
            train_inputs,
            self._targets(cohort, device),
            val_inputs,
            self._targets(val_cohort, device),
            kinds=self.kinds_,
            task_weights=self._task_weights(),
            early_stopping=self.early_stopping,
            mitigation=self.mitigation,
            group_ids=None if self.mitigation is None else self._group_ids(cohort),
            feature_dim=self.hidden,
            description=f"M3H ({n} task{'s' * (n > 1)})",
            **self._loop_settings(),
        )

    def _task_weights(self) -> np.ndarray:
        return loss_weights(self.loss_weighting, self.kinds_, self.prevalences_)

    def _loop_settings(self) -> dict[str, Any]:
        """The training-loop settings of ``train_network`` that are this model's options."""
        names = ("max_epochs", "patience", "batch_size", "lr", "weight_decay", "seed", "verbose")
        return {
            "learn_uncertainty": self.loss_weighting == "uncertainty",
            **{name: getattr(self, name) for name in names},
        }

    def _fit_clustering(
        self, cohort: Cohort, train_inputs: dict[str, torch.Tensor]
    ) -> KMeans | None:
        """k-means on the learned embedding, for the phenotype task (notebook 07)."""
        if not self.clustering_:
            return None
        k = len(cohort.tasks[self.clustering_].classes)
        return KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit(
            self._embed_inputs(train_inputs)
        )

    # -- predicting ------------------------------------------------------------------------
    def predict_proba(self, cohort: Cohort) -> dict[str, np.ndarray]:
        """Per task: binary -> P(y=1) (n,), multiclass -> (n, k) in ``tasks[name].classes``
        order, regression -> predicted values (n,), clustering -> cluster ids (n,)."""
        outputs, _, shared = self._forward(cohort)
        result: dict[str, np.ndarray] = {}
        for t, kind, out in zip(self.task_names_, self.kinds_, outputs, strict=True):
            if kind == "binary":
                result[t] = torch.sigmoid(out[:, 0]).numpy().astype(float)
            elif kind == "multiclass":
                result[t] = torch.softmax(out, dim=1).numpy().astype(float)
            else:
                mean, scale = self.regression_scale_[t]
                result[t] = out[:, 0].numpy().astype(float) * scale + mean
        if self.clustering_:
            result[self.clustering_] = self.kmeans_.predict(shared.numpy().astype(np.float64))
        return result

    def predict(self, cohort: Cohort, *, threshold: float = 0.5) -> dict[str, np.ndarray]:
        """Hard predictions: binary 0/1 at ``threshold``, multiclass class names, regression
        values, clustering ids."""
        proba = self.predict_proba(cohort)
        result = {}
        for t, p in proba.items():
            kind = "clustering" if t == self.clustering_ else self.kinds_[self.task_names_.index(t)]
            if kind == "binary":
                result[t] = (p >= threshold).astype(int)
            elif kind == "multiclass":
                result[t] = np.asarray(self.classes_[t], dtype=object)[p.argmax(axis=1)]
            else:
                result[t] = p
        return result

    def evaluate(self, cohort: Cohort, **kwargs: Any) -> pd.DataFrame:
        """Tidy metrics table via :func:`m3h_lite.evaluation.evaluate` (same keywords)."""
        from ..evaluation import evaluate

        predictions = self.predict_proba(cohort)
        if self.clustering_ and "features" not in kwargs:
            kwargs["features"] = self.embed(cohort)
        return evaluate(cohort, predictions, **kwargs)

    def embed(self, cohort: Cohort) -> np.ndarray:
        """The shared representation (n, hidden): fused modality embeddings after the trunk."""
        _, _, shared = self._forward(cohort, task_snapshots=False)
        return shared.numpy().astype(float)

    def attention_weights(self, cohort: Cohort) -> pd.DataFrame:
        """Mean task-attention weights (T x T) over the cohort; row = the reading task."""
        _, weights, _ = self._forward(cohort, task_snapshots=False)
        mean = weights.mean(dim=0).numpy().astype(float)
        names = pd.Index(self.task_names_, name="reading task")
        return pd.DataFrame(mean, index=names, columns=pd.Index(self.task_names_, name="read"))

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save to a folder: ``weights.pt`` (tensors only) and ``config.json``."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        weights = {"best": self.network_.state_dict()}
        weights.update({f"epoch_{e}": state for e, state in self.snapshots_.items()})
        torch.save(weights, path / "weights.pt")
        # the saved configuration: every declared option, plus tasks and modalities
        names = ("tasks", "modalities", *self._parameter_constraints)
        config = {k: getattr(self, k) for k in names}
        config["modalities"] = list(self.modalities)
        state = {
            "config": config,
            "task_names": self.task_names_,
            "kinds": self.kinds_,
            "clustering": self.clustering_,
            "preprocessor": self.preprocessor_.to_dict(),
            "regression_scale": self.regression_scale_,
            "classes": self.classes_,
            "prevalences": self.prevalences_,
            "best_epoch": self.history_.best_epoch,
            "task_best_epoch": self.history_.task_best_epoch,
            "kmeans_centers": None
            if self.kmeans_ is None
            else self.kmeans_.cluster_centers_.tolist(),
        }
        (path / "config.json").write_text(json.dumps(state, indent=1))
        return path

    @classmethod
    def load(cls, path: str | Path) -> M3HModel:
        """Load a model saved with :meth:`save` (``torch.load(weights_only=True)``)."""
        path = Path(path)
        if not (path / "config.json").exists() or not (path / "weights.pt").exists():
            raise FileNotFoundError(
                f"{path} does not hold a saved M3HModel (config.json, weights.pt)."
            )
        state = json.loads((path / "config.json").read_text())
        model = cls(**state["config"])
        model.task_names_ = state["task_names"]
        model.kinds_ = state["kinds"]
        model.clustering_ = state["clustering"]
        model.preprocessor_ = ModalityPreprocessor.from_dict(state["preprocessor"])
        model.regression_scale_ = {k: tuple(v) for k, v in state["regression_scale"].items()}
        model.classes_ = state["classes"]
        model.prevalences_ = state["prevalences"]
        model.kmeans_ = None
        if state["kmeans_centers"] is not None:
            centers = np.array(state["kmeans_centers"])
            model.kmeans_ = KMeans(n_clusters=len(centers), n_init=1, init=centers).fit(centers)
            model.kmeans_.cluster_centers_ = centers
        model.history_ = History(
            best_epoch=state["best_epoch"], task_best_epoch=state["task_best_epoch"]
        )
        model.network_ = model._build_network().to(model._device())
        weights = torch.load(path / "weights.pt", map_location=model._device(), weights_only=True)
        model.network_.load_state_dict(weights.pop("best"))
        model.network_.eval()
        model.snapshots_ = {int(k.removeprefix("epoch_")): v for k, v in weights.items()}
        if model.early_stopping == "per_task":
            missing = sorted(
                {e for e in model.history_.task_best_epoch if e not in model.snapshots_}
                - {model.history_.best_epoch}
            )
            if missing:
                raise ValueError(
                    f"{path / 'weights.pt'} lacks the per-task weights of epoch(s) {missing}, "
                    "so some tasks would be predicted from the wrong epoch. Save the model "
                    "again with M3HModel.save."
                )
        return model

    # -- internals -------------------------------------------------------------------------
    def _resolve_tasks(self, cohort: Cohort) -> tuple[list[str], str | None]:
        names = cohort.tasks.diagnoses if self.tasks is None else self.tasks
        if not names:
            raise ValueError("Choose at least one task.")
        unknown = [t for t in names if t not in cohort.tasks]
        if unknown:
            raise KeyError(
                f"Unknown task name(s) {unknown}. Known tasks: {', '.join(cohort.tasks.names)}."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"A task is listed twice: {names}.")
        clustering = [t for t in names if cohort.tasks[t].problem_class == "clustering"]
        supervised = [t for t in names if t not in clustering]
        if not supervised:
            raise ValueError(
                "Clustering is an extra output on the shared representation: add at least "
                "one supervised task (e.g. the diagnoses) to learn that representation."
            )
        return supervised, (clustering[0] if clustering else None)

    @staticmethod
    def _check_labels(
        cohort: Cohort, tasks: list[str], *, where: str, need_positive: bool = True
    ) -> None:
        for t in tasks:
            kind = cohort.tasks[t].problem_class
            values = cohort.labels[t]
            if values.isna().any():
                raise ValueError(f"Task {t!r} has missing labels (NaN) in the {where} patients.")
            if kind == "binary" and need_positive:
                positives = int((values == 1).sum())
                if positives == 0 or positives == len(values):
                    raise ValueError(
                        f"Task {t!r} has {positives} positive cases among the {len(values)} "
                        f"{where} patients: a classifier needs both classes. Use more patients "
                        "or drop this task."
                    )

    def _check_fitted(self) -> None:
        if self.network_ is None:
            raise NotFittedError("This M3HModel is not fitted yet: call fit(cohort) first.")

    def _device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _build_network(self) -> M3HNetwork:
        sizes = [
            len(self.classes_[t]) if k == "multiclass" else 1
            for t, k in zip(self.task_names_, self.kinds_, strict=True)
        ]
        return M3HNetwork(
            self.preprocessor_.input_shapes(),
            sizes,
            embed_dim=self.embed_dim,
            hidden=self.hidden,
            alpha=self.alpha,
            dropout=self.dropout,
        )

    def _tensors(self, cohort: Cohort, device: torch.device) -> dict[str, torch.Tensor]:
        arrays = self.preprocessor_.transform(cohort)
        return {m: torch.as_tensor(a, device=device) for m, a in arrays.items()}

    def _targets(self, cohort: Cohort, device: torch.device) -> torch.Tensor:
        columns = []
        for t, kind in zip(self.task_names_, self.kinds_, strict=True):
            values = cohort.labels[t]
            if kind == "multiclass":
                codes = pd.Categorical(values.astype(str), categories=self.classes_[t]).codes
                if (codes < 0).any():
                    raise ValueError(f"Task {t!r} has labels outside {self.classes_[t]}.")
                columns.append(codes.astype(float))
            elif kind == "regression":
                mean, scale = self.regression_scale_[t]
                columns.append((values.to_numpy(dtype=float) - mean) / scale)
            else:
                columns.append(values.to_numpy(dtype=float))
        return torch.as_tensor(np.stack(columns, axis=1), dtype=torch.float32, device=device)

    def _group_ids(self, cohort: Cohort) -> np.ndarray:
        return cohort.group_codes(self.mitigation.attribute)

    @torch.no_grad()
    def _embed_inputs(self, inputs: dict[str, torch.Tensor], batch_size: int = 1024) -> np.ndarray:
        self.network_.eval()
        n = len(next(iter(inputs.values())))
        parts = [
            self.network_.features({m: x[s : s + batch_size] for m, x in inputs.items()})
            for s in range(0, n, batch_size)
        ]
        return torch.cat(parts).cpu().numpy().astype(np.float64)

    @torch.no_grad()
    def _run(self, network: M3HNetwork, inputs: dict[str, torch.Tensor], batch_size: int):
        network.eval()
        outputs, weights, shared = [], [], []
        n = len(next(iter(inputs.values())))
        for s in range(0, n, batch_size):
            out, w, f = network({m: x[s : s + batch_size] for m, x in inputs.items()})
            outputs.append(out)
            weights.append(w)
            shared.append(f)
        per_task = [torch.cat([o[t] for o in outputs]).cpu() for t in range(len(self.task_names_))]
        return per_task, torch.cat(weights).cpu(), torch.cat(shared).cpu()

    @torch.no_grad()
    def _forward(self, cohort: Cohort, batch_size: int = 1024, *, task_snapshots: bool = True):
        """Outputs per task, attention and shared features; with ``task_snapshots`` each
        task's output comes from the weights of its own best epoch."""
        self._check_fitted()
        if not isinstance(cohort, Cohort):
            raise TypeError(f"Expected a Cohort, got {type(cohort).__name__}.")
        with one_thread():
            inputs = self._tensors(cohort, self._device())
            per_task, weights, shared = self._run(self.network_, inputs, batch_size)
            if task_snapshots and self.snapshots_:
                scratch = copy.deepcopy(self.network_)
                for epoch, state in sorted(self.snapshots_.items()):
                    scratch.load_state_dict(state)
                    outputs, _, _ = self._run(scratch, inputs, batch_size)
                    for t, best in enumerate(self.history_.task_best_epoch):
                        if best == epoch:
                            per_task[t] = outputs[t]
        return per_task, weights, shared
