"""The language a document is written in.

Path conventions decide first (content/ko/, i18n/de/, README.zh.md, README-pt.md, README_zh-CN.md),
then front matter (`lang`, `language`), then the text itself through py3langid (a small model that
ships inside the package: nothing is fetched). Technical English is full of code and names, so the
text only overrules English when the prose is long enough and the model is sure.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePosixPath

PRIMARY = "en"
# ISO 639-1 codes docs trees use for translations (folders and file-name suffixes). Two-letter
# words that are also common folder names ("go", "my", "is"...) are left out on purpose.
LANGUAGE_CODES = frozenset(
    "ar bg bn ca cs da de el es et fa fi fr he hi hr hu id it ja ka ko lt lv ms nl no pl pt ro ru "
    "sk sl sr sv ta th tr uk ur vi zh".split()
)
_REGION = r"(?:[-_](?:[A-Za-z]{2}|Hans|Hant|[A-Za-z]{4}))?"
# README.zh.md, README-pt.md, README_zh-CN.md, index.pt-br.md
_NAME_SUFFIX = re.compile(rf"[._-]([a-z]{{2}}){_REGION}$", re.I)
_FOLDER = re.compile(rf"^([a-z]{{2}}){_REGION}$", re.I)
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|<[^<>\n]*>|\]\([^()\n]*\)|https?://\S+", re.S)
MIN_PROSE_CHARS = 400
MIN_CONFIDENCE = 0.98


def normalise(code: str) -> str:
    """ "pt_BR" -> "pt-br"; unknown shapes as given, lower case."""
    return code.strip().replace("_", "-").lower()


def language_from_path(path: str) -> str | None:
    pure = PurePosixPath(path)
    stem = pure.name.split(".", 1)[0] if pure.suffix else pure.name
    # README.zh.md: the part between the stem and the extension
    middle = pure.name[len(stem) :].rsplit(".", 1)[0].lstrip(".") if pure.suffix else ""
    for candidate in (middle, stem):
        match = _NAME_SUFFIX.search(candidate) if candidate is stem else _FOLDER.match(candidate)
        if match and match.group(1).lower() in LANGUAGE_CODES:
            return normalise(match.group(0).lstrip("._-"))
    for folder in pure.parts[:-1]:
        match = _FOLDER.match(folder)
        if match and match.group(1).lower() in LANGUAGE_CODES and folder.lower() != "en":
            return normalise(folder)
    return None


def language_from_front_matter(front_matter: dict) -> str | None:
    for key in ("lang", "language", "locale"):
        value = front_matter.get(key) if front_matter else None
        if isinstance(value, str) and 2 <= len(value.strip()) <= 16:
            return normalise(value)
    return None


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_from_text(body: str) -> str | None:
    prose = _CODE.sub(" ", body)
    if sum(char.isalpha() for char in prose) < MIN_PROSE_CHARS:
        return None
    code, confidence = _identifier().classify(prose[:20_000])
    if code != PRIMARY and confidence < MIN_CONFIDENCE:
        return None
    return code


def detect_language(*, path: str, front_matter: dict, body: str) -> str:
    return (
        language_from_path(path)
        or language_from_front_matter(front_matter)
        or language_from_text(body)
        or PRIMARY
    )
