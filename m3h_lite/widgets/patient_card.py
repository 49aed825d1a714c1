"""A patient card: browse one patient at a time across all four modalities.

An ipywidgets 8 view: a slider (or a typed patient id) picks the patient; the card shows
demographics and abnormal results, the 48-hour vital signs, the chest image, the note, and
the recorded beside the true diagnoses. Where no widget frontend exists (nbval, GitHub,
nbviewer, a PDF) the same card is shown as a static PNG with a short text description.
Introduced in notebook 01.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..hospital.records import patient_position, patient_record
from ._static import StaticFallbackBox, figure_png

if TYPE_CHECKING:
    from ..hospital.cohort import Cohort


def _card_png(cohort: Cohort, position: int) -> bytes:
    from ..plots.cohort import patient_card_figure

    return figure_png(patient_card_figure(cohort, position))


def _tables_html(cohort: Cohort, position: int) -> str:
    record = patient_record(cohort, position)
    m = record.measurements
    d = record.diagnoses
    d = d[(d["recorded"] == 1) | (d["true"] == 1) | (d["true_probability"] >= 0.1)]
    diagnoses = (
        d.to_html(border=0, float_format=lambda v: f"{v:.3f}")
        if len(d)
        else "<p>No diagnosis recorded or true, none with true probability above 0.1.</p>"
    )
    return (
        '<div style="display:flex; gap:2em; align-items:flex-start">'
        f"<div><b>Vitals and labs at admission</b>{m.to_html(border=0, na_rep='', float_format='{:g}'.format)}</div>"
        f"<div><b>Diagnoses: recorded vs true</b> (listed if recorded, true, or true "
        f"probability at least 0.1){diagnoses}"
        f"<p><b>Note:</b> {html.escape(record.note)}</p></div></div>"
    )


class PatientCard(StaticFallbackBox):
    """Interactive card for one patient at a time; static PNG where widgets cannot render.

    Parameters
    ----------
    cohort : the cohort to browse.
    patient : the first patient shown: id (``"P000001"``) or row position.
    """

    def __init__(self, cohort: Cohort, *, patient: str | int = 0):
        self._cohort = cohort
        position = patient_position(cohort, patient)
        self.slider = widgets.IntSlider(
            value=position,
            min=0,
            max=len(cohort) - 1,
            description="patient #",
            continuous_update=False,
        )
        self.id_box = widgets.Text(
            value=str(cohort.patient_ids[position]),
            description="or id",
            continuous_update=False,
            layout=widgets.Layout(width="14em"),
        )
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.tables = widgets.HTML()
        super().__init__(
            children=[
                widgets.HBox([self.slider, self.id_box, self.status]),
                self.image,
                self.tables,
            ]
        )
        self._png = b""
        self.slider.observe(self._on_slider, names="value")
        self.id_box.observe(self._on_id, names="value")
        self._render()

    @property
    def position(self) -> int:
        """Row position of the patient shown."""
        return int(self.slider.value)

    @property
    def patient_id(self) -> str:
        """Id of the patient shown."""
        return str(self._cohort.patient_ids[self.position])

    def show(self, patient: str | int) -> None:
        """Switch to ``patient`` (id or row position); raises a clear error if unknown."""
        self.slider.value = patient_position(self._cohort, patient)

    def _on_slider(self, change: dict[str, Any]) -> None:
        self._render()

    def _on_id(self, change: dict[str, Any]) -> None:
        text = str(change["new"]).strip()
        try:
            position = patient_position(self._cohort, text)
        except KeyError as error:
            self.status.value = f'<span style="color:#D55E00">{html.escape(error.args[0])}</span>'
            return
        self.slider.value = position

    def _render(self) -> None:
        position = self.position
        self._png = _card_png(self._cohort, position)
        self.image.value = self._png
        self.tables.value = _tables_html(self._cohort, position)
        self.id_box.value = self.patient_id
        self.status.value = ""

    def description(self) -> str:
        """Stable text shown where neither widgets nor images render."""
        return (
            f"Patient card for {patient_record(self._cohort, self.position).summary()}. "
            f"Move the slider or type an id to browse {len(self._cohort)} patients "
            "(a static image of the card is shown where widgets cannot run)."
        )

    def static_png(self) -> bytes:
        """PNG of the card as it is now (the static fallback)."""
        return self._png


def patient_card(cohort: Cohort, *, patient: str | int = 0) -> PatientCard:
    """Browse patients one at a time across all modalities (ipywidgets 8).

    Shows demographics with flagged results, vital-sign curves, chest image, note and the
    recorded beside the true diagnoses. Without a widget frontend it displays as a static
    PNG. Introduced in notebook 01.
    """
    return PatientCard(cohort, patient=patient)
