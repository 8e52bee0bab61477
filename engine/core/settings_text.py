"""The 'name key=value key=value' line format of the editable lesson inputs, read without eval.

Several editors (the host partition plan, the scheduling scenario) let students type one item a
line. They share this reader so every editor reports the same kind of located message ("line 3
('web mem=x'): mem=x must be a whole number") and a typo never reaches the simulation.
"""

from __future__ import annotations

from typing import Sequence

_TRUE, _FALSE = frozenset({"on", "yes", "true", "1"}), frozenset({"off", "no", "false", "0"})


def key_values(words: Sequence[str], allowed: Sequence[str], where: str, error: type[ValueError]) -> dict[str, str]:
    """``['mem=8', 'vcpus=2']`` -> ``{'mem': '8', 'vcpus': '2'}``; unknown, repeated or malformed keys raise ``error``."""
    settings: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not value:
            raise error(f"{where}: '{word}' is not key=value (e.g. {allowed[0]}=2)")
        if key not in allowed:
            raise error(f"{where}: unknown setting '{key}' (use {', '.join(k + '=' for k in allowed)})")
        if key in settings:
            raise error(f"{where}: {key}= is given twice")
        settings[key] = value
    return settings


def whole(key: str, value: str, where: str, error: type[ValueError]) -> int:
    try:
        return int(value)
    except ValueError:
        raise error(f"{where}: {key}={value} must be a whole number") from None


def wholes(key: str, value: str, where: str, error: type[ValueError]) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in value.split(","))
    except ValueError:
        raise error(f"{where}: {key}={value} must be a whole number or a comma-separated list of them") from None


def number(key: str, value: str, where: str, error: type[ValueError]) -> float:
    try:
        result = float(value)
    except ValueError:
        raise error(f"{where}: {key}={value} must be a number (e.g. 2.5)") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise error(f"{where}: {key}={value} must be a finite number")
    return result


def switch(key: str, value: str, where: str, error: type[ValueError]) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise error(f"{where}: {key}={value} must be on or off")
