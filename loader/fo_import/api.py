"""The DMF package actions of F&O, as documented in "Data management package REST API"."""

import json
from dataclasses import dataclass
from typing import Any

import requests

from loader.errors import LoaderError
from loader.fo_import import transport
from loader.fo_import.auth import TokenSource
from loader.fo_import.errors import RepeatedCallRefusedError

ACTIONS = "/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities."
FINAL = ("Succeeded", "PartiallySucceeded", "Failed", "Canceled")


@dataclass(frozen=True)
class WriteUrl:
    blob_id: str
    url: str  # holds a SAS signature: never shown, logged or stored


class DmfClient:
    def __init__(self, environment: str, session: requests.Session, tokens: TokenSource) -> None:
        self.environment = environment
        self._session = session
        self._tokens = tokens

    def _post(self, action: str, body: dict[str, Any], *, repeatable: bool = True) -> Any:
        """The action's `value`. An action that is not REPEATABLE, refused after an attempt
        F&O may have carried out (its answer lost), raises RepeatedCallRefusedError: the
        refusal may be of the repeat."""
        url = f"{self.environment}{ACTIONS}{action}"
        maybe_done = False

        def lost() -> None:
            nonlocal maybe_done
            maybe_done = True

        for renewed in (False, True):
            response = transport.call(
                self._session,
                "POST",
                url,
                what=action,
                json=body,
                headers={"Authorization": f"Bearer {self._tokens.token()}"},
                lost=lost,
            )
            if response.status_code == 401 and not renewed:
                self._tokens.renew()  # the token expired or was revoked: one new token
                continue
            break
        if response.status_code == 401:
            raise LoaderError(
                f"{action}: F&O refused a new token too (401): register the application in "
                "F&O (System administration > Setup > Microsoft Entra ID applications)"
            )
        if response.status_code == 403:
            raise LoaderError(
                f"{action}: F&O forbids it (403): the application's F&O user needs a data "
                "management role (docs/import.md)"
            )
        if not response.ok:
            refused = (
                f"{action}: F&O answered HTTP {response.status_code}: "
                f"{transport.error_message(response)}"
            )
            if not repeatable and maybe_done:
                raise RepeatedCallRefusedError(refused)
            raise LoaderError(refused)
        try:
            return response.json()["value"]
        except (ValueError, KeyError, TypeError):
            raise LoaderError(f"{action}: F&O's answer has no 'value'") from None

    def azure_write_url(self, unique_name: str) -> WriteUrl:
        value = self._post("GetAzureWriteUrl", {"uniqueFileName": unique_name})
        try:
            parsed = json.loads(value)  # the value is itself a JSON document, as a string
            return WriteUrl(blob_id=str(parsed["BlobId"]), url=str(parsed["BlobUrl"]))
        except (TypeError, ValueError, KeyError):
            raise LoaderError("GetAzureWriteUrl: the answer holds no BlobId and BlobUrl") from None

    def import_from_package(
        self, package_url: str, definition_group: str, execution_id: str, legal_entity: str
    ) -> str:
        value = self._post(
            "ImportFromPackage",
            {
                "packageUrl": package_url,
                "definitionGroupId": definition_group,
                "executionId": execution_id,
                "execute": True,
                "overwrite": True,
                "legalEntityId": legal_entity,
            },
            repeatable=False,  # a repeat of a start that got through is refused
        )
        return str(value)

    def status(self, execution_id: str) -> str:
        """The execution's summary status; raises NotFoundYetError while F&O has no record of it."""
        return str(self._post("GetExecutionSummaryStatus", {"executionId": execution_id}))

    def execution_errors(self, execution_id: str) -> Any:
        return self._post("GetExecutionErrors", {"executionId": execution_id})

    def staging_error_file_url(self, execution_id: str, entity: str) -> str:
        body = {"executionId": execution_id, "entityName": entity}
        return str(self._post("GetImportStagingErrorFileUrl", body) or "")

    def generate_target_error_keys(self, execution_id: str, entity: str) -> bool:
        body = {"executionId": execution_id, "entityName": entity}
        return bool(self._post("GenerateImportTargetErrorKeysFile", body))

    def target_error_keys_url(self, execution_id: str, entity: str) -> str:
        body = {"executionId": execution_id, "entityName": entity}
        return str(self._post("GetImportTargetErrorKeysFileUrl", body) or "")
