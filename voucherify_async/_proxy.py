"""Which HTTP proxy a request of the aiohttp transport goes through, decided as httpx decides it.

httpx routes its own transport's requests itself; the aiohttp transport asks `ProxyRoutes`:

- a `proxy=` given to the client carries every request, and the environment is not read;
- else `$HTTPS_PROXY` / `$HTTP_PROXY` / `$ALL_PROXY` (read once, when the client is built, by
  `urllib.request.getproxies` as httpx reads them), except for the hosts `$NO_PROXY` names
  (`urllib.request.proxy_bypass_environment`: `*`, exact hosts and domain suffixes).

A proxy URL may carry credentials (`http://user:pass@proxy:3128`); they leave the URL and become
a `Proxy-Authorization` header, so no error message or log line ever shows them.
"""

from __future__ import annotations

import base64
import urllib.request
from typing import Final

import attrs
import httpx

__all__ = ["ProxyRoute", "ProxyRoutes", "ProxySetting"]

ProxySetting = str | httpx.URL | httpx.Proxy
_SCHEMES: Final = ("http", "https")  # what aiohttp can talk to (no SOCKS)
_MAX_CACHED_ORIGINS: Final = 64


@attrs.frozen
class ProxyRoute:
    """One proxy: its URL (without credentials) and the headers it expects.

    Attributes:
        url: the proxy's URL, e.g. `http://proxy:3128`.
        headers: headers for the proxy (`Proxy-Authorization` from the URL's credentials).
    """

    url: str
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, setting: ProxySetting, *, source: str) -> ProxyRoute:
        """Read a `proxy=` value or an environment variable's value.

        Args:
            setting: the proxy URL (a scheme-less `host:port` means `http://`), or an
                `httpx.Proxy`.
            source: where it came from, for the error message (`"proxy"`, `"$HTTPS_PROXY"`).

        Raises:
            ValueError: for a scheme other than http and https (SOCKS needs `http_backend="httpx"`
                with `httpx[socks]`), or a URL that does not parse.
        """
        if isinstance(setting, str) and "://" not in setting:
            setting = f"http://{setting}"
        try:
            proxy = setting if isinstance(setting, httpx.Proxy) else httpx.Proxy(setting)
        except (ValueError, httpx.InvalidURL) as exc:
            raise ValueError(f"{source} is not an http(s) proxy URL: {exc}") from None
        if proxy.url.scheme not in _SCHEMES:
            raise ValueError(
                f"{source}: the aiohttp transport supports http:// and https:// proxies, not "
                f"{proxy.url.scheme}://; use http_backend='httpx' (with httpx[socks]) for SOCKS"
            )
        headers = list(proxy.headers.multi_items())
        if proxy.auth is not None:
            token = base64.b64encode(":".join(proxy.auth).encode()).decode("ascii")
            headers.append(("Proxy-Authorization", f"Basic {token}"))
        return cls(str(proxy.url), tuple(headers))


class ProxyRoutes:
    """The proxy (or none) of each request, from `proxy=` or the environment.

    Args:
        proxy: a proxy for every request; None to read the environment.
        trust_env: whether to read `$HTTP(S)_PROXY`, `$ALL_PROXY` and `$NO_PROXY` when `proxy` is
            None.

    Raises:
        ValueError: see `ProxyRoute.of`; an environment variable's error names it.
    """

    def __init__(self, proxy: ProxySetting | None = None, *, trust_env: bool = True) -> None:
        self._fixed = ProxyRoute.of(proxy, source="proxy") if proxy is not None else None
        self._by_scheme: dict[str, ProxyRoute] = {}
        self._environment: dict[str, str] = {}
        self._cache: dict[tuple[str, str, int | None], ProxyRoute | None] = {}
        if self._fixed is not None or not trust_env:
            return
        self._environment = urllib.request.getproxies()
        for scheme in ("http", "https", "all"):
            value = self._environment.get(scheme)
            if value:
                self._by_scheme[scheme] = ProxyRoute.of(value, source=f"${scheme.upper()}_PROXY")

    @property
    def active(self) -> bool:
        """Whether any request may go through a proxy (False: every request connects directly)."""
        return self._fixed is not None or bool(self._by_scheme)

    def route(self, url: httpx.URL) -> ProxyRoute | None:
        """The proxy for a request to `url`, or None to connect directly."""
        if self._fixed is not None:
            return self._fixed
        key = (url.scheme, url.host, url.port)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._by_scheme.get(url.scheme) or self._by_scheme.get("all")
        if found is not None and self._environment.get("no"):
            host = url.host if url.port is None else f"{url.host}:{url.port}"
            if urllib.request.proxy_bypass_environment(host, self._environment):  # type: ignore[attr-defined]
                found = None
        if len(self._cache) >= _MAX_CACHED_ORIGINS:
            self._cache.clear()
        self._cache[key] = found
        return found
