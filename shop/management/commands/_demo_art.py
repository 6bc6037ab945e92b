"""Product illustrations for the demo catalog, drawn with Pillow (no files shipped).

`product_png(kind=..., title=..., hue=...)` returns PNG bytes: a soft coloured background,
a simple flat drawing of the kind of product, and its title. Drawn at twice the size and
scaled down so edges come out smooth. Deterministic: same input, same bytes.
"""

import colorsys
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 400
_S = 2  # supersampling factor
_W = SIZE * _S
_FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]

Draw = ImageDraw.ImageDraw
RGB = tuple[int, int, int]


def _rgb(hue: float, sat: float, light: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, light, sat)
    return (round(r * 255), round(g * 255), round(b * 255))


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _box(cx: float, cy: float, w: float, h: float) -> list[float]:
    """A bounding box in 400px design units, centred on (cx, cy), scaled to the canvas."""
    return [(cx - w / 2) * _S, (cy - h / 2) * _S, (cx + w / 2) * _S, (cy + h / 2) * _S]


def _pts(*points: tuple[float, float]) -> list[tuple[float, float]]:
    return [(x * _S, y * _S) for x, y in points]


# --------------------------------------------------------------------- drawings
# Each takes the canvas, a main colour, a dark and a light tone; centre is (200, 170).


def _mug(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.ellipse(_box(262, 175, 70, 80), outline=dark, width=14 * _S)
    d.rounded_rectangle(_box(190, 175, 130, 150), radius=18 * _S, fill=c)
    d.ellipse(_box(190, 102, 130, 28), fill=dark)
    d.rectangle(_box(190, 175, 130, 16), fill=light)
    for i in range(3):
        d.arc(_box(165 + i * 25, 60, 18, 40), 200, 340, fill=(255, 255, 255), width=4 * _S)


def _lamp(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.polygon(_pts((140, 150), (260, 150), (230, 80), (170, 80)), fill=c)
    d.rectangle(_box(200, 200, 10, 100), fill=dark)
    d.rounded_rectangle(_box(200, 252, 110, 18), radius=9 * _S, fill=dark)
    d.ellipse(_box(200, 160, 40, 22), fill=light)


def _stripes(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    """A folded blanket / scarf."""
    for i, colour in enumerate([c, light, dark, c, light]):
        d.rounded_rectangle(_box(200, 110 + i * 30, 200 - i * 4, 30), radius=6 * _S, fill=colour)
    d.rectangle(_box(200, 236, 180, 14), fill=dark)
    for x in range(125, 280, 14):
        d.line(_pts((x, 243), (x, 262)), fill=dark, width=3 * _S)


def _candle(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(200, 195, 110, 130), radius=12 * _S, fill=light)
    d.rectangle(_box(200, 200, 110, 40), fill=c)
    d.line(_pts((200, 130), (200, 112)), fill=(60, 60, 60), width=4 * _S)
    d.ellipse(_box(200, 95, 26, 44), fill=(255, 186, 56))
    d.ellipse(_box(200, 102, 12, 22), fill=(255, 240, 170))


def _vase(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.ellipse(_box(200, 195, 150, 140), fill=c)
    d.rounded_rectangle(_box(200, 115, 64, 60), radius=10 * _S, fill=c)
    d.ellipse(_box(200, 88, 80, 20), fill=dark)
    d.arc(_box(200, 195, 110, 100), 200, 260, fill=light, width=8 * _S)
    d.line(_pts((200, 86), (185, 35)), fill=(70, 130, 70), width=4 * _S)
    d.ellipse(_box(183, 32, 26, 26), fill=(240, 110, 120))


def _board(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(190, 180, 210, 140), radius=30 * _S, fill=c)
    d.rounded_rectangle(_box(312, 180, 60, 36), radius=18 * _S, fill=c)
    d.ellipse(_box(325, 180, 16, 16), fill=light)
    for i in range(4):
        d.arc(_box(190, 180, 170 - i * 40, 100 - i * 22), 0, 360, fill=dark, width=2 * _S)


def _headphones(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.arc(_box(200, 170, 190, 190), 180, 360, fill=dark, width=18 * _S)
    for x in (112, 288):
        d.rounded_rectangle(_box(x, 200, 52, 100), radius=22 * _S, fill=c)
        d.rounded_rectangle(_box(x, 200, 22, 70), radius=10 * _S, fill=light)


def _device(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    """A power bank / hub: a slab with a charge indicator."""
    d.rounded_rectangle(_box(200, 175, 230, 120), radius=26 * _S, fill=dark)
    d.rounded_rectangle(_box(200, 175, 214, 104), radius=20 * _S, fill=c)
    for i in range(4):
        d.rounded_rectangle(_box(150 + i * 26, 175, 18, 34), radius=4 * _S, fill=light)
    d.rounded_rectangle(_box(300, 175, 18, 40), radius=5 * _S, fill=dark)


def _keyboard(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(200, 180, 300, 130), radius=16 * _S, fill=dark)
    for row in range(3):
        for col in range(10):
            d.rounded_rectangle(
                _box(70 + col * 29, 140 + row * 30, 23, 23), radius=4 * _S,
                fill=light if (row + col) % 4 else c,
            )  # fmt: skip
    d.rounded_rectangle(_box(200, 232, 150, 18), radius=4 * _S, fill=light)


def _watch(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(200, 175, 70, 260), radius=20 * _S, fill=dark)
    d.rounded_rectangle(_box(200, 175, 130, 140), radius=34 * _S, fill=(40, 44, 52))
    d.rounded_rectangle(_box(200, 175, 110, 120), radius=26 * _S, fill=c)
    d.line(_pts((200, 175), (200, 135)), fill=(255, 255, 255), width=6 * _S)
    d.line(_pts((200, 175), (228, 190)), fill=light, width=6 * _S)
    d.rounded_rectangle(_box(270, 160, 12, 26), radius=4 * _S, fill=dark)


def _mouse(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(200, 180, 140, 210), radius=70 * _S, fill=c)
    d.line(_pts((200, 78), (200, 150)), fill=dark, width=4 * _S)
    d.rounded_rectangle(_box(200, 115, 16, 34), radius=8 * _S, fill=light)
    d.arc(_box(200, 180, 140, 210), 200, 250, fill=light, width=6 * _S)


def _bag(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.arc(_box(200, 120, 110, 110), 180, 360, fill=dark, width=12 * _S)
    d.polygon(_pts((115, 120), (285, 120), (300, 265), (100, 265)), fill=c)
    d.rectangle(_box(200, 140, 185, 14), fill=dark)
    d.rounded_rectangle(_box(200, 200, 80, 50), radius=8 * _S, fill=light)


def _backpack(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.arc(_box(200, 80, 70, 50), 180, 360, fill=dark, width=10 * _S)
    d.rounded_rectangle(_box(200, 175, 160, 200), radius=50 * _S, fill=c)
    d.rounded_rectangle(_box(200, 215, 110, 80), radius=18 * _S, fill=dark)
    d.line(_pts((160, 195), (240, 195)), fill=light, width=4 * _S)
    d.rounded_rectangle(_box(200, 120, 70, 12), radius=6 * _S, fill=light)


def _book(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(205, 178, 170, 210), radius=8 * _S, fill=(250, 248, 240))
    d.rounded_rectangle(_box(200, 175, 170, 210), radius=10 * _S, fill=c)
    d.rectangle(_box(125, 175, 16, 210), fill=dark)
    d.rounded_rectangle(_box(210, 130, 100, 30), radius=6 * _S, fill=light)
    d.rectangle(_box(270, 230, 14, 90), fill=dark)


def _sunglasses(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    for x in (140, 260):
        d.rounded_rectangle(_box(x, 180, 110, 80), radius=34 * _S, fill=dark)
        d.rounded_rectangle(_box(x, 180, 94, 64), radius=28 * _S, fill=c)
        d.line(_pts((x - 30, 165), (x - 10, 150)), fill=light, width=5 * _S)
    d.arc(_box(200, 170, 40, 30), 200, 340, fill=dark, width=8 * _S)
    d.line(_pts((86, 165), (60, 150)), fill=dark, width=8 * _S)
    d.line(_pts((314, 165), (340, 150)), fill=dark, width=8 * _S)


def _hat(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.ellipse(_box(200, 200, 260, 60), fill=dark)
    d.chord(_box(200, 190, 200, 200), 180, 360, fill=c)
    d.rectangle(_box(200, 178, 198, 18), fill=light)
    d.ellipse(_box(200, 86, 18, 18), fill=dark)


def _bottle(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.rounded_rectangle(_box(200, 60, 44, 30), radius=6 * _S, fill=dark)
    d.rounded_rectangle(_box(200, 175, 100, 210), radius=30 * _S, fill=c)
    d.rounded_rectangle(_box(200, 180, 100, 60), radius=4 * _S, fill=light)
    d.line(_pts((172, 100), (172, 140)), fill=(255, 255, 255), width=6 * _S)


def _lantern(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.arc(_box(200, 80, 70, 60), 180, 360, fill=dark, width=8 * _S)
    d.rounded_rectangle(_box(200, 100, 120, 24), radius=8 * _S, fill=dark)
    d.rounded_rectangle(_box(200, 175, 100, 130), radius=14 * _S, fill=(255, 226, 140))
    d.ellipse(_box(200, 178, 50, 70), fill=(255, 246, 210))
    for x in (158, 242):
        d.line(_pts((x, 112), (x, 240)), fill=dark, width=8 * _S)
    d.rounded_rectangle(_box(200, 250, 130, 26), radius=8 * _S, fill=c)


def _socks(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    for dx, colour in ((-45, c), (45, light)):
        x = 200 + dx
        d.rounded_rectangle(_box(x, 130, 56, 150), radius=12 * _S, fill=colour)
        d.rounded_rectangle(_box(x + 25, 210, 100, 56), radius=28 * _S, fill=colour)
        d.rectangle(_box(x, 70, 56, 18), fill=dark)
        d.rectangle(_box(x, 130, 56, 10), fill=dark)


def _plant(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    leaf = (76, 150, 92)
    leaf2 = (56, 122, 74)
    for box, colour in [
        (_box(160, 120, 70, 130), leaf), (_box(240, 120, 70, 130), leaf),
        (_box(200, 95, 60, 150), leaf2), (_box(130, 150, 60, 90), leaf2),
        (_box(270, 150, 60, 90), leaf2),
    ]:  # fmt: skip
        d.ellipse(box, fill=colour)
    d.polygon(_pts((140, 185), (260, 185), (245, 275), (155, 275)), fill=c)
    d.rounded_rectangle(_box(200, 188, 136, 22), radius=6 * _S, fill=dark)


def _can(d: Draw, c: RGB, dark: RGB, light: RGB) -> None:
    d.polygon(_pts((250, 175), (330, 110), (340, 120), (260, 200)), fill=dark)
    d.rounded_rectangle(_box(332, 112, 30, 18), radius=4 * _S, fill=dark)
    d.arc(_box(160, 150, 110, 110), 180, 330, fill=dark, width=12 * _S)
    d.rounded_rectangle(_box(185, 195, 150, 130), radius=20 * _S, fill=c)
    d.rectangle(_box(185, 165, 150, 14), fill=light)


DRAWINGS: dict[str, Callable[[Draw, RGB, RGB, RGB], None]] = {
    "mug": _mug, "lamp": _lamp, "stripes": _stripes, "candle": _candle, "vase": _vase,
    "board": _board, "headphones": _headphones, "device": _device, "keyboard": _keyboard,
    "watch": _watch, "mouse": _mouse, "bag": _bag, "backpack": _backpack, "book": _book,
    "sunglasses": _sunglasses, "hat": _hat, "bottle": _bottle, "lantern": _lantern,
    "socks": _socks, "plant": _plant, "can": _can,
}  # fmt: skip


def _wrap(d: Draw, text: str, font, *, max_width: float) -> list[str]:
    """Greedy word wrap measured in pixels."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and d.textlength(candidate, font=font) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def product_png(*, kind: str, title: str, hue: float) -> bytes:
    """A SIZE x SIZE PNG illustrating `kind` (a DRAWINGS key) with `title` underneath."""
    image = Image.new("RGB", (_W, _W))
    top, bottom = _rgb(hue, 0.55, 0.93), _rgb(hue, 0.45, 0.82)
    gradient = Image.linear_gradient("L").resize((_W, _W))
    image = Image.composite(
        Image.new("RGB", (_W, _W), bottom), Image.new("RGB", (_W, _W), top), gradient
    )
    d = ImageDraw.Draw(image)
    # Soft floor shadow under the drawing.
    d.ellipse(_box(200, 288, 230, 24), fill=_rgb(hue, 0.35, 0.76))
    DRAWINGS[kind](d, _rgb(hue, 0.6, 0.55), _rgb(hue, 0.45, 0.3), _rgb(hue, 0.7, 0.82))
    # The title, printed like a label on the backdrop.
    font = _font(19 * _S)
    lines = _wrap(d, title, font, max_width=340 * _S)[:2]
    y = (352 - 12 * len(lines)) * _S
    for line in lines:
        width = d.textlength(line, font=font)
        d.text(((_W - width) / 2, y), line, font=font, fill=_rgb(hue, 0.55, 0.22))
        y += 25 * _S
    out = io.BytesIO()
    image.resize((SIZE, SIZE), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()
