"""Image processing on generated images: what is refused, what is kept, and that nothing private survives."""

from __future__ import annotations

import io
import stat
import struct
import zlib
from pathlib import Path

import blurhash
import pytest
from PIL import Image, ImageCms, PngImagePlugin

from essaim.outbox.limits import IMAGE_MATRIX_LIMIT, IMAGE_MIME_TYPES, IMAGE_SIZE_LIMIT
from essaim.outbox.media_processing import (
    ORIGINAL_PIXELS,
    MediaError,
    ProcessedImage,
    process_image,
    process_profile_image,
    remove_file,
    save_file,
)

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)
SECRETS = (b"EssaimTestCamera", b"secret comment", b"secretxmp", b"Jane Doe")
BASE83 = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~")


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def halves(size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    """An image whose left half is one colour and right half another: shows which way it was turned."""
    image = Image.new("RGB", size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_exif(image: Image.Image, orientation: int) -> Image.Exif:
    """What a phone writes: an orientation flag, the camera, and where the photo was taken."""
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "EssaimTestCamera"
    exif[0x013B] = "Jane Doe"  # Artist
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return exif


def srgb_icc() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def near(pixel: object, colour: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    assert len(image.getexif()) == 0, dict(image.getexif())
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author"} & set(image.info), image.info
    for secret in SECRETS:
        assert secret not in data, secret
    assert b"Exif\x00\x00" not in data


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG file claiming `width`x`height` 1-bit pixels: what a decompression bomb looks like from outside."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")
    )


def refused(data: bytes) -> str:
    with pytest.raises(MediaError) as caught:
        process_image(data)
    assert isinstance(caught.value, ValueError)
    return caught.value.message


def test_phone_photo_is_turned_upright_and_loses_gps_camera_and_every_other_metadata() -> None:
    photo = halves((60, 40), RED, BLUE)  # stored sideways: orientation 6 means "turn 90° clockwise to view"
    original = encode(
        photo,
        "JPEG",
        quality=95,
        exif=phone_exif(photo, 6),
        comment=b"secret comment",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secretxmp</x:xmpmeta>",
        icc_profile=srgb_icc(),
    )
    sent = opened(original)
    assert sent.getexif().get_ifd(0x8825)[2] == (48.0, 51.0, 24.0), "the upload does carry GPS coordinates"
    assert all(secret in original for secret in SECRETS[:3])

    result = process_image(original)

    assert (result.mime_type, result.extension) == ("image/jpeg", "jpg")
    assert (result.width, result.height) == (40, 60), "portrait once turned"
    for data in (result.data, result.preview):
        assert_no_metadata(data)
        upright = opened(data).convert("RGB")
        assert upright.size == (40, 60)
        assert near(upright.getpixel((20, 10)), RED), "the left half of the stored image is now on top"
        assert near(upright.getpixel((20, 50)), BLUE)


@pytest.mark.parametrize("orientation,top_left", [(1, RED), (3, BLUE), (8, BLUE)])
def test_other_orientations(orientation: int, top_left: tuple[int, int, int]) -> None:
    photo = halves((60, 40), RED, BLUE)
    result = process_image(encode(photo, "JPEG", exif=phone_exif(photo, orientation)))
    upright = opened(result.data).convert("RGB")
    assert upright.size == ((60, 40) if orientation in (1, 3) else (40, 60))
    assert near(upright.getpixel((2, 2)), top_left)
    assert_no_metadata(result.data)


def test_png_keeps_its_transparency_and_drops_its_text_chunks() -> None:
    image = Image.new("RGBA", (50, 30), (*GREEN, 255))
    image.paste((0, 0, 0, 0), (0, 0, 25, 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_itxt("XML:com.adobe.xmp", "secretxmp")
    result = process_image(encode(image, "PNG", pnginfo=info, exif=phone_exif(image, 1)))
    assert (result.mime_type, result.extension) == ("image/png", "png")
    for data in (result.data, result.preview):
        output = opened(data)
        assert output.mode == "RGBA"
        assert output.getpixel((5, 5))[3] == 0, "transparent stays transparent"  # type: ignore[index]
        assert output.getpixel((45, 5)) == (*GREEN, 255)
        assert_no_metadata(data)


def test_palette_png_with_a_transparent_colour_keeps_it() -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([*RED, *BLUE] + [0] * 762)
    image.paste(1, (10, 0, 20, 20))
    result = process_image(encode(image, "PNG", transparency=0))
    output = opened(result.data)
    assert output.mode == "RGBA"
    assert output.getpixel((2, 2))[3] == 0  # type: ignore[index]
    assert output.getpixel((15, 2)) == (*BLUE, 255)


def test_gif_becomes_a_png_of_its_first_frame() -> None:
    frames = [Image.new("RGB", (30, 30), colour).convert("P") for colour in (RED, GREEN, BLUE)]
    animated = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(animated)).n_frames == 3  # type: ignore[attr-defined]
    result = process_image(animated)
    assert (result.mime_type, result.extension, result.width, result.height) == ("image/png", "png", 30, 30)
    assert near(opened(result.data).convert("RGB").getpixel((15, 15)), RED)


def test_webp_stays_webp_without_its_metadata() -> None:
    image = halves((80, 40), RED, BLUE)
    original = encode(image, "WEBP", exif=phone_exif(image, 1), xmp=b"secretxmp", icc_profile=srgb_icc())
    result = process_image(original)
    assert (result.mime_type, result.extension) == ("image/webp", "webp")
    assert near(opened(result.data).convert("RGB").getpixel((10, 20)), RED)
    assert_no_metadata(result.data)


def test_every_published_mime_type_is_accepted() -> None:
    formats = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
    assert set(IMAGE_MIME_TYPES) == set(formats), "/instance publishes exactly what process_image takes"
    for mime in IMAGE_MIME_TYPES:
        assert process_image(encode(Image.new("RGB", (8, 8), RED), formats[mime])).width == 8


def test_cmyk_jpeg_and_16_bit_grey_png_are_converted_not_clipped() -> None:
    cmyk = process_image(encode(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG"))
    assert near(opened(cmyk.data).convert("RGB").getpixel((5, 5)), RED)
    grey = process_image(encode(Image.new("I;16", (10, 10), 32768), "PNG"))
    assert 110 <= opened(grey.data).convert("L").getpixel((5, 5)) <= 145  # type: ignore[operator]


def test_colour_profile_is_applied_then_dropped() -> None:
    result = process_image(encode(Image.new("RGB", (10, 10), RED), "PNG", icc_profile=srgb_icc()))
    output = opened(result.data)
    assert "icc_profile" not in output.info
    assert near(output.convert("RGB").getpixel((5, 5)), RED, tolerance=3)


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not an image",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n",
        encode(Image.new("RGB", (10, 10), RED), "BMP"),
        encode(Image.new("RGB", (10, 10), RED), "TIFF"),
    ],
    ids=["text", "svg", "pdf", "bmp", "tiff"],
)
def test_anything_but_jpeg_png_gif_webp_is_refused(data: bytes) -> None:
    assert refused(data) == "The file is not an image in a supported format (JPEG, PNG, GIF or WebP)"


def test_empty_damaged_and_oversized_files_are_refused() -> None:
    assert refused(b"") == "The file is empty"
    photo = encode(Image.effect_noise((200, 200), 64).convert("RGB"), "JPEG")
    assert "damaged or incomplete" in refused(photo[: len(photo) // 2])
    png = encode(Image.effect_noise((200, 200), 64), "PNG")
    corrupted = png[:200] + bytes(b ^ 0xFF for b in png[200:260]) + png[260:]
    assert "damaged or incomplete" in refused(corrupted)
    assert refused(png + b"\0" * (IMAGE_SIZE_LIMIT + 1 - len(png))) == (
        "The file is too large: images may be at most 16 MiB"
    )


def test_pixel_limit_is_inclusive() -> None:
    assert IMAGE_MATRIX_LIMIT == 7680 * 4320
    at_limit = encode(Image.new("1", (7680, 4320), 1), "PNG")
    result = process_image(at_limit)
    assert result.width * result.height <= ORIGINAL_PIXELS
    assert abs(result.width / result.height - 7680 / 4320) < 0.01
    over = encode(Image.new("1", (7681, 4320), 1), "PNG")
    assert refused(over) == "The image has too many pixels: at most 33177600 (for example 7680x4320)"


@pytest.mark.parametrize("size", [(10_000, 10_000), (20_000, 20_000), (2**31 - 1, 2**31 - 1)])
def test_decompression_bombs_are_refused_before_decoding(size: tuple[int, int]) -> None:
    """Beyond Pillow's own thresholds (a warning at 89 Mpx, an error at 179 Mpx) as well: a refusal, never a crash."""
    bomb = png_header(*size)
    assert len(bomb) < 200
    assert refused(bomb).startswith("The image has too many pixels")


def test_large_originals_are_scaled_down_as_mastodon_does() -> None:
    big = encode(halves((4000, 3000), RED, BLUE), "JPEG")
    result = process_image(big)
    assert result.width * result.height <= ORIGINAL_PIXELS
    assert result.width > 3000 and abs(result.width / result.height - 4 / 3) < 0.01
    assert near(opened(result.data).convert("RGB").getpixel((10, 10)), RED)


@pytest.mark.parametrize(
    "size,preview", [((2000, 500), (640, 160)), ((500, 2000), (160, 640)), ((300, 200), (300, 200))]
)
def test_preview_longest_side_is_at_most_640(size: tuple[int, int], preview: tuple[int, int]) -> None:
    result = process_image(encode(Image.new("RGB", size, RED), "PNG"))
    assert (result.width, result.height) == size
    assert (result.preview_width, result.preview_height) == preview
    assert opened(result.preview).size == preview


def test_blurhash_is_a_valid_hash_of_the_image_colours() -> None:
    result = process_image(encode(Image.new("RGB", (120, 80), RED), "JPEG"))
    assert len(result.blurhash) == 36, "4x4 components, as Mastodon"
    assert set(result.blurhash) <= BASE83
    for row in blurhash.decode(result.blurhash, 4, 4):
        for pixel in row:
            assert near(tuple(pixel), RED)
    transparent = process_image(encode(Image.new("RGBA", (20, 20), (0, 0, 0, 0)), "PNG"))
    for row in blurhash.decode(transparent.blurhash, 2, 2):
        assert all(near(tuple(pixel), (255, 255, 255)) for pixel in row), "transparency reads as white"


def test_avatar_is_a_400_square_cut_from_the_centre() -> None:
    image = Image.new("RGB", (4000, 2000), GREEN)  # big enough to be decoded at 1/4 scale straight away
    image.paste(RED, (1000, 0, 3000, 2000))
    result = process_profile_image(encode(image, "JPEG", exif=phone_exif(image, 1)), "avatar")
    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height, result.preview_width, result.preview_height) == (400, 400, 400, 400)
    output = opened(result.data).convert("RGB")
    assert all(near(output.getpixel(point), RED) for point in ((3, 3), (396, 200), (200, 396)))
    assert_no_metadata(result.data)


def test_header_is_1500_by_500_even_from_a_square_upright_photo() -> None:
    photo = halves((600, 900), RED, BLUE)  # orientation 6: 900x600 once turned, red on top
    result = process_profile_image(encode(photo, "JPEG", exif=phone_exif(photo, 6)), "header")
    assert (result.width, result.height) == (1500, 500)
    assert (result.preview_width, result.preview_height) == (640, 213)
    output = opened(result.data).convert("RGB")
    assert near(output.getpixel((750, 20)), RED) and near(output.getpixel((750, 480)), BLUE)
    assert_no_metadata(result.data)


def test_profile_images_obey_the_same_limits() -> None:
    with pytest.raises(MediaError, match="too many pixels"):
        process_profile_image(png_header(10_000, 10_000), "avatar")
    with pytest.raises(MediaError, match="not an image"):
        process_profile_image(b"GIF89a but not really", "header")


def test_save_file_writes_atomically_under_random_hashed_folders(tmp_path: Path) -> None:
    first = save_file(tmp_path, b"one", "png")
    second = save_file(tmp_path, b"two", "png")
    assert first != second
    for relative, content in ((first, b"one"), (second, b"two")):
        folder_a, folder_b, name = relative.split("/")
        assert len(folder_a) == len(folder_b) == 2 and name.startswith(folder_a + folder_b) and name.endswith(".png")
        assert len(name) == 32 + 4, "128 random bits: media URLs cannot be guessed"
        path = tmp_path / relative
        assert path.read_bytes() == content
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted([first[6:], second[6:]]), "no temp"
    with pytest.raises(ValueError):
        save_file(tmp_path, b"x", "../../etc")
    remove_file(tmp_path, first)
    remove_file(tmp_path, first)
    assert not (tmp_path / first).exists() and (tmp_path / second).exists()
