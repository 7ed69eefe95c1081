"""What the window does for the user: commands (``job_actions``) and when to ask the
user (``attention``). Plain objects with signals; the window connects them."""
