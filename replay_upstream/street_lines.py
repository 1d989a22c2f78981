"""Plane geometry of generated streets, in metres east and north of the centre of Paris.

A street is given by a few waypoints; :func:`street` turns them into a dense, gently
curving polyline (corners rounded, a slight meander that vanishes at both ends so streets
still meet at their shared waypoints), :func:`cut` cuts that line into consecutive arcs.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
from numpy.typing import ArrayLike, NDArray

from replay_upstream.places import CENTRE, M_PER_DEG_LAT, M_PER_DEG_LON

Line = NDArray[np.float64]  # shape (n, 2): x east, y north, in metres

STEP_M = 15.0  # spacing of the dense line: arcs are cut and bent at this resolution


def to_metres(lonlat: ArrayLike) -> Line:
    points = np.asarray(lonlat, dtype=np.float64)
    return np.column_stack(
        ((points[:, 0] - CENTRE[0]) * M_PER_DEG_LON, (points[:, 1] - CENTRE[1]) * M_PER_DEG_LAT)
    )


def to_lonlat(line: Line) -> Line:
    return np.column_stack(
        (line[:, 0] / M_PER_DEG_LON + CENTRE[0], line[:, 1] / M_PER_DEG_LAT + CENTRE[1])
    )


def _chaikin(line: Line, *, closed: bool, rounds: int = 2) -> Line:
    """Corner cutting: rounds each bend, keeps the ends of an open line where they are."""
    for _ in range(rounds):
        if closed:
            nxt = np.roll(line, -1, axis=0)
            line = np.column_stack((0.75 * line + 0.25 * nxt, 0.25 * line + 0.75 * nxt)).reshape(
                -1, 2
            )
        elif len(line) > 2:
            a, b = line[:-1], line[1:]
            middle = np.column_stack((0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b)).reshape(-1, 2)
            line = np.vstack((line[:1], middle[1:-1], line[-1:]))
    return line


def lengths(line: Line) -> NDArray[np.float64]:
    """Distance along the line at each vertex, from 0."""
    steps = np.hypot(*np.diff(line, axis=0).T)
    return np.concatenate(([0.0], np.cumsum(steps)))


def at(line: Line, distance: NDArray[np.float64]) -> Line:
    """Points at the given distances along the line."""
    along = lengths(line)
    return np.column_stack(
        (np.interp(distance, along, line[:, 0]), np.interp(distance, along, line[:, 1]))
    )


def densify(line: Line) -> Line:
    total = lengths(line)[-1]
    return at(line, np.linspace(0.0, total, max(2, math.ceil(total / STEP_M) + 1)))


def _normals(line: Line, *, closed: bool) -> Line:
    """Unit vectors to the right of the direction of travel at each vertex."""
    if closed:
        tangent = np.roll(line, -1, axis=0) - np.roll(line, 1, axis=0)
    else:
        tangent = np.gradient(line, axis=0)
    norm = np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    tangent = tangent / np.where(norm == 0, 1.0, norm)
    return np.column_stack((tangent[:, 1], -tangent[:, 0]))


def shift(line: Line, metres: float, *, closed: bool = False) -> Line:
    """The line moved sideways, to the right of its direction for a positive ``metres``."""
    return line + metres * _normals(line, closed=closed)


def street(waypoints: Line, rng: random.Random) -> Line:
    """A dense open polyline through the waypoints, corners rounded, slightly meandering."""
    line = densify(_chaikin(waypoints, closed=False))
    along = lengths(line)
    total = along[-1]
    amplitude = rng.uniform(0.0, min(12.0, total / 40))
    wavelength = rng.uniform(500.0, 1500.0)
    phase = rng.uniform(0.0, 2 * math.pi)
    # Zero at both ends, so streets sharing a waypoint still meet there.
    taper = np.sin(np.pi * along / total) if total else along
    sideways = amplitude * taper * np.sin(2 * np.pi * along / wavelength + phase)
    return line + sideways[:, None] * _normals(line, closed=False)


def ring(waypoints: Line) -> Line:
    """A dense closed polyline through (near) the waypoints; the last vertex is the first."""
    line = _chaikin(waypoints, closed=True)
    line = np.vstack((line, line[:1]))
    return densify(line)


def circle(centre: tuple[float, float], radius: float) -> Line:
    """Anticlockwise, as a roundabout is driven in France; closed."""
    x, y = to_metres([centre])[0]
    angles = np.linspace(0.0, 2 * np.pi, max(12, math.ceil(2 * np.pi * radius / STEP_M)) + 1)
    return np.column_stack((x + radius * np.cos(angles), y + radius * np.sin(angles)))


def cut(line: Line, count: int, rng: random.Random) -> list[tuple[float, float, Line]]:
    """``count`` consecutive arcs along ``line``, of uneven lengths, each ending where the
    next starts: (start, end, points), the points keeping 0-4 of the line's bends."""
    total = lengths(line)[-1]
    spacing = total / count
    inner = np.array([spacing * (i + rng.uniform(-0.3, 0.3)) for i in range(1, count)])
    marks = np.concatenate(([0.0], inner, [total])).tolist()
    arcs = []
    for start, end in itertools.pairwise(marks):
        bends = rng.choice((0, 1, 2, 2, 3, 3, 4)) if end - start > 2 * STEP_M else 0
        arcs.append((start, end, at(line, np.linspace(start, end, bends + 2))))
    return arcs


def between(line: Line, start: float, end: float) -> Line:
    """The part of ``line`` from ``start`` to ``end`` (distances along it), every vertex kept."""
    along = lengths(line)
    keep = along[(along > start) & (along < end)]
    return at(line, np.concatenate(([start], keep, [end])))
