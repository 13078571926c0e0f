"""pii_extract: list the personal data in a short message.

Answer: a canonical JSON list of ``{"type": ..., "value": ...}`` objects, sorted by type then
value, without duplicates; types are ``name``, ``email``, ``phone``, ``credit_card``, ``iban`` and
``ip``, values are canonical (see :func:`~self_distill.tasks.scorers.canonical_entity_value`).
Credit card numbers pass the Luhn check and IBANs have valid check digits; the text also holds
hard negatives that look similar and must not be reported: order and invoice ids, card-like
numbers failing Luhn, IBANs with wrong check digits, impossible IP addresses, version strings and
social handles. Some medium and hard messages contain no personal data at all (answer ``[]``).
Names, e-mail domains and places come from Faker's data.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable

from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.internet.en_US import Provider as InternetProvider
from faker.providers.person.en_US import Provider as PersonProvider

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.scorers import canonical_entity_value

FIRST_NAMES: tuple[str, ...] = tuple(PersonProvider.first_names)
LAST_NAMES: tuple[str, ...] = tuple(PersonProvider.last_names)
DOMAINS: tuple[str, ...] = (*InternetProvider.free_email_domains, "example.com", "acme.org")
STATES: tuple[str, ...] = tuple(AddressProvider.states)
ENTITY_TYPES: tuple[str, ...] = ("name", "email", "phone", "credit_card", "iban", "ip")

# IBAN country -> BBAN shape ("9" a digit, "A" an upper-case letter)
_IBAN_SHAPES = {
    "DE": "9" * 18,
    "GB": "AAAA" + "9" * 14,
    "NL": "AAAA" + "9" * 10,
    "ES": "9" * 20,
    "FR": "9" * 23,
}
_CARD_SHAPES = (("4", 16), ("51", 16), ("55", 16), ("34", 15), ("37", 15), ("6011", 16))


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for ``country`` and ``bban`` (mod 97)."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{98 - number % 97:02d}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _group(text: str, sizes: tuple[int, ...], separator: str) -> str:
    parts, index = [], 0
    for size in sizes:
        parts.append(text[index : index + size])
        index += size
    return separator.join(part for part in parts if part)


def _card_digits(rng: random.Random, valid: bool) -> str:
    prefix, length = rng.choice(_CARD_SHAPES)
    partial = prefix + _digits(rng, length - len(prefix) - 1)
    check = luhn_check_digit(partial)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    return partial + check


def _format_card(rng: random.Random, digits: str) -> str:
    sizes = (4, 6, 5) if len(digits) == 15 else (4, 4, 4, 4)
    return _group(digits, sizes, rng.choice((" ", "-", "")))


def _iban(rng: random.Random, valid: bool) -> str:
    country = rng.choice(sorted(_IBAN_SHAPES))
    bban = "".join(
        rng.choice(string.ascii_uppercase) if kind == "A" else rng.choice(string.digits)
        for kind in _IBAN_SHAPES[country]
    )
    check = iban_check_digits(country, bban)
    if not valid:
        check = f"{rng.choice([c for c in range(2, 99) if c != int(check)]):02d}"
    compact = country + check + bban
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    local = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", f"{first}_{last}")
    )
    address = f"{local}@{rng.choice(DOMAINS)}"
    return address.capitalize() if rng.random() < 0.15 else address


def _phone(rng: random.Random) -> str:
    area, exchange, line = rng.randint(201, 989), rng.randint(200, 999), _digits(rng, 4)
    return rng.choice(
        (
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            f"{area}.{exchange}.{line}",
            f"+44 {rng.randint(20, 29)} {_digits(rng, 4)} {_digits(rng, 4)}",
        )
    )


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _impossible_ip(rng: random.Random) -> str:
    octets = [str(rng.randint(1, 254)) for _ in range(4)]
    octets[rng.randrange(4)] = str(rng.randint(256, 999))
    return ".".join(octets)


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "name": _name,
    "email": _email,
    "phone": _phone,
    "credit_card": lambda rng: _format_card(rng, _card_digits(rng, valid=True)),
    "iban": lambda rng: _iban(rng, valid=True),
    "ip": _ip,
}

NEGATIVE_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "order_id": lambda rng: rng.choice(
        (f"ORD-{_digits(rng, 5)}-{_digits(rng, 2)}", f"#A{_digits(rng, 6)}")
    ),
    "invoice": lambda rng: f"INV-{rng.randint(2015, 2030)}-{_digits(rng, 4)}",
    "version": lambda rng: f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}",
    "handle": lambda rng: f"@{rng.choice(FIRST_NAMES).lower()}_{rng.randint(1, 999)}",
    "price": lambda rng: f"${rng.randint(1, 9)},{_digits(rng, 3)}.{_digits(rng, 2)}",
    "bad_card": lambda rng: _format_card(rng, _card_digits(rng, valid=False)),
    "bad_iban": lambda rng: _iban(rng, valid=False),
    "bad_ip": _impossible_ip,
}
_EASY_NEGATIVES = ("order_id", "invoice", "version", "handle", "price")

SENTENCES: dict[str, tuple[str, ...]] = {
    "name": (
        "{v} joined the call late.",
        "Please forward this to {v}.",
        "Signed, {v}",
        "The contract was reviewed by {v} yesterday.",
        "Ask {v} about the spare keys.",
    ),
    "email": (
        "You can reach me at {v}.",
        "cc: {v}",
        "Send the draft to {v} before Friday.",
        "Her new address is {v}",
    ),
    "phone": (
        "Call {v} after 5pm.",
        "My cell is {v}.",
        "For urgent issues dial {v}.",
        "He left a voicemail from {v}.",
    ),
    "credit_card": (
        "Charge it to card {v}.",
        "The card on file is {v}.",
        "Payment was made with {v}.",
    ),
    "iban": (
        "Wire the deposit to {v}.",
        "Our account IBAN is {v}.",
        "Refunds go to account {v}.",
    ),
    "ip": (
        "The login came from {v}.",
        "Server {v} went down at noon.",
        "Whitelist the address {v}, please.",
    ),
    "order_id": ("Your order {v} has shipped.", "Order {v} is delayed by two days."),
    "invoice": ("Invoice {v} is attached.", "We paid {v} last week."),
    "version": ("The app was updated to {v}.", "Bug reproduced on {v}."),
    "handle": ("Follow us at {v} for updates.", "Tag {v} in the post."),
    "price": ("The total came to {v}.", "The quote was {v} including tax."),
    "bad_card": ("Card {v} was used for the booking.", "The number on the form reads {v}."),
    "bad_iban": ("The account listed is {v}.", "Transfer reference: {v}."),
    "bad_ip": ("The log shows {v} as source.", "Someone typed {v} into the gateway field."),
}
FILLER: tuple[str, ...] = (
    "Thanks again for your help.",
    "The shipment arrives on Tuesday.",
    "See the attached file for details.",
    "Let me know if anything changes.",
    "The office in {state} will follow up.",
    "We moved the workshop to {state}.",
    "Lunch will be provided.",
)

TEMPLATES: tuple[str, ...] = (
    "Extract every piece of personal data from the text below: person names, email addresses, "
    "phone numbers, credit card numbers (valid Luhn checksum only), IBANs (valid check digits "
    'only) and IP addresses. Answer with a JSON list of objects with keys "type" (name, email, '
    'phone, credit_card, iban, ip) and "value".\nText: {text}',
    "Find the PII in this message. Types: name, email, phone, credit_card, iban, ip. Card "
    "numbers must pass the Luhn check and IBANs must have correct check digits. Return JSON "
    'such as [{{"type": "email", "value": "..."}}].\n---\n{text}\n---',
    "List all personally identifiable information in the following note as a JSON array of "
    '{{"type", "value"}} objects (types: name, email, phone, credit_card, iban, ip; ignore '
    "numbers that fail the Luhn or IBAN checksum).\n\n{text}",
    "Redaction prep: which person names, emails, phone numbers, valid credit card numbers, valid "
    "IBANs and IP addresses appear in the text? Output a JSON list of "
    '{{"type": ..., "value": ...}} objects.\nText:\n{text}',
)

# difficulty -> (entity types allowed, entity count range, negative kinds, negative count range)
_KNOBS = {
    "easy": (("name", "email", "phone", "ip"), (1, 2), _EASY_NEGATIVES, (0, 0)),
    "medium": (ENTITY_TYPES, (2, 4), _EASY_NEGATIVES, (1, 2)),
    "hard": (ENTITY_TYPES, (3, 6), tuple(NEGATIVE_MAKERS), (2, 4)),
}
_EMPTY_SHARE = 0.1


def canonical_answer(entities: list[tuple[str, str]]) -> str:
    """The canonical JSON answer for (type, value-as-written) pairs."""
    pairs = sorted({(kind, canonical_entity_value(kind, value)) for kind, value in entities})
    return json.dumps([{"type": kind, "value": value} for kind, value in pairs])


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A message of entity sentences, hard-negative sentences and filler, in random order."""
    types, (low, high), negative_kinds, (neg_low, neg_high) = _KNOBS[difficulty]
    count = rng.randint(low, high)
    if difficulty != "easy" and rng.random() < _EMPTY_SHARE:
        count = 0
    entities = [(kind, MAKERS[kind](rng)) for kind in (rng.choice(types) for _ in range(count))]
    negative_count = rng.randint(neg_low, neg_high) + (1 if count == 0 else 0)
    negatives = [
        (kind, NEGATIVE_MAKERS[kind](rng))
        for kind in (rng.choice(negative_kinds) for _ in range(negative_count))
    ]
    sentences = [rng.choice(SENTENCES[kind]).format(v=value) for kind, value in entities]
    sentences += [rng.choice(SENTENCES[kind]).format(v=value) for kind, value in negatives]
    sentences += [
        rng.choice(FILLER).format(state=rng.choice(STATES)) for _ in range(rng.randint(1, 2))
    ]
    rng.shuffle(sentences)
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(text=" ".join(sentences)),
        canonical_answer(entities),
        {
            "template": template,
            "entities": [list(pair) for pair in entities],
            "negatives": [list(pair) for pair in negatives],
        },
    )


FAMILY = Family(
    name="pii_extract",
    description="Extract names, emails, phones, Luhn-valid cards, IBANs and IPs as JSON.",
    answer_format="set_f1",
    answer_doc='sorted JSON list of {"type", "value"} with canonical values, "[]" when none',
    knobs={
        "easy": "1-2 names, emails, phones or IPs; no decoys",
        "medium": "2-4 entities of all types, 1-2 decoys (order ids, handles, prices)",
        "hard": "3-6 entities, 2-4 decoys incl. Luhn-invalid cards, bad IBANs, impossible IPs",
    },
    make=make,
)
