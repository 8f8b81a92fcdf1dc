"""Voucher codes sealed under the service's customer-managed KMS key (issue 24).

A voucher code is a bearer credential: whoever reads it can spend it. It is encrypted before it is written,
so the table, its stream, its backups and every role with table-wide read hold only ciphertext. The key's
policy lets only the reward granting encrypt and only the seller's reward read decrypt. The encryption
context binds each ciphertext to its seller, mission and reward: copied onto another registration, it does
not open.
"""

from __future__ import annotations

import base64
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..ports import StorageBusy
from .dynamo import CLIENT_CONFIG

SEALED = "kms:"  # what a sealed code starts with; a code never does (its alphabet has no lower case)
# What KMS answers when trying again later may succeed; anything else (a denied key, a ciphertext that is not
# this reward's) is a fault of ours to be seen, not waited out.
_TRANSIENT = {"ThrottlingException", "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException"}


def _transient(error: ClientError | BotoCoreError) -> bool:
    return isinstance(error, BotoCoreError) or error.response.get("Error", {}).get("Code") in _TRANSIENT


class KmsVoucherSeal:
    def __init__(self, key_id: str, client: Any = None) -> None:
        self._key_id = key_id
        self._kms = client or boto3.client("kms", config=CLIENT_CONFIG)

    def seal(self, code: str, context: dict[str, str]) -> str:
        answer = self._call("encrypt", Plaintext=code.encode(), EncryptionContext=context)
        return SEALED + base64.b64encode(answer["CiphertextBlob"]).decode()

    def open(self, sealed: str, context: dict[str, str]) -> str:
        if not sealed.startswith(SEALED):
            raise ValueError("not a sealed voucher code")
        blob = base64.b64decode(sealed.removeprefix(SEALED))
        return bytes(self._call("decrypt", CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]).decode()

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        """What KMS may answer later is StorageBusy: a grant runs again, a seller's read answers 503."""
        try:
            return dict(getattr(self._kms, operation)(KeyId=self._key_id, **request))
        except (ClientError, BotoCoreError) as error:
            if _transient(error):
                raise StorageBusy(f"KMS: {error}") from error
            raise
