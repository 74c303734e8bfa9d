"""The VAPID key pair (RFC 8292): from the environment, or generated once and kept under var/."""

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, b64urlencode
from py_vapid import _check_sub as valid_subject

from webapp.keptfiles import kept_secret


class VapidKeyError(ValueError):
    """The VAPID settings are unusable; the message names the setting."""


@dataclass(frozen=True)
class VapidKeys:
    """The app's signing key and what browsers need: the public key as applicationServerKey."""

    signer: Vapid02
    public_key: str  # base64url of the uncompressed P-256 point, as PushManager.subscribe() wants
    subject: str


def _public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(raw)


def _from_text(text: str) -> Vapid02:
    """Read a PEM private key, or the base64url raw/DER forms py_vapid knows."""
    try:
        if "-----BEGIN" in text:
            return Vapid02.from_pem(text.encode())
        return Vapid02.from_string(text.strip())
    except Exception as exc:  # py_vapid raises several kinds; any of them means the same to us
        raise VapidKeyError(
            f"VAPID_PRIVATE_KEY is not a P-256 private key ({exc.__class__.__name__})."
        ) from None


def _kept_key(path: Path) -> Vapid02:
    """Return the key in path, creating it (owner-only, like var/secret_key) on first start."""

    def make() -> bytes:
        key = ec.generate_private_key(ec.SECP256R1())
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    pem = kept_secret(path, make)
    try:
        return _from_text(pem.decode(errors="replace"))
    except VapidKeyError:
        raise VapidKeyError(
            f"{path} does not hold a P-256 private key; delete it to make a new one."
        ) from None


def load_keys(private: str | None, public: str | None, subject: str, key_file: str) -> VapidKeys:
    """Return the VAPID keys from the settings, or from key_file (made on first start)."""
    if not valid_subject(subject):
        raise VapidKeyError(f"VAPID_SUBJECT must be a mailto: address or an https:// URL, not '{subject}'.")
    signer = _from_text(private) if private else _kept_key(Path(key_file))
    derived = _public_b64(signer.private_key)
    if public and public.strip().rstrip("=") != derived:
        raise VapidKeyError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
    return VapidKeys(signer=signer, public_key=derived, subject=subject)
