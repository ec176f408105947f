"""The Pad tab: draw a digit and watch the network read it live.

Updates are coalesced: every canvas change only marks the pad dirty and starts a 0 ms single-shot timer
(if not already pending), so however fast mouse events arrive, at most one prediction runs per pass of the
event loop and events never queue up behind inference. The probabilities, the answer and the feature maps
follow every update; the preprocessing steps and the saliency map (a backward pass) are refreshed at most
every :data:`SLOW_INTERVAL_MS` while drawing, which keeps each update within a frame.

Several digits side by side are read as a number (core.number): each digit framed on the canvas, its tag a
click away from its own input, feature maps and saliency. The Number button (N) widens the canvas for one
of about eight digits.

Hook for the training tab: pressing a digit key 0-9 on the pad emits
``sample_labelled(label: int, strokes: list[np.ndarray], image: np.ndarray)`` with the drawing's strokes
(float32 (N, 3) arrays of x, y, pressure in 0..1 of the canvas side: the core.strokes format) and its
280x280 float32 ink-high image, then clears the canvas for the next sample. Connect it to the sample
store, e.g. ``pad.sample_labelled.connect(lambda label, strokes, image: store.add(label, image, strokes))``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QSlider, QTabWidget, QVBoxLayout, QWidget

from ..core.drawing_file import SavedDrawing
from ..core.explain import Prediction
from ..core.number import NumberReading, read_number
from ..core.reading import NOT_A_DIGIT, OK, UNSURE
from ..core.drawing import PEN_RANGE
from .attribution_view import AttributionView
from .canvas import WIDE_ASPECT, Canvas
from .dream_view import DreamView
from .embedding_view import EmbeddingView
from .help_panel import HelpPanel
from .i18n import translate
from .layers import FeatureMapsView, FiltersView
from .app_state import AppState
from .probabilities import ProbabilityChart, Timeline
from .saliency import SaliencyView
from .stroke_history import StrokeHistory, marked_number
from .steps import StepsView

SLOW_INTERVAL_MS = 100  # steps and saliency: at most ten refreshes a second while drawing


def translated_status(status: str) -> str:
    """A reading's status (core.reading) in the window's words."""
    return {OK: translate("PadTab", "sure"), UNSURE: translate("PadTab", "unsure"),
            NOT_A_DIGIT: translate("PadTab", "not a digit")}[status]


def _section(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class PadTab(QWidget):
    predicted = Signal(object)  # a Prediction, after every (coalesced) update of the views
    sample_labelled = Signal(int, list, object)  # label, strokes (list of (N, 3) arrays), image (280x280 float32)
    drawing_cleared = Signal(list, object)  # the strokes of a drawing about to be cleared, and its label or None

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.prediction: Prediction | None = None
        self.number: NumberReading | None = None  # the drawing read as a number (core.number); None without ink
        self.shown: Prediction | None = None  # what the views show: the drawing, or one digit of a number
        self.selected: int | None = None  # the digit of the number the user clicked, until the drawing changes
        self.updates = 0  # how many predictions ran (benchmarks and tests count coalescing with it)
        self.history = StrokeHistory()  # what was read after each completed stroke: the timeline
        self._kept: str | None = None  # what the last digit key did, shown until the next stroke

        self.canvas = Canvas()
        self.answer = QLabel()
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.answer.font())
        font.setPointSize(18)
        self.answer.setFont(font)
        self.answer.setMinimumHeight(44)
        self.answer.setWordWrap(True)
        self.chart = ProbabilityChart()
        self.steps = StepsView()
        self.saliency = SaliencyView()
        self.feature_maps = FeatureMapsView()
        self.filters = FiltersView()
        self.timeline = Timeline()
        self.attribution = AttributionView()  # the slower methods side by side: computed only while shown
        self.dreams = DreamView(app)  # what each class and filter wants to see, dreamed in the job process
        self.embedding = EmbeddingView(app)  # the test digits by their features, the drawing a ring among them
        self.help = HelpPanel()
        self._build_layout()
        self._build_shortcuts()
        self.extra_actions: list[QAction] = []  # the window's file actions, also offered in the canvas's menu
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._context_menu)

        self._timer = self._single_shot(0, self.refresh)
        self._slow_timer = self._single_shot(SLOW_INTERVAL_MS, self._update_slow_views)
        self.canvas.drawing_changed.connect(self._drawing_changed)
        self.canvas.stroke_finished.connect(self.schedule)
        self.canvas.box_clicked.connect(self.select_digit)
        self.canvas.aspect_changed.connect(self._place_canvas)
        self.saliency.target_changed.connect(self._update_saliency)
        app.model_changed.connect(self._model_changed)
        self._model_changed()

    # --- layout -----------------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(round(PEN_RANGE[0] * 1000), round(PEN_RANGE[1] * 1000))
        self.pen_slider.setValue(round(self.canvas.pen_width() * 1000))
        self.pen_slider.setToolTip(self.tr("pen width ([ and ])"))
        self.pen_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pen_slider.valueChanged.connect(lambda v: self.canvas.set_pen_width(v / 1000))
        self.canvas.pen_width_changed.connect(lambda w: self.pen_slider.setValue(round(w * 1000)))
        undo, clear = QPushButton(self.tr("Undo")), QPushButton(self.tr("Clear"))
        undo.setToolTip(self.tr("undo the last stroke (Ctrl+Z)"))
        clear.setToolTip(self.tr("clear the canvas (Esc)"))
        for button in (undo, clear):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        undo.clicked.connect(self.canvas.undo)
        clear.clicked.connect(lambda: self.clear_drawing())  # not the clicked(bool) argument as a label
        self.wide_button = QPushButton(self.tr("Number"))
        self.wide_button.setCheckable(True)
        self.wide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.wide_button.setToolTip(self.tr("a wide canvas for a number of up to about eight digits (N)"))
        self.wide_button.toggled.connect(self.set_wide)
        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Pen")))
        controls.addWidget(self.pen_slider, 1)
        controls.addWidget(self.wide_button)
        controls.addWidget(undo)
        controls.addWidget(clear)
        self.drawing_panel = QWidget()  # the canvas and its controls: left of the views, or above them when wide
        panel = QVBoxLayout(self.drawing_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.canvas, 1)
        panel.addLayout(controls)
        self._left = left = QVBoxLayout()
        left.addWidget(self.drawing_panel, 1)
        left.addWidget(_section(self.tr("What the network receives (28x28)")))
        left.addWidget(self.steps)

        middle = QVBoxLayout()
        middle.addWidget(self.answer)
        middle.addWidget(self.chart, 1)
        middle.addWidget(_section(self.tr("Why: where the evidence is")))
        middle.addWidget(self.saliency, 1)

        self.side_tabs = QTabWidget()
        self.side_tabs.setUsesScrollButtons(True)
        self.side_tabs.addTab(self.feature_maps, self.tr("Feature maps"))
        self.side_tabs.addTab(self.filters, self.tr("Filters"))
        self.side_tabs.addTab(self.attribution, self.tr("Attribution"))
        self.side_tabs.addTab(self.dreams, self.tr("Dreams"))
        self.side_tabs.addTab(self.embedding, self.tr("Map"))
        self.side_tabs.addTab(self.timeline, self.tr("Timeline"))
        self.side_tabs.addTab(self.help, self.tr("Keys && model"))

        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        row.addLayout(left, 5)
        row.addLayout(middle, 4)
        row.addWidget(self.side_tabs, 5)
        self._outer.addLayout(row, 1)

    def _place_canvas(self) -> None:
        """The square canvas sits left of the views; the wide one across the top of the tab."""
        wide = self.canvas.aspect() > 1
        self.wide_button.setChecked(wide)
        if wide and self._left.indexOf(self.drawing_panel) >= 0:
            self._left.removeWidget(self.drawing_panel)
            self._outer.insertWidget(0, self.drawing_panel)
        elif not wide and self._outer.indexOf(self.drawing_panel) >= 0:
            self._outer.removeWidget(self.drawing_panel)
            self._left.insertWidget(0, self.drawing_panel, 1)
        self.schedule()

    def set_wide(self, wide: bool) -> None:
        """A wide canvas for a number (about eight digits), or the square one for a digit. A drawing that does
        not fit the square goes to the recent drawings first (``drawing_cleared``), as Clear would send it."""
        aspect = WIDE_ASPECT if wide else 1.0
        if aspect < self.canvas.aspect() and any(s[:, 0].max() > aspect for s in self.canvas.strokes()):
            self.clear_drawing()
        self.canvas.set_aspect(aspect)

    def show_drawing(self, drawing: SavedDrawing) -> None:
        """Put saved strokes on the canvas, on a canvas of their aspect, drawn with their pen."""
        self.set_wide(drawing.aspect > 1)
        if drawing.aspect not in (1.0, WIDE_ASPECT):
            self.canvas.set_aspect(drawing.aspect)
        self.canvas.set_strokes(drawing.strokes, drawing.pen)

    def _build_shortcuts(self) -> None:
        def key(sequence, slot) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        key(QKeySequence.StandardKey.Undo, self.canvas.undo)
        key(Qt.Key.Key_Escape, self.clear_drawing)
        key(Qt.Key.Key_BracketLeft, lambda: self.canvas.set_pen_width(self.canvas.pen_width() - 0.01))
        key(Qt.Key.Key_BracketRight, lambda: self.canvas.set_pen_width(self.canvas.pen_width() + 0.01))
        key(Qt.Key.Key_N, self.wide_button.toggle)
        for digit in range(10):
            key(Qt.Key(Qt.Key.Key_0.value + digit), lambda d=digit: self.label_sample(d))

    def context_menu(self) -> QMenu:
        """The canvas's right-click menu: undo, clear, keep as a sample of a digit, and the window's actions."""
        menu = QMenu(self)
        empty = self.canvas.is_empty()
        menu.addAction(self.tr("Undo stroke"), self.canvas.undo).setEnabled(self.canvas.stroke_count() > 0)
        menu.addAction(self.tr("Clear"), self.clear_drawing).setEnabled(not empty)
        keep = menu.addMenu(self.tr("Keep as a sample of"))
        keep.setEnabled(not empty and self.canvas.aspect() == 1)
        for digit in range(10):
            keep.addAction(str(digit), lambda d=digit: self.label_sample(d))
        if self.extra_actions:
            menu.addSeparator()
            menu.addActions(self.extra_actions)
        return menu

    def _context_menu(self, pos) -> None:
        menu = self.context_menu()
        menu.exec(self.canvas.mapToGlobal(pos))
        menu.deleteLater()

    def _single_shot(self, interval_ms: int, slot) -> QTimer:
        # setters, not QTimer(singleShot=True): PySide6 6.12 mis-counts references to a bool keyword
        # argument, which crashes the interpreter at exit
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    # --- behaviour ----------------------------------------------------------------------------------------
    def schedule(self) -> None:
        """Mark the drawing dirty: the views update once, when the event loop is next idle."""
        if not self._timer.isActive():
            self._timer.start()

    def _drawing_changed(self) -> None:
        self.selected = None
        self.schedule()

    def refresh(self) -> Prediction:
        """Predict the current drawing now and update every view."""
        self._timer.stop()
        image = self.canvas.image()
        pred = self.app.predictor.predict(image)
        self.prediction = pred
        drawing = self.canvas.is_drawing()  # touching digits are looked for when the pen lifts
        self.number = (read_number(self.app.predictor, image, not drawing, self.history.memo) if pred.top is not None
                       else None)
        self.updates += 1
        self._show_answer(pred)
        if self._is_number(self.number):
            self._show_number(self.number)
        else:
            self.canvas.set_boxes([])
            self.selected = None
        self._show(self._followed_prediction())
        self._sync_timeline(pred)
        return pred

    def select_digit(self, index: int | None) -> None:
        """Show digit ``index`` of the number (its tag was clicked): its input, probabilities, feature maps and
        saliency, and its curves on the timeline; None follows the digit being written."""
        self.selected = index
        if self.number is not None:
            self._show(self._followed_prediction())
            self._show_timeline()
            self._update_slow_views()

    def _followed(self) -> int | None:
        """The digit of a number the views show: the one clicked, else the one the last stroke ended in (the
        digit being written), else the last one; None when the drawing is not a number."""
        if not self._is_number(self.number):
            return None
        digits = self.number.digits
        if self.selected is not None and self.selected < len(digits):
            return self.selected
        strokes = self.canvas.strokes()
        if strokes:
            height = self.canvas.image_shape()[0]
            x, y = strokes[-1][-1, :2] * height
            inside = [i for i, d in enumerate(digits) if d.box[0] - 4 <= x <= d.box[2] + 4]
            if inside:
                return min(inside, key=lambda i: abs((digits[i].box[1] + digits[i].box[3]) / 2 - y))
        return len(digits) - 1

    def _followed_prediction(self) -> Prediction:
        index = self._followed()
        self.canvas.select_box(index)
        if index is None:
            return self.prediction
        return self.app.predictor.predict_preprocessed(self.number.digits[index].pre)

    def _show(self, pred: Prediction) -> None:
        """The fast views (probabilities, feature maps) now; the steps and the saliency on the slow timer."""
        self.shown = pred
        self.chart.set_probabilities(pred.probabilities, pred.confident)
        self.feature_maps.set_activations(pred.activations)
        if not self.canvas.is_drawing():  # its slower methods (30-80 ms) wait for the pen to lift
            self.attribution.show_prediction(self.app.predictor, pred)
        self.embedding.show_drawing(None if pred.top is None else pred.pre.image)  # kept until its timer fires
        if not self._slow_timer.isActive():
            self._slow_timer.start()
        self.predicted.emit(pred)

    def show_image(self, image: np.ndarray) -> Prediction:
        """Put a raster digit (e.g. an MNIST image from the Evaluate tab: 2-D, ink high) on the canvas and show
        what the network makes of it, feature maps and saliency included."""
        self.canvas.set_picture(image)
        pred = self.refresh()
        self._update_slow_views()
        return pred

    def label_sample(self, label: int) -> None:
        """Emit ``sample_labelled`` for the current drawing and clear the canvas (nothing on an empty one); the
        answer says what happened until the next stroke."""
        if self.canvas.is_empty():
            return
        if self.canvas.aspect() != 1:  # a sample is one digit on the square canvas (the sample store's format)
            self.answer.setText(self.tr("samples are kept from the square canvas: press N, then draw one digit"))
            return
        self.sample_labelled.emit(label, self.canvas.strokes(), self.canvas.image())
        self.clear_drawing(label)
        self._kept = self.tr("kept as a sample of {0}").format(label)
        self.answer.setText(self._kept)

    def clear_drawing(self, label: int | None = None) -> None:
        """Clear the canvas; the drawing goes to the recent drawings first (``drawing_cleared``)."""
        if not self.canvas.is_empty():
            self.drawing_cleared.emit(self.canvas.strokes(), label)
        self.canvas.clear()

    def _show_answer(self, pred: Prediction) -> None:
        if pred.top is not None:
            self._kept = None
        if pred.top is None:
            self.answer.setText(self._kept or self.tr("draw a digit"))
        elif pred.status == NOT_A_DIGIT:
            self.answer.setText(self.tr("not a digit (score {0:.0%})").format(pred.score))
        elif not pred.confident:
            self.answer.setText(self.tr("unsure (maybe {0}, {1:.0%})").format(pred.top, pred.probabilities[pred.top]))
        else:
            self.answer.setText(self.tr("it's a {0}  ({1:.0%})").format(pred.top, pred.probabilities[pred.top]))
        self.answer.setToolTip(self._answer_tip())

    @staticmethod
    def _is_number(number: NumberReading | None) -> bool:
        """Several digits, at least one read surely: parts none of which reads as a sure digit (a zigzag cut
        into pieces) are not a number, and the single-digit answer stands."""
        return number is not None and len(number.digits) >= 2 and any(d.status == OK for d in number.digits)

    def _show_number(self, number: NumberReading) -> None:
        """Several digits side by side: the number in the answer (a "?" after each digit the pad is not sure
        of) and each digit's box on the canvas, its tag a click away from that digit's views."""
        self.answer.setText(self.tr("the number {0}").format(marked_number(number)))
        self.answer.setToolTip("\n".join(self.tr("digit {0}: {1} ({2:.0%}), {3}").format(
            i + 1, d.prediction, d.probabilities[d.prediction], translated_status(d.status))
            for i, d in enumerate(number.digits)))
        self.canvas.set_boxes([(d.box, str(d.prediction), d.status) for d in number.digits])

    def _answer_tip(self) -> str:
        """How the pad decides, with this model's thresholds."""
        reading = self.app.predictor.reading
        tip = self.tr("unsure when the top probability is under {0:.0%}").format(reading.unsure_below)
        if reading.not_a_digit_below is not None:
            tip += "\n" + self.tr("not a digit when the two likeliest classes together get under {0:.0%} (the score)"
                                  ).format(reading.not_a_digit_below)
        return tip

    def _sync_timeline(self, pred: Prediction) -> None:
        """The timeline follows the strokes; the plot is only touched when they changed (redrawing ten curves
        costs more than the prediction)."""
        if self.history.sync(self.canvas, self.app.predictor, pred, self.number) or (
                len(self.timeline.history) != len(self.history.steps)):
            self._show_timeline()

    def _show_timeline(self) -> None:
        index = self._followed()
        self.timeline.set_history(*self.history.curves(None if index is None else self.number.digits[index]))

    def _update_slow_views(self) -> None:
        if self.shown is not None:
            self.steps.show_steps(self.shown.pre)
            self._update_saliency()

    def _update_saliency(self) -> None:
        if self.shown is not None:
            self.saliency.show_for(self.app.predictor, self.shown)

    def _model_changed(self) -> None:
        """The new model's answer now; its saliency map a moment later (refresh starts the slow timer), so
        that the switch is two short turns of the event loop instead of one long one."""
        self.history.clear()
        self.filters.set_model(self.app.checkpoint.model)
        self.help.show_model(self.app.checkpoint)
        self.refresh()
