//! Sweeps, Monte Carlo and sizing against closed forms, and the
//! reproducibility of a sweep's files across threads and shards.
//!
//! The LC + constant-power-load case (tests/data/sweep/lc_cpl.ron): an
//! 800 V source behind L = 50 µH, R = 50 mΩ, a C = 2 mF bus and a load P.
//! The bus settles at V(P) = (Vs + √(Vs² − 4RP))/2 and its pair of modes
//! loses its damping at P* = R·C·V(P*)²/L. The lossless LC step
//! (lc_step.ron): a 100 A current step on 50 V behind 1 µH rings the bus
//! down to V0 − ΔI·√(L/C), so the smallest C keeping it above Vmin is
//! L·(ΔI/(V0 − Vmin))².

use assert_cmd::Command;
use busbar::report::contour;
use std::path::{Path, PathBuf};

const VS: f64 = 800.0;
const R: f64 = 0.05;
const C: f64 = 2e-3;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sweep")
        .join(name)
}

fn busbar() -> Command {
    Command::cargo_bin("busbar").expect("binary")
}

/// The bus voltage of the LC + CPL case at load `p`.
fn bus_volts(p: f64) -> f64 {
    0.5 * (VS + (VS * VS - 4.0 * R * p).sqrt())
}

/// P* for feed inductance `l`, by bisection on P − R·C·V(P)²/L.
fn p_star(l: f64) -> f64 {
    let (mut lo, mut hi) = (1e3, VS * VS / (4.0 * R));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid < R * C * bus_volts(mid).powi(2) / l {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Runs `busbar sweep FILE -o DIR` with extra arguments.
fn sweep(file: &str, out: &Path, extra: &[&str]) {
    busbar()
        .arg("sweep")
        .arg(data(file))
        .arg("-o")
        .arg(out)
        .args(extra)
        .arg("--quiet")
        .assert()
        .success();
}

/// points.csv as header and rows of fields.
fn points(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(dir.join("points.csv")).expect("points.csv");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {header:?}"))
}

/// Standard normal CDF through erfc (Abramowitz–Stegun 7.1.26, |error| <
/// 1.5e-7, far below the binomial interval's width).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// The central interval of Binomial(n, p) holding at least `level` of its
/// mass, from the exact probabilities.
fn binomial_interval(n: usize, p: f64, level: f64) -> (usize, usize) {
    let ln_choose = |k: usize| -> f64 {
        (1..=k)
            .map(|i| ((n - k + i) as f64).ln() - (i as f64).ln())
            .sum()
    };
    let pmf: Vec<f64> = (0..=n)
        .map(|k| (ln_choose(k) + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp())
        .collect();
    let tail = 0.5 * (1.0 - level);
    let (mut lo, mut below) = (0, 0.0);
    while below + pmf[lo] <= tail {
        below += pmf[lo];
        lo += 1;
    }
    let (mut hi, mut above) = (n, 0.0);
    while above + pmf[hi] <= tail {
        above += pmf[hi];
        hi -= 1;
    }
    (lo, hi)
}

#[test]
fn monte_carlo_yield_matches_the_closed_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    sweep("lc_cpl_yield.ron", dir.path(), &["--jobs", "2"]);
    let (header, rows) = points(dir.path());
    assert_eq!(rows.len(), 2000);
    let verdict = col(&header, "verdict");
    let passed = rows.iter().filter(|r| r[verdict] == "pass").count();
    // P ~ N(1 MW, (5 % of 1 MW)²) and the case passes when P < P*.
    let (mu, sigma) = (1e6, 0.05e6);
    let exact = normal_cdf((p_star(50e-6) - mu) / sigma);
    let (lo, hi) = binomial_interval(2000, exact, 0.999);
    assert!(
        (lo..=hi).contains(&passed),
        "{passed} of 2000 pass; exact yield {exact:.4} gives [{lo}, {hi}] at 99.9 %"
    );
    // The reported yield and its Wilson interval agree with the rows.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sweep.json")).expect("json"))
            .expect("parses");
    assert_eq!(json["yield"]["passed"], passed);
    let (wl, wh) = (
        json["yield"]["low"].as_f64().expect("low"),
        json["yield"]["high"].as_f64().expect("high"),
    );
    let fraction = passed as f64 / 2000.0;
    assert!(
        wl < fraction && fraction < wh && wh - wl < 0.04,
        "[{wl}, {wh}]"
    );
    for figure in ["histogram_worst_relative_margin.png", "worst.ron"] {
        assert!(dir.path().join(figure).exists(), "{figure}");
    }
}

#[test]
fn size_finds_the_largest_stable_load() {
    let out = busbar()
        .args([
            "size",
            "--json",
            "--max",
            "--rtol",
            "1e-6",
            "--param",
            "cpl.watts=2e5:2.5e6",
        ])
        .arg(data("lc_cpl.ron"))
        .arg(data("lc_cpl_hold.ron"))
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let value = json["value"].as_f64().expect("value");
    let exact = p_star(50e-6);
    assert!((value - exact).abs() / exact < 1e-3, "{value} vs {exact}");
    assert!(value <= exact, "the answer must pass: {value} > {exact}");
    assert!(json["binding"]
        .as_str()
        .expect("binding")
        .contains("MinDamping"));
}

#[test]
fn size_finds_the_smallest_bus_capacitance_for_a_dip() {
    let out = busbar()
        .args([
            "size",
            "--json",
            "--rtol",
            "1e-5",
            "--param",
            "cb.farads=1e-3:20e-3",
        ])
        .arg(data("lc_step.ron"))
        .arg(data("lc_step_dip.ron"))
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    let value = json["value"].as_f64().expect("value");
    let (l, di, dv): (f64, f64, f64) = (1e-6, 100.0, 50.0 - 48.5);
    let exact = l * (di / dv).powi(2);
    assert!((value - exact).abs() / exact < 1e-3, "{value} vs {exact}");
    assert!(json["binding"]
        .as_str()
        .expect("binding")
        .contains("MinVoltage"));
}

#[test]
fn size_refuses_a_range_whose_passing_end_fails() {
    busbar()
        .args(["size", "--param", "cb.farads=1e-4:1e-3"])
        .arg(data("lc_step.ron"))
        .arg(data("lc_step_dip.ron"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not pass"));
}

#[test]
fn stability_map_puts_zeta_zero_on_the_closed_form_curve() {
    let dir = tempfile::tempdir().expect("tempdir");
    sweep("lc_cpl_map.ron", dir.path(), &[]);
    let (header, rows) = points(dir.path());
    let (p_col, l_col, z_col) = (
        col(&header, "cpl.watts"),
        col(&header, "lf.henries"),
        col(&header, "least damping"),
    );
    let num = |s: &str| s.parse::<f64>().expect("number");
    let mut ls: Vec<f64> = rows.iter().map(|r| num(&r[l_col])).collect();
    let mut ps: Vec<f64> = rows.iter().map(|r| num(&r[p_col])).collect();
    for v in [&mut ls, &mut ps] {
        v.sort_by(f64::total_cmp);
        v.dedup();
    }
    let mut z = vec![vec![None; ls.len()]; ps.len()];
    for r in &rows {
        let i = ls.iter().position(|l| *l == num(&r[l_col])).expect("l");
        let j = ps.iter().position(|p| *p == num(&r[p_col])).expect("p");
        z[j][i] = Some(num(&r[z_col]));
    }
    let segments = contour(&ls, &ps, &z, 0.0);
    assert!(segments.len() >= 10, "{} segments", segments.len());
    let cell = ps[1] - ps[0];
    for (l, p) in segments.iter().flatten() {
        let exact = p_star(*l);
        assert!(
            (p - exact).abs() <= cell,
            "ζ = 0 at L = {l:e}, P = {p:.0}; closed form {exact:.0} (cell {cell:.0})"
        );
    }
    assert!(dir
        .path()
        .join("stability_map_lf_henries_cpl_watts.png")
        .exists());
}

#[test]
fn points_do_not_depend_on_threads_or_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = |name: &str| dir.path().join(name);
    sweep("lc_cpl_small.ron", &d("one"), &["--jobs", "1"]);
    sweep("lc_cpl_small.ron", &d("two"), &["--jobs", "2"]);
    let shards: Vec<PathBuf> = (1..=4).map(|k| d(&format!("shard{k}"))).collect();
    for (k, shard) in shards.iter().enumerate() {
        sweep(
            "lc_cpl_small.ron",
            shard,
            &["--shard", &format!("{}/4", k + 1)],
        );
    }
    busbar()
        .args(["sweep", "merge", "--quiet"])
        .args(&shards)
        .arg("-o")
        .arg(d("merged"))
        .assert()
        .success();
    let read = |dir: &str, file: &str| std::fs::read(d(dir).join(file)).expect(file);
    let reference = read("one", "points.csv");
    assert!(reference.len() > 100);
    for other in ["two", "merged"] {
        assert_eq!(read(other, "points.csv"), reference, "{other}/points.csv");
        assert_eq!(
            read(other, "sweep.json"),
            read("one", "sweep.json"),
            "{other}"
        );
    }
    // A shard missing is refused, naming the missing point.
    busbar()
        .args(["sweep", "merge"])
        .args(&shards[..3])
        .arg("-o")
        .arg(d("partial"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing"));
}

#[test]
fn sweep_file_errors_are_located_and_list_what_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.ron");
    let circuit = data("lc_cpl.ron");
    let scenario = data("lc_cpl_hold.ron");
    let write = |body: &str| {
        std::fs::write(
            &file,
            format!(
                "Sweep(name: \"b\", circuit: {:?}, scenarios: [{:?}],\n{body})",
                circuit.display().to_string(),
                scenario.display().to_string()
            ),
        )
        .expect("write");
    };
    let run = || {
        let out = busbar()
            .arg("sweep")
            .arg(&file)
            .arg("-o")
            .arg(dir.path().join("o"))
            .assert()
            .code(2);
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    };
    write("parameters: { \"lf.henries\": Linear(from: 1e-6, to: 2e-6, points: 1) }");
    let e = run();
    assert!(
        e.contains("bad.ron:2:58") && e.contains("`points` must be at"),
        "{e}"
    );
    write("parameters: { \"cb.farad\": List([1e-3]) }");
    let e = run();
    assert!(e.contains("`cb.farad`") && e.contains("farads"), "{e}");
    write("collect: (metrics: [\"min bux\"]), parameters: { \"cb.farads\": List([1e-3]) }");
    let e = run();
    assert!(e.contains("`min bux`") && e.contains("min v(bus)"), "{e}");
}

#[test]
fn every_bundled_sweep_opens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("scenarios/sweeps") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "ron") {
            let sweep = busbar::sweep::Sweep::open(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!sweep.points.is_empty(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 2, "{n} bundled sweeps");
}

#[test]
fn sweep_folders_are_written_whole_and_never_over_their_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    // A figure the previous sweep drew and this one does not is removed;
    // a file the sweep never writes is left alone; no temporary remains.
    sweep("lc_cpl_small.ron", &out, &[]);
    let listed = std::fs::read_to_string(out.join(".busbar-sweep.manifest")).expect("manifest");
    assert!(listed.lines().any(|l| l == "points.csv"), "{listed}");
    std::fs::write(out.join("old_figure.png"), b"stale").expect("write");
    let manifest = format!("{listed}old_figure.png\n");
    std::fs::write(out.join(".busbar-sweep.manifest"), manifest).expect("write");
    std::fs::write(out.join("notes.txt"), b"mine").expect("write");
    sweep("lc_cpl_small.ron", &out, &[]);
    assert!(!out.join("old_figure.png").exists());
    assert!(out.join("notes.txt").exists());
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    // Merging a shard into its own folder would replace its points.csv.
    let shard = dir.path().join("shard1");
    sweep("lc_cpl_small.ron", &shard, &["--shard", "1/1"]);
    let before = std::fs::read(shard.join("points.csv")).expect("points");
    busbar()
        .args(["sweep", "merge"])
        .arg(&shard)
        .arg("-o")
        .arg(&shard)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("points.csv"));
    assert_eq!(
        std::fs::read(shard.join("points.csv")).expect("points"),
        before
    );
}
