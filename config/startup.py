"""Turn a bad setting into one readable line instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from config.env import SettingError

T = TypeVar("T")


def run_or_explain[T](start: Callable[[], T]) -> T:
    try:
        return start()
    except SettingError as error:
        print(f"verbatim: cannot start: {error.name}: {error.problem}", file=sys.stderr)
        raise SystemExit(2) from None
