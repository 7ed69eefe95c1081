"""Why the queue's table model is a QStandardItemModel, not a Python QAbstractTableModel.

    .venv/bin/python tests/benchmarks/bench_gui_models.py

A QTableView repaints 5,000 rows x 8 columns over (1) a QAbstractTableModel written in
Python, (2) the same with the view's paintEvent overridden in Python (to see whether
holding the GIL across the paint helps), (3) a QStandardItemModel holding the same
texts, first with no other thread, then with two threads running Python (as the
analysis, upload and in-process server threads do). Every call Qt makes into Python
(data(), a delegate's paint()) must take the GIL back from those threads; a
QStandardItemModel answers from C++. Prints the median and longest repaint.
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt  # noqa: E402
from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

ROWS, COLS, REPAINTS = 5000, 8, 10


class PythonModel(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008 - Qt's names
        return 0 if parent.isValid() else ROWS

    def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008
        return 0 if parent.isValid() else COLS

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return f"r{index.row()} c{index.column()}" if role == Qt.ItemDataRole.DisplayRole else None


class HoldingView(QTableView):
    def paintEvent(self, event):  # noqa: N802
        super().paintEvent(event)


def standard_model() -> QStandardItemModel:
    model = QStandardItemModel(ROWS, COLS)
    for r in range(ROWS):
        for c in range(COLS):
            model.setItem(r, c, QStandardItem(f"r{r} c{c}"))
    return model


def repaint_ms(app: QApplication, view: QTableView) -> tuple[float, float]:
    times = []
    for _ in range(REPAINTS):
        start = time.perf_counter()
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    app.processEvents()
    return sorted(times)[len(times) // 2], max(times)


def main() -> None:
    app = QApplication([])
    views = {"Python QAbstractTableModel": (QTableView(), PythonModel()),
             "same, paintEvent held in Python": (HoldingView(), PythonModel()),
             "QStandardItemModel": (QTableView(), standard_model())}
    for view, model in views.values():
        view.setModel(model)
        view.resize(1200, 800)
        view.show()
    app.processEvents()
    stop = threading.Event()

    def busy() -> None:
        x = 0
        while not stop.is_set():
            x += 1

    for threads in (0, 2):
        workers = [threading.Thread(target=busy, daemon=True) for _ in range(threads)]
        stop.clear()
        for w in workers:
            w.start()
        for name, (view, _model) in views.items():
            median, longest = repaint_ms(app, view)
            print(f"{threads} busy Python threads, {name:32s}: repaint median {median:7.1f} ms, "
                  f"longest {longest:7.1f} ms")
        stop.set()
        for w in workers:
            w.join()


if __name__ == "__main__":
    main()
