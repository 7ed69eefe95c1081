"""The window's panels and bars: toolbar, tabs, failed panel, details pane, status bar."""
