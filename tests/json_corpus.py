"""Random JSON documents whose strings and numbers are the awkward ones (escapes, surrogates, the
line and paragraph separators, exponents, big integers), for comparing JSON writers byte for byte.
Deterministic for a seeded random.Random."""

from __future__ import annotations

import random

CHARACTERS = [
    "a", "Z", " ", '"', "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x00", "\x1f", "\x7f", "\x80", "\u00e9",
    "\u2028", "\u202e", "\ufeff", "\U0001f600", "\U0010ffff", "\ud800", "<", "&", "'",
]
NUMBERS = [0.1, 1.5, -2.25, 1e16, 1e-7, 123456789.123, 0.0, -0.0, 1e300, 3.0, 10**30, -(10**20), 0, True, False, None]


# A lone surrogate cannot be encoded as UTF-8: pydantic refuses it in a key (a value it escapes)
ENCODABLE = [character for character in CHARACTERS if character != "\ud800"]


def random_document(rng: random.Random, depth: int = 0, *, max_depth: int = 4, characters: list[str] = CHARACTERS):
    roll = rng.random()
    if depth < max_depth and roll < 0.2:
        return {
            random_text(rng, characters): random_document(rng, depth + 1, max_depth=max_depth, characters=characters)
            for _ in range(rng.randint(0, 4))
        }
    if depth < max_depth and roll < 0.35:
        return [random_document(rng, depth + 1, max_depth=max_depth, characters=characters) for _ in range(rng.randint(0, 4))]
    if roll < 0.6:
        return random_text(rng, characters)
    return rng.choice(NUMBERS)


def random_text(rng: random.Random, characters: list[str] = CHARACTERS) -> str:
    return "".join(rng.choice(characters) for _ in range(rng.randint(0, 6)))
