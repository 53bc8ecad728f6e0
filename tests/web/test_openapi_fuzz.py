"""Schemathesis against the application's OpenAPI document (``/openapi.json`` of a running
server): generated requests, valid and invalid, to every documented operation, and not one
server error (5xx).

- as the admin token, a few hundred cases spread over the operations (positive and negative
  data), seeded (``derandomize``) so a run repeats; the operations that could revoke the run's
  token or delete accounts run on their own server with their own token;
- without credentials, fewer cases per operation: no 5xx, and nothing but 401/403/4xx from an
  operation the policy of :mod:`tests.web.route_policy` keeps from strangers;
- ``OPENPCS_FUZZ_CASES=N`` makes the admin run up to N cases instead (an operation with few
  distinct requests gets fewer), e.g. ``OPENPCS_FUZZ_CASES=3000 .venv/bin/python -m pytest
  tests/web/test_openapi_fuzz.py -k admin``.

Schemathesis's ``not_a_server_error`` check fails a test, and so does
``status_code_conformance``: every route, the gateway's and the web's, documents every status it
answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import status_code_conformance

from openpcs.gateway.runtime import Gateway
from openpcs.web.app import create_web_app
from tests.gateway.conftest import make_settings
from tests.web.conftest import WebServer
from tests.web.route_policy import POLICY, logged_tracebacks

#: Cases in the suite's admin run (unless OPENPCS_FUZZ_CASES says), and in its run without
#: credentials.
ADMIN_CASES: Final = 500
ANONYMOUS_CASES: Final = 150
#: Cases per operation of those that may revoke the run's token or delete accounts.
DESTRUCTIVE_CASES: Final = 15
DESTRUCTIVE: Final = frozenset(
    {("DELETE", "/api/v1/tokens/{name}"), ("DELETE", "/api/v1/pcs/users/{username}")}
)
LARGER: Final = os.environ.get("OPENPCS_FUZZ_CASES", "")
#: How a failure's curl command shows the token (never the token itself).
SHOWN_HEADERS: Final = {"Authorization": "Bearer $OPENPCS_TOKEN"}


@dataclass
class Run:
    """What a fuzz run found: each kind of failure with its first few examples."""

    cases: int = 0
    failures: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, text: str) -> None:
        """Keep the first few examples of each kind of failure."""
        examples = self.failures.setdefault(key, [])
        if len(examples) < 3:
            examples.append(text)


def operations(schema: Any, wanted: Callable[[str, str], bool]) -> Iterator[Any]:
    """The schema's operations (method, path) that ``wanted`` keeps, in document order."""
    for result in schema.get_all_operations():
        operation = result.ok()
        if wanted(operation.method.upper(), operation.path):
            yield operation


def fuzz(
    schema: Any,
    web: WebServer,
    wanted: Callable[[str, str], bool],
    cases: int,
    token: str | None,
    run: Run,
    *,
    strangers: bool = False,
) -> None:
    """Send ``cases`` generated requests, spread over the operations ``wanted`` keeps."""
    chosen = list(operations(schema, wanted))
    assert chosen, "no operation to fuzz"
    each = max(2, -(-cases // len(chosen)))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for operation in chosen:
        fuzz_operation(operation, web, headers, each, run, strangers=strangers)


def fuzz_operation(
    operation: Any,
    web: WebServer,
    headers: dict[str, str],
    each: int,
    run: Run,
    *,
    strangers: bool,
) -> None:
    """Up to ``each`` cases of one operation, valid and invalid, from a fixed seed."""
    method, path = operation.method.upper(), operation.path
    label = f"{method} {path}"
    level = POLICY.get((method, path))
    generated = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=each,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=generated)
    def probe(case: Any) -> None:
        run.cases += 1
        response = case.call(base_url=web.url, headers=headers, timeout=60)
        status = response.status_code
        shown = f"{status} {case.as_curl_command(headers=SHOWN_HEADERS if headers else None)}"
        shown += f"\n      {response.text[:300]}"
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except FailureGroup:
            run.add(f"{label}: {status} (a server error)", shown)
        try:
            case.validate_response(response, checks=[status_code_conformance])
        except FailureGroup:
            run.add(f"{label}: {status} is not in the document", shown)
        if strangers and level is not None and not level.admits("anonymous") and status < 400:
            run.add(f"{label}: {status} to a stranger ({level.name})", shown)

    probe()


def verdict(run: Run, caplog: pytest.LogCaptureFixture, what: str) -> None:
    """Print how many cases ran; fail on failures, with the server's tracebacks."""
    print(f"\n{what}: {run.cases} cases")
    if run.failures or logged_tracebacks(caplog.records):
        lines = [f"{what}: {len(run.failures)} kind(s) of failure in {run.cases} cases"]
        for key, examples in sorted(run.failures.items()):
            lines += [f"- {key}", *(f"    {example}" for example in examples)]
        lines += ["--- server tracebacks ---", *logged_tracebacks(caplog.records)]
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def schema(web: WebServer) -> Any:
    """The running server's OpenAPI document, loaded by schemathesis."""
    return schemathesis.openapi.from_url(f"{web.url}/openapi.json", timeout=30)


def not_destructive(method: str, path: str) -> bool:
    return (method, path) not in DESTRUCTIVE


def run_as_admin(schema: Any, web: WebServer, caplog: pytest.LogCaptureFixture, cases: int) -> None:
    run = Run()
    with caplog.at_level(logging.ERROR):
        fuzz(schema, web, not_destructive, cases, web.admin_token, run)
    verdict(run, caplog, "admin token")


def test_the_api_gives_no_server_error_to_the_admin(
    schema: Any, web: WebServer, caplog: pytest.LogCaptureFixture
) -> None:
    run_as_admin(schema, web, caplog, int(LARGER) if LARGER.isdigit() else ADMIN_CASES)


def test_strangers_get_no_server_error_and_nothing_above_the_policy(
    schema: Any, web: WebServer, caplog: pytest.LogCaptureFixture
) -> None:
    run = Run()
    with caplog.at_level(logging.ERROR):
        fuzz(schema, web, lambda _m, _p: True, ANONYMOUS_CASES, None, run, strangers=True)
    verdict(run, caplog, "no credentials")


def test_deleting_tokens_and_accounts_gives_no_server_error(
    schema: Any, web: WebServer, caplog: pytest.LogCaptureFixture
) -> None:
    """On a server of its own, with a token of its own: these may revoke or delete anything."""
    token = web.gateway.tokens.create("fuzz-deletions", "admin")
    run = Run()
    with caplog.at_level(logging.ERROR):
        chosen = len(DESTRUCTIVE) * DESTRUCTIVE_CASES
        fuzz(schema, web, lambda m, p: (m, p) in DESTRUCTIVE, chosen, token, run)
    verdict(run, caplog, "deletions")


def exploding_app(gateway: Gateway) -> Any:
    """The application with one more documented route, which fails past a number."""
    app = create_web_app(gateway)

    @app.get("/api/v1/pcs/fuzz-self-test")
    def explode(n: int) -> dict[str, int]:
        if n > 10:
            raise RuntimeError(f"boom at {n}")
        return {"n": n}

    return app


def test_the_fuzz_run_reports_a_server_error_and_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = WebServer(make_settings(tmp_path, tcp={"enabled": False}), exploding_app)
    try:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=30)
        run = Run()
        with caplog.at_level(logging.ERROR):
            fuzz(schema, server, lambda _m, p: p.endswith("-self-test"), 20, None, run)
    finally:
        server.stop()
    assert "GET /api/v1/pcs/fuzz-self-test: 500 (a server error)" in run.failures
    assert any("RuntimeError: boom at" in trace for trace in logged_tracebacks(caplog.records))
