//! `busbar sweep FILE -o DIR --emit slurm|k8s`: writes the scripts or
//! manifests that run a sweep's shards on a cluster and merge them into
//! DIR, instead of running it here.
//!
//! Owns only the text of those files. Every path in them is absolute (the
//! cluster's nodes see the same shared filesystem at the same paths); the
//! sweep itself is `busbar::sweep`'s and is not run here.

use busbar::sweep::Sweep;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the shards run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// A Slurm job array and a merge job that waits for it.
    Slurm,
    /// A Kubernetes Indexed Job and a merge Job.
    K8s,
}

/// What the emitted files run, all absolute.
pub struct Plan {
    pub binary: PathBuf,
    pub sweep_file: PathBuf,
    pub out: PathBuf,
    pub shards: usize,
    /// Threads per shard (and CPUs asked for each).
    pub jobs: usize,
    /// Container image for Kubernetes.
    pub image: String,
    /// Job name: the sweep's name, lower case, `-` for anything else.
    pub name: String,
    /// The folders the paths lie under, mounted into the pods at the same
    /// paths: the binary's, the inputs' common one, the output.
    pub mounts: Vec<PathBuf>,
}

impl Plan {
    pub fn new(
        sweep: &Sweep,
        file: &Path,
        out: &Path,
        shards: usize,
        jobs: usize,
        image: &str,
    ) -> std::io::Result<Plan> {
        std::fs::create_dir_all(out.join("logs"))?;
        let binary = std::env::current_exe()?.canonicalize()?;
        let sweep_file = file.canonicalize()?;
        let out = out.canonicalize()?;
        let base = sweep_file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut inputs = vec![sweep_file.clone()];
        for input in std::iter::once(&sweep.spec.circuit).chain(&sweep.spec.scenarios) {
            inputs.push(base.join(input).canonicalize()?);
        }
        let binary_dir = binary.parent().unwrap_or(Path::new("/")).to_path_buf();
        let inputs_dir = common_ancestor(&inputs);
        let inputs_dir = if inputs_dir == sweep_file {
            base.clone()
        } else {
            inputs_dir
        };
        Ok(Plan {
            mounts: outermost(vec![binary_dir, inputs_dir, out.clone()]),
            binary,
            sweep_file,
            out,
            shards,
            jobs: jobs.max(1),
            image: image.to_string(),
            name: job_name(&sweep.spec.name),
        })
    }

    fn shard_dirs(&self) -> Vec<String> {
        (1..=self.shards)
            .map(|k| quote(&self.out.join(format!("shard-{k}"))))
            .collect()
    }

    /// The merge command line, into the output folder itself.
    fn merge_command(&self) -> String {
        format!(
            "{} sweep merge {} -o {} --quiet",
            quote(&self.binary),
            self.shard_dirs().join(" "),
            quote(&self.out)
        )
    }

    /// The shard command line, with the shell expression giving K.
    fn shard_command(&self, k: &str) -> String {
        format!(
            "{} sweep {} -o {}/shard-{k} --shard {k}/{} --jobs {} --quiet",
            quote(&self.binary),
            quote(&self.sweep_file),
            quote(&self.out),
            self.shards,
            self.jobs
        )
    }
}

/// Writes the files for `target` into the output folder; returns their
/// names, the driver script first.
pub fn write(plan: &Plan, target: Target) -> std::io::Result<Vec<PathBuf>> {
    let files = match target {
        Target::Slurm => vec![
            ("submit-slurm.sh", slurm_submit(plan)),
            ("sweep.sbatch", slurm_array(plan)),
            ("merge.sbatch", slurm_merge(plan)),
        ],
        Target::K8s => vec![
            ("submit-k8s.sh", k8s_submit(plan)),
            ("k8s-shards.yaml", k8s_shards(plan)),
            ("k8s-merge.yaml", k8s_merge(plan)),
        ],
    };
    let mut written = Vec::new();
    for (name, text) in files {
        let path = plan.out.join(name);
        std::fs::write(&path, text)?;
        if name.ends_with(".sh") {
            make_executable(&path)?;
        }
        written.push(path);
    }
    Ok(written)
}

fn slurm_array(p: &Plan) -> String {
    format!(
        "#!/bin/bash\n\
         # Shard $SLURM_ARRAY_TASK_ID of {n} of the sweep {file}.\n\
         #SBATCH --job-name={name}\n\
         #SBATCH --array=1-{n}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={jobs}\n\
         #SBATCH --output={logs}/shard-%a.out\n\
         set -euo pipefail\n\
         exec {cmd}\n",
        n = p.shards,
        file = p.sweep_file.display(),
        name = p.name,
        jobs = p.jobs,
        logs = p.out.join("logs").display(),
        cmd = p.shard_command("\"$SLURM_ARRAY_TASK_ID\""),
    )
}

fn slurm_merge(p: &Plan) -> String {
    format!(
        "#!/bin/bash\n\
         # Merges the {n} shards of {file} into {out}; submitted by\n\
         # submit-slurm.sh to start after every array task succeeded.\n\
         #SBATCH --job-name={name}-merge\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output={logs}/merge.out\n\
         set -euo pipefail\n\
         exec {cmd}\n",
        n = p.shards,
        file = p.sweep_file.display(),
        out = p.out.display(),
        name = p.name,
        logs = p.out.join("logs").display(),
        cmd = p.merge_command(),
    )
}

fn slurm_submit(p: &Plan) -> String {
    let dir = quote(&p.out);
    format!(
        "#!/bin/sh\n\
         # Submits the shards as a job array and the merge as a job that\n\
         # starts once every task succeeded (and is cancelled if one fails).\n\
         # Prints the two job ids.\n\
         set -eu\n\
         array=$(sbatch --parsable {dir}/sweep.sbatch)\n\
         array=${{array%%;*}}\n\
         merge=$(sbatch --parsable --dependency=afterok:\"$array\" --kill-on-invalid-dep=yes {dir}/merge.sbatch)\n\
         echo \"$array\"\n\
         echo \"${{merge%%;*}}\"\n"
    )
}

fn k8s_submit(p: &Plan) -> String {
    let dir = quote(&p.out);
    format!(
        "#!/bin/sh\n\
         # Runs the shards as an Indexed Job, waits for it, then the merge Job.\n\
         set -eu\n\
         kubectl apply -f {dir}/k8s-shards.yaml\n\
         kubectl wait --for=condition=complete --timeout=-1s job/{name}-shards\n\
         kubectl apply -f {dir}/k8s-merge.yaml\n\
         kubectl wait --for=condition=complete --timeout=-1s job/{name}-merge\n",
        name = p.name
    )
}

/// The Indexed Job: pod K − 1 (JOB_COMPLETION_INDEX) runs shard K.
fn k8s_shards(p: &Plan) -> String {
    let script = format!(
        "k=$((JOB_COMPLETION_INDEX + 1)); exec {}",
        p.shard_command("\"$k\"")
    );
    let mut y = k8s_head(p, "shards");
    let _ = write!(
        y,
        "  completionMode: Indexed\n  completions: {n}\n  parallelism: {n}\n",
        n = p.shards
    );
    y.push_str(&k8s_pod(p, "shard", &script, p.jobs));
    y
}

fn k8s_merge(p: &Plan) -> String {
    let mut y = k8s_head(p, "merge");
    y.push_str("  completions: 1\n");
    y.push_str(&k8s_pod(
        p,
        "merge",
        &format!("exec {}", p.merge_command()),
        1,
    ));
    y
}

fn k8s_head(p: &Plan, role: &str) -> String {
    format!(
        "# busbar sweep {file}: {role} (see submit-k8s.sh)\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-{role}\nspec:\n  backoffLimit: 0\n",
        file = p.sweep_file.display(),
        name = p.name,
    )
}

/// The pod template: one container running `script` under `sh -c`, with
/// the shared folders mounted at the same paths.
fn k8s_pod(p: &Plan, container: &str, script: &str, cpus: usize) -> String {
    let (mut mounts, mut volumes) = (String::new(), String::new());
    for (i, dir) in p.mounts.iter().enumerate() {
        let path = yaml_str(&dir.display().to_string());
        let _ = write!(
            mounts,
            "            - name: shared-{i}\n              mountPath: {path}\n"
        );
        let _ = write!(
            volumes,
            "        - name: shared-{i}\n          hostPath:\n            path: {path}\n"
        );
    }
    format!(
        "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n\
         \x20       - name: {container}\n          image: {image}\n\
         \x20         command: [\"/bin/sh\", \"-c\", {script}]\n\
         \x20         resources:\n            requests:\n              cpu: \"{cpus}\"\n\
         \x20         volumeMounts:\n{mounts}      volumes:\n{volumes}",
        image = yaml_str(&p.image),
        script = yaml_str(script),
    )
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A path as one shell word, in single quotes.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// A Kubernetes object name (DNS label): lower-case letters, digits, `-`.
fn job_name(sweep_name: &str) -> String {
    let mut name = String::new();
    for c in sweep_name.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_matches('-').chars().take(40).collect();
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "busbar-sweep".into()
    } else {
        format!("busbar-{name}")
    }
}

/// The folders of `dirs` that lie under no other one, sorted.
fn outermost(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    dirs.sort();
    let mut kept: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !kept.iter().any(|k| d.starts_with(k)) {
            kept.push(d);
        }
    }
    kept
}

fn common_ancestor(paths: &[PathBuf]) -> PathBuf {
    let mut root = paths.first().cloned().unwrap_or_else(|| PathBuf::from("/"));
    for p in paths {
        while !p.starts_with(&root) {
            if !root.pop() {
                return PathBuf::from("/");
            }
        }
    }
    root
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}
