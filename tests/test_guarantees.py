"""README's "Guarantees" name the tests that check them: each named test exists."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_test_the_guarantees_name_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 10
    for path, test in named:
        source = (ROOT / path).read_text()
        if test:
            assert f"def {test}(" in source, f"{path} has no {test}"
