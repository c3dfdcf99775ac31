//! Fuzz target for the pickle machine: any input, both profiles, extraction and a bounded
//! walk must never panic, hang or allocate without bound; records must stay consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_pickle::{parse, parse_at, torch, Limits, ParseOptions, Profile};

fuzz_target!(|data: &[u8]| {
    // Tight limits so that the fuzzer explores limit paths quickly.
    let limits = Limits {
        max_opcodes: 100_000,
        max_stack_depth: 10_000,
        max_metastack_depth: 1_000,
        max_memo_entries: 10_000,
        max_nesting_depth: 200,
        max_string_len: 1 << 20,
        max_graph_nodes: 100_000,
        max_tensors: 10_000,
        max_total_elements: 1 << 40,
        walk_step_allowance: 10_000,
        materialise_allowance: 1 << 20,
    };
    for profile in [Profile::WeightsOnly, Profile::Scan] {
        let options = ParseOptions {
            profile,
            limits,
            ..ParseOptions::default()
        };
        let parsed = parse(data, &options);
        if profile == Profile::WeightsOnly {
            assert!(parsed.violations.len() <= 1);
        }
        if let Some(error) = &parsed.error {
            assert!(error.offset() <= data.len() as u64);
        }
        if let Some(end) = parsed.end {
            assert!(end <= data.len());
            // Callers parse concatenated pickles from the end of the previous one.
            let _ = parse_at(data, end, &options);
        }
        for global in parsed.graph.globals() {
            if let Some((module, name)) = global.names() {
                let _ = tw_pickle::dangerous_reason(module, name);
                let _ = tw_pickle::is_weights_only_allowed(module, name);
            }
        }
        let _ = torch::extract(&parsed);
        let _ = parsed.expansion();
        if let Some(root) = parsed.root {
            parsed.graph.walk(root, 64, |_, _| {});
        }
    }
    // joblib's layout: skipped array bytes stay inside the input, in stream order.
    let joblib = tw_pickle::parse_joblib(
        data,
        &ParseOptions {
            profile: Profile::Scan,
            limits,
            ..ParseOptions::default()
        },
    );
    let mut last = 0;
    for array in &joblib.joblib {
        assert!(last <= array.start && array.start <= array.end && array.end <= data.len() as u64);
        last = array.end;
    }
    let _ = tw_pickle::joblib::explained_violations(&joblib);
});
