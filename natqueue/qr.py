"""QR codes for site posters and the resident's own ticket."""

import io

import qrcode
import qrcode.image.svg


def _code(data: str) -> qrcode.QRCode:
    # Medium error correction: survives a crease or a raindrop on a printed poster.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def svg(data: str) -> bytes:
    buf = io.BytesIO()
    _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buf)
    return buf.getvalue()


def png(data: str, box_size: int = 10) -> bytes:
    code = _code(data)
    code.box_size = box_size
    buf = io.BytesIO()
    code.make_image().save(buf, format="PNG")
    return buf.getvalue()
