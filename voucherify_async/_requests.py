"""`RequestBuilder`: the requests of the client's own pool, built as httpx builds them, cheaper.

A caller's `http_client=` builds the requests sent on it (its defaults apply); the SDK's own pool
has no defaults to merge, so the client builds them here. Two parts of `httpx.Request(...)` cost
most of its CPU, and both are done once per client instead of once per request.

**The URL.** `httpx.URL(base_url + path, params=...)` parses and re-validates the whole string
character by character (~7% of a `get`'s instructions, by callgrind on loopback). The base URL
does not change, and the paths the endpoints build are percent-encoded already
(`_params.path_segment`), so the URL is the parsed base with the path and query put in its place.

That replacement uses httpx's parsed form (`httpx.URL._uri_reference`, a named tuple), which is
not public API. It is taken only when it gives what httpx itself would: the form has the fields
expected, the base URL has no query or fragment, the path holds only characters httpx leaves as
they are and no `.`/`..` segment, and a probe built both ways at construction agrees. Otherwise,
and for a URL near httpx's length limit (whose error must be httpx's), the URL is parsed as
before.

**The headers.** From `content=`, httpx derives `Host` and `Content-Length`, then builds the
header list a second time to put them first. Here they are added in the same order and the body
is given as a stream already read (`stream=`, which adds no headers).

`tests/test_requests.py` compares both ways over generated paths, queries, methods and bodies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

__all__ = ["RequestBuilder"]

Pairs = tuple[tuple[str, str], ...]
"""Query parameters, in order."""

_SAFE_PATH: Final = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+")
_CONTENT_LENGTH_ZERO: Final = ("POST", "PUT", "PATCH")  # httpx sends a `Content-Length: 0`
_FIELDS: Final = ("scheme", "userinfo", "host", "port", "path", "query", "fragment")
# httpx refuses a URL (or a part of one) this long; near it the URL is left to httpx.
_MAX_LENGTH: Final = 65_536
_PROBE: Final = ("/v1/probe/a%2Fb%20c@d", (("q", "x y&z=%41/é"), ("page", "2")))


class RequestBuilder:
    """Build the requests of one client's own pool.

    Args:
        base_url: the API root, as `_config.resolve_base_url` returns it (no trailing slash).
    """

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._base = httpx.URL(base_url)
        self._reference: Any = None
        self._prefix = ""
        reference: Any = getattr(self._base, "_uri_reference", None)
        if getattr(type(reference), "_fields", None) != _FIELDS:
            return
        if reference.query is not None or reference.fragment is not None:
            return
        prefix = reference.path.rstrip("/")
        if (prefix and not _SAFE_PATH.fullmatch(prefix)) or "/." in prefix:
            return
        self._reference, self._prefix = reference, prefix
        path, params = _PROBE
        if str(self._built(path, params)) != str(self._parsed(path, params)):
            self._reference = None  # this httpx builds URLs otherwise: always parse

    def request(
        self,
        method: str,
        path: str,
        params: Pairs | None,
        content: bytes | None,
        files: Mapping[str, Any] | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        """What `httpx.Request(method, base_url + path, params=..., ...)` builds, with `timeout`.

        The request carries `timeout` as `httpx.AsyncClient.build_request` has it carry it.

        Raises:
            httpx.InvalidURL: the URL is malformed or too long (httpx's own refusal).
        """
        url = self.url(path, params)
        extensions = {"timeout": timeout.as_dict()}
        if files:  # multipart: httpx picks the boundary and the framing headers
            return httpx.Request(
                method, url, content=content, files=files, headers=headers, extensions=extensions
            )
        body = content or b""
        framing = {"Host": url.netloc.decode("ascii")}
        if not body and method in _CONTENT_LENGTH_ZERO:
            framing["Content-Length"] = "0"
        framing.update(headers)
        if body:
            framing["Content-Length"] = str(len(body))
        request = httpx.Request(
            method, url, headers=framing, stream=httpx.ByteStream(body), extensions=extensions
        )
        request.read()  # as httpx does for `content=`: `request.content` is there to read
        return request

    @property
    def base(self) -> httpx.URL:
        """The base URL, parsed once (the origin a caller's `http_client` requests must keep)."""
        return self._base

    @property
    def prebuilt(self) -> bool:
        """Whether URLs are built from the parsed base (else each one is parsed whole)."""
        return self._reference is not None

    def url(self, path: str, params: Pairs | None) -> httpx.URL:
        """The URL of a request to `path` (which starts with `/`) with query `params`.

        Raises:
            httpx.InvalidURL: the URL is malformed or too long (httpx's own refusal).
        """
        if (
            self._reference is not None
            and len(path) < _MAX_LENGTH // 2
            and _SAFE_PATH.fullmatch(path)
            and "/." not in path
        ):
            url = self._built(path, params)
            if len(url.raw_path) < _MAX_LENGTH // 2:
                return url
        return self._parsed(path, params)

    def _built(self, path: str, params: Pairs | None) -> httpx.URL:
        query = str(httpx.QueryParams(params)) if params else None
        url = httpx.URL(self._base)  # a copy of the parsed base, not parsed again
        url._uri_reference = self._reference._replace(path=self._prefix + path, query=query)
        return url

    def _parsed(self, path: str, params: Pairs | None) -> httpx.URL:
        return httpx.URL(self._base_url + path, params=tuple(params) if params else None)
