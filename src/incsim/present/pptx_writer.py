"""The deck as a PowerPoint file people can edit: a title placeholder, real text boxes, native
tables and charts (the ``python-pptx`` chart API, so the audience's template and colours apply),
and speaker notes on every slide.

No colour or font is forced on a chart: it takes the theme of whatever template it is pasted
into. Shapes carry names (``lead``, ``points``, ``table``, ``chart``) so a reader or a test can
find them. The file is made byte-stable: the same folders give the same bytes (fixed document
dates and fixed zip entry times).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from contextlib import contextmanager
from functools import cached_property

from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import MSO_ANCHOR
from pptx.util import Emu, Inches, Pt

from incsim.present.deck import Chart, Deck, Slide, Table

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BODY_TOP = Inches(2.15)
BODY_BOTTOM = Inches(7.1)
FIXED_TIME = dt.datetime(2000, 1, 1)  # document dates: the deck's bytes depend on its folders only
_TITLE_ONLY = 5  # the default template's "Title Only" layout


class _StableWorkbook:
    """A chart's embedded workbook dated ``FIXED_TIME`` rather than now (mixed into python-pptx's writers)."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        from xlsxwriter import Workbook

        workbook = Workbook(xlsx_file, {"in_memory": True})
        workbook.set_properties({"created": FIXED_TIME})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _CategoryWorkbook(_StableWorkbook, CategoryWorkbookWriter):
    pass


class _XyWorkbook(_StableWorkbook, XyWorkbookWriter):
    pass


class _ChartData(CategoryChartData):
    """Category chart data whose embedded workbook has fixed bytes."""

    @cached_property
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        return _CategoryWorkbook(self)


class _XyData(XyChartData):
    """XY chart data whose embedded workbook has fixed bytes."""

    @cached_property
    def _workbook_writer(self) -> XyWorkbookWriter:
        return _XyWorkbook(self)


def _text_box(
    slide, name: str, left, top, width, height, paragraphs: list[str], size: float, bold: bool = False
):
    box = slide.shapes.add_textbox(left, top, width, height)
    box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    for i, text in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = text
        para.space_after = Pt(size * 0.5)
        for run in para.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
    return box


def _lines(texts: list[str], width_in: float, size: float) -> int:
    per_line = max(20, int(width_in * 72 / (size * 0.5)))  # characters a line holds, roughly
    return sum(max(1, math.ceil(len(t) / per_line)) for t in texts)


def _table(slide, table: Table, left, top, width, height) -> None:
    size = 11 if len(table.rows) <= 8 else 9
    shape = slide.shapes.add_table(
        len(table.rows) + 1,
        len(table.header),
        left,
        top,
        width,
        Emu(min(int(height), int(Pt(size * 2.2)) * (len(table.rows) + 1))),
    )
    shape.name = "table"
    grid = shape.table
    if len(table.header) <= 4:  # the first column names things (a parameter, a protocol): give it room
        first = int(width * 0.4)
        grid.columns[0].width = Emu(first)
        for c in range(1, len(table.header)):
            grid.columns[c].width = Emu((int(width) - first) // (len(table.header) - 1))
    for r, row in enumerate((table.header, *table.rows)):
        for c, text in enumerate(row):
            cell = grid.cell(r, c)
            cell.text = text
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(size)
                    run.font.bold = r == 0


def _chart_data(chart: Chart):
    if chart.x is not None:  # a numeric x axis: an XY chart, points where they belong
        xy = _XyData(number_format=chart.number_format)
        for s in chart.series:
            series = xy.add_series(s.name, number_format=chart.number_format)
            for x, v in zip(chart.x, s.values, strict=True):
                if math.isfinite(v):
                    series.add_data_point(x, v)
        return XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, xy
    data = _ChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for s in chart.series:
        data.add_series(s.name, [v if math.isfinite(v) else None for v in s.values], chart.number_format)
    kinds = {"line": XL_CHART_TYPE.LINE_MARKERS, "hbar": XL_CHART_TYPE.BAR_CLUSTERED}
    return kinds.get(chart.kind, XL_CHART_TYPE.COLUMN_CLUSTERED), data


def _chart(slide, chart: Chart, left, top, width, height) -> None:
    kind, data = _chart_data(chart)
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    frame.name = "chart"
    ch = frame.chart
    ch.has_title = True
    ch.chart_title.text_frame.text = chart.title
    ch.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    ch.font.size = Pt(11)
    ch.has_legend = len(chart.series) > 1
    if ch.has_legend:
        ch.legend.position = XL_LEGEND_POSITION.BOTTOM
        ch.legend.include_in_layout = False
    axis = ch.value_axis
    axis.has_major_gridlines = True
    values = [v for ser in chart.series for v in ser.values if math.isfinite(v)]
    if chart.kind == "hbar":  # the first category on top, as it is read
        ch.category_axis.reverse_order = True
    if chart.x is not None:
        ch.category_axis.has_title = True
        ch.category_axis.axis_title.text_frame.text = "months"
    if chart.unit == "power":
        axis.minimum_scale, axis.maximum_scale = 0.0, 1.0
    elif chart.kind in ("bar", "hbar") and values:  # bars start at zero, never at an automatic floor
        if min(values) >= 0:
            axis.minimum_scale = 0.0
        elif max(values) <= 0:
            axis.maximum_scale = 0.0
        ch.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    axis.tick_labels.number_format = chart.number_format
    axis.tick_labels.number_format_is_linked = False
    if chart.unit:
        axis.has_title = True
        axis.axis_title.text_frame.text = chart.unit
    if chart.kind in ("bar", "hbar") and len(chart.categories) * len(chart.series) <= 12:
        plot = ch.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = chart.number_format
        plot.data_labels.number_format_is_linked = False


def _slide(prs, s: Slide) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9)
    title.text = s.title
    for run in title.text_frame.paragraphs[0].runs:
        run.font.size = Pt(30)
    lead_size = 18 if len(s.lead) <= 120 else 15 if len(s.lead) <= 200 else 13  # at most three lines
    _text_box(
        slide, "lead", MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.9), [s.lead], lead_size, bold=True
    )
    full = WIDTH - 2 * MARGIN
    left_w = Inches(6.6) if s.chart is not None and (s.points or s.table) else full
    top = BODY_TOP
    if s.points:
        size = 14 if _lines(list(s.points), left_w / 914400, 14) <= 12 else 12
        # lines at 1.25 x the size, half a line after each paragraph, and the box's own margins
        height = (
            Pt(size * 1.25) * _lines(list(s.points), left_w / 914400, size)
            + Pt(size * 0.5) * len(s.points)
            + Inches(0.1)
        )
        _text_box(slide, "points", MARGIN, top, left_w, Emu(int(height)), list(s.points), size)
        top = Emu(int(top + height + Inches(0.1)))
    if s.table is not None:
        _table(slide, s.table, MARGIN, top, left_w, Emu(int(BODY_BOTTOM - top)))
    if s.chart is not None:
        if s.points or s.table:
            x = MARGIN + left_w + Inches(0.2)
            _chart(slide, s.chart, x, BODY_TOP, WIDTH - MARGIN - x, BODY_BOTTOM - BODY_TOP)
        else:
            _chart(slide, s.chart, MARGIN, BODY_TOP, full, BODY_BOTTOM - BODY_TOP)
    slide.notes_slide.notes_text_frame.text = s.notes


def _stable_zip(data: bytes) -> bytes:
    """The same package with every entry dated 1980-01-01, so equal decks are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def pptx_bytes(deck: Deck) -> bytes:
    """The deck as a ``.pptx`` file's bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    props = prs.core_properties
    props.title = deck.title[:250]
    props.author = props.last_modified_by = "incsim present"
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    for s in deck.slides:
        _slide(prs, s)
    buf = io.BytesIO()
    prs.save(buf)
    return _stable_zip(buf.getvalue())
