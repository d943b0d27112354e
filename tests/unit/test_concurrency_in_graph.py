"""MSG005 through the engine: import forms, which calls count, tracked objects, messages, levels and scope."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, Severity
from msmigrate.analysis.settings import AnalysisSettings

MINDSPORE = "import mindspore as ms\nfrom mindspore import nn\n"


def findings(code: str, level: SyntaxLevel | None = None, select: tuple[str, ...] = ("MSG005",)) -> list[Finding]:
    result = Engine(AnalysisSettings(select=select, jit_syntax_level=level)).analyze(textwrap.dedent(code))
    assert not result.rule_failures, result.rule_failures
    return result.findings


def net(imports: str, body: str, init: str = "") -> str:
    """A file importing `imports`, with `Net` whose `construct(self, x)` has `body` (and `__init__` `init`)."""
    parts = [MINDSPORE + textwrap.dedent(imports), "\n\nclass Net(nn.Cell):\n"]
    if init:
        parts.append("    def __init__(self):\n        super().__init__()\n")
        parts.append(textwrap.indent(textwrap.dedent(init), " " * 8))
    parts.append("    def construct(self, x):\n")
    parts.append(textwrap.indent(textwrap.dedent(body), " " * 8))
    return "".join(parts)


def covered(code: str, finding: Finding) -> str:
    span = finding.span
    assert span.line == span.end_line
    return textwrap.dedent(code).splitlines()[span.line - 1][span.column : span.end_column]


@pytest.mark.parametrize(
    "imports,call",
    [
        ("import threading", "threading.Thread(target=print)"),
        ("import threading as th", "th.Thread(target=print)"),
        ("from threading import Thread", "Thread(target=print)"),
        ("from threading import Lock as Mutex", "Mutex()"),
        ("import _thread", "_thread.start_new_thread(print, ())"),
        ("import concurrent.futures", "concurrent.futures.ThreadPoolExecutor(2)"),
        ("from concurrent import futures", "futures.ProcessPoolExecutor(2)"),
        ("from concurrent.futures import ThreadPoolExecutor as Pool", "Pool(max_workers=2)"),
        ("import multiprocessing as mp", "mp.Pool(2)"),
        ("import multiprocessing.pool", "multiprocessing.pool.ThreadPool(2)"),
        ("from multiprocessing import Process", "Process(target=print)"),
        ("import subprocess", 'subprocess.run(["true"])'),
        ("from subprocess import Popen", 'Popen(["true"])'),
        ("import asyncio", "asyncio.run(print())"),
        ("import queue", "queue.Queue()"),
        ("import signal", "signal.alarm(0)"),
        ("import sched", "sched.scheduler()"),
        ("import os", "os.fork()"),
        ("import os", 'os.system("true")'),
        ("import os", 'os.execv("/bin/true", ["true"])'),
        ("from os import kill", "kill(1, 0)"),
    ],
)
def test_calls_with_constants_run_once_while_compiling(imports: str, call: str) -> None:
    code = net(imports, f"worker = {call}\nreturn x\n")
    for level in (SyntaxLevel.STRICT, SyntaxLevel.LAX):
        [finding] = findings(code, level)
        assert finding.severity is Severity.WARNING
        assert covered(code, finding) == call
        assert "runs once, while the graph compiles" in finding.message
        assert "in Net.construct" in finding.message


@pytest.mark.parametrize(
    "imports,call",
    [
        ("import multiprocessing", "multiprocessing.cpu_count()"),
        ("import threading", "threading.get_ident()"),
        ("import threading", "threading.current_thread()"),
        ("import os", "os.getpid()"),
        ("import os", "os.cpu_count()"),
        ("from mylib import threading", "threading.Thread()"),
    ],
)
def test_unchanging_queries_and_other_names_are_not_flagged(imports: str, call: str) -> None:
    assert findings(net(imports, f"n = {call}\nreturn x * 2\n"), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize(
    "level,severity,words",
    [
        (SyntaxLevel.STRICT, Severity.ERROR, "does not compile at jit_syntax_level STRICT"),
        (SyntaxLevel.LAX, Severity.WARNING, "no gradient flows through what it returns"),
    ],
)
def test_a_tensor_argument(level: SyntaxLevel, severity: Severity, words: str) -> None:
    code = net("import threading", "worker = threading.Thread(target=print, args=(x,))\nreturn x\n")
    [finding] = findings(code, level)
    assert finding.severity is severity
    assert finding.message.startswith("`threading.Thread()` in Net.construct is given a tensor")
    assert words in finding.message


def test_methods_of_a_local_object_are_reported_only_with_tensors() -> None:
    body = "jobs = queue.Queue()\njobs.put(3)\njobs.put(x)\nreturn jobs.get() * x\n"
    code = net("import queue", body)
    created, given_tensor = findings(code, SyntaxLevel.STRICT)
    assert covered(code, created) == "queue.Queue()"
    assert created.severity is Severity.WARNING
    assert covered(code, given_tensor) == "jobs.put(x)"
    assert given_tensor.severity is Severity.ERROR


def test_methods_of_an_object_kept_on_self_are_all_reported() -> None:
    code = net(
        "import threading\nimport concurrent.futures as cf",
        "self.lock.acquire()\nreturn self.pool.submit(abs, x).result()\n",
        init="self.lock = threading.Lock()\nself.pool = cf.ThreadPoolExecutor(1)\n",
    )
    acquired, submitted = findings(code, SyntaxLevel.STRICT)
    assert covered(code, acquired) == "self.lock.acquire()"
    assert acquired.severity is Severity.WARNING
    assert covered(code, submitted) == "self.pool.submit(abs, x)"
    assert submitted.severity is Severity.ERROR


def test_self_attribute_bound_to_something_else_is_not_tracked() -> None:
    code = net("import threading", "self.lock.acquire()\nreturn x\n", init="self.lock = make_lock()\n")
    assert findings(code, SyntaxLevel.STRICT) == []


def test_nested_calls_are_reported_once_at_the_outer_call() -> None:
    code = net("import asyncio", "n = asyncio.run(asyncio.to_thread(print))\nreturn x\n")
    [finding] = findings(code, SyntaxLevel.LAX)
    assert covered(code, finding) == "asyncio.run(asyncio.to_thread(print))"


def test_keyword_argument_calls_are_nested_too() -> None:
    code = net("import threading", "t = threading.Thread(target=print, args=(threading.Lock(),))\nreturn x\n")
    [finding] = findings(code, SyntaxLevel.LAX)
    assert covered(code, finding).startswith("threading.Thread(")


def test_a_with_statement_is_left_to_msg006() -> None:
    body = "with threading.Lock():\n    y = x * 2\nreturn y\n"
    code = net("import threading", body)
    assert findings(code, SyntaxLevel.STRICT) == []
    [finding] = findings(code, SyntaxLevel.STRICT, select=("MSG005", "MSG006"))
    assert finding.code == "MSG006"


def test_outside_graph_scope_nothing_is_reported() -> None:
    code = MINDSPORE + textwrap.dedent(
        """
        import threading

        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.worker = threading.Thread(target=print)
                self.worker.start()

            def construct(self, x):
                return x

        def run(x):
            threading.Thread(target=print, args=(x,)).start()
        """
    )
    assert findings(code, SyntaxLevel.STRICT) == []


def test_jit_function_and_its_callees() -> None:
    code = MINDSPORE + textwrap.dedent(
        """
        import subprocess

        def stamp():
            return subprocess.check_output(["date"])

        @ms.jit
        def step(x):
            return x * len(stamp())
        """
    )
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert "in step → stamp()" in finding.message
    assert finding.severity is Severity.WARNING


def test_capped_to_hint_in_a_pynative_file() -> None:
    code = net("import threading", "threading.Thread(target=print, args=(x,)).start()\nreturn x\n")
    code += "\n\nms.set_context(mode=ms.PYNATIVE_MODE)\n"
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert finding.severity is Severity.HINT
    assert finding.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")


def test_no_fix_is_offered() -> None:
    [finding] = findings(net("import subprocess", 'subprocess.run(["true"])\nreturn x\n'), SyntaxLevel.LAX)
    assert finding.fixes == ()
