"""Media: is a file a usable video, and what is in it? (No Qt here.)

    sniff.py     what a file is from its first bytes ("a PDF document", "Matroska/WebM")
    isobmff.py   MP4/MOV box structure: index present, tracks, encryption, cut short
    capture.py   OpenCV set-up: one capture per caller, decoder threads capped, quiet logs
    probe.py     open + first frame + the decode pass shared by validation and analysis
    validate.py  validate_file / inspect_file / validate_job_fields / parse_timestamp
    metrics.py   per-sample brightness, contrast, sharpness (and the frame measures)
    boundaries.py  scene cuts, black / frozen segments, each on its exact frame
    redecode.py  decodes the few stretches between disagreeing samples again
    analyse.py   analyse(path, progress=, cancel=) -> Analysis (one decode pass)
    formats.py   what counts as a video (the one list of file types)

(The `validate` and `analyze` commands live in ``desktop_app.commands``.)

The reference backend's cheaper check (a spot check: it decodes ~13 frames, not all):

    spotcheck.py  spot_check(path) -> SpotCheck; falls back to the full decode when unsure
    sampletable.py  where each MP4 sample lies; every one must be inside the file
    nalcheck.py   H.264/HEVC samples are well-formed NAL units (reads all, decodes none)
    keyframes.py  a keyframes-only MP4 copy, so a picked keyframe costs one decode

Every failure is an ``AppError`` from ``desktop_app.errors`` with stage "validate"
(or "analyse" for CANCELLED) and a message that names what was found.
"""
