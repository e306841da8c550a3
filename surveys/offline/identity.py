"""What a workbook is for (round, country, version, language, areas, the answers it showed),
signed with the app's secret so that a file cannot be redirected to another country or round.

Functional core: no Flask, no database. The payload is canonical JSON; the signature an HMAC-SHA256
of it under a key derived from the secret for this purpose only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field

FORMAT = 1
PURPOSE = b"surveys.offline.workbook.v1"


@dataclass(frozen=True)
class Identity:
    round_id: int
    country_id: int
    country_code: str
    questionnaire: str
    version: int
    definition_sha256: str
    language: str
    areas: tuple[str, ...]
    submission_version: int  # the submission's lock_version at download (0: not started)
    blank: bool = False  # made without the saved answers (sent out to be filled in from scratch)
    made_at: str = ""
    # field name -> print of the value the workbook showed (fields shown empty left out)
    base: dict[str, str] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> str:
        data = asdict(self)
        data["areas"] = list(self.areas)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Identity:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        base = data.get("base") or {}
        if not isinstance(base, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in base.items()
        ):
            raise ValueError("malformed base")
        return cls(
            round_id=int(data["round_id"]),
            country_id=int(data["country_id"]),
            country_code=str(data["country_code"]),
            questionnaire=str(data["questionnaire"]),
            version=int(data["version"]),
            definition_sha256=str(data["definition_sha256"]),
            language=str(data["language"]),
            areas=tuple(str(a) for a in data["areas"]),
            submission_version=int(data["submission_version"]),
            blank=bool(data.get("blank", False)),
            made_at=str(data.get("made_at", "")),
            base=base,
        )


def _key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, PURPOSE, hashlib.sha256).digest()


def sign(payload: str, secret: str | bytes) -> str:
    return hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()


def verify(payload: str, signature: str, secret: str | bytes) -> bool:
    return hmac.compare_digest(sign(payload, secret), signature or "")
