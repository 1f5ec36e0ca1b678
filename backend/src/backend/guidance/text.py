"""What a question and an indexed phrase become before they are compared: folded text, then weighted
tokens. Knows nothing of the web or the database.

Folding (``fold``): NFKC (full-width letters and digits), lower case, traditional → simplified
(OpenCC's ``t2s`` tables, shipped inside the ``opencc`` wheel), then the vocabulary's variant spellings
and colloquial words rewritten to the catalogue's words, and filler (请问, 怎么办, 吗) dropped.

Tokens (``tokens``): character bigrams (the unit Chinese words mostly are: research §B3 measured them
above jieba on short texts), single characters at a lower weight, Latin/digit words whole, and toneless
pinyin bigrams with the commonest regional confusions folded (zh/z, ch/c, sh/s, -ng/-n), so a homophone
typed by a pinyin input method (公鸡金, 社宝卡) still meets the right word.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

import opencc

from backend.guidance.vocabulary import FILLER, REWRITES

# Weights of the token families: an exact bigram is the evidence; a pinyin bigram alone is a typo's
# trace; single characters break ties between close phrasings.
BIGRAM = 1.0
PINYIN = 0.55
UNIGRAM = 0.2
WORD = 1.0

_T2S = opencc.OpenCC("t2s")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")
_REWRITE = re.compile("|".join(sorted(map(re.escape, REWRITES), key=len, reverse=True)))
_FILLER = re.compile("|".join(sorted(map(re.escape, FILLER), key=len, reverse=True)))
_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


def _pinyin_table() -> dict[int, str]:
    """pypinyin's character table (code point → "zhèng" or "zhǎng,cháng") loaded alone: importing the
    package loads its phrase dictionaries too, a second of start-up per worker we never use."""
    package = importlib.util.find_spec("pypinyin")
    origin = package.origin if package is not None else None
    spec = origin and importlib.util.spec_from_file_location(
        "_guidance_pinyin_dict", Path(origin).with_name("pinyin_dict.py")
    )
    if not spec or spec.loader is None:
        raise ImportError("pypinyin's pinyin_dict.py is missing: pypinyin is a dependency of backend")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table: dict[int, str] = module.pinyin_dict
    return table


_PINYIN = _pinyin_table()


def fold(text: str) -> str:
    """The comparable form of ``text``: simplified, lower-cased, rewritten, filler removed."""
    text = _T2S.convert(unicodedata.normalize("NFKC", text).lower())
    text = _REWRITE.sub(lambda m: REWRITES[m.group(0)], text)
    return _FILLER.sub(" ", text)


@functools.lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    """The first reading of ``char``, toneless, with zh/ch/sh and -ng folded; the char itself when
    pypinyin does not know it."""
    readings = _PINYIN.get(ord(char))
    if readings is None:
        return char
    syllable = readings.split(",", 1)[0].translate(_TONES)
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    return syllable.removesuffix("g") if syllable.endswith("ng") else syllable


def tokens(folded: str) -> dict[str, float]:
    """The weighted tokens of already-folded text (a token seen twice counts twice)."""
    out: dict[str, float] = {}

    def add(token: str, weight: float) -> None:
        out[token] = out.get(token, 0.0) + weight

    for run in _CJK.findall(folded):
        if run[0].isascii():
            add(run, WORD)
            continue
        sounds = [_syllable(c) for c in run]
        for i, char in enumerate(run):
            add(char, UNIGRAM)
            if i:
                add(run[i - 1 : i + 1], BIGRAM)
                add(f"~{sounds[i - 1]} {sounds[i]}", PINYIN)
    return out
