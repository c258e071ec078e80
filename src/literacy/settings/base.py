"""The building blocks of the typed config: a strict model base, the value types a YAML config
holds, and the translation of a validation failure into one line a statistician can act on.

Every section model derives from :class:`Section`: unknown keys are refused (``extra="forbid"``),
numbers must be numbers (YAML's ``"0.5"`` string or ``true`` is not 0.5 or 1) and flags must be
YAML booleans (the string ``"false"`` is not false). Codes and ids may be written as numbers in
YAML (``id: 2020``) and are read as text.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt,
                      ValidationError, model_validator)

from literacy.errors import ConfigError

__all__ = ["Section", "Labelled", "parse", "Code", "Number", "Real", "Whole", "Flag", "Share", "Names", "Columns", "Crossings", "ZhEn", "config_error",
           "known_keys"]


def _code(value: Any) -> Any:
    # YAML reads 2020, 1 or 1.5 as numbers; a code or an id is text (bools stay bools and fail)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _names(value: Any) -> Any:
    # a single name is a list of one ("sex" -> ["sex"], never its letters)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, (list, tuple)):
        return [_code(v) for v in value]
    return value


def _columns(value: Any) -> Any:
    # a breakdown / margin: a column, or a list of columns for a crossing
    if isinstance(value, str):
        return [value]
    return value


#: A code, an id or a name: text (numbers written in YAML are read as their text).
Code = Annotated[str, BeforeValidator(_code, json_schema_input_type=str | int | float)]
#: A number (an int is a number; a string or a boolean is not).
Number = StrictFloat | StrictInt
#: A number read as a float (``30`` -> ``30.0``).
Real = Annotated[StrictFloat | StrictInt, AfterValidator(float)]
#: A whole number.
Whole = StrictInt
#: true or false.
Flag = StrictBool
#: A share in [0, 1].
Share = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]
#: A list of names (a single name is a list of one).
Names = Annotated[list[Code], BeforeValidator(_names, json_schema_input_type=str | list[str | int | float])]
#: A column or a crossing of columns, always a list.
Columns = Annotated[list[Code], BeforeValidator(_columns, json_schema_input_type=str | list[str])]
#: A list of columns and crossings (a single column is a list of one).
Crossings = Annotated[list[Code | list[Code]], BeforeValidator(_columns,
                                                                json_schema_input_type=str | list[str | list[str]])]
#: A label pair [zh, en].
def _zh_en(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"must be a pair [zh, en], not {list(value)!r}")
        return tuple(value)
    return value


ZhEn = Annotated[tuple[Code, Code], BeforeValidator(_zh_en, json_schema_input_type=list[str])]


class Section(BaseModel):
    """A config mapping: unknown keys refused, values validated, each default written once here."""

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True, frozen=False,
                              str_strip_whitespace=True)


class Labelled(Section):
    """A coded entry with bilingual labels ``zh`` / ``en``; a label left out is the code itself."""

    code: Code
    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _labels(self):
        self.zh = self.zh or self.code
        self.en = self.en or self.code
        return self


def parse(model: type[BaseModel], raw: Any, prefix: str):
    """``model`` read from a parsed YAML mapping; a problem is one :class:`ConfigError` line."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix}the file does not hold a mapping of sections")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise config_error(exc, model, prefix) from None


def known_keys(model: type[BaseModel]) -> list[str]:
    """The keys a section accepts (its fields, by their YAML names)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _section_names() -> set[str]:
    """Class names of every section model (pydantic puts them in an error's location)."""
    out, todo = set(), [Section]
    while todo:
        cls = todo.pop()
        out.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return out


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("[key]",):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The section model that holds the last key of ``loc`` (for "did you mean")."""

    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part) or next(
                (f for f in model.model_fields.values() if f.alias == part), None)
            if field is None:
                # a key of a mapping of sections (dict[str, Model]) or a list entry
                continue
            model = _inner(field.annotation)
        elif isinstance(model, tuple):   # dict[str, Model]: the part is a free key
            model = model[1]
    if isinstance(model, tuple):
        model = model[1]
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner(annotation: Any) -> Any:
    """The section model inside an annotation (``X | None``, ``list[X]``, ``dict[str, X]``)."""
    import typing

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is typing.Annotated:
        return _inner(args[0])
    if origin is dict and len(args) == 2:
        inner = _inner(args[1])
        return ("dict", inner) if inner is not None else None
    for a in args:
        inner = _inner(a)
        if inner is not None:
            return inner
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def config_error(exc: ValidationError, root: type[BaseModel], prefix: str = "config: ") -> ConfigError:
    """One line for the first problem pydantic found: the key's full path and what is allowed.

    An unknown key names the nearest known key of the same section (``reporting.minn is not a
    known setting; did you mean reporting.min_n?``).
    """
    errors = exc.errors(include_url=False)
    # an unknown key first (the likeliest cause of the other messages: a misspelt required key), then
    # a check of the value itself, then a missing key; a union's "not this type" only when nothing else
    rank = {"extra_forbidden": 0, "value_error": 1, "missing": 2}
    err = min(errors, key=lambda e: rank.get(e["type"], 3))
    # pydantic names the branch of a union it tried ('float', 'list[...]', a section's class): not a key
    branches = _section_names()
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
        p.startswith(("function-", "tagged-union")) or p in ("float", "int", "str", "bool", "none") or "[" in p
        or p in branches)))
    path = _path(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        model = _model_at(root, loc)
        parent = _path(loc[:-1])
        known = known_keys(model) if model is not None else []
        near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = (f"; did you mean {(parent + '.') if parent else ''}{near[0]}?" if near
                else (f" (known: {', '.join(known)})" if known else ""))
        return ConfigError(f"{prefix}{path} is not a known setting{hint}")
    if kind == "missing":
        return ConfigError(f"{prefix}missing '{path}'")
    ctx = err.get("ctx") or {}
    words = {"int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
             "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
             "bool_parsing": "true or false", "string_type": "text", "list_type": "a list",
             "dict_type": "a mapping", "model_type": "a mapping", "tuple_type": "a list",
             "model_attributes_type": "a mapping"}
    bounds = {"greater_than": "> {gt}", "greater_than_equal": "≥ {ge}", "less_than": "< {lt}",
              "less_than_equal": "≤ {le}", "too_short": "at least {min_length} long",
              "too_long": "at most {max_length} long"}
    if kind in words:
        msg = "must be " + words[kind]
    elif kind in bounds:
        msg = "must be " + bounds[kind].format(**{k: ctx.get(k) for k in ("gt", "ge", "lt", "le", "min_length",
                                                                           "max_length")})
    elif kind in ("literal_error", "enum"):
        msg = "must be " + err["msg"].removeprefix("Input should be ")
    elif kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        return ConfigError(f"{prefix}{path + ': ' if path else ''}{msg}")
    else:
        msg = err["msg"][:1].lower() + err["msg"][1:]
    where = path or "the config"
    value = err.get("input")
    return ConfigError(f"{prefix}{where} {msg}, not {_shown(value)}")
