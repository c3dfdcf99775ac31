//! No input makes the container readers panic: random bytes, and valid archives with bytes
//! flipped, truncated or spliced.

use proptest::prelude::*;
use tw_checkpoint::npy::NpyHeader;
use tw_checkpoint::safetensors::SafetensorsHeader;
use tw_checkpoint::zip::ZipArchive;
use tw_checkpoint::{detect, open, Limits, Options};

use super::fixture;

const SEEDS: [&str; 15] = [
    "torch_zip.pt",
    "torch_zip64.pt",
    "deflated.pt",
    "legacy.pt",
    "object.npz",
    "object.npy",
    "good.safetensors",
    "concatenated.pkl",
    "pickle.gz",
    "pickle.xz",
    "polyglot.pkl",
    "legacy.tar",
    "legacy_tar_walk.tar",
    "legacy_eval_magic.pt",
    "legacy_trailing.pt",
];

/// Runs every reader on `data`; the only requirement is that none panics.
pub fn exercise(data: &[u8]) {
    let limits = Limits {
        max_decompressed: 1 << 22,
        ..Limits::default()
    };
    let options = Options {
        limits: limits.clone(),
        verify_data: true,
    };
    let _ = detect(data, &limits);
    if let Ok(c) = open(data, &options) {
        for p in &c.pickles {
            assert!(p.bytes.len() <= data.len().max(1 << 22));
        }
    }
    let _ = ZipArchive::parse(data, &limits);
    let _ = NpyHeader::parse(data, &limits);
    let _ = SafetensorsHeader::parse(data, &limits);
    super::archive_readers::exercise_archive(data, &limits);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&data);
    }

    #[test]
    fn mutated_archives_never_panic(
        seed in 0..SEEDS.len(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut data = fixture(SEEDS[seed]);
        for (at, byte) in flips {
            let n = data.len();
            data[at % n] = byte;
        }
        exercise(&data);
        let keep = cut % (data.len() + 1);
        exercise(&data[..keep]);
    }
}
