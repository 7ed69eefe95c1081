"""Desktop video uploader: validate, analyse and upload videos with self-healing retries."""

__version__ = "0.1.0"
APP_NAME = "video-uploader"
APP_DISPLAY_NAME = "Video Uploader"
