//! The audit on this machine's real `/`: it must complete, cover every rule, and report no
//! probe errors (results themselves depend on the host and are not asserted).
use tw_host::{audit, Options, Profile, SystemRoot, TrainingPorts};

#[test]
fn real_host_audit_completes() {
    let options = Options {
        profile: Profile::Baseline,
        ports: TrainingPorts::new(60000, 16, Vec::new()).unwrap(),
        pids: Vec::new(),
        all_processes: true,
        skips: Vec::new(),
        today: tw_host::today(),
        state_files: Vec::new(),
    };
    let started = std::time::Instant::now();
    let result = audit(&SystemRoot::default(), &options);
    let elapsed = started.elapsed();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    for rule in tw_host::RULES {
        assert!(
            result.findings.iter().any(|f| f.rule == rule.id),
            "{}",
            rule.id
        );
    }
    println!(
        "real host audit: {} findings in {elapsed:?}",
        result.findings.len()
    );
}
