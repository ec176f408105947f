"""The window's small questions (yes or no, a name), in one place: tests answer them by replacing these
functions, and every question looks the same."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, text: str, yes: str) -> bool:
    """Ask before something that cannot be undone; ``yes`` names the action on its button (Cancel is the
    default, so Enter does nothing rash)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    button = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is button


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """A line of text from the user, or None when they cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_choice(parent: QWidget | None, title: str, label: str, options: dict[str, str], current: str) -> str | None:
    """One of ``options`` (key -> what the user reads), ``current`` preselected; None when they cancelled."""
    keys, texts = list(options), list(options.values())
    text, ok = QInputDialog.getItem(parent, title, label, texts, keys.index(current), False)
    return keys[texts.index(text)] if ok else None
