"""`RequestBuilder` builds the very request httpx builds (URL, headers, body), cheaper."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherify_async._params import path_segment
from voucherify_async._requests import RequestBuilder

BASES = (
    "https://api.voucherify.io",
    "https://us1.api.voucherify.io",
    "http://127.0.0.1:8000",
    "http://[::1]:8080",
    "http://user:pass@localhost:1/prefix/v",
    "https://h.example/a%20b",
)

text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
params = st.lists(st.tuples(text, st.text(st.characters(exclude_categories=("Cs",)))), max_size=4)


def parsed(base: str, path: str, query: tuple[tuple[str, str], ...] | None) -> httpx.URL:
    return httpx.URL(base + path, params=query)


def same(built: httpx.URL, expected: httpx.URL) -> None:
    assert built == expected
    assert str(built) == str(expected)
    assert built.raw_path == expected.raw_path
    assert (built.scheme, built.host, built.port, built.userinfo) == (
        expected.scheme,
        expected.host,
        expected.port,
        expected.userinfo,
    )


@pytest.mark.parametrize("base", BASES)
def test_the_usual_bases_are_built_not_parsed(base: str) -> None:
    assert RequestBuilder(base).prebuilt


@settings(max_examples=300, deadline=None)
@given(base=st.sampled_from(BASES), segment=text, pairs=params)
def test_a_built_url_is_the_one_httpx_parses(
    base: str, segment: str, pairs: list[tuple[str, str]]
) -> None:
    path = "/v1/customers/" + path_segment(segment)
    query = tuple(pairs) or None
    same(RequestBuilder(base).url(path, query), parsed(base, path, query))


@pytest.mark.parametrize(
    "segment", [".", "..", ".x", "%2E%2E", "a/b", "é", "a?b#c", "%41", "~!$&'()*+,;=:@"]
)
def test_the_awkward_segments_give_httpx_s_url(segment: str) -> None:
    for base in BASES:
        path = "/v1/customers/" + path_segment(segment)
        same(
            RequestBuilder(base).url(path, (("q", segment),)), parsed(base, path, (("q", segment),))
        )


def test_a_path_httpx_would_rewrite_is_parsed_by_httpx() -> None:
    urls = RequestBuilder("https://api.voucherify.io")
    for path in ("/v1/./x", "/v1/../x", "/v1/a b", "/v1/%zz"):
        same(urls.url(path, None), parsed("https://api.voucherify.io", path, None))


def test_a_base_with_a_query_is_never_prebuilt() -> None:
    urls = RequestBuilder("https://api.voucherify.io/?x=1")
    assert not urls.prebuilt
    same(
        urls.url("/v1/customers", (("a", "b"),)),
        parsed(urls._base_url, "/v1/customers", (("a", "b"),)),
    )


def test_a_url_too_long_gets_httpx_s_refusal() -> None:
    urls = RequestBuilder("https://api.voucherify.io")
    with pytest.raises(httpx.InvalidURL):
        urls.url("/v1/customers", (("q", "x" * 70_000),))
    with pytest.raises(httpx.InvalidURL):
        urls.url("/v1/" + "x" * 70_000, None)


def expected_request(
    method: str,
    base: str,
    path: str,
    query: tuple[tuple[str, str], ...] | None,
    content: bytes | None,
    headers: dict[str, str],
) -> httpx.Request:
    return httpx.Request(
        method,
        base + path,
        params=query,
        content=content,
        headers=headers,
        extensions={"timeout": TIMEOUT.as_dict()},
    )


TIMEOUT = httpx.Timeout(30.0)
HEADERS = {"X-App-Id": "app", "X-App-Token": "secret", "Accept": "application/json"}


@settings(max_examples=200, deadline=None)
@given(
    base=st.sampled_from(BASES),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    content=st.one_of(st.none(), st.binary(max_size=64)),
    json_type=st.booleans(),
    pairs=params,
)
def test_a_built_request_is_the_one_httpx_builds(
    base: str, method: str, content: bytes | None, json_type: bool, pairs: list[tuple[str, str]]
) -> None:
    headers = {**HEADERS, "Content-Type": "application/json"} if json_type else dict(HEADERS)
    query = tuple(pairs) or None
    built = RequestBuilder(base).request(
        method, "/v1/customers", query, content, None, headers, TIMEOUT
    )
    expected = expected_request(method, base, "/v1/customers", query, content, headers)
    assert built.method == expected.method
    same(built.url, expected.url)
    assert built.headers.multi_items() == expected.headers.multi_items()  # names, values, order
    assert built.content == expected.content
    assert built.extensions == expected.extensions


def test_a_multipart_request_is_httpx_s_own() -> None:
    files = {"file": ("customers.csv", b"source_id\nc1\n", "text/csv")}
    built = RequestBuilder(BASES[0]).request(
        "POST", "/v1/customers/importCSV", None, None, files, dict(HEADERS), TIMEOUT
    )
    assert built.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert int(built.headers["Content-Length"]) == len(built.read())
    assert b"source_id\nc1\n" in built.content
