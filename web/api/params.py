"""Liberal parameter parsing: apps send the same fields in the query string, a form, multipart or JSON.

IceCubes and Mammoth put POST parameters in the URL, Elk sends JSON, most send forms,
and arrays arrive as `ids[]=1&ids[]=2`, `ids=1`, or a JSON list. `Params` hides all of
that and turns every bad value into a 422 with a message naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDict

from essaim.web.errors import ApiError

_TRUE = ("1", "true", "on", "yes")
_FALSE = ("0", "false", "off", "no", "")


class Params:
    """Every parameter of a request, from all the places clients put them, with typed getters."""

    def __init__(self, values: MultiDict[Any]) -> None:
        self._values = values

    @classmethod
    async def of(cls, request: web.Request) -> Params:
        values: MultiDict[Any] = MultiDict(request.query)
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise ApiError(422, "The request body is not valid JSON") from None
                if not isinstance(body, dict):
                    raise ApiError(422, "The JSON body must be an object")
                _flatten(body, "", values)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    form = await request.post()
                except ValueError as exc:
                    raise ApiError(422, f"Malformed form data: {exc}") from None
                values.extend(form)
        return cls(values)

    def __contains__(self, name: str) -> bool:
        return name in self._values or f"{name}[]" in self._values

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def text(self, name: str, default: str | None = None, *, max_length: int | None = None) -> str | None:
        value = self._values.get(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ApiError(422, f"{name} must be text")
        if max_length is not None and len(value) > max_length:
            raise ApiError(422, f"{name} is too long (at most {max_length} characters)")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ApiError(422, f"{name} must be true or false")

    def integer(self, name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ApiError(422, f"{name} must be a whole number")
        number = int(value)
        if minimum is not None and number < minimum:
            raise ApiError(422, f"{name} must be at least {minimum}")
        return number

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date and time (UTC when it names no offset), or absent."""
        value = self.text(name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ApiError(422, f"{name} must be an ISO 8601 date and time") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def id(self, name: str) -> int | None:
        """An id parameter: numeric string of a 64-bit id, or absent."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        return parse_id(str(value), name)

    def many(self, name: str) -> list[Any]:
        """`name[]=a&name[]=b`, `name=a`, or a JSON list: all the same to us."""
        return [*self._values.getall(f"{name}[]", []), *self._values.getall(name, [])]

    def file(self, name: str) -> web.FileField | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, web.FileField):
            raise ApiError(422, f"{name} must be a file sent as multipart/form-data")
        return value

    def indexed(self, name: str) -> Iterator[dict[str, Any]]:
        """`name[0][key]=v` (or `name[][key]`, or a JSON list of objects) as one dict per index, in order."""
        groups: dict[str, dict[str, Any]] = {}
        prefix = f"{name}["
        unnamed = 0  # `name[][key]`: a key seen again starts the next object, as Rails reads forms
        for key, value in self._values.items():
            if not key.startswith(prefix) or "][" not in key:
                continue
            index, _, field = key[len(prefix) :].partition("][")
            field = field.rstrip("]")
            if not index:
                unnamed += field in groups.get(f"[]{unnamed}", {})
                index = f"[]{unnamed}"
            groups.setdefault(index, {})[field] = value
        for index in sorted(groups, key=lambda i: (not i.isdigit(), int(i) if i.isdigit() else 0)):
            yield groups[index]


def parse_id(value: str, name: str = "id") -> int:
    if not value.isdigit() or len(value) > 19 or int(value) >= 2**63:
        raise ApiError(404, "Record not found") if name == "id" else ApiError(422, f"{name} must be an id")
    return int(value)


def _flatten(value: Any, prefix: str, into: MultiDict[Any]) -> None:
    """JSON objects become the bracketed names forms use: {"poll": {"options": [..]}} → poll[options][]."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}[{key}]" if prefix else str(key), into)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _flatten(item, f"{prefix}[{index}]", into)
            else:
                into.add(f"{prefix}[]", _scalar(item))
    elif value is not None:  # clients send null for "not given" (toot strips them for the same reason)
        into.add(prefix, _scalar(value))


def _scalar(value: Any) -> Any:
    return value if isinstance(value, bool | str) else str(value)
