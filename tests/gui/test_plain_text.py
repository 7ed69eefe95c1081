"""File names and server strings are shown as the raw characters, never rendered as HTML.

A tooltip is shown by ``QToolTip`` in a label whose format is Qt's automatic one: text
that *looks* like HTML (``Qt.mightBeRichText``) is rendered as HTML. The first test
hovers the real queue and reads back what the tooltip label shows; the helpers are
checked against the rule each kind of text follows; a scan of desktop_app/gui/ finds
any call that shows dynamic text without the helper (``gui/plain.py``).
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QKeySequence, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QWidget

import desktop_app.gui
from desktop_app.gui import plain
from desktop_app.gui.models.columns import Col, Tab
from desktop_app.settings import Settings
from tests.gui.helpers import states

# A folder and a file whose names are markup (no "/" in a name, so no closing tags).
HOSTILE_DIR = "<b>bold<"
HOSTILE_FILE = "<h1>BIG<font color=red>RED<img src=x>.mov"


def shown_text(text: str) -> str:
    """What a label in Qt's automatic text format shows for ``text``: rich text when it
    looks like it (the rule QToolTip's label follows), else the characters as they are."""
    doc = QTextDocument()
    if QtGui.Qt.mightBeRichText(text):  # QtGui's part of the Qt namespace
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    return doc.toPlainText()


def tooltip_label() -> QLabel | None:
    for w in QApplication.topLevelWidgets():
        if w.objectName() == "qtooltip_label" and w.isVisible():
            return w  # type: ignore[return-value]
    return None


def hover(view, row: int, column: int) -> None:
    """A tooltip request at the cell's centre, as the mouse resting there sends one."""
    rect = view.visualRect(view.model().index(row, column))
    pos = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)


def test_queue_file_tooltip_shows_a_path_with_markup_literally(
        make_window, qtbot, tmp_path, sample_video):
    folder = tmp_path / HOSTILE_DIR
    folder.mkdir()
    clip = folder / HOSTILE_FILE
    shutil.copy(sample_video, clip)
    window = make_window(Settings(bandwidth_limit_kbps=4))  # the row stays in the queue
    window.add_paths([str(clip)])
    qtbot.waitUntil(lambda: len(states(window)) == 1, timeout=10_000)
    view = window.queue_view
    model = window.rows.models[Tab.QUEUE]
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    assert model.index(0, 0).data() == HOSTILE_FILE  # the cell itself was always plain

    hover(view, 0, model.columns.index(Col.FILE))
    qtbot.waitUntil(lambda: tooltip_label() is not None, timeout=5_000)
    label = tooltip_label()
    assert label is not None
    assert shown_text(label.text()) == str(clip)



NAMES = [HOSTILE_FILE, f"/media/{HOSTILE_DIR}/take 1.mov", "a &lt;b&gt; &amp; c.mp4",
         "two  spaces\nand a line.mov", "plain name.mp4", "R&D [*] cut.mov"]


@pytest.mark.parametrize("text", NAMES)
def test_a_tooltip_shows_the_raw_characters(qapp, text):
    assert shown_text(plain.tooltip(text)) == text


@pytest.mark.parametrize("text", NAMES)
def test_a_notification_body_shows_the_raw_characters_where_it_is_markup(qapp, text):
    # Notification servers parse the body as XML-like markup (Pango's, or a subset of HTML).
    body = ElementTree.fromstring(f"<body>{plain.notification(text, markup=True)}</body>")
    assert body.text == text and len(body) == 0
    assert plain.notification(text, markup=False) == text


def test_a_button_shows_an_ampersand_instead_of_a_mnemonic(qapp):
    text = plain.button_text("signed in: R&D")
    assert QKeySequence.mnemonic(text).isEmpty()
    assert QKeySequence.mnemonic("signed in: R&D").toString() == "Alt+D"  # what it avoids


def test_a_window_title_keeps_a_literal_modified_mark(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.setWindowTitle(plain.title("R&D [*] cut.mov"))
    window.show()
    qtbot.waitExposed(window)
    assert window.windowHandle().title() == "R&D [*] cut.mov"


def test_a_label_from_the_helper_shows_markup_literally(qapp):
    label = QLabel()  # the automatic format, as a plain QLabel starts
    plain.set_text(label, HOSTILE_FILE)
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == HOSTILE_FILE
    assert plain.label(HOSTILE_FILE).textFormat() == Qt.TextFormat.PlainText

# -- every call that shows text goes through the helper ----------------------------------

GUI = Path(desktop_app.gui.__file__).parent
# Calls whose text Qt may render as rich text, take as a mnemonic or a title mark.
SHOWS_TEXT = {"setToolTip", "setText", "setWindowTitle", "setStatusTip", "setWhatsThis",
              "showMessage"}
# Calls that pass the check although their argument is dynamic, each with the reason.
ALLOWED = {
    ("models/table_model.py", "item.setText"):
        "a table cell's display text is painted as plain text by the view's delegate",
}


def _is_plain(node: ast.expr) -> bool:
    """A literal, a module constant, or text made by the helper (``plain.xxx(...)``)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.IfExp):
        return _is_plain(node.body) and _is_plain(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
        return bool(node.args) and _is_plain(node.args[0])  # our own text, translated
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "plain")


def _shown_argument(call: ast.Call) -> ast.expr | None:
    func = call.func
    assert isinstance(func, ast.Attribute)
    if func.attr == "setData":  # a model item's tooltip role
        if len(call.args) == 2 and "TIP" in ast.unparse(call.args[1]).upper():
            return call.args[0]
        return None
    if func.attr not in SHOWS_TEXT or not call.args:
        return None
    if "clipboard()" in ast.unparse(func.value):  # the clipboard holds text, it shows none
        return None
    if func.attr == "showMessage" and len(call.args) >= 2:
        # A tray notification: the body may be markup; the title (the notification's
        # summary) is plain text on every platform.
        return call.args[1]
    return call.args[0]


def bypassing_calls() -> list[str]:
    found = []
    for path in sorted(GUI.rglob("*.py")):
        rel = path.relative_to(GUI).as_posix()
        if rel == "plain.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            arg = _shown_argument(node)
            if arg is None or _is_plain(arg):
                continue
            if (rel, ast.unparse(node.func)) in ALLOWED:
                continue
            found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # A QLabel made with its text: the automatic format renders markup.
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "QLabel" and node.args and not _is_plain(node.args[0])):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_text_reaches_a_widget_around_the_plain_text_helper():
    assert bypassing_calls() == []


def test_the_scan_finds_a_call_that_bypasses_the_helper(tmp_path, monkeypatch):
    """The scan above can fail: a tooltip from a variable is reported."""
    fake = tmp_path / "gui"
    (fake / "widgets").mkdir(parents=True)
    (fake / "widgets" / "bad.py").write_text(
        "def show(button, job):\n"
        "    button.setToolTip(job.path)\n"
        "    button.setToolTip(plain.tooltip(job.path))\n"
        "    button.setText('literal')\n")
    monkeypatch.setattr(sys.modules[__name__], "GUI", fake)
    assert bypassing_calls() == ["widgets/bad.py:2: button.setToolTip(job.path)"]
