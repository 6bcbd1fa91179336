"""Silent corruption and changed data, end to end with the real binary.

Random bit flips in every file of a run (the index and each side file):
  * a flip inside the stored bytes of any dataset (parameters, optimiser
    state, buffers, samples, result arrays, metric rows, data rows, spec
    strings) must be detected by `tractable verify` (exit 9, or 5 where HDF5
    itself can no longer parse the file);
  * a flip anywhere else must either be detected or change nothing a reader
    sees: h5dump of the flipped file equals h5dump of the original (no silent
    change), and a detected flip must change what h5dump shows (no false
    alarm in padding or unused bytes).
Then eval, log-prob, sample and run --resume each refuse a corrupted
checkpoint with exit 9 and name the file; the best checkpoint's damage points
to --last; pack refuses to pack damage; verify --sweep finds the damaged run;
old run files without checksums verify with a warning; a changed CSV refuses
--resume (exit 10) unless --allow-changed-data, which is recorded; and the
Python module raises tractable.CorruptionError.

usage: test_integrity.py TRACTABLE_BIN SOURCE_DIR [FLIPS_PER_FILE]
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import hashlib
import json

import h5py
import numpy as np

BIN = os.path.realpath(sys.argv[1])
SRC = os.path.realpath(sys.argv[2])
FLIPS = int(sys.argv[3]) if len(sys.argv) > 3 else 40
QS = os.path.join(SRC, "experiments", "quickstart.json")
failures = []


def fail(message):
    print("FAIL:", message)
    failures.append(message)


def run(*args, cwd=None):
    p = subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def expect(code, pattern, *args, cwd=None):
    got, out = run(*args, cwd=cwd)
    if got != code or (pattern and not re.search(pattern, out, re.S)):
        fail(f"{' '.join(map(str, args))}: exit {got} (expected {code}), output:\n{out[-1500:]}")
    return out


def dataset_ranges(path):
    """(offset, size) of the stored bytes of every dataset of one file that hold its values: contiguous
    storage whole; of a chunk (1-D, unfiltered: the metric rows), the part inside the dataset's extent."""
    ranges = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        string = h5py.check_string_dtype(obj.dtype)
        if string is not None and string.length is None:
            return  # variable-length: the storage holds heap references (Tractable writes none; older files)
        dsid = obj.id
        offset = dsid.get_offset()
        if offset is not None:
            if dsid.get_storage_size() > 0:
                ranges.append((offset, dsid.get_storage_size()))
            return
        if obj.chunks is None or len(obj.shape) != 1:  # compact: the bytes live in the object header
            return
        for i in range(dsid.get_num_chunks()):
            info = dsid.get_chunk_info(i)
            used = min(obj.chunks[0], obj.shape[0] - info.chunk_offset[0]) * obj.dtype.itemsize
            ranges.append((info.byte_offset, used))

    with h5py.File(path, "r") as f:
        f.visititems(visit)  # hard links only: a side file's datasets are listed from the side file
    return ranges


def h5dump(path):
    p = subprocess.run(["h5dump", path], capture_output=True)
    # The header line names the file; everything else is content, a dataspace's maximum extent
    # ("( 2 ) / ( 18 )") included: seals of version 2 cover it.
    return p.returncode, b"\n".join(p.stdout.splitlines()[1:])


def flip(path, offset, bit):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ (1 << bit)]))


def copy_run(directory, source="."):
    """good.h5 and good.h5.d copied into `directory` (replaced): what the index's links name."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    shutil.copy(os.path.join(source, "good.h5"), directory)
    shutil.copytree(os.path.join(source, "good.h5.d"), os.path.join(directory, "good.h5.d"))
    return os.path.join(directory, "good.h5")


work = tempfile.mkdtemp()
try:
    os.chdir(work)
    # A small flow with a validation split (so /checkpoint_best), samples and a density grid.
    RUN = ["run", QS, "--quiet", "--set", "training.checkpoint_every=100", "--set", "training.eval_every=100",
           "--set", "output.n_samples=300", "--set", "output.density_grid=8", "--set", "data.n_train=2000",
           "--set", "data.n_test=500"]
    expect(0, None, *RUN, "--set", "training.steps=200", "--out", "good.h5")
    np.savetxt("rows.csv", np.random.default_rng(0).normal(size=(20, 2)), delimiter=",")
    # The commands that read each file, besides verify (a flip in its dataset bytes must stop each of them).
    LAST = ["--last"]
    readers = {"checkpoint": [["eval", "t/good.h5", *LAST], ["log-prob", "t/good.h5", "rows.csv", "--format", "csv", *LAST],
                              ["sample", "t/good.h5", "-n", "5", "--format", "csv", *LAST],
                              [*RUN, "--set", "training.steps=300", "--out", "t/good.h5", "--resume"]],
               "best": [["eval", "t/good.h5"], ["log-prob", "t/good.h5", "rows.csv", "--format", "csv"],
                        ["sample", "t/good.h5", "-n", "5", "--format", "csv"]]}
    readers["good.h5"] = readers["checkpoint"]
    COMMAND_FLIPS = min(FLIPS, 8)
    expect(0, r"0 with defects", "verify", "good.h5")
    side = sorted(os.listdir("good.h5.d"))
    kinds = {re.sub(r"-[0-9]+\.h5$", "", s) for s in side}
    if not {"checkpoint", "best", "results"} <= kinds:
        fail(f"expected checkpoint, best and results side files, got {side}")

    # --- random bit flips, every file of the run ---
    rng = random.Random(20261204)
    stats = {"array flips": 0, "array detected": 0, "other flips": 0, "other detected": 0,
             "other harmless": 0, "silent changes": 0, "false alarms": 0}
    for name in ["good.h5"] + [os.path.join("good.h5.d", s) for s in side]:
        ranges = dataset_ranges(name)
        original_dump = h5dump(name)
        size = os.path.getsize(name)
        in_array = set()
        for offset, length in ranges:
            in_array.update(range(offset, offset + length))
        for trial in range(2 * FLIPS):
            array_flip = trial < FLIPS
            if array_flip:
                offset, length = rng.choice(ranges)
                where = offset + rng.randrange(length)
            else:
                where = rng.randrange(size)
                while where in in_array:
                    where = rng.randrange(size)
            bit = rng.randrange(8)
            copy_run("t")  # the index links to good.h5.d/…: a copy keeps the name, in its own directory
            target = os.path.join("t", name)
            flip(target, where, bit)
            code, out = run("verify", "t/good.h5")
            detected = code != 0
            if detected and code not in (5, 9):
                fail(f"{name} byte {where} bit {bit}: verify exit {code}:\n{out[-800:]}")
            if array_flip:
                stats["array flips"] += 1
                stats["array detected"] += detected
                if not detected:
                    fail(f"{name}: a flip in stored array bytes (byte {where}, bit {bit}) was not detected")
                kind = "good.h5" if name == "good.h5" else re.sub(r"-[0-9]+\.h5$", "", os.path.basename(name))
                if trial < COMMAND_FLIPS and kind in readers:
                    index_before = open("t/good.h5", "rb").read()
                    for command in readers[kind]:
                        code, out = run(*command)
                        stats["command checks"] = stats.get("command checks", 0) + 1
                        if code not in (5, 9):
                            fail(f"{name} byte {where} bit {bit}: {command[0]} exit {code}:\n{out[-600:]}")
                    if open("t/good.h5", "rb").read() != index_before:
                        fail(f"{name} byte {where} bit {bit}: a refused command changed the run file")
                continue
            stats["other flips"] += 1
            changed = h5dump(target) != original_dump
            if detected:
                stats["other detected"] += 1
                if not changed:
                    stats["false alarms"] += 1
                    fail(f"{name} byte {where} bit {bit}: verify reports a defect but h5dump shows no change:\n"
                         f"{out[-800:]}")
            else:
                stats["other harmless"] += not changed
                if changed:
                    stats["silent changes"] += 1
                    fail(f"{name} byte {where} bit {bit}: h5dump shows a change that verify did not detect")
    print("bit flips:", stats)

    # --- what each command does with a corrupted checkpoint ---
    def corrupted_copy(directory, side_kind, dataset):
        dest = copy_run(directory)
        side_file = os.path.join(dest + ".d", next(s for s in side if s.startswith(side_kind + "-")))
        with h5py.File(side_file, "r") as f:
            ds = f[dataset]
            offset, length = ds.id.get_offset(), ds.id.get_storage_size()
        flip(side_file, offset + rng.randrange(length), rng.randrange(8))
        return side_file

    last = corrupted_copy("last", "checkpoint", "/checkpoint/parameters")
    before = open("last/good.h5", "rb").read()
    expect(9, re.escape(last) + r".*fails its checksum", "eval", "last/good.h5", "--last")
    expect(9, "fails its checksum", "log-prob", "last/good.h5", "rows.csv", "--format", "csv", "--last")
    expect(9, "fails its checksum", "sample", "last/good.h5", "-n", "10", "--out", "s.h5", "--last")
    expect(9, r"fails its checksum.*best checkpoint \(/checkpoint_best\) is intact.*nothing was changed",
           *RUN, "--set", "training.steps=300", "--out", "last/good.h5", "--resume")
    if open("last/good.h5", "rb").read() != before or os.path.exists("s.h5"):
        fail("a refused command changed the run file or wrote its output")
    expect(0, None, "eval", "last/good.h5")  # the best checkpoint is intact: the default still works
    expect(9, r"1 with defects", "verify", "last/good.h5")
    expect(9, "fails its checksum.*nothing was written", "pack", "last/good.h5", "--out", "packed_bad.h5")
    if os.path.exists("packed_bad.h5"):
        fail("pack wrote a file from a corrupted run")

    corrupted_copy("best", "best", "/checkpoint_best/parameters")
    expect(9, r"fails its checksum.*pass --last", "eval", "best/good.h5")
    expect(0, None, "eval", "best/good.h5", "--last")

    # Optimiser state: what only --resume reads.
    corrupted_copy("adam", "checkpoint", "/checkpoint/optimizer/" +
                   sorted(h5py.File("good.h5")["checkpoint/optimizer"].keys())[0])
    expect(9, "fails its checksum", *RUN, "--set", "training.steps=300", "--out", "adam/good.h5", "--resume")

    # An attribute: the checkpoint's data cursor (where a resumed run continues in the data).
    copy_run("cursor")
    ck = os.path.join("cursor/good.h5.d", next(s for s in side if s.startswith("checkpoint-")))
    with h5py.File(ck, "r+") as f:
        f["checkpoint"].attrs["data_cursor"] = f["checkpoint"].attrs["data_cursor"] + 1
    expect(9, r"'/checkpoint' fails its checksum", "eval", "cursor/good.h5", "--last")

    # pack of a good run verifies, and so does its copy.
    expect(0, None, "pack", "good.h5", "--out", "packed.h5")
    expect(0, r"0 with defects", "verify", "packed.h5")

    # verify --sweep names the damaged runs among good ones.
    for run_name in ("good", "last", "best"):
        copy_run(f"sweep/runs/{run_name}", "." if run_name == "good" else run_name)
    out = expect(9, r"3 run file\(s\): 2 with defects", "verify", "--sweep", "sweep", "--quiet")
    if "runs/good/" in out:
        fail("verify --sweep --quiet printed the intact run:\n" + out)

    # A run file written before checksums (seals removed): a warning, not a defect; its commands work.
    copy_run("old")
    for path in ["old/good.h5"] + [os.path.join("old/good.h5.d", s) for s in side]:
        with h5py.File(path, "r+") as f:
            f.visititems(lambda n, o: o.attrs.__delitem__("tractable_sha256") if "tractable_sha256" in o.attrs else None)
            if "tractable_sha256" in f.attrs:
                del f.attrs["tractable_sha256"]
    expect(0, r"warning .*has no checksum", "verify", "old/good.h5")
    expect(0, None, "eval", "old/good.h5")

    # --- data fingerprints: a changed CSV refuses --resume ---
    rows = np.random.default_rng(1).normal(size=(600, 3))
    np.savetxt("data.csv", rows, delimiter=",")
    with open("csv.json", "w") as spec:
        json.dump({"name": "csv", "data": {"source": "csv", "path": "data.csv"},
                   "model": {"hidden": 16, "depth": 1, "layers": [{"type": "affine_coupling", "mask": "alternating"}],
                             "repeat": 2},
                   "objective": {"type": "nll"}, "optimizer": {"type": "adam", "lr": 1e-3},
                   "training": {"steps": 100, "batch_size": 32, "checkpoint_every": 50, "eval_every": 50},
                   "output": {"n_samples": 0, "density_grid": 0}}, spec)
    QS, csv = "csv.json", ["--quiet"]
    expect(0, None, "run", QS, *csv, "--set", "training.steps=100", "--out", "csv.h5")
    with h5py.File("csv.h5") as f:
        files = f["provenance"].attrs["data_files"]
        recorded = json.loads(files)
        if recorded != {"data.csv": hashlib.sha256(open("data.csv", "rb").read()).hexdigest()}:
            fail(f"/provenance data_files {files} is not the CSV's SHA-256")
        if set(json.loads(f["provenance"].attrs["data_rows"])) != {"train", "validation", "test"}:
            fail("/provenance data_rows lacks a split")
    expect(0, r"data files: +data\.csv sha256 [0-9a-f]{64}", "info", "csv.h5")
    np.savetxt("data.csv", rows * 5 + 3, delimiter=",")
    before = open("csv.h5", "rb").read()
    expect(10, r"data changed since the run started:\n.*data file data\.csv: sha256 .*--allow-changed-data",
           "run", QS, *csv, "--set", "training.steps=200", "--out", "csv.h5", "--resume")
    if open("csv.h5", "rb").read() != before:
        fail("a refused --resume changed the run file")
    expect(0, None, "run", QS, *csv, "--set", "training.steps=200", "--out", "csv.h5", "--resume",
           "--allow-changed-data")
    with h5py.File("csv.h5") as f:
        record = json.loads(f["provenance"].attrs["data_changed_on_resume"])
        if len(record) != 1 or record[0]["step"] != 100 or not any("data.csv" in c for c in record[0]["changes"]):
            fail(f"data_changed_on_resume: {record}")
        if json.loads(f["provenance"].attrs["data_files"])["data.csv"] != hashlib.sha256(
                open("data.csv", "rb").read()).hexdigest():
            fail("after --allow-changed-data the fingerprint is not the new data's")
    expect(0, r"0 with defects", "verify", "csv.h5")
    # Unchanged data resumes without a word about it.
    out = expect(0, None, "run", QS, *csv, "--set", "training.steps=250", "--out", "csv.h5", "--resume")
    if "changed" in out:
        fail("an unchanged resume mentions changed data:\n" + out)

    # --- the Python module ---
    module_dir = os.environ.get("TRACTABLE_MODULE_DIR")
    if module_dir:
        code = f"""
import sys; sys.path.insert(0, {module_dir!r})
import tractable
try:
    tractable.load("last/good.h5", last=True)
    raise SystemExit("no error for a corrupted checkpoint")
except tractable.CorruptionError as e:
    assert isinstance(e, OSError) and "fails its checksum" in str(e), e
m = tractable.load("last/good.h5")  # the intact best checkpoint
kinds = [k for k, _ in tractable.verify("last/good.h5")]
assert "defect" in kinds, kinds
assert "defect" not in [k for k, _ in tractable.verify("good.h5")]
print("module ok")
"""
        p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True)
        if p.returncode != 0 or "module ok" not in p.stdout:
            fail("python module:\n" + p.stdout + p.stderr)
    else:
        print("note: TRACTABLE_MODULE_DIR unset, the module's part skipped")
finally:
    os.chdir("/")
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("integrity: all checks passed")
