//! The zoomed figures of the ORv3 48 V rack under S4 (AC loss at full
//! load, `scenarios/orv3/s4_ac_loss.ron`) show the hold-up → BBU hand-over
//! dip at ~40 ms: the run lasts 71 s, so on the full-run figures the dip is
//! one pixel wide, and only a zoom window around it shows it.
//!
//! The dip's minimum is the one the scenario's `MinVoltage` limit measured
//! (the solver's extreme, which may fall between the 1 ms output samples).
//! A zoom figure of the judged column must contain it in time, take it in
//! on its value axis, and be narrow enough and tall enough to show it: the
//! dip from the level just before the hand-over spans at least a quarter
//! of the plotted value range, and the window is at most 100 ms long, so
//! the millisecond-long dip is several pixels wide.
//!
//! Set `BUSBAR_FIGURES_DIR` to also write the figures there for viewing.

use busbar::report::{try_study_figures, write_figures};
use busbar::study::Study;
use std::error::Error;
use std::path::Path;

#[test]
fn s4_zoom_figures_show_the_hand_over_dip() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let study = Study::open(None, Some(&root.join("scenarios/orv3/s4_ac_loss.ron")))?;
    let run = study.simulate(None)?;
    let judged = study.judge(&run);
    let w = &run.waveforms;
    let dip = judged
        .verdicts
        .iter()
        .find(|v| v.kind == "MinVoltage")
        .ok_or("S4 has no MinVoltage limit")?;
    let (Some(t_min), Some(v_min), Some(column)) = (dip.time, dip.measured, dip.target.clone())
    else {
        return Err(format!("MinVoltage was not measured: {dip:?}").into());
    };
    // The hand-over: the PSUs drop their output once half the hold-up is
    // used (39.24 ms, tests/reference_orv3.rs) and the BBUs take the bus.
    let hand_over = w
        .events
        .iter()
        .find(|e| e.what.starts_with("hold-up low"))
        .ok_or("no hold-up low event")?
        .time;
    assert!(
        (hand_over..hand_over + 5e-3).contains(&t_min),
        "the minimum at {t_min} s is not the hand-over dip at {hand_over} s"
    );
    let values = &w
        .column(&column)
        .ok_or("judged column not recorded")?
        .values;
    let before = w
        .time
        .iter()
        .rposition(|&t| t < hand_over)
        .ok_or("no sample")?;
    let depth = values[before] - v_min;
    assert!(depth > 0.5, "a dip of only {depth} V");

    let drawn = try_study_figures(w, &run.prepared.scenario, &judged.verdicts, &[])?;
    if let Some(dir) = std::env::var_os("BUSBAR_FIGURES_DIR") {
        write_figures(Path::new(&dir), &drawn.figures)?;
    }
    let showing: Vec<_> = drawn
        .figures
        .iter()
        .zip(&drawn.ranges)
        .filter(|(f, r)| {
            f.name.starts_with(&format!("{column}_zoom")) && r.time.0 <= t_min && t_min <= r.time.1
        })
        .collect();
    let Some((figure, range)) = showing.first() else {
        let names: Vec<&str> = drawn.figures.iter().map(|f| f.name.as_str()).collect();
        return Err(format!("no zoom of {column} holds t = {t_min} s: {names:?}").into());
    };
    let (y0, y1) = range.value;
    assert!(
        y0 <= v_min && v_min <= y1,
        "{}: {v_min} V off {y0}..{y1}",
        figure.name
    );
    let share = depth / (y1 - y0);
    assert!(
        share >= 0.25,
        "{}: the {depth:.2} V dip spans only {:.0} % of {y0:.2}..{y1:.2} V",
        figure.name,
        100.0 * share
    );
    let span = range.time.1 - range.time.0;
    assert!(span <= 0.1, "{}: a {span} s window", figure.name);
    // The figure says so: the judged extreme is in its legend.
    assert!(figure.svg.contains("MinVoltage worst"), "{}", figure.name);
    Ok(())
}
