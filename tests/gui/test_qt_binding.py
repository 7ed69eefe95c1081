"""Guard against the PySide6 build that drops references on every signal emit.

PySide6 6.12.0 on CPython < 3.12 decrements True/False on each ``Signal.emit()``;
after a few hundred emits a window aborts with "bool_dealloc". pyproject excludes
that version; this test catches it (or a regression like it) cheaply, without crashing.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    with_list = Signal(list)


def test_signal_emit_keeps_bool_and_none_reference_counts(qapp):
    emitter = _Emitter()
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for _ in range(100):
        emitter.plain.emit()
        emitter.with_list.emit([])
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    # A few references may come and go for unrelated reasons; 200 emits must not cost 200.
    assert all(b - a < 50 for b, a in zip(before, after, strict=True)), (before, after)
