"""`wpg.reply_format=vendor`: replies laid out the way the seed's samples are (wpg.md §2; research
notes on seed 003): two spaces per level, one element per line, empty elements self-closed, the
DOCTYPE split after the public id, `<reply>` and `</reply>` on their own lines even when empty,
CDATA text on its own line one level deeper (so the element's text carries the padding), and the
base64 of `encryptedPAN` wrapped over lines with the continuation lines indented. A client that
does not trim, or decodes base64 strictly, sees here what it would see from the vendor.
`compact` (the default) is one line with no padding. Both validate against the vendor DTD.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay PaymentService v1//EN"\n'
        ' "http://dtd.worldpay.com/paymentService_v1.dtd">\n')
CDATA = {"cardHolderName", "tokenReason", "error", "issuerURL", "acsURL", "encryptedPAN"}
WRAP = (130, 139)  # the seed's detokenisation sample: lines of 130, 139, then the rest
ALWAYS_OPEN = {"reply"}
_state: dict = {}


def _parser():
    if not _state:
        from lxml import etree

        _state["etree"] = etree
        _state["parser"] = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                           strip_cdata=False)
    return _state["etree"], _state["parser"]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _wrapped(text: str, indent: str) -> str:
    """base64 over lines of the seed's widths, continuation lines indented like the first."""
    parts, rest = [], text
    for width in WRAP:
        if len(rest) <= width:
            break
        parts.append(rest[:width])
        rest = rest[width:]
    parts.append(rest)
    return ("\n" + indent).join(parts)


def _element(el, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in el.attrib.items())
    kids = [c for c in el if isinstance(c.tag, str)]
    text = (el.text or "").strip() if not kids else ""
    if kids or el.tag in ALWAYS_OPEN:
        out.append(f"{pad}<{el.tag}{attrs}>")
        for child in kids:
            _element(child, depth + 1, out)
        out.append(f"{pad}</{el.tag}>")
    elif el.tag in CDATA and el.text:
        inner = pad + "  "
        value = _wrapped(el.text, inner) if el.tag == "encryptedPAN" else el.text
        out.append(f"{pad}<{el.tag}{attrs}>\n{inner}{_cdata(value)}\n{pad}</{el.tag}>")
    elif text:
        out.append(f"{pad}<{el.tag}{attrs}>{escape(text)}</{el.tag}>")
    else:
        out.append(f"{pad}<{el.tag}{attrs}/>")


def vendor(body: bytes) -> bytes:
    """A compact reply document re-laid out as the vendor's samples."""
    etree, parser = _parser()
    root = etree.fromstring(body, parser)
    out: list[str] = []
    _element(root, 0, out)
    return (HEAD + "\n".join(out) + "\n").encode()
