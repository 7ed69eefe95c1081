"""Work that crosses the GUI thread: manager events in, manager calls and file intake out,
and the time-budgeted turns in which the window handles what came in."""
