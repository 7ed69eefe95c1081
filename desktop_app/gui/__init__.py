"""The window: a thin PySide6 layer over the core (nothing outside this package imports Qt).

    app.run_gui(args)     ``python main.py [--server URL] [FILE...]``
    main_window           MainWindow: builds the parts below and connects them
    plain                 the one helper for file and server text (never rendered as HTML)
    startup / wiring / core   the core, started off the GUI thread after the window shows
    threads/              bridge (manager events in, batched; progress ~10 Hz), calls
                          (manager calls out, one worker), intake (folders walked off the
                          GUI thread), backlog (events handled in ~6 ms turns)
    models/               job_rows (the GUI's copy of every job) -> table_model (one per
                          tab, cells stored in Qt items so a repaint never calls Python),
                          columns (cell text), progress_bar (the bar pixmaps), batch (the
                          batch's overall progress), formatting
                          and analysis_view (no Qt)
    widgets/              toolbar (typed action map), job_tabs, drop_target (the empty
                          queue), job_table, failed_panel, details_pane, timeline,
                          status_bar, collapsible
    theme/                scheme (light/dark, live), colours (from the palette), icons
                          (resources/icons/ui/*.svg in palette colours), language (Qt's own
                          translations)
    control/              job_actions (what the user's commands do), attention (one dialog
                          per cause, tray notifications): objects with signals
    dialogs/              factory.Dialogs (every dialog goes through it; tests answer it),
                          error, sign_in, settings, crash
    desktop/              tray, taskbar (progress on the launcher icon), single_instance (a
                          second start hands its files over),
                          window_state (size, layout and tab remembered)
"""
