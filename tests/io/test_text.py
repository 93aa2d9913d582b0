"""Text and NumPy-format files through NumPy's own functions: np.savetxt/np.loadtxt/np.genfromtxt/np.save/np.savez/
np.fromfile on DistArrays, compared with what NumPy writes and reads (collective verdicts)."""

import io
import os
import warnings

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, SHAPES_1D, SHAPES_2D, assert_all_ranks, assert_dist_equal, distribute, rng_data

from ._helpers import COMM, RANK, leftovers, on_root, raises_everywhere

CASES = list(DIST_CASES)


pytestmark = pytest.mark.usefixtures("refuse_fallback")


def _write_text(path, text):
    on_root(lambda: open(path, "w", newline="").write(text))


def _same_bytes(path, expected: bytes):
    got = open(path, "rb").read()
    assert_all_ranks(got == expected, f"file differs from NumPy's: {got[:80]!r} vs {expected[:80]!r}")


def _numpy_text(x, **kw) -> bytes:
    buf = io.BytesIO()
    np.savetxt(buf, x, **kw)
    return buf.getvalue()


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's max_rows / empty-input notes
        return func(*args, **kwargs)


def _like():
    return nd.zeros(1)


# --------------------------------------------------------------------------
# savetxt
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES_1D + SHAPES_2D, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_savetxt_bytes_equal_numpy(shared_dir, case, shape):
    x = rng_data(shape, np.float64, seed=3)
    d = distribute(x, case)
    path = os.path.join(shared_dir, "a.txt")
    kw = dict(fmt="%.5g", delimiter=",", header="h1\nh2", footer="the end")
    np.savetxt(path, d, **kw)
    _same_bytes(path, _numpy_text(x, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(fmt="%d", delimiter="\t", newline="\r\n"),
                                dict(fmt=("%.2f", "%.3e", "%g"), comments="% "), dict(fmt="%.3f|%.3f|%.3f")],
                         ids=["default", "ints_crlf", "per_column", "one_format"])
@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "grid_bc"])
def test_savetxt_formats(shared_dir, case, kw):
    x = rng_data((9, 3), np.float64, seed=5)
    path = os.path.join(shared_dir, "f.txt")
    np.savetxt(path, distribute(x, case), header="cols", **kw)
    _same_bytes(path, _numpy_text(x, header="cols", **kw))


@pytest.mark.parametrize("case", ["block", "cyclic"])
def test_savetxt_complex_and_ints(shared_dir, case):
    for x, fmt in [(rng_data((7, 2), np.complex128, 1), "%.4e"), (np.arange(12).reshape(6, 2), "%d")]:
        path = os.path.join(shared_dir, "c.txt")
        np.savetxt(path, distribute(x, case), fmt=fmt)
        _same_bytes(path, _numpy_text(x, fmt=fmt))


def test_savetxt_to_open_files_and_gzip(shared_dir):
    x = rng_data((11, 3), np.float64, seed=2)
    d = distribute(x, "cyclic")
    buf = io.BytesIO()
    np.savetxt(buf, d, header="x")
    assert_all_ranks(buf.getvalue() == _numpy_text(x, header="x"), "BytesIO content differs")
    sbuf = io.StringIO()
    np.savetxt(sbuf, d, fmt="%.3f")
    assert_all_ranks(sbuf.getvalue().encode() == _numpy_text(x, fmt="%.3f"), "StringIO content differs")
    path = os.path.join(shared_dir, "g.txt.gz")
    np.savetxt(path, d)
    back = np.loadtxt(path)  # NumPy reads the gzip members as one stream
    assert_all_ranks(np.array_equal(back, x), "gzip round trip differs")


def test_savetxt_errors_everywhere(shared_dir):
    path = os.path.join(shared_dir, "e.txt")
    raises_everywhere(ValueError, lambda: np.savetxt(path, nd.zeros((2, 2, 2))))
    raises_everywhere(ValueError, lambda: np.savetxt(path, distribute(np.zeros((5, 3)), "uneven"), fmt="%f %f"))
    raises_everywhere(OSError, lambda: np.savetxt(os.path.join(shared_dir, "no", "dir.txt"), nd.zeros(3)))
    assert_all_ranks(leftovers(shared_dir) == [], "a failed write left a file")


# --------------------------------------------------------------------------
# loadtxt
# --------------------------------------------------------------------------

TABLE = "# a comment\n1,2,3\n\n4,5,6\r\n# inner\n7,8,9\n10,11,12\n13,14,15\n16,17,18\n19,20,21\n"

LOADTXT_KWARGS = [
    dict(delimiter=","), dict(delimiter=",", skiprows=4), dict(delimiter=",", max_rows=3),
    dict(delimiter=",", usecols=(0, 2), unpack=True), dict(delimiter=",", usecols=1),
    dict(delimiter=",", usecols=1, ndmin=2), dict(delimiter=",", max_rows=1), dict(delimiter=",", max_rows=1, ndmin=2),
    dict(delimiter=",", dtype=np.int32, skiprows=2, max_rows=4), dict(delimiter=",", dtype=complex),
    dict(delimiter=",", converters={0: lambda s: float(s) * 10}), dict(delimiter=",", ndmin=1, usecols=0, max_rows=1),
]


@pytest.mark.parametrize("kw", LOADTXT_KWARGS, ids=[str(i) for i in range(len(LOADTXT_KWARGS))])
def test_loadtxt_like_numpy(shared_dir, kw):
    path = os.path.join(shared_dir, "t.csv")
    _write_text(path, TABLE)
    expected = _quiet(np.loadtxt, path, **kw)
    got = np.loadtxt(path, like=_like(), **kw)
    if isinstance(expected, tuple) or kw.get("unpack"):
        for g, e in zip(got, expected):
            assert_dist_equal(g, e)
    else:
        assert_dist_equal(got, expected)
    assert_dist_equal(nd.loadtxt(path, **kw)[0] if kw.get("unpack") else nd.loadtxt(path, **kw),
                      expected[0] if kw.get("unpack") else expected)


@pytest.mark.parametrize("rows", [0, 1, 2, 3, 5, 40, 257])
def test_loadtxt_sizes_and_whitespace(shared_dir, rows):
    x = rng_data((rows, 4), np.float64, seed=rows)
    path = os.path.join(shared_dir, "w.txt")
    on_root(lambda: np.savetxt(path, x))
    expected = _quiet(np.loadtxt, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the empty file's UserWarning, as NumPy's
        got = np.loadtxt(path, like=_like())
    assert_dist_equal(got, expected)
    assert_all_ranks(got.distribution == nd.zeros(got.shape).distribution, "not in the default layout")


def test_loadtxt_empty_file_warns_like_numpy(shared_dir):
    path = os.path.join(shared_dir, "empty.txt")
    _write_text(path, "# only a comment\n")
    with pytest.warns(UserWarning, match="no data"):
        got = np.loadtxt(path, like=_like())
    assert_dist_equal(got, _quiet(np.loadtxt, path))


def test_loadtxt_strings_and_unicode(shared_dir):
    path = os.path.join(shared_dir, "s.txt")
    text = "".join(f"w{i} é{i} {i}\n" for i in range(9))
    on_root(lambda: open(path, "w", encoding="utf-8").write(text))
    for kw in [dict(dtype=str, encoding="utf-8"), dict(dtype="U3", usecols=(0, 1), encoding="utf-8"),
               dict(usecols=2, dtype=int)]:
        assert_dist_equal(np.loadtxt(path, like=_like(), **kw), np.loadtxt(path, **kw))


def test_loadtxt_errors_everywhere(shared_dir):
    bad = os.path.join(shared_dir, "bad.txt")
    _write_text(bad, "1 2\n3 4\n5 x\n6 7\n")
    raises_everywhere(ValueError, lambda: np.loadtxt(bad, like=_like()))
    # NumPy never reads past max_rows, so the bad line after it is no error
    assert_dist_equal(np.loadtxt(bad, like=_like(), max_rows=2), np.loadtxt(bad, max_rows=2))
    ragged = os.path.join(shared_dir, "ragged.txt")
    _write_text(ragged, "".join("1 2 3\n" for _ in range(8)) + "".join("1 2\n" for _ in range(8)))
    raises_everywhere(ValueError, lambda: np.loadtxt(ragged, like=_like()))
    raises_everywhere(FileNotFoundError, lambda: np.loadtxt(os.path.join(shared_dir, "missing.txt"), like=_like()))
    raises_everywhere(ValueError, lambda: np.loadtxt(bad, like=_like(), ndmin=3))
    raises_everywhere(TypeError, lambda: np.loadtxt(bad, like=_like(), usecols="a"))


def test_loadtxt_of_lines_every_rank_holds():
    lines = ["1 2", "3 4", "5 6"]
    assert_dist_equal(np.loadtxt(lines, like=_like()), np.loadtxt(lines))


def test_loadtxt_quotechar_is_an_announced_whole_read(shared_dir):
    path = os.path.join(shared_dir, "q.txt")
    _write_text(path, '"1",2\n"3",4\n')
    # (NumPy 2.4's loadtxt drops quotechar from a like= call, so this goes through nd.loadtxt)
    raises_everywhere(nd.FallbackError, lambda: nd.loadtxt(path, delimiter=",", quotechar='"'))
    nd.set_fallback("allow")
    assert_dist_equal(nd.loadtxt(path, delimiter=",", quotechar='"'), np.loadtxt(path, delimiter=",", quotechar='"'))


@pytest.mark.parametrize("case", ["block", "cyclic", "uneven", "unstructured", "grid_bb"])
def test_savetxt_loadtxt_round_trip(shared_dir, case):
    x = rng_data((23, 5), np.float64, seed=9)
    path = os.path.join(shared_dir, "r.txt")
    np.savetxt(path, distribute(x, case))
    assert_dist_equal(np.loadtxt(path, like=_like()), x)


# --------------------------------------------------------------------------
# genfromtxt
# --------------------------------------------------------------------------

MISSING = "1,2,3\n4,,6\n# c\n7,8,9\n\n10,11,12\n13,N/A,15\n16,17,18\n19,20,21\n22,23,\n"

GENFROMTXT_KWARGS = [
    dict(delimiter=","), dict(delimiter=",", filling_values=-1), dict(delimiter=",", dtype=None),
    dict(delimiter=",", skip_header=2, max_rows=3), dict(delimiter=",", missing_values="N/A", filling_values=0),
    dict(delimiter=",", usecols=(0, 2)), dict(delimiter=",", dtype=int, filling_values=-9),
    dict(delimiter=",", invalid_raise=False), dict(delimiter=",", unpack=True),
]


@pytest.mark.parametrize("kw", GENFROMTXT_KWARGS, ids=[str(i) for i in range(len(GENFROMTXT_KWARGS))])
def test_genfromtxt_like_numpy(shared_dir, kw):
    path = os.path.join(shared_dir, "m.csv")
    _write_text(path, MISSING)
    try:
        expected = _quiet(np.genfromtxt, path, **kw)
    except Exception as exc:  # noqa: BLE001 - NumPy 2.4 raises TypeError for dtype=None with missing ints
        raises_everywhere(type(exc), lambda: _quiet(np.genfromtxt, path, like=_like(), **kw))
        return
    got = _quiet(np.genfromtxt, path, like=_like(), **kw)
    assert_dist_equal(got, expected)


def test_genfromtxt_inferred_types_promote_across_ranks(shared_dir):
    path = os.path.join(shared_dir, "mixed.txt")
    _write_text(path, "".join(f"{i} {i}\n" for i in range(10)) + "2.5 3.5\n")  # floats only at the end
    assert_dist_equal(np.genfromtxt(path, like=_like(), dtype=None), np.genfromtxt(path, dtype=None))
    # columns of different inferred types are records in NumPy: read whole, announced
    _write_text(path, "".join(f"{i} {i}\n" for i in range(10)) + "2.5 3\n")
    raises_everywhere(nd.FallbackError, lambda: np.genfromtxt(path, like=_like(), dtype=None))


def test_genfromtxt_names_are_an_announced_whole_read(shared_dir):
    path = os.path.join(shared_dir, "n.csv")
    _write_text(path, "a,b\n1,2\n3,4\n")
    raises_everywhere(nd.FallbackError, lambda: np.genfromtxt(path, like=_like(), delimiter=",", names=True))


# --------------------------------------------------------------------------
# np.save, np.savez, np.fromfile
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (1,), (17,), (0, 3), (13, 6), ()], ids=str)
@pytest.mark.parametrize("case", CASES)
def test_np_save_and_savez(shared_dir, case, shape):
    x = rng_data(shape, np.float64, seed=4)
    d = distribute(x, case) if shape and DIST_CASES[case](shape, COMM) is not None else nd.asarray(x)
    np.save(os.path.join(shared_dir, "s"), d)
    np.savez(os.path.join(shared_dir, "z"), d, extra=np.arange(3), half=d[::2] if shape else d)
    np.savez_compressed(os.path.join(shared_dir, "zc.npz"), a=d)
    COMM.Barrier()
    s = np.load(os.path.join(shared_dir, "s.npy"))
    z = np.load(os.path.join(shared_dir, "z.npz"))
    zc = np.load(os.path.join(shared_dir, "zc.npz"))
    ok = (np.array_equal(s, x) and s.shape == x.shape and np.array_equal(z["arr_0"], x)
          and np.array_equal(z["extra"], np.arange(3)) and np.array_equal(z["half"], x[::2] if shape else x)
          and np.array_equal(zc["a"], x))
    assert_all_ranks(ok, "np.save/np.savez content differs")
    assert_all_ranks(leftovers(shared_dir) == [], "temporary files left")


def test_np_save_to_open_files():
    x = rng_data((9, 4), np.int32, seed=1)
    d = distribute(x, "cyclic")
    buf = io.BytesIO()
    np.save(buf, d)
    buf.seek(0)
    zbuf = io.BytesIO()
    np.savez(zbuf, first=d, second=d.T)
    zbuf.seek(0)
    z = np.load(zbuf)
    ok = np.array_equal(np.load(buf), x) and np.array_equal(z["first"], x) and np.array_equal(z["second"], x.T)
    assert_all_ranks(ok, "np.save / np.savez into an open file differ")
    raises_everywhere(ValueError, lambda: np.savez(io.BytesIO(), d, arr_0=d))


@pytest.mark.parametrize("count,offset", [(-1, 0), (7, 16), (700, 0), (0, 0), (-1, 8 * 36), (-1, 8 * 40), (3, 8 * 40)])
def test_fromfile_reads_each_ranks_bytes(shared_dir, count, offset):
    x = rng_data((37,), np.float64, seed=6)
    path = os.path.join(shared_dir, "b.bin")
    on_root(lambda: x.tofile(path))
    if offset > x.nbytes and count < 0:  # NumPy: "negative dimensions"
        raises_everywhere(ValueError, lambda: np.fromfile(path, like=_like(), count=count, offset=offset))
        return
    got = np.fromfile(path, like=_like(), count=count, offset=offset)
    assert_dist_equal(got, np.fromfile(path, count=count, offset=offset))
    ints = np.fromfile(path, dtype=np.int16, like=_like(), count=count, offset=offset)
    assert_dist_equal(ints, np.fromfile(path, dtype=np.int16, count=count, offset=offset))


def test_fromfile_text_is_an_announced_whole_read(shared_dir):
    path = os.path.join(shared_dir, "t.txt")
    _write_text(path, "1 2 3 4")
    raises_everywhere(nd.FallbackError, lambda: np.fromfile(path, sep=" ", like=_like()))
    nd.set_fallback("allow")
    assert_dist_equal(np.fromfile(path, sep=" ", like=_like()), np.fromfile(path, sep=" "))
    raises_everywhere(FileNotFoundError, lambda: np.fromfile(os.path.join(shared_dir, "none.bin"), like=_like()))


def test_savez_failures_are_agreed_without_hanging(shared_dir):
    d = distribute(rng_data((11, 3), np.float64, seed=8), "cyclic")
    missing = os.path.join(shared_dir, "no", "such", "dir", "z.npz")
    raises_everywhere(FileNotFoundError, lambda: np.savez(missing, d, other=np.arange(3)))

    class Broken(io.BytesIO):
        def write(self, data):
            if RANK == 0:
                raise OSError("disk full")
            return super().write(data)

    raises_everywhere(OSError, lambda: np.save(Broken(), d))
    raises_everywhere(OSError, lambda: np.savez(Broken(), d))
    assert_all_ranks(leftovers(shared_dir) == [], "temporary files left")
