"""Every column holding a ``KeyRing`` ciphertext, and the associated data binding it to its row.

Rotation re-encrypts exactly these; a new encrypted column must be added here (the rotation
test decrypts each of them through the API with the new key alone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import InstrumentedAttribute

from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.accounts.oauth_models import OAuthState
from lowtato.accounts.service import subaccount_token_aad, token_aad
from lowtato.marketplace.inventory import credentials_aad
from lowtato.marketplace.models import MarketplaceItem
from lowtato.webhooks.models import Webhook
from lowtato.webhooks.service import secret_aad


@dataclass(frozen=True)
class EncryptedColumn:
    name: str
    id: InstrumentedAttribute[str]
    value: InstrumentedAttribute[str | None] | InstrumentedAttribute[str]
    aad: Callable[[str], str]


def _oauth_verifier_aad(state_id: str) -> str:
    # The associated data lowtato.accounts.oauth binds a PKCE code verifier to its state row.
    return f"oauth_states:{state_id}"


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn(
        "social_accounts.access_token",
        SocialAccount.id,
        SocialAccount.access_token_enc,
        lambda row: token_aad(row, "access_token"),
    ),
    EncryptedColumn(
        "social_accounts.refresh_token",
        SocialAccount.id,
        SocialAccount.refresh_token_enc,
        lambda row: token_aad(row, "refresh_token"),
    ),
    EncryptedColumn(
        "subaccounts.access_token", SubAccount.id, SubAccount.access_token_enc, subaccount_token_aad
    ),
    EncryptedColumn(
        "webhooks.secret", Webhook.id, Webhook.secret_enc, lambda row: secret_aad(row, "secret")
    ),
    # The secret a rotate-secret replaced, still signing during the overlap.
    EncryptedColumn(
        "webhooks.previous_secret",
        Webhook.id,
        Webhook.previous_secret_enc,
        lambda row: secret_aad(row, "previous_secret"),
    ),
    EncryptedColumn(
        "oauth_states.code_verifier",
        OAuthState.id,
        OAuthState.code_verifier_enc,
        _oauth_verifier_aad,
    ),
    EncryptedColumn(
        "marketplace_items.credentials",
        MarketplaceItem.id,
        MarketplaceItem.credentials_enc,
        credentials_aad,
    ),
)
