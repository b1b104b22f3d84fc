"""Canonical article URLs: one spelling per article, so the same story seen via two feeds dedupes.

Feeds link the same article with different tracking parameters, fragments, default ports and
host case; we strip what never selects content and keep everything else byte for byte (path
case and the order and encoding of the remaining query parameters matter to some servers).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote_plus, urljoin, urlsplit, urlunsplit

# Query parameters that only identify a campaign, a click or a referrer, never the content.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp",
    "hsctatracking", "mkt_tok", "ref", "ref_src", "ref_url", "cmpid", "ocid", "spm", "_ga", "_gl",
    "s_cid", "xtor", "at_medium", "at_campaign", "ncid", "smid", "sr_share", "soc_src", "soc_trk",
    "guccounter", "guce_referrer", "guce_referrer_sig", "__twitter_impression", "wt.mc_id",
})
TRACKING_PREFIXES = ("utm_", "itm_", "pk_", "mtm_", "hsa_")

HTTP_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Browsers drop these anywhere in a URL (WHATWG URL spec); feeds often wrap long links.
_URL_JUNK = re.compile(r"[\t\n\r]")
_BAD_HOST_CHARS = re.compile(r"[\x00-\x20\x7f%<>\"{}|\\^`@/?#\[\]]")
_MAX_URL_CHARS = 4_096
# Whitespace (str.isspace: re's \s is the same test), C0 controls and DEL: never in a usable link.
_UNUSABLE_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.split("=", 1)[0]).strip().lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    return "&".join(part for part in query.split("&") if part and not _is_tracking(part))


def _netloc(parts: SplitResult, scheme: str) -> str | None:
    """Host[:port] without credentials, default port or trailing dot; None when unparsable."""
    host = parts.hostname  # lower-cased by urllib; None for "http:///x"
    if not host:
        return None
    host = host.rstrip(".")
    if not host or _BAD_HOST_CHARS.search(host):
        return None
    if ":" in host:  # IPv6 literal: urllib strips the brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        return f"{host}:{port}"
    return host


def canonical_url(url: str, base: str | None = None) -> str:
    """Resolve `url` against `base` and normalise it; never raises.

    Lower-cases scheme and host, drops credentials, default ports, the fragment and tracking
    parameters. Non-http(s) or unparsable URLs are returned resolved but otherwise untouched,
    so callers decide what to do with them (see `http_url`).
    """
    raw = _URL_JUNK.sub("", url or "").strip().replace(" ", "%20")
    try:
        if base:
            raw = urljoin(_URL_JUNK.sub("", base).strip(), raw)
        parts = urlsplit(raw)
    except ValueError:  # e.g. "http://[::1" (unbalanced IPv6 bracket)
        return raw
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES:
        return raw
    netloc = _netloc(parts, scheme)
    if netloc is None:
        return raw
    return urlunsplit((scheme, netloc, parts.path or "/", _clean_query(parts.query), ""))


def http_url(url: str | None, base: str | None = None) -> str | None:
    """The canonical URL if it is a usable http(s) link, else None (javascript:, data:, junk)."""
    if not url or not url.strip():
        return None
    canon = canonical_url(url, base)
    if len(canon) > _MAX_URL_CHARS or _UNUSABLE_CHAR.search(canon):
        return None
    try:
        parts = urlsplit(canon)
    except ValueError:
        return None
    if parts.scheme not in HTTP_SCHEMES or _netloc(parts, parts.scheme) is None:
        return None
    return canon
