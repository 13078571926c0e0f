"""One-off requests: the noise in a task stream, tasks that never recur as a family.

Each one-off is drawn from one of many request kinds (translation, haiku, unit conversion,
trivia, recipe scaling, ...), each kind with several differently worded templates and large slot
pools, plus optional framing sentences. A batch walks a shuffled round-robin over all
(kind, template) pairs, so no kind or wording dominates, and inputs are distinct after
normalisation. Every one-off has family ``"oneoff"`` and ``meta["kind"]``; kinds with an exact
answer (unit conversion, capitals, Roman numerals, ...) carry a target, creative ones carry
answer format ``free`` and an empty target.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.person.en_US import Provider as PersonProvider

from self_distill.errors import DataError
from self_distill.tasks.task import Task, normalise_text

ONEOFF_FAMILY = "oneoff"

Slots = tuple[dict[str, object], str, str]  # slot values, target, answer format
Filler = Callable[[random.Random], Slots]


@dataclass(frozen=True)
class OneOffKind:
    """A kind of one-off request: wordings with ``{slot}`` fields and a slot filler."""

    name: str
    templates: tuple[str, ...]
    fill: Filler


LANGUAGES = ("French", "Spanish", "German", "Italian", "Portuguese", "Japanese", "Swahili",
             "Dutch", "Polish", "Korean", "Turkish", "Greek")  # fmt: skip
PHRASES = ("good morning", "where is the train station", "thank you very much", "I am lost",
           "the bill, please", "happy birthday", "see you tomorrow", "how much does this cost",
           "I love this city", "can you help me", "my luggage is missing", "one coffee, please",
           "nice to meet you", "what time is it")  # fmt: skip
TOPICS = ("autumn rain", "a lighthouse at dusk", "morning coffee", "a sleeping cat",
          "city traffic", "the first snow", "an old bicycle", "cherry blossoms",
          "a thunderstorm", "a quiet library", "a mountain lake", "the last train home",
          "fireflies", "a forgotten umbrella", "low tide")  # fmt: skip
UNITS = (("kilometers", "miles", 0.621371), ("miles", "kilometers", 1.609344),
         ("kilograms", "pounds", 2.204623), ("pounds", "kilograms", 0.453592),
         ("liters", "US gallons", 0.264172), ("inches", "centimeters", 2.54),
         ("feet", "meters", 0.3048), ("ounces", "grams", 28.349523),
         ("acres", "hectares", 0.404686), ("nautical miles", "kilometers", 1.852))  # fmt: skip
CAPITALS = (("France", "Paris"), ("Japan", "Tokyo"), ("Kenya", "Nairobi"), ("Peru", "Lima"),
            ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Norway", "Oslo"),
            ("Egypt", "Cairo"), ("Chile", "Santiago"), ("Vietnam", "Hanoi"),
            ("Poland", "Warsaw"), ("Portugal", "Lisbon"), ("Morocco", "Rabat"),
            ("Thailand", "Bangkok"), ("Argentina", "Buenos Aires"), ("Ireland", "Dublin"),
            ("Finland", "Helsinki"), ("Ghana", "Accra"), ("Hungary", "Budapest"),
            ("New Zealand", "Wellington"), ("Colombia", "Bogota"),
            ("Greece", "Athens"))  # fmt: skip
INGREDIENTS = ("flour", "sugar", "butter", "rice", "pasta", "cheese", "oats", "chocolate",
               "lentils", "ground almonds")  # fmt: skip
DISHES = ("banana bread", "lasagna", "pancake", "risotto", "brownie", "curry", "pie",
          "granola", "soup")  # fmt: skip
RELATIONS = ("boss", "landlord", "sister", "coach", "neighbor", "dentist", "book club",
             "grandmother", "team", "piano teacher")  # fmt: skip
EVENTS = ("Friday's meeting", "the dinner party", "our 9 o'clock call", "practice tonight",
          "the appointment", "Sunday brunch", "the quarterly review")  # fmt: skip
WORDS = ("happy", "fast", "big", "smart", "angry", "tired", "beautiful", "strange", "quiet",
         "brave", "important", "difficult", "cheap", "funny")  # fmt: skip
CONCEPTS = ("inflation", "photosynthesis", "compound interest", "machine learning", "gravity",
            "vaccines", "blockchain", "climate change", "supply and demand", "black holes",
            "the immune system", "encryption")  # fmt: skip
AUDIENCES = ("ten-year-old", "grandparent", "first-year student", "busy executive",
             "curious teenager")  # fmt: skip
LONG_WORDS = ("mississippi", "bookkeeper", "strawberry", "banana", "committee", "parallel",
              "assessment", "occurrence", "possession", "referee", "tattoo", "balloon",
              "coffee", "engineering", "successful", "millennium")  # fmt: skip
BUSINESSES = ("bakery", "bike shop", "dog-walking service", "food truck", "bookstore",
              "yoga studio", "plant nursery", "repair cafe", "tea room")  # fmt: skip
PEOPLE = ("dad", "coworker", "nephew", "best friend", "teacher", "grandfather", "roommate")
HOBBIES = ("gardening", "chess", "hiking", "baking", "astronomy", "jazz", "board games",
           "photography", "fishing", "knitting")  # fmt: skip
PLACES = ("Iceland", "Lisbon", "Kyoto", "the Scottish Highlands", "Marrakesh", "Patagonia",
          "Vancouver", "the Alps", "Crete", "Montreal")  # fmt: skip
SEASONS = ("winter", "spring", "summer", "autumn")
RHYME_WORDS = ("light", "cat", "day", "moon", "rain", "heart", "sing", "blue", "time", "bread")
ELEMENTS = (("gold", "Au"), ("silver", "Ag"), ("iron", "Fe"), ("sodium", "Na"),
            ("potassium", "K"), ("lead", "Pb"), ("tin", "Sn"), ("copper", "Cu"),
            ("mercury", "Hg"), ("helium", "He"), ("oxygen", "O"), ("carbon", "C"),
            ("zinc", "Zn"), ("neon", "Ne"), ("calcium", "Ca"), ("tungsten", "W"))  # fmt: skip
ANIMALS = ("octopus", "giraffe", "penguin", "hedgehog", "otter", "flamingo", "koala",
           "raccoon", "walrus", "hummingbird", "axolotl", "platypus")  # fmt: skip
ACTIVITIES = ("learned to juggle", "opened a bakery", "lost its hat", "ran for mayor",
              "took up ballet", "wrote a novel", "got stuck in an elevator")  # fmt: skip
PETS = ("kitten", "puppy", "parrot", "rabbit", "goldfish", "hamster", "tortoise")
COLORS = ("black", "ginger", "white", "spotted", "grey", "golden")
TRAITS = ("shy", "playful", "grumpy", "curious", "lazy", "loud")
PLANETS = ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
GENRES = ("mystery", "science fiction", "historical", "fantasy", "romance", "thriller")
BOOKS = ("Dune", "Pride and Prejudice", "The Hobbit", "Gone Girl", "The Martian", "Rebecca",
         "Circe", "The Road")  # fmt: skip
WORKOUTS = ("cardio", "core", "stretching", "upper-body", "low-impact", "mobility")
SHORT_PHRASES = ("open sesame", "carpe diem", "hello world", "time flies", "break a leg",
                 "piece of cake", "once upon a time", "better late than never")  # fmt: skip
CHOICES = ("renting versus buying a home", "learning Rust before Go", "working from home",
           "buying an electric car", "taking a gap year", "adopting a second dog")  # fmt: skip
DEFINE_WORDS = ("serendipity", "ephemeral", "ubiquitous", "petrichor", "quixotic",
                "sonder", "laconic", "obfuscate", "halcyon", "mellifluous")  # fmt: skip
THINGS = ("a clock", "the ocean", "a shadow", "an echo", "a candle", "a map", "a key")
SUBSTITUTES = ("eggs", "buttermilk", "heavy cream", "brown sugar", "baking powder",
               "fresh basil", "white wine", "soy sauce")  # fmt: skip
FIRST_NAMES = tuple(PersonProvider.first_names)
LAST_NAMES = tuple(PersonProvider.last_names)
STATES = tuple(AddressProvider.states)

_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def number_words(number: int) -> str:
    """1..999 in English words: "three hundred forty-two"."""
    hundreds, rest = divmod(number, 100)
    parts = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        parts.append(_ONES[rest])
    return " ".join(parts)


def roman(number: int) -> str:
    """1..3999 as a Roman numeral."""
    digits = []
    for value, symbol in _ROMAN:
        count, number = divmod(number, value)
        digits.append(symbol * count)
    return "".join(digits)


def _pick_free(**pools: Sequence[object]) -> Filler:
    """A filler drawing each slot from its pool; the request has no reference answer."""

    def fill(rng: random.Random) -> Slots:
        return {name: rng.choice(pool) for name, pool in pools.items()}, "", "free"

    return fill


def _pick_lookup(
    slot: str, table: Sequence[tuple[str, str]], answer_format: str = "exact"
) -> Filler:
    """A filler drawing a (question value, answer) row from ``table``."""

    def fill(rng: random.Random) -> Slots:
        value, answer = rng.choice(table)
        return {slot: value}, answer, answer_format

    return fill


def _pick_number(low: int, high: int, answer: Callable[[int], str]) -> Filler:
    """A filler drawing ``n`` from ``low..high`` with an exact answer computed from it."""

    def fill(rng: random.Random) -> Slots:
        number = rng.randint(low, high)
        return {"n": number}, answer(number), "exact"

    return fill


def _fill_units(rng: random.Random) -> Slots:
    source, target_unit, factor = rng.choice(UNITS)
    amount = rng.randint(2, 500)
    return {"x": amount, "src": source, "dst": target_unit}, f"{amount * factor:.2f}", "numeric"


def _fill_recipe(rng: random.Random) -> Slots:
    before, after = rng.sample(range(2, 13), 2)
    per_person = rng.choice((25, 30, 40, 50, 60, 75, 80, 100, 120))
    slots = {
        "a": before,
        "b": after,
        "q": before * per_person,
        "ingredient": rng.choice(INGREDIENTS),
        "dish": rng.choice(DISHES),
    }
    return slots, str(after * per_person), "numeric"


def _fill_letters(rng: random.Random) -> Slots:
    word = rng.choice(LONG_WORDS)
    letter = rng.choice(sorted(set(word)))
    return {"c": letter, "w": word}, str(word.count(letter)), "numeric"


def _fill_reverse(rng: random.Random) -> Slots:
    text = f"{rng.choice(FIRST_NAMES)}{rng.choice(LAST_NAMES)}".lower()
    return {"s": text}, text[::-1], "exact"


def _fill_fahrenheit(rng: random.Random) -> Slots:
    fahrenheit = rng.randint(-20, 110)
    return {"f": fahrenheit}, f"{(fahrenheit - 32) * 5 / 9:.1f}", "numeric"


def _fill_tip(rng: random.Random) -> Slots:
    """A bill in cents whose tip is a whole number of cents, so no rounding is involved."""
    percent = rng.choice((10, 12, 15, 18, 20, 22, 25))
    step = 100 // math.gcd(percent, 100)
    cents = rng.randint(1200, 25000) // step * step
    return (
        {"x": f"{cents / 100:.2f}", "p": percent},
        f"{cents * percent // 100 / 100:.2f}",
        "numeric",
    )


def _fill_travel_time(rng: random.Random) -> Slots:
    speed = rng.choice((40, 50, 60, 80, 90, 100, 120))
    minutes = rng.choice((15, 30, 45, 60, 75, 90, 120, 150, 180))
    return {"d": speed * minutes // 60, "v": speed}, str(minutes), "numeric"


def _fill_chars(rng: random.Random) -> Slots:
    phrase = rng.choice(SHORT_PHRASES)
    return {"p": phrase}, str(len(phrase)), "numeric"


_STORIES: tuple[str, ...] = (
    "{name} moved to {state} in {year}, opened a small {business}, and after {years} years "
    "expanded it to {count} locations while teaching {hobby} on weekends.",
    "After {years} years as a night-shift nurse, {name} quit, learned {hobby}, and now runs "
    "a {business} in {state} that employs {count} people.",
    "The town council of a village in {state} voted in {year} to turn the old train depot "
    "into a {business}; {name} led the campaign, which took {years} years and {count} "
    "public hearings.",
    "{name} has collected rare postcards since {year}. The collection, now {count} thousand "
    "cards, fills the back room of a {business} in {state}.",
)


def _fill_summary(rng: random.Random) -> Slots:
    skeleton = rng.randrange(len(_STORIES))
    story = _STORIES[skeleton].format(
        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        state=rng.choice(STATES),
        year=rng.randint(1990, 2020),
        business=rng.choice(BUSINESSES),
        years=rng.randint(2, 9),
        count=rng.randint(2, 12),
        hobby=rng.choice(HOBBIES),
    )
    return {"story": story, "skeleton": f"story-{skeleton}"}, "", "free"


KINDS: tuple[OneOffKind, ...] = (
    OneOffKind(
        "translation",
        (
            "How do you say '{phrase}' in {language}?",
            'Translate "{phrase}" into {language}, please.',
            "I'm travelling soon: what's the {language} for '{phrase}'?",
        ),
        _pick_free(phrase=PHRASES, language=LANGUAGES),
    ),
    OneOffKind(
        "haiku",
        (
            "Write a haiku about {topic}.",
            "Compose a three-line poem in the 5-7-5 pattern on the theme of {topic}.",
            "I'd love a short haiku inspired by {topic} for a greeting card.",
        ),
        _pick_free(topic=TOPICS),
    ),
    OneOffKind(
        "unit_conversion",
        (
            "How many {dst} are in {x} {src}? Round to two decimals.",
            "Convert {x} {src} to {dst} (two decimal places).",
            "My notes say {x} {src}. What is that in {dst}, to 2 decimal places?",
        ),
        _fill_units,
    ),
    OneOffKind(
        "capital",
        (
            "What is the capital of {country}?",
            "Which city is the seat of government of {country}?",
            "Trivia night question: name the capital city of {country}.",
        ),
        _pick_lookup("country", CAPITALS),
    ),
    OneOffKind(
        "recipe_scaling",
        (
            "My {dish} recipe for {a} people uses {q} grams of {ingredient}. How many grams do I "
            "need for {b} people?",
            "I'm scaling a {dish} from {a} to {b} servings; it calls for {q} g of {ingredient}. "
            "How much {ingredient} now, in grams?",
            "A {dish} for {a} needs {q} g {ingredient}. Grams of {ingredient} needed for {b}?",
        ),
        _fill_recipe,
    ),
    OneOffKind(
        "recipe_substitute",
        (
            "What can I use instead of {item} in {dish}?",
            "I'm out of {item}. What's a good substitute when making {dish}?",
            "Any swap for {item} in a {dish} recipe? Dinner is in an hour.",
        ),
        _pick_free(item=SUBSTITUTES, dish=DISHES),
    ),
    OneOffKind(
        "email_draft",
        (
            "Draft a short email to my {relation} saying I'll be late for {event}.",
            "Can you write a polite note to my {relation} explaining that I can't make {event}?",
            "Help me word a quick message to my {relation} postponing {event}.",
        ),
        _pick_free(relation=RELATIONS, event=EVENTS),
    ),
    OneOffKind(
        "synonym",
        (
            "Give me a synonym for '{word}'.",
            "What's another word for {word} that sounds more formal?",
            'Suggest a word that means the same as "{word}" for my essay.',
        ),
        _pick_free(word=WORDS),
    ),
    OneOffKind(
        "explain",
        (
            "Explain {concept} to a {audience} in two sentences.",
            "How would you describe {concept} to a {audience}?",
            "In plain words, what is {concept}? Pitch it at a {audience}.",
        ),
        _pick_free(concept=CONCEPTS, audience=AUDIENCES),
    ),
    OneOffKind(
        "letter_count",
        (
            "How many times does the letter '{c}' appear in the word '{w}'?",
            "Count the occurrences of '{c}' in \"{w}\".",
            "Spelling bee prep: in {w}, how many {c}'s are there?",
        ),
        _fill_letters,
    ),
    OneOffKind(
        "reverse_text",
        (
            "Reverse the string '{s}'.",
            "Write '{s}' backwards, letter by letter.",
            "What do you get if you spell {s} in reverse order?",
        ),
        _fill_reverse,
    ),
    OneOffKind(
        "slogan",
        (
            "Suggest a catchy slogan for a {business} called {name}.",
            "Come up with a tagline for {name}, a small {business}.",
            "What would be a fun motto for my {business}, {name}?",
        ),
        _pick_free(business=BUSINESSES, name=tuple(f"{name}'s" for name in LAST_NAMES)),
    ),
    OneOffKind(
        "gift_idea",
        (
            "What's a good gift for a {person} who likes {hobby}?",
            "Gift ideas for my {person}? They're into {hobby}.",
            "I need a present under $50 for a {person} who loves {hobby}.",
        ),
        _pick_free(person=PEOPLE, hobby=HOBBIES),
    ),
    OneOffKind(
        "packing_list",
        (
            "What should I pack for a {n}-day trip to {place} in {season}?",
            "Make me a packing list for {n} days in {place} during {season}.",
            "Heading to {place} for {n} days this {season}, what do I bring?",
        ),
        _pick_free(n=range(2, 15), place=PLACES, season=SEASONS),
    ),
    OneOffKind(
        "rhyme",
        (
            "Give three words that rhyme with '{word}'.",
            "What rhymes with {word}? I'm stuck on a song lyric.",
            'List some rhymes for "{word}" suitable for a children\'s book.',
        ),
        _pick_free(word=RHYME_WORDS),
    ),
    OneOffKind(
        "chemical_symbol",
        (
            "What is the chemical symbol for {element}?",
            "Which symbol does {element} have on the periodic table?",
            "Chemistry homework: write the element symbol of {element}.",
        ),
        _pick_lookup("element", ELEMENTS),
    ),
    OneOffKind(
        "roman_numeral",
        (
            "Write {n} in Roman numerals.",
            "How is the year {n} written as a Roman numeral?",
            "My watch face uses Roman numerals. How would {n} look?",
        ),
        _pick_number(1, 3999, roman),
    ),
    OneOffKind(
        "fahrenheit",
        (
            "Convert {f} degrees Fahrenheit to Celsius, rounded to one decimal.",
            "It's {f}°F outside. What's that in Celsius (one decimal place)?",
            "The oven manual lists {f} F. Celsius equivalent to 1 decimal?",
        ),
        _fill_fahrenheit,
    ),
    OneOffKind(
        "summarise",
        (
            "Summarise this in one sentence: {story}",
            "Give me a ten-word summary of the following. {story}",
            "TL;DR please: {story}",
        ),
        _fill_summary,
    ),
    OneOffKind(
        "limerick",
        (
            "Write a limerick about the {animal} who {activity}.",
            "Give me a funny five-line poem about a zoo's {animal} that {activity}.",
            "Could you write a silly limerick starring an old {animal} who {activity}?",
        ),
        _pick_free(animal=ANIMALS, activity=ACTIVITIES),
    ),
    OneOffKind(
        "binary",
        (
            "What is {n} in binary?",
            "Write the decimal number {n} in base 2.",
            "Express {n} using only ones and zeros (binary notation).",
        ),
        _pick_number(2, 4095, lambda n: format(n, "b")),
    ),
    OneOffKind(
        "fun_fact",
        (
            "Tell me a fun fact about the {animal}.",
            "What's something surprising most people don't know about the {animal}?",
            "My kid is obsessed with the {animal}. Share one interesting fact?",
        ),
        _pick_free(animal=ANIMALS),
    ),
    OneOffKind(
        "pet_name",
        (
            "Suggest a name for my new {color} {pet}.",
            "We just adopted a {color} {pet}. Any name ideas?",
            "What should I call my {pet}? She is {color} and very {trait}.",
        ),
        _pick_free(pet=PETS, color=COLORS, trait=TRAITS),
    ),
    OneOffKind(
        "planet_order",
        (
            "Which planet is {ordinal} from the Sun?",
            "Name the {ordinal} planet of the solar system, counting from the Sun.",
            "Astronomy quiz: counting outward from the Sun, which planet comes {ordinal}?",
        ),
        _pick_lookup("ordinal", tuple(zip(ORDINALS, PLANETS, strict=True))),
    ),
    OneOffKind(
        "book_recommendation",
        (
            "Recommend a {genre} novel for someone who enjoyed {book}.",
            "I loved {book}. What {genre} book should I read next?",
            "Looking for a {genre} read in the spirit of {book}. Ideas?",
        ),
        _pick_free(genre=GENRES, book=BOOKS),
    ),
    OneOffKind(
        "workout",
        (
            "Plan a {minutes}-minute {kind} workout I can do at home.",
            "I have {minutes} minutes and no equipment. Suggest a {kind} routine.",
            "Design a quick {kind} session lasting {minutes} minutes for a beginner.",
        ),
        _pick_free(minutes=(10, 15, 20, 25, 30, 45), kind=WORKOUTS),
    ),
    OneOffKind(
        "number_words",
        (
            "Spell out the number {n} in English words.",
            "How do you write {n} in words on a cheque?",
            "Write {n} as words, without digits.",
        ),
        _pick_number(1, 999, number_words),
    ),
    OneOffKind(
        "char_count",
        (
            "How many characters, including spaces, are in the phrase '{p}'?",
            'Count every character (spaces too) in "{p}".',
            "What is the length of the text '{p}' if spaces count?",
        ),
        _fill_chars,
    ),
    OneOffKind(
        "tip",
        (
            "Our dinner bill is ${x}. How much is a {p}% tip?",
            "What's a {p} percent tip on a ${x} check?",
            "Splitting hairs here: exactly how much is {p}% of a ${x} tab?",
        ),
        _fill_tip,
    ),
    OneOffKind(
        "birthday_message",
        (
            "Write a birthday message for my {relation} who is turning {age}.",
            "Help me with a card: my {relation} turns {age} tomorrow.",
            "Something warm but short for a {age}th birthday, for my {relation}?",
        ),
        _pick_free(relation=RELATIONS, age=range(20, 96)),
    ),
    OneOffKind(
        "travel_time",
        (
            "If I drive {d} km at a steady {v} km/h, how many minutes does the trip take?",
            "A train covers {d} kilometers at {v} km/h. Travel time in minutes?",
            "Cycling... no, driving: {d} km at {v} km per hour. Minutes needed?",
        ),
        _fill_travel_time,
    ),
    OneOffKind(
        "definition",
        (
            "What does the word '{word}' mean?",
            "Define {word} and use it in a sentence.",
            'I came across "{word}" in a novel. What is its meaning?',
        ),
        _pick_free(word=DEFINE_WORDS),
    ),
    OneOffKind(
        "pros_cons",
        (
            "What are the pros and cons of {choice}?",
            "Help me weigh {choice}: main advantages and drawbacks?",
            "I'm torn about {choice}. Can you list arguments for and against?",
        ),
        _pick_free(choice=CHOICES),
    ),
    OneOffKind(
        "riddle",
        (
            "Tell me a riddle about {thing}.",
            "Make up a riddle whose answer is {thing}.",
            "Can you invent a short rhyming riddle where the solution is {thing}?",
        ),
        _pick_free(thing=THINGS),
    ),
    OneOffKind(
        "alphabet_position",
        (
            "What position in the alphabet is the letter {letter}?",
            "Counting A as 1, what number is {letter}?",
            "Quick cipher question: which index does {letter} have in the English alphabet?",
        ),
        _pick_lookup("letter", tuple((chr(65 + i), str(i + 1)) for i in range(26)), "numeric"),
    ),
)

PREFIXES: tuple[str, ...] = (
    "", "Quick question.", "Hi there!", "This is for a school project.",
    "My friend and I were arguing about this.", "I'm planning my weekend.", "Just curious.",
    "Sorry if this is basic.", "Need this for work.", "Hello!", "Random one for you.",
    "Help me out here.", "Settling a bet.",
)  # fmt: skip
SUFFIXES: tuple[str, ...] = (
    "", "Thanks!", "Thanks in advance.", "Keep it brief.", "Cheers.", "No rush.",
    "Much appreciated!",
)  # fmt: skip
_FILL_TRIES = 20


def _fresh_fill(rng: random.Random, kind: OneOffKind, used: set[str]) -> Slots:
    """Fill ``kind``'s slots, preferring values this batch has not used for the kind yet."""
    for _ in range(_FILL_TRIES):
        slots, target, answer_format = kind.fill(rng)
        if not {str(value) for value in slots.values()} & used:
            break
    used.update(str(value) for value in slots.values())
    return slots, target, answer_format


def _fresh_choice(rng: random.Random, options: tuple[str, ...], used: set[str]) -> str:
    """An option not yet used in ``used`` (the empty string is always allowed), recorded."""
    unused = [option for option in options if option not in used] or list(options)
    choice = rng.choice([*unused, ""])
    if choice:
        used.add(choice)
    return choice


def generate_oneoff(n: int, seed: int = 0) -> list[Task]:
    """``n`` distinct one-off tasks; the same ``seed`` gives the same tasks.

    Within a batch, a kind's repeats avoid reusing its slot values and framing sentences, so
    two requests of one kind still differ in more than a number.
    """
    rng = random.Random(f"oneoff|{seed}")
    pairs = [(kind, index) for kind in KINDS for index in range(len(kind.templates))]
    order: list[tuple[OneOffKind, int]] = []
    used: dict[str, set[str]] = {kind.name: set() for kind in KINDS}
    seen: set[str] = set()
    tasks: list[Task] = []
    for position in range(n):
        for _ in range(100):
            if not order:
                order = pairs.copy()
                rng.shuffle(order)
            kind, template = order.pop()
            slots, target, answer_format = _fresh_fill(rng, kind, used[kind.name])
            framing = (
                _fresh_choice(rng, PREFIXES, used[kind.name]),
                kind.templates[template].format(**slots),
                _fresh_choice(rng, SUFFIXES, used[kind.name]),
            )
            text = " ".join(part for part in framing if part)
            key = normalise_text(text)
            if key not in seen:
                break
        else:
            raise DataError(f"could not make {n} distinct one-off tasks; ask for fewer")
        seen.add(key)
        tasks.append(
            Task(
                id=f"{ONEOFF_FAMILY}:{seed}:{position}",
                family=ONEOFF_FAMILY,
                input=text,
                target=target,
                answer_format=answer_format,
                meta={"kind": kind.name, "template": template, "seed": seed},
            )
        )
    return tasks
