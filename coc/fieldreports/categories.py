"""The field-report categories (the unit that handles each, its deadline in days) and the
commune's hamlets, from `config/fieldreports.yaml` or the site's file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from coc.config import Settings, read_yaml
from coc.errors import ConfigError
from coc.indicators.fieldreports import hamlet_code

LABEL = "danh mục phản ánh"


@dataclass(frozen=True)
class Category:
    key: str
    vi: str
    en: str
    unit: str
    days: float

    def name(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Categories:
    items: tuple[Category, ...]
    default: str
    hamlets: tuple[str, ...]

    def get(self, key: str) -> Category | None:
        return next((c for c in self.items if c.key == key), None)

    def keys(self) -> list[str]:
        return [c.key for c in self.items]

    def name(self, key: str, lang: str = "vi") -> str:
        found = self.get(key)
        return found.name(lang) if found else key

    def deadline(self, key: str, received_at: datetime) -> datetime:
        """The handling deadline: the category's days after receipt."""
        found = self.get(key) or self.get(self.default)
        days = found.days if found else 10
        return received_at + timedelta(days=days)


def _category(raw: object, where: str) -> Category:
    if not isinstance(raw, dict):
        raise ConfigError(f"{LABEL}: {where} phải là bảng khóa: giá trị")
    try:
        days = float(raw.get("days", 10))
        cat = Category(
            key=str(raw["key"]),
            vi=str(raw["vi"]),
            en=str(raw.get("en") or raw["vi"]),
            unit=str(raw.get("unit") or ""),
            days=days,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{LABEL}: {where} thiếu hoặc sai {exc}") from None
    if not cat.key.isidentifier() or len(cat.key) > 32 or not 0 < days <= 365:
        raise ConfigError(f"{LABEL}: {where} có mã hoặc số ngày không hợp lệ")
    return cat


def parse_categories(data: dict) -> Categories:
    raw = data.get("categories") or []
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{LABEL}: cần ít nhất một nhóm phản ánh (categories)")
    items = tuple(_category(r, f"nhóm thứ {i + 1}") for i, r in enumerate(raw))
    keys = [c.key for c in items]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{LABEL}: một mã nhóm được khai báo hai lần")
    default = str(data.get("default_category") or keys[-1])
    if default not in keys:
        raise ConfigError(f"{LABEL}: default_category '{default}' không có trong danh mục")
    hamlets = tuple(str(h) for h in data.get("hamlets") or [])
    codes = [hamlet_code(h) for h in hamlets]
    if len(set(codes)) != len(codes):
        twice = next(h for h, c in zip(hamlets, codes, strict=True) if codes.count(c) > 1)
        raise ConfigError(f"{LABEL}: hai thôn cùng mã trong số liệu gửi lên ({twice})")
    return Categories(items, default, hamlets)


def load_categories(settings: Settings) -> Categories:
    path = settings.config_file(settings.fieldreports.categories_file)
    return parse_categories(read_yaml(path, LABEL))
