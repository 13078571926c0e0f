"""order_id_extract: find the order number a customer message is about.

Answer: the order id as written, without a leading ``#`` (``ORD-48213``, ``112-7654321-1234567``,
``100234``). Each message is about one order; its id follows the word "order" ("Order #100234",
"order number ORD-48213", "Order ID: W1234567"). Harder messages carry other identifiers that
look alike: invoice and ticket numbers (tickets also use ``#``), tracking numbers, customer ids,
SKUs, and mentions of another order without a number.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import company, filler, letter, person


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(count - 1))


# id style -> (how the id is made, whether it is written with a leading "#")
ID_STYLES: dict[str, tuple[Callable[[random.Random], str], bool]] = {
    "ord_dash": (lambda rng: f"ORD-{_digits(rng, 5)}", False),
    "hash_digits": (lambda rng: _digits(rng, 6), True),
    "letter_digits": (lambda rng: f"{rng.choice('WAKS')}{_digits(rng, 7)}", False),
    "sales_order": (lambda rng: f"SO-{rng.randint(2019, 2030)}-{_digits(rng, 5)}", False),
    "marketplace": (lambda rng: f"1{_digits(rng, 2)}-{_digits(rng, 7)}-{_digits(rng, 7)}", False),
}

MENTIONS: tuple[str, ...] = (
    "I'm writing about order {id}.",
    "My order number is {id}.",
    "Order {id} arrived damaged.",
    "Could you check the status of order {id}?",
    "I would like to return the items from my order {id}.",
)
FIELD_LABELS: tuple[str, ...] = ("Order number", "Order ID", "Order no.", "Order")
ISSUES: tuple[str, ...] = ("wrong size", "missing item", "not delivered", "refund", "damaged")

DISTRACTORS: dict[str, Callable[[random.Random], str]] = {
    "invoice": lambda rng: f"Invoice INV-{rng.randint(2019, 2030)}-{_digits(rng, 4)} is attached.",
    "tracking": lambda rng: f"The tracking number is 1Z{_digits(rng, 6)}{_digits(rng, 10)}.",
    "customer_id": lambda rng: f"My customer ID is C-{rng.randint(1, 99_999):05d}.",
    "sku": lambda rng: (
        f"The product code on the box says SKU {rng.choice('ABKM')}"
        f"{rng.choice('BCTX')}-{_digits(rng, 4)}."
    ),
    "ticket": lambda rng: f"Your support ticket #{_digits(rng, 5)} has been opened.",
    "other_order": lambda rng: "I placed another order last month, and that one arrived fine.",
    "amount": lambda rng: f"I paid ${rng.randint(15, 900)}.{rng.randint(0, 99):02d} by card.",
}
_EASY_DISTRACTORS = ("invoice", "customer_id", "amount")


def _mention(rng: random.Random, written: str) -> str:
    return rng.choice(MENTIONS).format(id=written)


def _email(rng: random.Random, written: str, body: list[str]) -> str:
    position = rng.randint(0, len(body))
    sentences = [*body[:position], _mention(rng, written), *body[position:]]
    return letter(rng, "support team", sentences, " ".join(person(rng)))


def _subject(rng: random.Random, written: str, body: list[str]) -> str:
    subject = f"Subject: Order {written} - {rng.choice(ISSUES)}"
    return f"{subject}\n\n{letter(rng, 'team', body or filler(rng, 1), person(rng)[0])}"


def _forwarded(rng: random.Random, written: str, body: list[str]) -> str:
    shop, domain = company(rng)
    first, last = person(rng)
    confirmation = [
        "---------- Forwarded message ----------",
        f"From: {shop} <noreply@{domain}>",
        "Subject: Thanks for shopping with us",
        "",
        f"{rng.choice(FIELD_LABELS)}: {written}",
        f"Ship to: {first} {last}",
    ]
    note = " ".join(["See below.", *body]) if body else "See below, it never arrived."
    return "\n".join([note, "", *confirmation])


def _chat(rng: random.Random, written: str, body: list[str]) -> str:
    customer, agent = person(rng)[0].lower(), person(rng)[0].lower()
    lines = [f"{agent}: Hi, how can I help?"]
    lines += [f"{customer}: {sentence}" for sentence in [*body, _mention(rng, written)]]
    lines.append(f"{agent}: Thanks, let me look into it.")
    return "\n".join(lines)


def _return_form(rng: random.Random, written: str, body: list[str]) -> str:
    first, last = person(rng)
    lines = ["RETURN REQUEST", f"Name: {first} {last}", f"{rng.choice(FIELD_LABELS)}: {written}"]
    lines.append(f"Reason: {rng.choice(ISSUES)}")
    return "\n".join([*lines, f"Comments: {' '.join(body) or 'none'}"])


LAYOUTS: dict[str, Callable[[random.Random, str, list[str]], str]] = {
    "email": _email,
    "subject_line": _subject,
    "forwarded": _forwarded,
    "chat": _chat,
    "return_form": _return_form,
}

# difficulty -> (id styles, distractor kinds, distractor count range)
_KNOBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "easy": (("ord_dash", "hash_digits", "letter_digits"), _EASY_DISTRACTORS, (0, 1)),
    "medium": (tuple(ID_STYLES), ("invoice", "tracking", "customer_id", "sku", "amount"), (1, 2)),
    "hard": (tuple(ID_STYLES), tuple(DISTRACTORS), (2, 4)),
}

TEMPLATES: tuple[str, ...] = (
    "Extract the order number from this customer message. Reply with the number only "
    "(without a leading #).\n\n{text}",
    "Which order is the customer writing about? Give just the order ID, no '#'.\n---\n{text}\n---",
    "Find the order reference in the text below so I can look it up in the shop admin. Only "
    "the ID, please (drop any # sign).\n{text}",
    "What is the order ID mentioned here? Not the invoice, ticket or tracking number: just the "
    "order ID, without '#'.\n\n{text}",
    "Pull the order number out of the following for our returns spreadsheet (no # sign, "
    "nothing else).\nText: {text}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """One order id in a layout, among look-alike identifiers."""
    styles, distractor_kinds, (low, high) = _KNOBS[difficulty]
    style = rng.choice(styles)
    make_id, hashed = ID_STYLES[style]
    order_id = make_id(rng)
    written = f"#{order_id}" if hashed else order_id
    kinds = rng.sample(distractor_kinds, rng.randint(low, high))
    body = [DISTRACTORS[kind](rng) for kind in kinds] + filler(rng, rng.randint(0, 1))
    rng.shuffle(body)
    layout = rng.choice(sorted(LAYOUTS))
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(text=LAYOUTS[layout](rng, written, body)),
        order_id,
        {"template": template, "layout": layout, "style": style, "distractors": kinds},
    )


FAMILY = Family(
    name="order_id_extract",
    description="Find the order number a customer email, chat, return form or forwarded "
    "confirmation is about.",
    answer_format="exact",
    answer_doc="the order id as written, without a leading '#'",
    knobs={
        "easy": "ORD-48213, #100234 or W1234567; at most one invoice number, customer id or amount",
        "medium": "also SO-2024-00123 and 112-7654321-1234567; tracking numbers and SKUs",
        "hard": "2-4 look-alikes incl. '#' ticket numbers and another order without a number",
    },
    make=make,
    kind="everyday",
)
