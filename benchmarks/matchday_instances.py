"""Seeded matchday instances for the scheduler benchmark and tests.

``generate(name, seed=...)`` builds the same :class:`~bot.planning.problem.Problem` on every
machine: it only uses ``random.Random(seed)`` and sorted iteration. Two families:

*easy* (tables bind): about 70 % of the parties stay all day, 15 % only the morning half and
15 % only the afternoon half; within their window each slot is available with probability
0.92 (about 77 % of all party-slots overall). ``slots * tables`` is well below what the
organisations could attend, so the per-slot capacity is what stops more meetings.

*hard* (people bind): a fifth of the parties stay half a day (half of them the morning), the
rest all day, and within the window each slot is available with probability 2/3 (about 60 %
of all party-slots overall); there are as many tables as organisations, so tables never bind
and who can meet whom when is what decides.

In both, about 3 % of the parties never answer and are left out of ``availability`` (so they
count as available in every slot); requests are distinct (organisation, startup) pairs with
skewed organisation and startup popularity, and priorities are about 15 % must, 35 % should
and 50 % could.

==========  ======  =====  ========  =====  ========  ======
name        family  orgs   startups  slots  requests  tables
==========  ======  =====  ========  =====  ========  ======
small       easy    10     40        12     150       6
medium      easy    25     120       18     500       16
large       easy    40     200       18     800       24
large-1500  easy    40     200       18     1500      24
xl          easy    80     400       24     3000      48
hard-1500   hard    40     200       18     1500      40
hard-3000   hard    80     400       24     3000      80
huge-8000   hard    200    1000      36     8000      200
huge-20000  hard    200    1000      36     20000     200
==========  ======  =====  ========  =====  ========  ======
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.planning.problem import Priority, Problem, Request


@dataclass(frozen=True, slots=True)
class Shape:
    """The size of one benchmark instance."""

    organisations: int
    startups: int
    slots: int
    requests: int
    tables: int
    family: str = "easy"


SHAPES: dict[str, Shape] = {
    "small": Shape(10, 40, 12, 150, 6),
    "medium": Shape(25, 120, 18, 500, 16),
    "large": Shape(40, 200, 18, 800, 24),
    "large-1500": Shape(40, 200, 18, 1500, 24),
    "xl": Shape(80, 400, 24, 3000, 48),
    "hard-1500": Shape(40, 200, 18, 1500, 40, "hard"),
    "hard-3000": Shape(80, 400, 24, 3000, 80, "hard"),
    "huge-8000": Shape(200, 1000, 36, 8000, 200, "hard"),
    "huge-20000": Shape(200, 1000, 36, 20000, 200, "hard"),
}

DEFAULT_SEED = 20240917


def _availability(rng: random.Random, slots: int, family: str) -> frozenset[int]:
    """A party's available slots: a whole or half day with holes (few when easy)."""
    half = slots // 2
    half_day, keep = (0.15, 0.92) if family == "easy" else (0.10, 2 / 3)
    kind = rng.random()
    if kind < half_day:
        window = range(half)
    elif kind < 2 * half_day:
        window = range(half, slots)
    else:
        window = range(slots)
    chosen = [s for s in window if rng.random() < keep]
    if not chosen:
        chosen = [rng.choice(list(window))]
    return frozenset(chosen)


def _weighted_index(rng: random.Random, cumulative: list[float]) -> int:
    """An index drawn with the given cumulative weights."""
    x = rng.random() * cumulative[-1]
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _cumulative(weights: list[float]) -> list[float]:
    """Running sums of ``weights``."""
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def build(shape: Shape, seed: int = DEFAULT_SEED) -> Problem:
    """A random problem of ``shape``, identical for the same seed on every machine."""
    rng = random.Random(seed)
    orgs = [f"org{i:03d}" for i in range(shape.organisations)]
    startups = [f"st{i:03d}" for i in range(shape.startups)]
    availability: dict[str, frozenset[int]] = {}
    for party in orgs + startups:
        if rng.random() < 0.03:
            continue  # never answered: available in every slot
        availability[party] = _availability(rng, shape.slots, shape.family)
    org_cum = _cumulative([0.5 + rng.random() * 1.5 for _ in orgs])
    st_cum = _cumulative([0.3 + rng.random() for _ in startups])
    max_pairs = shape.organisations * shape.startups
    wanted = min(shape.requests, max_pairs)
    pairs: set[tuple[int, int]] = set()
    ordered: list[tuple[int, int]] = []
    while len(ordered) < wanted:
        pair = (_weighted_index(rng, org_cum), _weighted_index(rng, st_cum))
        if pair in pairs:
            continue
        pairs.add(pair)
        ordered.append(pair)
    requests: list[Request] = []
    for n, (o, t) in enumerate(ordered):
        x = rng.random()
        priority = Priority.MUST if x < 0.15 else Priority.SHOULD if x < 0.5 else Priority.COULD
        requests.append(Request(f"r{n:05d}", orgs[o], startups[t], priority))
    return Problem(
        slots=shape.slots, tables=shape.tables, availability=availability, requests=requests
    )


def generate(name: str, seed: int = DEFAULT_SEED) -> Problem:
    """The named benchmark instance (see ``SHAPES``) built from ``seed``."""
    try:
        shape = SHAPES[name]
    except KeyError:
        known = ", ".join(SHAPES)
        raise ValueError(f"unknown instance {name!r}; known: {known}") from None
    return build(shape, seed)
