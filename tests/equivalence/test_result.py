"""The schema-2 wire format, and the rule that the parent side never imports torch or mindspore."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from msmigrate.equivalence.result import (
    Check,
    ConfigDifference,
    Divergence,
    EquivalenceRequest,
    EquivalenceResult,
    InputSpec,
    LayerComparison,
    RunError,
    SideRef,
    TensorComparison,
    Tolerances,
    WeightMapping,
    WeightPair,
)
from tests.equivalence.conftest import CONTRACT_KEYS


def test_input_spec_parsing():
    assert InputSpec.parse("2,3,32,32:float32") == InputSpec([2, 3, 32, 32], "float32")
    assert InputSpec.parse("4x7") == InputSpec([4, 7], "float32")
    assert InputSpec.parse("3,7:int64").dtype == "int64"
    for bad in ("", ":float32", "a,b", "-1,2"):
        with pytest.raises(ValueError):
            InputSpec.parse(bad)


def test_request_round_trip():
    request = EquivalenceRequest(
        "t.py",
        "T",
        "m.py",
        "M",
        init_args={"width": 4},
        mindspore_init_args=[4],
        inputs=[InputSpec([2, 3])],
        tolerances=Tolerances().overridden(atol=1e-3),
        timeout_s=5,
        device="cpu",
        weight_map="map.toml",
        modes=("graph",),
        seed=3,
    )
    assert EquivalenceRequest.from_json(json.loads(json.dumps(request.to_json()))) == request


def test_result_round_trip_and_contract_keys():
    result = EquivalenceResult(
        status="divergent",
        equivalent=False,
        summary="s",
        torch=SideRef("torchvision.models.resnet", "resnet18", "/x/resnet.py", 684),
        mindspore=SideRef("m.py", "M"),
        device={"torch": "cpu", "mindspore": "CPU"},
        inputs=[InputSpec([2, 3])],
        weight_mapping=WeightMapping([WeightPair("bn.weight", "bn.gamma", [8], "batchnorm")], [], [], ["c.bias"]),
        checks=[
            Check(
                "eval_forward",
                "pynative",
                None,
                [TensorComparison("output[0]", "o", "o", "differs", 1.0, 0.5, 0.9, 0.5, float("inf"))],
            )
        ],
        layers=[
            LayerComparison(
                "eval_forward",
                "pynative",
                "bn",
                "norm",
                "BatchNorm2d",
                "BatchNorm2d",
                "weights",
                "differs",
                1.0,
                0.3,
                0.9,
                torch_shape=[2, 8],
                mindspore_shape=[2, 8],
                mindspore_file="/m.py",
                mindspore_line=12,
            )
        ],
        config_differences=[
            ConfigDifference(
                "bn", "norm", "BatchNorm2d", "BatchNorm2d", "momentum", "0.1", "0.9", torch_file="/t.py", torch_line=3
            )
        ],
        first_divergence=Divergence(
            "eval_forward", "pynative", "bn", "norm", mindspore_file="/m.py", mindspore_line=12
        ),
        notes=["redrew 1 zero-initialised parameter(s): fc.weight"],
        duration_s=1.5,
    )
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert set(data) >= CONTRACT_KEYS
    assert data["schema"] == 2
    assert data["torch"] == {
        "source": "torchvision.models.resnet",
        "name": "resnet18",
        "file": "/x/resnet.py",
        "line": 684,
    }
    assert data["checks"][0]["tensors"][0]["rel_error"] is None  # infinity is not JSON
    assert data["checks"][0]["agrees"] is False
    assert data["weight_mapping"]["counts"] == {"batchnorm": 1}
    assert set(data["first_divergence"]) >= {
        "phase",
        "mode",
        "torch_path",
        "mindspore_path",
        "torch_file",
        "torch_line",
        "mindspore_file",
        "mindspore_line",
    }
    again = EquivalenceResult.from_json(data)
    assert again.to_json() == data


def test_failed_result_has_no_verdict():
    request = EquivalenceRequest("t.py", "T", "m.py", "M")
    result = EquivalenceResult.failed(request, RunError("timeout", "timed out"))
    data = result.to_json()
    assert data["status"] == "error" and data["equivalent"] is None and data["error"]["kind"] == "timeout"


def test_unknown_schema_is_refused():
    with pytest.raises(ValueError, match="schema"):
        EquivalenceResult.from_json({"schema": 1})


def test_parent_side_imports_neither_framework():
    code = (
        "import sys\n"
        "import msmigrate.equivalence.runner, msmigrate.equivalence.result, msmigrate.cli.equiv, msmigrate.cli.main\n"
        "import msmigrate.equivalence.report, msmigrate.equivalence.layers, msmigrate.equivalence.configs\n"
        "print(sorted(name for name in ('torch', 'mindspore', 'numpy') if name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
