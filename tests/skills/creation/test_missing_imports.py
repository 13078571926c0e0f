"""Forgotten imports of allowed modules are added; nothing else is touched."""

from __future__ import annotations

import pytest

from self_distill.skills.creation.missing_imports import add_missing_imports


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def solve(text):\n    return json.dumps([text])\n", ("import json",)),
        (
            "def solve(text):\n    return str(datetime.strptime(text, '%Y').year)\n",
            ("from datetime import datetime",),
        ),
        (
            "def solve(text):\n    return str(datetime.date(2020, 1, 1))\n",
            ("import datetime",),
        ),
        (
            "def solve(text):\n    return str(Counter(text) + Counter(re.findall('a', text)))\n",
            ("from collections import Counter", "import re"),
        ),
        (
            "from datetime import datetime\n\ndef solve(text):\n"
            "    return str(datetime.now() + timedelta(days=1))\n",
            ("from datetime import timedelta",),
        ),
    ],
)
def test_the_import_a_name_needs_is_put_in_front(source: str, expected: tuple[str, ...]) -> None:
    fixed, added = add_missing_imports(source)
    assert added == expected
    assert fixed == "\n".join(expected) + "\n" + source
    compile(fixed, "<skill>", "exec")


@pytest.mark.parametrize(
    "source",
    [
        "import json\n\ndef solve(text):\n    return json.dumps(text)\n",
        "import json as j\n\ndef solve(text):\n    return j.dumps(text)\n",
        "def solve(text):\n    json = {'a': 1}\n    return str(json)\n",
        "def solve(text, re=None):\n    return str(re)\n",
        "def solve(text):\n    return str([date for date in text.split()])\n",
        "def solve(text):\n    return os.getcwd() + subprocess.check_output(text)\n",
        "def solve(text):\n    return json.dumps(text\n",
    ],
    ids=["imported", "aliased", "assigned", "argument", "comprehension", "not-allowed", "syntax"],
)
def test_bound_unknown_or_unparseable_code_is_left_alone(source: str) -> None:
    assert add_missing_imports(source) == (source, ())
