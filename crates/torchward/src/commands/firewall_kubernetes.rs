//! `torchward firewall plan --backend kubernetes`: the job's training ports as a NetworkPolicy
//! admitting only the job's own pods (selected by the label its operator sets, or
//! `--pod-label`). Host-only options (`--peer`, `--interface`, interface coverage) are refused
//! rather than silently dropped, since a policy cannot express them.
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use super::job::{self, CoverageChoice, JobArgs, RuleArgs};
use crate::exit::ExitStatus;
use crate::output;
use clap::ValueEnum;
use tw_firewall::kubernetes::{network_policy, Egress, JobKind, PodPolicy, PodPolicyInput};

/// Operators whose pod labels select a job's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindChoice {
    /// Kubeflow training-operator PyTorchJob: training.kubeflow.org/job-name=JOB.
    Pytorchjob,
    /// Kubeflow Trainer v2 TrainJob (a JobSet of the same name): jobset.sigs.k8s.io/jobset-name=JOB.
    Trainjob,
    /// Volcano Job: volcano.sh/job-name=JOB.
    Volcano,
}

/// Egress choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EgressChoice {
    /// Leave egress alone (datasets, checkpoints and metrics go where they go).
    Open,
    /// Egress only to the job's own pods and DNS (port 53).
    Job,
}

/// The job a NetworkPolicy is for.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Kubernetes (--backend kubernetes)")]
pub struct KubeArgs {
    /// The job's name (metadata.name of the PyTorchJob, TrainJob or Volcano Job).
    #[arg(long, value_name = "NAME")]
    pub job: Option<String>,
    /// The job's namespace (default: the one kubectl applies to).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// The operator running the job; picks the label selecting its pods.
    #[arg(long, value_enum, value_name = "KIND", default_value_t = KindChoice::Pytorchjob)]
    pub job_kind: KindChoice,
    /// Select the job's pods by this label instead (repeatable; all must match).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_label)]
    pub pod_label: Vec<(String, String)>,
    /// Whether the job's pods may send anywhere (open) or only to each other and DNS (job).
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = EgressChoice::Open)]
    pub egress: EgressChoice,
}

impl KubeArgs {
    /// Whether any option of this group was given (they mean nothing to the host backends).
    pub fn given(&self) -> bool {
        self.job.is_some()
            || self.namespace.is_some()
            || self.job_kind != KindChoice::Pytorchjob
            || !self.pod_label.is_empty()
            || self.egress != EgressChoice::Open
    }
}

fn parse_label(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))
}

/// Prints the NetworkPolicy for the job.
pub fn plan(
    kube: &KubeArgs,
    job_args: &JobArgs,
    rules: &RuleArgs,
    launch: Option<&tw_firewall::LaunchLine>,
) -> anyhow::Result<ExitStatus> {
    if !rules.peer.is_empty()
        || rules.interface.is_some()
        || rules.coverage != CoverageChoice::Ports
        || !rules.keep_open.is_empty()
        || rules.reject
    {
        anyhow::bail!("--peer, --interface, --coverage interface, --keep-open and --reject are host rules: a NetworkPolicy admits the job's pods by label (--job, --pod-label)");
    }
    let Some(name) = &kube.job else {
        anyhow::bail!("--backend kubernetes needs --job NAME");
    };
    let ports = if rules.port.is_empty() {
        job::matrix(job_args, launch).training_ports()
    } else {
        rules.port.clone()
    };
    let policy = PodPolicy::new(PodPolicyInput {
        job: name.clone(),
        namespace: kube.namespace.clone(),
        kind: match kube.job_kind {
            KindChoice::Pytorchjob => JobKind::PyTorchJob,
            KindChoice::Trainjob => JobKind::TrainJob,
            KindChoice::Volcano => JobKind::Volcano,
        },
        pod_labels: kube.pod_label.clone(),
        ports,
        egress: match kube.egress {
            EgressChoice::Open => Egress::Open,
            EgressChoice::Job => Egress::Job,
        },
    })?;
    output::note(format!(
        "NetworkPolicy {}: TCP {} of pods {} reachable only from those pods; hostNetwork pods need host rules (torchward run)",
        policy.name(),
        tw_firewall::port::join(policy.ports()),
        policy
            .selector()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    ));
    match output::write_stdout(&network_policy(&policy)) {
        Err(err) if !output::is_broken_pipe(&err) => Err(err),
        _ => Ok(ExitStatus::Success),
    }
}
