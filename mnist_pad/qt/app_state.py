"""What every tab shares: the model in use, the user's samples, the data folder and where datasets are loaded
from. Tabs take this object and nothing else, read from it, and listen to its signals; only the window
connects one tab to another (napari's views take a model; Anki's change hooks after an operation).
"""

from __future__ import annotations

import torch
from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal

from ..core.checkpoint import Checkpoint
from ..core.explain import Predictor
from ..core.jobhost import JobHost
from ..core.jobs import prefetch
from ..core.download import DataSource, SplitLoader
from ..core.samples import SampleStore

DATA_DIR_KEY = "data/dir"  # QSettings key of the folder holding the MNIST (and Fashion-MNIST) files


def app_settings() -> QSettings:
    """The application's settings (window geometry, the data folder, ...), in the platform's usual place."""
    return QSettings("mnist-pad", "mnist-pad")


class AppState(QObject):
    model_changed = Signal()  # a different checkpoint is in use
    model_described = Signal()  # the model in use is the same, its metadata (e.g. its test accuracy) grew
    samples_changed = Signal()  # samples were added, relabelled, deleted or imported
    data_dir_changed = Signal(str)  # the data folder the user chose ("" for the default search)

    def __init__(self, checkpoint: Checkpoint, samples: SampleStore | None = None, settings: QSettings | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checkpoint = checkpoint
        self._predictor = Predictor.for_checkpoint(checkpoint, background=True)
        self.samples = samples if samples is not None else SampleStore()
        self.settings = settings if settings is not None else app_settings()
        self.load_split: SplitLoader | None = None  # tests put a (picklable) loader of small splits here
        self.allow_download = False  # the window downloads a dataset only after asking (qt.data_prompt)
        self.jobs = JobHost()  # the session's job process: fine-tuning, training, evaluation (one at a time)
        qt_app = QCoreApplication.instance()
        if qt_app is not None:
            qt_app.aboutToQuit.connect(self.close)

    # --- the model in use --------------------------------------------------------------------------------
    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def predictor(self) -> Predictor:
        return self._predictor

    def set_checkpoint(self, checkpoint: Checkpoint, graph: bytes | None = None) -> None:
        """``graph``: the model's ONNX graph for the pad, when a job process has made it already. A model the pad
        cannot read (a CIFAR-10 net: colour images of another size) is refused with a BadInput saying so, and
        the model in use stays."""
        predictor = Predictor.for_checkpoint(checkpoint, background=True, graph=graph)
        self._checkpoint, self._predictor = checkpoint, predictor
        self.model_changed.emit()

    def update_meta(self, **values) -> dict:
        """Add to the metadata of the model in use (what a job measured after handing it over)."""
        self._checkpoint.meta.update(values)
        self.model_described.emit()
        return self._checkpoint.meta

    # --- data --------------------------------------------------------------------------------------------
    @property
    def data_dir(self) -> str | None:
        """The folder the user chose for the datasets, or None: $MNIST_PAD_DATA, then the cache."""
        return str(self.settings.value(DATA_DIR_KEY, "") or "") or None

    def set_data_dir(self, folder: str) -> None:
        folder = folder.strip()
        if folder != (self.data_dir or ""):
            self.settings.setValue(DATA_DIR_KEY, folder)
            self.data_dir_changed.emit(folder)

    def data_source(self) -> SplitLoader:
        """What jobs load dataset splits with (picklable: it travels to the job process)."""
        return self.load_split or DataSource(self.data_dir, allow_download=self.allow_download)

    def close(self) -> None:
        """End the job process (the window is closing): a job still running there is stopped, not waited for
        (it saves nothing), and the runners' threads waiting on it end at once."""
        self.jobs.close(timeout=0.5)

    @property
    def device(self):
        """Where the model in use lives (the pad's device; the CPU for an ONNX model of another tool)."""
        model = self._checkpoint.model
        return next(model.parameters()).device if isinstance(model, torch.nn.Module) else torch.device("cpu")

    def start_jobs(self) -> None:
        """Start the job process if it is not running: it imports torch and loads the MNIST training images
        while the user is busy, so that the first job waits for neither. (A tab calls this when first shown.)"""
        self.jobs.start(warmup=(prefetch, (self.data_source(),)))
