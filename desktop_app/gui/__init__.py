"""The window: a thin PySide6 layer over the core (nothing outside this package imports Qt).

    app.run_gui(args)        ``python main.py [--server URL] [FILE...]``
    startup / wiring / core  the core started off the GUI thread after the window shows
                             (embedded backend + local user when no server is configured)
    bridge.EventBridge       manager events -> GUI thread, batched; progress coalesced ~10 Hz
    calls.CallQueue          manager calls <- GUI, on one worker thread
    queue_model              JobRows + one table model per tab (Queue/Failed/Completed), cells
                             stored in Qt items so a repaint never calls Python
    main_window, toolbar, status_bar, details_pane, timeline, failed_panel,
                             progress_bar (the bar pixmaps of the Progress column)
    attention                one dialog per cause, tray notifications
    error_dialog, signin_dialog, settings_dialog, crash_dialog; dialogs.Dialogs (the factory
                             tests answer); intake (folders walked off the GUI thread);
                             single_instance (a second start hands its files over); tray
"""
