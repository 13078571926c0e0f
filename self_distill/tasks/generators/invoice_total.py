"""invoice_total: read the total amount due off an invoice or receipt as a plain decimal.

Answer: the total with two decimals, a dot and no currency or thousands separator (``1234.50``).
The document states the total under one of several labels ("Total", "Amount due", "Balance
due", ...) and it always equals the line items plus tax and shipping minus any discount, all
in whole cents. What makes it hard is what stands around it: subtotals, tax lines, unit prices,
invoice numbers and dates, and in hard documents European amounts ("1.234,50 €", decimal comma).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import company, letter, person

ITEMS: tuple[str, ...] = (
    "Printer paper (box)", "Consulting hours", "Coffee beans 1kg", "Office chair",
    "USB-C cable", "Website hosting (month)", "Cleaning service", "Desk lamp",
    "Translation, per page", "Catering for meeting", "Monitor arm", "Courier pick-up",
    "Design revisions", "Notebooks (pack)", "Software licence", "Training session",
    "Label printer", "Water cooler rental", "Standing desk", "Ink cartridges",
)  # fmt: skip
TOTAL_LABELS: tuple[str, ...] = (
    "Total", "TOTAL", "Total due", "Amount due", "Grand total", "Balance due",
)  # fmt: skip
TAX_RATES: tuple[tuple[str, int], ...] = (("7%", 700), ("8.25%", 825), ("10%", 1000),
                                          ("19%", 1900), ("20%", 2000))  # fmt: skip


@dataclass(frozen=True)
class Money:
    """How a document writes amounts: symbol or code, where it goes, which separators."""

    prefix: str
    suffix: str
    thousands: str
    decimal: str

    def __call__(self, cents: int) -> str:
        units, rest = divmod(cents, 100)
        grouped = f"{units:,}".replace(",", self.thousands)
        return f"{self.prefix}{grouped}{self.decimal}{rest:02d}{self.suffix}"


MONEY_STYLES: dict[str, Money] = {
    "dollar": Money("$", "", ",", "."),
    "usd_code": Money("USD ", "", ",", "."),
    "usd_after": Money("", " USD", ",", "."),
    "pound": Money("£", "", ",", "."),
    "plain": Money("", "", "", "."),
    "euro_comma": Money("", " €", ".", ","),
    "eur_code_comma": Money("EUR ", "", ".", ","),
    "euro_space": Money("€", "", " ", ","),
}
_EUROPEAN = frozenset({"euro_comma", "eur_code_comma", "euro_space"})


@dataclass(frozen=True)
class Invoice:
    """Line items (description, quantity, unit price in cents) and the adjustments in cents."""

    lines: tuple[tuple[str, int, int], ...]
    tax_label: str | None
    tax: int
    shipping: int
    discount: int

    @property
    def subtotal(self) -> int:
        return sum(quantity * price for _, quantity, price in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal + self.tax + self.shipping - self.discount

    def summary(self, money: Money, total_label: str) -> list[tuple[str, str]]:
        """(label, amount) rows below the items; subtotal only when something follows it."""
        rows = []
        if self.tax_label or self.shipping or self.discount:
            rows.append(("Subtotal", money(self.subtotal)))
        if self.discount:
            rows.append(("Discount", money(self.discount)))
        if self.shipping:
            rows.append(("Shipping", money(self.shipping)))
        if self.tax_label:
            rows.append((self.tax_label, money(self.tax)))
        return [*rows, (total_label, money(self.total))]


def _invoice(rng: random.Random, difficulty: str) -> Invoice:
    count = {"easy": (1, 3), "medium": (2, 5), "hard": (3, 7)}[difficulty]
    descriptions = rng.sample(ITEMS, rng.randint(*count))
    largest = {"easy": 9_000, "medium": 60_000, "hard": 250_000}[difficulty]
    lines = tuple(
        (name, rng.randint(1, 12), rng.randrange(200, largest, rng.choice((1, 5, 50, 100))))
        for name in descriptions
    )
    subtotal = sum(quantity * price for _, quantity, price in lines)
    tax_label, tax, shipping, discount = None, 0, 0, 0
    if difficulty != "easy":
        if rng.random() < 0.8:
            name, basis_points = rng.choice(TAX_RATES)
            tax_label = f"{rng.choice(('Tax', 'VAT', 'Sales tax'))} ({name})"
            tax = (subtotal * basis_points + 5_000) // 10_000
        if rng.random() < 0.5:
            shipping = rng.randrange(499, 4_999, 100)
    if difficulty == "hard" and rng.random() < 0.5:
        discount = subtotal * rng.choice((5, 10, 15)) // 100
    return Invoice(lines, tax_label, tax, shipping, discount)


def _header(rng: random.Random) -> list[str]:
    name, domain = company(rng)
    number = f"INV-{rng.randint(2019, 2030)}-{rng.randint(1, 9999):04d}"
    day = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2019, 2030)}"
    return [name, f"www.{domain}", f"Invoice {number}", f"Date: {day}"]


def _table(rng: random.Random, invoice: Invoice, money: Money, label: str) -> str:
    rows = ["| Item | Qty | Unit price | Amount |", "|---|---|---|---|"]
    rows += [
        f"| {name} | {quantity} | {money(price)} | {money(quantity * price)} |"
        for name, quantity, price in invoice.lines
    ]
    rows += [f"| {row} | | | {amount} |" for row, amount in invoice.summary(money, label)]
    return "\n".join([*_header(rng), "", *rows])


def _receipt(rng: random.Random, invoice: Invoice, money: Money, label: str) -> str:
    lines = [
        f"{quantity} x {name} @ {money(price)}".ljust(44, ".") + f" {money(quantity * price)}"
        for name, quantity, price in invoice.lines
    ]
    lines += [
        f"{row.upper()}".ljust(44, ".") + f" {amount}"
        for row, amount in invoice.summary(money, label)
    ]
    shop, _ = company(rng)
    return "\n".join([shop.upper(), "*" * 20, *lines, "*" * 20, "Thank you for your purchase!"])


def _csv(rng: random.Random, invoice: Invoice, money: Money, label: str) -> str:
    separator = ";" if money.decimal == "," else ","
    rows = [separator.join(("description", "quantity", "unit_price", "amount"))]
    rows += [
        separator.join(
            (f'"{name}"', str(quantity), f'"{money(price)}"', f'"{money(quantity * price)}"')
        )
        for name, quantity, price in invoice.lines
    ]
    rows += [
        separator.join((row, "", "", f'"{amount}"'))
        for row, amount in invoice.summary(money, label)
    ]
    return "\n".join(rows)


def _email(rng: random.Random, invoice: Invoice, money: Money, label: str) -> str:
    number = _header(rng)[2]
    items = [
        f"- {quantity} x {name} at {money(price)} each" for name, quantity, price in invoice.lines
    ]
    sentences = {
        "Subtotal": "The items come to a subtotal of {a}.",
        "Discount": "Your loyalty discount is {a}.",
        "Shipping": "Shipping adds {a}.",
        label: f"The {label.lower()} is {{a}}.",
    }
    summary = [
        sentences.get(row, f"{row} is {{a}}.").format(a=amount)
        for row, amount in invoice.summary(money, label)
    ]
    body = f"Please find {number} attached.\n" + "\n".join(items) + "\n\n" + " ".join(summary)
    first, last = person(rng)
    return letter(rng, person(rng)[0], [body], f"{first} {last}")


def _key_value(rng: random.Random, invoice: Invoice, money: Money, label: str) -> str:
    rows = [f"{row}: {amount}" for row, amount in invoice.summary(money, label)]
    items = f"Items: {len(invoice.lines)} ({sum(q for _, q, _ in invoice.lines)} units)"
    return "\n".join([*_header(rng), items, *rows, "Payment terms: 30 days"])


LAYOUTS: dict[str, Callable[[random.Random, Invoice, Money, str], str]] = {
    "table": _table,
    "receipt": _receipt,
    "csv": _csv,
    "email": _email,
    "key_value": _key_value,
}

# difficulty -> (layouts, money styles, total labels)
_KNOBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "easy": (("table", "receipt", "csv", "key_value"), ("dollar",), ("Total", "TOTAL")),
    "medium": (tuple(LAYOUTS), ("dollar", "usd_code", "usd_after", "pound", "plain"), TOTAL_LABELS),
    "hard": (tuple(LAYOUTS), tuple(MONEY_STYLES), TOTAL_LABELS),
}

TEMPLATES: tuple[str, ...] = (
    "What is the total amount due on this invoice? Reply with the number only, two decimals, "
    "no currency symbol or thousands separator.\n\n{text}",
    "Extract the final total from the document below as a plain decimal number (dot as the "
    "decimal mark, two decimals).\n---\n"
    "{text}\n---",
    "Our bookkeeping import needs the grand total of this receipt: digits with a decimal point "
    "and two decimals, nothing else.\n{text}",
    "How much do we have to pay in total (after tax, shipping and discounts)? Answer as a "
    "number with two decimals.\n\n{text}",
    "Read the invoice and give the total due, normalised: no currency, no thousands "
    "separators, a dot before the two decimals (European amounts converted too).\n"
    "Invoice:\n{text}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A consistent invoice in one layout and money style, with its total as the answer."""
    layouts, money_styles, total_labels = _KNOBS[difficulty]
    invoice = _invoice(rng, difficulty)
    style = rng.choice(money_styles)
    layout = rng.choice(layouts)
    total_label = rng.choice(total_labels)
    text = LAYOUTS[layout](rng, invoice, MONEY_STYLES[style], total_label)
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(text=text),
        f"{invoice.total // 100}.{invoice.total % 100:02d}",
        {"template": template, "layout": layout, "money": style, "label": total_label},
    )


FAMILY = Family(
    name="invoice_total",
    description="Read the total amount due off an invoice, receipt, CSV export or billing "
    "email as a plain decimal.",
    answer_format="numeric",
    answer_doc="the total as digits with a decimal point and two decimals, e.g. 1234.50",
    knobs={
        "easy": "1-3 items in dollars, labelled Total; no tax",
        "medium": "2-5 items, tax and shipping lines, $/£/USD, labels like 'Amount due'; emails",
        "hard": "3-7 items, discounts, European amounts (1.234,50 €) and ';' CSV",
    },
    make=make,
    kind="everyday",
)
