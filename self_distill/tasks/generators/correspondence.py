"""The pieces of ordinary business correspondence that the everyday families share.

People, companies, their web domains, greetings, sign-offs and neutral filler sentences. Filler
holds no digits, dates, e-mail addresses or the words the families look for ("order", "total",
"due", "phone"), so it never changes an answer; it only makes a message look like real mail.
Names come from Faker's data, restricted to plain capitalised words so that every family's
answer (an address, a canonical name) has one spelling.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from faker.providers.person.en_US import Provider as PersonProvider


def _plain(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if n.isascii() and n.isalpha() and n == n.capitalize()}))


FIRST_NAMES: tuple[str, ...] = _plain(PersonProvider.first_names)
LAST_NAMES: tuple[str, ...] = _plain(PersonProvider.last_names)

COMPANY_KINDS: tuple[str, ...] = (
    "Logistics", "Labs", "Supply", "Partners", "Foods", "Dental", "Studio", "Consulting",
    "Builders", "Travel", "Media", "Analytics", "Outfitters", "Printing", "Legal", "Energy",
)  # fmt: skip
TOP_LEVEL_DOMAINS: tuple[str, ...] = ("com", "com", "com", "org", "io", "net", "co.uk", "de")
JOB_TITLES: tuple[str, ...] = (
    "Account Manager", "Office Manager", "Operations Lead", "Head of Finance",
    "Customer Success", "Procurement", "Sales Director", "Project Coordinator",
)  # fmt: skip

GREETINGS: tuple[str, ...] = ("Hi {first},", "Hello {first},", "Dear {first},", "Hey {first},")
SIGN_OFFS: tuple[str, ...] = ("Best,", "Thanks,", "Kind regards,", "Cheers,", "Regards,")
FILLER: tuple[str, ...] = (
    "Thanks for getting back to me so quickly.",
    "Hope you had a good weekend.",
    "Let me know if anything is unclear.",
    "I have copied the team for visibility.",
    "Sorry for the late reply, it has been a busy week.",
    "The warehouse team confirmed everything is in place.",
    "We are looking forward to working with you.",
    "Please keep this email for your records.",
    "Feel free to reach out with any questions.",
    "Our office is closed on public holidays.",
    "The attached file has the full details.",
    "I will be travelling next week but can still read mail.",
)


def person(rng: random.Random) -> tuple[str, str]:
    """A (first, last) name pair."""
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def company(rng: random.Random) -> tuple[str, str]:
    """A company name and its web domain, e.g. ("Hayes Logistics", "hayeslogistics.com")."""
    last, kind = rng.choice(LAST_NAMES), rng.choice(COMPANY_KINDS)
    return f"{last} {kind}", f"{last.lower()}{kind.lower()}.{rng.choice(TOP_LEVEL_DOMAINS)}"


def filler(rng: random.Random, count: int) -> list[str]:
    """``count`` different neutral sentences."""
    return rng.sample(FILLER, count)


def letter(rng: random.Random, recipient: str, body: list[str], sender: str) -> str:
    """A short e-mail: greeting, the body sentences as one paragraph, sign-off and sender."""
    greeting = rng.choice(GREETINGS).format(first=recipient)
    return f"{greeting}\n\n{' '.join(body)}\n\n{rng.choice(SIGN_OFFS)}\n{sender}"
