"""The paymentService token operations as whole requests on an Env: paymentTokenCreate,
paymentTokenInquiry (with detokenisation and Account Updater), shopperTokenRetrieval,
paymentTokenUpdate, paymentTokenDelete (seed 003; wpg.md §4.1, §4.4-4.8). The adapter parses
and renders; fixtures and the control plane call the same functions."""

from __future__ import annotations

from dataclasses import dataclass

from ..cards import CardProfile
from ..tokens import Outcome, Token
from . import account_updater
from . import tokens as wpg_tokens
from .detokenise import DEFAULT_PADDING, InvalidKey, encrypt_pan, key_from_parts
from .env import Env
from .errors import WpgError
from .requests import CreateToken
from .tokens import Card

NO_KEY = ("Detokenisation is not enabled for this merchant: no RSA public key is registered "
          "(PUT /_sandbox/tenants/{tenant}/keys)")


def create_token(env: Env, shopper: str | None, card: Card, ct: CreateToken) -> tuple[Outcome, Token, CardProfile]:
    """paymentTokenCreate: a token without a payment."""
    spec = wpg_tokens.CreateRequest(ct.scope, shopper if ct.scope == "shopper" else None, card, ct.reference,
                                    ct.reason, ct.expires_at, None)
    profile = env.check_card(card.pan, card.expiry_month, card.expiry_year)
    outcome, token = wpg_tokens.create(env.store, env.tid, spec, mode=env.core.mode, new_id=env.new_token_id)
    return outcome, token, profile


@dataclass(slots=True)
class Inquiry:
    token: Token
    refusal: str | None = None  # Account Updater: closed account / cancelled recurring (code 7)
    encrypted_pan: str | None = None


def inquire(env: Env, scope: str, shopper: str | None, token_id: str, *, detokenise: bool = False,
            mark_used: bool = False, inline_key: tuple[str, str] | None = None) -> Inquiry:
    """paymentTokenInquiry; `inline_key` is the request's rsaPublicKey (modulus, exponent), used
    instead of the registered key for this detokenisation (vendor DTD v1.4.2)."""
    now = env.now()
    tenant = env.store.peek(env.tid)
    token = wpg_tokens.find(tenant, scope, shopper, token_id, now)
    key = None
    if detokenise and inline_key is not None:
        try:
            key = key_from_parts(*inline_key, (tenant.state.key or {}).get("padding", DEFAULT_PADDING)
                                 if tenant else DEFAULT_PADDING)
        except InvalidKey as e:
            raise WpgError(5, f"rsaPublicKey: {e}") from None
    elif detokenise:
        key = tenant.state.key if tenant else None
        if not key:
            raise WpgError(4, NO_KEY)
    au = account_updater.pending(env.core.catalogue, token)
    if au is not None:
        fresh = scope == "merchant" or env.id_format == "format-preserving"
        update = account_updater.apply(env.store, env.tid, token, au, new_id=env.new_token_id, fresh_id=fresh)
        if update.refusal:
            return Inquiry(token, refusal=update.refusal)
        token = update.token
    if mark_used:
        # Undocumented (wpg.md §9.2); read as "count this inquiry as a use" for retrieval order.
        wpg_tokens.mark_used(env.store.write(env.tid, whole=False), token, now)
    return Inquiry(token, encrypted_pan=encrypt_pan(key, token.pan) if key else None)


def shopper_tokens(env: Env, shopper: str) -> list[Token]:
    return wpg_tokens.shopper_tokens(env.store.peek(env.tid), shopper, env.now())


def update_token(env: Env, scope: str, shopper: str | None, token_id: str, card: Card) -> Token:
    return wpg_tokens.update(env.store, env.tid, scope, shopper, token_id, card)


def delete_token(env: Env, scope: str, shopper: str | None, token_id: str) -> Token:
    return wpg_tokens.delete(env.store, env.tid, scope, shopper, token_id)


def set_key(env: Env, pem: str, padding: str) -> dict:
    """Register the merchant's RSA public key for detokenisation (control plane)."""
    from .detokenise import check_key

    key = check_key(pem, padding)
    env.store.write(env.tid).state.key = key
    return key


def remove_key(env: Env) -> bool:
    tenant = env.store.peek(env.tid)
    if tenant is None or tenant.state.key is None:
        return False
    env.store.write(env.tid).state.key = None
    return True
