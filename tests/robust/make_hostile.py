"""Write the hostile profile corpus (tests/robust/hostile/*.yaml) from one table: name -> how it is hostile.

Each file is tests/core/data/good.yaml with one hostile change (or a whole hostile file); its first
line says what. Files that cannot live in git (a FIFO, a 5 GB sparse file, /proc entries, symlink
loops) are made at run time by hostile_corpus.py. Run `python tests/robust/make_hostile.py` after
changing the table; a test checks the folder matches it.

Example:
    $ .venv/bin/python tests/robust/make_hostile.py
    wrote 105 files to tests/robust/hostile
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD = (HERE.parents[1] / "tests" / "core" / "data" / "good.yaml").read_text().split("\n", 1)[1]


def good(name: str) -> str:
    return GOOD.replace("name: good", f"name: {name}", 1)


def replace(old: str, new: str):  # type: ignore[no-untyped-def]
    return lambda name: good(name).replace(old, new, 1)


def add(text: str):  # type: ignore[no-untyped-def]
    return lambda name: good(name) + text


def whole(text: str | bytes):  # type: ignore[no-untyped-def]
    return lambda name: text


LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))

# name -> (what is hostile, content maker)
CASES: dict[str, tuple[str, object]] = {
    "bomb-billion-laughs": ("alias expansion to 9^9 strings", whole(LAUGHS)),
    "bomb-laughs-in-profile": ("a billion-laughs block inside a valid profile",
                               add("x_" + LAUGHS.replace("\n", "\nx_"))),
    "bomb-self-alias": ("a self-referencing anchor", whole("a: &a [*a]\n")),
    "bomb-self-alias-map": ("a mapping that contains itself", whole("a: &a {b: *a}\n")),
    "bomb-merge-loop": ("a merge key that merges itself", whole("a: &a\n  <<: *a\n  b: 1\n")),
    "bomb-merge-into-section": ("a merge key pulling a section from an anchor",
                                lambda name: good(name).replace("cpu:\n", "cpu: &c\n", 1) + "cpu2:\n  <<: *c\n"),
    "anchor-on-title": ("an anchor on a plain value", replace("title: ", "title: &t ")),
    "alias-of-title": ("a value that is an alias", add("center2: *t\n")),
    "deep-flow-1000": ("1000 levels of [", whole("a: " + "[" * 1000 + "]" * 1000 + "\n")),
    "deep-flow-map": ("300 levels of {a: ", whole("x: " + "{a: " * 300 + "1" + "}" * 300 + "\n")),
    "deep-block-100": ("100 levels of block mappings", whole("".join("  " * i + f"k{i}:\n" for i in range(100)))),
    "deep-unclosed": ("10000 unclosed [", whole("a: " + "[" * 10000 + "\n")),
    "int-5000-digits": ("a 5000-digit integer", replace("count: 4", "count: " + "9" * 5000)),
    "int-30-digits": ("a 30-digit integer", replace("count: 4", "count: " + "9" * 30)),
    "int-hex-huge": ("a huge hex integer", replace("count: 4", "count: 0x" + "f" * 200)),
    "int-sexagesimal": ("a YAML 1.1 base-60 integer", replace("count: 4", "count: 190:20:30")),
    "float-1e999": ("an infinite float", replace("memory_gb: 256", "memory_gb: 1e999")),
    "float-nan": ("NaN", replace("memory_gb: 256", "memory_gb: .nan")),
    "float-inf-range": ("-.inf", replace("memory_gb: 40", "memory_gb: -.inf")),
    "date-impossible": ("2023-02-30", replace('version: "8.8"', "version: 2023-02-30")),
    "date-timestamp": ("a timestamp as a version", replace('version: "8.8"', "version: 2001-12-14t21:59:43.10-05:00")),
    "date-in-title": ("an impossible date as a title", replace("title: Test cluster for bad-input cases",
                                                                "title: 2023-13-45")),
    "tag-python-object": ("!!python/object", add("x: !!python/object/apply:os.system [\"touch PWNED\"]\n")),
    "tag-python-name": ("!!python/name", add("x: !!python/name:os.system\n")),
    "tag-binary": ("!!binary", add("x: !!binary aGVsbG8=\n")),
    "tag-set": ("!!set", add("x: !!set {a, b}\n")),
    "tag-omap": ("!!omap", add("x: !!omap [a: 1]\n")),
    "tag-custom": ("a local tag", replace("title: ", "title: !shell ")),
    "tag-directive": ("a %TAG directive", whole("%TAG ! tag:evil.example,2024:\n---\n" + good("tag-directive"))),
    "yaml-12-directive": ("%YAML 1.3", whole("%YAML 1.3\n---\n" + good("yaml-12-directive"))),
    "multi-document": ("two documents", whole(good("multi-document") + "---\nname: other\n")),
    "document-end-only": ("only ...", whole("...\n")),
    "only-comment-bom": ("a BOM and a comment", whole("\ufeff# nothing\n")),
    "nul-byte": ("a NUL byte", whole(b"name: nul-byte\x00\n")),
    "nul-escape": ("a NUL written as an escape", replace("title: Test cluster for bad-input cases", 'title: "a\\0b"')),
    "escape-terminal": ("ESC [2J in a value", replace("center: test", 'center: "\\e[2J\\e[31mowned"')),
    "escape-surrogate": ("a lone surrogate", replace("center: test", 'center: "\\ud800"')),
    "bidi-override": ("a right-to-left override", replace("center: test", "center: te\u202etsil")),
    "c1-control": ("a C1 control character", whole(good("c1-control").replace("center: test", "center: te\u0085st"))),
    "latin1": ("latin-1 bytes", whole(good("latin1").replace("center: test", "center: caf\xe9").encode("latin-1"))),
    "utf16": ("UTF-16 text", whole(good("utf16").encode("utf-16"))),
    "crlf": ("CRLF line ends (valid)", whole(good("crlf").replace("\n", "\r\n"))),
    "cr-only": ("old Mac CR line ends", whole(good("cr-only").replace("\n", "\r"))),
    "scalar-200k": ("a 200,000-character title", replace("title: Test cluster for bad-input cases",
                                                           "title: " + "A" * 200_000)),
    "file-300k": ("a 300 KiB file of comments", add("#" + "x" * 300_000 + "\n")),
    "keys-20000": ("20,000 keys", add("extra:\n" + "".join(f"  k{i}: {i}\n" for i in range(20000)))),
    "key-5000-chars": ("a 5000-character key", add("k" * 5000 + ": 1\n")),
    "key-int": ("an integer key", add("1: one\n")),
    "key-bool": ("a YAML 1.1 boolean key (yes)", add("yes: 1\n")),
    "key-null": ("a null key", add("~: 1\n")),
    "key-list": ("a list as a key", add("? [a, b]\n: 1\n")),
    "key-map": ("a mapping as a key", add("? {a: 1}\n: 1\n")),
    "key-homoglyph": ("a Cyrillic а in a key", add("n\u0430me: x\n")),
    "dup-via-merge": ("the same key twice through <<", add("z: {<<: {a: 1}, a: 2}\n")),
    "extends-500": ("a 500-character extends", add("extends: " + "a" * 500 + "\n")),
    "extends-proc": ("extends /proc/self/environ", add("extends: /proc/self/environ\n")),
    "extends-dev-zero": ("extends /dev/zero", add("extends: /dev/zero\n")),
    "extends-etc-passwd": ("extends a system file", add("extends: ../../../../../../etc/passwd\n")),
    "extends-folder": ("extends a folder", add("extends: /tmp/\n")),
    "extends-list": ("extends is a list", add("extends: [a, b]\n")),
    "extends-map": ("extends is a mapping", add("extends: {a: 1}\n")),
    "extends-nul": ("extends holds a NUL escape", add('extends: "lo\\0cal"\n')),
    "extends-newline": ("extends with a trailing newline", add('extends: "local\\n"\n')),
    "extends-bomb": ("extends the billion laughs by name", add("extends: bomb-billion-laughs\n")),
    "extends-self-path": ("extends itself by path", add("extends: ./extends-self-path.yaml\n")),
    "name-newline": ("a name with a trailing newline", replace("name: name-newline", 'name: "name-newline\\n"')),
    "name-traversal": ("a name that is a path", replace("name: name-traversal", "name: ../../name-traversal")),
    "name-dash": ("a name that looks like an option", replace("name: name-dash", "name: -rf")),
    "name-500": ("a 500-character name", replace("name: name-500", "name: " + "n" * 500)),
    "base-traversal": ("a base that is a path", add("base: a/../../../../etc/passwd\n")),
    "env-ld-preload": ("LD_PRELOAD", replace('OMP_NUM_THREADS: "1"', 'LD_PRELOAD: /tmp/evil.so')),
    "env-bash-env": ("BASH_ENV", replace('OMP_NUM_THREADS: "1"', "BASH_ENV: /tmp/evil.sh")),
    "env-path": ("PATH", replace('OMP_NUM_THREADS: "1"', "PATH: /tmp/evil")),
    "env-pythonpath": ("PYTHONPATH", replace('OMP_NUM_THREADS: "1"', "PYTHONPATH: /tmp/evil")),
    "env-ld-library-path": ("LD_LIBRARY_PATH", replace('OMP_NUM_THREADS: "1"', "LD_LIBRARY_PATH: /tmp/evil")),
    "env-env": ("ENV", replace('OMP_NUM_THREADS: "1"', "ENV: /tmp/evil.sh")),
    "env-bash-func": ("an exported bash function", replace('OMP_NUM_THREADS: "1"', "BASH_FUNC_ls: x")),
    "env-allow-no-reason": ("env_allow with an empty reason",
                            replace('OMP_NUM_THREADS: "1"', 'LD_PRELOAD: /x.so\n  env_allow:\n    LD_PRELOAD: ""')),
    "bind-root": ("bind /:/", replace('binds: ["/scratch"]', 'binds: ["/:/"]')),
    "bind-etc-rw": ("bind /etc:/etc:rw", replace('binds: ["/scratch"]', 'binds: ["/etc:/etc:rw"]')),
    "bind-usr-lib-rw": ("a :rw bind inside /usr", replace('binds: ["/scratch"]', 'binds: ["/scratch:/usr/lib/x:rw"]')),
    "bind-dotdot": ("a bind that climbs to /etc", replace('binds: ["/scratch"]', 'binds: ["/scratch/../etc"]')),
    "bind-proc": ("bind /proc", replace('binds: ["/scratch"]', 'binds: ["/proc"]')),
    "bind-mpi-root": ("mpi.bind_paths /", replace("  model: hybrid", "  model: bind\n  bind_paths: [\"/\"]")),
    "mpi-root-slash": ("mpi.root /", replace("  install: source", "  install: source\n  root: /")),
    "cpus-above-node": ("cpus_per_task above the node's cores", replace("  gpu_request:",
                                                                        "  cpus_per_task: 65\n  gpu_request:")),
    "cpus-huge": ("cpus_per_task 10^6", replace("  gpu_request:", "  cpus_per_task: 1000000\n  gpu_request:")),
    "tasks-above-node": ("tasks_per_node above the node's threads",
                         replace("defaults:\n", "defaults:\n  tasks_per_node: 500\n")),
    "nodes-zero": ("nodes.count 0", replace("count: 4", "count: 0")),
    "nodes-negative": ("nodes.count -1", replace("count: 4", "count: -1")),
    "walltime-inject": ("a walltime with a payload",
                        replace("  partition: gpu", "  partition: gpu\n  walltime: \"1:00;id\"")),
    "launcher-arg-subst": ("a launcher argument with $(...)", replace("--cpu-bind=cores", "$(id)")),
    "module-backtick": ("a module with backticks", replace('modules: ["cuda/11.7"]', 'modules: ["`id`"]')),
    "title-heredoc-end": ("the here-document's end marker in a value",
                          replace("title: Test cluster for bad-input cases", 'title: "x\\nENVKIT_SITE_YAML\\nid"')),
    "title-semicolon-ok": ("prose with ; | & ' (valid: quoted where rendered)",
                           replace("title: Test cluster for bad-input cases", "title: a; b | c & d 'e' <f>")),
    "source-quote": ("a double quote in prose", replace('  source: "[test]"', "  source: '[test] \"x\"'")),
    "section-null": ("a null section", replace("gpu:\n  vendor", "gpu:\ngpu_:\n  vendor")),
    "top-list": ("a list at the top", whole("- a\n- b\n")),
    "top-string": ("a string at the top", whole("just a string\n")),
    "top-int": ("an integer at the top", whole("42\n")),
    "empty": ("an empty file", whole("")),
    "whitespace-only": ("spaces and newlines", whole("   \n\n  \n")),
    "tabs": ("tab indentation", whole(good("tabs").replace("  ", "\t"))),
    "unclosed-quote": ("an unclosed quote", replace("title: Test", 'title: "Test')),
    "bad-indent": ("a key that breaks indentation", replace("  model: AMD", " model: AMD")),
    "flow-garbage": ("unbalanced flow", add("x: [a, {b: c], d}\n")),
    "binary-garbage": ("random bytes", whole(bytes(range(256)) * 4)),
    "json-bomb-ish": ("JSON with 5000 nested arrays", whole('{"a": ' + "[" * 5000 + "]" * 5000 + "}\n")),
}


# Too big to keep in git: written only into the scratch copy hostile_corpus.py runs.
BIG = {"scalar-200k", "file-300k", "keys-20000"}


def write_all(folder: Path = HERE / "hostile", big: bool = False) -> list[Path]:
    """Write every case (the big ones only when `big`); remove files no longer in the table."""
    folder.mkdir(exist_ok=True)
    paths = []
    for name, (what, make) in CASES.items():
        if name in BIG and not big:
            continue
        body = make(name)  # type: ignore[operator]
        head = f"# hostile: {what}\n"
        data = body if isinstance(body, bytes) else (head + body if not body.startswith(("%", "\ufeff")) else body)
        path = folder / f"{name}.yaml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        paths.append(path)
    for stale in set(folder.glob("*.yaml")) - set(paths):
        stale.unlink()
    return paths


if __name__ == "__main__":
    written = write_all()
    sys.stdout.write(f"wrote {len(written)} files to {written[0].parent.relative_to(Path.cwd())}\n")
