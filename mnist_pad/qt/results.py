"""What fine-tuning did: held-out accuracy on the user's samples per class, before and after, and MNIST
test accuracy before and after, with a warning when the model is forgetting MNIST. Also the formatting of
what has no value (a class without samples) and of differences in percentage points, for every table.
When no samples were held out there is nothing to compare per class: the table is hidden, the summary says so."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.data import DIGITS
from ..core.evaluate import Report
from ..core.finetune import FORGET_WARN_PP, FinetuneReport
from .i18n import translate
from .theme import FollowsPalette, error_colour

# translucent, so that the cell's own colour shows through: pale on a light table, deep on a dark one
BETTER, WORSE = QColor(46, 160, 67, 70), QColor(220, 53, 69, 70)
NO_SAMPLES = "–"  # a class without samples has no accuracy (not 0%)


def signed_pp(delta: float) -> str:
    """A difference in percentage points with its sign, "+0.25 pp"; one that rounds to zero is "±0.00 pp",
    never "-0.00 pp"."""
    text = f"{delta:+.2f}"
    return "±0.00 pp" if float(text) == 0 else f"{text} pp"


def _pct(value: float | None) -> str:
    return NO_SAMPLES if value is None else f"{value * 100:.1f}%"


def _cell(value: float | None) -> str:
    """Whole percent without the sign (the row says %): a class has a handful of held-out samples, and
    eleven columns in a narrow panel must show all of "100"."""
    return NO_SAMPLES if value is None else f"{value * 100:.0f}"


def _recalls(report: Report | None) -> list[float | None]:
    if report is None:
        return [None] * 10
    return [m["recall"] if m["support"] else None for m in report.per_class]


class FinetuneResults(FollowsPalette, QWidget):
    """A per-class before/after table (columns: the classes) and a summary line (its warning in a red of
    the theme)."""

    ROWS = (QT_TRANSLATE_NOOP("FinetuneResults", "held out"), QT_TRANSLATE_NOOP("FinetuneResults", "before, %"),
            QT_TRANSLATE_NOOP("FinetuneResults", "after, %"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(len(self.ROWS), 11)
        self.table.setHorizontalHeaderLabels([*DIGITS, self.tr("all")])
        self.table.setVerticalHeaderLabels([translate("FinetuneResults", row) for row in self.ROWS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + len(self.ROWS) * 22
                                  + 2 * self.table.frameWidth())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self.clear()
        self.follow_palette()

    def recolour(self) -> None:
        if self.report is not None:
            self.summary.setText(summary_html(self.report, self.palette()))

    def clear(self) -> None:
        self.table.clearContents()
        self.table.setVisible(True)
        self.summary.setText(self.tr("Before/after accuracy appears here after fine-tuning."))
        self.report: FinetuneReport | None = None

    def show_report(self, report: FinetuneReport) -> None:
        self.report = report
        before, after = report.heldout_before, report.heldout_after
        self.table.setVisible(not self._nothing_held_out(report))
        support = [int(m["support"]) for m in before.per_class] if before is not None else [0] * 10
        columns = list(zip(support, _recalls(before), _recalls(after)))
        columns.append((report.heldout, before.accuracy if before else None, after.accuracy if after else None))
        for col, (n, b, a) in enumerate(columns):
            self._set(0, col, str(n))
            self._set(1, col, _cell(b))
            self._set(2, col, _cell(a), None if a is None or b is None or a == b else (BETTER if a > b else WORSE))
        self.summary.setText(summary_html(report, self.palette()))

    @staticmethod
    def _nothing_held_out(report: FinetuneReport) -> bool:
        return not report.heldout or report.heldout_before is None or report.heldout_after is None

    def _set(self, row: int, col: int, text: str, colour: QColor | None = None) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if colour is not None:
            item.setBackground(QBrush(colour))
        self.table.setItem(row, col, item)


def summary_html(report: FinetuneReport, palette: QPalette) -> str:
    parts = [translate("FinetuneResults", "Trained on {0} samples in {1:.1f} s.").format(report.samples_used, report.seconds)]
    if report.heldout_before is not None and report.heldout_after is not None:
        parts.append(translate("FinetuneResults", "Your held-out samples: {0} &rarr; <b>{1}</b>.").format(
            _pct(report.heldout_before.accuracy), _pct(report.heldout_after.accuracy)))
    else:
        parts.append(translate("FinetuneResults", "No samples were held out (add more per class to measure)."))
    if report.mnist_before is not None and report.mnist_after is not None:
        drop = report.mnist_drop_pp or 0.0
        parts.append(translate("FinetuneResults", "MNIST test: {0:.2f}% &rarr; {1:.2f}% ({2}).").format(
            report.mnist_before * 100, report.mnist_after * 100, signed_pp(-drop)))
        if report.forgot:
            warning = translate("FinetuneResults", "<b>Warning:</b> MNIST accuracy fell by more than {0} points: the "
                                "model is forgetting MNIST. Try fewer steps, a lower learning rate or more MNIST "
                                "replay, or revert to the base model.").format(FORGET_WARN_PP)
            parts.append(f"<span style='color:{error_colour(palette)}'>{warning}</span>")
    return " ".join(parts)
