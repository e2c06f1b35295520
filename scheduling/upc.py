"""UPC check digits and what a printed barcode encodes. Plain Python.

A UPC-A has 12 digits, the last a check digit over the first 11. An EDR item whose UPC has a wrong
check digit, or none, is flagged (on the item, in the verification dashboard, on the paperwork),
and the paperwork's caption under a barcode always prints exactly what the bars encode:

- 12 digits, right check digit → UPC-A of those 12 digits;
- 11 digits or fewer (no check digit; short ones are left-padded with zeros, as UPCs are) →
  UPC-A of the padded digits plus the computed check digit, flagged "check digit missing";
- 12 digits, wrong check digit → Code128 of the 12 digits as given (a UPC-A would silently encode
  another number), flagged "wrong check digit";
- anything else (EAN-13, letters) → Code128 of the text as given; empty → no barcode, flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

UPC_A, CODE128 = "UPC-A", "Code128"


def upc_check_digit(first11: str) -> int:
    """The UPC-A check digit of 11 digits: 3 × the odd positions + the even ones, to the next ten."""
    odd = sum(int(d) for d in first11[0::2])
    even = sum(int(d) for d in first11[1::2])
    return (10 - (3 * odd + even) % 10) % 10


@dataclass(frozen=True)
class BarcodePlan:
    symbology: str  # UPC-A, Code128, or "" (no barcode)
    encoded: str  # exactly what the bars encode, and so what the caption prints
    problem: str  # "" when the UPC is a valid UPC-A

    @property
    def flagged(self) -> bool:
        return bool(self.problem)


def barcode_plan(value: str) -> BarcodePlan:
    text = (value or "").strip()
    if not text:
        return BarcodePlan("", "", "No UPC.")
    if not text.isdigit() or len(text) > 12:
        return BarcodePlan(CODE128, text, "")
    if len(text) <= 11:
        padded = text.zfill(11)
        full = padded + str(upc_check_digit(padded))
        what = "check digit missing" if len(text) == 11 else f"only {len(text)} digits (padded, no check digit)"
        return BarcodePlan(UPC_A, full, f"UPC {text}: {what}; the barcode encodes {full}.")
    expected = upc_check_digit(text[:11])
    if int(text[11]) != expected:
        return BarcodePlan(
            CODE128,
            text,
            f"UPC {text}: wrong check digit ({text[11]}, should be {expected}); printed as Code128 of the digits given.",
        )
    return BarcodePlan(UPC_A, text, "")
