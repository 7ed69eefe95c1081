"""Reads the analysis record tolerantly (no Qt): the media module owns its shape,
the GUI only needs a few figures and the per-sample series for the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app import locale_format
from desktop_app.gui.models import formatting as fmt
from desktop_app.i18n import _, ngettext


def _num(d: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = d.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, dict):  # {"mean": ...}
            inner = value.get("mean")
            if isinstance(inner, (int, float)):
                return float(inner)
    return None


def _segments(value: Any) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for item in value or []:
        if isinstance(item, dict):
            start = item.get("start_s", item.get("start"))
            end = item.get("end_s", item.get("end"))
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            start, end = item[0], item[1]
        else:
            continue
        if isinstance(start, (int, float)) and isinstance(end, (int, float)):
            out.append((float(start), float(end)))
    return out


def _times(value: Any) -> list[float]:
    out = []
    for item in value or []:
        t = item.get("time_s", item.get("t")) if isinstance(item, dict) else item
        if isinstance(t, (int, float)):
            out.append(float(t))
    return out


@dataclass
class Timeline:
    duration: float = 0.0
    times: list[float] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    sharpness: list[float] = field(default_factory=list)
    black: list[tuple[float, float]] = field(default_factory=list)
    frozen: list[tuple[float, float]] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)


def timeline(analysis: dict[str, Any] | None) -> Timeline:
    a = analysis or {}
    tl = Timeline(duration=_num(a, "duration_s", "duration") or 0.0)
    # media.analyse: "timeline" is [{t, brightness, sharpness}], "samples" their count.
    samples: list[Any] | dict[str, Any] = []
    for key in ("timeline", "samples"):
        value = a.get(key)
        if isinstance(value, (list, dict)):
            samples = value
            break
    if isinstance(samples, dict):  # {"t": [...], "brightness": [...], ...}
        tl.times = [float(x) for x in samples.get("t", samples.get("time_s")) or []]
        tl.brightness = [float(x) for x in samples.get("brightness", [])]
        tl.sharpness = [float(x) for x in samples.get("sharpness", [])]
    else:
        for s in samples:
            if not isinstance(s, dict):
                continue
            t = s.get("time_s", s.get("t"))
            if isinstance(t, (int, float)):
                tl.times.append(float(t))
                tl.brightness.append(float(s.get("brightness") or 0.0))
                tl.sharpness.append(float(s.get("sharpness") or 0.0))
    tl.black = _segments(a.get("black_segments"))
    tl.frozen = _segments(a.get("frozen_segments"))
    tl.cuts = _times(a.get("scene_cuts"))
    if not tl.duration and tl.times:
        tl.duration = tl.times[-1]
    return tl


def summary_lines(analysis: dict[str, Any] | None) -> list[str]:
    """One-line facts for the details pane; empty before analysis."""
    a = analysis or {}
    if not a:
        return []
    lines = []
    w, h = _num(a, "width"), _num(a, "height")
    fps = _num(a, "fps", "frame_rate")
    codec = a.get("codec") or a.get("fourcc") or ""
    dur = _num(a, "duration_s", "duration")
    first = []
    if w and h:
        first.append(f"{int(w)}x{int(h)}")
    if fps:
        first.append(_("{fps} fps").format(fps=locale_format.number(round(fps, 2), 0 if fps == int(fps) else 2)))
    if isinstance(codec, str) and codec:
        first.append(codec)
    if dur is not None:
        first.append(fmt.duration(dur))
    if first:
        lines.append("  ".join(first))
    sharp = _num(a, "sharpness", "sharpness_mean")
    bright = _num(a, "brightness", "brightness_mean")
    quality = []
    if sharp is not None:
        quality.append(_("sharpness {value}").format(value=locale_format.number(sharp)))
    if bright is not None:
        quality.append(_("brightness {value}").format(value=locale_format.number(bright)))
    tl = timeline(a)
    quality.append(ngettext("{n} black segment", "{n} black segments", len(tl.black))
                   .format(n=len(tl.black)))
    quality.append(ngettext("{n} frozen segment", "{n} frozen segments", len(tl.frozen))
                   .format(n=len(tl.frozen)))
    quality.append(ngettext("{n} scene cut", "{n} scene cuts", len(tl.cuts)).format(n=len(tl.cuts)))
    lines.append(", ".join(quality))
    if a.get("has_audio") is not None:
        lines.append(_("with sound") if a.get("has_audio") else _("no sound"))
    warnings = a.get("warnings")
    if isinstance(warnings, list) and warnings:
        lines.append(_("Warnings: {warnings}").format(warnings="; ".join(str(w) for w in warnings)))
    return lines


def thumbnail_source(analysis: dict[str, Any] | None) -> str | bytes | None:
    """A file path, or JPEG/PNG bytes (base64 in the record)."""
    a = analysis or {}
    for key in ("thumbnail_path", "thumbnail"):
        value = a.get(key)
        if isinstance(value, str) and value:
            if key == "thumbnail" and not value.startswith(("/", ".")) and len(value) > 200:
                import base64
                import binascii

                try:
                    return base64.b64decode(value)
                except (binascii.Error, ValueError):
                    return None
            return value
    return None
