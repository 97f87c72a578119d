//! A small, deterministic PNG encoder for 8-bit RGB frame buffers.
//!
//! plotters can only save bitmaps to a file path, and no image crate is a
//! direct dependency, so figures are rendered into memory and encoded here.
//! Doing it ourselves also pins the exact bytes: the output depends only on
//! the pixels, never on a library version, which keeps golden files stable.
//!
//! Owns PNG chunk layout, row filtering and zlib/deflate compression (LZ77
//! with fixed Huffman codes: plots are mostly flat colour, where long
//! matches dominate and dynamic Huffman tables would gain little). Must not
//! know about plots or waveforms.

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
const BYTES_PER_PIXEL: usize = 3;

/// Encodes an RGB8 buffer (row-major, no padding) as a PNG file.
/// Returns `None` when the buffer length does not match the size.
pub(crate) fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Option<Vec<u8>> {
    let stride = usize::try_from(width).ok()?.checked_mul(BYTES_PER_PIXEL)?;
    let expected = stride.checked_mul(usize::try_from(height).ok()?)?;
    if width == 0 || height == 0 || rgb.len() != expected {
        return None;
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut out = Vec::with_capacity(expected / 16 + 64);
    out.extend_from_slice(&SIGNATURE);
    push_chunk(&mut out, b"IHDR", &ihdr);
    push_chunk(&mut out, b"IDAT", &zlib(&filter_rows(rgb, stride)));
    push_chunk(&mut out, b"IEND", &[]);
    Some(out)
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Chunk data never exceeds 2^31 here: images are at most a few MB.
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// Applies, per row, the PNG filter with the smallest sum of absolute
/// residuals (the usual libpng heuristic), prefixing each row with its type.
fn filter_rows(rgb: &[u8], stride: usize) -> Vec<u8> {
    let zero = vec![0u8; stride];
    let mut out = Vec::with_capacity(rgb.len() + rgb.len() / stride);
    let mut candidate = vec![0u8; stride];
    let mut best = vec![0u8; stride];
    for (r, row) in rgb.chunks_exact(stride).enumerate() {
        let above = if r == 0 {
            &zero[..]
        } else {
            &rgb[(r - 1) * stride..r * stride]
        };
        let mut best_type = 0u8;
        let mut best_cost = u64::MAX;
        for kind in 0..5u8 {
            for i in 0..stride {
                let a = if i >= BYTES_PER_PIXEL {
                    row[i - BYTES_PER_PIXEL]
                } else {
                    0
                };
                let c = if i >= BYTES_PER_PIXEL {
                    above[i - BYTES_PER_PIXEL]
                } else {
                    0
                };
                let b = above[i];
                let predictor = match kind {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    _ => paeth(a, b, c),
                };
                candidate[i] = row[i].wrapping_sub(predictor);
            }
            let cost: u64 = candidate
                .iter()
                .map(|&x| u64::from((x as i8).unsigned_abs()))
                .sum();
            if cost < best_cost {
                best_cost = cost;
                best_type = kind;
                best.copy_from_slice(&candidate);
            }
        }
        out.push(best_type);
        out.extend_from_slice(&best);
    }
    out
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// A zlib stream (RFC 1950) around one fixed-Huffman deflate block (RFC 1951).
fn zlib(data: &[u8]) -> Vec<u8> {
    let mut bits = BitWriter::default();
    // CMF/FLG: deflate with a 32 KiB window, no dictionary; 0x7801 % 31 == 0.
    bits.out.extend_from_slice(&[0x78, 0x01]);
    bits.write(1, 1); // BFINAL
    bits.write(1, 2); // BTYPE = 01, fixed Huffman codes
    deflate_lz77(data, &mut bits);
    write_symbol(&mut bits, 256); // end of block
    let mut out = bits.finish();
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

const WINDOW: usize = 1 << 15;
const HASH_BITS: u32 = 15;
const NONE: u32 = u32::MAX;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Candidates examined per position; bounds the time on noisy content.
const MAX_CHAIN: usize = 48;
/// A match this long is taken without looking for a longer one.
const NICE_MATCH: usize = 128;

/// Greedy LZ77 with hash chains over a 32 KiB window.
fn deflate_lz77(data: &[u8], bits: &mut BitWriter) {
    let n = data.len();
    let mut head = vec![NONE; 1 << HASH_BITS];
    let mut prev = vec![NONE; WINDOW];
    let hash = |i: usize| -> usize {
        let key = u32::from(data[i]) | u32::from(data[i + 1]) << 8 | u32::from(data[i + 2]) << 16;
        (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    };
    let insert = |i: usize, head: &mut [u32], prev: &mut [u32]| {
        if i + MIN_MATCH <= n {
            let h = hash(i);
            prev[i % WINDOW] = head[h];
            // Positions fit in u32: inputs are far below 4 GiB.
            head[h] = i as u32;
        }
    };
    let mut i = 0;
    while i < n {
        let (mut best_len, mut best_dist) = (0usize, 0usize);
        if i + MIN_MATCH <= n {
            let max_len = MAX_MATCH.min(n - i);
            let mut candidate = head[hash(i)];
            let mut chain = 0;
            while candidate != NONE && chain < MAX_CHAIN {
                let c = candidate as usize;
                if c >= i || i - c > WINDOW {
                    break;
                }
                if data[c + best_len] == data[i + best_len] {
                    let len = data[c..c + max_len]
                        .iter()
                        .zip(&data[i..i + max_len])
                        .take_while(|(x, y)| x == y)
                        .count();
                    if len > best_len {
                        best_len = len;
                        best_dist = i - c;
                        if len >= NICE_MATCH || len == max_len {
                            break;
                        }
                    }
                }
                let next = prev[c % WINDOW];
                if next != NONE && next as usize >= c {
                    break;
                }
                candidate = next;
                chain += 1;
            }
            insert(i, &mut head, &mut prev);
        }
        if best_len >= MIN_MATCH {
            write_match(bits, best_len, best_dist);
            for k in i + 1..i + best_len {
                insert(k, &mut head, &mut prev);
            }
            i += best_len;
        } else {
            write_symbol(bits, u16::from(data[i]));
            i += 1;
        }
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn write_match(bits: &mut BitWriter, len: usize, dist: usize) {
    let li = LENGTH_BASE.partition_point(|&b| usize::from(b) <= len) - 1;
    write_symbol(bits, 257 + li as u16);
    bits.write(
        (len - usize::from(LENGTH_BASE[li])) as u32,
        u32::from(LENGTH_EXTRA[li]),
    );
    let di = DIST_BASE.partition_point(|&b| usize::from(b) <= dist) - 1;
    bits.write(reverse(di as u32, 5), 5);
    bits.write(
        (dist - usize::from(DIST_BASE[di])) as u32,
        u32::from(DIST_EXTRA[di]),
    );
}

/// Writes a literal/length symbol with the fixed Huffman code of RFC 1951 §3.2.6.
fn write_symbol(bits: &mut BitWriter, symbol: u16) {
    let s = u32::from(symbol);
    let (code, len) = match s {
        0..=143 => (0x30 + s, 8),
        144..=255 => (0x190 + s - 144, 9),
        256..=279 => (s - 256, 7),
        _ => (0xC0 + s - 280, 8),
    };
    // Huffman codes are packed most significant bit first.
    bits.write(reverse(code, len), len);
}

fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// Packs bit fields least significant bit first, as deflate requires.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl BitWriter {
    fn write(&mut self, value: u32, len: u32) {
        if len == 0 {
            return;
        }
        self.acc |= u64::from(value & ((1u32 << len) - 1)) << self.count;
        self.count += len;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest block for which the sums cannot overflow u32.
    for block in data.chunks(5552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &x| {
        CRC_TABLE[((c ^ u32::from(x)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
pub(crate) mod decode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn rejects_wrong_sizes() {
        assert!(encode_rgb(2, 2, &[0; 11]).is_none());
        assert!(encode_rgb(0, 0, &[]).is_none());
    }

    #[test]
    fn round_trips_through_a_decoder() {
        // Flat areas, gradients, noise and long repeats exercise every
        // filter type, literals, short and long matches and far distances.
        let (w, h) = (300u32, 200u32);
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        let mut seed = 12345u32;
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let px = match (x / 60, y / 50) {
                    (0, _) => [255, 255, 255],
                    (1, _) => [x as u8, y as u8, (x + y) as u8],
                    (2, 0 | 1) => [(seed >> 16) as u8, (seed >> 8) as u8, (seed >> 24) as u8],
                    _ => [(x % 7) as u8 * 30, 0, (y % 3) as u8 * 80],
                };
                rgb.extend_from_slice(&px);
            }
        }
        let png = encode_rgb(w, h, &rgb).unwrap_or_default();
        assert_eq!(&png[..8], &SIGNATURE);
        let decoded = decode::decode_rgb(&png);
        assert_eq!(
            decoded.map(|d| (d.width, d.height, d.rgb == rgb)),
            Ok((w, h, true))
        );
        assert!(png.len() < rgb.len() / 2);
    }
}
