//! `busbar sweep` (run a sweep file, or merge shard folders) and
//! `busbar size` (the smallest or largest passing value of a parameter).
//!
//! Owns their arguments, the progress bar and the printed summary. The
//! work is `busbar::sweep`'s.

use super::args::{parse_boundary, parse_set, positive, Boundary};
use super::commands::write_stdout;
use super::diagnostics;
use super::sweep_emit::{self, Plan, Target};
use busbar::analysis::limit_set;
use busbar::study::Study;
use busbar::sweep::{self, Row, RunOptions, Shard, SizeOptions, Sweep, SweepError, Yield};
use clap::{Args, Subcommand};
use miette::Report;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub merge: Option<SweepCommand>,
    /// Sweep file (RON, see docs/sweeps.md).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Output folder: points.csv, sweep.json, figures, worst.ron.
    #[arg(short, long, default_value = "busbar-sweep")]
    pub output: PathBuf,
    /// Worker threads, 0 to 1024 (0: one per core). The files do not
    /// depend on it.
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = super::args::jobs, allow_hyphen_values = true)]
    pub jobs: usize,
    /// Run only shard K of N (the points k with k mod N = K − 1); merge
    /// the shard folders with `busbar sweep merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Do not run: write the files that run the sweep's shards on a
    /// cluster and merge them into the output folder (see docs/sweeps.md).
    /// `slurm`: sweep.sbatch (a job array), merge.sbatch and
    /// submit-slurm.sh; `k8s`: an Indexed Job, a merge Job and
    /// submit-k8s.sh.
    #[arg(long, value_name = "TARGET", conflicts_with = "shard")]
    pub emit: Option<Target>,
    /// Shards for `--emit` (the array's tasks, the Indexed Job's
    /// completions).
    #[arg(long, value_name = "N", default_value_t = 4, requires = "emit",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub shards: u32,
    /// Container image for `--emit k8s`; it must hold the libraries the
    /// busbar binary needs (the binary itself is run from the shared folder).
    #[arg(
        long,
        value_name = "IMAGE",
        default_value = "debian:bookworm-slim",
        requires = "emit"
    )]
    pub image: String,
}

#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Merge shard folders into the files of the whole sweep (the same
    /// bytes as an unsharded run).
    #[command(after_help = "Example:\n  busbar sweep merge out/1 out/2 out/3 out/4 -o out/all")]
    Merge {
        /// Shard folders, each written by `busbar sweep --shard K/N`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SizeArgs {
    /// Circuit file (RON).
    pub circuit: PathBuf,
    /// Scenario file (RON) whose limits must pass.
    pub scenario: PathBuf,
    /// The parameter (or `component.field`) and the range to search.
    #[arg(long, value_name = "NAME=LO:HI", value_parser = parse_boundary)]
    pub param: Boundary,
    /// Find the largest passing value instead of the smallest.
    #[arg(long)]
    pub max: bool,
    /// Relative width of the final bracket.
    #[arg(long, default_value_t = 1e-3, value_parser = positive, allow_hyphen_values = true)]
    pub rtol: f64,
    /// Limit-set file whose limits apply on top of the scenario's
    /// (repeatable).
    #[arg(long = "limits", value_name = "FILE")]
    pub limit_sets: Vec<PathBuf>,
    /// Parameter or `component.field` override, on top of the scenario's
    /// (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, f64)>,
}

/// The files a shard folder holds that `merge` reads.
const SHARD_FILES: [&str; 2] = ["points.csv", "sweep.json"];

/// Whether a sweep writes (or, as a stale figure, may remove) a file of
/// this name in its output folder.
fn sweep_writes(name: &str) -> bool {
    matches!(name, "points.csv" | "sweep.json" | "worst.ron") || super::commands::figure_file(name)
}

fn report(e: SweepError) -> Report {
    match e {
        SweepError::File(e) => diagnostics::scenario(e),
        SweepError::Study(e) => diagnostics::study(e),
        other => miette::miette!("{other}"),
    }
}

pub fn run(args: SweepArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    if let Some(SweepCommand::Merge { dirs, output }) = &args.merge {
        let shard_files = dirs.iter().flat_map(|d| SHARD_FILES.map(|f| d.join(f)));
        let inputs = busbar::report::InputFiles::new(shard_files);
        super::commands::refuse_clobber(inputs.check_folder("-o", output, sweep_writes))?;
        let (sweep, rows) = sweep::merge(dirs, output).map_err(report)?;
        summarise(&sweep, &rows, output, quiet, json);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = &args.file else {
        return Err(miette::miette!("give a sweep file, or `merge DIR… -o OUT`"));
    };
    let sweep = Sweep::open(file).map_err(report)?;
    let mut inputs = busbar::report::InputFiles::new([file.clone()]);
    for study in &sweep.studies {
        inputs.extend(study.input_files());
    }
    super::commands::refuse_clobber(inputs.check_folder("-o", &args.output, sweep_writes))?;
    if let Some(target) = args.emit {
        return emit(&args, &sweep, file, target, quiet);
    }
    let total = match args.shard {
        Some(s) => (sweep.points.len() + s.count - s.index) / s.count,
        None => sweep.points.len(),
    };
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} points [{bar:40}] {pos}/{len} {elapsed} (eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Bar(bar)
    });
    let options = RunOptions {
        jobs: args.jobs,
        shard: args.shard,
        sweep_file: file.display().to_string(),
        progress: bar.as_ref().map(|b| b as &dyn sweep::Progress),
    };
    let started = std::time::Instant::now();
    let rows = sweep::run(&sweep, &args.output, &options).map_err(report)?;
    if let Some(b) = bar {
        b.0.finish_and_clear();
    }
    summarise(&sweep, &rows, &args.output, quiet, json);
    if !quiet && !json {
        let spent = sweep::PointSeconds::total(&rows);
        write_stdout(&format!(
            "time: {:.3} s wall; summed over points: {:.3} s binding, {:.3} s integrating, {:.3} s judging\n",
            started.elapsed().as_secs_f64(),
            spent.binding,
            spent.integrating,
            spent.judging,
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn emit(
    args: &SweepArgs,
    sweep: &Sweep,
    file: &Path,
    target: Target,
    quiet: bool,
) -> Result<ExitCode, Report> {
    let io = |e: std::io::Error| miette::miette!("{}: {e}", args.output.display());
    let jobs = if args.jobs == 0 { 1 } else { args.jobs };
    let plan = Plan::new(
        sweep,
        file,
        &args.output,
        args.shards as usize,
        jobs,
        &args.image,
    )
    .map_err(io)?;
    let written = sweep_emit::write(&plan, target).map_err(io)?;
    if !quiet {
        let mut text = format!(
            "{}: {} points in {} shards; wrote\n",
            sweep.spec.name,
            sweep.points.len(),
            plan.shards
        );
        for path in &written {
            text.push_str(&format!("  {}\n", path.display()));
        }
        text.push_str(&format!("run {} to submit them\n", written[0].display()));
        write_stdout(&text);
    }
    Ok(ExitCode::SUCCESS)
}

struct Bar(indicatif::ProgressBar);

impl sweep::Progress for Bar {
    fn point_done(&self) {
        self.0.inc(1);
    }
}

fn summarise(sweep: &Sweep, rows: &[Row], out: &Path, quiet: bool, json: bool) {
    let y = Yield::of(rows);
    if json {
        let doc = serde_json::json!({
            "points": rows.len(),
            "yield": y,
            "output": out.display().to_string(),
        });
        write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
        return;
    }
    if quiet {
        return;
    }
    let errors = rows
        .iter()
        .filter(|r| r.verdict == sweep::PointVerdict::Error)
        .count();
    write_stdout(&format!(
        "{}: {} of {} points run; {} pass, {} fail, {errors} could not be run\n\
         yield {:.2} % (95 % CI {:.2} – {:.2} %, Wilson)\nwrote {}\n",
        sweep.spec.name,
        rows.len(),
        sweep.points.len(),
        y.passed,
        y.total - y.passed - errors,
        100.0 * y.fraction,
        100.0 * y.low,
        100.0 * y.high,
        out.display()
    ));
}

pub fn size(args: SizeArgs, quiet: bool, json: bool) -> Result<ExitCode, Report> {
    let mut scenario =
        busbar::scenario::load(&args.scenario).map_err(|e| diagnostics::study(e.into()))?;
    for path in &args.limit_sets {
        let set = limit_set::load(path).map_err(|e| miette::miette!("{e}"))?;
        scenario.limits.extend(set.limits);
    }
    let overrides: BTreeMap<String, f64> = args.set.iter().cloned().collect();
    let study = Study::with_scenario(Some(&args.circuit), scenario)
        .map_err(diagnostics::study)?
        .with_overrides(&overrides);
    let (parameter, low, high) = args.param.clone();
    let options = SizeOptions {
        parameter,
        low,
        high,
        maximise: args.max,
        rtol: args.rtol,
    };
    let sized = sweep::size(&study, &options).map_err(report)?;
    if json {
        let text = serde_json::to_string_pretty(&sized).unwrap_or_default();
        write_stdout(&format!("{text}\n"));
    } else if !quiet {
        let which = if args.max { "largest" } else { "smallest" };
        let margin = sized
            .binding_margin
            .map(|m| {
                format!(
                    ", margin {}",
                    busbar::units::eng_sig(m, &sized.binding_unit, 4)
                )
            })
            .unwrap_or_default();
        let mut text = format!(
            "{} = {} ({which} value for which every limit passes, to {} relative)\n\
             binding limit: {}{margin}\n{} runs\n",
            sized.parameter,
            busbar::units::eng_sig(sized.value, "", 6),
            args.rtol,
            sized.binding,
            sized.evaluations
        );
        if sized.at_range_end {
            text.push_str("note: the whole range passes; the boundary may lie beyond it\n");
        }
        write_stdout(&text);
    }
    Ok(ExitCode::SUCCESS)
}
