//! Replays every file of `fuzz/corpus/pickle/` (seeds and malformed inputs) through both
//! profiles and extraction: none may panic, and the seeds must parse. Files named `found_*`
//! are inputs libFuzzer found that add coverage (merged with `-merge=1`).

use std::path::PathBuf;

use tw_pickle::{parse, torch, ParseOptions, Profile};

#[test]
fn replay_fuzz_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/pickle");
    let mut count = 0;
    let mut complete = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for profile in [Profile::WeightsOnly, Profile::Scan] {
            // As in fuzz/fuzz_targets/pickle.rs: a small walk allowance keeps expansion seeds fast.
            let mut options = ParseOptions::new(profile);
            options.limits.walk_step_allowance = 10_000;
            let parsed = parse(&bytes, &options);
            if profile == Profile::Scan && parsed.error.is_none() {
                complete += 1;
            }
            let _ = torch::extract(&parsed);
        }
        // joblib's layout (fuzz/corpus/pickle/joblib_*): the arrays lie inside the input.
        let joblib = tw_pickle::parse_joblib(&bytes, &ParseOptions::new(Profile::Scan));
        for array in &joblib.joblib {
            assert!(array.start <= array.end && array.end <= bytes.len() as u64);
        }
        let _ = tw_pickle::joblib::explained_violations(&joblib);
        count += 1;
    }
    assert!(count >= 20, "corpus has only {count} files");
    assert!(
        complete >= 10,
        "only {complete} corpus files parse completely"
    );
}
