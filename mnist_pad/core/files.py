"""Files the user brings and files we write: the one place that decides what is safe to read and how to
write without losing anything.

Reading: everything read from a file is untrusted. :func:`check_input_file` refuses what is not a regular
file before it is opened (a pipe or a device would block or never end), :func:`read_limited` bounds the
bytes read, and :func:`loads_json` turns JSON nested too deeply for the parser into an ordinary
``ValueError`` instead of a ``RecursionError`` that escapes every handler.

Writing: :func:`check_output` runs before any work, so that a command never trains for minutes and then
fails to save; :func:`write_atomic` writes a temporary file beside the target, fsyncs it, renames it over the
target and fsyncs the folder, so the target is the old file or the new one and never half of either. Its
temporary files carry the writer's process id, so the next write removes those whose writer is gone (a
SIGKILL leaves them behind) and never one that a live writer is still filling.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_SUFFIX = ".tmp"
STALE_TEMP_S = 3600.0  # a temporary file of unknown writer this old is a leftover of a killed write
# Temporary files of ours: ".<target name>.<pid>.<8 hex>.tmp" (older versions: ".<target name>.<random>.tmp").
_TEMP_RE = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<pid>\d+)\.[0-9a-f]{8}|[A-Za-z0-9_]{8})\.tmp$")


class BadInput(ValueError):
    """A file, folder or argument the user gave cannot be used; the message names it (exit code 2)."""


class WriteFailed(RuntimeError):
    """Writing an output failed while running (disk full, folder gone, ...); the message names the path and
    nothing partial was left there (exit code 1)."""


# What a file operation on the user's behalf may raise: the window shows these as messages, the CLI as one line.
FILE_ERRORS = (OSError, BadInput, WriteFailed)


# --- reading ------------------------------------------------------------------------------------------------
def file_key(path: str | os.PathLike) -> tuple[str, int, int]:
    """(resolved path, modification time in ns, size): changes when the file is replaced or rewritten; for
    caches of what was computed from a file."""
    p = Path(path)
    st = p.stat()
    return str(p.resolve()), st.st_mtime_ns, st.st_size


def check_input_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` if it is (a link to) a regular file; :class:`BadInput` naming it otherwise."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise BadInput(f"{p}: {'a link to a missing file' if p.is_symlink() else f'no such {what}'}") from None
    except OSError as exc:  # a link loop, a name too long, no permission to look
        raise BadInput(f"{p}: cannot be read ({reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{p}: is a folder, not {'an' if what[0] in 'aeiou' else 'a'} {what}")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{p}: is not a regular file (a pipe, device or socket); not reading it")
    return p


def read_limited(path: str | os.PathLike, limit: int, what: str = "file", regular: bool = False) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`BadInput` otherwise. ``regular``: the
    caller knows it is a regular file (``os.DirEntry.is_file()`` tells without a system call), so it is not
    looked at again."""
    p = Path(path) if regular else check_input_file(path, what)
    try:
        with open(p, "rb") as f:
            # read(limit + 1) would allocate the whole limit for every small file; read its size + 1 instead
            data = f.read(min(os.fstat(f.fileno()).st_size, limit) + 1)
    except OSError as exc:
        raise BadInput(f"{p}: cannot be read ({reason(exc)})") from None
    if len(data) > limit:
        raise BadInput(f"{p}: larger than the {limit:,} bytes a {what} may have")
    return data


def loads_json(raw: bytes | str) -> object:
    """``json.loads`` whose every failure is a ``ValueError`` (JSON nested thousands deep raises
    ``RecursionError`` in the parser)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason})") from None


def dumps_json(obj: object, **kwargs) -> str:
    """JSON that every reader accepts: NaN and infinities (which ``json.dumps`` writes as bare ``NaN``, not
    JSON) become null."""
    return json.dumps(_finite(obj), allow_nan=False, **kwargs)


def _finite(obj: object) -> object:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


# --- writing ------------------------------------------------------------------------------------------------
def reason(exc: OSError) -> str:
    """An OSError's reason without Python's decoration: 'No space left on device'."""
    return exc.strerror or str(exc)


def _existing_ancestor(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_output(path: str | os.PathLike, what: str = "--out", *, protected: tuple[Path, ...] = (),
                 inputs: tuple[str | os.PathLike, ...] = (), size_hint: int = 0) -> Path:
    """Refuse, before any work, an output that could not be written or would destroy something: it must be
    a new path or a regular file in a writable folder; never a folder, a device, a pipe, one of the
    ``inputs`` of the same command, or a file under a ``protected`` folder (the shipped resources). With
    ``size_hint`` (bytes), a disk with less room than that is refused too."""
    p = Path(path)
    if str(path).strip() == "":
        raise BadInput(f"{what}: an empty path")
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
        if p.is_symlink():
            raise BadInput(f"{what} {p}: a link to a missing file; give the file itself") from None
    except OSError as exc:
        raise BadInput(f"{what} {p}: cannot be used ({reason(exc)})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{what} {p}: is a folder; give a file name inside it")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{what} {p}: is not a regular file (a device, pipe or socket); refusing to write over it")
    target = p.resolve()
    for folder in protected:
        if target.is_relative_to(folder.resolve()):
            raise BadInput(f"{what} {p}: is shipped with mnist-pad ({folder}); choose a path of your own")
    for source in inputs:
        if source is not None and Path(source).exists() and Path(source).resolve() == target:
            raise BadInput(f"{what} {p}: is this command's input; choose another path")
    folder = _existing_ancestor(target.parent)
    if not folder.is_dir():
        raise BadInput(f"{what} {p}: {folder} is a file, not a folder")
    _probe(folder, p, what)
    if size_hint:
        free = shutil.disk_usage(folder).free
        if free < size_hint:
            raise BadInput(f"{what} {p}: only {free:,} bytes free on its disk; about {size_hint:,} are needed")
    return p


def _probe(folder: Path, p: Path, what: str) -> None:
    """Create and remove an empty temporary file in ``folder``: the one sure test that writing there works
    (permissions, a read-only mount, a pseudo file system like /sys, root's privileges all included)."""
    probe = folder / f".{p.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise BadInput(f"{what} {p}: cannot write in {folder} ({reason(exc)})") from None
    _unlink_quietly(probe)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for the block to fill; renamed over ``target`` (and the rename made
    durable) when the block ends, removed when anything fails. OS failures become a :class:`WriteFailed`
    naming ``target``."""
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise WriteFailed(f"{target}: cannot write ({reason(exc)}); nothing was written there") from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise


def write_atomic(path: str | os.PathLike, data: bytes, tidy: bool = True) -> Path:
    """Write ``data`` to ``path`` so that it is the old file or the new one, never half; missing folders are
    made. Any OS failure (disk full, read-only, folder gone) is a :class:`WriteFailed` naming ``path``, with
    the temporary file removed. ``tidy``: first remove temporary files for ``path`` left by killed writers (a
    look through the folder: the sample store, whose names are never reused, tidies when it lists instead)."""
    path = Path(path)
    with _replacing(path) as tmp:
        if tidy:
            remove_stale_temps(path.parent, path.name)
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return path


def write_tree_atomic(folder: str | os.PathLike, files: dict[str, bytes]) -> Path:
    """Create ``folder`` (new, or empty) holding ``files`` (relative path -> bytes) as a whole: they are
    written into a temporary folder beside it that is then renamed into place, so a failure half-way leaves
    nothing at ``folder``. Failures are a :class:`WriteFailed` naming ``folder``."""
    folder = Path(folder)
    with _replacing(folder) as tmp:
        remove_stale_temps(folder.parent)  # exports go to new names: tidy every killed one in this folder
        for rel, data in files.items():
            target = tmp / rel
            if not target.resolve().is_relative_to(tmp.resolve()):
                raise ValueError(f"{rel!r} is not a path inside the folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if folder.is_dir():
            folder.rmdir()  # empty (the caller checked): the rename puts the new one in its place
    return folder


def _unlink_quietly(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open folders and needs nothing)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_temp_name(name: str) -> bool:
    """A temporary file of :func:`write_atomic` (of this version or an older one)."""
    return _TEMP_RE.match(name) is not None


def remove_stale_temps(folder: Path, name: str | None = None) -> int:
    """Remove our temporary files in ``folder`` (for the target ``name``, or all) whose writer is gone;
    returns how many. Errors are ignored: this is tidying, and another process may be tidying too."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None or (name is not None and m["name"] != name):
            continue
        try:
            if _writer_gone(m["pid"], entry.stat(follow_symlinks=False).st_mtime):
                _unlink_quietly(Path(entry.path))
                removed += 1
        except OSError:
            continue
    return removed


def _writer_gone(pid: str | None, mtime: float) -> bool:
    if pid is not None and os.name == "posix":
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)  # signal 0 only asks whether the process exists
        except ProcessLookupError:
            return True
        except OSError as exc:  # EPERM: it exists, under another user
            return exc.errno != errno.EPERM
        return False
    return time.time() - mtime > STALE_TEMP_S
