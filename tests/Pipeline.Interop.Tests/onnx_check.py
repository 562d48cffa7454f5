#!/usr/bin/python3
"""Checks exported ONNX files with the ONNX project's own checker (Debian python3-onnx), full check
(shape inference included), and prints each file's opset and metadata.
Run: /usr/bin/python3 tests/Pipeline.Interop.Tests/onnx_check.py model.onnx [more.onnx ...]
"""
import sys
import onnx

for path in sys.argv[1:]:
    onnx.checker.check_model(path, full_check=True)
    model = onnx.load(path)
    meta = {p.key: p.value for p in model.metadata_props}
    print(f"{path}: ok (ir {model.ir_version}, opset {model.opset_import[0].version}, {len(model.graph.node)} nodes, metadata {sorted(meta)})")
