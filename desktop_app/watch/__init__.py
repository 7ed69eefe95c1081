"""Watched folders: video files queued once they stopped growing (Qt-free).

``folders.FolderWatcher`` watches (watchdog, with a periodic rescan as the safety net),
``settle.Settle`` decides when a file is complete, ``writers`` asks the OS whether a
process still writes it, ``feed.WatchFeed`` hands complete files to the job manager
(files the job store knows are left alone), ``places`` names where cameras' cards mount.
"""
