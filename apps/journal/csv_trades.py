"""The journal's trades as CSV: the export's columns and the import's layout. No database.

Export: one header row, then one row per trade with the columns of `EXPORT_COLUMNS`: amounts
as exact decimal strings, times ISO-8601 UTC with a `Z`, tags as `; `-separated names. A text
cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`) is written with a
leading `'`.

Import (`IMPORT_LAYOUT` documents it; the README repeats it): UTF-8 (a BOM is fine), comma
separated, a header row naming the columns in any order (case-insensitive; other columns, such
as the rest of an export's, are ignored), then one closed trade per row. A row's natural key is
its `external_id`, or without one a hash of its values, so uploading the same file again adds
nothing. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.core.fields import AMOUNT_PATTERN, iso_z, plain_amount
from apps.exchanges.venues.base import SYMBOL_PATTERN
from apps.journal.matching import split_symbol

EXPORT_COLUMNS = (
    "id",
    "exchange_account_id",
    "account",
    "venue",
    "symbol",
    "side",
    "opened_at",
    "closed_at",
    "duration_seconds",
    "quantity",
    "entry_price",
    "exit_price",
    "fees",
    "fee_currency",
    "fees_complete",
    "gross_pnl",
    "net_pnl",
    "r_multiple",
    "risk_amount",
    "stop_price",
    "stop_assumed",
    "mae",
    "mfe",
    "tags",
    "notes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

REQUIRED = ("symbol", "side", "opened_at", "closed_at", "quantity", "entry_price", "exit_price")
SIDES = {"buy": "buy", "long": "buy", "sell": "sell", "short": "sell"}
MAX_EXTERNAL_ID = 64
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,%d}$" % MAX_EXTERNAL_ID)  # noqa: UP031 - a regex's braces
_AMOUNT = re.compile(AMOUNT_PATTERN)
_FEE = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,18})?$")
_SYMBOL = re.compile(SYMBOL_PATTERN)

IMPORT_LAYOUT = f"""A CSV file (UTF-8, comma separated) with a header row, then one closed trade per row.
Columns, in any order, names case-insensitive; other columns are ignored (an export of this
journal imports as it is):

- `symbol` (required): `BTC_USDT`, or `BTC_USDT_PERP` for a perpetual.
- `side` (required): the opening side, `buy` or `sell` (`long` and `short` also read).
- `opened_at`, `closed_at` (required): ISO-8601 instants with their zone, such as
  `2026-03-01T08:00:00Z`; `closed_at` not before `opened_at`.
- `quantity`, `entry_price`, `exit_price` (required): positive decimals (up to 18 places).
- `fees` (optional): the round trip's fees in the quote asset, 0 or more (empty is 0).
- `external_id` (optional): your id of the trade (letters, digits, `._:-`, at most
  {MAX_EXTERNAL_ID}); without it the row's values are its id.

Each row becomes two fills of venue `csv` (no exchange account), which the journal matches like
any other fills; R is measured against your default stop distance (the trades are marked
`stop_assumed`). Uploading a row again (the same `external_id`, or the same values) adds
nothing. One bad row refuses the whole file: the 400's `details` name each bad row by its
number (the header is row 1)."""


# --- export -------------------------------------------------------------------------------------


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def export_row(trade: dict[str, Any]) -> list[str]:
    """The cells of one trade, in EXPORT_COLUMNS' order; `trade` is a presented trade
    (apps/journal/presenters.present_trade) with its `account` and `notes`."""
    cells = {
        **trade,
        "fee_currency": split_symbol(trade["symbol"])[1],
        "account": _text(trade["account"] or ""),
        "tags": _text("; ".join(tag["name"] for tag in trade["tags"])),
        "notes": _text(trade["notes"]),
    }
    return [_cell(cells[name]) for name in EXPORT_COLUMNS]


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """The header, then each row, as CSV text lines (what a streamed response sends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in itertools.chain([list(EXPORT_COLUMNS)], rows):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedTrade:
    row: int  # as a spreadsheet numbers it: the header is 1
    key: str  # the natural key: `id:<external_id>` or `h:<hash of the values>`
    symbol: str
    side: str
    opened_at: datetime
    closed_at: datetime
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    fees: Decimal


class CsvRowsError(Exception):
    """Rows that cannot be imported: {row number (text): [messages]}, or {"file": [...]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO-8601 instant such as 2026-03-01T08:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError("must give its zone (Z or +hh:mm)")
    return moment.astimezone(UTC)


def _decimal(value: str, *, pattern: re.Pattern[str], what: str) -> Decimal:
    if not pattern.fullmatch(value):
        raise ValueError(f"must be {what} (digits, a point, up to 18 places)")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern lets only numerals through
        raise ValueError(f"must be {what}") from None


def _parse_row(number: int, cells: dict[str, str]) -> tuple[ImportedTrade | None, list[str]]:
    errors: list[str] = []
    values: dict[str, Any] = {}

    def read(name: str, parse: Any) -> None:
        try:
            values[name] = parse(cells.get(name, "").strip())
        except ValueError as exc:
            errors.append(f"{name}: {exc}")

    def required(parse: Any) -> Any:
        def check(text: str) -> Any:
            if not text:
                raise ValueError("is required")
            return parse(text)

        return check

    def symbol(text: str) -> str:
        if not _SYMBOL.fullmatch(text):
            raise ValueError("must be a symbol such as BTC_USDT")
        return text.upper()

    def side(text: str) -> str:
        if text.lower() not in SIDES:
            raise ValueError("must be buy or sell")
        return SIDES[text.lower()]

    def external_id(text: str) -> str:
        if text and not _EXTERNAL_ID.fullmatch(text):
            raise ValueError(f"must be at most {MAX_EXTERNAL_ID} letters, digits or ._:-")
        return text

    def positive(text: str) -> Decimal:
        return _decimal(text, pattern=_AMOUNT, what="a positive decimal")

    read("symbol", required(symbol))
    read("side", required(side))
    read("opened_at", required(_instant))
    read("closed_at", required(_instant))
    for name in ("quantity", "entry_price", "exit_price"):
        read(name, required(positive))
    read("fees", lambda text: _decimal(text, pattern=_FEE, what="0 or a positive decimal") if text else Decimal(0))
    read("external_id", external_id)
    if not errors and values["closed_at"] < values["opened_at"]:
        errors.append("closed_at: must not be before opened_at")
    if errors:
        return None, errors
    external = values.pop("external_id")
    return ImportedTrade(row=number, key=f"id:{external}" if external else f"h:{_digest(values)}", **values), []


def _digest(values: dict[str, Any]) -> str:
    # The same trade written with other digits (`1.50` and `1.5`, `Z` and `+00:00`) is one trade.
    parts = [
        plain_amount(value) if isinstance(value, Decimal) else iso_z(value) if isinstance(value, datetime) else value
        for _, value in sorted(values.items())
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def parse_trades_csv(data: bytes, *, max_rows: int) -> list[ImportedTrade]:
    """Every row of `data` as a trade, or CsvRowsError naming every bad row (at most 50) and
    what is wrong with it: all or nothing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRowsError({"file": ["The file is not UTF-8 text."]}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise CsvRowsError({"file": [f"Not a CSV file: {exc}."]}) from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvRowsError({"file": [f"The header row has no column {', '.join(missing)}."]})
    reader.fieldnames = header
    trades: list[ImportedTrade] = []
    errors: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    try:
        for index, cells in enumerate(reader):
            number = index + 2
            if index >= max_rows:
                raise CsvRowsError({"file": [f"The file has more than {max_rows} rows."]})
            if None in cells:
                errors[str(number)] = ["has more cells than the header has columns"]
                continue
            trade, problems = _parse_row(number, cells)
            if trade is not None and (first := seen.setdefault(f"{trade.symbol}|{trade.key}", number)) != number:
                problems = [f"repeats row {first} (the same external_id, or the same values)"]
            if problems:
                errors[str(number)] = problems
            elif trade is not None:
                trades.append(trade)
            if len(errors) >= 50:
                break
    except csv.Error as exc:
        raise CsvRowsError({"file": [f"Not a CSV file: {exc}."]}) from None
    if errors:
        raise CsvRowsError(errors)
    if not trades:
        raise CsvRowsError({"file": ["The file has no rows below its header."]})
    return trades
