//! The virtual card's PNG images (the card face's name, address, My Number and security-code
//! images): a 1-bit greyscale PNG writer and a tiny raster of the text.
//!
//! Why not the `png` crate: the card's images are a few hundred bytes of 1-bit pixels, written
//! once when an image is generated and never decoded by the virtual card. A PNG of that kind
//! needs only the chunk framing, CRC-32, and a zlib stream of *stored* (uncompressed) deflate
//! blocks with its Adler-32; about 60 lines, against a dependency with five transitive crates.
//! The output is deterministic (no compression heuristics), which the byte-reproducible
//! default image (`sim-image/default`) needs.
//!
//! The raster is not a font: ASCII digits are drawn with a 3×5 dot matrix (so the My Number
//! and security-code images are legible), every other character as a 5×5 pattern derived from
//! its code point, clearly not the real writing. The images are fictional data; only their
//! format (PNG, 1 bit, as real cards store the name and address images) matters.

/// Scale of one raster dot, in pixels.
const SCALE: usize = 2;
/// Margin around the text, in dots.
const MARGIN: usize = 2;

/// 3×5 digits, one row per `u8` (bit 2 = left column).
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// The glyph of one character: (width in dots, 5 rows of bits, bit `width-1` = left).
fn glyph(c: char) -> (usize, [u8; 5]) {
    if let Some(rows) = c.to_digit(10).and_then(|d| DIGITS.get(d as usize)) {
        return (3, *rows);
    }
    if c == ' ' || c == '\u{3000}' {
        return (3, [0; 5]);
    }
    // A box with a pattern inside taken from the code point's bits.
    let v = u32::from(c);
    let mid = |shift: u32| 0b10001 | (((v >> shift) & 0b111) << 1) as u8;
    (5, [0b11111, mid(0), mid(3), mid(6), 0b11111])
}

/// A 1-bit PNG (black text on white) showing `text` on one line.
pub fn text_png(text: &str) -> Vec<u8> {
    let glyphs: Vec<(usize, [u8; 5])> = text.chars().map(glyph).collect();
    let dots_w = 2 * MARGIN + glyphs.iter().map(|(w, _)| w + 1).sum::<usize>().max(1);
    let dots_h = 2 * MARGIN + 5;
    let (w, h) = (dots_w * SCALE, dots_h * SCALE);
    // Pixels, true = black.
    let mut px = vec![false; w * h];
    let mut x0 = MARGIN;
    for (gw, rows) in &glyphs {
        for (ry, bits) in rows.iter().enumerate() {
            for gx in 0..*gw {
                if bits >> (gw - 1 - gx) & 1 == 1 {
                    for sy in 0..SCALE {
                        for sx in 0..SCALE {
                            let (x, y) = ((x0 + gx) * SCALE + sx, (MARGIN + ry) * SCALE + sy);
                            if let Some(p) = px.get_mut(y * w + x) {
                                *p = true;
                            }
                        }
                    }
                }
            }
        }
        x0 += gw + 1;
    }
    encode_1bit(w, h, &px)
}

/// Encode `pixels` (row-major, true = black) as a 1-bit greyscale PNG.
pub fn encode_1bit(width: usize, height: usize, pixels: &[bool]) -> Vec<u8> {
    let row_bytes = width.div_ceil(8);
    let mut raw = Vec::with_capacity(height * (row_bytes + 1));
    for y in 0..height {
        raw.push(0); // filter type None
        for bx in 0..row_bytes {
            let mut byte = 0u8;
            for bit in 0..8 {
                let x = bx * 8 + bit;
                // 1 = white in greyscale; padding bits white.
                let black = x < width && pixels.get(y * width + x).copied().unwrap_or(false);
                if !black {
                    byte |= 0x80 >> bit;
                }
            }
            raw.push(byte);
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(height as u32).to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, greyscale, deflate, filter 0, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let typed = [kind.as_slice(), data].concat();
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A zlib stream of stored deflate blocks (RFC 1950/1951).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(0xFFFF).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_published_check_values() {
        // The standard check value of CRC-32 (ISO-HDLC) and Adler-32 over "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"123456789"), 0x091E_01DE);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn png_structure() {
        let png = text_png("1234");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap()) as usize;
        // 4 digits of 3 dots + 1 space each, 2 dots of margin each side; 9 rows; scale 2.
        assert_eq!((w, h), ((4 * 4 + 4) * 2, 9 * 2));
        assert_eq!(&png[24..29], [1, 0, 0, 0, 0]);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // IDAT: zlib header, one final stored block holding every row.
        let idat = 8 + 25;
        assert_eq!(&png[idat + 4..idat + 8], b"IDAT");
        let z = &png[idat + 8..];
        assert_eq!(&z[..3], [0x78, 0x01, 0x01]);
        let len = usize::from(u16::from_le_bytes([z[3], z[4]]));
        assert_eq!(len, h * (w.div_ceil(8) + 1));
        // Deterministic, and the text matters.
        assert_eq!(text_png("1234"), png);
        assert_ne!(text_png("1235"), png);
        assert_ne!(text_png("番号"), text_png("花子"));
    }
}
