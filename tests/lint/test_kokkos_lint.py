"""The Kokkos lint finds what it is for (and nothing in clean code): fixtures with each violation, rule 4
(a direct launch without its reason) included.

usage: test_kokkos_lint.py SOURCE_DIR
"""
import pathlib
import subprocess
import sys
import tempfile

LINT = pathlib.Path(sys.argv[1]).resolve() / "tests" / "lint" / "kokkos_lint.py"

HEADER = """
#pragma once
class Layer {
 public:
  void forward(const Matrix& x);
  void inline_ok() { Kokkos::parallel_for("ok", 1, KOKKOS_LAMBDA(int) {}); }  // direct launch: a fixture
 private:
  void launch(const Matrix& x);
  template <bool Inverted>
  void templated(const Matrix& x);
  void inline_bad() { Kokkos::parallel_for("bad", 1, KOKKOS_LAMBDA(int) {}); }  // direct launch: a fixture
  Matrix out_;
};
template <class T>
class Generic {
 protected:
  void run();
};
struct Open {
  void run();
};
"""

SOURCE = """
void Layer::forward(const Matrix& x) {
  Kokkos::parallel_for("fine", 1, KOKKOS_LAMBDA(int i) { out(i) = kmath::exp(x(i)); });  // "std::exp(" in a comment; direct launch: a fixture
}
void Layer::launch(const Matrix& x) {
  Kokkos::parallel_for("private", 1, KOKKOS_LAMBDA(int i) { out(i) = std::exp(x(i)) + sqrt(x(i)); });  // direct launch: a fixture
}
template <bool Inverted>
void Layer::templated(const Matrix& x) {
  Kokkos::parallel_for("private too", 1, KOKKOS_LAMBDA(int i) { printf("%d", i); });  // direct launch: a fixture
}
template <class T>
void Generic<T>::run() {
  Kokkos::parallel_for("protected", 1, KOKKOS_LAMBDA(int i) { if (i) throw 1; });  // direct launch: a fixture
}
void Open::run() {
  Kokkos::View<double**, Kokkos::HostSpace> host("h", 2, 2);
  Kokkos::View<double**, MemSpace> device("d", 2, 2);
  Matrix m("m", 2, 2);
  auto mirror = Kokkos::create_mirror_view(m);
  Kokkos::deep_copy(device, host);
  Kokkos::deep_copy(m, mirror);
}
void launches(const Matrix& x, double& total) {
  // direct launch: the reason may open a comment block
  // of several lines.
  Kokkos::parallel_for("reasoned", 1, KOKKOS_LAMBDA(int i) { x(i, 0) = 0; });
  Kokkos::parallel_reduce("unreasoned", 1, KOKKOS_LAMBDA(int i, double& s) { s += x(i, 0); }, total);
  // a comment without the reason
  Kokkos::parallel_scan("unreasoned too", 1, KOKKOS_LAMBDA(int i, double& s, bool) { s += x(i, 0); });
}
"""

# The launch helpers themselves launch directly.
HELPERS = """
template <class F>
void for_each_index(std::size_t n, const F& f) { Kokkos::parallel_for("helper", n, f); }
"""

EXPECTED = [
    "x.hpp:11: a Kokkos lambda in Layer::inline_bad",
    "x.cpp:6: a Kokkos lambda in Layer::launch, a private member function",
    "x.cpp:6: std:: math 'std::exp(' inside a kernel",
    "x.cpp:6: unqualified <cmath> math 'sqrt(' inside a kernel",
    "x.cpp:10: a Kokkos lambda in Layer::templated, a private member function",
    "x.cpp:10: a host-only call 'printf' inside a kernel",
    "x.cpp:14: a Kokkos lambda in Generic::run, a protected member function",
    "x.cpp:14: a host-only call 'throw' inside a kernel",
    "x.cpp:21: deep_copy between a device view and a host view of another layout",
    "x.cpp:28: a direct Kokkos::parallel_reduce outside core/batch_parallel.hpp",
    "x.cpp:30: a direct Kokkos::parallel_scan outside core/batch_parallel.hpp",
]

failures = []
with tempfile.TemporaryDirectory() as root:
    framework = pathlib.Path(root) / "framework"
    framework.mkdir()
    (framework / "x.hpp").write_text(HEADER)
    (framework / "x.cpp").write_text(SOURCE)
    (framework / "core").mkdir()
    (framework / "core" / "batch_parallel.hpp").write_text(HELPERS)
    p = subprocess.run([sys.executable, str(LINT), root], capture_output=True, text=True)
    lines = p.stdout.splitlines()
    if p.returncode != 1:
        failures.append(f"exit {p.returncode} on the fixtures, expected 1")
    for expected in EXPECTED:
        if not any(expected in line for line in lines):
            failures.append(f"not found: {expected}")
    if len(lines) - 1 != len(EXPECTED):  # the last line is the count
        failures.append(f"{len(lines) - 1} findings, expected {len(EXPECTED)}:\n" + p.stdout)
    # Clean code: no finding, exit 0.
    (framework / "x.cpp").write_text(SOURCE.split("void Layer::launch")[0])
    (framework / "x.hpp").write_text(HEADER.replace("  void inline_bad() { Kokkos::parallel_for(\"bad\", 1, KOKKOS_LAMBDA(int) {}); }  // direct launch: a fixture\n", ""))
    p = subprocess.run([sys.executable, str(LINT), root], capture_output=True, text=True)
    if p.returncode != 0:
        failures.append("clean fixtures: " + p.stdout)
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
