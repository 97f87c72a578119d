//! libFuzzer target: circuit text through parse, elaboration and compile.
//! Any error is fine; a panic, hang or abort is the bug.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(flat) = busbar::components::parse_str(text, Path::new("fuzz.ron"), &BTreeMap::new()) {
        let _ = busbar::compile::compile(&flat);
    }
});
