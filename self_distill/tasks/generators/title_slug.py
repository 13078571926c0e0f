"""title_slug: turn the title of a post into its URL slug.

Answer: the slug under the rules every prompt states: lower case; accents removed ("Café" ->
"cafe"); apostrophes, straight or curly, dropped ("What's" -> "whats"); "&" becomes the word
"and"; every other run of characters that are not letters or digits becomes one hyphen; no
hyphen at either end. The title sits in a CMS record, a Markdown heading, an HTML ``<h1>``, a
JSON object or a quoted sentence, next to an author, a category and body text that are not part
of it. Hard titles bring accents, curly apostrophes and quotes, dashes, slashes, doubled spaces.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from self_distill.tasks.generators.base import Family, Sample
from self_distill.tasks.generators.correspondence import filler, person

TOPICS: tuple[str, ...] = (
    "Better Sleep", "Remote Work", "Small Business Taxes", "Team Meetings", "Cloud Costs",
    "Customer Support", "Email Marketing", "Home Office Setup", "Hiring Engineers",
    "Budget Planning", "Open Source", "Data Privacy", "Onboarding", "Pricing Pages",
)  # fmt: skip
THINGS: tuple[str, ...] = (
    "Spreadsheets", "Databases", "Invoices", "Newsletters", "Dashboards", "Laptops", "Printers",
    "Contracts", "Backups", "Chatbots",
)  # fmt: skip
CITIES: tuple[str, ...] = ("Berlin", "Austin", "Leeds", "Toronto", "Lyon", "Osaka")
ACCENTED: tuple[str, ...] = (
    "Café", "Résumé", "Naïve", "Zürich", "São Paulo", "Crème Brûlée", "Piñata", "Façade",
    "Déjà Vu", "Québec", "Açaí", "Über", "Málaga", "Kraków",
)  # fmt: skip
CURLY_APOSTROPHE = "\u2019"
# the accented letters above, spelled without accents (the reference test uses Unicode instead)
_UNACCENTED = str.maketrans("éïüãèûñçàáíóÉÜÁ", "eiuaeuncaaioEUA")

PATTERNS: dict[str, tuple[str, ...]] = {
    "easy": (
        "{n} Tips for {topic}",
        "The Beginner Guide to {topic}",
        "How We Cut Our {thing} Costs",
        "Why {topic} Matters in {year}",
        "{city} Office Update {year}",
        "Ten Lessons From {topic}",
    ),
    "medium": (
        "{n} Tips for {topic}!",
        "{thing} vs. {thing2}: What's the Difference?",
        "Q{q} {year} Results & Outlook",
        "How We Cut Our {thing} Costs (By {p}%)",
        "{topic}, Explained",
        "Don't Ignore {topic}",
        "Ask Me Anything: {topic}",
        "Self-Hosted {thing}: Yes or No?",
    ),
    "hard": (
        "{accent} & {topic}: A Year in Review",
        "It{rsquo}s Not You — It{rsquo}s Your {thing}",
        "“{topic}” … Again?!",
        "{n}  Ways to Fix {topic} / {thing}",
        "{accent} Edition: {thing} for {city}'s Teams",
        "Rock {rsquo}n{rsquo} Roll {thing} in {accent}",
        "C++ & {topic} -- Notes from {accent}",
        "{accent}: {p}% Off {thing}?",
    ),
}


def slugify(title: str) -> str:
    """The slug of ``title`` under the rules the prompts state."""
    text = title.replace("&", " and ").translate(_UNACCENTED)
    text = text.replace("'", "").replace(CURLY_APOSTROPHE, "")
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _title(rng: random.Random, difficulty: str) -> str:
    thing, thing2 = rng.sample(THINGS, 2)
    return rng.choice(PATTERNS[difficulty]).format(
        n=rng.randint(3, 25),
        topic=rng.choice(TOPICS),
        thing=thing,
        thing2=thing2,
        year=rng.randint(2019, 2030),
        city=rng.choice(CITIES),
        q=rng.randint(1, 4),
        p=rng.choice((10, 20, 25, 40, 50, 70)),
        accent=rng.choice(ACCENTED),
        rsquo=CURLY_APOSTROPHE,
    )


def _author(rng: random.Random) -> str:
    return " ".join(person(rng))


def _category(rng: random.Random) -> str:
    return rng.choice(("Engineering", "Company News", "Guides", "Finance", "Product Updates"))


def _cms(rng: random.Random, title: str) -> str:
    return "\n".join(
        [
            f"Title: {title}",
            f"Author: {_author(rng)}",
            f"Category: {_category(rng)}",
            "Status: draft",
        ]
    )


def _markdown(rng: random.Random, title: str) -> str:
    return f"# {title}\n\n*by {_author(rng)}*\n\n{' '.join(filler(rng, 2))}"


def _html(rng: random.Random, title: str) -> str:
    return (
        f'<article class="post">\n  <h1>{title}</h1>\n  <p class="byline">By {_author(rng)} '
        f"in {_category(rng)}</p>\n  <p>{filler(rng, 1)[0]}</p>\n</article>"
    )


def _json(rng: random.Random, title: str) -> str:
    return (
        f'{{"id": {rng.randint(100, 9999)}, "title": "{title}", "author": "{_author(rng)}", '
        f'"category": "{_category(rng)}"}}'
    )


def _quoted(rng: random.Random, title: str) -> str:
    return rng.choice(
        (
            'The new post is called "{t}" and goes live tomorrow.',
            'We are publishing "{t}" in the {c} section.',
            'Draft headline: "{t}"',
        )
    ).format(t=title, c=_category(rng))


LAYOUTS: dict[str, Callable[[random.Random, str], str]] = {
    "cms_fields": _cms,
    "markdown": _markdown,
    "html": _html,
    "json": _json,
    "quoted": _quoted,
}

RULES = (
    f"lower case, accents removed, apostrophes (' or {CURLY_APOSTROPHE}) dropped, '&' becomes "
    "the word 'and', every other run of characters that are not letters or digits becomes one "
    "hyphen, no hyphen at the start or end"
)
TEMPLATES: tuple[str, ...] = (
    "Create the URL slug for the title of this post ({rules}).\n\n{text}",
    "Slugify the article title below. Rules: {rules}. Reply with the slug only.\n---\n{text}\n---",
    "What is the permalink slug for this post's title? Use these rules: {rules}.\n{text}",
    "Our CMS needs a slug for the post below: {rules}. Give just the slug.\n\n{text}",
    "Convert the headline in the following into a web-friendly slug ({rules}).\nText: {text}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A title at the difficulty's punctuation level, placed in one layout."""
    title = _title(rng, difficulty)
    layout = rng.choice(sorted(LAYOUTS))
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(rules=RULES, text=LAYOUTS[layout](rng, title)),
        slugify(title),
        {"template": template, "layout": layout, "title": title},
    )


FAMILY = Family(
    name="title_slug",
    description="Turn a blog post or article title (CMS record, Markdown, HTML, JSON) into "
    "its URL slug.",
    answer_format="exact",
    answer_doc="lower-case letters and digits joined by single hyphens, e.g. 5-tips-for-sleep",
    knobs={
        "easy": "titles of words, digits and spaces",
        "medium": "punctuation: colons, question marks, brackets, %, '&', apostrophes",
        "hard": "accents (Café, São Paulo), curly quotes and apostrophes, dashes, slashes, "
        "doubled spaces, C++",
    },
    make=make,
    kind="everyday",
)
