"""Uploaded images made safe to publish: real type from the bytes, limits, upright, no metadata, preview, blurhash.

Pure image work with Pillow: no database, no HTTP. Everything here is CPU-bound, so callers
run it in a worker thread (`asyncio.to_thread`). Nothing of the uploaded file is kept but
its pixels: the image is decoded and encoded again, which drops EXIF (GPS, camera serial
numbers), XMP, comments and anything hidden after the image data.
"""

from __future__ import annotations

import io
import math
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import blurhash
from PIL import Image, ImageCms, ImageOps

from essaim.outbox.limits import IMAGE_MATRIX_LIMIT, IMAGE_SIZE_LIMIT

ORIGINAL_PIXELS = 8_294_400  # 3840x2160: larger originals are scaled down to this many pixels, as Mastodon does
PREVIEW_SIZE = 640  # longest side of the preview (what web/api/entities/media.py reports as `meta.small`)
PROFILE_SIZES = {"avatar": (400, 400), "header": (1500, 500)}
BLURHASH_COMPONENTS = (4, 4)  # Mastodon's choice: a 36-character hash
BLURHASH_SAMPLE = 32  # the hash is computed on a thumbnail this big: pure Python, ~10 ms


class MediaError(ValueError):
    """An upload that cannot be published; `message` is a sentence for the client (the API answers 422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProcessedImage:
    """A re-encoded image and its preview, ready to be written to disk and described in a row."""

    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int
    preview: bytes
    preview_width: int
    preview_height: int
    blurhash: str


@dataclass(frozen=True)
class _Output:
    """How an accepted input format is written back."""

    pillow_format: str
    mime_type: str
    extension: str
    options: dict[str, Any]
    keeps_alpha: bool


_JPEG = _Output("JPEG", "image/jpeg", "jpg", {"quality": 90, "optimize": True, "progressive": True}, False)
_PNG = _Output("PNG", "image/png", "png", {}, True)
_WEBP = _Output("WEBP", "image/webp", "webp", {"quality": 90}, True)
# Pillow format of an upload → what we write; the inputs are limits.IMAGE_MIME_TYPES, which /instance publishes.
# MPO is how Pillow names phone JPEGs with extra frames; a GIF keeps its first frame only, written as PNG
# (lossless, keeps transparency): still images only, as there is no video pipeline for "gifv".
_OUTPUTS = {"JPEG": _JPEG, "MPO": _JPEG, "PNG": _PNG, "GIF": _PNG, "WEBP": _WEBP}
_OPENERS = ["JPEG", "PNG", "GIF", "WEBP"]  # the only decoders Pillow may try (its JPEG one also returns MPO)
_ACCEPTED = "JPEG, PNG, GIF or WebP"


def process_image(data: bytes) -> ProcessedImage:
    """An attachment: upright, stripped, at most ORIGINAL_PIXELS, with a preview and a blurhash."""
    image, output = _decode(data, _within_original_pixels)
    image = _clean(image, output)
    if (size := _within_original_pixels(image.width, image.height)) != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _finish(image, output)


def process_profile_image(data: bytes, kind: Literal["avatar", "header"]) -> ProcessedImage:
    """An avatar (400x400) or header (1500x500): the upload cropped around its centre to fill that size."""
    size = PROFILE_SIZES[kind]
    image, output = _decode(data, lambda width, height: _covering(width, height, size))
    image = ImageOps.fit(_clean(image, output), size, Image.Resampling.LANCZOS)
    return _finish(image, output)


def save_file(media_dir: Path, data: bytes, extension: str) -> str:
    """Write `data` under a random, unguessable name (files are served without authentication); atomic.

    Files are spread over two levels of sub-folders named after the name's first hex digits.
    Returns the path relative to `media_dir`, with `/` separators (it is also the URL path).
    """
    if not extension.isalnum():
        raise ValueError(f"bad file extension {extension!r}")
    token = secrets.token_hex(16)
    relative = f"{token[:2]}/{token[2:4]}/{token}.{extension}"
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # readable by a reverse proxy serving media.dir directly
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative


def remove_file(media_dir: Path, relative: str) -> None:
    """Delete a file `save_file` wrote (missing is fine: removing twice is harmless)."""
    (media_dir / relative).unlink(missing_ok=True)


def _within_original_pixels(width: int, height: int) -> tuple[int, int]:
    """The size of an attachment as stored: at most ORIGINAL_PIXELS, same aspect."""
    if width * height <= ORIGINAL_PIXELS:
        return width, height
    scale = math.sqrt(ORIGINAL_PIXELS / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _covering(width: int, height: int, size: tuple[int, int]) -> tuple[int, int]:
    """The smallest scaled size that still covers `size` once cropped."""
    scale = min(1.0, max(size[0] / width, size[1] / height))
    return math.ceil(width * scale), math.ceil(height * scale)


def _decode(data: bytes, needed: Callable[[int, int], tuple[int, int]]) -> tuple[Image.Image, _Output]:
    """Sniff, check and fully decode the upload; every way a hostile file can fail becomes a MediaError.

    `needed(width, height)` is the smallest size the caller will use: big JPEGs are decoded
    straight at 1/2, 1/4 or 1/8 scale when that still covers it (less memory and time).
    """
    if not data:
        raise MediaError("The file is empty")
    if len(data) > IMAGE_SIZE_LIMIT:
        raise MediaError(f"The file is too large: images may be at most {IMAGE_SIZE_LIMIT // (1024 * 1024)} MiB")
    try:
        with Image.open(io.BytesIO(data), formats=_OPENERS) as probe:
            _check_pixels(probe)
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
        _check_pixels(image)
        output = _OUTPUTS[str(image.format)]
        if output is _JPEG and (minimum := needed(image.width, image.height)) != image.size:
            image.draft(None, minimum)
        image.load()
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # the warning: when warnings are errors
        raise _too_many_pixels() from None
    except Image.UnidentifiedImageError:
        raise MediaError(f"The file is not an image in a supported format ({_ACCEPTED})") from None
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, EOFError, struct.error… on damaged files
        raise MediaError("The image could not be read: the file is damaged or incomplete") from None
    return image, output


def _check_pixels(image: Image.Image) -> None:
    """The header's dimensions, checked before any pixel is decoded."""
    if image.width < 1 or image.height < 1:
        raise MediaError("The image has no pixels")
    if image.width * image.height > IMAGE_MATRIX_LIMIT:
        raise _too_many_pixels()


def _too_many_pixels() -> MediaError:
    return MediaError(f"The image has too many pixels: at most {IMAGE_MATRIX_LIMIT} (for example 7680x4320)")


def _clean(image: Image.Image, output: _Output) -> Image.Image:
    """Upright, in sRGB, in a mode `output` can write, and with no metadata left to write."""
    image = _upright(image)
    image = _to_srgb(image)
    image = _writable_mode(image, output)
    image.info = {}
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (phones store photos sideways and set a flag instead of rotating)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # EXIF is untrusted input: a broken block only costs the rotation, the pixels are fine
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels tagged with an ICC profile (Display P3, Adobe RGB, CMYK) to sRGB, so the profile can go."""
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    if image.mode in ("P", "PA", "LA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(
            image, source, target, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):  # a broken or mismatched profile: keep the pixels
        return image
    return converted if converted is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _writable_mode(image: Image.Image, output: _Output) -> Image.Image:
    if output.keeps_alpha and _has_alpha(image):
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode.startswith("I"):  # 16-bit grey: scale to 8 bits (convert() would clip everything above 255)
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGB", "L"):
        return image
    if _has_alpha(image):  # JPEG: flatten transparency onto white, as the image would show on a page
        return _on_white(image)
    return image.convert("RGB")


def _on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def _finish(image: Image.Image, output: _Output) -> ProcessedImage:
    preview = image.copy()
    preview.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        data=_encode(image, output),
        mime_type=output.mime_type,
        extension=output.extension,
        width=image.width,
        height=image.height,
        preview=_encode(preview, output),
        preview_width=preview.width,
        preview_height=preview.height,
        blurhash=_blurhash(preview),
    )


def _encode(image: Image.Image, output: _Output) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, output.pillow_format, **output.options)
    return buffer.getvalue()


def _blurhash(image: Image.Image) -> str:
    """The blurhash apps show while the image loads (and behind a content warning), from a tiny thumbnail."""
    sample = image.copy()
    sample.thumbnail((BLURHASH_SAMPLE, BLURHASH_SAMPLE), Image.Resampling.BOX)
    sample = _on_white(sample) if _has_alpha(sample) else sample.convert("RGB")
    pixels = sample.tobytes()
    width = sample.width
    rows = [
        [tuple(pixels[offset : offset + 3]) for offset in range(row * width * 3, (row + 1) * width * 3, 3)]
        for row in range(sample.height)
    ]
    components_x, components_y = BLURHASH_COMPONENTS
    return str(blurhash.encode(rows, components_x, components_y))
