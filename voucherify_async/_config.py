"""Settings read from arguments or the environment: credentials and the API root.

An explicit argument always wins over the environment. `base_url` and `cluster` name the same
thing (the API root), so giving both is an error, whether as arguments or as the environment
variables `VOUCHERIFY_BASE_URL` and `VOUCHERIFY_CLUSTER`; an argument of either kind makes both
variables irrelevant.
"""

from __future__ import annotations

import os
from typing import Final

import httpx

__all__ = ["DEFAULT_BASE_URL", "resolve_base_url", "setting"]

DEFAULT_BASE_URL: Final = "https://api.voucherify.io"

BASE_URL_ENV: Final = "VOUCHERIFY_BASE_URL"
CLUSTER_ENV: Final = "VOUCHERIFY_CLUSTER"


def setting(value: str | None, env: str) -> str | None:
    """`value` if given, else the environment variable `env` (an empty one counts as unset)."""
    if value is not None:
        return value
    return os.environ.get(env) or None


def resolve_base_url(base_url: str | None, cluster: str | None) -> str:
    """The API root, without a trailing slash, from the arguments or else the environment.

    Raises:
        ValueError: both `base_url` and `cluster` (or both environment variables) are set, or
            the one given is malformed; the message names where the value came from.
    """
    base_url = base_url or None  # an empty base_url is no choice, as an empty variable is none
    if base_url is not None and cluster is not None:
        raise ValueError("pass base_url or cluster, not both")
    if base_url is None and cluster is None:
        base_url = os.environ.get(BASE_URL_ENV) or None
        cluster = os.environ.get(CLUSTER_ENV) or None
        if base_url is not None and cluster is not None:
            raise ValueError(
                f"set {BASE_URL_ENV} or {CLUSTER_ENV}, not both "
                f"({BASE_URL_ENV}={base_url!r}, {CLUSTER_ENV}={cluster!r})"
            )
        base_name, cluster_name = BASE_URL_ENV, CLUSTER_ENV
    else:
        base_name, cluster_name = "base_url", "cluster"
    if cluster is not None:
        if not cluster or not cluster.replace("-", "").isalnum():
            raise ValueError(f"{cluster_name} must be a region name such as 'us1', got {cluster!r}")
        return f"https://{cluster}.api.voucherify.io"
    url = base_url or DEFAULT_BASE_URL
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"{base_name} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")
