"""The desktop around the window: tray notifications, one window per user, the
window's remembered size and layout."""
