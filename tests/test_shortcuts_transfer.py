"""Shortcut and transfer experiments on small cohorts (seconds), plus M3H with mitigation."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import m3h_lite as m3h
from m3h_lite.fairness.shortcuts import ModelSpec, bootstrap_correlation, group_mean_images
from m3h_lite.fairness.transfer import (
    compare_selection_rules,
    run_transfer_family,
    transfer_correlations,
)


def test_group_mean_images(small_cohort):
    means = group_mean_images(small_cohort)
    assert set(means) == {"Black", "not Black", "difference"}
    assert means["difference"].shape == small_cohort.images.shape[1:]
    with pytest.raises(ValueError, match="No patient"):
        group_mean_images(small_cohort, value="Martian")


def test_shortcut_family_runs_and_shortcut_is_encoded():
    specs = [ModelSpec(hidden=8, epochs=2, shortcut=s) for s in (0.0, 1.0)]
    out = m3h.run_shortcut_family(specs, n_patients=1200, seed=3)
    assert list(out.columns[:4]) == ["model", "shortcut", "hidden", "method"]
    strong = out.set_index("shortcut")["encoding"]
    assert strong[1.0] > strong[0.0] + 0.1 and strong[1.0] > 0.9


def test_bootstrap_correlation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    out = bootstrap_correlation(x, 2 * x + rng.normal(0, 0.5, 30), n_bootstrap=200)
    assert out["low"] <= out["r"] <= out["high"] and out["r"] > 0.9
    with pytest.raises(ValueError, match="at least three"):
        bootstrap_correlation([1, 2], [1, 2])
    with pytest.raises(ValueError, match="constant"):
        bootstrap_correlation([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="Length mismatch"):
        bootstrap_correlation([1, 2, 3], [1, 2])


def test_transfer_family_small():
    cohort = m3h.generate_cohort(1600, seed=4)
    specs = [
        ModelSpec(hidden=4, epochs=1),
        ModelSpec(hidden=8, epochs=2, method="groupdro"),
        ModelSpec(hidden=8, epochs=2, method="resample"),
    ]
    out = run_transfer_family(cohort, specs, test_site="river")
    assert len(out) == 3 and out[["id_gap", "ood_gap"]].notna().all().all()
    assert set(transfer_correlations(out, n_bootstrap=50).index) == {"gap", "auroc"}
    rules = compare_selection_rules(out)
    assert "least encoding" in rules.index
    elsewhere = m3h.generate_cohort(300, seed=5, sites=["river"], image_shortcut=0.0)
    other = run_transfer_family(cohort, specs[:1], test_site="river", new_site=elsewhere)
    assert other.loc[0, "id_gap"] == out.loc[0, "id_gap"]  # same model, same ID result
    with pytest.raises(ValueError, match="must be unseen"):
        run_transfer_family(
            cohort,
            specs[:1],
            test_site="river",
            new_site=m3h.generate_cohort(200, seed=5, sites=["north"]),
        )
    with pytest.raises(KeyError, match="lack columns"):
        compare_selection_rules(pd.DataFrame({"model": ["a"]}))


def test_smallnet_refusals(small_cohort):
    with pytest.raises(ValueError, match="unknown modalities"):
        m3h.SmallNet(modalities=("notes",))
    with pytest.raises(NotFittedError, match="not fitted"):
        m3h.SmallNet().embed(small_cohort)
    with pytest.raises(KeyError, match="Unknown binary task"):
        m3h.SmallNet(tasks=("flu",)).fit(small_cohort)
    with pytest.raises(KeyError, match="not a group column"):
        m3h.SmallNet(mitigation=m3h.GroupDRO(attribute="religion")).fit(small_cohort)


@pytest.mark.parametrize("method", ["resample", "reweight", "groupdro", "dann"])
def test_m3h_model_trains_with_each_mitigation(small_cohort, method):
    from m3h_lite.fairness.mitigation import make_mitigation
    from m3h_lite.multitask.model import M3HModel

    train, val = small_cohort.subset(slice(0, 300)), small_cohort.subset(slice(300, 420))
    model = M3HModel(
        tasks=["pneumonia", "heart_failure"],
        modalities=("images", "tabular"),
        mitigation=make_mitigation(method),
        max_epochs=1,
        verbose=False,
    )
    model.fit(train, val_cohort=val)
    probs = model.predict_proba(val)
    assert np.isfinite(probs["pneumonia"]).all()
    assert m3h.demographic_encoding(model, val, attribute="sex").auroc > 0


def test_select_mitigation_chooses_on_validation_only():
    cohort = m3h.generate_cohort(2000, seed=4)
    grid = {"erm": [{}], "resample": [{"power": 0.5}, {"power": 1.0}], "groupdro": [{"eta": 0.1}]}
    out = m3h.select_mitigation(cohort, grid=grid, train_seeds=(0,), hidden=8, epochs=2)
    assert list(out.index) == ["erm", "resample", "groupdro", "selected best"]
    assert {"setting", "val_gap", "test_gap", "test_auroc"} <= set(out.columns)
    methods = out.drop(index=["erm", "selected best"])
    best = methods["val_gap"].idxmin()
    assert out.loc["selected best", "setting"].startswith(best)
    assert out.loc["selected best", "test_gap"] == methods.loc[best, "test_gap"]
    with pytest.raises(ValueError, match="erm"):
        m3h.select_mitigation(cohort, grid={"resample": [{}]})


def test_model_spec_passes_weight_decay():
    assert ModelSpec().build().weight_decay == m3h.SmallNet().weight_decay
    assert ModelSpec(weight_decay=1e-4).build().weight_decay == 1e-4


def test_select_mitigation_protects_the_group_it_is_told(small_cohort):
    with pytest.raises(KeyError, match="protect='religion'"):
        m3h.select_mitigation(small_cohort, protect="religion")


def test_group_codes_follow_category_order(small_cohort):
    codes = small_cohort.group_codes("race_ethnicity")
    column = small_cohort.groups["race_ethnicity"]
    assert codes.dtype == np.int64 and codes.min() >= 0
    assert (np.asarray(column.cat.categories)[codes] == column.astype(str).to_numpy()).all()
    with pytest.raises(KeyError, match="not a group column"):
        small_cohort.group_codes("religion")
