"""HAR files as the tools people use write them, for `reconcile`'s tests: Chrome's
DevTools (its `_initiator`, `_resourceType`, cookies and headers, `_error` on a request an
ad blocker stopped), Firefox's (times with an offset, a decoded `queryString`, no
`_error`), and a proxy's export (Charles or mitmproxy: a `creator`, error bodies in
base64). Every request carries what a real one does: a Cookie header, and for the Event
API an `Authorization` header with the Event API key, which must never leave the file.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

API = "https://api.getblueshift.com"
SITE_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # the pixel's `x`: a key, never shown
EVENT_API_KEY = "har-event-key-7c1d9e2f4a6b8c0d"
COOKIE_HEADER = "_bs=c-visitor-1; session=s3cr3t-session-cookie-value"
Z = "8c9d7e6f"  # the pixel's cache-buster


def iso(moment: float, offset_hours: int = 0) -> str:
    zone = timezone(timedelta(hours=offset_hours))
    text = datetime.fromtimestamp(moment, tz=zone).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if offset_hours == 0 else text


def pixel_url(moment: float, event: str, cookie: str = "c-visitor-1", **params: str) -> str:
    query = {"x": SITE_KEY, "t": str(int(moment)), "e": event, "k": cookie}
    query.update({"u": "https://shop.example.com/p/1", "r": ""})
    query.update(params)
    query["z"] = Z
    return f"{API}/unity.gif?" + urlencode(query, quote_via=quote)


def chrome_pixel(moment: float, event: str, *, blocked: bool = False, **params: str) -> Any:
    """A pixel request as Chrome's DevTools saves it; `blocked`: stopped by an ad blocker."""
    url = pixel_url(moment, event, **params)
    entry: dict[str, Any] = {
        "_initiator": {"type": "script", "url": "https://shop.example.com/bs.js"},
        "_priority": "Low",
        "_resourceType": "image",
        "cache": {},
        "connection": "443",
        "pageref": "page_1",
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "http/2.0",
            "headers": [
                {"name": ":authority", "value": "api.getblueshift.com"},
                {"name": "cookie", "value": COOKIE_HEADER},
            ],
            "queryString": [],  # Chrome lists them too; the URL is what is read
            "cookies": [{"name": "_bs", "value": "c-visitor-1"}],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [{"name": "content-type", "value": "image/gif"}],
            "cookies": [],
            "content": {"size": 43, "mimeType": "image/gif"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 180,
            "_error": None,
        },
        "serverIPAddress": "52.0.0.1",
        "startedDateTime": iso(moment),
        "time": 41.3,
        "timings": {"blocked": 1, "dns": -1, "send": 0.1, "wait": 40, "receive": 0.2},
    }
    if blocked:
        entry["response"].update(status=0, httpVersion="", headers=[], _transferSize=0)
        entry["response"]["_error"] = "net::ERR_BLOCKED_BY_CLIENT"
        entry["response"]["content"] = {"size": 0, "mimeType": "x-unknown"}
        entry["time"] = 0.9
    return entry


def chrome_post(
    moment: float, body: Any, *, path: str = "/api/v1/event", status: int = 200, answer: Any = None
) -> Any:
    """An Event API (or bulkevents) POST as Chrome saves it, with its Authorization header."""
    text = body if isinstance(body, str) else json.dumps(body)
    credential = base64.b64encode(f"{EVENT_API_KEY}:".encode()).decode()
    reply = answer if answer is not None else {"status": "ok"}
    return {
        "_resourceType": "fetch",
        "request": {
            "method": "POST",
            "url": API + path,
            "httpVersion": "http/2.0",
            "headers": [
                {"name": "authorization", "value": f"Basic {credential}"},
                {"name": "content-type", "value": "application/json"},
                {"name": "cookie", "value": COOKIE_HEADER},
            ],
            "queryString": [],
            "cookies": [],
            "postData": {"mimeType": "application/json", "text": text},
        },
        "response": {
            "status": status,
            "statusText": "",
            "headers": [],
            "content": {"size": 20, "mimeType": "application/json", "text": json.dumps(reply)},
        },
        "startedDateTime": iso(moment),
        "time": 120.0,
    }


def firefox_pixel(moment: float, event: str, **params: str) -> Any:
    """A pixel request as Firefox saves it: a local time with its offset, the query
    decoded into queryString, no Chrome-only fields."""
    url = pixel_url(moment, event, **params)
    decoded = [{"name": k, "value": v} for k, v in {"x": SITE_KEY, "e": event, **params}.items()]
    return {
        "pageref": "page_1",
        "startedDateTime": iso(moment, offset_hours=1),
        "request": {
            "bodySize": 0,
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/2",
            "headers": [{"name": "Cookie", "value": COOKIE_HEADER}],
            "cookies": [{"name": "_bs", "value": "c-visitor-1"}],
            "queryString": decoded,
            "headersSize": 412,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/2",
            "headers": [],
            "cookies": [],
            "content": {"mimeType": "image/gif", "size": 43, "encoding": "base64", "text": ""},
            "redirectURL": "",
            "headersSize": 300,
            "bodySize": 43,
        },
        "cache": {},
        "timings": {"blocked": 0, "dns": 0, "connect": 0, "send": 0, "wait": 30, "receive": 0},
        "time": 30,
    }


def proxy_post(moment: float, body: Any, *, path: str, status: int, answer: Any) -> Any:
    """A POST as a proxy (Charles, mitmproxy) exports it: `+00:00` times, and the
    answer's body in base64."""
    entry = chrome_post(moment, body, path=path, status=status)
    entry.pop("_resourceType")
    entry["startedDateTime"] = iso(moment).replace("Z", "+00:00")
    encoded = base64.b64encode(json.dumps(answer).encode()).decode()
    entry["response"]["content"] = {"size": 40, "mimeType": "application/json"}
    entry["response"]["content"].update(text=encoded, encoding="base64")
    return entry


def other_site(moment: float) -> Any:
    """Traffic a HAR holds besides Blueshift's: another host, its own secrets."""
    return {
        "request": {
            "method": "POST",
            "url": "https://payments.example.net/charge?token=tok_live_secret",
            "headers": [{"name": "Authorization", "value": "Bearer other-site-secret"}],
            "postData": {"mimeType": "application/json", "text": '{"card": "4242"}'},
        },
        "response": {"status": 200, "content": {"size": 2, "text": "{}"}},
        "startedDateTime": iso(moment),
        "time": 10,
    }


def write_har(path: Path, entries: list[Any], creator: str = "WebInspector") -> Path:
    har = {"log": {"version": "1.2", "creator": {"name": creator, "version": "537.36"}}}
    har["log"]["pages"] = [{"id": "page_1", "title": "https://shop.example.com/"}]
    har["log"]["entries"] = entries
    path.write_text(json.dumps(har, indent=1), "utf-8")
    return path


def arrived(moment: float, event: str, uuid: str, **fields: Any) -> dict[str, Any]:
    """An event as show_events returns it, `moment` being the time it carries."""
    from tests.conftest import CUSTOMER

    found: dict[str, Any] = {
        "_bsft_doc_type": "events",
        "event": event,
        "event_uuid": uuid,
        "user_uuid": CUSTOMER,
        "timestamp": iso(moment),
    }
    found.update(fields)
    return found
