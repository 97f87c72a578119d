//! Opens the HTML report of the reference rack study in headless Chromium
//! from disk with networking off, and checks that it rendered: the
//! screenshot is not blank, the DOM holds the first page, the verdict
//! table and the open input files, the console logged no errors, and it
//! prints to PDF on several pages.
//!
//! Skipped (with a note on stdout) when `chromium` is not on PATH, except
//! with CI=true, where a missing browser fails; CI installs it (`.ci/run`).

use assert_cmd::Command;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn Error>>;

/// A cold Chromium start on a small CI machine takes a few seconds.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// What the browser printed and whether it exited cleanly.
struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs the browser with the flags that keep it off the network and away
/// from any desktop session, killing it if it hangs. Output goes to files:
/// its log easily fills a pipe that nobody reads while it runs.
fn run_browser(browser: &Path, dir: &Path, extra: &[String]) -> Result<Output, Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let (out_path, err_path) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let mut child = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            // Any host name fails to resolve: nothing can be fetched.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            child.kill()?;
            child.wait()?;
            return Err("chromium did not finish in time".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Ok(Output {
        success: status.success(),
        stdout: String::from_utf8_lossy(&std::fs::read(out_path)?).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(err_path)?).into_owned(),
    })
}

/// Console errors and uncaught exceptions in Chromium's log.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || l.contains("ERROR:CONSOLE"))
        .collect()
}

fn non_white_fraction(png_bytes: &[u8]) -> Result<f64, Box<dyn Error>> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks_exact(channels);
    let total = pixels.len();
    let ink = pixels
        .filter(|p| p.iter().take(3).any(|&c| c < 235))
        .count();
    Ok(ink as f64 / total.max(1) as f64)
}

#[test]
fn report_renders_in_headless_chromium() -> TestResult {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            return Err("chromium is not on PATH, and CI=true needs the browser test".into());
        }
        println!("note: chromium is not on PATH; browser test skipped");
        return Ok(());
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    let html = dir.path().join("report.html");
    Command::cargo_bin("busbar")?
        .env("SOURCE_DATE_EPOCH", "1764547200")
        .args(["report", "--quiet"])
        .arg(root.join("circuits/nvl72_rack.ron"))
        .arg(root.join("scenarios/step_30_100.ron"))
        .arg("-o")
        .arg(&html)
        .assert()
        .success();
    let url = format!("file://{}", html.canonicalize()?.display());

    let shot = dir.path().join("shot.png");
    let out = run_browser(
        &browser,
        &dir.path().join("shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,1600".into(),
            url.clone(),
        ],
    )?;
    let log = &out.stderr;
    assert!(out.success, "chromium failed: {log}");
    let ink = non_white_fraction(&std::fs::read(&shot)?)?;
    assert!(
        ink > 0.02,
        "the screenshot is nearly blank ({:.3} % ink)",
        100.0 * ink
    );
    assert_eq!(console_errors(log), Vec::<&str>::new());

    let out = run_browser(
        &browser,
        &dir.path().join("dom"),
        &["--dump-dom".into(), url.clone()],
    )?;
    let (dom, log) = (&out.stdout, &out.stderr);
    assert!(out.success, "chromium failed: {log}");
    assert!(
        dom.contains("id=\"verdict-table\""),
        "no verdict table in the DOM"
    );
    assert!(dom.contains("<svg"), "no inline figures in the DOM");
    assert!(
        dom.contains("id=\"run-table\"") && dom.contains("<details open=\"\">"),
        "no first page or no open input files in the DOM"
    );
    assert_eq!(console_errors(log), Vec::<&str>::new());

    // Printed: the summary page, the appendix from a new page, and each
    // input file from a new page make several pages.
    let pdf = dir.path().join("report.pdf");
    let out = run_browser(
        &browser,
        &dir.path().join("print"),
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
            url,
        ],
    )?;
    assert!(out.success, "chromium failed to print: {}", out.stderr);
    let pdf = std::fs::read(&pdf)?;
    let pages = count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages");
    assert!(pages >= 4, "the printed report has {pages} pages");
    Ok(())
}

/// Occurrences of `needle` in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}
