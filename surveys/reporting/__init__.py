"""Reporting: what the administration reads.

Owns the programme dashboard and its panels, indicators (values over time and their import), charts
and the PDF report. Uses the core, the workspace, the exports' small-group rule and the plugin registry.
"""

from .charts import RCI_COLOURS, means_chart, share_rows, slope_chart, stacked_share
from .indicators import set_value

__all__ = [
    "RCI_COLOURS",
    "means_chart",
    "set_value",
    "share_rows",
    "slope_chart",
    "stacked_share",
]
