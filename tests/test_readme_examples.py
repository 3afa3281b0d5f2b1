"""Every runnable README example runs as written against a live hub.

A runnable example is a fenced block of README.md whose info string is `sh example`,
`python example` or `js example`. Each is one test, named by its line (`README.md:312-sh`),
run in README order against one hub served over real HTTP on a copy of the small demo
dataset (the first two provinces: codes of provinces 10 and 11), with

* `HUB_URL`: the hub's address;
* `HUB_TOKEN`: a real client-credentials access token of the demo client holding every scope;

`sh` under `bash -e -o pipefail` (curl and python3 on the PATH, the project's Python first),
`python` under the project's interpreter, `js` as an ES module under Node 20 (global fetch,
top-level await, no packages). An example fails when it exits non-zero or runs over
`TIMEOUT` seconds; the failure names the README line and shows what it printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import live_hub
from tests.conftest import demo_copy
from tests.rest_support import agency_token

README = Path(__file__).resolve().parent.parent / "README.md"
LANGUAGES = ("sh", "python", "js")
TIMEOUT = 60  # seconds one example may run
_FENCE = re.compile(r"^```(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Example:
    line: int  # the opening fence's line in README.md (1-based)
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"README.md:{self.line}-{self.language}"


def runnable_examples(text: str) -> list[Example]:
    """The runnable examples of a Markdown text, in order (see the module docstring)."""
    examples: list[Example] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index].strip())
        if opening is None:
            index += 1
            continue
        info = opening["info"].split()
        end = next(
            (j for j in range(index + 1, len(lines)) if lines[j].strip() == "```"), len(lines)
        )
        if len(info) == 2 and info[0] in LANGUAGES and info[1] == "example":
            examples.append(Example(index + 1, info[0], "\n".join(lines[index + 1 : end]) + "\n"))
        index = end + 1
    return examples


EXAMPLES = runnable_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_runnable_examples_in_every_language() -> None:
    assert {e.language for e in EXAMPLES} == set(LANGUAGES)


def test_examples_are_found_by_their_fence() -> None:
    text = "x\n```sh example\necho 1\n```\n```sh\nnot run\n```\n```python example\nprint(2)\n```\n"
    assert runnable_examples(text) == [
        Example(2, "sh", "echo 1\n"),
        Example(8, "python", "print(2)\n"),
    ]


@dataclass(frozen=True)
class Hub:
    url: str
    token: str


@pytest.fixture(scope="module")
def example_hub(
    tmp_path_factory: pytest.TempPathFactory, _template_databases: Any
) -> Iterator[Hub]:
    with (
        demo_copy(_template_databases("sqlite"), tmp_path_factory.mktemp("examples")) as url,
        # The quotas a production sets (off by default), so the Quotas examples show them.
        # And the background worker, which the test environment leaves off (export jobs).
        live_hub(url, rate_limit_per_minute=600, quota_per_day=100_000, jobs_worker=True) as base,
    ):
        yield Hub(base, agency_token(base))


def _command(example: Example, directory: Path) -> list[str]:
    if example.language == "sh":
        return ["bash", "-e", "-o", "pipefail", "-c", example.code]
    if example.language == "python":
        return [sys.executable, "-c", example.code]
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node 20 is required in CI for the README's js examples")
        pytest.skip("no node on the PATH")
    script = directory / f"example-{example.line}.mjs"
    script.write_text(example.code, encoding="utf-8")
    return [node, str(script)]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_readme_example_runs(example: Example, example_hub: Hub, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "HUB_URL": example_hub.url,
        "HUB_TOKEN": example_hub.token,
        # `python3` in a shell example is the project's Python (httpx and the like installed).
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    try:
        done = subprocess.run(
            _command(example, tmp_path),
            env=environment,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{example.name}: still running after {TIMEOUT} s\n{exc.stdout}\n{exc.stderr}")
    if done.returncode != 0:
        pytest.fail(
            f"{example.name} failed (exit {done.returncode}):\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
        )
