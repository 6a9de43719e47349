"""What a chart's table becomes: the page's table body (HTML) and the CSV download."""

from __future__ import annotations

import csv
import io

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from sanxiang.oversight.dashboard.chart import Chart


def rows_html(chart: Chart) -> SafeString:
    """The table body, written here rather than by template loops: the deployment's page has thousands of cells,
    and the template engine spent about a third of the page's time on them. Every value is escaped."""
    if not chart.rows:
        return format_html('<tr><td colspan="{}">无数据</td></tr>', len(chart.header))
    parts = []
    for i, row in enumerate(chart.rows):
        label = escape(row[0])
        link = chart.links.get(i, "")
        if link:
            label = format_html('<a href="{}">{}</a>', link, label)
        cells = "".join(f'<td class="dash-num">{escape(cell)}</td>' for cell in row[1:])
        parts.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
    return mark_safe("\n".join(parts))  # noqa: S308 - built from escaped values only


def csv_bytes(chart: Chart) -> bytes:
    """The chart's header and rows as CSV, UTF-8 with a BOM (so that Excel opens the Chinese text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(chart.header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in chart.rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
