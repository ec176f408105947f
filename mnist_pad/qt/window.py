"""The main window: the Pad, Train and Evaluate tabs, all sharing one :class:`AppState`, with the menu bar.
This is the one place that connects a tab to another: the pad's labelled drawings go to the Train tab's
samples, an image clicked in the Evaluate tab opens in the pad, and the pad's drawing is what Evaluate's
neighbours search for. It also keeps what the user chose (model, pen, tab, saliency, theme, language, recent
files) in the settings, and asks before a close would stop a running job.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QBuffer, QIODevice, QProcess
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget, QWidget

from ..core import drawing_file
from ..core.data import dataset_title
from ..core.drawing_file import SavedDrawing
from ..core.files import FILE_ERRORS, check_output, write_atomic
from ..core.photo import load_photo, photo_ink
from ..core.preprocess import PreprocessError
from . import about, dialogs, i18n, recent, theme
from .app_state import AppState
from .painting import array_to_qimage
from .eval_tab import EvalTab
from .help_panel import SHORTCUTS
from .pad import PadTab
from .train_tab import TrainTab

IMAGE_FILTER = QT_TRANSLATE_NOOP("MainWindow", "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)")
DRAWING_FILTER = QT_TRANSLATE_NOOP("MainWindow", "Saved strokes (*.strokes.json)")
WIDE_PICTURE = 1.6  # a picture this many times wider than high opens on the wide canvas: a number
THEME_KEY = "view/theme"


class MainWindow(QMainWindow):
    def __init__(self, app: AppState, device: str = "cpu", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("mnist-pad")
        self.setAcceptDrops(True)  # a picture dropped anywhere on the window opens on the pad
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.pad = PadTab(app)
        self.train = TrainTab(app)
        self.evaluate = EvalTab(app)
        for widget, title in ((self.pad, self.tr("Pad")), (self.train, self.tr("Train")),
                              (self.evaluate, self.tr("Evaluate"))):
            self.tabs.addTab(widget, title)
        self.pad.sample_labelled.connect(self._keep_sample)  # correct-and-learn
        self.pad.drawing_cleared.connect(lambda strokes, label: recent.add_recent_drawing(
            app.settings, strokes, label, self.pad.canvas.aspect()))
        self.evaluate.image_opened.connect(self.open_in_pad)
        self.pad.embedding.image_opened.connect(self.open_in_pad)
        # the drawing that training and fine-tuning follow in their snapshots (the Train tab's Replay)
        self.pad.predicted.connect(lambda pred: self.train.set_probe(None if pred.top is None else pred.pre.image))
        self.pad.predicted.connect(lambda pred: self.evaluate.set_drawing(None if pred.pre.empty else pred.pre.image))
        self.train.picker.opened.connect(lambda path: recent.add_recent_model(app.settings, path))
        # what the model list did, said where the user is (a menu action may come from any tab)
        self.train.picker.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.train.picker.error.connect(lambda text: self.statusBar().showMessage(text, 15000))
        # one job at a time in the session's job process: a job greys out the other views' start buttons
        self._job_views = [self.train, self.evaluate, self.pad.dreams, self.pad.embedding]
        self._running: dict[QWidget, bool] = {}  # as each view's runner last said (it says so before it starts)
        self._busy_elsewhere: dict[QWidget, bool] = {view: False for view in self._job_views}
        for view in self._job_views:
            view.runner.running_changed.connect(lambda running, view=view: self._jobs_changed(view, running))

        self.model_label = QLabel()
        self._device = device
        self.device_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.device_label)
        app.model_changed.connect(self._show_model)
        app.model_described.connect(self._show_model)
        self.pad.predicted.connect(self._show_engine)  # the ONNX Runtime engine arrives after a moment
        self._show_model()
        self._build_menus()
        self.pad.extra_actions = [self.open_image_action, self.paste_image_action, self.save_drawing_action]
        screen = self.screen().availableGeometry()  # a laptop's 1366x768 or 1024x768: open within it
        self.resize(min(1280, screen.width()), min(800, screen.height()))
        self.dialog: QWidget | None = None  # the Help or About dialog last shown
        self.tabs.currentChanged.connect(self._focus_tab)
        self._focus_tab(self.tabs.currentIndex())

    def _focus_tab(self, index: int) -> None:
        """Keys go to the tab's drawing at once (Esc, Ctrl+Z, the digit keys), with no click on it first."""
        canvas = {self.pad: self.pad.canvas, self.train: self.train.collect.canvas}.get(self.tabs.widget(index))
        if canvas is not None:
            canvas.setFocus()

    # --- menus -------------------------------------------------------------------------------------------
    def _action(self, menu: QMenu, text: str, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda *_: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(self.tr("&File"))
        self.open_image_action = self._action(file, self.tr("Open image..."), self.open_image,
                                              "Ctrl+O")
        self.paste_image_action = self._action(file, self.tr("Paste image"), self.paste_image, QKeySequence.StandardKey.Paste)
        file.addAction(self.train.picker.open_action)
        self.recent_models_menu = file.addMenu(self.tr("Recent models"))
        self.recent_drawings_menu = file.addMenu(self.tr("Recent drawings"))
        self.recent_models_menu.aboutToShow.connect(self._fill_recent_models)
        self.recent_drawings_menu.aboutToShow.connect(self._fill_recent_drawings)
        file.addSeparator()
        self.save_drawing_action = self._action(file, self.tr("Save drawing..."), self.save_drawing,
                                                "Ctrl+S")
        self._action(file, self.tr("Import samples..."), self.train.gallery.import_button.click)
        self._action(file, self.tr("Export samples..."), self.train.gallery.export_button.click)
        file.addSeparator()
        self._action(file, self.tr("Quit"), self.close, "Ctrl+Q")  # Cmd+Q on macOS: Qt maps Ctrl there

        model = bar.addMenu(self.tr("&Model"))
        for action in (self.train.picker.rename_action, self.train.picker.delete_action):
            model.addAction(action)
        model.addAction(self.train.picker.revert_action)

        view = bar.addMenu(self.tr("&View"))
        for i, title in enumerate((self.tr("Pad"), self.tr("Train"), self.tr("Evaluate"))):
            self._action(view, title, lambda i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")
        view.addSeparator()
        self.theme_actions = self._choices(view.addMenu(self.tr("Theme")), theme.THEMES, {
            "system": self.tr("Follow the system"), "light": self.tr("Light"), "dark": self.tr("Dark")},
            self._current_theme(), self.set_theme)
        self.language_actions = self._choices(view.addMenu(self.tr("Language")), i18n.LANGUAGES, {
            "system": self.tr("Follow the system"), "en": "English", "zh_CN": "中文 (简体)"},
            i18n.chosen_language(self.app.settings), self.set_language)

        help_menu = bar.addMenu(self.tr("&Help"))
        self._action(help_menu, self.tr("Help"), self.show_help, "F1")
        self._action(help_menu, self.tr("About mnist-pad"), self.show_about)
        self._action(help_menu, self.tr("About Qt"), QApplication.aboutQt)

    def _choices(self, menu: QMenu, keys, texts: dict, current: str, slot) -> dict[str, QAction]:
        group = QActionGroup(self)
        actions = {}
        for key in keys:
            action = menu.addAction(texts[key])
            action.setCheckable(True)
            action.setChecked(key == current)
            action.triggered.connect(lambda _=False, key=key: slot(key))
            group.addAction(action)
            actions[key] = action
        return actions

    def _fill_recent_models(self) -> None:
        menu = self.recent_models_menu
        menu.clear()
        paths = recent.recent_models(self.app.settings)
        for path in [p for p in paths if Path(p).is_file()]:  # renamed or deleted since: gone from the list
            menu.addAction(Path(path).stem + "  —  " + path, lambda p=path: self.train.picker.open_file(p))
        if not paths:
            menu.addAction(self.tr("(none yet: models you open appear here)")).setEnabled(False)

    def _fill_recent_drawings(self) -> None:
        menu = self.recent_drawings_menu
        menu.clear()
        drawings = recent.recent_drawings(self.app.settings)
        for n, drawing in enumerate(drawings, 1):
            label = drawing.get("label")
            text = (self.tr("{0}. kept as {1}").format(n, label) if type(label) is int
                    else self.tr("{0}. drawing ({1} strokes)").format(n, len(drawing["strokes"])))
            menu.addAction(text, lambda d=drawing: self.show_drawing(recent.drawing_of(d)))
        if not drawings:
            menu.addAction(self.tr("(none yet: drawings you clear appear here)")).setEnabled(False)

    def _jobs_changed(self, changed: QWidget | None = None, running: bool = False) -> None:
        """Each view that starts jobs waits while another view's job holds the job process; told only when that
        changes (a view told the process is free may start a job at once, which calls this again; and a view
        told again that the process is free would enable its start buttons under its own running job)."""
        if changed is not None:
            self._running[changed] = running
            self.train.picker.set_busy(any(self._running.values()))  # a job may be reading the model's file
        busy = {view: any(self._running.get(other, False) for other in self._job_views if other is not view)
                for view in self._job_views}
        for view, elsewhere in busy.items():
            if self._busy_elsewhere.get(view) != elsewhere:
                self._busy_elsewhere[view] = elsewhere
                view.set_busy_elsewhere(elsewhere)

    # --- actions -----------------------------------------------------------------------------------------
    def _keep_sample(self, label: int, strokes: list, image) -> None:
        """The pad's digit key: the Train tab keeps the sample (or says why not); the status bar confirms."""
        if self.train.add_labelled(label, strokes, image) is not None:
            self.statusBar().showMessage(
                self.tr("Kept as a sample of {0} for fine-tuning (samples in the Train tab: {1}).").format(
                    label, len(self.app.samples)), 5000)

    def show_drawing(self, drawing: SavedDrawing) -> None:
        """Put a drawing's strokes back on the pad (a recent drawing, a saved one) and bring the pad to the
        front."""
        self.pad.clear_drawing()
        self.pad.show_drawing(drawing)
        self.tabs.setCurrentWidget(self.pad)

    def open_image(self, path: str | None = None) -> bool:
        """Read a picture of a digit or a number onto the pad: a drawing, or a photo or scan of paper (uneven
        light, ruled or coloured paper, either polarity: core.photo finds the ink); True when it was read."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Open an image of a digit"), "", ";;".join(
                i18n.translate("MainWindow", f) for f in (IMAGE_FILTER, DRAWING_FILTER)))
            if not path:
                return False
        if drawing_file.is_drawing_file(path):
            return self._open_drawing_file(path)
        try:
            image = load_photo(path)
        except (PreprocessError, ValueError, *FILE_ERRORS) as exc:
            QMessageBox.warning(self, self.tr("Cannot open the image"), str(exc))
            return False
        self.pad.clear_drawing()
        self.open_in_pad(image)
        self.statusBar().showMessage(self.tr("Opened {0}").format(path), 5000)
        return True

    def _open_drawing_file(self, path: str) -> bool:
        """A drawing's strokes saved by :meth:`save_drawing`, back on the pad to draw on and undo."""
        try:
            drawing = drawing_file.load(path)
        except (ValueError, *FILE_ERRORS) as exc:
            QMessageBox.warning(self, self.tr("Cannot open the drawing"), str(exc))
            return False
        self.show_drawing(drawing)
        self.statusBar().showMessage(self.tr("Opened {0}").format(path), 5000)
        return True

    def save_drawing(self, path: str | None = None) -> bool:
        """Save the pad's drawing as a PNG (dark ink on white, 280 px high): what ``predict`` and Open read back;
        its strokes, when it has any, beside it (``name.strokes.json``: Open puts them back to draw on)."""
        if self.pad.canvas.is_empty():
            self.statusBar().showMessage(self.tr("Nothing to save: the pad is empty."), 5000)
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the drawing"), "drawing.png", "PNG (*.png)")
            if not path:
                return False
        canvas = self.pad.canvas
        ink = canvas.image()
        image = array_to_qimage(1.0 - np.clip(ink, 0, 1), ink.shape[1], ink.shape[0])
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        strokes, beside = canvas.strokes(), drawing_file.drawing_path(path)
        try:
            for out in (path, beside):  # both writable, before either is written
                check_output(out, "file")
            write_atomic(Path(path), bytes(buffer.data()))
            if strokes:
                drawing_file.save(beside, SavedDrawing(strokes, canvas.aspect(), canvas.pen_width()))
            else:  # a picture alone: strokes of an older drawing must not come back with Open
                beside.unlink(missing_ok=True)
        except (ValueError, *FILE_ERRORS) as exc:
            QMessageBox.warning(self, self.tr("Cannot save the drawing"), str(exc))
            return False
        self.statusBar().showMessage(self.tr("Saved the drawing to {0}").format(path) if not strokes else self.tr(
            "Saved the drawing to {0} and its strokes to {1}").format(path, drawing_file.drawing_path(path).name), 5000)
        return True

    def set_theme(self, name: str) -> None:
        self.app.settings.setValue(THEME_KEY, name)
        theme.apply_theme(QApplication.instance(), name)

    def _current_theme(self) -> str:
        name = str(self.app.settings.value(THEME_KEY, "system"))
        return name if name in theme.THEMES else "system"

    def set_language(self, name: str) -> None:
        """Keep the choice and offer to restart: the window is built in one language."""
        if name == i18n.chosen_language(self.app.settings):
            return
        self.app.settings.setValue(i18n.SETTINGS_KEY, name)
        self.app.settings.sync()
        if dialogs.confirm(self, self.tr("Language"),
                           self.tr("The new language is used from the next start of mnist-pad. Restart now?"),
                           self.tr("Restart now")) and self.close():
            if not QProcess.startDetached(sys.executable, ["-m", "mnist_pad", *sys.argv[1:]]):
                print("mnist-pad: error: could not start mnist-pad again; start it yourself", file=sys.stderr)

    def show_help(self) -> QWidget:
        self.dialog = about.show_html(self, self.tr("mnist-pad help"), about.help_html(list(SHORTCUTS)))
        return self.dialog

    def show_about(self) -> QWidget:
        self.dialog = about.show_html(self, self.tr("About mnist-pad"), about.about_html(self.app.checkpoint))
        return self.dialog

    def paste_image(self) -> bool:
        """Ctrl+V: a picture on the clipboard (or a copied image file) onto the pad, read as :meth:`open_image`
        reads a file; True when there was one."""
        data = QApplication.clipboard().mimeData()
        return self._open_dropped(data) if data is not None else False

    def _open_dropped(self, data) -> bool:
        """A dropped or pasted picture: the first local file of ``data``, else its image; False when neither."""
        files = [url.toLocalFile() for url in data.urls() if url.isLocalFile()]
        if files:
            return self.open_image(files[0])
        if not data.hasImage():
            self.statusBar().showMessage(self.tr("There is no picture to open."), 5000)
            return False
        image = data.imageData().convertToFormat(QImage.Format.Format_RGB888)
        pixels = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
        pixels = pixels.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
        self.pad.clear_drawing()
        self.open_in_pad(photo_ink(pixels.reshape(image.height(), image.width(), 3)))
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self._open_dropped(event.mimeData()):
            event.acceptProposedAction()

    def open_in_pad(self, image) -> None:
        """Show an image (ink high, any size) in the pad and bring the pad to the front; a picture much wider
        than high (a number) widens the canvas."""
        if image.shape[1] >= WIDE_PICTURE * image.shape[0]:
            self.pad.set_wide(True)
        self.pad.show_image(image)
        self.tabs.setCurrentWidget(self.pad)

    # --- remembered state --------------------------------------------------------------------------------
    def restore_state(self) -> None:
        """The window as the user left it: geometry, tab, pen width, saliency choice, the pad's drawing."""
        settings = self.app.settings
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.tabs.setCurrentIndex(_int(settings.value("window/tab"), 0, self.tabs.count() - 1))
        pen = settings.value("pad/pen")
        if pen is not None:
            try:
                self.pad.canvas.set_pen_width(float(pen))
            except (TypeError, ValueError):
                pass
        saliency = self.pad.saliency
        saliency.method_box.setCurrentIndex(_int(settings.value("pad/saliency_method"), 0, saliency.method_box.count() - 1))
        saliency.class_box.setCurrentIndex(_int(settings.value("pad/saliency_class"), 0, saliency.class_box.count() - 1))
        drawing = recent.last_drawing(settings)
        if drawing is not None:
            self.pad.show_drawing(drawing)
        self._focus_tab(self.tabs.currentIndex())

    def save_state(self) -> None:
        settings = self.app.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/tab", self.tabs.currentIndex())
        settings.setValue("pad/pen", self.pad.canvas.pen_width())
        settings.setValue("pad/saliency_method", self.pad.saliency.method_box.currentIndex())
        settings.setValue("pad/saliency_class", self.pad.saliency.class_box.currentIndex())
        recent.save_last_drawing(settings, self.pad.canvas.strokes(), self.pad.canvas.aspect())
        path = self.app.checkpoint.path
        settings.setValue("model/path", str(path) if path is not None else "")
        settings.sync()

    # --- status bar --------------------------------------------------------------------------------------
    def _show_model(self) -> None:
        ckpt = self.app.checkpoint
        acc = ckpt.meta.get("test_accuracy")
        self.model_label.setText(self.tr("model: {0} ({1:.2f}% on {2} test)").format(
            ckpt.name, acc * 100, dataset_title(ckpt.meta.get("dataset", "mnist"))) if acc is not None
            else self.tr("model: {0}").format(ckpt.name))
        self._show_engine()

    def _show_engine(self, *_) -> None:
        text = self.tr("inference: {0}, {1}").format(self._device, self.app.predictor.engine.name)
        if text != self.device_label.text():
            self.device_label.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Ask before stopping a running job; then stop the tabs' jobs at once (the job process is ended, not
        waited for: a stopped job saves nothing) and keep the window's state."""
        if (self.train.is_running() or self.evaluate.is_running()) and not dialogs.confirm(
                self, self.tr("Quit mnist-pad?"),
                self.tr("A job (training, fine-tuning or an evaluation) is running. Quitting stops it, and nothing "
                        "it was doing is saved."), self.tr("Stop and quit")):
            event.ignore()
            return
        self.save_state()
        self.app.close()  # first: a job waiting on the process ends as soon as the process has gone
        self.train.shutdown()
        self.evaluate.shutdown()
        for view in (self.pad.dreams, self.pad.embedding):  # their worker threads must not outlive the window
            view.runner.shutdown()
        super().closeEvent(event)


def _int(value: object, low: int, high: int) -> int:
    """A stored index back as an int within [low, high] (settings files are text and may be edited)."""
    try:
        return min(max(int(value), low), high)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return low
