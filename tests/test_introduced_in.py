"""Every public function and class of cnnlib says which notebook introduces it, and says it
truly: the FIRST notebook whose code uses it by name, else "Not used in the notebooks."
(The rule and the fixer: tests/introduced.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import introduced  # noqa: E402


def test_every_public_name_says_where_it_is_introduced():
    tags = introduced.expected_tags()
    assert len(tags) > 200, f"only {len(tags)} public names found: is cnnlib importable?"
    wrong = [f"{module}.{name}: says {said}, should say {want}"
             for (module, name), (said, want) in sorted(tags.items()) if said != want]
    assert not wrong, ("docstrings whose 'Introduced in' tag is missing or wrong (run "
                       "python tests/introduced.py --fix):\n" + "\n".join(wrong))


def test_the_reader_finds_names_used_as_module_attributes():
    code = ("import cnnlib.conv as C\nfrom cnnlib import receptive_field as rf\n"
            "from cnnlib.layers import Conv2d\nC.conv2d_forward\nrf.receptive_field\n")
    used = {obj.__name__ for obj in introduced.used_objects(code)}
    assert {"conv2d_forward", "receptive_field", "Conv2d"} <= used, used
