//! Test-only PNG decoder for what `png::encode_rgb` writes (RGB8, one
//! fixed-Huffman deflate block), so tests can check the encoder and look at
//! rendered pixels without an image library.
//!
//! Owns nothing used in production. Must not grow into a general decoder.

/// A decoded image.
pub(crate) struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Decodes a PNG written by `encode_rgb`; any deviation is an error string.
pub(crate) fn decode_rgb(png: &[u8]) -> Result<Decoded, String> {
    if png.get(..8) != Some(&super::SIGNATURE[..]) {
        return Err("bad signature".into());
    }
    let mut pos = 8;
    let (mut width, mut height, mut idat) = (0u32, 0u32, Vec::new());
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(be4(png, pos)?) as usize;
        let kind = png.get(pos + 4..pos + 8).ok_or("truncated")?;
        let data = png.get(pos + 8..pos + 8 + len).ok_or("truncated chunk")?;
        let crc = u32::from_be_bytes(be4(png, pos + 8 + len)?);
        if super::crc32(&png[pos + 4..pos + 8 + len]) != crc {
            return Err("bad crc".into());
        }
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(be4(data, 0)?);
                height = u32::from_be_bytes(be4(data, 4)?);
                if data.get(8..13) != Some(&[8, 2, 0, 0, 0][..]) {
                    return Err("unsupported header".into());
                }
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => return Err("unexpected chunk".into()),
        }
        pos += 12 + len;
    }
    let raw = inflate_zlib(&idat)?;
    let stride = width as usize * 3;
    let rgb = unfilter(&raw, stride, height as usize)?;
    Ok(Decoded { width, height, rgb })
}

fn be4(b: &[u8], at: usize) -> Result<[u8; 4], String> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| "truncated".to_string())
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Result<u32, String> {
        let byte = self.data.get(self.pos / 8).ok_or("out of data")?;
        let b = u32::from(byte >> (self.pos % 8) & 1);
        self.pos += 1;
        Ok(b)
    }
    /// An LSB-first integer field.
    fn int(&mut self, n: u32) -> Result<u32, String> {
        (0..n).try_fold(0, |acc, i| Ok(acc | self.bit()? << i))
    }
    /// An MSB-first Huffman code of `n` more bits appended to `code`.
    fn code(&mut self, mut code: u32, n: u32) -> Result<u32, String> {
        for _ in 0..n {
            code = code << 1 | self.bit()?;
        }
        Ok(code)
    }
}

fn inflate_zlib(z: &[u8]) -> Result<Vec<u8>, String> {
    if z.get(..2) != Some(&[0x78, 0x01][..]) {
        return Err("bad zlib header".into());
    }
    let mut bits = Bits {
        data: &z[2..],
        pos: 0,
    };
    if bits.int(1)? != 1 || bits.int(2)? != 1 {
        return Err("expected one final fixed-Huffman block".into());
    }
    let mut out: Vec<u8> = Vec::new();
    loop {
        let c7 = bits.code(0, 7)?;
        let symbol = if c7 <= 0x17 {
            256 + c7
        } else {
            let c8 = bits.code(c7, 1)?;
            match c8 {
                0x30..=0xBF => c8 - 0x30,
                0xC0..=0xC7 => 280 + c8 - 0xC0,
                _ => 144 + bits.code(c8, 1)? - 0x190,
            }
        };
        match symbol {
            0..=255 => out.push(symbol as u8),
            256 => break,
            _ => {
                let li = (symbol - 257) as usize;
                let len = usize::from(super::LENGTH_BASE[li])
                    + bits.int(u32::from(super::LENGTH_EXTRA[li]))? as usize;
                let di = bits.code(0, 5)? as usize;
                let dist = usize::from(*super::DIST_BASE.get(di).ok_or("bad distance")?)
                    + bits.int(u32::from(super::DIST_EXTRA[di]))? as usize;
                let start = out.len().checked_sub(dist).ok_or("distance too far")?;
                for k in 0..len {
                    out.push(out[start + k]);
                }
            }
        }
    }
    let end = 2 + bits.pos.div_ceil(8);
    let adler = be4(z, end)?;
    if super::adler32(&out) != u32::from_be_bytes(adler) {
        return Err("bad adler32".into());
    }
    Ok(out)
}

fn unfilter(raw: &[u8], stride: usize, height: usize) -> Result<Vec<u8>, String> {
    if raw.len() != (stride + 1) * height {
        return Err("wrong data size".into());
    }
    let mut out = vec![0u8; stride * height];
    for r in 0..height {
        let line = &raw[r * (stride + 1)..(r + 1) * (stride + 1)];
        for i in 0..stride {
            let a = if i >= 3 { out[r * stride + i - 3] } else { 0 };
            let b = if r > 0 { out[(r - 1) * stride + i] } else { 0 };
            let c = if r > 0 && i >= 3 {
                out[(r - 1) * stride + i - 3]
            } else {
                0
            };
            let predictor = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => super::paeth(a, b, c),
                _ => return Err("bad filter".into()),
            };
            out[r * stride + i] = line[1 + i].wrapping_add(predictor);
        }
    }
    Ok(out)
}
