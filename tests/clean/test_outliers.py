import pyarrow as pa

from dsbuild.clean.outliers import LengthOutliers


def test_iqr_flags_the_absurdly_long_row_and_names_the_fence():
    texts = [f"a normal question number {i} here" for i in range(40)] + ["x" * 5000]
    reasons = LengthOutliers("q").run(pa.table({"q": texts})).reasons
    assert reasons[:40] == [None] * 40
    assert reasons[40].startswith("q length 5000 is above the iqr fence")


def test_too_few_rows_are_left_alone():
    assert LengthOutliers("q", min_rows=20).run(pa.table({"q": ["a", "b" * 1000]})).reasons == [None, None]


def test_zscore_method():
    texts = ["medium length text"] * 30 + ["y" * 3000]
    reasons = LengthOutliers("q", method="zscore", k=3).run(pa.table({"q": texts})).reasons
    assert reasons[-1] is not None and "zscore" in reasons[-1]
