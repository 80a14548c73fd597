"""HTTP for the import: HTTPS only (plain HTTP to loopback), bounded time and attempts.

Every call has a connect and a read timeout and at most ATTEMPTS tries. Retried: 429 (after
its Retry-After), 5xx and dropped or timed-out connections (with exponential backoff and
jitter). Anything shown to a person passes through `redact`: SAS signatures live in query
strings, so no URL is ever shown with its query.
"""

import http.client
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from loader.errors import LoaderError
from loader.fo_import.errors import NotFoundYetError, UnreachableError

ATTEMPTS = 6
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After is waited this long, then asked again
TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
RETRY_STATUSES = {429, 500, 502, 503, 504}
NOT_FOUND_YET = "execution details were not found"
_backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)
_QUERY = re.compile(r"\?[^\s'\"<>]*")
_SIGNATURE = re.compile(r"(?i)sig=[^&\s'\"<>]+")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """TEXT without query strings (SAS signatures) or bearer tokens."""
    text = _SIGNATURE.sub("sig=...", _QUERY.sub("?...", text))
    return _BEARER.sub("Bearer ...", text)


def safe_url(url: str, what: str) -> str:
    """URL if it may be called: https, or http to a loopback address; no user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise LoaderError(f"{what} must not carry a user name or password: {redact(url)}")
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _is_loopback(host):
        return url
    raise LoaderError(
        f"{what} {redact(url)} is not https: only a loopback address may use plain http"
    )


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_session() -> requests.Session:
    """A session trusting what the ordinary clients trust: REQUESTS_CA_BUNDLE (read by requests
    itself), else SSL_CERT_FILE, else the bundled certificates."""
    session = requests.Session()
    ca_file = os.environ.get("SSL_CERT_FILE")
    if ca_file:
        session.verify = ca_file
    return session


class _RetryableError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _wait(state: RetryCallState) -> float:
    outcome = state.outcome
    error = outcome.exception() if outcome else None
    if isinstance(error, _RetryableError) and error.retry_after is not None:
        return min(error.retry_after, MAX_RETRY_AFTER)
    return float(_backoff(state))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date or nothing: back off as for any other fault


def error_message(response: requests.Response) -> str:
    """The message of an OData error answer (or the start of the body), one line, redacted."""
    try:
        body: Any = response.json()
        message = str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text[:300]
    return redact(" ".join(message.split()))[:300]


def call(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: bytes | None = None,
    timeout: tuple[float, float] = TIMEOUT,
    stream: bool = False,
    lost: Callable[[], None] | None = None,
) -> requests.Response:
    """One HTTP call with bounded retries. Returns any answer that is not retried (2xx, 4xx but
    429); raises NotFoundYetError for F&O's "execution details were not found", UnreachableError
    when the attempts run out. LOST hears each attempt the server may have carried out though
    its answer was lost: no answer in time, a connection dropped once open, a 5xx (not a
    connection refused or a 429, which carry nothing out)."""

    def maybe_carried_out() -> None:
        if lost is not None:
            lost()

    def attempt() -> requests.Response:
        try:
            response = session.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json,
                data=data,
                timeout=timeout,
                stream=stream,
            )
        except requests.ConnectTimeout as exc:  # never sent
            raise _RetryableError(f"no connection within {timeout[0]:g} s") from exc
        except requests.Timeout as exc:
            maybe_carried_out()
            raise _RetryableError(f"no answer within {timeout[1]:g} s") from exc
        except requests.ConnectionError as exc:
            problem = connection_problem(exc)
            if problem != "refused":
                maybe_carried_out()
            raise _RetryableError(f"connection failed ({problem})") from exc
        if response.status_code not in RETRY_STATUSES:
            return response
        message = error_message(response)
        if response.status_code >= 500 and NOT_FOUND_YET in message.lower():
            raise NotFoundYetError(message)
        if response.status_code >= 500:
            maybe_carried_out()
        raise _RetryableError(f"HTTP {response.status_code} {message}", _retry_after(response))

    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=_wait,
        retry=retry_if_exception_type(_RetryableError),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _RetryableError as exc:
        raise UnreachableError(
            f"{what} ({redact(without_query(url))}): {exc.reason}, {ATTEMPTS} attempts"
        ) from None


def connection_problem(exc: requests.ConnectionError) -> str:
    """Why a connection failed (refused, reset, TLS), never with its URL."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed: if the server's CA is private, set SSL_CERT_FILE or REQUESTS_CA_BUNDLE"
    pending: list[object] = [exc]
    seen = 0
    while pending and seen < 20:
        seen += 1
        inner = pending.pop(0)
        for kind, text in _REASONS:
            if isinstance(inner, kind):
                return text
        if isinstance(inner, BaseException):
            pending.extend([*inner.args, getattr(inner, "reason", None), inner.__cause__])
    return "connection dropped"


_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "refused"),
    (ConnectionResetError, "reset by the server"),
    (http.client.RemoteDisconnected, "closed without an answer"),
    (ConnectionAbortedError, "aborted"),
)
