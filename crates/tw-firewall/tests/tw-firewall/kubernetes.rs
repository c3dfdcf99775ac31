//! The NetworkPolicies `firewall plan --backend kubernetes` prints: reviewed snapshots (the
//! same documents deploy/kubernetes/test.sh validates against the Kubernetes schemas).
use tw_firewall::kubernetes::{network_policy, Egress, JobKind, PodPolicy, PodPolicyInput};
use tw_firewall::PortRange;

fn policy(kind: JobKind, egress: Egress, namespace: Option<&str>) -> String {
    network_policy(
        &PodPolicy::new(PodPolicyInput {
            job: "bert".into(),
            namespace: namespace.map(str::to_owned),
            kind,
            pod_labels: vec![],
            ports: vec![
                PortRange::single(29500),
                PortRange::new(60000, 60015).unwrap(),
            ],
            egress,
        })
        .unwrap(),
    )
}

#[test]
fn pytorchjob_ingress_only() {
    insta::assert_snapshot!(
        "kubernetes_pytorchjob",
        policy(JobKind::PyTorchJob, Egress::Open, Some("team-a"))
    );
}

#[test]
fn trainjob_with_egress() {
    insta::assert_snapshot!(
        "kubernetes_trainjob_egress",
        policy(JobKind::TrainJob, Egress::Job, None)
    );
}

#[test]
fn each_operator_selects_by_its_own_label() {
    for (kind, key) in [
        (
            JobKind::PyTorchJob,
            "\"training.kubeflow.org/job-name\": \"bert\"",
        ),
        (
            JobKind::TrainJob,
            "\"jobset.sigs.k8s.io/jobset-name\": \"bert\"",
        ),
        (JobKind::Volcano, "\"volcano.sh/job-name\": \"bert\""),
    ] {
        let yaml = policy(kind, Egress::Open, None);
        // The selector of the policy and of its ingress peer.
        assert_eq!(yaml.matches(key).count(), 2, "{yaml}");
    }
}
