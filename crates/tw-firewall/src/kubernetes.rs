//! The Kubernetes renderer: a `networking.k8s.io/v1` NetworkPolicy that lets only a training
//! job's own pods reach its training ports. A [`PodPolicy`] is only built by
//! [`PodPolicy::new`], which checks every name and label against the Kubernetes grammar
//! (DNS-1123 names, qualified label keys, label values), so the YAML written by hand here can
//! carry no injected structure; every free string is also double-quoted, so values such as
//! `123`, `true` or `on` stay strings.
//!
//! What the policy says (docs/cluster.md, "Kubernetes"): the selected pods accept every port
//! from the job's own pods (NCCL, Gloo and the c10d store also pick random ports), every
//! other TCP port and all UDP and SCTP from anyone (only the training ports are restricted,
//! as with the host rules), and, with [`Egress::Job`], send only to the job's pods and to DNS.
//! `hostNetwork` pods are not covered by any NetworkPolicy: they need the host rules.
// Kubernetes kind names (NetworkPolicy, PyTorchJob, TrainJob) are prose in these docs.
#![allow(clippy::doc_markdown)]
use crate::port::{self, PortRange};
use std::fmt::Write as _;

/// The label key each training operator puts on a job's pods, with the job's name as value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Kubeflow training-operator v1 (PyTorchJob, MPIJob ...): `training.kubeflow.org/job-name`.
    PyTorchJob,
    /// Kubeflow Trainer v2 TrainJob, run as a JobSet of the same name:
    /// `jobset.sigs.k8s.io/jobset-name`.
    TrainJob,
    /// Volcano Job: `volcano.sh/job-name`.
    Volcano,
}

impl JobKind {
    /// The label key whose value is the job's name.
    pub fn label_key(self) -> &'static str {
        match self {
            JobKind::PyTorchJob => "training.kubeflow.org/job-name",
            JobKind::TrainJob => "jobset.sigs.k8s.io/jobset-name",
            JobKind::Volcano => "volcano.sh/job-name",
        }
    }
}

/// Whether the policy also restricts what the job's pods may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Egress {
    /// Egress is left alone (default): jobs read datasets, write checkpoints and push metrics
    /// to places no flag can list, and the statement's control is on who reaches the ports.
    Open,
    /// Egress only to the job's own pods and to DNS (port 53, UDP and TCP, any destination,
    /// so node-local DNS caches keep working).
    Job,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct PodPolicyInput {
    /// The job's name (PyTorchJob, TrainJob or Volcano Job `metadata.name`).
    pub job: String,
    /// The job's namespace; omitted from the policy when `None` (kubectl's current one).
    pub namespace: Option<String>,
    /// Which operator runs the job (the default label selector).
    pub kind: JobKind,
    /// Labels selecting the job's pods instead of the operator's (`KEY=VALUE`).
    pub pod_labels: Vec<(String, String)>,
    /// The training ports only the job's pods may reach.
    pub ports: Vec<PortRange>,
    /// Whether egress is restricted too.
    pub egress: Egress,
}

/// Why a policy cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PodPolicyError {
    /// No ports to restrict.
    #[error("no ports to restrict: give --port or let the matrix supply them")]
    NoPorts,
    /// A job name Kubernetes would not accept as a label value and name suffix.
    #[error("job name `{name}` is not a DNS-1123 label (1-{max} characters: a-z, 0-9, `-`, starting and ending alphanumeric)")]
    BadJob {
        /// The name given.
        name: String,
        /// Longest accepted name.
        max: usize,
    },
    /// A namespace that is not a DNS-1123 label.
    #[error("namespace `{name}` is not a DNS-1123 label (1-63 characters: a-z, 0-9, `-`, starting and ending alphanumeric)")]
    BadNamespace {
        /// The name given.
        name: String,
    },
    /// A label key that is not a qualified name.
    #[error("label key `{key}` is not a Kubernetes label key ([PREFIX/]NAME: NAME 1-63 characters of A-Z a-z 0-9 - _ . starting and ending alphanumeric, PREFIX a DNS subdomain)")]
    BadLabelKey {
        /// The key given.
        key: String,
    },
    /// A label value Kubernetes would not accept.
    #[error("label value `{value}` of `{key}` is not a Kubernetes label value (0-63 characters of A-Z a-z 0-9 - _ . starting and ending alphanumeric)")]
    BadLabelValue {
        /// The key it belongs to.
        key: String,
        /// The value given.
        value: String,
    },
}

/// A checked NetworkPolicy for one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPolicy {
    name: String,
    job: String,
    namespace: Option<String>,
    selector: Vec<(String, String)>,
    ports: Vec<PortRange>,
    egress: Egress,
}

/// Prefix of the policy's name (`torchward-JOB`), so `kubectl get netpol` shows whose it is.
const NAME_PREFIX: &str = "torchward-";

/// A DNS-1123 label: 1-63 of `a-z0-9-`, alphanumeric at both ends.
fn dns_label(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
fn dns_subdomain(text: &str) -> bool {
    text.len() <= 253 && text.split('.').all(dns_label)
}

/// A label value or the name part of a key: 0-63 of `A-Za-z0-9-_.`, alphanumeric at both ends
/// (empty allowed for values only).
fn label_value(text: &str) -> bool {
    text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && text
            .bytes()
            .next()
            .is_none_or(|b| b.is_ascii_alphanumeric())
        && text
            .bytes()
            .last()
            .is_none_or(|b| b.is_ascii_alphanumeric())
}

/// A label key: `[PREFIX/]NAME`.
fn label_key(text: &str) -> bool {
    let (prefix, name) = match text.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    !name.is_empty() && label_value(name) && prefix.is_none_or(dns_subdomain)
}

impl PodPolicy {
    /// Checks the input: names and labels against the Kubernetes grammar, at least one port.
    pub fn new(input: PodPolicyInput) -> Result<PodPolicy, PodPolicyError> {
        let max = 63usize.min(253 - NAME_PREFIX.len());
        if !dns_label(&input.job) {
            return Err(PodPolicyError::BadJob {
                name: input.job,
                max,
            });
        }
        if let Some(namespace) = &input.namespace {
            if !dns_label(namespace) {
                return Err(PodPolicyError::BadNamespace {
                    name: namespace.clone(),
                });
            }
        }
        for (key, value) in &input.pod_labels {
            if !label_key(key) {
                return Err(PodPolicyError::BadLabelKey { key: key.clone() });
            }
            if !label_value(value) {
                return Err(PodPolicyError::BadLabelValue {
                    key: key.clone(),
                    value: value.clone(),
                });
            }
        }
        // NetworkPolicy ports are 1-65535; port 0 never carries a listener.
        let ports: Vec<PortRange> = port::normalize(input.ports)
            .into_iter()
            .filter_map(|r| PortRange::new(r.start.max(1), r.end))
            .collect();
        if ports.is_empty() {
            return Err(PodPolicyError::NoPorts);
        }
        let selector = if input.pod_labels.is_empty() {
            vec![(input.kind.label_key().to_owned(), input.job.clone())]
        } else {
            let mut labels = input.pod_labels;
            labels.sort();
            labels.dedup();
            labels
        };
        Ok(PodPolicy {
            name: format!("{NAME_PREFIX}{}", input.job),
            job: input.job,
            namespace: input.namespace,
            selector,
            ports,
            egress: input.egress,
        })
    }

    /// The policy's `metadata.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The labels selecting the job's pods.
    pub fn selector(&self) -> &[(String, String)] {
        &self.selector
    }

    /// The restricted ports (normal form).
    pub fn ports(&self) -> &[PortRange] {
        &self.ports
    }

    /// Every TCP port outside the restricted ones (1-65535), which stay open to anyone.
    pub fn open_ports(&self) -> Vec<PortRange> {
        let mut open = Vec::new();
        let mut next: u32 = 1;
        for range in &self.ports {
            if u32::from(range.start) > next {
                if let (Ok(start), Ok(end)) = (
                    u16::try_from(next),
                    u16::try_from(u32::from(range.start) - 1),
                ) {
                    open.extend(PortRange::new(start, end));
                }
            }
            next = u32::from(range.end) + 1;
        }
        if let Ok(start) = u16::try_from(next) {
            open.extend(PortRange::new(start, u16::MAX));
        }
        open
    }
}

/// A YAML double-quoted scalar (YAML 1.2 §7.3.1): `"` and `\` escaped, control characters as
/// `\xNN`. Checked input never holds them; quoting is what keeps `123` or `on` a string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c) & 0xff);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `matchLabels` entries at `indent`.
fn match_labels(out: &mut String, indent: &str, labels: &[(String, String)]) {
    let _ = writeln!(out, "{indent}matchLabels:");
    for (key, value) in labels {
        let _ = writeln!(out, "{indent}  {}: {}", quoted(key), quoted(value));
    }
}

/// One `ports` list item per range (`endPort` for ranges, GA since Kubernetes 1.25).
fn port_items(out: &mut String, indent: &str, protocol: &str, ranges: &[PortRange]) {
    for range in ranges {
        let _ = writeln!(out, "{indent}- protocol: {protocol}");
        let _ = writeln!(out, "{indent}  port: {}", range.start);
        if range.end != range.start {
            let _ = writeln!(out, "{indent}  endPort: {}", range.end);
        }
    }
}

/// The policy as a YAML document, with a comment header saying what it does and does not
/// cover.
pub fn network_policy(policy: &PodPolicy) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# torchward: TCP {} of job {} reachable only from the job's own pods.",
        port::join(&policy.ports),
        policy.job
    );
    out.push_str(
        "# hostNetwork pods are not covered by NetworkPolicy: protect them with host rules\n\
         # (torchward run, a Slurm-style prolog, or a DaemonSet applying torchward firewall).\n",
    );
    out.push_str("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", quoted(&policy.name));
    if let Some(namespace) = &policy.namespace {
        let _ = writeln!(out, "  namespace: {}", quoted(namespace));
    }
    out.push_str("  labels:\n    app.kubernetes.io/managed-by: \"torchward\"\nspec:\n");
    out.push_str("  podSelector:\n");
    match_labels(&mut out, "    ", &policy.selector);
    out.push_str("  policyTypes:\n  - Ingress\n");
    if policy.egress == Egress::Job {
        out.push_str("  - Egress\n");
    }
    out.push_str("  ingress:\n");
    out.push_str("  # The job's own pods: every port (collectives also listen on random ports).\n");
    out.push_str("  - from:\n    - podSelector:\n");
    match_labels(&mut out, "        ", &policy.selector);
    out.push_str("  # Anyone: every port but the training ports.\n  - ports:\n");
    port_items(&mut out, "    ", "TCP", &policy.open_ports());
    out.push_str("    - protocol: UDP\n    - protocol: SCTP\n");
    if policy.egress == Egress::Job {
        out.push_str("  egress:\n  - to:\n    - podSelector:\n");
        match_labels(&mut out, "        ", &policy.selector);
        out.push_str("  # DNS, wherever the resolver is (cluster DNS or a node-local cache).\n");
        out.push_str("  - ports:\n    - protocol: UDP\n      port: 53\n    - protocol: TCP\n      port: 53\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input() -> PodPolicyInput {
        PodPolicyInput {
            job: "bert".into(),
            namespace: Some("team-a".into()),
            kind: JobKind::PyTorchJob,
            pod_labels: vec![],
            ports: vec![
                PortRange::single(29500),
                PortRange::new(60000, 60015).unwrap(),
            ],
            egress: Egress::Open,
        }
    }

    #[test]
    fn open_ports_are_the_complement() {
        let policy = PodPolicy::new(input()).unwrap();
        assert_eq!(
            port::join(&policy.open_ports()),
            "1-29499, 29501-59999, 60016-65535"
        );
        let mut edges = input();
        edges.ports = vec![PortRange::new(0, 10).unwrap(), PortRange::single(65535)];
        let policy = PodPolicy::new(edges).unwrap();
        assert_eq!(port::join(policy.ports()), "1-10, 65535");
        assert_eq!(port::join(&policy.open_ports()), "11-65534");
    }

    #[test]
    fn names_and_labels_outside_the_grammar_are_refused() {
        for bad in ["", "Bert", "-a", "a-", "a_b", "a\"b", &"a".repeat(64)] {
            let mut i = input();
            i.job = bad.to_owned();
            assert!(
                matches!(PodPolicy::new(i), Err(PodPolicyError::BadJob { .. })),
                "{bad}"
            );
        }
        let mut i = input();
        i.namespace = Some("a.b".into());
        assert!(matches!(
            PodPolicy::new(i),
            Err(PodPolicyError::BadNamespace { .. })
        ));
        for (key, value, key_bad) in [
            ("", "x", true),
            ("a/", "x", true),
            ("Ex.com/a", "x", true),
            ("a b", "x", true),
            ("x.io/app", "a\nb", false),
            ("app", "-x", false),
            ("app", &*"v".repeat(64), false),
        ] {
            let mut i = input();
            i.pod_labels = vec![(key.to_owned(), value.to_owned())];
            let err = PodPolicy::new(i).unwrap_err();
            assert_eq!(
                matches!(err, PodPolicyError::BadLabelKey { .. }),
                key_bad,
                "{key}={value}: {err}"
            );
        }
        let mut none = input();
        none.ports = vec![PortRange::single(0)];
        assert_eq!(PodPolicy::new(none), Err(PodPolicyError::NoPorts));
    }

    #[test]
    fn custom_labels_replace_the_operator_label() {
        let mut i = input();
        i.pod_labels = vec![("app".into(), "123".into()), ("app".into(), "123".into())];
        let policy = PodPolicy::new(i).unwrap();
        assert_eq!(policy.selector(), [("app".to_owned(), "123".to_owned())]);
        assert!(network_policy(&policy).contains("\"app\": \"123\""));
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quoted("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\x01\"");
    }
}
