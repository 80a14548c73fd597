"""The stand-in server: Entra ID's token endpoint and F&O's DMF actions over HTTPS.

State machine per execution: after ImportFromPackage it answers "Execution details were not
found" for `not_found_polls` status polls, then `Unknown` for `unknown_polls`, then NotRun,
Executing for `executing_polls`, then its final status: Succeeded, PartiallySucceeded when
`failing_rows` fails some records, Failed when every record or the package fails. Progress is
counted in polls, never in time, so the tests assert outcomes, not durations.

Faults, one per call, taken in order from `faults[action]`: "429" (with Retry-After),
"500", "reset" (the connection is dropped before the call is handled), "reset_after" (the
call is handled, then the connection is dropped instead of answering), "expire" (every token
issued so far stops being accepted: 401).
"""

import json
import secrets
import socket
import ssl
import struct
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.fo_standin.azurite import Azurite
from tests.fo_standin.packages import EntityData, PackageRefusedError, read_package
from tests.fo_standin.tls import ServerTls

ACTIONS = "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities."
TENANT = "00000000-aaaa-bbbb-cccc-000000000001"
CLIENT_ID = "11111111-aaaa-bbbb-cccc-000000000002"
CLIENT_SECRET = "s3cr3t-" + "Xq9~vT" * 4  # what the tests grep every output for
FINAL = ("Succeeded", "PartiallySucceeded", "Failed", "Canceled")


@dataclass
class Execution:
    execution_id: str
    legal_entity: str
    definition_group: str
    entities: list[EntityData]
    failed: dict[str, int]
    errors: list[str]
    # The progress of this execution, copied from the Behaviour when it starts (a test may
    # change them afterwards, e.g. to let a slow job finish).
    not_found_polls: int = 0
    unknown_polls: int = 0
    executing_polls: int = 1
    status: str = "NotRun"
    polls: int = 0
    keys_asked: dict[str, int] = field(default_factory=dict)

    @property
    def final_status(self) -> str:
        total = sum(e.rows for e in self.entities)
        failed = sum(self.failed.values())
        if self.errors or (total and failed >= total):
            return "Failed"
        return "PartiallySucceeded" if failed else "Succeeded"


@dataclass
class Behaviour:
    faults: dict[str, list[str]] = field(default_factory=dict)
    retry_after: int = 1
    not_found_polls: int = 0
    unknown_polls: int = 0
    executing_polls: int = 1
    failing_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (LE, label)
    keys_file_not_ready: int = 1  # GetImportTargetErrorKeysFileUrl answers "" this often first
    blob_port: int | None = None  # hand out blob URLs on this port instead of Azurite's
    expired_error_files: bool = False  # error file URLs whose SAS has expired: 403


class StandIn:
    def __init__(self, tls: ServerTls, azurite: Azurite) -> None:
        self.azurite = azurite
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.executions: dict[str, Execution] = {}
        self.started: list[Execution] = []  # in ImportFromPackage order
        self.calls: list[str] = []
        self.in_flight_violations: list[str] = []
        self.valid_tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self.signatures: list[str] = []  # every SAS signature handed out
        service = azurite.service()
        for container in ("dmf", "errors"):
            if not service.get_container_client(container).exists():
                service.create_container(container)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert_file, tls.key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def reset(self, behaviour: Behaviour | None = None) -> None:
        with self.lock:
            self.behaviour = behaviour or Behaviour()
            self.executions.clear()
            self.started.clear()
            self.calls.clear()
            self.in_flight_violations.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def secrets_to_hide(self) -> list[str]:
        return [CLIENT_SECRET, *self.issued_tokens, *self.signatures]

    # --- Entra ID -------------------------------------------------------------------------
    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        base = f"{self.url}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "response_types_supported": ["code", "id_token", "token"],
        }

    def token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if tenant != TENANT:
            return 400, {
                "error": "invalid_tenant",
                "error_description": f"Tenant '{tenant}' not found.",
            }
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID:
            return 400, {
                "error": "unauthorized_client",
                "error_description": "Unknown application.",
            }
        if form.get("client_secret") != CLIENT_SECRET:
            return 401, {
                "error": "invalid_client",
                "error_description": "Invalid client secret provided.",
            }
        if form.get("scope") != f"{self.url}/.default":
            return 400, {
                "error": "invalid_scope",
                "error_description": f"Scope {form.get('scope')} is not valid.",
            }
        token = "eyJ0eXAi." + secrets.token_urlsafe(32)
        with self.lock:
            self.valid_tokens.add(token)
            self.issued_tokens.append(token)
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }

    # --- DMF actions ----------------------------------------------------------------------
    def action(self, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            return 404, {"error": {"code": "", "message": f"No action {name}"}}
        with self.lock:
            self.calls.append(name)
            return handler(body)  # type: ignore[no-any-return]

    def _GetAzureWriteUrl(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        blob = f"{uuid.uuid4()}/{body['uniqueFileName']}"
        url, signature = self.azurite.sas_url("dmf", blob, write=True)
        self.signatures.append(signature)
        if self.behaviour.blob_port:  # a blob store that cannot be reached
            url = url.replace(f":{self.azurite.port}/", f":{self.behaviour.blob_port}/")
        value = json.dumps({"BlobId": "{" + str(uuid.uuid4()).upper() + "}", "BlobUrl": url})
        return 200, {"value": value}

    def _ImportFromPackage(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution_id = body.get("executionId") or f"{body['definitionGroupId']}-{uuid.uuid4()}"
        if execution_id in self.executions:
            return 400, _error(f"Execution id {execution_id} already exists.")
        open_ones = [e.execution_id for e in self.executions.values() if e.status not in FINAL]
        if open_ones:
            self.in_flight_violations.append(f"{execution_id} started while {open_ones} ran")
        response = requests.get(body["packageUrl"], timeout=30)
        if response.status_code != 200:
            return 500, _error(f"Could not read the package: blob answered {response.status_code}")
        try:
            package = read_package(response.content)
        except PackageRefusedError as exc:
            return 400, _error(str(exc))  # "refused with a 400 or 500" (the reference)
        legal_entity = body["legalEntityId"]
        failed = {
            e.label: min(e.rows, self.behaviour.failing_rows.get((legal_entity, e.label), 0))
            for e in package.entities
        }
        b = self.behaviour
        execution = Execution(
            execution_id,
            legal_entity,
            body["definitionGroupId"],
            package.entities,
            failed,
            package.errors,
            b.not_found_polls,
            b.unknown_polls,
            b.executing_polls,
        )
        self.executions[execution_id] = execution
        self.started.append(execution)
        return 200, {"value": execution_id}

    def _GetExecutionSummaryStatus(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution = self.executions.get(body["executionId"])
        if execution is None:
            return 500, _not_found(body["executionId"])
        execution.polls += 1
        b = execution
        step = execution.polls
        if step <= b.not_found_polls:
            return 500, _not_found(execution.execution_id)
        step -= b.not_found_polls
        if step <= b.unknown_polls:
            return 200, {"value": "Unknown"}
        step -= b.unknown_polls
        if step == 1:
            execution.status = "NotRun"
        elif step <= 1 + b.executing_polls:
            execution.status = "Executing"
        else:
            execution.status = execution.final_status
        return 200, {"value": execution.status}

    def _GetExecutionErrors(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution = self.executions[body["executionId"]]
        messages = [*execution.errors]
        messages += [
            f"{label}: {count} records failed validation"
            for label, count in execution.failed.items()
            if count
        ]
        return 200, {"value": json.dumps(messages)}

    def _entity(self, body: dict[str, Any]) -> tuple[Execution, EntityData | None]:
        execution = self.executions[body["executionId"]]
        match = [e for e in execution.entities if e.label == body["entityName"]]
        return execution, match[0] if match else None

    def _split(self, execution: Execution, entity: EntityData) -> tuple[list[str], list[str]]:
        """The failing keys: the first half fail in staging, the rest in the target."""
        keys = entity.keys[: execution.failed.get(entity.label, 0)]
        half = (len(keys) + 1) // 2
        return keys[:half], keys[half:]

    def _GetImportStagingErrorFileUrl(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution, entity = self._entity(body)
        if entity is None or not self._split(execution, entity)[0]:
            return 200, {"value": ""}
        staging = self._split(execution, entity)[0]
        text = "CUSTOMERACCOUNT,ERROR\r\n" + "".join(
            f"{k},Field value is not valid\r\n" for k in staging
        )
        return 200, {
            "value": self._error_file(
                execution, f"{entity.label} staging.csv", b"\xff\xfe" + text.encode("utf-16-le")
            )
        }

    def _GenerateImportTargetErrorKeysFile(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution, entity = self._entity(body)
        return 200, {"value": bool(entity and self._split(execution, entity)[1])}

    def _GetImportTargetErrorKeysFileUrl(self, body: dict[str, Any]) -> tuple[int, Any]:  # noqa: N802
        execution, entity = self._entity(body)
        if entity is None:
            return 200, {"value": ""}
        asked = execution.keys_asked.get(entity.label, 0) + 1
        execution.keys_asked[entity.label] = asked
        target = self._split(execution, entity)[1]
        if not target or asked <= self.behaviour.keys_file_not_ready:
            return 200, {"value": ""}
        text = "CUSTOMERACCOUNT\r\n" + "".join(f"{k}\r\n" for k in target)
        return 200, {
            "value": self._error_file(execution, f"{entity.label} keys.csv", text.encode())
        }

    def _error_file(self, execution: Execution, name: str, data: bytes) -> str:
        blob = f"{execution.execution_id}/{name}"
        self.azurite.service().get_blob_client("errors", blob).upload_blob(data, overwrite=True)
        expired = self.behaviour.expired_error_files
        url, signature = self.azurite.sas_url("errors", blob, write=False, expired=expired)
        self.signatures.append(signature)
        return url

    def take_fault(self, action: str) -> str | None:
        with self.lock:
            queue = self.behaviour.faults.get(action)
            return queue.pop(0) if queue else None

    def authorised(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        with self.lock:
            return token in self.valid_tokens

    def expire_tokens(self) -> None:
        with self.lock:
            self.valid_tokens.clear()


def _error(message: str) -> dict[str, Any]:
    return {"error": {"code": "", "message": message}}


def _not_found(execution_id: str) -> dict[str, Any]:
    return _error(f"Execution details were not found for execution id {execution_id}.")


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; odata.metadata=minimal")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer back by tens of milliseconds.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _reset(self) -> None:
            # An abortive close (RST), as a dropped connection looks to the client.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            parts = urlsplit(self.path).path.strip("/").split("/")
            if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                self._send(200, standin.openid_configuration(parts[0]))
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            parts = path.strip("/").split("/")
            if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                self._send(*standin.token(parts[0], form))
                return
            if not path.startswith(ACTIONS):
                self._send(404, _error(f"No resource {path}"))
                return
            action = path.removeprefix(ACTIONS)
            fault = standin.take_fault(action)
            if fault == "expire":
                standin.expire_tokens()
            if not standin.authorised(self.headers.get("Authorization", "")):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "429":
                self._send(
                    429,
                    _error("Too many requests"),
                    {"Retry-After": str(standin.behaviour.retry_after)},
                )
            elif fault == "500":
                self._send(500, _error("An unexpected error occurred."))
            elif fault == "reset":
                self._reset()
            else:
                status, payload = standin.action(action, json.loads(body or b"{}"))
                if fault == "reset_after":
                    self._reset()
                else:
                    self._send(status, payload)

    return Handler
