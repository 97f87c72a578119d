//! Anti-aliased bitmaps. plotters' bitmap backend draws lines wider than
//! one pixel, polygons and circles without anti-aliasing, so curves on the
//! PNG figures came out jagged. Here every figure is drawn [`FACTOR`]
//! times larger in each direction onto a bitmap and averaged down, each
//! [`FACTOR`]×[`FACTOR`] block of pixels into one (supersampling with a
//! box filter): edges get [`FACTOR`]² + 1 shades, text included.
//!
//! [`Supersampled`] is a plotters backend that looks to the figure code
//! like the final size: it scales every coordinate, stroke width, radius
//! and font size by [`FACTOR`] on the way to the large bitmap, mapping a
//! pixel's coordinate to the centre of its block so that one-pixel lines
//! stay sharp. Integer arithmetic throughout: the same figure gives the
//! same bytes.
//!
//! The backend traits come from `plotters-backend`, the plotters project's
//! own crate that plotters already builds on (same pinned version).
//!
//! Owns the scaling and the averaging. Must not know what a figure shows.

use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::prelude::{FontDesc, TextStyle};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// Pixels drawn per final pixel in each direction.
pub(crate) const FACTOR: u32 = 3;
const K: i32 = FACTOR as i32;

/// A bitmap of `size` drawn [`FACTOR`]× larger into a borrowed buffer.
pub(crate) struct Supersampled<'a> {
    inner: BitMapBackend<'a, RGBPixel>,
    size: (u32, u32),
}

/// The buffer to draw a `width × height` figure into, [`FACTOR`]² larger.
pub(crate) fn large_buffer(width: u32, height: u32) -> Vec<u8> {
    vec![0u8; (width * FACTOR) as usize * (height * FACTOR) as usize * 3]
}

impl<'a> Supersampled<'a> {
    /// A backend of `size` over `large`, a buffer from [`large_buffer`].
    pub fn new(large: &'a mut [u8], size: (u32, u32)) -> Result<Self, String> {
        let inner = BitMapBackend::<RGBPixel>::with_buffer_and_format(
            large,
            (size.0 * FACTOR, size.1 * FACTOR),
        )
        .map_err(|e| e.to_string())?;
        Ok(Supersampled { inner, size })
    }
}

/// Averages each `FACTOR × FACTOR` block of the RGB8 `large` buffer into
/// one pixel of a `width × height` image, rounding to nearest.
pub(crate) fn average_down(large: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, k) = (width as usize, FACTOR as usize);
    let stride = w * k * 3;
    let mut out = vec![0u8; w * height as usize * 3];
    for (y, row) in out.chunks_exact_mut(w * 3).enumerate() {
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let mut sum = [0u32; 3];
            for dy in 0..k {
                let start = (y * k + dy) * stride + x * k * 3;
                for p in large[start..start + k * 3].chunks_exact(3) {
                    for (s, v) in sum.iter_mut().zip(p) {
                        *s += u32::from(*v);
                    }
                }
            }
            let n = (k * k) as u32;
            for (o, s) in px.iter_mut().zip(sum) {
                *o = ((s + n / 2) / n) as u8;
            }
        }
    }
    out
}

/// A style with its width scaled.
struct Scaled {
    color: BackendColor,
    width: u32,
}

impl BackendStyle for Scaled {
    fn color(&self) -> BackendColor {
        self.color
    }
    fn stroke_width(&self) -> u32 {
        self.width
    }
}

fn scaled<S: BackendStyle>(style: &S) -> Scaled {
    Scaled {
        color: style.color(),
        width: style.stroke_width() * FACTOR,
    }
}

/// The centre of a pixel's block.
fn centre((x, y): BackendCoord) -> BackendCoord {
    (x * K + K / 2, y * K + K / 2)
}

/// The path turns by more than 90° at `b` (a → b → c): the directions of
/// the two segments have a negative dot product.
fn sharp_turn(a: BackendCoord, b: BackendCoord, c: BackendCoord) -> bool {
    let (u, v) = ((b.0 - a.0, b.1 - a.1), (c.0 - b.0, c.1 - b.1));
    i64::from(u.0) * i64::from(v.0) + i64::from(u.1) * i64::from(v.1) < 0
}

/// The bitmap backend's error, which this backend passes on.
type BitmapError = <BitMapBackend<'static, RGBPixel> as DrawingBackend>::ErrorType;
type Drawn = Result<(), DrawingErrorKind<BitmapError>>;

impl DrawingBackend for Supersampled<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Drawn {
        self.inner.present()
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Drawn {
        let block = ((x * K, y * K), (x * K + K, y * K + K));
        self.inner.draw_rect(block.0, block.1, &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        // Grid lines and ticks are horizontal or vertical: a filled block
        // band `width` blocks thick covers the same pixels as the stroked
        // path, without rasterising a polygon per line (which took most of
        // a figure's time on meshes).
        if from.0 == to.0 || from.1 == to.1 {
            let half = K * style.stroke_width().max(1) as i32 / 2;
            let (a, b) = (centre(from), centre(to));
            let ul = (a.0.min(b.0) - half, a.1.min(b.1) - half);
            let br = (a.0.max(b.0) + half, a.1.max(b.1) + half);
            return self.inner.draw_rect(ul, br, &style.color(), true);
        }
        self.inner
            .draw_path([centre(from), centre(to)], &scaled(style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        let color = style.color();
        if fill {
            return self
                .inner
                .draw_rect((x0 * K, y0 * K), (x1 * K, y1 * K), &color, true);
        }
        // The outline: one block-thick edge on each side, corners included.
        let t = K * style.stroke_width().max(1) as i32;
        let (a, b) = ((x0 * K, y0 * K), (x1 * K + K, y1 * K + K));
        for (ul, br) in [
            (a, (b.0, a.1 + t)),
            ((a.0, b.1 - t), b),
            (a, (a.0 + t, b.1)),
            ((b.0 - t, a.1), b),
        ] {
            self.inner.draw_rect(ul, br, &color, true)?;
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        let mut points: Vec<BackendCoord> = path.into_iter().map(centre).collect();
        // A zero-length segment has no direction, and its join none either.
        points.dedup();
        let style = scaled(style);
        // A wide polyline is rasterised with mitred joins, and the miter of
        // a turn sharper than 90° grows without bound: a trace that
        // reverses between two samples (a 1 ms edge on a 60 s axis) drew a
        // spike far past its data, out of the plot. Split there: each
        // piece keeps its joins, a reversal gets none.
        let mut start = 0;
        for k in 1..points.len().saturating_sub(1) {
            if sharp_turn(points[k - 1], points[k], points[k + 1]) {
                self.inner
                    .draw_path(points[start..=k].iter().copied(), &style)?;
                start = k;
            }
        }
        self.inner
            .draw_path(points[start..].iter().copied(), &style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.inner
            .draw_circle(centre(center), radius * FACTOR, &scaled(style), fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        let points: Vec<BackendCoord> = vert.into_iter().map(centre).collect();
        self.inner.fill_polygon(points, &style.color())
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Drawn {
        let font = FontDesc::new(
            style.family(),
            style.size() * f64::from(FACTOR),
            style.style(),
        )
        .transform(style.transform());
        let large = TextStyle {
            font,
            color: style.color(),
            pos: style.anchor(),
        };
        self.inner.draw_text(text, &large, centre(pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wide trace that reverses between samples (up 200 px, down, up, …
    /// one pixel apart) paints nothing beyond its data: no miter spikes
    /// above the highest or below the lowest point.
    #[test]
    fn reversing_wide_paths_stay_within_their_points() {
        let (w, h) = (60u32, 300u32);
        let mut large = large_buffer(w, h);
        {
            let mut b = Supersampled::new(&mut large, (w, h)).expect("backend");
            // Several samples per pixel column, as on a 60 s axis.
            let path: Vec<BackendCoord> = (0..120)
                .map(|i| {
                    (
                        10 + i / 3,
                        if i % 2 == 0 { 250 - i % 7 } else { 50 + i % 5 },
                    )
                })
                .collect();
            let style = plotters::style::ShapeStyle::from(&plotters::style::WHITE).stroke_width(2);
            b.draw_path(path, &style).expect("drawn");
            b.present().expect("present");
        }
        let painted_rows: Vec<usize> = (0..(h * FACTOR) as usize)
            .filter(|&y| {
                let row =
                    &large[y * (w * FACTOR) as usize * 3..(y + 1) * (w * FACTOR) as usize * 3];
                row.iter().any(|&v| v != 0)
            })
            .collect();
        let (top, bottom) = (painted_rows[0], painted_rows[painted_rows.len() - 1]);
        // Data rows 50..=250 in final pixels, centred in their blocks, plus
        // the half stroke (3 large pixels) and one block of margin.
        let margin = (2 * K) as usize;
        assert!(top + margin >= 50 * K as usize, "painted from row {top}");
        assert!(
            bottom <= 250 * K as usize + K as usize + margin,
            "painted to row {bottom}"
        );
    }

    #[test]
    fn blocks_average_to_one_pixel() {
        // A 2 × 1 image: the left block all white, the right a third black.
        let (w, h) = (2u32, 1u32);
        let mut large = vec![255u8; (w * FACTOR * h * FACTOR * 3) as usize];
        let stride = (w * FACTOR * 3) as usize;
        for y in 0..FACTOR as usize {
            let start = y * stride + (FACTOR as usize) * 3;
            large[start..start + 3].fill(0);
        }
        let out = average_down(&large, w, h);
        let third = (255.0 * (1.0 - 1.0 / f64::from(FACTOR))).round() as u8;
        assert_eq!(out, vec![255, 255, 255, third, third, third]);
    }
}
