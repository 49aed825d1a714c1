"""m3h_lite: multimodal multitask learning and fairness gaps, taught on a synthetic hospital.

Use it as ``import m3h_lite as m3h``. Names are imported lazily on first use, so importing
the package is fast and has no side effects (PyTorch loads only when a model needs it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it. Add new public functions here.
_API: dict[str, str] = {
    # the synthetic hospital (notebook 01)
    "generate_cohort": "m3h_lite.hospital.generate",
    "load_cohort": "m3h_lite.hospital.storage",
    "save_cohort": "m3h_lite.hospital.storage",
    "verify_checksums": "m3h_lite.hospital.storage",
    "CohortFileError": "m3h_lite.hospital.storage",
    "Cohort": "m3h_lite.hospital.cohort",
    "Truth": "m3h_lite.hospital.cohort",
    "CohortConfig": "m3h_lite.hospital.config",
    "BiasConfig": "m3h_lite.hospital.config",
    "SiteSpec": "m3h_lite.hospital.config",
    "FACTORS": "m3h_lite.hospital.config",
    "MODALITIES": "m3h_lite.hospital.config",
    "Task": "m3h_lite.hospital.tasks",
    "TaskRegistry": "m3h_lite.hospital.tasks",
    "datasheet_markdown": "m3h_lite.hospital.datasheet",
    # splits (notebook 02)
    "Split": "m3h_lite.splits",
    "split_patients": "m3h_lite.splits",
    "split_by_site": "m3h_lite.splits",
    # -- setup check (notebook 00) --
    "doctor": "m3h_lite.course.setup_check",
    "DoctorReport": "m3h_lite.course.setup_check",
    # -- one patient at a time (notebook 01) --
    "patient_record": "m3h_lite.hospital.records",
    "PatientRecord": "m3h_lite.hospital.records",
    "reference_flags": "m3h_lite.hospital.records",
    # -- features, baselines, evaluation, fusion (notebooks 02-03) --
    "evaluate": "m3h_lite.evaluation",
    "compute_metric": "m3h_lite.evaluation",
    "expected_calibration_error": "m3h_lite.evaluation",
    "reliability_curve": "m3h_lite.evaluation",
    "bootstrap_ci": "m3h_lite.evaluation",
    "UndefinedMetricError": "m3h_lite.evaluation",
    "TabularFeatures": "m3h_lite.classical.features",
    "TimeSeriesFeatures": "m3h_lite.classical.features",
    "NoteFeatures": "m3h_lite.classical.features",
    "ImageFeatures": "m3h_lite.classical.features",
    "ModalityFeatures": "m3h_lite.classical.features",
    "mark_negations": "m3h_lite.classical.features",
    "SingleTaskBaselines": "m3h_lite.classical.baselines",
    "fit_single_task_baselines": "m3h_lite.classical.baselines",
    "FusionModels": "m3h_lite.classical.fusion",
    "fit_fusion": "m3h_lite.classical.fusion",
    "compare_fusion": "m3h_lite.classical.fusion",
    "modality_shapley": "m3h_lite.classical.shapley",
    "shapley_values": "m3h_lite.classical.shapley",
    "subset_scores": "m3h_lite.classical.shapley",
    # -- M3H: encoders, task attention, training, TIM (notebooks 04-07) --
    "ModalityPreprocessor": "m3h_lite.multitask.encoders",
    "TaskAttention": "m3h_lite.multitask.attention",
    "M3HModel": "m3h_lite.multitask.model",
    "single_vs_multitask": "m3h_lite.multitask.comparison",
    "label_budget": "m3h_lite.multitask.comparison",
    "win_summary": "m3h_lite.multitask.comparison",
    "TaskSubsetScorer": "m3h_lite.multitask.tim",
    "tim_pairwise": "m3h_lite.multitask.tim",
    "tim_leave_one_out": "m3h_lite.multitask.tim",
    "tim_shapley": "m3h_lite.multitask.tim",
    "attention_view": "m3h_lite.multitask.tim",
    "agreement_with_truth": "m3h_lite.multitask.tim",
    # -- fairness: audit, probes, shortcuts, mitigation, transfer (notebooks 08-10) --
    "audit_subgroups": "m3h_lite.fairness.audit",
    "subgroup_metrics": "m3h_lite.fairness.audit",
    "fairness_gaps": "m3h_lite.fairness.audit",
    "attribute_groups": "m3h_lite.fairness.audit",
    "choose_threshold": "m3h_lite.fairness.audit",
    "task_threshold": "m3h_lite.fairness.audit",
    "compare_labels": "m3h_lite.fairness.audit",
    "task_scores": "m3h_lite.fairness.audit",
    "probe_attribute": "m3h_lite.fairness.probe",
    "demographic_encoding": "m3h_lite.fairness.probe",
    "SmallNet": "m3h_lite.fairness.smallnet",
    "IMAGE_TASKS": "m3h_lite.fairness.smallnet",
    "ModelSpec": "m3h_lite.fairness.shortcuts",
    "group_mean_images": "m3h_lite.fairness.shortcuts",
    "run_shortcut_family": "m3h_lite.fairness.shortcuts",
    "encoding_gap_correlation": "m3h_lite.fairness.shortcuts",
    "bootstrap_correlation": "m3h_lite.fairness.shortcuts",
    "ERM": "m3h_lite.fairness.mitigation",
    "ReSample": "m3h_lite.fairness.mitigation",
    "ReWeight": "m3h_lite.fairness.mitigation",
    "GroupDRO": "m3h_lite.fairness.mitigation",
    "DANN": "m3h_lite.fairness.mitigation",
    "run_transfer_family": "m3h_lite.fairness.transfer",
    "transfer_correlations": "m3h_lite.fairness.transfer",
    "compare_selection_rules": "m3h_lite.fairness.transfer",
    "mitigation_effect": "m3h_lite.fairness.transfer",
    "select_mitigation": "m3h_lite.fairness.transfer",
    "site_splits": "m3h_lite.fairness.transfer",
}

# Submodules reachable as attributes, e.g. ``m3h.plots`` or ``m3h.exercises``.
_SUBMODULES: tuple[str, ...] = (
    "hospital",
    "classical",
    "multitask",
    "fairness",
    "course",
    "evaluation",
    "splits",
    "exercises",
    "plots",
    "widgets",
)

__all__ = sorted([*_API, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = import_module(f"m3h_lite.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'm3h_lite' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
