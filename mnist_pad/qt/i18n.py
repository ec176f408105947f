"""The interface's languages: English (the source texts) and Chinese (zh_CN), through Qt's translation system.

Widgets wrap their texts in ``self.tr("...")``; module-level code calls :func:`translate` with a context
name, spelt out in the call so that ``pyside6-lupdate`` finds it (``scripts/update_translations.py`` runs
lupdate and lrelease). The ``.qm`` files ship in ``mnist_pad/qt/translations``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator


def translate(context: str, text: str) -> str:
    """``text`` in the interface's language (``context``: the name lupdate filed it under)."""
    return QCoreApplication.translate(context, text)


def refusal(exc: BaseException) -> str:
    """The window's words for a refusal of the core's: the typed ones worded here, in the interface's language,
    the others as the core words them (they name a file and say what is wrong with it)."""
    from ..core.explain import NotForThePad

    if isinstance(exc, NotForThePad):
        return translate("Refusal", "{0} reads {1} images ({2}); the pad reads 28x28 grey digits. Pick it in the "
                                    "Evaluate tab to test it on its own images, or pick a digit model.").format(
            exc.name, exc.shape, exc.dataset)
    return str(exc)


LANGUAGES = ("system", "en", "zh_CN")  # "system": the locale's language when we have it, else English
SETTINGS_KEY = "view/language"
TRANSLATED = ("zh_CN",)


def translations_dir() -> Path:
    return Path(__file__).with_name("translations")


def chosen_language(settings: QSettings) -> str:
    name = str(settings.value(SETTINGS_KEY, "system") or "system")
    return name if name in LANGUAGES else "system"


def effective_language(choice: str, locale: QLocale | None = None) -> str:
    """The language the interface is shown in: the choice, or for "system" the locale's (``zh_CN`` for any
    Chinese locale written in simplified characters, else English)."""
    if choice != "system":
        return choice
    locale = locale or QLocale.system()
    if locale.language() == QLocale.Language.Chinese and locale.script() != QLocale.Script.TraditionalHanScript:
        return "zh_CN"
    return "en"


def install_language(app: QCoreApplication, settings: QSettings) -> str:
    """Load the chosen language's translations into ``app``; returns the language in use. Call before any
    widget is built (texts are translated when a widget is made)."""
    language = effective_language(chosen_language(settings))
    return language if install_translators(app, language) else "en"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Ours and Qt's own (its dialogs' buttons) for ``language``, installed in ``app``; none for English."""
    if language not in TRANSLATED:
        return []
    installed = []
    for name, folder in ((f"mnist_pad_{language}", translations_dir()),
                         (f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))):
        translator = QTranslator(app)  # parented to the application: it lives as long as the app
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
