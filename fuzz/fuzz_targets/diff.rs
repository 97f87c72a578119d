//! libFuzzer target: a `diff` input (JSON) read as a run summary and
//! compared with itself. Any error is fine; a panic is the bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(facts) = busbar::report::diff::facts(&value) {
        let _ = busbar::report::diff::diff(&facts, &facts, 1e-6);
    }
});
