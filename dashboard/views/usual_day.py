"""Today against the usual day: a gold figure's hourly values today over the p10-p90 band and
median of the same weekday in the weeks before (the lake). Shared by the traffic and parking
pages, which differ only in what they plot."""

from __future__ import annotations

from dashboard import charts, data, ui

WEEKS = 8


def today_against_usual(
    ctx: data.Context,
    aggregation: str,
    field: str,
    *,
    title: str,
    what: str,
    y_title: str,
    y_range: tuple[float, float],
    key: str,
    percent: bool = False,
) -> None:
    """``title`` is completed with the weekday (``Congestion today against a usual Monday``);
    ``what`` names today's series in the caption (``today's hourly index``)."""
    rows = data.typical_day(ctx, aggregation, field, weeks=WEEKS)
    days = max(int(r.get("days") or 0) for r in rows)
    weekday = ctx.now.astimezone(data.PARIS).strftime("%A")
    stamp = ui.stamp(
        ctx,
        aggregation,
        f"{title} {weekday}",
        f"{what} over the p10-p90 band and median of the {days} {weekday}s before "
        f"(the lake, last {WEEKS} weeks)",
        f"{data.paris_time(ctx.now)} (Paris), hours of the day in Paris time",
    )
    fig = charts.typical_day(rows, stamp, y_title=y_title, percent=percent, y_range=y_range)
    ui.chart(fig, key)
