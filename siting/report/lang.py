"""The language of a report: Chinese, English or both (Chinese first), chosen once per report."""

from __future__ import annotations

from dataclasses import dataclass

LANGS: tuple[str, ...] = ("both", "zh", "en")


@dataclass(frozen=True)
class Text:
    """Picks the label of a report's language: `T("覆盖", "Coverage")` -> "覆盖 Coverage" when lang is both.

    Attributes:
        lang: "zh", "en" or "both".
    """

    lang: str = "both"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"unknown report language '{self.lang}'; expected one of {', '.join(LANGS)}")

    def __call__(self, zh: str, en: str, sep: str = " ") -> str:
        """The label in the report's language; both joined by `sep` (Chinese first)."""
        if self.lang == "zh":
            return zh
        if self.lang == "en":
            return en
        return f"{zh}{sep}{en}" if zh != en else zh

    def pair(self, labels: tuple[str, str]) -> str:
        """The label of a (zh, en) pair."""
        return self(*labels)

    @property
    def html_lang(self) -> str:
        """The value of <html lang=...>."""
        return "en" if self.lang == "en" else "zh-CN"
