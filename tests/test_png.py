"""The PNG writer of the tear sheet's images: valid files that decode to the exact pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from factorlab.plotting._png import rgba_to_png


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (170, 400)])
def test_decodes_to_the_same_pixels(rng, shape):
    rgba = rng.integers(0, 256, size=(*shape, 4), dtype=np.uint8)
    rgba[: shape[0] // 2] = 255  # flat and noisy parts
    data = rgba_to_png(rgba, dpi=80)
    image = Image.open(io.BytesIO(data))
    image.verify()  # chunk CRCs and structure
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (shape[1], shape[0])
    assert np.array_equal(np.asarray(image), rgba)
    assert image.info["dpi"] == pytest.approx((80, 80), abs=0.01)


def test_flat_images_compress_and_level_is_used():
    white = np.full((300, 600, 4), 255, dtype=np.uint8)
    assert len(rgba_to_png(white)) < 10_000  # 720 kB of pixels
    assert len(rgba_to_png(white, level=0)) > white.nbytes  # stored, not deflated
    assert b"pHYs" not in rgba_to_png(white) and b"pHYs" in rgba_to_png(white, dpi=72)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4), np.float64),
                                 np.zeros((4, 16), np.uint8)])
def test_rejects_other_arrays(bad):
    with pytest.raises(ValueError, match=r"\(height, width, 4\) uint8"):
        rgba_to_png(bad)


def test_figure_png_equals_savefig_pixels_outside_text():
    # a figure without text: the factorlab PNG decodes to exactly matplotlib's savefig pixels
    from matplotlib.figure import Figure

    from factorlab.plotting import figure_to_png_bytes

    fig = Figure(figsize=(3, 2))
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_xticks([])
    ax.set_yticks([])
    ref = io.BytesIO()
    fig.savefig(ref, format="png", dpi=70)
    ours = figure_to_png_bytes(fig, dpi=70, tight=False)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ours))), np.asarray(Image.open(ref)))
