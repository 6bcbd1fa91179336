"""A fast lint for what a GPU build refuses or what breaks on a device, run by the README's test command.

  1. a KOKKOS_LAMBDA (or KOKKOS_CLASS_LAMBDA) inside a private or protected member function: nvcc refuses
     it ("The enclosing parent function ... for an extended __host__ __device__ lambda cannot have private
     or protected access within its class");
  2. a host-only call inside a kernel: <cmath> functions through std:: or unqualified (use kmath::, which
     is Kokkos's math on every backend), printf, std:: containers and strings, throw;
  3. Kokkos::deep_copy from a view declared with an explicit layout into a Matrix/Vector (the device's
     default layout: LayoutLeft on CUDA), which throws at run time off the host;
  4. a Kokkos::parallel_for/_reduce/_scan in framework/ outside core/batch_parallel.hpp, unless the comment
     block right above it (or its own line) gives the reason in a "direct launch: …" comment. The helpers
     there are the mechanism that keeps small host work on the calling thread and gives a device the rows
     and the features; a direct launch bypasses both.

usage: kokkos_lint.py SOURCE_DIR   (exit 1 with one line per finding, file:line: what)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
SOURCES = sorted(p for d in ("framework", "python", "tests") for p in (ROOT / d).rglob("*") if p.suffix in (".cpp", ".hpp"))
LAMBDA = re.compile(r"\bKOKKOS_(?:CLASS_)?LAMBDA\b")
HOST_MATH = ("exp|log|log1p|expm1|sqrt|cbrt|pow|tanh|sinh|cosh|sin|cos|tan|atan|atan2|asin|acos|erf|erfc|abs|fabs|"
             "floor|ceil|round|fmod|isfinite|isnan|isinf|lgamma|tgamma|hypot|fmin|fmax")
STD_MATH = re.compile(r"\bstd::(?:" + HOST_MATH + r")\s*\(")
BARE_MATH = re.compile(r"(?<![\w:.>])(?:" + HOST_MATH + r")\s*\(")
DIRECT_LAUNCH = re.compile(r"\bKokkos::parallel_(?:for|reduce|scan)\s*\(")
LAUNCH_HELPERS = pathlib.Path("framework") / "core" / "batch_parallel.hpp"
HOST_ONLY = re.compile(r"\b(?:printf|fprintf|std::(?:vector|string|map|cout|cerr|to_string|runtime_error))\b|\bthrow\b")


def strip(text):
    """Comments and string literals blanked (same length, newlines kept), so braces and names are code."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text[i] in "\"'" and not (text[i] == "'" and i > 0 and text[i - 1].isalnum()):
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(q + " " * (min(j, n) - i - 1) + (q if j < n else "")); i = j + 1
        elif text.startswith('R"', i):
            j = text.find(')"', i)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        else:
            out.append(text[i]); i += 1
    return "".join(out)


def matching(code, open_at):
    """Index of the brace closing the one at open_at."""
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code) - 1


def line_of(code, index):
    return code.count("\n", 0, index) + 1


CLASS_HEAD = re.compile(r"\b(class|struct)\s+(\w+)\s*(?:final\s*)?(?::[^{;]*)?\{")
ACCESS = re.compile(r"\b(public|private|protected)\s*:(?!:)")
MEMBER = re.compile(r"(?:^|[\s*&>~])(~?\w+)\s*\([^;{]*\)\s*(?:const\s*)?(?:noexcept\s*)?(?:override\s*)?(?:final\s*)?(?:=\s*\w+\s*)?([;{])")


def class_members(code):
    """(class, member) -> set of accesses, and the inline bodies of non-public members: [(start, end, name)]."""
    access, inline = {}, []
    for head in CLASS_HEAD.finditer(code):
        kind, name = head.group(1), head.group(2)
        open_at = head.end() - 1
        close = matching(code, open_at)
        current = "public" if kind == "struct" else "private"
        k = open_at + 1
        depth_body = code[open_at + 1:close]
        # Walk the class body at depth 0 only.
        pos, depth = 0, 0
        segment_start = 0
        while pos < len(depth_body):
            c = depth_body[pos]
            if c == "{":
                if depth == 0:
                    decl = depth_body[segment_start:pos + 1]
                    m = None
                    for m in MEMBER.finditer(decl):
                        pass
                    end = matching(depth_body, pos)
                    if m and m.group(2) == "{" and not CLASS_HEAD.search(decl):
                        access.setdefault((name, m.group(1)), set()).add(current)
                        if current != "public":
                            inline.append((open_at + 1 + pos, open_at + 1 + end, name + "::" + m.group(1)))
                    pos = end + 1
                    segment_start = pos
                    continue
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == ";" and depth == 0:
                decl = depth_body[segment_start:pos + 1]
                for m in MEMBER.finditer(decl):
                    access.setdefault((name, m.group(1)), set()).add(current)
                segment_start = pos + 1
            elif depth == 0:
                a = ACCESS.match(depth_body, pos)
                if a:
                    current = a.group(1)
                    pos = a.end()
                    segment_start = pos
                    continue
            pos += 1
    return access, inline


DEFINITION = re.compile(r"\b(\w+)(?:<[\w\s,:]*>)?::(~?\w+)\s*\(")  # also Class<T>::name(


def main():
    findings = []
    texts = {p: strip(p.read_text(errors="replace")) for p in SOURCES}
    access = {}
    for path, code in texts.items():
        a, inline = class_members(code)
        for key, levels in a.items():
            access.setdefault(key, set()).update(levels)
        for start, end, name in inline:
            for lam in LAMBDA.finditer(code, start, end):
                findings.append(f"{path.relative_to(ROOT)}:{line_of(code, lam.start())}: a Kokkos lambda in {name}, "
                                "a non-public member function (nvcc refuses it): make it public or move the kernel "
                                "into a free function")
    for path, code in texts.items():
        # Out-of-class member definitions: Class::name(...) ... { body }
        for d in DEFINITION.finditer(code):
            cls, name = d.group(1), d.group(2)
            levels = access.get((cls, name))
            if not levels or levels == {"public"}:
                continue
            # The body: the first '{' after the parameter list, before any ';'.
            close_paren, depth = d.end() - 1, 0
            for k in range(d.end() - 1, len(code)):
                if code[k] == "(":
                    depth += 1
                elif code[k] == ")":
                    depth -= 1
                    if depth == 0:
                        close_paren = k
                        break
            rest = code[close_paren + 1:close_paren + 200]
            brace, semi = rest.find("{"), rest.find(";")
            if brace < 0 or (0 <= semi < brace):
                continue
            open_at = close_paren + 1 + brace
            end = matching(code, open_at)
            for lam in LAMBDA.finditer(code, open_at, end):
                findings.append(f"{path.relative_to(ROOT)}:{line_of(code, lam.start())}: a Kokkos lambda in "
                                f"{cls}::{name}, a {'/'.join(sorted(levels - {'public'}))} member function (nvcc "
                                "refuses it): make it public or move the kernel into a free function")
        # Kernel bodies: from each lambda's opening brace to its close.
        for lam in LAMBDA.finditer(code):
            open_at = code.find("{", lam.end())
            end = matching(code, open_at)
            body = code[open_at:end]
            for pattern, what in ((STD_MATH, "std:: math"), (BARE_MATH, "unqualified <cmath> math"),
                                  (HOST_ONLY, "a host-only call")):
                for m in pattern.finditer(body):
                    findings.append(f"{path.relative_to(ROOT)}:{line_of(code, open_at + m.start())}: {what} "
                                    f"'{m.group(0).strip()}' inside a kernel (use kmath:: / Kokkos)")
        # deep_copy between views in different memory spaces whose layouts may differ: a host view whose layout
        # is HostSpace's default or named, against a device view of the device's default layout (LayoutLeft on
        # CUDA) — a run-time throw there, silent on the host. (Matrix and its HostMirror share a layout.)
        layout = {}
        for decl in re.finditer(r"Kokkos::View<([^;]*?)>\s+((?:\w+\([^;()]*\)\s*,?\s*)+);", code):
            args = decl.group(1)
            named = re.search(r"Kokkos::Layout(Right|Left|Stride)", args)
            kind = ("explicit " + named.group(1)) if named else ("host default" if "HostSpace" in args else "device")
            for name in re.findall(r"(\w+)\(", decl.group(2)):
                layout[name] = kind
        for decl in re.finditer(r"\b(?:Matrix|Vector)\s+((?:\w+\([^;()]*\)\s*,?\s*)+);", code):
            for name in re.findall(r"(\w+)\(", decl.group(1)):
                layout[name] = "device"
        for m in re.finditer(r"Kokkos::deep_copy\(\s*(\w+)\s*,\s*(\w+)\s*\)", code):
            kinds = {layout.get(m.group(1), "unknown"), layout.get(m.group(2), "unknown")}
            if "device" in kinds and len(kinds - {"unknown"}) == 2:
                findings.append(f"{path.relative_to(ROOT)}:{line_of(code, m.start())}: deep_copy between a device view "
                                f"and a host view of another layout ({', '.join(sorted(kinds))}): LayoutLeft on CUDA, "
                                "a run-time throw; declare the host view as the device view's HostMirror")
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "framework" and relative != LAUNCH_HELPERS:
            raw = path.read_text(errors="replace").splitlines()
            for m in DIRECT_LAUNCH.finditer(code):
                line = line_of(code, m.start())
                reasons = [raw[line - 1]]
                above = line - 2
                while above >= 0 and raw[above].lstrip().startswith("//"):
                    reasons.append(raw[above])
                    above -= 1
                if not any("direct launch:" in text for text in reasons):
                    findings.append(f"{relative}:{line}: a direct {m.group(0).rstrip('( ')} outside "
                                    "core/batch_parallel.hpp: launch through its helpers (for_each_element, "
                                    "for_each_row, sum_over, ...), which keep small host work on the calling thread "
                                    "and give a device rows and features, or say why not in a '// direct launch: ...' "
                                    "comment above it")
    for f in sorted(set(findings)):
        print(f)
    print(f"kokkos lint: {len(set(findings))} finding(s) in {len(SOURCES)} files")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
