"""Arithmetic, percentages, statistics and unit conversion."""

from __future__ import annotations

import ast
import math
import operator
import statistics as stats
from typing import Any, Callable

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

procedures = ProcedureRegistry()

MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 1000

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _tidy(x: float | int) -> float | int:
    """Integral floats become ints; other floats are rounded to 10 decimals to hide binary noise."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ProcedureError("the result is not a finite number")
        if x.is_integer() and abs(x) < 2**53:
            return int(x)
        return round(x, 10)
    return x


def _compute(node: ast.AST) -> float | int:
    """Walk a parsed arithmetic expression; anything but numbers and + - * / // % ** is refused."""
    if isinstance(node, ast.Expression):
        return _compute(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_compute(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _compute(node.left), _compute(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or abs(left) > 10**100):
            raise ProcedureError(f"exponent too large (the limit is {MAX_EXPONENT})")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ProcedureError("division by zero") from None
        except OverflowError:
            raise ProcedureError("the result is too large") from None
    raise ProcedureError("only numbers, parentheses and + - * / // % ^ ** are allowed")


@procedures.register("calculate")
def calculate(expression: str) -> dict[str, Any]:
    """Evaluate an arithmetic expression such as ``(12 + 7) * 3`` without running any code."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ProcedureError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    text = expression.replace("×", "*").replace("÷", "/").replace("^", "**").replace(",", "")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ProcedureError(f"cannot parse the expression {expression!r}") from None
    return {"expression": expression, "result": _tidy(_compute(tree))}


@procedures.register("percentage")
def percentage(percent: float, value: float) -> dict[str, Any]:
    """``percent`` % of ``value``."""
    return {"percent": percent, "value": value, "result": _tidy(percent * value / 100)}


_MEASURES: dict[str, Callable[[list[float]], float]] = {
    "mean": stats.fmean,
    "median": stats.median,
    "sum": math.fsum,
    "min": min,
    "max": max,
}


@procedures.register("statistics")
def statistics(measure: str, numbers: list[float]) -> dict[str, Any]:
    """One summary statistic (mean, median, sum, min, max) of a list of numbers."""
    if not numbers:
        raise ProcedureError("give at least one number")
    if measure not in _MEASURES:
        raise ProcedureError(f"unknown measure {measure!r}; expected one of {sorted(_MEASURES)}")
    return {"measure": measure, "count": len(numbers), "result": _tidy(float(_MEASURES[measure](numbers)))}


# Factors to the base unit of each dimension (metre, kilogram, litre, metre per second).
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("length", 0.001),
    "cm": ("length", 0.01),
    "m": ("length", 1.0),
    "km": ("length", 1000.0),
    "in": ("length", 0.0254),
    "ft": ("length", 0.3048),
    "yd": ("length", 0.9144),
    "mi": ("length", 1609.344),
    "g": ("mass", 0.001),
    "kg": ("mass", 1.0),
    "oz": ("mass", 0.028349523125),
    "lb": ("mass", 0.45359237),
    "ml": ("volume", 0.001),
    "l": ("volume", 1.0),
    "cup": ("volume", 0.2365882365),
    "gal": ("volume", 3.785411784),
    "km/h": ("speed", 1000 / 3600),
    "mph": ("speed", 1609.344 / 3600),
    "m/s": ("speed", 1.0),
}


@procedures.register("convert_units")
def convert_units(value: float, from_unit: str, to_unit: str) -> dict[str, Any]:
    """Convert a length, mass, volume or speed between units (US gallons and cups)."""
    try:
        dim_from, f_from = UNITS[from_unit]
        dim_to, f_to = UNITS[to_unit]
    except KeyError as e:
        raise ProcedureError(f"unknown unit {e.args[0]!r}; known units: {', '.join(UNITS)}") from None
    if dim_from != dim_to:
        raise ProcedureError(f"cannot convert {dim_from} ({from_unit}) to {dim_to} ({to_unit})")
    return {"value": round(value * f_from / f_to, 6), "unit": to_unit}


_ABSOLUTE_ZERO = {"celsius": -273.15, "fahrenheit": -459.67, "kelvin": 0.0}


@procedures.register("convert_temperature")
def convert_temperature(value: float, from_unit: str, to_unit: str) -> dict[str, Any]:
    """Convert a temperature between celsius, fahrenheit and kelvin."""
    if from_unit not in _ABSOLUTE_ZERO or to_unit not in _ABSOLUTE_ZERO:
        raise ProcedureError(f"temperature units are {', '.join(_ABSOLUTE_ZERO)}")
    if value < _ABSOLUTE_ZERO[from_unit]:
        raise ProcedureError(f"{value} {from_unit} is below absolute zero")
    celsius = {"celsius": value, "fahrenheit": (value - 32) * 5 / 9, "kelvin": value - 273.15}[from_unit]
    out = {"celsius": celsius, "fahrenheit": celsius * 9 / 5 + 32, "kelvin": celsius + 273.15}[to_unit]
    return {"value": round(out, 2), "unit": to_unit}
