"""Report and list downloads: CSV, XLSX (openpyxl) and PDF (WeasyPrint)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from .reports import Report


def csv_safe(value) -> str:
    # Spreadsheet apps execute cells starting with these characters (CSV injection).
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return response


def report_csv(report: Report) -> HttpResponse:
    return csv_response(slugify(report.title), report.columns, report.rows)


def report_xlsx(report: Report) -> HttpResponse:

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([report.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([report.subtitle])
    summary.append([])
    for label, value in report.summary:
        summary.append([label.strip(), _cell(value)])
    sheet = book.create_sheet("Detail")
    sheet.append(report.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(report.title)}.xlsx"'
    return response


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return csv_safe(value)
    return value


def report_pdf(report: Report, request) -> HttpResponse:
    from weasyprint import HTML  # heavy import, only needed for this download

    html = render_to_string("volunteers/reports/pdf.html", {"report": report}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
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
