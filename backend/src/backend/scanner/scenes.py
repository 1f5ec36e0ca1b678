"""The fixed vocabulary of places a scanner stands; the citizen-code verifier decides by scene."""

from __future__ import annotations

from typing import Literal, get_args

Scene = Literal[
    "traffic_checkpoint",
    "residential_compound",
    "factory",
    "hospital",
    "bus",
    "library",
    "public_office",
    "scenic_spot",
]

SCENES: tuple[Scene, ...] = get_args(Scene)
