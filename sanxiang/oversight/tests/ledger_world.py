"""Rows of the oversight app's ledgered models for the ledger's tamper test: the bureau's 2024 figures published and
then corrected (a superseded version and the current one). Its tamper test changes the last row: another agency
(the other agency has no reports), another year (2025 has none), another version or state all stay within the
constraints."""

from __future__ import annotations

from sanxiang.conftest import Bureau
from sanxiang.oversight.services import annual_report_publish


def extend(bureau: Bureau) -> None:
    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=2024)
    annual_report_publish(actor=bureau.leader, agency=bureau.agency, year=2024, reason="补录一件行政许可决定")
