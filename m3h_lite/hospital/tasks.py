"""The task registry: every prediction problem the synthetic hospital poses.

A task has a name, a department, an ICD-10-CM-style code where one applies, a problem class
(binary, multiclass, regression, clustering) and the metric it is judged by. Binary
diagnoses are driven by the shared latent factors (``FACTORS``) through the loadings below,
which is the known task-relation structure later notebooks recover (04-06).
Introduced in notebook 01.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import FACTORS

PROBLEM_CLASSES: tuple[str, ...] = ("binary", "multiclass", "regression", "clustering")
DEFAULT_METRIC = {
    "binary": "auroc",
    "multiclass": "macro_f1",
    "regression": "mae",
    "clustering": "adjusted_rand",
}
DISPOSITIONS: tuple[str, ...] = ("home", "home_with_services", "skilled_nursing", "died")
PHENOTYPES: tuple[str, ...] = (
    "low_acuity",
    "cardiorenal",
    "cardiopulmonary",
    "metabolic",
    "infectious",
)


@dataclass(frozen=True)
class Task:
    """One prediction problem.

    ``loadings`` (binary diagnoses only) maps latent factor -> effect on the log-odds;
    ``private_signal`` is the weight of a disease-specific latent cause that one modality
    shows (``private_modality``), e.g. troponin for myocardial infarction.
    """

    name: str
    title: str
    department: str
    problem_class: str
    metric: str
    icd10: str | None = None
    target_prevalence: float | None = None
    loadings: dict[str, float] = field(default_factory=dict)
    private_signal: float = 0.0
    private_modality: str | None = None
    classes: tuple[str, ...] = ()

    def loading_vector(self) -> np.ndarray:
        """Loadings as an array ordered like ``FACTORS``."""
        return np.array([self.loadings.get(f, 0.0) for f in FACTORS])


def _dx(name, title, department, icd10, prevalence, loadings, private=0.0, modality=None) -> Task:
    return Task(
        name=name,
        title=title,
        department=department,
        problem_class="binary",
        metric="auroc",
        icd10=icd10,
        target_prevalence=prevalence,
        loadings=loadings,
        private_signal=private,
        private_modality=modality,
    )


# fmt: off
DIAGNOSES: tuple[Task, ...] = (
    _dx("heart_failure", "Heart failure", "Cardiology", "I50.9", 0.12,
        {"cardiovascular": 1.6, "renal": 0.6, "respiratory": 0.3}),
    _dx("atrial_fibrillation", "Atrial fibrillation", "Cardiology", "I48.91", 0.08,
        {"cardiovascular": 1.2, "neurological": 0.3}, 1.2, "timeseries"),
    _dx("myocardial_infarction", "Acute myocardial infarction", "Cardiology", "I21.9", 0.04,
        {"cardiovascular": 1.3, "metabolic": 0.6}, 1.2, "tabular"),
    _dx("pneumonia", "Pneumonia", "Pulmonology", "J18.9", 0.10,
        {"respiratory": 1.2, "infection": 1.0}, 1.0, "images"),
    _dx("copd_exacerbation", "COPD exacerbation", "Pulmonology", "J44.1", 0.09,
        {"respiratory": 1.6, "cardiovascular": 0.3}),
    _dx("pulmonary_embolism", "Pulmonary embolism", "Pulmonology", "I26.99", 0.03,
        {"respiratory": 1.0, "cardiovascular": 0.6}),
    _dx("acute_kidney_injury", "Acute kidney injury", "Nephrology", "N17.9", 0.10,
        {"renal": 1.4, "infection": 0.6, "cardiovascular": 0.3}),
    _dx("chronic_kidney_disease", "Chronic kidney disease", "Nephrology", "N18.9", 0.11,
        {"renal": 1.6, "metabolic": 0.6, "cardiovascular": 0.4}),
    _dx("type2_diabetes", "Type 2 diabetes mellitus", "Endocrinology", "E11.9", 0.18,
        {"metabolic": 1.8, "renal": 0.3}),
    _dx("diabetic_ketoacidosis", "Diabetic ketoacidosis", "Endocrinology", "E11.10", 0.025,
        {"metabolic": 1.4, "infection": 0.6, "renal": 0.4}),
    _dx("sepsis", "Sepsis", "Infectious Diseases", "A41.9", 0.07,
        {"infection": 1.6, "renal": 0.4, "cardiovascular": 0.3}),
    _dx("urinary_tract_infection", "Urinary tract infection", "Infectious Diseases", "N39.0", 0.12,
        {"infection": 1.1, "renal": 0.5, "neurological": 0.3}),
    _dx("cellulitis", "Cellulitis", "Infectious Diseases", "L03.90", 0.05,
        {"infection": 1.0, "metabolic": 0.7}),
    _dx("ischemic_stroke", "Ischaemic stroke", "Neurology", "I63.9", 0.04,
        {"neurological": 1.2, "cardiovascular": 0.7, "metabolic": 0.3}, 1.2, "notes"),
    _dx("delirium", "Delirium", "Neurology", "F05", 0.07,
        {"neurological": 1.2, "infection": 0.8}),
    _dx("dementia", "Dementia", "Neurology", "F03.90", 0.06,
        {"neurological": 1.5}),
)
# fmt: on

OPERATIONS: tuple[Task, ...] = (
    Task(
        name="length_of_stay",
        title="Length of stay (days)",
        department="Hospital operations",
        problem_class="regression",
        metric="mae",
    ),
    Task(
        name="disposition",
        title="Discharge disposition",
        department="Hospital operations",
        problem_class="multiclass",
        metric="macro_f1",
        classes=DISPOSITIONS,
    ),
    Task(
        name="readmission_30d",
        title="Readmission within 30 days",
        department="Hospital operations",
        problem_class="binary",
        metric="auroc",
    ),
    Task(
        name="phenotype",
        title="Patient phenotype (unsupervised)",
        department="Phenotyping",
        problem_class="clustering",
        metric="adjusted_rand",
        classes=PHENOTYPES,
    ),
)


class TaskRegistry:
    """An ordered, name-indexed collection of :class:`Task` objects.

    >>> reg = TaskRegistry(DIAGNOSES + OPERATIONS)
    >>> reg["sepsis"].department
    'Infectious Diseases'
    """

    def __init__(self, tasks: Iterable[Task]):
        self._tasks = {t.name: t for t in tasks}

    def __getitem__(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise KeyError(
                f"Unknown task {name!r}. Known tasks: {', '.join(self._tasks)}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def __iter__(self) -> Iterator[Task]:
        return iter(self._tasks.values())

    def __len__(self) -> int:
        return len(self._tasks)

    def __repr__(self) -> str:
        return f"TaskRegistry({len(self)} tasks: {', '.join(self._tasks)})"

    @property
    def names(self) -> list[str]:
        return list(self._tasks)

    def of_class(self, problem_class: str) -> list[str]:
        """Names of the tasks of one problem class (``"binary"``, ``"multiclass"``, ...)."""
        if problem_class not in PROBLEM_CLASSES:
            raise ValueError(
                f"Unknown problem class {problem_class!r}; choose one of {PROBLEM_CLASSES}."
            )
        return [t.name for t in self if t.problem_class == problem_class]

    @property
    def diagnoses(self) -> list[str]:
        """Binary diagnosis tasks (those with an ICD-10 code)."""
        return [t.name for t in self if t.problem_class == "binary" and t.icd10]

    def check(self, names: Iterable[str]) -> list[str]:
        """Validate task names, raising a helpful error for unknown ones."""
        names = [names] if isinstance(names, str) else list(names)
        unknown = [n for n in names if n not in self._tasks]
        if unknown:
            raise KeyError(f"Unknown task(s) {unknown}. Known tasks: {', '.join(self._tasks)}.")
        return names

    def to_frame(self) -> pd.DataFrame:
        """The registry as a table, one row per task."""
        rows = [
            {
                "task": t.name,
                "title": t.title,
                "department": t.department,
                "icd10": t.icd10,
                "problem_class": t.problem_class,
                "metric": t.metric,
                "target_prevalence": t.target_prevalence,
            }
            for t in self
        ]
        return pd.DataFrame(rows).set_index("task")

    def loadings(self) -> pd.DataFrame:
        """Diagnosis x factor loading matrix: the true causal structure."""
        names = self.diagnoses
        return pd.DataFrame(
            [self[n].loading_vector() for n in names], index=names, columns=list(FACTORS)
        )


def default_registry() -> TaskRegistry:
    """All tasks the synthetic hospital defines."""
    return TaskRegistry(DIAGNOSES + OPERATIONS)
