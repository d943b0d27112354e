"""`[tool.msmigrate]` in pyproject.toml, and how it combines with the command line.

Each file is configured by the nearest pyproject.toml, looking from its directory upward, that has a
`[tool.msmigrate]` table (a pyproject.toml without one is passed over). Lookups are cached per
directory, so a tree of thousands of files reads each pyproject.toml once.

```toml
[tool.msmigrate]
select = ["MSG"]              # code prefixes; empty or absent: every rule
ignore = ["MSG005"]
jit-syntax-level = "strict"   # or "lax"; absent: what each file sets, else MindSpore's default
exclude = ["legacy", "scripts/*.py"]
```

A flag on the command line replaces the matching key (`--select` replaces `select`, and so on);
`--extend-exclude` adds patterns to `exclude`. `exclude` patterns are shell globs matched against a
path relative to the pyproject.toml's directory and against the bare file or directory name. An
unknown key or a value of the wrong type is reported on stderr and otherwise ignored.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.settings import AnalysisSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CODE_PREFIX = re.compile(r"^[A-Z]+[0-9]*$")
KNOWN_KEYS = ("exclude", "ignore", "jit-syntax-level", "select")
KEY_ALIASES = {"jit_syntax_level": "jit-syntax-level"}

Warn = Callable[[str], None]


@dataclass(frozen=True)
class ProjectConfig:
    """One `[tool.msmigrate]` table; `None` values were not set."""

    source: Path | None = None  # the pyproject.toml it came from
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    jit_syntax_level: SyntaxLevel | None = None
    exclude: tuple[str, ...] = ()

    @property
    def root(self) -> Path | None:
        return self.source.parent if self.source is not None else None


NO_CONFIG = ProjectConfig()


@dataclass(frozen=True)
class Overrides:
    """What the command line sets; `None` leaves the key to the configuration."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    jit_syntax_level: SyntaxLevel | None = None
    extend_exclude: tuple[str, ...] = ()


def parse_code_list(values: list[str]) -> tuple[str, ...]:
    """`["MSG001,MSG002", " msa"]` -> `("MSG001", "MSG002", "MSA")`. Raises ValueError on a bad code."""
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not CODE_PREFIX.match(code):
                raise ValueError(f"{part.strip()!r} is not a rule code or code prefix (like MSG001 or MSG)")
            codes.append(code)
    return tuple(codes)


def parse_exclude_patterns(values: list[str]) -> tuple[str, ...]:
    """Repeated, comma-separated `--extend-exclude` values: `["build/, *_pb2.py"]` -> `("build", "*_pb2.py")`."""
    return tuple(pattern.strip().rstrip("/") for value in values for pattern in value.split(",") if pattern.strip())


def parse_level(value: str) -> SyntaxLevel:
    try:
        return SyntaxLevel(value.strip().lower())
    except ValueError:
        raise ValueError(f"{value!r} is not a jit syntax level (strict or lax)") from None


@dataclass
class ConfigResolver:
    """Finds and caches the configuration of each directory."""

    warn: Warn
    overrides: Overrides = field(default_factory=Overrides)
    _by_directory: dict[str, ProjectConfig] = field(default_factory=dict)
    _settings: dict[ProjectConfig, AnalysisSettings] = field(default_factory=dict)
    _cwd: Path = field(default_factory=Path.cwd)

    def config_for(self, directory: Path) -> ProjectConfig:
        start = os.path.abspath(directory)
        current = start
        visited: list[str] = []
        config = NO_CONFIG
        while True:
            cached = self._by_directory.get(current)
            if cached is not None:
                config = cached
                break
            visited.append(current)
            found = self._read(Path(current) / "pyproject.toml")
            if found is not None:
                config = found
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for directory_seen in visited:
            self._by_directory[directory_seen] = config
        return config

    def settings_for(self, path: Path) -> AnalysisSettings:
        config = self.config_for(path.parent)
        settings = self._settings.get(config)
        if settings is None:
            overrides = self.overrides
            settings = AnalysisSettings(
                select=overrides.select if overrides.select is not None else config.select or (),
                ignore=overrides.ignore if overrides.ignore is not None else config.ignore or (),
                jit_syntax_level=overrides.jit_syntax_level or config.jit_syntax_level,
            )
            self._settings[config] = settings
        return settings

    def is_excluded(self, path: Path) -> bool:
        """Whether a file or directory found while walking is excluded by configuration or flag."""
        config = self.config_for(path.parent)
        if config.exclude and config.root is not None and _matches(path, config.root, config.exclude):
            return True
        extra = self.overrides.extend_exclude
        return bool(extra) and _matches(path, self._cwd, extra)

    def _read(self, pyproject: Path) -> ProjectConfig | None:
        try:
            with pyproject.open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            self.warn(f"{pyproject}: warning: cannot read it, so it is not used ({error})")
            return None
        tool = document.get("tool")
        table = tool.get("msmigrate") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            self.warn(f"{pyproject}: warning: [tool.msmigrate] must be a table; it is ignored")
            return ProjectConfig(source=pyproject)
        return self._parse_table(pyproject, table)

    def _parse_table(self, pyproject: Path, table: dict[str, Any]) -> ProjectConfig:
        values: dict[str, Any] = {}
        for raw_key, value in table.items():
            key = KEY_ALIASES.get(raw_key, raw_key)
            where = f"{pyproject}: [tool.msmigrate] {raw_key}"
            if key not in KNOWN_KEYS:
                self.warn(f"{where}: warning: unknown key, ignored (known: {', '.join(KNOWN_KEYS)})")
                continue
            try:
                values[key] = _parse_value(key, value)
            except ValueError as error:
                self.warn(f"{where}: warning: {error}; the key is ignored")
        return ProjectConfig(
            source=pyproject,
            select=values.get("select"),
            ignore=values.get("ignore"),
            jit_syntax_level=values.get("jit-syntax-level"),
            exclude=values.get("exclude", ()),
        )


def _parse_value(key: str, value: Any) -> Any:
    if key == "jit-syntax-level":
        if not isinstance(value, str):
            raise ValueError("must be a string, strict or lax")
        return parse_level(value)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("must be a list of strings")
    if key == "exclude":
        return tuple(pattern.rstrip("/") for pattern in value if pattern.strip())
    return parse_code_list(value)


def _matches(path: Path, root: Path, patterns: tuple[str, ...]) -> bool:
    name = path.name
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        relative = None
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return True
        if relative is not None and fnmatch.fnmatchcase(relative, pattern.removeprefix("./")):
            return True
    return False
