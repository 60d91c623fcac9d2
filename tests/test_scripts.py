"""Scripts without a package module of their own to test them beside: bad input ends as one `error: ...` line."""

from __future__ import annotations

from test_evaluation import _script  # scripts/<name>.py as a module


def test_distill_gan_refuses_a_missing_teacher_and_a_bad_rate(tmp_path, capsys):
    main = _script("distill_gan").main
    out = ["--output-dir", str(tmp_path / "x"), "--steps", "1"]
    for extra, words in ((["--teacher", str(tmp_path / "nope")], "error: No folder at"),
                         (["--init", str(tmp_path / "nope")], "error: No folder at"),
                         (["--lr", "-1"], "error: --lr must be above 0"),
                         (["--lr", "0"], "error: --lr must be above 0"),
                         (["--steps", "0"], "error: steps must be a positive integer")):
        assert main(out + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and not (tmp_path / "x").exists(), err[-500:]
