"""The funnel as a picture (a PNG bar chart), drawn with matplotlib."""

from __future__ import annotations

import io

from bot.i18n import _
from bot.insight import Funnel


def funnel_steps(funnel: Funnel) -> list[tuple[str, int]]:
    """The funnel's steps in order, with their counts."""
    return [
        (_("Areas assessed"), funnel.areas_assessed),
        (_("Opportunities"), funnel.opportunities),
        (_("Pitches"), funnel.pitches),
        (_("Shortlisted"), funnel.shortlisted),
        (_("Meetings held"), funnel.meetings_held),
        (_("Follow-ups"), funnel.follow_ups),
        (_("Pilots started"), funnel.pilots_started),
        (_("Pilots completed"), funnel.pilots_completed),
    ]


def funnel_png(funnel: Funnel, title: str) -> bytes:
    """A horizontal bar chart of the funnel, as PNG bytes."""
    # Imported here so that serving processes only pay for matplotlib when a chart is drawn.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    steps = funnel_steps(funnel)
    labels = [label for label, _count in steps][::-1]
    counts = [count for _label, count in steps][::-1]
    figure, axes = pyplot.subplots(figsize=(7, 4), dpi=100)
    try:
        bars = axes.barh(labels, counts, color="#1d3557")
        axes.bar_label(bars, padding=3)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_xlim(0, max([*counts, 1]) * 1.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        pyplot.close(figure)
    return buffer.getvalue()
