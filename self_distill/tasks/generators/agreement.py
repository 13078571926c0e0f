"""agreement: is a sentence grammatical, where the only possible error is subject-verb agreement?

Answer: ``yes`` (grammatical) or ``no``, balanced 50/50. Medium and hard sentences put attractor
nouns between subject and verb ("The key to the cabinets ..."). Each attractor's number is drawn
independently of the subject's and of the answer, so half the attractors mismatch the subject
and neither "agree with the nearest noun" nor its opposite beats chance: only finding the head
noun does. The subject's number is drawn independently of the answer too.
"""

from __future__ import annotations

import random

from self_distill.tasks.generators.base import Family, Sample

# (singular, plural)
SUBJECTS: tuple[tuple[str, str], ...] = (
    ("key", "keys"), ("author", "authors"), ("teacher", "teachers"), ("dog", "dogs"),
    ("box", "boxes"), ("child", "children"), ("woman", "women"), ("manager", "managers"),
    ("senator", "senators"), ("painting", "paintings"), ("report", "reports"),
    ("bridge", "bridges"), ("pilot", "pilots"), ("player", "players"), ("nurse", "nurses"),
    ("letter", "letters"), ("mouse", "mice"), ("goose", "geese"), ("lamp", "lamps"),
    ("recipe", "recipes"), ("farmer", "farmers"), ("bus", "buses"), ("story", "stories"),
)  # fmt: skip
ATTRACTORS: tuple[tuple[str, str], ...] = (
    ("cabinet", "cabinets"), ("student", "students"), ("island", "islands"), ("city", "cities"),
    ("museum", "museums"), ("window", "windows"), ("doctor", "doctors"), ("garden", "gardens"),
    ("village", "villages"), ("soldier", "soldiers"), ("tree", "trees"), ("factory", "factories"),
    ("man", "men"), ("tooth", "teeth"), ("shelf", "shelves"), ("company", "companies"),
)  # fmt: skip
PREPOSITIONS: tuple[str, ...] = (
    "near", "behind", "next to", "beside", "for", "from", "above", "without", "of",
)  # fmt: skip
# (third person singular, plural) main verbs and complements that contain no verb of this list
VERBS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("is", "are", ("very old", "ready", "on the list", "broken again")),
    ("was", "were", ("famous", "late", "in the newspaper", "quite expensive")),
    ("has", "have", ("a long history", "many fans", "a strange smell")),
    ("seems", "seem", ("tired", "happy", "out of place")),
    ("needs", "need", ("repairs", "more attention", "a new coat of paint")),
    ("looks", "look", ("great", "different today", "a bit dusty")),
    ("remains", "remain", ("closed", "popular", "a mystery")),
    ("belongs", "belong", ("to the city", "to my aunt", "to nobody")),
)
# verbs of relative clauses, (singular, plural); they agree with their own (attractor) subject
CLAUSE_VERBS: tuple[tuple[str, str], ...] = (
    ("likes", "like"), ("admires", "admire"), ("knows", "know"), ("visits", "visit"),
    ("mentions", "mention"), ("praises", "praise"),
)  # fmt: skip

TEMPLATES: tuple[str, ...] = (
    "Is the following sentence grammatical? Answer yes or no.\nSentence: {s}",
    "Does the verb agree with its subject in this sentence? Reply yes or no: {s}",
    'Grammar check (yes = correct, no = incorrect): "{s}"',
    "Answer yes if this sentence is grammatically correct English and no otherwise.\n{s}",
    "Would a careful editor accept this sentence as grammatical (yes/no)? {s}",
)


def _attractor_phrase(rng: random.Random, difficulty: str) -> tuple[str, str]:
    """The phrase between subject and verb, each noun's number drawn at random, and its kind."""
    if difficulty == "easy":
        return "", "none"
    number = rng.randrange(2)
    noun = rng.choice(ATTRACTORS)[number]
    if difficulty == "medium":
        return f" {rng.choice(PREPOSITIONS)} the {noun}", "prepositional"
    if rng.random() < 0.5:
        clause_verb = rng.choice(CLAUSE_VERBS)[number]
        return f" that the {noun} {clause_verb}", "relative_clause"
    second = rng.choice(ATTRACTORS)[rng.randrange(2)]
    return (
        f" {rng.choice(PREPOSITIONS)} the {noun} {rng.choice(PREPOSITIONS)} the {second}",
        "two_prepositional",
    )


def make(rng: random.Random, difficulty: str, label: str | None) -> Sample:
    """A sentence whose main verb agrees with the subject (yes) or does not (no)."""
    subject_number = rng.randrange(2)
    subject = rng.choice(SUBJECTS)[subject_number]
    middle, attractor_kind = _attractor_phrase(rng, difficulty)
    singular, plural, complements = rng.choice(VERBS)
    verb_number = subject_number if label == "yes" else 1 - subject_number
    verb = (singular, plural)[verb_number]
    sentence = f"The {subject}{middle} {verb} {rng.choice(complements)}."
    template = rng.randrange(len(TEMPLATES))
    return Sample(
        TEMPLATES[template].format(s=sentence),
        "yes" if verb_number == subject_number else "no",
        {
            "template": template,
            "sentence": sentence,
            "subject": subject,
            "verb": verb,
            "attractor": attractor_kind,
        },
    )


FAMILY = Family(
    name="agreement",
    description="Subject-verb agreement across attractor phrases: grammatical yes/no, balanced.",
    answer_format="yesno",
    answer_doc="yes (grammatical) or no",
    knobs={
        "easy": "no attractor",
        "medium": "one prepositional phrase whose noun may differ in number",
        "hard": "a relative clause or two prepositional phrases as attractors",
    },
    make=make,
    classes=("yes", "no"),
)
