"""Recognise what a file is from its first bytes.

A video renamed from a PDF should fail with "it looks like a PDF document", not
with a decoder error, so the first few kilobytes are matched against the magic
numbers of video containers and of the things people most often drop by mistake.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

HEAD_BYTES = 4096  # enough for every signature below, including MPEG-TS sync checks


class Kind(enum.Enum):
    VIDEO = "video"  # a container that can hold video (it may still hold only audio)
    NOT_VIDEO = "not_video"
    ENCRYPTED = "encrypted"  # a whole-file encryption format, not a video container


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    what: str  # "MP4/QuickTime" for containers; "a PDF document" for the rest

    @property
    def is_isobmff(self) -> bool:
        return self.what in (MP4, QUICKTIME)


MP4 = "MP4"
QUICKTIME = "QuickTime (MOV)"

_ISO_TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"avif", b"jpeg", b"avci"}
_ASF = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")

# (offset, magic, kind, what), checked in order; the first match wins.
_SIGNATURES: list[tuple[int, bytes, Kind, str]] = [
    (0, b"\x1a\x45\xdf\xa3", Kind.VIDEO, "Matroska/WebM"),
    (0, b"FLV\x01", Kind.VIDEO, "Flash video (FLV)"),
    (0, _ASF, Kind.VIDEO, "Windows Media (ASF/WMV)"),
    (0, b"\x00\x00\x01\xba", Kind.VIDEO, "MPEG program stream"),
    (0, b"\x00\x00\x01\xb3", Kind.VIDEO, "MPEG video stream"),
    (0, b"\x06\x0e\x2b\x34\x02\x05\x01\x01", Kind.VIDEO, "MXF"),
    (0, b"OggS", Kind.VIDEO, "Ogg"),
    (0, b".RMF", Kind.VIDEO, "RealMedia"),
    (0, b"%PDF", Kind.NOT_VIDEO, "a PDF document"),
    (0, b"\x89PNG\r\n\x1a\n", Kind.NOT_VIDEO, "a PNG image"),
    (0, b"\xff\xd8\xff", Kind.NOT_VIDEO, "a JPEG image"),
    (0, b"GIF87a", Kind.NOT_VIDEO, "a GIF image"),
    (0, b"GIF89a", Kind.NOT_VIDEO, "a GIF image"),
    (0, b"II*\x00", Kind.NOT_VIDEO, "a TIFF image (or camera RAW photo)"),
    (0, b"MM\x00*", Kind.NOT_VIDEO, "a TIFF image (or camera RAW photo)"),
    (0, b"8BPS", Kind.NOT_VIDEO, "a Photoshop image"),
    (0, b"\x00\x00\x00\x0cjP  ", Kind.NOT_VIDEO, "a JPEG 2000 image"),
    (0, b"\xff\x0a", Kind.NOT_VIDEO, "a JPEG XL image"),
    (0, b"ID3", Kind.NOT_VIDEO, "an MP3 audio file"),
    (0, b"fLaC", Kind.NOT_VIDEO, "a FLAC audio file"),
    (0, b"#!AMR", Kind.NOT_VIDEO, "an AMR audio recording"),
    (0, b"MThd", Kind.NOT_VIDEO, "a MIDI file"),
    (0, b"PK\x03\x04", Kind.NOT_VIDEO, "a ZIP archive (or an Office document)"),
    (0, b"PK\x05\x06", Kind.NOT_VIDEO, "a ZIP archive (or an Office document)"),
    (0, b"\x1f\x8b", Kind.NOT_VIDEO, "a gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", Kind.NOT_VIDEO, "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", Kind.NOT_VIDEO, "a RAR archive"),
    (0, b"BZh", Kind.NOT_VIDEO, "a bzip2 archive"),
    (0, b"\xfd7zXZ\x00", Kind.NOT_VIDEO, "an XZ archive"),
    (0, b"\x28\xb5\x2f\xfd", Kind.NOT_VIDEO, "a Zstandard archive"),
    (257, b"ustar", Kind.NOT_VIDEO, "a tar archive"),
    (0, b"\x7fELF", Kind.NOT_VIDEO, "a program (Linux executable)"),
    (0, b"MZ", Kind.NOT_VIDEO, "a program (Windows executable)"),
    (0, b"\xcf\xfa\xed\xfe", Kind.NOT_VIDEO, "a program (macOS executable)"),
    (0, b"SQLite format 3\x00", Kind.NOT_VIDEO, "a database file (SQLite)"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind.NOT_VIDEO, "an older Microsoft Office document"),
    (0, b"{\\rtf", Kind.NOT_VIDEO, "an RTF document"),
    (0, b"Salted__", Kind.ENCRYPTED, "an OpenSSL-encrypted file"),
    (0, b"age-encryption.org/v1", Kind.ENCRYPTED, "an age-encrypted file"),
    (0, b"-----BEGIN PGP MESSAGE", Kind.ENCRYPTED, "a PGP-encrypted file"),
    (0, b"VeraCrypt", Kind.ENCRYPTED, "an encrypted volume"),
]


def sniff(head: bytes) -> Sniffed:
    """Classify a file from its first bytes (pass at least ``HEAD_BYTES`` if available)."""
    if len(head) >= 8 and head[4:8] in _ISO_TOP_LEVEL:
        if head[4:8] == b"ftyp":
            major = head[8:12]
            if major in _IMAGE_BRANDS:
                return Sniffed(Kind.NOT_VIDEO, "an HEIF/AVIF photo")
            if major == b"qt  ":
                return Sniffed(Kind.VIDEO, QUICKTIME)
        return Sniffed(Kind.VIDEO, MP4)
    if head[:4] == b"RIFF" and len(head) >= 12:
        form = head[8:12]
        if form == b"AVI ":
            return Sniffed(Kind.VIDEO, "AVI")
        if form == b"WAVE":
            return Sniffed(Kind.NOT_VIDEO, "a WAV audio file")
        if form == b"WEBP":
            return Sniffed(Kind.NOT_VIDEO, "a WebP image")
        return Sniffed(Kind.NOT_VIDEO, "a RIFF file that is not AVI video")
    if _is_transport_stream(head):
        return Sniffed(Kind.VIDEO, "MPEG transport stream")
    for offset, magic, kind, what in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return Sniffed(kind, what)
    if _is_annexb(head):
        return Sniffed(Kind.VIDEO, "raw H.264/H.265 stream")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Sniffed(Kind.NOT_VIDEO, "an AAC audio file")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return Sniffed(Kind.NOT_VIDEO, "an MP3 audio file")
    text = _as_text(head)
    if text is not None:
        return Sniffed(Kind.NOT_VIDEO, _describe_text(text))
    return Sniffed(Kind.NOT_VIDEO, "unrecognised binary data")


def _is_annexb(head: bytes) -> bool:
    """A raw H.264/H.265 elementary stream: a start code, then a parameter set,
    access unit delimiter or SEI unit."""
    if len(head) < 6 or head[:4] != b"\x00\x00\x00\x01":
        return False
    nal = head[4]
    return nal & 0x1F in (6, 7, 9) or nal in (0x40, 0x46, 0x4E)  # H.264 SEI/SPS/AUD; HEVC VPS/AUD/SEI


def _is_transport_stream(head: bytes) -> bool:
    for packet, start in ((188, 0), (192, 4)):
        syncs = [head[i] for i in range(start, min(len(head), start + packet * 4), packet)]
        if len(syncs) >= 2 and all(b == 0x47 for b in syncs):
            return True
    return False


def _as_text(head: bytes) -> str | None:
    """The head as text if it plausibly is text (UTF-8/UTF-16, few control characters)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the buffer
            return None
        text = head[:exc.start].decode("utf-8")
    if not text:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return text if controls <= len(text) // 100 else None


def _describe_text(text: str) -> str:
    start = text.lstrip().lower()[:200]
    if start.startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if start.startswith("<svg") or ("<svg" in start and start.startswith("<?xml")):
        return "an SVG image"
    if start.startswith("<?xml"):
        return "an XML document"
    if start.startswith(("{", "[")):
        return "a JSON or text document"
    return "plain text"
