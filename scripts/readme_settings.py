"""Regenerate the settings table in README.md from coc.config (run after adding a setting)."""

from __future__ import annotations

from coc.config import ROOT, settings_reference

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    lines = ["| Setting | Default | What it does |", "|---|---|---|"]
    for key, default, help_text in settings_reference():
        if default.startswith(str(ROOT)):  # a path inside the checkout: show it relative
            default = default[len(str(ROOT)) :].lstrip("/") or "."
        shown = f"`{default}`" if default not in ("", "[]") else "—"
        lines.append(f"| `{key}` | {shown} | {help_text} |")
    return "\n".join(lines)


def main() -> None:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{table()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
