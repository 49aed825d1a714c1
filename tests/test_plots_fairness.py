"""Fairness figures draw without error on small inputs."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import m3h_lite as m3h


def test_fairness_plots(small_cohort):
    c = small_cohort
    p = c.truth.probabilities["pneumonia"].to_numpy()
    audit = m3h.audit_subgroups(
        c, p, task="pneumonia", attribute="sex", threshold=0.2, n_bootstrap=5
    )
    assert m3h.plots.group_metric_bars(audit) is not None
    rng = np.random.default_rng(0)
    fam = pd.DataFrame({"encoding": rng.random(6), "gap": rng.random(6), "shortcut": [0, 1] * 3})
    assert m3h.plots.encoding_vs_gap(fam) is not None
    res = pd.DataFrame({k: rng.random(6) for k in ("id_gap", "ood_gap", "id_auroc", "ood_auroc")})
    assert len(m3h.plots.id_vs_ood(res)) == 2
    y = c.truth.labels["pneumonia"].to_numpy()
    assert m3h.plots.threshold_curves(y, p, c.groups["sex"], current=0.3) is not None
    assert len(m3h.plots.mean_images(m3h.group_mean_images(c))) == 3
    plt.close("all")
