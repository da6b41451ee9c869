"""The causal-loop diagram (experiments/loops.py) draws a real PNG."""

from experiments.teaching.loops import draw

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_draw_writes_a_png(tmp_path):
    path = draw(tmp_path / "x.png")
    data = path.read_bytes()
    assert path == tmp_path / "x.png"
    assert data[:8] == PNG_MAGIC
    assert len(data) > 20_000
