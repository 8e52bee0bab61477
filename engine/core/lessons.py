"""Reading the plain files in ``lessons/`` with clear, located error messages.

Lecturers edit these files by hand, so a mistake must be reported as "which file, which
entry, what is wrong", never as a Python traceback. Every loader goes through
:class:`Reader`, which knows where in the file it is.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

# VIRTLAB_LESSONS_DIR points the app at another copy of lessons/ (a lecturer's draft; tests/test_lesson_errors.py's
# broken copies). Read once, when the app starts.
LESSONS_DIR = Path(os.environ.get("VIRTLAB_LESSONS_DIR") or Path(__file__).resolve().parents[2] / "lessons")

_MISSING = object()


class LessonError(ValueError):
    """A lesson or data file is malformed; the message names the file and the entry."""


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise LessonError(f"{path.name}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{path.name}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:  # tomllib decodes the bytes before it parses them
        raise LessonError(_not_utf8(path, exc)) from exc
    except OSError as exc:
        raise LessonError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    line = exc.object[:exc.start].count(b"\n") + 1
    return (f"{path.name}: not UTF-8 text (line {line}: byte {exc.object[exc.start]:#04x}, {exc.reason}); save the "
            "file as UTF-8")


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LessonError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise LessonError(_not_utf8(path, exc)) from exc
    except OSError as exc:
        raise LessonError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


class Reader:
    """Typed access to one table of a TOML document, failing with its location."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, Mapping):
            raise LessonError(f"{where}: expected a table, found {type(data).__name__}")
        self.data = data
        self.where = where

    def fail(self, message: str) -> None:
        raise LessonError(f"{self.where}: {message}")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            self.fail(f"missing required key '{key}'")
        return default

    def _typed(self, key: str, kinds: tuple[type, ...], label: str, default: Any) -> Any:
        value = self.get(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            self.fail(f"'{key}' must be {label}, found {value!r}")
        return value

    def str(self, key: str, default: Any = _MISSING) -> str:
        value = self._typed(key, (str, int), "text", default)
        text = str(value).strip()
        if not text and default is _MISSING:
            self.fail(f"'{key}' must not be empty")
        return text

    def bool(self, key: str, default: Any = _MISSING) -> bool:
        return self._typed(key, (bool,), "true or false", default)

    def int(self, key: str, default: Any = _MISSING) -> int:
        return self._typed(key, (int,), "a whole number", default)

    def number(self, key: str, default: Any = _MISSING) -> float:
        return float(self._typed(key, (int, float), "a number", default))

    def str_list(self, key: str, default: Any = _MISSING) -> list[str]:
        value = self.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.fail(f"'{key}' must be a list of texts, found {value!r}")
        return [str(v).strip() for v in value]

    def table(self, key: str, default: Any = _MISSING) -> Mapping[str, Any]:
        value = self.get(key, default)
        if not isinstance(value, Mapping):
            self.fail(f"'{key}' must be a table, found {value!r}")
        return value

    def sub(self, key: str, default: Any = _MISSING) -> "Reader":
        return Reader(self.table(key, default), f"{self.where} [{key}]")

    def unique(self, names: Iterable[str], what: str) -> None:
        """Fail naming the first repeated entry (ids must be unique for links and progress records)."""
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.fail(f"{what} {name!r} is used twice")
            seen.add(name)

    def subs(self, key: str) -> Iterator["Reader"]:
        """The entries of an array of tables (``[[key]]``), each located by number."""
        value = self.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"'{key}' must be a non-empty list of [[{key}]] entries")
        for n, item in enumerate(value, start=1):
            label = item.get("id") or item.get("mnemonic") if isinstance(item, Mapping) else None
            yield Reader(item, f"{self.where} [[{key}]] #{n}" + (f" ({label})" if label else ""))
