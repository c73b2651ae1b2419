"""The lock file `make install` installs from matches the pins in pyproject.toml (issue 12,
item 17): a pin changed without `make lock` would otherwise install silently stale versions."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~! ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) from requirements.lock."""
    locked: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^ \\]+)", line)
        if pin:
            current = pin.group(1).lower().replace("_", "-")
            locked[current] = (pin.group(2), [])
        elif current and "--hash=sha256:" in line:
            locked[current][1].append(line.split("--hash=sha256:")[1].strip(" \\"))
    return locked


def test_every_pin_of_pyproject_is_locked_at_the_same_version_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = project["dependencies"] + project["optional-dependencies"]["dev"]
    locked = _locked()
    for requirement in pins:
        name, version = _name(requirement), requirement.split("==")[1]
        assert name in locked, f"{name} is not in requirements.lock: run make lock"
        assert locked[name][0] == version, f"{name}: pyproject pins {version}, the lock has {locked[name][0]}"
    assert all(len(hashes[0]) == 64 for _version, hashes in locked.values() if hashes)
    assert all(hashes for _version, hashes in locked.values()), "every locked file carries its sha256"
