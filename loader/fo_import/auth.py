"""Entra ID tokens for F&O: client credentials from the environment, through msal.

The variables are the ones Azure's own SDKs read: AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET and, for sovereign or private clouds, AZURE_AUTHORITY_HOST. The secret is
never taken from the command line (it would land in shell history and process lists).
"""

import os
from dataclasses import dataclass, field

import msal
import requests

from loader.errors import CannotRunError, UsageError
from loader.fo_import.errors import UnreachableError
from loader.fo_import.transport import TIMEOUT, connection_problem, redact, safe_url

PUBLIC_CLOUD = "https://login.microsoftonline.com"
VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")


@dataclass(frozen=True)
class Credentials:
    tenant: str
    client_id: str
    secret: str = field(repr=False)


def credentials_from_env() -> Credentials:
    missing = [name for name in VARIABLES if not os.environ.get(name, "").strip()]
    if missing:
        raise UsageError(
            f"{', '.join(missing)} not set: set the Entra ID application's tenant, client id "
            "and secret in the environment (docs/import.md)"
        )
    tenant, client_id, secret = (os.environ[name].strip() for name in VARIABLES)
    return Credentials(tenant=tenant, client_id=client_id, secret=secret)


def authority_host() -> tuple[str, bool]:
    """The authority host, and whether the user chose it (AZURE_AUTHORITY_HOST)."""
    configured = os.environ.get("AZURE_AUTHORITY_HOST", "").strip().rstrip("/")
    if not configured:
        return PUBLIC_CLOUD, False
    if "://" not in configured:
        configured = f"https://{configured}"  # as Azure's SDKs accept a bare host name
    if not configured.startswith("https://"):
        raise UsageError(f"AZURE_AUTHORITY_HOST {configured} must be https")
    return safe_url(configured, "AZURE_AUTHORITY_HOST"), True


class TokenSource:
    """Bearer tokens for one environment, cached by msal until they expire."""

    def __init__(self, environment: str, session: requests.Session) -> None:
        credentials = credentials_from_env()
        host, chosen = authority_host()
        self._scopes = [f"{environment}/.default"]
        self._client_id = credentials.client_id
        try:
            self._app = msal.ConfidentialClientApplication(
                credentials.client_id,
                client_credential=credentials.secret,
                authority=f"{host}/{credentials.tenant}",
                http_client=session,
                timeout=TIMEOUT,
                # An authority host the user named is trusted as named; msal's instance
                # discovery would ask the public cloud about it (and fail for private clouds).
                instance_discovery=False if chosen else None,
            )
        except requests.ConnectionError as exc:
            raise UnreachableError(
                f"cannot reach the token authority {host}: {connection_problem(exc)}"
            ) from None
        except requests.RequestException as exc:
            raise UnreachableError(
                f"cannot reach the token authority {host}: {type(exc).__name__}"
            ) from None
        except ValueError as exc:
            raise CannotRunError(
                f"the token authority {host} refused: {redact(str(exc))}"
            ) from None

    def token(self) -> str:
        try:
            result = self._app.acquire_token_for_client(scopes=self._scopes)
        except requests.ConnectionError as exc:
            problem = connection_problem(exc)
            raise UnreachableError(f"cannot reach the token authority: {problem}") from None
        except requests.RequestException as exc:
            problem = type(exc).__name__
            raise UnreachableError(f"cannot reach the token authority: {problem}") from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            error = result.get("error", "no token") if isinstance(result, dict) else "no token"
            detail = str(result.get("error_description", "")).splitlines()[0:1]
            # The tenant refused the credentials: nothing was judged, fix them and run again.
            raise CannotRunError(
                f"Entra ID gave no token to application {self._client_id} for "
                f"{self._scopes[0]}: {error}{': ' + redact(detail[0]) if detail else ''}"
            )
        return str(token)

    def renew(self) -> None:
        """Forget the cached token: F&O answered 401, so the next call gets a new one."""
        self._app.remove_tokens_for_client()
