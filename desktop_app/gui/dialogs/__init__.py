"""Dialogs: each one its own module, all opened through ``factory.Dialogs``."""
