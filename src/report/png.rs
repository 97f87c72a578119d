//! PNG encoding of the 8-bit RGB frame buffers that plotters renders into
//! memory (plotters itself can only save a bitmap to a file path).
//!
//! Owns the encoder settings; must not know about plots or waveforms.

use png::{AdaptiveFilterType, BitDepth, ColorType, Compression, Encoder};

/// Encodes an RGB8 buffer (row-major, no padding) as a PNG file.
/// Returns `None` when the buffer length does not match the size.
pub(crate) fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, width, height);
    encoder.set_color(ColorType::Rgb);
    encoder.set_depth(BitDepth::Eight);
    // Figures are mostly flat colour, so per-row adaptive filtering does
    // most of the shrinking; zlib's fast level keeps a sweep's dozens of
    // figures quick to write.
    encoder.set_compression(Compression::Fast);
    encoder.set_adaptive_filter(AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(rgb).ok()?;
    writer.finish().ok()?;
    Some(out)
}

/// A decoded RGB8 image, for tests that look at rendered pixels.
#[cfg(test)]
pub(crate) struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Decodes a PNG written by [`encode_rgb`].
#[cfg(test)]
pub(crate) fn decode_rgb(bytes: &[u8]) -> Result<Decoded, String> {
    let mut reader = png::Decoder::new(bytes)
        .read_info()
        .map_err(|e| e.to_string())?;
    let mut rgb = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgb).map_err(|e| e.to_string())?;
    if info.color_type != ColorType::Rgb || info.bit_depth != BitDepth::Eight {
        return Err("not an RGB8 image".into());
    }
    rgb.truncate(info.buffer_size());
    Ok(Decoded {
        width: info.width,
        height: info.height,
        rgb,
    })
}
