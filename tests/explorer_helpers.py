"""What the explorer tests share."""

from __future__ import annotations

PNG = b"\x89PNG"


def refused(explorer, *words):
    """The explorer shows a message (no exception), its state is empty, its image is still a
    PNG, and the message holds each of ``words``."""
    assert explorer.state == {} and explorer.error, explorer.error
    assert bytes(explorer.image.value).startswith(PNG)
    for word in words:
        assert word in explorer.error, (word, explorer.error)
