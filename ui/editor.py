"""Editable lesson inputs that never break the page: a mistake is shown, the last good input stays.

Students type programs, plans and scenarios; a typo must give a clear message and leave the
pictures as they were, not a traceback or an empty page. ``parsed`` is the one path every editor
takes from text to a value.

The rule for errors. A parser says "this text is wrong" with a ``ValueError`` (its own error classes
derive from it) whose message says what was expected and what to do; the page shows that message.
Other kinds that bad *text* can provoke inside a parser (``OverflowError`` and ``ZeroDivisionError``
from arithmetic on typed numbers, ``RecursionError`` from deep nesting, ``KeyError``/``IndexError``
from a lookup of a typed name, ``TypeError`` from a missing value) are parser bugs: the student still
gets a message and keeps the last good state, and the bug is logged with its traceback on the
``virtlab.input`` logger, where tests (tests/test_fuzz_pages.py) and the server log see it. Any other
exception (``AttributeError``, ``NameError``, …) is a programming error, not an input error, and
propagates.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, TypeVar

import streamlit as st

from ui.escape import literal

T = TypeVar("T")

LOG = logging.getLogger("virtlab.input")

# What bad text can make a parser raise (see the module's rule). ValueError covers UnicodeError,
# tomllib.TOMLDecodeError, json.JSONDecodeError and int()'s 4,300-digit limit.
INPUT_ERRORS: tuple[type[BaseException], ...] = (ValueError, ArithmeticError, LookupError, TypeError, RecursionError)


# int() refuses more than 4,300 digits with a ValueError whose message names interpreter internals; a parser that
# lets it through still gets a message a student can act on.
_INT_LIMIT = re.compile(r"Exceeds the limit \((\d+) digits\) for integer string conversion(?:: value has (\d+) digits)?"
                        r"(?:; use sys\.set_int_max_str_digits\(\) to increase the limit)?")


def _int_limit(match: re.Match[str]) -> str:
    digits = f"{int(match.group(2)):,} digits" if match.group(2) else f"more than {int(match.group(1)):,} digits"
    return f"a number of {digits} is far too large to read; write a number of a few digits"


def problem(exc: BaseException, what: str = "input") -> str:
    """What to tell the student about ``exc``, escaped and shortened (the message echoes what they typed).

    An exception that is not a ValueError is a parser bug (see the module's rule): it is logged with its traceback.
    """
    if isinstance(exc, ValueError):
        message = _INT_LIMIT.sub(_int_limit, str(exc))  # Python's words would send a student to sys.set_int_max...
        return literal(message.rstrip(". ")) or f"This {what} cannot be read"
    LOG.error("parser bug: %s on bad %s", type(exc).__name__, what, exc_info=exc)
    return f"This {what} cannot be read ({type(exc).__name__}: {literal(str(exc), limit=160)})"


def parsed(text: str, parse: Callable[[str], T], good_key: str, fallback: str, what: str = "input") -> T:
    """``parse(text)``; on an input error show it and return the parse of the last text that worked.

    The last text that parsed is kept in ``st.session_state[good_key]``; before the first good text it is
    ``fallback`` (the preset). The message is escaped (no Markdown or HTML from the text reaches the page) and
    shortened.
    """
    try:
        value = parse(text)
    except INPUT_ERRORS as exc:
        st.error(f"{problem(exc, what)}. Showing the last {what} that worked.", icon="✋")
        good = st.session_state.get(good_key, fallback)
        try:
            return parse(good)
        except INPUT_ERRORS:  # the last good text no longer parses (e.g. the scheduler changed): the preset
            st.session_state[good_key] = fallback
        try:
            return parse(fallback)
        except INPUT_ERRORS as exc:  # the preset itself (from a lesson file or the page) does not parse
            LOG.error("the %s preset does not parse", what, exc_info=exc)
            st.error(f"The {what} this page starts from cannot be read either ({problem(exc, what)}): a lesson file "
                     "or the page's preset needs fixing.", icon="📝")
            st.stop()
            raise  # st.stop() raises; this line is for type checkers
    st.session_state[good_key] = text
    return value
