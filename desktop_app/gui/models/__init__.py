"""What the tables show: the GUI's copy of every job, one table model per tab, cell text.

No widgets here; ``formatting`` and ``analysis_view`` import no Qt at all.
"""
