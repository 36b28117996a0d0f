"""External Java functions (DMN 1.5 §10.3.2.13.3), limited to a fixed list of java.lang methods.

Kontor runs no Java. A function `external {java: {class: ..., method signature: ...}}` (or a
boxed function of kind Java) is served only when its class and signature are in `_METHODS`:
static methods of java.lang.Math, String and the number wrappers, done in Python. Nothing is
loaded by name; any other class or method gives null with a warning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from kontor.rules.feel.errors import FeelDataError, FeelWarning
from kontor.rules.feel.numbers import NUMBER_CONTEXT, to_feel_number
from kontor.rules.feel.values import FeelFunction, type_name

_SIGNATURE = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*\(([^()]*)\)\s*")
_VARARGS = "[Ljava.lang.Object;"
_NUMBER_TEXT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_INTEGER_BOUNDS = {
    "byte": 2**7,
    "short": 2**15,
    "int": 2**31,
    "long": 2**63,
}
_BOXED = {
    "java.lang.Byte": "byte",
    "java.lang.Short": "short",
    "java.lang.Integer": "int",
    "java.lang.Long": "long",
    "java.lang.Float": "float",
    "java.lang.Double": "double",
    "java.lang.Character": "char",
    "java.lang.Boolean": "boolean",
}


def _unsupported(message: str) -> FeelDataError:
    return FeelDataError("unsupported-external", message)


def _number(value: Any) -> Decimal:
    if type(value) is not Decimal:
        raise _unsupported(f"expected a number, got {type_name(value)}")
    return value


def _java_argument(java_type: str, value: Any) -> Any:
    """A FEEL value as the Java parameter type expects it (checked, not converted loosely)."""
    java_type = _BOXED.get(java_type, java_type)
    if java_type in _INTEGER_BOUNDS:
        number = _number(value)
        bound = _INTEGER_BOUNDS[java_type]
        if number != number.to_integral_value() or not -bound <= number < bound:
            raise _unsupported(f"{value} is not a Java {java_type}")
        return int(number)
    if java_type in ("double", "float"):
        return _number(value)
    if java_type == "char":
        if type(value) is not str or len(value) != 1:
            raise _unsupported("a Java char must be a string of one character")
        return value
    if java_type == "java.lang.String":
        if type(value) is not str:
            raise _unsupported(f"expected a string, got {type_name(value)}")
        return value
    if java_type == "boolean":
        if type(value) is not bool:
            raise _unsupported(f"expected a boolean, got {type_name(value)}")
        return value
    return value  # java.lang.Object


def _from_float(value: float) -> Decimal:
    number = to_feel_number(value)
    if number is None:
        raise FeelDataError("out-of-range", "the Java method gave no finite number")
    return number


def _math_1(function: Callable[[float], float]) -> Callable[[Decimal], Decimal]:
    def run(number: Decimal) -> Decimal:
        try:
            return _from_float(function(float(number)))
        except (ValueError, OverflowError) as error:
            raise FeelDataError("invalid-argument", f"the Java method failed: {error}") from error

    return run


def _math_2(function: Callable[[float, float], float]) -> Callable[[Decimal, Decimal], Decimal]:
    def run(left: Decimal, right: Decimal) -> Decimal:
        try:
            return _from_float(function(float(left), float(right)))
        except (ValueError, OverflowError) as error:
            raise FeelDataError("invalid-argument", f"the Java method failed: {error}") from error

    return run


def _decimal_of(value: Any) -> Decimal:
    return NUMBER_CONTEXT.plus(Decimal(value))


def _parse_number(text: str) -> Decimal:
    # Java would also read NaN and Infinity, which FEEL numbers do not have.
    if not _NUMBER_TEXT.fullmatch(text.strip()):
        raise FeelDataError("invalid-argument", f"not a finite number: {text!r}")
    try:
        return NUMBER_CONTEXT.create_decimal(text.strip())
    except ArithmeticError as error:
        raise FeelDataError("invalid-argument", f"not a number: {text!r}") from error


def _parse_integer(java_type: str) -> Callable[[str], Decimal]:
    def run(text: str) -> Decimal:
        if not re.fullmatch(r"[-+]?\d+", text):
            raise FeelDataError("invalid-argument", f"not a Java {java_type}: {text!r}")
        return Decimal(_java_argument(java_type, Decimal(text)))

    return run


def _text_of(value: Any) -> str:
    from kontor.rules.feel.builtins.conversion import describe

    if type(value) is str:
        return value
    return describe(value)


def _format(pattern: str, arguments: list[Any]) -> str:
    """Java String.format for the conversions %s, %d, %n and %% (others are refused)."""
    remaining = iter(arguments)

    def replace(match: re.Match[str]) -> str:
        conversion = match.group(1)
        if conversion not in ("s", "d", "n", "%"):
            raise _unsupported("String.format supports only %s, %d, %n and %%")
        if conversion == "%":
            return "%"
        if conversion == "n":
            return "\n"
        try:
            value = next(remaining)
        except StopIteration as error:
            raise FeelDataError("invalid-argument", "too few format arguments") from error
        if conversion == "d":
            if type(value) is not Decimal or value != value.to_integral_value():
                raise FeelDataError("invalid-argument", "%d needs a whole number")
            return str(int(value))
        return "null" if value is None else _text_of(value)

    return re.sub(r"%(.?)", replace, pattern, flags=re.DOTALL)


def _pick(left: Any, right: Any, larger: bool) -> Any:
    return max(left, right) if larger else min(left, right)


def _math_methods() -> dict[tuple[str, str], Callable[..., Any]]:
    methods: dict[tuple[str, str], Callable[..., Any]] = {}
    for kind in ("int", "long", "float", "double"):
        methods[("max", f"{kind},{kind}")] = lambda a, b: _decimal_of(_pick(a, b, True))
        methods[("min", f"{kind},{kind}")] = lambda a, b: _decimal_of(_pick(a, b, False))
        methods[("abs", kind)] = lambda a: _decimal_of(abs(a))
    for name, function in (
        ("cos", math.cos),
        ("sin", math.sin),
        ("tan", math.tan),
        ("acos", math.acos),
        ("asin", math.asin),
        ("atan", math.atan),
        ("exp", math.exp),
        ("log", math.log),
        ("log10", math.log10),
        ("sqrt", math.sqrt),
        ("cbrt", math.cbrt),
        ("floor", math.floor),
        ("ceil", math.ceil),
        ("toRadians", math.radians),
        ("toDegrees", math.degrees),
    ):
        methods[(name, "double")] = _math_1(function)
    methods[("pow", "double,double")] = _math_2(math.pow)
    methods[("atan2", "double,double")] = _math_2(math.atan2)
    methods[("hypot", "double,double")] = _math_2(math.hypot)
    return methods


def _wrapper_methods(java_type: str, integral: bool) -> dict[tuple[str, str], Callable[..., Any]]:
    parse = _parse_integer(java_type) if integral else _parse_number
    methods: dict[tuple[str, str], Callable[..., Any]] = {
        ("valueOf", java_type): _decimal_of,
        ("valueOf", "java.lang.String"): parse,
    }
    parser_name = {"int": "parseInt"}.get(java_type, "parse" + java_type.capitalize())
    methods[(parser_name, "java.lang.String")] = parse
    return methods


_STRING_METHODS: dict[tuple[str, str], Callable[..., Any]] = {
    ("valueOf", "char"): str,
    ("valueOf", "int"): _text_of,
    ("valueOf", "long"): _text_of,
    ("valueOf", "double"): _text_of,
    ("valueOf", "boolean"): _text_of,
    ("valueOf", "java.lang.Object"): lambda value: "null" if value is None else _text_of(value),
    ("format", f"java.lang.String,{_VARARGS}"): _format,
}

_METHODS: dict[str, dict[tuple[str, str], Callable[..., Any]]] = {
    "java.lang.Math": _math_methods(),
    "java.lang.String": _STRING_METHODS,
    "java.lang.Byte": _wrapper_methods("byte", True),
    "java.lang.Short": _wrapper_methods("short", True),
    "java.lang.Integer": _wrapper_methods("int", True),
    "java.lang.Long": _wrapper_methods("long", True),
    "java.lang.Float": _wrapper_methods("float", False),
    "java.lang.Double": _wrapper_methods("double", False),
}


def _parse_signature(signature: str) -> tuple[str, list[str]]:
    match = _SIGNATURE.fullmatch(signature)
    if match is None:
        raise _unsupported(f"invalid method signature {signature!r}")
    types = [part.strip() for part in match.group(2).split(",") if part.strip()]
    return match.group(1), types


def java_function(class_name: Any, signature: Any, parameters: Sequence[str]) -> FeelFunction:
    """The FEEL function for a Java static method; calling an unknown one gives null + warning."""
    try:
        impl = _java_impl(class_name, signature, len(parameters))
    except FeelDataError as error:
        failure = error

        def refuse(*arguments: Any) -> Any:
            raise failure

        return FeelFunction(parameters, refuse, "external")
    return FeelFunction(parameters, impl, "external")


def _java_impl(class_name: Any, signature: Any, arity: int) -> Callable[..., Any]:
    if type(class_name) is not str or type(signature) is not str:
        raise _unsupported("a Java function needs 'class' and 'method signature' strings")
    name, types = _parse_signature(signature)
    method = _METHODS.get(class_name, {}).get((name, ",".join(types)))
    if method is None:
        raise _unsupported(f"Java method {class_name}.{name}({', '.join(types)}) is not available")
    if len(types) != arity:
        raise _unsupported(f"{class_name}.{name} takes {len(types)} arguments, not {arity}")

    def call(*arguments: Any) -> Any:
        converted = []
        for java_type, argument in zip(types, arguments, strict=True):
            if java_type == _VARARGS:
                converted.append(argument if type(argument) is list else [argument])
            else:
                converted.append(_java_argument(java_type, argument))
        return method(*converted)

    return call


def external_function(parameters: Sequence[str], definition: Any) -> FeelFunction:
    """The function of `function(...) external {java: {class: ..., method signature: ...}}`."""
    java = definition.get("java") if type(definition) is dict else None
    if type(java) is not dict:
        return java_function(None, None, parameters)
    return java_function(java.get("class"), java.get("method signature"), parameters)


def call_java(
    class_name: Any, signature: Any, arguments: Sequence[Any], warnings: list[FeelWarning]
) -> Any:
    """Call a listed Java static method; null plus a warning when it is not listed or fails."""
    try:
        return _java_impl(class_name, signature, len(arguments))(*arguments)
    except FeelDataError as error:
        warnings.append(FeelWarning(error.code, f"Java function: {error.message}"))
        return None
