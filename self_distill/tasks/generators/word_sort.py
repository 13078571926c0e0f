"""word_sort: sort a list of English words alphabetically.

Answer: the words in ascending order (Python string order, all words are lower case), joined by
single spaces. Hard lists share long prefixes, so sorting by the first letter is not enough.
"""

from __future__ import annotations

import random
from collections import defaultdict

from faker.providers.lorem.en_US import Provider as LoremProvider

from self_distill.tasks.generators.base import Family, Sample

WORDS: tuple[str, ...] = tuple(
    sorted({word for word in LoremProvider.word_list if word.isalpha() and len(word) > 1})
)
_BY_PREFIX: dict[str, list[str]] = defaultdict(list)
for _word in WORDS:
    _BY_PREFIX[_word[:2]].append(_word)
_CROWDED_PREFIXES: tuple[str, ...] = tuple(
    sorted(prefix for prefix, words in _BY_PREFIX.items() if len(words) >= 8)
)

_SIZES = {"easy": (3, 5), "medium": (6, 10), "hard": (11, 18)}

TEMPLATES: tuple[str, ...] = (
    "Sort the following words alphabetically: List: {words}",
    "Put these words in alphabetical order. Reply with the sorted words separated by spaces.\n"
    "Words: {words}",
    "Alphabetize the list below and give the words back on one line.\n{words}",
    "I need these words in A-to-Z order: {comma_words}",
    "Arrange the words from A to Z (dictionary order): {words}",
    "Order the following words lexicographically and answer with just the words: {words}",
)


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A random word list; hard lists draw half their words from one shared two-letter prefix."""
    low, high = _SIZES[difficulty]
    count = rng.randint(low, high)
    chosen: set[str] = set()
    if difficulty == "hard":
        crowded = _BY_PREFIX[rng.choice(_CROWDED_PREFIXES)]
        chosen.update(rng.sample(crowded, min(len(crowded), count // 2)))
    while len(chosen) < count:
        chosen.add(rng.choice(WORDS))
    words = sorted(chosen)
    rng.shuffle(words)
    template = rng.randrange(len(TEMPLATES))
    text = TEMPLATES[template].format(words=" ".join(words), comma_words=", ".join(words))
    return Sample(text, " ".join(sorted(words)), {"template": template, "words": words})


FAMILY = Family(
    name="word_sort",
    description="Sort a list of English words alphabetically.",
    answer_format="exact",
    answer_doc="the words in ascending order, lower case, separated by single spaces",
    knobs={
        "easy": "3-5 words",
        "medium": "6-10 words",
        "hard": "11-18 words, half sharing one two-letter prefix",
    },
    make=make,
)
