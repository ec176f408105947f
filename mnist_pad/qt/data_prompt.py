"""When a job needs a dataset that is not on this computer: say so in the window's words (not the command
line's ``--data-dir`` and ``$MNIST_PAD_DATA``) and let the user choose its folder or allow a download, then
run the job again. Nothing is downloaded without asking."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..core.data import DataMissing, dataset_title
from .app_state import AppState
from .i18n import translate

DOWNLOAD_MB = {"mnist": 11, "fashion-mnist": 30, "cifar10": 163}  # the .gz files, rounded


def missing_text(missing: DataMissing) -> str:
    """One or two sentences for the tab's status line and the question."""
    name = dataset_title(missing.dataset or "mnist")
    if missing.folder:
        return translate("DataPrompt", "The data folder {folder} does not hold the {name} files: choose the right "
                         "folder, or empty the Data field of the Train tab to use the usual place.").format(
            folder=missing.folder, name=name)
    return translate("DataPrompt", "The {name} images are not on this computer yet: choose the folder that holds "
                     "them, or let mnist-pad download them (about {mb} MB).").format(
        name=name, mb=DOWNLOAD_MB.get(missing.dataset or "mnist", 30))


def ask(parent: QWidget, missing: DataMissing) -> str | None:
    """Ask what to do: ``"folder"``, ``"download"`` or None (cancelled). Tests replace this function."""
    box = QMessageBox(QMessageBox.Icon.Question, translate("DataPrompt", "Data needed"), missing_text(missing),
                      QMessageBox.StandardButton.Cancel, parent)
    folder = box.addButton(translate("DataPrompt", "Choose folder..."), QMessageBox.ButtonRole.ActionRole)
    download = None if missing.folder else box.addButton(translate("DataPrompt", "Download"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter downloads nothing
    box.exec()
    clicked = box.clickedButton()
    return "folder" if clicked is folder else "download" if download is not None and clicked is download else None


def offer_data(parent: QWidget, app: AppState, missing: DataMissing, retry: Callable[[], None] | None,
               say: Callable[[str], None]) -> None:
    """The :attr:`JobRunner.needs_data` handler of a tab: ``say`` the problem, ask, and ``retry`` the job once
    a folder was chosen or the download allowed."""
    say(missing_text(missing))
    if retry is None:  # nothing to run again: the message is all
        return
    choice = ask(parent, missing)
    if choice == "folder":
        folder = QFileDialog.getExistingDirectory(parent, translate("DataPrompt", "Folder with the {name} files").format(
            name=dataset_title(missing.dataset or "mnist")), app.data_dir or "")
        if not folder:
            return
        app.set_data_dir(folder)
    elif choice == "download":  # offered only when no folder was chosen: it goes to the usual place
        app.allow_download = True
    else:
        return
    retry()
