"""One model for metrics.json (and job.json): every reader uses attributes the model declares.

An AST scan of envkit/: names bound to a state-file model (a parameter annotated `Metrics`, a value from
`metrics.read(...)`, `Metrics.model_validate(...)`, a loop over `record.epochs`...) may only be used through
attributes the model (or the nested model) declares; `record["key"]` and `record.get("key")` on them are
errors. A reader that uses a key the model lacks fails here, before any file is read.
"""

from __future__ import annotations

import ast
import json
import typing
from pathlib import Path

from pydantic import BaseModel

from envkit.records.job import Job
from envkit.records.metrics import Epoch, Metrics, Summary

REPO = Path(__file__).resolve().parents[2]
MODELS: dict[str, type[BaseModel]] = {"Metrics": Metrics, "Epoch": Epoch, "Summary": Summary, "Job": Job}
READERS = {"metrics.read": Metrics, "metrics_file.read": Metrics, "Metrics.model_validate": Metrics,
           "job_file.read": Job, "job.read": Job, "Job.model_validate": Job, "Epoch.model_validate": Epoch}


def _field_model(model: type[BaseModel], attr: str) -> tuple[type[BaseModel] | None, bool] | None:
    """(nested model or None, whether it is a list of that model) for a declared attribute; None when the
    model lacks it."""
    if attr in model.model_fields:
        ann = model.model_fields[attr].annotation
        for candidate in (ann, *typing.get_args(ann)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                return candidate, False
            if typing.get_origin(candidate) is list:
                inner = typing.get_args(candidate)[0]
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    return inner, True
        return None, False
    if hasattr(model, attr):   # a property or method of the model (finished, value, model_dump...)
        return None, False
    return None


class _Scan(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[str] = []
        self.bound: list[dict[str, tuple[type[BaseModel], bool]]] = [{}]

    # --- what a name or expression is -------------------------------------------------------------
    def _type_of(self, node: ast.AST) -> tuple[type[BaseModel], bool] | None:
        if isinstance(node, ast.Name):
            for scope in reversed(self.bound):
                if node.id in scope:
                    return scope[node.id]
            return None
        if isinstance(node, ast.Call):
            text = ast.unparse(node.func)
            for suffix, model in READERS.items():
                if text == suffix or text.endswith("." + suffix):
                    return model, False
            return None
        if isinstance(node, ast.Attribute):
            base = self._type_of(node.value)
            if base is None or base[1]:
                return None
            found = _field_model(base[0], node.attr)
            if found is None and node.attr != "get":   # .get is reported by visit_Call
                self.problems.append(f"{self.file}:{node.lineno}: {ast.unparse(node)}: {base[0].__name__} has no "
                                     f"field {node.attr!r}")
                return None
            return (found[0], found[1]) if found is not None and found[0] is not None else None
        return None

    def _annotation_model(self, ann: ast.AST | None) -> type[BaseModel] | None:
        if ann is None:
            return None
        text = ann.value if isinstance(ann, ast.Constant) and isinstance(ann.value, str) else ast.unparse(ann)
        name = text.split("|")[0].strip().split(".")[-1]
        return MODELS.get(name)

    # --- scopes ------------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope: dict[str, tuple[type[BaseModel], bool]] = {}
        for arg in [*node.args.args, *node.args.kwonlyargs]:
            model = self._annotation_model(arg.annotation)
            if model is not None:
                scope[arg.arg] = (model, False)
            elif isinstance(arg.annotation, ast.Subscript) and ast.unparse(arg.annotation.value) == "list":
                inner = self._annotation_model(arg.annotation.slice)
                if inner is not None:
                    scope[arg.arg] = (inner, True)
        self.bound.append(scope)
        self.generic_visit(node)
        self.bound.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def _bind(self, target: ast.AST, kind: tuple[type[BaseModel], bool] | None) -> None:
        if isinstance(target, ast.Name):
            if kind is not None:
                self.bound[-1][target.id] = kind
            else:
                self.bound[-1].pop(target.id, None)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        kind = self._type_of(node.value)
        for target in node.targets:
            self._bind(target, kind)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        model = self._annotation_model(node.annotation)
        self._bind(node.target, (model, False) if model else self._type_of(node.value) if node.value else None)

    def _iterate(self, target: ast.AST, iterable: ast.AST) -> None:
        kind = self._type_of(iterable)
        self._bind(target, (kind[0], False) if kind and kind[1] else None)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self._iterate(node.target, node.iter)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._iterate(node.target, node.iter)
        for cond in node.ifs:
            self.visit(cond)

    def _comp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        self.bound.append({})
        for gen in node.generators:
            self.visit_comprehension(gen)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.bound.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp  # noqa: N815

    # --- uses --------------------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._type_of(node)   # records a problem for an undeclared attribute
        if not isinstance(node.value, ast.Name):
            self.visit(node.value) if not isinstance(node.value, ast.Attribute) else None

    def visit_Subscript(self, node: ast.Subscript) -> None:
        kind = self._type_of(node.value)
        if kind is not None and not kind[1] and isinstance(node.slice, ast.Constant):
            self.problems.append(f"{self.file}:{node.lineno}: {ast.unparse(node)}: a {kind[0].__name__} is read "
                                 "by attribute, not by key")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get":
            kind = self._type_of(func.value)
            if kind is not None and not kind[1]:
                self.problems.append(f"{self.file}:{node.lineno}: {ast.unparse(node)}: a {kind[0].__name__} is "
                                     "read by attribute, not with .get")
        text = ast.unparse(func)
        if text in ("json.loads", "json.load") and "metrics" in ast.unparse(node).lower():
            self.problems.append(f"{self.file}:{node.lineno}: {ast.unparse(node)[:60]}: metrics.json is read "
                                 "through envkit.records.metrics, not parsed by hand")
        self.generic_visit(node)


def scan(source: str, file: str = "<src>") -> list[str]:
    """Problems in one module's source."""
    s = _Scan(file)
    s.visit(ast.parse(source))
    return list(dict.fromkeys(s.problems))


def test_every_reader_uses_only_declared_fields() -> None:
    problems = []
    for path in sorted((REPO / "envkit").rglob("*.py")):
        problems += scan(path.read_text(), str(path.relative_to(REPO)))
    assert not problems, "\n".join(problems)


def test_the_scan_finds_a_key_the_model_lacks() -> None:
    """The scan can fail: a typo in a nested field, a key read by subscript or .get, hand parsing."""
    bad = '''
from envkit.records import metrics
def f(path):
    record = metrics.read(path)
    a = record.throughput.totl.mean
    b = record["world_size"]
    c = record.summary.get("site")
    d = [e.trainloss for e in record.epochs]
    return json.loads(open("metrics.json").read())
def g(m: Metrics):
    return m.nosuch
'''
    problems = scan(bad)
    assert len(problems) == 6, problems
    assert any("totl" in p for p in problems) and any("trainloss" in p for p in problems)
    assert any("nosuch" in p for p in problems)
    good = '''
def f(path):
    record = metrics.read(path)
    return record.throughput.total.mean, [e.value("top1") for e in record.epochs], record.finished
'''
    assert scan(good) == []


def test_the_runner_record_matches_the_model() -> None:
    """What the runner writes (a real smoke record's keys, from envkit.train.record.build's source) are all
    declared: the writer validates through the model, and an undeclared key would be kept only as an extra."""
    import inspect

    from envkit.train import record

    keys = set()
    for node in ast.walk(ast.parse(inspect.getsource(record.build))):
        if isinstance(node, ast.Dict):
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    top = {"status", "run_id", "workload", "world_size", "throughput", "epochs", "summary", "metric", "eval"}
    assert top <= keys
    undeclared = {k for k in keys if k not in Metrics.model_fields and k not in Summary.model_fields
                  and k not in ("per_device", "total", "unit", "mean", "ci95", "name", "value", "mode")}
    assert not undeclared, undeclared


def test_adding_a_field_is_one_line() -> None:
    """A subclass with one more line reads it; the same file still reads with the base model."""
    class WithHosts(Metrics):
        hosts_per_rank: list[str] = []

    data = {"status": "finished", "workload": "aigw", "world_size": 2, "hosts_per_rank": ["a", "b"]}
    assert WithHosts.model_validate(data).hosts_per_rank == ["a", "b"]
    assert Metrics.model_validate(json.loads(json.dumps(data))).world_size == 2
