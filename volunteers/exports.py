"""Report and list downloads: CSV, XLSX (openpyxl) and PDF (WeasyPrint)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from project.csv import csv_response, xlsx_append

from .charts import chart_svg
from .reports import Report

__all__ = ["csv_response", "report_csv", "report_pdf", "report_xlsx"]


def report_csv(report: Report) -> HttpResponse:
    return csv_response(slugify(report.title), report.columns, report.rows)


def report_xlsx(report: Report) -> HttpResponse:

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    xlsx_append(summary, [report.title])
    summary["A1"].font = Font(bold=True, size=14)
    xlsx_append(summary, [report.subtitle])
    xlsx_append(summary, [])
    for label, value in report.summary:
        xlsx_append(summary, [label.strip(), value])
    sheet = book.create_sheet("Detail")
    xlsx_append(sheet, report.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report.rows:
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(report.title)}.xlsx"'
    return response


def report_pdf_html(report: Report) -> str:
    """The HTML WeasyPrint lays out: the summary, the report's charts as inline SVG (drawn here,
    the same data the page's charts show) and the table."""
    charts = [{"title": chart.get("title", ""), "svg": chart_svg(chart)} for chart in report.charts]
    return render_to_string("volunteers/reports/pdf.html", {"report": report, "charts": charts})


def report_pdf(report: Report, request) -> HttpResponse:
    from weasyprint import HTML  # lazy: heavy import, only needed for this download

    pdf = HTML(string=report_pdf_html(report), base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(report.title)}.pdf"'
    return response


def report_download(report: Report, fmt: str, request) -> HttpResponse | None:
    if fmt == "csv":
        return report_csv(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt == "pdf":
        return report_pdf(report, request)
    return None
