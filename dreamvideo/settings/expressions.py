"""Deforum-style keyframe strings and the safe expressions inside them.

``"0:(1.04), 60:(1.0025+0.02*sin(2*pi*t/48)), (max_f-1):(1.06)"``: comma-separated
``position:(value)`` pairs. Positions and values are numexpr expressions (never
Python's ``eval``): numexpr compiles arithmetic and a fixed set of elementwise
functions only, so a preset cannot run code. Names are checked here first so a
typo gets a plain message instead of numexpr's ``KeyError``.

Work is bounded before numexpr sees an expression: numexpr folds constants with
Python's integers (``9**9**9**9`` would never return) and recurses once per level
(a 500-term sum overflows the stack). So an expression is at most
``MAX_LENGTH`` characters and ``MAX_DEPTH`` levels deep, and every constant part
must stay a finite float when folded here in floats, which cannot hang.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from typing import Mapping

import numexpr
import numpy as np

from ..errors import first_line

FRAME_VARIABLES = ("t",)
CONSTANTS = ("max_f", "fps", "pi")
AUDIO_FEATURES = ("rms", "bass", "mid", "treble", "onset")
# numexpr's elementwise functions; its reductions (sum, max, ...) would mix frames.
FUNCTIONS = frozenset({
    "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "ceil", "copysign",
    "cos", "cosh", "exp", "expm1", "floor", "fmod", "hypot", "log", "log10", "log1p", "log2", "maximum",
    "minimum", "round", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc", "where"})
PER_FRAME = frozenset(FRAME_VARIABLES + AUDIO_FEATURES)
VALUE_NAMES = frozenset(FRAME_VARIABLES + CONSTANTS + AUDIO_FEATURES)
POSITION_NAMES = frozenset(CONSTANTS)
MAX_LENGTH = 2000  # characters in one expression
MAX_DEPTH = 200    # levels of its syntax tree (numexpr needs about two stack frames a level)
_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
         ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
         ast.USub: operator.neg, ast.UAdd: operator.pos}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.Name, ast.Load,
                  ast.Constant, ast.operator, ast.unaryop, ast.cmpop)


@dataclass(frozen=True)
class Keyframe:
    """One ``position:(value)`` pair, as expression sources; ``values`` has one per component."""

    position: str
    values: tuple[str, ...]

    @property
    def label(self) -> str:
        """How errors name this keyframe: its number, or its position expression."""
        return self.position if _is_number(self.position) else f"({shortened(self.position)})"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside parentheses; unbalanced parentheses are an error."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise ValueError(f"unbalanced ')' in '{shortened(text)}'")
        if char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError(f"unbalanced '(' in '{shortened(text)}'")
    return parts + [text[start:]]


def strip_parens(text: str) -> str:
    """``(expr)`` -> ``expr`` when the outer pair encloses the whole text."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += (char == "(") - (char == ")")
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def parse_keyframes(text: str, width: int | None = 1) -> list[Keyframe]:
    """Parse a Deforum schedule string; ``width`` values per keyframe (2 for DX,DY; None: any)."""
    keyframes = []
    for item in split_top(text):
        if not item.strip():
            continue
        pair = split_top(item, ":")
        if len(pair) != 2 or not pair[0].strip() or not pair[1].strip():
            raise ValueError(f"'{shortened(item)}' is not position:(value), e.g. 0:(1.04)")
        position = strip_parens(pair[0])
        values = tuple(strip_parens(v) for v in split_top(strip_parens(pair[1])))
        frame = Keyframe(position, values)
        if (width is not None and len(values) != width) or not all(values):
            raise ValueError(f"keyframe {frame.label}: needs {width} value(s), got '{shortened(pair[1])}'")
        check(position, POSITION_NAMES, f"keyframe {frame.label}: position")
        for value in values:
            check(value, VALUE_NAMES, f"keyframe {frame.label}")
        keyframes.append(frame)
    if not keyframes:
        raise ValueError("empty schedule; write keyframes as 0:(1.04), 60:(1.06)")
    return keyframes


def names(expr: str) -> set[str]:
    """Variable names an expression reads (function names excluded)."""
    tree = ast.parse(expr.strip(), mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called}


def _parse(expr: str, where: str) -> ast.Expression:
    """The syntax tree, refusing what numexpr could not evaluate in bounded time and stack."""
    if len(expr) > MAX_LENGTH:
        raise ValueError(f"{where}: expression of {len(expr)} characters; at most {MAX_LENGTH}")
    too_deep = ValueError(f"{where}: expression nested more than {MAX_DEPTH} levels deep "
                          "(each term of a sum and each pair of nested parentheses is a level)")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:  # Python's parser stops at 200 nested parentheses
        raise too_deep if "too many nested" in str(exc.msg) else ValueError(
            f"{where}: syntax error in '{shortened(expr)}'") from None
    except (RecursionError, MemoryError):
        raise too_deep from None
    levels, depth = [(tree, 0)], 0
    while levels:
        node, depth = levels.pop()
        if depth > MAX_DEPTH:
            raise too_deep
        levels += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    _fold_constants(tree, expr, where)
    return tree


def shortened(expr: str, limit: int = 80) -> str:
    """An expression as an error quotes it: its start, when it is long (the line stays one line)."""
    text = " ".join(expr.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fold_constants(tree: ast.Expression, expr: str, where: str) -> None:
    """Fold every constant part in floats (children first, no recursion); one that is not a
    finite float (``9**9**9``, ``1e400``) is refused here instead of hanging numexpr."""
    values: dict[int, float] = {}
    for node in reversed(list(ast.walk(tree))):  # breadth-first, reversed: children first
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            args, fold = [node.value], float
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)) and type(node.op) in _FOLD:
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
            if not all(id(o) in values for o in operands):
                continue
            args, fold = [values[id(o)] for o in operands], _FOLD[type(node.op)]
        else:
            continue
        try:
            value = fold(*args)
        except OverflowError:
            value = math.inf
        except (ArithmeticError, ValueError):  # 1/0 and the like: numexpr's to report
            continue
        if isinstance(value, complex):
            continue
        if not math.isfinite(value):
            raise ValueError(f"{where}: '{shortened(ast.get_source_segment(expr.strip(), node) or expr)}' "
                             "is too large a number (beyond 1e308)")
        values[id(node)] = value


def check(expr: str, allowed: frozenset[str], where: str) -> None:
    """Syntax, size, names and functions; then a trial evaluation so numexpr's own limits show now."""
    tree = _parse(expr, where)
    nodes = list(ast.walk(tree))
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES) or (isinstance(node, ast.Constant)
                                                     and not isinstance(node.value, (int, float))):
            raise ValueError(f"{where}: only numbers, names, arithmetic and functions such as sin(t) "
                             f"are allowed, not '{shortened(ast.get_source_segment(expr.strip(), node) or expr)}'")
    for node in nodes:
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else "?"
            if func not in FUNCTIONS:
                raise ValueError(f"{where}: unknown function '{func}' in '{shortened(expr)}'")
    unknown = sorted(names(expr) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown name '{unknown[0]}' in '{shortened(expr)}'; use "
                         + ", ".join(n for n in FRAME_VARIABLES + CONSTANTS + AUDIO_FEATURES if n in allowed))
    trial = {name: np.ones(2) if name in PER_FRAME else 1.0 for name in allowed}
    evaluate(expr, trial, where)


def evaluate(expr: str, variables: Mapping[str, object], where: str) -> np.ndarray:
    """numexpr evaluation; any failure is a ``ValueError`` naming ``where``."""
    used = {name: variables[name] for name in names(expr) if name in variables}
    try:
        with np.errstate(all="ignore"):
            return np.asarray(numexpr.evaluate(expr.strip(), local_dict=used, global_dict={}), dtype=np.float64)
    except Exception as exc:  # numexpr raises many types; all mean "bad expression"
        raise ValueError(f"{where}: cannot evaluate '{shortened(expr)}': {first_line(exc)}") from None


def is_per_frame(expr: str) -> bool:
    """Whether a value changes frame by frame (reads t or an audio feature)."""
    return bool(names(expr) & PER_FRAME)
