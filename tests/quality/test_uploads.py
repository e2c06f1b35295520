"""Receipts are checked by content: images must decode with Pillow, PDFs carry the %PDF- signature,
HEIC photos their file-type box; anything else (HTML renamed .png, a script renamed .pdf, a
truncated image, a decompression bomb) is refused with a message on the field. Size limit kept."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from expenses.forms import RECEIPT_MAX_BYTES, ExpenseForm, receipt_content_kind
from expenses.models import Expense

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
HTML = b"<html><script>alert(document.cookie)</script></html>"


def receipt_errors(user, name: str, content: bytes, content_type="application/octet-stream") -> list[str]:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    form = ExpenseForm(data={}, files={"receipt": upload}, user=user)
    form.is_valid()
    return form.errors.get("receipt", [])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("r.png", image_bytes("PNG")),
        ("r.jpg", image_bytes("JPEG")),
        ("r.jpeg", image_bytes("JPEG")),
        ("r.gif", image_bytes("GIF")),
        ("r.webp", image_bytes("WEBP")),
        ("R.PNG", image_bytes("PNG")),
        ("r.pdf", PDF),
        ("r.heic", HEIC),
    ],
)
def test_real_receipts_are_accepted(staff_user, name, content):
    assert receipt_errors(staff_user, name, content) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.png", HTML, "This file is not a readable PNG."),
        ("r.jpg", b"MZ\x90\x00 an executable", "This file is not a readable JPG."),
        ("r.pdf", HTML, "This file is not a readable PDF."),
        ("r.pdf", image_bytes("PNG"), "This file is not a readable PDF."),
        ("r.png", PDF, "This file is not a readable PNG."),
        ("r.png", image_bytes("PNG")[:60], "This file is not a readable PNG."),  # truncated
        ("r.png", image_bytes("BMP"), "This file is not a readable PNG."),  # decodes, but not a receipt format
        ("r.heic", HTML, "This file is not a readable HEIC."),
        ("r.html", HTML, "Upload a PDF or an image"),
        ("r.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "Upload a PDF"),
    ],
)
def test_anything_else_is_refused_naming_the_field(staff_user, name, content, message):
    errors = receipt_errors(staff_user, name, content, content_type="image/png")
    assert len(errors) == 1 and errors[0].startswith(message), errors


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused_even_when_pillow_is_told_to_load_truncated_ones(monkeypatch, fmt):
    # WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process when imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = image_bytes(fmt, size=(300, 200))
    assert receipt_content_kind(SimpleUploadedFile("r", whole)) == "image"
    assert receipt_content_kind(SimpleUploadedFile("r", whole[: len(whole) // 2])) is None


def test_size_limit_is_kept(staff_user):
    big = PDF + b"0" * RECEIPT_MAX_BYTES
    assert receipt_errors(staff_user, "r.pdf", big) == ["The receipt is larger than 10 MB."]


def test_a_decompression_bomb_is_refused_before_decoding():
    buffer = BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 megapixels in a few KB
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue())
    assert receipt_content_kind(upload) is None
    assert upload.tell() == 0


def test_html_renamed_png_is_not_stored_through_the_page(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/expenses/add/",
        {"kind": "expense", "amount": "12.50", "date": "2026-01-15", "party_size": "1",
         "receipt": SimpleUploadedFile("receipt.png", HTML, content_type="image/png")},
    )  # fmt: skip
    assert response.status_code == 200
    assert "This file is not a readable PNG." in response.content.decode()
    assert Expense.objects.count() == 0
