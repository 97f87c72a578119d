//! Checks that a rendered figure carries its text: the SVG holds the
//! expected labels, and the PNG has ink in the title band and where the
//! axis tick labels are drawn.

use std::error::Error;

/// Decodes a PNG to (width, height, RGB8).
pub fn decode(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), Box<dyn Error>> {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => return Err(format!("unexpected colour type {other:?}").into()),
    };
    Ok((info.width, info.height, rgb))
}

/// Non-white pixels in the rectangle `x0..x1` × `y0..y1`.
pub fn ink(rgb: &[u8], width: u32, (x0, x1): (u32, u32), (y0, y1): (u32, u32)) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| ((y * width + x) * 3) as usize))
        .filter(|&i| rgb[i..i + 3] != [255, 255, 255])
        .count()
}

/// The SVG contains every one of `texts`; the PNG is at least 1000 × 600
/// with ink in the title band, left of the plot (y tick labels) and below
/// it (x tick labels).
pub fn assert_labelled(
    name: &str,
    svg: &str,
    png: &[u8],
    texts: &[&str],
) -> Result<(), Box<dyn Error>> {
    for t in texts {
        assert!(svg.contains(t), "{name}: SVG lacks `{t}`");
    }
    let (w, h, rgb) = decode(png)?;
    assert!(w >= 1000 && h >= 600, "{name}: {w}×{h}");
    assert!(ink(&rgb, w, (200, 700), (0, 45)) > 300, "{name}: no title");
    assert!(
        ink(&rgb, w, (0, 90), (100, h - 100)) > 300,
        "{name}: no y labels"
    );
    assert!(
        ink(&rgb, w, (150, 850), (h - 60, h)) > 300,
        "{name}: no x labels"
    );
    Ok(())
}
