"""The embedding map (:mod:`mnist_pad.core.embedding_map`): the MNIST test digits as dots coloured by class, placed
by the model in use's penultimate-layer features, the user's samples as stars, and the drawing as a ring that
moves while the user draws; its nearest digits are a click on the ring (or on *Neighbours*) away.

    view = EmbeddingView(app)      # the application state: the model in use, the samples, the job process
    view.show_drawing(x)           # x: the drawing's (28, 28) network input (float 0..1 or uint8, ink high), or its
                                   #   unit-length penultimate features (d,), or None (nothing drawn: no ring).
                                   #   Call it on every update: it only keeps x; the ring follows within DOT_MS
    view.set_method("tsne")        # "pca" (the default), "tsne" or "umap"; view.method()
    view.compute()                 # compute the chosen map again (after new samples, say)
    view.show_neighbours()         # list the K nearest digits of the drawing (as a click on the ring does)
    view.map                       # the core.embedding_map.EmbeddingMap on screen, or None
    view.dot                       # (2,) where the drawing is on the map, or None
    view.neighbours                # indices into view.map of the digits listed
    view.map_shown                 # signal(method): a map is on screen
    view.dot_moved                 # signal: the ring moved (or went: view.dot is None)
    view.image_opened              # signal((28, 28) uint8): a listed digit was clicked, to open in the pad
    view.runner                    # its JobRunner: the window wires runner.running_changed to the other tabs'
    view.set_busy_elsewhere(b)     #   set_busy_elsewhere, and theirs to this one's, as between the two tabs

The window wires the pad: ``pad.predicted.connect(lambda p: view.show_drawing(None if p.pre.empty else
p.pre.image))``. That call stays off the pad's fast path: it stores the image and starts a timer; at most every
:data:`DOT_MS` the drawing's features are computed (one torch pass through the model in use, about 0.6 ms on
one core for the shipped default model) and placed on the map (PCA: a matrix product; t-SNE/UMAP: the mean of
its nearest points), only while the view is visible. The map of 10,000 points is cached as a picture, so the
ring's move repaints the ring, not the map (docs/embedding-map.md has the figures).

The map is computed in the job process (:attr:`AppState.jobs`, one job at a time) when the view is shown and
the chosen method's map of the model in use is not known yet, and again after a change of model; PCA takes a
second or two, t-SNE and UMAP longer (a subset of the test digits). New samples are shown at the next
*Compute*, not by themselves (a t-SNE map for each labelled drawing would hold the job process). An ONNX model
of another tool has no penultimate features: the view says so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from ..core.checkpoint import weights
from ..core.device import resolve_device
from ..core.embedding_map import METHODS, EmbeddingMap, drawing_features, embedding_map_job
from ..core.eval_jobs import samples_split
from ..core.foreign import is_trainable
from ..core.progress import Progress
from .app_state import AppState
from .data_prompt import offer_data
from .eval_views import ImageList
from .job_view import JobView
from .probabilities import CLASS_COLOURS
from .theme import FollowsPalette, error_colour, plot_colours, recolour_plot

DOT_MS = 50  # the ring follows the drawing at most 20 times a second
NEIGHBOURS = 12  # digits listed for the drawing (as the Evaluate tab's neighbours)
NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}  # the methods' names (not translated)


class MapPlot(FollowsPalette, pg.GraphicsLayoutWidget):
    """The scatter: one item per class (the legend's entries), the samples, the drawing's ring and the rings of
    its listed neighbours; the legend (the classes' colours: the status line names the stars and the ring) in a
    row of its own above the map, where it hides no digit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = pg.LegendItem(colCount=len(CLASS_COLOURS), frame=False)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # its columns packed
        self.addItem(self.legend, row=0, col=0)
        self.plot_item = self.addPlot(row=1, col=0)
        self.plot_item.legend = self.legend  # items added with a name get their entry; recolour_plot finds it
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        for axis in ("left", "bottom"):  # the plane's coordinates mean nothing by themselves
            self.plot_item.hideAxis(axis)
        self.classes = [pg.ScatterPlotItem(size=4, pen=None, brush=_colour(c, 170), name=str(c))
                        for c in range(len(CLASS_COLOURS))]
        self.samples = pg.ScatterPlotItem(size=12, symbol="star")
        self.neighbours = pg.ScatterPlotItem(size=10, brush=None)
        self.dot = pg.ScatterPlotItem(size=24, brush=None)
        for item in (*self.classes, self.samples):
            # drawn once into a picture: the ring's moves then repaint the ring only, not 10,000 dots
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot_item.addItem(item)
        for item in (self.neighbours, self.dot):  # the map's extent is the digits' alone
            self.plot_item.addItem(item, ignoreBounds=True)
        self.follow_palette()

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        recolour_plot(self.plot_item, foreground)
        self.samples.setPen(pg.mkPen(foreground, width=1))
        self.neighbours.setPen(pg.mkPen(foreground, width=1.5))
        self.dot.setPen(pg.mkPen(foreground, width=3))

    def show_map(self, m: EmbeddingMap) -> None:
        digits = ~m.is_sample
        for c, item in enumerate(self.classes):
            item.setData(pos=m.points[digits & (m.labels == c)])
        self.samples.setData(pos=m.points[m.is_sample], brush=[_colour(c) for c in m.labels[m.is_sample]])
        self.neighbours.setData(pos=np.zeros((0, 2)))
        self.plot_item.autoRange(padding=0.02)

    def clear_map(self) -> None:
        for item in (*self.classes, self.samples, self.neighbours, self.dot):
            item.setData(pos=np.zeros((0, 2)))


def _colour(label: int, alpha: int = 255) -> QColor:
    colour = QColor(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)])
    colour.setAlpha(alpha)
    return colour


class EmbeddingView(JobView):
    map_shown = Signal(str)  # the method whose map is on screen
    dot_moved = Signal()  # the drawing's ring moved, appeared or went (view.dot)
    image_opened = Signal(object)  # a (28, 28) uint8 digit the user clicked in the neighbours' list

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.device = str(resolve_device("auto"))
        self.map: EmbeddingMap | None = None
        self.dot: np.ndarray | None = None
        self.neighbours = np.zeros(0, np.int64)
        self._drawing: np.ndarray | None = None  # what show_drawing got last: an image or features
        self._maps: dict[str, EmbeddingMap] = {}  # the model in use's maps, by method
        self._running: str | None = None  # the method of the last job started
        self._dot_timer = QTimer(self)
        self._dot_timer.setSingleShot(True)
        self._dot_timer.setInterval(DOT_MS)
        self._dot_timer.timeout.connect(self._move_dot)
        self._build()
        self.runner.progress.connect(self._progress)
        self.runner.message.connect(self._message)
        self.runner.running_changed.connect(self._running_changed)
        self.runner.needs_data.connect(lambda missing, retry: offer_data(self, app, missing, retry,
                                                                         lambda text: self._say(text, error=True)))
        app.model_changed.connect(self._model_changed)
        app.samples_changed.connect(self._samples_changed)
        self._model_changed()

    def _build(self) -> None:
        self.method_box = QComboBox()
        for method in METHODS:
            self.method_box.addItem(NAMES[method], method)
        self.method_box.setToolTip(self.tr("PCA: the two directions the features vary most along; all 10,000 "
                                           "test digits in a second or two. t-SNE and UMAP keep neighbours together "
                                           "and show the classes as islands: seconds, on a subset of the digits. "
                                           "UMAP needs umap-learn, and its first map of a session compiles its code "
                                           "(about a minute)."))
        self.compute_button = QPushButton(self.tr("Compute"))
        self.compute_button.setToolTip(self.tr("Compute the map again (with your newest samples)"))
        self.neighbours_button = QPushButton(self.tr("Neighbours"))
        self.neighbours_button.setToolTip(self.tr("The digits nearest to your drawing (or click the ring)"))
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.plot = MapPlot()
        self.neighbour_list = ImageList("")  # its hint: _set_map
        self.neighbour_list.setMaximumHeight(190)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.method_box.currentIndexChanged.connect(lambda _: self._show())
        self.compute_button.clicked.connect(self.compute)
        self.neighbours_button.clicked.connect(self.show_neighbours)
        self.plot.dot.sigClicked.connect(lambda *_: self.show_neighbours())
        self.neighbour_list.chosen.connect(lambda i: self.image_opened.emit(self.map.images[i]))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Map")))
        top.addWidget(self.method_box)
        top.addWidget(self.compute_button)
        top.addWidget(self.neighbours_button)
        top.addWidget(self.progress)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.neighbour_list)

    # --- the public methods ------------------------------------------------------------------------------
    def method(self) -> str:
        return self.method_box.currentData()

    def set_method(self, method: str) -> None:
        self.method_box.setCurrentIndex(self.method_box.findData(method))

    def show_drawing(self, drawing: np.ndarray | None) -> None:
        """Keep the drawing (its (28, 28) input or its features; None: nothing drawn); the ring follows it
        within :data:`DOT_MS` while the view is visible. Cheap: call it on every update of the pad."""
        self._drawing = drawing
        if not self._dot_timer.isActive():
            self._dot_timer.start()

    def compute(self) -> None:
        """Compute the chosen method's map again (its known map is dropped), e.g. to show new samples."""
        self._maps.pop(self.method(), None)
        self._failed.discard(self.method())
        self._show()

    def show_neighbours(self) -> None:
        """List the drawing's :data:`NEIGHBOURS` nearest digits (test digits and samples) and ring them on the
        map; the list stays until asked again."""
        if self.map is None:
            self._say(self.tr("The map is not ready yet."), error=True)
            return
        features = self._features()
        if features is None:
            self._say(self.tr("Draw a digit on the pad first: its nearest digits are listed here."), error=True)
            return
        m = self.map
        self.neighbours = found = m.nearest(features, NEIGHBOURS)
        distance = dict(zip(found.tolist(), m.distances(features, found).tolist()))
        mine = self.tr("my sample")

        def caption(i: int) -> str:
            return f"{m.labels[i]}  d={distance[i]:.3f}" + (f" ({mine})" if m.is_sample[i] else "")

        def tooltip(i: int) -> str:
            source = self.tr("my sample #{0}") if m.is_sample[i] else self.tr("MNIST test #{0}")
            return self.tr("{0}, label {1}, cosine distance {2:.4f}").format(source.format(m.index[i]), m.labels[i],
                                                                          distance[i])

        self.neighbour_list.show_items(self.tr("The {0} digits nearest to your drawing in {1}'s penultimate layer "
                                               "(cosine distance); click one to open it in the pad").format(
                                           len(found), m.model), m.images, found, caption, tooltip)
        self.plot.neighbours.setData(pos=m.points[found])

    # --- the map -----------------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._move_dot()  # the drawing may have changed while the view was hidden

    def _model_changed(self) -> None:
        self.runner.cancel()
        self._maps.clear()
        self._failed.clear()
        self._show()

    def _samples_changed(self) -> None:
        """Known maps lack the new samples: the one on screen stays (and says so); the others are dropped."""
        self._maps = {method: m for method, m in self._maps.items() if m is self.map}
        if self.map is not None:
            self._say(self.tr("Your samples changed: Compute to show them on the map."))

    def _show(self) -> None:
        """The chosen map when it is known; else compute it (when visible and the job process is free)."""
        method = self.method()
        known = self._maps.get(method)
        if known is not None:
            if known is not self.map:
                self._show_map(known)
            return
        self._set_map(None)
        if not is_trainable(self.app.checkpoint):
            self._say(self.tr("{0} is an ONNX model of another tool: it gives its class scores only, and has no "
                              "penultimate layer to map.").format(self.app.checkpoint.name), error=True)
            return
        if not self.isVisible() or self.runner.is_running() or method in self._failed:
            return
        if self._busy_elsewhere:
            self._say(self.tr("Another job is running; the map follows when it has ended."))
            return
        ckpt = self.app.checkpoint
        source = ckpt.path if ckpt.path is not None else (ckpt.meta, weights(ckpt.model))
        job = self.runner.in_process(embedding_map_job, source, self.app.data_source(),
                                     samples_split(self.app.samples)[0], method, self.device)
        self._running = method
        self.runner.run(job, lambda result: self._mapped(ckpt, method, result),
                        self.tr("computing the features of the test digits…"), retry=self.compute)

    def _mapped(self, ckpt, method: str, result: EmbeddingMap) -> None:
        """Keep the map of the model that made it; the run's end (``running_changed``) shows it."""
        if ckpt is self.app.checkpoint:
            self._maps[method] = result

    def _running_changed(self, running: bool) -> None:
        self.progress.setVisible(running)
        if not running:
            self._show()

    def _show_map(self, m: EmbeddingMap) -> None:
        self._set_map(m)
        samples = int(m.is_sample.sum())
        text = self.tr("{0:,} MNIST test digits and {1:,} of your samples (stars), placed by {2}'s penultimate "
                       "layer with {3} in {4:.1f} s. Your drawing is the ring: click it for its nearest digits.")
        self._say(text.format(len(m) - samples, samples, m.model, NAMES[m.method], m.seconds))
        self.map_shown.emit(m.method)

    def _set_map(self, m: EmbeddingMap | None) -> None:
        self.map = m
        self.neighbours = np.zeros(0, np.int64)
        self.neighbour_list.show_items(self.tr("Click the ring of your drawing to see the digits nearest to it."),
                                       np.zeros((0, 28, 28), np.uint8), [], str)
        if m is None:
            self.plot.clear_map()
        else:
            self.plot.show_map(m)
        self._move_dot()

    # --- the drawing's ring ------------------------------------------------------------------------------
    def _features(self) -> np.ndarray | None:
        """The drawing's features in the map's space; None without a drawing or a map."""
        x, m = self._drawing, self.map
        if x is None or m is None:
            return None
        x = np.asarray(x)
        features = x if x.ndim == 1 else drawing_features(self.app.checkpoint.model, x)
        return features if features.shape == m.features.shape[1:] else None  # features of another model: none

    def _move_dot(self) -> None:
        if not self.isVisible():  # placed when shown
            return
        features = self._features()
        self.dot = None if features is None else self.map.place(features)
        self.plot.dot.setData(pos=np.zeros((0, 2)) if self.dot is None else self.dot[None])
        self.dot_moved.emit()

    # --- what the runner says ----------------------------------------------------------------------------
    def _progress(self, p: Progress) -> None:
        if p.kind == "project":
            self.progress.setRange(0, 0)  # busy: the projection says nothing until it ends
            self._say(self.tr("projecting with {0}…").format(NAMES[self._running]))
        else:
            self.progress.setRange(0, p.steps)
            self.progress.setValue(p.step)

    def _message(self, text: str, error: bool) -> None:
        self._say(text, error)
        if error:
            self._failed.add(self._running)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {error_colour(self.palette())};" if error else "")
        self.status.setText(text)
